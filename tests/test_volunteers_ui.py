"""The Volunteers page and the volunteer editor, driven like a coordinator would."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QEvent, QObject, QSettings, Qt, QTimer
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QTableView,
    QWidget,
)
from pytestqt.qtbot import QtBot

from organizer.changes import DataChange
from organizer.demo import generate_demo
from organizer.errors import ConflictError, ValidationError
from organizer.services import (
    Blackout,
    HeldQualification,
    QualificationDraft,
    Services,
    VolunteerDraft,
    WeeklyWindow,
)
from organizer.services.directory import DirectoryQuery, DirectoryService, DirectorySort
from organizer.storage import Database
from organizer.ui.context import ViewContext
from organizer.ui.volunteers.editor import (
    AVAILABILITY,
    QUALIFICATIONS,
    QualificationRow,
    VolunteerEditor,
    WindowRow,
)
from organizer.ui.volunteers.model import (
    COLUMN_COUNT,
    EMAIL,
    HOURS,
    JOINED,
    NAME,
    OBJECT_ROLE,
    VolunteerTableModel,
)
from organizer.ui.volunteers.page import VolunteersPage
from organizer.ui.volunteers.record import (
    ConsentEntry,
    VolunteerRecord,
    delete_new,
    restore_record,
    save_record,
)
from tests.ui_helpers import view_context

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
PRIVATE_PHONE = "07700 900999"
PRIVATE_CONTACT = "Morgan Private-Contact"
PRIVATE_NOTE = "Private note about a hospital stay"
PRIVATE_HEALTH = "Carries an adrenaline pen for a nut allergy"


# Fixtures ----------------------------------------------------------------------------------------


@pytest.fixture
def demo(db: Database) -> Database:
    generate_demo(db, scale="small", seed=1, start=date(2026, 11, 23))
    return db


def make_context(db: Database, *, read_only: bool = False) -> ViewContext:
    return view_context(db, read_only=read_only)


@pytest.fixture
def context(demo: Database) -> ViewContext:
    return make_context(demo)


def directory_for(context: ViewContext) -> DirectoryService:
    return DirectoryService(
        context.services.volunteers.db, "Tester", clock=lambda: NOW, zone=LONDON
    )


def show_page(qtbot: QtBot, context: ViewContext, *, page_size: int = 100) -> VolunteersPage:
    page = VolunteersPage(context, directory=directory_for(context), page_size=page_size)
    qtbot.addWidget(page)
    page.resize(1000, 640)
    page.show()
    qtbot.waitExposed(page)
    qtbot.waitUntil(lambda: page.model.rowCount() > 0 and not page.model.loading)
    return page


@pytest.fixture
def page(qtbot: QtBot, context: ViewContext) -> Iterator[VolunteersPage]:
    page = show_page(qtbot, context)
    yield page
    settle(qtbot, context)


def settle(qtbot: QtBot, context: ViewContext) -> None:
    """Let every background job finish and deliver its result while the widgets still exist."""
    qtbot.waitUntil(lambda: not context.worker.busy, timeout=10_000)
    QApplication.processEvents()


def loaded(page: VolunteersPage) -> Callable[[], bool]:
    return lambda: not page.model.loading and not page.context.worker.busy


def count(page: VolunteersPage, query: DirectoryQuery) -> int:
    return page.directory.count(query)


def names_shown(page: VolunteersPage) -> list[str]:
    return [
        row.name for row in (page.model.volunteer(n) for n in range(page.model.rowCount())) if row
    ]


def select(qtbot: QtBot, page: VolunteersPage, name: str) -> int:
    row = names_shown(page).index(name)
    rect = page.table.visualRect(page.model.index(row, NAME))
    qtbot.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert page.selected_id() is not None
    return page.selected_id() or 0


def answer_box(button_text: str, seen: list[str]) -> None:
    """Once a message box is open, note its text and press ``button_text``."""

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, answer)
            return
        seen.append(box.text())
        for button in box.buttons():
            if button.text() == button_text:
                button.click()
                return
        box.reject()

    QTimer.singleShot(0, answer)


def open_editor(qtbot: QtBot, page: VolunteersPage, name: str | None) -> VolunteerEditor:
    if name is None:
        qtbot.mouseClick(page.new_button, Qt.MouseButton.LeftButton)
    else:
        row = names_shown(page).index(name)
        centre = page.table.visualRect(page.model.index(row, NAME)).center()
        # A real double click: press and release, then the double click.
        qtbot.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=centre)
        qtbot.mouseDClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    editor = page.editor
    assert editor is not None
    qtbot.waitExposed(editor)
    qtbot.waitUntil(lambda: editor.initial is not None)
    return editor


def save_and_wait(qtbot: QtBot, editor: VolunteerEditor) -> None:
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not editor.isVisible(), timeout=10_000)


def type_time(qtbot: QtBot, edit: QWidget, digits: str) -> None:
    edit.setFocus()  # selects the hours
    qtbot.waitUntil(edit.hasFocus)
    qtbot.keyClicks(edit, digits)


# The list --------------------------------------------------------------------------------------


def test_the_list_shows_active_volunteers_and_says_how_many(page: VolunteersPage) -> None:
    total = count(page, DirectoryQuery())
    assert page.count_label.text() == f"{total} volunteers"
    assert page.model.rowCount() == total
    assert names_shown(page) == sorted(names_shown(page), key=str.casefold)
    assert not page.loading_label.isVisible()
    assert page.summary.plain_text().startswith("Select a volunteer")


def test_typing_in_the_search_box_filters_the_list(qtbot: QtBot, page: VolunteersPage) -> None:
    before = page.count_label.text()
    qtbot.keyClicks(page.search, "smith")
    expected = count(page, DirectoryQuery(text="smith"))
    assert 0 < expected < page.model.total
    qtbot.waitUntil(lambda: page.count_label.text() != before)
    assert page.count_label.text() == ("1 volunteer" if expected == 1 else f"{expected} volunteers")
    assert all("smith" in name.lower() for name in names_shown(page))

    qtbot.keyClick(page.search, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: page.count_label.text() == before)


class ShowsCounter(QObject):
    """Counts the times a widget is shown."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self.shown = 0
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show:
            self.shown += 1
        return False


