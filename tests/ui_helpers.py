"""What the GUI tests build a page or dialog with: a view context of its own."""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtGui import QUndoStack

from organizer.services import Services
from organizer.storage import Database
from organizer.ui.context import ViewContext
from organizer.ui.hub import ChangeHub
from organizer.ui.worker import Worker


def view_context(
    source: Database | Services,
    *,
    actor: str = "Tester",
    worker: Worker | None = None,
    read_only: bool = False,
    settings: QSettings | None = None,
) -> ViewContext:
    """A context with its own worker (unless given), undo stack and change hub.

    ``source`` is the open file (whose services act as ``actor``) or the services to use.
    """
    services = source if isinstance(source, Services) else Services.for_database(source, actor)
    return ViewContext(
        services=services,
        worker=worker if worker is not None else Worker(),
        undo_stack=QUndoStack(),
        hub=ChangeHub(),
        read_only=read_only,
        settings=settings,
    )
