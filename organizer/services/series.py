"""Editing events as a whole: roles with the event, series splits, undo snapshots, the list.

A series edit must never lose a volunteer's booking or rewrite what already happened.  Every
operation here is one write transaction that keeps assignments on real occurrences, keeps the
occurrence index in step, and logs what it did.  :meth:`SeriesService.capture` and
:meth:`SeriesService.restore` give undo an exact way back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    bindparam,
    delete,
    func,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from organizer.errors import (
    ConflictError,
    DomainError,
    FieldProblem,
    NotFoundError,
    ValidationError,
)
from organizer.models import (
    Assignment,
    Cause,
    Event,
    EventException,
    EventStatus,
    Location,
    OccurrenceOverride,
    OccurrenceRow,
    Qualification,
    Shift,
    utc_now,
)
from organizer.models.ids import (
    AssignmentId,
    CauseId,
    EventId,
    LocationId,
    QualificationId,
    ShiftId,
)
from organizer.recurrence import describe, expand, normalise_rule
from organizer.services.base import Service, among, apply_draft, check_version
from organizer.services.coverage import PLACE_HOLDING
from organizer.services.events import EventDraft, EventService
from organizer.services.occurrences import LONG_OCCURRENCE, refresh_event
from organizer.storage import Database
from organizer.validation import Problems
from organizer.wording import english_date

FAR_FUTURE = datetime(9000, 1, 1, tzinfo=UTC)
# Moved bookings wait here for a moment so that swapping two never trips the unique slot.
_PARKING = datetime(1900, 1, 1, tzinfo=UTC)
WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


# Roles -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoleDraft:
    """One row of an event's roles table; ``shift_id`` names the shift it edits, if any."""

    role: str
    needed: int = 1
    qualification_id: QualificationId | None = None
    shift_id: ShiftId | None = None


@dataclass(frozen=True)
class RoleProblem(FieldProblem):
    """A problem with one row of the roles table (``row`` counts from 0)."""

    row: int = 0


def roles_of(shifts: Iterable[Shift | ShiftState]) -> tuple[RoleDraft, ...]:
    """The roles table rows of an event's shifts (those for every occurrence)."""
    return tuple(
        RoleDraft(s.role, s.needed, s.qualification_id, s.id)
        for s in shifts
        if s.occurrence_start is None
    )


def role_problems(session: Session, roles: Sequence[RoleDraft]) -> list[FieldProblem]:
    """What is wrong with each role row, naming the row."""
    found: list[FieldProblem] = []
    for row, role in enumerate(roles):
        problems = Problems()
        problems.text("role", role.role, label="Role", max_length=120)
        if role.needed < 1:
            problems.add("needed", "At least one volunteer must be needed.")
        if (
            role.qualification_id is not None
            and session.get(Qualification, role.qualification_id) is None
        ):
            problems.add("qualification_id", "That qualification no longer exists.")
        found.extend(
            RoleProblem(p.field, f"Row {row + 1}: {p.message}", row) for p in problems.items
        )
    return found


# Repeat plans ------------------------------------------------------------------------------


class Frequency(StrEnum):
    """How often an event repeats, as the editor offers it."""

    NONE = "none"
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


class MonthlyBy(StrEnum):
    """Which day of the month a monthly event falls on."""

    DATE = "date"
    WEEKDAY = "weekday"
    LAST_WEEKDAY = "last_weekday"


class Ending(StrEnum):
    """When a series stops."""

    NEVER = "never"
    ON_DATE = "on_date"
    AFTER = "after"


@dataclass(frozen=True)
class RepeatPlan:
    """A repeat rule in the editor's terms; weekdays count from 0 for Monday."""

    frequency: Frequency = Frequency.NONE
    interval: int = 1
    weekdays: tuple[int, ...] = ()
    monthly_by: MonthlyBy = MonthlyBy.DATE
    ending: Ending = Ending.NEVER
    until: date | None = None
    count: int | None = None

    def tidy(self) -> RepeatPlan:
        """The plan without choices that do not apply to it, so equal plans compare equal."""
        if self.frequency is Frequency.NONE:
            return RepeatPlan()
        weekly = self.frequency is Frequency.WEEKLY
        return replace(
            self,
            weekdays=tuple(sorted(set(self.weekdays))) if weekly else (),
            monthly_by=self.monthly_by if self.frequency is Frequency.MONTHLY else MonthlyBy.DATE,
            until=self.until if self.ending is Ending.ON_DATE else None,
            count=self.count if self.ending is Ending.AFTER else None,
        )


def week_of_month(day: date) -> int:
    """Which of its weekday the date is in its month: 1 for the first Tuesday, and so on."""
    return (day.day - 1) // 7 + 1


def is_last_weekday(day: date) -> bool:
    """Whether no later date in the month has the same weekday."""
    return (day + timedelta(days=7)).month != day.month


def rule_for(plan: RepeatPlan, local_start: datetime) -> str | None:
    """The repeat rule for ``plan`` on a series first starting at ``local_start``.

    ``UNTIL`` is a plain date here; the event service stores it as the end of that day.
    """
    if plan.frequency is Frequency.NONE:
        return None
    parts = [f"FREQ={plan.frequency.value.upper()}"]
    if plan.interval > 1:
        parts.append(f"INTERVAL={plan.interval}")
    code = WEEKDAY_CODES[local_start.weekday()]
    if plan.frequency is Frequency.WEEKLY:
        days = sorted(set(plan.weekdays)) or [local_start.weekday()]
        parts.append("BYDAY=" + ",".join(WEEKDAY_CODES[d] for d in days))
    elif plan.frequency is Frequency.MONTHLY and plan.monthly_by is MonthlyBy.WEEKDAY:
        parts.append(f"BYDAY={week_of_month(local_start.date())}{code}")
    elif plan.frequency is Frequency.MONTHLY and plan.monthly_by is MonthlyBy.LAST_WEEKDAY:
        parts.append(f"BYDAY=-1{code}")
    if plan.ending is Ending.ON_DATE and plan.until is not None:
        parts.append(f"UNTIL={plan.until:%Y%m%d}")
    elif plan.ending is Ending.AFTER and plan.count is not None:
        parts.append(f"COUNT={plan.count}")
    return ";".join(parts)


