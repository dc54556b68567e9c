"""Events and their occurrences, shifts (role slots) and assignments."""

from __future__ import annotations

import json
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from itertools import compress
from operator import itemgetter, not_, or_
from typing import Any, ClassVar

from sqlalchemy import Connection, Select, func, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.interfaces import ORMOption

from organizer.errors import DomainError, ValidationError
from organizer.models import (
    Assignment,
    AssignmentStatus,
    Attendance,
    Cause,
    Event,
    EventException,
    EventStatus,
    Location,
    OccurrenceOverride,
    OccurrenceRow,
    Qualification,
    Shift,
    Volunteer,
    new_calendar_uid,
)
from organizer.models.ids import CauseId, EventId, LocationId, QualificationId, ShiftId, VolunteerId
from organizer.recurrence import expand, normalise_rule, periodic, series_end, zone
from organizer.services.base import CrudService, chunks
from organizer.services.driver_rows import (
    Instants,
    Reader,
    driver_rows,
    sqlite_rows,
    stored_instant,
)
from organizer.services.occurrence_table import OccurrenceTable
from organizer.services.occurrences import (
    HORIZON_KEY,
    LONG_OCCURRENCE,
    extend_horizon,
    horizon_from,
    refresh_event,
    stored_horizon,
)
from organizer.storage import Database
from organizer.validation import Problems, strip_or_none
from organizer.wording import english_date

# Changes to these fields matter to a volunteer's calendar, so they raise SEQUENCE.
CALENDAR_FIELDS = frozenset(
    {
        "title",
        "description",
        "starts_at",
        "ends_at",
        "timezone",
        "all_day",
        "status",
        "rrule",
        "location_id",
    }
)


@dataclass(frozen=True)
class EventDraft:
    """Every editable field of an event (a one-off or a whole series)."""

    title: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    description: str = ""
    cause_id: CauseId | None = None
    location_id: LocationId | None = None
    all_day: bool = False
    capacity: int | None = None
    status: EventStatus = EventStatus.SCHEDULED
    rrule: str | None = None


@dataclass(frozen=True, slots=True)
class OccurrenceInfo:
    """One occurrence as calendars and lists show it (series values with overrides applied)."""

    event_id: EventId
    recurrence_id: datetime
    starts_at: datetime
    ends_at: datetime
    title: str
    timezone: str
    all_day: bool
    status: EventStatus
    cause_id: CauseId | None
    location_id: LocationId | None
    is_recurring: bool
    overridden: bool
    event_version: int


OccurrenceTuple = tuple[
    EventId,
    datetime,
    datetime,
    datetime,
    str,
    str,
    bool,
    EventStatus,
    CauseId | None,
    LocationId | None,
    bool,
    bool,
    int,
]
"""An :class:`OccurrenceInfo`'s fields, in order, as a plain tuple."""


OCCURRENCE_FIELDS = frozenset({"starts_at", "ends_at", "timezone", "all_day", "rrule"})
"""The fields of an event that say when its occurrences are."""


