"""Record what happened at one occurrence, and print its sign-in sheet.

The dialog loads the occurrence's shifts and people on the worker, lets the coordinator pick
attended / no-show / excused and the actual times per person (or mark everyone as attended
as scheduled), and saves every change as one undoable step.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta
from functools import partial
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTime, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from organizer.changes import DataChange
from organizer.errors import OrganizerError
from organizer.models import Attendance
from organizer.reports.attendance import (
    AttendanceEdit,
    AttendanceService,
    AttendanceValues,
    OccurrenceSheet,
    SheetPerson,
    SheetShift,
    values_for,
)
from organizer.ui.context import ViewContext
from organizer.ui.events.fields import undo_refused
from organizer.ui.reports.documents import sign_in_html, write_pdf
from organizer.ui.roster.widgets import MessageBar, heading_label, muted_label
from organizer.ui.undo import EditCommand, push_done

CHOICES: tuple[tuple[str, Attendance | None], ...] = (
    ("Not recorded", None),
    ("Attended", Attendance.ATTENDED),
    ("No-show", Attendance.NO_SHOW),
    ("Excused", Attendance.EXCUSED),
)
COLUMN_NAME, COLUMN_SHIFT, COLUMN_STATUS, COLUMN_START, COLUMN_END, COLUMN_HOURS = range(6)


def attendance_service(context: ViewContext) -> AttendanceService:
    """The attendance service for ``context``'s database and coordinator."""
    return AttendanceService(context.services.assignments.db, context.actor)


class AttendanceStep:
    """One saved attendance change that undo and redo flip back and forth."""

    def __init__(self, service: AttendanceService, reverse: list[AttendanceEdit]) -> None:
        """Keep the edits that reverse what was just saved."""
        self.service = service
        self.reverse = reverse

    def flip(self) -> None:
        """Apply the reversing edits; keep the ones that reverse them."""
        self.reverse = self.service.record(self.reverse)


