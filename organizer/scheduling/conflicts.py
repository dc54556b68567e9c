"""The conflict engine: everything that speaks against a volunteer on a shift occurrence.

A *slot* is one shift on one occurrence at its real times (the occurrence index gives each
occurrence of a series, moved ones included; the shift's offsets narrow it).  The checks are
pure functions over a :class:`World` of loaded facts, so the same code answers an interactive
check, a whole period and the auto-fill solver's eligibility.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import Boolean, Select, and_, bindparam, or_, select, text, union_all
from sqlalchemy.orm import Session

from organizer.errors import DomainError, NotFoundError
from organizer.models import (
    Assignment,
    Attendance,
    AvailabilityWindow,
    BlackoutPeriod,
    Event,
    EventStatus,
    OccurrenceOverride,
    OccurrenceRow,
    Qualification,
    Shift,
    UTCDateTime,
    Volunteer,
    VolunteerQualification,
)
from organizer.models.scheduling import StaffingRule
from organizer.recurrence import zone
from organizer.scheduling.limits import LimitsService, SchedulingLimits
from organizer.services.base import Service, among
from organizer.services.coverage import GOES_AHEAD, PLACE_HOLDING, shift_times, with_occurrence
from organizer.services.driver_rows import Instants, driver_rows
from organizer.services.occurrences import LONG_OCCURRENCE
from organizer.services.roster import merged_windows, shift_on_occurrence
from organizer.storage import Database
from organizer.wording import WEEKDAYS, clock_text, day_text, end_text, english_date, join_words

NEWCOMER_DAYS = 90
SlotKey = tuple[int, datetime]


class Severity(enum.StrEnum):
    """Whether a finding stops an assignment (unless a reason is given) or only warns."""

    BLOCKING = "blocking"
    WARNING = "warning"


PERSONAL_KINDS = frozenset(
    {"blackout", "missing_qualification", "expired_qualification", "outside_availability"}
)
"""The kinds of finding about the volunteer alone: away, qualifications, usual times."""


@dataclass(frozen=True)
class Finding:
    """One thing against a volunteer on a shift occurrence, in a coordinator's words.

    ``kind`` is one of "overlap", "travel_buffer", "outside_availability", "blackout",
    "missing_qualification", "expired_qualification", "week_limit", "month_limit",
    "org_week_limit", "org_month_limit", "rest", "consecutive_days", "role_full", "rule",
    "archived".  ``assignment_id`` names the other assignment of an overlap, when there is one.
    """

    kind: str
    severity: Severity
    message: str
    volunteer_id: int
    shift_id: int
    occurrence_start: datetime
    assignment_id: int | None = None

    @property
    def blocking(self) -> bool:
        """Whether a reason is needed to assign anyway."""
        return self.severity is Severity.BLOCKING


class SlotFacts(NamedTuple):
    """A shift on one occurrence at its real times, with what the checks need of it.

    A named tuple, like :class:`Booking`: a busy week's check makes tens of thousands,
    and a tuple is made several times quicker than a frozen dataclass.
    """

    shift_id: int
    event_id: int
    occurrence_start: datetime
    starts_at: datetime
    ends_at: datetime
    title: str
    role: str
    zone: str
    cause_id: int | None = None
    qualification_id: int | None = None
    needed: int = 1
    location_id: int | None = None

    @property
    def key(self) -> SlotKey:
        """The shift and occurrence."""
        return self.shift_id, self.occurrence_start

    @property
    def occurrence(self) -> tuple[int, datetime]:
        """The event and occurrence."""
        return self.event_id, self.occurrence_start

    @property
    def hours(self) -> float:
        """How long the shift lasts."""
        return (self.ends_at - self.starts_at).total_seconds() / 3600

    @property
    def day(self) -> date:
        """The shift's date where the event happens."""
        return self.starts_at.astimezone(_zone(self.zone)).date()


@dataclass(slots=True)
class PersonFacts:
    """What the checks need to know about one volunteer."""

    volunteer_id: int
    name: str
    timezone: str = "UTC"
    active: bool = True
    joined_on: date = date(2000, 1, 1)
    max_week: float | None = None
    max_month: float | None = None
    attended: bool = True
    flagged: bool = False
    """Flagged for review (looks like spam) or anonymised: never suggested automatically."""
    windows: dict[int, list[tuple[time, time]]] = field(default_factory=dict)
    blackouts: list[tuple[date, date, str]] = field(default_factory=list)
    qualifications: dict[int, date | None] = field(default_factory=dict)

    def holds(self, qualification_id: int, day: date) -> bool:
        """Whether they hold the qualification, unexpired on ``day``."""
        if qualification_id not in self.qualifications:
            return False
        expires = self.qualifications[qualification_id]
        return expires is None or expires >= day

    def newcomer(self, day: date) -> bool:
        """Joined fewer than 90 days before ``day``, or never attended a shift."""
        return not self.attended or self.joined_on > day - timedelta(days=NEWCOMER_DAYS)


