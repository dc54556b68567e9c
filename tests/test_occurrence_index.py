"""The stored occurrence index always agrees with expanding the events' rules."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from organizer.demo import generate_demo
from organizer.models import OccurrenceRow
from organizer.recurrence import expand
from organizer.services import EventDraft, Services
from organizer.services.occurrences import extend_horizon, index_problems, stored_horizon
from organizer.storage import Database, create_database

ZONES = ["Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kolkata"]
WINDOW = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC))


@st.composite
def series_plans(draw: st.DrawFn) -> dict[str, object]:
    zone = draw(st.sampled_from(ZONES))
    first = draw(st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 6, 1)))
    hour = draw(st.integers(min_value=0, max_value=23))
    minutes = draw(st.sampled_from([45, 90, 180, 600, 3000]))
    rule = draw(
        st.sampled_from(
            [
                None,
                "FREQ=DAILY;COUNT=9",
                "FREQ=WEEKLY;COUNT=20",
                "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;COUNT=15",
                "FREQ=MONTHLY;BYDAY=1SA;COUNT=8",
                "FREQ=WEEKLY;BYDAY=WE",
            ]
        )
    )
    removed = draw(st.lists(st.integers(min_value=0, max_value=10), max_size=3, unique=True))
    moved = draw(st.lists(st.integers(min_value=0, max_value=10), max_size=2, unique=True))
    start = datetime(first.year, first.month, first.day, hour, 0, tzinfo=ZoneInfo(zone))
    return {
        "zone": zone,
        "start": start,
        "end": start + timedelta(minutes=minutes),
        "rule": rule,
        "removed": removed,
        "moved": [m for m in moved if m not in removed],
    }


def brute_force(services: Services, event_id: int, start: datetime, end: datetime) -> list[tuple]:
    """Expand the event directly from its rule, exceptions and overrides."""
    event = services.events.get(event_id)
    removed = [e.occurrence_start for e in event.exceptions]
    overrides = {o.recurrence_id: o for o in event.overrides}
    found = []
    for occurrence in expand(
        event.rrule,
        event.starts_at,
        event.ends_at,
        event.timezone,
        datetime(2020, 1, 1, tzinfo=UTC),
        datetime(2035, 1, 1, tzinfo=UTC),
        removed,
    ):
        override = overrides.get(occurrence.recurrence_id)
        starts = override.starts_at if override and override.starts_at else occurrence.starts_at
        ends = starts + (occurrence.ends_at - occurrence.starts_at)
        if starts < end and ends > start:
            found.append((occurrence.recurrence_id, starts, ends))
    return sorted(found)


@settings(max_examples=25)
@given(plans=st.lists(series_plans(), min_size=1, max_size=4), days=st.integers(1, 120))
def test_index_matches_brute_force_expansion(plans: list[dict], days: int) -> None:
    with TemporaryDirectory() as folder:
        db = create_database(Path(folder) / "index.organizer")
        try:
            services = Services.for_database(db, "tester")
            ids = []
            for number, plan in enumerate(plans):
                event = services.events.create(
                    EventDraft(
                        title=f"Event {number}",
                        starts_at=plan["start"],
                        ends_at=plan["end"],
                        timezone=plan["zone"],
                        rrule=plan["rule"],
                    )
                )
                if plan["rule"]:
                    occurrences = brute_force(services, event.id, *WINDOW)
                    for index in plan["removed"]:
                        if index < len(occurrences):
                            event = services.events.remove_occurrence(
                                event.id, event.version, occurrences[index][0]
                            )
                    for index in plan["moved"]:
                        if index < len(occurrences):
                            when = occurrences[index][0]
                            event = services.events.change_occurrence(
                                event.id, event.version, when, starts_at=when + timedelta(days=1)
                            )
                ids.append(event.id)
            window_start = min(p["start"] for p in plans).astimezone(UTC)
            window_end = window_start + timedelta(days=days)
            found = services.events.occurrences_between(window_start, window_end)
            got = sorted((o.event_id, o.recurrence_id, o.starts_at, o.ends_at) for o in found)
            expected = sorted(
                (event_id, *row)
                for event_id in ids
                for row in brute_force(services, event_id, window_start, window_end)
            )
            assert got == expected
            with db.read() as session:
                assert index_problems(session) == []
        finally:
            db.close()


def test_endless_series_are_read_past_the_horizon(db: Database) -> None:
    services = Services.for_database(db, "tester")
    london = ZoneInfo("Europe/London")
    event = services.events.create(
        EventDraft(
            title="Allotment morning",
            starts_at=datetime(2026, 3, 7, 10, tzinfo=london),
            ends_at=datetime(2026, 3, 7, 12, tzinfo=london),
            timezone="Europe/London",
            rrule="FREQ=WEEKLY;BYDAY=SA",
        )
    )
    with db.read() as session:
        horizon = stored_horizon(session)
    far = services.events.occurrences_between(
        horizon - timedelta(days=14), horizon + timedelta(days=14)
    )
    assert len(far) == 4
    assert all(o.event_id == event.id for o in far)
    assert all(o.starts_at.astimezone(london).hour == 10 for o in far)


def test_paging_on_past_the_horizon_gives_what_a_fresh_look_gives(db: Database) -> None:
    """Months beyond the index walk on from the months seen before; a changed rule is
    walked afresh, so nobody sees the old pattern."""
    services = Services.for_database(db, "tester")
    london = ZoneInfo("Europe/London")
    draft = EventDraft(
        title="Allotment morning",
        starts_at=datetime(2026, 3, 7, 10, tzinfo=london),
        ends_at=datetime(2026, 3, 7, 12, tzinfo=london),
        timezone="Europe/London",
        rrule="FREQ=WEEKLY;INTERVAL=2;BYDAY=SA,SU",
    )
    event = services.events.create(draft)
    with db.read() as session:
        horizon = stored_horizon(session)
    months = [
        (horizon + timedelta(days=31 * n), horizon + timedelta(days=31 * (n + 1)))
        for n in range(14)
    ]

    def fresh(start: datetime, end: datetime) -> list[datetime]:
        found = Services.for_database(db, "someone else").events.occurrences_between(start, end)
        return [o.starts_at for o in found]

    for start, end in months:
        paged = [o.starts_at for o in services.events.occurrences_between(start, end)]
        assert paged == fresh(start, end)
        assert paged and all(o.astimezone(london).weekday() in (5, 6) for o in paged)
    changed = services.events.update(
        event.id, event.version, replace(draft, rrule="FREQ=WEEKLY;BYDAY=WE")
    )
    assert changed.version != event.version
    for start, end in reversed(months):
        paged = [o.starts_at for o in services.events.occurrences_between(start, end)]
        assert paged == fresh(start, end)
        assert paged and all(o.astimezone(london).weekday() == 2 for o in paged)


def test_the_horizon_moves_on(db: Database) -> None:
    services = Services.for_database(db, "tester")
    services.events.create(
        EventDraft(
            title="Befriending calls",
            starts_at=datetime(2026, 1, 5, 18, tzinfo=UTC),
            ends_at=datetime(2026, 1, 5, 19, tzinfo=UTC),
            timezone="UTC",
            rrule="FREQ=WEEKLY",
        )
    )
    with db.write() as session:
        before = session.scalar(select(func.count()).select_from(OccurrenceRow)) or 0
        assert not extend_horizon(session)
        assert extend_horizon(session, now=datetime(2029, 6, 1, tzinfo=UTC))
        after = session.scalar(select(func.count()).select_from(OccurrenceRow)) or 0
        assert stored_horizon(session) == datetime(2032, 1, 1, tzinfo=UTC)
        assert index_problems(session) == []
    assert after > before


def test_sample_data_has_a_consistent_index(db: Database) -> None:
    generate_demo(db, start=date(2026, 11, 23))
    with db.read() as session:
        assert (session.scalar(select(func.count()).select_from(OccurrenceRow)) or 0) > 100
        assert index_problems(session) == []
