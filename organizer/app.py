"""Starting the desktop program: logging, crash handling, the database and the main window."""

from __future__ import annotations

import gc
import logging
import sys
import threading
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QMessageLogContext,
    QObject,
    QSettings,
    QTimer,
    QtMsgType,
    qInstallMessageHandler,
)
from PySide6.QtWidgets import QApplication

from organizer import APP_NAME, __version__
from organizer.logs import configure_logging
from organizer.paths import chosen_database
from organizer.ui import app_icon, app_settings
from organizer.ui.background_import import import_while_answering
from organizer.ui.crash import install_crash_handler
from organizer.ui.main_window import MainWindow, OpeningFile
from organizer.ui.opening import (
    RecentDatabases,
    backup_interactively,
    create_database_interactively,
    open_database_interactively,
)

if TYPE_CHECKING:
    from organizer.services import Services
    from organizer.storage import Database
    from organizer.ui.context import ViewContext
    from organizer.ui.memory import IdleCollector
    from organizer.ui.pages import Pages
    from organizer.ui.worker import Progress

logger = logging.getLogger(__name__)
qt_logger = logging.getLogger("organizer.qt")

OPENING_MODULES = (
    "organizer.storage",
    "organizer.storage.moving",
    "organizer.services",
    "organizer.ui.context",
    "organizer.ui.hub",
    "organizer.ui.memory",
    "organizer.ui.pages",
    "organizer.ui.worker",
    "organizer.ui.sharing.session",
    "organizer.ui.welcome",
    "organizer.ui.home",
    "organizer.ui.people.newcomers",
)
"""The code opening a file and showing its first page runs (the rest loads later)."""
PAINT_MS = 10
"""How long after the first page's data arrives its paint is surely done."""
GO_AHEAD_LIMIT_S = 1.0
"""The longest the other pages' code waits for the first page to paint."""

_QT_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


