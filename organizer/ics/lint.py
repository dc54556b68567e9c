"""A small lint for what calendar parsers don't check but calendar apps trip over.

CRLF line ends, 75-octet lines, no BOM, one UID per REQUEST/CANCEL, no ``TZID=UTC``, no
floating times, no RDATE lists in VTIMEZONE, DTEND after DTSTART, a VTIMEZONE for each TZID,
no ATTENDEE in a schedule (PUBLISH), no VALARM in a CANCEL, and balanced BEGIN/END.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

_DATE_TIME = re.compile(r"^(\d{8})(T(\d{6})(Z?))?$")
_TIME_PROPERTIES = frozenset({"DTSTART", "DTEND", "RECURRENCE-ID", "EXDATE", "RDATE", "DUE"})


@dataclass
class _Component:
    name: str
    properties: list[tuple[str, dict[str, str], str]] = field(default_factory=list)
    children: list[_Component] = field(default_factory=list)


def lint(data: bytes) -> list[str]:
    """Problems found in an .ics file, one readable line each (empty when it is clean)."""
    problems: list[str] = []
    if data.startswith(b"\xef\xbb\xbf"):
        problems.append("the file starts with a byte-order mark")
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        return [*problems, f"the file is not UTF-8 ({error.reason} at byte {error.start})"]
    if text and not text.endswith("\r\n"):
        problems.append("the last line does not end with CRLF")
    if re.search(r"\r(?!\n)|(?<!\r)\n", text):
        problems.append("some lines end with a bare LF or CR, not CRLF")
    raw_lines = re.split(r"\r\n|\r|\n", text)
    if raw_lines and raw_lines[-1] == "":
        raw_lines.pop()
    for number, line in enumerate(raw_lines, 1):
        if len(line.encode("utf-8")) > 75:
            problems.append(f"line {number} is longer than 75 octets")
    unfolded: list[str] = []
    for line in raw_lines:
        if line[:1] in (" ", "\t") and unfolded:
            unfolded[-1] += line[1:]
        else:
            unfolded.append(line)
    root = _tree(unfolded, problems)
    if root is None:
        return problems
    _check_calendar(root, problems)
    return problems


def _tree(lines: list[str], problems: list[str]) -> _Component | None:
    stack: list[_Component] = []
    root: _Component | None = None
    for line in lines:
        name, params, value = _split(line)
        if name == "BEGIN":
            component = _Component(value.upper())
            if stack:
                stack[-1].children.append(component)
            elif root is None:
                root = component
            else:
                problems.append("the file holds more than one VCALENDAR")
                return root
            stack.append(component)
        elif name == "END":
            if not stack or stack[-1].name != value.upper():
                problems.append(f"END:{value} does not close the open component")
                return root
            stack.pop()
        elif stack:
            stack[-1].properties.append((name, params, value))
        elif line.strip():
            problems.append(f"“{line[:40]}” is outside any component")
    if stack:
        problems.append(f"BEGIN:{stack[-1].name} is never closed")
    if root is None or root.name != "VCALENDAR":
        problems.append("the file is not a VCALENDAR")
        return None
    return root


def _split(line: str) -> tuple[str, dict[str, str], str]:
    """NAME, parameters and value of a content line (quoted parameter values respected)."""
    in_quotes = False
    for index, char in enumerate(line):
        if char == '"':
            in_quotes = not in_quotes
        elif char == ":" and not in_quotes:
            head, value = line[:index], line[index + 1 :]
            break
    else:
        head, value = line, ""
    parts = re.findall(r'(?:[^;"]|"[^"]*")+', head)
    params: dict[str, str] = {}
    for part in parts[1:]:
        key, _, raw = part.partition("=")
        params[key.upper()] = raw.strip('"')
    return (parts[0].upper() if parts else ""), params, value


def _values(component: _Component, name: str) -> list[tuple[dict[str, str], str]]:
    return [(params, value) for key, params, value in component.properties if key == name]


def _check_calendar(root: _Component, problems: list[str]) -> None:
    if not _values(root, "VERSION"):
        problems.append("the VCALENDAR has no VERSION")
    if not _values(root, "PRODID"):
        problems.append("the VCALENDAR has no PRODID")
    method = (_values(root, "METHOD") or [({}, "")])[0][1].upper()
    zones = {
        value
        for zone in root.children
        if zone.name == "VTIMEZONE"
        for _, value in _values(zone, "TZID")
    }
    for zone in root.children:
        if zone.name == "VTIMEZONE":
            for block in zone.children:
                if _values(block, "RDATE"):
                    problems.append(f"the VTIMEZONE {_first(zone, 'TZID')} uses RDATE")
    events = [child for child in root.children if child.name == "VEVENT"]
    uids = {value for event in events for _, value in _values(event, "UID")}
    if method in ("REQUEST", "CANCEL") and len(uids) != 1:
        problems.append(f"a {method} must hold exactly one UID, this one holds {len(uids)}")
    for event in events:
        _check_event(event, method, zones, problems)


def _first(component: _Component, name: str) -> str:
    found = _values(component, name)
    return found[0][1] if found else ""


def _check_event(event: _Component, method: str, zones: set[str], problems: list[str]) -> None:
    uid = _first(event, "UID") or "(no UID)"
    if not _first(event, "UID"):
        problems.append("a VEVENT has no UID")
    if not _first(event, "DTSTAMP"):
        problems.append(f"event {uid} has no DTSTAMP")
    if _values(event, "DTEND") and _values(event, "DURATION"):
        problems.append(f"event {uid} has both DTEND and DURATION")
    if method in ("", "PUBLISH") and _values(event, "ATTENDEE"):
        problems.append(f"event {uid} has an ATTENDEE in a schedule (no METHOD or PUBLISH)")
    alarms = [child for child in event.children if child.name == "VALARM"]
    if method == "CANCEL" and alarms:
        problems.append(f"event {uid} has a VALARM in a CANCEL")
    if len(alarms) > 1:
        problems.append(f"event {uid} has more than one VALARM")
    moments: dict[str, date | datetime] = {}
    for key, params, value in event.properties:
        if key not in _TIME_PROPERTIES:
            continue
        tzid = params.get("TZID")
        if tzid is not None and tzid.upper() in ("UTC", "Z", "GMT", "ETC/UTC"):
            problems.append(f"event {uid}: {key} uses TZID={tzid} instead of a trailing Z")
        elif tzid is not None and tzid not in zones:
            problems.append(f"event {uid}: {key} names TZID={tzid} without its VTIMEZONE")
        for item in value.split(","):
            match = _DATE_TIME.match(item)
            if match is None:
                problems.append(f"event {uid}: {key} value “{item}” is not a date or date-time")
                continue
            if match.group(2) and not match.group(4) and tzid is None:
                problems.append(f"event {uid}: {key} is a floating time (no TZID, no Z)")
            if key in ("DTSTART", "DTEND") and key not in moments:
                moments[key] = _moment(match)
    start, end = moments.get("DTSTART"), moments.get("DTEND")
    if start is None:
        problems.append(f"event {uid} has no DTSTART")
    elif end is not None and type(start) is type(end):
        same_zone = _first_tzid(event, "DTSTART") == _first_tzid(event, "DTEND")
        if same_zone and end <= start:
            problems.append(f"event {uid} ends before it starts (DTEND ≤ DTSTART)")


def _first_tzid(event: _Component, name: str) -> str | None:
    found = _values(event, name)
    return found[0][0].get("TZID") if found else None


def _moment(match: re.Match[str]) -> date | datetime:
    day = datetime.strptime(match.group(1), "%Y%m%d")
    if not match.group(2):
        return day.date()
    return datetime.strptime(match.group(1) + match.group(3), "%Y%m%d%H%M%S")


__all__ = ["lint"]
