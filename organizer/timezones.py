"""The coordinator's own time zone and the zones a time-zone picker offers (no Qt here)."""

from __future__ import annotations

import os
from datetime import datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo, available_timezones

FALLBACK_ZONE = "UTC"
LOCALTIME = Path("/etc/localtime")
TIMEZONE_FILE = Path("/etc/timezone")
UTC_ALIASES = frozenset(
    {"Etc/UTC", "Etc/UCT", "Etc/Universal", "Etc/Zulu", "UCT", "Universal", "Zulu", "Etc/GMT"}
)

COMMON_ZONES: tuple[str, ...] = (
    "Europe/London",
    "Europe/Dublin",
    "Europe/Lisbon",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Madrid",
    "Europe/Rome",
    "Europe/Amsterdam",
    "Europe/Stockholm",
    "Europe/Warsaw",
    "Europe/Athens",
    "Europe/Istanbul",
    "Africa/Lagos",
    "Africa/Nairobi",
    "Africa/Johannesburg",
    "Asia/Dubai",
    "Asia/Karachi",
    "Asia/Kolkata",
    "Asia/Dhaka",
    "Asia/Bangkok",
    "Asia/Singapore",
    "Asia/Hong_Kong",
    "Asia/Tokyo",
    "Australia/Perth",
    "Australia/Adelaide",
    "Australia/Brisbane",
    "Australia/Sydney",
    "Pacific/Auckland",
    "America/St_Johns",
    "America/Halifax",
    "America/New_York",
    "America/Toronto",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Vancouver",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Mexico_City",
    "America/Bogota",
    "America/Sao_Paulo",
    "America/Argentina/Buenos_Aires",
    "UTC",
)


@cache
def known_zones() -> frozenset[str]:
    """Every IANA zone name this computer knows."""
    return frozenset(available_timezones()) | {FALLBACK_ZONE}


def is_known_zone(name: str) -> bool:
    """Whether ``name`` is an IANA zone name this computer knows."""
    return name in known_zones()


def local_zone_name(
    environ: dict[str, str] | None = None,
    localtime: Path = LOCALTIME,
    timezone_file: Path = TIMEZONE_FILE,
) -> str:
    """The coordinator's IANA zone: from ``TZ``, then ``/etc/localtime``, else ``"UTC"``.

    Only real IANA names are returned, so the answer can be stored on an event.
    """
    env = os.environ if environ is None else environ
    candidates = [
        env.get("TZ", "").removeprefix(":"),
        _zone_from_link(localtime),
        _zone_from_file(timezone_file),
    ]
    for name in candidates:
        if name and is_known_zone(name):
            return FALLBACK_ZONE if name in UTC_ALIASES else name
    return FALLBACK_ZONE


def _zone_from_link(path: Path) -> str:
    """``/etc/localtime`` usually links into a zoneinfo folder: the rest is the zone's name."""
    try:
        target = path.resolve(strict=True)
    except OSError:
        return ""
    parts = target.parts
    for marker in ("zoneinfo", "zoneinfo-posix"):
        if marker in parts:
            return "/".join(parts[len(parts) - parts[::-1].index(marker) :])
    return ""


def _zone_from_file(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return ""


def zone_choices(first: str | None = None) -> list[str]:
    """Zones for a picker: ``first`` (the local zone), the common ones, then all the rest."""
    common = [name for name in COMMON_ZONES if is_known_zone(name)]
    rest = sorted(known_zones().difference(common))
    ordered = ([first] if first and is_known_zone(first) else []) + common + rest
    return list(dict.fromkeys(ordered))


def utc_offset_text(name: str, at: datetime) -> str:
    """The zone's offset from UTC at an instant, such as ``"UTC+01:00"`` or ``"UTC±00:00"``."""
    offset = at.astimezone(ZoneInfo(name)).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    sign = "+" if minutes > 0 else "−" if minutes < 0 else "±"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{rest:02d}"
