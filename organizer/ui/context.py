"""What a view is handed: the services, the background worker, the undo stack, the hub."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QSettings

from organizer.services import Services
from organizer.ui.hub import ChangeHub
from organizer.ui.undo_stack import UndoStack
from organizer.ui.worker import JobSignals, Worker


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

    def submit_edit(
        self,
        work: Callable[..., Any],
        *,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
        on_progress: Callable[[str, float], None] | None = None,
    ) -> JobSignals:
        """Make an edit on the worker; ``on_done`` puts it on the undo stack.

        Undo is on meanwhile, and Ctrl+Z pressed before the edit is made undoes it once it
        is (see :meth:`UndoStack.expect`).
        """
        job = self.worker.submit(work, on_done=on_done, on_error=on_error, on_progress=on_progress)
        return self.undo_stack.expect(job)
