"""Opening, creating, migrating and backing up database files, including bad files."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import select, text

from organizer.errors import (
    DatabaseDamagedError,
    DatabaseExistsError,
    DatabaseLockedError,
    DatabaseMissingError,
    DatabaseReadOnlyError,
    DatabaseTooNewError,
    NotOrganizerFileError,
)
from organizer.models import Cause, Volunteer
from organizer.services import CauseDraft, Services
from organizer.storage import (
    SCHEMA_HEAD,
    Database,
    backup_to,
    create_database,
    head_revision,
    integrity_problems,
    migration_config,
    open_database,
    schema_problems,
)
from organizer.storage.sqlite import APPLICATION_ID
from tests.schema_helpers import schema_1_file

DATA = Path(__file__).parent / "data"


def _add_cause(db: Database, name: str = "Food bank") -> None:
    Services.for_database(db, "tester").causes.create(CauseDraft(name=name))


def test_new_file_is_stamped_and_migrated(db: Database, db_path: Path) -> None:
    raw = sqlite3.connect(db_path)
    assert raw.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert raw.execute("PRAGMA user_version").fetchone()[0] == int(SCHEMA_HEAD)
    raw.close()
    info = db.file_info()
    assert info["schema_revision"] == head_revision()
    assert len(info["file_id"]) == 36
    assert db.schema_revision() == head_revision()


def test_models_and_migrations_agree(db: Database) -> None:
    assert schema_problems(db) == []
    with db.engine.connect() as conn:
        command.check(migration_config(conn))


def test_connections_follow_the_shared_file_rules(db: Database) -> None:
    with db.read() as session:
        conn = session.connection()
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert (conn.exec_driver_sql("PRAGMA busy_timeout").scalar() or 0) >= 1000
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "delete"


def test_data_survives_reopening(db: Database, db_path: Path) -> None:
    _add_cause(db, "Walk and talk")
    db.close()
    again = open_database(db_path)
    try:
        with again.read() as session:
            assert session.scalars(select(Cause.name)).all() == ["Walk and talk"]
    finally:
        again.close()


def test_missing_file_is_an_error_and_creates_nothing(tmp_path: Path) -> None:
    target = tmp_path / "share" / "office.organizer"
    with pytest.raises(DatabaseMissingError, match="no Organizer file"):
        open_database(target)
    assert not target.exists()
    target.parent.mkdir()
    with pytest.raises(DatabaseMissingError):
        open_database(target)
    assert not target.exists()


def test_create_refuses_an_existing_file(db_path: Path, db: Database) -> None:
    with pytest.raises(DatabaseExistsError):
        create_database(db_path)


@pytest.mark.parametrize(
    "content",
    [b"", b"name,email\nSam,sam@example.org\n", b"SQLite format 3\x00" + b"\x00" * 10],
    ids=["empty", "csv", "truncated-header"],
)
def test_a_file_that_is_not_ours_is_refused(tmp_path: Path, content: bytes) -> None:
    target = tmp_path / "other.organizer"
    target.write_bytes(content)
    with pytest.raises(NotOrganizerFileError, match="not an Organizer data file"):
        open_database(target)
    assert target.read_bytes() == content


def test_another_programs_sqlite_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "firefox.sqlite"
    raw = sqlite3.connect(target)
    raw.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY)")
    raw.commit()
    raw.close()
    before = target.read_bytes()
    with pytest.raises(NotOrganizerFileError):
        open_database(target)
    assert target.read_bytes() == before


def test_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(NotOrganizerFileError, match="folder"):
        open_database(tmp_path)


def test_a_file_from_a_newer_version_is_refused_untouched(db: Database, db_path: Path) -> None:
    db.close()
    raw = sqlite3.connect(db_path)
    raw.execute("UPDATE alembic_version SET version_num = 'ffff_from_the_future'")
    raw.execute(
        "UPDATE file_info SET value = 'Organizer 9.0' WHERE key = 'last_written_by_version'"
    )
    raw.commit()
    raw.close()
    before = db_path.read_bytes()
    with pytest.raises(DatabaseTooNewError, match=r"newer version of Organizer \(Organizer 9.0\)"):
        open_database(db_path)
    assert db_path.read_bytes() == before


def test_a_damaged_file_is_reported(db: Database, db_path: Path) -> None:
    _add_cause(db)
    db.close()
    data = bytearray(db_path.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    # Overwrite the first page after the header (the schema) with noise.
    data[100:page_size] = bytes((i * 7 + 13) % 256 for i in range(page_size - 100))
    db_path.write_bytes(bytes(data))
    with pytest.raises(DatabaseDamagedError, match="damaged"):
        open_database(db_path)


def test_read_only_file_needs_explicit_read_only(
    db: Database, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _add_cause(db)
    db.close()
    # Running as root makes chmod meaningless, so ask the same question os.access answers.
    monkeypatch.setattr("organizer.storage._writable", lambda path: False)
    with pytest.raises(DatabaseReadOnlyError, match="read-only"):
        open_database(db_path)
    viewer = open_database(db_path, read_only=True)
    try:
        assert viewer.read_only
        with viewer.read() as session:
            assert session.scalars(select(Cause.name)).all() == ["Food bank"]
        with pytest.raises(DatabaseReadOnlyError):
            _add_cause(viewer, "Another")
    finally:
        viewer.close()


def test_read_only_connection_cannot_write_even_through_sql(db: Database, db_path: Path) -> None:
    db.close()
    viewer = open_database(db_path, read_only=True)
    try:
        with pytest.raises(DatabaseReadOnlyError), viewer.read() as session:
            session.execute(text("INSERT INTO file_info (key, value) VALUES ('x', 'y')"))
    finally:
        viewer.close()


def test_a_file_locked_too_long_gives_a_clear_error(db_path: Path) -> None:
    create_database(db_path).close()
    short = open_database(db_path, busy_timeout_ms=200)
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(DatabaseLockedError, match="busy"):
            _add_cause(short)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        short.close()


def test_writers_wait_for_each_other_instead_of_failing(db: Database, db_path: Path) -> None:
    other = open_database(db_path)
    holder = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    release = threading.Timer(0.3, lambda: holder.execute("COMMIT"))
    release.start()
    try:
        _add_cause(other, "Waited for the lock")
    finally:
        release.join()
        holder.close()
        other.close()
    with db.read() as session:
        assert session.scalars(select(Cause.name)).all() == ["Waited for the lock"]


def test_a_failed_write_leaves_the_data_as_it_was(db: Database) -> None:
    _add_cause(db, "Kept")
    with pytest.raises(RuntimeError), db.write() as session:
        session.add(Cause(name="Half-written", created_by="t", updated_by="t"))
        session.flush()
        raise RuntimeError("power cut")
    with db.read() as session:
        assert session.scalars(select(Cause.name)).all() == ["Kept"]


def test_an_interrupted_creation_is_finished_after_a_backup(tmp_path: Path) -> None:
    """A file stamped as ours but never migrated is backed up, then brought up to date."""
    target = tmp_path / "half.organizer"
    raw = sqlite3.connect(target)
    raw.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    raw.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
    raw.commit()
    raw.close()
    db = open_database(target)
    try:
        assert db.schema_revision() == head_revision()
        assert schema_problems(db) == []
    finally:
        db.close()


def test_upgrading_a_released_schema_backs_up_first(tmp_path: Path) -> None:
    """The committed SQL dump of schema 1 opens, is backed up and keeps its data."""
    target = tmp_path / "from-release-1.organizer"
    raw = schema_1_file(target)
    raw.execute("UPDATE alembic_version SET version_num = '0001'")
    raw.commit()
    raw.close()
    db = open_database(target)
    try:
        assert db.schema_revision() == head_revision()
        with db.read() as session:
            names = session.scalars(select(Volunteer.name)).all()
        assert names == ["Amira Haddad"]
    finally:
        db.close()
    if head_revision() != "0001":
        backups = list(tmp_path.glob("from-release-1.before-upgrade-*.backup"))
        assert len(backups) == 1


def test_upgrading_schema_1_gives_every_existing_assignment_its_own_uid(tmp_path: Path) -> None:
    """Assignments made before invitations existed each get a distinct, stored UID."""
    target = tmp_path / "rostered.organizer"
    raw = schema_1_file(target)
    stamps = "'2026-01-01 09:00:00', 'test', '2026-01-01 09:00:00', 'test', 1"
    raw.execute(
        "INSERT INTO events (id, uid, sequence, title, description, starts_at, ends_at, "
        "timezone, all_day, status, created_at, created_by, updated_at, updated_by, version) "
        "VALUES (1, 'e1@x', 0, 'Circle', '', '2026-01-05 18:00:00', '2026-01-05 20:00:00', "
        f"'Europe/London', 0, 'scheduled', {stamps})"
    )
    raw.execute(
        "INSERT INTO shifts (id, event_id, role, needed, notes, created_at, created_by, "
        f"updated_at, updated_by, version) VALUES (1, 1, 'Host', 2, '', {stamps})"
    )
    raw.execute(
        "INSERT INTO volunteers (id, name, pronouns, joined_on, timezone, notes, "
        "emergency_contact_name, emergency_contact_phone, active, created_at, created_by, "
        f"updated_at, updated_by, version) VALUES (2, 'Bea', '', '2025-01-01', 'Europe/London', "
        f"'', '', '', 1, {stamps})"
    )
    for volunteer in (1, 2):
        raw.execute(
            "INSERT INTO assignments (shift_id, volunteer_id, occurrence_start, status, "
            "override_reason, note, created_at, created_by, updated_at, updated_by, version) "
            f"VALUES (1, {volunteer}, '2026-01-05 18:00:00', 'accepted', '', '', {stamps})"
        )
    raw.commit()
    raw.close()
    db = open_database(target)
    try:
        with db.read() as session:
            uids = session.scalars(text("SELECT uid FROM assignments")).all()
            health = session.scalars(select(Volunteer.health_notes)).all()
        assert len(set(uids)) == 2
        assert all(uid.endswith("@organizer") for uid in uids)
        assert health == ["", ""]
        assert schema_problems(db) == []
    finally:
        db.close()


def test_backup_is_a_consistent_openable_copy(db: Database, tmp_path: Path) -> None:
    _add_cause(db, "Community garden")
    copy = backup_to(db, tmp_path / "copy.organizer")
    restored = open_database(copy)
    try:
        with restored.read() as session:
            assert session.scalars(select(Cause.name)).all() == ["Community garden"]
        assert integrity_problems(restored) == []
    finally:
        restored.close()
    with pytest.raises(DatabaseExistsError):
        backup_to(db, copy)
    assert not list(tmp_path.glob("*.partial"))


def test_integrity_check_finds_broken_references(db: Database, db_path: Path) -> None:
    assert integrity_problems(db) == []
    raw = sqlite3.connect(db_path)
    raw.execute(
        "INSERT INTO availability_windows (volunteer_id, weekday, starts, ends) "
        "VALUES (999, 1, '09:00:00', '12:00:00')"
    )
    raw.commit()
    raw.close()
    problems = integrity_problems(db)
    assert problems == ["availability_windows row 1 points at a missing volunteers record"]


def test_naive_datetimes_are_refused(db: Database) -> None:
    with pytest.raises(Exception, match="naive datetime"), db.write() as session:
        session.add(
            Volunteer(
                name="Sam",
                joined_on=date(2026, 1, 1),
                timezone="Europe/London",
                created_at=datetime(2026, 1, 1, 9, 0),
            )
        )


def test_the_recorded_head_matches_the_migration_scripts() -> None:
    assert head_revision() == SCHEMA_HEAD


def test_opening_an_up_to_date_file_does_not_load_alembic(db: Database, db_path: Path) -> None:
    db.close()
    script = (
        "import sys\n"
        "from organizer.storage import open_database\n"
        f"open_database({str(db_path)!r}).close()\n"
        "print(any(name.split('.')[0] == 'alembic' for name in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == "False"


def test_working_on_a_file_loads_no_server_driver(db: Database, db_path: Path) -> None:
    """A coordinator on a shared file never pays for PostgreSQL's driver at start-up."""
    db.close()
    script = (
        "import sys\n"
        "from organizer.services import Services\n"
        "from organizer.sharing.watch import ChangeWatcher\n"
        "from organizer.storage import open_database\n"
        f"db = open_database({str(db_path)!r})\n"
        "Services.for_database(db, 'Sam').causes.list()\n"
        "watcher = ChangeWatcher(db, actor='Sam')\n"
        "watcher.poll()\n"
        "watcher.close()\n"
        "print(any(name.split('.')[0] == 'psycopg' for name in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == "False"


def test_timestamps_written_by_other_programs_are_read_as_instants(
    db: Database, db_path: Path
) -> None:
    _add_cause(db, "Written by us")
    raw = sqlite3.connect(db_path)
    raw.execute("UPDATE causes SET created_at = '2026-03-29 01:30:00+01:00'")
    raw.execute("UPDATE causes SET updated_at = '2026-03-29 00:30:00'")
    raw.commit()
    raw.close()
    with db.read() as session:
        cause = session.scalars(select(Cause)).one()
    assert cause.created_at == datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    assert cause.updated_at == datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    assert cause.created_at.tzinfo is UTC


def test_errors_from_the_driver_itself_read_like_the_others(db: Database) -> None:
    """Views that read rows straight from the driver (the calendar's month) get the same
    readable messages for a damaged or busy file as everything else."""
    with pytest.raises(DatabaseDamagedError, match="damaged"), db.read():
        raise sqlite3.DatabaseError("database disk image is malformed")
    with pytest.raises(DatabaseLockedError, match="busy"), db.read():
        raise sqlite3.OperationalError("database is locked")


def test_a_read_on_the_driver_sees_the_file_and_ends_its_transaction(
    db: Database, db_path: Path
) -> None:
    """The calendar's month is read on the driver's own connection: it sees what is saved,
    and leaves no transaction open, so nobody else is kept from saving afterwards."""
    _add_cause(db)
    with db.driver_read() as driver:
        assert driver.in_transaction
        assert driver.execute("SELECT name FROM causes").fetchall() == [("Food bank",)]
    assert not driver.in_transaction
    with pytest.raises(RuntimeError, match="mid-read"), db.driver_read() as driver:
        driver.execute("SELECT count(*) FROM causes").fetchall()
        raise RuntimeError("mid-read")
    assert not driver.in_transaction
    other = sqlite3.connect(db_path, timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("UPDATE causes SET name = 'Pantry'")
        other.execute("COMMIT")
    finally:
        other.close()
    with db.driver_read() as driver:
        assert driver.execute("SELECT name FROM causes").fetchall() == [("Pantry",)]


def test_a_read_on_the_driver_says_plainly_when_the_file_is_busy_or_damaged(
    db: Database,
) -> None:
    with pytest.raises(DatabaseDamagedError, match="damaged"), db.driver_read():
        raise sqlite3.DatabaseError("database disk image is malformed")
    with pytest.raises(DatabaseLockedError, match="busy"), db.driver_read():
        raise sqlite3.OperationalError("database is locked")
