"""Independent .ics checkers for tests: ical.js (Node), libical (ctypes), recurring-ical-events.

Missing tools make the calling test FAIL with the command that installs them, never skip:
the interoperability checks are the point of these tests.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import icalendar
import pytest
import recurring_ical_events  # type: ignore[import-untyped]

JS_DIR = Path(__file__).parent / "js"


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.fail(
            "node is not installed: run `apt-get install nodejs npm` (scripts/system-deps.sh)"
        )
    if not (JS_DIR / "node_modules" / "ical.js").is_dir():
        pytest.fail(
            "ical.js is not installed: run `npm ci --prefix tests/js --no-audit --no-fund` "
            "(./run-tests.sh does it)"
        )
    return node


def icaljs(files: Mapping[str, bytes], until: date) -> dict[str, Any]:
    """Parse many files with ical.js in one Node process; results by the given names.

    Each result is ``{"error": message}`` or ``{"method", "events": [...]}`` where every
    VEVENT carries its expanded ``occurrences`` (start/end as UTC ISO instants, or
    ``YYYY-MM-DD`` for dates), read through the file's own VTIMEZONEs, up to ``until``.
    """
    node = _node()
    with tempfile.TemporaryDirectory(prefix="ics-tests-") as folder:
        paths: dict[str, str] = {}
        for index, (name, data) in enumerate(files.items()):
            path = Path(folder) / f"{index}.ics"
            path.write_bytes(data)
            paths[str(path)] = name
        done = subprocess.run(
            [node, str(JS_DIR / "expand.mjs"), until.isoformat(), *paths],
            capture_output=True,
            check=False,
            cwd=JS_DIR,
        )
    if done.returncode != 0:
        pytest.fail(f"ical.js script failed: {done.stderr.decode(errors='replace')}")
    raw: dict[str, Any] = json.loads(done.stdout)
    return {paths[path]: result for path, result in raw.items()}


def icaljs_one(data: bytes, until: date) -> dict[str, Any]:
    """One file through ical.js; fails the test if ical.js could not read it."""
    result: dict[str, Any] = icaljs({"file": data}, until)["file"]
    if "error" in result:
        pytest.fail(f"ical.js could not read the file: {result['error']}")
    return result


def js_instant(text: str) -> datetime:
    """An ical.js instant ("2025-03-30T00:00:00.000Z") as an aware datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


@lru_cache(maxsize=1)
def _libical() -> ctypes.CDLL:
    name = ctypes.util.find_library("ical")
    if name is None:
        pytest.fail("libical is not installed: run `apt-get install libical3 libical-dev`")
    lib = ctypes.CDLL(name)
    lib.icalparser_parse_string.restype = ctypes.c_void_p
    lib.icalparser_parse_string.argtypes = [ctypes.c_char_p]
    lib.icalrestriction_check.restype = ctypes.c_int
    lib.icalrestriction_check.argtypes = [ctypes.c_void_p]
    lib.icalcomponent_as_ical_string.restype = ctypes.c_char_p
    lib.icalcomponent_as_ical_string.argtypes = [ctypes.c_void_p]
    lib.icalcomponent_free.restype = None
    lib.icalcomponent_free.argtypes = [ctypes.c_void_p]
    return lib


def libical_problems(data: bytes) -> list[str]:
    """RFC 5546 restriction problems libical finds (``icalrestriction_check``); [] if none.

    Parse errors libical notes while reading (its X-LIC-ERROR properties) count too.
    """
    lib = _libical()
    component = lib.icalparser_parse_string(data)
    if not component:
        return ["libical could not parse the file"]
    try:
        passed = lib.icalrestriction_check(component)
        text = lib.icalcomponent_as_ical_string(component).decode("utf-8", "replace")
    finally:
        lib.icalcomponent_free(component)
    unfolded = text.replace("\r\n ", "").replace("\n ", "")
    problems = [line for line in unfolded.splitlines() if line.startswith("X-LIC-ERROR")]
    if not passed and not problems:
        problems.append("icalrestriction_check failed")
    return problems


def recurring_occurrences(data: bytes, start: datetime, end: datetime) -> list[tuple[Any, ...]]:
    """(UID, UTC start, UTC end, STATUS) of every occurrence in [start, end), by
    recurring-ical-events, which expands rules independently of ical.js."""
    calendar = icalendar.Calendar.from_ical(data)
    found = []
    for event in recurring_ical_events.of(calendar).between(start, end):
        starts, ends = event.decoded("DTSTART"), event.decoded("DTEND")
        found.append((str(event["UID"]), _utc_or_date(starts), _utc_or_date(ends),
                      str(event.get("STATUS", ""))))  # fmt: skip
    return sorted(found, key=lambda row: (row[0], str(row[1])))


def _utc_or_date(value: date | datetime) -> date | datetime:
    if isinstance(value, datetime):
        assert value.tzinfo is not None, "floating time"
        return value.astimezone(UTC)
    return value


def vobject_check(data: bytes) -> None:
    """Parse with vobject and run its validate(); raises on a problem."""
    import vobject  # type: ignore[import-untyped]

    calendar = vobject.readOne(data.decode("utf-8"))
    calendar.validate(raiseException=True)
    for event in calendar.vevent_list:
        event.dtstart.value  # noqa: B018 - reading the value resolves its TZID
