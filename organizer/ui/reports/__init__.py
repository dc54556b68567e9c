"""The Reports page, the attendance dialog and the printable sheets and letters."""

from organizer.ui.reports.attendance_dialog import AttendanceDialog, SignInSheetWriter
from organizer.ui.reports.page import ReportsPage

__all__ = ["AttendanceDialog", "ReportsPage", "SignInSheetWriter"]
