"""The roster board's rows read straight from SQLite equal the portable path, object for object."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text

from organizer.demo import generate_demo
from organizer.services import Services
from organizer.services.roster import BoardShift, _board_rows, _sqlite_board_rows
from organizer.storage import Database, create_database
from tests.pg_fixtures import pg_server, pg_url
from tests.roster_helpers import MONDAY, demo, snapshot, week

__all__ = ["demo", "pg_server", "pg_url"]


def both(
    db: Database,
    start: datetime,
    end: datetime,
    causes: list[int] | None = None,
    event_id: int | None = None,
) -> tuple[list[BoardShift], list[BoardShift]]:
    """The board rows from the driver's rows and from the portable path."""
    with db.read() as session:
        connection = session.connection()
        assert connection.dialect.name == "sqlite"
        fast = _board_rows(connection, start, end, causes, event_id)
        portable = _board_rows(connection, start, end, causes, event_id, driver_rows=False)
    return fast, portable


def cause_ids(db: Database) -> list[int]:
    with db.read() as session:
        return list(session.scalars(text("SELECT id FROM causes ORDER BY id")))


def assert_same(fast: list[BoardShift], portable: list[BoardShift]) -> None:
    assert snapshot(fast) == snapshot(portable)
    for shift in fast:
        assert shift.fill.recurrence_id.tzinfo is UTC
        assert shift.fill.starts_at.tzinfo is UTC


@pytest.mark.parametrize("offset", [-1, 0, 1, 2, 4])
def test_every_week_reads_the_same_both_ways(demo: Database, offset: int) -> None:
    fast, portable = both(demo, *week(offset))
    assert_same(fast, portable)
    if offset in (0, 1):
        assert len(fast) > 20
        assert sum(len(shift.people) for shift in fast) > 20
        assert any(shift.fill.filled for shift in fast)


def test_the_public_board_rows_use_the_fast_path_and_match_the_full_board(demo: Database) -> None:
    roster = Services.for_database(demo, "Sam").roster
    rows = roster.board_rows(*week())
    assert_same(rows, both(demo, *week())[1])
    board = roster.board(*week())
    assert [shift.key for shift in rows] == [shift.key for shift in board]
    assert [[p.assignment_id for p in s.people] for s in rows] == [
        [p.assignment_id for p in s.people] for s in board
    ]


def test_a_cause_filter_reads_the_same_both_ways(demo: Database) -> None:
    causes = cause_ids(demo)
    assert len(causes) >= 2
    for chosen in ([causes[0]], causes[1:], [], [10_000]):
        fast, portable = both(demo, *week(), chosen)
        assert_same(fast, portable)
        assert all(shift.fill.cause_id in chosen for shift in fast)
    assert both(demo, *week(), [])[0] == []


