"""The scheduling engine's bookings read straight from SQLite equal the portable path, and a
server finds what a file finds."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest

from organizer.demo import generate_demo
from organizer.scheduling.conflicts import load_bookings, load_people
from organizer.services.roster import RosterService
from organizer.storage import Database, create_database
from tests.pg_fixtures import pg_server, pg_url
from tests.roster_helpers import MONDAY, demo, snapshot, week

__all__ = ["demo", "pg_server", "pg_url"]


@pytest.mark.parametrize("offset", [-2, 0, 1, 4])
def test_every_week_books_the_same_both_ways(demo: Database, offset: int) -> None:
    start, end = week(offset)
    start, end = start - timedelta(days=30), end + timedelta(days=30)
    with demo.read() as session:
        fast = load_bookings(session, start, end, None)
        portable = load_bookings(session, start, end, None, from_driver=False)
        some = sorted({booking.volunteer_id for booking in portable})[::3]
        fast_some = load_bookings(session, start, end, some)
        portable_some = load_bookings(session, start, end, some, from_driver=False)
    assert snapshot(fast) == snapshot(portable)
    assert snapshot(fast_some) == snapshot(portable_some)
    assert {booking.volunteer_id for booking in fast_some} == set(some)
    if offset in (0, 1):
        assert len(fast) > 50, "the demo's busy weeks have people booked"
        assert any(booking.hours != booking.slot.hours for booking in fast), "hours kept"
    for booking in fast:
        assert booking.slot.starts_at.tzinfo is UTC
        assert booking.slot.occurrence_start.tzinfo is UTC


def test_a_server_flags_and_books_what_a_file_does(demo: Database, pg_url: str) -> None:
    server = create_database(pg_url)
    try:
        generate_demo(server, scale="small", seed=1, start=MONDAY)
        for offset in (0, 1):
            start, end = week(offset)
            on_file, on_server = RosterService(demo, "Sam"), RosterService(server, "Sam")
            expected = on_file.board_clashes(on_file.board_rows(start, end), start, end)
            found = on_server.board_clashes(on_server.board_rows(start, end), start, end)
            assert expected, "the demo weeks have clashes to show"
            assert found == expected
            with demo.read() as session:
                file_bookings = load_bookings(session, start, end, None)
                some = sorted({booking.volunteer_id for booking in file_bookings})[::2]
                file_some = load_bookings(session, start, end, some)
                file_people = load_people(session, some)
            with server.read() as session:
                assert session.connection().dialect.name == "postgresql"
                server_some = load_bookings(session, start, end, some)
                server_people = load_people(session, some)
            assert snapshot(sorted(server_some)) == snapshot(sorted(file_some))
            assert server_people == file_people and set(file_people) == set(some)
    finally:
        server.close()
