"""The Causes & locations page: tables, edit dialogs, validation next to fields, undo."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, QPoint, Qt
from PySide6.QtWidgets import QAbstractButton, QMessageBox
from pytestqt.qtbot import QtBot

from organizer.demo import generate_demo
from organizer.models import Cause, Location
from organizer.services import CauseDraft, LocationDraft, Services
from organizer.storage import Database, create_database, open_database
from organizer.ui.context import ViewContext
from organizer.ui.places import (
    CauseDialog,
    CauseTableModel,
    LocationDialog,
    LocationTableModel,
    PlacesPage,
    RecordDialog,
    RecordSection,
    suggest_colour,
)
from tests.test_home_ui import MONDAY, make_context
from tests.ui_helpers import assert_not_blank


@pytest.fixture
def context(db: Database) -> Iterator[ViewContext]:
    context = make_context(db)
    yield context
    context.worker.wait()


@pytest.fixture
def demo(db: Database) -> Database:
    generate_demo(db, scale="small", seed=1, start=MONDAY)
    return db


def settled(page: PlacesPage, context: ViewContext) -> bool:
    return not page.loading and not context.worker.busy


def show_places(qtbot: QtBot, context: ViewContext) -> PlacesPage:
    page = PlacesPage(context)
    qtbot.addWidget(page)
    page.resize(1000, 620)
    page.show()
    qtbot.waitExposed(page)
    qtbot.waitUntil(lambda: settled(page, context))
    return page


def names(model: CauseTableModel | LocationTableModel) -> list[str]:
    return [row.name for row in model.rows]


def shown_names(section: RecordSection[Cause] | RecordSection[Location]) -> list[str]:
    """The names in the order the table shows them (sorted by name)."""
    table = section.table.model()
    column = CauseTableModel.NAME if isinstance(section.model, CauseTableModel) else 0
    return [table.index(row, column).data() for row in range(table.rowCount())]


def choose(
    qtbot: QtBot, section: RecordSection[Cause] | RecordSection[Location], name: str
) -> None:
    """Click the row called ``name`` and leave the keyboard focus in the table."""
    table = section.table
    row = shown_names(section).index(name)
    index = section.table.model().index(row, 1 if isinstance(section.model, CauseTableModel) else 0)
    table.scrollTo(index)
    qtbot.mouseClick(
        table.viewport(), Qt.MouseButton.LeftButton, pos=table.visualRect(index).center()
    )
    table.setFocus()
    current = section.current()
    assert current is not None and current.name == name


def open_dialog(
    qtbot: QtBot, page: PlacesPage, action: QAbstractButton | None = None
) -> RecordDialog:
    if action is not None:
        qtbot.mouseClick(action, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.dialog is not None and page.dialog.isVisible())
    assert page.dialog is not None
    return page.dialog


def message_button(page: PlacesPage, text: str) -> QAbstractButton:
    box = page.message
    assert isinstance(box, QMessageBox)
    return next(b for b in box.buttons() if b.text().replace("&", "") == text)


def wait_for_message(qtbot: QtBot, page: PlacesPage) -> QMessageBox:
    qtbot.waitUntil(lambda: page.message is not None and page.message.isVisible())
    assert page.message is not None
    return page.message


# Causes ------------------------------------------------------------------------------------


def test_adding_a_cause_by_typing_only_its_name(qtbot: QtBot, context: ViewContext) -> None:
    page = show_places(qtbot, context)
    assert page.cause_section.showing_message, "an empty list explains itself"

    dialog = open_dialog(qtbot, page, page.add_cause_button)
    assert isinstance(dialog, CauseDialog)
    assert dialog.focusWidget() is dialog.name, "typing goes straight into the name"
    qtbot.keyClicks(dialog.name, "Food bank")
    qtbot.keyClick(dialog.name, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.dialog is None)
    qtbot.waitUntil(lambda: settled(page, context))

    assert names(page.cause_model) == ["Food bank"]
    assert not page.cause_section.showing_message
    assert page.cause_section.current() is not None
    saved = context.services.causes.list()
    assert [(c.name, c.colour, c.active) for c in saved] == [("Food bank", "#4E79C7", True)]
    assert context.undo_stack.undoText() == "Add cause “Food bank”"

    context.undo_stack.undo()
    qtbot.waitUntil(lambda: names(page.cause_model) == [])
    assert context.services.causes.list() == []
    context.undo_stack.redo()
    qtbot.waitUntil(lambda: names(page.cause_model) == ["Food bank"])


def test_a_duplicate_name_is_explained_next_to_the_name(
    qtbot: QtBot, demo: Database, context: ViewContext
) -> None:
    page = show_places(qtbot, context)
    dialog = open_dialog(qtbot, page, page.add_cause_button)
    assert isinstance(dialog, CauseDialog)
    qtbot.keyClicks(dialog.name, "food bank")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.problem_for("name") != "")

    assert dialog.problem_for("name") == "There is already a cause called “food bank”."
    assert dialog.name.accessibleDescription() == dialog.problem_for("name")
    assert dialog.problem_for("colour") == ""
    assert not dialog.general.isVisible()
    assert dialog.isVisible(), "the form stays open to fix the name"
    assert dialog.save_button.isEnabled() and dialog.save_button.isDefault()
    assert context.undo_stack.count() == 0

    dialog.name.selectAll()
    qtbot.keyClicks(dialog.name, "Food bank (east)")
    qtbot.keyClick(dialog.name, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Food bank (east)" in names(page.cause_model))
    assert page.dialog is None, "a good name closes the form"


def test_suggested_colours_skip_those_in_use() -> None:
    assert suggest_colour([]) == "#4E79C7"
    assert suggest_colour(["#4e79c7", "#F28E2B"]) == "#2BA58B"


def test_editing_a_cause_and_undoing_it(qtbot: QtBot, demo: Database, context: ViewContext) -> None:
    page = show_places(qtbot, context)
    choose(qtbot, page.cause_section, "Walk and talk")
    qtbot.keyClick(page.cause_section.table, Qt.Key.Key_Return)
    dialog = open_dialog(qtbot, page)
    assert isinstance(dialog, CauseDialog)
    assert dialog.name.text() == "Walk and talk"

    dialog.name.selectAll()
    qtbot.keyClicks(dialog.name, "Walk & talk")
    dialog.colour.set_colour("#123456")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Walk & talk" in names(page.cause_model))
    qtbot.waitUntil(lambda: settled(page, context))
    edited = next(c for c in context.services.causes.list() if c.name == "Walk & talk")
    assert edited.colour == "#123456"
    current = page.cause_section.current()
    assert current is not None and current.name == "Walk & talk", "the edited row stays chosen"

    assert context.undo_stack.undoText() == "Change cause “Walk & talk”"
    context.undo_stack.undo()
    qtbot.waitUntil(lambda: "Walk and talk" in names(page.cause_model))
    restored = context.services.causes.get(edited.id)
    assert (restored.name, restored.colour) == ("Walk and talk", "#2BA58B")
    context.undo_stack.redo()
    qtbot.waitUntil(lambda: "Walk & talk" in names(page.cause_model))


def test_escape_closes_the_form_without_saving(
    qtbot: QtBot, demo: Database, context: ViewContext
) -> None:
    page = show_places(qtbot, context)
    dialog = open_dialog(qtbot, page, page.add_location_button)
    qtbot.keyClicks(dialog.fields["name"][0], "Never saved")
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: page.dialog is None)
    assert "Never saved" not in names(page.location_model)
    assert context.undo_stack.count() == 0


def test_a_cause_with_events_is_marked_inactive_instead_of_deleted(
    qtbot: QtBot, demo: Database, context: ViewContext
) -> None:
    page = show_places(qtbot, context)
    choose(qtbot, page.cause_section, "Food bank")
    qtbot.keyClick(page.cause_section.table, Qt.Key.Key_Delete)
    box = wait_for_message(qtbot, page)
    assert "Delete the cause “Food bank”?" in box.text()
    qtbot.mouseClick(message_button(page, "Delete"), Qt.MouseButton.LeftButton)

    box = wait_for_message(qtbot, page)
    assert "Mark it inactive instead" in box.text()
    qtbot.mouseClick(message_button(page, "Mark inactive"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: settled(page, context) and page.message is None)

    food = next(c for c in page.cause_model.rows if c.name == "Food bank")
    assert not food.active
    assert not next(c for c in context.services.causes.list() if c.name == "Food bank").active
    assert page.active_button.text().replace("&", "") == "Mark active"
    assert context.undo_stack.count() == 1, "the refused delete left nothing to undo"
    context.undo_stack.undo()
    qtbot.waitUntil(lambda: next(c for c in page.cause_model.rows if c.name == "Food bank").active)


def test_an_unused_cause_is_deleted_and_undo_brings_it_back(
    qtbot: QtBot, context: ViewContext
) -> None:
    context.services.causes.create(CauseDraft(name="Choir", description="Singing together"))
    page = show_places(qtbot, context)
    choose(qtbot, page.cause_section, "Choir")
    qtbot.mouseClick(page.delete_cause_button, Qt.MouseButton.LeftButton)
    wait_for_message(qtbot, page)
    qtbot.mouseClick(message_button(page, "Delete"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: names(page.cause_model) == [])
    assert context.services.causes.list() == []

    context.undo_stack.undo()
    qtbot.waitUntil(lambda: names(page.cause_model) == ["Choir"])
    assert context.services.causes.list()[0].description == "Singing together"


# Locations ---------------------------------------------------------------------------------


def test_deleting_a_location_asks_first_and_undo_puts_it_back_on_its_events(
    qtbot: QtBot, demo: Database, context: ViewContext
) -> None:
    page = show_places(qtbot, context)
    events = context.services.events
    hall = next(p for p in page.location_model.rows if p.name == "St Anne's Church Hall")
    held_there = [e.id for e in events.list() if e.location_id == hall.id]
    assert held_there

    choose(qtbot, page.location_section, "St Anne's Church Hall")
    qtbot.keyClick(page.location_section.table, Qt.Key.Key_Delete)
    box = wait_for_message(qtbot, page)
    assert "Delete the location “St Anne's Church Hall”?" in box.text()
    assert "held there" in box.informativeText()

    qtbot.keyClick(box, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: page.message is None)
    assert "St Anne's Church Hall" in names(page.location_model), "Escape keeps it"

    qtbot.keyClick(page.location_section.table, Qt.Key.Key_Delete)
    wait_for_message(qtbot, page)
    qtbot.mouseClick(message_button(page, "Delete"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "St Anne's Church Hall" not in names(page.location_model))
    assert all(events.get(event_id).location_id is None for event_id in held_there)

    assert context.undo_stack.undoText() == "Delete location “St Anne's Church Hall”"
    context.undo_stack.undo()
    qtbot.waitUntil(lambda: "St Anne's Church Hall" in names(page.location_model))
    back = next(p for p in context.services.locations.list() if p.name == hall.name)
    assert (back.address, back.notes) == (hall.address, hall.notes)
    assert all(events.get(event_id).location_id == back.id for event_id in held_there)

    context.undo_stack.redo()
    qtbot.waitUntil(lambda: "St Anne's Church Hall" not in names(page.location_model))


def test_adding_and_editing_a_location(qtbot: QtBot, context: ViewContext) -> None:
    page = show_places(qtbot, context)
    dialog = open_dialog(qtbot, page, page.add_location_button)
    assert isinstance(dialog, LocationDialog)
    qtbot.keyClick(dialog.name, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.problem_for("name") != "")
    assert dialog.problem_for("name") == "Name cannot be empty."

    qtbot.keyClicks(dialog.name, "Library")
    qtbot.keyClick(dialog.name, Qt.Key.Key_Tab)
    qtbot.keyClicks(dialog.address, "2 Market Square")
    qtbot.keyClick(dialog.address, Qt.Key.Key_Tab)
    qtbot.keyClicks(dialog.notes, "Lift to the first floor")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: names(page.location_model) == ["Library"])
    saved = context.services.locations.list()[0]
    assert (saved.address, saved.notes) == ("2 Market Square", "Lift to the first floor")

    choose(qtbot, page.location_section, "Library")
    table = page.location_section.table
    index = table.currentIndex()
    qtbot.mouseClick(
        table.viewport(), Qt.MouseButton.LeftButton, pos=table.visualRect(index).center()
    )
    qtbot.mouseDClick(
        table.viewport(), Qt.MouseButton.LeftButton, pos=table.visualRect(index).center()
    )
    dialog = open_dialog(qtbot, page)
    assert isinstance(dialog, LocationDialog)
    dialog.notes.setPlainText("Lift to the first floor; hearing loop")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.dialog is None)
    cell = page.location_model.index(0, LocationTableModel.NOTES).data()
    assert cell == "Lift to the first floor; hearing loop"


def test_someone_elses_change_is_shown_and_a_stale_edit_is_refused(
    qtbot: QtBot, demo: Database, context: ViewContext
) -> None:
    page = show_places(qtbot, context)
    choose(qtbot, page.location_section, "Harbour Street Food Bank")
    dialog = open_dialog(qtbot, page, page.edit_location_button)
    other = Services.for_database(demo, "Priya")
    place = next(p for p in other.locations.list() if p.name == "Harbour Street Food Bank")
    other.locations.update(place.id, place.version, LocationDraft(name="Harbour St Food Bank"))

    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.general.isVisible())
    assert "Priya changed this location" in dialog.general.text()


# Models, read-only, looks ------------------------------------------------------------------


def test_tables_pass_the_model_tester_and_update_rows_in_place(
    qtbot: QtBot, qtmodeltester: object, demo: Database, context: ViewContext
) -> None:
    page = show_places(qtbot, context)
    for model in (page.cause_model, page.location_model):
        assert model.rowCount() > 0
        qtmodeltester.check(model)  # type: ignore[attr-defined]

    model = page.cause_model
    causes = context.services.causes
    first = model.rows[0]
    changed = causes.update(first.id, first.version, CauseDraft(name="Art & wellbeing"))
    resets: list[bool] = []
    model.modelReset.connect(lambda: resets.append(True))
    with qtbot.waitSignal(model.dataChanged) as signal:
        model.set_rows([changed, *model.rows[1:]])
    top_left, bottom_right = signal.args[:2]
    assert isinstance(top_left, QModelIndex)
    assert (top_left.row(), bottom_right.row()) == (0, 0)
    assert bottom_right.column() == CauseTableModel.DESCRIPTION
    assert not resets
    assert page.cause_model.index(0, CauseTableModel.NAME).data() == "Art & wellbeing"


def test_tables_sort_by_a_clicked_column_and_keep_the_chosen_row(
    qtbot: QtBot, qtmodeltester: object, demo: Database, context: ViewContext
) -> None:
    page = show_places(qtbot, context)
    section = page.location_section
    assert shown_names(section) == sorted(shown_names(section), key=str.casefold)
    choose(qtbot, section, "Harbour Street Food Bank")
    header = section.table.horizontalHeader()

    def click_header(column: int) -> None:
        position = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
        qtbot.mouseClick(
            header.viewport(),
            Qt.MouseButton.LeftButton,
            pos=QPoint(position, header.height() // 2),
        )

    click_header(LocationTableModel.NAME)  # again: the other way round
    assert shown_names(section) == sorted(shown_names(section), key=str.casefold, reverse=True)
    current = section.current()
    assert current is not None and current.name == "Harbour Street Food Bank"
    click_header(LocationTableModel.ADDRESS)
    addresses = [row.address.casefold() for row in page.location_model.rows]
    assert addresses == sorted(addresses)
    current = section.current()
    assert current is not None and current.name == "Harbour Street Food Bank"
    qtmodeltester.check(page.location_model)  # type: ignore[attr-defined]

    # Someone renames a place: it moves to where the order puts it, still chosen.
    click_header(LocationTableModel.NAME)
    place = next(p for p in context.services.locations.list() if p.name.startswith("Harbour"))
    context.services.locations.update(place.id, place.version, LocationDraft(name="Aaa Harbour"))
    page.location_model.set_rows(context.services.locations.list())
    assert shown_names(section)[0] == "Aaa Harbour"
    current = section.current()
    assert current is not None and current.name == "Aaa Harbour"


def test_a_read_only_file_can_be_looked_at_but_not_changed(qtbot: QtBot, db_path: Path) -> None:
    writable = create_database(db_path)
    generate_demo(writable, scale="small", seed=1, start=MONDAY)
    writable.close()
    read_only = open_database(db_path, read_only=True)
    try:
        context = make_context(read_only)
        page = show_places(qtbot, context)
        assert page.cause_model.rowCount() == 6
        choose(qtbot, page.cause_section, "Food bank")
        buttons = (page.add_cause_button, page.edit_cause_button, page.delete_cause_button)
        assert not any(button.isEnabled() for button in buttons)
        qtbot.keyClick(page.cause_section.table, Qt.Key.Key_Return)
        qtbot.keyClick(page.cause_section.table, Qt.Key.Key_Delete)
        assert page.dialog is None and page.message is None
        context.worker.wait()
    finally:
        read_only.close()


def test_places_page_and_form_render(
    qtbot: QtBot, demo: Database, context: ViewContext, tmp_path: Path
) -> None:
    page = show_places(qtbot, context)
    assert_not_blank(page, tmp_path / "places.png")
    dialog = open_dialog(qtbot, page, page.add_cause_button)
    dialog.grab().save(str(tmp_path / "cause-form.png"))
    dialog.reject()
