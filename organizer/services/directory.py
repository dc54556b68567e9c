"""The volunteer directory: volunteers a page at a time, searched, filtered and sorted.

Lists never show sensitive fields, so this module never reads a volunteer's phone, emergency
contact or notes.  Each call is one short read with a few queries for a whole page, never one
query per volunteer; the statements are built once, with the moment passed as parameters.

Two figures are worked out for each volunteer:

*Next shift*: the earliest place-holding assignment (proposed, invited, accepted or
tentative) on an occurrence scheduled to start at or after now, whose event and occurrence
still exist and are not cancelled.  Its time is the shift's real start: the occurrence's
start (moved, if it was moved) plus the shift's offset.

*Hours this month*: each assignment on an occurrence scheduled in the current calendar month
(in the coordinator's time zone) counts

* its recorded hours when the volunteer attended, or the recorded actual start to end when
  only those were entered, or else the shift's scheduled length;
* nothing when they did not come (no-show or excused);
* the shift's scheduled length while attendance is not recorded, if they still hold their
  place and the occurrence goes ahead, so the month includes what is planned;
* nothing otherwise (declined, waitlisted, cancelled).

A scheduled length is the shift's own window, or else the whole occurrence, at most 24 hours.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Select,
    and_,
    bindparam,
    case,
    false,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.functions import FunctionElement

from organizer.models import (
    Assignment,
    AssignmentStatus,
    Attendance,
    AvailabilityWindow,
    BlackoutPeriod,
    ConsentRecord,
    Event,
    EventStatus,
    OccurrenceOverride,
    OccurrenceRow,
    Qualification,
    Shift,
    UTCDateTime,
    Volunteer,
    VolunteerQualification,
    utc_now,
)
from organizer.models.ids import QualificationId, VolunteerId
from organizer.services.base import Service
from organizer.services.coverage import PLACE_HOLDING, shift_times
from organizer.services.volunteers import Blackout, WeeklyWindow
from organizer.storage import Database

FOLD_FUNCTION = "organizer_fold"
MAX_SHIFT_HOURS = 24.0
UPCOMING_IN_SUMMARY = 5


class DirectorySort(StrEnum):
    """What the directory is ordered by."""

    NAME = "name"
    EMAIL = "email"
    QUALIFICATIONS = "qualifications"  # how many unexpired qualifications
    NEXT_SHIFT = "next_shift"
    HOURS = "hours"
    JOINED = "joined"


@dataclass(frozen=True)
class DirectoryQuery:
    """Which volunteers to list and in what order.

    ``text``: every word must appear in the name or email, ignoring case and accents.
    ``qualification_id``: only people holding it, unexpired.  ``available_weekday``
    (0 = Monday): only people with weekly availability that day.  Missing values (an email,
    a next shift) sort last whichever the direction; ties go by name.
    """

    text: str = ""
    qualification_id: QualificationId | None = None
    available_weekday: int | None = None
    include_archived: bool = False
    sort: DirectorySort = DirectorySort.NAME
    descending: bool = False


@dataclass(frozen=True, slots=True)
class DirectoryRow:
    """One volunteer as the directory lists them (nothing sensitive).

    ``qualifications`` names what they hold by name, expired ones marked:
    "First aid (expired), Food hygiene".
    """

    id: VolunteerId
    name: str
    email: str | None
    pronouns: str
    active: bool
    joined_on: date
    qualifications: str
    next_shift_at: datetime | None
    next_shift_title: str
    next_shift_role: str
    hours_this_month: float
    version: int


@dataclass(frozen=True, slots=True)
class HeldSummary:
    """A qualification someone holds."""

    name: str
    obtained_on: date | None
    expires_on: date | None
    expired: bool


@dataclass(frozen=True, slots=True)
class UpcomingShift:
    """One of a volunteer's next shifts."""

    starts_at: datetime
    ends_at: datetime
    title: str
    role: str
    status: AssignmentStatus


