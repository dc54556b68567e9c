"""Sharing one file: commits per second, alone and with four writers, and how soon others see it.

Usage: python benchmarks/bench_sharing.py [--commits N] [--samples N] [--folder DIR]

Measures, on a fresh file (in a temporary folder, or --folder to try a network share):
- commits per second for one coordinator (a change-log entry per commit, and volunteer saves
  through the services: load, then save with the version);
- commits per second with four processes writing at once (and the slowest one's share);
- the cost of a ChangeWatcher poll when nothing changed;
- the delay until a ChangeWatcher polling every 0.5 s and every 1 s sees another process's
  commit (the writer commits at random moments).
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from organizer.errors import DatabaseLockedError
from organizer.services import Services, VolunteerDraft
from organizer.services.base import record_change
from organizer.sharing.retry import write_with_retry
from organizer.sharing.watch import ChangeWatcher
from organizer.storage import create_database, open_database


def one_coordinator(path: Path, commits: int) -> tuple[float, float]:
    """(change-log commits per second, volunteer saves per second) for one process."""
    db = open_database(path)
    try:
        started = time.perf_counter()
        for n in range(commits):
            with db.write() as session:
                record_change(session, "solo", "update", "bench", n, "one coordinator")
        raw_rate = commits / (time.perf_counter() - started)
        volunteers = Services.for_database(db, "solo").volunteers
        person = volunteers.create(VolunteerDraft(name="Bench Person", joined_on=date(2026, 1, 5)))
        saves = max(commits // 3, 10)
        started = time.perf_counter()
        for n in range(saves):
            current = volunteers.get(person.id)
            draft = VolunteerDraft(
                name=current.name, joined_on=current.joined_on, notes=f"save {n}"
            )
            volunteers.update(person.id, current.version, draft)
        save_rate = saves / (time.perf_counter() - started)
    finally:
        db.close()
    return raw_rate, save_rate


def _writer(path: str, worker: int, commits: int, barrier: Any, results: Any) -> None:
    db = open_database(path)
    waits = failures = 0

    def waited(_attempt: int, _delay: float) -> None:
        nonlocal waits
        waits += 1

    barrier.wait()
    started = time.perf_counter()
    for n in range(commits):

        def work(session: Session, n: int = n) -> None:
            record_change(session, f"w{worker}", "update", "bench", n, "four writers")

        try:
            write_with_retry(db, work, attempts=6, on_wait=waited)
        except DatabaseLockedError:
            failures += 1
    results.put((worker, time.perf_counter() - started, waits, failures))
    db.close()


def four_writers(path: Path, commits: int) -> tuple[float, float, float, int, int]:
    """Four processes writing at once: total commits/s, fastest and slowest writer's rate,
    how often a writer's wait ran past the busy timeout (then retried), and gave up."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(5)
    results = context.Queue()
    processes = [
        context.Process(target=_writer, args=(str(path), n, commits, barrier, results))
        for n in range(4)
    ]
    for process in processes:
        process.start()
    barrier.wait(timeout=120)
    started = time.perf_counter()
    outcomes = [results.get(timeout=600) for _ in processes]
    elapsed = time.perf_counter() - started
    for process in processes:
        process.join()
    rates = [commits / outcome[1] for outcome in outcomes]
    waits = sum(outcome[2] for outcome in outcomes)
    failures = sum(outcome[3] for outcome in outcomes)
    return 4 * commits / elapsed, max(rates), min(rates), waits, failures


def poll_cost(path: Path) -> float:
    """Microseconds per ChangeWatcher.poll() when nothing changed."""
    db = open_database(path)
    watcher = ChangeWatcher(db, actor="bench")
    try:
        watcher.poll()
        rounds = 2000
        started = time.perf_counter()
        for _ in range(rounds):
            watcher.poll()
        return (time.perf_counter() - started) / rounds * 1e6
    finally:
        watcher.close()
        db.close()


NOTIFIER = """
import random, sys, time
from organizer.storage import open_database
from organizer.services.base import record_change
db = open_database(sys.argv[1])
rng = random.Random(int(sys.argv[3]))
for _ in range(int(sys.argv[2])):
    time.sleep(rng.uniform(0.2, 1.6))
    with db.write() as session:
        record_change(session, "other", "update", "bench", None, repr(time.time()))
"""


def watcher_delays(path: Path, interval: float, samples: int) -> list[float]:
    """Seconds from another process's commit until a watcher polling every ``interval`` sees it."""
    db = open_database(path)
    watcher = ChangeWatcher(db, actor="bench")
    writer = subprocess.Popen(
        [sys.executable, "-c", NOTIFIER, str(path), str(samples), str(int(interval * 10))]
    )
    delays: list[float] = []
    try:
        next_poll = time.monotonic()
        while True:
            finished = writer.poll() is not None
            next_poll += interval
            time.sleep(max(0.0, next_poll - time.monotonic()))
            seen_at = time.time()
            for change in watcher.poll():
                if change.actor == "other":
                    delays.append(seen_at - float(change.summary))
            if finished:  # one last poll after the writer's final commit
                break
    finally:
        writer.wait(timeout=60)
        watcher.close()
        db.close()
    return delays


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=300)
    parser.add_argument("--samples", type=int, default=12)
    parser.add_argument("--folder", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.folder) as folder:
        path = Path(folder) / "bench.organizer"
        create_database(path).close()
        raw, saves = one_coordinator(path, args.commits)
        print(f"one coordinator: {raw:7.0f} commits/s (change-log entry), {saves:5.0f} saves/s")
        total, fastest, slowest, waits, failures = four_writers(path, args.commits)
        print(
            f"four processes:  {total:7.0f} commits/s together "
            f"(per process {slowest:.0f}-{fastest:.0f}/s; busy timeout ran out {waits} times, "
            f"retried; gave up {failures} times)"
        )
        print(f"watcher poll, nothing changed: {poll_cost(path):.1f} µs")
        for interval in (0.5, 1.0):
            delays = watcher_delays(path, interval, args.samples)
            print(
                f"watcher every {interval:.1f} s: seen after median {statistics.median(delays):.2f}"
                f" s, max {max(delays):.2f} s ({len(delays)} commits)"
            )


if __name__ == "__main__":
    main()
