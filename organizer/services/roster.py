"""The roster board: who is on each shift, who could do it, and what clashes (no Qt here).

A *slot* is one shift on one occurrence, at its real times: the occurrence's times from the
occurrence index (so moved occurrences and every occurrence of a series count), narrowed by
the shift's own offsets.  Clashes compare slots, and are worded for a coordinator.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import (
    Connection,
    Select,
    TextualSelect,
    and_,
    bindparam,
    func,
    or_,
    select,
    text,
)
from sqlalchemy.orm import Session, aliased, selectinload

from organizer.errors import DomainError, NotFoundError
from organizer.models import (
    Assignment,
    AssignmentStatus,
    Attendance,
    AvailabilityWindow,
    BlackoutPeriod,
    Cause,
    Event,
    EventStatus,
    Location,
    OccurrenceOverride,
    OccurrenceRow,
    Qualification,
    Shift,
    Volunteer,
    VolunteerQualification,
)
from organizer.models.base import UTCDateTime
from organizer.models.ids import (
    AssignmentId,
    EventId,
    QualificationId,
    ShiftId,
    VolunteerId,
)
from organizer.recurrence import zone
from organizer.services.base import CHUNK, Service
from organizer.services.coverage import (
    GOES_AHEAD,
    PLACE_HOLDING,
    CoverageService,
    FillStatus,
    ShiftFill,
    fill_columns,
    places_filled,
    scheduled_shifts,
    shift_times,
    with_occurrence,
)
from organizer.services.driver_rows import Instants, driver_rows
from organizer.services.events import AssignmentDraft, AssignmentService, occurrence_exists
from organizer.services.occurrences import LONG_OCCURRENCE, stored_horizon
from organizer.storage import Database
from organizer.wording import WEEKDAYS, clock_text, day_text, end_text, english_date, join_words

if TYPE_CHECKING:
    from organizer.scheduling.conflicts import Booking, SlotFacts, World

RECENT_DAYS = 30


class ClashKind(StrEnum):
    """Why a volunteer should perhaps not be on a shift."""

    OVERLAP = "overlap"
    AVAILABILITY = "availability"
    BLACKOUT = "blackout"
    QUALIFICATION = "qualification"
    EXPIRED_QUALIFICATION = "expired_qualification"
    ARCHIVED = "archived"
    TRAVEL_BUFFER = "travel_buffer"
    WEEK_LIMIT = "week_limit"
    MONTH_LIMIT = "month_limit"
    ORG_WEEK_LIMIT = "org_week_limit"
    ORG_MONTH_LIMIT = "org_month_limit"
    REST = "rest"
    CONSECUTIVE_DAYS = "consecutive_days"
    ROLE_FULL = "role_full"
    RULE = "rule"


@dataclass(frozen=True, slots=True)
class Clash:
    """One reason against a volunteer on a shift.

    A ``blocking`` clash needs a reason from the coordinator before the assignment is made;
    the others are warnings.  ``message`` is a whole sentence a coordinator understands;
    an overlap names the other assignment in ``assignment_id``.
    """

    kind: ClashKind
    blocking: bool
    message: str
    assignment_id: AssignmentId | None = None


@dataclass(frozen=True, slots=True)
class BoardPerson:
    """A volunteer on a shift of the board, with what clashes for them there."""

    assignment_id: AssignmentId
    version: int
    volunteer_id: VolunteerId
    name: str
    status: AssignmentStatus
    override_reason: str = ""
    clashes: tuple[Clash, ...] = ()

    @property
    def holds_place(self) -> bool:
        """Whether this person counts towards filling the shift."""
        return self.status.holds_place


@dataclass(frozen=True, slots=True)
class BoardShift:
    """One shift on one occurrence: its fill figures and the people on it.

    ``occurrence_starts``/``occurrence_ends`` are the whole occurrence's times; the shift's
    own are in ``fill``.
    """

    fill: ShiftFill
    occurrence_starts: datetime
    occurrence_ends: datetime
    location: str = ""
    cause_colour: str | None = None
    qualification: str | None = None
    people: tuple[BoardPerson, ...] = ()

    @property
    def key(self) -> tuple[ShiftId, datetime]:
        """The shift and occurrence this row is for."""
        return self.fill.shift_id, self.fill.recurrence_id

    @property
    def status(self) -> FillStatus:
        """Full, short or empty."""
        return self.fill.status


@dataclass(frozen=True, slots=True)
class Candidate:
    """A volunteer who could take a shift, and why they are suggested.

    ``available`` is true when a weekly window covers the shift and ``None`` when the
    volunteer gave no availability at all.
    """

    volunteer_id: VolunteerId
    name: str
    available: bool | None
    recent_shifts: int
    recent_hours: float
    reason: str


class ClashError(DomainError):
    """An assignment refused because of blocking clashes, until a reason is given."""

    def __init__(self, clashes: Sequence[Clash]) -> None:
        self.clashes = tuple(clashes)
        blocking = [c.message for c in self.clashes if c.blocking]
        super().__init__(
            " ".join(blocking) + " Give a reason to assign them anyway."
            if blocking
            else "This assignment clashes."
        )


@dataclass(frozen=True, slots=True)
class _Slot:
    """A shift on one occurrence at its real times."""

    shift_id: ShiftId
    event_id: EventId
    recurrence_id: datetime
    starts_at: datetime
    ends_at: datetime
    title: str
    role: str
    event_zone: str
    qualification_id: QualificationId | None = None
    assignment_id: AssignmentId | None = None
    volunteer_id: VolunteerId | None = None

    @property
    def key(self) -> tuple[ShiftId, datetime]:
        return self.shift_id, self.recurrence_id

    def overlaps(self, other: _Slot) -> bool:
        return self.starts_at < other.ends_at and other.starts_at < self.ends_at

    @property
    def day(self) -> date:
        """The date of the shift where the event happens (qualifications are checked on it)."""
        return self.starts_at.astimezone(zone(self.event_zone)).date()

    @classmethod
    def of(cls, facts: SlotFacts, booking: Booking | None = None) -> _Slot:
        """The scheduling engine's slot (and one of its bookings) as the roster's."""
        return cls(
            ShiftId(facts.shift_id),
            EventId(facts.event_id),
            facts.occurrence_start,
            facts.starts_at,
            facts.ends_at,
            facts.title,
            facts.role,
            facts.zone,
            None if facts.qualification_id is None else QualificationId(facts.qualification_id),
            None
            if booking is None or booking.assignment_id is None
            else AssignmentId(booking.assignment_id),
            None if booking is None else VolunteerId(booking.volunteer_id),
        )


class _Someone(Protocol):
    """What the roster's checks read of a person: its own :class:`_Person` or the engine's."""

    name: str
    timezone: str
    active: bool
    windows: dict[int, list[tuple[time, time]]]
    blackouts: list[tuple[date, date, str]]
    qualifications: dict[int, date | None]


@dataclass(slots=True)
class _Person:
    """What clash checks need to know about one volunteer."""

    volunteer_id: VolunteerId
    name: str
    timezone: str
    active: bool
    windows: dict[int, list[tuple[time, time]]] = field(default_factory=dict)
    blackouts: list[tuple[date, date, str]] = field(default_factory=list)
    qualifications: dict[int, date | None] = field(default_factory=dict)


class RosterService(Service):
    """The roster board, suggestions for open places, clash checks and assigning people.

    Times in messages are shown in ``display_zone`` (the computer's own zone by default).
    """

    def __init__(self, db: Database, actor: str, *, display_zone: tzinfo | None = None) -> None:
        """Work on ``db`` as ``actor``."""
        super().__init__(db, actor)
        self.coverage = CoverageService(db, actor)
        self.assignments = AssignmentService(db, actor)
        self.display_zone = display_zone

    # Reading -------------------------------------------------------------------------------

    def board(
        self,
        start: datetime,
        end: datetime,
        cause_ids: Iterable[int] | None = None,
        event_id: int | None = None,
    ) -> list[BoardShift]:
        """Every shift of every occurrence starting in ``[start, end)``, with its people.

        Ordered by start.  People who hold a place carry their clashes; declined,
        cancelled and waitlisted people are listed without.  The same as
        :meth:`board_rows` with :meth:`board_clashes` merged in by :func:`with_clashes`.
        """
        shifts = self.board_rows(start, end, cause_ids=cause_ids, event_id=event_id)
        if not shifts:
            return []
        return with_clashes(shifts, self.board_clashes(shifts, start, end, cause_ids=cause_ids))

    def board_rows(
        self,
        start: datetime,
        end: datetime,
        cause_ids: Iterable[int] | None = None,
        event_id: int | None = None,
    ) -> list[BoardShift]:
        """The board's rows without clash checks: shifts, their fill and their people.

        Quick enough to show at once; every person's ``clashes`` is empty.
        """
        causes = None if cause_ids is None else list(cause_ids)
        with self.db.read() as session:
            return _board_rows(session.connection(), start, end, causes, event_id)

    def board_clashes(
        self,
        shifts: Sequence[BoardShift],
        start: datetime,
        end: datetime,
        cause_ids: Iterable[int] | None = None,
    ) -> dict[AssignmentId, tuple[Clash, ...]]:
        """The clashes of each place-holding person on ``shifts``, blocking ones first.

        ``shifts`` are board rows for ``[start, end)`` (and ``cause_ids``); people without
        clashes are left out.
        """
        from organizer.scheduling.conflicts import ConflictService  # the engine builds on this

        causes = None if cause_ids is None else list(cause_ids)
        # One read for both: the engine's world holds all the roster's own checks need.
        with self.db.read() as session:
            slots, world = ConflictService(self.db, self.actor).period_world(
                session, start, end, cause_ids=causes
            )
        found = self._own_clashes(shifts, slots, world)
        on_board = {
            (person.volunteer_id, *shift.key)
            for shift in shifts
            for person in shift.people
            if person.holds_place
        }
        engine: dict[tuple[int, int, datetime], list[Clash]] = defaultdict(list)
        for finding in world.holder_findings(slots, kinds=_ENGINE_KINDS):
            key = (finding.volunteer_id, finding.shift_id, finding.occurrence_start)
            if key in on_board:
                engine[key].extend(_engine_clashes([finding]))
        if engine:
            for shift in shifts:
                for person in shift.people:
                    extra = engine.get((person.volunteer_id, *shift.key))
                    if extra and person.holds_place:
                        mine = (*found.get(person.assignment_id, ()), *extra)
                        found[person.assignment_id] = tuple(
                            sorted(mine, key=lambda c: not c.blocking)
                        )
        return found

    def occurrence_window(
        self, event_id: int, recurrence_id: datetime
    ) -> tuple[datetime, datetime]:
        """The span :meth:`occurrence_board` reads for one occurrence (errors if it is gone)."""
        with self.db.read() as session:
            starts = session.scalar(
                select(OccurrenceRow.starts_at).where(
                    OccurrenceRow.event_id == event_id,
                    OccurrenceRow.recurrence_id == recurrence_id,
                )
            )
        if starts is None:
            raise DomainError("This occurrence no longer exists (it may have been removed).")
        return starts, starts + timedelta(microseconds=1)

    def occurrence_board(self, event_id: int, recurrence_id: datetime) -> list[BoardShift]:
        """The shifts of one occurrence, with their people."""
        shifts = self.board(*self.occurrence_window(event_id, recurrence_id), event_id=event_id)
        return [shift for shift in shifts if shift.fill.recurrence_id == recurrence_id]

    def occurrence_board_rows(
        self,
        event_id: int,
        recurrence_id: datetime,
        window: tuple[datetime, datetime] | None = None,
    ) -> list[BoardShift]:
        """:meth:`occurrence_board` without clash checks (see :meth:`board_rows`).

        ``window`` is the occurrence's :meth:`occurrence_window`, when already read.
        """
        start, end = window or self.occurrence_window(event_id, recurrence_id)
        shifts = self.board_rows(start, end, event_id=event_id)
        return [shift for shift in shifts if shift.fill.recurrence_id == recurrence_id]

    def candidates(
        self, shift_id: int, recurrence_id: datetime, text: str = "", limit: int = 50
    ) -> list[Candidate]:
        """Volunteers who could take a place on the shift, best suited first.

        Active, holding the required qualification on the day, free (a weekly window covers
        the shift, or they gave no availability), not away, not on an overlapping shift and
        not already on this one.  Available people come first, then those with the fewest
        hours in the last 30 days, then by name.
        """
        with self.db.read() as session:
            slot = _slot(session, shift_id, recurrence_id)
            query = select(Volunteer.id, Volunteer.name, Volunteer.timezone).where(
                Volunteer.active.is_(True),
                Volunteer.id.not_in(
                    select(Assignment.volunteer_id).where(
                        Assignment.shift_id == shift_id,
                        Assignment.occurrence_start == recurrence_id,
                    )
                ),
            )
            needle = text.strip().lower()
            if needle:
                query = query.where(func.lower(Volunteer.name).like(f"%{_escape_like(needle)}%"))
            if slot.qualification_id is not None:
                query = query.where(Volunteer.id.in_(_holders(slot.qualification_id, slot.day)))
            people = {vid: _Person(vid, name, tz, True) for vid, name, tz in session.execute(query)}
            busy = _busy_people(session, slot.starts_at, slot.ends_at)
            people = {vid: person for vid, person in people.items() if vid not in busy}
            _add_blackouts(session, people, slot.starts_at - timedelta(days=1), slot.ends_at)
            _add_windows(session, people)
            recent = _recent_load(
                session, slot.starts_at - timedelta(days=RECENT_DAYS), slot.starts_at
            )
            qualification = _qualification_name(session, slot.qualification_id)
        found: list[Candidate] = []
        for person in people.values():
            if _away(person, slot) is not None:
                continue
            window = _covering_window(person, slot)
            if person.windows and window is None:
                continue
            shifts, hours = recent.get(person.volunteer_id, (0, 0.0))
            found.append(
                Candidate(
                    volunteer_id=person.volunteer_id,
                    name=person.name,
                    available=None if window is None else True,
                    recent_shifts=shifts,
                    recent_hours=hours,
                    reason=_reason(qualification, window, shifts, hours),
                )
            )
        found.sort(key=lambda c: (c.available is None, c.recent_hours, c.name.casefold()))
        return found[:limit]

    def clashes(self, volunteer_id: int, shift_id: int, recurrence_id: datetime) -> list[Clash]:
        """What speaks against ``volunteer_id`` on the shift, blocking clashes first."""
        from organizer.scheduling.conflicts import ConflictService  # the engine builds on this

        # One read for both: the engine's world holds all the roster's own checks need.
        with self.db.read() as session:
            world, facts = ConflictService(self.db, self.actor).world_for_slot(
                session, shift_id, recurrence_id, [volunteer_id]
            )
        person = world.people.get(volunteer_id)
        if person is None:
            raise NotFoundError("volunteer", volunteer_id)
        slot = _Slot.of(facts)
        # The world names the qualifications its slots need.
        qualification = (
            None
            if slot.qualification_id is None
            else world.qualification_names.get(slot.qualification_id)
        )
        busy = _booked(world.bookings.get(volunteer_id, ()), slot.starts_at, slot.ends_at)
        found = self._clashes(person, slot, busy, qualification)
        found.extend(_engine_clashes(world.findings(volunteer_id, facts)))
        found.sort(key=lambda c: not c.blocking)
        return found

    # Changing ------------------------------------------------------------------------------

    def assign(
        self,
        shift_id: int,
        recurrence_id: datetime,
        volunteer_id: int,
        override_reason: str = "",
        status: AssignmentStatus = AssignmentStatus.PROPOSED,
    ) -> Assignment:
        """Put a volunteer on a shift for one occurrence.

        Raises:
            ClashError: there are blocking clashes and no ``override_reason`` was given (the
                reason is kept on the assignment).
            ValidationError: the volunteer is archived or already on this shift.
        """
        clashes = self.clashes(volunteer_id, shift_id, recurrence_id)
        if any(c.blocking for c in clashes) and not override_reason.strip():
            raise ClashError(clashes)
        return self.assignments.create(
            AssignmentDraft(
                shift_id=ShiftId(shift_id),
                volunteer_id=VolunteerId(volunteer_id),
                occurrence_start=recurrence_id,
                status=status,
                override_reason=override_reason,
            )
        )

    def set_status(
        self, assignment_id: int, expected_version: int, status: AssignmentStatus
    ) -> Assignment:
        """Change an assignment's status (invited, accepted, declined…)."""
        current = self.assignments.get(assignment_id)
        return self.assignments.update(
            assignment_id, expected_version, replace(draft_of(current), status=status)
        )

    def set_statuses(
        self, changes: Sequence[tuple[int, int, AssignmentStatus]]
    ) -> list[tuple[Assignment, AssignmentStatus]]:
        """Change several assignments' statuses in one transaction: all of them, or none.

        ``changes`` are ``(assignment id, expected version, status)``; returns each changed
        assignment with the status it had before.

        Raises:
            ConflictError: someone else saved one of them since (nothing is changed).
            NotFoundError: one of them was deleted (nothing is changed).
        """
        drafts = [
            draft_of(row) for row in self.assignments.get_many([aid for aid, _, _ in changes])
        ]
        changed: Sequence[Assignment] = self.assignments.update_many(
            [
                (aid, version, replace(draft, status=status))
                for (aid, version, status), draft in zip(changes, drafts, strict=True)
            ]
        )
        return [(row, draft.status) for row, draft in zip(changed, drafts, strict=True)]

    def remove(self, assignment_id: int, expected_version: int) -> AssignmentDraft:
        """Take a volunteer off a shift; returns what it was, so it can be put back."""
        current = self.assignments.get(assignment_id)
        self.assignments.delete(assignment_id, expected_version)
        return draft_of(current)

    def restore(self, draft: AssignmentDraft) -> Assignment:
        """Put back an assignment exactly as it was (undoing a removal)."""
        return self.assignments.create(draft)

    # Helpers -------------------------------------------------------------------------------

    def _own_clashes(
        self, shifts: Sequence[BoardShift], slots: Sequence[SlotFacts], world: World
    ) -> dict[AssignmentId, tuple[Clash, ...]]:
        """The roster's own checks (overlap, away, qualification, times) for the board.

        From the engine's ``world`` for ``slots`` (the board's shifts, as read with it).  A
        person or event the world has not seen (changed since the board was read) is left
        for the next read.
        """
        if not slots:
            return {}
        zones = {slot.event_id: slot.zone for slot in slots}
        span_start = min(slot.starts_at for slot in slots)
        span_end = max(slot.ends_at for slot in slots)
        busy_by_person: dict[int, list[_Slot]] = {}
        found: dict[AssignmentId, tuple[Clash, ...]] = {}
        for shift in shifts:
            fill = shift.fill
            event_zone = zones.get(fill.event_id)
            if event_zone is None:
                continue
            slot = _Slot(
                fill.shift_id,
                fill.event_id,
                fill.recurrence_id,
                fill.starts_at,
                fill.ends_at,
                fill.title,
                fill.role,
                event_zone,
                fill.qualification_id,
            )
            for person in shift.people:
                facts = world.people.get(person.volunteer_id)
                if not person.holds_place or facts is None:
                    continue
                busy = busy_by_person.get(person.volunteer_id)
                if busy is None:
                    busy = busy_by_person[person.volunteer_id] = _booked(
                        world.bookings.get(person.volunteer_id, ()), span_start, span_end
                    )
                clashes = self._clashes(facts, slot, busy, shift.qualification)
                if clashes:
                    found[person.assignment_id] = tuple(clashes)
        return found

    def _clashes(
        self, person: _Someone, slot: _Slot, busy: Iterable[_Slot], qualification: str | None
    ) -> list[Clash]:
        """Every clash for ``person`` on ``slot``, given their place-holding shifts nearby."""
        found: list[Clash] = []
        name = person.name
        if not person.active:
            found.append(
                Clash(
                    ClashKind.ARCHIVED,
                    True,
                    f"{name} is archived; restore them on the Volunteers page first.",
                )
            )
        for other in sorted(busy, key=lambda b: (b.starts_at, b.shift_id)):
            if other.key != slot.key and other.overlaps(slot):
                message = self._overlap_message(name, slot, other)
                found.append(Clash(ClashKind.OVERLAP, True, message, other.assignment_id))
        away = _away(person, slot)
        if away is not None:
            first, last, why = away
            span = (
                f"on {day_text(first)}"
                if first == last
                else f"from {day_text(first)} to {day_text(last)}"
            )
            because = f" ({why})" if why else ""
            found.append(Clash(ClashKind.BLACKOUT, True, f"{name} cannot help {span}{because}."))
        if slot.qualification_id is not None:
            label = f"“{qualification}”" if qualification else "the qualification"
            held = slot.qualification_id in person.qualifications
            expires = person.qualifications.get(slot.qualification_id)
            if not held:
                found.append(
                    Clash(
                        ClashKind.QUALIFICATION,
                        True,
                        f"{name} does not hold {label}, which this role needs.",
                    )
                )
            elif expires is not None and expires < slot.day:
                found.append(
                    Clash(
                        ClashKind.EXPIRED_QUALIFICATION,
                        True,
                        f"{name}'s {label} expired on {day_text(expires)}.",
                    )
                )
        if person.windows and _covering_window(person, slot) is None:
            found.append(
                Clash(ClashKind.AVAILABILITY, False, self._availability_message(person, slot))
            )
        found.sort(key=lambda c: not c.blocking)
        return found

    def _local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.display_zone) if self.display_zone else moment.astimezone()

    def _overlap_message(self, name: str, slot: _Slot, other: _Slot) -> str:
        start, end = self._local(other.starts_at), self._local(other.ends_at)
        when = f"{clock_text(start)}–{clock_text(end)}"
        if start.date() == self._local(slot.starts_at).date():
            when += " that day"
        else:
            when += f" on {english_date(start, '%a %-d %b %Y')}"
        return f"{name} is already on “{other.title} – {other.role}” {when}."

    def _availability_message(self, person: _Someone, slot: _Slot) -> str:
        windows = [
            f"{WEEKDAYS[day]} {clock_text(begin)}–{end_text(end)}"
            for day, spans in sorted(person.windows.items())
            for begin, end in spans
        ]
        theirs = zone(person.timezone)
        shown = self._local(slot.starts_at)
        if shown.utcoffset() != slot.starts_at.astimezone(theirs).utcoffset():
            windows[-1] += f", {person.timezone} time"
        return f"Outside {person.name}'s usual times ({join_words(windows)})."