def test_a_quick_search_never_flashes_loading(qtbot: QtBot, page: VolunteersPage) -> None:
    shows = ShowsCounter(page.loading_label)
    before = page.count_label.text()
    qtbot.keyClicks(page.search, "smith")
    qtbot.waitUntil(lambda: page.count_label.text() != before and not page.model.loading)
    assert shows.shown == 0


def test_a_slow_read_says_it_is_loading_until_the_list_arrives(
    qtbot: QtBot, page: VolunteersPage, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    directory = page.model.directory
    quick = directory.first_page

    def slow(*args: Any, **kwargs: Any) -> Any:
        release.wait(10)
        return quick(*args, **kwargs)

    monkeypatch.setattr(directory, "first_page", slow)
    page.search.setText("smith")
    page.apply_filters()
    qtbot.waitUntil(page.loading_label.isVisible)
    assert page.model.loading
    release.set()
    qtbot.waitUntil(lambda: not page.model.loading)
    assert not page.loading_label.isVisible()
    assert all("smith" in name.lower() for name in names_shown(page))


def test_a_search_that_finds_nobody_says_so(qtbot: QtBot, page: VolunteersPage) -> None:
    qtbot.keyClicks(page.search, "zzzz")
    qtbot.waitUntil(lambda: page.list_stack.currentIndex() == 1)
    assert "Nobody matches" in page.empty_label.text()
    assert page.count_label.text() == "0 volunteers"
    qtbot.mouseClick(page.clear_filters_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.list_stack.currentWidget() is page.table)
    assert page.search.text() == ""


def test_clicking_a_header_sorts_every_volunteer(qtbot: QtBot, page: VolunteersPage) -> None:
    header = page.table.horizontalHeader()
    point = header.rect().topLeft()
    point.setX(header.sectionViewportPosition(HOURS) + header.sectionSize(HOURS) // 2)
    point.setY(header.height() // 2)
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=point)
    qtbot.waitUntil(lambda: page.model.query.sort is DirectorySort.HOURS and loaded(page)())
    first = [page.model.volunteer(n) for n in range(page.model.rowCount())]
    hours = [row.hours_this_month for row in first if row]
    ordered = page.directory.ordered_ids(page.model.query)
    assert [row.id for row in first if row] == ordered

    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=point)
    qtbot.waitUntil(lambda: page.model.query.descending and loaded(page)())
    again = [page.model.volunteer(n) for n in range(page.model.rowCount())]
    assert [row.hours_this_month for row in again if row] == sorted(hours, reverse=True)
    assert header.sortIndicatorSection() == HOURS


def test_the_qualification_filter(qtbot: QtBot, page: VolunteersPage) -> None:
    qtbot.waitUntil(lambda: page.qualification_filter.count() > 1)
    page.qualification_filter.setFocus()
    qtbot.keyClicks(page.qualification_filter, "First")  # a space would open the list
    assert page.qualification_filter.currentText() == "First aid"
    chosen = page.qualification_filter.currentData()
    expected = count(page, DirectoryQuery(qualification_id=chosen))
    qtbot.waitUntil(lambda: page.model.total == expected and loaded(page)())
    for number in range(page.model.rowCount()):
        row = page.model.volunteer(number)
        assert row is not None
        held = row.qualifications.split(", ")
        assert "First aid" in held  # an expired one would read "First aid (expired)"


def test_the_available_on_filter(qtbot: QtBot, page: VolunteersPage) -> None:
    page.weekday_filter.setFocus()
    qtbot.keyClick(page.weekday_filter, Qt.Key.Key_Down)
    qtbot.keyClick(page.weekday_filter, Qt.Key.Key_Down)
    assert page.weekday_filter.currentText() == "Available on Tuesday"
    assert page.weekday_filter.currentData() == 1
    expected = count(page, DirectoryQuery(available_weekday=1))
    qtbot.waitUntil(lambda: page.model.total == expected and loaded(page)())
    assert 0 < expected < count(page, DirectoryQuery())


def test_archived_people_appear_only_when_asked(qtbot: QtBot, page: VolunteersPage) -> None:
    active = page.model.total
    everyone = count(page, DirectoryQuery(include_archived=True))
    assert everyone > active
    qtbot.mouseClick(page.archived_check, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.model.total == everyone and loaded(page)())
    shown = [page.model.index(n, NAME).data() for n in range(page.model.rowCount())]
    assert sum(text.endswith("(archived)") for text in shown) == everyone - active


def test_scrolling_down_fetches_more_rows(qtbot: QtBot, context: ViewContext) -> None:
    page = show_page(qtbot, context, page_size=10)
    settle(qtbot, context)
    first = page.model.rowCount()
    # Pages of ten, fetched until the visible table is full, but not the whole list.
    assert first >= 10 and first % 10 == 0
    assert page.model.total > first
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.model.rowCount() > first)

    def scrolled_far_enough() -> bool:
        page.table.scrollToBottom()
        return page.model.rowCount() == page.model.total

    qtbot.waitUntil(scrolled_far_enough)
    ids = [page.model.volunteer(n).id for n in range(page.model.rowCount())]  # type: ignore[union-attr]
    assert ids == page.directory.ordered_ids(page.model.query)[: len(ids)]
    settle(qtbot, context)