class Booking(NamedTuple):
    """A place-holding assignment (or a proposed placement) of one volunteer."""

    assignment_id: int | None
    volunteer_id: int
    slot: SlotFacts
    hours: float


@dataclass(frozen=True, slots=True)
class RuleFacts:
    """A staffing rule."""

    kind: str
    cause_id: int | None
    qualification_id: int | None
    minimum: int
    blocking: bool

    def applies(self, slot: SlotFacts) -> bool:
        """Whether the rule covers the slot's cause."""
        return self.cause_id is None or self.cause_id == slot.cause_id


@dataclass
class World:
    """Loaded facts the checks run over: people, their bookings, slots, rules and limits."""

    limits: SchedulingLimits = field(default_factory=SchedulingLimits)
    people: dict[int, PersonFacts] = field(default_factory=dict)
    bookings: dict[int, list[Booking]] = field(default_factory=dict)
    holders: dict[SlotKey, list[tuple[int | None, int]]] = field(default_factory=dict)
    occurrence_slots: dict[tuple[int, datetime], list[SlotFacts]] = field(default_factory=dict)
    rules: list[RuleFacts] = field(default_factory=list)
    qualification_names: dict[int, str] = field(default_factory=dict)

    def add_booking(self, booking: Booking) -> None:
        """Record a booking (for its volunteer and its slot)."""
        self.bookings.setdefault(booking.volunteer_id, []).append(booking)
        self.holders.setdefault(booking.slot.key, []).append(
            (booking.assignment_id, booking.volunteer_id)
        )

    def add_slot(self, slot: SlotFacts) -> None:
        """Know a slot as part of its occurrence (for occurrence-wide rules)."""
        shifts = self.occurrence_slots.setdefault(slot.occurrence, [])
        if all(known.shift_id != slot.shift_id for known in shifts):
            shifts.append(slot)

    def findings(
        self,
        volunteer_id: int,
        slot: SlotFacts,
        *,
        exclude: int | None = None,
        kinds: Collection[str] | None = None,
    ) -> list[Finding]:
        """Everything against ``volunteer_id`` on ``slot``, blocking ones first.

        ``exclude`` is the assignment being checked when it already exists: it is left out of
        the volunteer's bookings and of the people on the shift.  ``kinds``: only findings
        of these kinds (None: all).
        """
        person = self.people[volunteer_id]
        found = _Findings(person, slot)
        own = [
            b
            for b in self.bookings.get(volunteer_id, [])
            if b.slot.key != slot.key and (exclude is None or b.assignment_id != exclude)
        ]
        on_slot = [
            vid
            for aid, vid in self.holders.get(slot.key, [])
            if vid != volunteer_id and (exclude is None or aid != exclude)
        ]
        if not person.active:
            found.add(
                "archived", True, f"{person.name} is archived; restore them on the Volunteers page."
            )
        self._time_findings(found, person, slot, own)
        if kinds is None or not PERSONAL_KINDS.isdisjoint(kinds):
            self._person_findings(found, person, slot)
        self._limit_findings(found, person, slot, own)
        if len(on_slot) >= slot.needed:
            found.add(
                "role_full",
                True,
                f"“{slot.title} – {slot.role}” already has the {slot.needed} "
                f"{_plural(slot.needed, 'volunteer')} it needs.",
            )
        self._rule_findings(found, person, slot, on_slot, exclude)
        items = found.items if kinds is None else [f for f in found.items if f.kind in kinds]
        return sorted(items, key=lambda f: f.severity is not Severity.BLOCKING)

    def holder_findings(
        self, slots: Iterable[SlotFacts], *, kinds: Collection[str] | None = None
    ) -> list[Finding]:
        """Findings (only of ``kinds``, if given) for everyone holding a place on ``slots``.

        Slot by slot in time order, and the people on a slot in the order they were put on.
        """
        found: list[Finding] = []
        for slot in sorted(slots, key=lambda s: (s.starts_at, s.shift_id)):
            for aid, vid in sorted(self.holders.get(slot.key, []), key=_by_assignment):
                found.extend(self.findings(vid, slot, exclude=aid, kinds=kinds))
        return found

    def _time_findings(
        self, found: _Findings, person: PersonFacts, slot: SlotFacts, own: list[Booking]
    ) -> None:
        buffer = timedelta(minutes=self.limits.travel_buffer_minutes)
        rest = timedelta(hours=self.limits.min_rest_hours) if self.limits.min_rest_hours else None
        for booking in sorted(own, key=lambda b: (b.slot.starts_at, b.slot.shift_id)):
            other = booking.slot
            if other.starts_at < slot.ends_at and slot.starts_at < other.ends_at:
                found.add(
                    "overlap",
                    True,
                    f"{person.name} is already on “{other.title} – {other.role}” "
                    f"{_span_text(other, slot)}.",
                    booking.assignment_id,
                )
                continue
            gap = max(other.starts_at - slot.ends_at, slot.starts_at - other.ends_at)
            if buffer and gap < buffer and not _same_place(other, slot):
                found.add(
                    "travel_buffer",
                    True,
                    f"{person.name} has only {_minutes(gap)} to get between "
                    f"“{other.title}” ({_span_text(other, slot)}) and this shift; "
                    f"allow {_minutes(buffer)}.",
                    booking.assignment_id,
                )
            if rest is not None and gap < rest:
                found.add(
                    "rest",
                    True,
                    f"{person.name} would have only {_hours(gap)} of rest after or before "
                    f"“{other.title}” ({_span_text(other, slot)}); the minimum is {_hours(rest)}.",
                    booking.assignment_id,
                )

    def _person_findings(self, found: _Findings, person: PersonFacts, slot: SlotFacts) -> None:
        away = away_period(person, slot)
        if away is not None:
            first, last, why = away
            span = (
                f"on {day_text(first)}"
                if first == last
                else f"from {day_text(first)} to {day_text(last)}"
            )
            because = f" ({why})" if why else ""
            found.add("blackout", True, f"{person.name} cannot help {span}{because}.")
        if slot.qualification_id is not None:
            name = self.qualification_names.get(slot.qualification_id, "the qualification")
            if slot.qualification_id not in person.qualifications:
                found.add(
                    "missing_qualification",
                    True,
                    f"{person.name} does not hold “{name}”, which this role needs.",
                )
            elif not person.holds(slot.qualification_id, slot.day):
                expired = person.qualifications[slot.qualification_id]
                assert expired is not None
                found.add(
                    "expired_qualification",
                    True,
                    f"{person.name}'s “{name}” expired on {day_text(expired)}, before this shift.",
                )
        if person.windows and covering_window(person, slot) is None:
            windows = [
                f"{WEEKDAYS[day]} {clock_text(begin)}–{end_text(end)}"
                for day, spans in sorted(person.windows.items())
                for begin, end in spans
            ]
            found.add(
                "outside_availability",
                False,
                f"The shift is outside {person.name}'s usual times ({join_words(windows)}, "
                f"{person.timezone} time).",
            )

    def _limit_findings(
        self, found: _Findings, person: PersonFacts, slot: SlotFacts, own: list[Booking]
    ) -> None:
        limits = self.limits
        if limits.max_consecutive_days is None and not any(hour_limits(person, limits)):
            return
        theirs = _zone(person.timezone)
        day = slot.starts_at.astimezone(theirs).date()
        week = day.isocalendar()[:2]
        week_hours = slot.hours
        month_hours = slot.hours
        days = {day}
        for booking in own:
            other_day = booking.slot.starts_at.astimezone(theirs).date()
            days.add(other_day)
            if other_day.isocalendar()[:2] == week:
                week_hours += booking.hours
            if (other_day.year, other_day.month) == (day.year, day.month):
                month_hours += booking.hours
        for kind, own_limit, org_limit, total, period in (
            ("week", person.max_week, limits.max_hours_per_week, week_hours, "that week"),
            (
                "month",
                person.max_month,
                limits.max_hours_per_month,
                month_hours,
                f"in {english_date(day, '%B')}",
            ),
        ):
            if own_limit is not None and total > own_limit + 1e-9:
                found.add(
                    f"{kind}_limit",
                    True,
                    f"{person.name} would do {_num(total)} h {period}, over their limit of "
                    f"{_num(own_limit)} h a {kind}.",
                )
            elif org_limit is not None and total > org_limit + 1e-9:
                found.add(
                    f"org_{kind}_limit",
                    True,
                    f"{person.name} would do {_num(total)} h {period}, over the organisation's "
                    f"limit of {_num(org_limit)} h a {kind}.",
                )
        most = limits.max_consecutive_days
        if most is not None:
            run = consecutive_run(days, day)
            if run > most:
                found.add(
                    "consecutive_days",
                    True,
                    f"{person.name} would help {run} days in a row; the most is {most}.",
                )

    def _rule_findings(
        self,
        found: _Findings,
        person: PersonFacts,
        slot: SlotFacts,
        on_slot: list[int],
        exclude: int | None,
    ) -> None:
        for rule in self.rules:
            if not rule.applies(slot):
                continue
            if rule.kind == "needs_qualified" and rule.qualification_id is not None:
                qid = rule.qualification_id
                if person.holds(qid, slot.day):
                    continue
                others: list[int] = []
                needed = 0
                for shift in self.occurrence_slots.get(slot.occurrence, [slot]):
                    needed += shift.needed
                    others.extend(
                        vid
                        for aid, vid in self.holders.get(shift.key, [])
                        if not (shift.key == slot.key and vid == person.volunteer_id)
                        and (exclude is None or aid != exclude)
                    )
                qualified = len({v for v in others if self.people[v].holds(qid, slot.day)})
                missing = rule.minimum - qualified
                if missing <= 0:
                    continue
                open_after = needed - len(others) - 1
                last = missing > open_after
                name = self.qualification_names.get(qid, "the qualification")
                text = (
                    f"“{slot.title}” needs at least {rule.minimum} "
                    f"{_plural(rule.minimum, 'volunteer')} holding “{name}” ({qualified} so far) "
                    f"and {person.name} does not hold it"
                )
                text += (
                    "; too few places would be left for them."
                    if last
                    else f"; {open_after} {_plural(open_after, 'place')} would remain."
                )
                found.add("rule", last and rule.blocking, text)
            elif rule.kind == "no_lone_newcomer":
                if on_slot or not person.newcomer(slot.day):
                    continue
                last = slot.needed <= 1
                text = f"{person.name} is new and would be the only volunteer on this shift"
                text += "." if last else " unless someone else joins."
                found.add("rule", last and rule.blocking, text)


