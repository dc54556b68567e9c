"""Series editing without Qt: roles with events, splits, undo snapshots, the events list."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update
from sqlalchemy.orm.exc import StaleDataError

from organizer import timezones
from organizer.errors import ConflictError, DomainError, ValidationError
from organizer.models import (
    Assignment,
    AssignmentStatus,
    Attendance,
    ChangeLogEntry,
    EventStatus,
    OccurrenceRow,
    Shift,
)
from organizer.models.ids import AssignmentId, ShiftId
from organizer.recurrence import describe, expand, normalise_rule
from organizer.services import (
    AssignmentDraft,
    CauseDraft,
    EventDraft,
    LocationDraft,
    QualificationDraft,
    Services,
    VolunteerDraft,
)
from organizer.services import series as series_module
from organizer.services.events import occurrence_exists
from organizer.services.occurrences import index_problems
from organizer.services.series import (
    Ending,
    EventFilter,
    Frequency,
    MonthlyBy,
    RepeatPlan,
    RoleDraft,
    RoleProblem,
    Scope,
    SeriesService,
    occurrence_draft,
    pair_occurrences,
    plan_for,
    roles_of,
    rule_for,
)
from organizer.storage import Database, create_database

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture
def services(db: Database) -> Services:
    return Services.for_database(db, "Sam")


@pytest.fixture
def series(db: Database) -> SeriesService:
    return SeriesService(db, "Sam")


def circle(**changes: object) -> EventDraft:
    """A weekly Tuesday circle, 18:00–20:00 London, from 3 November 2026."""
    draft = EventDraft(
        title="Tuesday circle",
        starts_at=datetime(2026, 11, 3, 18, 0, tzinfo=LONDON),
        ends_at=datetime(2026, 11, 3, 20, 0, tzinfo=LONDON),
        timezone="Europe/London",
        rrule="FREQ=WEEKLY;BYDAY=TU",
    )
    return replace(draft, **changes)  # type: ignore[arg-type]


def tuesday(day: int, month: int = 11, year: int = 2026, hour: int = 18) -> datetime:
    return datetime(year, month, day, hour, 0, tzinfo=LONDON).astimezone(UTC)


ROLES = (RoleDraft("Facilitator", 1), RoleDraft("Greeter", 2))
HOUR = timedelta(hours=1)


@dataclass
class Booked:
    """A circle with two roles and volunteers on some Tuesdays."""

    event_id: int
    version: int
    facilitator: ShiftId
    greeter: ShiftId
    bookings: dict[datetime, AssignmentId]
    roles: tuple[RoleDraft, ...]


def booked_circle(services: Services, series: SeriesService, days: list[datetime]) -> Booked:
    saved = series.create(circle(), ROLES)
    facilitator, greeter = (s.id for s in saved.event.shifts)
    amira = services.volunteers.create(VolunteerDraft(name="Amira", joined_on=date(2026, 1, 1)))
    bookings: dict[datetime, AssignmentId] = {}
    for when in days:
        past = when < NOW
        booking = services.assignments.create(
            AssignmentDraft(
                shift_id=facilitator,
                volunteer_id=amira.id,
                occurrence_start=when,
                status=AssignmentStatus.ACCEPTED,
                attendance=Attendance.ATTENDED if past else None,
                hours=2.5 if past else None,
            )
        )
        bookings[when] = booking.id
    roles = roles_of(saved.event.shifts)
    return Booked(saved.event.id, saved.event.version, facilitator, greeter, bookings, roles)


def index_of(db: Database, event_id: int) -> list[datetime]:
    with db.read() as session:
        return list(
            session.scalars(
                select(OccurrenceRow.starts_at)
                .where(OccurrenceRow.event_id == event_id)
                .order_by(OccurrenceRow.starts_at)
            )
        )


def assert_index_right(db: Database) -> None:
    with db.read() as session:
        assert index_problems(session) == []


# Repeat plans and rules ----------------------------------------------------------------------


def test_weekly_plan_reads_in_plain_words() -> None:
    start = datetime(2026, 11, 3, 18, 0, tzinfo=LONDON)
    plan = RepeatPlan(Frequency.WEEKLY, ending=Ending.ON_DATE, until=date(2027, 6, 30))
    rule = rule_for(plan, start)
    assert rule == "FREQ=WEEKLY;BYDAY=TU;UNTIL=20270630"
    stored = normalise_rule(rule, start, "Europe/London")
    assert describe(stored, "Europe/London") == "Every Tuesday until 30 June 2027"
    assert plan_for(stored, start, "Europe/London") == replace(plan, weekdays=(1,))


@pytest.mark.parametrize(
    ("plan", "rule"),
    [
        (RepeatPlan(Frequency.DAILY, interval=2, ending=Ending.AFTER, count=5),
         "FREQ=DAILY;INTERVAL=2;COUNT=5"),
        (RepeatPlan(Frequency.WEEKLY, weekdays=(0, 3)), "FREQ=WEEKLY;BYDAY=MO,TH"),
        (RepeatPlan(Frequency.MONTHLY), "FREQ=MONTHLY"),
        (RepeatPlan(Frequency.MONTHLY, monthly_by=MonthlyBy.WEEKDAY), "FREQ=MONTHLY;BYDAY=1TU"),
        (RepeatPlan(Frequency.MONTHLY, monthly_by=MonthlyBy.LAST_WEEKDAY),
         "FREQ=MONTHLY;BYDAY=-1TU"),
        (RepeatPlan(), None),
    ],
)  # fmt: skip
def test_plans_and_rules_round_trip(plan: RepeatPlan, rule: str | None) -> None:
    start = datetime(2026, 12, 1, 10, 0, tzinfo=LONDON)
    assert rule_for(plan, start) == rule
    assert plan_for(rule, start, "Europe/London") == plan


def test_plans_compare_equal_without_choices_that_do_not_apply() -> None:
    monthly = RepeatPlan(Frequency.MONTHLY, weekdays=(1,), until=date(2027, 1, 1))
    assert monthly.tidy() == RepeatPlan(Frequency.MONTHLY)
    assert RepeatPlan(weekdays=(3,), interval=4).tidy() == RepeatPlan()


def test_rules_the_editor_cannot_show_are_left_alone() -> None:
    start = datetime(2026, 12, 1, 10, 0, tzinfo=LONDON)
    assert plan_for("FREQ=YEARLY", start, "Europe/London") is None
    assert plan_for("FREQ=WEEKLY;BYHOUR=9,17", start, "Europe/London") is None
    assert plan_for("FREQ=MONTHLY;BYDAY=2WE", start, "Europe/London") is None


def test_an_until_just_before_a_later_occurrence_shows_the_day_before() -> None:
    start = datetime(2026, 11, 3, 18, 0, tzinfo=LONDON)
    plan = plan_for("FREQ=WEEKLY;BYDAY=TU;UNTIL=20261201T175959Z", start, "Europe/London")
    assert plan is not None and plan.until == date(2026, 11, 30)


def test_pairing_keeps_the_day_when_it_can_and_the_order_otherwise() -> None:
    old = [tuesday(d) for d in (3, 10, 17, 24)]
    later_time = [tuesday(d, hour=19) for d in (3, 10, 17, 24)]
    assert pair_occurrences(old, iter(later_time), {old[2]}, {old[2]}, "UTC", "UTC") == {
        old[2]: later_time[2]
    }
    wednesdays = [w + timedelta(days=1) for w in old]
    assert pair_occurrences(old, iter(wednesdays), {old[1]}, {old[1], old[3]}, "UTC", "UTC") == {
        old[1]: wednesdays[1],
        old[3]: wednesdays[3],
    }


# The coordinator's time zone ---------------------------------------------------------------


def test_local_zone_comes_from_tz_then_the_system_link(tmp_path: Path) -> None:
    missing = tmp_path / "missing"
    assert timezones.local_zone_name({"TZ": ":Asia/Kolkata"}, missing, missing) == "Asia/Kolkata"
    zone_file = tmp_path / "usr" / "share" / "zoneinfo" / "America" / "New_York"
    zone_file.parent.mkdir(parents=True)
    zone_file.write_bytes(b"TZif")
    link = tmp_path / "localtime"
    link.symlink_to(zone_file)
    assert timezones.local_zone_name({"TZ": "Nowhere/Else"}, link, missing) == "America/New_York"
    named = tmp_path / "timezone"
    named.write_text("Europe/Paris\n", encoding="utf-8")
    assert timezones.local_zone_name({}, missing, named) == "Europe/Paris"
    assert timezones.local_zone_name({}, missing, missing) == "UTC"
    assert timezones.local_zone_name({"TZ": "Etc/UTC"}, missing, missing) == "UTC"


def test_zone_choices_put_the_local_zone_first_once() -> None:
    choices = timezones.zone_choices("Europe/London")
    assert choices[0] == "Europe/London"
    assert len(choices) == len(set(choices)) > 300
    assert "Asia/Kolkata" in choices[:30]
    summer = datetime(2026, 7, 1, tzinfo=UTC)
    assert timezones.utc_offset_text("Europe/London", summer) == "UTC+01:00"
    assert timezones.utc_offset_text("America/New_York", summer) == "UTC−04:00"
    assert timezones.utc_offset_text("UTC", summer) == "UTC±00:00"


# Saving events with their roles ------------------------------------------------------------


def test_create_stores_the_event_with_its_roles(db: Database, series: SeriesService) -> None:
    saved = series.create(circle(rrule="FREQ=WEEKLY;BYDAY=TU;COUNT=4"), ROLES)
    assert [(s.role, s.needed) for s in saved.event.shifts] == [("Facilitator", 1), ("Greeter", 2)]
    assert saved.event.uid and saved.event.version == 1
    assert len(index_of(db, saved.event.id)) == 4
    assert_index_right(db)
    with db.read() as session:
        logged = session.scalars(select(ChangeLogEntry.summary)).all()
    assert logged == ["Created event “Tuesday circle”"]


def test_event_and_role_problems_come_back_together(
    services: Services, series: SeriesService
) -> None:
    with pytest.raises(ValidationError) as error:
        series.create(
            circle(title=" ", ends_at=circle().starts_at - timedelta(hours=1)),
            [RoleDraft("Greeter"), RoleDraft(" ", needed=0)],
        )
    problems = error.value.problems
    assert {p.field for p in problems} == {"title", "ends_at", "role", "needed"}
    rows = {p.field: p.row for p in problems if isinstance(p, RoleProblem)}
    assert rows == {"role": 1, "needed": 1}
    assert error.value.for_field("role") == "Row 2: Role cannot be empty."
    assert services.events.list() == []


def test_update_changes_roles_but_never_drops_booked_ones(
    services: Services, series: SeriesService
) -> None:
    booked = booked_circle(services, series, [tuesday(1, 12)])
    first_aid = services.qualifications.create(QualificationDraft(name="First aid"))
    roles = [
        RoleDraft("Lead facilitator", 1, None, booked.facilitator),
        RoleDraft("Tea and welcome", 1, first_aid.id),
    ]
    saved = series.update(booked.event_id, booked.version, circle(), roles, now=NOW)
    shifts = saved.event.shifts
    assert [(s.role, s.qualification_id) for s in shifts] == [
        ("Lead facilitator", None),
        ("Tea and welcome", first_aid.id),
    ]
    assert shifts[0].id == booked.facilitator
    with pytest.raises(ValidationError, match="Lead facilitator") as error:
        series.update(booked.event_id, saved.event.version, circle(), roles[1:], now=NOW)
    assert error.value.problems[0].field == "roles"


def test_changing_the_time_of_all_future_dates_moves_their_bookings(
    db: Database, services: Services, series: SeriesService
) -> None:
    booked = booked_circle(services, series, [tuesday(1, 12), tuesday(8, 12)])
    later = circle(
        starts_at=datetime(2026, 11, 3, 19, 0, tzinfo=LONDON),
        ends_at=datetime(2026, 11, 3, 21, 0, tzinfo=LONDON),
    )
    saved = series.update(booked.event_id, booked.version, later, booked.roles, now=NOW)
    assert saved.new_event is None and saved.notice == ""
    moved = services.assignments.for_shift(booked.facilitator)
    assert [a.occurrence_start for a in moved] == [tuesday(1, 12, hour=19), tuesday(8, 12, hour=19)]
    assert_index_right(db)


def test_moved_bookings_are_stamped_so_an_older_copy_cannot_overwrite_them(
    services: Services, series: SeriesService
) -> None:
    booked = booked_circle(services, series, [tuesday(1, 12), tuesday(8, 12)])
    other = Services.for_database(services.db, "Jo")
    held = other.assignments.get(booked.bookings[tuesday(8, 12)])
    later = circle(
        starts_at=datetime(2026, 11, 3, 19, 0, tzinfo=LONDON),
        ends_at=datetime(2026, 11, 3, 21, 0, tzinfo=LONDON),
    )
    series.update(booked.event_id, booked.version, later, booked.roles, now=NOW)
    moved = services.assignments.get(held.id)
    assert moved.occurrence_start == tuesday(8, 12, hour=19)
    assert moved.version > held.version and moved.updated_by == "Sam"
    stale = AssignmentDraft(
        shift_id=held.shift_id,
        volunteer_id=held.volunteer_id,
        occurrence_start=held.occurrence_start,
        status=AssignmentStatus.TENTATIVE,
    )
    with pytest.raises(ConflictError):
        other.assignments.update(held.id, held.version, stale)
    assert services.assignments.get(held.id).occurrence_start == tuesday(8, 12, hour=19)


def test_a_booking_changed_during_a_move_stops_the_move(
    db: Database, services: Services, series: SeriesService
) -> None:
    """On a server, another save can land between reading the bookings and moving them."""
    booked = booked_circle(services, series, [tuesday(1, 12), tuesday(8, 12)])
    first, second = (booked.bookings[day] for day in (tuesday(1, 12), tuesday(8, 12)))
    with pytest.raises(StaleDataError), db.write() as session:
        bookings = [session.get_one(Assignment, first), session.get_one(Assignment, second)]
        table = Assignment.__table__.c
        session.connection().execute(
            update(Assignment.__table__)  # type: ignore[arg-type]
            .where(table.id == second)
            .values(note="Changed by Jo", version=table.version + 1)
        )
        moves = [(b, b.shift_id, b.occurrence_start + HOUR) for b in bookings]
        series_module._move(session, moves, lambda row: None)
    assert [a.occurrence_start for a in services.assignments.for_shift(booked.facilitator)] == [
        tuesday(1, 12),
        tuesday(8, 12),
    ]


def test_an_edit_of_all_dates_leaves_booked_past_dates_alone_by_splitting(
    db: Database, services: Services, series: SeriesService
) -> None:
    booked = booked_circle(services, series, [tuesday(10), tuesday(17), tuesday(1, 12)])
    original_uid = services.events.get(booked.event_id).uid
    later = circle(
        title="Tuesday evening circle",
        starts_at=datetime(2026, 11, 3, 19, 0, tzinfo=LONDON),
        ends_at=datetime(2026, 11, 3, 21, 0, tzinfo=LONDON),
    )
    saved = series.update(booked.event_id, booked.version, later, booked.roles, now=NOW)
    assert saved.split_at == tuesday(1, 12)
    assert "Tuesday 1 December 2026" in saved.notice
    assert saved.new_event is not None and saved.new_event.uid != original_uid
    old = services.events.get(booked.event_id)
    assert old.title == "Tuesday circle" and old.uid == original_uid
    assert index_of(db, booked.event_id) == [tuesday(3), tuesday(10), tuesday(17), tuesday(24)]
    assert index_of(db, saved.new_event.id)[0] == tuesday(1, 12, hour=19)
    past = services.assignments.for_shift(booked.facilitator)
    assert [(a.occurrence_start, a.attendance, a.hours) for a in past] == [
        (tuesday(10), Attendance.ATTENDED, 2.5),
        (tuesday(17), Attendance.ATTENDED, 2.5),
    ]
    new_shift = next(s for s in saved.new_event.shifts if s.role == "Facilitator")
    assert [a.id for a in services.assignments.for_shift(new_shift.id)] == [
        booked.bookings[tuesday(1, 12)]
    ]
    assert_index_right(db)


def test_editing_all_dates_from_a_changed_date_keeps_the_series_own_values(
    services: Services, series: SeriesService
) -> None:
    booked = booked_circle(services, series, [])
    day = tuesday(1, 12)
    event = services.events.change_occurrence(
        booked.event_id, booked.version, day, title="Christmas special", starts_at=day + HOUR
    )
    shown = occurrence_draft(event, day, event.overrides[0])
    assert (shown.title, shown.starts_at) == ("Christmas special", day + HOUR)
    edited = replace(shown, description="Bring a mug", ends_at=shown.ends_at + HOUR)
    saved = series.update(event.id, event.version, edited, booked.roles, occurrence=day, now=NOW)
    assert (saved.event.title, saved.event.description) == ("Tuesday circle", "Bring a mug")
    assert saved.event.starts_at == circle().starts_at
    assert saved.event.ends_at == circle().ends_at + HOUR  # an hour longer, like the edited date


def test_extending_a_series_with_a_booked_past_does_not_split(
    services: Services, series: SeriesService
) -> None:
    booked = booked_circle(services, series, [tuesday(10)])
    longer = circle(rrule="FREQ=WEEKLY;BYDAY=TU;UNTIL=20270630")
    saved = series.update(booked.event_id, booked.version, longer, booked.roles, now=NOW)
    assert saved.new_event is None
    assert describe(saved.event.rrule, "Europe/London") == "Every Tuesday until 30 June 2027"


def test_this_and_following_splits_at_the_occurrence(
    db: Database, services: Services, series: SeriesService
) -> None:
    days = [tuesday(10), tuesday(1, 12), tuesday(8, 12), tuesday(15, 12)]
    booked = booked_circle(services, series, days)
    occurrence = tuesday(8, 12)
    edited = circle(
        title="Circle (new room)",
        starts_at=datetime(2026, 12, 8, 18, 30, tzinfo=LONDON),
        ends_at=datetime(2026, 12, 8, 20, 30, tzinfo=LONDON),
        rrule="FREQ=WEEKLY;BYDAY=TU;COUNT=8",
    )
    saved = series.update(
        booked.event_id,
        booked.version,
        edited,
        booked.roles,
        scope=Scope.FOLLOWING,
        occurrence=occurrence,
        now=NOW,
    )
    assert saved.split_at == occurrence and saved.notice == ""
    assert saved.new_event is not None
    old_dates = index_of(db, booked.event_id)
    assert old_dates[-1] == tuesday(1, 12)
    new_dates = index_of(db, saved.new_event.id)
    # 8 times in all: 5 Tuesdays before the split, so 3 from it.
    assert new_dates == [tuesday(d, 12, hour=18) + timedelta(minutes=30) for d in (8, 15, 22)]
    stayed = services.assignments.for_shift(booked.facilitator)
    assert [a.occurrence_start for a in stayed] == [tuesday(10), tuesday(1, 12)]
    new_facilitator = next(s for s in saved.new_event.shifts if s.role == "Facilitator")
    moved = services.assignments.for_shift(new_facilitator.id)
    assert [a.occurrence_start for a in moved] == new_dates[:2]
    assert_index_right(db)


def test_this_and_following_from_a_booked_past_date_starts_at_the_next_one(
    services: Services, series: SeriesService
) -> None:
    booked = booked_circle(services, series, [tuesday(17)])
    edited = circle(
        starts_at=datetime(2026, 11, 10, 19, 0, tzinfo=LONDON),
        ends_at=datetime(2026, 11, 10, 21, 0, tzinfo=LONDON),
    )
    saved = series.update(
        booked.event_id,
        booked.version,
        edited,
        booked.roles,
        scope=Scope.FOLLOWING,
        occurrence=tuesday(10),
        now=NOW,
    )
    assert saved.split_at == tuesday(1, 12)
    assert "attendance and hours" in saved.notice
    assert saved.new_event is not None
    assert saved.new_event.starts_at == tuesday(1, 12, hour=19)


def test_split_moves_removed_and_changed_dates_and_refuses_to_lose_bookings(
    db: Database, services: Services, series: SeriesService
) -> None:
    booked = booked_circle(services, series, [tuesday(10), tuesday(15, 12)])
    event = services.events.remove_occurrence(booked.event_id, booked.version, tuesday(22, 12))
    event = services.events.change_occurrence(
        event.id, event.version, tuesday(29, 12), title="Christmas special"
    )
    short = circle(
        starts_at=datetime(2026, 12, 1, 18, 0, tzinfo=LONDON),
        ends_at=datetime(2026, 12, 1, 20, 0, tzinfo=LONDON),
        rrule="FREQ=WEEKLY;BYDAY=TU;COUNT=2",
    )
    before = series.capture(event.id)
    with pytest.raises(DomainError, match="1 booking from 15 December 2026 on"):
        series.split_series(event.id, event.version, tuesday(1, 12), short)
    assert series.capture(event.id) == before

    old, new = series.split_series(
        event.id, event.version, tuesday(1, 12), replace(short, rrule="FREQ=WEEKLY;BYDAY=TU")
    )
    assert old.rrule == "FREQ=WEEKLY;BYDAY=TU;UNTIL=20261124T180000Z"
    assert describe(old.rrule, "Europe/London") == "Every Tuesday until 24 November 2026"
    assert old.exceptions == [] and old.overrides == []
    assert [e.occurrence_start for e in new.exceptions] == [tuesday(22, 12)]
    assert [(o.recurrence_id, o.title) for o in new.overrides] == [
        (tuesday(29, 12), "Christmas special")
    ]
    assert [s.role for s in new.shifts] == ["Facilitator", "Greeter"]
    assert_index_right(db)


def test_splitting_at_the_first_occurrence_is_refused(series: SeriesService) -> None:
    event = series.create(circle(), ROLES).event
    with pytest.raises(DomainError, match="Nothing comes before"):
        series.split_series(event.id, event.version, tuesday(3), circle())
    with pytest.raises(ValidationError, match="no occurrence"):
        series.split_series(event.id, event.version, tuesday(4), circle())


# Undo ----------------------------------------------------------------------------------------


def test_restore_undoes_an_edit_of_all_dates_exactly(
    db: Database, services: Services, series: SeriesService
) -> None:
    booked = booked_circle(services, series, [tuesday(1, 12), tuesday(8, 12)])
    before = series.capture(booked.event_id)
    later = circle(
        title="Renamed",
        starts_at=datetime(2026, 11, 4, 19, 0, tzinfo=LONDON),
        ends_at=datetime(2026, 11, 4, 21, 0, tzinfo=LONDON),
        rrule="FREQ=WEEKLY;BYDAY=WE",
    )
    saved = series.update(booked.event_id, booked.version, later, booked.roles[:1], now=NOW)
    assert saved.before == before
    assert saved.event.title == "Renamed" and len(saved.event.shifts) == 1
    restored = series.restore(before, saved.event.version)
    assert series.capture(booked.event_id).placements == before.placements
    assert (restored.title, restored.rrule, restored.starts_at) == (
        "Tuesday circle",
        "FREQ=WEEKLY;BYDAY=TU",
        circle().starts_at,
    )
    assert [s.role for s in restored.shifts] == ["Facilitator", "Greeter"]
    assert_index_right(db)


def test_restore_joins_a_split_series_back(
    db: Database, services: Services, series: SeriesService
) -> None:
    booked = booked_circle(services, series, [tuesday(10), tuesday(8, 12)])
    event = services.events.remove_occurrence(booked.event_id, booked.version, tuesday(15, 12))
    edited = circle(
        starts_at=datetime(2026, 12, 1, 19, 0, tzinfo=LONDON),
        ends_at=datetime(2026, 12, 1, 21, 0, tzinfo=LONDON),
    )
    saved = series.update(
        event.id,
        event.version,
        edited,
        booked.roles,
        scope=Scope.FOLLOWING,
        occurrence=tuesday(1, 12),
        now=NOW,
    )
    assert saved.before is not None and saved.new_event is not None
    before_dates = index_of(db, event.id)
    series.restore(
        saved.before, saved.event.version, discard=[(saved.new_event.id, saved.new_event.version)]
    )
    assert services.events.list()[0].id == event.id and len(services.events.list()) == 1
    after = series.capture(event.id)
    assert after.placements == saved.before.placements
    assert after.exceptions == saved.before.exceptions == (tuesday(15, 12),)
    assert after.draft == saved.before.draft
    assert len(index_of(db, event.id)) > len(before_dates)
    assert_index_right(db)


def test_undo_refuses_to_remove_bookings_made_since(
    services: Services, series: SeriesService
) -> None:
    booked = booked_circle(services, series, [])
    saved = series.update(
        booked.event_id, booked.version, circle(), [*booked.roles, RoleDraft("Cook")], now=NOW
    )
    cook = saved.event.shifts[-1]
    bea = services.volunteers.create(VolunteerDraft(name="Bea", joined_on=date(2026, 1, 1)))
    services.assignments.create(AssignmentDraft(cook.id, bea.id, tuesday(1, 12)))
    assert saved.before is not None
    with pytest.raises(DomainError, match="1 booking was made since"):
        series.restore(saved.before, saved.event.version)
    with pytest.raises(ConflictError):
        series.restore(saved.before, saved.event.version - 1)


def test_delete_refuses_booked_events_and_restore_brings_one_back(
    db: Database, services: Services, series: SeriesService
) -> None:
    booked = booked_circle(services, series, [tuesday(1, 12)])
    with pytest.raises(DomainError, match="Cancel it instead"):
        series.delete(booked.event_id, booked.version)
    empty = series.create(circle(title="Craft club"), ROLES).event
    state = series.delete(empty.id, empty.version)
    assert [e.id for e in services.events.list()] == [booked.event_id]
    back = series.restore(state, None)
    assert (back.id, back.uid, back.title) == (empty.id, empty.uid, "Craft club")
    assert [s.id for s in back.shifts] == [s.id for s in empty.shifts]
    assert back.sequence > empty.sequence
    assert_index_right(db)


# The events list -----------------------------------------------------------------------------


def test_event_list_is_in_order_of_next_occurrence_and_pages(
    services: Services, series: SeriesService
) -> None:
    garden = services.causes.create(CauseDraft(name="Community garden", colour="#7AAE3A"))
    hall = services.locations.create(LocationDraft(name="St Anne's Church Hall"))
    booked = booked_circle(services, series, [tuesday(1, 12)])
    series.create(
        EventDraft(
            title="Seed swap",
            starts_at=datetime(2026, 11, 28, 10, tzinfo=LONDON),
            ends_at=datetime(2026, 11, 28, 12, tzinfo=LONDON),
            timezone="Europe/London",
            cause_id=garden.id,
            location_id=hall.id,
        )
    )
    series.create(
        EventDraft(
            title="Harvest supper",
            starts_at=datetime(2026, 10, 2, 18, tzinfo=LONDON),
            ends_at=datetime(2026, 10, 2, 21, tzinfo=LONDON),
            timezone="Europe/London",
            cause_id=garden.id,
        )
    )
    page = series.event_page(EventFilter(), now=NOW)
    assert [r.title for r in page.rows] == ["Seed swap", "Tuesday circle"]
    assert page.total == 2 and not page.has_more
    swap, circle_row = page.rows
    assert (swap.cause_name, swap.cause_colour, swap.location_name) == (
        "Community garden",
        "#7AAE3A",
        "St Anne's Church Hall",
    )
    assert (swap.repeats, swap.role_count) == ("Does not repeat", 0)
    assert circle_row.next_recurrence_id == tuesday(1, 12)
    assert (circle_row.role_count, circle_row.needed, circle_row.filled) == (2, 3, 1)
    assert circle_row.repeats == "Every Tuesday"

    everything = series.event_page(EventFilter(include_past=True), now=NOW)
    assert [r.title for r in everything.rows] == ["Seed swap", "Tuesday circle", "Harvest supper"]
    assert everything.rows[-1].is_past
    first = series.event_page(EventFilter(include_past=True), 0, 2, now=NOW)
    second = series.event_page(EventFilter(include_past=True), 2, 2, now=NOW)
    assert first.has_more and not second.has_more
    assert [r.title for r in first.rows + second.rows] == [r.title for r in everything.rows]

    garden_only = EventFilter(cause_id=garden.id, include_past=True)
    assert [r.title for r in series.event_page(garden_only, now=NOW).rows] == [
        "Seed swap",
        "Harvest supper",
    ]
    assert [r.title for r in series.event_page(EventFilter("anne's"), now=NOW).rows] == [
        "Seed swap"
    ]
    assert series.event_page(EventFilter("100%"), now=NOW).rows == ()
    services.events.set_status(booked.event_id, booked.version, EventStatus.CANCELLED)
    assert [r.title for r in series.event_page(EventFilter(), now=NOW).rows] == ["Seed swap"]
    assert [r.title for r in series.event_rows([booked.event_id], now=NOW)] == ["Tuesday circle"]


# The property: a split keeps every date and every booking ---------------------------------

WINDOW_END = datetime(2028, 1, 1, tzinfo=UTC)
DAY_SETS = st.lists(st.integers(0, 6), min_size=1, max_size=3, unique=True).map(sorted)


@st.composite
def split_plans(draw: st.DrawFn) -> dict[str, object]:
    zone = draw(st.sampled_from(["Europe/London", "America/New_York", "Australia/Sydney"]))
    first = draw(st.dates(min_value=date(2026, 9, 1), max_value=date(2026, 12, 31)))
    hour = draw(st.integers(6, 21))
    days = draw(DAY_SETS)
    interval = draw(st.integers(1, 2))
    ending = draw(st.sampled_from(["", ";COUNT=14", ";UNTIL=20270415"]))
    new_days = draw(st.one_of(st.just(days), DAY_SETS))
    new_hour = draw(st.integers(6, 21))
    new_ending = draw(st.sampled_from(["", ";COUNT=3", ";COUNT=20"]))
    split = draw(st.integers(1, 9))
    booked = draw(st.lists(st.integers(0, 13), max_size=6, unique=True))
    codes = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
    return {
        "zone": zone,
        "start": datetime(first.year, first.month, first.day, hour, tzinfo=ZoneInfo(zone)),
        "rule": f"FREQ=WEEKLY;INTERVAL={interval};BYDAY={','.join(codes[d] for d in days)}"
        + ending,
        "new_rule": f"FREQ=WEEKLY;BYDAY={','.join(codes[d] for d in new_days)}" + new_ending,
        "new_hour": new_hour,
        "split": split,
        "booked": booked,
    }


def expanded(rule: str | None, start: datetime, end: datetime, zone: str) -> list[datetime]:
    stored = normalise_rule(rule, start, zone) if rule else None
    return [
        o.starts_at for o in expand(stored, start, end, zone, start - timedelta(days=1), WINDOW_END)
    ]


@settings(max_examples=30)
@given(plan=split_plans())
def test_a_split_keeps_every_date_and_every_booking(plan: dict) -> None:
    with TemporaryDirectory() as folder:
        db = create_database(Path(folder) / "split.organizer")
        try:
            check_split(db, plan)
        finally:
            db.close()


def check_split(db: Database, plan: dict) -> None:
    services = Services.for_database(db, "tester")
    series = SeriesService(db, "tester")
    zone, start = plan["zone"], plan["start"]
    end = start + timedelta(hours=2)
    draft = EventDraft("Circle", start, end, zone, rrule=plan["rule"])
    saved = series.create(draft, ROLES)
    event = saved.event
    original = expanded(event.rrule, event.starts_at, event.ends_at, zone)
    if len(original) <= plan["split"]:
        return
    split_at = original[plan["split"]]
    volunteer = services.volunteers.create(VolunteerDraft(name="Sol", joined_on=date(2026, 1, 1)))
    bookings: dict[AssignmentId, tuple[ShiftId, datetime, float | None]] = {}
    for index in plan["booked"]:
        if index < len(original):
            shift = event.shifts[index % 2]
            when = original[index]
            booking = services.assignments.create(
                AssignmentDraft(
                    shift.id, volunteer.id, when, attendance=Attendance.ATTENDED, hours=index / 2
                )
            )
            bookings[booking.id] = (shift.id, when, booking.hours)
    local_split = split_at.astimezone(ZoneInfo(zone))
    new_start = local_split.replace(hour=plan["new_hour"], minute=0)
    new_draft = EventDraft(
        "Circle (later)", new_start, new_start + timedelta(hours=1), zone, rrule=plan["new_rule"]
    )
    before = series.capture(event.id)
    try:
        old, new = series.split_series(event.id, event.version, split_at, new_draft)
    except DomainError:
        assert series.capture(event.id) == before
        return

    assert index_of(db, old.id) == [d for d in original if d < split_at]
    new_dates = [d for d in expanded(new.rrule, new.starts_at, new.ends_at, zone) if d < WINDOW_END]
    assert index_of(db, new.id)[: len(new_dates)] == new_dates
    assert new_dates == [
        d
        for d in expanded(plan["new_rule"], new_start, new_start + timedelta(hours=1), zone)
        if d < WINDOW_END
    ]
    roles = {s.id: s.role for s in (*old.shifts, *new.shifts)}
    with db.read() as session:
        rows = {a.id: a for a in session.scalars(select(Assignment))}
        events = {s.id: s.event_id for s in session.scalars(select(Shift))}
        assert index_problems(session) == []
    assert rows.keys() == bookings.keys()
    for booking_id, (shift_id, when, hours) in bookings.items():
        row = rows[booking_id]
        assert (row.attendance, row.hours) == (Attendance.ATTENDED, hours)
        assert roles[row.shift_id] == roles[shift_id]
        if when < split_at:
            assert (row.shift_id, row.occurrence_start) == (shift_id, when)
        else:
            assert events[row.shift_id] == new.id
            assert occurrence_exists(new, row.occurrence_start)
