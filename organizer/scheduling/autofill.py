"""Auto-fill: propose volunteers for every open place in a period, with an integer program.

One binary variable per (open shift occurrence, eligible volunteer) pair, where *eligible*
means the conflict engine finds nothing blocking against the existing roster.  Constraints
keep each shift within its open places, never put anyone on two clashing shifts (overlap,
travel buffer, rest), keep week and month hours, days in a row and ``needs_qualified`` rules.
The objective is lexicographic, solved in two rounds with HiGHS (``scipy.optimize.milp``):
first the most places filled, then, keeping that many, the fairest spread of hours (a convex
piecewise-linear cost of each volunteer's added hours, steeper for those who already did a
lot), with a small bonus for people who did the role or the event before.
"""

from __future__ import annotations

import time as clock
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from organizer.errors import OperationCancelledError
from organizer.models import Assignment, AssignmentStatus, Shift, utc_now
from organizer.scheduling.conflicts import (
    Booking,
    ConflictService,
    Finding,
    PersonFacts,
    SlotFacts,
    World,
    _zone,
    covering_window,
    load_slots,
)
from organizer.services.base import Service, chunks, record_change
from organizer.storage import Database
from organizer.wording import WEEKDAYS, english_date

Progress = Callable[[str, float], None]
Cancelled = Callable[[], bool]

CANDIDATES_PER_PLACE = 12
"""How many eligible volunteers each open place is offered to the solver (best suited first)."""
MIN_CANDIDATES = 24
SEGMENTS = ((4.0, 1.0), (4.0, 2.0), (8.0, 4.0), (1e4, 8.0))
"""Widths (hours) and slopes of the fairness cost of a volunteer's added hours."""
LOAD_REACH = timedelta(days=40)
"""How far either side of the slots the hours people already hold are counted (fairness)."""


@dataclass(frozen=True)
class Placement:
    """One proposed volunteer on one shift occurrence, with why and what to watch for."""

    shift_id: int
    occurrence_start: datetime
    volunteer_id: int
    volunteer_name: str
    event_title: str
    role: str
    starts_at: datetime
    ends_at: datetime
    reason: str
    warnings: tuple[Finding, ...]


@dataclass(frozen=True)
class Proposal:
    """What auto-fill suggests for ``[start, end)``.

    ``unfilled`` lists ``(shift_id, occurrence_start, places still open, why)``.
    """

    start: datetime
    end: datetime
    placements: tuple[Placement, ...]
    open_places: int
    unfilled: tuple[tuple[int, datetime, int, str], ...]
    solver: str
    seconds: float

    @property
    def filled(self) -> int:
        """How many open places the proposal fills."""
        return len(self.placements)


@dataclass(frozen=True)
class ApplyReport:
    """What applying a proposal did: assignments made, and placements no longer valid."""

    assignment_ids: tuple[int, ...]
    skipped: tuple[tuple[Placement, str], ...]


@dataclass(frozen=True, slots=True)
class _Pair:
    slot: SlotFacts
    volunteer_id: int
    hours: float


