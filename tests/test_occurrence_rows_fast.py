"""The calendar's occurrences read straight from SQLite equal the portable path, tuple for tuple."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import astuple, dataclass
from datetime import UTC, date, datetime, time, timedelta
from operator import itemgetter
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from organizer.models import Cause, EventStatus, Location, OccurrenceRow
from organizer.models.ids import CauseId
from organizer.services import CauseDraft, EventDraft, LocationDraft, Services
from organizer.services import events as events_module
from organizer.services.events import KnownEvents
from organizer.services.occurrence_table import OccurrenceTable, spans_days
from organizer.services.occurrences import stored_horizon
from organizer.storage import Database, create_database
from tests.event_reads import count_event_reads
from tests.pg_fixtures import pg_server, pg_url
from tests.roster_helpers import MONDAY, demo, week

__all__ = ["demo", "pg_server", "pg_url"]

ANCHOR = date(2026, 11, 23)
_ORDER = itemgetter(2, 4, 0, 1)


def typed(rows: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Each value with its exact type (and a datetime's zone): True is not 1, nor a status a str."""
    return [
        tuple(
            (type(value), value, value.tzinfo if isinstance(value, datetime) else None)
            for value in row
        )
        for row in rows
    ]


def both(
    db: Database,
    start: datetime,
    end: datetime,
    causes: list[int] | None = None,
    *,
    include_cancelled: bool = True,
) -> list[tuple[Any, ...]]:
    """The rows read from the driver, after checking the portable path reads the same."""
    fast = Services.for_database(db, "Sam").events.occurrence_rows(
        start, end, cause_ids=causes, include_cancelled=include_cancelled
    )
    portable = Services.for_database(db, "Sam").events.occurrence_rows(
        start, end, cause_ids=causes, include_cancelled=include_cancelled, driver_rows=False
    )
    assert typed(fast) == typed(portable)
    for row in fast:
        assert row[1].tzinfo is UTC and row[2].tzinfo is UTC and row[3].tzinfo is UTC
    if causes is None and include_cancelled:
        table = Services.for_database(db, "Sam").events.occurrence_table(start, end)
        same_as_table(table, fast)
    return fast


def same_as_table(table: OccurrenceTable, rows: list[tuple[Any, ...]]) -> None:
    """``table`` holds ``rows``: day-long ones apart, the others by start, title, event, id."""
    timed = table.timed(0, len(table))
    spanning = sorted(table.spanning, key=_ORDER)
    assert typed(spanning) == typed([row for row in rows if spans_days(row)])
    assert typed(timed) == typed(sorted((r for r in rows if not spans_days(r)), key=_ORDER))
    for row in rows:
        assert spans_days(row) == (row[6] or row[3] - row[2] >= timedelta(days=1))
        assert table.position(row[2]) == sum(1 for other in timed if other[2] < row[2])
    for start in range(0, len(timed) + 1, 3):
        assert table.timed(start, start + 2) == timed[start : start + 2]


def horizon_of(db: Database) -> datetime:
    with db.read() as session:
        return stored_horizon(session)


def cause_ids(db: Database) -> list[int]:
    with db.read() as session:
        return list(session.scalars(select(Cause.id).order_by(Cause.id)))


# The demo organisation -------------------------------------------------------------------


def test_the_demo_weeks_and_months_read_the_same_both_ways(demo: Database) -> None:
    for offset in (-8, -1, 0, 1, 3):
        rows = both(demo, *week(offset))
        if offset in (0, 1):
            assert len(rows) > 10
    month = datetime.combine(MONDAY, time()).astimezone()
    rows = both(demo, month - timedelta(days=14), month + timedelta(days=28))
    assert any(row[11] for row in rows)  # some occurrences are changed ones
    assert any(row[10] for row in rows) and any(not row[10] for row in rows)
    horizon = horizon_of(demo)
    for start in (horizon - timedelta(days=20), horizon + timedelta(days=90)):
        assert both(demo, start, start + timedelta(days=42))


def test_a_cause_filter_and_hiding_cancelled_read_the_same_both_ways(demo: Database) -> None:
    causes = cause_ids(demo)
    assert len(causes) >= 2
    start, _ = week()
    end = start + timedelta(days=35)
    everything = both(demo, start, end)
    for chosen in ([causes[0]], causes[1:], [], [10_000], causes):
        for include_cancelled in (True, False):
            rows = both(demo, start, end, chosen, include_cancelled=include_cancelled)
            assert all(row[8] in chosen for row in rows)
            if not include_cancelled:
                assert all(row[7] is not EventStatus.CANCELLED for row in rows)
    assert both(demo, start, end, []) == []
    assert both(demo, start, end, causes[:1]) == [r for r in everything if r[8] == causes[0]]


