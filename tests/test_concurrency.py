"""Several processes on one file: conflicting edits lose nothing, killed writers damage nothing."""

from __future__ import annotations

import dataclasses
import itertools
import multiprocessing
import random
import signal
import sqlite3
import subprocess
import sys
from collections import Counter
from datetime import date
from typing import Any

from sqlalchemy import select

from organizer.errors import ConflictError, DatabaseLockedError
from organizer.models import ChangeLogEntry, Volunteer
from organizer.services import Services, VolunteerDraft
from organizer.storage import Database, create_database, integrity_problems, open_database
from tests.pg_fixtures import pg_server, pg_url

__all__ = ["pg_server", "pg_url"]

WORKERS = 4
EDITS = 50
VOLUNTEERS = 5
KILL_ROUNDS = 20


def draft_of(row: Volunteer, **changes: Any) -> VolunteerDraft:
    """The draft an editor would hold for ``row``, with ``changes`` typed in."""
    values = {field.name: getattr(row, field.name) for field in dataclasses.fields(VolunteerDraft)}
    values.update(changes)
    return VolunteerDraft(**values)


def edit_worker(
    path: str,
    worker: int,
    volunteer_ids: list[int],
    barrier: Any,
    results: Any,
    edits: int = EDITS,
) -> None:
    """Append a marker to a volunteer's notes ``edits`` times: load, then save the version."""
    db = open_database(path)
    volunteers = Services.for_database(db, f"worker-{worker}").volunteers
    rng = random.Random(worker)
    landed: list[tuple[int, str]] = []
    conflicts = locked = 0
    barrier.wait()
    for edit in range(edits):
        volunteer_id = rng.choice(volunteer_ids)
        marker = f"<w{worker}e{edit}>"
        while True:
            current = volunteers.get(volunteer_id)
            draft = draft_of(current, notes=current.notes + marker)
            try:
                volunteers.update(volunteer_id, current.version, draft)
            except ConflictError:
                conflicts += 1
                continue
            except DatabaseLockedError:
                locked += 1
                continue
            landed.append((volunteer_id, marker))
            break
    db.close()
    results.put((worker, landed, conflicts, locked))


def test_conflicting_edits_from_several_processes_lose_nothing(db: Database) -> None:
    check_conflicting_edits(db, str(db.path), WORKERS, EDITS)


def test_conflicting_edits_on_a_server_lose_nothing(pg_url: str) -> None:
    db = create_database(pg_url)
    try:
        check_conflicting_edits(db, pg_url, 3, 20)
    finally:
        db.close()


def check_conflicting_edits(db: Database, target: str, workers: int, edits: int) -> None:
    """``workers`` processes each save ``edits`` conflicting edits: all land, none is lost."""
    volunteers = Services.for_database(db, "setup").volunteers
    ids = [
        volunteers.create(VolunteerDraft(name=f"Person {n}", joined_on=date(2026, 1, 5))).id
        for n in range(VOLUNTEERS)
    ]
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(workers + 1)
    results = context.Queue()
    processes = [
        context.Process(target=edit_worker, args=(target, n, ids, barrier, results, edits))
        for n in range(workers)
    ]
    for process in processes:
        process.start()
    barrier.wait(timeout=120)  # every worker is loaded: they start editing together
    outcomes = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0

    landed = [item for _, items, _, _ in outcomes for item in items]
    conflicts = sum(count for _, _, count, _ in outcomes)
    assert len(landed) == workers * edits
    # The risky overlap happened: saves based on a copy someone else had just replaced.
    assert conflicts > 0

    with db.read() as session:
        rows = {row.id: row for row in session.scalars(select(Volunteer))}
        log = session.execute(
            select(ChangeLogEntry.actor, ChangeLogEntry.entity_id)
            .where(ChangeLogEntry.entity == "volunteer", ChangeLogEntry.action == "update")
            .order_by(ChangeLogEntry.seq)
        ).all()
    per_volunteer = Counter(volunteer_id for volunteer_id, _ in landed)
    for volunteer_id, marker in landed:
        # Every landed edit is in the final notes exactly once: no save overwrote another.
        assert rows[volunteer_id].notes.count(marker) == 1
    for volunteer_id in ids:
        assert rows[volunteer_id].notes.count("<") == per_volunteer[volunteer_id]
        assert rows[volunteer_id].version == 1 + per_volunteer[volunteer_id]
    # Every landed edit has its change-log entry, by the right coordinator, on the right row.
    expected = Counter((f"worker-{w}", vid) for w, items, _, _ in outcomes for vid, _ in items)
    assert Counter((actor, entity_id) for actor, entity_id in log) == expected
    switches = sum(1 for a, b in itertools.pairwise(log) if a.actor != b.actor)
    assert switches > workers  # the processes' saves interleaved, not one after another
    assert integrity_problems(db) == []


CHILD = """
import random, sys
from organizer.storage import open_database
from organizer.services.base import record_change

db = open_database(sys.argv[1])
rng = random.Random(int(sys.argv[2]))
number = int(sys.argv[2]) * 100000
while True:
    number += 1
    with db.write() as session:
        for _ in range(rng.randint(0, 40)):
            record_change(session, "filler", "update", "filler", None, "y" * rng.randint(0, 4000))
        record_change(session, "child", "update", "marker", number, "x" * rng.randint(0, 20000))
        session.flush()
        print("writing", number, flush=True)
    print("committed", number, flush=True)
"""


def test_writer_killed_mid_transaction_leaves_a_sound_file(db: Database) -> None:
    assert db.path is not None
    db.close()
    journal = db.path.with_name(db.path.name + "-journal")
    rng = random.Random(7)
    hot_journals = 0
    for round_number in range(1, KILL_ROUNDS + 1):
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(db.path), str(round_number)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert child.stdout is not None
        # Kill after a random number of commits, half the time while the next one is being
        # written (its rows are in the file's journal), half just after a commit.
        commits_first, kill_on = rng.randint(1, 12), rng.choice(["writing", "committed"])
        reported: list[int] = []
        while True:
            kind, number = child.stdout.readline().split()
            if kind == "committed":
                reported.append(int(number))
            if len(reported) >= commits_first and kind == kill_on:
                break
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        child.stdout.close()
        hot_journals += journal.exists() and journal.stat().st_size > 0

        # Opening read-write lets SQLite roll back the dead writer's journal.
        connection = sqlite3.connect(f"file:{db.path}?mode=rw", uri=True)
        try:
            assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            present = {
                row[0]
                for row in connection.execute(
                    "SELECT entity_id FROM change_log WHERE entity = 'marker'"
                )
            }
        finally:
            connection.close()
        assert set(reported) <= present, f"round {round_number} lost a committed marker"
    # Kills did land inside transactions (a journal was left behind to recover from).
    assert hot_journals >= KILL_ROUNDS // 4
    reopened = open_database(db.path)
    try:
        assert integrity_problems(reopened) == []
    finally:
        reopened.close()
