"""The Events page and the event editor, driven like a coordinator would drive them."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import shiboken6
from PySide6.QtCore import QDate, QLocale, QRect, QSettings, Qt
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QMessageBox,
    QSpinBox,
    QTimeEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

from organizer.changes import DataChange
from organizer.demo import generate_demo
from organizer.models import AssignmentStatus, Attendance, EventStatus, utc_now
from organizer.services import (
    AssignmentDraft,
    CauseDraft,
    EventDraft,
    QualificationDraft,
    VolunteerDraft,
)
from organizer.services.series import RoleDraft, Scope, SeriesService
from organizer.storage import Database, open_database
from organizer.ui.context import ViewContext
from organizer.ui.events import EventEditor, EventsPage
from organizer.ui.events.fields import PROBLEM_ROLE, when_text
from organizer.ui.events.model import EventTableModel
from organizer.ui.events.roles_table import RolesModel
from organizer.ui.events.scope import ScopeDialog
from organizer.ui.main_window import MainWindow
from organizer.ui.worker import Worker
from tests.ui_helpers import ink, redo, undo, view_context

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)  # the small demo data is centred on this week


@pytest.fixture(autouse=True)
def british_english() -> Iterator[None]:
    """Dates and times as a coordinator in the UK sees them (24-hour clock)."""
    previous = QLocale()
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom))
    yield
    QLocale.setDefault(previous)


@pytest.fixture
def context(qtbot: QtBot, db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[ViewContext]:
    monkeypatch.setenv("TZ", "Europe/London")
    worker = Worker()
    made = view_context(db, worker=worker)
    yield made
    worker.wait()


@pytest.fixture
def demo(db: Database, context: ViewContext) -> ViewContext:
    generate_demo(db, scale="small", seed=1, start=date(2026, 11, 23))
    return context


def settle(qtbot: QtBot, context: ViewContext) -> None:
    """Wait until every background job has reported back."""
    qtbot.waitUntil(lambda: not context.worker.busy, timeout=10_000)


def show_page(
    qtbot: QtBot,
    context: ViewContext,
    *,
    height: int = 720,
    page_size: int = 200,
    clock: Callable[[], datetime] = lambda: NOW,
) -> EventsPage:
    page = EventsPage(context, page_size=page_size, clock=clock)
    qtbot.addWidget(page)
    page.resize(1180, height)
    page.show()
    qtbot.waitExposed(page)
    settle(qtbot, context)
    return page


def open_editor(qtbot: QtBot, editor: EventEditor | None, context: ViewContext) -> EventEditor:
    assert editor is not None
    qtbot.waitUntil(lambda: editor.data is not None, timeout=10_000)
    settle(qtbot, context)
    return editor


def titles(page: EventsPage) -> list[str]:
    return [row.title for row in page.model.rows()]


def cell(page: EventsPage, title: str, column: int) -> str:
    row = titles(page).index(title)
    return str(page.model.index(row, column).data())


def type_time(qtbot: QtBot, edit: QTimeEdit, text: str) -> None:
    """Select the hours of a time field and type the time, as "1830"."""
    edit.setFocus()
    edit.setSelectedSection(QTimeEdit.Section.HourSection)
    qtbot.keyClicks(edit, text)


def type_role_cell(qtbot: QtBot, editor: EventEditor, row: int, column: int, text: str) -> None:
    """Open a cell of the roles table with F2, type into it and press Enter."""
    table, model = editor.roles.table, editor.roles.model
    table.setFocus()
    table.setCurrentIndex(model.index(row, column))
    qtbot.keyClick(table, Qt.Key.Key_F2)
    field = QApplication.focusWidget()
    assert field is not None and field is not table
    if isinstance(field, QSpinBox):
        field.selectAll()
    elif isinstance(field, QLineEdit):
        field.clear()
    qtbot.keyClicks(field, text)
    qtbot.keyClick(field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: text in str(model.index(row, column).data()))


def type_in_date(qtbot: QtBot, edit: QAbstractSpinBox, word: int, text: str) -> None:
    """Select one word of a date field ("Tue 1 Dec 2026": 1 is the day) and type over it."""
    line = edit.findChild(QLineEdit)
    assert line is not None
    edit.setFocus()
    shown = line.text()
    words = shown.split(" ")
    start = sum(len(w) + 1 for w in words[:word])
    line.setSelection(start, len(words[word]))
    qtbot.keyClicks(edit, text)


def choose(qtbot: QtBot, combo: QComboBox, text: str) -> None:
    """Pick an entry of a list by typing its first letters."""
    combo.setFocus()
    qtbot.keyClicks(combo, text)
    assert combo.currentText().startswith(text), combo.currentText()


def active_modal(kind: type[QWidget]) -> QWidget | None:
    widget = QApplication.activeModalWidget()
    return widget if isinstance(widget, kind) else None


def weekly_circle(context: ViewContext, **changes: object) -> int:
    """A Tuesday circle at 18:00 London, with a facilitator and a greeter."""
    start = changes.pop("start", datetime(2026, 11, 3, 18, tzinfo=LONDON))
    assert isinstance(start, datetime)
    draft = EventDraft(
        title=str(changes.pop("title", "Tuesday circle")),
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        timezone="Europe/London",
        rrule=str(changes.pop("rrule", "FREQ=WEEKLY;BYDAY=TU")),
    )
    saved = SeriesService(context.services.events.db, "Tester").create(
        draft, [RoleDraft("Facilitator"), RoleDraft("Greeter", 2)]
    )
    return saved.event.id


# Creating an event ---------------------------------------------------------------------------


def test_create_a_weekly_event_with_two_roles_by_typing_and_clicking(
    qtbot: QtBot, context: ViewContext
) -> None:
    services = context.services
    services.causes.create(CauseDraft(name="Peer-support circle", colour="#4E79C7"))
    first_aid = services.qualifications.create(QualificationDraft(name="First aid"))
    page = show_page(qtbot, context)
    assert page.empty.text().startswith("No upcoming events")

    qtbot.mouseClick(page.new_button, Qt.MouseButton.LeftButton)
    editor = open_editor(qtbot, page.editor, context)
    assert editor.windowTitle() == "New event"
    assert editor.zone.currentText() == "Europe/London"

    qtbot.keyClicks(editor.title, "Tuesday circle")
    choose(qtbot, editor.cause, "Peer")
    type_in_date(qtbot, editor.start_date, 1, "2")
    type_in_date(qtbot, editor.start_date, 2, "Dec")
    type_in_date(qtbot, editor.start_date, 3, "2026")
    assert editor.start_date.date().toString("ddd d MMM yyyy") == "Wed 2 Dec 2026"
    type_time(qtbot, editor.start_time, "1800")
    type_time(qtbot, editor.end_time, "2000")

    choose(qtbot, editor.repeat.frequency, "W")
    wednesday, tuesday = editor.repeat.day_buttons[2], editor.repeat.day_buttons[1]
    assert wednesday.isChecked() and not tuesday.isChecked()
    qtbot.mouseClick(wednesday, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(tuesday, Qt.MouseButton.LeftButton)
    choose(qtbot, editor.repeat.ending, "On")
    type_in_date(qtbot, editor.repeat.until, 1, "30")
    type_in_date(qtbot, editor.repeat.until, 2, "Jun")
    type_in_date(qtbot, editor.repeat.until, 3, "2027")
    assert editor.repeat.summary.text() == "Every Tuesday until 30 June 2027"

    model = editor.roles.model
    qtbot.mouseClick(editor.roles.add_button, Qt.MouseButton.LeftButton)
    assert model.rowCount() == 1
    type_role_cell(qtbot, editor, 0, RolesModel.ROLE, "Facilitator")
    type_role_cell(qtbot, editor, 0, RolesModel.QUALIFICATION, "First")
    qtbot.mouseClick(editor.roles.add_button, Qt.MouseButton.LeftButton)
    type_role_cell(qtbot, editor, 1, RolesModel.ROLE, "Greeter")
    type_role_cell(qtbot, editor, 1, RolesModel.NEEDED, "2")

    with qtbot.waitSignal(editor.finished):
        qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    settle(qtbot, context)
    qtbot.waitUntil(lambda: "Tuesday circle" in titles(page))

    event = services.events.list()[0]
    assert event.rrule == "FREQ=WEEKLY;BYDAY=TU;UNTIL=20270630T225959Z"
    assert event.starts_at == datetime(2026, 12, 2, 18, tzinfo=LONDON)
    roles = [(s.role, s.needed, s.qualification_id) for s in services.shifts.for_event(event.id)]
    assert roles == [("Facilitator", 1, first_aid.id), ("Greeter", 2, None)]
    assert cell(page, "Tuesday circle", EventTableModel.REPEATS) == (
        "Every Tuesday until 30 June 2027"
    )
    assert cell(page, "Tuesday circle", EventTableModel.CAUSE) == "Peer-support circle"
    assert cell(page, "Tuesday circle", EventTableModel.ROLES) == "0 of 3"
    selected = page.selected_event()
    assert selected is not None and selected.title == "Tuesday circle"
    assert context.undo_stack.undoText() == "New event “Tuesday circle”"


def test_problems_appear_next_to_their_fields_and_nothing_is_saved(
    qtbot: QtBot, context: ViewContext
) -> None:
    editor = EventEditor(context, None, start=datetime(2026, 12, 1, 18, tzinfo=LONDON))
    qtbot.addWidget(editor)
    editor.show()
    open_editor(qtbot, editor, context)
    type_time(qtbot, editor.end_time, "1700")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    settle(qtbot, context)

    assert editor.isVisible()
    assert editor.title_problem.text() == "Title cannot be empty."
    assert editor.ends_problem.text() == "The end must be after the start."
    assert not editor.title_problem.isHidden() and not editor.ends_problem.isHidden()
    assert editor.title.property("invalid") and editor.end_time.property("invalid")
    assert editor.starts_problem.isHidden() and not editor.start_time.property("invalid")
    assert editor.title.hasFocus()
    assert context.services.events.list() == []
    assert context.undo_stack.count() == 0

    qtbot.keyClicks(editor.title, "Winter fair")
    type_time(qtbot, editor.end_time, "2100")
    with qtbot.waitSignal(editor.finished):
        qtbot.keyClick(editor.title, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, context)
    assert [e.title for e in context.services.events.list()] == ["Winter fair"]


def test_role_problems_point_at_their_row(qtbot: QtBot, context: ViewContext) -> None:
    editor = EventEditor(context, None)
    qtbot.addWidget(editor)
    editor.show()
    open_editor(qtbot, editor, context)
    qtbot.keyClicks(editor.title, "Soup run")
    editor.roles.model.add_role("Driver")
    editor.roles.model.add_role("   ")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    settle(qtbot, context)
    assert editor.roles.problem.text() == "Row 2: Role cannot be empty."
    model = editor.roles.model
    assert model.index(1, 0).data(PROBLEM_ROLE) and not model.index(0, 0).data(PROBLEM_ROLE)
    assert context.services.events.list() == []


def test_escape_closes_the_editor_without_saving(qtbot: QtBot, context: ViewContext) -> None:
    editor = EventEditor(context, None)
    qtbot.addWidget(editor)
    editor.show()
    open_editor(qtbot, editor, context)
    qtbot.keyClicks(editor.title, "Never mind")
    with qtbot.waitSignal(editor.rejected):
        qtbot.keyClick(editor.title, Qt.Key.Key_Escape)
    assert context.services.events.list() == []


# Editing a series ----------------------------------------------------------------------------


def ask_scope(qtbot: QtBot, editor: EventEditor) -> ScopeDialog:
    """Click Save on a date of a series and wait for the question which dates to change."""
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: editor.scope_dialog is not None)
    dialog = editor.scope_dialog
    assert dialog is not None and dialog.isVisible()
    return dialog


def save_with_scope(qtbot: QtBot, editor: EventEditor, scope: Scope) -> ScopeDialog:
    dialog = ask_scope(qtbot, editor)
    dialog.choose(scope)
    with qtbot.waitSignal(editor.finished):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    return dialog


def test_edit_one_occurrence_only_then_undo_and_redo(qtbot: QtBot, context: ViewContext) -> None:
    event_id = weekly_circle(context)
    third = datetime(2026, 11, 17, 18, tzinfo=LONDON).astimezone(UTC)
    editor = EventEditor(context, event_id, occurrence=third)
    qtbot.addWidget(editor)
    editor.show()
    open_editor(qtbot, editor, context)
    assert editor.start_date.date().toString("d MMM") == "17 Nov"
    editor.title.clear()
    qtbot.keyClicks(editor.title, "Circle with guest speaker")
    type_time(qtbot, editor.start_time, "1900")

    dialog = ask_scope(qtbot, editor)
    assert dialog.only_this.isEnabled() and dialog.only_this.isChecked()
    assert "Tue 17 Nov 2026" in dialog.only_this.text()
    with qtbot.waitSignal(editor.finished):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    settle(qtbot, context)

    def shown() -> list[tuple[str, str]]:
        found = context.services.events.occurrences_between(
            datetime(2026, 11, 9, tzinfo=UTC), datetime(2026, 11, 20, tzinfo=UTC)
        )
        return [(o.title, f"{o.starts_at.astimezone(LONDON):%d %H:%M}") for o in found]

    assert shown() == [("Tuesday circle", "10 18:00"), ("Circle with guest speaker", "17 19:00")]
    assert context.undo_stack.undoText() == "Change one date of “Tuesday circle”"
    undo(qtbot, context)
    assert shown() == [("Tuesday circle", "10 18:00"), ("Tuesday circle", "17 18:00")]
    redo(qtbot, context)
    assert shown()[1] == ("Circle with guest speaker", "17 19:00")


def test_a_monthly_date_with_a_new_title_can_change_alone(
    qtbot: QtBot, context: ViewContext
) -> None:
    event_id = weekly_circle(context, title="Garden day", rrule="FREQ=MONTHLY;BYDAY=1TU")
    editor = EventEditor(
        context, event_id, occurrence=datetime(2026, 12, 1, 18, tzinfo=LONDON).astimezone(UTC)
    )
    qtbot.addWidget(editor)
    editor.show()
    open_editor(qtbot, editor, context)
    assert editor.repeat.summary.text() == "Every month on the first Tuesday"
    assert editor.repeat.monthly.currentText() == "The first Tuesday"
    assert not editor.repeat.is_changed()
    editor.title.setText("Garden day (Christmas)")
    dialog = ask_scope(qtbot, editor)
    assert dialog.only_this.isEnabled() and dialog.only_this.isChecked()
    dialog.reject()


def test_shared_changes_are_not_offered_for_one_date_and_problems_come_first(
    qtbot: QtBot, context: ViewContext
) -> None:
    event_id = weekly_circle(context)
    editor = EventEditor(
        context, event_id, occurrence=datetime(2026, 11, 17, 18, tzinfo=LONDON).astimezone(UTC)
    )
    qtbot.addWidget(editor)
    editor.show()
    open_editor(qtbot, editor, context)
    editor.roles.model.add_role("Cook")
    dialog = ask_scope(qtbot, editor)
    assert not dialog.only_this.isEnabled() and dialog.every.isChecked()
    assert not dialog.only_this_note.isHidden()
    dialog.reject()
    qtbot.waitUntil(lambda: editor.scope_dialog is None)
    editor.title.clear()
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    settle(qtbot, context)
    assert editor.title_problem.text() == "Title cannot be empty."
    assert editor.scope_dialog is None and editor.isVisible()


def test_this_and_following_keeps_the_past_and_moves_later_bookings(
    qtbot: QtBot, context: ViewContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = context.services
    today = datetime.now(LONDON).date()
    first_tuesday = today - timedelta(days=today.weekday() - 1 + 21)
    start = datetime.combine(first_tuesday, datetime.min.time(), LONDON).replace(hour=18)
    event_id = weekly_circle(context, start=start)
    event = services.events.get(event_id)
    facilitator = event.shifts[0]
    amira = services.volunteers.create(VolunteerDraft(name="Amira", joined_on=date(2025, 1, 1)))
    weeks = [(start + timedelta(weeks=n)).astimezone(UTC) for n in range(8)]
    past, later = weeks[1], weeks[5]
    services.assignments.create(
        AssignmentDraft(
            facilitator.id,
            amira.id,
            past,
            status=AssignmentStatus.ACCEPTED,
            attendance=Attendance.ATTENDED,
            hours=2.0,
        )
    )
    booked = services.assignments.create(AssignmentDraft(facilitator.id, amira.id, later))
    split_at = weeks[4]

    editor = EventEditor(context, event_id, occurrence=split_at)
    qtbot.addWidget(editor)
    editor.show()
    open_editor(qtbot, editor, context)
    type_time(qtbot, editor.start_time, "1830")
    type_time(qtbot, editor.end_time, "2030")
    save_with_scope(qtbot, editor, Scope.FOLLOWING)
    settle(qtbot, context)

    events = sorted(services.events.list(), key=lambda e: e.starts_at)
    assert len(events) == 2
    old, new = (services.events.get(e.id) for e in events)
    assert old.id == event_id and new.uid != old.uid
    assert new.starts_at == split_at + timedelta(minutes=30)
    kept = services.assignments.for_shift(facilitator.id)
    assert [(a.occurrence_start, a.attendance, a.hours) for a in kept] == [
        (past, Attendance.ATTENDED, 2.0)
    ]
    new_facilitator = next(s for s in new.shifts if s.role == "Facilitator")
    moved = services.assignments.for_shift(new_facilitator.id)
    assert [(a.id, a.occurrence_start) for a in moved] == [
        (booked.id, later + timedelta(minutes=30))
    ]

    # Undo and redo take the series' bookings along, off the GUI thread.
    ran_on: list[threading.Thread] = []
    for name in ("restore", "update"):
        monkeypatch.setattr(SeriesService, name, on_thread(getattr(SeriesService, name), ran_on))
    undo(qtbot, context)
    assert [e.id for e in services.events.list()] == [event_id]
    starts = {a.id: a.occurrence_start for a in services.assignments.for_shift(facilitator.id)}
    assert starts[booked.id] == later
    redo(qtbot, context)
    assert len(services.events.list()) == 2
    assert len(ran_on) == 2 and threading.main_thread() not in ran_on


def on_thread(method: Callable[..., Any], ran_on: list[threading.Thread]) -> Callable[..., Any]:
    """``method``, noting in ``ran_on`` the thread of each call."""

    def noted(*args: Any, **kwargs: Any) -> Any:
        ran_on.append(threading.current_thread())
        return method(*args, **kwargs)

    return noted


def test_an_undo_refused_after_the_editor_closed_says_why(
    qtbot: QtBot, context: ViewContext
) -> None:
    """The editor is gone by the time its edit is undone; a refusal is still explained."""
    page = show_page(qtbot, context)
    editor = open_editor(qtbot, page.new_event(), context)
    qtbot.keyClicks(editor.title, "Seed swap")
    with qtbot.waitSignal(editor.finished):
        qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not shiboken6.isValid(editor))
    settle(qtbot, context)
    (event,) = context.services.events.list()
    context.services.events.set_status(event.id, event.version, EventStatus.CANCELLED)

    with qtbot.waitSignal(context.worker.busy_changed):
        context.undo_stack.undo()
    settle(qtbot, context)
    box = next(b for b in page.findChildren(QMessageBox) if b.isVisible())
    assert box.windowTitle() == "Could not undo or redo"
    assert "changed" in box.text()
    assert context.services.events.get(event.id).status is EventStatus.CANCELLED
    assert context.undo_stack.undoText() == "New event “Seed swap”", "nothing claims an undo"


def test_undo_and_redo_a_new_event_and_an_edit(qtbot: QtBot, context: ViewContext) -> None:
    page = show_page(qtbot, context)
    editor = open_editor(qtbot, page.new_event(), context)
    qtbot.keyClicks(editor.title, "Seed swap")
    with qtbot.waitSignal(editor.finished):
        qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    settle(qtbot, context)
    qtbot.waitUntil(lambda: titles(page) == ["Seed swap"])
    uid = context.services.events.list()[0].uid

    undo(qtbot, context)
    qtbot.waitUntil(lambda: titles(page) == [])
    redo(qtbot, context)
    qtbot.waitUntil(lambda: titles(page) == ["Seed swap"])
    assert context.services.events.list()[0].uid == uid

    page.select_event(page.model.rows()[0].event_id)
    editor = open_editor(qtbot, page.edit_selected(), context)
    editor.title.selectAll()
    qtbot.keyClicks(editor.title, "Seed and plant swap")
    with qtbot.waitSignal(editor.finished):
        qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    settle(qtbot, context)
    qtbot.waitUntil(lambda: titles(page) == ["Seed and plant swap"])
    assert context.undo_stack.undoText() == "Edit “Seed and plant swap”"
    undo(qtbot, context)
    qtbot.waitUntil(lambda: titles(page) == ["Seed swap"])
    redo(qtbot, context)
    qtbot.waitUntil(lambda: titles(page) == ["Seed and plant swap"])


# The page -------------------------------------------------------------------------------------


def test_events_model_passes_the_model_tester_and_fetches_more_on_scroll(
    qtbot: QtBot, qtmodeltester: object, demo: ViewContext
) -> None:
    page = show_page(qtbot, demo, height=420, page_size=5)
    loaded = page.model.rowCount()
    assert loaded % 5 == 0 and 5 <= loaded < 20 and page.model.total == 20
    assert page.footer.text() == f"Showing {loaded} of 20 events"
    qtmodeltester.check(page.model)  # type: ignore[attr-defined]

    def scroll_to_the_end() -> bool:
        page.table.verticalScrollBar().triggerAction(
            page.table.verticalScrollBar().SliderAction.SliderToMaximum
        )
        return page.model.rowCount() == 20

    qtbot.waitUntil(scroll_to_the_end)
    settle(qtbot, demo)
    assert page.footer.text() == "20 events"
    starts = [row.next_starts_at for row in page.model.rows()]
    assert starts == sorted(starts)  # type: ignore[type-var]
    qtmodeltester.check(page.model)  # type: ignore[attr-defined]


def test_roles_model_passes_the_model_tester(qtmodeltester: object) -> None:
    model = RolesModel()
    model.set_qualifications([(1, "First aid")])
    model.set_roles([RoleDraft("Facilitator", 1, None), RoleDraft("Cook", 2, 1)])  # type: ignore[arg-type]
    qtmodeltester.check(model)  # type: ignore[attr-defined]
    assert model.index(1, RolesModel.QUALIFICATION).data() == "First aid"


def test_search_filters_and_keyboard(qtbot: QtBot, demo: ViewContext) -> None:
    page = show_page(qtbot, demo)
    page.focus_search()
    qtbot.keyClicks(page.search, "garden")
    qtbot.keyClick(page.search, Qt.Key.Key_Return)
    settle(qtbot, demo)
    assert titles(page) == [
        "Wednesday garden morning",
        "Garden work party (first Saturday)",
        "Community garden open day",
    ]
    page.search.clear()
    page.show_past.setChecked(True)
    settle(qtbot, demo)
    qtbot.waitUntil(lambda: page.model.total == 24)
    assert cell(page, "Summer picnic in the park", EventTableModel.STATUS) == "Cancelled"
    choose(qtbot, page.cause_filter, "Food")
    settle(qtbot, demo)
    assert all(row.cause_name == "Food bank" for row in page.model.rows())

    page.table.setFocus()
    page.table.setCurrentIndex(page.model.index(0, 0))
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    editor = open_editor(qtbot, page.editor, demo)
    assert editor.title.text() == page.model.rows()[0].title
    editor.reject()


def test_the_windows_new_event_and_find_keys_reach_the_page(
    qtbot: QtBot, db: Database, context: ViewContext, tmp_path: Path
) -> None:
    window = MainWindow(db, settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    page = EventsPage(context, clock=lambda: NOW)
    window.set_page("events", page)
    window.new_event_requested.connect(page.new_event)
    window.find_requested.connect(lambda _key: page.focus_search())
    window.resize(1200, 760)
    window.show()
    qtbot.waitActive(window)
    window.show_page("events")
    settle(qtbot, context)
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert page.search.hasFocus()
    qtbot.keyClick(page.search, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    editor = open_editor(qtbot, page.editor, context)
    assert editor.windowTitle() == "New event" and editor.title.hasFocus()
    editor.reject()


def test_delete_asks_and_offers_cancelling_an_event_with_bookings(
    qtbot: QtBot, demo: ViewContext
) -> None:
    page = show_page(qtbot, demo)
    page.select_event(1)
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_Delete)
    settle(qtbot, demo)
    box = page.question
    assert box is not None
    assert "“Tuesday evening peer-support circle” has" in box.text()
    instead = next(b for b in box.buttons() if b.text() == "Cancel event instead")
    with qtbot.waitSignal(demo.hub.changed):
        qtbot.mouseClick(instead, Qt.MouseButton.LeftButton)
        settle(qtbot, demo)
    assert demo.services.events.get(1).status is EventStatus.CANCELLED
    qtbot.waitUntil(lambda: 1 not in [r.event_id for r in page.model.rows()])
    undo(qtbot, demo)
    assert demo.services.events.get(1).status is EventStatus.SCHEDULED


def test_delete_removes_an_event_nobody_is_booked_on_and_undo_brings_it_back(
    qtbot: QtBot, context: ViewContext
) -> None:
    event_id = weekly_circle(context, title="Craft club")
    uid = context.services.events.get(event_id).uid
    page = show_page(qtbot, context)
    page.select_event(event_id)
    qtbot.mouseClick(page.delete_button, Qt.MouseButton.LeftButton)
    settle(qtbot, context)
    box = page.question
    assert isinstance(box, QMessageBox)
    assert box.text().startswith("Delete “Craft club”?")
    delete = next(b for b in box.buttons() if b.text() == "Delete")
    qtbot.mouseClick(delete, Qt.MouseButton.LeftButton)
    settle(qtbot, context)
    qtbot.waitUntil(lambda: titles(page) == [])
    assert context.services.events.list() == []
    undo(qtbot, context)
    restored = context.services.events.get(event_id)
    assert restored.uid == uid and [s.role for s in restored.shifts] == ["Facilitator", "Greeter"]


def test_long_titles_that_differ_at_the_end_stay_apart(qtbot: QtBot, context: ViewContext) -> None:
    places = ("Ashgate", "Elm")
    for place in places:
        weekly_circle(context, title=f"Monday and Thursday befriending calls ({place})")
    page = show_page(qtbot, context)
    page.resize(1000, 720)
    table = page.table
    qtbot.waitUntil(lambda: table.columnWidth(EventTableModel.TITLE) < 200)

    image = table.viewport().grab().toImage()
    shown = titles(page)
    cells = [
        table.visualRect(page.model.index(shown.index(title), EventTableModel.TITLE))
        for title in shown
    ]
    assert table.fontMetrics().horizontalAdvance(shown[0]) > cells[0].width()
    # The cell's right half, where "(Ashgate)" and "(Elm)" would be.
    areas = [
        QRect(cell.center().x(), cell.top(), cell.width() // 2, cell.height()) for cell in cells
    ]
    assert ink(image, areas[0]) != ink(image, areas[1])


def test_an_edit_elsewhere_updates_only_its_row(qtbot: QtBot, demo: ViewContext) -> None:
    page = show_page(qtbot, demo)
    event = demo.services.events.get(15)
    row = page.model.row_of(event.id)
    resets: list[bool] = []
    page.model.modelReset.connect(lambda: resets.append(True))
    draft = EventDraft(
        title="Welcome evening for new volunteers",
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        timezone=event.timezone,
        description=event.description,
        cause_id=event.cause_id,
        location_id=event.location_id,
        capacity=event.capacity,
        status=event.status,
    )
    demo.services.events.update(event.id, event.version, draft)
    with qtbot.waitSignal(page.model.dataChanged) as changed:
        demo.hub.announce(DataChange.of("Priya", event=event.id, by_me=False))
    top, bottom = changed.args[0], changed.args[1]
    assert (top.row(), bottom.row()) == (row, row)
    settle(qtbot, demo)
    assert cell(page, "Welcome evening for new volunteers", EventTableModel.TITLE)
    assert resets == []


def test_a_file_that_cannot_be_written_is_explained_in_the_editor(
    qtbot: QtBot, db: Database, db_path: Path
) -> None:
    db.close()
    locked = open_database(db_path, read_only=True)
    worker = Worker()
    context = view_context(locked, worker=worker)
    editor = EventEditor(context, None)
    qtbot.addWidget(editor)
    editor.show()
    open_editor(qtbot, editor, context)
    qtbot.keyClicks(editor.title, "Quiz night")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    settle(qtbot, context)
    assert "read-only" in editor.banner.problem.text()
    assert editor.isVisible() and editor.save_button.isEnabled()
    assert context.undo_stack.count() == 0
    worker.wait()
    locked.close()


def test_read_only_databases_cannot_be_changed(qtbot: QtBot, demo: ViewContext) -> None:
    looking = ViewContext(
        services=demo.services,
        worker=demo.worker,
        undo_stack=demo.undo_stack,
        hub=demo.hub,
        read_only=True,
    )
    page = show_page(qtbot, looking)
    page.select_event(1)
    assert not page.new_action.isEnabled() and not page.delete_action.isEnabled()
    assert page.new_event() is None
    editor = open_editor(qtbot, page.edit_selected(), looking)
    assert not editor.title.isEnabled() and editor.save_button.isHidden()
    assert editor.cancel_button.text() == "Close"
    editor.reject()


def test_a_removed_date_can_be_restored_and_undo_removes_it_again(
    qtbot: QtBot, context: ViewContext
) -> None:
    event_id = weekly_circle(context)
    event = context.services.events.get(event_id)
    removed = datetime(2026, 11, 24, 18, tzinfo=LONDON).astimezone(UTC)
    context.services.events.remove_occurrence(event_id, event.version, removed)
    editor = EventEditor(context, event_id)
    qtbot.addWidget(editor)
    editor.show()
    open_editor(qtbot, editor, context)
    listed = editor.repeat.removed_list
    assert not listed.isHidden() and listed.item(0).text() == "Tue 24 Nov 2026"
    listed.setCurrentRow(0)
    qtbot.mouseClick(editor.repeat.restore_button, Qt.MouseButton.LeftButton)
    assert listed.count() == 0
    with qtbot.waitSignal(editor.finished):
        qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    settle(qtbot, context)
    assert context.services.events.get(event_id).exceptions == []
    undo(qtbot, context)
    assert [e.occurrence_start for e in context.services.events.get(event_id).exceptions] == [
        removed
    ]


def test_changing_the_time_of_all_dates_keeps_booked_past_dates_and_says_so(
    qtbot: QtBot, db: Database, context: ViewContext
) -> None:
    generate_demo(db, scale="small", seed=1)  # centred on this week, whatever the date
    page = show_page(qtbot, context, clock=utc_now)
    circle = next(r for r in page.model.rows() if r.title == "Tuesday evening peer-support circle")
    page.select_event(circle.event_id)
    editor = open_editor(qtbot, page.edit_selected(), context)
    type_time(qtbot, editor.start_time, "1900")
    type_time(qtbot, editor.end_time, "2030")
    messages: list[str] = []
    page.status_message.connect(messages.append)
    save_with_scope(qtbot, editor, Scope.ALL)
    settle(qtbot, context)

    box = editor.notice_box
    assert isinstance(box, QMessageBox) and box.isVisible() and box.parent() is page
    assert box.text().startswith("Earlier dates have volunteers' attendance and hours")
    assert messages == [box.text()]
    box.accept()
    services = context.services
    old = services.events.get(circle.event_id)
    later = next(
        services.events.get(e.id)
        for e in services.events.list()
        if e.title == circle.title and e.id != circle.event_id
    )
    assert later.starts_at.astimezone(LONDON).strftime("%H:%M") == "19:00"
    assert old.starts_at.astimezone(LONDON).strftime("%H:%M") == "18:30"
    past = [
        a
        for shift in old.shifts
        for a in services.assignments.for_shift(shift.id)
        if a.attendance is not None
    ]
    assert past and all(a.occurrence_start < datetime.now(UTC) for a in past)
    qtbot.waitUntil(lambda: page.selected_event() is not None)
    assert page.selected_event().event_id == later.id  # type: ignore[union-attr]


def test_every_control_has_an_accessible_name(qtbot: QtBot, demo: ViewContext) -> None:
    page = show_page(qtbot, demo)
    page.select_event(1)
    editor = open_editor(qtbot, page.edit_selected(), demo)
    unnamed = [
        f"{type(widget).__name__} in {type(widget.parent()).__name__}"
        for root in (page, editor)
        for widget in root.findChildren(QWidget)
        if widget.focusPolicy() != Qt.FocusPolicy.NoFocus
        and not widget.accessibleName()
        and widget.objectName() != "qt_spinbox_lineedit"  # Qt's own part of a spin box
        and widget.isVisibleTo(root)
    ]
    assert unnamed == []
    editor.reject()


# Pictures -------------------------------------------------------------------------------------


def is_blank(image: QImage) -> bool:
    first = image.pixelColor(0, 0)
    step = max(image.width() // 40, 1)
    return all(
        image.pixelColor(x, y) == first
        for x in range(0, image.width(), step)
        for y in range(0, image.height(), step)
    )


def test_the_page_and_the_editor_render(qtbot: QtBot, demo: ViewContext, tmp_path: Path) -> None:
    page = show_page(qtbot, demo)
    page.select_event(1)
    image = page.grab().toImage()
    assert not is_blank(image)
    assert image.save(str(tmp_path / "events_page.png"))

    editor = open_editor(qtbot, page.edit_selected(), demo)
    editor.resize(1040, 700)
    qtbot.waitExposed(editor)
    picture = editor.grab().toImage()
    assert not is_blank(picture)
    assert picture.save(str(tmp_path / "event_editor.png"))
    assert picture.pixelColor(5, 5) != QColor(0, 0, 0, 0)
    editor.reject()


def dark_palette() -> QPalette:
    palette = QPalette()
    role = QPalette.ColorRole
    for name, colour in (
        (role.Window, "#2b2b2e"),
        (role.WindowText, "#e8e8e8"),
        (role.Base, "#1f1f22"),
        (role.AlternateBase, "#27272b"),
        (role.Text, "#e8e8e8"),
        (role.Button, "#38383c"),
        (role.ButtonText, "#e8e8e8"),
        (role.Highlight, "#3d6fb4"),
        (role.HighlightedText, "#ffffff"),
        (role.PlaceholderText, "#9a9aa0"),
        (role.Mid, "#4a4a50"),
        (role.Light, "#55555b"),
        (role.Dark, "#18181a"),
        (role.Shadow, "#000000"),
    ):
        palette.setColor(name, QColor(colour))
    return palette


def test_problems_stay_readable_in_dark_mode(
    qtbot: QtBot, demo: ViewContext, tmp_path: Path
) -> None:
    page = show_page(qtbot, demo)
    page.setPalette(dark_palette())
    page.select_event(15)
    editor = open_editor(qtbot, page.edit_selected(), demo)
    editor.setPalette(dark_palette())
    editor.resize(1040, 700)
    editor.title.clear()
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    settle(qtbot, demo)
    red = editor.title_problem.palette().color(QPalette.ColorRole.WindowText)
    assert red.lightnessF() > 0.6  # a light red on the dark window
    assert page.grab().save(str(tmp_path / "events_page_dark.png"))
    assert editor.grab().save(str(tmp_path / "event_editor_dark.png"))
    editor.reject()


def test_times_are_worded_on_the_events_own_clock() -> None:
    """The list says when an event runs where it happens, naming a zone not the coordinator's."""
    year = datetime.now(UTC).year  # this year's dates leave the year out

    def day(month: int, number: int) -> str:
        return QLocale().toString(QDate(year, month, number), "ddd d MMM")

    # 20:00 UTC on 1 December is 01:30 on the 2nd in Kolkata.
    starts = datetime(year, 12, 1, 20, tzinfo=UTC)
    assert (
        when_text(starts, starts + timedelta(hours=2), "Asia/Kolkata", local_zone="Europe/London")
        == f"{day(12, 2)}, 01:30–03:30 IST"
    )
    # Past midnight the end names its day.
    assert (
        when_text(
            datetime(year, 12, 1, 22, tzinfo=UTC),
            datetime(year, 12, 2, 1, tzinfo=UTC),
            "Europe/London",
            local_zone="Europe/London",
        )
        == f"{day(12, 1)}, 22:00 – {day(12, 2)}, 01:00"
    )
    # Two whole days in Kolkata: its midnights are 18:30 UTC the day before.
    assert (
        when_text(
            datetime(year, 12, 4, 18, 30, tzinfo=UTC),
            datetime(year, 12, 6, 18, 30, tzinfo=UTC),
            "Asia/Kolkata",
            all_day=True,
            local_zone="Asia/Kolkata",
        )
        == f"{day(12, 5)} – {day(12, 6)}"
    )
