"""Importing other people's .ics files (Google, Outlook, Apple, Thunderbird) as events.

Reading is tolerant: a byte order mark, a broken fold, unknown properties, Windows zone
names and Google's ``X-WR-TIMEZONE`` are dealt with and, where the reader should know,
reported per event.  The structure is checked here (``icalendar`` accepts a missing
``END:VEVENT``), and a file that cannot be understood raises
:class:`~organizer.errors.ImportFormatError` naming the file and the problem.

Writing happens in one transaction: every event of the import is stored, or none is.
Events keep the file's UID, so importing the same file again changes nothing and a newer
version (a higher SEQUENCE) updates the events in place.
"""

from __future__ import annotations

import enum
import hashlib
import re
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

import icalendar
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from organizer.errors import (
    ConflictError,
    DomainError,
    ImportFormatError,
    NotFoundError,
    ValidationError,
)
from organizer.ics.zones import to_iana
from organizer.models import (
    Assignment,
    Cause,
    Event,
    EventException,
    EventStatus,
    Location,
    OccurrenceOverride,
    Shift,
    utc_now,
)
from organizer.models.base import Base, Tracked
from organizer.models.ids import CauseId, EventId, LocationId
from organizer.recurrence import describe, expand, local_midnight, normalise_rule, zone
from organizer.services.base import apply_draft, record_change
from organizer.services.events import EventDraft, EventService
from organizer.services.series import SeriesService, SeriesState, capture_state
from organizer.storage import Database
from organizer.wording import english_date

Progress = Callable[[str, float], None]
"""Called with a message and the fraction done (0.0 to 1.0)."""

MAX_FILE_BYTES = 50 * 1024 * 1024
_TITLE_LIMIT = 200
_LOCATION_NAME_LIMIT = 120
_CONTENT_LINE = re.compile(
    r'^[A-Za-z0-9-]+(?:;[A-Za-z0-9-]+(?:=(?:"[^"]*"|[^";:,]*)(?:,(?:"[^"]*"|[^";:,]*))*)?)*:'
)
_PHYSICAL_LINES = re.compile(rb"\r\n|\n|\r")
_UTF8_BOM = b"\xef\xbb\xbf"


class ImportAction(enum.StrEnum):
    """What importing one event will do."""

    NEW = "new"
    UPDATE = "update"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class ImportRow:
    """One event of the file as the preview shows it.

    ``starts``/``ends`` are in the event's own zone (``None`` when the file gives no usable
    start); ``reason`` says why an event is skipped or updated.
    """

    uid: str
    title: str
    starts: datetime | None
    ends: datetime | None
    timezone: str
    all_day: bool
    recurrence: str
    location: str
    action: ImportAction
    reason: str = ""
    removed_occurrences: int = 0
    changed_occurrences: int = 0


@dataclass(frozen=True)
class ImportPreview:
    """What a file holds and what importing it would do, before anything is written."""

    name: str
    calendar_name: str
    default_timezone: str
    rows: tuple[ImportRow, ...]
    problems: tuple[str, ...]
    _items: tuple[_Item, ...] = field(repr=False, compare=False, default=())

    def count(self, action: ImportAction) -> int:
        """How many events the import would create, update or skip."""
        return sum(1 for row in self.rows if row.action == action)


@dataclass(frozen=True)
class EventBefore:
    """An event as it was before an import updated it (for undo)."""

    state: SeriesState
    updated_at: datetime
    updated_by: str


@dataclass(frozen=True)
class ImportResult:
    """What an import wrote, and what :func:`undo_import` needs to take it back.

    ``before`` holds the updated events as they were; ``versions`` the version of every
    created and updated event just after the import; ``location_ids`` the id and version of
    each location the import created.
    """

    created: tuple[EventId, ...]
    updated: tuple[EventId, ...]
    skipped: int
    locations_created: tuple[str, ...]
    problems: tuple[str, ...]
    before: tuple[EventBefore, ...] = ()
    versions: tuple[tuple[EventId, int], ...] = ()
    location_ids: tuple[tuple[LocationId, int], ...] = ()


# Reading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Time:
    """A DATE or DATE-TIME as the file gives it.

    ``kind`` is ``date``, ``utc`` (aware), ``zoned`` (wall clock in the IANA ``zone``),
    ``floating`` (no zone at all) or ``custom`` (aware, from a VTIMEZONE we cannot name).
    """

    value: date | datetime
    kind: str
    zone: str | None = None


@dataclass
class _Component:
    """The parts of one VEVENT the importer uses."""

    uid: str
    title: str
    description: str = ""
    location: str = ""
    status: EventStatus = EventStatus.SCHEDULED
    sequence: int = 0
    start: _Time | None = None
    end: _Time | None = None
    duration: timedelta | None = None
    rrule: str | None = None
    exdates: list[_Time] = field(default_factory=list)
    recurrence_id: _Time | None = None
    last_modified: datetime | None = None
    notes: list[str] = field(default_factory=list)
    unknown_zone: str | None = None


@dataclass
class _Item:
    """One event of the file: a one-off or a series with its changed occurrences."""

    master: _Component
    overrides: list[_Component] = field(default_factory=list)
    file_zone: str | None = None


