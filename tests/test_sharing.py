"""Sharing one file: noticing others' changes, presence, backups, restore, file-place checks."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from organizer.errors import (
    DatabaseDamagedError,
    DatabaseInUseError,
    DatabaseLockedError,
    NotOrganizerFileError,
)
from organizer.models import ChangeLogEntry, Volunteer
from organizer.models.scheduling import PresenceEntry
from organizer.services import Services, VolunteerDraft
from organizer.services.base import record_change
from organizer.sharing.backups import (
    SHARED_FOLDER_NAME,
    default_backup_folders,
    list_backups,
    restore_backup,
    rotating_backup,
)
from organizer.sharing.checks import busy_holder, locks_work, sync_folder_name
from organizer.sharing.presence import EXPIRY, PresenceService
from organizer.sharing.retry import write_with_retry
from organizer.sharing.watch import ChangeWatcher
from organizer.storage import Database, create_database, open_database
from tests.pg_fixtures import pg_server, pg_url

__all__ = ["pg_server", "pg_url"]


class Clock:
    """A settable clock for presence tests."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


def add_volunteer(db: Database, name: str, actor: str = "ann") -> Volunteer:
    return Services.for_database(db, actor).volunteers.create(
        VolunteerDraft(name=name, joined_on=date(2026, 1, 5))
    )


# --- ChangeWatcher -------------------------------------------------------------------------


def test_watcher_reports_other_connections_changes_but_not_older_ones(db: Database) -> None:
    add_volunteer(db, "Before Start")
    watcher = ChangeWatcher(db, actor="ann")
    try:
        assert watcher.poll() == []
        other = open_database(db.path)  # type: ignore[arg-type]
        try:
            sam = add_volunteer(other, "Sam Patel", actor="sam")
        finally:
            other.close()
        changes = watcher.poll()
        assert [(c.actor, c.action, c.entity, c.entity_id) for c in changes] == [
            ("sam", "create", "volunteer", sam.id)
        ]
        assert "Sam Patel" in changes[0].summary
        assert changes[0].at.tzinfo is not None
        assert watcher.last_seq == changes[0].seq
        assert watcher.poll() == []
    finally:
        watcher.close()


def test_watcher_is_cheap_when_nothing_changed(db: Database) -> None:
    add_volunteer(db, "Someone")
    watcher = ChangeWatcher(db, actor="ann")
    statements: list[str] = []
    try:
        watcher.poll()
        assert watcher._connection is not None
        watcher._connection.set_trace_callback(statements.append)
        for _ in range(20):
            assert watcher.poll() == []
        assert statements == ["PRAGMA data_version"] * 20
        add_volunteer(db, "Another")
        statements.clear()
        assert len(watcher.poll()) == 1
        assert any("change_log" in statement for statement in statements)
    finally:
        watcher.close()


def test_watcher_catches_up_after_sleep_and_lost_connection(db: Database) -> None:
    watcher = ChangeWatcher(db, actor="ann")
    try:
        ids = [add_volunteer(db, f"Volunteer {n}", actor="sam").id for n in range(6)]
        # A laptop lid closed: the watcher's handle is gone when it wakes.
        assert watcher._connection is not None
        watcher._connection.close()
        changes = watcher.poll()
        assert [c.entity_id for c in changes] == ids
        assert [c.seq for c in changes] == sorted(c.seq for c in changes)
        assert watcher.poll() == []
    finally:
        watcher.close()


def test_watcher_does_not_block_writers(db: Database) -> None:
    watcher = ChangeWatcher(db, actor="ann")
    try:
        watcher.poll()
        slow = open_database(db.path, busy_timeout_ms=0)  # type: ignore[arg-type]
        try:
            add_volunteer(slow, "Writes At Once")  # would fail if the watcher held a read lock
        finally:
            slow.close()
        assert len(watcher.poll()) == 1
    finally:
        watcher.close()


# --- Presence --------------------------------------------------------------------------------


def test_presence_join_heartbeat_others_expiry_and_editing(db: Database) -> None:
    clock = Clock()
    ann = PresenceService(db, user="ann", host="office-1", pid=11, clock=clock)
    sam = PresenceService(db, user="sam", host="office-2", pid=22, clock=clock)
    ann_id = ann.join()
    sam_id = sam.join()
    assert ann_id != sam_id
    assert [(p.user, p.host) for p in ann.others()] == [("sam", "office-2")]
    assert [p.user for p in sam.others()] == ["ann"]

    clock.advance(timedelta(seconds=30))
    sam.heartbeat("volunteer", 7)
    [seen] = ann.editing("volunteer", 7)
    assert (seen.user, seen.entity, seen.entity_id, seen.seen_at) == (
        "sam",
        "volunteer",
        7,
        clock.now,
    )
    assert seen.since == clock.now - timedelta(seconds=30)
    assert ann.editing("volunteer", 8) == []
    sam.heartbeat()  # editor closed
    assert ann.editing("volunteer", 7) == []

    # Sam's laptop sleeps: after the expiry Ann no longer sees Sam, and the row is removed.
    clock.advance(EXPIRY + timedelta(seconds=1))
    ann.heartbeat()
    assert ann.others() == []
    with db.read() as session:
        assert session.scalars(select(PresenceEntry.session_id)).all() == [ann_id]

    # Sam wakes up: the next heartbeat puts Sam back.
    sam.heartbeat("event", 3)
    assert [(p.user, p.entity) for p in ann.others()] == [("sam", "event")]
    sam.leave()
    assert ann.others() == []