class Workspace(QObject):
    """The database a coordinator has open and the window showing it.

    Opening or creating another file replaces both together; closing the window ends the
    program, even if a crash dialog is still open.  Everything that touches files on the
    window's behalf happens here.
    """

    def __init__(self, settings: QSettings, parent: QObject | None = None) -> None:
        """Keep window layout and recent files in ``settings``."""
        super().__init__(parent)
        self.settings = settings
        self.recent = RecentDatabases(settings)
        self.db: Database | None = None
        self.window: MainWindow | None = None
        self.context: ViewContext | None = None
        self.pages: Pages | None = None
        self.collector: IdleCollector | None = None
        self._pages_go_ahead = threading.Event()
        self.finished = False
        """Whether the person closed the window (possibly before the event loop ran)."""

    def open_first(self, target: str | None, *, read_only: bool = False) -> bool:
        """Open the database chosen on the command line (or the default); show its window.

        The window appears first, so the person sees the program at once; the data layer
        loads and the file opens while it is on screen.  Returns whether a database could be
        opened.
        """
        location, _ = chosen_database(target)
        self.show_opening(location, read_only=read_only)
        QApplication.processEvents()
        if self.finished:  # closed while opening
            return False
        return self.finish_opening(target, read_only=read_only)

    def show_opening(self, location: str, *, read_only: bool = False) -> MainWindow:
        """Show the main window for the file at ``location`` before it is opened."""
        window = MainWindow(OpeningFile.at(location, read_only=read_only), settings=self.settings)
        window.closed.connect(self._window_closed)
        window.show()
        window.show_status(self.tr("Opening {name}…").format(name=window.file_name))
        self.window = window
        return window

    def finish_opening(self, target: str | None, *, read_only: bool = False) -> bool:
        """Open the chosen database into the window :meth:`show_opening` showed.

        The data layer's code loads on a helper thread first, so that the window keeps
        answering (it can be moved, repainted or closed) while it does.
        """
        location, is_default = chosen_database(target)
        if not import_while_answering(OPENING_MODULES, then=_configure_models) or self.finished:
            return False
        db = open_database_interactively(
            location, self.window, read_only=read_only, create_if_missing=is_default
        )
        if db is None:
            return False
        # Opening the file took a moment, and filling the window takes another: the window
        # answers in between, rather than once after both.
        QApplication.processEvents()
        if self.finished:  # closed meanwhile
            db.close()
            return False
        self.show_database(db)
        return True

    def close(self) -> None:
        """Close the window and release the database."""
        self._stop_collector()
        if self.context is not None:
            self._stop_work(self.context)
            self.context = None
        if self.window is not None:
            self.window.closed.disconnect(self._window_closed)
            if self.window.isVisible():
                self.window.close()
            self.window = None
        if self.db is not None:
            self.db.close()
            self.db = None

    def _stop_work(self, context: ViewContext) -> None:
        """Leave the shared file; let the worker finish its queue, waiting for no paint."""
        _stop_sharing(context)
        self._pages_go_ahead.set()
        context.worker.close()

    def _stop_collector(self) -> None:
        if self.collector is not None:
            self.collector.stop()
            self.collector = None

    def show_database(self, db: Database) -> MainWindow:
        """Show ``db`` in a new main window, replacing any window already open."""
        from organizer.services import Services
        from organizer.ui.context import ViewContext
        from organizer.ui.hub import ChangeHub
        from organizer.ui.memory import IdleCollector
        from organizer.ui.pages import Pages
        from organizer.ui.worker import Worker

        old_window, old_db = self.window, self.db
        if self.context is not None:
            self._stop_work(self.context)
        if old_window is not None and old_db is None:
            # The window shown while this file opened: it becomes the file's window.
            window, old_window = old_window, None
            window.attach(db)
            window.closed.disconnect(self._window_closed)
        else:
            if old_window is not None:
                old_window.save_layout()
            window = MainWindow(db, settings=self.settings)
        worker = Worker(window)
        # Undo waits for the edits under way, which are put on the stack as they are made.
        window.undo_stack.worker = worker
        context = ViewContext(
            services=Services.for_database(db),
            worker=worker,
            undo_stack=window.undo_stack,
            hub=ChangeHub(window),
            read_only=db.read_only,
            settings=self.settings,
        )
        self.pages = Pages(window, context)
        self.context = context
        self._stop_collector()
        # After another file's window, its garbage must be collected before anything is frozen.
        leftovers = old_window is not None or old_db is not None
        self.collector = IdleCollector(context.worker, window, collect_first=leftovers)
        context.worker.submit(context.services.events.extend_horizon, on_error=_log_only)
        # The other pages' code, queued after the first page's data, but imported only once
        # that page has painted it: importing meanwhile held the GIL through each of the
        # page's many small calls into Python as it laid out its rows, tripling that pause.
        go_ahead = self._pages_go_ahead = threading.Event()
        context.worker.submit(
            partial(_import_page_code_when_painted, go_ahead, context.services),
            on_progress=lambda *_: QTimer.singleShot(PAINT_MS, go_ahead.set),
            on_done=self.collector.set_aside,
            on_error=_log_only,
        )
        from organizer.ui.sharing.session import SharingSession

        SharingSession(window, context, db).start()
        window.restore_requested.connect(self.restore_backup)
        window.open_requested.connect(self.open_file)
        window.connect_requested.connect(self.connect_to_server)
        window.new_database_requested.connect(self.create_file)
        window.backup_requested.connect(self.back_up)
        window.closed.connect(self._window_closed)
        self.window, self.db = window, db
        window.show()
        window.show_status(self.tr("Opened {name}").format(name=window.file_name))
        if db.path is not None:
            self.recent.add(str(db.path))
        logger.info("Showing %s%s", db.display_name, " (read-only)" if db.read_only else "")
        if old_window is not None:
            old_window.closed.disconnect(self._window_closed)
            old_window.close()
            old_window.deleteLater()
        if old_db is not None:
            old_db.close()
        if leftovers:
            # What the old file's window kept in reference cycles is garbage once it goes:
            # frozen, it would be kept for good.  The idle collection frees it, then freezes.
            gc.unfreeze()
        else:
            # Everything loaded so far (modules, Qt wrappers, the data layer) lives as long as
            # the program: moving it out of the collector's sight keeps each full garbage
            # collection short, which was the longest pause on the GUI thread in big views.
            gc.freeze()
        return window

    def open_file(self, target: str) -> None:
        """Open another database in place of the current one."""
        current = self.db.path if self.db is not None else None
        if current is not None and Path(target).expanduser().resolve() == current.resolve():
            if self.window is not None:
                self.window.show_status(self.tr("That file is already open."))
            return
        db = open_database_interactively(target, self.window)
        if db is not None:
            self.show_database(db)

    def connect_to_server(self) -> None:
        """Ask for a server (File → Connect to server…) and switch to its database."""
        from organizer.ui.connect_dialog import ConnectDialog

        dialog = ConnectDialog(self.settings, self.window)
        dialog.connected.connect(self.show_database)
        self.connect_dialog = dialog
        dialog.open()

    def create_file(self, target: str) -> None:
        """Create a new, empty database and switch to it."""
        db = create_database_interactively(target, self.window)
        if db is not None:
            self.show_database(db)

    def back_up(self, target: str) -> None:
        """Write a backup copy of the open database to ``target``."""
        if self.db is None or self.window is None:
            return
        copy = backup_interactively(self.db, Path(target), self.window)
        if copy is not None:
            self.window.show_status(self.tr("Backup saved to {path}").format(path=copy))

    def restore_backup(self) -> None:
        """Ask which backup to restore (File → Restore from backup…), restore it, reopen."""
        if self.db is not None and self.window is not None and self.context is not None:
            from organizer.ui.sharing.restore_dialog import restore_interactively

            restore_interactively(self, self.db, self.window, self.context)

    def _window_closed(self) -> None:
        self.finished = True
        QApplication.quit()


