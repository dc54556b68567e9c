"""The desktop shell: start-up, the main window, opening errors and the crash handler."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QImage, QUndoCommand
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QLabel,
    QMessageBox,
    QStackedWidget,
    QToolBar,
    QWidget,
)
from pytestqt.qtbot import QtBot

from organizer import __version__, storage
from organizer import app as app_module
from organizer.app import Workspace, run_gui
from organizer.changes import DataChange
from organizer.demo import generate_demo
from organizer.errors import DatabaseLockedError, DatabaseReadOnlyError
from organizer.logs import FILE_HANDLER_NAME, STDERR_HANDLER_NAME, configure_logging
from organizer.paths import default_database_path, log_dir
from organizer.services import CauseDraft, Services, VolunteerDraft
from organizer.storage import Database, create_database, open_database
from organizer.ui import app_icon, crash, opening
from organizer.ui import pages as pages_module
from organizer.ui.background_import import import_while_answering
from organizer.ui.crash import CrashDialog, CrashHandler, install_crash_handler
from organizer.ui.main_window import MainWindow, OpeningFile, PlaceholderPage
from organizer.ui.opening import RecentDatabases, open_database_interactively
from organizer.ui.undo import BackgroundCommand, push_done
from organizer.ui.worker import Worker
from tests.ui_helpers import view_context

PAGES = ["home", "calendar", "events", "volunteers", "rosters", "places"]

# The offscreen platform says this whenever a window with a minimum size is shown; it is about
# the test platform, not about Organizer.  (qutebrowser ignores it the same way.)


# Fixtures and helpers ------------------------------------------------------------------------


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    """Settings in a file of this test's own, so nothing leaks between tests."""
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


def show_window(
    qtbot: QtBot, db: Database, settings: QSettings, *, resize: bool = True
) -> MainWindow:
    window = MainWindow(db, settings=settings)
    qtbot.addWidget(window)
    if resize:  # the offscreen screen is small; make room for the whole status bar
        window.resize(1100, 720)
    window.show()
    window.activateWindow()
    qtbot.waitActive(window)
    return window


@pytest.fixture
def window(qtbot: QtBot, db: Database, settings: QSettings) -> MainWindow:
    return show_window(qtbot, db, settings)


@pytest.fixture
def read_only_db(db_path: Path) -> Iterator[Database]:
    create_database(db_path).close()
    database = open_database(db_path, read_only=True)
    yield database
    database.close()


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    level = root.level
    yield
    for handler in list(root.handlers):
        if handler.get_name() in (FILE_HANDLER_NAME, STDERR_HANDLER_NAME):
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)
    logging.captureWarnings(False)


@pytest.fixture
def log_file(tmp_path: Path, restore_logging: None) -> Path:
    return configure_logging(tmp_path / "logs")


@pytest.fixture
def crash_handler(log_file: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CrashHandler]:
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    handler = install_crash_handler(log_file)
    yield handler
    if handler.dialog is not None:
        handler.dialog.close()
    handler.deleteLater()


Seen = list[tuple[str, str, list[str]]]


def answer_message_box(button_text: str, seen: Seen) -> None:
    """Once a message box is open, note its title, text and buttons and click ``button_text``."""

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, answer)
            return
        seen.append((box.windowTitle(), box.text(), sorted(b.text() for b in box.buttons())))
        for button in box.buttons():
            if button.text() == button_text:
                button.click()
                return
        box.reject()  # the test then fails on the button texts it recorded

    QTimer.singleShot(0, answer)


def wait_for_box(qtbot: QtBot, name: str) -> QMessageBox:
    found: list[QMessageBox] = []

    def shown() -> bool:
        found[:] = [
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, QMessageBox) and w.objectName() == name and w.isVisible()
        ]
        return bool(found)

    qtbot.waitUntil(shown)
    return found[0]


# The main window -----------------------------------------------------------------------------


def test_status_bar_shows_the_database_path(window: MainWindow, db: Database) -> None:
    label = window.database_label
    assert label.isVisible()
    assert label.path == str(db.path)
    assert label.toolTip() == str(db.path)
    assert label.text().endswith(db.path.name if db.path else "")
    assert "Database:" in label.text()