# --- Backups and restore ------------------------------------------------------------------------


def test_rotating_backups_one_a_day_and_keep_the_newest(db: Database, tmp_path: Path) -> None:
    add_volunteer(db, "Kept Person")
    folders = [tmp_path / "local" / "backups", tmp_path / "shared" / SHARED_FOLDER_NAME]
    day = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    first = rotating_backup(db, folders, keep=3, now=day)
    assert len(first) == 2 and all(path.exists() for path in first)
    assert rotating_backup(db, folders, keep=3, now=day + timedelta(hours=5)) == []
    for n in range(1, 5):
        assert len(rotating_backup(db, folders, keep=3, now=day + timedelta(days=n))) == 2
    for folder in folders:
        infos = list_backups([folder])
        assert [info.taken_at.date() for info in infos] == [
            date(2026, 3, 5),
            date(2026, 3, 4),
            date(2026, 3, 3),
        ]
        assert all(info.size > 0 for info in infos)
    copy = open_database(list_backups(folders)[0].path)
    try:
        assert [v.name for v in Services.for_database(copy).volunteers.list()] == ["Kept Person"]
    finally:
        copy.close()


def test_default_backup_folders_are_local_and_beside_the_file(db: Database) -> None:
    local, beside = default_backup_folders(db)
    assert local.parts[-2:] == ("backups", db.file_info()["file_id"])
    assert beside == db.path.parent / SHARED_FOLDER_NAME  # type: ignore[union-attr]


def test_restore_refuses_while_others_are_connected(db: Database, tmp_path: Path) -> None:
    [backup] = rotating_backup(db, [tmp_path / "b"])
    sam = PresenceService(db, user="sam", host="office-2", pid=22)
    sam.join()
    me = PresenceService(db, user="ann", host="office-1", pid=11)
    me.join()
    others = me.others()
    assert db.path is not None
    before = db.path.read_bytes()
    with pytest.raises(DatabaseInUseError, match="sam on office-2"):
        restore_backup(db.path, backup, others=others)
    assert db.path.read_bytes() == before


def test_restore_when_alone_brings_back_the_backup(db_path: Path, tmp_path: Path) -> None:
    db = create_database(db_path)
    add_volunteer(db, "In The Backup")
    [backup] = rotating_backup(db, [tmp_path / "b"])
    add_volunteer(db, "Added Later")
    db.close()

    kept = restore_backup(db_path, backup, others=[])

    restored = open_database(db_path)
    try:
        names = [v.name for v in Services.for_database(restored).volunteers.list()]
    finally:
        restored.close()
    assert names == ["In The Backup"]
    assert kept.name.startswith(f"{db_path.name}.before-restore-")
    old = open_database(kept)
    try:
        assert len(Services.for_database(old).volunteers.list()) == 2
    finally:
        old.close()


def test_restore_refuses_foreign_or_damaged_files(db: Database, tmp_path: Path) -> None:
    assert db.path is not None
    plain = tmp_path / "plain.db"
    foreign = sqlite3.connect(plain)
    foreign.execute("CREATE TABLE t (x)")
    foreign.commit()
    foreign.close()
    with pytest.raises(NotOrganizerFileError, match=r"plain\.db"):
        restore_backup(db.path, plain, others=[])
    [backup] = rotating_backup(db, [tmp_path / "b"])
    damaged = tmp_path / "damaged.organizer"
    data = bytearray(backup.read_bytes())
    page = 4096
    data[page + 8 : page * 3] = b"\xa5" * (page * 3 - page - 8)
    damaged.write_bytes(bytes(data))
    with pytest.raises((DatabaseDamagedError, NotOrganizerFileError)):
        restore_backup(db.path, damaged, others=[])


# --- Where the file lives ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/home/ann/OneDrive/Office/team.organizer", "OneDrive"),
        ("C:/Users/ann/OneDrive - Riverside Food Bank/team.organizer", "OneDrive"),
        ("/home/ann/Dropbox (Team)/rota/team.organizer", "Dropbox"),
        ("/Users/ann/Google Drive/My Drive/team.organizer", "Google Drive"),
        ("/Users/ann/Library/Mobile Documents/com~apple~CloudDocs/team.organizer", "iCloud Drive"),
        ("/mnt/office-share/rota/team.organizer", None),
        ("/home/ann/Documents/onedrive-notes/team.organizer", None),
    ],
)
def test_sync_folder_names_by_path(path: str, expected: str | None) -> None:
    assert sync_folder_name(Path(path)) == expected


