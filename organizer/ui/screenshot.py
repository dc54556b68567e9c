"""Rendering one view of the main window to a PNG file, offscreen (for docs and checks)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

logger = logging.getLogger(__name__)

_PAGE_FOR_VIEW = {"roster": "rosters"}


def render_view(
    db_target: str, view: str, out: Path, *, width: int = 1280, height: int = 800
) -> Path:
    """Open ``db_target``, show ``view`` in the main window offscreen, save it to ``out``."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings, qInstallMessageHandler
    from PySide6.QtWidgets import QApplication

    from organizer.app import Workspace
    from organizer.ui.opening import open_database_interactively

    app = QApplication.instance() or QApplication([])
    # Offscreen windows make Qt say harmless things about window hints; keep them in the log.
    previous = qInstallMessageHandler(
        lambda _kind, _context, message: logger.debug("Qt: %s", message)
    )
    settings = QSettings(str(out.with_suffix(".ini")), QSettings.Format.IniFormat)
    workspace = Workspace(settings)
    db = open_database_interactively(db_target, None)
    if db is None:
        raise RuntimeError(f"could not open {db_target}")
    try:
        window = workspace.show_database(db)
        window.resize(width, height)
        window.show_page(_PAGE_FOR_VIEW.get(view, view))
        settle(app, workspace)
        image = window.grab()
        if not image.save(str(out)):
            raise OSError(f"could not write {out}")
    finally:
        workspace.close()
        Path(settings.fileName()).unlink(missing_ok=True)
        qInstallMessageHandler(previous)
    return out


def settle(app: object, workspace: object) -> None:
    """Let queued loads finish and the window paint (offscreen rendering only)."""
    from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer

    context = getattr(workspace, "context", None)
    window = getattr(workspace, "window", None)
    for _ in range(100):
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        if context is not None:
            context.worker.run_until_idle()
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        page = window.page_stack.currentWidget() if window is not None else None
        # A page may start more work once it is painted (the roster's clash check).
        if getattr(page, "settling", False):
            pause = QEventLoop()
            QTimer.singleShot(20, pause.quit)
            pause.exec()
            continue
        if context is None or not context.worker.busy:
            break
    del app
