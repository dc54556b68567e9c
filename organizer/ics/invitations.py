"""One volunteer's shifts as calendar items, and the invitation files made from them.

An invitation (METHOD:REQUEST) or its withdrawal (METHOD:CANCEL) holds exactly one UID, the
assignment's, with the coordinator as ORGANIZER and the one volunteer as ATTENDEE.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from icalendar import Alarm, vCalAddress
from sqlalchemy import ColumnElement, Select, SQLColumnExpression, and_, func, not_, or_, select
from sqlalchemy.orm import Session, aliased

from organizer.ics.export import assemble, clean_text, item_component, widen_zones
from organizer.models import (
    Assignment,
    Cause,
    Event,
    EventStatus,
    Location,
    OccurrenceOverride,
    OccurrenceRow,
    PublishedItem,
    Shift,
)
from organizer.models.ids import CauseId, VolunteerId
from organizer.services.base import chunks
from organizer.services.coverage import PLACE_HOLDING, shift_times
from organizer.services.occurrences import stored_horizon


@dataclass(frozen=True)
class Person:
    """An ORGANIZER or ATTENDEE: a display name and an email address."""

    name: str
    email: str


@dataclass(frozen=True)
class CalendarItem:
    """One volunteer's shift occurrence as it appears in their calendar."""

    uid: str
    sequence: int
    summary: str
    description: str
    location: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    all_day: bool
    cancelled: bool


def content_key(item: CalendarItem) -> str:
    """A hex digest of everything the volunteer would care about (not the SEQUENCE)."""
    parts = (
        item.starts_at.isoformat(),
        item.ends_at.isoformat(),
        item.timezone,
        "1" if item.all_day else "0",
        item.summary,
        item.description,
        item.location,
        "1" if item.cancelled else "0",
    )
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def request(
    item: CalendarItem,
    organizer: Person,
    attendee: Person,
    *,
    reminder_minutes: int | None,
    now: datetime,
) -> bytes:
    """A METHOD:REQUEST file inviting ``attendee`` to ``item`` (creates or updates it).

    ``reminder_minutes`` adds one display alarm that many minutes before the start.

    Raises:
        ValueError: ``item`` is cancelled (iTIP allows no cancelled REQUEST: use :func:`cancel`).
    """
    if item.cancelled:
        raise ValueError("a cancelled item is withdrawn with cancel(), not requested")
    component = item_component(item, now.astimezone(UTC))
    _add_people(component, organizer, attendee, rsvp=True)
    if reminder_minutes is not None:
        alarm = Alarm()
        alarm.add("ACTION", "DISPLAY")
        alarm.add("DESCRIPTION", clean_text(item.summary, single_line=True) or "Reminder")
        alarm.add("TRIGGER", timedelta(minutes=-reminder_minutes))
        component.add_component(alarm)
    return _file(item, component.to_ical(), "REQUEST")


def cancel(item: CalendarItem, organizer: Person, attendee: Person, *, now: datetime) -> bytes:
    """A METHOD:CANCEL file withdrawing ``item`` (STATUS:CANCELLED, no alarm).

    The caller passes the raised SEQUENCE in ``item``.
    """
    cancelled = item if item.cancelled else _replace_cancelled(item)
    component = item_component(cancelled, now.astimezone(UTC))
    _add_people(component, organizer, attendee, rsvp=False)
    return _file(item, component.to_ical(), "CANCEL")


def _replace_cancelled(item: CalendarItem) -> CalendarItem:
    from dataclasses import replace

    return replace(item, cancelled=True)


def _file(item: CalendarItem, component: bytes, method: str) -> bytes:
    zones: dict[str, tuple[int, int]] = {}
    if not item.all_day and item.timezone != "UTC":
        widen_zones(zones, item.timezone, item.starts_at.year, item.ends_at.year)
    return assemble([component], zones, method=method)


