"""Opening the large demo file and loading one month of events, beside raw sqlite3.

Usage: python benchmarks/bench_storage.py [--db FILE] [--repeat N]

Without --db it builds the large demo set (seed 1) in a temporary folder first.  Each figure
is the median of --repeat runs; the "limit" column is the raw sqlite3 time for the same rows.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from organizer.demo import generate_demo
from organizer.services import Services
from organizer.storage import create_database, open_database


def median_seconds(action: Callable[[], object], repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def month_window(anchor: date) -> tuple[datetime, datetime]:
    first = anchor.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return (
        datetime.combine(first, datetime.min.time(), tzinfo=UTC),
        datetime.combine(following, datetime.min.time(), tzinfo=UTC),
    )


RAW_MONTH_SQL = """
SELECT o.event_id, o.recurrence_id, o.starts_at, o.ends_at, o.overridden, e.title, e.timezone,
       e.all_day, e.status, e.cause_id, e.location_id, e.rrule, e.version
FROM occurrences o JOIN events e ON e.id = o.event_id
WHERE o.long = ? AND o.starts_at < ? AND o.ends_at > ? AND o.starts_at > ?
"""


def raw_month(path: Path, start: datetime, end: datetime) -> int:
    """What a hand-written sqlite3 query costs for the same occurrence rows."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        fmt = "%Y-%m-%d %H:%M:%S.%f"
        s, e = start.strftime(fmt), end.strftime(fmt)
        short = conn.execute(RAW_MONTH_SQL, (0, e, s, (start - timedelta(days=2)).strftime(fmt)))
        long = conn.execute(RAW_MONTH_SQL, (1, e, s, "0000"))
        return len(short.fetchall()) + len(long.fetchall())
    finally:
        conn.close()


def raw_open(path: Path) -> None:
    conn = sqlite3.connect(f"file:{path}?mode=rw", uri=True)
    conn.execute("PRAGMA application_id").fetchone()
    conn.execute("SELECT version_num FROM alembic_version").fetchone()
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", type=Path)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    path: Path = args.db
    if path is None:
        path = Path(tempfile.mkdtemp()) / "large.organizer"
        db = create_database(path)
        started = time.perf_counter()
        summary = generate_demo(db, scale="large", seed=1)
        print(f"built large demo in {time.perf_counter() - started:.1f} s: {summary}")
        db.close()

    def ours_open() -> None:
        open_database(path).close()

    open_s = median_seconds(ours_open, args.repeat)
    raw_open_s = median_seconds(lambda: raw_open(path), args.repeat)

    db = open_database(path)
    services = Services.for_database(db, "benchmark")
    anchor = date.today() + timedelta(days=31)
    start, end = month_window(anchor)
    occurrences = services.events.occurrences_between(start, end)
    month_s = median_seconds(lambda: services.events.occurrences_between(start, end), args.repeat)
    raw_rows = raw_month(path, start, end)
    raw_month_s = median_seconds(lambda: raw_month(path, start, end), args.repeat)
    db.close()

    print(f"file: {path} ({path.stat().st_size / 1_048_576:.0f} MB)")
    print(f"{'measure':<44}{'ours':>10}{'limit':>10}{'ratio':>8}")
    report("open the file (with the migration check)", open_s, raw_open_s)
    report(f"one month: {len(occurrences)} occurrences", month_s, raw_month_s)
    print(f"  (raw sqlite3 fetches the same {raw_rows} rows as text, making no objects)")


def report(label: str, ours: float, limit: float) -> None:
    print(f"{label:<44}{ours * 1000:>8.1f}ms{limit * 1000:>8.1f}ms{ours / limit:>7.1f}x")


if __name__ == "__main__":
    main()
