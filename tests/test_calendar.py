"""The Calendar page: periods, layout and moves in plain Python, then the real widgets."""

from __future__ import annotations

import threading
import time as time_module
import weakref
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, cast

import pytest
from PySide6.QtCore import (
    QEvent,
    QMimeData,
    QObject,
    QPoint,
    QPointF,
    QRect,
    QRectF,
    QSettings,
    Qt,
)
from PySide6.QtGui import (
    QColor,
    QDrag,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QFont,
    QImage,
)
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QApplication,
    QCalendarWidget,
    QMessageBox,
    QPushButton,
    QTableView,
)
from pytestqt.qtbot import QtBot

from organizer.changes import DataChange
from organizer.demo import generate_demo
from organizer.models import AssignmentStatus, EventStatus
from organizer.services import (
    AssignmentDraft,
    CauseDraft,
    EventDraft,
    OccurrenceInfo,
    Services,
    ShiftDraft,
    VolunteerDraft,
)
from organizer.storage import Database
from organizer.ui.calendar import CalendarPage, canvas
from organizer.ui.calendar.canvas import ItemCanvas, decode_drag, encode_drag
from organizer.ui.calendar.items import (
    CalendarData,
    CalendarItem,
    LazyDay,
    cap_lanes,
    group_by_day,
    make_item,
    place_in_day,
)
from organizer.ui.calendar.loader import RangeKey
from organizer.ui.calendar.model import (
    FILL_COLUMN,
    OBJECT_ROLE,
    PLACE_COLUMN,
    TITLE_COLUMN,
    CalendarModel,
)
from organizer.ui.calendar.month_view import MonthView
from organizer.ui.calendar.moves import MoveScope, draft_of, make_move, shift_rule, wall_delta
from organizer.ui.calendar.periods import ViewMode, local_at, period_for, step
from organizer.ui.calendar.text import period_title
from organizer.ui.context import ViewContext
from tests.event_reads import count_event_reads
from tests.ui_helpers import undo, view_context, when_picker_shows

DEMO_START = date(2026, 11, 23)
NOW = datetime(2026, 11, 25, 14, 20)
AWARENESS_STALL = "Mental health awareness stall"  # a one-off on Saturday 7 November, 10:00
SATURDAY_WALK = "Saturday walk and talk"  # every Saturday at 10:00
CATCH_UP = "Befriending volunteers' catch-up"  # a one-off on Wednesday 18 November, 13:00


@pytest.fixture(autouse=True)
def london_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Run every test on a coordinator's computer in London, whatever the machine says."""
    monkeypatch.setenv("TZ", "Europe/London")
    time_module.tzset()
    yield
    monkeypatch.undo()
    time_module.tzset()


@pytest.fixture
def demo(db: Database) -> Database:
    generate_demo(db, scale="small", seed=1, start=DEMO_START)
    return db


@pytest.fixture
def services(demo: Database) -> Services:
    return Services.for_database(demo, "Tester")


def make_context(services: Services, *, read_only: bool = False) -> ViewContext:
    return view_context(services, read_only=read_only)


@pytest.fixture
def context(services: Services) -> Iterator[ViewContext]:
    context = make_context(services)
    yield context
    context.worker.wait()


def open_page(qtbot: QtBot, context: ViewContext) -> CalendarPage:
    page = CalendarPage(context, clock=lambda: NOW.astimezone())
    qtbot.addWidget(page)
    page.resize(1000, 680)
    page.show()
    qtbot.waitExposed(page)
    wait_loaded(qtbot, page)
    return page


@pytest.fixture
def page(qtbot: QtBot, context: ViewContext) -> CalendarPage:
    return open_page(qtbot, context)


def wait_loaded(qtbot: QtBot, page: CalendarPage) -> None:
    """Until the period on show has arrived in the model."""

    def arrived() -> bool:
        data = page.model.data_set
        return (
            not page.loader.loading
            and data is not None
            and (data.first, data.end) == (page.period.first, page.period.end)
        )

    qtbot.waitUntil(arrived, timeout=10_000)


def titles(page: CalendarPage) -> set[str]:
    return {item.title for item in page.model.visible_items()}


def mode_of(page: CalendarPage) -> ViewMode:
    return page.mode


def find_item(page: CalendarPage, title: str, day: date) -> CalendarItem:
    return next(item for item in page.model.items_on(day) if item.title == title)


def centre(rect: QRectF) -> QPoint:
    return rect.center().toPoint()


def event_named(services: Services, title: str) -> int:
    return next(event.id for event in services.events.list() if event.title == title)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return local_at(day, time(hour, minute))


# Periods, layout and moves, without Qt ----------------------------------------------------