def read_calendar(
    source: str | Path | bytes,
    name: str | None = None,
    *,
    db: Database | None = None,
    default_timezone: str = "UTC",
) -> ImportPreview:
    """Read an .ics file (a path or its bytes) and say what importing it would do.

    ``name`` is how messages name the file (a path's own name by default).  Times without a
    zone, all-day events and UTC times are placed in the file's ``X-WR-TIMEZONE`` if it has
    one, else in ``default_timezone``.  With ``db`` each row says whether the event is new,
    updates one already imported (same UID) or is skipped; without it every usable event is
    shown as new.

    Raises:
        ImportFormatError: the file cannot be read or is not a calendar; the message names
            the file and the problem.
        ValidationError: ``default_timezone`` is not a known zone.
    """
    zone(default_timezone)
    if isinstance(source, bytes):
        data, shown = source, name or "calendar file"
    else:
        path = Path(source)
        shown = name or path.name
        data = _read_bytes(path, shown)
    problems: list[str] = []
    text = _clean_text(shown, data, problems)
    calendars = _parse(shown, text)
    try:
        items, calendar_name = _collect(shown, calendars, problems)
    except (KeyError, TypeError, IndexError, AttributeError, ValueError) as error:
        raise _damaged(shown) from error
    preview_rows: list[ImportRow] = []
    if db is None:
        for item in items:
            preview_rows.append(_row_for(item, default_timezone, None, problems))
    else:
        with db.read() as session:
            for item in items:
                preview_rows.append(_row_for(item, default_timezone, session, problems))
    return ImportPreview(
        name=shown,
        calendar_name=calendar_name,
        default_timezone=default_timezone,
        rows=tuple(preview_rows),
        problems=tuple(problems),
        _items=tuple(items),
    )


def parse_calendar_bytes(data: bytes, name: str) -> tuple[list[icalendar.Calendar], list[str]]:
    """Check and parse an .ics file's bytes; returns its calendars and notes on repairs.

    Raises:
        ImportFormatError: the bytes are not a calendar; the message names ``name``.
    """
    problems: list[str] = []
    return _parse(name, _clean_text(name, data, problems)), problems


def read_file_bytes(path: str | Path, name: str | None = None) -> bytes:
    """A calendar file's bytes, or ImportFormatError naming the file."""
    path = Path(path)
    return _read_bytes(path, name or path.name)


def _damaged(shown: str) -> ImportFormatError:
    return ImportFormatError(
        f"{shown} cannot be read as a calendar: part of it is damaged "
        "(a value is malformed or given twice)."
    )


def _read_bytes(path: Path, shown: str) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ImportFormatError(f"{shown}: the file is too large to be a calendar export.")
        return path.read_bytes()
    except IsADirectoryError:
        raise ImportFormatError(f"{shown} is a folder, not a calendar file.") from None
    except FileNotFoundError:
        raise ImportFormatError(f"There is no file at {path}.") from None
    except OSError as error:
        raise ImportFormatError(f"{shown} cannot be read: {error.strerror or error}.") from error


def _clean_text(shown: str, data: bytes, problems: list[str]) -> str:
    """The file as unfolded, checked content lines (CRLF-joined) for ``icalendar``."""
    if data.startswith(_UTF8_BOM):
        data = data[len(_UTF8_BOM) :]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            data = data.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            raise ImportFormatError(f"{shown} is not a calendar file (unreadable text).") from None
    if not data.strip():
        raise ImportFormatError(f"{shown} is empty.")
    if b"\x00" in data[:4096]:
        raise ImportFormatError(f"{shown} is not a calendar file (it holds binary data).")
    logical = _unfold(data)
    try:
        lines = [(number, raw.decode("utf-8")) for number, raw in logical]
    except UnicodeDecodeError:
        lines = [(number, raw.decode("cp1252", errors="replace")) for number, raw in logical]
        problems.append("The file is not in UTF-8; it was read as Windows text (cp1252).")
    lines = [(number, line) for number, line in lines if line.strip()]
    if not lines:
        raise ImportFormatError(f"{shown} is empty.")
    _require_calendar_start(shown, lines[0][1])
    repaired = _repair_folding(shown, lines, problems)
    _check_structure(shown, repaired)
    return "\r\n".join(line for _, line in repaired) + "\r\n"


def _unfold(data: bytes) -> list[tuple[int, bytes]]:
    """Logical lines with the number of the physical line each starts on.

    Unfolding works on bytes, so a fold that split a UTF-8 character joins it back.
    """
    logical: list[tuple[int, bytearray]] = []
    for number, raw in enumerate(_PHYSICAL_LINES.split(data), start=1):
        if raw[:1] in (b" ", b"\t") and logical:
            logical[-1][1].extend(raw[1:])
        else:
            logical.append((number, bytearray(raw)))
    return [(number, bytes(raw)) for number, raw in logical]


def _require_calendar_start(shown: str, first: str) -> None:
    head = first.strip().upper()
    if head == "BEGIN:VCALENDAR":
        return
    if head.startswith(("<!DOCTYPE", "<HTML", "<?XML")):
        raise ImportFormatError(
            f"{shown} is a web page or XML file, not a calendar file "
            "(a download may have gone wrong)."
        )
    if head == "BEGIN:VCARD":
        raise ImportFormatError(f"{shown} is a contact card (vCard), not a calendar file.")
    raise ImportFormatError(
        f"{shown} is not a calendar file (it does not start with BEGIN:VCALENDAR)."
    )


