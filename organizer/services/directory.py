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

Names and emails are sorted and searched by the keys the database keeps of them (see
:attr:`~organizer.models.Volunteer.name_key`): on SQLite case-folded with the accents
removed, as :func:`~organizer.folding.fold` does to the words searched for.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import Enum, StrEnum
from typing import Any, cast

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
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.functions import FunctionElement

from organizer.folding import fold
from organizer.models import (
    Assignment,
    AssignmentStatus,
    Attendance,
    AvailabilityWindow,
    BlackoutPeriod,
    ConsentRecord,
    Event,
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
from organizer.services.coverage import GOES_AHEAD, PLACE_HOLDING, shift_times, with_occurrence
from organizer.services.driver_rows import sqlite_rows, stored_instant
from organizer.services.volunteers import Blackout, WeeklyWindow
from organizer.storage import Database

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
        self._compiled: dict[DirectoryQuery, tuple[str, dict[str, Any]]] = {}

    def page(self, query: DirectoryQuery, offset: int = 0, limit: int = 100) -> list[DirectoryRow]:
        """Up to ``limit`` volunteers matching ``query`` from position ``offset``, in order."""
        moment = self._moment()
        statement = self._ordered(query).offset(max(offset, 0)).limit(max(limit, 0))
        with self.db.read() as session:
            connection = session.connection()
            ids = [row[0] for row in connection.execute(statement, moment.params)]
            return _rows(connection, ids, moment)

    def first_page(
        self, query: DirectoryQuery, limit: int = 100
    ) -> tuple[list[VolunteerId], list[DirectoryRow]]:
        """Every id matching ``query`` in order, and the rows of the first ``limit`` of them.

        One read answers both, so a list can show its first page and keep the ids as the
        snapshot it scrolls through (:meth:`rows` fetches the rest).
        """
        moment = self._moment()
        with self.db.read() as session:
            connection = session.connection()
            if connection.dialect.name == "sqlite":
                return _first_page_sqlite(
                    connection, self._first_page_sql(query), query, moment, limit
                )
            ids = _all_ids(connection, self._ordered(query), moment.params)
            return ids, _rows(connection, ids[: max(limit, 0)], moment)

    def count(self, query: DirectoryQuery) -> int:
        """How many volunteers match ``query``."""
        statement = select(func.count(Volunteer.id)).where(*self._conditions(query))
        with self.db.read() as session:
            connection = session.connection()
            return int(connection.execute(statement, self._moment().params).scalar_one())

    def ordered_ids(self, query: DirectoryQuery) -> list[VolunteerId]:
        """The ids of every volunteer matching ``query``, in its order.

        A list keeps a snapshot of these and fetches rows with :meth:`rows` as it scrolls, so
        an expensive order (next shift, hours) is worked out once, not once a page.
        """
        with self.db.read() as session:
            connection = session.connection()
            return _all_ids(connection, self._ordered(query), self._moment().params)

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

    def _first_page_sql(self, query: DirectoryQuery) -> tuple[str, dict[str, Any]]:
        """:data:`_FIRST_PAGE_SQLITE` around the query's order, compiled once per shape.

        Searched words, the qualification and the weekday are named parameters, so queries
        differing only in those share one statement.
        """
        shape = replace(
            query,
            text=" ".join("w" * len(_words(query))),
            qualification_id=None if query.qualification_id is None else QualificationId(0),
            available_weekday=(
                query.available_weekday
                if query.available_weekday is None or not 0 <= query.available_weekday <= 6
                else 0
            ),
        )
        found = self._compiled.get(shape)
        if found is None:
            # Every parameter needs a value to write IN lists out; the moment's are replaced.
            ordered = (
                self._ordered(shape)
                .params(self._moment().params)
                .compile(dialect=_NAMED_SQLITE, compile_kwargs={"render_postcompile": True})
            )
            values = ordered.construct_expanded_state().parameters
            fixed = {name: _sqlite_value(value) for name, value in values.items()}
            sql = _FIRST_PAGE_SQLITE.replace("{ordered}", ordered.string)
            found = self._compiled[shape] = (sql, fixed)
        return found

    def _moment(self) -> _Moment:
        return _Moment.of(self.clock(), self.zone)

    def _conditions(self, query: DirectoryQuery) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if not query.include_archived:
            conditions.append(Volunteer.active.is_(True))
        # Elsewhere than SQLite the columns are only lower-cased, so the words keep accents.
        words = _words(query) if self.db.is_sqlite else query.text.casefold().split()
        for number, word in enumerate(words):
            pattern: BindParameter[str] = bindparam(f"word{number}", f"%{_escape_like(word)}%")
            conditions.append(
                or_(
                    Volunteer.name_key.like(pattern, escape="\\"),
                    Volunteer.email_key.like(pattern, escape="\\"),
                )
            )
        if query.qualification_id is not None:
            conditions.append(
                select(VolunteerQualification.volunteer_id)
                .where(
                    VolunteerQualification.volunteer_id == Volunteer.id,
                    VolunteerQualification.qualification_id
                    == bindparam("qualification_id", query.qualification_id),
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
                    AvailabilityWindow.weekday == bindparam("weekday", query.available_weekday),
                )
                .exists()
            )
        return conditions

    def _ordered(self, query: DirectoryQuery) -> Select[*tuple[Any, ...]]:
        """Matching volunteers' ids in the query's order (each key worked out once a row)."""
        name = Volunteer.name_key
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


def _words(query: DirectoryQuery) -> list[str]:
    return (fold(query.text) or "").split()


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


_UNEXPIRED = or_(
    VolunteerQualification.expires_on.is_(None),
    VolunteerQualification.expires_on >= bindparam("today"),
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
    return with_occurrence(select(*columns).select_from(Assignment)).where(
        Assignment.occurrence_start >= bindparam("now"),
        Assignment.status.in_(PLACE_HOLDING),
        GOES_AHEAD,
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
                GOES_AHEAD,
            ),
            scheduled,
        ),
        else_=0.0,
    )
    statement = select(Assignment.volunteer_id, func.sum(counted).label("hours"))
    return (
        with_occurrence(statement.select_from(Assignment), outer=True)
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
_SHIFT_DETAILS = with_occurrence(select(*_SHIFT_COLUMNS).select_from(Assignment)).where(
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


def _all_ids(
    connection: Connection, statement: Select[*tuple[Any, ...]], params: dict[str, Any]
) -> list[VolunteerId]:
    """The ids ``statement`` selects, fetched from the driver's cursor in one go.

    Thousands of plain integers need none of SQLAlchemy's per-row processing, which would
    cost more than the query itself.
    """
    result = connection.execute(statement, params)
    try:
        return [VolunteerId(row[0]) for row in result.cursor.fetchall()]
    finally:
        result.close()


def _rows(connection: Connection, ids: Sequence[int], moment: _Moment) -> list[DirectoryRow]:
    """Directory rows for ``ids`` in that order, with a few queries for all of them."""
    if not ids:
        return []
    if connection.dialect.name == "sqlite":
        return _rows_sqlite(connection, ids, moment)
    return _rows_portable(connection, ids, moment)


def _rows_portable(
    connection: Connection, ids: Sequence[int], moment: _Moment
) -> list[DirectoryRow]:
    """:func:`_rows` with SQLAlchemy's statements, for any database."""
    ids = list(ids)
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


_PLACE_HOLDING_SQL = ", ".join(f"'{status.value}'" for status in PLACE_HOLDING)
# SQLite gets a page in one statement: the same rules as the statements above (see the
# module's docstring), written out so the driver runs it with no per-row overhead.  ``page``
# is (position, volunteer, their next shift's assignment); ``{snapshot}`` is a column that
# carries every matching id, comma-separated, on the first row.
_PAGE_PERSON_SQLITE = f"""
       v.id, v.name, v.email, v.pronouns, v.active, v.joined_on, v.version,
       (SELECT a.id FROM assignments a
          JOIN shifts s ON s.id = a.shift_id
          JOIN events e ON e.id = s.event_id
          JOIN occurrences o
            ON o.event_id = s.event_id AND o.recurrence_id = a.occurrence_start
          LEFT JOIN occurrence_overrides oo
            ON oo.event_id = s.event_id AND oo.recurrence_id = a.occurrence_start
         WHERE a.volunteer_id = v.id AND a.occurrence_start >= :now
           AND a.status IN ({_PLACE_HOLDING_SQL})
           AND e.status != 'cancelled' AND (oo.status IS NULL OR oo.status != 'cancelled')
         ORDER BY a.occurrence_start, a.id LIMIT 1) AS next_id"""
_PAGE_DETAILS_SQLITE = f"""
SELECT p.id, p.name, p.email, p.pronouns, p.active, p.joined_on, p.version,
       (SELECT group_concat(label, ', ') FROM (
          SELECT q.name || CASE WHEN vq.expires_on < :today THEN ' (expired)' ELSE '' END
                 AS label
            FROM volunteer_qualifications vq
            JOIN qualifications q ON q.id = vq.qualification_id
           WHERE vq.volunteer_id = p.id
           ORDER BY q.name)),
       o.starts_at, s.start_offset_min, coalesce(oo.title, e.title), s.role,
       (SELECT sum(CASE
          WHEN a.attendance IN ('no_show', 'excused') THEN 0.0
          WHEN a.attendance = 'attended' AND a.hours IS NOT NULL THEN a.hours
          WHEN a.attendance = 'attended' AND a.actual_start IS NOT NULL
               AND a.actual_end IS NOT NULL
            THEN (julianday(a.actual_end) - julianday(a.actual_start)) * 24.0
          WHEN a.attendance = 'attended'
               OR (a.status IN ({_PLACE_HOLDING_SQL})
                   AND mo.event_id IS NOT NULL AND me.status != 'cancelled'
                   AND (mx.status IS NULL OR mx.status != 'cancelled'))
            THEN min({MAX_SHIFT_HOURS}, coalesce(ms.end_offset_min / 60.0,
                                    (julianday(mo.ends_at) - julianday(mo.starts_at)) * 24.0)
                           - coalesce(ms.start_offset_min, 0) / 60.0)
          ELSE 0.0 END)
          FROM assignments a
          JOIN shifts ms ON ms.id = a.shift_id
          JOIN events me ON me.id = ms.event_id
          LEFT JOIN occurrences mo
            ON mo.event_id = ms.event_id AND mo.recurrence_id = a.occurrence_start
          LEFT JOIN occurrence_overrides mx
            ON mx.event_id = ms.event_id AND mx.recurrence_id = a.occurrence_start
         WHERE a.volunteer_id = p.id
           AND a.occurrence_start >= :month_start AND a.occurrence_start < :month_end),
       {{snapshot}}
  FROM page p
  LEFT JOIN assignments na ON na.id = p.next_id
  LEFT JOIN shifts s ON s.id = na.shift_id
  LEFT JOIN events e ON e.id = s.event_id
  LEFT JOIN occurrences o ON o.event_id = s.event_id AND o.recurrence_id = na.occurrence_start
  LEFT JOIN occurrence_overrides oo
    ON oo.event_id = s.event_id AND oo.recurrence_id = na.occurrence_start
 ORDER BY p.position
"""
# The rows for ``:ids`` (a JSON array), in its order.
_PAGE_SQLITE = f"""
WITH page AS (
  SELECT CAST(j.key AS INTEGER) AS position, {_PAGE_PERSON_SQLITE}
    FROM json_each(:ids) AS j JOIN volunteers v ON v.id = j.value
)""" + _PAGE_DETAILS_SQLITE.replace("{snapshot}", "NULL")
# Every id ``{ordered}`` selects, and the rows of the first ``:limit``.
_FIRST_PAGE_SQLITE = f"""
WITH ordered AS MATERIALIZED ({{ordered}}),
chosen AS (SELECT id, row_number() OVER () AS position FROM ordered LIMIT :limit),
page AS (
  SELECT c.position, {_PAGE_PERSON_SQLITE}
    FROM chosen c JOIN volunteers v ON v.id = c.id
)""" + _PAGE_DETAILS_SQLITE.replace(
    "{snapshot}", "CASE WHEN p.position = 1 THEN (SELECT group_concat(id) FROM ordered) END"
)
_NAMED_SQLITE = SQLiteDialect_pysqlite(paramstyle="named")


def _rows_sqlite(connection: Connection, ids: Sequence[int], moment: _Moment) -> list[DirectoryRow]:
    """Directory rows for ``ids`` in that order, in one SQLite statement."""
    params = {**_stored_params(moment), "ids": json.dumps(list(ids))}
    return [_sqlite_row(found) for found in sqlite_rows(connection, _PAGE_SQLITE, params)]


def _first_page_sqlite(
    connection: Connection,
    compiled: tuple[str, dict[str, Any]],
    query: DirectoryQuery,
    moment: _Moment,
    limit: int,
) -> tuple[list[VolunteerId], list[DirectoryRow]]:
    """Every id matching ``query`` in order and the first ``limit`` rows, in one statement."""
    sql, fixed = compiled
    params = {**fixed, **_stored_params(moment), "limit": max(limit, 1)}
    params.update((f"word{n}", f"%{_escape_like(word)}%") for n, word in enumerate(_words(query)))
    params["qualification_id"] = query.qualification_id
    params["weekday"] = query.available_weekday
    found = sqlite_rows(connection, sql, params)
    if not found:
        return [], []
    ids = cast(list[VolunteerId], list(map(int, found[0][-1].split(","))))  # thousands
    return ids, [_sqlite_row(row) for row in found[: max(limit, 0)]]


def _sqlite_row(found: Any) -> DirectoryRow:
    vid, name, email, pronouns, active, joined, version, held, *shift, hours, _ = found
    starts, start_offset, title, role = shift
    next_at = None
    if starts is not None:
        next_at = datetime.fromisoformat(starts + "+00:00")
        if start_offset is not None:
            next_at += timedelta(minutes=start_offset)
    return DirectoryRow(
        id=VolunteerId(vid),
        name=name,
        email=email,
        pronouns=pronouns,
        active=bool(active),
        joined_on=date.fromisoformat(joined),
        qualifications=held or "",
        next_shift_at=next_at,
        next_shift_title=title or "",
        next_shift_role=role or "",
        hours_this_month=round(float(hours or 0.0), 2),
        version=version,
    )


def _stored_params(moment: _Moment) -> dict[str, str]:
    return {
        "now": stored_instant(moment.now),
        "today": moment.today.isoformat(),
        "month_start": stored_instant(moment.month_start),
        "month_end": stored_instant(moment.month_end),
    }


def _sqlite_value(value: Any) -> Any:
    """A parameter as SQLite files store it (instants as naive UTC text, days as ISO text)."""
    if isinstance(value, datetime):
        return stored_instant(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


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
