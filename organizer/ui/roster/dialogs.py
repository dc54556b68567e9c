"""The Assign… picker and the "assign anyway?" question with its required reason.

Both are opened with ``open()`` (window-modal, not blocking), and report through signals.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from organizer.services.roster import BoardShift, Candidate
from organizer.ui.roster.controller import PendingAssignment, RosterController
from organizer.ui.roster.delegates import CandidateDelegate
from organizer.ui.roster.models import CandidateModel
from organizer.ui.roster.widgets import (
    error_label,
    heading_label,
    mark_field,
    muted_label,
    search_field,
    shift_summary,
)

SEARCH_DELAY_MS = 150


class AssignDialog(QDialog):
    """Search the suitable, free volunteers for one shift and pick one (Enter assigns).

    Emits ``chosen(volunteer_id, name)`` and closes; typing filters the list, the arrow
    keys move through it, Escape closes without assigning.
    """

    chosen = Signal(int, str)

    def __init__(
        self, shift: BoardShift, controller: RosterController, parent: QWidget | None = None
    ) -> None:
        """Offer candidates for ``shift``, found through ``controller``."""
        super().__init__(parent)
        self.shift = shift
        self.controller = controller
        self._query = ""
        self._answered = False
        self._assign_when_loaded = False
        self.setObjectName("assign-dialog")
        self.setWindowTitle(self.tr("Assign a volunteer"))
        self.setAccessibleName(self.tr("Assign a volunteer"))
        self.resize(460, 520)

        title = heading_label(self.tr("Who should do “{role}”?").format(role=shift.fill.role))
        title.setAccessibleName(self.tr("Shift"))
        summary = muted_label(shift_summary(shift))
        summary.setAccessibleName(self.tr("When"))

        self.search = search_field(self.tr("Type a name…"), self.tr("Search volunteers"))
        self.search.setObjectName("assign-search")
        self.search.installEventFilter(self)

        self.model = CandidateModel(self, draggable=False)
        self.list = QListView()
        self.list.setObjectName("assign-candidates")
        self.list.setAccessibleName(self.tr("Suitable volunteers"))
        self.list.setModel(self.model)
        self.list.setItemDelegate(CandidateDelegate(self.list))
        self.list.setUniformItemSizes(True)
        self.list.activated.connect(self._assign_current)

        self.hint = muted_label(self.tr("Loading…"))
        self.hint.setAccessibleName(self.tr("Search result"))

        self.buttons = QDialogButtonBox()
        self.assign_button = QPushButton(self.tr("Assign"))
        self.assign_button.setAccessibleName(self.tr("Assign"))
        self.assign_button.setDefault(True)
        self.assign_button.setEnabled(False)
        self.buttons.addButton(self.assign_button, QDialogButtonBox.ButtonRole.AcceptRole)
        cancel = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setAccessibleName(self.tr("Cancel"))
        self.buttons.accepted.connect(self._enter_pressed)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 14)
        layout.setSpacing(8)
        layout.addWidget(title)
        layout.addWidget(summary)
        layout.addSpacing(6)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.hint)
        layout.addWidget(self.buttons)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self._search_now)
        self.search.textChanged.connect(lambda _: self._timer.start())
        self._search_now()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Up and Down in the search field move through the list; Enter assigns."""
        if watched is self.search and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            key = Qt.Key(event.key())
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._enter_pressed()
                return True
            step = {Qt.Key.Key_Down: 1, Qt.Key.Key_Up: -1}.get(key)
            if step is not None and self.model.rowCount():
                row = min(max(self.list.currentIndex().row() + step, 0), self.model.rowCount() - 1)
                self.list.setCurrentIndex(self.model.index(row))
                return True
        return super().eventFilter(watched, event)

    def _search_now(self) -> None:
        self._timer.stop()
        self._query = self.search.text()
        self._answered = False
        self.controller.find_candidates(self.shift, self._query, self._show)

    def _show(self, answer: tuple[str, list[Candidate]]) -> None:
        text, found = answer
        if text != self._query:
            return
        self._answered = True
        self.model.set_candidates(found)
        if found:
            self.list.setCurrentIndex(self.model.index(0))
            self.hint.setText(self.tr("Enter assigns the highlighted person."))
        elif text.strip():
            self.hint.setText(
                self.tr("Nobody suitable and free matches “{text}”.").format(text=text.strip())
            )
        else:
            self.hint.setText(self.tr("Nobody suitable is free for this shift."))
        self.assign_button.setEnabled(bool(found))
        if self._assign_when_loaded:
            self._assign_when_loaded = False
            self._assign_current()

    def _enter_pressed(self) -> None:
        """Assign the highlighted person, once the list matches what was typed."""
        if self._timer.isActive():
            self._search_now()
        if not self._answered:
            self._assign_when_loaded = True
            return
        self._assign_current()

    def _assign_current(self) -> None:
        row = self.list.currentIndex().row()
        candidate = self.model.candidate(row if row >= 0 else 0)
        if candidate is None:
            return
        self.chosen.emit(candidate.volunteer_id, candidate.name)
        self.accept()