def _repair_folding(
    shown: str, lines: list[tuple[int, str]], problems: list[str]
) -> list[tuple[int, str]]:
    """Join lines that cannot be content lines to the line before (a fold missing its space)."""
    repaired: list[tuple[int, str]] = []
    broken: list[int] = []
    for number, line in lines:
        if _CONTENT_LINE.match(line) or not repaired:
            repaired.append((number, line))
            continue
        previous = repaired[-1][1]
        if previous.upper().startswith(("BEGIN:", "END:")):
            raise ImportFormatError(
                f"{shown}: line {number} is not a calendar line: “{line[:60]}”."
            )
        broken.append(number)
        repaired[-1] = (repaired[-1][0], previous + line)
    if len(broken) > max(10, len(lines) // 5):
        raise ImportFormatError(
            f"{shown} is not a calendar file (line {broken[0]} and {len(broken) - 1} "
            "others are not calendar lines)."
        )
    if broken:
        where = _line_list(broken)
        problems.append(
            f"{where} had lost the space that marks a continued line; "
            "joined to the line before (broken folding)."
        )
    return repaired


def _line_list(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:5])
    more = f" and {len(numbers) - 5} more" if len(numbers) > 5 else ""
    return f"Line {shown}{more}" if len(numbers) == 1 else f"Lines {shown}{more}"


def _check_structure(shown: str, lines: list[tuple[int, str]]) -> None:
    """Every BEGIN has its END, in order, and nothing lies outside a VCALENDAR."""
    stack: list[tuple[str, int]] = []
    for number, line in lines:
        key, _, value = line.partition(":")
        key = key.split(";", 1)[0].upper()
        value = value.strip().upper()
        if key == "BEGIN":
            if not stack and value != "VCALENDAR":
                raise ImportFormatError(
                    f"{shown}: line {number} starts a {value} outside the calendar."
                )
            stack.append((value, number))
        elif key == "END":
            if value not in (opened for opened, _ in stack):
                raise ImportFormatError(
                    f"{shown}: line {number} has END:{value} without a matching BEGIN."
                )
            opened, opened_at = stack.pop()
            if opened != value:
                raise ImportFormatError(
                    f"{shown}: BEGIN:{opened} on line {opened_at} is never closed "
                    f"(END:{opened} is missing before line {number})."
                )
        elif not stack:
            raise ImportFormatError(
                f"{shown}: line {number} lies outside the calendar (after END:VCALENDAR)."
            )
    if stack:
        opened, opened_at = stack[-1]
        raise ImportFormatError(
            f"{shown}: BEGIN:{opened} on line {opened_at} is never closed "
            f"(END:{opened} is missing; the file may be cut short)."
        )


def _parse(shown: str, text: str) -> list[icalendar.Calendar]:
    with warnings.catch_warnings():
        # icalendar warns when it guesses a vendor-prefixed TZID; zones.to_iana decides.
        warnings.simplefilter("ignore")
        try:
            found = icalendar.Calendar.from_ical(text, multiple=True)
        except ValueError as error:
            raise ImportFormatError(f"{shown} cannot be read as a calendar: {error}.") from error
        except (KeyError, TypeError, IndexError, AttributeError) as error:
            # icalendar trips over some damage itself (a TZID given twice...).
            raise _damaged(shown) from error
    calendars = [c for c in found if isinstance(c, icalendar.Calendar)]
    if not calendars:
        raise ImportFormatError(f"{shown} is not a calendar file (no VCALENDAR in it).")
    return calendars


def _collect(
    shown: str, calendars: list[icalendar.Calendar], problems: list[str]
) -> tuple[list[_Item], str]:
    """Group the events of every calendar in the file by UID."""
    import x_wr_timezone  # type: ignore[import-untyped]

    items: dict[str, _Item] = {}
    orphans: dict[str, list[_Component]] = {}
    calendar_name = ""
    events_seen = 0
    for calendar in calendars:
        method = str(calendar.get("METHOD", "")).strip().upper()
        if method == "REPLY":
            raise ImportFormatError(
                f"{shown} is a volunteer's answer to an invitation (METHOD:REPLY), not a "
                "schedule; read it with “import replies” instead."
            )
        calendar_name = calendar_name or _text(calendar, "X-WR-CALNAME")
        file_zone: str | None = None
        wr_zone = _text(calendar, "X-WR-TIMEZONE")
        if wr_zone:
            file_zone = to_iana(wr_zone)
            if file_zone is None:
                problems.append(
                    f"The calendar's time zone “{wr_zone}” is not known; "
                    "times without a zone use the chosen one."
                )
            else:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    calendar = x_wr_timezone.to_standard(calendar, timezone=ZoneInfo(file_zone))
        for component in calendar.walk("VEVENT"):
            events_seen += 1
            parsed = _component(cast(icalendar.Event, component), events_seen)
            if parsed.recurrence_id is not None:
                target = items.get(parsed.uid)
                if target is None:
                    orphans.setdefault(parsed.uid, []).append(parsed)
                else:
                    target.overrides.append(parsed)
                continue
            existing = items.get(parsed.uid)
            if existing is not None:
                keep = parsed if parsed.sequence >= existing.master.sequence else existing.master
                problems.append(
                    f"{_quoted(parsed.title)}: the file holds this event twice (same UID); "
                    f"the copy with SEQUENCE {keep.sequence} is used."
                )
                existing.master = keep
                continue
            items[parsed.uid] = _Item(parsed, orphans.pop(parsed.uid, []), file_zone)
    for uid, parts in orphans.items():
        problems.append(
            f"{_quoted(parts[0].title)}: {len(parts)} changed occurrence(s) of a series that "
            f"is not in the file (UID {uid}) were skipped."
        )
    if events_seen == 0:
        problems.append("The file holds no events.")
    return list(items.values()), calendar_name