class EventService(CrudService[Event, EventDraft]):
    """Events and series, with the occurrences a calendar shows.

    Its plain ``update`` refuses to change the times or rule of an event people are
    booked on: such a change goes through :class:`~organizer.services.series.SeriesService`,
    which takes the people booked along and never rewrites dates already worked.
    """

    model: ClassVar[type[Any]] = Event
    entity: ClassVar[str] = "event"
    order_by: ClassVar[Sequence[Any]] = (Event.starts_at, Event.id)

    def __init__(self, db: Database, actor: str) -> None:
        """Work on ``db`` as ``actor``."""
        super().__init__(db, actor)
        self._walks = SeriesWalks()

    def load_options(self) -> Sequence[ORMOption]:
        """An editor shows the cause, location, shifts, exceptions and overrides."""
        return (
            selectinload(Event.cause),
            selectinload(Event.location),
            selectinload(Event.shifts).selectinload(Shift.qualification),
            selectinload(Event.exceptions),
            selectinload(Event.overrides),
        )

    def validate(self, session: Session, draft: EventDraft, existing_id: int | None) -> EventDraft:
        """Title present, end after start, known zone, capacity ≥ 1, a usable repeat rule."""
        draft = replace(draft, title=draft.title.strip(), rrule=strip_or_none(draft.rrule))
        problems = Problems()
        problems.text("title", draft.title, label="Title", max_length=200)
        problems.aware("starts_at", draft.starts_at, label="The start")
        problems.aware("ends_at", draft.ends_at, label="The end")
        try:
            zone(draft.timezone)
        except ValidationError as error:
            problems.items.extend(error.problems)
        times_given = not problems.has("starts_at") and not problems.has("ends_at")
        if times_given and draft.ends_at <= draft.starts_at:
            problems.add("ends_at", "The end must be after the start.")
        problems.at_least("capacity", draft.capacity, 1, label="Capacity")
        _check_reference(problems, session, Cause, draft.cause_id, "cause_id", "cause")
        _check_reference(problems, session, Location, draft.location_id, "location_id", "location")
        if draft.rrule and not problems.items:
            try:
                draft = replace(
                    draft, rrule=normalise_rule(draft.rrule, draft.starts_at, draft.timezone)
                )
            except ValidationError as error:
                problems.items.extend(error.problems)
        problems.raise_if_any()
        return draft

    def after_apply(self, session: Session, row: Event, changed: list[str]) -> None:
        """Give new events a calendar UID; keep the series end and SEQUENCE up to date."""
        if row.uid is None:
            row.uid = new_calendar_uid()
            row.sequence = 0
        elif CALENDAR_FIELDS.intersection(changed):
            row.sequence = (row.sequence or 0) + 1
        row.recurrence_end = series_end(row.rrule, row.starts_at, row.ends_at, row.timezone)

    def before_update(self, session: Session, row: Event, changed: list[str]) -> None:
        """Refuse to move or drop occurrences people are booked on.

        Their bookings would be left pointing at times the event no longer has.
        """
        if not OCCURRENCE_FIELDS.intersection(changed):
            return
        booked = select(Assignment.id).join(Shift, Shift.id == Assignment.shift_id)
        if session.scalar(booked.where(Shift.event_id == row.id).limit(1)) is not None:
            raise DomainError(
                f"People are booked on “{row.title}”. Change its dates and times in the event "
                "editor, which takes their bookings along."
            )

    def after_flush(self, session: Session, row: Event) -> None:
        """Keep the occurrence index in step with the event."""
        refresh_event(session, row)

    def occurrences_between(
        self,
        start: datetime,
        end: datetime,
        *,
        cause_ids: Iterable[int] | None = None,
        include_cancelled: bool = True,
    ) -> list[OccurrenceInfo]:
        """Every occurrence overlapping ``[start, end)``, ordered by start.

        Read from the occurrence index: removed occurrences are absent, and moved or
        retitled ones carry their own times, title, place and status.
        """
        return [
            OccurrenceInfo(*row)
            for row in self.occurrence_rows(
                start, end, cause_ids=cause_ids, include_cancelled=include_cancelled
            )
        ]

    def occurrence_rows(
        self,
        start: datetime,
        end: datetime,
        *,
        cause_ids: Iterable[int] | None = None,
        include_cancelled: bool = True,
        driver_rows: bool = True,
    ) -> list[OccurrenceTuple]:
        """What :meth:`occurrences_between` gives, as plain tuples in its fields' order.

        For views reading thousands of occurrences at a time (a month of the calendar).  On
        SQLite the stored rows are read straight from the driver (see
        :func:`_sqlite_occurrences`) unless ``driver_rows`` is false; the result is the same.
        """
        causes = None if cause_ids is None else list(cause_ids)
        with self.db.read() as session:
            connection = session.connection()
            if driver_rows and connection.dialect.name == "sqlite":
                result = _sqlite_occurrences(connection, start, end, causes, include_cancelled)
                horizon = _sqlite_horizon(connection)
            else:
                rows: list[Any] = []
                for long in (False, True):
                    rows.extend(
                        connection.execute(_index_query(start, end, long=long, causes=causes)).all()
                    )
                changed = _overrides_for(session, [(r[0], r[1]) for r in rows if r[4]])
                result = _listed(rows, changed, include_cancelled)
                horizon = stored_horizon(session)
            if end > horizon:
                beyond = _beyond_horizon(session, start, end, horizon, causes, self._walks)
                result.extend(_listed(beyond, {}, include_cancelled))
        result.sort(key=_OCCURRENCE_ORDER)
        return result

    def occurrence_table(
        self, start: datetime, end: datetime, *, known: KnownEvents | None = None
    ) -> OccurrenceTable:
        """The occurrences :meth:`occurrence_rows` lists, for a view showing few of each day.

        Every cause, cancelled ones too.  On SQLite, within the stored index, the timed
        occurrences stay as the driver read them until the view asks for them.

        ``known``: events' values read before, current still (the caller forgets those of
        events that changed).  On SQLite, within the stored index, only the other events
        are read, and added to it, so a calendar paging through months reads each series
        once rather than every month; elsewhere it is left alone.
        """
        if self.db.is_sqlite:
            with self.db.driver_read() as driver:
                if end <= _sqlite_horizon(driver):
                    return _sqlite_table(driver, start, end, known)
        return OccurrenceTable.of(self.occurrence_rows(start, end))

    def calendar_labels(
        self,
    ) -> tuple[list[tuple[CauseId, str, str]], dict[LocationId, str]]:
        """What calendars label occurrences with, read lightly.

        Every cause as ``(id, name, colour)`` in name order, and every place's name by id.
        """
        with self.db.read() as session:
            connection = session.connection()
            causes = [
                (cause_id, name, colour)
                for cause_id, name, colour in driver_rows(connection, _CAUSE_LABELS, {})
            ]
            places = dict(driver_rows(connection, _PLACE_LABELS, {}))
        return causes, places

    def extend_horizon(self) -> bool:
        """Store endless series' occurrences further ahead when the index nears its end."""
        if self.db.read_only:
            return False
        with self.db.write() as session:
            return extend_horizon(session)

    def remove_occurrence(
        self, event_id: int, expected_version: int, recurrence_id: datetime
    ) -> Event:
        """Take one occurrence out of a series (it stays in the record as an exception)."""

        def change(_: Session, row: Event) -> None:
            _require_occurrence(row, recurrence_id)
            row.exceptions.append(EventException(occurrence_start=recurrence_id))
            row.sequence += 1

        return self._modify(
            event_id,
            expected_version,
            f"Removed the occurrence on {english_date(recurrence_id, '%d %b %Y')}",
            change,
        )

    def change_occurrence(
        self,
        event_id: int,
        expected_version: int,
        recurrence_id: datetime,
        *,
        starts_at: datetime | None = None,
        ends_at: datetime | None = None,
        title: str | None = None,
        description: str | None = None,
        location_id: LocationId | None = None,
        status: EventStatus | None = None,
    ) -> Event:
        """Change one occurrence of a series only ("this occurrence")."""
        problems = Problems()
        if title is not None:
            problems.text("title", title, label="Title", max_length=200)
        if starts_at is not None:
            problems.aware("starts_at", starts_at, label="The start")
        if ends_at is not None:
            problems.aware("ends_at", ends_at, label="The end")
        problems.raise_if_any()

        def change(_: Session, row: Event) -> None:
            _require_occurrence(row, recurrence_id)
            existing = next((o for o in row.overrides if o.recurrence_id == recurrence_id), None)
            override = existing or OccurrenceOverride(recurrence_id=recurrence_id, sequence=0)
            if existing is None:
                self._stamp(override, creating=True)
                row.overrides.append(override)
            else:
                self._stamp(override)
                override.sequence += 1
            for name, value in (
                ("starts_at", starts_at),
                ("ends_at", ends_at),
                ("title", title.strip() if title is not None else None),
                ("description", description),
                ("location_id", location_id),
                ("status", status),
            ):
                if value is not None:
                    setattr(override, name, value)
            duration = row.ends_at - row.starts_at
            start = override.starts_at or recurrence_id
            end = override.ends_at or start + duration
            if end <= start:
                raise ValidationError.single("ends_at", "The end must be after the start.")
            row.sequence += 1

        return self._modify(
            event_id,
            expected_version,
            f"Changed the occurrence on {english_date(recurrence_id, '%d %b %Y')}",
            change,
        )

    def set_status(self, event_id: int, expected_version: int, status: EventStatus) -> Event:
        """Schedule, cancel or return an event to draft."""

        def change(_: Session, row: Event) -> None:
            if row.status != status:
                row.status = status
                row.sequence += 1

        return self._modify(event_id, expected_version, f"Set status to {status.value}", change)