_ENGINE_KINDS = {kind.value: kind for kind in list(ClashKind)[6:]}
"""The kinds of clash only the scheduling engine finds (the first six are the roster's own)."""


def _engine_clashes(findings: Iterable[Any]) -> list[Clash]:
    """The scheduling engine's findings the roster's own checks do not cover, as clashes."""
    kinds = _ENGINE_KINDS
    return [
        Clash(kinds[f.kind], f.blocking, f.message, f.assignment_id)
        for f in findings
        if f.kind in kinds
    ]


def with_clashes(
    shifts: Iterable[BoardShift], clashes: Mapping[AssignmentId, tuple[Clash, ...]]
) -> list[BoardShift]:
    """Board rows with each place-holding person's clashes (by assignment id) filled in."""
    board = []
    for shift in shifts:
        if any(person.assignment_id in clashes for person in shift.people):
            people = tuple(
                replace(person, clashes=clashes.get(person.assignment_id, ()))
                if person.holds_place
                else person
                for person in shift.people
            )
            shift = replace(shift, people=people)
        board.append(shift)
    return board


def draft_of(row: Assignment) -> AssignmentDraft:
    """Every editable field of an assignment, as a draft (to save it again or put it back)."""
    return AssignmentDraft(
        shift_id=row.shift_id,
        volunteer_id=row.volunteer_id,
        occurrence_start=row.occurrence_start,
        status=row.status,
        attendance=row.attendance,
        hours=row.hours,
        actual_start=row.actual_start,
        actual_end=row.actual_end,
        override_reason=row.override_reason,
        note=row.note,
    )


