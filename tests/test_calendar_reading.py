"""The calendar's fast read path gives exactly what the plain one would.

Rules that repeat every fixed number of days are stepped through directly (and skipped
ahead) instead of by dateutil; the month view builds its items from plain rows.  Each is
checked here against an independent reference: dateutil itself, a brute-force expansion
of the sample data with its changed occurrences, and a day-by-day grouping.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from itertools import islice
from operator import itemgetter
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter, QPalette
from PySide6.QtWidgets import QApplication
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from organizer.demo import generate_demo
from organizer.models import Event, EventStatus
from organizer.models.ids import EventId
from organizer.recurrence import _ending, periodic, skip_ahead, walk
from organizer.services import CauseDraft, EventDraft, LocationDraft, Services
from organizer.services.events import OccurrenceInfo, OccurrenceTuple
from organizer.services.occurrence_table import OccurrenceTable, spans_days
from organizer.services.occurrences import stored_horizon
from organizer.storage import Database, create_database
from organizer.ui.calendar.items import (
    CalendarItem,
    ItemBuilder,
    LazyDay,
    day_order,
    group_by_day,
    lazy_days,
    load_calendar,
)
from organizer.ui.calendar.loader import RangeKey
from organizer.ui.calendar.periods import ViewMode, period_for
from tests.pg_fixtures import pg_server, pg_url

__all__ = ["pg_server", "pg_url"]

ZONES = [
    "Europe/London",
    "America/New_York",
    "Australia/Sydney",
    "America/Sao_Paulo",
    "Pacific/Chatham",
    "UTC",
]
DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


@st.composite
def rules(draw: st.DrawFn) -> str:
    """Daily and weekly rules (mostly ones stepped directly, some left to dateutil)."""
    freq = draw(st.sampled_from(["DAILY", "WEEKLY"]))
    parts = [f"FREQ={freq}"]
    interval = draw(st.integers(1, 4))
    if interval > 1 or draw(st.booleans()):
        parts.append(f"INTERVAL={interval}")
    if freq == "WEEKLY" and draw(st.booleans()):
        days = draw(st.lists(st.sampled_from(DAYS), min_size=1, max_size=7, unique=True))
        parts.append("BYDAY=" + ",".join(days))
    if freq == "WEEKLY" and draw(st.booleans()):
        parts.append("WKST=" + draw(st.sampled_from(DAYS)))
    if draw(st.booleans()):
        until = draw(st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2029, 1, 1)))
        parts.append(f"UNTIL={until:%Y%m%dT%H%M%S}Z")
    extra = draw(st.sampled_from(["", "", "", "COUNT=9", "BYDAY=MO,FR", "BYHOUR=9"]))
    clashes = {"BYDAY": "BYDAY", "COUNT": "UNTIL"}.get(extra.split("=")[0])
    if extra and not (clashes and any(p.startswith(clashes) for p in parts)):
        parts.append(extra)
    return ";".join(parts)


def shown(found: list[datetime]) -> list[tuple[datetime, object, int]]:
    """Local starts with their zone and fold, which plain equality would not compare."""
    return [(moment.replace(tzinfo=None), moment.tzinfo, moment.fold) for moment in found]


@settings(max_examples=300, deadline=None)
@given(
    rule=rules(),
    zone_name=st.sampled_from(ZONES),
    first=st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2027, 12, 31)),
    ahead=st.integers(-20, 900),
    hours=st.integers(0, 23),
)
def test_stepping_a_rule_gives_what_dateutil_gives(
    rule: str, zone_name: str, first: datetime, ahead: int, hours: int
) -> None:
    """Whatever the rule, zone and clock changes, the fast walk (skipped ahead or not)
    lists the same local starts as dateutil walking from the series' start."""
    tz = ZoneInfo(zone_name)
    start = first.replace(tzinfo=tz).astimezone(UTC).astimezone(tz)
    search_from = (start + timedelta(days=ahead, hours=hours)).astimezone(tz)
    reference = list(islice(rrulestr(rule, dtstart=start).xafter(search_from, inc=True), 25))
    assert shown(list(islice(walk(rule, start, search_from), 25))) == shown(reference)
    skipped = skip_ahead(rule, start, search_from)
    assert skipped == start or start <= skipped <= search_from
    assert shown(list(islice(walk(rule, skipped, search_from), 25))) == shown(reference)