class ReasonDialog(QDialog):
    """Says why someone clashes and asks for the reason to assign them anyway.

    Emits ``confirmed(reason)``; the reason is required and stored on the assignment.
    """

    confirmed = Signal(str)

    def __init__(self, pending: PendingAssignment, parent: QWidget | None = None) -> None:
        """Explain ``pending``'s clashes."""
        super().__init__(parent)
        self.pending = pending
        self.setObjectName("reason-dialog")
        self.setWindowTitle(self.tr("Assign anyway?"))
        self.setAccessibleName(self.tr("Assign anyway?"))
        self.setMinimumWidth(440)

        title = heading_label(
            self.tr("{name} clashes with this shift").format(name=pending.name), 1.15
        )
        title.setAccessibleName(self.tr("Question"))
        summary = muted_label(
            self.tr("{role}, {when}").format(
                role=pending.shift.fill.role, when=shift_summary(pending.shift)
            )
        )
        summary.setAccessibleName(self.tr("Shift"))
        self.reasons = QLabel(
            "\n".join(f"{'⚠' if c.blocking else '•'}  {c.message}" for c in pending.clashes)
        )
        self.reasons.setObjectName("clash-reasons")
        self.reasons.setAccessibleName(self.tr("Clashes"))
        self.reasons.setWordWrap(True)
        self.reasons.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        prompt = QLabel(self.tr("Why assign them anyway? Other coordinators will see this."))
        prompt.setWordWrap(True)
        prompt.setAccessibleName(self.tr("Reason prompt"))
        self.reason = QLineEdit()
        self.reason.setObjectName("override-reason")
        self.reason.setPlaceholderText(self.tr("For example: agreed to cover both sessions"))
        self.reason.setAccessibleName(self.tr("Reason"))
        self.reason.setMaxLength(300)
        prompt.setBuddy(self.reason)
        self.reason_error = error_label()
        self.reason_error.setObjectName("override-reason-error")
        self.reason_error.setAccessibleName(self.tr("Reason problem"))
        self.reason.textChanged.connect(self._clear_problem)

        buttons = QDialogButtonBox()
        self.confirm_button = QPushButton(self.tr("Assign anyway"))
        self.confirm_button.setAccessibleName(self.tr("Assign anyway"))
        self.confirm_button.setDefault(True)
        buttons.addButton(self.confirm_button, QDialogButtonBox.ButtonRole.AcceptRole)
        cancel = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setAccessibleName(self.tr("Cancel"))
        buttons.accepted.connect(self.confirm)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 14)
        layout.setSpacing(8)
        layout.addWidget(title)
        layout.addWidget(summary)
        layout.addSpacing(4)
        layout.addWidget(self.reasons)
        layout.addSpacing(8)
        layout.addWidget(prompt)
        layout.addWidget(self.reason)
        layout.addWidget(self.reason_error)
        layout.addSpacing(4)
        layout.addWidget(buttons)

    def confirm(self) -> None:
        """Accept when a reason was given; otherwise say so under the field."""
        reason = self.reason.text().strip()
        if not reason:
            self.reason_error.setText(
                self.tr("Please give a reason, so others know why the clash is fine.")
            )
            self.reason_error.show()
            mark_field(self.reason, True)
            self.reason.setFocus()
            return
        self.confirmed.emit(reason)
        self.accept()

    def _clear_problem(self) -> None:
        if self.reason_error.isVisible():
            self.reason_error.hide()
            mark_field(self.reason, False)