class AutoFillService(Service):
    """Proposes and applies auto-fills (Services.autofill)."""

    def __init__(self, db: Database, actor: str) -> None:
        """Work on ``db`` as ``actor``."""
        super().__init__(db, actor)
        self.conflicts = ConflictService(db, actor)
        self.time_limit = 30.0
        self.candidates_per_place = CANDIDATES_PER_PLACE
        self.last_skipped: tuple[tuple[Placement, str], ...] = ()

    def propose(
        self,
        start: datetime,
        end: datetime,
        *,
        cause_ids: Iterable[int] | None = None,
        progress: Progress | None = None,
        cancel: Cancelled | None = None,
    ) -> Proposal:
        """The best auto-fill of open places on shifts starting in ``[start, end)``.

        Raises:
            OperationCancelledError: ``cancel`` returned true.
        """
        began = clock.perf_counter()
        report = progress or (lambda stage, fraction: None)

        def check_cancel() -> None:
            if cancel is not None and cancel():
                raise OperationCancelledError("Auto-fill was cancelled; nothing was changed.")

        report("Reading the roster", 0.0)
        limits = self.conflicts.limits.get()
        with self.db.read() as session:
            slots = load_slots(session, start, end, cause_ids=cause_ids)
            world = (
                self.conflicts.load_world(session, slots, None, limits, around=LOAD_REACH)
                if slots
                else World(limits)
            )
            history = _history(session, start) if slots else _History()
        check_cancel()
        plan = plan_world(
            world,
            slots,
            history,
            per_place=self.candidates_per_place,
            time_limit=self.time_limit,
            check_cancel=check_cancel,
            report=report,
        )
        check_cancel()
        open_slots, loads, why_not, pairs, chosen = (
            plan.open_slots,
            plan.loads,
            plan.why_not,
            plan.pairs,
            plan.chosen,
        )
        open_places = sum(count for _, count in open_slots)
        report("Explaining", 0.95)
        placements = self._placements(world, chosen, loads, history, pairs)
        placed = Counter(p.slot.key for p in chosen)
        unfilled = []
        for slot, count in open_slots:
            left = count - placed[slot.key]
            if left > 0:
                why = why_not.get(slot.key) or (
                    "Everyone who could help is needed on other shifts or would go over a limit."
                )
                unfilled.append((slot.shift_id, slot.occurrence_start, left, why))
        report("Done", 1.0)
        return Proposal(
            start=start,
            end=end,
            placements=tuple(placements),
            open_places=open_places,
            unfilled=tuple(unfilled),
            solver="HiGHS (scipy.optimize.milp)",
            seconds=clock.perf_counter() - began,
        )

    def apply(self, proposal: Proposal) -> list[int]:
        """Create the proposal's assignments (PROPOSED) in one transaction; returns their ids.

        Each placement is checked again with the engine against the roster as it is now (and
        the placements made before it); those with a blocking finding are skipped and listed
        in :attr:`last_skipped` with the reason.
        """
        return list(self.apply_report(proposal).assignment_ids)

    def apply_report(self, proposal: Proposal) -> ApplyReport:
        """Like :meth:`apply`, returning the skipped placements too."""
        if not proposal.placements:
            self.last_skipped = ()
            return ApplyReport((), ())
        limits = self.conflicts.limits.get()
        made: list[int] = []
        skipped: list[tuple[Placement, str]] = []
        with self._writing("assignment") as session:
            slots: dict[tuple[int, datetime], SlotFacts] = {}
            for slot in load_slots(
                session,
                min(p.starts_at for p in proposal.placements) - timedelta(days=2),
                max(p.ends_at for p in proposal.placements) + timedelta(days=1),
            ):
                slots[slot.key] = slot
            wanted = [
                slots[k]
                for k in {(p.shift_id, p.occurrence_start) for p in proposal.placements}
                if k in slots
            ]
            world = (
                self.conflicts.load_world(
                    session, wanted, {p.volunteer_id for p in proposal.placements}, limits
                )
                if wanted
                else World(limits)
            )
            taken: set[tuple[int, datetime, int]] = set()
            for ids in chunks(sorted({p.shift_id for p in proposal.placements})):
                taken.update(
                    (shift_id, when, vid)
                    for shift_id, when, vid in session.execute(
                        select(
                            Assignment.shift_id,
                            Assignment.occurrence_start,
                            Assignment.volunteer_id,
                        ).where(Assignment.shift_id.in_(ids))
                    )
                )
            now = utc_now()
            rows: list[Assignment] = []
            for placement in proposal.placements:
                triple = (placement.shift_id, placement.occurrence_start, placement.volunteer_id)
                if triple in taken:
                    skipped.append((placement, f"{placement.volunteer_name} is already on it."))
                    continue
                taken.add(triple)
                found = slots.get((placement.shift_id, placement.occurrence_start))
                if found is None:
                    skipped.append((placement, "The shift or its occurrence is gone."))
                    continue
                if placement.volunteer_id not in world.people:
                    skipped.append((placement, "The volunteer is gone."))
                    continue
                slot = found
                blocking = [f for f in world.findings(placement.volunteer_id, slot) if f.blocking]
                if blocking:
                    skipped.append((placement, blocking[0].message))
                    continue
                row = Assignment(
                    shift_id=placement.shift_id,
                    volunteer_id=placement.volunteer_id,
                    occurrence_start=placement.occurrence_start,
                    status=AssignmentStatus.PROPOSED,
                    note="Auto-fill",
                    created_at=now,
                    created_by=self.actor,
                    updated_at=now,
                    updated_by=self.actor,
                )
                rows.append(row)
                world.add_booking(Booking(None, placement.volunteer_id, slot, slot.hours))
            for part in chunks(rows):
                session.add_all(part)
                session.flush()
            for row in rows:
                made.append(row.id)
                record_change(
                    session,
                    self.actor,
                    "create",
                    "assignment",
                    row.id,
                    f"Auto-fill proposed volunteer {row.volunteer_id} for shift {row.shift_id} "
                    f"at {english_date(row.occurrence_start, '%d %b %Y %H:%M')}",
                )
            record_change(
                session,
                self.actor,
                "create",
                "assignment",
                None,
                f"Auto-fill proposed {len(made)} volunteers; {len(skipped)} placements skipped",
            )
        self.last_skipped = tuple(skipped)
        return ApplyReport(tuple(made), tuple(skipped))

    def undo(self, assignment_ids: Sequence[int]) -> int:
        """Remove exactly those assignments, where still unchanged since made; returns how many."""
        removed = 0
        with self._writing("assignment") as session:
            for ids in chunks(sorted(set(assignment_ids))):
                for row in session.scalars(select(Assignment).where(Assignment.id.in_(ids))):
                    if row.version != 1 or row.status is not AssignmentStatus.PROPOSED:
                        continue
                    session.delete(row)
                    removed += 1
                    record_change(
                        session,
                        self.actor,
                        "delete",
                        "assignment",
                        row.id,
                        f"Undid auto-fill of volunteer {row.volunteer_id} on shift {row.shift_id}",
                    )
        return removed

    def _placements(
        self,
        world: World,
        chosen: list[_Pair],
        loads: dict[int, float],
        history: _History,
        pairs: list[_Pair],
    ) -> list[Placement]:
        fewest: dict[tuple[int, datetime], float] = {}
        for pair in pairs:
            load = loads.get(pair.volunteer_id, 0.0)
            fewest[pair.slot.key] = min(fewest.get(pair.slot.key, load), load)
        placements = []
        for pair in sorted(chosen, key=lambda p: (p.slot.starts_at, p.slot.shift_id)):
            person = world.people[pair.volunteer_id]
            slot = pair.slot
            load = loads.get(person.volunteer_id, 0.0)
            reason = _reason(world, person, slot, load, load <= fewest[slot.key], history)
            warnings = tuple(world.findings(person.volunteer_id, slot))
            placements.append(
                Placement(
                    shift_id=slot.shift_id,
                    occurrence_start=slot.occurrence_start,
                    volunteer_id=person.volunteer_id,
                    volunteer_name=person.name,
                    event_title=slot.title,
                    role=slot.role,
                    starts_at=slot.starts_at,
                    ends_at=slot.ends_at,
                    reason=reason,
                    warnings=warnings,
                )
            )
        return placements