class _Findings:
    """Collects findings for one volunteer on one slot."""

    def __init__(self, person: PersonFacts, slot: SlotFacts) -> None:
        self.person = person
        self.slot = slot
        self.items: list[Finding] = []

    def add(
        self, kind: str, blocking: bool, message: str, assignment_id: int | None = None
    ) -> None:
        self.items.append(
            Finding(
                kind,
                Severity.BLOCKING if blocking else Severity.WARNING,
                message,
                self.person.volunteer_id,
                self.slot.shift_id,
                self.slot.occurrence_start,
                assignment_id,
            )
        )


class ConflictService(Service):
    """Checks proposed and existing assignments with the conflict engine (Services.conflicts)."""

    def __init__(self, db: Database, actor: str) -> None:
        """Work on ``db`` as ``actor``."""
        super().__init__(db, actor)
        self.limits = LimitsService(db, actor)

    def check(self, volunteer_id: int, shift_id: int, occurrence_start: datetime) -> list[Finding]:
        """Everything against putting ``volunteer_id`` on the shift occurrence, blocking first.

        Raises:
            NotFoundError: the volunteer or shift is gone.
            DomainError: the occurrence no longer exists.
        """
        with self.db.read() as session:
            world, slot = self.world_for_slot(session, shift_id, occurrence_start, [volunteer_id])
        if volunteer_id not in world.people:
            raise NotFoundError("volunteer", volunteer_id)
        return world.findings(volunteer_id, slot)

    def check_period(
        self, start: datetime, end: datetime, *, cause_ids: Iterable[int] | None = None
    ) -> list[Finding]:
        """Findings for every place-holding assignment on shifts starting in ``[start, end)``.

        Slot by slot in time order, and the people on a slot in the order they were put on.
        """
        with self.db.read() as session:
            slots, world = self.period_world(session, start, end, cause_ids=cause_ids)
        return world.holder_findings(slots)

    def period_world(
        self,
        session: Session,
        start: datetime,
        end: datetime,
        *,
        cause_ids: Iterable[int] | None = None,
    ) -> tuple[list[SlotFacts], World]:
        """The slots starting in ``[start, end)``, and a world to check the people on them."""
        slots = load_slots(session, start, end, cause_ids=cause_ids)
        if not slots:
            return [], World()
        # Only the people on these slots are checked: their own bookings are all it takes.
        return slots, self.load_world(session, slots, ())

    # Loading -------------------------------------------------------------------------------

    def world_for_slot(
        self,
        session: Session,
        shift_id: int,
        occurrence_start: datetime,
        volunteer_ids: Collection[int] | None,
        limits: SchedulingLimits | None = None,
        *,
        around: timedelta = timedelta(0),
    ) -> tuple[World, SlotFacts]:
        """A world around one slot, for some volunteers (or everyone active when None).

        ``around``: as for :meth:`load_world`.
        """
        slot = load_slot(session, shift_id, occurrence_start)
        rules = session.scalar(
            select(StaffingRule.id).where(StaffingRule.kind == "needs_qualified").limit(1)
        )
        siblings = _occurrence_slots(session, slot) if rules is not None else []
        world = self.load_world(session, [slot, *siblings], volunteer_ids, limits, around=around)
        return world, slot

    def load_world(
        self,
        session: Session,
        slots: Sequence[SlotFacts],
        volunteer_ids: Collection[int] | None,
        limits: SchedulingLimits | None = None,
        *,
        around: timedelta = timedelta(0),
    ) -> World:
        """Facts to check ``slots``: the people on them, and ``volunteer_ids`` (None: all active).

        Each person's bookings are loaded over the slots' :func:`bearing_window` for the
        hour limits that apply to them, and at least ``around`` the slots either side (for
        those weighing how busy people are).
        """
        limits = limits or self.limits.get()
        world = World(limits=limits)
        world.rules = [
            RuleFacts(r.kind, r.cause_id, r.qualification_id, r.minimum, r.blocking)
            for r in session.scalars(select(StaffingRule))
        ]
        if world.rules or any(slot.qualification_id is not None for slot in slots):
            world.qualification_names = {
                qid: name
                for qid, name in session.execute(select(Qualification.id, Qualification.name))
            }
        newcomers = any(rule.kind == "no_lone_newcomer" for rule in world.rules)
        for slot in slots:
            world.add_slot(slot)
        keys = {slot.key for slot in slots}
        holders: set[int] = set()
        connection = session.connection()
        for vid, shift_id, rid in connection.execute(
            select(
                Assignment.volunteer_id,
                Assignment.shift_id,
                Assignment.occurrence_start,
            ).where(
                among(connection, Assignment.shift_id, {slot.shift_id for slot in slots}),
                Assignment.occurrence_start >= min(k[1] for k in keys),
                Assignment.occurrence_start <= max(k[1] for k in keys),
                Assignment.status.in_(PLACE_HOLDING),
            )
        ):
            if (shift_id, rid) in keys:
                holders.add(vid)
        wanted: set[int] | None = None
        if volunteer_ids is not None:
            wanted = holders | set(volunteer_ids)
        world.people = load_people(session, wanted, attendance=newcomers)
        missing = holders - world.people.keys()
        if missing:
            world.people.update(load_people(session, missing, attendance=newcomers))
        soonest = min(slot.starts_at for slot in slots) - around
        furthest = max(slot.ends_at for slot in slots) + around
        for (weeks, months), group in _by_limits(world.people, limits, wanted).items():
            earliest, latest = bearing_window(slots, limits, weeks=weeks, months=months)
            earliest, latest = min(earliest, soonest), max(latest, furthest)
            for booking in load_bookings(session, earliest, latest, group.ids):
                if booking.volunteer_id in group.people:
                    world.add_booking(booking)
        return world


