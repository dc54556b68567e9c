"""The Home page's figures, without Qt: this week, shifts that need people, who is new."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from organizer.demo import generate_demo
from organizer.models import AssignmentStatus, Attendance, EventStatus
from organizer.models.ids import EventId, VolunteerId
from organizer.services import (
    AssignmentDraft,
    CauseDraft,
    EventDraft,
    LocationDraft,
    Services,
    ShiftDraft,
    VolunteerDraft,
)
from organizer.services.coverage import FillStatus
from organizer.services.overview import LocationLinks, OverviewService, week_of
from organizer.storage import Database

LONDON = ZoneInfo("Europe/London")
DEMO_MONDAY = date(2026, 11, 23)
# A Wednesday morning in the demo's central week.
NOW = datetime(2026, 11, 25, 9, 30, tzinfo=LONDON)


@pytest.fixture
def services(db: Database) -> Services:
    return Services.for_database(db, "Sam")


@pytest.fixture
def overview(db: Database) -> OverviewService:
    return OverviewService(db, "Sam")


@pytest.fixture
def demo(db: Database) -> Database:
    generate_demo(db, scale="small", seed=1, start=DEMO_MONDAY)
    return db


def one_off(services: Services, title: str, starts: datetime, **extra: object) -> EventId:
    event = services.events.create(
        EventDraft(
            title=title,
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            timezone="Europe/London",
            **extra,  # type: ignore[arg-type]
        )
    )
    return event.id


def test_a_new_file_is_empty_until_something_is_added(
    services: Services, overview: OverviewService
) -> None:
    assert overview.is_empty()
    services.locations.create(LocationDraft(name="Library"))
    assert overview.is_empty(), "a place alone is not a start"
    services.volunteers.create(VolunteerDraft(name="Amira", joined_on=date(2026, 1, 1)))
    assert not overview.is_empty()


def test_the_week_runs_from_monday_to_sunday_in_the_given_zone() -> None:
    sunday_night = datetime(2026, 11, 29, 23, 30, tzinfo=LONDON)
    start, end = week_of(sunday_night)
    assert start == datetime(2026, 11, 23, tzinfo=LONDON)
    assert end == datetime(2026, 11, 30, tzinfo=LONDON)
    with pytest.raises(ValueError, match="time zone"):
        week_of(datetime(2026, 11, 25, 9, 30))


def test_this_week_lists_the_weeks_events_with_their_fill(
    services: Services, overview: OverviewService
) -> None:
    cause = services.causes.create(CauseDraft(name="Food bank", colour="#F28E2B"))
    hall = services.locations.create(LocationDraft(name="Church hall"))
    wednesday = one_off(
        services,
        "Stock sorting",
        datetime(2026, 11, 25, 18, 0, tzinfo=LONDON),
        cause_id=cause.id,
        location_id=hall.id,
    )
    one_off(services, "Last Sunday", datetime(2026, 11, 22, 21, 0, tzinfo=LONDON))
    one_off(services, "Next Monday", datetime(2026, 11, 30, 9, 0, tzinfo=LONDON))
    monday = one_off(services, "Quiet Monday", datetime(2026, 11, 23, 9, 0, tzinfo=LONDON))
    sorters = services.shifts.create(ShiftDraft(event_id=wednesday, role="Sorter", needed=3))
    services.shifts.create(ShiftDraft(event_id=wednesday, role="Driver", needed=1))
    for name, status in (("Ana", AssignmentStatus.ACCEPTED), ("Bo", AssignmentStatus.DECLINED)):
        person = services.volunteers.create(VolunteerDraft(name=name, joined_on=date(2026, 1, 1)))
        services.assignments.create(
            AssignmentDraft(
                shift_id=sorters.id,
                volunteer_id=person.id,
                occurrence_start=datetime(2026, 11, 25, 18, 0, tzinfo=LONDON),
                status=status,
            )
        )

    week = overview.this_week(NOW)

    assert [item.occurrence.title for item in week] == ["Quiet Monday", "Stock sorting"]
    quiet, sorting = week
    assert quiet.occurrence.event_id == monday
    assert not quiet.has_shifts
    assert (sorting.filled, sorting.needed, sorting.status) == (1, 4, FillStatus.SHORT)
    assert sorting.cause is not None and sorting.cause.colour == "#F28E2B"
    assert sorting.location == "Church hall"


def test_this_week_on_the_sample_data(demo: Database, overview: OverviewService) -> None:
    start, end = week_of(NOW)
    week = overview.this_week(NOW)
    assert len(week) >= 8
    starts = [item.occurrence.starts_at for item in week]
    assert starts == sorted(starts)
    assert all(start <= item.occurrence.starts_at < end for item in week)
    coverage = Services.for_database(demo, "Sam").coverage.shift_fill(start, end)
    assert sum(item.needed for item in week) == sum(fill.needed for fill in coverage)
    cancelled = [item for item in week if item.occurrence.status is EventStatus.CANCELLED]
    assert all(item.needed == 0 for item in cancelled)


def test_shifts_that_need_people_come_most_urgent_first(
    demo: Database, overview: OverviewService
) -> None:
    needs = overview.needs_people(NOW, days=21, limit=12)
    assert len(needs) == 12
    assert all(item.fill.missing > 0 for item in needs)
    assert all(NOW <= item.fill.starts_at < NOW + timedelta(days=22) for item in needs)
    days = [(item.fill.starts_at - NOW) // timedelta(days=1) for item in needs]
    assert days == sorted(days), "sooner days come first"
    assert all(item.cause is not None for item in needs)
    assert len(overview.needs_people(NOW, days=21, limit=3)) == 3


def test_week_totals_and_urgent_shifts_agree_with_every_shifts_fill(
    demo: Database, overview: OverviewService
) -> None:
    """Home's sums and its short list are the same as working each shift out one by one."""
    coverage = Services.for_database(demo, "Sam").coverage
    start, end = NOW, NOW + timedelta(days=21)
    fills = coverage.shift_fill(start, end)
    expected: dict[tuple[int, datetime], tuple[int, int]] = {}
    for fill in fills:
        needed, filled = expected.get((fill.event_id, fill.recurrence_id), (0, 0))
        expected[fill.event_id, fill.recurrence_id] = (
            needed + fill.needed,
            filled + min(fill.filled, fill.needed),
        )
    assert coverage.occurrence_totals(start, end) == expected
    short = coverage.understaffed(start, end, limit=10_000)
    assert {(f.shift_id, f.recurrence_id) for f in short} == {
        (f.shift_id, f.recurrence_id) for f in fills if f.missing
    }