def plan_for(rule: str | None, starts_at: datetime, tz_name: str) -> RepeatPlan | None:
    """The editor's view of a stored rule, or ``None`` when the editor cannot show it."""
    if not rule:
        return RepeatPlan()
    values = _rule_parts(rule)
    local_start = starts_at.astimezone(ZoneInfo(tz_name))
    frequency = {
        "DAILY": Frequency.DAILY,
        "WEEKLY": Frequency.WEEKLY,
        "MONTHLY": Frequency.MONTHLY,
    }.get(values.pop("FREQ", ""))
    interval = values.pop("INTERVAL", "1")
    values.pop("WKST", None)
    if frequency is None or not interval.isdigit():
        return None
    plan = RepeatPlan(frequency=frequency, interval=int(interval))
    byday = values.pop("BYDAY", None)
    if frequency is Frequency.WEEKLY:
        days = (byday or WEEKDAY_CODES[local_start.weekday()]).split(",")
        if not set(days) <= set(WEEKDAY_CODES):
            return None
        plan = replace(plan, weekdays=tuple(sorted(WEEKDAY_CODES.index(d) for d in days)))
    elif frequency is Frequency.MONTHLY and byday is not None:
        code = WEEKDAY_CODES[local_start.weekday()]
        if byday == f"{week_of_month(local_start.date())}{code}":
            plan = replace(plan, monthly_by=MonthlyBy.WEEKDAY)
        elif byday == f"-1{code}":
            plan = replace(plan, monthly_by=MonthlyBy.LAST_WEEKDAY)
        else:
            return None
    elif byday is not None:
        return None
    if values.pop("BYMONTHDAY", str(local_start.day)) != str(local_start.day):
        return None
    if "COUNT" in values:
        count = values.pop("COUNT")
        if not count.isdigit():
            return None
        plan = replace(plan, ending=Ending.AFTER, count=int(count))
    elif "UNTIL" in values:
        until = _until_day(values.pop("UNTIL"), local_start)
        if until is None:
            return None
        plan = replace(plan, ending=Ending.ON_DATE, until=until)
    return plan.tidy() if not values else None


def _rule_parts(rule: str) -> dict[str, str]:
    body = rule.strip().removeprefix("RRULE:")
    pairs = (piece.split("=", 1) for piece in body.split(";") if "=" in piece)
    return {key.strip().upper(): value.strip().upper() for key, value in pairs}


def _until_day(value: str, local_start: datetime) -> date | None:
    """The last date a stored ``UNTIL`` lets the series meet on (its own day or the one before)."""
    try:
        until = datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None
    local = until.astimezone(local_start.tzinfo)
    if local.time() < local_start.time():
        return local.date() - timedelta(days=1)
    return local.date()


def _without_end(rule: str) -> list[str]:
    return [
        part
        for part in rule.split(";")
        if part and not part.upper().startswith(("COUNT=", "UNTIL="))
    ]


def rule_until(rule: str, last_start: datetime) -> str:
    """``rule`` ending with the occurrence that starts at ``last_start`` (UNTIL in UTC)."""
    return ";".join([*_without_end(rule), f"UNTIL={last_start.astimezone(UTC):%Y%m%dT%H%M%SZ}"])


def rule_with_count(rule: str, count: int) -> str:
    """``rule`` ending after ``count`` occurrences."""
    return ";".join([*_without_end(rule), f"COUNT={max(count, 1)}"])


# Snapshots ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShiftState:
    """One shift as it was."""

    id: ShiftId
    role: str
    needed: int
    qualification_id: QualificationId | None
    occurrence_start: datetime | None
    start_offset_min: int | None
    end_offset_min: int | None
    notes: str


@dataclass(frozen=True)
class OverrideState:
    """One changed occurrence as it was."""

    recurrence_id: datetime
    starts_at: datetime | None
    ends_at: datetime | None
    title: str | None
    description: str | None
    location_id: LocationId | None
    status: EventStatus | None


@dataclass(frozen=True)
class Placement:
    """Where one booking was: its shift and occurrence."""

    assignment_id: AssignmentId
    shift_id: ShiftId
    occurrence_start: datetime


@dataclass(frozen=True)
class SeriesState:
    """Everything needed to put an event back exactly as it was (for undo)."""

    event_id: EventId
    uid: str
    sequence: int
    version: int
    draft: EventDraft
    shifts: tuple[ShiftState, ...]
    exceptions: tuple[datetime, ...]
    overrides: tuple[OverrideState, ...]
    placements: tuple[Placement, ...]

    @property
    def roles(self) -> tuple[RoleDraft, ...]:
        """The roles table as it was (shifts for every occurrence)."""
        return roles_of(self.shifts)


class Scope(StrEnum):
    """Which occurrences of a series an edit applies to."""

    OCCURRENCE = "occurrence"
    FOLLOWING = "following"
    ALL = "all"


@dataclass(frozen=True)
class SavedSeries:
    """What a save did: the event (and the new series, after a split) and how to undo it.

    ``before`` is the edited event as it was; ``notice`` says in plain words anything the
    coordinator did not ask for but should know (an edit that had to start later).
    """

    event: Event
    before: SeriesState | None = None
    new_event: Event | None = None
    split_at: datetime | None = None
    notice: str = ""


# The events list ---------------------------------------------------------------------------


@dataclass(frozen=True)
class EventFilter:
    """Which events the list shows."""

    search: str = ""
    cause_id: CauseId | None = None
    include_past: bool = False


@dataclass(frozen=True, slots=True)
class EventRow:
    """One row of the events list: the event and its next occurrence, with its fill."""

    event_id: EventId
    version: int
    title: str
    description: str
    cause_id: CauseId | None
    cause_name: str
    cause_colour: str
    location_name: str
    timezone: str
    all_day: bool
    status: EventStatus
    rrule: str | None
    repeats: str
    first_starts_at: datetime
    last_ends_at: datetime | None
    next_recurrence_id: datetime | None
    next_starts_at: datetime | None
    next_ends_at: datetime | None
    role_count: int
    needed: int
    filled: int

    @property
    def is_past(self) -> bool:
        """Whether every occurrence is over."""
        return self.next_starts_at is None


@dataclass(frozen=True)
class EventPage:
    """A slice of the events list."""

    rows: tuple[EventRow, ...]
    offset: int
    total: int

    @property
    def has_more(self) -> bool:
        """Whether later rows remain to be fetched."""
        return self.offset + len(self.rows) < self.total


# The service -------------------------------------------------------------------------------