# Queries -----------------------------------------------------------------------------------


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def shift_on_occurrence(
    session: Session, shift_id: int, recurrence_id: datetime
) -> tuple[Shift, Event, datetime, datetime]:
    """A shift, its event, and the shift's real start and end on one occurrence.

    Raises NotFoundError for a deleted shift, and DomainError when the shift is only on
    another occurrence or the occurrence was removed.
    """
    shift = session.get(Shift, shift_id)
    if shift is None:
        raise NotFoundError("shift", shift_id)
    event = session.get(Event, shift.event_id, options=[selectinload(Event.exceptions)])
    assert event is not None
    if shift.occurrence_start is not None and shift.occurrence_start != recurrence_id:
        raise DomainError("This shift is only on another occurrence of the event.")
    row = session.execute(
        select(OccurrenceRow.starts_at, OccurrenceRow.ends_at).where(
            OccurrenceRow.event_id == event.id, OccurrenceRow.recurrence_id == recurrence_id
        )
    ).first()
    if row is not None:
        starts, ends = row
    elif recurrence_id >= stored_horizon(session) and occurrence_exists(event, recurrence_id):
        starts, ends = recurrence_id, recurrence_id + (event.ends_at - event.starts_at)
    else:
        raise DomainError("This occurrence no longer exists (it may have been removed).")
    shift_start, shift_end = shift_times(starts, ends, shift.start_offset_min, shift.end_offset_min)
    return shift, event, shift_start, shift_end