@pytest.mark.parametrize(
    ("rule", "steps"),
    [
        ("FREQ=WEEKLY;BYDAY=WE", True),
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,FR;WKST=SU", True),
        ("FREQ=DAILY;INTERVAL=3;UNTIL=20300101T000000Z", True),
        ("FREQ=MONTHLY;BYDAY=1SA", False),
        ("FREQ=WEEKLY;COUNT=10", False),
        ("FREQ=DAILY;BYDAY=MO", False),
        ("FREQ=WEEKLY;UNTIL=20300101", False),
    ],
)
def test_only_rules_that_repeat_exactly_are_stepped(rule: str, steps: bool) -> None:
    assert (periodic(rule) is not None) is steps


# The sample data, read through the calendar -------------------------------------------------

TODAY = date(2026, 3, 2)


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Database:
    """The small sample organisation, with occurrences retitled, cancelled, moved, removed."""
    db = create_database(tmp_path_factory.mktemp("reading") / "sample.organizer")
    generate_demo(db, scale="small", seed=3, start=TODAY)
    services = Services.for_database(db, "tester")
    start = datetime.combine(TODAY, datetime.min.time(), UTC)
    series = [
        o
        for o in services.events.occurrences_between(start, start + timedelta(days=60))
        if o.is_recurring
    ]
    chosen: dict[int, OccurrenceInfo] = {}
    for occurrence in series:
        chosen.setdefault(occurrence.event_id, occurrence)
    changes = list(chosen.values())[:8]
    assert len(changes) >= 4, "the sample data has too few series to change"
    for n, occurrence in enumerate(changes):
        version = services.events.get(occurrence.event_id).version
        if n % 4 == 0:
            services.events.change_occurrence(
                occurrence.event_id, version, occurrence.recurrence_id, title="Moved indoors"
            )
        elif n % 4 == 1:
            services.events.change_occurrence(
                occurrence.event_id,
                version,
                occurrence.recurrence_id,
                status=EventStatus.CANCELLED,
            )
        elif n % 4 == 2:
            services.events.change_occurrence(
                occurrence.event_id,
                version,
                occurrence.recurrence_id,
                starts_at=occurrence.starts_at + timedelta(days=2, hours=1),
                ends_at=occurrence.ends_at + timedelta(days=2, hours=1),
            )
        else:
            services.events.remove_occurrence(
                occurrence.event_id, version, occurrence.recurrence_id
            )
    return db


Row = tuple[int, datetime, datetime, datetime, str, EventStatus, bool]


def brute_force(db: Database, start: datetime, end: datetime) -> list[Row]:
    """Every occurrence overlapping the window, walking each rule from its first start."""
    found: list[Row] = []
    with db.read() as session:
        events = session.scalars(
            select(Event).options(selectinload(Event.exceptions), selectinload(Event.overrides))
        ).all()
        for event in events:
            if not event.rrule:
                if event.starts_at < end and event.ends_at > start:
                    found.append(
                        (
                            event.id,
                            event.starts_at,
                            event.starts_at,
                            event.ends_at,
                            event.title,
                            event.status,
                            False,
                        )
                    )
                continue
            tz = ZoneInfo(event.timezone)
            local_start = event.starts_at.astimezone(tz)
            end_of = _ending(local_start, event.ends_at, tz)
            removed = {e.occurrence_start for e in event.exceptions}
            changed = {o.recurrence_id: o for o in event.overrides}
            for local in rrulestr(event.rrule, dtstart=local_start):
                recurrence_id = local.astimezone(UTC)
                if recurrence_id >= end + timedelta(days=10):
                    break
                if recurrence_id in removed:
                    continue
                starts, ends = recurrence_id, end_of(local)
                title, status = event.title, event.status
                override = changed.get(recurrence_id)
                if override is not None:
                    starts = override.starts_at or starts
                    ends = override.ends_at or ends
                    title = override.title or title
                    status = override.status or status
                if starts < end and ends > start:
                    found.append((event.id, recurrence_id, starts, ends, title, status, True))
    return sorted(found, key=lambda row: (row[2], row[4], row[0]))