class SeriesService(Service):
    """Saves events with their roles, splits and joins series, and lists events."""

    def __init__(self, db: Database, actor: str) -> None:
        """Work on ``db`` as ``actor``."""
        super().__init__(db, actor)
        self.events = EventService(db, actor)

    # Reading ---------------------------------------------------------------------------

    def get(self, event_id: int) -> Event:
        """One event with its cause, location, shifts, exceptions and overrides."""
        return self.events.get(event_id)

    def capture(self, event_id: int) -> SeriesState:
        """The event's state now, for undo."""
        with self.db.read() as session:
            return _capture(session, _event(session, event_id))

    def problems(
        self, draft: EventDraft, roles: Sequence[RoleDraft], existing_id: int | None = None
    ) -> list[FieldProblem]:
        """What is wrong with an event and its roles, without saving anything."""
        with self.db.read() as session:
            try:
                self._validated(session, draft, existing_id, roles)
            except ValidationError as error:
                return list(error.problems)
        return []

    def booking_count(self, event_id: int) -> int:
        """How many volunteers are booked on any occurrence of the event."""
        with self.db.read() as session:
            return _booking_count(session, event_id)

    def event_page(
        self,
        query: EventFilter,
        offset: int = 0,
        limit: int = 200,
        *,
        now: datetime | None = None,
    ) -> EventPage:
        """Events in order of their next occurrence (past ones last, latest first)."""
        moment = now or utc_now()
        with self.db.read() as session:
            listing = _listing_query(moment, query)
            total = session.scalar(select(func.count()).select_from(listing.subquery())) or 0
            ordered = listing.order_by(
                listing.selected_columns.next_start.is_(None),
                listing.selected_columns.next_start,
                Event.recurrence_end.desc(),
                Event.starts_at.desc(),
                Event.id,
            )
            found = session.execute(ordered.offset(offset).limit(limit)).all()
            rows = _event_rows(session, found)
        return EventPage(tuple(rows), offset, total)

    def event_rows(
        self, event_ids: Iterable[int], *, now: datetime | None = None
    ) -> list[EventRow]:
        """The list rows of some events, whatever the filter (to update rows in place)."""
        moment = now or utc_now()
        ids = list(event_ids)
        with self.db.read() as session:
            listing = _listing_query(moment, EventFilter(include_past=True))
            found = session.execute(listing.where(Event.id.in_(ids))).all()
            return _event_rows(session, found)

    # Writing ---------------------------------------------------------------------------

    def create(self, draft: EventDraft, roles: Sequence[RoleDraft] = ()) -> SavedSeries:
        """Store a new event with its roles."""
        with self._transaction(None) as session:
            clean = self._validated(session, draft, None, roles)
            event = Event()
            self._stamp(event, creating=True)
            self.events.after_apply(session, event, apply_draft(event, clean))
            session.add(event)
            session.flush()
            _sync_roles(session, event, roles, self._stamp)
            refresh_event(session, event)
            self._log(session, "create", "event", event.id, f"Created {_name(event)}")
            return SavedSeries(_loaded(session, self.events, event.id))

    def update(
        self,
        event_id: int,
        expected_version: int,
        draft: EventDraft,
        roles: Sequence[RoleDraft],
        *,
        scope: Scope = Scope.ALL,
        occurrence: datetime | None = None,
        restore_removed: Iterable[datetime] = (),
        now: datetime | None = None,
    ) -> SavedSeries:
        """Save an edited event, or a series from one occurrence on.

        ``draft`` holds what the editor showed: the series' own times, or, when
        ``occurrence`` is given, that occurrence's times (the edit moves every occurrence
        by as much as it moved that one).  With ``Scope.ALL``, a change of times or rule that
        would rewrite past occurrences with volunteers on them applies from the first future
        occurrence instead (a split), and the result's ``notice`` says so.  With
        ``Scope.FOLLOWING`` the series is split at ``occurrence``, or at the first future
        occurrence when dates in between already have bookings.

        Raises:
            ValidationError: a field is invalid (each problem names its field).
            ConflictError: someone else saved the event since ``expected_version``.
            DomainError: the change would lose a booking.
        """
        if scope is Scope.OCCURRENCE:
            raise ValueError("one occurrence is changed through EventService.change_occurrence")
        moment = now or utc_now()
        with self._transaction(event_id) as session:
            event = _event(session, event_id)
            check_version(event, "event", event_id, expected_version)
            before = _capture(session, event)
            shown = _shown(session, event, occurrence)
            clean = self._validated(session, _series_values(draft, shown, event), event_id, roles)
            _restore_removed(session, event, restore_removed)
            if scope is Scope.FOLLOWING and event.rrule and occurrence is not None:
                result = self._following(session, event, occurrence, shown, clean, roles, moment)
            else:
                result = self._all(session, event, shown, clean, roles, moment)
            return replace(result, before=before)

    def split_series(
        self,
        event_id: int,
        expected_version: int,
        from_recurrence_id: datetime,
        draft: EventDraft,
        roles: Sequence[RoleDraft] | None = None,
    ) -> tuple[Event, Event]:
        """End a series just before one occurrence and carry on as a new series from there.

        The new series gets ``draft``'s values, a new calendar UID, ``roles`` (or copies of
        the old shifts) and every booking, removed date and changed occurrence from
        ``from_recurrence_id`` on, matched to its own occurrences.  Earlier occurrences,
        their bookings, attendance and hours stay as they are.

        Raises:
            ValidationError: the draft or a role is invalid, or there is no such occurrence.
            DomainError: nothing comes before that occurrence, or a booking would be lost.
        """
        with self._transaction(event_id) as session:
            event = _event(session, event_id)
            check_version(event, "event", event_id, expected_version)
            new = self._split(session, event, from_recurrence_id, draft, roles)
            return _loaded(session, self.events, event.id), _loaded(session, self.events, new.id)

    def restore(
        self,
        state: SeriesState,
        expected_version: int | None,
        *,
        discard: Sequence[tuple[int, int]] = (),
    ) -> Event:
        """Put an event back as ``state`` recorded it (recreating it if it was deleted).

        Bookings go back to their recorded shifts and occurrences; ``discard`` names events
        (id, version) that an undone split created, which are removed once emptied.  Pass
        ``expected_version=None`` to recreate a deleted event.

        Raises:
            ConflictError: the event or a discarded one changed since.
            DomainError: undoing would remove bookings made since.
        """
        with self._transaction(state.event_id) as session:
            event = session.get(Event, state.event_id)
            if event is None and expected_version is not None:
                raise NotFoundError("event", state.event_id)
            if event is not None:
                if expected_version is None:
                    raise ConflictError(
                        "event", state.event_id, event.updated_by, event.updated_at, event.version
                    )
                check_version(event, "event", state.event_id, expected_version)
            dropped = [_event(session, event_id) for event_id, _ in discard]
            for row, (event_id, version) in zip(dropped, discard, strict=True):
                check_version(row, "event", event_id, version)
            event = self._restore(session, state, event, dropped)
            return _loaded(session, self.events, event.id)

    def restore_within(self, session: Session, state: SeriesState, event: Event) -> Event:
        """Put ``event`` back as ``state`` recorded it, inside the caller's transaction.

        Raises:
            DomainError: undoing would remove bookings made since.
        """
        return self._restore(session, state, event, [])

    def delete(self, event_id: int, expected_version: int) -> SeriesState:
        """Delete an event nobody is booked on; returns its state so undo can restore it.

        Raises:
            DomainError: volunteers are booked on it (cancel it instead).
        """
        with self._transaction(event_id) as session:
            event = _event(session, event_id)
            check_version(event, "event", event_id, expected_version)
            bookings = _booking_count(session, event_id)
            if bookings:
                raise DomainError(
                    f"“{event.title}” has {_plural(bookings, 'booking')}, so it cannot be "
                    "deleted. Cancel it instead: the bookings and hours are kept."
                )
            state = _capture(session, event)
            session.delete(event)
            session.flush()
            self._log(session, "delete", "event", event_id, f"Deleted {_name(event)}")
            return state

    # Internals -------------------------------------------------------------------------

    @contextmanager
    def _transaction(self, event_id: int | None) -> Iterator[Session]:
        """One write transaction; a booking put twice in one slot becomes a DomainError."""
        with self._writing("event", event_id, Event) as session:
            try:
                yield session
            except sa_exc.IntegrityError as error:
                raise DomainError(
                    "This change would put a volunteer on the same shift twice at the same "
                    "time, so nothing was saved."
                ) from error

    def _validated(
        self,
        session: Session,
        draft: EventDraft,
        existing_id: int | None,
        roles: Sequence[RoleDraft],
    ) -> EventDraft:
        """The cleaned draft, or one ValidationError with every event and role problem."""
        problems = role_problems(session, roles)
        try:
            clean = self.events.validate(session, draft, existing_id)
        except ValidationError as error:
            raise ValidationError([*error.problems, *problems]) from error
        if problems:
            raise ValidationError(problems)
        return clean

    def _all(
        self,
        session: Session,
        event: Event,
        shown: EventDraft | None,
        draft: EventDraft,
        roles: Sequence[RoleDraft],
        now: datetime,
    ) -> SavedSeries:
        series = _moved_with(draft, shown, event.starts_at, event.ends_at, event.timezone)
        clean = self.events.validate(session, series, event.id)
        if event.rrule and _rewrites_booked_past(session, event, clean, now):
            split_at = _first_start(event, now)
            if split_at is None:
                raise DomainError(
                    "Every date of this series is over and has volunteers' records, so its "
                    "times cannot change. Change a single occurrence instead."
                )
            following = _moved_with(clean, draft_of(event), split_at, None, event.timezone)
            return self._split_saved(session, event, split_at, following, roles, "past")
        mapping = _remap(session, event, clean)
        self._stamp(event)
        changed = apply_draft(event, clean)
        self.events.after_apply(session, event, changed)
        session.flush()
        mapping.apply(session, event, event, self._stamp)
        _sync_roles(session, event, roles, self._stamp)
        refresh_event(session, event)
        summary = ", ".join(changed) or "roles"
        self._log(session, "update", "event", event.id, f"Changed {_name(event)}: {summary}")
        return SavedSeries(_loaded(session, self.events, event.id))

    def _following(
        self,
        session: Session,
        event: Event,
        occurrence: datetime,
        shown: EventDraft | None,
        draft: EventDraft,
        roles: Sequence[RoleDraft],
        now: datetime,
    ) -> SavedSeries:
        split_at, reason = occurrence, ""
        if occurrence < now and _bookings_between(session, event.id, occurrence, now):
            later = _first_start(event, now)
            if later is None:
                raise DomainError(
                    "Every later date of this series is over and has volunteers' records. "
                    "Change a single occurrence instead."
                )
            split_at, reason = later, "past"
        if split_at == _first_start(event, event.starts_at):
            return self._all(session, event, shown, draft, roles, now)
        base_end = _instant(
            _local(split_at, event.timezone)
            + _wall_duration(event.starts_at, event.ends_at, event.timezone),
            event.timezone,
        )
        following = _moved_with(draft, shown, split_at, base_end, event.timezone)
        return self._split_saved(session, event, split_at, following, roles, reason)

    def _split_saved(
        self,
        session: Session,
        event: Event,
        split_at: datetime,
        following: EventDraft,
        roles: Sequence[RoleDraft],
        reason: str,
    ) -> SavedSeries:
        following = _count_from(following, event, split_at)
        new = self._split(session, event, split_at, following, roles)
        return SavedSeries(
            _loaded(session, self.events, event.id),
            new_event=_loaded(session, self.events, new.id),
            split_at=split_at,
            notice=_split_notice(new, split_at) if reason else "",
        )

    def _split(
        self,
        session: Session,
        event: Event,
        split_at: datetime,
        draft: EventDraft,
        roles: Sequence[RoleDraft] | None,
    ) -> Event:
        if not event.rrule:
            raise DomainError("Only a repeating event can be split.")
        starts = list(_rule_starts(event, event.starts_at, until=split_at))
        if split_at not in starts:
            raise ValidationError.single(
                "recurrence_id", "This event has no occurrence starting at that time."
            )
        earlier = [start for start in starts if start < split_at]
        if not earlier:
            raise DomainError(
                "Nothing comes before this occurrence, so there is nothing to split off. "
                "Change all occurrences instead."
            )
        role_rows = list(roles) if roles is not None else _roles_of(session, event.id)
        clean = self._validated(session, _on_first_occurrence(draft), None, role_rows)
        new = Event()
        self._stamp(new, creating=True)
        self.events.after_apply(session, new, apply_draft(new, clean))
        session.add(new)
        session.flush()
        new_shifts = _sync_roles(session, new, role_rows, self._stamp)
        mapping = _remap(session, event, clean, from_start=split_at)
        mapping.shift_for = _shift_matcher(session, event.id, role_rows, new_shifts)
        event.rrule = rule_until(event.rrule, earlier[-1])
        self._stamp(event)
        self.events.after_apply(session, event, ["rrule"])
        session.flush()
        mapping.apply(session, event, new, self._stamp)
        session.flush()
        refresh_event(session, event)
        refresh_event(session, new)
        day = _day_text(split_at, event.timezone)
        self._log(
            session,
            "update",
            "event",
            event.id,
            f"Ended {_name(event)} before {day}; later dates continue as event {new.id}",
        )
        self._log(session, "create", "event", new.id, f"Created {_name(new)} from {day} on")
        return new

    def _restore(
        self, session: Session, state: SeriesState, event: Event | None, dropped: list[Event]
    ) -> Event:
        clean = self.events.validate(session, state.draft, state.event_id)
        creating = event is None
        if event is None:
            event = Event(id=state.event_id)
            self._stamp(event, creating=True)
            session.add(event)
        else:
            self._stamp(event)
        changed = apply_draft(event, clean)
        event.uid = state.uid
        self.events.after_apply(session, event, changed)
        event.sequence = max(event.sequence or 0, state.sequence + 1)
        session.flush()

        dropped_ids = {row.id for row in dropped}
        shift_ids = _restore_shifts(session, event, state.shifts, dropped_ids, self._stamp)
        session.execute(delete(EventException).where(EventException.event_id == event.id))
        for override in session.scalars(
            select(OccurrenceOverride).where(OccurrenceOverride.event_id == event.id)
        ):
            session.delete(override)
        session.flush()
        session.add_all(
            EventException(event_id=event.id, occurrence_start=when) for when in state.exceptions
        )
        for override_state in state.overrides:
            session.add(_override_row(event.id, override_state, self._stamp))
        # Every booking in one read, rather than one read each.
        wanted = [placement.assignment_id for placement in state.placements]
        bookings: dict[int, Assignment] = {}
        if wanted:
            query = select(Assignment).where(among(session.connection(), Assignment.id, wanted))
            bookings = {booking.id: booking for booking in session.scalars(query)}
        moves = [
            (bookings[placement.assignment_id], shift_ids[placement.shift_id],
             placement.occurrence_start)
            for placement in state.placements
            if placement.assignment_id in bookings
        ]  # fmt: skip
        _move(session, moves, self._stamp)
        leftover = session.scalars(
            select(Shift).where(
                Shift.event_id.in_([event.id, *dropped_ids]),
                Shift.id.not_in(list(shift_ids.values())),
            )
        ).all()
        _refuse_new_bookings(session, [s.id for s in leftover])
        for shift in leftover:
            session.delete(shift)
        session.flush()
        for row in dropped:
            session.delete(row)
        session.flush()
        refresh_event(session, event)
        action = "Restored" if creating else "Put back"
        self._log(session, "update", "event", event.id, f"{action} {_name(event)} (undo)")
        return event