def _slot(session: Session, shift_id: int, recurrence_id: datetime) -> _Slot:
    """The shift on that occurrence, at its real times; errors if either is gone."""
    shift, event, shift_start, shift_end = shift_on_occurrence(session, shift_id, recurrence_id)
    return _Slot(
        shift.id,
        event.id,
        recurrence_id,
        shift_start,
        shift_end,
        event.title,
        shift.role,
        event.timezone,
        shift.qualification_id,
    )


def _busy_people(session: Session, start: datetime, end: datetime) -> set[int]:
    """Volunteers holding a place on a shift that overlaps ``[start, end)`` at its real times.

    Read through the occurrence index, so every occurrence of a series and every moved
    occurrence is at its own time; cancelled events and occurrences do not count.
    """
    base: Select[*tuple[Any, ...]] = with_occurrence(
        select(
            Assignment.volunteer_id,
            OccurrenceRow.starts_at,
            OccurrenceRow.ends_at,
            Shift.start_offset_min,
            Shift.end_offset_min,
        ).select_from(Assignment)
    ).where(Assignment.status.in_(PLACE_HOLDING), GOES_AHEAD)
    busy: set[int] = set()
    for query in _overlapping(base, start, end):
        for vid, starts, ends, start_offset, end_offset in session.connection().execute(query):
            shift_start, shift_end = shift_times(starts, ends, start_offset, end_offset)
            if shift_start < end and shift_end > start:
                busy.add(vid)
    return busy