def windows(db: Database) -> list[tuple[datetime, datetime]]:
    """Six-week months from before today to past the stored horizon."""
    with db.read() as session:
        horizon = stored_horizon(session)
    first = datetime.combine(TODAY, datetime.min.time(), UTC) - timedelta(days=30)
    found = [(first + timedelta(days=35 * n), first + timedelta(days=35 * n + 42)) for n in (0, 1)]
    for days in (-21, 200, 230, 640):
        found.append((horizon + timedelta(days=days), horizon + timedelta(days=days + 42)))
    return found


def test_occurrences_read_fast_match_a_brute_force_expansion(sample: Database) -> None:
    """Retitled, cancelled, moved and removed occurrences, months before and beyond the
    stored horizon, paged through in order (as the calendar pages) and looked at afresh."""
    paging = Services.for_database(sample, "tester").events
    for start, end in windows(sample):
        expected = brute_force(sample, start, end)
        assert expected
        for events in (paging, Services.for_database(sample, "someone else").events):
            got = [
                (r[0], r[1], r[2], r[3], r[4], r[7], r[10])
                for r in events.occurrence_rows(start, end)
            ]
            assert got == expected
            infos = events.occurrences_between(start, end, include_cancelled=False)
            assert [(o.event_id, o.recurrence_id) for o in infos] == [
                (r[0], r[1]) for r in expected if r[5] != EventStatus.CANCELLED
            ]
    changed = [r for s, e in windows(sample)[:2] for r in brute_force(sample, s, e)]
    assert any(r[4] == "Moved indoors" for r in changed)
    assert any(r[5] == EventStatus.CANCELLED for r in changed)


def test_the_month_shows_each_occurrence_in_local_time_on_its_days(sample: Database) -> None:
    services = Services.for_database(sample, "tester")
    causes = {c.id: c for c in services.causes.list()}
    places = {p.id: p.name for p in services.locations.list()}
    for start, end in windows(sample)[1:4]:
        first, stop = start.date(), end.date()
        data = load_calendar(services, first, stop, start, end, fill=False)
        infos = services.events.occurrences_between(start, end)
        assert [(i.event_id, i.recurrence_id) for i in data.items] == [
            (o.event_id, o.recurrence_id) for o in infos
        ]
        for item, info in zip(data.items, infos, strict=True):
            assert item.starts_at == info.starts_at
            assert item.starts_at.utcoffset() == info.starts_at.astimezone().utcoffset()
            assert (item.title, item.status, item.all_day) == (
                info.title,
                info.status,
                info.all_day,
            )
            cause = causes.get(info.cause_id) if info.cause_id is not None else None
            assert item.colour == (cause.colour if cause else "")
            assert item.location_name == places.get(info.location_id, "")  # type: ignore[arg-type]
            assert item.spans_days == (
                info.all_day or info.ends_at - info.starts_at >= timedelta(days=1)
            )
        assert {day: list(items) for day, items in data.by_day.items()} == day_by_day(
            data.items, first, stop
        )


def test_a_month_makes_only_what_is_drawn_and_a_week_or_a_month_ahead_everything(
    sample: Database,
) -> None:
    services = Services.for_database(sample, "tester")
    start, end = windows(sample)[1]
    first, stop = start.date(), end.date()
    month = load_calendar(services, first, stop, start, end, fill=False)
    busy = max(month.by_day.values(), key=len)
    assert isinstance(busy, LazyDay) and len(busy) > 3
    assert busy.made == 0  # counted, but nothing made yet
    shown = busy[:3]
    assert 0 < busy.made <= 3 < len(busy)
    assert list(busy)[:3] == shown
    assert busy.made > 3  # every one, once all are asked for
    ready = load_calendar(services, first, stop, start, end, fill=False, make_all=True)
    assert all(type(items) is list for items in ready.by_day.values())
    assert {day: list(items) for day, items in month.by_day.items()} == ready.by_day
    today = TODAY
    assert RangeKey.of(period_for(ViewMode.MONTH, today), fill=False).first_few
    assert not RangeKey.of(period_for(ViewMode.WEEK, today), fill=False).first_few