@dataclass
class _History:
    """Roles each volunteer did before and how often they were on each event."""

    roles: set[tuple[int, str]] | None = None
    events: Counter[tuple[int, int]] | None = None

    def did_role(self, volunteer_id: int, role: str) -> bool:
        return self.roles is not None and (volunteer_id, role.casefold()) in self.roles

    def regular(self, volunteer_id: int, event_id: int) -> bool:
        return self.events is not None and self.events[volunteer_id, event_id] >= 2


def _history(session: Any, before: datetime) -> _History:
    roles: set[tuple[int, str]] = set()
    events: Counter[tuple[int, int]] = Counter()
    query = (
        select(Assignment.volunteer_id, Shift.role, Shift.event_id)
        .join(Shift, Shift.id == Assignment.shift_id)
        .where(
            Assignment.occurrence_start < before,
            Assignment.occurrence_start >= before - timedelta(days=180),
            Assignment.status.in_([AssignmentStatus.ACCEPTED, AssignmentStatus.INVITED]),
        )
    )
    for vid, role, event_id in session.execute(query):
        roles.add((vid, role.casefold()))
        events[vid, event_id] += 1
    return _History(roles, events)


def _month_loads(world: World) -> dict[int, float]:
    """Hours each volunteer already holds from :data:`LOAD_REACH` before to after (a baseline)."""
    loads: dict[int, float] = defaultdict(float)
    for vid, bookings in world.bookings.items():
        loads[vid] = sum(b.hours for b in bookings)
    return loads


@dataclass
class Plan:
    """The solver's answer over a loaded world (before it is explained as placements)."""

    open_slots: list[tuple[SlotFacts, int]]
    loads: dict[int, float]
    why_not: dict[tuple[int, datetime], str]
    pairs: list[_Pair]
    chosen: list[_Pair]


