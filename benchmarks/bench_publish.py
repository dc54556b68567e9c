"""Time publishing on the large demo set: ``python benchmarks/bench_publish.py``.

A full publish (every volunteer, 8 weeks, to an outbox folder) is timed, then one occurrence
of a busy series is moved and the republish, which must send only its volunteers, is timed;
it compares only the volunteers the change can touch, and is checked to give the plan that
comparing everyone gives.  Target: the republish takes at most 5 % of the full publish.  The
large set is generated once and cached in the temporary folder (``--cache`` to choose another
place).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from organizer.demo import generate_demo
from organizer.ics.invitations import Person
from organizer.ics.publish import (
    OutboxSink,
    PublishPlan,
    default_period,
    execute_publish,
    plan_publish,
)
from organizer.models import Assignment, Event, OccurrenceRow, Shift
from organizer.services import Services
from organizer.storage import create_database, open_database

ORGANISER = Person("Bench Organiser", "organiser@example.org")
TARGET = 0.05
"""The republish after one change may take at most this share of a full publish."""


def cached_demo(folder: Path, anchor: date) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"demo-large-1-{anchor.isoformat()}.organizer"
    if not path.exists():
        partial = path.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        began = time.perf_counter()
        db = create_database(partial)
        try:
            generate_demo(db, scale="large", seed=1, start=anchor)
        finally:
            db.close()
        partial.replace(path)
        print(f"generated the large demo set in {time.perf_counter() - began:.1f} s")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--cache", type=Path, default=Path(tempfile.gettempdir()) / "organizer-bench"
    )
    args = parser.parse_args()
    now = datetime.now(UTC)
    anchor = (now - timedelta(days=now.weekday())).date()
    source = cached_demo(args.cache, anchor)
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch) / "publish.organizer"
        shutil.copyfile(source, work)
        db = open_database(work)
        try:
            starts, ends = default_period(now)

            def run(outbox: Path, label: str) -> tuple[float, PublishPlan]:
                began = time.perf_counter()
                with db.read() as session:
                    plan = plan_publish(session, starts=starts, ends=ends, contact=ORGANISER)
                planned = time.perf_counter() - began
                result = execute_publish(
                    db,
                    plan,
                    sink=OutboxSink(outbox),
                    organizer=ORGANISER,
                    reminder_minutes=60,
                    actor="bench",
                    now=now,
                )
                total = time.perf_counter() - began
                compared = "everyone" if plan.compared is None else f"{len(plan.compared):,}"
                print(
                    f"{label}: {result.invitations:,} invitations to "
                    f"{result.volunteers:,} volunteers ({compared} compared)"
                )
                print(f"  plan {planned:.2f} s, total {total:.2f} s")
                return total, plan

            full_s, _ = run(Path(scratch) / "full", "full publish")

            with db.read() as session:
                busiest = session.execute(
                    select(Event.id, OccurrenceRow.recurrence_id, func.count(Assignment.id))
                    .join(OccurrenceRow, OccurrenceRow.event_id == Event.id)
                    .join(Shift, Shift.event_id == Event.id)
                    .join(
                        Assignment,
                        (Assignment.shift_id == Shift.id)
                        & (Assignment.occurrence_start == OccurrenceRow.recurrence_id),
                    )
                    .where(
                        Event.rrule.is_not(None),
                        OccurrenceRow.starts_at >= starts + timedelta(days=7),
                        OccurrenceRow.starts_at < ends,
                    )
                    .group_by(Event.id, OccurrenceRow.recurrence_id)
                    .order_by(func.count(Assignment.id).desc())
                    .limit(1)
                ).one()
            event_id, occurrence, booked = busiest
            events = Services.for_database(db, "bench").events
            event = events.get(event_id)
            events.change_occurrence(
                event_id, event.version, occurrence, starts_at=occurrence + timedelta(minutes=30)
            )
            print(f"moved one occurrence with {booked} volunteers by 30 minutes")

            # The republish compares only the volunteers the change can touch; check that its
            # plan is the one comparing everyone gives (timed too, for scale).
            with db.read() as session:
                began = time.perf_counter()
                whole = plan_publish(
                    session, starts=starts, ends=ends, contact=ORGANISER, full=True
                )
                whole_s = time.perf_counter() - began
            re_s, quick = run(Path(scratch) / "again", "republish")
            same = replace(quick, compared=None) == whole
            print(
                f"  comparing everyone instead: plan {whole_s:.2f} s, "
                f"same plan: {'yes' if same else 'NO'}"
            )
            ratio = re_s / full_s
            verdict = "OK" if ratio <= TARGET else "OVER TARGET"
            print(f"republish / full publish: {ratio:.1%} (target at most {TARGET:.0%}) {verdict}")
        finally:
            db.close()


if __name__ == "__main__":
    main()
