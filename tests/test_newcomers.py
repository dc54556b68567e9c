"""Newcomers' onboarding checklists and buddy suggestions."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from organizer.errors import ConflictError, DomainError
from organizer.models import EventStatus, utc_now
from organizer.people.newcomers import MAX_BUDDIES, OnboardingService, OnboardingStep
from organizer.services import Services, WeeklyWindow
from organizer.storage import Database
from tests.people_helpers import WeeklyShift, assign, person, weekly_shift

ACTOR = "coordinator@office"


@pytest.fixture
def services(db: Database) -> Services:
    return Services.for_database(db, ACTOR)


def experienced(
    services: Services, name: str, shift: WeeklyShift, shifts: int, window: WeeklyWindow | None
) -> int:
    found = person(services, name, joined_on=date(2022, 1, 1))
    for week in range(shifts):
        assign(services, shift, found.id, week)
    if window is not None:
        services.volunteers.set_availability(
            found.id, services.volunteers.get(found.id).version, [window]
        )
    return found.id


def test_a_newcomers_checklist_fills_in_step_by_step(db: Database, services: Services) -> None:
    onboarding = OnboardingService(db, ACTOR, clock=lambda: datetime(2024, 3, 1, tzinfo=UTC))
    café = weekly_shift(services, "Friday café", "Community café")
    mentor = person(services, "Mentor Mo", joined_on=date(2020, 1, 1))
    nia = person(services, "Nia Newcomer", joined_on=date(2024, 6, 1))

    fresh = onboarding.newest(limit=1)[0]
    assert (fresh.name, fresh.done, fresh.steps[0]) == (
        "Nia Newcomer",
        0,
        (OnboardingStep.WELCOMED, False),
    )

    step = onboarding.set_welcomed(nia.id, fresh.version, date(2024, 6, 2))
    step = onboarding.set_trained(nia.id, step.version, date(2024, 6, 9))
    assign(services, café, nia.id, 20, attended=False)  # a future place is not a first shift yet
    assert onboarding.checklist(nia.id).first_shift_at is None
    assign(services, café, nia.id, 2)
    step = onboarding.set_buddy(nia.id, step.version, mentor.id)

    done = onboarding.checklist(nia.id)
    assert done.complete
    assert (done.welcomed_on, done.trained_on, done.buddy_name) == (
        date(2024, 6, 2),
        date(2024, 6, 9),
        "Mentor Mo",
    )
    assert done.first_shift_at == café.week(2)

    cleared = onboarding.set_welcomed(nia.id, step.version, None)
    assert cleared.done == 3
    with pytest.raises(ConflictError):
        onboarding.set_trained(nia.id, step.version, None)
    with pytest.raises(DomainError, match="their own buddy"):
        onboarding.set_buddy(nia.id, cleared.version, nia.id)


def test_a_first_shift_is_one_that_happened_when_it_did(db: Database, services: Services) -> None:
    """A place on a date since cancelled is not a first shift; one on a date moved earlier
    counts from when it happened, at its own start."""
    onboarding = OnboardingService(db, ACTOR, clock=lambda: datetime(2024, 3, 1, tzinfo=UTC))
    café = weekly_shift(services, "Friday café", "Community café")
    nia = person(services, "Nia Newcomer", joined_on=date(2024, 1, 1))
    event_id = services.shifts.get(café.shift_id).event_id
    assign(services, café, nia.id, 1, attended=False)
    event = services.events.get(event_id)
    services.events.change_occurrence(
        event_id, event.version, café.week(1), status=EventStatus.CANCELLED
    )
    assert onboarding.checklist(nia.id).first_shift_at is None

    assign(services, café, nia.id, 9, attended=False)
    moved = café.week(9) - timedelta(days=30)  # from 4 March to 3 February
    event = services.events.get(event_id)
    services.events.change_occurrence(
        event_id, event.version, café.week(9), starts_at=moved, ends_at=moved + timedelta(hours=2)
    )
    assert onboarding.checklist(nia.id).first_shift_at == moved


def test_buddies_share_a_cause_and_free_time_and_are_not_overloaded(
    db: Database, services: Services
) -> None:
    café = weekly_shift(services, "Friday café", "Community café")
    walk = weekly_shift(services, "Sunday walk", "Walking group")
    monday_evening = WeeklyWindow(0, time(18), time(21))
    good = experienced(services, "Amira Haddad", café, 8, WeeklyWindow(0, time(17), time(20)))
    busier = experienced(services, "Ben Osei", café, 12, WeeklyWindow(0, time(19), time(20)))
    experienced(services, "Other Cause Olu", walk, 20, monday_evening)
    experienced(services, "Mornings Only", café, 20, WeeklyWindow(0, time(9), time(12)))
    experienced(services, "Just Started", café, 2, monday_evening)
    loaded = experienced(services, "Loaded Lou", café, 30, monday_evening)
    for index in range(MAX_BUDDIES):
        extra = person(services, f"Buddied {index}")
        OnboardingService(db, ACTOR).set_buddy(extra.id, extra.version, loaded)
    nia = person(services, "Nia Newcomer", joined_on=date(2024, 6, 1))
    assign(services, café, nia.id, 30, attended=False)
    services.volunteers.set_availability(
        nia.id, services.volunteers.get(nia.id).version, [monday_evening]
    )

    suggestions = OnboardingService(db, ACTOR).buddy_suggestions(nia.id)

    assert [s.volunteer_id for s in suggestions] == [good, busier]
    assert suggestions[0].shared_causes == ("Community café",)
    assert suggestions[0].overlap_hours == 2.0
    assert suggestions[0].reason == (
        "Amira Haddad has done 8 shifts, also helps with Community café and is free on "
        "Mondays like Nia."
    )


def test_a_newcomer_with_no_shifts_or_availability_still_gets_suggestions(
    db: Database, services: Services
) -> None:
    café = weekly_shift(services, "Friday café", "Community café")
    good = experienced(services, "Amira Haddad", café, 6, None)
    nia = person(services, "Nia Newcomer", joined_on=utc_now().date() - timedelta(days=1))

    (only,) = OnboardingService(db, ACTOR).buddy_suggestions(nia.id)

    assert only.volunteer_id == good
    assert only.reason == "Amira Haddad has done 6 shifts."