def test_another_page_can_jump_to_someone_not_loaded_yet(
    qtbot: QtBot, context: ViewContext
) -> None:
    page = show_page(qtbot, context, page_size=10)
    wanted = page.directory.ordered_ids(DirectoryQuery())[33]
    page.search.setText("smith")
    page.apply_filters()
    qtbot.waitUntil(lambda: not page.model.contains(wanted) and loaded(page)())
    with qtbot.waitSignal(page.volunteer_selected, check_params_cb=lambda v: v == wanted):
        page.show_volunteer(wanted)
    assert page.search.text() == ""
    assert page.model.rowCount() > 30
    settle(qtbot, context)


def test_shown_optional_columns_are_remembered(
    qtbot: QtBot, demo: Database, tmp_path: Path
) -> None:
    settings = QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat)
    first = replace(make_context(demo), settings=settings)
    page = show_page(qtbot, first)
    header = page.table.horizontalHeader()
    assert header.isSectionHidden(EMAIL) and header.isSectionHidden(JOINED)
    page.set_column_shown(EMAIL, True)
    settle(qtbot, first)

    second = replace(make_context(demo), settings=settings)
    again = show_page(qtbot, second)
    header = again.table.horizontalHeader()
    assert not header.isSectionHidden(EMAIL)
    assert header.isSectionHidden(JOINED)
    settle(qtbot, second)