# Transactions and loading ------------------------------------------------------------------


def _event(session: Session, event_id: int) -> Event:
    event = session.get(Event, event_id)
    if event is None:
        raise NotFoundError("event", event_id)
    return event


def _loaded(session: Session, events: EventService, event_id: int) -> Event:
    session.flush()
    row = session.get(Event, event_id, options=events.load_options(), populate_existing=True)
    assert row is not None
    return row


def _name(event: Event) -> str:
    return f"event “{event.title}”"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _booking_count(session: Session, event_id: int) -> int:
    query = (
        select(func.count(Assignment.id))
        .join(Shift, Shift.id == Assignment.shift_id)
        .where(Shift.event_id == event_id)
    )
    return session.scalar(query) or 0


def _bookings_between(session: Session, event_id: int, start: datetime, end: datetime) -> int:
    query = (
        select(func.count(Assignment.id))
        .join(Shift, Shift.id == Assignment.shift_id)
        .where(
            Shift.event_id == event_id,
            Assignment.occurrence_start >= start,
            Assignment.occurrence_start < end,
        )
    )
    return session.scalar(query) or 0


def capture_state(session: Session, event: Event) -> SeriesState:
    """``event``'s state now, read in the caller's transaction (for undo)."""
    return _capture(session, event)


def _capture(session: Session, event: Event) -> SeriesState:
    shifts = session.scalars(select(Shift).where(Shift.event_id == event.id).order_by(Shift.id))
    exceptions = session.scalars(
        select(EventException.occurrence_start).where(EventException.event_id == event.id)
    )
    overrides = session.scalars(
        select(OccurrenceOverride).where(OccurrenceOverride.event_id == event.id)
    )
    placements = session.execute(
        select(Assignment.id, Assignment.shift_id, Assignment.occurrence_start)
        .join(Shift, Shift.id == Assignment.shift_id)
        .where(Shift.event_id == event.id)
        .order_by(Assignment.id)
    )
    return SeriesState(
        event_id=event.id,
        uid=event.uid,
        sequence=event.sequence,
        version=event.version,
        draft=draft_of(event),
        shifts=tuple(
            ShiftState(
                s.id,
                s.role,
                s.needed,
                s.qualification_id,
                s.occurrence_start,
                s.start_offset_min,
                s.end_offset_min,
                s.notes,
            )
            for s in shifts
        ),
        exceptions=tuple(exceptions),
        overrides=tuple(_override_state(o) for o in overrides),
        placements=tuple(Placement(*row) for row in placements),
    )