def test_a_month_is_whole_weeks_from_monday() -> None:
    november = period_for(ViewMode.MONTH, date(2026, 11, 25))
    assert november.first == date(2026, 10, 26)
    assert november.end == date(2026, 12, 7)
    assert november.first.weekday() == 0 and len(november.days) % 7 == 0
    assert november.in_month(date(2026, 11, 1)) and not november.in_month(date(2026, 10, 31))
    assert step(ViewMode.MONTH, date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert step(ViewMode.WEEK, date(2026, 11, 25), -1) == date(2026, 11, 18)
    week = period_for(ViewMode.WEEK, date(2026, 12, 30))
    assert (week.first, week.end) == (date(2026, 12, 28), date(2027, 1, 4))


def test_overlapping_items_share_the_column(services: Services) -> None:
    day = date(2026, 11, 26)
    items = [
        _item("Early", local(day, 10), local(day, 12)),
        _item("Overlapping", local(day, 11), local(day, 13)),
        _item("After both", local(day, 14), local(day, 15)),
    ]
    placed = {p.item.title: p for p in place_in_day(day, items)}
    assert (placed["Early"].lane, placed["Early"].lanes) == (0, 2)
    assert (placed["Overlapping"].lane, placed["Overlapping"].lanes) == (1, 2)
    assert (placed["After both"].lane, placed["After both"].lanes) == (0, 1)
    assert placed["Early"].start_minute == 600 and placed["Early"].end_minute == 720


def test_overnight_and_all_day_items_show_on_the_right_days() -> None:
    friday = date(2026, 11, 27)
    shelter = _item("Night shelter", local(friday, 21), local(friday + timedelta(days=1), 7))
    open_day = _item(
        "Open weekend",
        local(friday, 0),
        local(friday + timedelta(days=2), 0),
        all_day=True,
        last_day=friday + timedelta(days=1),
    )
    days = group_by_day([shelter, open_day], friday, friday + timedelta(days=7))
    assert [i.title for i in days[friday]] == ["Open weekend", "Night shelter"]
    assert [i.title for i in days[friday + timedelta(days=1)]] == ["Open weekend"]
    # A range that starts the morning after still shows the shelter, on its first day.
    later = group_by_day([shelter], friday + timedelta(days=1), friday + timedelta(days=8))
    assert [i.title for i in later[friday + timedelta(days=1)]] == ["Night shelter"]
    saturday = place_in_day(friday + timedelta(days=1), [shelter])
    assert (saturday[0].start_minute, saturday[0].end_minute) == (0, 7 * 60)


def test_repeat_rules_follow_a_move_to_another_day() -> None:
    assert shift_rule("FREQ=WEEKLY;BYDAY=SA", 1) == "FREQ=WEEKLY;BYDAY=SU"
    assert shift_rule("FREQ=WEEKLY;BYDAY=MO,TH", -1) == "FREQ=WEEKLY;BYDAY=SU,WE"
    assert shift_rule("FREQ=MONTHLY;BYDAY=1SA", 2) == "FREQ=MONTHLY;BYDAY=1MO"
    assert shift_rule("FREQ=WEEKLY;BYDAY=TU", 7) == "FREQ=WEEKLY;BYDAY=TU"
    assert shift_rule("FREQ=MONTHLY;BYMONTHDAY=31", 1) == "FREQ=MONTHLY;BYMONTHDAY=1"
    moved = shift_rule("FREQ=WEEKLY;BYDAY=WE;UNTIL=20261221T235959Z", 1, timedelta(days=1))
    assert moved == "FREQ=WEEKLY;BYDAY=TH;UNTIL=20261222T235959Z"


def test_moves_through_the_services_can_be_reverted(services: Services) -> None:
    start, stop = local(date(2026, 11, 1), 0), local(date(2026, 12, 1), 0)
    shown: dict[int, OccurrenceInfo] = {
        o.event_id: o for o in services.events.occurrences_between(start, stop)
    }
    stall_id = event_named(services, AWARENESS_STALL)
    stall = make_item(shown[stall_id], {}, {}, None)
    move = make_move(services, stall, timedelta(days=3, hours=2), MoveScope.EVENT)
    event = services.events.get(stall_id)
    assert event.starts_at == datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
    assert event.ends_at - event.starts_at == timedelta(hours=4)
    assert move.new_key == (stall_id, event.starts_at)
    move.reverted()
    assert services.events.get(stall_id).starts_at == datetime(2026, 11, 7, 10, 0, tzinfo=UTC)
    move.made()
    assert services.events.get(stall_id).starts_at == datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
    assert draft_of(services.events.get(stall_id)).title == AWARENESS_STALL


def test_moving_an_event_takes_its_volunteers_along_and_back(services: Services) -> None:
    """Dragged to another day, a one-off or a whole series keeps the people booked on it,
    on the occurrences they were on; undoing puts them back where they were."""
    sam = services.volunteers.create(VolunteerDraft(name="Sam", joined_on=date(2026, 1, 1))).id
    starts = local(date(2027, 3, 3), 18)
    for rule, scope in ((None, MoveScope.EVENT), ("FREQ=WEEKLY;COUNT=3", MoveScope.SERIES)):
        draft = EventDraft("Quiz night", starts, starts + timedelta(hours=2), "Europe/London")
        event_id = services.events.create(replace(draft, rrule=rule)).id
        shift = services.shifts.create(ShiftDraft(event_id=event_id, role="Host"))
        second = starts + timedelta(days=7 if rule else 0)
        booking = AssignmentDraft(shift_id=shift.id, volunteer_id=sam, occurrence_start=second)
        services.assignments.create(replace(booking, status=AssignmentStatus.ACCEPTED))
        (shown,) = [
            o
            for o in services.events.occurrences_between(second, second + timedelta(hours=1))
            if o.event_id == event_id
        ]
        item = make_item(shown, {}, {}, None)
        move = make_move(services, item, timedelta(days=1), scope, now=NOW.astimezone())

        def booked(event_id: int = event_id) -> list[datetime]:
            return [
                shift.occurrence_starts
                for shift in services.roster.board_rows(starts, starts + timedelta(days=30))
                for person in shift.people
                if shift.fill.event_id == event_id and person.volunteer_id == sam
            ]

        assert booked() == [second + timedelta(days=1)], scope
        move.reverted()
        assert booked() == [second], scope
        move.made()
        assert booked() == [second + timedelta(days=1)], scope


# The model --------------------------------------------------------------------------------


def test_the_model_passes_the_model_tester(qtmodeltester: object, page: CalendarPage) -> None:
    assert page.model.rowCount() > 0
    qtmodeltester.check(page.model)  # type: ignore[attr-defined]
    page.set_hidden_causes(frozenset({page.model.causes[0].id}))
    qtmodeltester.check(page.model)  # type: ignore[attr-defined]
    day = page.model.index(0, 0)
    for index in (day, page.model.index(0, 0, day)):
        assert index.isValid()
        assert page.model.flags(index) == (
            Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        ), "rows can be chosen, never edited in place"
    empty = CalendarModel()
    qtmodeltester.check(empty)  # type: ignore[attr-defined]


# Navigating -------------------------------------------------------------------------------


def test_buttons_move_between_months_and_back_to_today(qtbot: QtBot, page: CalendarPage) -> None:
    assert page.title_button.text() == "November 2026"
    assert AWARENESS_STALL in titles(page)
    qtbot.mouseClick(page.next_button, Qt.MouseButton.LeftButton)
    assert page.title_button.text() == "December 2026"
    wait_loaded(qtbot, page)
    assert "New volunteers' welcome evening" in titles(page)
    assert AWARENESS_STALL not in titles(page)
    qtbot.mouseClick(page.previous_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(page.previous_button, Qt.MouseButton.LeftButton)
    assert page.title_button.text() == "October 2026"
    wait_loaded(qtbot, page)
    assert all(item.first_day < date(2026, 11, 9) for item in page.model.visible_items())
    qtbot.mouseClick(page.today_button, Qt.MouseButton.LeftButton)
    assert page.title_button.text() == "November 2026"
    assert page.selected_day == NOW.date()


def test_the_next_month_is_read_ahead_once_this_one_is_painted(
    qtbot: QtBot, page: CalendarPage
) -> None:
    """Stepping to a neighbouring month shows it at once: it was read while looking at this
    one, but only after this one was on screen."""
    qtbot.waitUntil(
        lambda: not page.ahead_timer.isActive() and not page.context.worker.busy, timeout=10_000
    )
    qtbot.mouseClick(page.next_button, Qt.MouseButton.LeftButton)
    assert page.title_button.text() == "December 2026"
    assert not page.loader.loading, "December was already read"
    assert "New volunteers' welcome evening" in titles(page)


class _PaintLog(QObject):
    """Notes, at each paint of a widget, whether the calendar had its period's data."""

    def __init__(self, page: CalendarPage) -> None:
        super().__init__()
        self.page = page
        self.had_data: list[bool] = []
        page.month_view.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.had_data.append(self.page.model.data_set is not None)
        return False


def test_a_month_not_read_yet_takes_over_without_an_empty_flash(
    qtbot: QtBot, page: CalendarPage
) -> None:
    """Jumping months ahead, the month on show stays until the new one is read, then the
    grid changes once: never an empty month in between."""
    log = _PaintLog(page)
    page.go(5)
    assert page.loader.loading, "five months on was not read ahead"
    wait_loaded(qtbot, page)
    qtbot.waitUntil(lambda: bool(log.had_data), timeout=5_000)
    assert all(log.had_data)
    assert page.title_button.text() == "April 2027"


def on_screen(page: CalendarPage) -> QImage:
    """What the page's window shows now: its backing store, as last flushed (no new paint)."""
    QApplication.processEvents()  # any paint already asked for happens first
    screen = page.screen()
    return screen.grabWindow(page.winId()).toImage()


def test_the_month_on_show_stays_on_screen_while_the_next_is_read(
    qtbot: QtBot, page: CalendarPage
) -> None:
    """Turning to a month not read yet, the old month stays on screen (not a blank area)
    until the new one can be drawn; the title says where the page is going meanwhile."""
    view = page.month_view
    area = QRect(view.mapTo(page, QPoint(0, 0)), view.size())
    before = on_screen(page).copy(area)
    gate = threading.Event()
    page.context.worker.submit(gate.wait)  # the read waits, as on a busy shared drive
    try:
        page.go(5)
        assert page.loader.loading, "five months on was not read ahead"
        held = on_screen(page)
        assert held.copy(area) == before, "the month area changed before the new month was read"
        assert page.title_button.text() == "April 2027"
    finally:
        gate.set()
    wait_loaded(qtbot, page)
    qtbot.waitUntil(lambda: on_screen(page).copy(area) != before, timeout=5_000)


def test_a_larger_font_gives_the_month_taller_chips_and_fewer_a_day(
    qtbot: QtBot, page: CalendarPage
) -> None:
    """The month measures its font once, but measures again when the font changes (a
    coordinator's larger system font): the chips grow and fewer fit in a day."""
    view = page.month_view
    view.repaint()
    chip = view.hits[0][0].height()
    fits = view.chips_per_day()
    larger = QFont(view.font())
    larger.setPointSizeF(view.font().pointSizeF() * 2)
    view.setFont(larger)
    view.repaint()
    assert view.hits[0][0].height() > chip * 1.5
    assert view.chips_per_day() < fits


def test_a_month_read_arrives_with_the_chips_it_draws_made(
    qtbot: QtBot, page: CalendarPage
) -> None:
    """The month's drawn chips are made in the background with the read, so painting it
    makes none; those only "+N more" counts stay unmade until asked for."""
    page.go(5)
    wait_loaded(qtbot, page)
    view = page.month_view
    for height in range(670, 300, -10):  # small enough that the sample's days overflow
        before = view.height()
        page.resize(1000, height)

        def shrunk(before: int = before) -> bool:
            return view.height() < before

        qtbot.waitUntil(shrunk)
        if view.chips_per_day() == 2:
            break
    arrived: dict[date, tuple[int, int]] = {}

    def as_handed_over(data: CalendarData) -> None:
        for day, items in data.by_day.items():
            if isinstance(items, LazyDay):
                arrived[day] = (items.made, len(items))

    page.loader.loaded.connect(as_handed_over)
    page.refresh()
    assert page.loader.loading
    wait_loaded(qtbot, page)
    assert view.chips_per_day() == 2
    busy = {day: made for day, (made, count) in arrived.items() if count > 2}
    assert busy, "no day with more than fits"
    assert all(made == 1 for made in busy.values()), 'one chip and "+N more" fit'
    view.repaint()
    data = page.model.data_set
    assert data is not None
    assert {day: cast(LazyDay, data.by_day[day]).made for day in busy} == busy
    assert view.more_hits


def test_months_dropped_by_a_reload_are_freed_once_the_new_one_is_shown(
    qtbot: QtBot, page: CalendarPage
) -> None:
    """Freeing a month's items takes a moment, so months a reload drops are held until
    the new one is on screen, then let go (before reading its neighbours ahead)."""
    qtbot.waitUntil(lambda: not page.ahead_timer.isActive() and not page.context.worker.busy)
    page.go(1)  # read ahead, so kept
    shown = page.model.data_set
    assert shown is not None and not page.loader.loading
    kept = weakref.ref(shown)
    page.go(-1)
    wait_loaded(qtbot, page)
    qtbot.waitUntil(lambda: not page.ahead_timer.isActive() and not page.loader.retired)
    shown = page.model.data_set
    assert shown is not None
    old = weakref.ref(shown)
    del shown
    page.refresh()
    assert kept() is not None, "a kept month was freed as the reload began"
    assert page.loader.loading
    wait_loaded(qtbot, page)
    assert old() is not None, "freed while the new month was on its way"
    qtbot.waitUntil(lambda: old() is None and kept() is None, timeout=5_000)
    assert not page.loader.retired


def test_a_quick_read_never_flashes_loading(
    qtbot: QtBot, page: CalendarPage, monkeypatch: pytest.MonkeyPatch
) -> None:
    said: list[str] = []
    label = page.status_label
    set_text = label.setText

    def remembered(text: str) -> None:
        said.append(text)
        set_text(text)

    monkeypatch.setattr(label, "setText", remembered)
    # Quick is within the moment the page waits; a minute keeps a loaded machine quick.
    page.loading_timer.setInterval(60_000)
    page.hold_timer.setInterval(60_000)
    page.go(5)
    assert page.loader.loading, "five months on was not read ahead"
    wait_loaded(qtbot, page)
    assert "Loading…" not in said
    assert label.text() == ""


def test_a_slow_read_shows_the_empty_month_after_a_moment(qtbot: QtBot, page: CalendarPage) -> None:
    """Should reading take longer (a busy shared drive), the new month's empty grid and
    "Loading…" show within a moment rather than the old month lingering."""
    gate = threading.Event()
    page.context.worker.submit(gate.wait)
    log = _PaintLog(page)
    page.go(5)
    try:
        qtbot.waitUntil(lambda: False in log.had_data, timeout=5_000)
        assert page.status_label.text() == "Loading…"
    finally:
        gate.set()
    wait_loaded(qtbot, page)
    qtbot.waitUntil(lambda: log.had_data[-1], timeout=5_000)


def test_the_title_drops_down_a_month_to_go_to_any_date_by_keyboard(
    qtbot: QtBot, page: CalendarPage
) -> None:
    page.focus_view()
    opened_on: list[date] = []

    def choose(calendar: QCalendarWidget, table: QTableView) -> None:
        chosen = calendar.selectedDate()
        opened_on.append(date(chosen.year(), chosen.month(), chosen.day()))
        today = calendar.dateTextFormat(chosen).fontWeight()
        assert today == QFont.Weight.Bold, "today stands out"
        for _ in range(5):
            QTest.keyClick(table, Qt.Key.Key_PageDown)
        QTest.keyClick(table, Qt.Key.Key_Right)
        QTest.keyClick(table, Qt.Key.Key_Return)

    when_picker_shows(page, choose)
    qtbot.keyClick(page.month_view, Qt.Key.Key_G)
    assert opened_on == [NOW.date()], "the month should open on the day selected"
    assert page.date_picker is not None and not page.date_picker.isVisible()
    assert page.title_button.text() == "April 2027"
    assert page.selected_day == date(2027, 4, 26)
    # The keyboard goes back to the calendar, once the menu has handed it back.
    qtbot.waitUntil(lambda: page.focusWidget() is page.month_view)
    wait_loaded(qtbot, page)


def test_the_month_the_title_picker_rests_on_is_read_before_it_is_chosen(
    qtbot: QtBot, page: CalendarPage
) -> None:
    """Paging through the title's month and stopping on a day reads that day's month, so
    choosing it shows the month at once, without "Loading…"."""
    wait_loaded(qtbot, page)
    page.focus_view()
    later = RangeKey.of(period_for(ViewMode.MONTH, date(2027, 3, 1)), fill=False)
    assert not page.loader.cached(later)
    states: list[bool] = []
    read_while_open: list[bool] = []

    def rest_then_choose(_calendar: QCalendarWidget, table: QTableView) -> None:
        for _ in range(4):
            QTest.keyClick(table, Qt.Key.Key_PageDown)
        try:
            qtbot.waitUntil(lambda: page.loader.cached(later), timeout=5_000)
            read_while_open.append(True)
        except qtbot.TimeoutError:
            read_while_open.append(False)  # still choose it, so the picker closes
        page.loader.loading_changed.connect(lambda: states.append(page.loader.loading))
        QTest.keyClick(table, Qt.Key.Key_Return)

    when_picker_shows(page, rest_then_choose)
    qtbot.keyClick(page.month_view, Qt.Key.Key_G)
    assert read_while_open == [True], "the month rested on is read while the picker is open"
    assert page.title_button.text() == "March 2027"
    assert states == [], "the month was there already: nothing to wait for"
    assert not page.loader.loading
    data = page.model.data_set
    assert data is not None and data.first == later.first


def test_a_click_in_the_title_month_selects_that_day(qtbot: QtBot, page: CalendarPage) -> None:
    page.set_mode(ViewMode.WEEK)
    wait_loaded(qtbot, page)

    def click_the_fifteenth(_: QCalendarWidget, table: QTableView) -> None:
        model = table.model()
        cell = next(
            model.index(row, column)
            for row in range(model.rowCount())
            for column in range(model.columnCount())
            if str(model.index(row, column).data()) == "15"
        )
        QTest.mouseClick(
            table.viewport(), Qt.MouseButton.LeftButton, pos=table.visualRect(cell).center()
        )

    when_picker_shows(page, click_the_fifteenth)
    qtbot.mouseClick(page.title_button, Qt.MouseButton.LeftButton)
    assert page.selected_day == date(2026, 11, 15)
    assert page.title_button.text() == "9 – 15 Nov 2026"
    qtbot.waitUntil(lambda: page.focusWidget() is page.week_view.grid)
    wait_loaded(qtbot, page)


def test_keys_page_through_periods_and_switch_views(qtbot: QtBot, page: CalendarPage) -> None:
    page.focus_view()
    view = page.month_view
    qtbot.keyClick(view, Qt.Key.Key_PageDown)
    assert page.title_button.text() == "December 2026"
    qtbot.keyClick(view, Qt.Key.Key_Left, Qt.KeyboardModifier.ControlModifier)
    assert page.title_button.text() == "November 2026"
    qtbot.keyClick(view, Qt.Key.Key_Right)
    qtbot.keyClick(view, Qt.Key.Key_Down)
    assert page.selected_day == date(2026, 12, 3)
    assert page.title_button.text() == "December 2026"  # the selection carried the month along
    qtbot.keyClick(page.focusWidget(), Qt.Key.Key_T)
    assert page.selected_day == NOW.date() and page.title_button.text() == "November 2026"
    qtbot.keyClick(page.focusWidget(), Qt.Key.Key_W)
    assert mode_of(page) is ViewMode.WEEK
    assert page.title_button.text() == "23 – 29 Nov 2026"
    wait_loaded(qtbot, page)
    qtbot.keyClick(page.focusWidget(), Qt.Key.Key_PageDown)
    assert page.title_button.text() == "30 Nov – 6 Dec 2026"
    qtbot.keyClick(page.focusWidget(), Qt.Key.Key_Home)
    assert page.title_button.text() == "23 – 29 Nov 2026"
    qtbot.keyClick(page.focusWidget(), Qt.Key.Key_A)
    assert mode_of(page) is ViewMode.AGENDA
    assert page.title_button.text() == "25 Nov – 22 Dec 2026"
    qtbot.keyClick(page.focusWidget(), Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)
    assert mode_of(page) is ViewMode.WEEK
    qtbot.keyClick(page.focusWidget(), Qt.Key.Key_M)
    assert mode_of(page) is ViewMode.MONTH
    assert page.mode_buttons[ViewMode.MONTH].isChecked()
    wait_loaded(qtbot, page)


def test_the_chosen_view_is_remembered_next_time(
    qtbot: QtBot, services: Services, tmp_path: Path
) -> None:
    settings = QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat)
    first = replace(make_context(services), settings=settings)
    page = open_page(qtbot, first)
    assert mode_of(page) is ViewMode.MONTH
    qtbot.mouseClick(page.mode_buttons[ViewMode.WEEK], Qt.MouseButton.LeftButton)
    wait_loaded(qtbot, page)
    page.close()
    first.worker.wait()

    again = open_page(qtbot, replace(make_context(services), settings=settings))
    assert mode_of(again) is ViewMode.WEEK
    assert again.mode_buttons[ViewMode.WEEK].isChecked()
    again.context.worker.wait()


def test_week_keys_pick_events_and_enter_opens_one(qtbot: QtBot, page: CalendarPage) -> None:
    qtbot.mouseClick(page.mode_buttons[ViewMode.WEEK], Qt.MouseButton.LeftButton)
    wait_loaded(qtbot, page)
    page.focus_view()
    grid = page.week_view.grid
    qtbot.keyClick(grid, Qt.Key.Key_Left)  # Tuesday 24th
    qtbot.keyClick(grid, Qt.Key.Key_Left)  # Monday 23rd
    qtbot.keyClick(grid, Qt.Key.Key_Down)
    first = page.model.items_on(date(2026, 11, 23))[0]
    assert page.selected_key == first.key
    with qtbot.waitSignal(page.open_occurrence) as opened:
        qtbot.keyClick(grid, Qt.Key.Key_Return)
    assert opened.args == [first.event_id, first.recurrence_id]


def test_hiding_a_cause_hides_its_events(qtbot: QtBot, page: CalendarPage) -> None:
    food_bank = next(a for a in page.cause_actions() if a.text() == "Food bank")
    shelter = find_item(page, "Night shelter", date(2026, 11, 13))
    assert page.month_view.item_rect(shelter.key) is not None
    food_bank.trigger()
    assert page.month_view.item_rect(shelter.key) is None
    assert "Night shelter" not in titles(page)
    assert AWARENESS_STALL in titles(page)
    assert page.cause_button.text() == "6 of 7 causes"
    show_all = next(a for a in page.cause_menu.actions() if a.text() == "Show all causes")
    show_all.trigger()
    assert "Night shelter" in titles(page)
    assert page.cause_button.text() == "All causes"


def test_today_is_highlighted(qtbot: QtBot, page: CalendarPage) -> None:
    view = page.month_view
    image = view.grab().toImage()
    today = view.cell_rect(NOW.date())
    other = view.cell_rect(date(2026, 11, 17))
    assert today is not None and other is not None

    def empty_corner(rect: QRectF) -> QColor:
        return image.pixelColor(rect.bottomRight().toPoint() - QPoint(6, 6))

    highlight = view.palette().highlight().color()

    def distance(colour: QColor) -> int:
        return (
            abs(colour.red() - highlight.red())
            + abs(colour.green() - highlight.green())
            + abs(colour.blue() - highlight.blue())
        )

    # Today's cell is tinted towards the highlight colour; an ordinary day is not.
    assert distance(empty_corner(today)) < distance(empty_corner(other))


def test_the_month_is_laid_out_anew_for_a_new_size_and_for_fewer_weeks(
    qtbot: QtBot, page: CalendarPage
) -> None:
    """The month keeps where its cells, chips and labels go while its size stays; a resize,
    or a month of five or four weeks, places them all again: the cells tile the view,
    every chip and "+N more" sits in its day's cell, and the day numbers and grid lines
    are painted on the new cells."""
    view = page.month_view

    def check(weeks: int) -> None:
        view.ensure_laid_out()
        days = page.period.days
        assert len(days) == 7 * weeks
        cells = [view.cell_rect(day) for day in days]
        assert all(cell is not None for cell in cells)
        first, last = cast(QRectF, cells[0]), cast(QRectF, cells[-1])
        assert last.right() == pytest.approx(view.width())
        assert last.bottom() == pytest.approx(view.height())
        assert first.height() == pytest.approx((view.height() - view.header_height()) / weeks)
        for rect, item in view.hits:
            day = view.day_at(rect.center())
            assert day is not None and item in page.model.items_on(day)
            assert cast(QRectF, view.cell_rect(day)).contains(rect)
        for rect, day, _ in view.more_hits:
            assert cast(QRectF, view.cell_rect(day)).contains(rect.center())
        view.clearFocus()  # a new view has no keyboard focus to ring the selected day with
        image = view.grab().toImage()
        base = view.palette().base().color()
        line = image.pixelColor(round(first.right()), round(first.center().y()))
        assert line != base, "a grid line on the first cell's right edge"
        sixteenth = cast(QRectF, view.cell_rect(days[15]))  # a Tuesday in the month
        number = QRectF(sixteenth.left() + 4, sixteenth.top() + 2, 20, view.day_label_height())
        assert any(
            image.pixelColor(x, y) != base
            for x in range(int(number.left()), int(number.right()))
            for y in range(int(number.top()), int(number.bottom()))
        ), "its day number in the cell's corner"
        fresh = MonthView(page.model)
        qtbot.addWidget(fresh)
        fresh.resize(view.size())
        fresh.set_period(view.period, view.today)
        fresh.set_selection(view.selected_day, view.selected_key)
        rgb = QImage.Format.Format_RGB32
        assert fresh.grab().toImage().convertToFormat(rgb) == image.convertToFormat(rgb), (
            "the same as a month drawn by a new view"
        )

    check(weeks=6)  # November 2026
    kept = view.hits[0][0]
    view.relayout()
    view.ensure_laid_out()
    assert view.hits[0][0] is kept, "the same size places nothing anew"
    before = view.size()
    page.resize(1180, 560)
    qtbot.waitUntil(lambda: view.size() != before)
    check(weeks=6)
    page.go(6)  # May 2027: 26 April to 6 June, the same grid with other days
    wait_loaded(qtbot, page)
    check(weeks=6)
    page.go(-5)  # December 2026: 30 November to 3 January
    wait_loaded(qtbot, page)
    check(weeks=5)
    page.go(2)  # February 2027: 1 to 28 February
    wait_loaded(qtbot, page)
    check(weeks=4)


def test_a_month_painted_from_kept_pictures_looks_as_first_drawn(
    qtbot: QtBot, page: CalendarPage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first paint draws chips not seen before straight onto the screen; once the app
    is idle their pictures are kept and the next paint copies them: the same pixels, with
    the selected chip's ring and the other months' faded days."""
    monkeypatch.setattr(canvas, "_LOOKS", {})
    monkeypatch.setattr(canvas, "_CHIPS", canvas.KeptPixmaps(canvas.CHIP_BUDGET))
    view = page.month_view
    view.clearFocus()
    _, chosen = view.hits[len(view.hits) // 2]
    page.select_day(chosen.first_day, chosen.key)
    first = view.grab().toImage()
    QApplication.processEvents()
    assert len(canvas._CHIPS), "the pictures are kept once the app is idle"
    drawn_one_by_one: list[CalendarItem] = []
    paint = canvas.ChipStyle.paint

    def counted(style: canvas.ChipStyle, painter: Any, rect: Any, item: Any, *rest: Any) -> None:
        drawn_one_by_one.append(item)
        paint(style, painter, rect, item, *rest)

    monkeypatch.setattr(canvas.ChipStyle, "paint", counted)
    assert view.grab().toImage() == first
    faded = [item for item in drawn_one_by_one if not view.period.in_month(item.first_day)]
    assert chosen in drawn_one_by_one
    assert len(drawn_one_by_one) <= 1 + len(faded) + sum(
        1 for _, item in view.hits if item.cancelled
    ), "the others are copies of their pictures"
    assert len(drawn_one_by_one) < len(view.hits)


def test_chips_alike_in_words_keep_their_own_colour_and_draft_look(
    qtbot: QtBot, services: Services, context: ViewContext
) -> None:
    """A month copies one picture for every chip that looks the same; chips with the same
    time and title but another cause, or still a draft, are each drawn as themselves."""
    red = services.causes.create(CauseDraft("Red circle", "#D62728")).id
    blue = services.causes.create(CauseDraft("Blue circle", "#1F77B4")).id
    days = {date(2026, 11, 10): (red, EventStatus.SCHEDULED),
            date(2026, 11, 11): (blue, EventStatus.SCHEDULED),
            date(2026, 11, 12): (red, EventStatus.DRAFT),
            date(2026, 11, 13): (red, EventStatus.SCHEDULED)}  # fmt: skip
    for day, (cause, status) in days.items():
        draft = EventDraft("Twin", local(day, 6), local(day, 7), "Europe/London")
        services.events.create(replace(draft, cause_id=cause, status=status))
    page = open_page(qtbot, context)
    view = page.month_view
    view.clearFocus()
    view.grab()
    QApplication.processEvents()  # the pictures of the chips first seen are kept when idle
    image = view.grab().toImage()
    looks = {}
    for day in days:
        item = find_item(page, "Twin", day)
        rect = view.item_rect(item.key)
        assert rect is not None
        bar = image.pixelColor(QPoint(int(rect.left()) + 2, int(rect.center().y())))
        body = image.pixelColor(QPoint(int(rect.right()) - 4, int(rect.center().y())))
        looks[day] = (bar.name(), body.name())
    same, other_cause, drafted, again = looks.values()
    assert same == again, "the same look is the same picture"
    assert other_cause[0] != same[0], "the blue cause's bar"
    assert drafted != same, "a draft looks unlike a scheduled occurrence"


# Opening and creating ----------------------------------------------------------------------


def test_double_clicking_an_occurrence_asks_to_open_it(qtbot: QtBot, page: CalendarPage) -> None:
    stall = find_item(page, AWARENESS_STALL, date(2026, 11, 7))
    rect = page.month_view.item_rect(stall.key)
    assert rect is not None
    with qtbot.waitSignal(page.open_occurrence) as opened:
        qtbot.mouseDClick(page.month_view, Qt.MouseButton.LeftButton, pos=centre(rect))
    assert opened.args == [stall.event_id, datetime(2026, 11, 7, 10, 0, tzinfo=UTC)]


def test_double_clicking_an_empty_day_asks_to_create_there(
    qtbot: QtBot, page: CalendarPage
) -> None:
    cell = page.month_view.cell_rect(date(2026, 11, 17))
    assert cell is not None
    spot = cell.bottomLeft().toPoint() + QPoint(12, -12)
    with qtbot.waitSignal(page.create_event_at) as created:
        qtbot.mouseDClick(page.month_view, Qt.MouseButton.LeftButton, pos=spot)
    assert created.args == [local(date(2026, 11, 17), 10)]
    assert created.args[0].tzinfo is not None


def test_double_clicking_an_empty_week_slot_creates_at_that_half_hour(
    qtbot: QtBot, page: CalendarPage
) -> None:
    page.set_mode(ViewMode.WEEK)
    wait_loaded(qtbot, page)
    grid = page.week_view.grid
    tuesday = grid.column_rect(1, 0, grid.height())
    y = grid.y_of(15 * 60 + 40)  # 15:40 falls in the 15:30 slot
    page.week_view.scroll_area.ensureVisible(int(tuesday.center().x()), int(y))
    with qtbot.waitSignal(page.create_event_at) as created:
        qtbot.mouseDClick(
            grid, Qt.MouseButton.LeftButton, pos=QPoint(int(tuesday.center().x()), int(y))
        )
    assert created.args == [local(date(2026, 11, 24), 15, 30)]


def test_the_agenda_lists_place_and_fill_and_enter_opens(qtbot: QtBot, page: CalendarPage) -> None:
    qtbot.mouseClick(page.mode_buttons[ViewMode.AGENDA], Qt.MouseButton.LeftButton)
    wait_loaded(qtbot, page)
    model = page.model
    day = model.day_index(date(2026, 11, 27))
    rows = [model.index(row, 0, day) for row in range(model.rowCount(day))]
    food = next(i for i in rows if i.siblingAtColumn(TITLE_COLUMN).data().startswith("Friday"))
    assert food.siblingAtColumn(PLACE_COLUMN).data() == "Harbour Street Food Bank"
    assert food.siblingAtColumn(FILL_COLUMN).data().endswith("filled")
    item = food.data(OBJECT_ROLE)
    assert item.needed > 0
    view = page.agenda_view
    view.setFocus()
    view.setCurrentIndex(food)
    assert page.selected_key == item.key
    with qtbot.waitSignal(page.open_occurrence) as opened:
        qtbot.keyClick(view, Qt.Key.Key_Return)
    assert opened.args == [item.event_id, item.recurrence_id]


def test_more_opens_the_agenda_at_that_day(qtbot: QtBot, page: CalendarPage) -> None:
    view = page.month_view
    view.ensure_laid_out()
    rect, day, hidden = next(hit for hit in view.more_hits if hit[1] == date(2026, 11, 7))
    assert hidden >= 1
    in_the_cell = {item.title for item in page.model.items_on(day)}
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=centre(rect))
    assert mode_of(page) is ViewMode.AGENDA
    assert page.title_button.text() == "7 Nov – 4 Dec 2026"
    wait_loaded(qtbot, page)
    current = page.agenda_view.currentIndex()
    assert current.data(OBJECT_ROLE) == day
    # Every event of the day is listed (with the night shelter still running from Friday).
    assert in_the_cell <= {item.title for item in page.model.items_on(day)}


def test_tooltips_name_the_zone_an_event_was_planned_in(page: CalendarPage) -> None:
    item = find_item(page, "Online peer support with our New York partners", date(2026, 11, 26))
    tip = page.model.index_of(item.key).data(Qt.ItemDataRole.ToolTipRole)
    assert "19:00 in New York" in tip
    assert "00:00 – 01:30" in tip


# Moving -----------------------------------------------------------------------------------


def _drag_event(kind: Any, point: QPointF, mime: QMimeData) -> Any:
    """A drag event of ``kind`` at ``point`` (PySide6 6.11 takes a QPoint, later a QPointF)."""
    action = Qt.DropAction.MoveAction
    buttons, keys = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    try:
        return kind(point, action, mime, buttons, keys)
    except TypeError:
        return kind(point.toPoint(), action, mime, buttons, keys)


def send_drop(widget: ItemCanvas, pos: QPointF, mime: QMimeData) -> tuple[bool, bool]:
    """Deliver a real drag-enter, drag-move and drop to ``widget``; say which it accepted."""
    point = QPointF(pos.toPoint())
    enter = _drag_event(QDragEnterEvent, point, mime)
    QApplication.sendEvent(widget, enter)
    if not enter.isAccepted():
        return False, False
    QApplication.sendEvent(widget, _drag_event(QDragMoveEvent, point, mime))
    drop = _drag_event(QDropEvent, point, mime)
    QApplication.sendEvent(widget, drop)
    return True, drop.isAccepted()


def drag_with_mouse(
    qtbot: QtBot, source: ItemCanvas, start: QPoint, target: ItemCanvas, end: QPointF
) -> list[bool]:
    """Press on a chip, move past the drag distance, and let the drag land at ``end``."""
    landed: list[bool] = []

    def finish(drag: QDrag) -> Qt.DropAction:
        landed.extend(send_drop(target, end, drag.mimeData()))
        return Qt.DropAction.MoveAction

    source.exec_drag = finish  # type: ignore[method-assign]
    qtbot.mousePress(source, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(source, start + QPoint(QApplication.startDragDistance() + 8, 4))
    qtbot.mouseRelease(source, Qt.MouseButton.LeftButton, pos=start)
    return landed


def test_dragging_a_one_off_moves_it_and_undo_moves_it_back(
    qtbot: QtBot, page: CalendarPage, context: ViewContext, services: Services
) -> None:
    view = page.month_view
    stall = find_item(page, AWARENESS_STALL, date(2026, 11, 7))
    rect, target = view.item_rect(stall.key), view.cell_rect(date(2026, 11, 10))
    assert rect is not None and target is not None
    with qtbot.waitSignal(context.hub.changed) as announced:
        assert drag_with_mouse(qtbot, view, centre(rect), view, target.center()) == [True, True]
    qtbot.waitUntil(lambda: context.undo_stack.count() == 1)
    change = announced.args[0]
    assert change.touches("assignment"), "its bookings moved with it"
    assert change.ids == {"event": frozenset({stall.event_id})}
    moved = services.events.get(stall.event_id)
    assert moved.starts_at == datetime(2026, 11, 10, 10, 0, tzinfo=UTC)
    assert moved.ends_at == datetime(2026, 11, 10, 14, 0, tzinfo=UTC)
    assert context.undo_stack.undoText() == f"Move “{AWARENESS_STALL}”"
    wait_loaded(qtbot, page)
    qtbot.waitUntil(
        lambda: AWARENESS_STALL in {i.title for i in page.model.items_on(date(2026, 11, 10))}
    )
    assert page.selected_day == date(2026, 11, 10)

    undo(qtbot, context)
    assert services.events.get(stall.event_id).starts_at == stall.recurrence_id
    qtbot.waitUntil(
        lambda: AWARENESS_STALL in {i.title for i in page.model.items_on(date(2026, 11, 7))}
    )


def _drop_series_occurrence(qtbot: QtBot, page: CalendarPage) -> tuple[CalendarItem, QMessageBox]:
    view = page.month_view
    walk = find_item(page, SATURDAY_WALK, date(2026, 11, 21))
    target = view.cell_rect(date(2026, 11, 22))
    assert target is not None
    assert send_drop(view, target.center(), encode_drag(walk)) == (True, True)
    qtbot.waitUntil(lambda: page.question is not None and page.question.isVisible())
    assert page.question is not None
    return walk, page.question


def _answer(qtbot: QtBot, box: QMessageBox, text: str) -> None:
    button = next(b for b in box.findChildren(QPushButton) if b.text() == text)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_dragging_a_series_occurrence_can_move_only_that_one(
    qtbot: QtBot, page: CalendarPage, context: ViewContext, services: Services
) -> None:
    walk, box = _drop_series_occurrence(qtbot, page)
    assert "repeats" in box.text()
    _answer(qtbot, box, "Move only this occurrence")
    qtbot.waitUntil(lambda: context.undo_stack.count() == 1)
    start, stop = local(date(2026, 11, 14), 0), local(date(2026, 11, 30), 0)
    walks = {
        o.recurrence_id: o.starts_at
        for o in services.events.occurrences_between(start, stop)
        if o.event_id == walk.event_id
    }
    assert walks[walk.recurrence_id] == datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
    assert walks[datetime(2026, 11, 14, 10, 0, tzinfo=UTC)] == datetime(
        2026, 11, 14, 10, 0, tzinfo=UTC
    )
    assert walks[datetime(2026, 11, 28, 10, 0, tzinfo=UTC)] == datetime(
        2026, 11, 28, 10, 0, tzinfo=UTC
    )
    assert services.events.get(walk.event_id).rrule == "FREQ=WEEKLY;BYDAY=SA"
    qtbot.waitUntil(
        lambda: SATURDAY_WALK in {i.title for i in page.model.items_on(date(2026, 11, 22))}
    )

    undo(qtbot, context)
    back = services.events.occurrences_between(start, stop)
    assert any(o.event_id == walk.event_id and o.starts_at == walk.recurrence_id for o in back)


def test_dragging_a_series_occurrence_can_move_the_whole_series(
    qtbot: QtBot,
    page: CalendarPage,
    context: ViewContext,
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every walk moves to Sunday, except the Saturdays already worked: the series moves
    from its next date on (as the editor would), says so, and undo joins it back."""
    walk, box = _drop_series_occurrence(qtbot, page)
    with qtbot.waitSignal(context.hub.changed) as announced:
        _answer(qtbot, box, "Move every occurrence in the series")
    qtbot.waitUntil(lambda: context.undo_stack.count() == 1)
    change = announced.args[0]
    assert change.touches("assignment") and not change.ids, "the new series is news too"

    def walks() -> dict[date, int]:
        return {
            o.starts_at.date(): o.event_id
            for o in services.events.occurrences_between(
                local(date(2026, 11, 14), 0), local(date(2026, 12, 7), 0)
            )
            if o.title == SATURDAY_WALK
        }

    moved = walks()
    assert sorted(moved) == [date(2026, 11, 14), date(2026, 11, 21), date(2026, 11, 29),
                             date(2026, 12, 6)]  # fmt: skip
    assert moved[date(2026, 11, 21)] == walk.event_id
    assert moved[date(2026, 11, 29)] != walk.event_id, "the Sundays are a series of their own"
    assert services.events.get(moved[date(2026, 11, 29)]).rrule == "FREQ=WEEKLY;BYDAY=SU"
    notice = next(
        box
        for box in page.findChildren(QMessageBox)
        if box.windowTitle() == "Moved from a later date"
    )
    assert "The changes apply from Saturday 28 November 2026 on." in notice.text()
    # A busy series takes hundreds of bookings along: undo must not freeze the window.
    restore, restored_on = services.series.restore, []

    def watched(*args: Any, **kwargs: Any) -> Any:
        restored_on.append(threading.current_thread())
        return restore(*args, **kwargs)

    monkeypatch.setattr(services.series, "restore", watched)
    undo(qtbot, context)
    assert restored_on and threading.main_thread() not in restored_on
    assert services.events.get(walk.event_id).rrule == "FREQ=WEEKLY;BYDAY=SA"
    assert set(walks().values()) == {walk.event_id}
    assert sorted(walks()) == [date(2026, 11, 14), date(2026, 11, 21), date(2026, 11, 28),
                               date(2026, 12, 5)]  # fmt: skip


def test_cancelling_the_question_moves_nothing(
    qtbot: QtBot, page: CalendarPage, context: ViewContext, services: Services
) -> None:
    walk, box = _drop_series_occurrence(qtbot, page)
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: page.question is None or not box.isVisible())
    assert context.undo_stack.count() == 0
    assert services.events.get(walk.event_id).version == walk.event_version


def test_dragging_in_the_week_moves_to_the_time_dropped_on(
    qtbot: QtBot, page: CalendarPage, context: ViewContext, services: Services
) -> None:
    page.select_day(date(2026, 11, 18))
    page.set_mode(ViewMode.WEEK)
    wait_loaded(qtbot, page)
    grid = page.week_view.grid
    catch_up = find_item(page, CATCH_UP, date(2026, 11, 18))
    rect = grid.item_rect(catch_up.key)
    assert rect is not None
    thursday = grid.column_rect(3, 0, grid.height())
    grab = QPointF(rect.center().x(), rect.top() + 4)
    drop = QPointF(thursday.center().x(), grid.y_of(15 * 60) + 4)
    page.week_view.scroll_area.ensureVisible(int(grab.x()), int(grab.y()))
    assert drag_with_mouse(qtbot, grid, grab.toPoint(), grid, drop) == [True, True]
    qtbot.waitUntil(lambda: context.undo_stack.count() == 1)
    moved = services.events.get(catch_up.event_id)
    assert moved.starts_at == datetime(2026, 11, 19, 15, 0, tzinfo=UTC)
    assert moved.ends_at == datetime(2026, 11, 19, 16, 0, tzinfo=UTC)


def test_a_read_only_calendar_refuses_drops_and_creation(qtbot: QtBot, services: Services) -> None:
    context = make_context(services, read_only=True)
    page = open_page(qtbot, context)
    view = page.month_view
    stall = find_item(page, AWARENESS_STALL, date(2026, 11, 7))
    target = view.cell_rect(date(2026, 11, 10))
    assert target is not None
    assert send_drop(view, target.center(), encode_drag(stall)) == (False, False)
    cell = view.cell_rect(date(2026, 11, 17))
    assert cell is not None
    with qtbot.assertNotEmitted(page.create_event_at):
        qtbot.mouseDClick(view, Qt.MouseButton.LeftButton, pos=centre(cell))
    assert services.events.get(stall.event_id).starts_at == stall.recurrence_id
    context.worker.wait()


def test_a_move_based_on_an_old_copy_is_refused_with_a_message(
    qtbot: QtBot, page: CalendarPage, context: ViewContext, services: Services
) -> None:
    stall = find_item(page, AWARENESS_STALL, date(2026, 11, 7))
    event = services.events.get(stall.event_id)
    other = Services.for_database(services.events.db, "Priya")
    other.events.update(event.id, event.version, draft_of(event, title="Awareness stall"))
    target = page.month_view.cell_rect(date(2026, 11, 10))
    assert target is not None
    send_drop(page.month_view, target.center(), encode_drag(stall))

    def warning() -> QMessageBox | None:
        boxes = [b for b in page.findChildren(QMessageBox) if b.isVisible()]
        return boxes[0] if boxes else None

    qtbot.waitUntil(lambda: warning() is not None)
    box = warning()
    assert box is not None and "Priya" in box.text()
    assert context.undo_stack.count() == 0
    box.accept()
    qtbot.waitUntil(lambda: "Awareness stall" in titles(page))


# Staying up to date -----------------------------------------------------------------------


def test_a_change_elsewhere_reloads_and_keeps_the_selection(
    qtbot: QtBot, page: CalendarPage, context: ViewContext, services: Services
) -> None:
    stall = find_item(page, AWARENESS_STALL, date(2026, 11, 7))
    rect = page.month_view.item_rect(stall.key)
    assert rect is not None
    qtbot.mouseClick(page.month_view, Qt.MouseButton.LeftButton, pos=centre(rect))
    assert page.selected_key == stall.key
    event = services.events.get(stall.event_id)
    services.events.update(event.id, event.version, draft_of(event, status=EventStatus.CANCELLED))
    context.hub.announce(DataChange.of("Priya", event=event.id, by_me=False))
    qtbot.waitUntil(lambda: find_item(page, AWARENESS_STALL, date(2026, 11, 7)).cancelled)
    assert page.selected_key == stall.key
    assert page.month_view.selected_item() is not None


def test_cause_names_are_read_again_only_when_causes_or_places_change(
    qtbot: QtBot,
    page: CalendarPage,
    context: ViewContext,
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Another coordinator renaming a cause shows at once; an edit to an event re-reads the
    month but not the cause and place names, which it cannot have changed."""
    stall = find_item(page, AWARENESS_STALL, date(2026, 11, 7))
    assert stall.cause_id is not None
    label_reads: list[int] = []
    reading = services.events.calendar_labels

    def counted() -> Any:
        label_reads.append(1)
        return reading()

    monkeypatch.setattr(services.events, "calendar_labels", counted)
    event = services.events.get(stall.event_id)
    services.events.update(event.id, event.version, draft_of(event, title="Awareness stall!"))
    context.hub.announce(DataChange.of("Priya", event=event.id, by_me=False))
    qtbot.waitUntil(lambda: "Awareness stall!" in titles(page), timeout=10_000)
    assert label_reads == []

    cause = services.causes.get(stall.cause_id)
    services.causes.update(
        cause.id, cause.version, CauseDraft(name="Open-air outreach", colour=cause.colour)
    )
    context.hub.announce(DataChange.of("Priya", cause=cause.id, by_me=False))
    qtbot.waitUntil(
        lambda: (
            find_item(page, "Awareness stall!", date(2026, 11, 7)).cause_name == "Open-air outreach"
        ),
        timeout=10_000,
    )
    assert label_reads


def test_a_series_renamed_elsewhere_is_read_again_alone_and_renamed_in_every_month(
    qtbot: QtBot,
    page: CalendarPage,
    context: ViewContext,
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each event's own values are read once and kept as months are read; a change to one
    event forgets its values only, so the months read after show the new ones."""
    qtbot.waitUntil(lambda: not page.ahead_timer.isActive() and not context.worker.busy)
    after = step(ViewMode.MONTH, page.anchor, 1)
    next_month = period_for(ViewMode.MONTH, after)
    later = {
        row[0]
        for row in services.events.occurrence_rows(
            local_at(next_month.first, time(0)), local_at(next_month.end, time(0))
        )
    }
    series = next(i for i in page.model.visible_items() if i.is_recurring and i.event_id in later)
    asked = count_event_reads(monkeypatch)
    event = services.events.get(series.event_id)
    services.events.update(event.id, event.version, draft_of(event, title="Tuesday circle"))
    context.hub.announce(DataChange.of("Priya", event=event.id, by_me=False))
    qtbot.waitUntil(lambda: "Tuesday circle" in titles(page), timeout=10_000)
    assert series.title not in titles(page)
    qtbot.waitUntil(lambda: not page.ahead_timer.isActive() and not context.worker.busy)
    assert asked == [{event.id}], "the other events' values were kept"
    page.next_button.click()
    wait_loaded(qtbot, page)
    assert "Tuesday circle" in titles(page) and series.title not in titles(page)


def test_a_cause_given_a_new_colour_shows_it_in_the_cause_menu(
    qtbot: QtBot, page: CalendarPage, context: ViewContext, services: Services
) -> None:
    """The filter menu's dot follows a cause's new colour, as its chips do."""
    stall = find_item(page, AWARENESS_STALL, date(2026, 11, 7))
    assert stall.cause_id is not None

    def dot() -> QColor:
        action = next(a for a in page.cause_actions() if a.data() == stall.cause_id)
        image = action.icon().pixmap(16, 16).toImage()
        return image.pixelColor(8, 8)

    assert dot().name() == stall.colour.lower()
    cause = services.causes.get(stall.cause_id)
    services.causes.update(cause.id, cause.version, CauseDraft(name=cause.name, colour="#118844"))
    context.hub.announce(DataChange.of("Priya", cause=cause.id, by_me=False))
    qtbot.waitUntil(lambda: dot().name() == "#118844", timeout=10_000)
    assert find_item(page, AWARENESS_STALL, date(2026, 11, 7)).colour == "#118844"


def test_the_week_makes_room_for_all_day_events_that_arrived_while_it_was_hidden(
    qtbot: QtBot,
) -> None:
    """The week's all-day strip skips its sums while the month is on show, and catches up
    when shown: two overlapping all-day events get a lane each."""
    from organizer.ui.calendar.week_view import WeekView

    model = CalendarModel()
    week = WeekView(model)
    qtbot.addWidget(week)
    monday = date(2026, 11, 23)
    week.set_period(period_for(ViewMode.WEEK, monday), monday)
    week.show()
    qtbot.waitExposed(week)
    one_lane = week.header.height()
    week.hide()
    items = (
        _item("Food drive", local(monday, 0), local(monday, 0) + timedelta(days=3), all_day=True),
        _item(
            "Winter fair",
            local(monday, 0) + timedelta(days=1),
            local(monday, 0) + timedelta(days=3),
            all_day=True,
        ),
    )
    model.set_data(CalendarData.of_items(monday, monday + timedelta(days=7), items, ()))
    assert week.header.height() == one_lane, "hidden, the strip was left alone"
    week.show()
    qtbot.waitUntil(lambda: week.header.height() > one_lane, timeout=5_000)
    assert week.header.height() - one_lane >= week.header.chip_height()


def test_a_volunteer_change_does_not_reload_the_month(
    qtbot: QtBot, page: CalendarPage, context: ViewContext
) -> None:
    shown = page.model.data_set
    context.hub.announce(DataChange.of("Tester", "volunteer"))
    assert not page.loader.loading
    assert page.model.data_set is shown


def test_drag_payload_round_trips(page: CalendarPage) -> None:
    stall = find_item(page, AWARENESS_STALL, date(2026, 11, 7))
    decoded = decode_drag(encode_drag(stall, timedelta(minutes=20)))
    assert decoded == (stall.key, timedelta(minutes=20))
    assert decode_drag(QMimeData()) is None
    assert wall_delta(stall, local(date(2026, 11, 10), 10)) == timedelta(days=3)


# Rendering --------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", list(ViewMode))
def test_each_view_renders(
    qtbot: QtBot, page: CalendarPage, mode: ViewMode, tmp_path: Path
) -> None:
    page.set_mode(mode)
    wait_loaded(qtbot, page)
    qtbot.waitUntil(page.views.updatesEnabled)
    image = page.grab().toImage()
    assert image.save(str(tmp_path / f"calendar-{mode.value}.png"))
    colours = {
        image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)
    }
    assert len(colours) > 20
    assert period_title(page.period) == page.title_button.text()


def _item(
    title: str,
    starts: datetime,
    ends: datetime,
    *,
    all_day: bool = False,
    last_day: date | None = None,
) -> CalendarItem:
    return CalendarItem(
        event_id=hash(title) % 1000,
        recurrence_id=starts.astimezone(UTC),
        starts_at=starts,
        ends_at=ends,
        title=title,
        timezone="Europe/London",
        all_day=all_day,
        status=EventStatus.SCHEDULED,
        cause_id=None,
        cause_name="",
        colour="",
        location_name="",
        is_recurring=False,
        event_version=1,
        first_day=starts.date(),
        last_day=last_day or (ends - timedelta(microseconds=1)).date(),
    )


def test_crowded_hours_show_how_many_more_there_are() -> None:
    day = date(2026, 11, 26)
    items = [_item(f"Session {n}", local(day, 10), local(day, 12)) for n in range(6)]
    placed, overflow = cap_lanes(place_in_day(day, items), 3)
    assert len(placed) == 2 and all(p.lanes == 3 for p in placed)
    assert len(overflow) == 1
    assert (overflow[0].start_minute, overflow[0].end_minute, overflow[0].count) == (600, 720, 4)
    roomy, none = cap_lanes(place_in_day(day, items[:2]), 3)
    assert len(roomy) == 2 and none == []


def test_tab_goes_from_the_header_to_the_calendar(qtbot: QtBot, page: CalendarPage) -> None:
    page.next_button.setFocus()
    qtbot.keyClick(page.next_button, Qt.Key.Key_Tab)
    assert page.focusWidget() is page.title_button
    qtbot.keyClick(page.title_button, Qt.Key.Key_Tab)
    assert page.focusWidget() is page.cause_button
    header = (page.previous_button, page.today_button, page.next_button, page.title_button)
    for control in (*header, page.cause_button):
        assert control.accessibleName()
    assert page.title_button.accessibleName() == "November 2026", "named as it reads"
    assert all(button.accessibleName() for button in page.mode_buttons.values())
    page.mode_buttons[ViewMode.AGENDA].setFocus()
    qtbot.keyClick(page.mode_buttons[ViewMode.AGENDA], Qt.Key.Key_Tab)
    assert page.focusWidget() is page.month_view