def test_sync_folder_markers(tmp_path: Path) -> None:
    dropbox_root = tmp_path / "work-files"
    (dropbox_root / "rota").mkdir(parents=True)
    (dropbox_root / ".dropbox").write_text("{}")
    assert sync_folder_name(dropbox_root / "rota" / "team.organizer") == "Dropbox"
    onedrive_root = tmp_path / "Contoso Share"
    onedrive_root.mkdir()
    ini = (
        "[.ShellClassInfo]\r\nIconResource=C:\\Program Files\\Microsoft OneDrive\\OneDrive.exe\r\n"
    )
    (onedrive_root / "desktop.ini").write_bytes(ini.encode("utf-16"))
    assert sync_folder_name(onedrive_root / "team.organizer") == "OneDrive"
    assert sync_folder_name(tmp_path / "plain" / "team.organizer") is None


def test_lock_probe(db: Database) -> None:
    assert db.path is not None
    assert locks_work(db.path) is True
    assert locks_work(db.path, vfs="unix-none") is False


# --- Busy file ---------------------------------------------------------------------------


def test_busy_write_retries_then_names_who_is_saving(db_path: Path) -> None:
    create_database(db_path).close()
    db = open_database(db_path, busy_timeout_ms=20)
    try:
        sam = PresenceService(db, user="sam", host="office-2", pid=os.getpid() + 1)
        sam.join()
        me = PresenceService(db, user="ann", host=socket.gethostname(), pid=os.getpid())
        me.join()
        holder = sqlite3.connect(db_path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        waits: list[tuple[int, float]] = []
        try:
            with pytest.raises(DatabaseLockedError) as caught:
                write_with_retry(
                    db,
                    lambda session: record_change(session, "ann", "update", "x", 1, "blocked"),
                    attempts=3,
                    on_wait=lambda attempt, delay: waits.append((attempt, delay)),
                    sleep=lambda _: None,
                )
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert "sam on office-2" in str(caught.value)
        assert str(db_path) in str(caught.value)
        assert [attempt for attempt, _ in waits] == [1, 2]
        assert waits[1][1] > waits[0][1]  # backing off
        holder_info = busy_holder(db)
        assert holder_info is not None and holder_info.user == "sam"
    finally:
        db.close()


def test_busy_write_succeeds_once_the_other_finishes(db_path: Path) -> None:
    create_database(db_path).close()
    db = open_database(db_path, busy_timeout_ms=20)
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")

    def other_finishes(_attempt: int, _delay: float) -> None:
        if holder.in_transaction:
            holder.execute("COMMIT")

    def work(session: Session) -> int:
        record_change(session, "ann", "update", "x", 1, "landed")
        return 1

    try:
        result = write_with_retry(
            db, work, attempts=3, on_wait=other_finishes, sleep=lambda _: None
        )
        assert result == 1
        with db.read() as session:
            assert session.scalars(select(ChangeLogEntry.summary)).all() == ["landed"]
    finally:
        holder.close()
        db.close()


def test_sharing_core_runs_without_qt() -> None:
    script = (
        "import sys\n"
        "import organizer.sharing.backups, organizer.sharing.checks\n"
        "import organizer.sharing.presence, organizer.sharing.retry, organizer.sharing.watch\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == "[]"


def test_watcher_and_presence_on_a_server(pg_url: str) -> None:
    db = create_database(pg_url)
    other = open_database(pg_url)
    watcher: ChangeWatcher | None = None
    try:
        add_volunteer(db, "Before Start")
        watcher = ChangeWatcher(db, actor="ann")
        assert watcher.poll() == []
        sam = add_volunteer(other, "Sam Patel", actor="sam")
        # The server announces the commit a moment later: wait for it, as a timer would.
        assert [(c.actor, c.entity_id) for c in watcher.poll(wait=10)] == [("sam", sam.id)]
        assert watcher.poll() == []
        watcher.close()

        clock = Clock()
        ann_here = PresenceService(db, user="ann", host="office-1", pid=1, clock=clock)
        sam_here = PresenceService(other, user="sam", host="office-2", pid=2, clock=clock)
        ann_here.join()
        sam_here.join()
        sam_here.heartbeat("volunteer", sam.id)
        assert [p.user for p in ann_here.editing("volunteer", sam.id)] == ["sam"]
        clock.advance(EXPIRY + timedelta(seconds=1))
        ann_here.heartbeat()
        assert ann_here.others() == []
    finally:
        if watcher is not None:
            watcher.close()
        other.close()
        db.close()