# Pure helpers ------------------------------------------------------------------------------

ZONE_REACH = timedelta(hours=14)
"""How far a local clock can be from UTC: a slot's day and month are its volunteer's."""

RUN_REACH = 40
"""Days beyond the most allowed in a row that bookings are read for, to tell a run's length."""


def bearing_window(
    slots: Sequence[SlotFacts],
    limits: SchedulingLimits,
    *,
    weeks: bool = True,
    months: bool = True,
) -> tuple[datetime, datetime]:
    """When the bookings that can bear on ``slots`` fall: from ``earliest`` to ``latest``.

    The rest and the travel time either side; where days in a row are limited,
    :data:`RUN_REACH` days more than that limit either side, so a run is counted whole; and
    for hour limits the whole ``weeks`` and ``months`` the slots start in (in any
    volunteer's zone).  A volunteer under no hour limit needs neither.
    """
    starts = min(slot.starts_at for slot in slots).astimezone(UTC)
    ends = max(slot.ends_at for slot in slots).astimezone(UTC)
    most = limits.max_consecutive_days
    reach = timedelta(hours=limits.min_rest_hours or 0, minutes=limits.travel_buffer_minutes)
    if most:
        # A day in a run starts up to a day (and a clock change) before its date says.
        reach += timedelta(days=most + RUN_REACH + 1) + ZONE_REACH
    earliest, latest = starts - reach, ends + reach
    first = starts - ZONE_REACH
    last = max(slot.starts_at for slot in slots).astimezone(UTC) + ZONE_REACH
    if weeks:
        week = timedelta(days=7)
        earliest, latest = min(earliest, first - week), max(latest, last + week)
    if months:
        month_start = datetime(first.year, first.month, 1, tzinfo=UTC)
        month_end = datetime(last.year + last.month // 12, last.month % 12 + 1, 1, tzinfo=UTC)
        earliest = min(earliest, month_start - ZONE_REACH)
        latest = max(latest, month_end + ZONE_REACH)
    return earliest, latest


def hour_limits(person: PersonFacts, limits: SchedulingLimits) -> tuple[bool, bool]:
    """Whether a weekly, and a monthly, hour limit applies to ``person`` (theirs or the org's)."""
    return (
        person.max_week is not None or limits.max_hours_per_week is not None,
        person.max_month is not None or limits.max_hours_per_month is not None,
    )


class _Group(NamedTuple):
    """People whose bookings are read over one window.

    ``ids``: whom the read names (None: everyone, when these are most of them).
    """

    people: set[int]
    ids: set[int] | None


def _by_limits(
    people: dict[int, PersonFacts], limits: SchedulingLimits, wanted: set[int] | None
) -> dict[tuple[bool, bool], _Group]:
    """``people`` by whether hour limits a week and a month apply to them.

    Their bookings are read over whole weeks and months only if so: for most people, just
    around the slots.  Where ``wanted`` is None (everyone), the biggest group is read
    without naming them.
    """
    groups: dict[tuple[bool, bool], set[int]] = defaultdict(set)
    for vid, person in people.items():
        groups[hour_limits(person, limits)].add(vid)
    biggest = max(groups, key=lambda key: len(groups[key]), default=None)
    return {
        key: _Group(ids, None if wanted is None and key == biggest else ids)
        for key, ids in groups.items()
    }


def _by_assignment(holder: tuple[int | None, int]) -> tuple[bool, int]:
    assignment_id, volunteer_id = holder
    return assignment_id is None, assignment_id or volunteer_id


@cache
def _zone(name: str) -> ZoneInfo:
    try:
        return zone(name)
    except DomainError:
        return ZoneInfo("UTC")


def away_period(person: PersonFacts, slot: SlotFacts) -> tuple[date, date, str] | None:
    """The blackout covering any day of the shift, in the volunteer's zone."""
    theirs = _zone(person.timezone)
    first_day = slot.starts_at.astimezone(theirs).date()
    last_day = (slot.ends_at.astimezone(theirs) - timedelta(microseconds=1)).date()
    for first, last, reason in person.blackouts:
        if first <= last_day and last >= first_day:
            return first, last, reason
    return None


def covering_window(person: PersonFacts, slot: SlotFacts) -> tuple[int, time, time] | None:
    """The weekly window (weekday, start, end) covering the whole shift, in their zone."""
    theirs = _zone(person.timezone)
    starts, ends = slot.starts_at.astimezone(theirs), slot.ends_at.astimezone(theirs)
    end_time = ends.time()
    if ends.date() != starts.date():
        if ends.date() != starts.date() + timedelta(days=1) or end_time != time(0):
            return None
        end_time = time.max
    for begin, finish in person.windows.get(starts.weekday(), []):
        if begin <= starts.time() and end_time <= finish:
            return starts.weekday(), begin, finish
    return None


def consecutive_run(days: set[date], day: date) -> int:
    """How many days in a row, through ``day``, are in ``days``."""
    run = 1
    before = day - timedelta(days=1)
    while before in days:
        run += 1
        before -= timedelta(days=1)
    after = day + timedelta(days=1)
    while after in days:
        run += 1
        after += timedelta(days=1)
    return run


def _same_place(one: SlotFacts, other: SlotFacts) -> bool:
    return one.event_id == other.event_id or (
        one.location_id is not None and one.location_id == other.location_id
    )


def _span_text(other: SlotFacts, slot: SlotFacts) -> str:
    where = _zone(other.zone)
    start, end = other.starts_at.astimezone(where), other.ends_at.astimezone(where)
    text = f"from {clock_text(start)} to {clock_text(end)}"
    if start.date() == slot.starts_at.astimezone(where).date():
        return text + " that day"
    return text + f" on {english_date(start, '%a %-d %b %Y')}"


def _plural(count: int, noun: str) -> str:
    return noun if count == 1 else noun + "s"


def _num(value: float) -> str:
    return f"{round(value, 1):g}"


def _minutes(gap: timedelta) -> str:
    return f"{max(int(gap.total_seconds() // 60), 0)} min"


def _hours(gap: timedelta) -> str:
    return f"{_num(max(gap.total_seconds(), 0) / 3600)} h"


# Queries -----------------------------------------------------------------------------------


def _slot_columns() -> tuple[Any, ...]:
    return (
        Shift.id,
        OccurrenceRow.event_id,
        OccurrenceRow.recurrence_id,
        OccurrenceRow.starts_at,
        OccurrenceRow.ends_at,
        Shift.start_offset_min,
        Shift.end_offset_min,
        Event.title,
        Shift.role,
        Event.timezone,
        Event.cause_id,
        Shift.qualification_id,
        Shift.needed,
        Event.location_id,
    )


def _to_slot(row: Sequence[Any]) -> SlotFacts:
    (shift_id, event_id, rid, starts, ends, start_offset, end_offset, title, role, tz, cause_id,
     qualification_id, needed, location_id) = row[:14]  # fmt: skip
    shift_start, shift_end = shift_times(starts, ends, start_offset, end_offset)
    return SlotFacts(
        shift_id,
        event_id,
        rid,
        shift_start,
        shift_end,
        title,
        role,
        tz,
        cause_id,
        qualification_id,
        needed,
        location_id,
    )


def _scheduled(query: Select[*tuple[Any, ...]]) -> Select[*tuple[Any, ...]]:
    """Leave out cancelled events and cancelled occurrences."""
    return query.outerjoin(
        OccurrenceOverride,
        and_(
            OccurrenceOverride.event_id == OccurrenceRow.event_id,
            OccurrenceOverride.recurrence_id == OccurrenceRow.recurrence_id,
        ),
    ).where(
        Event.status != EventStatus.CANCELLED,
        or_(
            OccurrenceOverride.status.is_(None), OccurrenceOverride.status != EventStatus.CANCELLED
        ),
    )


def load_slots(
    session: Session, start: datetime, end: datetime, *, cause_ids: Iterable[int] | None = None
) -> list[SlotFacts]:
    """Every shift of every scheduled occurrence starting in ``[start, end)``."""
    query = _scheduled(
        select(*_slot_columns())
        .join(Event, Event.id == OccurrenceRow.event_id)
        .join(
            Shift,
            and_(
                Shift.event_id == OccurrenceRow.event_id,
                or_(
                    Shift.occurrence_start.is_(None),
                    Shift.occurrence_start == OccurrenceRow.recurrence_id,
                ),
            ),
        )
        .where(OccurrenceRow.starts_at >= start, OccurrenceRow.starts_at < end)
    )
    if cause_ids is not None:
        query = query.where(Event.cause_id.in_(list(cause_ids)))
    return [_to_slot(row) for row in session.connection().execute(query).all()]


def load_slot(session: Session, shift_id: int, occurrence_start: datetime) -> SlotFacts:
    """One shift on one occurrence, at its real times; errors if either is gone."""
    quick = session.execute(
        select(*_slot_columns())
        .select_from(Shift)
        .join(Event, Event.id == Shift.event_id)
        .join(OccurrenceRow, OccurrenceRow.event_id == Shift.event_id)
        .where(
            Shift.id == shift_id,
            OccurrenceRow.recurrence_id == occurrence_start,
            or_(Shift.occurrence_start.is_(None), Shift.occurrence_start == occurrence_start),
        )
    ).first()
    if quick is not None:
        return _to_slot(quick)
    shift, event, shift_start, shift_end = shift_on_occurrence(session, shift_id, occurrence_start)
    return SlotFacts(
        shift.id,
        event.id,
        occurrence_start,
        shift_start,
        shift_end,
        event.title,
        shift.role,
        event.timezone,
        event.cause_id,
        shift.qualification_id,
        shift.needed,
        event.location_id,
    )


def _occurrence_slots(session: Session, slot: SlotFacts) -> list[SlotFacts]:
    """The other shifts of the slot's occurrence (same times as the occurrence)."""
    delta_start = slot.starts_at
    rows = session.execute(
        select(Shift.id, Shift.role, Shift.qualification_id, Shift.needed).where(
            Shift.event_id == slot.event_id,
            Shift.id != slot.shift_id,
            or_(Shift.occurrence_start.is_(None), Shift.occurrence_start == slot.occurrence_start),
        )
    ).all()
    return [
        SlotFacts(
            shift_id,
            slot.event_id,
            slot.occurrence_start,
            delta_start,
            slot.ends_at,
            slot.title,
            role,
            slot.zone,
            slot.cause_id,
            qualification_id,
            needed,
            slot.location_id,
        )
        for shift_id, role, qualification_id, needed in rows
    ]


def load_bookings(
    session: Session,
    start: datetime,
    end: datetime,
    volunteer_ids: Collection[int] | None,
    *,
    from_driver: bool = True,
) -> list[Booking]:
    """Place-holding assignments on scheduled occurrences overlapping ``[start, end)``.

    A busy week has tens of thousands: on SQLite they are read straight from the driver
    (see :mod:`organizer.services.driver_rows`) unless ``from_driver`` is false; the result
    is the same either way.
    """
    connection = session.connection()  # plain rows: no ORM work per row
    from_driver = from_driver and connection.dialect.name == "sqlite"
    instants = Instants()
    # Each person's assignments are found on their own index by where the series put the
    # occurrence, which is near where it is for nearly all; the events of the few lasting
    # longer or moved further (which only an override can do) are looked for first.
    near_after = start - LONG_OCCURRENCE - MOVED_NEAR
    near_before = end + MOVED_NEAR
    parts = [
        _bookings_query(
            start,
            end,
            Assignment.occurrence_start > near_after,
            Assignment.occurrence_start < near_before,
        )
    ]
    bounds = {"start": start, "end": end, "near_after": near_after, "near_before": near_before}
    far_events = connection.scalars(
        _FAR_EVENTS, {**bounds, "soonest": start - LONG_OCCURRENCE}
    ).all()
    if far_events:
        parts.append(
            _bookings_query(
                start,
                end,
                among(connection, OccurrenceRow.event_id, far_events),
                or_(
                    OccurrenceRow.recurrence_id <= near_after,
                    OccurrenceRow.recurrence_id >= near_before,
                ),
            )
        )
    if volunteer_ids is not None:
        parts = [
            part.where(among(connection, Assignment.volunteer_id, volunteer_ids)) for part in parts
        ]
    query = union_all(*parts)
    rows = driver_rows(connection, query, {}) if from_driver else connection.execute(query).all()
    found: list[Booking] = []
    # People on one slot share its facts and length; a slot is known by its shift and
    # occurrence (as read: text, from the driver).
    slots: dict[tuple[int, Any], tuple[SlotFacts, float]] = {}
    for row in rows:
        known = slots.get((row[0], row[2]))
        if known is None:
            if from_driver:
                times = (instants[row[2]], instants[row[3]], instants[row[4]])
                slot = _to_slot((*row[:2], *times, *row[5:14]))
            else:
                slot = _to_slot(row)
            known = slots[row[0], row[2]] = (slot, slot.hours)
        aid, vid, hours = row[14:17]
        found.append(Booking(aid, vid, known[0], known[1] if hours is None else hours))
    return found


MOVED_NEAR = timedelta(days=30)
"""How far from its place in its series an occurrence may be and still be found by it."""

_FAR_EVENTS = text(
    "SELECT event_id FROM occurrence_overrides"
    " WHERE starts_at > :soonest AND starts_at < :end"
    " AND (recurrence_id <= :near_after OR recurrence_id >= :near_before)"
    " UNION SELECT event_id FROM occurrences"
    " WHERE long = :long AND starts_at < :end AND ends_at > :start"
    " AND (recurrence_id <= :near_after OR recurrence_id >= :near_before)"
).bindparams(
    *(
        bindparam(name, type_=UTCDateTime())
        for name in ("start", "end", "near_after", "near_before")
    ),
    bindparam("soonest", type_=UTCDateTime()),
    bindparam("long", True, type_=Boolean()),
)
"""Events with an occurrence overlapping ``[:start, :end)`` that is far from its place in
its series: moved there (a short one, so starting after ``:soonest``), or lasting long."""


def _bookings_query(start: datetime, end: datetime, *where: Any) -> Select[Any]:
    """Place-holding assignments on scheduled occurrences overlapping ``[start, end)``."""
    return with_occurrence(
        select(
            *_slot_columns(), Assignment.id, Assignment.volunteer_id, Assignment.hours
        ).select_from(Assignment)
    ).where(
        Assignment.status.in_(PLACE_HOLDING),
        GOES_AHEAD,
        OccurrenceRow.starts_at < end,
        OccurrenceRow.ends_at > start,
        *where,
    )


def load_people(
    session: Session, volunteer_ids: Collection[int] | None, *, attendance: bool = True
) -> dict[int, PersonFacts]:
    """Facts about some volunteers (every active one when ``None``).

    Whether each ever attended a shift is only looked up with ``attendance`` (newcomer rules).
    """
    connection = session.connection()  # plain rows: no ORM work per row
    columns = (
        Volunteer.id,
        Volunteer.name,
        Volunteer.timezone,
        Volunteer.active,
        Volunteer.joined_on,
        Volunteer.max_hours_per_week,
        Volunteer.max_hours_per_month,
        Volunteer.review_reason,
        Volunteer.anonymised_at,
    )
    chosen = (
        Volunteer.active.is_(True)
        if volunteer_ids is None
        else among(connection, Volunteer.id, volunteer_ids)
    )
    people: dict[int, PersonFacts] = {}
    for vid, name, tz, active, joined, week, month, review, gone in connection.execute(
        select(*columns).where(chosen)
    ):
        people[vid] = PersonFacts(
            vid, name, tz, active, joined, week, month, attended=not attendance
        )
        people[vid].flagged = bool(review) or gone is not None
    if not people:
        return people

    def limited(query: Select[*tuple[Any, ...]], column: Any) -> Select[*tuple[Any, ...]]:
        if volunteer_ids is None:
            return query
        return query.where(among(connection, column, people))

    if attendance:
        attended = limited(
            select(Assignment.volunteer_id)
            .where(Assignment.attendance == Attendance.ATTENDED)
            .distinct(),
            Assignment.volunteer_id,
        )
        for (vid,) in connection.execute(attended):
            if vid in people:
                people[vid].attended = True
    raw: dict[int, list[tuple[int, time, time]]] = defaultdict(list)
    windows = limited(
        select(
            AvailabilityWindow.volunteer_id,
            AvailabilityWindow.weekday,
            AvailabilityWindow.starts,
            AvailabilityWindow.ends,
        ),
        AvailabilityWindow.volunteer_id,
    )
    for vid, weekday, starts, ends in connection.execute(windows):
        if vid in people:
            raw[vid].append((weekday, starts, ends))
    for owner, found in raw.items():
        people[owner].windows = merged_windows(found)
    blackouts = limited(
        select(
            BlackoutPeriod.volunteer_id,
            BlackoutPeriod.starts_on,
            BlackoutPeriod.ends_on,
            BlackoutPeriod.reason,
        ).order_by(BlackoutPeriod.starts_on),
        BlackoutPeriod.volunteer_id,
    )
    for vid, first, last, reason in connection.execute(blackouts):
        if vid in people:
            people[vid].blackouts.append((first, last, reason or ""))
    held = limited(
        select(
            VolunteerQualification.volunteer_id,
            VolunteerQualification.qualification_id,
            VolunteerQualification.expires_on,
        ),
        VolunteerQualification.volunteer_id,
    )
    for vid, qid, expires in connection.execute(held):
        if vid in people:
            people[vid].qualifications[qid] = expires
    return people


__all__ = [
    "Booking",
    "ConflictService",
    "Finding",
    "PersonFacts",
    "RuleFacts",
    "Severity",
    "SlotFacts",
    "World",
    "away_period",
    "consecutive_run",
    "covering_window",
    "load_bookings",
    "load_people",
    "load_slot",
    "load_slots",
]
