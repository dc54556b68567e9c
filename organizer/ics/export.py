"""Schedule files: events (or one volunteer's shifts) as an .ics file to add to a calendar.

A schedule has no METHOD (so no ORGANIZER or ATTENDEE either): importing it adds or, by UID,
updates events without anyone being invited.  Series are written as one VEVENT with RRULE
(``UNTIL`` in UTC), EXDATE for removed occurrences and one VEVENT with RECURRENCE-ID per
changed occurrence.  Events are built with ``icalendar``, each VTIMEZONE once per zone (see
:mod:`organizer.ics.vtimezone`), and the rows are read in a handful of queries.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from icalendar import Event as VEvent
from icalendar import vDate, vDatetime, vDDDLists, vInt, vRecur, vText
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from organizer.ics.vtimezone import vtimezone_text
from organizer.models import (
    Cause,
    Event,
    EventException,
    EventStatus,
    Location,
    OccurrenceOverride,
    Shift,
)
from organizer.models.ids import CauseId, EventId, LocationId
from organizer.services.base import chunks

if TYPE_CHECKING:
    from organizer.ics.invitations import CalendarItem, Person

PRODID = "-//Organizer//Organizer calendar export//EN"
ENDLESS_YEARS = 10
"""How many years past the last start an endless series' time zone is checked and written."""

_CONTROL = {code: None for code in range(0x20) if chr(code) not in "\n\t"} | {0x7F: None}


def clean_text(value: str, *, single_line: bool = False) -> str:
    """Text as it can go into an .ics file: no control characters, newline line breaks.

    ``single_line`` joins lines with ", " (for SUMMARY and LOCATION, which calendars show on
    one line).
    """
    text = value.replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(
        char
        for char in text.translate(_CONTROL)
        if unicodedata.category(char) not in ("Cc", "Cs") or char in "\n\t"
    )
    if single_line:
        text = ", ".join(part.strip() for part in text.split("\n") if part.strip())
    return text


def _plain(value: str) -> bool:
    return value.isascii() and value.isprintable()


def _text(value: str, *, single_line: bool = False) -> str:
    if _plain(value) and not (single_line and value != value.strip()):
        return value
    return clean_text(value, single_line=single_line)


@dataclass(frozen=True)
class Scope:
    """Which events a schedule holds; the parts given are combined ("this cause, in March").

    A series is included whole when any part of it overlaps ``[starts, ends)``: cutting it
    would give a calendar two different events under one UID and SEQUENCE.  Drafts are left
    out unless the one event asked for is a draft.
    """

    cause_id: CauseId | None = None
    event_id: EventId | None = None
    starts: datetime | None = None
    ends: datetime | None = None


def schedule(
    session: Session,
    scope: Scope | None = None,
    *,
    now: datetime,
    name: str | None = None,
    contact: Person | None = None,
) -> bytes:
    """The events in ``scope`` as a schedule file (no METHOD, no ORGANIZER or ATTENDEE).

    ``name`` becomes X-WR-CALNAME; ``contact`` (the coordinator) is named in each event's
    description as who to ask.
    """
    scope = scope or Scope()
    events = list(session.scalars(_scope_query(scope)))
    ids = [event.id for event in events]
    exceptions, overrides, roles = _series_details(session, ids)
    locations = {
        row.id: _place(row.name, row.address)
        for row in session.execute(select(Location.id, Location.name, Location.address))
    }
    causes: dict[CauseId, str] = {
        row.id: row.name for row in session.execute(select(Cause.id, Cause.name))
    }
    stamp = _utc(now)
    contact_line = _contact_line(contact)
    zones: dict[str, tuple[int, int]] = {}
    parts: list[bytes] = []
    for event in events:
        parts.extend(
            _event_components(
                event,
                exceptions.get(event.id, []),
                overrides.get(event.id, []),
                roles.get(event.id, []),
                locations,
                causes.get(event.cause_id) if event.cause_id is not None else None,
                contact_line,
                stamp,
            )
        )
        if not event.all_day and event.timezone != "UTC":
            widen_zones(
                zones, event.timezone, *_event_years(event, overrides.get(event.id, []), now)
            )
    return assemble(parts, zones, method=None, name=name)


def personal_schedule(
    items: Iterable[CalendarItem], *, now: datetime, name: str | None = None
) -> bytes:
    """One volunteer's shifts as a schedule file: only their own items, no attendees."""
    stamp = _utc(now)
    zones: dict[str, tuple[int, int]] = {}
    parts: list[bytes] = []
    for item in items:
        parts.append(serialize(item_component(item, stamp)))
        if not item.all_day and item.timezone != "UTC":
            widen_zones(zones, item.timezone, item.starts_at.year, item.ends_at.year)
    return assemble(parts, zones, method=None, name=name)