def accept(
    services: Services, shift_id: int, person: VolunteerId, event_id: EventId, **extra: object
) -> None:
    """``person`` accepted on the shift at the event's first occurrence."""
    services.assignments.create(
        AssignmentDraft(
            shift_id=shift_id,  # type: ignore[arg-type]
            volunteer_id=person,
            occurrence_start=services.events.get(event_id).starts_at,
            status=AssignmentStatus.ACCEPTED,
            **extra,  # type: ignore[arg-type]
        )
    )


def test_whos_new_lists_the_newest_active_volunteers_and_their_shifts(
    services: Services, overview: OverviewService
) -> None:
    def join(name: str, day: int, **extra: object) -> VolunteerId:
        draft = VolunteerDraft(name=name, joined_on=date(2026, 11, day), **extra)  # type: ignore[arg-type]
        return services.volunteers.create(draft).id

    join("Old hand", 1, email="old@example.org")
    newest = join("Noor", 24, email="noor@example.org")
    join("Archived", 25, active=False)
    middle = join("Luca", 20, phone="01234 567890")
    bot = join("KeithMof", 22)
    event = one_off(services, "Garden morning", datetime(2026, 11, 18, 10, 0, tzinfo=LONDON))
    later = one_off(services, "Garden morning", datetime(2026, 11, 28, 10, 0, tzinfo=LONDON))
    for event_id in (event, later):
        shift = services.shifts.create(ShiftDraft(event_id=event_id, role="Gardener", needed=4))
        for person in (middle, newest) if event_id == later else (middle,):
            accept(services, shift.id, person, event_id)

    people = overview.whos_new(limit=3, now=NOW)

    assert [p.name for p in people] == ["Noor", "KeithMof", "Luca"]
    noor, keith, luca = people
    assert noor.volunteer_id == newest and noor.shifts_done == 0
    assert noor.next_shift == datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
    assert keith.volunteer_id == bot and keith.next_shift is None and not keith.has_contact
    assert luca.shifts_done == 1 and luca.has_contact