def _override_row(
    event_id: int, state: OverrideState, stamp: Callable[..., None]
) -> OccurrenceOverride:
    row = OccurrenceOverride(
        event_id=event_id,
        recurrence_id=state.recurrence_id,
        starts_at=state.starts_at,
        ends_at=state.ends_at,
        title=state.title,
        description=state.description,
        location_id=state.location_id,
        status=state.status,
        sequence=0,
    )
    stamp(row, creating=True)
    return row


def _restore_removed(session: Session, event: Event, dates: Iterable[datetime]) -> None:
    wanted = list(dates)
    if wanted:
        session.execute(
            delete(EventException).where(
                EventException.event_id == event.id, EventException.occurrence_start.in_(wanted)
            )
        )


def draft_of(event: Event) -> EventDraft:
    """Every editable field of an event, as a draft."""
    return EventDraft(**{f.name: getattr(event, f.name) for f in fields(EventDraft)})


def occurrence_draft(
    event: Event, occurrence: datetime, override: OccurrenceOverride | None
) -> EventDraft:
    """The series' values as one occurrence shows them, with its own changes applied."""
    draft = draft_of(event)
    start = override.starts_at if override and override.starts_at else occurrence
    if override and override.ends_at:
        end = override.ends_at
    else:
        length = _wall_duration(event.starts_at, event.ends_at, event.timezone)
        end = _instant(_local(start, event.timezone) + length, event.timezone)
    draft = replace(draft, starts_at=start, ends_at=end)
    if override is None:
        return draft
    return replace(
        draft,
        title=override.title or draft.title,
        description=draft.description if override.description is None else override.description,
        location_id=override.location_id or draft.location_id,
        status=override.status or draft.status,
    )


def _shown(session: Session, event: Event, occurrence: datetime | None) -> EventDraft | None:
    """What the editor showed for ``occurrence`` (its override's values, if it has one)."""
    if occurrence is None:
        return None
    override = session.scalar(
        select(OccurrenceOverride).where(
            OccurrenceOverride.event_id == event.id,
            OccurrenceOverride.recurrence_id == occurrence,
        )
    )
    return occurrence_draft(event, occurrence, override)


def _series_values(draft: EventDraft, shown: EventDraft | None, event: Event) -> EventDraft:
    """Fields left as one occurrence showed them keep the series' own values."""
    if shown is None:
        return draft
    kept = {
        name: getattr(event, name)
        for name in ("title", "description", "location_id", "status")
        if getattr(draft, name) == getattr(shown, name)
    }
    return replace(draft, **kept)


def _wall_duration(starts_at: datetime, ends_at: datetime, tz_name: str) -> timedelta:
    return _local(ends_at, tz_name) - _local(starts_at, tz_name)


def _instant(local: datetime, tz_name: str) -> datetime:
    """A wall-clock time in a zone, as a UTC instant."""
    return local.replace(tzinfo=ZoneInfo(tz_name)).astimezone(UTC)


def _local(instant: datetime, tz_name: str) -> datetime:
    """An instant as the wall-clock time in a zone (without the zone)."""
    return instant.astimezone(ZoneInfo(tz_name)).replace(tzinfo=None)


def _day_text(instant: datetime, tz_name: str) -> str:
    local = instant.astimezone(ZoneInfo(tz_name))
    return english_date(local, "%A %-d %B %Y")


def _moved_with(
    draft: EventDraft,
    shown: EventDraft | None,
    base_start: datetime,
    base_end: datetime | None,
    base_tz: str,
) -> EventDraft:
    """``draft`` carried from the occurrence it was edited on over to ``base_start``.

    The edit moved the shown occurrence by some wall-clock amount; the result moves
    ``base_start`` (wall-clock in ``base_tz``) by the same amount.  Its length is the
    edited one if that changed, otherwise ``base_end``'s.
    """
    if shown is None:
        return draft
    shown_start = _local(shown.starts_at, base_tz)
    edited_start = _local(draft.starts_at, draft.timezone)
    length = _wall_duration(draft.starts_at, draft.ends_at, draft.timezone)
    if base_end is not None and length == _wall_duration(shown.starts_at, shown.ends_at, base_tz):
        length = _wall_duration(base_start, base_end, base_tz)
        if edited_start == shown_start and draft.timezone == base_tz:
            return replace(draft, starts_at=base_start, ends_at=base_end)
    start = _local(base_start, base_tz) + (edited_start - shown_start)
    return replace(
        draft,
        starts_at=_instant(start, draft.timezone),
        ends_at=_instant(start + length, draft.timezone),
    )


def _on_first_occurrence(draft: EventDraft) -> EventDraft:
    """``draft`` starting on its rule's first occurrence (a start the rule skips moves on)."""
    if not draft.rrule or draft.starts_at.tzinfo is None:
        return draft
    try:
        rule = normalise_rule(draft.rrule, draft.starts_at, draft.timezone)
    except ValidationError:
        return draft
    first = next(
        expand(rule, draft.starts_at, draft.ends_at, draft.timezone, draft.starts_at, FAR_FUTURE),
        None,
    )
    if first is None or first.starts_at == draft.starts_at:
        return draft
    return replace(draft, starts_at=first.starts_at, ends_at=first.ends_at)


