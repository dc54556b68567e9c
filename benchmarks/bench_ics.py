"""A 10,000-event schedule export beside a naive icalendar build of the same events.

Usage: python benchmarks/bench_ics.py [--events N] [--repeat N]

Builds a database of N events (a quarter of them weekly series over a year or two, with
removed and changed occurrences, in four time zones) in a temporary folder, then times:

- ``organizer``: :func:`organizer.ics.export.schedule`, reading the database and writing
  the file (zones built once each, a handful of queries);
- ``naive, rows in memory``: the same events already loaded, put into an ``icalendar``
  Calendar one ``Event`` at a time (UID, DTSTAMP, SEQUENCE, DTSTART/DTEND with TZID,
  SUMMARY, DESCRIPTION, LOCATION, STATUS, RRULE, EXDATE), ``add_missing_timezones()``, then
  ``to_ical()``: the build alone, without reading anything;
- ``naive, with reading``: the same plus reading the rows the obvious way (the events, then
  each one's removed dates and location with a query per event).

Each figure is the median of --repeat runs.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from random import Random
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
from sqlalchemy import insert, select

from organizer.ics.export import schedule
from organizer.models import Event, EventException, Location, OccurrenceOverride, Shift
from organizer.models.base import new_calendar_uid
from organizer.recurrence import series_end
from organizer.storage import Database, create_database

ZONES = ("Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kolkata")
NOW = datetime(2025, 6, 1, tzinfo=UTC)


def median_seconds(action: Callable[[], object], repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def build(db: Database, count: int) -> None:
    random = Random(1)
    stamp = datetime(2025, 1, 1, tzinfo=UTC)
    tracked = {"created_at": stamp, "updated_at": stamp, "version": 1}
    with db.write() as session:
        session.execute(
            insert(Location),
            [
                {"id": i, "name": f"Hall {i}", "address": f"{i} High Street\nTown", **tracked}
                for i in range(1, 51)
            ],
        )
        events, exceptions, overrides, shifts = [], [], [], []
        for event_id in range(1, count + 1):
            zone = ZONES[event_id % len(ZONES)]
            day = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(days=random.randrange(700))
            local = day.astimezone(ZoneInfo(zone)).replace(hour=random.choice((10, 14, 18)))
            starts = local.astimezone(UTC)
            ends = starts + timedelta(hours=2)
            rule = None
            if event_id % 4 == 0:
                weeks = random.randrange(20, 104)
                until = (starts + timedelta(weeks=weeks)).strftime("%Y%m%dT%H%M%SZ")
                rule = f"FREQ=WEEKLY;UNTIL={until}"
                exceptions.append(
                    {"event_id": event_id, "occurrence_start": starts + timedelta(weeks=3)}
                )
                overrides.append(
                    {
                        "event_id": event_id,
                        "recurrence_id": starts + timedelta(weeks=5),
                        "starts_at": starts + timedelta(weeks=5, hours=1),
                        "title": "Moved",
                        "sequence": 0,
                        **tracked,
                    }
                )
            events.append(
                {
                    "id": event_id,
                    "uid": new_calendar_uid(),
                    "sequence": event_id % 3,
                    "title": f"Session {event_id}: peer support, tea; chat",
                    "description": "Come along.\nEveryone welcome, bring a friend.",
                    "location_id": 1 + event_id % 50,
                    "starts_at": starts,
                    "ends_at": ends,
                    "timezone": zone,
                    "all_day": False,
                    "rrule": rule,
                    "recurrence_end": series_end(rule, starts, ends, zone),
                    **tracked,
                }
            )
            shifts.append({"event_id": event_id, "role": "Greeter", "needed": 2, **tracked})
        session.execute(insert(Event), events)
        session.execute(insert(EventException), exceptions)
        session.execute(insert(OccurrenceOverride), overrides)
        session.execute(insert(Shift), shifts)


def naive_build(rows: list[dict[str, Any]]) -> bytes:
    calendar = icalendar.Calendar()
    calendar.add("PRODID", "-//naive//EN")
    calendar.add("VERSION", "2.0")
    for row in rows:
        tz = ZoneInfo(row["timezone"])
        event = icalendar.Event()
        event.add("UID", row["uid"])
        event.add("DTSTAMP", NOW)
        event.add("SEQUENCE", row["sequence"])
        event.add("DTSTART", row["starts_at"].astimezone(tz))
        event.add("DTEND", row["ends_at"].astimezone(tz))
        event.add("SUMMARY", row["title"])
        event.add("DESCRIPTION", row["description"])
        event.add("LOCATION", row["location"])
        event.add("STATUS", "CONFIRMED")
        if row["rrule"]:
            event.add("RRULE", icalendar.vRecur.from_ical(row["rrule"]))
            if row["exdates"]:
                event.add("EXDATE", [d.astimezone(tz) for d in row["exdates"]])
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()  # type: ignore[no-any-return]


def read_naively(db: Database) -> list[dict[str, Any]]:
    rows = []
    with db.read() as session:
        for event in session.scalars(select(Event).order_by(Event.id)):
            exdates = list(
                session.scalars(
                    select(EventException.occurrence_start).where(
                        EventException.event_id == event.id
                    )
                )
            )
            location = session.get(Location, event.location_id) if event.location_id else None
            rows.append(
                {
                    "uid": event.uid,
                    "sequence": event.sequence,
                    "timezone": event.timezone,
                    "starts_at": event.starts_at,
                    "ends_at": event.ends_at,
                    "title": event.title,
                    "description": event.description,
                    "rrule": event.rrule,
                    "exdates": exdates,
                    "location": f"{location.name}, {location.address}" if location else "",
                }
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    path = Path(tempfile.mkdtemp()) / "bench.organizer"
    db = create_database(path)
    started = time.perf_counter()
    build(db, args.events)
    print(f"built {args.events} events in {time.perf_counter() - started:.1f} s")
    rows = read_naively(db)

    def ours() -> bytes:
        with db.read() as session:
            return schedule(session, now=NOW)

    data = ours()
    naive = naive_build(rows)
    organizer_s = median_seconds(ours, args.repeat)
    naive_s = median_seconds(lambda: naive_build(rows), args.repeat)
    naive_read_s = median_seconds(lambda: naive_build(read_naively(db)), args.repeat)
    print(
        f"organizer schedule export:    {organizer_s:7.3f} s  ({len(data) / 1e6:.1f} MB, "
        f"{data.count(b'BEGIN:VEVENT')} VEVENTs incl. changed occurrences)"
    )
    print(f"naive icalendar, rows in memory: {naive_s:7.3f} s  ({len(naive) / 1e6:.1f} MB)")
    print(f"naive icalendar, with reading:   {naive_read_s:7.3f} s")
    print(f"ratio organizer / naive (in memory):   {organizer_s / naive_s:.2f}")
    print(f"ratio organizer / naive (with reading): {organizer_s / naive_read_s:.2f}")
    db.close()


if __name__ == "__main__":
    main()