def day_by_day(
    items: Sequence[CalendarItem], first: date, end: date
) -> dict[date, list[CalendarItem]]:
    """The grouping worked out one day at a time."""
    days: dict[date, list[CalendarItem]] = {}
    day = first
    while day < end:
        listed = [
            item
            for item in items
            if (item.first_day <= day <= item.last_day if item.spans_days else False)
            or (
                not item.spans_days and day == max(item.first_day, first) and item.last_day >= first
            )
        ]
        if listed:
            days[day] = sorted(listed, key=day_order)
        day += timedelta(days=1)
    return days


def test_grouping_keeps_each_days_order() -> None:
    london = ZoneInfo("Europe/London")
    friday = date(2026, 6, 5)

    def item(
        n: int, title: str, start: datetime, hours: float, all_day: bool = False
    ) -> CalendarItem:
        ends = start + timedelta(hours=hours)
        return CalendarItem(
            n,
            start,
            start,
            ends,
            title,
            "Europe/London",
            all_day,
            EventStatus.SCHEDULED,
            None,
            "",
            "",
            "",
            False,
            1,
            start.date(),
            max(start.date(), (ends - timedelta(microseconds=1)).date()),
        )

    at = datetime(2026, 6, 5, 18, tzinfo=london)
    items = (
        item(1, "Supper", at, 2),
        item(2, "Fair", datetime(2026, 6, 5, tzinfo=london), 72, all_day=True),
        item(3, "Breakfast", at - timedelta(hours=10), 1),
        item(4, "Night shelter", at + timedelta(hours=3), 10),
        item(5, "Apple", at, 2),
    )
    days = group_by_day(items, friday, friday + timedelta(days=7))
    assert [i.title for i in days[friday]] == [
        "Fair",
        "Breakfast",
        "Apple",
        "Supper",
        "Night shelter",
    ]
    assert [i.title for i in days[friday + timedelta(days=1)]] == ["Fair"]
    assert days == day_by_day(items, friday, friday + timedelta(days=7))


ORDER = itemgetter(2, 4, 0, 1)


def same(value: Any) -> Any:
    return value


def in_order(rows: Sequence[OccurrenceTuple]) -> list[OccurrenceTuple]:
    return sorted(rows, key=ORDER)


LENGTHS = [timedelta(minutes=30), timedelta(hours=23, minutes=59), timedelta(days=1),
           timedelta(hours=26), timedelta(days=3)]  # fmt: skip

