"""The scheduling engine on the large demo set: one check, a month of checks, a month's auto-fill.

Usage: python benchmarks/bench_scheduling.py [--db FILE] [--places N] [--repeat N]

Works on a copy of --db (default ``/tmp/large2.organizer`` when it exists, else the large
demo set, seed 1, generated in a temporary folder).  Times:

* checking one proposed assignment (median of 200 random volunteer/shift pairs);
* checking every place-holding assignment of shifts in one month;
* auto-filling one month for a subset of causes chosen to give about --places open places
  (propose, then apply and undo).
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from organizer.demo import generate_demo
from organizer.models import Assignment, Volunteer
from organizer.scheduling.autofill import AutoFillService
from organizer.scheduling.conflicts import ConflictService
from organizer.scheduling.cover import CoverService
from organizer.services.coverage import CoverageService
from organizer.storage import create_database, open_database

DEFAULT = Path("/tmp/large2.organizer")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=DEFAULT if DEFAULT.exists() else None)
    parser.add_argument("--places", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "bench.organizer"
        if args.db is not None:
            shutil.copy(args.db, target)
            db = open_database(target)
        else:
            db = create_database(target)
            generate_demo(db, scale="large", seed=1)
        try:
            run(db, args.places, args.repeat)
        finally:
            db.close()


def run(db: object, places: int, repeat: int) -> None:
    conflicts = ConflictService(db, "bench")  # type: ignore[arg-type]
    with db.read() as session:  # type: ignore[attr-defined]
        volunteers = session.scalar(select(func.count(Volunteer.id)))
        count = session.scalar(select(func.count(Assignment.id))) or 0
        middle = session.scalar(
            select(Assignment.occurrence_start)
            .order_by(Assignment.occurrence_start)
            .offset(count // 2)
            .limit(1)
        )
    assert middle is not None
    coverage = CoverageService(db, "bench")  # type: ignore[arg-type]
    start = datetime(middle.year, middle.month, 1, tzinfo=UTC)
    for _ in range(12):  # the first month from the busy middle with enough open places
        end = (start + timedelta(days=32)).replace(day=1)
        fills = coverage.shift_fill(start, end)
        if sum(fill.missing for fill in fills) >= places:
            break
        start = end
    print(f"{volunteers} volunteers, {count} assignments; month {start:%B %Y}")
    open_by_cause: dict[int | None, int] = {}
    for fill in fills:
        open_by_cause[fill.cause_id] = open_by_cause.get(fill.cause_id, 0) + fill.missing
    print(f"{len(fills)} shift occurrences, {sum(open_by_cause.values())} open places this month")

    # One interactive check.
    rng = random.Random(1)
    with db.read() as session:  # type: ignore[attr-defined]
        ids = list(session.scalars(select(Volunteer.id).where(Volunteer.active.is_(True))))
    pairs = [(rng.choice(ids), rng.choice(fills)) for _ in range(200)]
    conflicts.check(pairs[0][0], pairs[0][1].shift_id, pairs[0][1].recurrence_id)  # warm up
    times = []
    for vid, fill in pairs:
        began = time.perf_counter()
        conflicts.check(vid, fill.shift_id, fill.recurrence_id)
        times.append(time.perf_counter() - began)
    print(
        f"check one assignment: median {statistics.median(times) * 1000:.1f} ms, "
        f"95th percentile {sorted(times)[int(len(times) * 0.95)] * 1000:.1f} ms"
    )

    cover = CoverService(db, "bench")  # type: ignore[arg-type]
    began = time.perf_counter()
    short = next(fill for fill in fills if fill.missing)
    ranked = cover.candidates(short.shift_id, short.recurrence_id)
    print(f"cover candidates for one shift: {len(ranked)} in {time.perf_counter() - began:.2f} s")

    runs = []
    found = []
    for _ in range(repeat):
        began = time.perf_counter()
        found = conflicts.check_period(start, end)
        runs.append(time.perf_counter() - began)
    blocking = sum(1 for f in found if f.blocking)
    print(
        f"check every assignment in the month: {statistics.median(runs):.2f} s "
        f"({len(found)} findings, {blocking} blocking)"
    )

    chosen: list[int] = []
    total = 0
    for cause_id, count in sorted(open_by_cause.items(), key=lambda kv: -kv[1]):
        if cause_id is None or count == 0 or total + count > places * 1.2:
            continue
        chosen.append(cause_id)
        total += count
        if total >= places * 0.9:
            break
    service = AutoFillService(db, "bench")  # type: ignore[arg-type]
    began = time.perf_counter()
    proposal = service.propose(start, end, cause_ids=chosen)
    took = time.perf_counter() - began
    helpers = len({p.volunteer_id for p in proposal.placements})
    print(
        f"auto-fill a month ({len(chosen)} causes): {proposal.open_places} open places, "
        f"{len(proposal.placements)} filled by {helpers} volunteers, "
        f"{len(proposal.unfilled)} shifts left short, in {took:.2f} s"
    )
    began = time.perf_counter()
    report = service.apply_report(proposal)
    applied = time.perf_counter() - began
    began = time.perf_counter()
    removed = service.undo(report.assignment_ids)
    undone = time.perf_counter() - began
    print(
        f"apply: {len(report.assignment_ids)} created ({len(report.skipped)} skipped) in "
        f"{applied:.2f} s; undo removed {removed} in {undone:.2f} s"
    )


if __name__ == "__main__":
    main()