@dataclass(frozen=True, slots=True)
class ConsentSummary:
    """What a volunteer agreed to, when, and whether they withdrew it."""

    covers: str
    given_on: date
    withdrawn_on: date | None


@dataclass(frozen=True)
class VolunteerSummary:
    """What a side panel may show about one volunteer: no phone, emergency contact or notes.

    ``blackouts`` are those not over yet; ``upcoming`` the next few shifts.
    """

    id: VolunteerId
    name: str
    pronouns: str
    email: str | None
    active: bool
    joined_on: date
    timezone: str
    max_hours_per_week: float | None
    max_hours_per_month: float | None
    hours_this_month: float
    qualifications: tuple[HeldSummary, ...]
    availability: tuple[WeeklyWindow, ...]
    blackouts: tuple[Blackout, ...]
    upcoming: tuple[UpcomingShift, ...]
    consents: tuple[ConsentSummary, ...]
    version: int


def fold(text: str | None) -> str | None:
    """``text`` for matching: case-folded, accents removed ("Zoë" → "zoe")."""
    if text is None:
        return None
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


# SQLite calls this once per row and name; the same few thousand names come back each time.
_fold_for_sql = lru_cache(maxsize=65_536)(fold)


class DirectoryService(Service):
    """Read-only views of the volunteer directory.

    ``clock`` gives "now" (next shifts, expired qualifications) and ``zone`` the time zone
    days and months are counted in; they default to the real clock and this computer's zone.
    """

    def __init__(
        self,
        db: Database,
        actor: str,
        *,
        clock: Callable[[], datetime] = utc_now,
        zone: tzinfo | None = None,
    ) -> None:
        super().__init__(db, actor)
        self.clock = clock
        self.zone = zone

    def page(self, query: DirectoryQuery, offset: int = 0, limit: int = 100) -> list[DirectoryRow]:
        """Up to ``limit`` volunteers matching ``query`` from position ``offset``, in order."""
        moment = self._moment()
        statement = self._ordered(query).offset(max(offset, 0)).limit(max(limit, 0))
        with self.db.read() as session:
            connection = self._connection(session.connection())
            ids = [row[0] for row in connection.execute(statement, moment.params)]
            return _rows(connection, ids, moment)

    def count(self, query: DirectoryQuery) -> int:
        """How many volunteers match ``query``."""
        statement = select(func.count(Volunteer.id)).where(*self._conditions(query))
        with self.db.read() as session:
            connection = self._connection(session.connection())
            return int(connection.execute(statement, self._moment().params).scalar_one())

    def ordered_ids(self, query: DirectoryQuery) -> list[VolunteerId]:
        """The ids of every volunteer matching ``query``, in its order.

        A list keeps a snapshot of these and fetches rows with :meth:`rows` as it scrolls, so
        an expensive order (next shift, hours) is worked out once, not once a page.
        """
        with self.db.read() as session:
            connection = self._connection(session.connection())
            result = connection.execute(self._ordered(query), self._moment().params)
            return list(result.scalars())

    def rows(self, ids: Sequence[int]) -> list[DirectoryRow]:
        """The directory rows for ``ids``, in that order (deleted volunteers left out)."""
        if not ids:
            return []
        with self.db.read() as session:
            return _rows(session.connection(), list(ids), self._moment())

    def summary(self, volunteer_id: int) -> VolunteerSummary | None:
        """What a side panel shows about one volunteer, or ``None`` if they were deleted."""
        moment = self._moment()
        params = {**moment.params, "volunteer_id": volunteer_id, "ids": [volunteer_id]}
        with self.db.read() as session:
            connection = session.connection()
            found = connection.execute(_SUMMARY_PERSON, params).first()
            if found is None:
                return None
            held = _held_by(connection, [volunteer_id], moment.today).get(volunteer_id, [])
            hours = dict(_hours(connection, params))
            windows = connection.execute(_SUMMARY_WINDOWS, params).all()
            blackouts = connection.execute(_SUMMARY_BLACKOUTS, params).all()
            consents = connection.execute(_SUMMARY_CONSENTS, params).all()
            shifts = connection.execute(_SUMMARY_UPCOMING, params).all()
        vid, name, pronouns, email, active, joined_on, tz, week, month, version = found
        return VolunteerSummary(
            id=VolunteerId(vid),
            name=name,
            pronouns=pronouns,
            email=email,
            active=active,
            joined_on=joined_on,
            timezone=tz,
            max_hours_per_week=week,
            max_hours_per_month=month,
            hours_this_month=round(hours.get(vid, 0.0), 2),
            qualifications=tuple(held),
            availability=tuple(WeeklyWindow(*row) for row in windows),
            blackouts=tuple(Blackout(*row) for row in blackouts),
            upcoming=tuple(_upcoming_shift(row) for row in shifts),
            consents=tuple(ConsentSummary(*row) for row in consents),
            version=version,
        )

    # Query building --------------------------------------------------------------------------

    def _moment(self) -> _Moment:
        return _Moment.of(self.clock(), self.zone)

    def _connection(self, connection: Connection) -> Connection:
        """The connection, with the accent-folding function SQLite needs for searching."""
        if connection.dialect.name == "sqlite":
            raw = connection.connection.driver_connection
            assert raw is not None
            raw.create_function(FOLD_FUNCTION, 1, _fold_for_sql, deterministic=True)
        return connection

    def _folded(self, column: QueryableAttribute[Any]) -> ColumnElement[Any]:
        if self.db.is_sqlite:
            return getattr(func, FOLD_FUNCTION)(column)  # type: ignore[no-any-return]
        return func.lower(column)

    def _conditions(self, query: DirectoryQuery) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if not query.include_archived:
            conditions.append(Volunteer.active.is_(True))
        for word in (fold(query.text) or "").split():
            pattern = f"%{_escape_like(word)}%"
            conditions.append(
                or_(
                    self._folded(Volunteer.name).like(pattern, escape="\\"),
                    self._folded(Volunteer.email).like(pattern, escape="\\"),
                )
            )
        if query.qualification_id is not None:
            conditions.append(
                select(VolunteerQualification.volunteer_id)
                .where(
                    VolunteerQualification.volunteer_id == Volunteer.id,
                    VolunteerQualification.qualification_id == query.qualification_id,
                    _UNEXPIRED,
                )
                .exists()
            )
        if query.available_weekday is not None:
            if not 0 <= query.available_weekday <= 6:
                return [false()]
            conditions.append(
                select(AvailabilityWindow.id)
                .where(
                    AvailabilityWindow.volunteer_id == Volunteer.id,
                    AvailabilityWindow.weekday == query.available_weekday,
                )
                .exists()
            )
        return conditions

    def _ordered(self, query: DirectoryQuery) -> Select[*tuple[Any, ...]]:
        """Matching volunteers' ids in the query's order (each key worked out once a row)."""
        name = self._folded(Volunteer.name)
        key, nullable = {
            DirectorySort.NAME: (name, False),
            DirectorySort.EMAIL: (func.nullif(func.lower(Volunteer.email), ""), True),
            DirectorySort.QUALIFICATIONS: (_QUALIFICATION_COUNT, False),
            DirectorySort.NEXT_SHIFT: (_next_assignment(_SHIFT_START_KEY), True),
            DirectorySort.HOURS: (func.coalesce(_MONTH_HOURS.c.hours, literal(0.0)), False),
            DirectorySort.JOINED: (Volunteer.joined_on, False),
        }[query.sort]
        statement: Select[*tuple[Any, ...]] = select(Volunteer.id).where(*self._conditions(query))
        if query.sort is DirectorySort.HOURS:
            statement = statement.outerjoin(
                _MONTH_HOURS, _MONTH_HOURS.c.volunteer_id == Volunteer.id
            )
        direction = key.desc() if query.descending else key.asc()
        order = [direction.nulls_last() if nullable else direction]
        if query.sort is not DirectorySort.NAME:
            order.append(name.asc())
        order.append(Volunteer.id.desc() if query.descending else Volunteer.id.asc())
        return statement.order_by(*order)