def _stop_sharing(context: ViewContext) -> None:
    from organizer.ui.sharing.session import session_of

    session = session_of(context)
    if session is not None:
        session.stop()


def _import_page_code_when_painted(
    go_ahead: threading.Event, services: Services, progress: Progress
) -> None:
    """Import the other pages' code once the first page has painted its data.

    The progress report tells the GUI thread this job has started (so the first page's
    data is handed over); it answers through ``go_ahead`` once that is painted.
    """
    from organizer.ui.pages import import_page_code

    progress("waiting for the first page to paint", 0.0)
    go_ahead.wait(GO_AHEAD_LIMIT_S)
    import_page_code(services)


def _configure_models() -> None:
    """Set up the models' mappings now rather than on the first query (a tenth of a second)."""
    from sqlalchemy.orm import configure_mappers

    configure_mappers()


def _log_only(error: Exception) -> None:
    logger.warning("Could not extend the occurrence index: %s", error)


def route_qt_messages_to_log() -> None:
    """Write Qt's own warnings to the log, then pass them on to any earlier handler."""
    previous = None

    def handle(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
        qt_logger.log(_QT_LEVELS.get(kind, logging.WARNING), "%s", message)
        if previous is not None:
            previous(kind, context, message)

    previous = qInstallMessageHandler(handle)


def run_gui(
    target: str | None,
    *,
    read_only: bool = False,
    argv: list[str] | None = None,
    settings: QSettings | None = None,
) -> int:
    """Start the desktop program on ``target`` (or the default database); return its exit code.

    Args:
        target: The database path or URL from ``--db``; ``None`` for ``ORGANIZER_DB`` or the
            default file, which is created on first use.
        read_only: Open the database without the right to change it.
        argv: Arguments for Qt; ``sys.argv`` when ``None``.
        settings: Where to remember window layout; Organizer's own settings when ``None``.
    """
    log_file = configure_logging()
    logger.info("Organizer %s starting", __version__)
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else None
    if app is None:
        app = QApplication(argv if argv is not None else sys.argv)
    app.setOrganizationName(APP_NAME)
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("organizer")
    app.setWindowIcon(app_icon())
    route_qt_messages_to_log()
    crash_handler = install_crash_handler(log_file)

    # The workspace quits when its window closes; Qt's own rule would also count the crash
    # dialog and, switching files, would post a second quit that ends the next event loop.
    quit_on_last_window = app.quitOnLastWindowClosed()
    app.setQuitOnLastWindowClosed(False)
    workspace = Workspace(settings if settings is not None else app_settings())
    try:
        try:
            opened = workspace.open_first(target, read_only=read_only)
        except Exception as error:
            # A bug before the event loop runs: show the crash dialog while there is still
            # a program to show it in.
            crash_handler.handle_exception(type(error), error, error.__traceback__)
            if crash_handler.dialog is not None:
                crash_handler.dialog.exec()
            return 1
        if workspace.finished:
            logger.info("Window closed while opening; quitting")
            return 0
        if not opened:
            logger.info("No database opened; quitting")
            return 1
        return app.exec()
    finally:
        workspace.close()
        app.setQuitOnLastWindowClosed(quit_on_last_window)
        logger.info("Organizer stopped")


def main() -> int:
    """The ``organizer`` command: the command line, which starts the window by default."""
    from organizer.cli import main as cli_main

    return cli_main()
