"""What a view is handed: the services, the background worker, the undo stack, the hub."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSettings

from organizer.services import Services
from organizer.ui.hub import ChangeHub
from organizer.ui.undo_stack import UndoStack
from organizer.ui.worker import Worker


@dataclass(frozen=True)
class ViewContext:
    """The few shared pieces every view of one open database works with.

    Built once per open database by the app; views keep it and never reach for globals.
    """

    services: Services
    worker: Worker
    undo_stack: UndoStack
    hub: ChangeHub
    read_only: bool = False
    settings: QSettings | None = None
    """Where views remember how they were left (their layout, not data); None keeps nothing."""

    @property
    def actor(self) -> str:
        """Who is making changes in this window."""
        return self.services.causes.actor
