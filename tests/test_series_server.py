"""Moving a booked series and undoing it work on a PostgreSQL server as on a file."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from organizer.models import AssignmentStatus
from organizer.services import (
    AssignmentDraft,
    EventDraft,
    Services,
    ShiftDraft,
    VolunteerDraft,
)
from organizer.services.series import roles_of
from organizer.storage import create_database
from tests.pg_fixtures import pg_server, pg_url

__all__ = ["pg_server", "pg_url"]


def test_a_series_moved_and_put_back_on_a_server_keeps_its_bookings(pg_url: str) -> None:
    db = create_database(pg_url)
    try:
        services = Services.for_database(db, "Sam")
        starts = datetime(2027, 3, 3, 18, tzinfo=UTC)
        draft = EventDraft("Quiz night", starts, starts + timedelta(hours=2), "Europe/London")
        event = services.events.create(replace(draft, rrule="FREQ=WEEKLY;COUNT=3"))
        shift = services.shifts.create(ShiftDraft(event_id=event.id, role="Host"))
        people = [
            services.volunteers.create(VolunteerDraft(name=name, joined_on=date(2026, 1, 1))).id
            for name in ("Sam", "Ana")
        ]
        for week, person in enumerate(people, start=1):
            booking = AssignmentDraft(
                shift_id=shift.id,
                volunteer_id=person,
                occurrence_start=starts + timedelta(days=7 * week),
            )
            services.assignments.create(replace(booking, status=AssignmentStatus.ACCEPTED))
        event = services.events.get(event.id)
        moved = replace(draft, starts_at=starts + timedelta(days=1),
                        ends_at=starts + timedelta(days=1, hours=2),
                        rrule="FREQ=WEEKLY;COUNT=3")  # fmt: skip
        saved = services.series.update(
            event.id, event.version, moved, roles_of(event.shifts), now=starts - timedelta(days=1)
        )

        def booked() -> list[datetime]:
            return sorted(a.occurrence_start for a in services.assignments.list())

        assert booked() == [starts + timedelta(days=8), starts + timedelta(days=15)]
        assert saved.before is not None
        services.series.restore(saved.before, saved.event.version)
        assert booked() == [starts + timedelta(days=7), starts + timedelta(days=14)]
    finally:
        db.close()