def _component(component: icalendar.Event, index: int) -> _Component:
    """The parts of one VEVENT, with notes on anything odd or broken."""
    notes: list[str] = []
    title = _text(component, "SUMMARY").strip()
    uid = _text(component, "UID").strip()
    parsed = _Component(uid=uid, title=title)
    parsed.description = _text(component, "DESCRIPTION")
    parsed.location = _text(component, "LOCATION").strip()
    if _text(component, "STATUS").strip().upper() == "CANCELLED":
        parsed.status = EventStatus.CANCELLED
    broken = {name.upper() for name, _ in getattr(component, "errors", [])}
    sequence = _first(component.get("SEQUENCE"))
    if sequence is not None and "SEQUENCE" not in broken:
        try:
            parsed.sequence = max(0, int(sequence))
        except (TypeError, ValueError):
            notes.append("its SEQUENCE is not a number; 0 is used")
    elif "SEQUENCE" in broken:
        notes.append("its SEQUENCE is not a number; 0 is used")
    parsed.start = _time(component, "DTSTART", parsed, broken)
    parsed.end = _time(component, "DTEND", parsed, broken)
    parsed.recurrence_id = _time(component, "RECURRENCE-ID", parsed, broken)
    duration = _first(component.get("DURATION"))
    if duration is not None and "DURATION" not in broken:
        value = _dt(duration)
        if isinstance(value, timedelta):
            parsed.duration = value
    rules = component.get("RRULE")
    if rules is not None:
        rule_list = rules if isinstance(rules, list) else [rules]
        parsed.rrule = rule_list[0].to_ical().decode("utf-8", errors="replace")
        if len(rule_list) > 1:
            notes.append("it has more than one repeat rule; only the first is used")
    if component.get("RDATE") is not None:
        notes.append("its extra dates (RDATE) cannot be kept and were left out")
    for exdate in _as_list(component.get("EXDATE")):
        parsed.exdates.extend(_times_of(exdate, parsed))
    modified = _dt(_first(component.get("LAST-MODIFIED")))
    if isinstance(modified, datetime) and modified.tzinfo is not None:
        parsed.last_modified = modified.astimezone(UTC)
    if not parsed.uid:
        digest = hashlib.sha256(
            "\x1f".join(
                (parsed.title, str(parsed.start and parsed.start.value), parsed.rrule or "")
            ).encode()
        ).hexdigest()[:32]
        parsed.uid = f"{digest}@import.organizer"
        notes.append("it has no UID, so a changed copy imported later will not replace it")
    if not parsed.title:
        parsed.title = "Untitled event"
        notes.append(f"event {index} has no title; it is called “Untitled event”")
    elif len(parsed.title) > _TITLE_LIMIT:
        parsed.title = parsed.title[: _TITLE_LIMIT - 1].rstrip() + "…"
        notes.append(f"its title was shortened to {_TITLE_LIMIT} characters")
    parsed.notes = notes
    return parsed


def _text(component: Any, name: str) -> str:
    value = _first(component.get(name))
    if value is None:
        return ""
    if isinstance(value, str):
        return str(value)
    try:
        return str(value.to_ical().decode("utf-8", errors="replace"))
    except (AttributeError, ValueError):
        return str(value)


def _first(value: Any) -> Any:
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _dt(prop: Any) -> Any:
    if prop is None:
        return None
    try:
        return prop.dt
    except Exception:  # icalendar raises its own error for a broken value
        return None


def _time(
    component: icalendar.Event, name: str, parsed: _Component, broken: set[str]
) -> _Time | None:
    raw = component.get(name)
    if raw is None:
        return None
    if isinstance(raw, list):
        parsed.notes.append(f"it has {name} more than once; the first is used")
        raw = raw[0]
    if name in broken:
        parsed.notes.append(f"its {name} cannot be read: “{_text(component, name)}”")
        return None
    tzid = raw.params.get("TZID") if hasattr(raw, "params") else None
    return _classify_time(_dt(raw), tzid, parsed)


def _times_of(prop: Any, parsed: _Component) -> list[_Time]:
    found: list[_Time] = []
    for value in getattr(prop, "dts", []):
        params = getattr(value, "params", {}) or getattr(prop, "params", {})
        moment = _classify_time(_dt(value), params.get("TZID"), parsed)
        if moment is not None:
            found.append(moment)
    return found


def _classify_time(value: Any, tzid: str | None, parsed: _Component) -> _Time | None:
    if isinstance(value, datetime):
        if tzid:
            iana = to_iana(str(tzid))
            if iana == "UTC":
                return _Time(value.replace(tzinfo=UTC), "utc")
            if iana is not None:
                return _Time(value.replace(tzinfo=None), "zoned", iana)
            parsed.unknown_zone = str(tzid)
            if value.tzinfo is not None:
                return _Time(value, "custom")
            return _Time(value, "floating")
        if value.tzinfo is None:
            return _Time(value, "floating")
        key = getattr(value.tzinfo, "key", None)
        iana = to_iana(key) if isinstance(key, str) else None
        if iana == "UTC" or (value.utcoffset() == timedelta(0) and iana is None):
            return _Time(value.astimezone(UTC), "utc")
        if iana is not None:
            return _Time(value.replace(tzinfo=None), "zoned", iana)
        return _Time(value, "custom")
    if isinstance(value, date):
        return _Time(value, "date")
    return None