def plan_world(
    world: World,
    slots: Sequence[SlotFacts],
    history: _History | None = None,
    *,
    per_place: int = CANDIDATES_PER_PLACE,
    time_limit: float = 30.0,
    check_cancel: Callable[[], None] = lambda: None,
    report: Progress = lambda stage, fraction: None,
) -> Plan:
    """Choose volunteers for the open places of ``slots`` (pure: no database)."""
    history = history or _History()
    open_slots = [
        (slot, slot.needed - len(world.holders.get(slot.key, [])))
        for slot in sorted(slots, key=lambda s: (s.starts_at, s.shift_id))
    ]
    open_slots = [(slot, count) for slot, count in open_slots if count > 0]
    report("Finding who could help", 0.1)
    loads = _month_loads(world)
    pairs: list[_Pair] = []
    why_not: dict[tuple[int, datetime], str] = {}
    ranker = _Ranker(world, loads)
    for index, (slot, count) in enumerate(open_slots):
        if index % 50 == 0:
            check_cancel()
            report("Finding who could help", 0.1 + 0.4 * index / max(len(open_slots), 1))
        wanted = max(MIN_CANDIDATES, per_place * count)
        found, blocked = ranker.eligible(slot, wanted)
        pairs.extend(_Pair(slot, vid, slot.hours) for vid in found)
        if not found:
            why_not[slot.key] = _why_nobody(blocked, world, slot)
    check_cancel()
    report("Solving", 0.5)
    chosen = _solve(world, pairs, open_slots, loads, history, time_limit)
    return Plan(open_slots, loads, why_not, pairs, chosen)


class _Ranker:
    """Finds the best-suited eligible volunteers for a slot without checking everyone."""

    def __init__(self, world: World, loads: dict[int, float]) -> None:
        self.world = world
        self.loads = loads
        self.active = sorted(
            (p for p in world.people.values() if p.active and not p.flagged),
            key=lambda p: (loads.get(p.volunteer_id, 0.0), p.name.casefold(), p.volunteer_id),
        )
        self.qualified: dict[int, list[PersonFacts]] = defaultdict(list)
        for person in self.active:
            for qid in person.qualifications:
                self.qualified[qid].append(person)
        self.rank = {p.volunteer_id: index for index, p in enumerate(self.active)}
        self.zones = sorted({p.timezone for p in self.active})
        self._by_day: dict[tuple[int | None, str, int], list[PersonFacts]] = {}
        self._unknown: dict[int | None, list[PersonFacts]] = {}

    def _people(self, qualification_id: int | None) -> list[PersonFacts]:
        if qualification_id is None:
            return self.active
        return self.qualified.get(qualification_id, [])

    def _on_day(self, qualification_id: int | None, zone: str, weekday: int) -> list[PersonFacts]:
        key = (qualification_id, zone, weekday)
        if key not in self._by_day:
            self._by_day[key] = [
                p
                for p in self._people(qualification_id)
                if p.timezone == zone and weekday in p.windows
            ]
        return self._by_day[key]

    def eligible(self, slot: SlotFacts, wanted: int) -> tuple[list[int], Counter[str]]:
        """Up to ``wanted`` eligible volunteers, available ones first, then least loaded."""
        qid = slot.qualification_id
        people = self._people(qid)
        enough = 4 * wanted + 50
        covered: list[PersonFacts] = []
        for zone_name in self.zones:
            span = _local_span(slot, zone_name)
            if span is None:
                continue
            weekday, begin, end = span
            covered.extend(
                person
                for person in self._on_day(qid, zone_name, weekday)
                if any(b <= begin and end <= e for b, e in person.windows[weekday])
            )
        covered.sort(key=lambda p: self.rank[p.volunteer_id])
        if qid not in self._unknown:
            self._unknown[qid] = [p for p in people if not p.windows]
        unknown = self._unknown[qid][: enough + 1]
        chosen = {p.volunteer_id for p in covered}
        outside: list[PersonFacts] = []
        for person in people:
            if len(outside) > enough:
                break
            if person.windows and person.volunteer_id not in chosen:
                outside.append(person)
        found: list[int] = []
        blocked: Counter[str] = Counter()
        already = {vid for _, vid in self.world.holders.get(slot.key, [])}
        for tries, person in enumerate((*covered, *unknown, *outside)):
            if len(found) >= wanted or tries > 4 * wanted + 50:
                break
            if person.volunteer_id in already:
                continue
            findings = self.world.findings(person.volunteer_id, slot)
            kinds = [f.kind for f in findings if f.blocking]
            if kinds:
                blocked.update(set(kinds))
            else:
                found.append(person.volunteer_id)
        if slot.qualification_id is not None and not people:
            blocked["missing_qualification"] += 1
        return found, blocked


