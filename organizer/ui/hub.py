"""The one place views hear that data changed, whoever changed it."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from organizer.changes import DataChange


class ChangeHub(QObject):
    """Broadcasts each :class:`~organizer.changes.DataChange`; views decide whether to reload.

    Edits made in this window announce themselves here after they are saved; later, changes
    other coordinators make on the shared file will arrive through the same signal.
    """

    changed = Signal(object)

    def announce(self, change: DataChange) -> None:
        """Tell every listening view about ``change``."""
        self.changed.emit(change)
