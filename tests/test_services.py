"""The Qt-free services: validation, optimistic concurrency, the change log, occurrences."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from organizer.errors import ConflictError, DomainError, NotFoundError, ValidationError
from organizer.models import AssignmentStatus, Attendance, EventStatus
from organizer.models.ids import QualificationId
from organizer.services import (
    AssignmentDraft,
    Blackout,
    CauseDraft,
    Consent,
    EventDraft,
    HeldQualification,
    LocationDraft,
    QualificationDraft,
    Services,
    ShiftDraft,
    VolunteerDraft,
    WeeklyWindow,
)
from organizer.storage import Database

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def services(db: Database) -> Services:
    return Services.for_database(db, "Sam")


@pytest.fixture
def other_coordinator(db: Database) -> Services:
    return Services.for_database(db, "Priya")


def weekly_circle(services: Services, **changes: object) -> EventDraft:
    cause = services.causes.create(CauseDraft(name="Peer-support circle", colour="#7b5ea7"))
    draft = EventDraft(
        title="Tuesday circle",
        starts_at=datetime(2026, 10, 6, 18, 0, tzinfo=LONDON),
        ends_at=datetime(2026, 10, 6, 20, 0, tzinfo=LONDON),
        timezone="Europe/London",
        cause_id=cause.id,
        rrule="FREQ=WEEKLY;BYDAY=TU;COUNT=10",
    )
    return replace(draft, **changes)  # type: ignore[arg-type]


def fields_of(error: pytest.ExceptionInfo[ValidationError]) -> set[str]:
    return {p.field for p in error.value.problems}


def test_cause_validation_names_each_field(services: Services) -> None:
    with pytest.raises(ValidationError) as error:
        services.causes.create(CauseDraft(name="  ", colour="blue"))
    assert fields_of(error) == {"name", "colour"}
    assert error.value.for_field("name") == "Name cannot be empty."


def test_names_are_unique_ignoring_case(services: Services) -> None:
    services.causes.create(CauseDraft(name="Food bank"))
    with pytest.raises(ValidationError, match="already a cause called"):
        services.causes.create(CauseDraft(name="food BANK"))
    services.locations.create(LocationDraft(name="Hall"))
    with pytest.raises(ValidationError, match="already a location"):
        services.locations.create(LocationDraft(name="hall"))


def test_event_validation(services: Services) -> None:
    start = datetime(2026, 5, 1, 10, tzinfo=UTC)
    with pytest.raises(ValidationError) as error:
        services.events.create(
            EventDraft(
                title="",
                starts_at=start,
                ends_at=start - timedelta(hours=1),
                timezone="Mars/Olympus_Mons",
                capacity=0,
            )
        )
    assert fields_of(error) == {"title", "ends_at", "timezone", "capacity"}
    with pytest.raises(ValidationError) as error:
        services.events.create(
            EventDraft(
                title="Naive",
                starts_at=datetime(2026, 5, 1, 10),
                ends_at=datetime(2026, 5, 1, 11),
                timezone="Europe/London",
            )
        )
    assert fields_of(error) == {"starts_at", "ends_at"}


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("FREQ=HOURLY", "daily, weekly, monthly or yearly"),
        ("FREQ=WEEKLY;COUNT=0", "at least 1"),
        ("FREQ=WEEKLY;COUNT=3;UNTIL=20270101", "not both"),
        ("FREQ=WEEKLY;BYDAY=XX", "not valid"),
        ("FREQ=WEEKLY;UNTIL=2027-01-01", "not a valid end date"),
        ("nonsense", "NAME=VALUE"),
    ],
)
def test_bad_repeat_rules_are_explained(services: Services, rule: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message) as error:
        services.events.create(weekly_circle(services, rrule=rule))
    assert fields_of(error) == {"recurrence"}


def test_event_gets_a_uid_once_and_sequence_rises_with_calendar_changes(
    services: Services,
) -> None:
    event = services.events.create(weekly_circle(services))
    assert event.uid.endswith("@organizer")
    assert event.sequence == 0
    assert event.version == 1
    assert event.recurrence_end == datetime(2026, 12, 8, 20, 0, tzinfo=UTC)

    moved = services.events.update(
        event.id,
        event.version,
        weekly_circle_like(event, title="Tuesday peer circle"),
    )
    assert moved.uid == event.uid
    assert moved.sequence == 1
    assert moved.version == 2

    same = services.events.update(moved.id, moved.version, weekly_circle_like(moved))
    assert same.version == moved.version  # nothing changed, nothing written
    capacity = services.events.update(
        moved.id, moved.version, weekly_circle_like(moved, capacity=12)
    )
    assert capacity.sequence == 1  # capacity does not concern a volunteer's calendar


def test_a_plain_update_keeps_the_times_of_an_event_people_are_booked_on(
    services: Services,
) -> None:
    """Moving a series with people on it must take their bookings along, which only the
    series editor does: the plain update refuses, changes nothing, and still renames."""
    event = services.events.create(weekly_circle(services))
    shift = services.shifts.create(ShiftDraft(event_id=event.id, role="Facilitator"))
    amira = services.volunteers.create(VolunteerDraft(name="Amira", joined_on=date(2026, 1, 1)))
    second = datetime(2026, 10, 13, 17, 0, tzinfo=UTC)
    services.assignments.create(
        AssignmentDraft(shift_id=shift.id, volunteer_id=amira.id, occurrence_start=second)
    )
    later = timedelta(hours=1)
    moves: list[dict[str, object]] = [
        {"starts_at": event.starts_at + later, "ends_at": event.ends_at + later},
        {"rrule": "FREQ=WEEKLY;BYDAY=WE"},
        {"timezone": "Europe/Paris"},
        {"all_day": True},
    ]
    for move in moves:
        with pytest.raises(DomainError, match="booked"):
            services.events.update(event.id, event.version, weekly_circle_like(event, **move))
    kept = services.events.get(event.id)
    assert (kept.version, kept.starts_at, kept.rrule) == (
        event.version,
        event.starts_at,
        event.rrule,
    )
    assert second in [
        o.starts_at for o in services.events.occurrences_between(second, second + later)
    ]
    renamed = services.events.update(
        event.id, event.version, weekly_circle_like(event, title="Tuesday peer circle")
    )
    assert renamed.title == "Tuesday peer circle"
    free = services.events.create(weekly_circle_like(event, title="Nobody booked yet"))
    moved = services.events.update(
        free.id, free.version, weekly_circle_like(free, rrule="FREQ=WEEKLY;BYDAY=WE")
    )
    assert moved.rrule != free.rrule


def weekly_circle_like(event: object, **changes: object) -> EventDraft:
    draft = EventDraft(
        title=event.title,  # type: ignore[attr-defined]
        starts_at=event.starts_at,  # type: ignore[attr-defined]
        ends_at=event.ends_at,  # type: ignore[attr-defined]
        timezone=event.timezone,  # type: ignore[attr-defined]
        description=event.description,  # type: ignore[attr-defined]
        cause_id=event.cause_id,  # type: ignore[attr-defined]
        location_id=event.location_id,  # type: ignore[attr-defined]
        all_day=event.all_day,  # type: ignore[attr-defined]
        capacity=event.capacity,  # type: ignore[attr-defined]
        status=event.status,  # type: ignore[attr-defined]
        rrule=event.rrule,  # type: ignore[attr-defined]
    )
    return replace(draft, **changes)  # type: ignore[arg-type]


def test_a_stale_save_is_a_conflict_naming_who_and_when(
    services: Services, other_coordinator: Services
) -> None:
    cause = services.causes.create(CauseDraft(name="Food bank"))
    theirs = other_coordinator.causes.update(
        cause.id, cause.version, CauseDraft(name="Food bank", description="Saturdays")
    )
    with pytest.raises(ConflictError) as error:
        services.causes.update(cause.id, cause.version, CauseDraft(name="Food bank (north)"))
    assert error.value.changed_by == "Priya"
    assert error.value.changed_at == theirs.updated_at
    assert "Priya changed this cause at" in str(error.value)
    assert services.causes.get(cause.id).name == "Food bank"  # nothing overwritten
    with pytest.raises(ConflictError):
        services.causes.delete(cause.id, cause.version)


def test_every_change_is_in_the_change_log(services: Services) -> None:
    start = services.changes.latest_seq()
    cause = services.causes.create(CauseDraft(name="Art for wellbeing"))
    cause = services.causes.update(
        cause.id, cause.version, CauseDraft(name="Art for wellbeing", colour="#E45756")
    )
    services.causes.delete(cause.id, cause.version)
    entries = services.changes.since(start)
    assert [(e.action, e.entity, e.entity_id, e.actor) for e in entries] == [
        ("create", "cause", cause.id, "Sam"),
        ("update", "cause", cause.id, "Sam"),
        ("delete", "cause", cause.id, "Sam"),
    ]
    assert entries[1].summary == "Changed cause “Art for wellbeing”: colour"
    assert [e.seq for e in entries] == sorted(e.seq for e in entries)


def test_deleted_records_are_reported_not_found(services: Services) -> None:
    cause = services.causes.create(CauseDraft(name="Befriending calls"))
    services.causes.delete(cause.id, cause.version)
    with pytest.raises(NotFoundError, match="no longer exists"):
        services.causes.get(cause.id)
    with pytest.raises(NotFoundError):
        services.causes.update(cause.id, cause.version, CauseDraft(name="x"))


def test_a_cause_with_events_is_archived_not_deleted(services: Services) -> None:
    event = services.events.create(weekly_circle(services))
    cause = services.causes.get(event.cause_id)  # type: ignore[arg-type]
    with pytest.raises(DomainError, match="Mark it inactive"):
        services.causes.delete(cause.id, cause.version)


def test_volunteer_validation_and_children(services: Services) -> None:
    with pytest.raises(ValidationError) as error:
        services.volunteers.create(
            VolunteerDraft(
                name="",
                joined_on=date(2026, 1, 5),
                email="not-an-email",
                timezone="Nowhere/Special",
                max_hours_per_week=0,
            )
        )
    assert fields_of(error) == {"name", "email", "timezone", "max_hours_per_week"}

    volunteer = services.volunteers.create(
        VolunteerDraft(
            name=" Amira Haddad ", joined_on=date(2026, 1, 5), email=" amira@example.org "
        )
    )
    assert volunteer.name == "Amira Haddad"
    assert volunteer.email == "amira@example.org"
    facilitator = services.qualifications.create(
        QualificationDraft(name="Trained facilitator", validity_months=24)
    )
    volunteer = services.volunteers.set_qualifications(
        volunteer.id,
        volunteer.version,
        [HeldQualification(facilitator.id, date(2025, 1, 1), date(2027, 1, 1))],
    )
    volunteer = services.volunteers.set_availability(
        volunteer.id, volunteer.version, [WeeklyWindow(1, time(17), time(21))]
    )
    volunteer = services.volunteers.set_blackouts(
        volunteer.id, volunteer.version, [Blackout(date(2026, 12, 20), date(2027, 1, 3), "Family")]
    )
    volunteer = services.volunteers.record_consent(
        volunteer.id, volunteer.version, "Contact by email", date(2026, 1, 5)
    )
    loaded = services.volunteers.get(volunteer.id)
    assert loaded.version == 5  # each child edit bumps the version, so conflicts are caught
    assert [q.qualification.name for q in loaded.qualifications] == ["Trained facilitator"]
    assert [(w.weekday, w.starts, w.ends) for w in loaded.availability] == [(1, time(17), time(21))]
    assert loaded.blackouts[0].reason == "Family"
    assert loaded.consents[0].covers == "Contact by email"
    assert loaded.consents[0].recorded_by == "Sam"

    with pytest.raises(ValidationError, match="after the start"):
        services.volunteers.set_availability(
            loaded.id, loaded.version, [WeeklyWindow(2, time(12), time(9))]
        )
    with pytest.raises(ValidationError, match="before it was obtained"):
        services.volunteers.set_qualifications(
            loaded.id,
            loaded.version,
            [
                HeldQualification(
                    QualificationId(facilitator.id), date(2026, 1, 1), date(2025, 1, 1)
                )
            ],
        )
    with pytest.raises(ConflictError):
        services.volunteers.set_blackouts(volunteer.id, 1, [])


def test_volunteer_search_and_archive(services: Services) -> None:
    for name, email in [
        ("Keith Moffat", "keith@example.org"),
        ("Kylie Suest", None),
        ("Roger Ken", "rk@example.net"),
    ]:
        services.volunteers.create(
            VolunteerDraft(name=name, joined_on=date(2026, 2, 1), email=email)
        )
    assert [v.name for v in services.volunteers.search("k")] == [
        "Keith Moffat",
        "Kylie Suest",
        "Roger Ken",
    ]
    assert [v.name for v in services.volunteers.search("EXAMPLE.NET")] == ["Roger Ken"]
    kylie = services.volunteers.search("kylie")[0]
    services.volunteers.set_active(kylie.id, kylie.version, False)
    assert [v.name for v in services.volunteers.search("k")] == ["Keith Moffat", "Roger Ken"]
    assert len(services.volunteers.search("k", active_only=False)) == 3


def test_occurrences_follow_local_time_across_the_clock_change(services: Services) -> None:
    event = services.events.create(weekly_circle(services))
    found = services.events.occurrences_between(
        datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 10, tzinfo=UTC)
    )
    assert [o.starts_at.astimezone(LONDON).strftime("%d %b %H:%M") for o in found] == [
        "06 Oct 18:00",
        "13 Oct 18:00",
        "20 Oct 18:00",
        "27 Oct 18:00",
        "03 Nov 18:00",
    ]
    assert [o.starts_at.hour for o in found] == [17, 17, 17, 18, 18]  # UTC moves, local does not
    assert all(o.event_id == event.id and o.is_recurring for o in found)


def test_removed_and_changed_occurrences(services: Services) -> None:
    event = services.events.create(weekly_circle(services))
    third = datetime(2026, 10, 20, 17, 0, tzinfo=UTC)
    fourth = datetime(2026, 10, 27, 18, 0, tzinfo=UTC)
    event = services.events.remove_occurrence(event.id, event.version, third)
    event = services.events.change_occurrence(
        event.id,
        event.version,
        fourth,
        starts_at=datetime(2026, 10, 29, 18, 0, tzinfo=UTC),
        title="Thursday this week",
    )
    assert event.sequence == 2
    found = services.events.occurrences_between(
        datetime(2026, 10, 14, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC)
    )
    assert [(o.starts_at.day, o.title, o.overridden) for o in found] == [
        (29, "Thursday this week", True)
    ]
    moved_out = services.events.occurrences_between(
        datetime(2026, 10, 26, tzinfo=UTC), datetime(2026, 10, 28, tzinfo=UTC)
    )
    assert moved_out == []
    with pytest.raises(ValidationError, match="no occurrence"):
        services.events.remove_occurrence(event.id, event.version, third + timedelta(hours=1))


def test_overnight_and_all_day_events(services: Services) -> None:
    shelter = services.events.create(
        EventDraft(
            title="Night shelter",
            starts_at=datetime(2026, 12, 5, 21, tzinfo=LONDON),
            ends_at=datetime(2026, 12, 6, 7, tzinfo=LONDON),
            timezone="Europe/London",
        )
    )
    fair = services.events.create(
        EventDraft(
            title="Winter fair",
            starts_at=datetime(2026, 12, 12, tzinfo=LONDON),
            ends_at=datetime(2026, 12, 13, tzinfo=LONDON),
            timezone="Europe/London",
            all_day=True,
        )
    )
    on_sixth = services.events.occurrences_between(
        datetime(2026, 12, 6, tzinfo=UTC), datetime(2026, 12, 7, tzinfo=UTC)
    )
    assert [o.event_id for o in on_sixth] == [shelter.id]
    fair_day = services.events.occurrences_between(
        datetime(2026, 12, 12, 12, tzinfo=UTC), datetime(2026, 12, 12, 13, tzinfo=UTC)
    )
    assert [(o.event_id, o.all_day) for o in fair_day] == [(fair.id, True)]


def test_cancelled_events_can_be_hidden(services: Services) -> None:
    event = services.events.create(weekly_circle(services))
    services.events.set_status(event.id, event.version, EventStatus.CANCELLED)
    window = (datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 10, 8, tzinfo=UTC))
    assert len(services.events.occurrences_between(*window)) == 1
    assert services.events.occurrences_between(*window, include_cancelled=False) == []


def test_shifts_and_assignments(services: Services) -> None:
    event = services.events.create(weekly_circle(services))
    with pytest.raises(ValidationError) as error:
        services.shifts.create(
            ShiftDraft(
                event_id=event.id, role=" ", needed=0, start_offset_min=90, end_offset_min=60
            )
        )
    assert fields_of(error) == {"role", "needed", "end_offset_min"}
    with pytest.raises(ValidationError, match="during the event"):
        services.shifts.create(ShiftDraft(event_id=event.id, role="Greeter", start_offset_min=500))
    shift = services.shifts.create(
        ShiftDraft(
            event_id=event.id, role="Facilitator", needed=2, start_offset_min=0, end_offset_min=120
        )
    )
    amira = services.volunteers.create(VolunteerDraft(name="Amira", joined_on=date(2026, 1, 1)))
    second = datetime(2026, 10, 13, 17, 0, tzinfo=UTC)

    with pytest.raises(ValidationError, match="no occurrence"):
        services.assignments.create(
            AssignmentDraft(
                shift_id=shift.id,
                volunteer_id=amira.id,
                occurrence_start=second + timedelta(days=1),
            )
        )
    placed = services.assignments.create(
        AssignmentDraft(shift_id=shift.id, volunteer_id=amira.id, occurrence_start=second)
    )
    assert placed.status is AssignmentStatus.PROPOSED
    with pytest.raises(ValidationError, match="already on this shift"):
        services.assignments.create(
            AssignmentDraft(shift_id=shift.id, volunteer_id=amira.id, occurrence_start=second)
        )
    attended = services.assignments.update(
        placed.id,
        placed.version,
        AssignmentDraft(
            shift_id=shift.id,
            volunteer_id=amira.id,
            occurrence_start=second,
            status=AssignmentStatus.ACCEPTED,
            attendance=Attendance.ATTENDED,
            hours=2.0,
        ),
    )
    assert attended.attendance is Attendance.ATTENDED
    assert [a.id for a in services.assignments.for_volunteer(amira.id)] == [placed.id]
    assert [a.volunteer.name for a in services.assignments.for_shift(shift.id, second)] == ["Amira"]
    with pytest.raises(DomainError, match="Archive them instead"):
        services.volunteers.delete(amira.id, amira.version)


def test_coverage_counts_places_per_occurrence(services: Services) -> None:
    event = services.events.create(weekly_circle(services))
    lead = services.shifts.create(ShiftDraft(event_id=event.id, role="Facilitator", needed=2))
    tea = services.shifts.create(
        ShiftDraft(event_id=event.id, role="Tea", start_offset_min=30, end_offset_min=60)
    )
    first = datetime(2026, 10, 6, 17, 0, tzinfo=UTC)
    second = datetime(2026, 10, 13, 17, 0, tzinfo=UTC)
    people = [
        services.volunteers.create(VolunteerDraft(name=n, joined_on=date(2026, 1, 1)))
        for n in ("Ana", "Bo", "Cy")
    ]
    for person, shift, when, status in [
        (people[0], lead.id, first, AssignmentStatus.ACCEPTED),
        (people[1], lead.id, first, AssignmentStatus.INVITED),
        (people[2], tea.id, first, AssignmentStatus.DECLINED),
        (people[0], lead.id, second, AssignmentStatus.TENTATIVE),
    ]:
        services.assignments.create(
            AssignmentDraft(
                shift_id=shift, volunteer_id=person.id, occurrence_start=when, status=status
            )
        )
    fills = services.coverage.shift_fill(first, second + timedelta(days=1))
    shown = [(f.recurrence_id.day, f.role, f.filled, f.needed, f.status.value) for f in fills]
    assert shown == [
        (6, "Facilitator", 2, 2, "full"),
        (6, "Tea", 0, 1, "empty"),
        (13, "Facilitator", 1, 2, "short"),
        (13, "Tea", 0, 1, "empty"),
    ]
    tea_first = fills[1]
    assert tea_first.starts_at == first + timedelta(minutes=30)
    assert tea_first.ends_at == first + timedelta(minutes=60)
    urgent = services.coverage.understaffed(first, second + timedelta(days=1))
    assert [(u.recurrence_id.day, u.role, u.missing) for u in urgent] == [
        (6, "Tea", 1),
        (13, "Facilitator", 1),
        (13, "Tea", 1),
    ]


def test_consents_can_be_set_back_exactly(services: Services) -> None:
    volunteer = services.volunteers.create(VolunteerDraft(name="Ana", joined_on=date(2026, 1, 1)))
    volunteer = services.volunteers.record_consent(
        volunteer.id, volunteer.version, "Contact by email", date(2026, 1, 2)
    )
    volunteer = services.volunteers.record_consent(
        volunteer.id, volunteer.version, "Photos at events", date(2026, 1, 3)
    )
    kept = volunteer.consents[0]
    volunteer = services.volunteers.set_consents(
        volunteer.id,
        volunteer.version,
        [Consent("Contact by email", date(2026, 1, 2), withdrawn_on=date(2026, 2, 1))],
    )
    assert [(c.covers, c.withdrawn_on) for c in volunteer.consents] == [
        ("Contact by email", date(2026, 2, 1))
    ]
    assert volunteer.consents[0].id == kept.id  # the same record, who recorded it kept
    with pytest.raises(ValidationError, match="before it was given"):
        services.volunteers.set_consents(
            volunteer.id,
            volunteer.version,
            [Consent("Contact by email", date(2026, 1, 2), withdrawn_on=date(2025, 1, 1))],
        )