def _check_reference(
    problems: Problems,
    session: Session,
    model: type[Any],
    value: int | None,
    field: str,
    label: str,
) -> None:
    if value is not None and session.get(model, value) is None:
        problems.add(field, f"That {label} no longer exists.")


_INDEX_COLUMNS = (
    OccurrenceRow.event_id,
    OccurrenceRow.recurrence_id,
    OccurrenceRow.starts_at,
    OccurrenceRow.ends_at,
    OccurrenceRow.overridden,
    Event.title,
    Event.timezone,
    Event.all_day,
    Event.status,
    Event.cause_id,
    Event.location_id,
    Event.rrule,
    Event.version,
)


def _index_query(
    start: datetime, end: datetime, *, long: bool, causes: list[int] | None
) -> Select[*tuple[Any, ...]]:
    """Occurrences overlapping the window; short ones use a bounded look-back on the index."""
    query: Select[*tuple[Any, ...]] = (
        select(*_INDEX_COLUMNS)
        .join(Event, Event.id == OccurrenceRow.event_id)
        .where(
            OccurrenceRow.long.is_(long),
            OccurrenceRow.starts_at < end,
            OccurrenceRow.ends_at > start,
        )
    )
    if not long:
        query = query.where(OccurrenceRow.starts_at > start - LONG_OCCURRENCE)
    if causes is not None:
        query = query.where(Event.cause_id.in_(causes))
    return query


OverrideValues = tuple[str | None, LocationId | None, EventStatus | None]
"""An override's title, place and status (each ``None`` where the series' value stands)."""


def _overrides_for(
    session: Session, keys: list[tuple[int, datetime]]
) -> dict[tuple[int, datetime], OverrideValues]:
    found: dict[tuple[int, datetime], OverrideValues] = {}
    if not keys:
        return found
    wanted = set(keys)
    event_ids, earliest, latest = _override_window(keys)
    columns = (
        OccurrenceOverride.event_id,
        OccurrenceOverride.recurrence_id,
        OccurrenceOverride.title,
        OccurrenceOverride.location_id,
        OccurrenceOverride.status,
    )
    for chunk in chunks(event_ids):
        query = select(*columns).where(
            OccurrenceOverride.event_id.in_(chunk),
            OccurrenceOverride.recurrence_id >= earliest,
            OccurrenceOverride.recurrence_id <= latest,
        )
        for event_id, recurrence_id, title, location_id, status in session.execute(query):
            key = (event_id, recurrence_id)
            if key in wanted:
                found[key] = (title, location_id, status)
    return found