# Planning ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _PlannedOverride:
    recurrence_id: datetime
    starts_at: datetime | None
    ends_at: datetime | None
    title: str | None
    description: str | None
    location: str | None
    status: EventStatus | None
    sequence: int


@dataclass
class _Plan:
    """One event worked out for the database: instants, zone, normalised rule."""

    uid: str
    sequence: int
    title: str
    description: str
    location: str
    status: EventStatus
    starts_at: datetime
    ends_at: datetime
    timezone: str
    all_day: bool
    rrule: str | None
    last_modified: datetime | None
    exceptions: frozenset[datetime] = frozenset()
    overrides: tuple[_PlannedOverride, ...] = ()


class _SkipError(Exception):
    """An event that cannot be imported; the message says why."""


def _plan(item: _Item, default_timezone: str, problems: list[str]) -> _Plan:
    """Work out one event; notes go to ``problems``, an unusable event raises _SkipError."""
    master = item.master
    title = _quoted(master.title)
    for note in master.notes:
        problems.append(f"{title}: {note}.")
    fallback = item.file_zone or default_timezone
    start = master.start
    if start is None:
        raise _SkipError("no start time")
    if master.unknown_zone:
        problems.append(
            f"{title}: the time zone “{master.unknown_zone}” is not known; "
            + (
                "its times were read from the file's own zone description and the event is "
                f"shown in {fallback} time."
                if start.kind == "custom"
                else f"its times were read as {fallback} time."
            )
        )
    elif start.kind == "floating":
        problems.append(f"{title}: its times have no time zone; they were read as {fallback} time.")
    all_day = start.kind == "date"
    if start.kind == "zoned" and start.zone:
        event_zone = start.zone
    elif start.kind == "utc" and master.rrule:
        event_zone = "UTC"  # a rule on a UTC start repeats in UTC (RFC 5545)
    else:
        event_zone = fallback
    starts_at = _instant(start, event_zone)
    ends_at = _end_instant(master, start, starts_at, event_zone, title, problems)
    if ends_at <= starts_at and all_day:
        assert isinstance(start.value, date)
        ends_at = local_midnight(start.value + timedelta(days=1), event_zone)
        problems.append(f"{title}: its end date is not after its start; it lasts one day.")
    if ends_at <= starts_at:
        raise _SkipError("it ends before it starts")
    rrule: str | None = None
    if master.rrule:
        try:
            rrule = normalise_rule(master.rrule, starts_at, event_zone)
        except ValidationError as error:
            message = error.for_field("recurrence") or error.message
            raise _SkipError(f"its repeat rule cannot be used ({message.rstrip('.')})") from error
    plan = _Plan(
        uid=master.uid,
        sequence=master.sequence,
        title=master.title,
        description=master.description,
        location=master.location,
        status=master.status,
        starts_at=starts_at,
        ends_at=ends_at,
        timezone=event_zone,
        all_day=all_day,
        rrule=rrule,
        last_modified=master.last_modified,
    )
    exceptions = {_instant(moment, event_zone) for moment in master.exdates}
    if exceptions and not rrule:
        problems.append(f"{title}: removed dates (EXDATE) on a one-off event were ignored.")
        exceptions = set()
    overrides: list[_PlannedOverride] = []
    if item.overrides and not rrule:
        problems.append(
            f"{title}: {len(item.overrides)} changed occurrence(s) of an event that does not "
            "repeat were ignored."
        )
    elif item.overrides:
        for part in item.overrides:
            planned = _plan_override(plan, part, fallback, problems)
            if planned is None:
                continue
            if planned.status == EventStatus.CANCELLED:
                exceptions.add(planned.recurrence_id)
            else:
                overrides.append(planned)
    real = {e for e in exceptions if _is_occurrence(plan, e)}
    if len(real) != len(exceptions):
        problems.append(
            f"{title}: {len(exceptions) - len(real)} removed date(s) are not dates of the "
            "series and were ignored."
        )
    plan.exceptions = frozenset(real)
    plan.overrides = tuple(o for o in overrides if o.recurrence_id not in real)
    return plan


def _instant(moment: _Time, zone_name: str) -> datetime:
    value = moment.value
    if moment.kind == "date":
        assert isinstance(value, date)
        return local_midnight(value if not isinstance(value, datetime) else value.date(), zone_name)
    assert isinstance(value, datetime)
    if moment.kind in ("utc", "custom"):
        return value.astimezone(UTC)
    where = moment.zone if moment.kind == "zoned" and moment.zone else zone_name
    return value.replace(tzinfo=ZoneInfo(where)).astimezone(UTC)


def _end_instant(
    part: _Component,
    start: _Time,
    starts_at: datetime,
    zone_name: str,
    title: str,
    problems: list[str],
) -> datetime:
    if part.end is not None:
        if (part.end.kind == "date") != (start.kind == "date"):
            raise _SkipError("its start and end are of different kinds (a date and a time)")
        return _instant(part.end, zone_name)
    if part.duration is not None:
        if start.kind == "date":
            assert isinstance(start.value, date)
            days = max(1, part.duration.days)
            return local_midnight(start.value + timedelta(days=days), zone_name)
        return starts_at + part.duration
    if start.kind == "date":
        assert isinstance(start.value, date)
        return local_midnight(start.value + timedelta(days=1), zone_name)
    problems.append(f"{title}: it has no end time; it was made one hour long.")
    return starts_at + timedelta(hours=1)