def test_the_public_read_does_not_build_the_portable_queries(
    demo: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = both(demo, *week())

    def refused(*_: object, **__: object) -> None:
        raise AssertionError("the portable path was used")

    monkeypatch.setattr(events_module, "_index_query", refused)
    monkeypatch.setattr(events_module, "_overrides_for", refused)
    events = Services.for_database(demo, "Sam").events
    assert events.occurrence_rows(*week()) == expected
    assert [astuple(info) for info in events.occurrences_between(*week())] == expected


def test_the_month_table_reads_the_driver_rows_within_the_stored_index(
    demo: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    start, _ = week()
    expected = both(demo, start, start + timedelta(days=42))
    horizon = horizon_of(demo)
    beyond = both(demo, horizon - timedelta(days=7), horizon + timedelta(days=35))

    def refused(*_: object, **__: object) -> None:
        raise AssertionError("every occurrence was made")

    events = Services.for_database(demo, "Sam").events
    monkeypatch.setattr(events, "occurrence_rows", refused)
    same_as_table(events.occurrence_table(start, start + timedelta(days=42)), expected)
    with pytest.raises(AssertionError, match="every occurrence"):
        # Past the index, endless series are walked: those occurrences are made anyway.
        same_as_table(
            events.occurrence_table(horizon - timedelta(days=7), horizon + timedelta(days=35)),
            beyond,
        )


def test_the_month_table_reads_only_the_events_it_does_not_know_yet(
    demo: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Events' values kept from an earlier month are not read again, and the table is the
    same as one read afresh."""
    start, _ = week()
    first = (start, start + timedelta(days=42))
    later = (start + timedelta(days=35), start + timedelta(days=77))
    events = Services.for_database(demo, "Sam").events
    expected = both(demo, *later)
    known: KnownEvents = {}
    same_as_table(events.occurrence_table(*first, known=known), both(demo, *first))
    assert {row[0] for row in both(demo, *first)} <= known.keys()
    kept = dict(known)
    asked = count_event_reads(monkeypatch)
    same_as_table(events.occurrence_table(*later, known=known), expected)
    assert asked and all(not ids & kept.keys() for ids in asked), "nothing known read again"
    assert known.items() >= kept.items()
    asked.clear()
    same_as_table(events.occurrence_table(*later, known=known), expected)
    assert asked == [], "every event known: none read"


def test_the_short_occurrences_are_read_on_the_start_index(demo: Database) -> None:
    """Both halves of a range's read are searches of the start index that never visit the
    table (the index holds all they read)."""
    for statement in (events_module._SQLITE_OCCURRENCES, events_module._SQLITE_TABLE):
        with demo.read() as session:
            plan = session.execute(
                text("EXPLAIN QUERY PLAN " + statement),
                {"start": "2026-11-23", "end": "2026-12-23", "look_back": "2026-11-21"},
            ).all()
        details = [row[-1] for row in plan]
        searches = [detail for detail in details if detail.startswith("SEARCH occurrences")]
        assert len(searches) == 2
        assert all("USING COVERING INDEX ix_occurrences_long" in s for s in searches)
        assert any("long=? AND starts_at>? AND starts_at<?" in detail for detail in details)


def test_calendar_labels_are_every_cause_and_place(demo: Database) -> None:
    labels, places = Services.for_database(demo, "Sam").events.calendar_labels()
    with demo.read() as session:
        causes = session.execute(
            select(Cause.id, Cause.name, Cause.colour).order_by(Cause.name, Cause.id)
        ).all()
        names = {row[0]: row[1] for row in session.execute(select(Location.id, Location.name))}
    assert labels == [tuple(row) for row in causes] and len(labels) >= 2
    assert all(type(label) is tuple for label in labels)
    assert places == names and places


# Generated organisations -----------------------------------------------------------------

TITLES = ("Sort", "Repair café", "sort", "Zumba")
ZONES = ("Europe/London", "UTC", "America/New_York", "Australia/Sydney")
RULES = (
    None,
    None,
    "FREQ=WEEKLY",
    "FREQ=DAILY",
    "FREQ=DAILY;INTERVAL=3",
    "FREQ=WEEKLY;BYDAY=MO,TH",
    "FREQ=DAILY;COUNT=5",
)
# Up to an occurrence longer than two days, with those just short of a day and of a whole one.
MINUTES = (30, 90, 24 * 60 - 1, 24 * 60, 24 * 60 + 60, 3 * 24 * 60)


@dataclass(frozen=True)
class Change:
    """One change to the ``which``-th stored occurrence of a series."""

    which: int
    kind: str
    title: str
    place: int
    hours: int


@dataclass(frozen=True)
class Spec:
    """An event to make, then the changes to its occurrences."""

    title: str
    day: int
    hour: int
    minutes: int
    zone: str
    all_day: bool
    rule: str | None
    cause: int | None
    place: int | None
    status: EventStatus
    changes: tuple[Change, ...]


changes = st.builds(
    Change,
    which=st.integers(0, 6),
    kind=st.sampled_from(["title", "place", "cancel", "schedule", "move", "remove"]),
    title=st.sampled_from(TITLES),
    place=st.integers(0, 1),
    hours=st.sampled_from([-3, 1, 24, 50]),
)
specs = st.builds(
    Spec,
    title=st.sampled_from(TITLES),
    day=st.integers(-20, 30),
    hour=st.sampled_from([0, 9, 23]),
    minutes=st.sampled_from(MINUTES),
    zone=st.sampled_from(ZONES),
    all_day=st.booleans(),
    rule=st.sampled_from(RULES),
    cause=st.none() | st.integers(0, 1),
    place=st.none() | st.integers(0, 1),
    status=st.sampled_from(list(EventStatus)),
    changes=st.lists(changes, max_size=4).map(tuple),
)


def populate(db: Database, made: Sequence[Spec]) -> None:
    """Make the events of ``made`` (two causes and two places first, if missing)."""
    services = Services.for_database(db, "Sam")
    if not cause_ids(db):
        for n in range(2):
            services.causes.create(CauseDraft(name=f"Cause {n}"))
            services.locations.create(LocationDraft(name=f"Place {n}"))
    causes = cause_ids(db)
    with db.read() as session:
        places = list(session.scalars(select(Location.id).order_by(Location.id)))
    for spec in made:
        local = datetime.combine(ANCHOR + timedelta(days=spec.day), time(spec.hour))
        starts = local.replace(tzinfo=ZoneInfo(spec.zone))
        event = services.events.create(
            EventDraft(
                title=spec.title,
                starts_at=starts,
                ends_at=starts + timedelta(minutes=spec.minutes),
                timezone=spec.zone,
                all_day=spec.all_day,
                cause_id=None if spec.cause is None else CauseId(causes[spec.cause]),
                location_id=None if spec.place is None else places[spec.place],
                status=spec.status,
                rrule=spec.rule,
            )
        )
        if spec.rule is None:
            continue
        with db.read() as session:
            stored = list(
                session.scalars(
                    select(OccurrenceRow.recurrence_id)
                    .where(OccurrenceRow.event_id == event.id)
                    .order_by(OccurrenceRow.recurrence_id)
                    .limit(7)
                )
            )
        removed: set[datetime] = set()
        for change in spec.changes:
            if change.which >= len(stored) or stored[change.which] in removed:
                continue
            rid = stored[change.which]
            edit = services.events.change_occurrence
            if change.kind == "remove":
                event = services.events.remove_occurrence(event.id, event.version, rid)
                removed.add(rid)
            elif change.kind == "title":
                event = edit(event.id, event.version, rid, title=change.title)
            elif change.kind == "place":
                event = edit(event.id, event.version, rid, location_id=places[change.place])
            elif change.kind in ("cancel", "schedule"):
                status = EventStatus.CANCELLED if change.kind == "cancel" else EventStatus.SCHEDULED
                event = edit(event.id, event.version, rid, status=status)
            else:
                moved = rid + timedelta(hours=change.hours)
                length = timedelta(minutes=spec.minutes)
                event = edit(event.id, event.version, rid, starts_at=moved, ends_at=moved + length)


def clear(db: Database) -> None:
    """Remove every event and what hangs off it (causes and places stay)."""
    with db.write() as session:
        for table in ("occurrence_overrides", "event_exceptions", "occurrences", "events"):
            session.execute(text(f"DELETE FROM {table}"))


@pytest.fixture(scope="module")
def blank(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """An organisation the generated tests fill and empty again."""
    made = create_database(Path(tmp_path_factory.mktemp("occurrences")) / "generated.organizer")
    yield made
    made.close()


windows = st.tuples(
    st.sampled_from(["anchor", "horizon"]),
    st.integers(-40, 60),
    st.integers(0, 45 * 24),
)


def window_of(db: Database, where: str, days: int, hours: int) -> tuple[datetime, datetime]:
    base = (
        datetime.combine(ANCHOR, time(), UTC)
        if where == "anchor"
        else horizon_of(db) + timedelta(days=days * 4)
    )
    start = base + timedelta(days=days, minutes=30 * (days % 3))
    return start, start + timedelta(hours=hours)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    made=st.lists(specs, min_size=1, max_size=6),
    looks=st.lists(windows, min_size=1, max_size=3),
    pick=st.none() | st.sets(st.integers(0, 2)),
    include_cancelled=st.booleans(),
)
def test_any_organisation_and_window_read_the_same_both_ways(
    blank: Database,
    made: list[Spec],
    looks: list[tuple[str, int, int]],
    pick: set[int] | None,
    include_cancelled: bool,
) -> None:
    clear(blank)
    populate(blank, made)
    causes = cause_ids(blank)
    chosen = None if pick is None else [[*causes, 10_000][n] for n in pick]
    for look in looks:
        start, end = window_of(blank, *look)
        both(blank, start, end, chosen, include_cancelled=include_cancelled)
        both(blank, start, end)


EXAMPLE = (
    Spec("Sort", -2, 9, 90, "Europe/London", False, "FREQ=WEEKLY;BYDAY=MO,TH", 0, 0,
         EventStatus.SCHEDULED,
         (Change(1, "title", "Sort in the yard", 0, 0), Change(2, "cancel", "", 0, 0),
          Change(3, "move", "", 0, 24), Change(4, "remove", "", 0, 0),
          Change(5, "place", "", 1, 0))),
    Spec("Zumba", 0, 23, 3 * 24 * 60, "America/New_York", False, "FREQ=DAILY;INTERVAL=3",
         1, None, EventStatus.SCHEDULED, (Change(0, "move", "", 0, -3),)),
    Spec("Repair café", 3, 0, 24 * 60 + 60, "UTC", True, None, None, 1, EventStatus.CANCELLED,
         ()),
    Spec("sort", 5, 9, 30, "UTC", False, "FREQ=DAILY", 0, None, EventStatus.DRAFT,
         (Change(0, "move", "", 0, 1), Change(2, "cancel", "", 0, 0))),
)  # fmt: skip
"""Every kind of occurrence and change at once, for the fixed comparisons below."""


def test_times_stored_with_an_offset_read_the_same_both_ways(tmp_path: Path) -> None:
    db = create_database(tmp_path / "offsets.organizer")
    try:
        populate(db, EXAMPLE)
        start = datetime.combine(ANCHOR, time(), UTC) - timedelta(days=7)
        before = both(db, start, start + timedelta(days=42))
        changed = [row for row in before if row[11]]
        assert changed
        # Another program wrote the changed occurrences' times as local time with an offset.
        with db.write() as session:
            for table in ("occurrences", "occurrence_overrides"):
                session.execute(
                    text(
                        f"UPDATE {table} SET recurrence_id ="
                        " strftime('%Y-%m-%d %H:%M:%S', recurrence_id, '+1 hours') || '+01:00'"
                        " WHERE event_id = :e"
                    ),
                    {"e": changed[0][0]},
                )
        after = both(db, start, start + timedelta(days=42))
        assert [row for row in after if row[11]] == changed
    finally:
        db.close()


def test_postgresql_reads_the_same_occurrences_as_sqlite(tmp_path: Path, pg_url: str) -> None:
    lite = create_database(tmp_path / "same.organizer")
    server = create_database(pg_url)
    try:
        for db in (lite, server):
            populate(db, EXAMPLE)
        assert Services.for_database(server, "Sam").events.calendar_labels() == (
            Services.for_database(lite, "Sam").events.calendar_labels()
        )
        start = datetime.combine(ANCHOR, time(), UTC) - timedelta(days=7)
        horizon = horizon_of(lite)
        for begin in (start, start + timedelta(days=30), horizon - timedelta(days=10)):
            for include_cancelled in (True, False):
                for causes in (None, cause_ids(lite)[:1]):
                    sqlite_rows = both(
                        lite, begin, begin + timedelta(days=42), causes,
                        include_cancelled=include_cancelled,
                    )  # fmt: skip
                    rows = Services.for_database(server, "Sam").events.occurrence_rows(
                        begin,
                        begin + timedelta(days=42),
                        cause_ids=causes,
                        include_cancelled=include_cancelled,
                    )
                    assert rows
                    assert typed(rows) == typed(sqlite_rows)
            # The calendar's month: on a server, made from the rows above.
            month = Services.for_database(server, "Sam").events.occurrence_table(
                begin, begin + timedelta(days=42)
            )
            same_as_table(month, both(lite, begin, begin + timedelta(days=42)))
    finally:
        server.close()
        lite.close()
