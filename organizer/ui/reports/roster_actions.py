"""The Rosters page's "Attendance…" and "Sign-in sheet…" buttons for the chosen occurrence."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QBoxLayout, QFileDialog, QHBoxLayout, QPushButton

from organizer.ui.reports.attendance_dialog import AttendanceDialog, SignInSheetWriter
from organizer.ui.reports.documents import default_name

if TYPE_CHECKING:
    from organizer.ui.roster.page import RosterPage


class RosterAttendance(QObject):
    """Adds the two buttons under the roster's shift actions and opens what they offer."""

    def __init__(self, page: RosterPage) -> None:
        """Add the buttons to ``page``'s side panel, below Assign/Status/Remove."""
        super().__init__(page)
        self.page = page
        self.dialog: AttendanceDialog | None = None
        self.writer = SignInSheetWriter(page.context, self)
        self.attendance_button = QPushButton(self.tr("Attendance…"))
        self.attendance_button.setObjectName("roster-attendance")
        self.attendance_button.setAccessibleName(self.tr("Record attendance for the occurrence"))
        self.sign_in_button = QPushButton(self.tr("Sign-in sheet…"))
        self.sign_in_button.setObjectName("roster-sign-in")
        self.sign_in_button.setAccessibleName(self.tr("Print the occurrence's sign-in sheet"))
        row = QHBoxLayout()
        row.setSpacing(6)
        row.addWidget(self.attendance_button)
        row.addWidget(self.sign_in_button)
        row.addStretch(1)
        _insert_below(page, row)
        self.attendance_button.clicked.connect(self.open_attendance)
        self.sign_in_button.clicked.connect(self._ask_sign_in)
        self.writer.written.connect(
            lambda path: page.message_bar.show_message(
                self.tr("Saved the sign-in sheet to {path}.").format(path=path)
            )
        )
        self.writer.problem.connect(lambda text: page.message_bar.show_message(text, problem=True))
        page.board_view.selectionModel().currentChanged.connect(self._update)
        page.loaded.connect(self._update)
        self._update()

    def occurrence(self) -> tuple[int, datetime] | None:
        """The event and occurrence of the chosen shift."""
        shift = self.page.selected_shift()
        return (shift.fill.event_id, shift.fill.recurrence_id) if shift else None

    def _update(self) -> None:
        chosen = self.occurrence() is not None
        self.attendance_button.setEnabled(chosen)
        self.sign_in_button.setEnabled(chosen)

    def open_attendance(self) -> AttendanceDialog | None:
        """Open the attendance dialog for the chosen occurrence."""
        chosen = self.occurrence()
        if chosen is None:
            return None
        self.dialog = AttendanceDialog(self.page.context, *chosen, parent=self.page)
        self.dialog.open()
        return self.dialog

    def write_sign_in(self, path: Path) -> None:
        """Write the chosen occurrence's sign-in sheet to ``path``."""
        chosen = self.occurrence()
        if chosen is not None:
            self.writer.write(*chosen, path)

    def _ask_sign_in(self) -> None:
        shift = self.page.selected_shift()
        if shift is None:
            return
        name = default_name(f"sign in {shift.fill.title}", shift.fill.starts_at.date())
        chosen, _ = QFileDialog.getSaveFileName(
            self.page,
            self.tr("Save sign-in sheet"),
            str(Path.home() / f"{name}.pdf"),
            "PDF (*.pdf)",
        )
        if chosen:
            self.write_sign_in(Path(chosen))


def _insert_below(page: RosterPage, row: QHBoxLayout) -> None:
    """Put ``row`` right after the layout holding the Assign button."""
    side = page.assign_button.parentWidget()
    layout = side.layout() if side is not None else None
    if not isinstance(layout, QBoxLayout):
        return
    for index in range(layout.count()):
        item = layout.itemAt(index)
        child = item.layout() if item is not None else None
        if child is not None and child.indexOf(page.assign_button) >= 0:
            layout.insertLayout(index + 1, row)
            return
    layout.addLayout(row)
