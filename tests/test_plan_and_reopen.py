"""A coordinator plans in the real window, closes the file, opens it again and finds it all."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TypeVar

import pytest
from PySide6.QtCore import QSettings, Qt
from pytestqt.qtbot import QtBot

from organizer.app import Workspace
from organizer.storage import create_database, open_database
from organizer.ui.context import ViewContext
from organizer.ui.events import EventsPage
from organizer.ui.events.model import EventTableModel
from organizer.ui.events.roles_table import RolesModel
from organizer.ui.main_window import MainWindow
from organizer.ui.places import CauseDialog, PlacesPage
from organizer.ui.roster import RosterPage
from organizer.ui.volunteers.editor import AVAILABILITY, WindowRow
from organizer.ui.volunteers.page import VolunteersPage
from tests.test_events_ui import (
    cell,
    choose,
    open_editor,
    titles,
    type_in_date,
    type_role_cell,
    type_time,
)
from tests.test_places_ui import names, open_dialog, settled
from tests.test_roster_ui import choose as click_row
from tests.test_roster_ui import people, shift_row
from tests.test_volunteers_ui import loaded, names_shown, save_and_wait
from tests.test_volunteers_ui import open_editor as open_volunteer_editor
from tests.test_volunteers_ui import type_time as type_window_time
from tests.ui_helpers import redo, undo

TUESDAY = date(2026, 12, 1)
"""The first Tuesday of the event, eight days after the Monday the roster tests count from."""


def open_window(qtbot: QtBot, ini: str, db_path: Path) -> tuple[Workspace, MainWindow, ViewContext]:
    """A workspace with its settings in ``ini``, showing the file at ``db_path``."""
    space = Workspace(QSettings(ini, QSettings.Format.IniFormat))
    window = space.show_database(open_database(db_path))
    window.resize(1280, 800)
    qtbot.waitExposed(window)
    assert space.context is not None
    return space, window, space.context


T = TypeVar("T")


def page_of(window: MainWindow, key: str, kind: type[T]) -> T:
    window.show_page(key)
    page = window.page(key)
    assert isinstance(page, kind)
    return page


def causes_page(qtbot: QtBot, window: MainWindow, context: ViewContext) -> PlacesPage:
    places = page_of(window, "places", PlacesPage)
    qtbot.waitUntil(lambda: settled(places, context))
    return places


def week_on_board(qtbot: QtBot, window: MainWindow) -> RosterPage:
    rosters = page_of(window, "rosters", RosterPage)
    with qtbot.waitSignal(rosters.loaded, timeout=10_000):
        rosters.show_week(TUESDAY)
    qtbot.waitUntil(lambda: not rosters.settling, timeout=10_000)
    return rosters


def test_a_plan_made_in_the_window_is_all_there_when_the_file_opens_again(
    qtbot: QtBot, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "Europe/London")
    create_database(db_path).close()
    ini = str(tmp_path / "organizer.ini")
    space, window, context = open_window(qtbot, ini, db_path)

    # A cause, by typing its name.
    places = causes_page(qtbot, window, context)
    dialog = open_dialog(qtbot, places, places.add_cause_button)
    assert isinstance(dialog, CauseDialog)
    qtbot.keyClicks(dialog.name, "Food bank")
    qtbot.keyClick(dialog.name, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: places.dialog is None and settled(places, context))

    # A weekly event on Tuesdays with two roles.
    events = page_of(window, "events", EventsPage)
    qtbot.mouseClick(events.new_button, Qt.MouseButton.LeftButton)
    editor = open_editor(qtbot, events.editor, context)
    qtbot.keyClicks(editor.title, "Tuesday packing")
    choose(qtbot, editor.cause, "Food")
    type_in_date(qtbot, editor.start_date, 1, "1")
    type_in_date(qtbot, editor.start_date, 2, "Dec")
    type_in_date(qtbot, editor.start_date, 3, "2026")
    type_time(qtbot, editor.start_time, "1800")
    type_time(qtbot, editor.end_time, "2000")
    choose(qtbot, editor.repeat.frequency, "W")
    assert editor.repeat.summary.text() == "Every Tuesday"
    qtbot.mouseClick(editor.roles.add_button, Qt.MouseButton.LeftButton)
    type_role_cell(qtbot, editor, 0, RolesModel.ROLE, "Packer")
    type_role_cell(qtbot, editor, 0, RolesModel.NEEDED, "2")
    qtbot.mouseClick(editor.roles.add_button, Qt.MouseButton.LeftButton)
    type_role_cell(qtbot, editor, 1, RolesModel.ROLE, "Driver")
    with qtbot.waitSignal(editor.finished, timeout=10_000):
        qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Tuesday packing" in titles(events), timeout=10_000)

    # A volunteer who is free on Tuesday evenings.
    volunteers = page_of(window, "volunteers", VolunteersPage)
    qtbot.waitUntil(loaded(volunteers))
    person = open_volunteer_editor(qtbot, volunteers, None)
    qtbot.keyClicks(person.name, "Robin Example")
    person.tabs.setCurrentIndex(AVAILABILITY)
    qtbot.mouseClick(person.window_rows.add_button, Qt.MouseButton.LeftButton)
    row = person.window_rows.rows[0]
    assert isinstance(row, WindowRow)
    row.day.setFocus()
    qtbot.keyClicks(row.day, "Tuesday")
    type_window_time(qtbot, row.starts, "1700")
    type_window_time(qtbot, row.ends, "2100")
    save_and_wait(qtbot, person)
    qtbot.waitUntil(lambda: "Robin Example" in names_shown(volunteers) and loaded(volunteers)())

    # Robin goes on the first Tuesday's packing with the picker; undone and done again.
    rosters = week_on_board(qtbot, window)
    click_row(qtbot, rosters, shift_row(rosters, "Packer", 8))
    qtbot.keyClick(rosters.board_view, Qt.Key.Key_Return)
    picker = rosters.assign_dialog
    assert picker is not None
    qtbot.waitUntil(lambda: picker.model.rowCount() == 1, timeout=10_000)
    qtbot.keyClicks(picker.search, "Robin")
    with qtbot.waitSignal(rosters.loaded, timeout=10_000):
        qtbot.keyClick(picker.search, Qt.Key.Key_Return)
    assert people(rosters, "Packer", 8) == {"Robin Example": "Proposed"}
    undo(qtbot, context)
    qtbot.waitUntil(lambda: people(rosters, "Packer", 8) == {}, timeout=10_000)
    redo(qtbot, context)
    qtbot.waitUntil(
        lambda: people(rosters, "Packer", 8) == {"Robin Example": "Proposed"}, timeout=10_000
    )
    space.close()

    # The file opened again, in a new window.
    again, window, reopened = open_window(qtbot, ini, db_path)
    assert names(causes_page(qtbot, window, reopened).cause_model) == ["Food bank"]
    events = page_of(window, "events", EventsPage)
    qtbot.waitUntil(lambda: "Tuesday packing" in titles(events), timeout=10_000)
    assert cell(events, "Tuesday packing", EventTableModel.CAUSE) == "Food bank"
    assert cell(events, "Tuesday packing", EventTableModel.REPEATS) == "Every Tuesday"
    assert cell(events, "Tuesday packing", EventTableModel.ROLES) == "1 of 3"
    volunteers = page_of(window, "volunteers", VolunteersPage)
    qtbot.waitUntil(lambda: "Robin Example" in names_shown(volunteers) and loaded(volunteers)())
    rosters = week_on_board(qtbot, window)
    assert people(rosters, "Packer", 8) == {"Robin Example": "Proposed"}
    assert people(rosters, "Driver", 8) == {}
    again.close()