def test_selecting_someone_shows_a_summary_without_private_details(
    qtbot: QtBot, page: VolunteersPage
) -> None:
    volunteer_id = select(qtbot, page, names_shown(page)[2])
    qtbot.waitUntil(lambda: page.summary.summary is not None)
    summary = page.summary.summary
    assert summary is not None and summary.id == volunteer_id
    text = page.summary.plain_text()
    assert summary.name in text
    assert "This month" in text and "Next shifts" in text
    assert "private" in text
    assert page.edit_button.isEnabled() and page.archive_button.isEnabled()


# Privacy -----------------------------------------------------------------------------------------


def test_lists_never_show_phone_emergency_contact_or_notes(
    qtbot: QtBot, context: ViewContext
) -> None:
    volunteers = context.services.volunteers
    someone = volunteers.search("", limit=1)[0]
    record = VolunteerRecord.of(volunteers.get(someone.id))
    draft = replace(
        record.draft,
        phone=PRIVATE_PHONE,
        emergency_contact_name=PRIVATE_CONTACT,
        emergency_contact_phone=PRIVATE_PHONE,
        notes=PRIVATE_NOTE,
        health_notes=PRIVATE_HEALTH,
    )
    volunteers.update(someone.id, volunteers.get(someone.id).version, draft)
    page = show_page(qtbot, context)
    model = page.model
    secrets = (PRIVATE_PHONE, PRIVATE_CONTACT, PRIVATE_NOTE, PRIVATE_HEALTH)
    for row in range(model.rowCount()):
        for column in range(COLUMN_COUNT):
            index = model.index(row, column)
            for role in range(0, Qt.ItemDataRole.UserRole + 10):
                data = index.data(role)
                value = repr(data) if role == OBJECT_ROLE else str(data)
                assert not any(secret in value for secret in secrets), (row, column, role)
    select(qtbot, page, someone.name)
    qtbot.waitUntil(lambda: page.summary.summary is not None)
    assert not any(secret in page.summary.plain_text() for secret in secrets)
    assert not any(secret in repr(page.summary.summary) for secret in secrets)
    settle(qtbot, context)


# The editor ------------------------------------------------------------------------------------