def _booked(bookings: Iterable[Booking], start: datetime, end: datetime) -> list[_Slot]:
    """The engine's ``bookings`` of one person whose shifts overlap ``[start, end)``."""
    return [
        _Slot.of(booking.slot, booking)
        for booking in bookings
        if booking.slot.starts_at < end and booking.slot.ends_at > start
    ]


def _board_rows(
    connection: Connection,
    start: datetime,
    end: datetime,
    cause_ids: list[int] | None,
    event_id: int | None,
    *,
    driver_rows: bool = True,
) -> list[BoardShift]:
    """Board rows in two queries: the shifts with their fill and labels, then their people.

    The same shifts, in the same order, as :meth:`CoverageService.shift_fill`.  On SQLite
    the rows are read straight from the driver (see :func:`_sqlite_board_rows`) unless
    ``driver_rows`` is false; the result is the same either way.
    """
    if driver_rows and connection.dialect.name == "sqlite":
        read = _sqlite_board_rows(connection, start, end, cause_ids, event_id)
        if read is not None:
            return read
    query = _board_query(start, end, cause_ids, event_id, counted=True)
    people_query = _board_people_query(start, end, event_id, outer=False)
    parameters = {} if event_id is None else {"event_id": event_id}
    rows: list[tuple[ShiftFill, Any]] = []
    for row in connection.execute(query).all():
        (sid, eid, rid, starts, ends, title, cause, role, needed, qid, start_offset, end_offset,
         filled, new_title) = row[:14]  # fmt: skip
        shift_start, shift_end = shift_times(starts, ends, start_offset, end_offset)
        fill = ShiftFill(
            shift_id=sid,
            event_id=eid,
            recurrence_id=rid,
            starts_at=shift_start,
            ends_at=shift_end,
            title=new_title or title,
            cause_id=cause,
            role=role,
            needed=needed,
            filled=int(filled or 0),
            qualification_id=qid,
        )
        rows.append((fill, row))
    if not rows:
        return []
    # CoverageService.shift_fill's order: by start, then the event's own title, then shift.
    rows.sort(key=lambda pair: (pair[0].starts_at, pair[1][5], pair[0].shift_id))
    people: dict[tuple[int, datetime], list[BoardPerson]] = {
        (fill.shift_id, fill.recurrence_id): [] for fill, _ in rows
    }
    statuses = {status.value: status for status in AssignmentStatus}
    for aid, version, vid, name, status, reason, sid, rid in connection.execute(
        people_query, parameters
    ).all():
        listed = people.get((sid, rid))
        if listed is not None:
            listed.append(
                BoardPerson(aid, version, vid, name, statuses.get(status, status), reason or "")
            )
    board: list[BoardShift] = []
    for fill, row in rows:
        starts, ends = row[3], row[4]
        new_place, place_name, colour, qualification = row[14:]
        on_shift = people[fill.shift_id, fill.recurrence_id]
        if len(on_shift) > 1:
            on_shift.sort(key=_person_order)
        board.append(
            BoardShift(
                fill,
                starts,
                ends,
                new_place or place_name or "",
                colour,
                qualification,
                tuple(on_shift),
            )
        )
    return board