def _address(person: Person) -> vCalAddress:
    address = vCalAddress(f"mailto:{person.email.strip()}")
    name = clean_text(person.name, single_line=True).replace('"', "'")
    if name:
        address.params["CN"] = name
    return address


def _add_people(component: Any, organizer: Person, attendee: Person, *, rsvp: bool) -> None:
    component.add("ORGANIZER", _address(organizer))
    guest = _address(attendee)
    guest.params["CUTYPE"] = "INDIVIDUAL"
    guest.params["ROLE"] = "REQ-PARTICIPANT"
    guest.params["PARTSTAT"] = "NEEDS-ACTION"
    if rsvp:
        guest.params["RSVP"] = "TRUE"
    component.add("ATTENDEE", guest)


def personal_items(
    session: Session,
    volunteer_ids: Collection[VolunteerId] | None,
    *,
    starts: datetime,
    ends: datetime,
    contact: Person | None,
) -> dict[VolunteerId, list[CalendarItem]]:
    """Every place-holding shift occurrence of these volunteers (None = all) in [starts, ends).

    A shift's own times are applied, and a changed occurrence's times, title, description,
    place and status.  An occurrence that was removed from its series, or an event that was
    cancelled, gives a cancelled item.  Drafts are left out.  SEQUENCE is what the volunteer
    was last sent (0 if nothing).  Each volunteer's list is ordered by start.  A few
    set-based queries in all, whatever the number of volunteers.
    """
    found: dict[VolunteerId, list[CalendarItem]] = defaultdict(list)
    if volunteer_ids is not None and not volunteer_ids:
        return {}
    span = _Span.of(session)
    render = _Renderer(session, contact)
    connection = session.connection()
    people = sorted(set(volunteer_ids)) if volunteer_ids is not None else None
    for chunk in [None] if people is None else chunks(people):
        for part in _item_queries(session, chunk, starts - span.before, ends + span.after):
            for row in connection.execute(part.query):
                item = render(row)
                if item is not None and item.starts_at < ends and item.ends_at > starts:
                    found[row.volunteer_id].append(item)
    for items in found.values():
        items.sort(key=lambda i: (i.starts_at, i.summary, i.uid))
    return dict(found)


def count_items(session: Session, *, starts: datetime, ends: datetime) -> int:
    """How many of everyone's :func:`personal_items` start in ``[starts, ends)``.

    Counted in the database, without making the items, except for the few shifts near either
    end of the period whose start depends on their own times.
    """
    span = _Span.of(session)
    lower, upper = starts - span.lowest, ends - span.highest
    render = _Renderer(session, None)
    connection = session.connection()
    total = 0
    for part in _item_queries(session, None, starts - span.before, ends + span.after):
        edge = part.query
        if part.ends is not None:
            inside = and_(part.occurs > lower, part.occurs < upper, part.ends > starts)
            shown = or_(part.override.status.is_(None), part.override.status != EventStatus.DRAFT)
            counted = part.query.where(inside, shown).with_only_columns(func.count())
            total += int(connection.execute(counted).scalar_one())
            edge = part.query.where(not_(inside))
        # Assignments whose occurrence is not in the index are few: each is looked at.
        for row in connection.execute(edge):
            item = render(row)
            if item is not None and starts <= item.starts_at < ends and item.ends_at > starts:
                total += 1
    return total


def item_volunteers(
    session: Session,
    *,
    starts: datetime,
    ends: datetime,
    event_ids: Collection[int] | None = None,
    shift_ids: Collection[int] | None = None,
) -> set[VolunteerId]:
    """Everyone with a place-holding shift whose occurrence is near ``[starts, ends)``.

    Limited to shifts of ``event_ids`` or to ``shift_ids`` when given (both: either).  The
    answer may hold a few more volunteers than :func:`personal_items` would list, never fewer.
    """
    span = _Span.of(session)
    connection = session.connection()
    limits: list[ColumnElement[bool] | None] = []
    if event_ids is None and shift_ids is None:
        limits.append(None)
    for part in chunks(sorted(set(event_ids or ()))):
        limits.append(Shift.event_id.in_(part))
    for part in chunks(sorted(set(shift_ids or ()))):
        limits.append(Shift.id.in_(part))
    found: set[VolunteerId] = set()
    for limit in limits:
        for item_query in _item_queries(
            session, None, starts - span.before, ends + span.after, only=limit
        ):
            query = item_query.query.with_only_columns(item_query.assignment.volunteer_id)
            query = query.distinct()
            found.update(connection.execute(query).scalars())
    return found