def _plan_override(
    plan: _Plan, part: _Component, fallback: str, problems: list[str]
) -> _PlannedOverride | None:
    assert part.recurrence_id is not None
    recurrence_id = _instant(part.recurrence_id, plan.timezone)
    when = recurrence_id.astimezone(ZoneInfo(plan.timezone))
    label = f"{_quoted(plan.title)} on {english_date(when, '%-d %b %Y')}"
    if not _is_occurrence(plan, recurrence_id):
        problems.append(f"{label}: the changed occurrence is not a date of the series; skipped.")
        return None
    duration = plan.ends_at - plan.starts_at
    starts_at = ends_at = None
    if part.start is not None:
        starts_at = _instant(part.start, part.start.zone or plan.timezone)
        if part.end is None and part.duration is None and part.start.kind != "date":
            ends_at = starts_at + duration
        else:
            try:
                ends_at = _end_instant(part, part.start, starts_at, plan.timezone, label, [])
            except _SkipError as error:
                problems.append(f"{label}: {error}; skipped.")
                return None
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        problems.append(f"{label}: the changed occurrence ends before it starts; skipped.")
        return None
    if starts_at == recurrence_id:
        starts_at = None
    if ends_at == (starts_at or recurrence_id) + duration:
        ends_at = None
    return _PlannedOverride(
        recurrence_id=recurrence_id,
        starts_at=starts_at,
        ends_at=ends_at,
        title=part.title if part.title != plan.title else None,
        description=part.description if part.description != plan.description else None,
        location=part.location if part.location != plan.location else None,
        status=EventStatus.CANCELLED if part.status == EventStatus.CANCELLED else None,
        sequence=part.sequence,
    )


def _is_occurrence(plan: _Plan, moment: datetime) -> bool:
    if not plan.rrule:
        return moment == plan.starts_at
    window = timedelta(seconds=1)
    return any(
        o.recurrence_id == moment
        for o in expand(
            plan.rrule,
            plan.starts_at,
            plan.ends_at,
            plan.timezone,
            moment - window,
            moment + window,
        )
    )


def _quoted(title: str) -> str:
    return f"“{title}”"


# Comparing with the database ---------------------------------------------------------------


def _existing(session: Session, uid: str) -> Event | None:
    return session.scalar(
        select(Event)
        .where(Event.uid == uid)
        .options(
            selectinload(Event.exceptions),
            selectinload(Event.overrides),
            selectinload(Event.location),
        )
        .execution_options(populate_existing=True)
    )


def _location_name(text: str) -> str:
    """The name a location text is filed under: its first line, at most 120 characters."""
    first = text.strip().splitlines()[0].strip() if text.strip() else ""
    if len(first) > _LOCATION_NAME_LIMIT:
        first = first[: _LOCATION_NAME_LIMIT - 1].rstrip() + "…"
    return first


def _location_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(select(Location.id, Location.name).where(Location.id.in_(wanted)))
    return {int(i): str(n) for i, n in rows}


def _same_place(name_by_id: dict[int, str], location_id: int | None, text: str | None) -> bool:
    stored = name_by_id.get(location_id) if location_id is not None else None
    wanted = _location_name(text) if text else ""
    return (stored or "").casefold() == wanted.casefold()


def _unchanged(session: Session, event: Event, plan: _Plan) -> bool:
    """Whether the stored event already says everything the file says."""
    fields_same = (
        event.title == plan.title.strip()
        and event.description == plan.description
        and event.starts_at == plan.starts_at
        and event.ends_at == plan.ends_at
        and event.timezone == plan.timezone
        and event.all_day == plan.all_day
        and event.status == plan.status
        and event.rrule == plan.rrule
    )
    if not fields_same:
        return False
    names = _location_names(session, [event.location_id, *(o.location_id for o in event.overrides)])
    if not _same_place(names, event.location_id, plan.location):
        return False
    if {e.occurrence_start for e in event.exceptions} != set(plan.exceptions):
        return False
    stored = {o.recurrence_id: o for o in event.overrides}
    if set(stored) != {o.recurrence_id for o in plan.overrides}:
        return False
    for wanted in plan.overrides:
        have = stored[wanted.recurrence_id]
        if (
            have.starts_at != wanted.starts_at
            or have.ends_at != wanted.ends_at
            or have.title != wanted.title
            or have.description != wanted.description
            or have.status != wanted.status
            or (wanted.location is None) != (have.location_id is None)
            or (
                wanted.location is not None
                and not _same_place(names, have.location_id, wanted.location)
            )
        ):
            return False
    return True


def _decide(session: Session, plan: _Plan) -> tuple[ImportAction, str, Event | None]:
    event = _existing(session, plan.uid)
    if event is None:
        return ImportAction.NEW, "", None
    if _unchanged(session, event, plan):
        return ImportAction.SKIPPED, "already up to date", event
    if plan.sequence > event.sequence:
        return ImportAction.UPDATE, "a newer version of an imported event", event
    if plan.last_modified is not None and plan.last_modified > event.updated_at:
        return ImportAction.UPDATE, "changed in the other calendar since the last import", event
    if plan.sequence == event.sequence and plan.last_modified is None:
        return ImportAction.UPDATE, "changed in the other calendar", event
    return (
        ImportAction.SKIPPED,
        f"the copy in Organizer is newer (SEQUENCE {event.sequence}, the file's "
        f"{plan.sequence}); it was kept",
        event,
    )