def item_component(item: CalendarItem, stamp: datetime) -> VEvent:
    """The VEVENT of one calendar item (no ORGANIZER, ATTENDEE or VALARM yet)."""
    component = VEvent()
    _put(component, "UID", item.uid)
    _put(component, "SEQUENCE", item.sequence)
    _put(component, "DTSTAMP", stamp)
    _put(component, "LAST-MODIFIED", stamp)
    _add_times(component, item.starts_at, item.ends_at, item.timezone, item.all_day)
    _put(component, "SUMMARY", _text(item.summary, single_line=True))
    if item.description:
        _put(component, "DESCRIPTION", _text(item.description))
    if item.location:
        _put(component, "LOCATION", _text(item.location, single_line=True))
    _put(component, "STATUS", "CANCELLED" if item.cancelled else "CONFIRMED")
    _put(component, "TRANSP", "TRANSPARENT" if item.cancelled else "OPAQUE")
    return component


def assemble(
    components: Sequence[bytes],
    zones: dict[str, tuple[int, int]],
    *,
    method: str | None,
    name: str | None = None,
) -> bytes:
    """One VCALENDAR from serialised VEVENTs and the zones (years) their TZIDs need."""
    head = [b"BEGIN:VCALENDAR", b"VERSION:2.0", b"PRODID:" + PRODID.encode(), b"CALSCALE:GREGORIAN"]
    if method:
        head.append(b"METHOD:" + method.encode())
    if name:
        head.append(_calendar_name(name))
    body = [vtimezone_text(tzid, first, last) for tzid, (first, last) in sorted(zones.items())]
    return (
        b"\r\n".join(head)
        + b"\r\n"
        + b"".join(body)
        + b"".join(components)
        + (b"END:VCALENDAR\r\n")
    )


def _calendar_name(name: str) -> bytes:
    component = VEvent()
    component.add("X-WR-CALNAME", _text(name, single_line=True))
    lines = component.to_ical().split(b"\r\n")
    return b"\r\n".join(lines[1:-2])


def widen_zones(zones: dict[str, tuple[int, int]], tzid: str, first: int, last: int) -> None:
    """Make ``zones`` cover ``tzid`` from ``first`` to ``last`` (a year of margin each side)."""
    first, last = first - 1, last + 1
    known = zones.get(tzid)
    if known is None:
        zones[tzid] = (first, last)
    elif first < known[0] or last > known[1]:
        zones[tzid] = (min(first, known[0]), max(last, known[1]))


def _event_years(
    event: Event, overrides: Sequence[OccurrenceOverride], now: datetime
) -> tuple[int, int]:
    first = event.starts_at.year
    if event.rrule and event.recurrence_end is None:
        last = max(event.starts_at.year, now.year) + ENDLESS_YEARS
    else:
        last = (event.recurrence_end or event.ends_at).year
    for override in overrides:
        for moment in (override.starts_at, override.ends_at):
            if moment is not None:
                first, last = min(first, moment.year), max(last, moment.year)
    return first, last


def _scope_query(scope: Scope) -> Select[Event]:
    query = select(Event).order_by(Event.starts_at, Event.id)
    if scope.event_id is not None:
        query = query.where(Event.id == scope.event_id)
    else:
        query = query.where(Event.status != EventStatus.DRAFT)
    if scope.cause_id is not None:
        query = query.where(Event.cause_id == scope.cause_id)
    if scope.ends is not None:
        query = query.where(Event.starts_at < scope.ends)
    if scope.starts is not None:
        query = query.where(
            or_(
                Event.ends_at > scope.starts,
                Event.recurrence_end.is_(None) & Event.rrule.is_not(None),
                Event.recurrence_end > scope.starts,
            )
        )
    return query


def _series_details(
    session: Session, ids: list[EventId]
) -> tuple[
    dict[int, list[datetime]],
    dict[int, list[OccurrenceOverride]],
    dict[int, list[tuple[str, int]]],
]:
    """Removed dates, changed occurrences and series-wide roles of these events."""
    exceptions: dict[int, list[datetime]] = defaultdict(list)
    overrides: dict[int, list[OccurrenceOverride]] = defaultdict(list)
    roles: dict[int, list[tuple[str, int]]] = defaultdict(list)
    everything = len(ids) > 2000
    for chunk in [ids] if everything else chunks(ids):
        exception_query = select(EventException.event_id, EventException.occurrence_start)
        override_query = select(OccurrenceOverride)
        role_query = select(Shift.event_id, Shift.role, Shift.needed).where(
            Shift.occurrence_start.is_(None)
        )
        if not everything:
            exception_query = exception_query.where(EventException.event_id.in_(chunk))
            override_query = override_query.where(OccurrenceOverride.event_id.in_(chunk))
            role_query = role_query.where(Shift.event_id.in_(chunk))
        for event_id, when in session.execute(exception_query):
            exceptions[event_id].append(when)
        for override in session.scalars(override_query):
            overrides[override.event_id].append(override)
        for event_id, role, needed in session.execute(role_query.order_by(Shift.id)):
            roles[event_id].append((role, needed))
    return exceptions, overrides, roles