def test_adding_a_volunteer_with_weekly_availability(
    qtbot: QtBot, page: VolunteersPage, context: ViewContext
) -> None:
    editor = open_editor(qtbot, page, None)
    assert editor.windowTitle() == "New volunteer"
    qtbot.keyClicks(editor.name, "Robin Example")
    qtbot.keyClicks(editor.email, "robin@example.org")
    qtbot.keyClicks(editor.phone, PRIVATE_PHONE)
    qtbot.keyClicks(editor.health_notes, PRIVATE_HEALTH)
    assert editor.heading.text() == "Robin Example"

    editor.tabs.setCurrentIndex(AVAILABILITY)
    add = editor.window_rows.add_button
    qtbot.mouseClick(add, Qt.MouseButton.LeftButton)
    row = editor.window_rows.rows[0]
    assert isinstance(row, WindowRow)
    row.day.setFocus()
    qtbot.keyClicks(row.day, "Tuesday")
    type_time(qtbot, row.starts, "1000")
    type_time(qtbot, row.ends, "1330")
    qtbot.mouseClick(add, Qt.MouseButton.LeftButton)  # the next day, same times
    assert editor.window_rows.values()[1] == WeeklyWindow(2, time(10), time(13, 30))

    save_and_wait(qtbot, editor)
    qtbot.waitUntil(lambda: page.selected_id() is not None and loaded(page)())
    new_id = page.selected_id()
    assert new_id is not None
    assert page.model.volunteer(page.table.currentIndex().row()).name == "Robin Example"  # type: ignore[union-attr]
    stored = context.services.volunteers.get(new_id)
    assert stored.phone == PRIVATE_PHONE
    assert stored.health_notes == PRIVATE_HEALTH
    assert [(w.weekday, w.starts, w.ends) for w in stored.availability] == [
        (1, time(10), time(13, 30)),
        (2, time(10), time(13, 30)),
    ]
    assert context.undo_stack.undoText() == "Add volunteer Robin Example"

    page.weekday_filter.setCurrentIndex(2)  # Available on Tuesday
    qtbot.waitUntil(lambda: "Robin Example" in names_shown(page) and loaded(page)())

    context.undo_stack.undo()  # a brand-new volunteer can be deleted again
    qtbot.waitUntil(lambda: "Robin Example" not in names_shown(page) and loaded(page)())
    context.undo_stack.redo()
    qtbot.waitUntil(lambda: "Robin Example" in names_shown(page) and loaded(page)())


def test_editing_and_undo_restore_the_previous_record(
    qtbot: QtBot, page: VolunteersPage, context: ViewContext
) -> None:
    name = names_shown(page)[4]
    volunteer_id = select(qtbot, page, name)
    volunteers = context.services.volunteers
    before = VolunteerRecord.of(volunteers.get(volunteer_id))

    editor = open_editor(qtbot, page, name)
    editor.email.clear()
    qtbot.keyClicks(editor.email, "new.address@example.org")
    editor.tabs.setCurrentIndex(QUALIFICATIONS)
    held = {q.qualification_id for q in before.qualifications}
    missing = next(q for q in editor.choices if q.id not in held)
    qtbot.mouseClick(editor.qualification_rows.add_button, Qt.MouseButton.LeftButton)
    row = editor.qualification_rows.rows[-1]
    assert isinstance(row, QualificationRow)
    row.combo.setCurrentIndex(row.combo.findData(missing.id))
    editor.tabs.setCurrentIndex(5)  # consent
    qtbot.mouseClick(editor.consent_rows.add_button, Qt.MouseButton.LeftButton)
    consent = editor.consent_rows.rows[-1]
    consent.covers.setCurrentText("")  # type: ignore[attr-defined]
    qtbot.keyClicks(consent.covers.lineEdit(), "Photos at events")  # type: ignore[attr-defined]
    save_and_wait(qtbot, editor)

    after = VolunteerRecord.of(volunteers.get(volunteer_id))
    assert after.draft.email == "new.address@example.org"
    assert missing.id in {q.qualification_id for q in after.qualifications}
    assert "Photos at events" in {c.covers for c in after.consents}
    assert context.undo_stack.undoText() == f"Edit volunteer {name}"
    qtbot.waitUntil(loaded(page))

    context.undo_stack.undo()
    assert VolunteerRecord.of(volunteers.get(volunteer_id)) == before
    context.undo_stack.redo()
    assert VolunteerRecord.of(volunteers.get(volunteer_id)) == after
    context.undo_stack.undo()
    assert VolunteerRecord.of(volunteers.get(volunteer_id)) == before
    qtbot.waitUntil(loaded(page))