class AttendanceDialog(QDialog):
    """What happened at one occurrence: a status and actual times per person.

    Signals: ``loaded()`` once the sheet is on show, ``saved()`` after a save.
    """

    loaded = Signal()
    saved = Signal()

    def __init__(
        self,
        context: ViewContext,
        event_id: int,
        recurrence_id: datetime,
        parent: QWidget | None = None,
    ) -> None:
        """Load the occurrence ``(event_id, recurrence_id)``."""
        super().__init__(parent)
        self.context = context
        self.service = attendance_service(context)
        self.sheet: OccurrenceSheet | None = None
        self.rows: list[tuple[SheetShift, SheetPerson]] = []
        self.setObjectName("attendance-dialog")
        self.setWindowTitle(self.tr("Attendance"))
        self.setAccessibleName(self.tr("Attendance"))
        self.resize(820, 480)

        self.title = heading_label(self.tr("Loading…"))
        self.title.setAccessibleName(self.tr("Occurrence"))
        self.details = muted_label()
        self.details.setAccessibleName(self.tr("When and where"))
        self.message_bar = MessageBar(self)
        self.table = QTableWidget(0, 6)
        self.table.setObjectName("attendance-table")
        self.table.setAccessibleName(self.tr("People and what happened"))
        self.table.setHorizontalHeaderLabels(
            [self.tr("Volunteer"), self.tr("Shift"), self.tr("Attendance"),
             self.tr("Arrived"), self.tr("Left"), self.tr("Hours")]
        )  # fmt: skip
        self.table.verticalHeader().hide()
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(COLUMN_NAME, QHeaderView.ResizeMode.Stretch)
        for column in (COLUMN_SHIFT, COLUMN_STATUS, COLUMN_START, COLUMN_END, COLUMN_HOURS):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.everyone_button = QPushButton(self.tr("Mark everyone as attended as scheduled"))
        self.everyone_button.setObjectName("attendance-everyone")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setEnabled(False)
        self.everyone_button.setEnabled(False)

        actions = QHBoxLayout()
        actions.addWidget(self.everyone_button)
        actions.addStretch(1)
        actions.addWidget(self.buttons)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 14, 18, 14)
        layout.addWidget(self.title)
        layout.addWidget(self.details)
        layout.addWidget(self.message_bar)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)

        self.everyone_button.clicked.connect(self.mark_everyone_attended)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        service = self.service
        context.worker.submit(
            lambda: service.sheet(event_id, recurrence_id),
            on_done=self._show_sheet,
            on_error=self._failed,
        )

    # Showing -------------------------------------------------------------------------------

    def _show_sheet(self, sheet: OccurrenceSheet) -> None:
        self.sheet = sheet
        starts, ends = sheet.starts_at.astimezone(), sheet.ends_at.astimezone()
        self.title.setText(self.tr("Attendance: {title}").format(title=sheet.title))
        place = f" · {sheet.place}" if sheet.place else ""
        # The day without a leading zero by hand: Windows' strftime has no code for it.
        day = f"{starts:%A} {starts.day} {starts:%B %Y}"
        self.details.setText(f"{day}, {starts:%H:%M}–{ends:%H:%M}{place}")
        self.rows = [(shift, person) for shift in sheet.shifts for person in shift.people]
        self.table.setRowCount(len(self.rows))
        for row, (shift, person) in enumerate(self.rows):
            self._fill_row(row, shift, person)
        editable = bool(self.rows) and not self.context.read_only
        self.everyone_button.setEnabled(editable)
        self.save_button.setEnabled(editable)
        if not self.rows:
            self.message_bar.show_message(self.tr("Nobody is on this occurrence's shifts."))
        elif self.context.read_only:
            self.message_bar.show_message(
                self.tr("This database is open read-only, so attendance cannot be saved.")
            )
        self.loaded.emit()

    def _fill_row(self, row: int, shift: SheetShift, person: SheetPerson) -> None:
        name = QTableWidgetItem(person.name)
        self.table.setItem(row, COLUMN_NAME, name)
        span = f"{shift.starts_at.astimezone():%H:%M}–{shift.ends_at.astimezone():%H:%M}"
        self.table.setItem(row, COLUMN_SHIFT, QTableWidgetItem(f"{shift.role} ({span})"))
        combo = QComboBox()
        combo.setAccessibleName(self.tr("Attendance of {name}").format(name=person.name))
        for text, value in CHOICES:
            combo.addItem(self.tr(text), value.value if value else "")
        values = person.values
        combo.setCurrentIndex(next(i for i, (_, v) in enumerate(CHOICES) if v is values.attendance))
        self.table.setCellWidget(row, COLUMN_STATUS, combo)
        for column, moment, fallback in (
            (COLUMN_START, values.actual_start, shift.starts_at),
            (COLUMN_END, values.actual_end, shift.ends_at),
        ):
            edit = QTimeEdit()
            edit.setDisplayFormat("HH:mm")
            edit.setAccessibleName(
                self.tr("{what} of {name}").format(
                    what=self.tr("Arrival") if column == COLUMN_START else self.tr("Leaving"),
                    name=person.name,
                )
            )
            local = (moment or fallback).astimezone()
            edit.setTime(QTime(local.hour, local.minute))
            edit.timeChanged.connect(lambda _t, r=row: self._update_row(r))
            self.table.setCellWidget(row, column, edit)
        hours = QTableWidgetItem()
        hours.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.table.setItem(row, COLUMN_HOURS, hours)
        combo.currentIndexChanged.connect(lambda _i, r=row: self._update_row(r))
        self._update_row(row)

    def _update_row(self, row: int) -> None:
        values = self.values_at(row)
        present = values.attendance is Attendance.ATTENDED
        for column in (COLUMN_START, COLUMN_END):
            widget = self.table.cellWidget(row, column)
            if widget is not None:
                widget.setEnabled(present and not self.context.read_only)
        item = self.table.item(row, COLUMN_HOURS)
        if item is not None:
            item.setText(f"{values.hours:.2f}" if values.hours is not None else "—")

    # Reading the choices -------------------------------------------------------------------

    def status_combo(self, row: int) -> QComboBox:
        """The attendance choice of row ``row``."""
        widget = self.table.cellWidget(row, COLUMN_STATUS)
        assert isinstance(widget, QComboBox)
        return widget

    def time_edit(self, row: int, column: int) -> QTimeEdit:
        """The arrival (``COLUMN_START``) or leaving (``COLUMN_END``) time of row ``row``."""
        widget = self.table.cellWidget(row, column)
        assert isinstance(widget, QTimeEdit)
        return widget

    def values_at(self, row: int) -> AttendanceValues:
        """What row ``row`` says now, as values to record."""
        shift, _ = self.rows[row]
        attendance = CHOICES[max(self.status_combo(row).currentIndex(), 0)][1]
        if attendance is not Attendance.ATTENDED:
            return AttendanceValues(attendance)
        day = shift.starts_at.astimezone().date()
        start_time = self.time_edit(row, COLUMN_START).time()
        end_time = self.time_edit(row, COLUMN_END).time()
        start = datetime.combine(day, time(start_time.hour(), start_time.minute())).astimezone()
        end = datetime.combine(day, time(end_time.hour(), end_time.minute())).astimezone()
        if end <= start:
            end += timedelta(days=1)  # a shift that runs past midnight
        return values_for(attendance, start, end, (shift.starts_at, shift.ends_at))

    def edits(self) -> list[AttendanceEdit]:
        """The changed rows, as edits based on the versions loaded."""
        changes = []
        for row, (_, person) in enumerate(self.rows):
            values = self.values_at(row)
            if values != person.values:
                changes.append(AttendanceEdit(person.assignment_id, person.version, values))
        return changes

    # Acting --------------------------------------------------------------------------------

    def mark_everyone_attended(self) -> None:
        """Set every row to attended, for its shift's scheduled times."""
        for row, (shift, _) in enumerate(self.rows):
            self.status_combo(row).setCurrentIndex(1)
            for column, moment in ((COLUMN_START, shift.starts_at), (COLUMN_END, shift.ends_at)):
                local = moment.astimezone()
                self.time_edit(row, column).setTime(QTime(local.hour, local.minute))

    def save(self) -> None:
        """Save the changes through the worker as one undoable step, then close."""
        edits = self.edits()
        if not edits:
            self.accept()
            return
        self.save_button.setEnabled(False)
        service = self.service
        self.context.submit_edit(
            lambda: service.record(edits), on_done=self._saved, on_error=self._failed
        )

    def _saved(self, reverse: Sequence[AttendanceEdit]) -> None:
        assert self.sheet is not None
        step = AttendanceStep(self.service, list(reverse))
        command = EditCommand(
            self.tr("Record attendance at {title}").format(title=self.sheet.title),
            step.flip,
            step.flip,
            DataChange.of(self.context.actor, "assignment"),
            self.context.hub,
            # Undone after this dialog has closed: the refusal is told over the page.
            on_error=partial(undo_refused, self.parentWidget()),
        )
        push_done(self.context.undo_stack, command)
        self.saved.emit()
        self.accept()

    def _failed(self, error: Exception) -> None:
        if not isinstance(error, OrganizerError):
            raise error
        self.save_button.setEnabled(bool(self.rows) and not self.context.read_only)
        self.message_bar.show_message(str(error), problem=True)


class SignInSheetWriter(QObject):
    """Loads an occurrence on the worker and prints its sign-in sheet to a PDF.

    Signals: ``written(str)`` with the path, or ``problem(str)``.
    """

    written = Signal(str)
    problem = Signal(str)

    def __init__(self, context: ViewContext, parent: QObject | None = None) -> None:
        """Work through ``context``'s worker."""
        super().__init__(parent)
        self.context = context

    def write(self, event_id: int, recurrence_id: datetime, path: Path) -> None:
        """Write the sheet for ``(event_id, recurrence_id)`` to ``path``."""
        service = attendance_service(self.context)

        def done(sheet: OccurrenceSheet) -> None:
            try:
                write_pdf(sign_in_html(sheet), path, f"Sign-in: {sheet.title}")
            except OrganizerError as error:
                self.problem.emit(str(error))
                return
            self.written.emit(str(path))

        def failed(error: Exception) -> None:
            if not isinstance(error, OrganizerError):
                raise error
            self.problem.emit(str(error))

        self.context.worker.submit(
            lambda: service.sheet(event_id, recurrence_id), on_done=done, on_error=failed
        )