def _count_from(draft: EventDraft, event: Event, split_at: datetime) -> EventDraft:
    """A counted rule counts the whole series: the part from ``split_at`` gets what is left."""
    if not draft.rrule or "COUNT=" not in draft.rrule.upper():
        return draft
    count = int(_rule_parts(draft.rrule)["COUNT"])
    before = sum(1 for start in _rule_starts(event, event.starts_at, until=split_at))
    before -= split_at in _rule_starts(event, split_at, until=split_at)
    if count <= before:
        raise ValidationError.single(
            "recurrence",
            f"{count} times in all would end the series before "
            f"{_day_text(split_at, event.timezone)}. Give a larger number.",
        )
    return replace(draft, rrule=rule_with_count(draft.rrule, count - before))


def _rule_starts(
    event: Event | EventDraft,
    from_start: datetime,
    *,
    until: datetime | None = None,
) -> Iterator[datetime]:
    """Every occurrence start of the rule from ``from_start`` on (removed ones included)."""
    if not event.rrule:
        if event.starts_at >= from_start and (until is None or event.starts_at <= until):
            yield event.starts_at
        return
    for occurrence in expand(
        event.rrule, event.starts_at, event.ends_at, event.timezone, from_start, FAR_FUTURE
    ):
        if until is not None and occurrence.recurrence_id > until:
            return
        if occurrence.recurrence_id >= from_start:
            yield occurrence.recurrence_id


def _occurrence_times(
    event: Event | EventDraft, until: datetime
) -> list[tuple[datetime, datetime]]:
    """Start and end of every occurrence starting before ``until`` (removed ones included)."""
    if not event.rrule:
        return [(event.starts_at, event.ends_at)] if event.starts_at < until else []
    return [
        (o.starts_at, o.ends_at)
        for o in expand(
            event.rrule, event.starts_at, event.ends_at, event.timezone, event.starts_at, until
        )
        if o.starts_at < until
    ]


def _first_start(event: Event, from_start: datetime) -> datetime | None:
    return next(_rule_starts(event, from_start), None)


def _rewrites_booked_past(session: Session, event: Event, draft: EventDraft, now: datetime) -> bool:
    """Whether the edit changes occurrences that already happened and have bookings."""
    if not _bookings_between(session, event.id, datetime.min.replace(tzinfo=UTC), now):
        return False
    return _occurrence_times(event, now) != _occurrence_times(draft, now)


# Matching occurrences ----------------------------------------------------------------------


@dataclass
class _Remap:
    """Where each dated thing of a series goes when its rule or times change."""

    target: dict[datetime, datetime]
    bookings: list[Assignment]
    day_shifts: list[Shift]
    exceptions: list[datetime]
    overrides: list[OccurrenceOverride]
    shift_for: Callable[[ShiftId], ShiftId] | None = None

    def apply(self, session: Session, old: Event, new: Event, stamp: Callable[..., None]) -> None:
        """Move every booking, one-day shift, removed date and changed occurrence."""
        moving_event = old.id != new.id
        day_shift_ids = {shift.id for shift in self.day_shifts}
        for shift in self.day_shifts:
            assert shift.occurrence_start is not None
            shift.event_id = new.id
            shift.occurrence_start = self.target[shift.occurrence_start]
            stamp(shift)
        moves = []
        for booking in self.bookings:
            shift_id = booking.shift_id
            if moving_event and shift_id not in day_shift_ids:
                assert self.shift_for is not None
                shift_id = self.shift_for(shift_id)
            moves.append((booking, shift_id, self.target[booking.occurrence_start]))
        session.flush()
        _move(session, moves, stamp)
        session.execute(
            delete(EventException).where(
                EventException.event_id == old.id,
                EventException.occurrence_start.in_(self.exceptions),
            )
        )
        states = [_override_state(o) for o in self.overrides]
        for override in self.overrides:
            session.delete(override)
        session.flush()
        session.add_all(
            EventException(event_id=new.id, occurrence_start=self.target[when])
            for when in self.exceptions
            if when in self.target
        )
        for state in states:
            if state.recurrence_id in self.target:
                moved = replace(state, recurrence_id=self.target[state.recurrence_id])
                session.add(_override_row(new.id, moved, stamp))


def _override_state(row: OccurrenceOverride) -> OverrideState:
    return OverrideState(
        row.recurrence_id,
        row.starts_at,
        row.ends_at,
        row.title,
        row.description,
        row.location_id,
        row.status,
    )


def _remap(
    session: Session, event: Event, draft: EventDraft, *, from_start: datetime | None = None
) -> _Remap:
    """Match the occurrences of ``event`` from ``from_start`` on to those ``draft`` gives.

    Bookings follow their occurrence to the same day when every booked day still has one;
    otherwise the n-th occurrence goes to the n-th.  A booking without a match refuses the
    change; a removed date or changed occurrence without one is dropped.
    """
    start = from_start or event.starts_at
    if from_start is None and _same_timing(event, draft):
        return _Remap({}, [], [], [], [])
    bookings = list(
        session.scalars(
            select(Assignment)
            .join(Shift, Shift.id == Assignment.shift_id)
            .where(Shift.event_id == event.id, Assignment.occurrence_start >= start)
            .order_by(Assignment.occurrence_start, Assignment.id)
        )
    )
    day_shifts = list(
        session.scalars(
            select(Shift).where(Shift.event_id == event.id, Shift.occurrence_start >= start)
        )
    )
    exceptions = list(
        session.scalars(
            select(EventException.occurrence_start).where(
                EventException.event_id == event.id, EventException.occurrence_start >= start
            )
        )
    )
    overrides = list(
        session.scalars(
            select(OccurrenceOverride).where(
                OccurrenceOverride.event_id == event.id,
                OccurrenceOverride.recurrence_id >= start,
            )
        )
    )
    dated = (
        {b.occurrence_start for b in bookings}
        | {s.occurrence_start for s in day_shifts if s.occurrence_start is not None}
        | set(exceptions)
        | {o.recurrence_id for o in overrides}
    )
    if not dated:
        return _Remap({}, [], [], [], [])
    old = list(_rule_starts(event, start, until=max(dated)))
    valid = set(old)
    booked_shifts = {b.shift_id for b in bookings}
    needed = {b.occurrence_start for b in bookings if b.occurrence_start in valid} | {
        s.occurrence_start
        for s in day_shifts
        if s.occurrence_start in valid and s.id in booked_shifts
    }
    target = pair_occurrences(
        old,
        _rule_starts(draft, draft.starts_at),
        needed,
        dated & valid,
        event.timezone,
        draft.timezone,
    )
    missing = needed - target.keys()
    if missing:
        count = sum(1 for b in bookings if b.occurrence_start in missing)
        first = min(missing).astimezone(ZoneInfo(event.timezone))
        raise DomainError(
            f"{_plural(count, 'booking')} from {english_date(first, '%-d %B %Y')} on would have no "
            "date in the changed series. Take those volunteers off first, or keep more dates."
        )
    unmatched_shifts = [
        s for s in day_shifts if s.occurrence_start in valid and s.occurrence_start not in target
    ]
    for shift in unmatched_shifts:
        session.delete(shift)
    return _Remap(
        target,
        [b for b in bookings if b.occurrence_start in valid],
        [s for s in day_shifts if s.occurrence_start in target],
        [e for e in exceptions if e in valid],
        [o for o in overrides if o.recurrence_id in valid],
    )