@dataclass(frozen=True)
class _Moment:
    """Now, today and this month's bounds, as one call sees them."""

    now: datetime
    today: date
    month_start: datetime
    month_end: datetime

    @classmethod
    def of(cls, now: datetime, zone: tzinfo | None) -> _Moment:
        local = now.astimezone(zone) if zone is not None else now.astimezone()
        first = local.date().replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        where = zone if zone is not None else local.tzinfo

        def start_of(day: date) -> datetime:
            return datetime.combine(day, time(), where).astimezone(UTC)

        return cls(now, local.date(), start_of(first), start_of(following))

    @property
    def params(self) -> dict[str, Any]:
        """The statements' parameters for this moment."""
        return {
            "now": self.now,
            "today": self.today,
            "month_start": self.month_start,
            "month_end": self.month_end,
        }


class _HoursBetween(FunctionElement[float]):
    """Hours from one instant to another, in SQL (each dialect says it differently)."""

    type = Float()
    inherit_cache = True
    name = "hours_between"


@compiles(_HoursBetween, "sqlite")
def _hours_between_sqlite(element: _HoursBetween, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"((julianday({end}) - julianday({start})) * 24.0)"


@compiles(_HoursBetween)
def _hours_between_default(element: _HoursBetween, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"(EXTRACT(EPOCH FROM ({end} - {start})) / 3600.0)"


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _with_occurrence(
    statement: Select[*tuple[Any, ...]], *, outer: bool = False
) -> Select[*tuple[Any, ...]]:
    """Join an assignment select to its shift, event, occurrence and any override."""
    same_occurrence = and_(
        OccurrenceRow.event_id == Shift.event_id,
        OccurrenceRow.recurrence_id == Assignment.occurrence_start,
    )
    statement = statement.join(Shift, Shift.id == Assignment.shift_id).join(
        Event, Event.id == Shift.event_id
    )
    statement = (
        statement.outerjoin(OccurrenceRow, same_occurrence)
        if outer
        else statement.join(OccurrenceRow, same_occurrence)
    )
    return statement.outerjoin(
        OccurrenceOverride,
        and_(
            OccurrenceOverride.event_id == Shift.event_id,
            OccurrenceOverride.recurrence_id == Assignment.occurrence_start,
        ),
    )


_UNEXPIRED = or_(
    VolunteerQualification.expires_on.is_(None),
    VolunteerQualification.expires_on >= bindparam("today"),
)
_GOES_AHEAD = and_(
    Event.status != EventStatus.CANCELLED,
    or_(
        OccurrenceOverride.status.is_(None),
        OccurrenceOverride.status != EventStatus.CANCELLED,
    ),
)
_IDS: BindParameter[list[int]] = bindparam("ids", expanding=True)
# Hours from a fixed instant to a shift's real start: a sort key every dialect can compute.
_SHIFT_START_KEY = (
    _HoursBetween(literal(datetime(2000, 1, 1, tzinfo=UTC), UTCDateTime()), OccurrenceRow.starts_at)
    + func.coalesce(Shift.start_offset_min, 0) / 60.0
)
# Index order: a volunteer on two shifts of one occurrence gets the one assigned first.
_SHIFT_ORDER = (Assignment.occurrence_start, Assignment.id)
_SHIFT_COLUMNS = (
    Assignment.volunteer_id,
    OccurrenceRow.starts_at,
    OccurrenceRow.ends_at,
    Shift.start_offset_min,
    Shift.end_offset_min,
    func.coalesce(OccurrenceOverride.title, Event.title),
    Shift.role,
    Assignment.status,
)


def _upcoming(*columns: Any) -> Select[*tuple[Any, ...]]:
    """Place-holding assignments on live occurrences scheduled from ``:now`` on."""
    return _with_occurrence(select(*columns).select_from(Assignment)).where(
        Assignment.occurrence_start >= bindparam("now"),
        Assignment.status.in_(PLACE_HOLDING),
        _GOES_AHEAD,
    )


def _next_assignment(column: Any) -> ColumnElement[Any]:
    """``column`` of each volunteer's next shift (correlated to ``Volunteer``)."""
    return (
        _upcoming(column)
        .where(Assignment.volunteer_id == Volunteer.id)
        .order_by(*_SHIFT_ORDER)
        .limit(1)
        .correlate(Volunteer)
        .scalar_subquery()
    )


def _month_hours() -> Select[*tuple[Any, ...]]:
    """(volunteer_id, hours) this month, by the rule in the module's docstring."""
    occurrence_hours = _HoursBetween(OccurrenceRow.starts_at, OccurrenceRow.ends_at)
    window = (
        func.coalesce(Shift.end_offset_min / 60.0, occurrence_hours)
        - func.coalesce(Shift.start_offset_min, 0) / 60.0
    )
    scheduled = case((window > MAX_SHIFT_HOURS, MAX_SHIFT_HOURS), else_=window)
    attended = Assignment.attendance == Attendance.ATTENDED
    counted = case(
        (Assignment.attendance.in_([Attendance.NO_SHOW, Attendance.EXCUSED]), 0.0),
        (and_(attended, Assignment.hours.is_not(None)), Assignment.hours),
        (
            and_(
                attended, Assignment.actual_start.is_not(None), Assignment.actual_end.is_not(None)
            ),
            _HoursBetween(Assignment.actual_start, Assignment.actual_end),
        ),
        (attended, scheduled),
        (
            and_(
                Assignment.status.in_(PLACE_HOLDING),
                OccurrenceRow.event_id.is_not(None),
                _GOES_AHEAD,
            ),
            scheduled,
        ),
        else_=0.0,
    )
    statement = select(Assignment.volunteer_id, func.sum(counted).label("hours"))
    return (
        _with_occurrence(statement.select_from(Assignment), outer=True)
        .where(
            Assignment.occurrence_start >= bindparam("month_start"),
            Assignment.occurrence_start < bindparam("month_end"),
        )
        .group_by(Assignment.volunteer_id)
    )


_MONTH_HOURS = _month_hours().subquery("month_hours")
_HOURS_FOR_IDS = _month_hours().where(Assignment.volunteer_id.in_(_IDS))
_QUALIFICATION_COUNT = (
    select(func.count())
    .where(VolunteerQualification.volunteer_id == Volunteer.id, _UNEXPIRED)
    .correlate(Volunteer)
    .scalar_subquery()
)
_PEOPLE_FOR_IDS = select(
    Volunteer.id,
    Volunteer.name,
    Volunteer.email,
    Volunteer.pronouns,
    Volunteer.active,
    Volunteer.joined_on,
    Volunteer.version,
).where(Volunteer.id.in_(_IDS))
_NEXT_FOR_IDS = select(_next_assignment(Assignment.id)).where(Volunteer.id.in_(_IDS))
_SHIFT_DETAILS = _with_occurrence(select(*_SHIFT_COLUMNS).select_from(Assignment)).where(
    Assignment.id.in_(bindparam("assignment_ids", expanding=True))
)
_HELD_FOR_IDS = (
    select(
        VolunteerQualification.volunteer_id,
        Qualification.name,
        VolunteerQualification.obtained_on,
        VolunteerQualification.expires_on,
    )
    .join(Qualification, Qualification.id == VolunteerQualification.qualification_id)
    .where(VolunteerQualification.volunteer_id.in_(_IDS))
    .order_by(VolunteerQualification.volunteer_id, Qualification.name)
)
_SUMMARY_PERSON = select(
    Volunteer.id,
    Volunteer.name,
    Volunteer.pronouns,
    Volunteer.email,
    Volunteer.active,
    Volunteer.joined_on,
    Volunteer.timezone,
    Volunteer.max_hours_per_week,
    Volunteer.max_hours_per_month,
    Volunteer.version,
).where(Volunteer.id == bindparam("volunteer_id"))
_SUMMARY_WINDOWS = (
    select(AvailabilityWindow.weekday, AvailabilityWindow.starts, AvailabilityWindow.ends)
    .where(AvailabilityWindow.volunteer_id == bindparam("volunteer_id"))
    .order_by(AvailabilityWindow.weekday, AvailabilityWindow.starts)
)
_SUMMARY_BLACKOUTS = (
    select(BlackoutPeriod.starts_on, BlackoutPeriod.ends_on, BlackoutPeriod.reason)
    .where(
        BlackoutPeriod.volunteer_id == bindparam("volunteer_id"),
        BlackoutPeriod.ends_on >= bindparam("today"),
    )
    .order_by(BlackoutPeriod.starts_on)
)
_SUMMARY_CONSENTS = (
    select(ConsentRecord.covers, ConsentRecord.given_on, ConsentRecord.withdrawn_on)
    .where(ConsentRecord.volunteer_id == bindparam("volunteer_id"))
    .order_by(ConsentRecord.given_on, ConsentRecord.id)
)
_SUMMARY_UPCOMING = (
    _upcoming(*_SHIFT_COLUMNS)
    .where(Assignment.volunteer_id == bindparam("volunteer_id"))
    .order_by(*_SHIFT_ORDER)
    .limit(UPCOMING_IN_SUMMARY)
)


def _upcoming_shift(row: Any) -> UpcomingShift:
    _, starts, ends, start_offset, end_offset, title, role, status = row
    shift_start, shift_end = shift_times(starts, ends, start_offset, end_offset)
    return UpcomingShift(shift_start, shift_end, title, role, AssignmentStatus(status))


def _hours(connection: Connection, params: dict[str, Any]) -> dict[int, float]:
    return {vid: float(hours or 0.0) for vid, hours in connection.execute(_HOURS_FOR_IDS, params)}


def _held_by(connection: Connection, ids: list[int], today: date) -> dict[int, list[HeldSummary]]:
    held: dict[int, list[HeldSummary]] = defaultdict(list)
    for vid, name, obtained, expires in connection.execute(_HELD_FOR_IDS, {"ids": ids}):
        expired = expires is not None and expires < today
        held[vid].append(HeldSummary(name, obtained, expires, expired))
    return held


def _rows(connection: Connection, ids: list[int], moment: _Moment) -> list[DirectoryRow]:
    """Directory rows for ``ids`` in that order, with a few queries for all of them."""
    if not ids:
        return []
    params = {**moment.params, "ids": ids}
    people = {int(row[0]): row for row in connection.execute(_PEOPLE_FOR_IDS, params)}
    held = _held_by(connection, ids, moment.today)
    hours = dict(_hours(connection, params))
    chosen = [aid for aid in connection.execute(_NEXT_FOR_IDS, params).scalars() if aid]
    upcoming = {
        row[0]: _upcoming_shift(row)
        for row in connection.execute(_SHIFT_DETAILS, {"assignment_ids": chosen})
    }
    rows: list[DirectoryRow] = []
    for vid in ids:
        if vid not in people:
            continue
        _, name, email, pronouns, active, joined_on, version = people[vid]
        shift = upcoming.get(vid)
        rows.append(
            DirectoryRow(
                id=VolunteerId(vid),
                name=name,
                email=email,
                pronouns=pronouns,
                active=active,
                joined_on=joined_on,
                qualifications=", ".join(
                    f"{item.name} (expired)" if item.expired else item.name
                    for item in held.get(vid, ())
                ),
                next_shift_at=shift.starts_at if shift else None,
                next_shift_title=shift.title if shift else "",
                next_shift_role=shift.role if shift else "",
                hours_this_month=round(hours.get(vid, 0.0), 2),
                version=version,
            )
        )
    return rows


__all__ = [
    "ConsentSummary",
    "DirectoryQuery",
    "DirectoryRow",
    "DirectoryService",
    "DirectorySort",
    "HeldSummary",
    "UpcomingShift",
    "VolunteerSummary",
    "fold",
]