def _board_query(
    start: datetime,
    end: datetime,
    cause_ids: list[int] | None,
    event_id: int | None,
    *,
    counted: bool,
) -> Select[*tuple[Any, ...]]:
    """The board's shifts: :func:`fill_columns`, then the changed title and the labels.

    Without the places filled (the last of :func:`fill_columns`) unless ``counted``.
    """
    changed = aliased(OccurrenceOverride)
    place = aliased(Location)
    changed_place = aliased(Location)
    columns = fill_columns(places_filled())
    query = (
        scheduled_shifts(
            *(columns if counted else columns[:-1]),
            changed.title,
            changed_place.name,
            place.name,
            Cause.colour,
            Qualification.name,
            start=start,
            end=end,
        )
        .outerjoin(
            changed,
            and_(
                changed.event_id == OccurrenceRow.event_id,
                changed.recurrence_id == OccurrenceRow.recurrence_id,
            ),
        )
        .outerjoin(changed_place, changed_place.id == changed.location_id)
        .outerjoin(place, place.id == Event.location_id)
        .outerjoin(Cause, Cause.id == Event.cause_id)
        .outerjoin(Qualification, Qualification.id == Shift.qualification_id)
    )
    if cause_ids is not None:
        query = query.where(Event.cause_id.in_(cause_ids))
    if event_id is not None:
        query = query.where(OccurrenceRow.event_id == event_id)
    return query


def _board_people_query(
    start: datetime, end: datetime, event_id: int | None, *, outer: bool
) -> TextualSelect:
    """Everyone on a shift of an occurrence starting in ``[start, end)``, by assignment.

    ``outer`` keeps an assignment whose volunteer row is missing, with no name.
    """
    # Written out so SQLite walks occurrences → shifts → assignments (CROSS JOIN keeps the
    # order); left to itself it scans every assignment starting at each occurrence's time.
    people_query = text(
        "SELECT a.id, a.version, a.volunteer_id, v.name, a.status, a.override_reason,"
        " a.shift_id, a.occurrence_start"
        " FROM occurrences o CROSS JOIN shifts s CROSS JOIN assignments a"
        + (" LEFT JOIN" if outer else " JOIN")
        + " volunteers v ON v.id = a.volunteer_id"
        " WHERE s.event_id = o.event_id AND a.shift_id = s.id"
        " AND a.occurrence_start = o.recurrence_id"
        " AND o.starts_at >= :start AND o.starts_at < :end"
        + ("" if event_id is None else " AND o.event_id = :event_id")
        + " ORDER BY a.id"
    ).bindparams(
        bindparam("start", start, type_=UTCDateTime()),
        bindparam("end", end, type_=UTCDateTime()),
    )
    return people_query.columns(occurrence_start=UTCDateTime())


