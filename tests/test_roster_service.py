"""The roster service: the board, suggested volunteers, clash checks and assigning (no Qt)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from organizer.demo import generate_demo
from organizer.errors import DomainError, NotFoundError, ValidationError
from organizer.models import AssignmentStatus, EventStatus
from organizer.models.ids import QualificationId
from organizer.recurrence import expand
from organizer.services import (
    AssignmentDraft,
    Blackout,
    CauseDraft,
    EventDraft,
    HeldQualification,
    QualificationDraft,
    Services,
    ShiftDraft,
    VolunteerDraft,
    WeeklyWindow,
)
from organizer.services.roster import Clash, ClashError, ClashKind, RosterService, shift_times
from organizer.storage import Database
from tests.scheduling_helpers import give_volunteer

LONDON = "Europe/London"
MONDAY = datetime(2026, 11, 23, tzinfo=UTC)  # London is on UTC in November


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """An instant ``day`` days after Monday 23 Nov 2026, at a London (= UTC) wall time."""
    return MONDAY + timedelta(days=day, hours=hour, minutes=minute)


@dataclass
class World:
    """A small organisation built through the real services."""

    services: Services
    roster: RosterService
    cause: int = 0
    shifts: dict[str, tuple[int, datetime]] = field(default_factory=dict)

    def volunteer(self, name: str, tz: str = LONDON, **extra: object) -> int:
        person = self.services.volunteers.create(
            VolunteerDraft(name=name, joined_on=date(2026, 1, 1), timezone=tz)
        )
        return give_volunteer(self.services, person.id, person.version, extra)

    def shift(
        self,
        title: str,
        role: str,
        starts: datetime,
        minutes: int,
        *,
        needed: int = 1,
        rrule: str | None = None,
        qualification: int | None = None,
        offsets: tuple[int | None, int | None] = (None, None),
        status: EventStatus = EventStatus.SCHEDULED,
        tz: str = LONDON,
    ) -> tuple[int, datetime]:
        event = self.services.events.create(
            EventDraft(
                title=title,
                starts_at=starts,
                ends_at=starts + timedelta(minutes=minutes),
                timezone=tz,
                cause_id=self.cause or None,  # type: ignore[arg-type]
                rrule=rrule,
                status=status,
            )
        )
        shift = self.services.shifts.create(
            ShiftDraft(
                event_id=event.id,
                role=role,
                needed=needed,
                qualification_id=qualification,  # type: ignore[arg-type]
                start_offset_min=offsets[0],
                end_offset_min=offsets[1],
            )
        )
        self.shifts[f"{title} – {role}"] = (shift.id, starts)
        return shift.id, starts

    def put(
        self,
        slot: tuple[int, datetime],
        volunteer: int,
        status: AssignmentStatus = AssignmentStatus.ACCEPTED,
    ) -> int:
        shift_id, when = slot
        return self.services.assignments.create(
            AssignmentDraft(
                shift_id=shift_id,  # type: ignore[arg-type]
                volunteer_id=volunteer,  # type: ignore[arg-type]
                occurrence_start=when,
                status=status,
            )
        ).id

    def qualification(self, name: str) -> QualificationId:
        return self.services.qualifications.create(QualificationDraft(name=name)).id


@pytest.fixture
def world(db: Database) -> World:
    services = Services.for_database(db, "Tester")
    made = World(services, RosterService(db, "Tester", display_zone=ZoneInfo(LONDON)))
    made.cause = services.causes.create(CauseDraft(name="Food bank")).id
    return made


def kinds(clashes: Sequence[Clash]) -> list[ClashKind]:
    return [c.kind for c in clashes]


# The board ----------------------------------------------------------------------------------


def test_board_matches_coverage_for_the_demo_week(db: Database) -> None:
    generate_demo(db, scale="small", seed=1, start=date(2026, 11, 23))
    roster = RosterService(db, "Tester")
    end = MONDAY + timedelta(days=7)
    board = roster.board(MONDAY, end)
    fills = roster.coverage.shift_fill(MONDAY, end)
    assert [b.key for b in board] == [(f.shift_id, f.recurrence_id) for f in fills]
    statuses = Counter(b.status.value for b in board)
    assert statuses == {"full": 25, "empty": 4, "short": 2}
    for shift in board:
        assert sum(person.holds_place for person in shift.people) == shift.fill.filled
        assert all(not p.clashes for p in shift.people if not p.holds_place)
    titles = {b.fill.title for b in board}
    assert "Tuesday evening peer-support circle: mindfulness taster" in titles  # an override
    assert any(b.location == "Harbour Street Food Bank" for b in board)
    assert all(b.cause_colour and b.cause_colour.startswith("#") for b in board)


def test_board_filters_by_cause_and_event(world: World) -> None:
    packing = world.shift("Food bank", "Packer", at(0, 17), 120)
    other = world.services.causes.create(CauseDraft(name="Garden")).id
    world.cause = other
    world.shift("Garden morning", "Gardener", at(2, 10), 120)
    week = (MONDAY, MONDAY + timedelta(days=7))
    assert len(world.roster.board(*week)) == 2
    assert [b.fill.role for b in world.roster.board(*week, cause_ids=[other])] == ["Gardener"]
    food = world.services.shifts.get(packing[0]).event_id
    assert [b.fill.role for b in world.roster.board(*week, event_id=food)] == ["Packer"]
    assert world.roster.board(MONDAY + timedelta(days=14), MONDAY + timedelta(days=21)) == []


def test_board_of_one_occurrence_of_a_series(world: World) -> None:
    shift_id, first = world.shift(
        "Night shelter", "Host", at(0, 21), 180, rrule="FREQ=DAILY;COUNT=5"
    )
    event_id = world.services.shifts.get(shift_id).event_id
    third = first + timedelta(days=2)
    ana = world.volunteer("Ana Silva")
    world.put((shift_id, third), ana)
    board = world.roster.occurrence_board(event_id, third)
    assert [(b.fill.recurrence_id, [p.name for p in b.people]) for b in board] == [
        (third, ["Ana Silva"])
    ]
    with pytest.raises(DomainError):
        world.roster.occurrence_board(event_id, first + timedelta(hours=1))


# Clashes -----------------------------------------------------------------------------------


def test_overlapping_shift_is_a_blocking_clash_with_a_plain_reason(world: World) -> None:
    packer = world.shift("Food bank", "Packer", at(0, 17), 120)
    circle = world.shift("Peer circle", "Greeter", at(0, 18), 120)
    later = world.shift("Late walk", "Leader", at(0, 19), 60)
    ana = world.volunteer("Ana Silva")
    busy_id = world.put(packer, ana)
    clashes = world.roster.clashes(ana, *circle)
    assert kinds(clashes) == [ClashKind.OVERLAP]
    assert clashes[0].blocking
    assert clashes[0].assignment_id == busy_id
    assert (
        clashes[0].message == "Ana Silva is already on “Food bank – Packer” 17:00–19:00 that day."
    )
    assert world.roster.clashes(ana, *later) == []  # back to back is fine
    assert world.roster.clashes(ana, *packer) == []  # the same place is not a clash


def test_overlap_uses_series_occurrences_moves_and_shift_offsets(world: World) -> None:
    # A daily 09:00–17:00 series whose shift is only 13:00–15:00.
    lunch = world.shift(
        "Drop-in", "Lunch", at(0, 9), 480, rrule="FREQ=DAILY;COUNT=7", offsets=(240, 360)
    )
    ana = world.volunteer("Ana Silva")
    thursday = (lunch[0], lunch[1] + timedelta(days=3))
    world.put(thursday, ana)
    morning = world.shift("Thursday stock", "Sorter", at(3, 10), 120)
    afternoon = world.shift("Thursday calls", "Caller", at(3, 14), 60)
    friday = world.shift("Friday calls", "Caller", at(4, 14), 60)
    assert world.roster.clashes(ana, *morning) == []
    assert kinds(world.roster.clashes(ana, *afternoon)) == [ClashKind.OVERLAP]
    assert world.roster.clashes(ana, *friday) == []
    # Move Thursday's occurrence a day later: now Friday clashes and Thursday does not.
    event = world.services.events.get(world.services.shifts.get(lunch[0]).event_id)
    world.services.events.change_occurrence(
        event.id,
        event.version,
        thursday[1],
        starts_at=thursday[1] + timedelta(days=1),
        ends_at=thursday[1] + timedelta(days=1, hours=8),
    )
    assert world.roster.clashes(ana, *afternoon) == []
    clash = world.roster.clashes(ana, *friday)
    assert [c.message for c in clash] == [
        "Ana Silva is already on “Drop-in – Lunch” 13:00–15:00 that day."
    ]


def test_only_live_place_holding_assignments_clash(world: World) -> None:
    ana = world.volunteer("Ana Silva")
    declined = world.shift("Quiz night", "Host", at(1, 18), 120)
    cancelled = world.shift("Cancelled fair", "Stall", at(1, 18), 120, status=EventStatus.CANCELLED)
    target = world.shift("Peer circle", "Greeter", at(1, 18), 60)
    world.put(declined, ana, AssignmentStatus.DECLINED)
    world.put(cancelled, ana)
    assert world.roster.clashes(ana, *target) == []


def test_availability_is_checked_in_the_volunteers_own_zone(world: World) -> None:
    # 23:00–00:30 in London is 18:00–19:30 in New York on the same Monday.
    late = world.shift("Online circle", "Host", at(0, 23), 90)
    new_yorker = world.volunteer(
        "Jo Park",
        "America/New_York",
        windows=[WeeklyWindow(0, time(17), time(21))],
    )
    londoner = world.volunteer("Ana Silva", windows=[WeeklyWindow(0, time(17), time(21))])
    unknown = world.volunteer("Sam Lee")
    assert world.roster.clashes(new_yorker, *late) == []
    assert world.roster.clashes(unknown, *late) == []
    clashes = world.roster.clashes(londoner, *late)
    assert kinds(clashes) == [ClashKind.AVAILABILITY]
    assert not clashes[0].blocking
    assert clashes[0].message == "Outside Ana Silva's usual times (Monday 17:00–21:00)."


def test_touching_windows_cover_a_long_shift(world: World) -> None:
    long_day = world.shift("Fun day", "Steward", at(5, 10), 360)
    ana = world.volunteer(
        "Ana Silva",
        windows=[WeeklyWindow(5, time(9), time(13)), WeeklyWindow(5, time(13), time(17))],
    )
    assert world.roster.clashes(ana, *long_day) == []


def test_blackout_and_qualifications_block(world: World) -> None:
    first_aid = world.qualification("First aid")
    walk = world.shift("Canal walk", "Leader", at(2, 14), 120, qualification=first_aid)
    away = world.volunteer(
        "Ana Silva",
        blackouts=[Blackout(date(2026, 11, 24), date(2026, 11, 30), "Holiday")],
        held=[HeldQualification(first_aid)],
    )
    lapsed = world.volunteer(
        "Ben Okafor", held=[HeldQualification(first_aid, expires_on=date(2026, 11, 24))]
    )
    untrained = world.volunteer("Cai Jones")
    last_day = world.volunteer(
        "Dee Rao", held=[HeldQualification(first_aid, expires_on=date(2026, 11, 25))]
    )
    assert [c.message for c in world.roster.clashes(away, *walk)] == [
        "Ana Silva cannot help from 24 Nov 2026 to 30 Nov 2026 (Holiday)."
    ]
    assert [(c.kind, c.message) for c in world.roster.clashes(lapsed, *walk)] == [
        (ClashKind.EXPIRED_QUALIFICATION, "Ben Okafor's “First aid” expired on 24 Nov 2026.")
    ]
    assert [(c.kind, c.message) for c in world.roster.clashes(untrained, *walk)] == [
        (ClashKind.QUALIFICATION, "Cai Jones does not hold “First aid”, which this role needs.")
    ]
    assert world.roster.clashes(last_day, *walk) == []


def test_archived_volunteer_and_missing_things(world: World) -> None:
    walk = world.shift("Canal walk", "Leader", at(2, 14), 120)
    ana = world.volunteer("Ana Silva")
    person = world.services.volunteers.get(ana)
    world.services.volunteers.set_active(ana, person.version, False)
    assert kinds(world.roster.clashes(ana, *walk)) == [ClashKind.ARCHIVED]
    with pytest.raises(NotFoundError):
        world.roster.clashes(9999, *walk)
    with pytest.raises(NotFoundError):
        world.roster.clashes(ana, 9999, walk[1])
    with pytest.raises(DomainError, match="no longer exists"):
        world.roster.clashes(ana, walk[0], walk[1] + timedelta(days=1))


# Candidates ---------------------------------------------------------------------------------


def test_candidates_are_suitable_free_people_best_first(world: World) -> None:
    hygiene = world.qualification("Food hygiene")
    packer = world.shift("Food bank", "Packer", at(1, 17), 120, needed=3, qualification=hygiene)
    earlier = world.shift("Sorting", "Sorter", at(0, 10), 180)
    clash = world.shift("Quiz", "Host", at(1, 18), 60)
    held = [HeldQualification(hygiene)]
    tuesday_evening = [WeeklyWindow(1, time(17), time(20))]
    busy_bee = world.volunteer("Bea Busy", windows=tuesday_evening, held=held)
    world.put(earlier, busy_bee)
    fresh = world.volunteer("Zed Fresh", windows=tuesday_evening, held=held)
    unknown = world.volunteer("Amy Unknown", held=held)
    world.volunteer("Not Qualified", windows=tuesday_evening)
    world.volunteer("Wrong Day", windows=[WeeklyWindow(2, time(17), time(20))], held=held)
    world.volunteer(
        "Lapsed",
        windows=tuesday_evening,
        held=[HeldQualification(hygiene, expires_on=date(2026, 11, 1))],
    )
    world.volunteer("Away", held=held, blackouts=[Blackout(date(2026, 11, 24), date(2026, 11, 24))])
    double = world.volunteer("Double Booked", held=held)
    world.put(clash, double)
    on_it = world.volunteer("Already On", held=held)
    world.put(packer, on_it, AssignmentStatus.DECLINED)
    archived = world.volunteer("Archived", held=held)
    world.services.volunteers.set_active(
        archived, world.services.volunteers.get(archived).version, False
    )
    found = world.roster.candidates(*packer)
    assert [c.name for c in found] == ["Zed Fresh", "Bea Busy", "Amy Unknown"]
    assert [c.available for c in found] == [True, True, None]
    assert found[0].reason == (
        "Holds Food hygiene, available Tuesday evenings, no shifts in the last 30 days"
    )
    assert found[1].reason == (
        "Holds Food hygiene, available Tuesday evenings, 1 shift (3\u00a0h) in the last 30 days"
    )
    assert (
        found[2].reason
        == "Holds Food hygiene, availability not given, no shifts in the last 30 days"
    )
    assert [c.volunteer_id for c in world.roster.candidates(*packer, text="BUSY")] == [busy_bee]
    assert [c.volunteer_id for c in world.roster.candidates(*packer, limit=1)] == [fresh]
    assert world.roster.candidates(*packer, text="100%") == []
    del unknown


# Assigning ---------------------------------------------------------------------------------


def test_assign_refuses_blocking_clashes_without_a_reason(world: World) -> None:
    packer = world.shift("Food bank", "Packer", at(0, 17), 120)
    circle = world.shift("Peer circle", "Greeter", at(0, 18), 120)
    ana = world.volunteer("Ana Silva")
    world.put(packer, ana)
    with pytest.raises(ClashError) as refused:
        world.roster.assign(*circle, ana)
    assert "already on “Food bank – Packer”" in str(refused.value)
    assert kinds(refused.value.clashes) == [ClashKind.OVERLAP]
    made = world.roster.assign(*circle, ana, override_reason="  Greets first, then packs  ")
    assert made.override_reason == "Greets first, then packs"
    assert made.status is AssignmentStatus.PROPOSED
    with pytest.raises(ValidationError):
        world.roster.assign(*circle, ana, override_reason="again")


def test_warnings_do_not_stop_an_assignment(world: World) -> None:
    walk = world.shift("Walk", "Leader", at(0, 10), 60)
    ana = world.volunteer("Ana Silva", windows=[WeeklyWindow(3, time(9), time(12))])
    made = world.roster.assign(*walk, ana)
    board = world.roster.board(MONDAY, MONDAY + timedelta(days=1))
    (person,) = board[0].people
    assert person.assignment_id == made.id
    assert kinds(person.clashes) == [ClashKind.AVAILABILITY]


def test_status_change_remove_and_restore(world: World) -> None:
    walk = world.shift("Walk", "Leader", at(0, 10), 60, needed=1)
    ana = world.volunteer("Ana Silva")
    made = world.roster.assign(*walk, ana, override_reason="", status=AssignmentStatus.INVITED)
    accepted = world.roster.set_status(made.id, made.version, AssignmentStatus.ACCEPTED)
    assert accepted.status is AssignmentStatus.ACCEPTED
    declined = world.roster.set_status(made.id, accepted.version, AssignmentStatus.DECLINED)
    week = (MONDAY, MONDAY + timedelta(days=7))
    assert world.roster.board(*week)[0].fill.filled == 0
    draft = world.roster.remove(made.id, declined.version)
    assert world.roster.board(*week)[0].people == ()
    back = world.roster.restore(draft)
    (person,) = world.roster.board(*week)[0].people
    assert (person.assignment_id, person.status) == (back.id, AssignmentStatus.DECLINED)


# Brute force: overlaps equal a naive pairwise comparison ----------------------------------


@dataclass(frozen=True)
class EventSpec:
    """One random event: a one-off or a short daily series, perhaps changed later."""

    day: int
    hour: int
    minute: int
    minutes: int
    count: int | None
    tz: str
    cancelled: bool
    offsets: tuple[int | None, int | None]
    move: int | None  # minutes to move the first occurrence by, after assigning
    remove_last: bool  # remove the last occurrence, after assigning


@st.composite
def event_specs(draw: st.DrawFn) -> EventSpec:
    minutes = draw(st.sampled_from([30, 60, 90, 120, 240, 600]))
    steps = minutes // 30
    first = draw(st.one_of(st.none(), st.integers(0, steps - 1)))
    last = draw(st.one_of(st.none(), st.integers((first or 0) + 1, steps)))
    return EventSpec(
        day=draw(st.integers(0, 1)),
        hour=draw(st.sampled_from([4, 9, 10, 23])),
        minute=draw(st.sampled_from([0, 30])),
        minutes=minutes,
        count=draw(st.sampled_from([None, 2, 4])),
        tz=draw(st.sampled_from([LONDON, "America/New_York"])),
        cancelled=draw(st.integers(0, 3)) == 0,
        offsets=(None if first is None else first * 30, None if last is None else last * 30),
        move=draw(st.sampled_from([None, -90, 60, 24 * 60])),
        remove_last=draw(st.booleans()),
    )


PICKS = st.lists(
    st.tuples(st.integers(0, 99), st.sampled_from(list(AssignmentStatus))), min_size=2, max_size=10
)


def naive_times(
    services: Services, shift_id: int, recurrence_id: datetime, *, live_only: bool = True
) -> tuple[datetime, datetime] | None:
    """The shift's times worked out from the event itself, without the occurrence index.

    ``None`` when the occurrence was removed (or, with ``live_only``, is cancelled).
    """
    shift = services.shifts.get(shift_id)
    event = services.events.get(shift.event_id)
    if live_only and event.status is EventStatus.CANCELLED:
        return None
    found = [
        o
        for o in expand(
            event.rrule,
            event.starts_at,
            event.ends_at,
            event.timezone,
            recurrence_id - timedelta(days=1),
            recurrence_id + timedelta(days=1),
            [e.occurrence_start for e in event.exceptions],
        )
        if o.recurrence_id == recurrence_id
    ]
    if not found:
        return None
    starts, ends = found[0].starts_at, found[0].ends_at
    for override in event.overrides:
        if override.recurrence_id == recurrence_id:
            if live_only and override.status is EventStatus.CANCELLED:
                return None
            duration = ends - starts
            starts = override.starts_at or starts
            ends = override.ends_at or starts + duration
    return shift_times(starts, ends, shift.start_offset_min, shift.end_offset_min)


def build_random_event(services: Services, spec: EventSpec) -> tuple[int, int, list[datetime]]:
    """Create the event and its shift; return their ids and the occurrence starts."""
    local = datetime(2026, 11, 23 + spec.day, spec.hour, spec.minute)
    starts = local.replace(tzinfo=ZoneInfo(spec.tz)).astimezone(UTC)
    rule = f"FREQ=DAILY;COUNT={spec.count}" if spec.count else None
    event = services.events.create(
        EventDraft(
            title="Event",
            starts_at=starts,
            ends_at=starts + timedelta(minutes=spec.minutes),
            timezone=spec.tz,
            rrule=rule,
            status=EventStatus.CANCELLED if spec.cancelled else EventStatus.SCHEDULED,
        )
    )
    shift = services.shifts.create(
        ShiftDraft(
            event_id=event.id,
            role="Role",
            start_offset_min=spec.offsets[0],
            end_offset_min=spec.offsets[1],
        )
    )
    window = (event.starts_at, event.starts_at + timedelta(days=10))
    occurrences = expand(rule, event.starts_at, event.ends_at, spec.tz, *window)
    return event.id, shift.id, [o.recurrence_id for o in occurrences]


def change_plans(
    services: Services, spec: EventSpec, event_id: int, starts: list[datetime]
) -> None:
    """Move the first occurrence and remove the last, as the spec says."""
    if len(starts) < 2:
        return
    if spec.move is not None:
        event = services.events.get(event_id)
        moved = starts[0] + timedelta(minutes=spec.move)
        services.events.change_occurrence(
            event_id,
            event.version,
            starts[0],
            starts_at=moved,
            ends_at=moved + (event.ends_at - event.starts_at),
        )
    if spec.remove_last:
        event = services.events.get(event_id)
        services.events.remove_occurrence(event_id, event.version, starts[-1])


@settings(max_examples=50)
@given(specs=st.lists(event_specs(), min_size=2, max_size=5), picks=PICKS)
def test_overlaps_equal_a_naive_pairwise_comparison(
    db: Database, specs: list[EventSpec], picks: list[tuple[int, AssignmentStatus]]
) -> None:
    services = Services.for_database(db, "Tester")
    roster = RosterService(db, "Tester")
    volunteer = services.volunteers.create(
        VolunteerDraft(name="Random Person", joined_on=date(2026, 1, 1))
    ).id
    built = [build_random_event(services, spec) for spec in specs]
    slots = [(shift_id, when) for _, shift_id, starts in built for when in starts]
    placed: dict[tuple[int, datetime], int] = {}
    for index, status in picks:
        slot = slots[index % len(slots)]
        if slot not in placed:
            draft = AssignmentDraft(
                shift_id=slot[0],  # type: ignore[arg-type]
                volunteer_id=volunteer,
                occurrence_start=slot[1],
                status=status,
            )
            placed[slot] = services.assignments.create(draft).id
    for spec, (event_id, _, starts) in zip(specs, built, strict=True):
        change_plans(services, spec, event_id, starts)

    spans = {
        a.id: naive_times(services, a.shift_id, a.occurrence_start)
        for a in services.assignments.for_volunteer(volunteer)
        if a.status.holds_place
    }
    for target in slots:
        span = naive_times(services, *target, live_only=False)
        if span is None:  # a removed occurrence: clashes() says it is gone
            with pytest.raises(DomainError):
                roster.clashes(volunteer, *target)
            continue
        expected = {
            other_id
            for other_id, other in spans.items()
            if other is not None
            and other[0] < span[1]
            and span[0] < other[1]
            and other_id != placed.get(target)
        }
        found = {
            c.assignment_id
            for c in roster.clashes(volunteer, *target)
            if c.kind is ClashKind.OVERLAP
        }
        assert found == expected, target