def test_problems_are_shown_next_to_their_fields(
    qtbot: QtBot, page: VolunteersPage, context: ViewContext
) -> None:
    editor = open_editor(qtbot, page, None)
    qtbot.keyClicks(editor.email, "not-an-email")
    editor.tabs.setCurrentIndex(AVAILABILITY)
    qtbot.mouseClick(editor.window_rows.add_button, Qt.MouseButton.LeftButton)
    row = editor.window_rows.rows[0]
    assert isinstance(row, WindowRow)
    type_time(qtbot, row.ends, "0800")  # before it starts at 09:00
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)

    name_problem = editor.fields["name"][1]
    qtbot.waitUntil(name_problem.isVisible)
    assert name_problem.text() == "Name cannot be empty."
    assert "does not look like an email" in editor.fields["email"][1].text()
    assert editor.tabs.currentIndex() == 0
    assert not editor.tabs.tabIcon(0).isNull()
    assert editor.isVisible()
    assert context.undo_stack.count() == 0

    qtbot.keyClicks(editor.name, "Sam Example")
    editor.email.clear()
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(editor.window_rows.problem.isVisible)
    assert editor.tabs.currentIndex() == AVAILABILITY
    assert editor.window_rows.problem.text().startswith("Row 1: On Monday the end")
    assert not name_problem.isVisible()
    # The half-made volunteer was taken out again: nothing was saved.
    assert page.directory.count(DirectoryQuery(text="Sam Example", include_archived=True)) == 0
    assert context.undo_stack.count() == 0
    editor.initial = None
    editor.close()


def test_enter_opens_the_editor_and_escape_closes_it(qtbot: QtBot, page: VolunteersPage) -> None:
    page.table.setFocus()
    page.table.selectRow(0)
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    editor = page.editor
    assert editor is not None
    qtbot.waitUntil(lambda: editor.initial is not None)
    assert editor.name.text() == names_shown(page)[0]
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not editor.isVisible())


def test_closing_with_changes_asks_first(qtbot: QtBot, page: VolunteersPage) -> None:
    editor = open_editor(qtbot, page, names_shown(page)[0])
    qtbot.keyClicks(editor.name, " Jr")
    seen: list[str] = []
    answer_box("Keep editing", seen)
    editor.reject()
    assert seen == ["Discard your changes to this volunteer?"]
    assert editor.isVisible()
    answer_box("Discard", seen)
    editor.reject()
    assert not editor.isVisible()


def test_ctrl_f_goes_to_the_search_box(qtbot: QtBot, page: VolunteersPage) -> None:
    page.activateWindow()
    qtbot.waitActive(page)
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert page.search.hasFocus()
    qtbot.keyClick(page.search, Qt.Key.Key_Down)
    assert page.table.hasFocus()
    assert page.selected_id() is not None


# Archiving --------------------------------------------------------------------------------------


def test_archiving_asks_then_hides_them_unless_archived_are_shown(
    qtbot: QtBot, page: VolunteersPage, context: ViewContext
) -> None:
    name = names_shown(page)[1]
    select(qtbot, page, name)
    total = page.model.total
    seen: list[str] = []
    answer_box("Archive", seen)
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_Delete)
    assert seen == [f"Archive {name}?"]
    qtbot.waitUntil(lambda: page.model.total == total - 1 and loaded(page)())
    assert name not in names_shown(page)
    assert f"Archived {name}." in page.message.text()

    qtbot.mouseClick(page.archived_check, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: name in names_shown(page) and loaded(page)())
    select(qtbot, page, name)
    assert page.archive_button.text() == "&Restore"
    assert page.model.index(page.table.currentIndex().row(), NAME).data() == f"{name} (archived)"

    context.undo_stack.undo()
    qtbot.waitUntil(lambda: page.model.total > 0 and loaded(page)())
    page.archived_check.setChecked(False)
    qtbot.waitUntil(lambda: page.model.total == total and loaded(page)())
    assert name in names_shown(page)


def test_cancelling_the_question_archives_nobody(
    qtbot: QtBot, page: VolunteersPage, context: ViewContext
) -> None:
    select(qtbot, page, names_shown(page)[0])
    seen: list[str] = []
    answer_box("Cancel", seen)
    qtbot.mouseClick(page.archive_button, Qt.MouseButton.LeftButton)
    assert len(seen) == 1
    assert context.undo_stack.count() == 0


