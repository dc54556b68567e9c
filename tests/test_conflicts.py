"""The conflict engine: every finding kind in a coordinator's words, and a brute-force proof."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from organizer.cli import main
from organizer.errors import ValidationError
from organizer.models import Attendance
from organizer.scheduling.conflicts import (
    PERSONAL_KINDS,
    RUN_REACH,
    Finding,
    Severity,
    SlotFacts,
    bearing_window,
)
from organizer.scheduling.limits import LimitsService, SchedulingLimits
from organizer.services import (
    Blackout,
    CauseDraft,
    HeldQualification,
    LocationDraft,
    Services,
    WeeklyWindow,
)
from organizer.services.roster import ClashError, ClashKind
from organizer.storage import Database
from tests.scheduling_helpers import Instance, Org, at, brute_findings, instances


@pytest.fixture
def org(db: Database) -> Org:
    services = Services.for_database(db, "Tester")
    made = Org(services)
    made.cause = services.causes.create(CauseDraft(name="Food bank")).id
    return made


def only(findings: list[Finding], kind: str) -> Finding:
    (found,) = [f for f in findings if f.kind == kind]
    return found


def kinds(findings: list[Finding]) -> list[str]:
    return [f.kind for f in findings]


# One test per kind ------------------------------------------------------------------------


def test_overlap_with_a_later_occurrence_of_a_series(org: Org) -> None:
    weekly = org.shift("Night shelter", "Host", at(0, 21), 600, rrule="FREQ=WEEKLY;COUNT=4")
    sam = org.volunteer("Sam Lee")
    org.put((weekly[0], at(7, 21)), sam)  # the second occurrence, a week later
    greeter = org.shift("Breakfast club", "Greeter", at(8, 6), 120)
    found = org.services.conflicts.check(sam, *greeter)
    finding = only(found, "overlap")
    assert finding.severity is Severity.BLOCKING
    assert finding.message == (
        "Sam Lee is already on “Night shelter – Host” from 21:00 to 07:00 on Mon 30 Nov 2026."
    )
    assert org.services.conflicts.check(sam, *org.shift("Lunch", "Cook", at(0, 12), 60)) == []


@pytest.mark.parametrize("days", [3, 45, 120])
def test_an_occurrence_moved_away_clashes_where_it_now_is(org: Org, days: int) -> None:
    """Moved weeks or months from where its series put it, an occurrence's people are
    still booked at its new time: the engine and the roster board both see the clash."""
    weekly = org.shift("Night shelter", "Host", at(0, 21), 120, rrule="FREQ=WEEKLY;COUNT=4")
    sam = org.volunteer("Sam Lee")
    org.put(weekly, sam)
    event = org.services.events.get(org.services.shifts.get(weekly[0]).event_id)
    moved = at(days, 21)
    org.services.events.change_occurrence(
        event.id, event.version, weekly[1], starts_at=moved, ends_at=moved + timedelta(hours=2)
    )
    supper = org.shift("Late supper", "Cook", at(days, 21, 30), 60)
    org.put(supper, sam)
    assert "overlap" in kinds(org.services.conflicts.check(sam, *supper))
    week = at(days - days % 7, 0)
    roster = org.services.roster
    shifts = roster.board_rows(week, week + timedelta(days=7))
    (row,) = [shift for shift in shifts if shift.key == supper]
    (person,) = row.people
    flags = roster.board_clashes(shifts, week, week + timedelta(days=7))
    assert any("Night shelter" in clash.message for clash in flags[person.assignment_id])


def test_a_long_occurrence_clashes_all_the_way_through(org: Org) -> None:
    """A ten-week residential still books its people in its last week."""
    camp = org.shift("Residential", "Warden", at(0, 9), 70 * 24 * 60)
    sam = org.volunteer("Sam Lee")
    org.put(camp, sam)
    late = org.shift("Harvest supper", "Host", at(65, 18), 120)
    assert "overlap" in kinds(org.services.conflicts.check(sam, *late))


def test_travel_buffer_between_places(org: Org) -> None:
    hall = org.services.locations.create(LocationDraft(name="Hall")).id
    park = org.services.locations.create(LocationDraft(name="Park")).id
    org.services.conflicts.limits.save(SchedulingLimits(travel_buffer_minutes=45))
    sam = org.volunteer("Sam Lee")
    org.put(org.shift("Food bank", "Packer", at(0, 10), 120, location=hall), sam)
    walk = org.shift("Walk", "Leader", at(0, 12, 30), 60, location=park)
    finding = only(org.services.conflicts.check(sam, *walk), "travel_buffer")
    assert finding.blocking
    assert finding.message == (
        "Sam Lee has only 30 min to get between “Food bank” (from 10:00 to 12:00 that day) "
        "and this shift; allow 45 min."
    )
    same_place = org.shift("Tidy up", "Helper", at(0, 12, 15), 30, location=hall)
    assert "travel_buffer" not in kinds(org.services.conflicts.check(sam, *same_place))


def test_outside_availability_is_a_warning(org: Org) -> None:
    ana = org.volunteer("Ana Silva", windows=[WeeklyWindow(0, time(17), time(21))])
    morning = org.shift("Food bank", "Packer", at(0, 9), 120)
    finding = only(org.services.conflicts.check(ana, *morning), "outside_availability")
    assert finding.severity is Severity.WARNING
    assert finding.message == (
        "The shift is outside Ana Silva's usual times (Monday 17:00–21:00, Europe/London time)."
    )
    evening = org.shift("Food bank", "Sorter", at(0, 18), 120)
    assert org.services.conflicts.check(ana, *evening) == []


def test_blackout(org: Org) -> None:
    ana = org.volunteer(
        "Ana Silva", blackouts=[Blackout(date(2026, 11, 22), date(2026, 11, 24), "Holiday")]
    )
    finding = only(
        org.services.conflicts.check(ana, *org.shift("Walk", "Leader", at(1, 10), 60)),
        "blackout",
    )
    assert finding.message == "Ana Silva cannot help from 22 Nov 2026 to 24 Nov 2026 (Holiday)."


def test_missing_and_expired_qualification(org: Org) -> None:
    aid = org.qualification("First aid")
    walk = org.shift("Walk", "Leader", at(0, 10), 60, qualification=aid)
    cai = org.volunteer("Cai Jones")
    ben = org.volunteer(
        "Ben Okafor",
        held=[HeldQualification(aid, expires_on=date(2026, 11, 20))],  # type: ignore[arg-type]
    )
    assert only(org.services.conflicts.check(cai, *walk), "missing_qualification").message == (
        "Cai Jones does not hold “First aid”, which this role needs."
    )
    assert only(org.services.conflicts.check(ben, *walk), "expired_qualification").message == (
        "Ben Okafor's “First aid” expired on 20 Nov 2026, before this shift."
    )


def test_volunteer_and_organisation_hour_limits(org: Org) -> None:
    dee = org.volunteer("Dee Kaur", max_hours_per_week=4.0)
    org.put(org.shift("Food bank", "Packer", at(0, 10), 180), dee)
    long_one = org.shift("Food bank", "Sorter", at(2, 10), 120)
    assert only(org.services.conflicts.check(dee, *long_one), "week_limit").message == (
        "Dee Kaur would do 5 h that week, over their limit of 4 h a week."
    )
    eli = org.volunteer("Eli Park")
    org.put(org.shift("Food bank", "Driver", at(1, 10), 240), eli)
    org.services.conflicts.limits.save(
        SchedulingLimits(max_hours_per_week=5, max_hours_per_month=5.5)
    )
    found = org.services.conflicts.check(eli, *long_one)
    assert kinds([f for f in found if f.blocking]) == ["org_week_limit", "org_month_limit"]
    assert only(found, "org_month_limit").message == (
        "Eli Park would do 6 h in November, over the organisation's limit of 5.5 h a month."
    )
    fay = org.volunteer("Fay Hill", max_hours_per_month=3.0)
    assert "month_limit" not in kinds(org.services.conflicts.check(fay, *long_one))


def test_hour_limits_count_the_whole_week_and_month_beside_people_with_none(org: Org) -> None:
    """Only people under an hour limit have their whole week or month read: a check of one
    day still counts Dee's Monday towards her week and Fay's 2 November towards her month,
    while the many on the same shift with no limit flag nothing."""
    thursday = org.shift("Food bank", "Packer", at(3, 10), 120, needed=6)
    dee = org.volunteer("Dee Kaur", max_hours_per_week=3.0)
    org.put(org.shift("Food bank", "Sorter", at(0, 10), 120), dee)
    fay = org.volunteer("Fay Hill", max_hours_per_month=5.0)
    org.put(org.shift("Food bank", "Driver", at(-21, 10), 240), fay)
    for name in ("Gus Reid", "Hal Ames", "Ivy Lowe", "Jo Marsh"):
        someone = org.volunteer(name)
        org.put(org.shift("Food bank", "Driver", at(-20, 10), 600), someone)
        org.put(thursday, someone)
    org.put(thursday, dee)
    org.put(thursday, fay)
    found = org.services.conflicts.check_period(at(3, 0), at(4, 0))
    assert [(f.kind, f.message) for f in found] == [
        ("week_limit", "Dee Kaur would do 4 h that week, over their limit of 3 h a week."),
        ("month_limit", "Fay Hill would do 6 h in November, over their limit of 5 h a month."),
    ]


def test_rest_and_days_in_a_row(org: Org) -> None:
    org.services.conflicts.limits.save(SchedulingLimits(min_rest_hours=10, max_consecutive_days=2))
    gus = org.volunteer("Gus Reid")
    org.put(org.shift("Night shelter", "Host", at(0, 20), 180), gus)
    org.put(org.shift("Food bank", "Packer", at(1, 19), 60), gus)
    early = org.shift("Breakfast", "Cook", at(1, 6), 120)
    found = org.services.conflicts.check(gus, *early)
    assert only(found, "rest").message == (
        "Gus Reid would have only 7 h of rest after or before “Night shelter” "
        "(from 20:00 to 23:00 on Mon 23 Nov 2026); the minimum is 10 h."
    )
    third = org.shift("Walk", "Leader", at(2, 10), 60)
    assert only(org.services.conflicts.check(gus, *third), "consecutive_days").message == (
        "Gus Reid would help 3 days in a row; the most is 2."
    )


def test_role_full_and_archived(org: Org) -> None:
    walk = org.shift("Walk", "Leader", at(0, 10), 60, needed=1)
    org.put(walk, org.volunteer("Ana Silva"))
    hal = org.volunteer("Hal Moss")
    assert only(org.services.conflicts.check(hal, *walk), "role_full").message == (
        "“Walk – Leader” already has the 1 volunteer it needs."
    )
    person = org.services.volunteers.get(hal)
    org.services.volunteers.set_active(hal, person.version, False)
    other = org.shift("Food bank", "Packer", at(1, 10), 60)
    assert kinds(org.services.conflicts.check(hal, *other)) == ["archived"]


def test_needs_qualified_rule_warns_then_blocks(org: Org) -> None:
    aid = org.qualification("First aid")
    org.rule("needs_qualified", qualification=aid, minimum=1)
    walk = org.shift("Walk", "Walker", at(0, 10), 60, needed=2)
    ivy, jo = org.volunteer("Ivy Chan"), org.volunteer("Jo Bell")
    first = only(org.services.conflicts.check(ivy, *walk), "rule")
    assert first.severity is Severity.WARNING
    assert first.message == (
        "“Walk” needs at least 1 volunteer holding “First aid” (0 so far) and Ivy Chan does not "
        "hold it; 1 place would remain."
    )
    org.put(walk, ivy)
    last = only(org.services.conflicts.check(jo, *walk), "rule")
    assert last.severity is Severity.BLOCKING
    assert last.message.endswith("too few places would be left for them.")
    medic = org.volunteer("Kim Vo", held=[HeldQualification(aid)])  # type: ignore[arg-type]
    assert "rule" not in kinds(org.services.conflicts.check(medic, *walk))


def test_no_lone_newcomer_rule(org: Org) -> None:
    org.rule("no_lone_newcomer")
    solo = org.shift("Calls", "Caller", at(0, 10), 60, needed=1)
    pair = org.shift("Walk", "Walker", at(1, 10), 60, needed=2)
    new = org.volunteer("Lou New", joined_on=date(2026, 11, 1))
    old = org.volunteer("Max Old")
    org.put(org.shift("Past", "Helper", at(-30, 10), 60), old, attendance=Attendance.ATTENDED)
    lone = only(org.services.conflicts.check(new, *solo), "rule")
    assert (lone.severity, lone.message) == (
        Severity.BLOCKING,
        "Lou New is new and would be the only volunteer on this shift.",
    )
    assert only(org.services.conflicts.check(new, *pair), "rule").severity is Severity.WARNING
    assert "rule" not in kinds(org.services.conflicts.check(old, *solo))
    org.put(pair, old)
    assert "rule" not in kinds(org.services.conflicts.check(new, *pair))


# The roster's assignment path goes through the engine ---------------------------------------


def test_roster_assign_needs_a_reason_for_engine_findings(org: Org) -> None:
    dee = org.volunteer("Dee Kaur", max_hours_per_week=2.0)
    org.put(org.shift("Food bank", "Packer", at(0, 10), 120), dee)
    second = org.shift("Food bank", "Sorter", at(2, 10), 60)
    with pytest.raises(ClashError) as refused:
        org.services.roster.assign(*second, dee)
    assert "over their limit of 2 h a week" in str(refused.value)
    assert ClashKind.WEEK_LIMIT in [c.kind for c in refused.value.clashes]
    made = org.services.roster.assign(*second, dee, override_reason="Agreed by phone")
    assert made.override_reason == "Agreed by phone"
    board = org.services.roster.board(at(0, 0), at(7, 0))
    person = next(p for shift in board for p in shift.people if p.assignment_id == made.id)
    assert ClashKind.WEEK_LIMIT in [c.kind for c in person.clashes]


def test_check_period_and_command(
    org: Org, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dee = org.volunteer("Dee Kaur", max_hours_per_week=2.0)
    org.put(org.shift("Food bank", "Packer", at(0, 10), 120), dee)
    org.put(org.shift("Food bank", "Sorter", at(2, 10), 60), dee)
    found = org.services.conflicts.check_period(at(0, 0), at(7, 0))
    assert Counter(f.kind for f in found) == Counter({"week_limit": 2})
    week = ["--db", str(db_path), "--from", "2026-11-23", "--to", "2026-11-30"]
    assert main(["check-roster", *week, "--cause", "Food bank"]) == 0
    printed = capsys.readouterr().out
    assert "2 findings (2 blocking)." in printed
    assert "Dee Kaur would do 3 h that week, over their limit of 2 h a week." in printed
    assert main(["check-roster", *week, "--cause", "Nope"]) != 0
    assert "no cause called “Nope”" in capsys.readouterr().err


def test_limits_are_validated_and_kept(org: Org, db: Database) -> None:
    service = LimitsService(db, "Tester")
    assert service.get() == SchedulingLimits()
    with pytest.raises(ValidationError):
        service.save(SchedulingLimits(max_hours_per_week=0.1))
    kept = SchedulingLimits(max_hours_per_week=20, min_rest_hours=11, max_consecutive_days=5)
    service.save(kept)
    assert service.get() == kept
    assert service.get().max_hours_per_month is None


# The proof: the engine equals a brute-force check written from the rules --------------------


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_engine_equals_brute_force(instance: Instance) -> None:
    world = instance.world
    for vid in world.people:
        for slot in instance.slots:
            every = world.findings(vid, slot)
            engine = Counter((f.kind, f.blocking) for f in every)
            assert engine == brute_findings(world, vid, slot), (vid, slot)
            for kinds in (PERSONAL_KINDS, {"overlap", "rest", "week_limit"}):
                assert world.findings(vid, slot, kinds=kinds) == [
                    f for f in every if f.kind in kinds
                ]
    for booking in instance.existing:
        if booking.slot.key in {s.key for s in instance.slots}:
            found = world.findings(
                booking.volunteer_id, booking.slot, exclude=booking.assignment_id
            )
            engine = Counter((f.kind, f.blocking) for f in found)
            expected = brute_findings(
                world, booking.volunteer_id, booking.slot, exclude=booking.assignment_id
            )
            assert engine == expected
    for slot in instance.slots:
        for vid in world.people:
            for finding in world.findings(vid, slot):
                assert finding.message.endswith(".") and world.people[vid].name in (
                    finding.message + world.people[vid].name
                )


# Which bookings are read --------------------------------------------------------------------

ZONES = ("Pacific/Kiritimati", "Pacific/Pago_Pago", "Europe/London", "Australia/Sydney", "UTC")


def _slot(starts: datetime, hours: int) -> SlotFacts:
    return SlotFacts(1, 1, starts, starts, starts + timedelta(hours=hours), "Sort", "Driver", "UTC")


def _month_start(month: int) -> datetime:
    return datetime(2026 + month // 12, month % 12 + 1, 1, tzinfo=UTC)


@settings(max_examples=500, deadline=None)
@given(
    month=st.integers(1, 35),
    # Often near the turn of the month.
    offset=st.integers(-4 * 24 * 60, 4 * 24 * 60) | st.integers(0, 31 * 24 * 60),
    # The other booking: so many minutes from the slot, or from the turn into its month
    # or out of it.
    near_turn=st.booleans(),
    turn=st.integers(0, 1),
    minutes=st.integers(-100 * 24 * 60, 100 * 24 * 60)
    | st.integers(-10 * 24 * 60, 10 * 24 * 60)
    | st.integers(-2 * 24 * 60, 2 * 24 * 60),
    hours=st.integers(1, 30),
    booking_hours=st.integers(1, 30),
    person_zone=st.sampled_from(ZONES),
    most=st.sampled_from([None, None, None, 1, 5]),
    rest=st.sampled_from([None, None, 1, 12, 72]),
    travel=st.sampled_from([0, 0, 30, 120]),
    # Whether an hour limit a week, and one a month, applies to the volunteer.
    weeks=st.booleans(),
    months=st.booleans(),
)
# A week begun in the month before; the first of the month where clocks run 14 hours ahead.
@example(6, 34 * 60, True, 0, -38 * 60, 1, 1, "UTC", None, None, 0, True, True)
@example(6, 14 * 24 * 60, True, 0, -9 * 60, 1, 1, "Pacific/Kiritimati", None, None, 0, True, True)
# The last day of a run: a short booking at midnight, the slot late in the evening.
@example(6, 23 * 60, False, 0, -(41 * 24 + 23) * 60, 1, 1, "UTC", 1, None, 0, False, False)
def test_every_booking_that_bears_on_a_slot_is_read(
    month: int,
    offset: int,
    near_turn: bool,
    turn: int,
    minutes: int,
    hours: int,
    booking_hours: int,
    person_zone: str,
    most: int | None,
    rest: int | None,
    travel: int,
    weeks: bool,
    months: bool,
) -> None:
    """Its month or week in the volunteer's zone (if limited), days in a row around it, rest
    and travel."""
    starts = _month_start(month) + timedelta(minutes=offset)
    slot = _slot(starts, hours)
    base = _month_start(month + turn) if near_turn else starts
    booking = _slot(base + timedelta(minutes=minutes), booking_hours)
    limits = SchedulingLimits(
        max_consecutive_days=most, min_rest_hours=rest, travel_buffer_minutes=travel
    )
    earliest, latest = bearing_window([slot], limits, weeks=weeks, months=months)
    theirs = ZoneInfo(person_zone)
    day = slot.starts_at.astimezone(theirs).date()
    other_day = booking.starts_at.astimezone(theirs).date()
    gap = timedelta(hours=rest or 0, minutes=travel)
    bears = (
        (months and (other_day.year, other_day.month) == (day.year, day.month))
        or (weeks and other_day.isocalendar()[:2] == day.isocalendar()[:2])
        or (most is not None and abs((other_day - day).days) <= most + RUN_REACH)
        or (booking.starts_at < slot.ends_at + gap and booking.ends_at > slot.starts_at - gap)
    )
    if bears:  # load_bookings reads those overlapping [earliest, latest)
        assert booking.starts_at < latest and booking.ends_at > earliest