@dataclass(frozen=True, slots=True)
class _Span:
    """How far a shift's own times reach from its occurrence's start.

    ``before``/``after`` widen a period so that no occurrence with a shift in it is missed.
    Every shift starts between ``lowest`` and ``highest`` after its occurrence starts, and
    ends after ``lowest``.
    """

    before: timedelta
    after: timedelta
    lowest: timedelta
    highest: timedelta

    @classmethod
    def of(cls, session: Session) -> _Span:
        """The span of the shifts in the database."""
        first_start, last_start, first_end, last_end = session.execute(
            select(
                func.min(Shift.start_offset_min),
                func.max(Shift.start_offset_min),
                func.min(Shift.end_offset_min),
                func.max(Shift.end_offset_min),
            )
        ).one()
        hour = timedelta(hours=1)
        return cls(
            before=timedelta(minutes=max(0, -(first_start or 0))) + hour,
            after=timedelta(minutes=max(0, last_end or 0)) + hour,
            lowest=timedelta(minutes=min(0, first_start or 0, first_end or 0)),
            highest=timedelta(minutes=max(0, last_start or 0)),
        )


class _Renderer:
    """Turns item query rows into calendar items, working out each distinct text once."""

    def __init__(self, session: Session, contact: Person | None) -> None:
        self._locations: dict[int, tuple[str, str]] = {
            row.id: (row.name, row.address)
            for row in session.execute(select(Location.id, Location.name, Location.address))
        }
        self._places: dict[int, str] = {}
        self.causes: dict[CauseId, str] = {
            row.id: row.name for row in session.execute(select(Cause.id, Cause.name))
        }
        self.contact_text = _contact_text(contact)
        self.horizon = stored_horizon(session)
        self._summaries: dict[tuple[str, str], str] = {}
        self._descriptions: dict[tuple[str, str, str, CauseId | None], str] = {}

    def __call__(self, row: _Row) -> CalendarItem | None:
        """The item a row gives, or None for a draft occurrence."""
        status = row.o_status or row.status
        if status == EventStatus.DRAFT:
            return None
        unindexed = "starts_at" not in row._mapping
        # Not in the occurrence index: removed from its series, or beyond the stored horizon.
        removed = unindexed and row.occurrence_start < self.horizon
        if unindexed:
            occurrence_starts = row.occurrence_start
            occurrence_ends = occurrence_starts + (row.event_ends - row.event_starts)
        else:
            occurrence_starts, occurrence_ends = row.starts_at, row.ends_at
        shift_starts, shift_ends = shift_times(
            occurrence_starts, occurrence_ends, row.start_offset_min, row.end_offset_min
        )
        title = row.o_title or row.title
        summary_key = (row.role, title)
        summary = self._summaries.get(summary_key)
        if summary is None:
            summary = clean_text(f"{row.role}: {title}", single_line=True)
            self._summaries[summary_key] = summary
        what = row.o_description if row.o_description is not None else row.description
        description_key = (what, row.role, row.notes, row.cause_id)
        description = self._descriptions.get(description_key)
        if description is None:
            description = _description(
                what, row.role, row.notes, self.causes.get(row.cause_id), self.contact_text
            )
            self._descriptions[description_key] = description
        location_id = row.o_location or row.location_id
        has_own_times = row.start_offset_min is not None or row.end_offset_min is not None
        return CalendarItem(
            uid=row.uid,
            sequence=row.sequence or 0,
            summary=summary,
            description=description,
            location=self._place(location_id),
            starts_at=shift_starts,
            ends_at=shift_ends,
            timezone=row.timezone,
            all_day=bool(row.all_day) and not has_own_times,
            cancelled=removed or status == EventStatus.CANCELLED,
        )

    def _place(self, location_id: int | None) -> str:
        """A location's name and address on one line ("" for none or an unknown one)."""
        if location_id is None:
            return ""
        place = self._places.get(location_id)
        if place is None:
            name, address = self._locations.get(location_id, ("", ""))
            parts = (name.strip(), clean_text(address, single_line=True))
            place = self._places[location_id] = ", ".join(p for p in parts if p)
        return place