def _listed(
    rows: Iterable[Sequence[Any]],
    changed: dict[tuple[int, datetime], OverrideValues],
    include_cancelled: bool,
) -> list[OccurrenceTuple]:
    """Rows in ``_INDEX_COLUMNS`` order as occurrence tuples, with their overrides applied."""
    result: list[OccurrenceTuple] = []
    append = result.append
    cancelled = EventStatus.CANCELLED
    for row in rows:
        (event_id, recurrence_id, starts, ends, overridden, title, tz, all_day, status, cause_id,
         location_id, rrule, version) = row  # fmt: skip
        if overridden and (override := changed.get((event_id, recurrence_id))) is not None:
            title = override[0] or title
            location_id = override[1] or location_id
            status = override[2] or status
        if include_cancelled or status != cancelled:
            append((event_id, recurrence_id, starts, ends, title, tz, all_day, status, cause_id,
                    location_id, rrule is not None, overridden, version))  # fmt: skip
    return result


def _sqlite_index_select(long: bool, also: str = "", recurrence: str = "recurrence_id") -> str:
    """One half of :data:`_SQLITE_OCCURRENCES`: the short or the long occurrences.

    ``also`` adds columns after the index's five; ``recurrence`` is what the second is.
    """
    return (
        f"SELECT event_id, {recurrence}, starts_at, ends_at, overridden{also} FROM occurrences"
        f" WHERE long IS {int(long)} AND starts_at < :end AND ends_at > :start"
        + ("" if long else " AND starts_at > :look_back")
    )


# What _index_query reads of the index, short then long occurrences, in one statement.
# The short half's look-back keeps SQLite on ix_occurrences_long for it.  The events'
# columns are read once per event (_SQLITE_EVENTS), not once per occurrence by a join.
# These run on every month the calendar reads, so the driver runs them as plain SQL.
_SQLITE_OCCURRENCES = (
    _sqlite_index_select(long=False) + " UNION ALL " + _sqlite_index_select(long=True)
)
_UNMOVED_AS_NULL = "NULLIF(recurrence_id, starts_at)"

# What _SQLITE_OCCURRENCES reads, and whether each occurrence lasts a day or more (see
# spans_days; whether its event is all-day is looked up afterwards, a set lookup per row
# being quicker in Python than a subquery's in SQLite).  An occurrence ending on the day
# (in UTC) it starts does not last a day; one ending on a later day at a later time of
# day does; for the rest, its end is compared with its start's stored text a day on.
# Long occurrences last two days or more.  An occurrence where its series put it has its
# start as its recurrence id, which is then read as NULL: most are, and a month has
# thousands not drawn, whose text would be made for nothing.
_SQLITE_TABLE = (
    _sqlite_index_select(
        long=False,
        also=", CASE"
        " WHEN substr(ends_at, 1, 10) = substr(starts_at, 1, 10) THEN 0"
        " WHEN substr(ends_at, 12) >= substr(starts_at, 12) THEN 1"
        " ELSE ends_at >= strftime('%Y-%m-%d %H:%M:%S', starts_at, '+1 day')"
        " || substr(starts_at, 20) END",
        recurrence=_UNMOVED_AS_NULL,
    )
    + " UNION ALL "
    + _sqlite_index_select(long=True, also=", 1", recurrence=_UNMOVED_AS_NULL)
)

# Lists of ids are JSON, so that each statement stays the same for any number of them.
_SQLITE_EVENTS = (
    "SELECT id, title, timezone, all_day, status, cause_id, location_id, rrule IS NOT NULL,"
    " version"
    " FROM events WHERE id IN (SELECT value FROM json_each(:events))"
    " AND (:every_cause OR cause_id IN (SELECT value FROM json_each(:causes)))"
)

_SQLITE_OVERRIDES = (
    "SELECT event_id, recurrence_id, title, location_id, status FROM occurrence_overrides"
    " WHERE event_id IN (SELECT value FROM json_each(:events))"
    " AND recurrence_id >= :earliest AND recurrence_id <= :latest"
)

_SQLITE_HORIZON = "SELECT value FROM file_info WHERE key = :key"

_CAUSE_LABELS = select(Cause.id, Cause.name, Cause.colour).order_by(Cause.name, Cause.id)
_PLACE_LABELS = select(Location.id, Location.name)

_STATUSES = {status.value: status for status in EventStatus}

_EventValues = tuple[str, str, bool, EventStatus, CauseId | None, LocationId | None, bool, int]
"""An event's title, zone, all-day, status, cause, place, whether it repeats, and version."""

KnownEvents = dict[int, _EventValues]
"""What :meth:`EventService.occurrence_table` reads of each event, by id, to keep between
reads (see there)."""


