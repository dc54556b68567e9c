"""The main window with its real pages: built when first shown, and leading to each other."""

from __future__ import annotations

import gc
import shutil
import weakref
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from organizer.app import Workspace
from organizer.demo import generate_demo
from organizer.storage import Database, open_database


@pytest.fixture
def workspace(qtbot: QtBot, db: Database, db_path: Path, tmp_path: Path) -> Iterator[Workspace]:
    generate_demo(db, start=date(2026, 11, 23))
    db.close()
    space = Workspace(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    window = space.show_database(open_database(db_path))
    window.resize(1200, 760)
    qtbot.waitExposed(window)
    yield space
    space.close()


def test_only_the_page_on_show_is_built_at_start(workspace: Workspace) -> None:
    assert workspace.pages is not None
    assert list(workspace.pages.built) == ["home"]


def test_switching_builds_the_page_once(qtbot: QtBot, workspace: Workspace) -> None:
    window, pages = workspace.window, workspace.pages
    assert window is not None and pages is not None
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.current_page() == "calendar"
    calendar = pages.built["calendar"]
    assert window.page("calendar") is calendar
    qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert pages.built["calendar"] is calendar


def test_building_a_page_shows_no_other_page_on_the_way(qtbot: QtBot, workspace: Workspace) -> None:
    """Going to Causes & places for the first time shows only it: no neighbouring page is
    put on screen (and laid out) while its placeholder is swapped out."""
    window = workspace.window
    assert window is not None
    placeholder = window.page("places")
    stack = window.page_stack
    shown: list[object] = []
    stack.currentChanged.connect(lambda _index: shown.append(stack.currentWidget()))
    window.show_page("places")
    assert window.current_page() == "places"
    page = window.page("places")
    assert page is not placeholder
    assert shown and all(widget in (placeholder, page) for widget in shown)
    assert shown[-1] is page


def test_ctrl_f_puts_the_cursor_in_the_volunteer_search(qtbot: QtBot, workspace: Workspace) -> None:
    window = workspace.window
    assert window is not None
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.current_page() == "volunteers"
    page = window.page("volunteers")
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.search)  # type: ignore[attr-defined]


def test_opening_a_volunteer_from_home_selects_them(qtbot: QtBot, workspace: Workspace) -> None:
    window, pages = workspace.window, workspace.pages
    assert window is not None and pages is not None
    home = pages.built["home"]
    assert workspace.context is not None
    newest = workspace.context.services.volunteers.newest(1)[0]
    volunteer_id = newest.id
    home.open_volunteer.emit(volunteer_id)  # type: ignore[attr-defined]
    assert window.current_page() == "volunteers"
    page = window.page("volunteers")
    qtbot.waitUntil(lambda: page.selected_id() == volunteer_id)  # type: ignore[attr-defined]


class _Probe:
    """A reference cycle through a window: garbage only a collection can free."""

    def __init__(self, window: object) -> None:
        self.window = window
        self.itself = self


def test_a_file_opened_in_place_of_another_leaves_the_old_window_collectable(
    qtbot: QtBot, workspace: Workspace, db_path: Path, tmp_path: Path
) -> None:
    copies = [tmp_path / "second.organizer", tmp_path / "third.organizer"]
    for copy in copies:
        shutil.copy(db_path, copy)
    try:
        second = workspace.show_database(open_database(copies[0]))
        second.probe = _Probe(second)  # type: ignore[attr-defined]
        seen = weakref.ref(second.probe)  # type: ignore[attr-defined]
        with qtbot.waitSignal(second.destroyed, timeout=10_000):
            workspace.show_database(open_database(copies[1]))
        del second
        collector = workspace.collector
        assert collector is not None
        collector.set_aside()  # as after start-up's imports: must not keep the old garbage
        collector.collect()  # the collection once the worker has been idle a while
        assert seen() is None, "the old window's garbage was frozen for good"
        assert gc.get_freeze_count() > 0, "what lives on is set aside after the collection"
    finally:
        gc.unfreeze()