occurrences = st.lists(
    st.tuples(
        st.integers(0, 3),  # event
        # The start, in half hours from the first midnight: often at the same few times.
        st.integers(-30, 4 * 24 * 2) | st.sampled_from([-2, 0, 20, 68, 116, 164]),
        st.sampled_from(LENGTHS[:2]) | st.sampled_from(LENGTHS),
        st.sampled_from(["Sort", "sort", "Apple", "Zumba"]),
        st.sampled_from([False, False, False, True]),  # all day
    ),
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(
    made=occurrences,
    asks=st.lists(st.tuples(st.integers(0, 3), st.integers(0, 6)), max_size=12),
)
def test_a_day_made_as_it_is_asked_for_lists_what_making_every_item_lists(
    made: list[tuple[int, int, timedelta, str, bool]], asks: list[tuple[int, int]]
) -> None:
    """Whichever first few of whichever days are asked for first, in whatever order."""
    first = date(2026, 10, 23)  # the clocks go back in London and Sydney within these days
    end = first + timedelta(days=4)
    midnight = datetime.combine(first, datetime.min.time()).astimezone()
    last = datetime.combine(end, datetime.min.time()).astimezone()
    rows: list[OccurrenceTuple] = []
    for event, half_hours, length, title, all_day in made:
        starts = (midnight + timedelta(minutes=30 * half_hours)).astimezone(UTC)
        if any(row[0] == event and row[1] == starts for row in rows):
            continue
        if not (starts < last and starts + length > midnight):
            continue  # not read for these days
        rows.append((EventId(event), starts, starts, starts + length, title, "UTC", all_day,
                     EventStatus.SCHEDULED, None, None, True, False, 1))  # fmt: skip
    rows.sort(key=ORDER)  # as occurrence_rows lists them
    builder = ItemBuilder({}, {})
    expected = group_by_day(builder.all(rows, {}), first, end)
    # Kept by start alone, those starting together the wrong way round.
    timed = sorted((row for row in rows if not spans_days(row)), key=ORDER, reverse=True)
    timed.sort(key=itemgetter(2))
    spanning = [row for row in rows if spans_days(row)]
    table = OccurrenceTable(spanning, [row[2] for row in timed], timed, same, in_order, same)
    days = lazy_days(builder.all(table.spanning, {}), table, builder, first, end)
    assert sorted(days) == sorted(expected)
    assert {day: len(items) for day, items in days.items()} == {
        day: len(items) for day, items in expected.items()
    }
    for which, count in asks:
        day = first + timedelta(days=which)
        if day in days:
            assert days[day][:count] == expected[day][:count]
            if count < len(days[day]):
                assert days[day][count] == expected[day][count]
                assert days[day][-1 - count] == expected[day][-1 - count]
    assert {day: list(items) for day, items in days.items()} == expected


def test_the_month_table_sorts_out_the_day_long_occurrences(tmp_path: Path) -> None:
    """A day to the minute spans days; a minute less does not, wherever the clock is."""
    db = create_database(tmp_path / "lengths.organizer")
    try:
        events = Services.for_database(db, "Sam").events
        for zone in ("Europe/London", "Australia/Sydney", "America/New_York"):
            there = ZoneInfo(zone)
            for n, length in enumerate(LENGTHS):
                for hour in (0, 9, 23):
                    starts = datetime(2026, 3, 2 + n, hour, tzinfo=there)
                    events.create(
                        EventDraft(
                            title=f"{zone} {length} {hour}",
                            starts_at=starts,
                            ends_at=starts + length,
                            timezone=zone,
                            all_day=hour == 0 and length == timedelta(days=1),
                        )
                    )
        start = datetime(2026, 2, 27, tzinfo=UTC)
        table = events.occurrence_table(start, start + timedelta(days=42))
        spanning = {row[4] for row in table.spanning}
        timed = {row[4] for row in table.timed(0, len(table))}
        assert len(spanning) + len(timed) == 3 * len(LENGTHS) * 3
        for name in spanning | timed:
            long = not name.split()[1].startswith(("0:30", "23:59"))
            assert (name in spanning) == long, name
    finally:
        db.close()


def test_the_fast_read_works_on_a_server_database(pg_url: str) -> None:
    """The same reading against PostgreSQL: changed occurrences, labels, past the horizon."""
    db = create_database(pg_url)
    try:
        services = Services.for_database(db, "Sam")
        cause = services.causes.create(CauseDraft(name="Food bank"))
        place = services.locations.create(LocationDraft(name="Church hall"))
        london = ZoneInfo("Europe/London")
        event = services.events.create(
            EventDraft(
                title="Saturday sort",
                starts_at=datetime(2026, 3, 7, 9, 30, tzinfo=london),
                ends_at=datetime(2026, 3, 7, 12, tzinfo=london),
                timezone="Europe/London",
                cause_id=cause.id,
                location_id=place.id,
                rrule="FREQ=WEEKLY;BYDAY=SA,SU",
            )
        )
        services.events.create(
            EventDraft(
                title="Repair café",
                starts_at=datetime(2026, 3, 7, 14, tzinfo=london),
                ends_at=datetime(2026, 3, 7, 16, tzinfo=london),
                timezone="Europe/London",
                rrule="FREQ=MONTHLY;BYDAY=1SA",
            )
        )
        first = datetime(2026, 3, 14, 9, 30, tzinfo=london).astimezone(UTC)
        event = services.events.change_occurrence(
            event.id, event.version, first, title="Sort in the yard"
        )
        second = first + timedelta(days=1)
        event = services.events.change_occurrence(
            event.id, event.version, second, status=EventStatus.CANCELLED
        )
        services.events.remove_occurrence(event.id, event.version, first + timedelta(days=7))
        labels, places = services.events.calendar_labels()
        assert labels == [(cause.id, "Food bank", cause.colour)]
        assert places == {place.id: "Church hall"}
        with db.read() as session:
            horizon = stored_horizon(session)
        start = datetime(2026, 3, 1, tzinfo=UTC)
        for begin in (start, horizon - timedelta(days=10), horizon + timedelta(days=300)):
            expected = brute_force(db, begin, begin + timedelta(days=42))
            got = services.events.occurrence_rows(begin, begin + timedelta(days=42))
            assert [(r[0], r[1], r[2], r[3], r[4], r[7], r[10]) for r in got] == expected
            assert {r[4] for r in got} >= {"Saturday sort", "Repair café"}
        near = [
            r
            for r in services.events.occurrence_rows(start, start + timedelta(days=42))
            if r[0] == event.id
        ]
        assert [r[4] for r in near[:3]] == ["Saturday sort", "Saturday sort", "Sort in the yard"]
        assert near[3][7] == EventStatus.CANCELLED
        assert all(r[1] != first + timedelta(days=7) for r in near)
    finally:
        db.close()


# Painting chips --------------------------------------------------------------------------


def _chip_item(title: str, colour: str, status: EventStatus) -> CalendarItem:
    start = datetime(2026, 6, 5, 18, tzinfo=ZoneInfo("Europe/London"))
    return CalendarItem(
        1,
        start,
        start,
        start + timedelta(hours=2),
        title,
        "Europe/London",
        False,
        status,
        1,
        "Food bank",
        colour,
        "",
        False,
        1,
        start.date(),
        start.date(),
    )


def _paint(items: list[CalendarItem], *, shared: bool, palette: QPalette | None = None) -> QImage:
    from organizer.ui.calendar.canvas import ChipStyle, paint_chip

    image = QImage(160, 30 * len(items), QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    palette = palette or QApplication.palette()
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    style = ChipStyle(painter, palette) if shared else None
    for n, item in enumerate(items):
        paint_chip(
            painter,
            QRectF(3.5, 30 * n + 2.25, 150, 24),
            item,
            palette,
            lines=[(item.title, False)],
            selected=n == 1,
            style=style,
        )
    painter.end()
    return image


def test_chips_show_their_cause_colour_and_paint_the_same_from_the_caches(qapp: object) -> None:
    """A bar of the cause colour at the chip's left, the body tinted with it; a cancelled
    chip is paler; painting again (from the cached paths, fonts and cut texts) or one chip
    at a time gives the very same picture."""
    items = [
        _chip_item("Saturday sort at the church hall on the corner", "#cc3366", status)
        for status in (EventStatus.SCHEDULED, EventStatus.SCHEDULED, EventStatus.CANCELLED)
    ] + [_chip_item("Planning", "#2266aa", EventStatus.DRAFT)]
    first = _paint(items, shared=True)
    assert _paint(items, shared=True) == first
    assert _paint(items, shared=False) == first
    bar = first.pixelColor(5, 14)
    assert (bar.red(), bar.green(), bar.blue()) == (0xCC, 0x33, 0x66)
    body, cancelled = first.pixelColor(151, 14), first.pixelColor(151, 74)
    assert body.red() > body.green() and body != QColor("white")
    assert cancelled.lightness() > body.lightness()


def test_a_chip_drawn_before_its_picture_is_kept_looks_the_same_as_the_picture(
    qapp: object,
) -> None:
    """A chip not seen before is drawn straight onto the screen and its picture made once
    the app is idle: the two are the same pixels, at any fraction of a pixel and with
    several lines (the week's chips), and the second paint copies the picture."""
    from organizer.ui.calendar import canvas

    items = [
        _chip_item(f"Straight onto the screen {n}", colour, EventStatus.SCHEDULED)
        for n, colour in enumerate(("#cc3366", "#2266aa", "#33aa66"))
    ] + [_chip_item("Straight onto the screen (draft)", "#2266aa", EventStatus.DRAFT)]

    def paint(lines: int, left: float, top: float) -> QImage:
        image = QImage(200, 60 * len(items), QImage.Format.Format_ARGB32)
        image.fill(QColor("white"))
        painter = QPainter(image)
        style = canvas.ChipStyle(painter, QApplication.palette())
        for n, item in enumerate(items):
            canvas.paint_chip(
                painter,
                QRectF(left, top + 60 * n, 150.14 + n, 14.4 + 16 * lines),
                item,
                QApplication.palette(),
                # The place first: the chips at each place must look new, not be cut alike.
                lines=[(f"{left}, {top}: {item.title}", line == 0) for line in range(lines)],
                selected=False,
                style=style,
            )
        painter.end()
        return image

    for lines, left, top in ((1, 3.5, 2.25), (1, 4.0, 7.75), (3, 2.5, 0.5), (3, 10.0, 5.0)):
        kept = len(canvas._CHIPS)
        straight = paint(lines, left, top)
        assert len(canvas._CHIPS) == kept, "no picture is drawn during the paint itself"
        QApplication.processEvents()
        assert len(canvas._CHIPS) == kept + len(items), "each picture is made once idle"
        assert paint(lines, left, top) == straight
        assert straight.pixelColor(int(left) + 60, int(top) + 8) != QColor("white")


def test_chips_that_look_the_same_once_cut_to_fit_share_one_picture(
    qapp: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many titles differ only past the point where a narrow chip cuts them ("10:00
    Monday and…"): such a chip is a copy of the picture already made, drawn the same; a
    wider chip, where the titles differ, gets a picture of its own."""
    from organizer.ui.calendar import canvas

    monkeypatch.setattr(canvas, "_CHIPS", canvas.KeptPixmaps(canvas.CHIP_BUDGET))
    north = _chip_item("10:00  Monday and Thursday walk, north loop", "#2266aa",
                       EventStatus.SCHEDULED)  # fmt: skip
    south = north._replace(event_id=2, title="10:00  Monday and Thursday walk, south loop")

    def paint(item: CalendarItem, width: float, faded: bool = False) -> QImage:
        image = QImage(420, 30, QImage.Format.Format_ARGB32)
        image.fill(QColor("white"))
        painter = QPainter(image)
        style = canvas.ChipStyle(painter, QApplication.palette())
        chip = (QRectF(2.5, 2.25, width, 24), item, [(item.title, False)])
        if faded:
            style.prepare(painter, [chip])
        canvas.paint_chip(
            painter, chip[0], item, QApplication.palette(), lines=chip[2], selected=False,
            dimmed=faded, style=style,
        )  # fmt: skip
        painter.end()
        QApplication.processEvents()
        return image

    narrow_north = paint(north, 120.5)
    assert len(canvas._CHIPS) == 1
    assert paint(south, 120.5) == narrow_north
    assert len(canvas._CHIPS) == 1, "the south loop's narrow chip is a copy"
    assert paint(south, 120.5, faded=True) == paint(north, 120.5, faded=True)
    assert len(canvas._CHIPS) == 1
    wide_north = paint(north, 400.5)
    assert paint(south, 400.5) != wide_north
    assert len(canvas._CHIPS) == 3


def test_faded_chips_made_together_look_as_if_made_one_by_one(
    qapp: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A month makes the pictures of its faded chips on one sheet and cuts them apart:
    each is the same as a picture drawn on its own, whatever its size, however many lines
    (one too many for its height included), and nothing of one spills onto another (the
    stacked accents reach above the line)."""
    from organizer.ui.calendar import canvas

    statuses = (EventStatus.SCHEDULED, EventStatus.CANCELLED, EventStatus.DRAFT)
    chips = [
        (
            QRectF(2.5 + n % 2, 4.25 + 40 * n, 90.14 + 25.3 * n, 15.4 + 9 * (n % 3)),
            _chip_item(f"Together {n} gjpqy ÅÉÎ", colour, statuses[n % 3]),
            [(f"Ặ̂̂̂ Together {n} gjpqy ÅÉÎ line {line}", line == 0) for line in range(1 + n % 3)],
        )
        for n, colour in enumerate(("#cc3366", "#2266aa", "#33aa66", "#aa8800", "#5522aa"))
    ]

    def paint(together: bool) -> QImage:
        monkeypatch.setattr(canvas, "_CHIPS", canvas.KeptPixmaps(canvas.CHIP_BUDGET))
        image = QImage(260, 40 * len(chips), QImage.Format.Format_ARGB32)
        image.fill(QColor("white"))
        painter = QPainter(image)
        style = canvas.ChipStyle(painter, QApplication.palette())
        if together:
            style.prepare(painter, chips)
            assert len(canvas._CHIPS) == len(chips)
        for rect, item, lines in chips:
            canvas.paint_chip(
                painter, rect, item, QApplication.palette(), lines=lines, selected=False,
                dimmed=True, style=style,
            )  # fmt: skip
        painter.end()
        return image

    one_by_one = paint(together=False)
    assert paint(together=True) == one_by_one
    assert one_by_one.pixelColor(60, 12) != QColor("white")


def test_a_title_in_a_script_that_needs_shaping_is_drawn_shaped(qapp: object) -> None:
    """Latin titles are laid out unshaped, which is quicker; an Arabic title still has its
    letters joined up: it is drawn as wide as Qt lays it out shaped, not letter by letter."""
    from organizer.ui.calendar.canvas import paint_chip

    title = "مجموعة الدعم للأقران"
    item = _chip_item(title, "#cc3366", EventStatus.SCHEDULED)
    image = QImage(420, 30, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    font = painter.font()
    paint_chip(
        painter, QRectF(2, 2, 410, 24), item, QApplication.palette(), lines=[(title, False)],
        selected=False,
    )  # fmt: skip
    painter.end()
    inked = [
        x
        for x in range(12, 410)
        if any(image.pixelColor(x, y).lightness() < 110 for y in range(4, 24))
    ]
    drawn = inked[-1] - inked[0] + 1
    unshaped = QFont(font)
    unshaped.setStyleStrategy(QFont.StyleStrategy.PreferNoShaping)
    joined = QFontMetrics(font).horizontalAdvance(title)
    letter_by_letter = QFontMetrics(unshaped).horizontalAdvance(title)
    assert joined != letter_by_letter
    assert abs(drawn - joined) < abs(drawn - letter_by_letter)


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("10:00  Café fika – naïve Øresund", True),
        ("Volunteers’ “away day”… €5", True),
        ("مجموعة الدعم", False),
        ("सहायता समूह", False),
        ("Cafe\u0301 with a combining accent", False),
        ("Family day 👨‍👩‍👧", False),
    ],
)
def test_only_text_that_reads_the_same_unshaped_skips_shaping(text: str, plain: bool) -> None:
    from organizer.ui.calendar.canvas import plain_text

    assert plain_text(text) is plain


def test_kept_chips_follow_the_palette_the_title_and_the_size(qapp: object) -> None:
    """Chips are drawn once and copied after that, but a dark palette, a renamed event or a
    wider cell never shows a chip kept from before."""
    from organizer.ui.calendar.canvas import paint_chip

    item = _chip_item("Saturday sort", "#cc3366", EventStatus.SCHEDULED)
    light = _paint([item], shared=True)
    dark = QPalette(QApplication.palette())
    dark.setColor(QPalette.ColorRole.Base, QColor("#202020"))
    dark.setColor(QPalette.ColorRole.Text, QColor("#f0f0f0"))
    in_dark = _paint([item], shared=True, palette=dark)
    assert in_dark.pixelColor(151, 14).lightness() < light.pixelColor(151, 14).lightness()
    renamed = _paint([item._replace(title="Sunday sort")], shared=True)
    assert renamed != light
    assert _paint([item], shared=True) == light

    image = QImage(320, 30, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    paint_chip(
        painter,
        QRectF(3.5, 2.25, 300, 24),
        item,
        QApplication.palette(),
        lines=[(item.title, False)],
        selected=False,
    )
    painter.end()
    assert image.pixelColor(290, 14) == light.pixelColor(151, 14)


def test_kept_chip_pictures_stay_within_their_budget(qapp: object) -> None:
    """Paging through years of months never keeps more chip pictures than the budget: the
    least recently shown go first, and one just shown stays."""
    from PySide6.QtGui import QPixmap

    from organizer.ui.calendar.canvas import KeptPixmaps

    one = QPixmap(100, 20)
    size = one.width() * one.height() * one.depth() // 8
    kept = KeptPixmaps(budget=10 * size)
    for n in range(10):
        kept.put(n, QPixmap(100, 20))
    assert kept.get(0) is not None  # now the most recently used
    for n in range(10, 15):
        kept.put(n, QPixmap(100, 20))
    assert kept.size <= kept.budget and len(kept) == 10
    assert kept.get(0) is not None, "used lately, so kept"
    assert kept.get(1) is None, "the least recently used went first"
    huge = QPixmap(2000, 2000)
    kept.put("huge", huge)
    assert kept.get("huge") is not None and len(kept) == 1