def _sqlite_occurrences(
    connection: Connection,
    start: datetime,
    end: datetime,
    causes: list[int] | None,
    include_cancelled: bool,
) -> list[OccurrenceTuple]:
    """The index's occurrences as the portable path lists them, from the driver's rows.

    Unsorted, and without those past the stored horizon.
    """
    rows = sqlite_rows(connection, _SQLITE_OCCURRENCES, _sqlite_window(start, end))
    if not rows:
        return []
    convert = _StoredRows(connection, rows, causes)
    cancelled = EventStatus.CANCELLED
    return [
        found
        for found in map(convert, rows)
        if found is not None and (include_cancelled or found[7] is not cancelled)
    ]


def _sqlite_window(start: datetime, end: datetime) -> dict[str, str]:
    """The parameters of :data:`_SQLITE_OCCURRENCES` (and its kin) for a window."""
    return {
        "start": stored_instant(start),
        "end": stored_instant(end),
        "look_back": stored_instant(start - LONG_OCCURRENCE),
    }


class _StoredRows:
    """Turns index rows read from the driver into occurrence tuples, as the portable path would.

    Each stored time's text is parsed once and each event's values are read and converted
    once; overrides are matched by instant, as the portable path matches them.  Rows of
    events not of ``causes`` (when given) become ``None``.
    """

    def __init__(
        self,
        connection: Reader,
        rows: Sequence[Sequence[Any]],
        causes: list[int] | None,
        known: KnownEvents | None = None,
    ) -> None:
        """Ready to convert ``rows`` (whose first five columns are the index's).

        A row's recurrence id may be NULL where it is the same as its start.  Events in
        ``known`` (used only when every cause is wanted) are not read again; those read
        are added to it.
        """
        statuses = _STATUSES
        self.wanted = set(map(itemgetter(0), rows))
        if known is None or causes is not None:
            known, missing = {}, self.wanted
        else:
            missing = self.wanted.difference(known)
        if missing:
            read = sqlite_rows(
                connection,
                _SQLITE_EVENTS,
                {
                    "events": json.dumps(list(missing)),
                    "every_cause": causes is None,
                    "causes": json.dumps([int(cause) for cause in causes or ()]),
                },
            )
            for event_id, title, tz, all_day, status, cause, place, recurring, version in read:
                known[event_id] = (
                    title,
                    tz,
                    bool(all_day),
                    statuses[status],
                    cause,
                    place,
                    bool(recurring),
                    version,
                )
        self.events: KnownEvents = known
        """Each wanted event's values (and maybe others'); one not of the causes is not here."""
        self.instants = instants = Instants()
        events = self.events
        self.changed = _sqlite_overrides(
            connection,
            [
                (row[0], instants[row[1] or row[2]])
                for row in compress(rows, map(itemgetter(4), rows))
                if row[0] in events
            ],
        )

    def __call__(self, row: Sequence[Any]) -> OccurrenceTuple | None:
        """``row`` as an occurrence tuple (``None`` if its event is not of the causes)."""
        event_id, stored_id, starts, ends, overridden = row[:5]
        event = self.events.get(event_id)
        if event is None:
            return None
        title, tz, all_day, status, cause_id, location_id, recurring, version = event
        instants = self.instants
        recurrence_id = instants[stored_id or starts]
        if overridden and (override := self.changed.get((event_id, recurrence_id))) is not None:
            title = override[0] or title
            location_id = override[1] or location_id
            status = override[2] or status
        return (event_id, recurrence_id, instants[starts], instants[ends], title, tz, all_day,
                status, cause_id, location_id, recurring, bool(overridden), version)  # fmt: skip

    def ordered(self, rows: Sequence[Sequence[Any]]) -> list[Sequence[Any]]:
        """``rows`` in the table's order: by start, title, event, recurrence id.

        Stored instants are compared as text, which orders those this program wrote.  The
        keys are put together in C; only retitled occurrences' titles are looked up one
        by one.
        """
        events = self.events
        ids = list(map(itemgetter(0), rows))
        titles = map(itemgetter(0), map(events.__getitem__, ids))
        recurrence_ids = [row[1] or row[2] for row in rows]
        keys = list(zip(map(itemgetter(2), rows), titles, ids, recurrence_ids, strict=True))
        for place in compress(range(len(rows)), map(itemgetter(4), rows)):
            row = rows[place]
            override = self.changed.get((row[0], self.instants[recurrence_ids[place]]))
            if override and override[0]:
                keys[place] = (row[2], override[0], row[0], recurrence_ids[place])
        return list(map(rows.__getitem__, sorted(range(len(rows)), key=keys.__getitem__)))

    def one(self, row: Sequence[Any]) -> OccurrenceTuple:
        """``row`` as an occurrence tuple, when no causes were chosen."""
        found = self(row)
        assert found is not None  # every event is read when no causes are chosen
        return found


