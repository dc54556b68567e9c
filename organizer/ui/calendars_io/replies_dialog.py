"""Import replies: volunteers' answers to invitations, read from the files their calendars sent.

Each answer is listed with what it means ("Sam Lee accepted “Greeter” at “Weekly circle” on
3 Dec 2026 18:00") or why it cannot be recorded; recording them is a separate, explicit step.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import shiboken6
from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from organizer.changes import DataChange
from organizer.errors import ImportFormatError, OrganizerError
from organizer.ics.replies import ReplyOutcome, ReplyResult, StatusStep
from organizer.storage import Database
from organizer.ui import app_settings
from organizer.ui.calendars_io.common import (
    IMPORT_FOLDER_KEY,
    calendar_filter,
    heading,
    muted,
    remembered_folder,
    run,
)
from organizer.ui.context import ViewContext
from organizer.ui.events.fields import Banner, error_colour, plural, report_error
from organizer.ui.opening import documents_folder
from organizer.ui.undo import EditCommand, push_done


@dataclass(frozen=True)
class RepliesRead:
    """The answers found, matched against the invitations, and the files that failed."""

    results: tuple[ReplyResult, ...]
    file_problems: tuple[str, ...]


def read_reply_files(db: Database, paths: Sequence[Path]) -> RepliesRead:
    """Read each reply file and say what recording it would do (runs on the worker thread)."""
    from organizer.ics.replies import match_replies, read_replies

    answers = []
    problems = []
    for path in paths:
        try:
            answers.extend(read_replies([path]))
        except ImportFormatError as error:
            problems.append(error.message)
    results = match_replies(db, answers) if answers else []
    return RepliesRead(tuple(results), tuple(problems))


class RecordedAnswers:
    """Recorded answers that undo takes back and redo records again, version-checked."""

    def __init__(self, db: Database, actor: str, reverse: Sequence[StatusStep]) -> None:
        """``reverse`` are the steps that take the recorded answers back."""
        self.db = db
        self.actor = actor
        self.pending = list(reverse)

    def flip(self) -> None:
        """Undo what was done last (all or nothing), keeping the steps that redo it."""
        from organizer.ics.replies import set_statuses

        self.pending = set_statuses(self.db, self.pending, self.actor)


class RepliesDialog(QDialog):
    """Choose reply files, see what each answer means, then record the answers.

    Signals: ``read`` once the chosen files were read, ``recorded(list)`` once answers are
    recorded (the change is announced through the hub as well, and the answers become one
    step on the undo stack), ``undo_problem(str)`` when undoing or redoing them is refused.
    """

    read = Signal()
    recorded = Signal(object)
    undo_problem = Signal(str)

    def __init__(
        self,
        context: ViewContext,
        parent: QWidget | None = None,
        *,
        settings: QSettings | None = None,
    ) -> None:
        """An empty list, waiting for files."""
        super().__init__(parent)
        self.context = context
        self.local_settings = settings if settings is not None else app_settings()
        self.paths: list[Path] = []
        self.results: list[ReplyResult] = []
        self.busy = False
        self.applied = False
        self.setObjectName("import-replies")
        self.setWindowTitle(self.tr("Import replies"))
        self.setAccessibleName(self.windowTitle())
        self.setSizeGripEnabled(True)
        self._build()

    def _build(self) -> None:
        self.choose_button = QPushButton(self.tr("Choose reply files…"))
        self.choose_button.setAccessibleName(self.tr("Choose reply files"))
        self.choose_button.clicked.connect(self._choose)
        self.files_label = QLabel(self.tr("No files chosen yet."))
        self.files_label.setAccessibleName(self.tr("Chosen files"))
        self.files_label.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.choose_button)
        row.addWidget(self.files_label, 1)
        self.summary = QLabel()
        self.summary.setAccessibleName(self.tr("Summary"))
        self.summary.setWordWrap(True)
        self.answers = QListWidget()
        self.answers.setAccessibleName(self.tr("Answers"))
        self.answers.setWordWrap(True)
        self.answers.setAlternatingRowColors(True)
        self.banner = Banner()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.setAccessibleName(self.tr("Dialog buttons"))
        self.record_button = self.buttons.addButton(
            self.tr("Record answers"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.record_button.setAccessibleName(self.tr("Record answers"))
        self.record_button.setEnabled(False)
        self.buttons.accepted.connect(self.record)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.setSpacing(10)
        layout.addWidget(heading(self.windowTitle()))
        layout.addWidget(
            muted(
                self.tr(
                    "When volunteers accept or decline an invitation, their calendar sends a "
                    "small reply file back. Choose those files to record their answers on "
                    "the rosters."
                ),
                self.tr("Explanation"),
            )
        )
        layout.addLayout(row)
        layout.addWidget(self.summary)
        layout.addWidget(self.answers, 1)
        layout.addWidget(self.banner)
        layout.addWidget(self.buttons)
        self.resize(640, 460)

    def _choose(self) -> None:
        folder = remembered_folder(self.local_settings, IMPORT_FOLDER_KEY, documents_folder())
        chosen, _ = QFileDialog.getOpenFileNames(
            self, self.tr("Choose reply files"), str(folder), calendar_filter()
        )
        if chosen:
            self.add_files(chosen)

    def add_files(self, paths: Iterable[Path | str]) -> None:
        """Read these reply files (with those chosen before) in the background."""
        for path in paths:
            chosen = Path(path)
            if chosen not in self.paths:
                self.paths.append(chosen)
        if not self.paths:
            return
        self.local_settings.setValue(IMPORT_FOLDER_KEY, str(self.paths[-1].parent))
        self.files_label.setText(", ".join(path.name for path in self.paths))
        self.applied = False
        self._set_busy(True)
        self.banner.show_message(self.tr("Reading…"))
        db, files = self.context.services.settings.db, list(self.paths)
        run(self, self.context, lambda: read_reply_files(db, files), self._shown, self._failed)

    def _shown(self, found: RepliesRead) -> None:
        self._set_busy(False)
        self.results = list(found.results)
        self._list(self.results, found.file_problems)
        usable = sum(1 for r in self.results if r.outcome == ReplyOutcome.APPLIED)
        self.summary.setText(
            plural(
                usable,
                self.tr("1 answer can be recorded."),
                self.tr("{n} answers can be recorded."),
            )
        )
        self.banner.clear()
        self.record_button.setEnabled(usable > 0 and not self.context.read_only)
        self.read.emit()

    def _list(self, results: Sequence[ReplyResult], file_problems: Sequence[str] = ()) -> None:
        self.answers.clear()
        colour = error_colour(self.answers.palette())
        prefixes = {
            ReplyOutcome.APPLIED: "",
            ReplyOutcome.UNCHANGED: self.tr("Already recorded: "),
            ReplyOutcome.NOT_APPLIED: self.tr("Not recorded: "),
        }
        for result in results:
            item = QListWidgetItem(prefixes[result.outcome] + result.message)
            item.setData(Qt.ItemDataRole.UserRole, result.outcome.value)
            if result.outcome == ReplyOutcome.NOT_APPLIED:
                item.setForeground(colour)
            self.answers.addItem(item)
        for problem in file_problems:
            item = QListWidgetItem(self.tr("Cannot be read: ") + problem)
            item.setForeground(colour)
            self.answers.addItem(item)

    def record(self) -> None:
        """Record the answers that can be, in the background."""
        if self.busy or self.applied or not self.results or self.context.read_only:
            return
        db, actor, results = self.context.services.settings.db, self.context.actor, self.results
        self._set_busy(True)
        self.banner.show_message(self.tr("Recording…"))

        def work() -> list[ReplyResult]:
            from organizer.ics.replies import apply_replies

            return apply_replies(db, results, actor)

        run(self, self.context, work, self._recorded, self._failed)

    def _recorded(self, results: list[ReplyResult]) -> None:
        self._set_busy(False)
        self.applied = True
        self.results = results
        self._list(results)
        applied = [r for r in results if r.outcome == ReplyOutcome.APPLIED]
        self.summary.setText(
            plural(len(applied), self.tr("1 answer recorded."), self.tr("{n} answers recorded."))
        )
        self.banner.clear()
        self.record_button.setEnabled(False)
        self._push_undo(applied)
        self.recorded.emit(results)

    def _push_undo(self, applied: Sequence[ReplyResult]) -> None:
        """Put the answers just recorded on the undo stack as one step (announcing them)."""
        from organizer.ics.replies import undo_steps

        steps = undo_steps(applied)
        if not steps:
            return
        ids = frozenset(int(step.assignment_id) for step in steps)
        flip = RecordedAnswers(self.context.services.settings.db, self.context.actor, steps)
        command = EditCommand(
            plural(
                len(steps),
                self.tr("Record 1 answer from calendar replies"),
                self.tr("Record {n} answers from calendar replies"),
            ),
            flip.flip,
            flip.flip,
            DataChange(frozenset({"assignment"}), self.context.actor, ids={"assignment": ids}),
            self.context.hub,
            on_error=self._undo_failed_reporter(),
        )
        push_done(self.context.undo_stack, command)

    def _undo_failed_reporter(self) -> Callable[[OrganizerError], None]:
        """Say why undo or redo was refused: here, or on the window once this dialog closed."""
        dialog, window = self, self.parentWidget()
        title = self.tr("Calendar replies")

        def report(error: OrganizerError) -> None:
            if shiboken6.isValid(dialog):
                dialog.banner.show_problem(str(error))
                dialog.undo_problem.emit(str(error))
            elif window is not None and shiboken6.isValid(window):
                report_error(window, title, error)

        return report

    def _failed(self, error: Exception) -> None:
        if not isinstance(error, OrganizerError):
            raise error
        self._set_busy(False)
        self.banner.show_problem(str(error))

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.choose_button.setEnabled(not busy)
        if busy:
            self.record_button.setEnabled(False)