def _local_span(slot: SlotFacts, timezone: str) -> tuple[int, time, time] | None:
    """The shift's weekday, start and end time in a zone (None when it spans days there)."""
    theirs = _zone(timezone)
    starts, ends = slot.starts_at.astimezone(theirs), slot.ends_at.astimezone(theirs)
    end_time = ends.time()
    if ends.date() != starts.date():
        if ends.date() != starts.date() + timedelta(days=1) or end_time != time(0):
            return None
        end_time = time.max
    return starts.weekday(), starts.time(), end_time


def _why_nobody(blocked: Counter[str], world: World, slot: SlotFacts) -> str:
    if not blocked:
        return "There are no active volunteers to ask."
    if "missing_qualification" in blocked and slot.qualification_id is not None:
        name = world.qualification_names.get(slot.qualification_id, "the qualification")
        if blocked["missing_qualification"] >= sum(blocked.values()) // 2:
            return f"Nobody free holds “{name}”."
    labels = {
        "overlap": "already on another shift",
        "blackout": "away",
        "expired_qualification": "qualification expired",
        "missing_qualification": "not qualified",
        "week_limit": "at their weekly limit",
        "month_limit": "at their monthly limit",
        "org_week_limit": "at the weekly limit",
        "org_month_limit": "at the monthly limit",
        "rest": "would not get enough rest",
        "consecutive_days": "too many days in a row",
        "travel_buffer": "no time to travel",
        "rule": "a staffing rule",
        "role_full": "the shift is full",
    }
    top = [labels.get(kind, kind) for kind, _ in blocked.most_common(3)]
    return "Nobody can take it: " + ", ".join(top) + "."


def _reason(
    world: World,
    person: PersonFacts,
    slot: SlotFacts,
    load: float,
    fewest: bool,
    history: _History,
) -> str:
    parts = []
    if slot.qualification_id is not None:
        parts.append(f"holds “{world.qualification_names.get(slot.qualification_id, '?')}”")
    window = covering_window(person, slot)
    if window is not None:
        begin = window[1]
        part = "mornings" if begin.hour < 12 else "afternoons" if begin.hour < 17 else "evenings"
        parts.append(f"available {WEEKDAYS[window[0]]} {part}")
    elif not person.windows:
        parts.append("availability not given")
    else:
        parts.append("outside their usual times")
    hours = f"{round(load, 1):g}\u00a0h"
    parts.append(f"fewest hours nearby ({hours})" if fewest else f"{hours} nearby")
    if history.did_role(person.volunteer_id, slot.role):
        parts.append("has done this role before")
    if history.regular(person.volunteer_id, slot.event_id):
        parts.append("a regular on this event")
    text = ", ".join(parts)
    return text[:1].upper() + text[1:]


# The integer program ----------------------------------------------------------------------


class _Model:
    """Rows of a sparse constraint matrix, built up one constraint at a time."""

    def __init__(self, variables: int) -> None:
        self.variables = variables
        self.rows: list[int] = []
        self.cols: list[int] = []
        self.vals: list[float] = []
        self.lower: list[float] = []
        self.upper: list[float] = []

    def new_variables(self, count: int) -> int:
        first = self.variables
        self.variables += count
        return first

    def add(self, terms: Sequence[tuple[int, float]], lower: float, upper: float) -> None:
        row = len(self.lower)
        for col, val in terms:
            self.rows.append(row)
            self.cols.append(col)
            self.vals.append(val)
        self.lower.append(lower)
        self.upper.append(upper)


def _clash(world: World, one: SlotFacts, other: SlotFacts) -> bool:
    """Whether one volunteer cannot do both (overlap, travel buffer or rest)."""
    if one.starts_at < other.ends_at and other.starts_at < one.ends_at:
        return True
    gap = max(other.starts_at - one.ends_at, one.starts_at - other.ends_at)
    limits = world.limits
    if limits.travel_buffer_minutes and gap < timedelta(minutes=limits.travel_buffer_minutes):
        same = one.event_id == other.event_id or (
            one.location_id is not None and one.location_id == other.location_id
        )
        if not same:
            return True
    return bool(limits.min_rest_hours) and gap < timedelta(hours=limits.min_rest_hours or 0)