def _row_for(
    item: _Item, default_timezone: str, session: Session | None, problems: list[str]
) -> ImportRow:
    master = item.master
    try:
        plan = _plan(item, default_timezone, problems)
    except _SkipError as error:
        problems.append(f"{_quoted(master.title)}: {error}, skipped.")
        return ImportRow(
            uid=master.uid,
            title=master.title,
            starts=None,
            ends=None,
            timezone=item.file_zone or default_timezone,
            all_day=False,
            recurrence=describe(None),
            location=master.location,
            action=ImportAction.SKIPPED,
            reason=str(error),
        )
    action, reason = ImportAction.NEW, ""
    if session is not None:
        action, reason, _ = _decide(session, plan)
    tz = ZoneInfo(plan.timezone)
    return ImportRow(
        uid=plan.uid,
        title=plan.title,
        starts=plan.starts_at.astimezone(tz),
        ends=plan.ends_at.astimezone(tz),
        timezone=plan.timezone,
        all_day=plan.all_day,
        recurrence=describe(plan.rrule, plan.timezone),
        location=plan.location,
        action=action,
        reason=reason,
        removed_occurrences=len(plan.exceptions),
        changed_occurrences=len(plan.overrides),
    )


# Writing -----------------------------------------------------------------------------------


def apply_import(
    db: Database,
    preview: ImportPreview | Sequence[ImportPreview],
    cause_id: int,
    actor: str,
    default_timezone: str | None = None,
    *,
    progress: Progress | None = None,
) -> ImportResult:
    """Store the events of one or more read files in ``cause_id``, all in one transaction.

    New UIDs become new events (keeping the file's UID); a UID already stored is updated
    in place when the file's copy is newer, with its SEQUENCE raised; locations are matched
    by name or created; the occurrence index and the change log are written in the same
    transaction.  Whether each event is new, an update or skipped is decided again here,
    so what changed since the preview counts.  ``default_timezone`` (the preview's when
    ``None``) places times that carry no zone.

    Raises:
        DomainError: the cause does not exist.
        ImportFormatError: an event the database refuses; the message names the file and
            event.  Nothing is written then.
    """
    previews = [preview] if isinstance(preview, ImportPreview) else list(preview)
    report = progress or (lambda _message, _fraction: None)
    total = max(1, sum(len(p._items) for p in previews))
    service = EventService(db, actor)
    created: list[EventId] = []
    updated: list[EventId] = []
    new_places: list[str] = []
    before: list[EventBefore] = []
    written: set[EventId] = set()
    problems: list[str] = []
    skipped = 0
    done = 0
    with db.write() as session:
        if session.get(Cause, cause_id) is None:
            raise DomainError("That cause no longer exists (it may have been deleted).")
        for one in previews:
            zone_name = default_timezone or one.default_timezone
            zone(zone_name)
            for item in one._items:
                report(f"Importing {one.name}", done / total)
                done += 1
                notes: list[str] = []
                try:
                    plan = _plan(item, zone_name, notes)
                except _SkipError as error:
                    skipped += 1
                    problems.append(f"{one.name}: {_quoted(item.master.title)}: {error}, skipped.")
                    continue
                problems.extend(f"{one.name}: {note}" for note in notes)
                action, reason, event = _decide(session, plan)
                if action == ImportAction.SKIPPED:
                    skipped += 1
                    continue
                if event is not None and event.id not in written:
                    before.append(
                        EventBefore(
                            capture_state(session, event), event.updated_at, event.updated_by
                        )
                    )
                try:
                    row = _write(
                        session, service, plan, event, CauseId(cause_id), actor, new_places
                    )
                except ValidationError as error:
                    raise ImportFormatError(
                        f"{one.name}: {_quoted(plan.title)} cannot be imported: {error.message}"
                    ) from error
                written.add(row.id)
                summary = f"Imported event “{row.title}” from {one.name}"
                if event is None:
                    created.append(row.id)
                    record_change(session, actor, "create", "event", row.id, summary)
                else:
                    updated.append(row.id)
                    record_change(
                        session, actor, "update", "event", row.id, f"{summary} ({reason})"
                    )
        session.flush()
        versions = tuple(
            (event_id, _version(session, event_id))
            for event_id in dict.fromkeys([*created, *updated])
        )
        places = session.execute(
            select(Location.id, Location.version).where(Location.name.in_(new_places))
        ).all()
        report("Import finished", 1.0)
    return ImportResult(
        created=tuple(created),
        updated=tuple(updated),
        skipped=skipped,
        locations_created=tuple(new_places),
        problems=tuple(problems),
        before=tuple(before),
        versions=versions,
        location_ids=tuple((LocationId(i), int(v)) for i, v in places),
    )