def test_a_read_only_file_can_be_looked_at_not_changed(qtbot: QtBot, demo: Database) -> None:
    context = make_context(demo, read_only=True)
    page = show_page(qtbot, context)
    assert not page.new_button.isEnabled()
    select(qtbot, page, names_shown(page)[0])
    assert not page.archive_button.isEnabled()
    assert page.edit_button.text() == "&View…"
    editor = open_editor(qtbot, page, names_shown(page)[0])
    assert not editor.save_button.isVisible()
    assert editor.name.isReadOnly()
    assert editor.read_only_note.isVisible()
    editor.close()
    settle(qtbot, context)


def unnamed_controls(root: QWidget) -> list[str]:
    """Controls under ``root`` a screen reader could not name (Qt's own inner parts aside)."""
    kinds = (QAbstractButton, QComboBox, QAbstractSpinBox, QLineEdit, QPlainTextEdit, QTableView)
    inner = (QComboBox, QAbstractSpinBox, QLineEdit)  # their line edits, clear buttons
    return [
        f"{type(widget).__name__} {widget.objectName()!r}"
        for widget in root.findChildren(QWidget)
        if isinstance(widget, kinds)
        and not isinstance(widget.parentWidget(), inner)
        and not widget.accessibleName()
        and not widget.objectName().startswith("qt_")
    ]


def test_every_control_has_an_accessible_name(qtbot: QtBot, page: VolunteersPage) -> None:
    assert unnamed_controls(page) == []
    editor = open_editor(qtbot, page, names_shown(page)[0])
    for rows in (editor.qualification_rows, editor.window_rows, editor.blackout_rows):
        rows.add_row(None)
    editor.consent_rows.add_row(None)
    assert unnamed_controls(editor) == []
    editor.initial = None
    editor.close()


# The model -------------------------------------------------------------------------------------


def test_model_passes_the_model_tester(
    qtbot: QtBot, qtmodeltester: object, context: ViewContext
) -> None:
    model = VolunteerTableModel(directory_for(context), context.worker, page_size=15)
    model.set_query(DirectoryQuery(include_archived=True))
    qtbot.waitUntil(lambda: model.rowCount() > 0 and not model.loading)
    qtmodeltester.check(model)  # type: ignore[attr-defined]
    model.fetchMore()
    qtbot.waitUntil(lambda: model.rowCount() > 15)
    qtmodeltester.check(model)  # type: ignore[attr-defined]
    settle(qtbot, context)


def test_a_change_elsewhere_updates_only_the_rows_it_touches(
    qtbot: QtBot, page: VolunteersPage, context: ViewContext
) -> None:
    row = page.model.volunteer(3)
    assert row is not None
    volunteers = context.services.volunteers
    record = VolunteerRecord.of(volunteers.get(row.id))
    volunteers.update(row.id, row.version, replace(record.draft, email="changed@example.org"))
    resets: list[bool] = []
    page.model.modelReset.connect(lambda: resets.append(True))
    with qtbot.waitSignal(page.model.dataChanged) as changed:
        context.hub.announce(DataChange.of("Priya", volunteer=row.id, by_me=False))
    first, last = changed.args[:2]
    assert (first.row(), last.row()) == (3, 3)
    qtbot.waitUntil(loaded(page))
    assert resets == []
    assert page.model.volunteer(3).email == "changed@example.org"  # type: ignore[union-attr]


# Rendering ------------------------------------------------------------------------------------


def distinct_colours(image: QImage) -> int:
    colours = {
        image.pixelColor(x, y).rgb()
        for x in range(0, image.width(), 7)
        for y in range(0, image.height(), 7)
    }
    return len(colours)