def _sqlite_table(
    connection: Reader, start: datetime, end: datetime, known: KnownEvents | None
) -> OccurrenceTable:
    """:meth:`EventService.occurrence_table` from the driver's rows (none past the horizon)."""
    rows = sqlite_rows(connection, _SQLITE_TABLE, _sqlite_window(start, end))
    if not rows:
        return OccurrenceTable([], [], [], _nothing, _nothing)
    convert = _StoredRows(connection, rows, None, known)
    spans = list(map(itemgetter(5), rows))
    events = convert.events
    all_day = {event_id for event_id in convert.wanted if events[event_id][2]}
    if all_day:
        spans = list(map(or_, spans, map(all_day.__contains__, map(itemgetter(0), rows))))
    if any(spans):
        spanning = list(map(convert.one, compress(rows, spans)))
        rows = list(compress(rows, map(not_, spans)))
    else:
        spanning = []
    rows.sort(key=itemgetter(2))
    return OccurrenceTable(
        spanning, list(map(itemgetter(2), rows)), rows, convert.one, convert.ordered
    )


def _nothing(row: Any) -> Any:
    raise IndexError(row)


def _sqlite_overrides(
    connection: Reader, keys: list[tuple[int, datetime]]
) -> dict[tuple[int, datetime], OverrideValues]:
    """What :func:`_overrides_for` finds for ``keys``, in one query read from the driver."""
    if not keys:
        return {}
    event_ids, earliest, latest = _override_window(keys)
    parameters = {
        "events": json.dumps(event_ids),
        "earliest": stored_instant(earliest),
        "latest": stored_instant(latest),
    }
    statuses = _STATUSES
    parsed = Instants()
    return {
        (event_id, parsed[stored_id]): (
            title,
            location_id,
            None if status is None else statuses[status],
        )
        for event_id, stored_id, title, location_id, status in sqlite_rows(
            connection, _SQLITE_OVERRIDES, parameters
        )
    }


def _override_window(keys: list[tuple[int, datetime]]) -> tuple[list[int], datetime, datetime]:
    """The events, then the first and last instants, to look for ``keys``' overrides in."""
    instants = [instant for _, instant in keys]
    return sorted({event_id for event_id, _ in keys}), min(instants), max(instants)


def _sqlite_horizon(connection: Reader) -> datetime:
    """:func:`stored_horizon`, read from the driver."""
    found = sqlite_rows(connection, _SQLITE_HORIZON, {"key": HORIZON_KEY})
    return horizon_from(found[0][0] if found else None)


class SeriesWalks:
    """Occurrences of endless series seen past the horizon, to walk on from next time.

    Paging on through months beyond the stored index then walks each rule only from the
    last page seen, not from the series' start.  A new version of an event starts afresh.
    """

    def __init__(self) -> None:
        """Start with nothing seen."""
        self._seen: dict[tuple[int, int], list[datetime]] = {}

    def before(self, event_id: int, version: int, instant: datetime) -> datetime | None:
        """The latest occurrence seen of ``event_id`` at ``version`` before ``instant``."""
        seen = self._seen.get((event_id, version), [])
        place = bisect_left(seen, instant)
        return seen[place - 1] if place else None

    def note(self, event_id: int, version: int, instant: datetime) -> None:
        """Remember that ``event_id`` at ``version`` has an occurrence at ``instant``."""
        seen = self._seen.setdefault((event_id, version), [])
        place = bisect_left(seen, instant)
        if place == len(seen) or seen[place] != instant:
            seen.insert(place, instant)


RESUME_MARGIN = timedelta(days=7)
"""How far before a window a remembered occurrence must be to walk on from it.

It must come before anything that could still run into the window; :func:`expand` checks
and walks from the series' start if it does not.
"""


def _beyond_horizon(
    session: Session,
    start: datetime,
    end: datetime,
    horizon: datetime,
    causes: list[int] | None,
    walks: SeriesWalks,
) -> list[tuple[Any, ...]]:
    """Occurrences of endless series past the stored horizon, expanded on the fly.

    Each is a tuple in the order of ``_INDEX_COLUMNS``.  A series is walked on from the
    latest occurrence known before the window (seen earlier, or its last stored one)
    rather than from its first, so a month years ahead is not slower than the next.
    """
    query = select(
        Event.id,
        Event.rrule,
        Event.starts_at,
        Event.ends_at,
        Event.title,
        Event.timezone,
        Event.all_day,
        Event.status,
        Event.cause_id,
        Event.location_id,
        Event.version,
    ).where(Event.rrule.is_not(None), Event.recurrence_end.is_(None))
    if causes is not None:
        query = query.where(Event.cause_id.in_(causes))
    events = session.execute(query).all()
    if not events:
        return []
    window_start = max(start, horizon)
    resume = {
        event.id: walks.before(event.id, event.version, window_start - RESUME_MARGIN)
        for event in events
    }
    # A rule repeating every so many days or weeks skips ahead by itself; the others walk on
    # from their last stored occurrence when no later one was seen.
    unplaced = [e.id for e in events if resume[e.id] is None and periodic(e.rrule) is None]
    exceptions: dict[int, list[datetime]] = defaultdict(list)
    last_stored: dict[int, datetime] = {}
    for batch in chunks([event.id for event in events]):
        for event_id, instant in session.execute(
            select(EventException.event_id, EventException.occurrence_start).where(
                EventException.event_id.in_(batch)
            )
        ):
            exceptions[event_id].append(instant)
    for batch in chunks(unplaced):
        latest = (
            select(func.max(OccurrenceRow.recurrence_id))
            .where(OccurrenceRow.event_id == Event.id, OccurrenceRow.recurrence_id < horizon)
            .scalar_subquery()
        )
        last = select(Event.id, latest).where(Event.id.in_(batch))
        last_stored.update(
            (event_id, instant) for event_id, instant in session.execute(last) if instant
        )
    found: list[tuple[Any, ...]] = []
    for event in events:
        resume_from = resume[event.id]
        first = True
        for occurrence in expand(
            event.rrule,
            event.starts_at,
            event.ends_at,
            event.timezone,
            window_start,
            end,
            exceptions.get(event.id, ()),
            resume_from=resume_from or last_stored.get(event.id),
        ):
            if first:
                walks.note(event.id, event.version, occurrence.recurrence_id)
                first = False
            if occurrence.recurrence_id < horizon:
                continue
            found.append(
                (
                    event.id,
                    occurrence.recurrence_id,
                    occurrence.starts_at,
                    occurrence.ends_at,
                    False,
                    event.title,
                    event.timezone,
                    event.all_day,
                    event.status,
                    event.cause_id,
                    event.location_id,
                    event.rrule,
                    event.version,
                )
            )
    return found


