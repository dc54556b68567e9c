"""Time zone names found in other people's calendar files, turned into IANA names.

Outlook and Exchange write Windows zone names ("W. Europe Standard Time"); Thunderbird and
Evolution write "globally unique" ids ("/mozilla.org/20070129_1/Europe/Berlin"); most
others write IANA names.  The Windows names come from the Unicode CLDR table that the
``icalendar`` package ships (``icalendar.timezone.windows_to_olson``), so no table is
kept here.
"""

from __future__ import annotations

from functools import cache

from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

from organizer.timezones import UTC_ALIASES, is_known_zone

_UTC_NAMES = frozenset(
    name.casefold()
    for name in (
        *UTC_ALIASES,
        "UTC",
        "GMT",
        "Z",
        "Etc/GMT+0",
        "Etc/GMT-0",
        "Etc/Greenwich",
        "Coordinated Universal Time",
        "tzone://Microsoft/Utc",
    )
)


def windows_to_iana(name: str) -> str | None:
    """The IANA zone for a Windows zone name ("GMT Standard Time" → "Europe/London")."""
    found = _windows_names().get(name.strip().casefold())
    if found is None or not is_known_zone(found):
        return None
    return found


def to_iana(tzid: str) -> str | None:
    """The IANA zone a TZID means, or ``None`` when it names no zone this computer knows.

    Accepts IANA names, UTC spellings, Windows names and vendor-prefixed ids; quotes and
    surrounding spaces are ignored.
    """
    name = tzid.strip().strip('"').strip()
    if not name:
        return None
    if name.casefold() in _UTC_NAMES:
        return "UTC"
    if is_known_zone(name):
        return name
    windows = windows_to_iana(name)
    if windows is not None:
        return windows
    parts = [part for part in name.split("/") if part]
    # "/mozilla.org/20070129_1/Europe/Berlin": the longest known tail is the zone.
    for start in range(1, len(parts)):
        tail = "/".join(parts[start:])
        if is_known_zone(tail):
            return "UTC" if tail.casefold() in _UTC_NAMES else tail
    return None


@cache
def _windows_names() -> dict[str, str]:
    return {name.casefold(): zone for name, zone in WINDOWS_TO_OLSON.items()}