def test_one_event_reads_the_same_both_ways(demo: Database) -> None:
    everything, _ = both(demo, *week())
    events = sorted({shift.fill.event_id for shift in everything})
    for event_id in events[:: max(len(events) // 6, 1)]:
        fast, portable = both(demo, *week(), event_id=event_id)
        assert fast
        assert {shift.fill.event_id for shift in fast} == {event_id}
        assert_same(fast, portable)


def test_one_occurrence_reads_the_same_both_ways(demo: Database) -> None:
    roster = Services.for_database(demo, "Sam").roster
    everything, _ = both(demo, *week())
    for shift in everything[::40]:
        event_id, rid = shift.fill.event_id, shift.fill.recurrence_id
        start, end = roster.occurrence_window(event_id, rid)
        fast, portable = both(demo, start, end, event_id=event_id)
        assert shift.key in [row.key for row in fast]
        assert_same(fast, portable)


@given(
    first=st.integers(min_value=-3 * 24, max_value=20 * 24),
    hours=st.integers(min_value=0, max_value=10 * 24),
    pick=st.sets(st.integers(min_value=0, max_value=5)) | st.none(),
)
def test_any_window_and_causes_read_the_same_both_ways(
    demo: Database, first: int, hours: int, pick: set[int] | None
) -> None:
    start = datetime.combine(MONDAY, time(), UTC) + timedelta(hours=first)
    causes = cause_ids(demo)
    chosen = None if pick is None else [causes[i] for i in pick if i < len(causes)]
    assert_same(*both(demo, start, start + timedelta(hours=hours), chosen))


@pytest.fixture
def own(tmp_path: Path) -> Iterator[Database]:
    """A demo file of its own, for tests that rewrite stored times."""
    made = create_database(tmp_path / "own.organizer")
    generate_demo(made, scale="small", seed=1, start=MONDAY)
    yield made
    made.close()


def busiest_occurrence(db: Database) -> tuple[int, str]:
    """A mid-week occurrence with people on it: its event and stored recurrence text."""
    rows, _ = both(db, *week())
    middle = [
        shift for shift in rows if shift.people and shift.occurrence_starts.weekday() in (1, 2, 3)
    ]
    chosen = max(middle, key=lambda shift: len(shift.people))
    with db.read() as session:
        stored = session.execute(
            text(
                "SELECT recurrence_id FROM occurrences WHERE event_id = :e"
                " AND starts_at = :s AND ends_at = :x"
            ),
            {
                "e": chosen.fill.event_id,
                "s": chosen.occurrence_starts.strftime("%Y-%m-%d %H:%M:%S.%f"),
                "x": chosen.occurrence_ends.strftime("%Y-%m-%d %H:%M:%S.%f"),
            },
        ).scalar_one()
    return chosen.fill.event_id, stored


def with_offset(stored: str) -> str:
    """The same instant as another program might write it: local time with an offset."""
    local = datetime.fromisoformat(stored) + timedelta(hours=1)
    return local.isoformat(" ") + "+01:00"


def driver_path(db: Database) -> list[BoardShift] | None:
    """The driver-row reading of the demo week, or None where it defers to the portable path."""
    with db.read() as session:
        return _sqlite_board_rows(session.connection(), *week(), None, None)


def test_times_stored_with_an_offset_are_read_as_the_same_instant(own: Database) -> None:
    before, _ = both(own, *week())
    event_id, stored = busiest_occurrence(own)
    other = with_offset(stored)
    with own.write() as session:
        for table, column, where in (
            ("occurrences", "recurrence_id", "event_id = :e"),
            ("occurrence_overrides", "recurrence_id", "event_id = :e"),
            ("shifts", "occurrence_start", "event_id = :e"),
            (
                "assignments",
                "occurrence_start",
                "shift_id IN (SELECT id FROM shifts WHERE event_id = :e)",
            ),
        ):
            changed = session.connection().execute(
                text(f"UPDATE {table} SET {column} = :new WHERE {column} = :old AND {where}"),
                {"new": other, "old": stored, "e": event_id},
            )
            if table in ("occurrences", "assignments"):
                assert changed.rowcount > 0
    assert driver_path(own) is not None
    fast, portable = both(own, *week())
    assert_same(fast, portable)
    # Nothing a coordinator sees changes: the same instants, shifts, fill and people.
    assert snapshot(fast) == snapshot(before)


def test_two_texts_for_one_instant_still_read_the_same_both_ways(own: Database) -> None:
    event_id, stored = busiest_occurrence(own)
    other = with_offset(stored)
    with own.write() as session:
        columns = [row[1] for row in session.execute(text("PRAGMA table_info(occurrences)")).all()]
        listed = ", ".join(columns)
        chosen = ", ".join(":new" if name == "recurrence_id" else name for name in columns)
        session.execute(
            text(
                f"INSERT INTO occurrences ({listed}) SELECT {chosen} FROM occurrences"
                " WHERE event_id = :e AND recurrence_id = :old"
            ),
            {"new": other, "old": stored, "e": event_id},
        )
    assert driver_path(own) is None  # matching by text and by instant could differ here
    fast, portable = both(own, *week())
    assert_same(fast, portable)
    doubled = [shift for shift in fast if shift.fill.event_id == event_id and shift.people]
    assert doubled


def test_postgresql_reads_the_same_board_as_sqlite(demo: Database, pg_url: str) -> None:
    server = create_database(pg_url)
    try:
        generate_demo(server, scale="small", seed=1, start=MONDAY)
        for offset in (0, 1):
            sqlite_rows, _ = both(demo, *week(offset))
            with server.read() as session:
                connection = session.connection()
                assert connection.dialect.name == "postgresql"
                rows = _board_rows(connection, *week(offset), None, None)
            assert rows
            assert snapshot(rows) == snapshot(sqlite_rows)
    finally:
        server.close()