class _Minutes(dict[int, timedelta]):
    """Shift offsets as timedeltas, each made once."""

    def __missing__(self, minutes: int) -> timedelta:
        found = self[minutes] = timedelta(minutes=minutes)
        return found


def _sqlite_board_rows(
    connection: Connection,
    start: datetime,
    end: datetime,
    cause_ids: list[int] | None,
    event_id: int | None,
) -> list[BoardShift] | None:
    """:func:`_board_rows` on SQLite, from the driver's rows, or None to use the portable path.

    Equal, object for object, to the portable path (tests compare the two).  Rows are
    matched to people by the stored text of the occurrence, which is what SQL compares too,
    and each shift's places are counted from its people instead of by a subquery per row.
    None when two stored texts name the same instant (only a file another program wrote),
    where matching by text and by instant could differ.
    """
    shift_rows = driver_rows(
        connection, _board_query(start, end, cause_ids, event_id, counted=False), {}
    )
    if not shift_rows:
        return []
    parameters = {} if event_id is None else {"event_id": event_id}
    people_rows = driver_rows(
        connection, _board_people_query(start, end, event_id, outer=True), parameters
    )
    instants = Instants()
    minutes = _Minutes()
    # Per shift and occurrence text: [places filled, then the people once sorted].
    slots: dict[tuple[int, str], list[Any]] = {}
    # One entry per shift, in CoverageService.shift_fill's order: by start, then the event's
    # own title, then shift, then as read (the position makes every key distinct).
    keyed: list[tuple[datetime, str, Any, int, datetime, Any, list[Any]]] = []
    for position, row in enumerate(shift_rows):
        sid, rid, starts, ends, title, start_offset, end_offset = (
            row[0], row[2], row[3], row[4], row[5], row[10], row[11]
        )  # fmt: skip
        starts = instants[starts]
        slot = slots[sid, rid] = [0]
        keyed.append(
            (
                starts if start_offset is None else starts + minutes[start_offset],
                title,
                sid,
                position,
                instants[ends] if end_offset is None else starts + minutes[end_offset],
                row,
                slot,
            )
        )
    occurrences = {row[2] for row in shift_rows}
    times = {instants[stored] for stored in occurrences}
    if len(times) != len(occurrences):
        return None
    # Status value → (status, 0 when it holds a place): people holding a place come first.
    statuses: dict[str, tuple[AssignmentStatus, int]] = {
        status.value: (status, 0 if status.holds_place else 1) for status in AssignmentStatus
    }
    ranked: list[tuple[int, str, int, list[Any], BoardPerson]] = []
    for position, (aid, version, vid, name, status, reason, sid, rid) in enumerate(people_rows):
        on_shift = slots.get((sid, rid))
        if on_shift is None:
            if rid not in occurrences and instants[rid] in times:
                return None
            continue
        known, rank = statuses.get(status) or (status, 1)
        if not rank:
            on_shift[0] += 1
        if name is not None:  # None: the volunteer row is missing, but the place counts
            person = BoardPerson(aid, version, vid, name, known, reason or "")
            ranked.append((rank, name.casefold(), position, on_shift, person))
    # One stable sort of everyone, dealt out in order, gives each shift's people sorted
    # by _person_order with ties as read, as sorting each shift's list would.
    ranked.sort()
    for entry in ranked:
        entry[3].append(entry[4])
    keyed.sort()
    board: list[BoardShift] = []
    append = board.append
    for shift_start, _, sid, _, shift_end, row, slot in keyed:
        (_, eid, rid, starts, ends, title, cause, role, needed, qid, _, _, new_title, new_place,
         place_name, colour, qualification) = row  # fmt: skip
        fill = ShiftFill(
            sid,
            eid,
            instants[rid],
            shift_start,
            shift_end,
            new_title or title,
            cause,
            role,
            needed,
            slot[0],
            qid,
        )
        append(
            BoardShift(
                fill,
                instants[starts],
                instants[ends],
                new_place or place_name or "",
                colour,
                qualification,
                tuple(slot[1:]),
            )
        )
    return board


def _overlapping(
    query: Select[*tuple[Any, ...]], start: datetime, end: datetime
) -> list[Select[*tuple[Any, ...]]]:
    """``query`` limited to occurrences overlapping the window, as two index-friendly parts."""
    overlap = (OccurrenceRow.starts_at < end, OccurrenceRow.ends_at > start)
    return [
        query.where(
            OccurrenceRow.long.is_(False),
            OccurrenceRow.starts_at > start - LONG_OCCURRENCE,
            *overlap,
        ),
        query.where(OccurrenceRow.long.is_(True), *overlap),
    ]


def _holders(qualification_id: int, day: date) -> Select[VolunteerId]:
    """Volunteers holding a qualification that has not expired on ``day``."""
    return select(VolunteerQualification.volunteer_id).where(
        VolunteerQualification.qualification_id == qualification_id,
        or_(
            VolunteerQualification.expires_on.is_(None),
            VolunteerQualification.expires_on >= day,
        ),
    )


def _add_windows(session: Session, people: dict[VolunteerId, _Person]) -> None:
    """Fill in weekly windows, merging ones that touch on the same day."""
    raw: dict[int, list[tuple[int, time, time]]] = defaultdict(list)
    query = select(
        AvailabilityWindow.volunteer_id,
        AvailabilityWindow.weekday,
        AvailabilityWindow.starts,
        AvailabilityWindow.ends,
    )
    if len(people) <= CHUNK:
        query = query.where(AvailabilityWindow.volunteer_id.in_(list(people)))
    for vid, weekday, starts, ends in session.connection().execute(query):
        if vid in people:
            raw[vid].append((weekday, starts, ends))
    for owner, windows in raw.items():
        people[VolunteerId(owner)].windows = merged_windows(windows)