def _event_components(
    event: Event,
    exceptions: list[datetime],
    overrides: list[OccurrenceOverride],
    roles: list[tuple[str, int]],
    locations: dict[LocationId, str],
    cause: str | None,
    contact_line: str,
    stamp: datetime,
) -> list[bytes]:
    tz = event.timezone
    master = VEvent()
    _put(master, "UID", event.uid)
    _put(master, "SEQUENCE", event.sequence)
    _put(master, "DTSTAMP", stamp)
    _put(master, "CREATED", _utc(event.created_at))
    _put(master, "LAST-MODIFIED", _utc(event.updated_at))
    _add_times(master, event.starts_at, event.ends_at, tz, event.all_day, series=bool(event.rrule))
    if event.rrule:
        _put(master, "RRULE", _rule(event.rrule, tz, event.all_day))
        removed = sorted(exceptions)
        if removed:
            _put(master, "EXDATE", [_value(moment, tz, event.all_day) for moment in removed])
    role_line = _roles_line(roles)
    _add_texts(master, event.title, event.description, event.location_id, event.status,
               locations, cause, role_line, contact_line)  # fmt: skip
    result = [serialize(master)]
    skipped = set(exceptions)
    duration = event.ends_at - event.starts_at
    for override in sorted(overrides, key=lambda o: o.recurrence_id):
        if not event.rrule or override.recurrence_id in skipped:
            continue
        starts = override.starts_at or override.recurrence_id
        ends = override.ends_at or starts + duration
        changed = VEvent()
        _put(changed, "UID", event.uid)
        _put(changed, "SEQUENCE", max(event.sequence, override.sequence))
        _put(changed, "DTSTAMP", stamp)
        _put(changed, "LAST-MODIFIED", _utc(override.updated_at))
        _put(changed, "RECURRENCE-ID", _value(override.recurrence_id, tz, event.all_day))
        _add_times(changed, starts, ends, tz, event.all_day)
        _add_texts(
            changed,
            override.title or event.title,
            override.description if override.description is not None else event.description,
            override.location_id or event.location_id,
            override.status or event.status,
            locations,
            cause,
            role_line,
            contact_line,
        )
        result.append(serialize(changed))
    return result


def _add_texts(
    component: VEvent,
    title: str,
    description: str,
    location_id: LocationId | None,
    status: EventStatus,
    locations: dict[LocationId, str],
    cause: str | None,
    role_line: str,
    contact_line: str,
) -> None:
    _put(component, "SUMMARY", _text(title, single_line=True))
    lines = [_text(description).strip()] if description.strip() else []
    if cause:
        lines.append(f"Cause: {_text(cause, single_line=True)}")
    if role_line:
        lines.append(role_line)
    if contact_line:
        lines.append(contact_line)
    if lines:
        _put(component, "DESCRIPTION", "\n\n".join(lines))
    place = locations.get(location_id) if location_id is not None else None
    if place:
        _put(component, "LOCATION", place)
    _put(component, "STATUS", _STATUS[status])
    if status == EventStatus.CANCELLED:
        _put(component, "TRANSP", "TRANSPARENT")


_STATUS = {
    EventStatus.SCHEDULED: "CONFIRMED",
    EventStatus.CANCELLED: "CANCELLED",
    EventStatus.DRAFT: "TENTATIVE",
}


def _roles_line(roles: list[tuple[str, int]]) -> str:
    if not roles:
        return ""
    named = ", ".join(
        _text(role, single_line=True) + (f" ({needed})" if needed > 1 else "")
        for role, needed in roles
    )
    return f"Volunteer roles: {named}"


def _contact_line(contact: Person | None) -> str:
    if contact is None:
        return ""
    name = _text(contact.name, single_line=True)
    return f"Contact: {name} <{contact.email}>" if contact.email else f"Contact: {name}"


def _place(name: str, address: str) -> str:
    return ", ".join(part for part in (_text(name, single_line=True),
                                       _text(address, single_line=True)) if part)  # fmt: skip


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _value(moment: datetime, tzid: str, all_day: bool) -> date | datetime:
    """An instant as DTSTART-like value: local date, UTC, or local time in the zone."""
    if tzid == "UTC":
        return moment.date() if all_day else _utc(moment)
    local = moment.astimezone(_zone(tzid))
    return local.date() if all_day else local


