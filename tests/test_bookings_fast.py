"""The scheduling engine's bookings read straight from SQLite equal the portable path."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest

from organizer.scheduling.conflicts import load_bookings
from organizer.storage import Database
from tests.roster_helpers import demo, snapshot, week

__all__ = ["demo"]


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
