"""Welcoming newcomers on Home: the newest volunteers, each with an onboarding checklist.

:class:`NewcomerPanel` is the content of the "Who's new" card: the list of the newest
volunteers above the checklist of the one picked (welcomed, trained, first shift, buddy
assigned), whose boxes the coordinator ticks.  Each tick is saved in the background and can
be undone.  "Suggest a buddy…" lists experienced volunteers who would suit, each with the
reason.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from organizer.changes import DataChange
from organizer.errors import OrganizerError
from organizer.people.newcomers import (
    STEP_LABELS,
    BuddySuggestion,
    Onboarding,
    OnboardingService,
    OnboardingStep,
)
from organizer.ui.context import ViewContext
from organizer.ui.people.common import Notice, error_text, heading, muted, run, tr
from organizer.ui.people.models import RowsModel
from organizer.ui.tones import Tone, scaled_font
from organizer.ui.undo import EditCommand, push_done, refusal_text
from organizer.ui.volunteers.text import day_text

Today = Callable[[], date]
SUGGESTIONS = 5


class SuggestionsModel(RowsModel[BuddySuggestion]):
    """Suggested buddies, best first; each row is the sentence saying why."""

    headers = (tr("Suggested buddy"),)

    def value(self, item: BuddySuggestion, column: int, role: int) -> Any:
        """See :meth:`RowsModel.value`."""
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return item.reason
        return None


class BuddyDialog(QDialog):
    """Experienced volunteers who could buddy a newcomer, with why; pick one to make it so.

    ``chosen`` carries the suggestion picked.
    """

    chosen = Signal(object)

    def __init__(
        self, context: ViewContext, newcomer: Onboarding, parent: QWidget | None = None
    ) -> None:
        """Look for suggestions as the window opens."""
        super().__init__(parent)
        self.context = context
        self.newcomer = newcomer
        self.loaded = False
        self.setWindowTitle(tr("Suggest a buddy"))
        self.setAccessibleName(tr("Suggest a buddy"))
        self.setObjectName("suggest-buddy")
        self.resize(560, 380)
        self.model = SuggestionsModel(self)
        self.list = QListView()
        self.list.setAccessibleName(tr("Suggested buddies"))
        self.list.setModel(self.model)
        self.list.setWordWrap(True)
        self.list.setSpacing(4)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list.selectionModel().selectionChanged.connect(lambda *_: self._update())
        self.list.doubleClicked.connect(lambda _: self.choose())
        self.notice = Notice(tr("About the suggestions"))
        self.choose_button = QPushButton(tr("&Make them the buddy"))
        self.choose_button.setAccessibleName(tr("Make the suggested volunteer the buddy"))
        self.choose_button.setDefault(True)
        self.choose_button.clicked.connect(self.choose)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName(tr("Cancel"))
        buttons.addButton(self.choose_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 14)
        layout.setSpacing(10)
        layout.addWidget(heading(tr("A buddy for {name}").format(name=newcomer.name)))
        layout.addWidget(
            muted(
                tr(
                    "A buddy is an experienced volunteer who looks out for a newcomer. These "
                    "people have done many shifts and, where Organizer can tell, help with the "
                    "same causes and are free at the same times."
                ),
                tr("About buddies"),
            )
        )
        layout.addWidget(self.notice)
        layout.addWidget(self.list, 1)
        layout.addWidget(buttons)
        self._update()
        onboarding = context.services.onboarding
        run(
            self,
            context,
            lambda: onboarding.buddy_suggestions(newcomer.volunteer_id, SUGGESTIONS),
            self._loaded,
            lambda error: self.notice.say(error_text(error), Tone.ALERT),
        )

    def _loaded(self, suggestions: list[BuddySuggestion]) -> None:
        self.loaded = True
        self.model.set_items(suggestions)
        if suggestions:
            self.list.setCurrentIndex(self.model.index(0, 0))
            self.notice.say("")
        else:
            self.notice.say(
                tr(
                    "Nobody suits yet: a buddy has attended at least 5 shifts, is not already "
                    "buddying 3 newcomers and shares a cause and free times with them."
                )
            )
        self._update()

    def selected(self) -> BuddySuggestion | None:
        """The suggestion picked."""
        return self.model.item(self.list.currentIndex().row())

    def _update(self) -> None:
        self.choose_button.setEnabled(self.selected() is not None and not self.context.read_only)

    def choose(self) -> None:
        """Make the picked volunteer the newcomer's buddy."""
        suggestion = self.selected()
        if suggestion is not None and not self.context.read_only:
            self.chosen.emit(suggestion)
            self.accept()


