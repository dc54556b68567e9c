"""Helpers for the scheduling tests: a small organisation built through the services, random
engine worlds for hypothesis, and an independent brute-force checker written from the rules."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from organizer.models import AssignmentStatus, Attendance
from organizer.models.scheduling import StaffingRule
from organizer.scheduling.conflicts import (
    Booking,
    PersonFacts,
    RuleFacts,
    SlotFacts,
    World,
)
from organizer.scheduling.limits import SchedulingLimits
from organizer.services import (
    AssignmentDraft,
    EventDraft,
    QualificationDraft,
    Services,
    ShiftDraft,
    VolunteerDraft,
)

LONDON = "Europe/London"
MONDAY = datetime(2026, 11, 23, tzinfo=UTC)  # London is on UTC in November


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """An instant ``day`` days after Monday 23 Nov 2026, at a London (= UTC) wall time."""
    return MONDAY + timedelta(days=day, hours=hour, minutes=minute)


def give_volunteer(
    services: Services, volunteer_id: int, version: int, extra: dict[str, object]
) -> int:
    """Set the ``windows``, ``blackouts`` and ``held`` qualifications in ``extra``; the id."""
    volunteers = services.volunteers
    setters: dict[str, Any] = {
        "windows": volunteers.set_availability,
        "blackouts": volunteers.set_blackouts,
        "held": volunteers.set_qualifications,
    }
    for key, setter in setters.items():
        if key in extra:
            version = setter(volunteer_id, version, extra[key]).version
    return volunteer_id


@dataclass
class Org:
    """A small organisation built through the real services."""

    services: Services
    cause: int = 0

    def volunteer(self, name: str, **extra: object) -> int:
        draft = VolunteerDraft(name=name, joined_on=date(2025, 1, 1), timezone=LONDON)
        fields = {k: v for k, v in extra.items() if hasattr(draft, k)}
        person = self.services.volunteers.create(replace(draft, **fields))  # type: ignore[arg-type]
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
        location: int | None = None,
    ) -> tuple[int, datetime]:
        event = self.services.events.create(
            EventDraft(
                title=title,
                starts_at=starts,
                ends_at=starts + timedelta(minutes=minutes),
                timezone=LONDON,
                cause_id=self.cause or None,  # type: ignore[arg-type]
                rrule=rrule,
                location_id=location,  # type: ignore[arg-type]
            )
        )
        shift = self.services.shifts.create(
            ShiftDraft(
                event_id=event.id,
                role=role,
                needed=needed,
                qualification_id=qualification,  # type: ignore[arg-type]
            )
        )
        return shift.id, starts

    def put(
        self,
        slot: tuple[int, datetime],
        volunteer: int,
        status: AssignmentStatus = AssignmentStatus.ACCEPTED,
        attendance: Attendance | None = None,
    ) -> int:
        shift_id, when = slot
        return self.services.assignments.create(
            AssignmentDraft(
                shift_id=shift_id,  # type: ignore[arg-type]
                volunteer_id=volunteer,  # type: ignore[arg-type]
                occurrence_start=when,
                status=status,
                attendance=attendance,
            )
        ).id

    def qualification(self, name: str) -> int:
        return self.services.qualifications.create(QualificationDraft(name=name)).id

    def rule(self, kind: str, *, qualification: int | None = None, minimum: int = 1,
             blocking: bool = True) -> None:  # fmt: skip
        with self.services.causes.db.write() as session:
            session.add(
                StaffingRule(
                    cause_id=self.cause or None,
                    kind=kind,
                    qualification_id=qualification,
                    minimum=minimum,
                    blocking=blocking,
                    created_by="t",
                    updated_by="t",
                )
            )


# Random engine worlds -----------------------------------------------------------------------

BASE = datetime(2026, 11, 26, tzinfo=UTC)  # a Thursday, so weeks and months are crossed
ZONES = ("UTC", "America/New_York")


@dataclass
class Instance:
    """A random small world and the slots to fill or check."""

    world: World
    slots: list[SlotFacts]
    existing: list[Booking] = field(default_factory=list)


@st.composite
def instances(draw: st.DrawFn, *, with_existing: bool = True) -> Instance:
    """2–5 volunteers, 2–6 shift occurrences, random times, availability, quals, limits, rules."""
    limits = SchedulingLimits(
        max_hours_per_week=draw(st.sampled_from([None, 6.0, 10.0])),
        max_hours_per_month=draw(st.sampled_from([None, 8.0, 14.0])),
        min_rest_hours=draw(st.sampled_from([None, 2.0, 9.0])),
        max_consecutive_days=draw(st.sampled_from([None, 1, 2])),
        travel_buffer_minutes=draw(st.sampled_from([0, 30, 90])),
    )
    world = World(limits=limits, qualification_names={1: "First aid"})
    slots: list[SlotFacts] = []
    for index in range(draw(st.integers(2, 6))):
        sibling = bool(slots) and draw(st.booleans()) and draw(st.booleans())
        if sibling:
            prev = slots[-1]
            slot = prev._replace(
                shift_id=index + 1,
                role=f"Role {index}",
                qualification_id=draw(st.sampled_from([None, 1])),
                needed=draw(st.integers(1, 2)),
            )
        else:
            start = BASE + timedelta(
                days=draw(st.integers(0, 7)), hours=draw(st.integers(5, 20)),
                minutes=draw(st.sampled_from([0, 30])),
            )  # fmt: skip
            slot = SlotFacts(
                shift_id=index + 1,
                event_id=index + 1,
                occurrence_start=start,
                starts_at=start,
                ends_at=start + timedelta(minutes=draw(st.sampled_from([60, 120, 180, 300]))),
                title=f"Event {index}",
                role=f"Role {index}",
                zone=draw(st.sampled_from(ZONES)),
                cause_id=draw(st.sampled_from([1, 2])),
                qualification_id=draw(st.sampled_from([None, None, 1])),
                needed=draw(st.integers(1, 2)),
                location_id=draw(st.sampled_from([None, 1, 2])),
            )
        slots.append(slot)
        world.add_slot(slot)
    for vid in range(1, draw(st.integers(2, 5)) + 1):
        windows: dict[int, list[tuple[time, time]]] = {}
        if draw(st.booleans()):
            for weekday in draw(st.sets(st.integers(0, 6), max_size=4)):
                begin = draw(st.integers(0, 20))
                end = draw(st.integers(begin + 1, 24))
                windows[weekday] = [(time(begin), time.max if end == 24 else time(end))]
        blackouts = []
        if draw(st.integers(0, 3)) == 0:
            first = BASE.date() + timedelta(days=draw(st.integers(-1, 8)))
            blackouts.append((first, first + timedelta(days=draw(st.integers(0, 2))), "away"))
        quals: dict[int, date | None] = {}
        if draw(st.booleans()):
            quals[1] = draw(st.sampled_from([None, date(2026, 11, 28), date(2027, 1, 1)]))
        world.people[vid] = PersonFacts(
            volunteer_id=vid,
            name=f"Person {vid}",
            timezone=draw(st.sampled_from(ZONES)),
            active=draw(st.integers(0, 5)) > 0,
            joined_on=draw(st.sampled_from([date(2025, 1, 1), date(2026, 10, 1)])),
            max_week=draw(st.sampled_from([None, 4.0, 8.0])),
            max_month=draw(st.sampled_from([None, 6.0, 12.0])),
            attended=draw(st.booleans()),
            windows=windows,
            blackouts=blackouts,
            qualifications=quals,
        )
    existing: list[Booking] = []
    if with_existing:
        aid = 100
        for vid in world.people:
            for slot in slots:
                if draw(st.integers(0, 4)) == 0:
                    aid += 1
                    hours = draw(st.sampled_from([None, 1.0]))
                    booking = Booking(aid, vid, slot, slot.hours if hours is None else hours)
                    existing.append(booking)
                    world.add_booking(booking)
        # Bookings outside the slots: other shifts the volunteers already hold.
        for vid in world.people:
            if draw(st.integers(0, 2)) == 0:
                start = BASE + timedelta(
                    days=draw(st.integers(-3, 9)), hours=draw(st.integers(6, 20))
                )
                other = SlotFacts(900 + vid, 900 + vid, start, start, start + timedelta(hours=3),
                                  "Elsewhere", "Helper", "UTC", 1, None, 1, 3)  # fmt: skip
                aid += 1
                booking = Booking(aid, vid, other, 3.0)
                existing.append(booking)
                world.add_booking(booking)
    for _ in range(draw(st.integers(0, 2))):
        kind = draw(st.sampled_from(["needs_qualified", "no_lone_newcomer"]))
        world.rules.append(
            RuleFacts(
                kind,
                draw(st.sampled_from([None, 1])),
                1 if kind == "needs_qualified" else None,
                draw(st.integers(1, 2)),
                draw(st.booleans()),
            )
        )
    return Instance(world, slots, existing)


# The brute-force checker --------------------------------------------------------------------


def _local(moment: datetime, tz: str) -> datetime:
    return moment.astimezone(ZoneInfo(tz))


def brute_findings(
    world: World, vid: int, slot: SlotFacts, exclude: int | None = None
) -> Counter[tuple[str, bool]]:
    """(kind, blocking) of every finding, worked out naively from the written rules."""
    person = world.people[vid]
    limits = world.limits
    out: Counter[tuple[str, bool]] = Counter()
    mine = [
        b for b in world.bookings.get(vid, [])
        if b.slot.key != slot.key and b.assignment_id != exclude
    ]  # fmt: skip
    if not person.active:
        out["archived", True] += 1
    for b in mine:
        o = b.slot
        if o.starts_at < slot.ends_at and slot.starts_at < o.ends_at:
            out["overlap", True] += 1
            continue
        if o.ends_at <= slot.starts_at:
            gap = slot.starts_at - o.ends_at
        else:
            gap = o.starts_at - slot.ends_at
        same_place = o.event_id == slot.event_id or (
            o.location_id is not None and o.location_id == slot.location_id
        )
        buffer = timedelta(minutes=limits.travel_buffer_minutes)
        if limits.travel_buffer_minutes and gap < buffer and not same_place:
            out["travel_buffer", True] += 1
        if limits.min_rest_hours and gap.total_seconds() < limits.min_rest_hours * 3600:
            out["rest", True] += 1
    start = _local(slot.starts_at, person.timezone)
    end = _local(slot.ends_at, person.timezone)
    day = start.date()
    last_day = (end - timedelta(microseconds=1)).date()
    covered_days = {day + timedelta(days=k) for k in range((last_day - day).days + 1)}
    for first, last, _ in person.blackouts[:1]:
        if any(first <= d <= last for d in covered_days):
            out["blackout", True] += 1
    if slot.qualification_id is not None:
        event_day = _local(slot.starts_at, slot.zone).date()
        if slot.qualification_id not in person.qualifications:
            out["missing_qualification", True] += 1
        else:
            expiry = person.qualifications[slot.qualification_id]
            if expiry is not None and expiry < event_day:
                out["expired_qualification", True] += 1
    if person.windows:
        begin_min = start.hour * 60 + start.minute
        if end.date() == start.date():
            end_min = end.hour * 60 + end.minute
        elif end.date() == start.date() + timedelta(days=1) and end.time() == time(0):
            end_min = 24 * 60
        else:
            end_min = None
        ok = False
        for w_begin, w_end in person.windows.get(start.weekday(), []):
            w_end_min = 24 * 60 if w_end == time.max else w_end.hour * 60 + w_end.minute
            if end_min is not None and w_begin.hour * 60 <= begin_min and end_min <= w_end_min:
                ok = True
        if not ok:
            out["outside_availability", False] += 1
    week_total = slot.hours
    month_total = slot.hours
    days = {day}
    for b in mine:
        d = _local(b.slot.starts_at, person.timezone).date()
        days.add(d)
        if (
            d.isocalendar()[0] == day.isocalendar()[0]
            and d.isocalendar()[1] == day.isocalendar()[1]
        ):
            week_total += b.hours
        if d.year == day.year and d.month == day.month:
            month_total += b.hours
    for kind, own, org, total in (
        ("week", person.max_week, limits.max_hours_per_week, week_total),
        ("month", person.max_month, limits.max_hours_per_month, month_total),
    ):
        if own is not None and total > own + 1e-9:
            out[f"{kind}_limit", True] += 1
        elif org is not None and total > org + 1e-9:
            out[f"org_{kind}_limit", True] += 1
    if limits.max_consecutive_days is not None:
        runs: list[list[date]] = []
        for d in sorted(days):
            if runs and (d - runs[-1][-1]).days == 1:
                runs[-1].append(d)
            else:
                runs.append([d])
        (mine_run,) = [run for run in runs if day in run]
        if len(mine_run) > limits.max_consecutive_days:
            out["consecutive_days", True] += 1
    on_slot = [v for a, v in world.holders.get(slot.key, []) if v != vid and a != exclude]
    if len(on_slot) >= slot.needed:
        out["role_full", True] += 1
    event_day = _local(slot.starts_at, slot.zone).date()

    def holds(p: PersonFacts, q: int) -> bool:
        return q in p.qualifications and (
            p.qualifications[q] is None or p.qualifications[q] >= event_day  # type: ignore[operator]
        )

    for rule in world.rules:
        if rule.cause_id not in (None, slot.cause_id):
            continue
        if rule.kind == "needs_qualified":
            if holds(person, 1):
                continue
            shifts = [s for s in world.occurrence_slots[slot.occurrence]]
            others = [
                (s.key, v) for s in shifts for a, v in world.holders.get(s.key, [])
                if not (s.key == slot.key and v == vid) and a != exclude
            ]  # fmt: skip
            qualified = len({v for _, v in others if holds(world.people[v], 1)})
            if qualified >= rule.minimum:
                continue
            places_left = sum(s.needed for s in shifts) - len(others) - 1
            cannot = rule.minimum - qualified > places_left
            out["rule", cannot and rule.blocking] += 1
        elif rule.kind == "no_lone_newcomer":
            newcomer = (not person.attended) or (event_day - person.joined_on).days < 90
            if newcomer and not on_slot:
                out["rule", slot.needed == 1 and rule.blocking] += 1
    return out