def _solve(
    world: World,
    pairs: list[_Pair],
    open_slots: list[tuple[SlotFacts, int]],
    loads: dict[int, float],
    history: _History,
    time_limit: float,
) -> list[_Pair]:
    if not pairs:
        return []
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import coo_array

    n = len(pairs)
    model = _Model(n)
    by_slot: dict[tuple[int, datetime], list[int]] = defaultdict(list)
    by_person: dict[int, list[int]] = defaultdict(list)
    for index, pair in enumerate(pairs):
        by_slot[pair.slot.key].append(index)
        by_person[pair.volunteer_id].append(index)
    for slot, count in open_slots:
        if len(by_slot.get(slot.key, [])) > count:
            model.add([(i, 1.0) for i in by_slot[slot.key]], 0, count)
    for vid, indices in by_person.items():
        person = world.people[vid]
        _person_constraints(world, model, person, indices, pairs)
    _rule_constraints(world, model, pairs, by_slot)
    # Fairness: a convex piecewise-linear cost of each volunteer's added hours.
    seg_costs: list[float] = []
    seg_start = model.new_variables(len(by_person) * len(SEGMENTS))
    seg_upper: list[float] = []
    for number, (vid, indices) in enumerate(by_person.items()):
        base = 1.0 + loads.get(vid, 0.0) / 10.0
        first = seg_start + number * len(SEGMENTS)
        terms = [(i, pairs[i].hours) for i in indices]
        for k, (width, slope) in enumerate(SEGMENTS):
            terms.append((first + k, -1.0))
            seg_costs.append(base * slope)
            seg_upper.append(width)
        model.add(terms, 0, 0)
    total = model.variables
    integrality = np.zeros(total)
    integrality[:n] = 1
    upper = np.ones(total)
    upper[seg_start : seg_start + len(seg_upper)] = seg_upper
    bounds = Bounds(np.zeros(total), upper)
    matrix = coo_array(
        (model.vals, (model.rows, model.cols)), shape=(len(model.lower), total)
    ).tocsr()
    constraints = [LinearConstraint(matrix, model.lower, model.upper)] if model.lower else []
    options = {"time_limit": time_limit, "mip_rel_gap": 1e-6, "presolve": True}
    fill = np.zeros(total)
    fill[:n] = -1.0
    first = milp(
        fill, integrality=integrality, bounds=bounds, constraints=constraints, options=options
    )
    if first.x is None:
        return []
    best = round(-float(first.fun))
    secondary = np.zeros(total)
    for i, pair in enumerate(pairs):
        bonus = 0.0
        if history.did_role(pair.volunteer_id, pair.slot.role):
            bonus += 0.5
        if history.regular(pair.volunteer_id, pair.slot.event_id):
            bonus += 0.25
        secondary[i] = -bonus
    secondary[seg_start : seg_start + len(seg_costs)] = seg_costs
    # Weighting each place above the largest possible change in the fairness cost keeps the
    # second round lexicographic; its answer is only taken when it fills as many places.
    bound = 0.75 * n
    for number, indices in enumerate(by_person.values()):
        left = sum(pairs[i].hours for i in indices)
        for k, (width, _) in enumerate(SEGMENTS):
            used = min(width, left)
            bound += used * seg_costs[number * len(SEGMENTS) + k]
            left -= used
    secondary[:n] -= bound + 1.0
    second = milp(
        secondary,
        integrality=integrality,
        bounds=bounds,
        constraints=constraints,
        options={**options, "time_limit": min(max(time_limit / 4, 1.0), 5.0), "mip_rel_gap": 1e-7},
    )
    x = first.x
    if second.x is not None and int((second.x[:n] > 0.5).sum()) >= best:
        x = second.x
    return [pairs[i] for i in range(n) if x[i] > 0.5]