def merged_windows(windows: Iterable[tuple[int, time, time]]) -> dict[int, list[tuple[time, time]]]:
    """Weekly ``(weekday, start, end)`` windows by weekday, in order, those that touch merged."""
    merged: dict[int, list[tuple[time, time]]] = defaultdict(list)
    for weekday, starts, ends in sorted(windows):
        spans = merged[weekday]
        if spans and starts <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(ends, spans[-1][1]))
        else:
            spans.append((starts, ends))
    return dict(merged)


def _add_blackouts(
    session: Session,
    people: dict[VolunteerId, _Person],
    start: datetime | None,
    end: datetime | None,
) -> None:
    """Fill in blackout periods (only those near ``[start, end)`` when given)."""
    query = select(
        BlackoutPeriod.volunteer_id,
        BlackoutPeriod.starts_on,
        BlackoutPeriod.ends_on,
        BlackoutPeriod.reason,
    ).order_by(BlackoutPeriod.starts_on)
    if start is not None and end is not None:
        query = query.where(
            BlackoutPeriod.starts_on <= (end + timedelta(days=1)).date(),
            BlackoutPeriod.ends_on >= (start - timedelta(days=1)).date(),
        )
    if len(people) <= CHUNK:
        query = query.where(BlackoutPeriod.volunteer_id.in_(list(people)))
    for vid, first, last, reason in session.connection().execute(query):
        if vid in people:
            people[vid].blackouts.append((first, last, reason or ""))


def _recent_load(session: Session, start: datetime, end: datetime) -> dict[int, tuple[int, float]]:
    """Shifts and hours each volunteer did or holds in ``[start, end)`` (no-shows left out).

    Only a ranking aid: occurrences count at their planned time, and recorded hours are used
    where there are any.
    """
    query = (
        select(
            Assignment.volunteer_id,
            Assignment.hours,
            Shift.start_offset_min,
            Shift.end_offset_min,
            Event.starts_at,
            Event.ends_at,
        )
        .join(Shift, Shift.id == Assignment.shift_id)
        .join(Event, Event.id == Shift.event_id)
        .where(
            Assignment.occurrence_start >= start,
            Assignment.occurrence_start < end,
            Assignment.status.in_(PLACE_HOLDING),
            or_(
                Assignment.attendance.is_(None),
                Assignment.attendance == Attendance.ATTENDED,
            ),
            Event.status != EventStatus.CANCELLED,
        )
    )
    load: dict[int, tuple[int, float]] = {}
    for vid, hours, start_offset, end_offset, starts, ends in session.execute(query):
        if hours is None:
            shift_start, shift_end = shift_times(starts, ends, start_offset, end_offset)
            hours = (shift_end - shift_start).total_seconds() / 3600
        count, total = load.get(vid, (0, 0.0))
        load[vid] = (count + 1, total + hours)
    return load


def _qualification_name(session: Session, qualification_id: int | None) -> str | None:
    if qualification_id is None:
        return None
    return session.scalar(select(Qualification.name).where(Qualification.id == qualification_id))


# Pure checks -------------------------------------------------------------------------------


def _local_span(person: _Someone, slot: _Slot) -> tuple[datetime, datetime]:
    theirs = zone(person.timezone)
    return slot.starts_at.astimezone(theirs), slot.ends_at.astimezone(theirs)


def _away(person: _Someone, slot: _Slot) -> tuple[date, date, str] | None:
    """The blackout period covering any day of the shift, in the volunteer's zone."""
    starts, ends = _local_span(person, slot)
    first_day = starts.date()
    last_day = (ends - timedelta(microseconds=1)).date()
    for first, last, reason in person.blackouts:
        if first <= last_day and last >= first_day:
            return first, last, reason
    return None


def _covering_window(person: _Someone, slot: _Slot) -> tuple[int, time, time] | None:
    """The weekly window (weekday, start, end) that covers the whole shift, if any."""
    starts, ends = _local_span(person, slot)
    end_time = ends.time()
    if ends.date() != starts.date():
        if ends.date() != starts.date() + timedelta(days=1) or end_time != time(0):
            return None
        end_time = time.max
    weekday = starts.weekday()
    for begin, end in person.windows.get(weekday, []):
        if begin <= starts.time() and end_time <= end:
            return weekday, begin, end
    return None


def _reason(
    qualification: str | None, window: tuple[int, time, time] | None, shifts: int, hours: float
) -> str:
    parts = []
    if qualification:
        parts.append(f"holds {qualification}")
    if window is None:
        parts.append("availability not given")
    else:
        weekday, begin, _ = window
        part = "mornings" if begin.hour < 12 else "afternoons" if begin.hour < 17 else "evenings"
        parts.append(f"available {WEEKDAYS[weekday]} {part}")
    if shifts:
        noun = "shift" if shifts == 1 else "shifts"
        parts.append(f"{shifts} {noun} ({round(hours, 1):g}\u00a0h) in the last {RECENT_DAYS} days")
    else:
        parts.append(f"no shifts in the last {RECENT_DAYS} days")
    text = ", ".join(parts)
    return text[:1].upper() + text[1:]


def _person_order(person: BoardPerson) -> tuple[bool, str]:
    return (not person.holds_place, person.name.casefold())


__all__ = [
    "BoardPerson",
    "BoardShift",
    "Candidate",
    "Clash",
    "ClashError",
    "ClashKind",
    "RosterService",
    "draft_of",
    "shift_times",
    "with_clashes",
]
