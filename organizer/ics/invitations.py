"""One volunteer's shifts as calendar items, and the invitation files made from them.

An invitation (METHOD:REQUEST) or its withdrawal (METHOD:CANCEL) holds exactly one UID, the
assignment's, with the coordinator as ORGANIZER and the one volunteer as ATTENDEE.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from icalendar import Alarm, vCalAddress
from sqlalchemy import and_, func, select
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
    earliest, latest = session.execute(
        select(func.min(Shift.start_offset_min), func.max(Shift.end_offset_min))
    ).one()
    before = timedelta(minutes=max(0, -(earliest or 0))) + timedelta(hours=1)
    after = timedelta(minutes=max(0, latest or 0)) + timedelta(hours=1)
    places = {
        row.id: ", ".join(
            p for p in (row.name.strip(), clean_text(row.address, single_line=True)) if p
        )
        for row in session.execute(select(Location.id, Location.name, Location.address))
    }
    causes: dict[CauseId, str] = {
        row.id: row.name for row in session.execute(select(Cause.id, Cause.name))
    }
    contact_text = _contact_text(contact)
    horizon = stored_horizon(session)
    people = sorted(set(volunteer_ids)) if volunteer_ids is not None else None
    for chunk in [None] if people is None else chunks(people):
        for query in _item_queries(chunk, starts - before, ends + after):
            for row in session.execute(query):
                item = _item(row, places, causes, contact_text, horizon)
                if item is not None and item.starts_at < ends and item.ends_at > starts:
                    found[row.volunteer_id].append(item)
    for items in found.values():
        items.sort(key=lambda i: (i.starts_at, i.summary, i.uid))
    return dict(found)


_Row = Any


def _item_queries(volunteers: Any, window_start: datetime, window_end: datetime) -> list[Any]:
    """Assignments on occurrences near the window, and those whose occurrence was removed."""
    override = aliased(OccurrenceOverride)
    published = aliased(PublishedItem)
    columns = (
        Assignment.volunteer_id,
        Assignment.uid,
        Assignment.occurrence_start,
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
        Assignment.status.in_(PLACE_HOLDING),
        Event.status != EventStatus.DRAFT,
    ]
    if volunteers is not None:
        base_filters.append(Assignment.volunteer_id.in_(list(volunteers)))
    joined = (
        select(*columns, OccurrenceRow.starts_at, OccurrenceRow.ends_at)
        .select_from(OccurrenceRow)
        .join(Shift, Shift.event_id == OccurrenceRow.event_id)
        .join(
            Assignment,
            and_(
                Assignment.shift_id == Shift.id,
                Assignment.occurrence_start == OccurrenceRow.recurrence_id,
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
        .outerjoin(
            published,
            and_(
                published.volunteer_id == Assignment.volunteer_id, published.uid == Assignment.uid
            ),
        )
        .where(*base_filters)
    )
    short = joined.where(
        OccurrenceRow.long.is_(False),
        OccurrenceRow.starts_at < window_end,
        OccurrenceRow.starts_at > window_start - timedelta(days=2),
        OccurrenceRow.ends_at > window_start,
    )
    long = joined.where(
        OccurrenceRow.long.is_(True),
        OccurrenceRow.starts_at < window_end,
        OccurrenceRow.ends_at > window_start,
    )
    orphan_window_start = window_start - timedelta(days=2)
    removed = (
        select(*columns)
        .select_from(Assignment)
        .join(Shift, Shift.id == Assignment.shift_id)
        .join(Event, Event.id == Shift.event_id)
        .outerjoin(
            override,
            and_(
                override.event_id == Shift.event_id,
                override.recurrence_id == Assignment.occurrence_start,
            ),
        )
        .outerjoin(
            published,
            and_(
                published.volunteer_id == Assignment.volunteer_id, published.uid == Assignment.uid
            ),
        )
        .where(
            *base_filters,
            Assignment.occurrence_start >= orphan_window_start,
            Assignment.occurrence_start < window_end,
            ~select(OccurrenceRow.event_id)
            .where(
                OccurrenceRow.event_id == Shift.event_id,
                OccurrenceRow.recurrence_id == Assignment.occurrence_start,
            )
            .exists(),
        )
    )
    return [short, long, removed]


def _item(
    row: _Row,
    places: dict[int, str],
    causes: dict[CauseId, str],
    contact_text: str,
    horizon: datetime,
) -> CalendarItem | None:
    mapping = row._mapping
    unindexed = "starts_at" not in mapping
    # Not in the occurrence index: removed from its series, or beyond the stored horizon.
    removed = unindexed and row.occurrence_start < horizon
    if unindexed:
        occurrence_starts = row.occurrence_start
        occurrence_ends = occurrence_starts + (row.event_ends - row.event_starts)
    else:
        occurrence_starts, occurrence_ends = row.starts_at, row.ends_at
    shift_starts, shift_ends = shift_times(
        occurrence_starts, occurrence_ends, row.start_offset_min, row.end_offset_min
    )
    status = row.o_status or row.status
    if status == EventStatus.DRAFT:
        return None
    title = row.o_title or row.title
    description = row.o_description if row.o_description is not None else row.description
    location_id = row.o_location or row.location_id
    has_own_times = row.start_offset_min is not None or row.end_offset_min is not None
    return CalendarItem(
        uid=row.uid,
        sequence=row.sequence or 0,
        summary=clean_text(f"{row.role}: {title}", single_line=True),
        description=_description(
            description, row.role, row.notes, causes.get(row.cause_id), contact_text
        ),
        location=places.get(location_id, "") if location_id is not None else "",
        starts_at=shift_starts,
        ends_at=shift_ends,
        timezone=row.timezone,
        all_day=bool(row.all_day) and not has_own_times,
        cancelled=removed or status == EventStatus.CANCELLED,
    )


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