_OCCURRENCE_ORDER = itemgetter(2, 4, 0, 1)
"""Occurrences are listed by start, then title, then event id, then recurrence id."""


def _require_occurrence(row: Event, recurrence_id: datetime) -> None:
    if not row.rrule:
        raise DomainError("Only a repeating event has separate occurrences.")
    if not occurrence_exists(row, recurrence_id):
        raise ValidationError.single(
            "recurrence_id", "This event has no occurrence starting at that time."
        )


def occurrence_exists(
    row: Event, recurrence_id: datetime, *, include_removed: bool = False
) -> bool:
    """Whether ``recurrence_id`` is an occurrence of the event (a one-off's own start)."""
    if not row.rrule:
        return recurrence_id == row.starts_at
    removed = () if include_removed else [e.occurrence_start for e in row.exceptions]
    window = timedelta(seconds=1)
    return any(
        o.recurrence_id == recurrence_id
        for o in expand(
            row.rrule,
            row.starts_at,
            row.ends_at,
            row.timezone,
            recurrence_id - window,
            recurrence_id + window,
            removed,
        )
    )


@dataclass(frozen=True)
class ShiftDraft:
    """Every editable field of a role slot on an event."""

    event_id: EventId
    role: str
    needed: int = 1
    qualification_id: QualificationId | None = None
    occurrence_start: datetime | None = None
    start_offset_min: int | None = None
    end_offset_min: int | None = None
    notes: str = ""


