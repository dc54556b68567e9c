"""Likely duplicate records side by side, merging them; and reviewing flagged sign-ups.

:class:`DuplicatesDialog` lists pairs found by comparing names, email addresses and phone
numbers; picking one shows both records next to each other, with which one to keep.  Merging
moves everything of the other record to the kept one (see :mod:`organizer.people.merging`).
"Not the same person" hides a pair until Organizer is closed.

:class:`FlaggedDialog` lists sign-ups flagged as likely bots, to clear ("Looks fine"),
archive or erase.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import shiboken6
from PySide6.QtCore import QItemSelection, Qt, Signal
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QRadioButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from organizer.changes import DataChange
from organizer.errors import OrganizerError
from organizer.people.duplicates import ReviewCleared, SpamFlag
from organizer.people.merging import MergePreview, MergeResult, MergeSide
from organizer.ui.context import ViewContext
from organizer.ui.people.common import (
    Notice,
    ProgressRow,
    confirm,
    error_text,
    heading,
    muted,
    plural,
    run,
    tr,
)
from organizer.ui.people.models import (
    FIRST,
    FLAG_JOINED,
    FLAG_NAME,
    FLAG_REASON,
    REASONS,
    SCORE,
    SECOND,
    FlaggedModel,
    FlaggedPerson,
    NamedPair,
    PairsModel,
)
from organizer.ui.tones import Tone
from organizer.ui.undo import EditCommand, push_done, refusal_text
from organizer.ui.volunteers.edits import VolunteerEdits
from organizer.ui.volunteers.text import day_text, hours_text

Dismissed = set[tuple[int, int]]
"""Pairs a coordinator said are different people (kept for as long as Organizer is open)."""

FIELDS = (
    ("name", "Name"),
    ("email", "Email"),
    ("phone", "Phone"),
    ("pronouns", "Pronouns"),
    ("joined", "Joined"),
    ("status", "Status"),
    ("shifts", "Shifts"),
    ("hours", "Hours"),
    ("qualifications", "Qualifications"),
    ("consents", "Consent records"),
)


def side_texts(side: MergeSide) -> dict[str, str]:
    """What the comparison shows of one record, field by field."""
    status = tr("Active") if side.active else tr("Archived")
    if side.review_reason:
        status += " · " + tr("flagged for review")
    return {
        "name": side.name,
        "email": side.email or "—",
        "phone": side.phone or "—",
        "pronouns": side.pronouns or "—",
        "joined": day_text(side.joined_on),
        "status": status,
        "shifts": str(side.assignments),
        "hours": hours_text(side.hours),
        "qualifications": ", ".join(side.qualifications) or "—",
        "consents": str(side.consents),
    }


def what_moves(preview: MergePreview, keep_first: bool) -> str:
    """The sentence a merge confirmation says: what moves to the kept record."""
    keep, other = (preview.keep, preview.other) if keep_first else (preview.other, preview.keep)
    parts = [
        plural(other.assignments, tr("1 shift"), tr("{count} shifts"))
        + (
            " " + tr("({hours} hours)").format(hours=hours_text(other.hours)) if other.hours else ""
        ),
        plural(len(other.qualifications), tr("1 qualification"), tr("{count} qualifications")),
        plural(other.consents, tr("1 consent record"), tr("{count} consent records")),
    ]
    text = tr("{things} move from “{other}” (#{other_id}) to “{keep}” (#{keep_id}).").format(
        things=", ".join(parts[:-1]) + " " + tr("and") + " " + parts[-1],
        other=other.name,
        other_id=other.id,
        keep=keep.name,
        keep_id=keep.id,
    )
    if preview.clashes and keep_first:
        text += " " + plural(
            preview.clashes,
            tr("They share 1 shift, which is kept once."),
            tr("They share {count} shifts, each kept once."),
        )
    return text


class ComparePanel(QWidget):
    """Two records next to each other, differences in bold, with which one to keep."""

    choice_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        """An empty comparison."""
        super().__init__(parent)
        self.setAccessibleName(tr("The two records"))
        self.preview: MergePreview | None = None
        self.keep_first = QRadioButton(tr("Keep this record"))
        self.keep_first.setAccessibleName(tr("Keep the first record"))
        self.keep_second = QRadioButton(tr("Keep this record"))
        self.keep_second.setAccessibleName(tr("Keep the second record"))
        self.group = QButtonGroup(self)
        self.group.addButton(self.keep_first)
        self.group.addButton(self.keep_second)
        self.keep_first.toggled.connect(lambda _: self.choice_changed.emit())
        self.values: dict[tuple[str, int], QLabel] = {}
        self.why = QLabel()
        self.why.setAccessibleName(tr("Why they may be the same person"))
        self.why.setWordWrap(True)
        grid = QGridLayout()
        grid.setHorizontalSpacing(18)
        grid.setVerticalSpacing(7)
        grid.addWidget(self.keep_first, 0, 1)
        grid.addWidget(self.keep_second, 0, 2)
        for row, (key, label_text) in enumerate(FIELDS, start=1):
            label = QLabel(tr(label_text))
            label.setAccessibleName(tr(label_text))
            label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
            grid.addWidget(label, row, 0)
            for column in (1, 2):
                value = QLabel()
                value.setWordWrap(True)
                value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                value.setAccessibleName(
                    tr("{field} of the {which} record").format(
                        field=tr(label_text), which=tr("first") if column == 1 else tr("second")
                    )
                )
                value.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
                grid.addWidget(value, row, column)
                self.values[key, column] = value
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(2, 1)
        self.explain = muted(
            tr(
                "Merging moves the shifts and hours, qualifications, availability and consent "
                "records of the other record to the one you keep, and fills its empty details "
                "from the other. The other record is then removed."
            ),
            tr("What merging does"),
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        layout.addWidget(self.why)
        layout.addLayout(grid)
        layout.addWidget(self.explain)
        layout.addStretch(1)

    def show_pair(self, preview: MergePreview, reasons: tuple[str, ...] = ()) -> None:
        """Show both records; the one with more shifts (else the older) is kept by default."""
        self.preview = preview
        self.why.setText(
            tr("Why they may be the same person: {reasons}.").format(
                reasons="; ".join(reasons).lower()
            )
            if reasons
            else ""
        )
        self.why.setVisible(bool(reasons))
        first, second = side_texts(preview.keep), side_texts(preview.other)
        for key, _ in FIELDS:
            differ = first[key] != second[key]
            for column, texts in ((1, first), (2, second)):
                label = self.values[key, column]
                label.setText(texts[key])
                font = QFont(self.font())
                font.setBold(differ)
                label.setFont(font)
        keep, other = preview.keep, preview.other
        first_wins = (keep.assignments, -keep.id) >= (other.assignments, -other.id)
        (self.keep_first if first_wins else self.keep_second).setChecked(True)

    def kept_first(self) -> bool:
        """Whether the first record is the one to keep."""
        return self.keep_first.isChecked()


class DuplicatesDialog(QDialog):
    """Likely duplicate volunteers, side by side, to merge or to tell apart."""

    def __init__(
        self, context: ViewContext, dismissed: Dismissed, parent: QWidget | None = None
    ) -> None:
        """Look for duplicates as soon as the window opens; ``dismissed`` pairs stay hidden."""
        super().__init__(parent)
        self.context = context
        self.dismissed = dismissed
        self.busy = False
        self._generation = 0
        self.setWindowTitle(tr("Find duplicates"))
        self.setAccessibleName(tr("Find duplicates"))
        self.setObjectName("find-duplicates")
        self.resize(980, 600)

        self.progress = ProgressRow(tr("Search progress"))
        self.notice = Notice(tr("Message"))
        self.model = PairsModel(self)
        self.table = QTableView()
        self.table.setAccessibleName(tr("Possible duplicates"))
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(SCORE, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(FIRST, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(SECOND, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(REASONS, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().selectionChanged.connect(self._selected)

        self.compare = ComparePanel()
        self.compare.choice_changed.connect(self._update_buttons)
        self.merge_button = QPushButton(tr("&Merge…"))
        self.merge_button.setAccessibleName(tr("Merge the two records"))
        self.merge_button.clicked.connect(self.merge)
        self.different_button = QPushButton(tr("&Not the same person"))
        self.different_button.setAccessibleName(tr("Not the same person"))
        self.different_button.setToolTip(tr("Hide this pair until Organizer is closed"))
        self.different_button.clicked.connect(self.dismiss)
        actions = QHBoxLayout()
        actions.addStretch(1)
        actions.addWidget(self.different_button)
        actions.addWidget(self.merge_button)
        self.pick_hint = muted(
            tr("Pick a pair on the left to see both records side by side."), tr("Hint")
        )
        self.pick_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        detail = QWidget()
        detail.setAccessibleName(tr("Comparison"))
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(0, 0, 0, 0)
        detail_layout.addWidget(self.compare, 1)
        detail_layout.addLayout(actions)
        self.detail_stack = QStackedWidget()
        self.detail_stack.setAccessibleName(tr("Selected pair"))
        self.detail_stack.addWidget(self.pick_hint)
        self.detail_stack.addWidget(detail)
        frame = QFrame()
        frame.setFrameShape(QFrame.Shape.StyledPanel)
        frame.setAccessibleName(tr("Selected pair"))
        frame_layout = QVBoxLayout(frame)
        frame_layout.setContentsMargins(14, 12, 14, 12)
        frame_layout.addWidget(self.detail_stack)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setAccessibleName(tr("Pairs and comparison"))
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.table)
        splitter.addWidget(frame)
        splitter.setSizes([480, 470])

        self.search_button = QPushButton(tr("Look &again"))
        self.search_button.setAccessibleName(tr("Look for duplicates again"))
        self.search_button.clicked.connect(self.search)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setAccessibleName(tr("Close"))
        buttons.addButton(self.search_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 14)
        layout.setSpacing(10)
        layout.addWidget(heading(tr("Possible duplicates")))
        layout.addWidget(
            muted(
                tr(
                    "Organizer compares names, email addresses and phone numbers. The same "
                    "person signed up twice shows up here; pick a pair to compare the records."
                ),
                tr("About duplicates"),
            )
        )
        layout.addWidget(self.progress)
        layout.addWidget(self.notice)
        layout.addWidget(splitter, 1)
        layout.addWidget(buttons)
        self._update_buttons()
        self.search()

    # Finding ------------------------------------------------------------------------------------

    def search(self) -> None:
        """Look for duplicate pairs in the background."""
        if self.busy:
            return
        self.busy = True
        cancel = self.progress.start(tr("Comparing names"))
        self._update_buttons()
        duplicates = self.context.services.duplicates
        directory = self.context.services.directory
        dismissed = set(self.dismissed)

        def work(progress: Callable[[str, float], None]) -> list[NamedPair]:
            pairs = duplicates.find(progress=progress, cancel=cancel)
            pairs = [p for p in pairs if (p.first, p.second) not in dismissed]
            ids = sorted({vid for p in pairs for vid in (p.first, p.second)})
            names: dict[int, str] = {int(row.id): row.name for row in directory.rows(ids)}
            return [NamedPair(p, names.get(p.first, "?"), names.get(p.second, "?")) for p in pairs]

        run(self, self.context, work, self._found, self._failed, self.progress.report)

    def _found(self, pairs: list[NamedPair]) -> None:
        self.busy = False
        self.progress.stop()
        self.model.set_items(pairs)
        if pairs:
            self.notice.say(
                plural(
                    len(pairs),
                    tr("1 pair of records may be the same person."),
                    tr("{count} pairs of records may be the same person."),
                )
            )
            self.table.selectRow(0)
        else:
            self.notice.say(
                tr("No likely duplicates: every record looks like a different person."),
                Tone.GOOD,
            )
        self._selected()

    def _failed(self, error: Exception) -> None:
        self.busy = False
        self.progress.stop()
        self.notice.say(error_text(error), Tone.ALERT)
        self._update_buttons()

    # The selected pair ---------------------------------------------------------------------------

    def selected(self) -> NamedPair | None:
        """The pair picked in the list."""
        rows = self.table.selectionModel().selectedRows()
        return self.model.item(rows[0].row()) if rows else None

    def _selected(self, *_: QItemSelection) -> None:
        pair = self.selected()
        self.compare.preview = None
        self._update_buttons()
        if pair is None:
            self.detail_stack.setCurrentIndex(0)
            return
        self._generation += 1
        generation = self._generation
        merges = self.context.services.merges

        def shown(preview: MergePreview) -> None:
            if generation == self._generation:
                self.compare.show_pair(preview, pair.pair.reasons)
                self.detail_stack.setCurrentIndex(1)
                self._update_buttons()

        run(
            self,
            self.context,
            lambda: merges.compare(pair.pair.first, pair.pair.second),
            shown,
            self._failed,
        )

    def _update_buttons(self) -> None:
        ready = self.compare.preview is not None and not self.busy
        self.merge_button.setEnabled(ready and not self.context.read_only)
        self.different_button.setEnabled(self.selected() is not None and not self.busy)
        self.search_button.setEnabled(not self.busy)
        if self.context.read_only:
            self.merge_button.setToolTip(tr("This file is open read-only"))

    # Acting on it -------------------------------------------------------------------------------

    def dismiss(self) -> None:
        """Hide the selected pair: they are two different people."""
        pair = self.selected()
        if pair is None:
            return
        self.dismissed.add(pair.key)
        row = self.model.items.index(pair)
        self.model.set_items([p for p in self.model.items if p.key != pair.key])
        self.notice.say(
            tr(
                "“{first}” and “{second}” will not be suggested again until Organizer is closed."
            ).format(first=pair.first_name, second=pair.second_name)
        )
        if self.model.rowCount():
            self.table.selectRow(min(row, self.model.rowCount() - 1))
        else:
            self._selected()

    def merge(self) -> None:
        """Merge the pair after asking, keeping the record chosen."""
        preview = self.compare.preview
        if preview is None or self.busy or self.context.read_only:
            return
        first = self.compare.kept_first()
        keep, other = (preview.keep, preview.other) if first else (preview.other, preview.keep)
        asked = confirm(
            self,
            tr("Merge records"),
            tr("Merge “{other}” into “{keep}”?").format(other=other.name, keep=keep.name),
            what_moves(preview, first)
            + " "
            + tr(
                "Empty details of “{keep}” are filled in from the other record, which is then "
                "removed. This cannot be undone."
            ).format(keep=keep.name),
            tr("Merge"),
        )
        if not asked:
            return
        self.busy = True
        self._update_buttons()
        merges = self.context.services.merges

        def done(result: MergeResult) -> None:
            self.busy = False
            self.context.hub.announce(DataChange.of(self.context.actor, "volunteer", "assignment"))
            moved = plural(result.assignments_moved, tr("1 shift"), tr("{count} shifts"))
            self.notice.say(
                tr("Merged “{other}” into “{keep}”: {moved} moved.").format(
                    other=other.name, keep=keep.name, moved=moved
                ),
                Tone.GOOD,
            )
            gone = result.removed_id
            remaining = [p for p in self.model.items if gone not in p.key]
            self.model.set_items(remaining)
            if remaining:
                self.table.selectRow(0)
            else:
                self._selected()

        def failed(error: Exception) -> None:
            self._failed(error)
            self._selected()

        run(
            self,
            self.context,
            lambda: merges.merge(keep.id, keep.version, other.id, other.version),
            done,
            failed,
        )


# Flagged sign-ups ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FlaggedList:
    """Sign-ups flagged for review, and how many more look like bots but are not flagged."""

    flagged: list[FlaggedPerson]
    unflagged: int


class FlaggedDialog(QDialog):
    """Sign-ups flagged as likely bots: clear the flag, archive or erase each one.

    ``erase_requested(volunteer_id, name)`` asks the page to open the erase dialog.
    """

    erase_requested = Signal(int, str)

    def __init__(self, context: ViewContext, parent: QWidget | None = None) -> None:
        """Load the flagged sign-ups as soon as the window opens."""
        super().__init__(parent)
        self.context = context
        self.edits = VolunteerEdits(context, self)
        self.busy = False
        self._stale = False
        self.unflagged = 0
        self.setWindowTitle(tr("Review flagged sign-ups"))
        self.setAccessibleName(tr("Review flagged sign-ups"))
        self.setObjectName("review-flagged")
        self.resize(820, 520)

        self.notice = Notice(tr("Message"))
        self.model = FlaggedModel(self)
        self.table = QTableView()
        self.table.setAccessibleName(tr("Flagged sign-ups"))
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.resizeSection(FLAG_NAME, 200)
        header.setSectionResizeMode(FLAG_JOINED, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(FLAG_REASON, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())

        self.fine_button = QPushButton(tr("Looks &fine"))
        self.fine_button.setAccessibleName(tr("Looks fine: clear the flag"))
        self.fine_button.setToolTip(tr("A real person: clear the flag for good"))
        self.fine_button.clicked.connect(self.looks_fine)
        self.archive_button = QPushButton(tr("&Archive"))
        self.archive_button.setAccessibleName(tr("Archive this sign-up"))
        self.archive_button.setToolTip(tr("Keep the record but stop offering it shifts"))
        self.archive_button.clicked.connect(self.archive)
        self.erase_button = QPushButton(tr("&Erase…"))
        self.erase_button.setAccessibleName(tr("Erase this sign-up"))
        self.erase_button.clicked.connect(self._erase)
        self.flag_button = QPushButton()
        self.flag_button.setAccessibleName(tr("Flag more sign-ups that look like bots"))
        self.flag_button.clicked.connect(self.flag_more)
        self.flag_button.hide()
        actions = QHBoxLayout()
        actions.addWidget(self.flag_button)
        actions.addStretch(1)
        actions.addWidget(self.fine_button)
        actions.addWidget(self.archive_button)
        actions.addWidget(self.erase_button)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setAccessibleName(tr("Close"))
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 14)
        layout.setSpacing(10)
        layout.addWidget(heading(tr("Sign-ups flagged for review")))
        layout.addWidget(
            muted(
                tr(
                    "Sign-ups that look like they came from a bot (a random-looking name, no "
                    "way to contact them) are flagged, never deleted. “Looks fine” clears the "
                    "flag for good; archive or erase the ones that are not real people."
                ),
                tr("About flagged sign-ups"),
            )
        )
        layout.addWidget(self.notice)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)
        layout.addWidget(buttons)
        self._update_buttons()
        self.context.hub.changed.connect(self._changed)
        self.reload()

    def reload(self) -> None:
        """Read the flagged sign-ups again (in the background)."""
        volunteers = self.context.services.volunteers
        duplicates = self.context.services.duplicates

        def work() -> FlaggedList:
            flagged = [
                FlaggedPerson(v.id, v.name, v.joined_on, v.active, v.review_reason, v.version)
                for v in volunteers.search("", active_only=False, limit=1_000_000)
                if v.review_reason and v.anonymised_at is None
            ]
            return FlaggedList(flagged, len(duplicates.spam_candidates()))

        self.busy = True
        self._stale = False
        self._update_buttons()
        run(self, self.context, work, self._loaded, self._failed)

    def _loaded(self, found: FlaggedList) -> None:
        self.busy = False
        if self._stale:
            self.reload()
            return
        chosen = self.selected()
        self.model.set_items(found.flagged)
        self.unflagged = found.unflagged
        self.flag_button.setText(
            plural(
                found.unflagged,
                tr("Flag 1 more that looks like a bot"),
                tr("Flag {count} more that look like bots"),
            )
        )
        self.flag_button.setVisible(found.unflagged > 0)
        if not found.flagged:
            self.notice.say(tr("No sign-ups are waiting for review."), Tone.GOOD)
        elif not self.notice.shown_text:
            self.notice.say(
                plural(
                    len(found.flagged),
                    tr("1 sign-up is waiting for review."),
                    tr("{count} sign-ups are waiting for review."),
                )
            )
        ids = [person.volunteer_id for person in found.flagged]
        if chosen is not None and chosen.volunteer_id in ids:
            self.table.selectRow(ids.index(chosen.volunteer_id))
        elif ids:
            self.table.selectRow(0)
        self._update_buttons()

    def _failed(self, error: Exception) -> None:
        self.busy = False
        self.notice.say(error_text(error), Tone.ALERT)
        self._update_buttons()

    def selected(self) -> FlaggedPerson | None:
        """The sign-up picked in the list."""
        rows = self.table.selectionModel().selectedRows()
        return self.model.item(rows[0].row()) if rows else None

    def _update_buttons(self) -> None:
        person = self.selected()
        writable = not self.context.read_only and not self.busy
        self.fine_button.setEnabled(writable and person is not None)
        self.archive_button.setEnabled(writable and person is not None and person.active)
        self.erase_button.setEnabled(writable and person is not None)
        self.flag_button.setEnabled(writable)

    def _changed(self, change: DataChange) -> None:
        if not change.touches("volunteer"):
            return
        if self.busy:  # e.g. Ctrl+Z while the list is loading: read it again afterwards
            self._stale = True
        else:
            self.reload()

    def looks_fine(self) -> None:
        """The selected sign-up is a real person: clear their flag for good (Ctrl+Z undoes)."""
        person = self.selected()
        if person is None:
            return
        duplicates = self.context.services.duplicates
        self.busy = True
        self._update_buttons()

        def done(cleared: ReviewCleared) -> None:
            self.busy = False
            self.notice.say(
                tr("“{name}” is no longer flagged. Ctrl+Z undoes it.").format(name=person.name),
                Tone.GOOD,
            )
            state = _Cleared(cleared.version)

            def undo() -> None:
                state.version = duplicates.restore_review(
                    cleared.volunteer_id, state.version, cleared.reason
                )

            def redo() -> None:
                state.version = duplicates.clear_review(cleared.volunteer_id, state.version).version

            self._push(
                tr("Clear the flag on {name}").format(name=person.name),
                redo,
                undo,
                DataChange.of(self.context.actor, volunteer=person.volunteer_id),
            )

        run(
            self,
            self.context,
            lambda: duplicates.clear_review(person.volunteer_id, person.version),
            done,
            self._failed,
            edit=True,
        )

    def archive(self) -> None:
        """Archive the selected sign-up (Edit ▸ Undo restores it)."""
        person = self.selected()
        if person is None:
            return

        def done(_: object) -> None:
            self.notice.say(
                tr("Archived “{name}”. Ctrl+Z undoes it.").format(name=person.name), Tone.GOOD
            )

        self.edits.set_active(
            person.volunteer_id,
            person.version,
            person.name,
            False,
            on_done=done,
            on_error=self._failed,
        )

    def _erase(self) -> None:
        person = self.selected()
        if person is not None:
            self.erase_requested.emit(person.volunteer_id, person.name)

    def flag_more(self) -> None:
        """Flag every sign-up that looks like a bot and is not flagged yet (Ctrl+Z undoes)."""
        duplicates = self.context.services.duplicates
        self.busy = True
        self._update_buttons()

        def done(flags: list[SpamFlag]) -> None:
            self.busy = False
            self.notice.say(
                plural(
                    len(flags),
                    tr("Flagged 1 more sign-up for review."),
                    tr("Flagged {count} more sign-ups for review."),
                )
            )
            if not flags:
                self.reload()
                return
            state = _Flagged(flags)

            def undo() -> None:
                state.flags = duplicates.unflag_spam(state.flags)

            def redo() -> None:
                state.flags = duplicates.reflag_spam(state.flags)

            self._push(
                plural(
                    len(flags),
                    tr("Flag 1 sign-up for review"),
                    tr("Flag {count} sign-ups for review"),
                ),
                redo,
                undo,
                DataChange.of(self.context.actor, "volunteer"),
            )

        run(self, self.context, duplicates.flag_spam, done, self._failed, edit=True)

    def _push(
        self, text: str, redo: Callable[[], None], undo: Callable[[], None], change: DataChange
    ) -> None:
        """Put an edit just made on the undo stack (which announces ``change``)."""
        command = EditCommand(
            text, redo, undo, change, self.context.hub, on_error=self._undo_failed
        )
        push_done(self.context.undo_stack, command)

    def _undo_failed(self, error: OrganizerError) -> None:
        if not shiboken6.isValid(self):  # undone after the window was closed
            return
        self.notice.say(
            refusal_text(error),
            Tone.ALERT,
        )


@dataclass
class _Cleared:
    """The version a cleared (or re-flagged) person is at, as undo and redo go."""

    version: int


@dataclass
class _Flagged:
    """The flags "Flag N more" set, with the versions undo and redo left them at."""

    flags: list[SpamFlag]