_ZONES: dict[str, ZoneInfo] = {}


def _zone(tzid: str) -> ZoneInfo:
    found = _ZONES.get(tzid)
    if found is None:
        found = _ZONES[tzid] = ZoneInfo(tzid)
    return found


def _add_times(
    component: VEvent,
    starts: datetime,
    ends: datetime,
    tzid: str,
    all_day: bool,
    *,
    series: bool = False,
) -> None:
    """Add DTSTART and DTEND.

    An ambiguous local time (the repeated autumn hour) is written in UTC, because ical.js
    reads it as the later of the two; a series' DTSTART keeps its zone, which it needs to
    repeat by wall-clock time.
    """
    first = _value(starts, tzid, all_day)
    last = _value(ends, tzid, all_day)
    if not all_day:
        if not series and _ambiguous(first):
            first = _utc(starts)
        if _ambiguous(last):
            last = _utc(ends)
    if all_day and last <= first:
        assert isinstance(first, date)
        last = first + timedelta(days=1)
    _put(component, "DTSTART", first)
    _put(component, "DTEND", last)


def _put(component: VEvent, name: str, value: object) -> None:
    """Set a property with the value type given outright (``add`` would guess it, slowly)."""
    prop: Any
    if isinstance(value, str):
        prop = vText(value)
    elif isinstance(value, bool) or not isinstance(value, (int, date, list, vRecur)):
        raise TypeError(f"unexpected {name} value {value!r}")
    elif isinstance(value, int):
        prop = vInt(value)
    elif isinstance(value, vRecur):
        prop = value
    elif isinstance(value, list):
        prop = vDDDLists([_naive(v) for v in value])
        _zone_param(prop, value[0])
    else:
        prop = vDatetime(_naive_time(value)) if isinstance(value, datetime) else vDate(value)
        _zone_param(prop, value)
    component[name] = prop


def _naive(value: date) -> date:
    if isinstance(value, datetime) and value.tzinfo is not None and value.tzinfo is not UTC:
        return value.replace(tzinfo=None)
    return value


def _naive_time(value: datetime) -> datetime:
    if value.tzinfo is not None and value.tzinfo is not UTC:
        return value.replace(tzinfo=None)
    return value


def _zone_param(prop: Any, value: date) -> None:
    if isinstance(value, datetime) and isinstance(value.tzinfo, ZoneInfo):
        prop.params["TZID"] = value.tzinfo.key
    elif isinstance(value, date) and not isinstance(value, datetime):
        prop.params["VALUE"] = "DATE"


def serialize(component: VEvent) -> bytes:
    """A VEVENT (no subcomponents) as CRLF lines folded at 75 octets between characters.

    The values and parameters are icalendar's own ``to_ical``; only the line assembly is
    done here, because icalendar folds every line character by character, which is most of
    the time of a large export.
    """
    out = [b"BEGIN:VEVENT"]
    for name, props in component.items():
        for prop in props if isinstance(props, list) else [props]:
            params = prop.params.to_ical() if prop.params else b""
            head = name.encode() + (b";" + params if params else b"")
            out.append(_fold(head + b":" + prop.to_ical()))
    for child in component.subcomponents:
        out.append(child.to_ical().rstrip(b"\r\n"))
    out.append(b"END:VEVENT")
    return b"\r\n".join(out) + b"\r\n"


def _fold(line: bytes) -> bytes:
    if len(line) <= 75:
        return line
    pieces = []
    limit = 75
    while len(line) > limit:
        cut = limit
        while cut > 1 and (line[cut] & 0xC0) == 0x80:
            cut -= 1  # never split a UTF-8 character
        if line[cut - 1 : cut] == b"\\" and cut > 2:
            cut -= 1  # keep a TEXT escape (\, or \n) on one line
        pieces.append(line[:cut])
        line = line[cut:]
        limit = 74
    pieces.append(line)
    return b"\r\n ".join(pieces)


def _ambiguous(value: date | datetime) -> bool:
    if not isinstance(value, datetime) or value.tzinfo is UTC:
        return False
    return value.replace(fold=0).utcoffset() != value.replace(fold=1).utcoffset()


def _rule(text: str, tzid: str, all_day: bool) -> vRecur:
    rule: vRecur = vRecur.from_ical(text)
    if all_day and "UNTIL" in rule:
        until = rule["UNTIL"][0]
        if isinstance(until, datetime):
            rule["UNTIL"] = [_value(until, tzid, all_day=True)]
    return rule


__all__ = [
    "ENDLESS_YEARS",
    "PRODID",
    "Scope",
    "assemble",
    "clean_text",
    "item_component",
    "personal_schedule",
    "schedule",
    "serialize",
    "widen_zones",
]