def _same_timing(event: Event, draft: EventDraft) -> bool:
    return all(
        getattr(event, name) == getattr(draft, name)
        for name in ("rrule", "starts_at", "ends_at", "timezone")
    )


def pair_occurrences(
    old: Sequence[datetime],
    new: Iterable[datetime],
    needed: set[datetime],
    wanted: set[datetime],
    old_zone: str,
    new_zone: str,
) -> dict[datetime, datetime]:
    """Match old occurrence starts to new ones: by local day if every needed one has its day.

    Otherwise the n-th old occurrence matches the n-th new one.  Only ``wanted`` starts are
    matched; ``needed`` decides between the two ways.
    """
    if not wanted:
        return {}
    old_tz, new_tz = ZoneInfo(old_zone), ZoneInfo(new_zone)
    position = {start: index for index, start in enumerate(old)}
    count = max(position[w] for w in wanted) + 1
    last_day = max(w.astimezone(old_tz).date() for w in wanted)
    found: list[datetime] = []
    for start in new:
        found.append(start)
        if len(found) >= count and start.astimezone(new_tz).date() > last_day:
            break
    by_day: dict[date, datetime] = {}
    for start in found:
        by_day.setdefault(start.astimezone(new_tz).date(), start)
    same_day = {w: by_day.get(w.astimezone(old_tz).date()) for w in wanted}
    booked_days = [same_day[n] for n in needed]
    if all(booked_days) and len(set(booked_days)) == len(booked_days):
        return {old_start: new_start for old_start, new_start in same_day.items() if new_start}
    return {w: found[position[w]] for w in wanted if position[w] < len(found)}


def _move(
    session: Session,
    moves: Sequence[tuple[Assignment, ShiftId, datetime]],
    stamp: Callable[..., None],
) -> None:
    """Put bookings on new slots, parking them first so that a swap never clashes."""
    changing = [
        (booking, shift_id, start)
        for booking, shift_id, start in moves
        if (booking.shift_id, booking.occurrence_start) != (shift_id, start)
    ]
    if not changing:
        return
    session.flush()
    for booking, _, _ in changing:
        stamp(booking)
    parked = [
        (booking, booking.shift_id, _PARKING + timedelta(seconds=booking.id))
        for booking, _, _ in changing
    ]
    _place(session, parked)
    _place(session, changing)


_BOOKINGS = cast("Table", Assignment.__table__)
_PLACE = (
    update(_BOOKINGS)
    .where(_BOOKINGS.c.id == bindparam("b_id"), _BOOKINGS.c.version == bindparam("b_version"))
    .values(
        shift_id=bindparam("b_shift"),
        occurrence_start=bindparam("b_start"),
        version=bindparam("b_next"),
        updated_at=bindparam("b_at"),
        updated_by=bindparam("b_by"),
    )
)


def _place(session: Session, placed: Sequence[tuple[Assignment, ShiftId, datetime]]) -> None:
    """Give each booking its shift and start in one many-row UPDATE, checking versions.

    The ORM sends a versioned row's UPDATE on its own: hundreds of round trips for a big
    series' bookings.  The rows saved are marked clean with their new values.

    Raises:
        StaleDataError: a booking was changed by someone else since it was read.
    """
    rows = [
        {
            "b_id": booking.id,
            "b_version": booking.version,
            "b_shift": shift_id,
            "b_start": start,
            "b_next": booking.version + 1,
            "b_at": booking.updated_at,
            "b_by": booking.updated_by,
        }
        for booking, shift_id, start in placed
    ]
    saved = session.connection().execute(_PLACE, rows).rowcount
    if saved != len(rows):
        raise StaleDataError(
            f"{len(rows) - saved} of {len(rows)} bookings changed since they were read"
        )
    for (booking, _, _), row in zip(placed, rows, strict=True):
        set_committed_value(booking, "shift_id", row["b_shift"])
        set_committed_value(booking, "occurrence_start", row["b_start"])
        set_committed_value(booking, "version", row["b_next"])
        set_committed_value(booking, "updated_at", row["b_at"])
        set_committed_value(booking, "updated_by", row["b_by"])


# Roles and shifts --------------------------------------------------------------------------


def _roles_of(session: Session, event_id: int) -> list[RoleDraft]:
    shifts = session.scalars(
        select(Shift)
        .where(Shift.event_id == event_id, Shift.occurrence_start.is_(None))
        .order_by(Shift.id)
    )
    return list(roles_of(shifts))