def test_page_and_editor_render(qtbot: QtBot, page: VolunteersPage, tmp_path: Path) -> None:
    select(qtbot, page, names_shown(page)[3])
    qtbot.waitUntil(lambda: page.summary.summary is not None)
    image = page.grab().toImage()
    assert image.save(str(tmp_path / "volunteers_page.png"))
    assert distinct_colours(image) > 8
    assert image.pixelColor(5, 5) != QColor("black")

    editor = open_editor(qtbot, page, names_shown(page)[3])
    editor.resize(760, 560)
    shots = {}
    for tab, name in (
        (0, "contact"),
        (QUALIFICATIONS, "qualifications"),
        (AVAILABILITY, "availability"),
    ):
        editor.tabs.setCurrentIndex(tab)
        QApplication.processEvents()
        shots[name] = editor.grab().toImage()
        assert shots[name].save(str(tmp_path / f"volunteer_editor_{name}.png"))
    assert all(distinct_colours(shot) > 5 for shot in shots.values())
    assert shots["contact"] != shots["qualifications"]
    editor.close()


# The record controller (no window needed) -------------------------------------------------------


@pytest.fixture
def services(db: Database) -> Services:
    return Services.for_database(db, "Sam")


def test_a_save_is_all_or_nothing(services: Services) -> None:
    volunteers = services.volunteers
    row = volunteers.create(VolunteerDraft(name="Kim Lee", joined_on=date(2025, 1, 1)))
    before = VolunteerRecord.of(volunteers.get(row.id))
    broken = replace(
        before,
        draft=replace(before.draft, email="kim@example.org"),
        availability=(WeeklyWindow(0, time(12), time(11)),),
    )
    with pytest.raises(ValidationError) as error:
        save_record(volunteers, row.id, row.version, before, broken)
    assert error.value.problems[0].field == "availability[0]"
    assert VolunteerRecord.of(volunteers.get(row.id)) == before


def test_consents_are_recorded_withdrawn_and_undone(services: Services) -> None:
    volunteers = services.volunteers
    row = volunteers.create(VolunteerDraft(name="Kim Lee", joined_on=date(2025, 1, 1)))
    empty = VolunteerRecord.of(volunteers.get(row.id))
    given = replace(
        empty,
        consents=(
            ConsentEntry("Photos", date(2025, 2, 1), note="At the fair"),
            ConsentEntry("Contact by email", date(2025, 2, 1), date(2025, 6, 1)),
        ),
    )
    saved = save_record(volunteers, row.id, row.version, empty, given)
    after = VolunteerRecord.of(saved)
    assert after == given.normalised()
    assert all(c.id is not None for c in after.consents)

    restore_record(volunteers, row.id, after, empty)  # undo: the records go again
    assert VolunteerRecord.of(volunteers.get(row.id)) == empty
    restore_record(volunteers, row.id, empty, after)  # redo
    assert VolunteerRecord.of(volunteers.get(row.id)) == after


def test_undo_refuses_when_someone_else_changed_the_volunteer(
    services: Services, db: Database
) -> None:
    volunteers = services.volunteers
    row = volunteers.create(VolunteerDraft(name="Kim Lee", joined_on=date(2025, 1, 1)))
    before = VolunteerRecord.of(row)
    after = replace(before, blackouts=(Blackout(date(2026, 12, 1), date(2026, 12, 3)),))
    saved = save_record(volunteers, row.id, row.version, before, after)
    theirs = Services.for_database(db, "Priya").volunteers
    theirs.update(saved.id, saved.version, replace(after.draft, pronouns="they/them"))
    with pytest.raises(ConflictError, match="Priya"):
        restore_record(volunteers, row.id, VolunteerRecord.of(saved), before)
    with pytest.raises(ConflictError):
        delete_new(volunteers, row.id, VolunteerRecord.of(saved))


def test_qualification_rows_suggest_an_expiry(qtbot: QtBot, services: Services) -> None:
    first_aid = services.qualifications.create(QualificationDraft("First aid", validity_months=36))
    row = QualificationRow([first_aid], None)
    for field in row.fields:
        qtbot.addWidget(field)
    row.obtained.set_value(date(2024, 5, 20))
    assert row.expires.value() == date(2027, 5, 20)
    assert row.value() == HeldQualification(first_aid.id, date(2024, 5, 20), date(2027, 5, 20))
    row.expires.set_value(date(2020, 1, 1))
    assert row.state.text() == "Expired"