_Row = Any


@dataclass(frozen=True)
class _ItemQuery:
    """One of the item queries, with the columns holding its occurrences' start and end."""

    query: Select[*tuple[Any, ...]]
    occurs: SQLColumnExpression[datetime]
    ends: SQLColumnExpression[datetime] | None
    override: Any
    assignment: Any


def _materialize(session: Session) -> bool:
    """Whether to gather the window's occurrences first (SQLite 3.35 and later).

    Without statistics SQLite's planner otherwise matches assignments to occurrences by start
    time alone, across every event: several times slower.
    """
    return session.get_bind().dialect.name == "sqlite" and sqlite3.sqlite_version_info >= (3, 35)


def _item_queries(
    session: Session,
    volunteers: Any,
    window_start: datetime,
    window_end: datetime,
    *,
    only: ColumnElement[bool] | None = None,
) -> list[_ItemQuery]:
    """Assignments on occurrences near the window, and those whose occurrence was removed.

    ``only`` limits the shifts looked at (a condition on :class:`Shift`).
    """
    mine: Any = Assignment
    if volunteers is not None:
        # The volunteers' own assignments first: matched against every occurrence in the
        # window instead, a few hundred volunteers cost seconds.
        theirs = (
            select(Assignment)
            .where(
                Assignment.volunteer_id.in_(list(volunteers)), Assignment.status.in_(PLACE_HOLDING)
            )
            .cte("theirs")
        )
        if _materialize(session):
            theirs = theirs.prefix_with("MATERIALIZED", dialect="sqlite")
        mine = aliased(Assignment, theirs)
    override = aliased(OccurrenceOverride)
    published = aliased(PublishedItem)
    columns = (
        mine.volunteer_id,
        mine.uid,
        mine.occurrence_start,
        Shift.role,
        Shift.notes,
        Shift.start_offset_min,
        Shift.end_offset_min,
        Event.title,
        Event.description,
        Event.timezone,
        Event.all_day,
        Event.status,
        Event.location_id,
        Event.cause_id,
        Event.starts_at.label("event_starts"),
        Event.ends_at.label("event_ends"),
        override.title.label("o_title"),
        override.description.label("o_description"),
        override.location_id.label("o_location"),
        override.status.label("o_status"),
        published.sequence,
    )
    base_filters = [
        mine.status.in_(PLACE_HOLDING),
        Event.status != EventStatus.DRAFT,
    ]
    if only is not None:
        base_filters.append(only)
    short_window = [
        OccurrenceRow.long.is_(False),
        OccurrenceRow.starts_at < window_end,
        OccurrenceRow.starts_at > window_start - timedelta(days=2),
        OccurrenceRow.ends_at > window_start,
    ]
    long_window = [
        OccurrenceRow.long.is_(True),
        OccurrenceRow.starts_at < window_end,
        OccurrenceRow.ends_at > window_start,
    ]
    published_join = and_(published.volunteer_id == mine.volunteer_id, published.uid == mine.uid)
    queries: list[_ItemQuery] = []
    for name, window in (("short", short_window), ("long", long_window)):
        if volunteers is None and only is None:
            slots = (
                select(
                    OccurrenceRow.event_id,
                    OccurrenceRow.recurrence_id,
                    OccurrenceRow.starts_at,
                    OccurrenceRow.ends_at,
                    Shift.id.label("shift_id"),
                )
                .join(Shift, Shift.event_id == OccurrenceRow.event_id)
                .where(*window)
                .cte(f"{name}_slots")
            )
            if _materialize(session):
                slots = slots.prefix_with("MATERIALIZED", dialect="sqlite")
            query = (
                select(*columns, slots.c.starts_at, slots.c.ends_at)
                .select_from(slots)
                .join(
                    mine,
                    and_(
                        mine.shift_id == slots.c.shift_id,
                        mine.occurrence_start == slots.c.recurrence_id,
                    ),
                )
                .join(Shift, Shift.id == slots.c.shift_id)
                .join(Event, Event.id == slots.c.event_id)
                .outerjoin(
                    override,
                    and_(
                        override.event_id == slots.c.event_id,
                        override.recurrence_id == slots.c.recurrence_id,
                    ),
                )
                .outerjoin(published, published_join)
                .where(*base_filters)
            )
            queries.append(_ItemQuery(query, slots.c.starts_at, slots.c.ends_at, override, mine))
            continue
        query = (
            select(*columns, OccurrenceRow.starts_at, OccurrenceRow.ends_at)
            .select_from(mine)
            .join(Shift, Shift.id == mine.shift_id)
            .join(
                OccurrenceRow,
                and_(
                    OccurrenceRow.event_id == Shift.event_id,
                    OccurrenceRow.recurrence_id == mine.occurrence_start,
                ),
            )
            .join(Event, Event.id == OccurrenceRow.event_id)
            .outerjoin(
                override,
                and_(
                    override.event_id == OccurrenceRow.event_id,
                    override.recurrence_id == OccurrenceRow.recurrence_id,
                ),
            )
            .outerjoin(published, published_join)
            .where(*base_filters, *window)
        )
        queries.append(
            _ItemQuery(query, OccurrenceRow.starts_at, OccurrenceRow.ends_at, override, mine)
        )
    orphan_window_start = window_start - timedelta(days=2)
    removed = (
        select(*columns)
        .select_from(mine)
        .join(Shift, Shift.id == mine.shift_id)
        .join(Event, Event.id == Shift.event_id)
        .outerjoin(
            override,
            and_(
                override.event_id == Shift.event_id,
                override.recurrence_id == mine.occurrence_start,
            ),
        )
        .outerjoin(published, published_join)
        .where(
            *base_filters,
            mine.occurrence_start >= orphan_window_start,
            mine.occurrence_start < window_end,
            ~select(OccurrenceRow.event_id)
            .where(
                OccurrenceRow.event_id == Shift.event_id,
                OccurrenceRow.recurrence_id == mine.occurrence_start,
            )
            .exists(),
        )
    )
    # An unindexed occurrence lasts as long as its event, which always ends after it starts.
    queries.append(_ItemQuery(removed, mine.occurrence_start, None, override, mine))
    return queries


def _description(what: str, role: str, notes: str, cause: str | None, contact_text: str) -> str:
    lines = [clean_text(what).strip()] if what.strip() else []
    role_line = f"Your role: {clean_text(role, single_line=True)}"
    if notes.strip():
        role_line += f" ({clean_text(notes, single_line=True)})"
    lines.append(role_line)
    if cause:
        lines.append(f"Cause: {clean_text(cause, single_line=True)}")
    if contact_text:
        lines.append(contact_text)
    return "\n\n".join(lines)


def _contact_text(contact: Person | None) -> str:
    if contact is None:
        return ""
    name = clean_text(contact.name, single_line=True)
    if contact.email:
        return f"Questions? Contact {name} <{contact.email.strip()}>"
    return f"Questions? Contact {name}"