def _sync_roles(
    session: Session, event: Event, roles: Sequence[RoleDraft], stamp: Callable[..., None]
) -> list[Shift]:
    """Make the event's every-occurrence shifts match ``roles``; returns them in row order.

    A row whose ``shift_id`` is not one of this event's shifts becomes a new shift; a shift
    with no row is removed, unless volunteers are booked on it.
    """
    existing = {
        s.id: s
        for s in session.scalars(
            select(Shift).where(Shift.event_id == event.id, Shift.occurrence_start.is_(None))
        )
    }
    result: list[Shift] = []
    for role in roles:
        shift = existing.pop(role.shift_id, None) if role.shift_id is not None else None
        if shift is None:
            shift = Shift(event_id=event.id, occurrence_start=None, notes="")
            stamp(shift, creating=True)
            session.add(shift)
        values = {
            "role": role.role.strip(),
            "needed": role.needed,
            "qualification_id": role.qualification_id,
        }
        if any(getattr(shift, name, None) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(shift, name, value)
            stamp(shift)
        result.append(shift)
    removed = list(existing.values())
    booked = session.scalars(
        select(Shift.role)
        .join(Assignment, Assignment.shift_id == Shift.id)
        .where(Shift.id.in_([s.id for s in removed]))
        .distinct()
    ).all()
    if booked:
        names = ", ".join(f"“{name}”" for name in booked)
        raise ValidationError.single(
            "roles",
            f"Volunteers are booked as {names}. Keep the role, or take them off it first.",
        )
    for shift in removed:
        session.delete(shift)
    session.flush()
    return result


def _shift_matcher(
    session: Session, old_event_id: int, roles: Sequence[RoleDraft], new_shifts: list[Shift]
) -> Callable[[ShiftId], ShiftId]:
    """For a split: which new shift takes an old shift's bookings (its own row, or same role)."""
    old_roles = dict(
        session.execute(select(Shift.id, Shift.role).where(Shift.event_id == old_event_id)).all()
    )
    by_source = {
        role.shift_id: shift.id
        for role, shift in zip(roles, new_shifts, strict=True)
        if role.shift_id is not None
    }
    by_role: dict[str, ShiftId] = {}
    for shift in new_shifts:
        by_role.setdefault(shift.role.casefold(), shift.id)

    def match(old_shift_id: ShiftId) -> ShiftId:
        role = str(old_roles.get(old_shift_id, ""))
        found = by_source.get(old_shift_id) or by_role.get(role.strip().casefold())
        if found is None:
            raise ValidationError.single(
                "roles",
                f"Volunteers are booked as “{role}” on later dates. Keep the role, or take "
                "them off it first.",
            )
        return found

    return match


def _restore_shifts(
    session: Session,
    event: Event,
    states: Sequence[ShiftState],
    dropped_ids: set[EventId],
    stamp: Callable[..., None],
) -> dict[ShiftId, ShiftId]:
    """Put the recorded shifts back on ``event``; returns recorded id → id now."""
    mine = {event.id, *dropped_ids}
    ids: dict[ShiftId, ShiftId] = {}
    for state in states:
        shift = session.get(Shift, state.id)
        if shift is not None and shift.event_id not in mine:
            shift = None  # the id was reused by another event's shift
        if shift is None:
            free = session.get(Shift, state.id) is None
            shift = Shift(id=state.id) if free else Shift()
            stamp(shift, creating=True)
            session.add(shift)
        qualification = state.qualification_id
        if qualification is not None and session.get(Qualification, qualification) is None:
            qualification = None
        shift.event_id = event.id
        shift.role = state.role
        shift.needed = state.needed
        shift.qualification_id = qualification
        shift.occurrence_start = state.occurrence_start
        shift.start_offset_min = state.start_offset_min
        shift.end_offset_min = state.end_offset_min
        shift.notes = state.notes
        stamp(shift)
        session.flush()
        ids[state.id] = shift.id
    return ids


def _refuse_new_bookings(session: Session, shift_ids: list[int]) -> None:
    count = session.scalar(
        select(func.count(Assignment.id)).where(Assignment.shift_id.in_(shift_ids))
    )
    if count:
        raise DomainError(
            f"{_plural(count, 'booking')} {'was' if count == 1 else 'were'} made since, on "
            "shifts this undo would remove. Take those volunteers off first."
        )


def _split_notice(new: Event, split_at: datetime) -> str:
    return (
        "Earlier dates have volunteers' attendance and hours recorded, so they were left as "
        f"they were. The changes apply from {_day_text(split_at, new.timezone)} on."
    )


# The events list ---------------------------------------------------------------------------


def _listing_query(now: datetime, query: EventFilter) -> Select[Any]:
    coming = (
        select(
            OccurrenceRow.event_id.label("event_id"),
            func.min(OccurrenceRow.starts_at).label("next_start"),
        )
        .where(
            OccurrenceRow.ends_at > now,
            or_(OccurrenceRow.long.is_(True), OccurrenceRow.starts_at > now - LONG_OCCURRENCE),
        )
        .group_by(OccurrenceRow.event_id)
        .subquery()
    )
    listing = (
        select(
            Event,
            Cause.name.label("cause_name"),
            Cause.colour.label("cause_colour"),
            Location.name.label("location_name"),
            coming.c.next_start.label("next_start"),
        )
        .outerjoin(coming, coming.c.event_id == Event.id)
        .outerjoin(Cause, Cause.id == Event.cause_id)
        .outerjoin(Location, Location.id == Event.location_id)
    )
    words = query.search.strip()
    if words:
        pattern = "%" + words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        matches: list[ColumnElement[bool]] = [
            column.ilike(pattern, escape="\\")
            for column in (Event.title, Event.description, Location.name, Cause.name)
        ]
        listing = listing.where(or_(*matches))
    if query.cause_id is not None:
        listing = listing.where(Event.cause_id == query.cause_id)
    if not query.include_past:
        listing = listing.where(
            coming.c.next_start.is_not(None), Event.status != EventStatus.CANCELLED
        )
    return listing


def _event_rows(session: Session, found: Sequence[Any]) -> list[EventRow]:
    """List rows for (event, cause name, colour, location name, next start) results."""
    nexts = [(row[0].id, row[4]) for row in found if row[4] is not None]
    occurrences: dict[int, tuple[datetime, datetime, datetime]] = {}
    if nexts:
        for event_id, recurrence_id, starts, ends in session.execute(
            select(
                OccurrenceRow.event_id,
                OccurrenceRow.recurrence_id,
                OccurrenceRow.starts_at,
                OccurrenceRow.ends_at,
            ).where(tuple_(OccurrenceRow.event_id, OccurrenceRow.starts_at).in_(nexts))
        ):
            occurrences[event_id] = (recurrence_id, starts, ends)
    shifts: dict[int, list[tuple[ShiftId, int, datetime | None]]] = {}
    for shift_id, event_id, needed, only_on in session.execute(
        select(Shift.id, Shift.event_id, Shift.needed, Shift.occurrence_start).where(
            Shift.event_id.in_([row[0].id for row in found])
        )
    ):
        shifts.setdefault(event_id, []).append((shift_id, needed, only_on))
    booked = _places_taken(session, shifts, occurrences)
    rows = []
    for event, cause_name, cause_colour, location_name, _ in found:
        upcoming = occurrences.get(event.id)
        role_count = needed = filled = 0
        for shift_id, shift_needed, only_on in shifts.get(event.id, ()):
            role_count += only_on is None
            if upcoming is not None and only_on in (None, upcoming[0]):
                needed += shift_needed
                filled += min(booked.get((shift_id, upcoming[0]), 0), shift_needed)
        rows.append(
            EventRow(
                event_id=event.id,
                version=event.version,
                title=event.title,
                description=event.description,
                cause_id=event.cause_id,
                cause_name=cause_name or "",
                cause_colour=cause_colour or "",
                location_name=location_name or "",
                timezone=event.timezone,
                all_day=event.all_day,
                status=event.status,
                rrule=event.rrule,
                repeats=describe(event.rrule, event.timezone),
                first_starts_at=event.starts_at,
                last_ends_at=event.recurrence_end,
                next_recurrence_id=upcoming[0] if upcoming else None,
                next_starts_at=upcoming[1] if upcoming else None,
                next_ends_at=upcoming[2] if upcoming else None,
                role_count=role_count,
                needed=needed,
                filled=filled,
            )
        )
    return rows


def _places_taken(
    session: Session,
    shifts: dict[int, list[tuple[ShiftId, int, datetime | None]]],
    occurrences: dict[int, tuple[datetime, datetime, datetime]],
) -> dict[tuple[int, datetime], int]:
    """Place-holding bookings per (shift, occurrence) on each event's next occurrence."""
    slots = [
        (shift_id, occurrence[0])
        for event_id, occurrence in occurrences.items()
        for shift_id, _, _ in shifts.get(event_id, ())
    ]
    if not slots:
        return {}
    query = (
        select(Assignment.shift_id, Assignment.occurrence_start, func.count(Assignment.id))
        .where(
            tuple_(Assignment.shift_id, Assignment.occurrence_start).in_(slots),
            Assignment.status.in_(PLACE_HOLDING),
        )
        .group_by(Assignment.shift_id, Assignment.occurrence_start)
    )
    return {(shift_id, start): count for shift_id, start, count in session.execute(query)}


__all__ = [
    "Ending",
    "EventFilter",
    "EventPage",
    "EventRow",
    "Frequency",
    "MonthlyBy",
    "OverrideState",
    "Placement",
    "RepeatPlan",
    "RoleDraft",
    "RoleProblem",
    "SavedSeries",
    "Scope",
    "SeriesService",
    "SeriesState",
    "ShiftState",
    "draft_of",
    "occurrence_draft",
    "pair_occurrences",
    "plan_for",
    "role_problems",
    "roles_of",
    "rule_for",
    "rule_until",
    "rule_with_count",
]