def test_long_path_is_shortened_in_the_middle(window: MainWindow, db: Database) -> None:
    window.resize(500, 500)
    label = window.database_label
    label.resize(240, label.height())
    assert "…" in label.text()
    assert label.text().endswith(".organizer")


def test_window_title_names_the_file(window: MainWindow) -> None:
    assert window.windowTitle() == "Organizer — test.organizer"
    assert not window.read_only_badge.isVisible()


def test_read_only_database_shows_the_badge(
    qtbot: QtBot, read_only_db: Database, settings: QSettings
) -> None:
    window = show_window(qtbot, read_only_db, settings)
    assert window.read_only_badge.isVisible()
    assert window.read_only_badge.text() == "Read-only"
    assert window.windowTitle() == "Organizer — test.organizer (read-only)"


def test_clicking_the_navigation_list_switches_pages(qtbot: QtBot, window: MainWindow) -> None:
    nav = window.nav_list
    for row, key in reversed(list(enumerate(PAGES))):
        item = nav.item(row)
        assert item is not None
        with qtbot.waitSignal(window.page_changed) as blocker:
            rect = nav.visualItemRect(item)
            qtbot.mouseClick(nav.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        assert blocker.args == [key]
        assert window.current_page() == key
        assert window.page_stack.currentWidget() is window.page(key)


@pytest.mark.parametrize(("number", "key"), list(enumerate(PAGES, start=1)))
def test_ctrl_number_switches_pages(
    qtbot: QtBot, window: MainWindow, number: int, key: str
) -> None:
    start = "rosters" if key == "home" else "home"
    window.show_page(start)
    with qtbot.waitSignal(window.page_changed) as blocker:
        qtbot.keyClick(
            window, getattr(Qt.Key, f"Key_{number}"), Qt.KeyboardModifier.ControlModifier
        )
    assert blocker.args == [key]
    assert window.current_page() == key
    assert window.nav_list.currentRow() == number - 1
    checked = [a.data() for a in window.page_actions.actions() if a.isChecked()]
    assert checked == [key]


def test_each_page_has_a_heading_and_a_sentence(window: MainWindow) -> None:
    for key in PAGES:
        page = window.page(key)
        assert isinstance(page, PlaceholderPage)
        assert page.heading.text()
        assert page.summary.text().endswith(".")
        assert page.heading.alignment() & Qt.AlignmentFlag.AlignHCenter


def test_quit_action_closes_the_window(qtbot: QtBot, window: MainWindow) -> None:
    with qtbot.waitSignal(window.closed):
        window.quit_action.trigger()
    assert not window.isVisible()


def test_ctrl_q_closes_the_window(qtbot: QtBot, window: MainWindow) -> None:
    with qtbot.waitSignal(window.closed):
        qtbot.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert not window.isVisible()


class _Mark(QUndoCommand):
    def __init__(self, marks: list[str]) -> None:
        super().__init__("Add mark")
        self.marks = marks

    def redo(self) -> None:
        self.marks.append("x")

    def undo(self) -> None:
        self.marks.pop()


def test_undo_and_redo_follow_the_windows_stack(qtbot: QtBot, window: MainWindow) -> None:
    assert not window.undo_action.isEnabled()
    assert not window.redo_action.isEnabled()
    marks: list[str] = []
    window.undo_stack.push(_Mark(marks))
    assert marks == ["x"]
    assert window.undo_action.isEnabled()
    assert window.undo_action.text() == "&Undo Add mark"
    # The toolbar's button stays short; it names the step in its tooltip.
    assert window.undo_action.iconText() == "Undo"
    assert window.undo_action.toolTip() == "Undo Add mark"

    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert marks == []
    assert window.redo_action.isEnabled()
    redo = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(window, Qt.Key.Key_Z, redo)
    assert marks == ["x"]


def test_f5_refreshes(qtbot: QtBot, window: MainWindow) -> None:
    with qtbot.waitSignal(window.refresh_requested):
        qtbot.keyClick(window, Qt.Key.Key_F5)


def test_layout_and_page_are_remembered(qtbot: QtBot, db: Database, settings: QSettings) -> None:
    first = show_window(qtbot, db, settings)
    first.show_page("rosters")
    first.resize(700, 600)
    first.close()
    second = show_window(qtbot, db, settings, resize=False)
    assert second.current_page() == "rosters"
    assert second.size() == first.size()


def test_about_shows_version_and_database(window: MainWindow, db: Database) -> None:
    seen: Seen = []
    answer_message_box("OK", seen)
    window.about_action.trigger()
    assert len(seen) == 1
    title, text, _ = seen[0]
    assert title == "About Organizer"
    assert f"Organizer {__version__}" in text
    assert str(db.path) in text


def test_recent_files_menu_asks_to_open(
    qtbot: QtBot, window: MainWindow, settings: QSettings, tmp_path: Path
) -> None:
    other = str(tmp_path / "other.organizer")
    RecentDatabases(settings).add(other)
    window.recent_menu.aboutToShow.emit()
    actions = [a for a in window.recent_menu.actions() if a.text() == "&1 other.organizer"]
    assert len(actions) == 1
    with qtbot.waitSignal(window.open_requested) as blocker:
        actions[0].trigger()
    assert blocker.args == [other]


def test_recent_list_keeps_the_newest_first(settings: QSettings) -> None:
    recent = RecentDatabases(settings)
    assert recent.paths() == []
    recent.add("/a.organizer")
    assert recent.paths() == ["/a.organizer"]
    recent.add("/b.organizer")
    recent.add("/a.organizer")
    assert recent.paths() == ["/a.organizer", "/b.organizer"]
    recent.clear()
    assert recent.paths() == []


def test_every_control_has_an_accessible_name(window: MainWindow) -> None:
    unnamed: list[QWidget] = []
    kinds = (QAbstractItemView, QStackedWidget, QToolBar, QLabel, PlaceholderPage)
    for widget in window.findChildren(QWidget):
        if widget.objectName().startswith("qt_"):  # Qt's own parts, such as the scroll bars
            continue
        if isinstance(widget, QAbstractButton):
            if not (widget.accessibleName() or widget.text() or widget.toolTip()):
                unnamed.append(widget)
        elif isinstance(widget, kinds) and not widget.accessibleName():
            unnamed.append(widget)
    # Labels Qt makes for itself (in the status bar's size grip area, for example) have no text.
    unnamed = [
        w for w in unnamed if not (isinstance(w, QLabel) and not w.text() and not w.pixmap())
    ]
    assert unnamed == []


def test_window_renders_to_a_picture(window: MainWindow, tmp_path: Path) -> None:
    picture = tmp_path / "shell.png"
    assert window.grab().save(str(picture))
    image = QImage(str(picture))
    assert image.width() >= 1000
    points = [(5, 5), (40, 90), (image.width() // 2, image.height() // 2), (300, 200)]
    points += [(x, y) for x in range(0, image.width(), 37) for y in range(0, image.height(), 41)]
    colours = {image.pixelColor(x, y).name() for x, y in points}
    assert len(colours) > 4


def test_app_icon_is_drawn() -> None:
    icon = app_icon()
    assert not icon.isNull()
    image = icon.pixmap(64, 64).toImage()
    assert image.pixelColor(32, 32).alpha() == 255
    assert image.pixelColor(0, 0).alpha() == 0


# Opening databases ---------------------------------------------------------------------------


def test_missing_file_is_explained_and_nothing_opens(qtbot: QtBot, tmp_path: Path) -> None:
    missing = tmp_path / "gone" / "club.organizer"
    seen: Seen = []
    answer_message_box("Cancel", seen)
    assert open_database_interactively(str(missing)) is None
    title, text, buttons = seen[0]
    assert title == "Cannot open club.organizer"
    assert "There is no Organizer file" in text
    assert "Traceback" not in text
    assert buttons == ["Cancel", "Choose another file…"]
    assert not missing.exists()


def test_file_of_another_program_is_refused(qtbot: QtBot, tmp_path: Path) -> None:
    notes = tmp_path / "notes.organizer"
    notes.write_text("shopping list\n" * 20)
    seen: Seen = []
    answer_message_box("Cancel", seen)
    assert open_database_interactively(str(notes)) is None
    title, text, _ = seen[0]
    assert title == "Cannot open notes.organizer"
    assert text == f"{notes} is not an Organizer data file."


def test_read_only_file_can_be_opened_read_only(
    qtbot: QtBot, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_database(db_path).close()
    real_open = storage.open_database

    def open_without_write_access(target: str, *, read_only: bool = False) -> Database:
        if not read_only:  # tests run as root, where file permissions do not stop writes
            raise DatabaseReadOnlyError(f"{target} is read-only for you.")
        return real_open(target, read_only=True)

    monkeypatch.setattr(storage, "open_database", open_without_write_access)
    seen: Seen = []
    answer_message_box("Open read-only", seen)
    database = open_database_interactively(str(db_path))
    assert database is not None
    try:
        assert database.read_only
        _, text, buttons = seen[0]
        assert text == f"{db_path} is read-only for you."
        assert buttons == ["Cancel", "Choose another file…", "Open read-only"]
    finally:
        database.close()


def test_locked_file_can_be_tried_again(
    qtbot: QtBot, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_database(db_path).close()
    real_open = storage.open_database
    attempts: list[str] = []

    def busy_once(target: str, *, read_only: bool = False) -> Database:
        attempts.append(target)
        if len(attempts) == 1:
            raise DatabaseLockedError(f"{target} is busy.")
        return real_open(target, read_only=read_only)

    monkeypatch.setattr(storage, "open_database", busy_once)
    seen: Seen = []
    answer_message_box("Try again", seen)
    database = open_database_interactively(str(db_path))
    assert database is not None
    database.close()
    assert len(attempts) == 2
    assert seen[0][2] == ["Cancel", "Try again"]


def test_default_database_is_created_with_its_folder(qtbot: QtBot) -> None:
    target = default_database_path()
    assert not target.parent.exists()
    database = open_database_interactively(str(target), create_if_missing=True)
    assert database is not None
    try:
        assert target.exists()
        assert database.schema_revision() is not None
    finally:
        database.close()


def test_run_gui_opens_the_window_and_quits(
    qtbot: QtBot,
    db_path: Path,
    settings: QSettings,
    restore_logging: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    create_database(db_path).close()
    shown: list[str] = []

    def quit_when_shown() -> None:
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
        visible = [w for w in windows if w.isVisible() and not isinstance(w.db, OpeningFile)]
        if not visible:
            QTimer.singleShot(10, quit_when_shown)
            return
        shown.append(visible[0].windowTitle())
        visible[0].quit_action.trigger()

    QTimer.singleShot(0, quit_when_shown)
    assert run_gui(str(db_path), settings=settings) == 0
    assert shown == ["Organizer — test.organizer"]
    assert not QGuiApplication.windowIcon().isNull()
    assert RecentDatabases(settings).paths() == [str(db_path)]
    logged = (log_dir() / "organizer.log").read_text(encoding="utf-8")
    assert f"Organizer {__version__} starting" in logged


def test_closing_the_window_while_the_file_opens_quits_cleanly(
    qtbot: QtBot,
    db_path: Path,
    settings: QSettings,
    restore_logging: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The window shows before the file is open; closing it then ends the program at once."""
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    create_database(db_path).close()
    seen: list[str] = []

    def close_first_window() -> None:
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
        visible = [w for w in windows if w.isVisible()]
        if not visible:
            QTimer.singleShot(1, close_first_window)
            return
        seen.append(visible[0].statusBar().currentMessage())
        visible[0].close()

    QTimer.singleShot(0, close_first_window)
    assert run_gui(str(db_path), settings=settings) == 0
    assert seen == ["Opening test.organizer…"]
    assert not [w for w in QApplication.topLevelWidgets() if w.isVisible()]


def test_a_window_closed_just_as_its_file_opened_is_not_filled(
    qtbot: QtBot, settings: QSettings, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The window answers between opening the file and filling itself: closed then, it
    stays closed and the file is let go (not left open behind a window nobody sees)."""
    create_database(db_path).close()
    workspace = Workspace(settings)
    window = workspace.show_opening(str(db_path))
    let_go: list[str] = []

    def open_then_close(*args: Any, **kwargs: Any) -> Database | None:
        db = open_database_interactively(*args, **kwargs)
        assert db is not None
        close = db.close

        def noted_close() -> None:
            let_go.append(str(db.path))
            close()

        monkeypatch.setattr(db, "close", noted_close)
        QTimer.singleShot(0, window.close)
        return db

    monkeypatch.setattr(app_module, "open_database_interactively", open_then_close)
    assert not workspace.finish_opening(str(db_path))
    assert workspace.db is None and workspace.context is None
    assert not window.isVisible()
    assert let_go == [str(db_path)]


def test_workspace_creates_backs_up_and_switches_files(
    qtbot: QtBot, settings: QSettings, tmp_path: Path
) -> None:
    workspace = Workspace(settings)
    try:
        assert workspace.open_first(None)
        first = workspace.window
        assert first is not None
        assert workspace.db is not None
        assert workspace.db.path == default_database_path()

        second_path = tmp_path / "second.organizer"
        first.new_database_requested.emit(str(second_path))
        second = workspace.window
        assert second is not None
        assert second is not first
        assert second.windowTitle() == "Organizer — second.organizer"
        assert not first.isVisible()

        backup = tmp_path / "copy.organizer"
        second.backup_requested.emit(str(backup))
        assert second.statusBar().currentMessage() == f"Backup saved to {backup}"
        open_database(backup).close()

        second.open_requested.emit(str(second_path))
        assert workspace.window is second
        assert second.statusBar().currentMessage() == "That file is already open."

        second.open_requested.emit(str(default_database_path()))
        assert workspace.window is not second
        assert RecentDatabases(settings).paths() == [
            str(default_database_path()),
            str(second_path),
        ]
    finally:
        workspace.close()


def test_backup_onto_an_existing_file_is_refused(
    qtbot: QtBot, db: Database, tmp_path: Path
) -> None:
    existing = tmp_path / "copy.organizer"
    existing.write_text("keep me")
    seen: Seen = []
    answer_message_box("Close", seen)
    assert opening.backup_interactively(db, existing) is None
    assert seen == [
        (
            "Cannot back up test.organizer",
            f"{existing} already exists. Choose another name.",
            ["Close"],
        )
    ]
    assert existing.read_text() == "keep me"


def test_run_gui_stops_when_the_file_cannot_be_opened(
    qtbot: QtBot,
    tmp_path: Path,
    settings: QSettings,
    restore_logging: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    seen: Seen = []
    answer_message_box("Cancel", seen)
    assert run_gui(str(tmp_path / "missing.organizer"), settings=settings) == 1
    assert seen[0][0] == "Cannot open missing.organizer"


def test_run_gui_shows_a_start_up_bug_in_the_crash_dialog(
    qtbot: QtBot,
    settings: QSettings,
    restore_logging: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)

    def broken(*args: object, **kwargs: object) -> Database:
        raise RuntimeError("a bug while opening")

    monkeypatch.setattr(app_module, "open_database_interactively", broken)
    details: list[str] = []

    def close_crash_dialog() -> None:
        dialogs = [w for w in QApplication.topLevelWidgets() if isinstance(w, CrashDialog)]
        visible = [d for d in dialogs if d.isVisible()]
        if not visible:
            QTimer.singleShot(10, close_crash_dialog)
            return
        details.append(visible[0].details)
        visible[0].close_button.click()

    QTimer.singleShot(0, close_crash_dialog)
    assert run_gui(None, settings=settings) == 1
    assert "RuntimeError: a bug while opening" in details[0]
    logged = (log_dir() / "organizer.log").read_text(encoding="utf-8")
    assert "RuntimeError: a bug while opening" in logged


# Crashes -------------------------------------------------------------------------------------


def test_crash_dialog_shows_details_and_copies_them(qtbot: QtBot, tmp_path: Path) -> None:
    details = "Traceback (most recent call last):\nZeroDivisionError: division by zero"
    dialog = CrashDialog(details, tmp_path / "organizer.log")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert "Something went wrong" in dialog.heading.text()
    assert not dialog.details_box.isVisible()

    qtbot.mouseClick(dialog.details_toggle, Qt.MouseButton.LeftButton)
    assert dialog.details_box.isVisible()
    assert dialog.details_box.isReadOnly()
    assert dialog.details_box.toPlainText() == details

    QGuiApplication.clipboard().clear()
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == details
    assert dialog.copied_note.text() == "Details copied to the clipboard."

    with qtbot.waitSignal(dialog.finished):
        qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)


def test_crash_dialog_opens_the_log_folder(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []

    class FakeDesktop:
        @staticmethod
        def openUrl(url: object) -> bool:
            opened.append(url.toLocalFile())  # type: ignore[attr-defined]
            return True

    monkeypatch.setattr(crash, "QDesktopServices", FakeDesktop)
    dialog = CrashDialog("details", tmp_path / "logs" / "organizer.log")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.mouseClick(dialog.folder_button, Qt.MouseButton.LeftButton)
    assert opened == [str(tmp_path / "logs")]


def _divide_by_zero() -> None:
    print(1 / 0)


def test_uncaught_exception_is_logged_and_the_app_keeps_running(
    qtbot: QtBot, crash_handler: CrashHandler, log_file: Path
) -> None:
    QTimer.singleShot(0, _divide_by_zero)
    qtbot.waitUntil(lambda: crash_handler.dialog is not None and crash_handler.dialog.isVisible())
    dialog = crash_handler.dialog
    assert dialog is not None
    assert "ZeroDivisionError: division by zero" in dialog.details
    assert str(log_file) in dialog.details

    logged = log_file.read_text(encoding="utf-8")
    assert "Unexpected error" in logged
    assert "Traceback (most recent call last)" in logged
    assert "in _divide_by_zero" in logged
    assert "ZeroDivisionError: division by zero" in logged

    # The event loop still runs: a later timer fires, and a second error joins the same dialog.
    timer = QTimer()
    timer.setSingleShot(True)
    with qtbot.waitSignal(timer.timeout):
        timer.start(0)
    QTimer.singleShot(0, _divide_by_zero)
    qtbot.waitUntil(lambda: dialog.details.count("ZeroDivisionError: division") == 2)
    assert crash_handler.dialog is dialog


def test_exception_in_another_thread_is_shown_on_the_gui_thread(
    qtbot: QtBot, crash_handler: CrashHandler, log_file: Path
) -> None:
    worker = threading.Thread(target=_divide_by_zero, name="import-worker")
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: crash_handler.dialog is not None)
    assert crash_handler.dialog is not None
    assert "Thread: import-worker" in crash_handler.dialog.details
    assert "[import-worker] Unexpected error" in log_file.read_text(encoding="utf-8")


def test_storage_error_reaching_the_hook_is_a_plain_message(
    qtbot: QtBot, crash_handler: CrashHandler, log_file: Path
) -> None:
    def save() -> None:
        raise DatabaseLockedError("club.organizer is busy. Try again in a moment.")

    QTimer.singleShot(0, save)
    box = wait_for_box(qtbot, "plain-error")
    assert box.text() == "club.organizer is busy. Try again in a moment."
    assert box.windowTitle() == "Problem with the database"
    assert crash_handler.dialog is None
    logged = log_file.read_text(encoding="utf-8")
    assert "DatabaseLockedError: club.organizer is busy" in logged
    assert "Traceback" not in logged
    box.close()


def run_script(script: str) -> list[str]:
    """The lines ``script`` prints, run in a fresh interpreter with Qt offscreen."""
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    return result.stdout.strip().splitlines()


def workspace_script(db_path: Path) -> str:
    """The start of a script for :func:`run_script`: an application and a workspace whose
    settings sit beside ``db_path``."""
    return (
        "import sys, threading\n"
        "from PySide6.QtCore import QSettings\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from organizer.app import Workspace\n"
        "app = QApplication([])\n"
        f"workspace = Workspace(QSettings({str(db_path.with_suffix('.ini'))!r}, "
        "QSettings.Format.IniFormat))\n"
    )


def test_the_window_can_paint_before_the_data_layer_is_imported() -> None:
    """Start-up shows the window first: building it must not pull in SQLAlchemy or the models."""
    script = (
        "import sys\n"
        "import organizer.app, organizer.ui.main_window\n"
        "heavy = sorted({name.split('.')[0] for name in sys.modules} & {'sqlalchemy', 'alembic'})\n"
        "heavy += sorted(n for n in sys.modules if n.startswith(('organizer.models', "
        "'organizer.services', 'organizer.storage')))\n"
        "print(heavy)\n"
    )
    lines = run_script(script)
    assert lines[-1] == "[]"


def test_the_data_layer_loads_off_the_gui_thread_while_the_window_opens(db_path: Path) -> None:
    """SQLAlchemy, the models, the services and the first page's code load on a helper
    thread, so the window just shown keeps answering; the GUI thread imports none of it."""
    db = create_database(db_path)
    Services.for_database(db, "Sam").volunteers.create(
        VolunteerDraft(name="Amira", joined_on=date(2026, 11, 20))
    )
    db.close()
    script = workspace_script(db_path) + (
        f"workspace.show_opening({str(db_path)!r})\n"
        "app.processEvents()\n"
        "loaded = []\n"
        "def note(event, args):\n"
        "    if event == 'import' and args[0].startswith(('sqlalchemy', 'organizer.')):\n"
        "        on_gui = threading.current_thread() is threading.main_thread()\n"
        "        loaded.append(('gui' if on_gui else 'helper', args[0]))\n"
        "sys.addaudithook(note)\n"
        f"assert workspace.finish_opening({str(db_path)!r})\n"
        "print(sorted(name for where, name in loaded if where == 'gui'))\n"
        "print(('helper', 'sqlalchemy') in loaded, ('helper', 'organizer.models') in loaded)\n"
        "workspace.close()\n"
    )
    lines = run_script(script)
    on_gui, on_helper = lines[-2:]
    assert on_gui == "[]"
    assert on_helper == "True True"


def test_a_first_visit_to_each_page_imports_none_of_the_apps_code(db_path: Path) -> None:
    """Once the pages' code has loaded in the background, opening each page for the first
    time only builds it: no module of the app is compiled or run on the GUI thread then."""
    db = create_database(db_path)
    generate_demo(db, start=date(2026, 11, 23))
    db.close()
    script = workspace_script(db_path) + (
        "from organizer.storage import open_database\n"
        "from organizer.ui.pages import PAGE_CLASSES, import_page_code\n"
        f"window = workspace.show_database(open_database({str(db_path)!r}))\n"
        "import_page_code(workspace.context.services)\n"
        "loaded = []\n"
        "def note(event, args):\n"
        "    on_gui = threading.current_thread() is threading.main_thread()\n"
        "    if event == 'import' and on_gui and args[0].startswith('organizer'):\n"
        "        if args[0] not in sys.modules:\n"
        "            loaded.append(args[0])\n"
        "sys.addaudithook(note)\n"
        "for key in PAGE_CLASSES:\n"
        "    loaded.clear()\n"
        "    window.show_page(key)\n"
        "    app.processEvents()\n"
        "    print(key, sorted(set(loaded)))\n"
        "workspace.close()\n"
    )
    lines = run_script(script)
    visited = [line for line in lines if line.split(" ")[0] in pages_module.PAGE_CLASSES]
    assert len(visited) == len(pages_module.PAGE_CLASSES)
    assert all(line.endswith(" []") for line in visited), visited


def test_a_slow_import_leaves_the_window_answering(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "organizer_slow_module.py").write_text("import time\ntime.sleep(0.3)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    ticks: list[int] = []
    then: list[bool] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start()
    try:
        assert import_while_answering(["organizer_slow_module"], then=lambda: then.append(True))
    finally:
        timer.stop()
        sys.modules.pop("organizer_slow_module", None)
    assert len(ticks) >= 3, "the event loop ran while the module loaded"
    assert then == [True]


def test_a_module_that_fails_to_load_ahead_is_logged_and_left_to_its_user(
    qtbot: QtBot, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        assert import_while_answering(["organizer_no_such_module"])
    assert "organizer_no_such_module" in caplog.text


def test_the_other_pages_code_waits_until_the_first_page_has_painted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Imported while the first page lays out its data, it would hold the GIL through each
    of the page's calls into Python: it starts once the GUI thread says the page painted."""
    imported: list[object] = []
    monkeypatch.setattr(pages_module, "import_page_code", imported.append)
    go_ahead = threading.Event()
    said: list[str] = []
    job = threading.Thread(
        target=app_module._import_page_code_when_painted,
        args=(go_ahead, "services", lambda stage, _: said.append(stage)),
    )
    job.start()
    try:
        job.join(0.2)
        assert job.is_alive() and imported == []
        assert said, "the GUI thread was told the first page's data is handed over"
    finally:
        go_ahead.set()
        job.join(5)
    assert imported == ["services"]


def test_opening_a_file_to_home_loads_only_what_home_needs(db_path: Path) -> None:
    """Importing volunteers, auto-fill, merging and the sample data are loaded when used,
    not at every start."""
    script = (
        "import sys\n"
        "from organizer.services import Services\n"
        "from organizer.storage import create_database\n"
        "import organizer.ui.pages, organizer.ui.welcome, organizer.ui.home\n"
        "import organizer.ui.people.newcomers\n"
        f"db = create_database({str(db_path)!r})\n"
        "services = Services.for_database(db, 'Sam')\n"
        "services.causes.list()\n"
        "unused = ('organizer.people.importing', 'organizer.people.exporting', "
        "'organizer.people.merging', 'organizer.people.duplicates', "
        "'organizer.scheduling.autofill', 'organizer.demo', 'organizer.ui.volunteers.editor')\n"
        "print(sorted(name for name in unused if name in sys.modules))\n"
        "services.autofill, services.importer\n"
        "print(sorted(name for name in unused if name in sys.modules))\n"
    )
    lines = run_script(script)
    before, after = lines
    assert before == "[]"
    assert "'organizer.scheduling.autofill'" in after and "'organizer.people.importing'" in after


def test_the_other_pages_code_is_loaded_in_the_background_after_home(db_path: Path) -> None:
    """The first visit to a page only builds it: its code was imported (and the computer's
    time zones looked up) off the GUI thread once Home had its data."""
    script = (
        "import sys\n"
        "from PySide6.QtCore import QCoreApplication, QSettings\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from organizer.app import Workspace\n"
        "from organizer.storage import create_database\n"
        "app = QApplication([])\n"
        f"db = create_database({str(db_path)!r})\n"
        f"workspace = Workspace(QSettings({str(db_path.with_suffix('.ini'))!r}, "
        "QSettings.Format.IniFormat))\n"
        "window = workspace.show_database(db)\n"
        "workspace.context.worker.run_until_idle()\n"
        "QCoreApplication.processEvents()\n"
        "print(sorted(workspace.pages.built))\n"
        "pages = ('organizer.ui.roster.page', 'organizer.ui.calendar.page')\n"
        "print(all(name in sys.modules for name in pages))\n"
        "from organizer.timezones import known_zones\n"
        "print(known_zones.cache_info().currsize)\n"
        "workspace.close()\n"
    )
    lines = run_script(script)
    built, loaded, zones_known = lines[-3:]
    assert built == "['home']"
    assert loaded == "True"
    assert zones_known == "1", "the zone folder was walked in the background too"


def test_the_status_bar_says_what_a_long_undo_is_doing(
    qtbot: QtBot, window: MainWindow, db: Database
) -> None:
    services = Services.for_database(db, "Sam")
    context = view_context(services, worker=Worker())
    context = replace(context, undo_stack=window.undo_stack)
    cause = services.causes.create(CauseDraft(name="Food bank"))
    renamed = services.causes.update(cause.id, cause.version, CauseDraft(name="Food bank north"))
    release = threading.Event()

    def rename_back() -> None:
        release.wait(10)
        services.causes.update(cause.id, renamed.version, CauseDraft(name="Food bank"))

    push_done(
        window.undo_stack,
        BackgroundCommand(
            "Rename Food bank",
            context,
            lambda: None,
            rename_back,
            DataChange.of("Sam", cause=cause.id),
            on_error=lambda error: None,
        ),
    )
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    # Said once the step has taken a moment (a quick one would only flicker).
    qtbot.waitUntil(lambda: window.statusBar().currentMessage() == "Undoing Rename Food bank…")
    with qtbot.waitSignal(context.hub.changed):
        release.set()
    assert window.statusBar().currentMessage() == ""
    assert services.causes.get(cause.id).name == "Food bank"