class ChecklistBox(QFrame):
    """One newcomer's onboarding steps as tick boxes, and "Suggest a buddy…"."""

    def __init__(self, parent: QWidget | None = None) -> None:
        """Empty until a newcomer is shown."""
        super().__init__(parent)
        self.setAccessibleName(tr("Getting started checklist"))
        self.title = QLabel()
        self.title.setAccessibleName(tr("Whose checklist"))
        self.title.setFont(scaled_font(self.font(), 1.0))
        self.progress = QLabel()
        self.progress.setAccessibleName(tr("Steps done"))
        self.progress.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.boxes: dict[OnboardingStep, QCheckBox] = {}
        for step, label in STEP_LABELS.items():
            box = QCheckBox(tr(label))
            box.setAccessibleName(tr(label))
            self.boxes[step] = box
        self.boxes[OnboardingStep.FIRST_SHIFT].setToolTip(
            tr("Ticks itself once they have done a shift")
        )
        self.suggest_button = QPushButton(tr("Suggest a &buddy…"))
        self.suggest_button.setAccessibleName(tr("Suggest a buddy"))
        self.note = Notice(tr("Checklist message"))
        top = QHBoxLayout()
        top.setSpacing(8)
        top.addWidget(self.title)
        top.addWidget(self.progress, 0, Qt.AlignmentFlag.AlignBaseline)
        top.addStretch(1)
        grid = QGridLayout()
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(4)
        grid.addWidget(self.boxes[OnboardingStep.WELCOMED], 0, 0)
        grid.addWidget(self.boxes[OnboardingStep.TRAINED], 0, 1)
        grid.addWidget(self.boxes[OnboardingStep.FIRST_SHIFT], 1, 0)
        grid.addWidget(self.boxes[OnboardingStep.BUDDY], 1, 1)
        grid.addWidget(self.suggest_button, 0, 2, 2, 1, Qt.AlignmentFlag.AlignVCenter)
        grid.setColumnStretch(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(top)
        layout.addLayout(grid)
        layout.addWidget(self.note)
        # Always its full height: the list above scrolls instead of the checklist squashing.
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def show_checklist(self, item: Onboarding) -> None:
        """Show ``item``'s steps."""
        self.title.setText(item.name)
        self.progress.setText(tr("{done} of 4 steps done").format(done=item.done))
        for step, done in item.steps:
            box = self.boxes[step]
            box.setChecked(done)
            box.setToolTip(self._tip(item, step))
        buddy = self.boxes[OnboardingStep.BUDDY]
        buddy.setText(
            tr("Buddy: {name}").format(name=item.buddy_name)
            if item.buddy_id is not None
            else tr(STEP_LABELS[OnboardingStep.BUDDY])
        )
        if item.review_reason:
            self.note.say(item.review_reason, Tone.WARN)
        else:
            self.note.say("")
        layout = self.layout()
        if layout is not None:
            layout.activate()  # new texts get their room now, not at the next event-loop turn

    def _tip(self, item: Onboarding, step: OnboardingStep) -> str:
        if step is OnboardingStep.WELCOMED and item.welcomed_on:
            return tr("Welcomed on {day}").format(day=day_text(item.welcomed_on))
        if step is OnboardingStep.TRAINED and item.trained_on:
            return tr("Trained on {day}").format(day=day_text(item.trained_on))
        if step is OnboardingStep.FIRST_SHIFT:
            if item.first_shift_at:
                return tr("First shift on {day}").format(day=day_text(item.first_shift_at.date()))
            return tr("Ticks itself once they have done a shift")
        if step is OnboardingStep.BUDDY and item.buddy_id is None:
            return tr("Tick to choose a buddy from suggestions")
        return ""

    def set_editable(self, editable: bool) -> None:
        """Let the boxes be ticked (not while saving, nor on a read-only file)."""
        for step, box in self.boxes.items():
            box.setEnabled(editable and step is not OnboardingStep.FIRST_SHIFT)


class NewcomerPanel(QWidget):
    """The newest volunteers (``newcomers_list``, Home's list) and the picked one's checklist.

    ``today`` gives the date a tick records.  ``checklist`` is the checklist on show.
    """

    checklist_shown = Signal(object)

    def __init__(
        self,
        context: ViewContext,
        newcomers_list: QListView,
        parent: QWidget | None = None,
        *,
        object_role: int,
        today: Today = date.today,
    ) -> None:
        """Wrap ``newcomers_list``; its items give a ``volunteer_id`` for ``object_role``."""
        super().__init__(parent)
        self.context = context
        self.onboarding: OnboardingService = context.services.onboarding
        self.list = newcomers_list
        self.today = today
        self.object_role = object_role
        self.checklist: Onboarding | None = None
        self.saving = False
        self._wanted: int | None = None
        self._generation = 0
        self.setAccessibleName(tr("Newcomers and their checklists"))
        self.box = ChecklistBox()
        self.box.hide()
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setForegroundRole(QPalette.ColorRole.Midlight)
        self.line = line
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(newcomers_list, 1)
        layout.addWidget(line)
        layout.addWidget(self.box)

        for step in (OnboardingStep.WELCOMED, OnboardingStep.TRAINED, OnboardingStep.BUDDY):
            self.box.boxes[step].clicked.connect(lambda ticked, s=step: self.tick(s, ticked))
        self.box.suggest_button.clicked.connect(self.suggest_buddy)
        model = newcomers_list.model()
        model.modelAboutToBeReset.connect(self._remember)
        model.modelReset.connect(self._restore)
        newcomers_list.selectionModel().currentChanged.connect(self._current_changed)
        context.hub.changed.connect(self._changed)
        self._show_line()

    # Which newcomer -----------------------------------------------------------------------------

    def volunteer_at(self, index: QModelIndex) -> int | None:
        """The volunteer id of a list row."""
        item = index.data(self.object_role) if index.isValid() else None
        value = getattr(item, "volunteer_id", None)
        return int(value) if value is not None else None

    def select(self, volunteer_id: int) -> None:
        """Show ``volunteer_id``'s checklist (they must be in the list)."""
        model = self.list.model()
        for row in range(model.rowCount()):
            index = model.index(row, 0)
            if self.volunteer_at(index) == volunteer_id:
                self.list.setCurrentIndex(index)
                return

    def _remember(self) -> None:
        current = self.volunteer_at(self.list.currentIndex())
        if current is not None:
            self._wanted = current

    def _restore(self) -> None:
        model = self.list.model()
        if not model.rowCount():
            self._show(None)
            return
        wanted = self._wanted
        self._wanted = None
        for row in range(model.rowCount()):
            if self.volunteer_at(model.index(row, 0)) == wanted:
                self.list.setCurrentIndex(model.index(row, 0))
                return
        self.list.setCurrentIndex(model.index(0, 0))

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        volunteer_id = self.volunteer_at(current)
        if volunteer_id is None:
            self._show(None)
        else:
            self.load(volunteer_id)

    def _changed(self, change: DataChange) -> None:
        item = self.checklist
        if item is not None and change.touches("volunteer", "assignment") and not self.saving:
            self.load(item.volunteer_id)

    def _show_line(self) -> None:
        self.line.setVisible(self.box.isVisibleTo(self))

    # Loading ------------------------------------------------------------------------------------

    def load(self, volunteer_id: int) -> None:
        """Read one newcomer's checklist (in the background)."""
        self._generation += 1
        generation = self._generation
        onboarding = self.onboarding

        def done(item: Onboarding) -> None:
            if generation == self._generation:
                self._show(item)

        def failed(error: Exception) -> None:
            if generation == self._generation:
                self._show(None)

        run(self, self.context, lambda: onboarding.checklist(volunteer_id), done, failed)

    def _show(self, item: Onboarding | None) -> None:
        self.checklist = item
        self.box.setVisible(item is not None)
        self._show_line()
        if item is not None:
            self.box.show_checklist(item)
            self.box.set_editable(not self.saving and not self.context.read_only)
            self.checklist_shown.emit(item)

    # Ticking ----------------------------------------------------------------------------------

    def tick(self, step: OnboardingStep, ticked: bool) -> None:
        """Save a tick (or untick) of ``step`` for the newcomer on show."""
        item = self.checklist
        if item is None or self.saving or self.context.read_only:
            return
        if step is OnboardingStep.BUDDY:
            if ticked:
                self.box.boxes[step].setChecked(False)  # ticked once a buddy is chosen
                self.suggest_buddy()
            else:
                self._set_buddy(item, None, "")
            return
        before = item.welcomed_on if step is OnboardingStep.WELCOMED else item.trained_on
        after = self.today() if ticked else None
        label = STEP_LABELS[step].lower()
        text = (tr("Mark {name} {step}") if ticked else tr("Unmark {name} {step}")).format(
            name=item.name, step=label
        )
        onboarding = self.onboarding
        setter = (
            onboarding.set_welcomed if step is OnboardingStep.WELCOMED else onboarding.set_trained
        )
        self._save(
            item,
            text,
            lambda version: setter(item.volunteer_id, version, after),
            lambda version: setter(item.volunteer_id, version, before),
        )

    def suggest_buddy(self) -> BuddyDialog | None:
        """Open the buddy suggestions for the newcomer on show."""
        item = self.checklist
        if item is None:
            return None
        dialog = BuddyDialog(self.context, item, self)
        dialog.chosen.connect(lambda s: self._set_buddy(item, s.volunteer_id, s.name))
        dialog.open()
        return dialog

    def _set_buddy(self, item: Onboarding, buddy_id: int | None, name: str) -> None:
        if self.saving or self.context.read_only:
            return
        before = item.buddy_id
        text = (
            tr("Make {buddy} {name}'s buddy").format(buddy=name, name=item.name)
            if buddy_id is not None
            else tr("Take away {name}'s buddy").format(name=item.name)
        )
        onboarding = self.onboarding
        self._save(
            item,
            text,
            lambda version: onboarding.set_buddy(item.volunteer_id, version, buddy_id),
            lambda version: onboarding.set_buddy(item.volunteer_id, version, before),
        )

    def _save(
        self,
        item: Onboarding,
        text: str,
        apply: Callable[[int], Onboarding],
        reverse: Callable[[int], Onboarding],
    ) -> None:
        """Run ``apply`` on the worker, then put an undoable command on the stack."""
        onboarding = self.onboarding
        volunteer_id = item.volunteer_id
        self.saving = True
        self.box.set_editable(False)
        self.box.note.say("")

        def current_version() -> int:
            return onboarding.checklist(volunteer_id).version

        def done(saved: Onboarding) -> None:
            self.saving = False
            command = EditCommand(
                text,
                lambda: _discard(apply(current_version())),
                lambda: _discard(reverse(current_version())),
                DataChange.of(self.context.actor, volunteer=volunteer_id),
                self.context.hub,
                on_error=self._undo_failed,
            )
            self._show(saved)
            push_done(self.context.undo_stack, command)

        def failed(error: Exception) -> None:
            self.saving = False
            self._show(self.checklist)
            self.box.note.say(error_text(error), Tone.ALERT)
            self.load(volunteer_id)

        run(self, self.context, lambda: apply(item.version), done, failed, edit=True)

    def _undo_failed(self, error: OrganizerError) -> None:
        self.box.note.say(
            refusal_text(error),
            Tone.ALERT,
        )


def _discard(_: object) -> None:
    """Drop a service call's result (undo and redo only need the call made)."""