class ShiftService(CrudService[Shift, ShiftDraft]):
    """Role slots: who is needed on an event, how many, with what qualification."""

    model: ClassVar[type[Any]] = Shift
    entity: ClassVar[str] = "shift"
    order_by: ClassVar[Sequence[Any]] = (Shift.event_id, Shift.id)

    def load_options(self) -> Sequence[ORMOption]:
        """The shift's qualification is shown with it."""
        return (selectinload(Shift.qualification),)

    def validate(self, session: Session, draft: ShiftDraft, existing_id: int | None) -> ShiftDraft:
        """Role named, at least one needed, own times inside the event, a real occurrence."""
        draft = replace(draft, role=draft.role.strip())
        problems = Problems()
        problems.text("role", draft.role, label="Role", max_length=120)
        if draft.needed < 1:
            problems.add("needed", "At least one volunteer must be needed.")
        _check_reference(
            problems,
            session,
            Qualification,
            draft.qualification_id,
            "qualification_id",
            "qualification",
        )
        event = session.get(Event, draft.event_id, options=[selectinload(Event.exceptions)])
        if event is None:
            raise DomainError("This event no longer exists (it may have been deleted).")
        if existing_id is not None:
            current = session.get(Shift, existing_id)
            if current is not None and current.event_id != draft.event_id:
                problems.add("event_id", "A shift cannot move to another event.")
        minutes = int((event.ends_at - event.starts_at).total_seconds() // 60)
        start, end = draft.start_offset_min, draft.end_offset_min
        if start is not None and not 0 <= start < minutes:
            problems.add("start_offset_min", "The shift must start during the event.")
        if end is not None and not 0 < end <= minutes:
            problems.add("end_offset_min", "The shift must end by the end of the event.")
        if start is not None and end is not None and end <= start:
            problems.add("end_offset_min", "The shift must end after it starts.")
        if draft.occurrence_start is not None and not occurrence_exists(
            event, draft.occurrence_start
        ):
            problems.add("occurrence_start", "The event has no occurrence at that time.")
        problems.raise_if_any()
        return draft

    def describe(self, row: Shift) -> str:
        """Shifts are named by role."""
        return f"shift “{row.role}”"

    def for_event(self, event_id: int) -> list[Shift]:
        """The role slots of one event, in the order they were added."""
        query = (
            select(Shift)
            .where(Shift.event_id == event_id)
            .options(selectinload(Shift.qualification))
            .order_by(Shift.id)
        )
        with self.db.read() as session:
            return list(session.scalars(query))


@dataclass(frozen=True)
class AssignmentDraft:
    """Every editable field of an assignment (a volunteer on a shift, one occurrence)."""

    shift_id: ShiftId
    volunteer_id: VolunteerId
    occurrence_start: datetime
    status: AssignmentStatus = AssignmentStatus.PROPOSED
    attendance: Attendance | None = None
    hours: float | None = None
    actual_start: datetime | None = None
    actual_end: datetime | None = None
    override_reason: str = ""
    note: str = ""


class AssignmentService(CrudService[Assignment, AssignmentDraft]):
    """Who does which shift on which occurrence, and what happened on the day."""

    model: ClassVar[type[Any]] = Assignment
    entity: ClassVar[str] = "assignment"
    order_by: ClassVar[Sequence[Any]] = (Assignment.occurrence_start, Assignment.id)

    def load_options(self) -> Sequence[ORMOption]:
        """An assignment is shown with its volunteer and shift."""
        return (selectinload(Assignment.volunteer), selectinload(Assignment.shift))

    def describe(self, row: Assignment) -> str:
        """Named by shift and occurrence."""
        when = english_date(row.occurrence_start, "%d %b %Y %H:%M")
        return f"assignment on shift {row.shift_id} at {when}"

    def validate(
        self, session: Session, draft: AssignmentDraft, existing_id: int | None
    ) -> AssignmentDraft:
        """A real shift, occurrence and volunteer; one place per person; sensible hours."""
        problems = Problems()
        shift = session.get(Shift, draft.shift_id)
        if shift is None:
            raise DomainError("This shift no longer exists (it may have been deleted).")
        event = session.get(Event, shift.event_id, options=[selectinload(Event.exceptions)])
        assert event is not None
        if not occurrence_exists(event, draft.occurrence_start):
            problems.add("occurrence_start", "The event has no occurrence at that time.")
        elif (
            shift.occurrence_start is not None and shift.occurrence_start != draft.occurrence_start
        ):
            problems.add("occurrence_start", "This shift is only on another occurrence.")
        volunteer = session.get(Volunteer, draft.volunteer_id)
        if volunteer is None:
            problems.add("volunteer_id", "This volunteer no longer exists.")
        elif not volunteer.active and existing_id is None:
            problems.add("volunteer_id", f"{volunteer.name} is archived.")
        duplicate = select(Assignment.id).where(
            Assignment.shift_id == draft.shift_id,
            Assignment.volunteer_id == draft.volunteer_id,
            Assignment.occurrence_start == draft.occurrence_start,
        )
        if existing_id is not None:
            duplicate = duplicate.where(Assignment.id != existing_id)
        if volunteer is not None and session.scalar(duplicate) is not None:
            problems.add("volunteer_id", f"{volunteer.name} is already on this shift.")
        problems.at_least("hours", draft.hours, 0, label="Hours")
        if draft.hours is not None and draft.hours > 24:
            problems.add("hours", "One shift cannot count for more than 24 hours.")
        for field, value in (
            ("actual_start", draft.actual_start),
            ("actual_end", draft.actual_end),
        ):
            if value is not None:
                problems.aware(field, value, label="The time")
        if (
            draft.actual_start is not None
            and draft.actual_end is not None
            and not problems.has("actual_start")
            and not problems.has("actual_end")
            and draft.actual_end <= draft.actual_start
        ):
            problems.add("actual_end", "The end must be after the start.")
        problems.raise_if_any()
        return replace(draft, override_reason=draft.override_reason.strip())

    def for_shift(
        self, shift_id: int, occurrence_start: datetime | None = None
    ) -> list[Assignment]:
        """The assignments on a shift, for one occurrence or all of them."""
        query = (
            select(Assignment)
            .where(Assignment.shift_id == shift_id)
            .options(selectinload(Assignment.volunteer))
            .order_by(Assignment.occurrence_start, Assignment.id)
        )
        if occurrence_start is not None:
            query = query.where(Assignment.occurrence_start == occurrence_start)
        with self.db.read() as session:
            return list(session.scalars(query))

    def for_volunteer(
        self, volunteer_id: int, start: datetime | None = None, end: datetime | None = None
    ) -> list[Assignment]:
        """A volunteer's assignments, optionally only those starting in ``[start, end)``."""
        query = (
            select(Assignment)
            .where(Assignment.volunteer_id == volunteer_id)
            .options(selectinload(Assignment.shift))
            .order_by(Assignment.occurrence_start, Assignment.id)
        )
        if start is not None:
            query = query.where(Assignment.occurrence_start >= start)
        if end is not None:
            query = query.where(Assignment.occurrence_start < end)
        with self.db.read() as session:
            return list(session.scalars(query))