def undo_import(db: Database, result: ImportResult, actor: str) -> None:
    """Take an import back, in one transaction: all of it or, when refused, nothing.

    The events it created are deleted, the events it updated are put back as they were
    (with their SEQUENCE and last-changed stamp, so importing the same files again decides
    the same way), and the locations it created are deleted unless something uses them.
    Redo is :func:`apply_import` with the same previews.

    Raises:
        ConflictError: an imported event was changed since the import.
        NotFoundError: an imported event was deleted since.
        DomainError: volunteers were booked on an event the import created.
    """
    series = SeriesService(db, actor)
    versions = dict(result.versions)
    with db.write() as session:
        rows: dict[EventId, Event] = {}
        for event_id in (*result.created, *result.updated):
            event = session.get(Event, event_id, populate_existing=True)
            if event is None:
                raise NotFoundError("event", event_id)
            if event.version != versions.get(event_id):
                raise ConflictError(
                    "event", event_id, event.updated_by, event.updated_at, event.version
                )
            rows[event_id] = event
        for event_id in result.created:
            booked = session.scalar(
                select(func.count(Assignment.id))
                .join(Shift, Shift.id == Assignment.shift_id)
                .where(Shift.event_id == event_id)
            )
            if booked:
                raise DomainError(
                    f"Volunteers were booked on “{rows[event_id].title}” after the import, "
                    "so the import cannot be undone. Cancel the event instead."
                )
        for prior in result.before:
            event = series.restore_within(session, prior.state, rows[prior.state.event_id])
            event.sequence = prior.state.sequence
            event.updated_at = prior.updated_at
            event.updated_by = prior.updated_by
        for event_id in result.created:
            event = rows[event_id]
            session.delete(event)
            record_change(
                session,
                actor,
                "delete",
                "event",
                event_id,
                f"Removed imported event “{event.title}” (import undone)",
            )
        session.flush()
        for location_id, version in result.location_ids:
            place = session.get(Location, location_id)
            if place is None or place.version != version or _location_in_use(session, place.id):
                continue
            session.delete(place)
            record_change(
                session,
                actor,
                "delete",
                "location",
                location_id,
                f"Removed location “{place.name}” (import undone)",
            )


def _version(session: Session, event_id: int) -> int:
    row = session.get(Event, event_id)
    assert row is not None
    return int(row.version)


def _location_in_use(session: Session, location_id: int) -> bool:
    """Whether any row of any table refers to the location."""
    for table in Base.metadata.sorted_tables:
        for key in table.foreign_keys:
            if key.column.table.name == Location.__tablename__:
                used = session.scalar(
                    select(func.count()).select_from(table).where(key.parent == location_id)
                )
                if used:
                    return True
    return False


def _stamp(row: Tracked, actor: str, *, creating: bool = False) -> None:
    now = utc_now()
    row.updated_at = now
    row.updated_by = actor
    if creating:
        row.created_at = now
        row.created_by = actor


def _location_id(
    session: Session, text: str | None, actor: str, new_places: list[str]
) -> LocationId | None:
    if not text or not text.strip():
        return None
    name = _location_name(text)
    found = session.scalar(select(Location.id).where(func.lower(Location.name) == name.lower()))
    if found is not None:
        return LocationId(found)
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    address = ", ".join(lines[1:]) if len(lines) > 1 else ""
    if len(lines) == 1 and lines[0] != name:  # a shortened name keeps the full text
        address = lines[0]
    place = Location(name=name, address=address, notes="")
    _stamp(place, actor, creating=True)
    session.add(place)
    session.flush()
    record_change(session, actor, "create", "location", place.id, f"Created location “{name}”")
    new_places.append(name)
    return place.id


def _write(
    session: Session,
    service: EventService,
    plan: _Plan,
    event: Event | None,
    cause_id: CauseId,
    actor: str,
    new_places: list[str],
) -> Event:
    location_id = _location_id(session, plan.location, actor, new_places)
    draft = EventDraft(
        title=plan.title,
        starts_at=plan.starts_at,
        ends_at=plan.ends_at,
        timezone=plan.timezone,
        description=plan.description,
        cause_id=cause_id if event is None else event.cause_id,
        location_id=location_id,
        all_day=plan.all_day,
        capacity=None if event is None else event.capacity,
        status=plan.status,
        rrule=plan.rrule,
    )
    clean = service.validate(session, draft, None if event is None else event.id)
    if event is None:
        row = Event()
        _stamp(row, actor, creating=True)
        changed = apply_draft(row, clean)
        row.uid = plan.uid
        service.after_apply(session, row, changed)
        row.sequence = plan.sequence
        row.exceptions = []
        row.overrides = []
        session.add(row)
    else:
        row = event
        before = row.sequence
        changed = apply_draft(row, clean)
        _stamp(row, actor)
        service.after_apply(session, row, changed)
        row.sequence = max(before + 1, plan.sequence)
    _replace_changes(session, row, plan, actor, new_places)
    session.flush()
    service.after_flush(session, row)
    return row


def _replace_changes(
    session: Session, row: Event, plan: _Plan, actor: str, new_places: list[str]
) -> None:
    """Make the event's removed and changed occurrences those of the file."""
    have = {e.occurrence_start: e for e in row.exceptions}
    for moment, exception in have.items():
        if moment not in plan.exceptions:
            row.exceptions.remove(exception)
    for moment in sorted(plan.exceptions - set(have)):
        row.exceptions.append(EventException(occurrence_start=moment))
    stored = {o.recurrence_id: o for o in row.overrides}
    wanted = {o.recurrence_id: o for o in plan.overrides}
    for moment, override in stored.items():
        if moment not in wanted:
            row.overrides.remove(override)
    for moment, planned in sorted(wanted.items()):
        found = stored.get(moment)
        if found is None:
            override = OccurrenceOverride(recurrence_id=moment)
            _stamp(override, actor, creating=True)
            row.overrides.append(override)
        else:
            override = found
            _stamp(override, actor)
        override.starts_at = planned.starts_at
        override.ends_at = planned.ends_at
        override.title = planned.title.strip() if planned.title else None
        override.description = planned.description
        override.location_id = (
            _location_id(session, planned.location, actor, new_places) if planned.location else None
        )
        override.status = planned.status
        override.sequence = planned.sequence