def test_whos_new_counts_shifts_as_they_happen(
    services: Services, overview: OverviewService
) -> None:
    """A newcomer's first shift is where and when it now happens (moved, its own start),
    never a cancelled one; a no-show is not a shift done."""
    ada = services.volunteers.create(VolunteerDraft(name="Ada", joined_on=date(2026, 11, 20))).id

    def book(starts: datetime, *, offset: int | None = None, **extra: object) -> EventId:
        event_id = one_off(services, "Sorting", starts, rrule="FREQ=WEEKLY;COUNT=2")
        shift = services.shifts.create(
            ShiftDraft(event_id=event_id, role="Sorter", start_offset_min=offset)
        )
        accept(services, shift.id, ada, event_id, **extra)
        return event_id

    book(datetime(2026, 11, 23, 10, 0, tzinfo=LONDON), attendance=Attendance.NO_SHOW)
    cancelled = book(datetime(2026, 11, 26, 10, 0, tzinfo=LONDON))
    services.events.set_status(
        cancelled, services.events.get(cancelled).version, EventStatus.CANCELLED
    )
    moved = book(datetime(2026, 11, 27, 10, 0, tzinfo=LONDON), offset=30)
    event = services.events.get(moved)
    services.events.change_occurrence(
        moved,
        event.version,
        event.starts_at,
        starts_at=datetime(2026, 12, 2, 14, 0, tzinfo=LONDON),
        ends_at=datetime(2026, 12, 2, 16, 0, tzinfo=LONDON),
    )

    (newcomer,) = [p for p in overview.whos_new(now=NOW) if p.volunteer_id == ada]
    assert newcomer.shifts_done == 0
    assert newcomer.next_shift == datetime(2026, 12, 2, 14, 30, tzinfo=UTC)


def test_putting_a_deleted_place_back_on_its_events(
    db: Database, services: Services, overview: OverviewService
) -> None:
    hall = services.locations.create(LocationDraft(name="Church hall", address="1 High St"))
    kept = one_off(services, "Sorting", datetime(2026, 11, 25, 18, 0, tzinfo=LONDON))
    moved = one_off(services, "Sorting again", datetime(2026, 11, 26, 18, 0, tzinfo=LONDON))
    for event_id in (kept, moved):
        event = services.events.get(event_id)
        services.events.update(
            event_id,
            event.version,
            EventDraft(
                title=event.title,
                starts_at=event.starts_at,
                ends_at=event.ends_at,
                timezone=event.timezone,
                location_id=hall.id,
            ),
        )
    links = LocationLinks(db, "Sam")
    use = links.in_use(hall.id)
    assert set(use.event_ids) == {kept, moved} and use.events == 2
    sequence_before = services.events.get(kept).sequence

    services.locations.delete(hall.id, services.locations.get(hall.id).version)
    assert services.events.get(kept).location_id is None
    again = services.events.get(moved)
    library = services.locations.create(LocationDraft(name="Library"))
    services.events.update(
        moved,
        again.version,
        EventDraft(
            title=again.title,
            starts_at=again.starts_at,
            ends_at=again.ends_at,
            timezone=again.timezone,
            location_id=library.id,
        ),
    )
    restored = services.locations.create(LocationDraft(name="Church hall", address="1 High St"))

    assert links.relink(restored.id, use) == 1
    event = services.events.get(kept)
    assert event.location_id == restored.id
    assert event.sequence == sequence_before + 1
    assert services.events.get(moved).location_id == library.id, "a newer choice is kept"
    assert "back where it was used (1 in all)" in services.changes.recent(1)[0].summary
    assert overview.this_week(NOW)[0].location == "Church hall"


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    hours=st.integers(min_value=-24 * 10, max_value=24 * 30),
    days=st.integers(min_value=0, max_value=28),
    limit=st.integers(min_value=1, max_value=40),
)
def test_the_most_urgent_shifts_are_found_without_reading_them_all(
    demo: Database, hours: int, days: int, limit: int
) -> None:
    """Reading stops early once no later shift can be more urgent; the answer is the same
    as sorting every short shift of the span."""
    coverage = Services.for_database(demo, "Sam").coverage
    now = NOW + timedelta(hours=hours)
    end = now + timedelta(days=days)
    every = [fill for fill in coverage.shift_fill(now, end) if fill.missing]
    every.sort(key=lambda f: (max((f.starts_at - now) // timedelta(days=1), 0), -f.missing))
    assert coverage.understaffed(now, end, limit=limit) == every[:limit]