def _person_constraints(
    world: World, model: _Model, person: PersonFacts, indices: list[int], pairs: list[_Pair]
) -> None:
    """Clashing pairs, week and month hours, and days in a row for one volunteer."""
    ordered = sorted(indices, key=lambda i: pairs[i].slot.starts_at)
    reach = timedelta(minutes=world.limits.travel_buffer_minutes) + timedelta(
        hours=world.limits.min_rest_hours or 0
    )
    for a, i in enumerate(ordered):
        one = pairs[i].slot
        for j in ordered[a + 1 :]:
            other = pairs[j].slot
            if other.starts_at >= one.ends_at + reach:
                break
            if _clash(world, one, other):
                model.add([(i, 1.0), (j, 1.0)], 0, 1)
    theirs = _zone(person.timezone)
    existing = world.bookings.get(person.volunteer_id, [])
    for kind in ("week", "month"):
        own = person.max_week if kind == "week" else person.max_month
        org = (
            world.limits.max_hours_per_week if kind == "week" else world.limits.max_hours_per_month
        )
        caps = [c for c in (own, org) if c is not None]
        if not caps:
            continue
        cap = min(caps)
        groups: dict[tuple[int, int], list[int]] = defaultdict(list)
        for i in indices:
            groups[_period(pairs[i].slot.starts_at.astimezone(theirs).date(), kind)].append(i)
        for key, members in groups.items():
            held = sum(
                b.hours
                for b in existing
                if _period(b.slot.starts_at.astimezone(theirs).date(), kind) == key
            )
            if held + sum(pairs[i].hours for i in members) > cap + 1e-9:
                model.add([(i, pairs[i].hours) for i in members], 0, cap - held + 1e-9)
    most = world.limits.max_consecutive_days
    if most is None:
        return
    fixed = {b.slot.starts_at.astimezone(theirs).date() for b in existing}
    on_day: dict[date, list[int]] = defaultdict(list)
    for i in indices:
        on_day[pairs[i].slot.starts_at.astimezone(theirs).date()].append(i)
    free_days = [d for d in on_day if d not in fixed]
    if not free_days:
        return
    first_var = model.new_variables(len(free_days))
    day_var = {d: first_var + k for k, d in enumerate(free_days)}
    for d, var in day_var.items():
        for i in on_day[d]:
            model.add([(var, 1.0), (i, -1.0)], 0, float("inf"))
    starts = {d - timedelta(days=k) for d in day_var for k in range(most + 1)}
    for begin in starts:
        window = [begin + timedelta(days=k) for k in range(most + 1)]
        if not any(d in day_var for d in window):
            continue
        if not all(d in day_var or d in fixed for d in window):
            continue
        constant = sum(1 for d in window if d in fixed)
        model.add([(day_var[d], 1.0) for d in window if d in day_var], 0, most - constant)


def _period(day: date, kind: str) -> tuple[int, int]:
    if kind == "week":
        year, week, _ = day.isocalendar()
        return year, week
    return day.year, day.month


def _rule_constraints(
    world: World,
    model: _Model,
    pairs: list[_Pair],
    by_slot: dict[tuple[int, datetime], list[int]],
) -> None:
    """Leave enough places for qualified volunteers where a blocking rule needs them."""
    occurrences: dict[tuple[int, datetime], list[SlotFacts]] = defaultdict(list)
    seen: set[tuple[int, datetime]] = set()
    for pair in pairs:
        if pair.slot.key not in seen:
            seen.add(pair.slot.key)
            occurrences[pair.slot.occurrence].append(pair.slot)
    for rule in world.rules:
        if rule.kind != "needs_qualified" or not rule.blocking or rule.qualification_id is None:
            continue
        qid = rule.qualification_id
        for occurrence, open_slots in occurrences.items():
            if not rule.applies(open_slots[0]):
                continue
            shifts = world.occurrence_slots.get(occurrence, open_slots)
            needed = sum(s.needed for s in shifts)
            day = open_slots[0].day
            others = [vid for s in shifts for _, vid in world.holders.get(s.key, [])]
            qualified = len({v for v in others if world.people[v].holds(qid, day)})
            missing = rule.minimum - qualified
            if missing <= 0:
                continue
            room = max(needed - len(others) - missing, 0)
            unqualified = [
                i
                for s in open_slots
                for i in by_slot.get(s.key, [])
                if not world.people[pairs[i].volunteer_id].holds(qid, day)
            ]
            if unqualified:
                model.add([(i, 1.0) for i in unqualified], 0, room)


__all__ = ["ApplyReport", "AutoFillService", "Placement", "Plan", "Proposal", "plan_world"]
