"""Opening, creating, migrating and backing up Organizer databases.

``open_database`` takes a file path or a SQLAlchemy URL and returns a :class:`Database`, or
raises a :class:`~organizer.errors.StorageError` whose message a coordinator can act on.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, create_engine, func, insert, select, update
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from organizer import __version__
from organizer.errors import (
    DatabaseDamagedError,
    DatabaseExistsError,
    DatabaseLockedError,
    DatabaseMissingError,
    DatabaseReadOnlyError,
    DatabaseTooNewError,
    NotOrganizerFileError,
    StorageError,
)
from organizer.models import FileInfo
from organizer.paths import FILE_SUFFIX
from organizer.storage.sqlite import (
    APPLICATION_ID,
    READ_OPTION,
    header_facts,
    install_connection_rules,
    sqlite_url_for,
)

if TYPE_CHECKING:
    from alembic.config import Config

# The newest schema revision, so opening an up-to-date file needs no Alembic import (a
# test checks it against the migration scripts).  Alembic loads only to migrate or check.
SCHEMA_HEAD = "0005"
DEFAULT_BUSY_TIMEOUT_MS = 5000


def migration_config(connection: Connection | None = None) -> Config:
    """An Alembic configuration pointing at Organizer's migration scripts."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "organizer.storage:migrations")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@cache
def head_revision() -> str:
    """The schema revision this version of Organizer writes (read from the scripts)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(migration_config()).get_current_head()
    assert head is not None
    return head


@cache
def _known_revisions() -> tuple[str, ...]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migration_config())
    return tuple(rev.revision for rev in script.walk_revisions())


def schema_number(revision: str | None) -> int:
    """A plain counting number for a schema revision (1 for the first), 0 for none."""
    if revision is None:
        return 0
    revisions = list(reversed(_known_revisions()))
    return revisions.index(revision) + 1


@dataclass
class Database:
    """An open Organizer database: its engine and the one way to get sessions.

    Use :meth:`write` for a unit of work that changes data and :meth:`read` for one that only
    looks; each is one short transaction.  Never keep a session open while a person edits.
    """

    engine: Engine
    location: str
    path: Path | None = None
    read_only: bool = False
    _writer: sessionmaker[Session] = field(init=False, repr=False)
    _reader: sessionmaker[Session] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._writer = sessionmaker(self.engine, expire_on_commit=False)
        reader_engine = self.engine.execution_options(**{READ_OPTION: True})
        self._reader = sessionmaker(reader_engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        """Whether this is a SQLite file (rather than a server)."""
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session in one write transaction, committed on success, rolled back on error."""
        if self.read_only:
            raise DatabaseReadOnlyError(
                f"{self.display_name} is open read-only, so nothing can be changed."
            )
        with translate_storage_errors(self.display_name), self._writer.begin() as session:
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session in one read transaction (it takes no write lock)."""
        with translate_storage_errors(self.display_name), self._reader.begin() as session:
            yield session

    @contextmanager
    def driver_read(self) -> Iterator[sqlite3.Connection]:
        """The SQLite driver's own connection, in one read transaction (it takes no write lock).

        For the few reads a view makes on every page, where a session's own bookkeeping
        costs more than the statements: the calendar's month.  SQLite files only.
        """
        if not self.is_sqlite:
            raise TypeError(f"{self.display_name} is not a SQLite file")
        with translate_storage_errors(self.display_name):
            pooled = self.engine.raw_connection()
            try:
                driver = pooled.driver_connection
                assert isinstance(driver, sqlite3.Connection)
                driver.execute("BEGIN")
                try:
                    yield driver
                finally:
                    # Nothing was written: ending the transaction either way is the same.
                    if driver.in_transaction:
                        driver.execute("ROLLBACK")
            finally:
                pooled.close()

    @property
    def display_name(self) -> str:
        """How to name this database to a person."""
        if self.path is not None:
            return str(self.path)
        return make_url(self.location).render_as_string(hide_password=True)

    def file_info(self) -> dict[str, str]:
        """The key/value metadata stored in the file."""
        with self.read() as session:
            return {row.key: row.value for row in session.scalars(select(FileInfo))}

    def schema_revision(self) -> str | None:
        """The Alembic revision the database is at."""
        with translate_storage_errors(self.display_name), self.engine.connect() as conn:
            if not conn.dialect.has_table(conn, "alembic_version"):
                return None
            rows = conn.exec_driver_sql("SELECT version_num FROM alembic_version").all()
            conn.rollback()
        if len(rows) > 1:
            raise DatabaseDamagedError(f"{self.display_name} records more than one schema version.")
        return str(rows[0][0]) if rows else None

    def close(self) -> None:
        """Release every connection."""
        self.engine.dispose()


@contextmanager
def translate_storage_errors(name: str) -> Iterator[None]:
    """Turn driver errors about the file into StorageErrors a person can read."""
    try:
        yield
    except sa_exc.OperationalError as error:
        raise storage_error_for(error.orig, name) from error
    except sa_exc.DatabaseError as error:
        if isinstance(error.orig, sqlite3.DatabaseError):
            raise storage_error_for(error.orig, name) from error
        raise
    except sqlite3.DatabaseError as error:  # from the driver itself (views reading fast)
        raise storage_error_for(error, name) from error


def storage_error_for(error: BaseException | None, name: str) -> StorageError:
    """The StorageError that explains a driver error, by its message."""
    if type(error).__module__.startswith("psycopg"):
        from organizer.storage.postgres import server_error_for

        return server_error_for(error, name)
    message = str(error).lower()
    if "locked" in message or "busy" in message:
        return DatabaseLockedError(
            f"{name} is busy: another coordinator or program has been saving to it for too "
            "long. Try again in a moment."
        )
    if "readonly" in message or "read-only" in message:
        return DatabaseReadOnlyError(
            f"{name} cannot be written to (it is read-only). Ask whoever manages the folder "
            "for write access, or open it read-only."
        )
    if "malformed" in message or "not a database" in message or "corrupt" in message:
        return DatabaseDamagedError(
            f"{name} is damaged and cannot be read safely. Restore it from a backup."
        )
    if "disk is full" in message or "database or disk is full" in message:
        return StorageError(f"The disk holding {name} is full. Free some space and try again.")
    if "unable to open" in message or "disk i/o" in message:
        return DatabaseMissingError(
            f"{name} cannot be reached. If it is on a network drive, check the connection."
        )
    return StorageError(f"{name} could not be used: {error}")


def _plain_path(target: str | os.PathLike[str]) -> Path | None:
    text_target = os.fspath(target)
    if "://" in text_target:
        url = make_url(text_target)
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            return Path(url.database)
        return None
    return Path(text_target).expanduser()


def open_database(
    target: str | os.PathLike[str],
    *,
    read_only: bool = False,
    busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
    backup_dir: Path | None = None,
) -> Database:
    """Open an existing Organizer database, migrating it (after a backup) if it is older.

    Raises:
        DatabaseMissingError: the file is not there.
        NotOrganizerFileError: the file is not an Organizer database.
        DatabaseReadOnlyError: the file cannot be written and ``read_only`` was not asked.
        DatabaseTooNewError: a newer Organizer wrote it.
        DatabaseDamagedError: the file is damaged.
        DatabaseLockedError: the file stayed busy for longer than the busy timeout.
    """
    path = _plain_path(target)
    if path is None:
        return _open_server(os.fspath(target), read_only=read_only, lock_ms=busy_timeout_ms)
    _check_file(path)
    if not read_only and not _writable(path):
        raise DatabaseReadOnlyError(
            f"{path} is read-only for you. Ask whoever manages the folder for write access, "
            "or open it read-only to look."
        )
    engine = _sqlite_engine(path, mode="ro" if read_only else "rw", busy=busy_timeout_ms)
    db = Database(engine=engine, location=str(path), path=path, read_only=read_only)
    try:
        _bring_up_to_date(db, backup_dir=backup_dir)
        if not read_only:
            from organizer.storage.moving import refuse_if_moved

            refuse_if_moved(db)
    except BaseException:
        db.close()
        raise
    return db


def create_database(
    target: str | os.PathLike[str], *, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS
) -> Database:
    """Create a new, empty Organizer database file (or schema on a server).

    Raises:
        DatabaseExistsError: a non-empty file is already at that path.
    """
    path = _plain_path(target)
    if path is None:
        return _open_server(os.fspath(target), create=True, lock_ms=busy_timeout_ms)
    if path.exists() and path.stat().st_size > 0:
        raise DatabaseExistsError(f"{path} already exists. Choose another name.")
    if not path.parent.is_dir():
        raise DatabaseMissingError(f"The folder {path.parent} does not exist.")
    engine = _sqlite_engine(path, mode="rwc", busy=busy_timeout_ms)
    db = Database(engine=engine, location=str(path), path=path)
    try:
        with translate_storage_errors(str(path)), engine.begin() as conn:
            conn.exec_driver_sql(f"PRAGMA application_id = {APPLICATION_ID}")
        _migrate(db)
    except BaseException:
        db.close()
        raise
    return db


def _check_file(path: Path) -> None:
    if not path.exists():
        raise DatabaseMissingError(
            f"There is no Organizer file at {path}. If it is on a network drive, check that "
            "the drive is connected."
        )
    if not path.is_file():
        raise NotOrganizerFileError(f"{path} is a folder, not an Organizer file.")
    try:
        is_sqlite, app_id, _ = header_facts(path)
    except PermissionError as error:
        raise DatabaseReadOnlyError(f"You do not have permission to read {path}.") from error
    except OSError as error:
        raise DatabaseMissingError(f"{path} cannot be read: {error.strerror}.") from error
    if not is_sqlite or app_id != APPLICATION_ID:
        raise NotOrganizerFileError(f"{path} is not an Organizer data file.")


def _writable(path: Path) -> bool:
    # The rollback journal is created beside the file, so the folder must be writable too.
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def _sqlite_engine(path: Path, *, mode: str, busy: int) -> Engine:
    engine = create_engine(
        sqlite_url_for(path, mode=mode),
        connect_args={"timeout": busy / 1000, "check_same_thread": False},
    )
    install_connection_rules(engine, read_only=mode == "ro", busy_timeout_ms=busy)
    return engine


def _open_server(
    url: str, *, create: bool = False, read_only: bool = False, lock_ms: int = 0
) -> Database:
    from organizer.storage.postgres import open_server

    return open_server(url, create=create, read_only=read_only, lock_timeout_ms=lock_ms)


def _bring_up_to_date(db: Database, *, backup_dir: Path | None) -> None:
    try:
        revision = db.schema_revision()
    except (sa_exc.DatabaseError, StorageError) as error:
        if isinstance(error, StorageError):
            raise
        raise storage_error_for(error.orig, db.display_name) from error
    if revision == SCHEMA_HEAD:
        return
    if revision is not None and revision not in _known_revisions():
        made_by = _written_by(db)
        raise DatabaseTooNewError(
            f"{db.display_name} was saved by a newer version of Organizer{made_by}. "
            f"This is Organizer {__version__}; update it to open this file."
        )
    if db.read_only:
        raise DatabaseReadOnlyError(
            f"{db.display_name} was made by an older Organizer and must be upgraded, which "
            "needs write access."
        )
    if db.path is not None and revision is not None:
        backup_path = backup_before_migration(db, revision, backup_dir)
        assert backup_path.exists()
    _migrate(db)


def _written_by(db: Database) -> str:
    try:
        info = db.file_info()
    except (StorageError, sa_exc.SQLAlchemyError):
        return ""
    version = info.get("last_written_by_version")
    return f" ({version})" if version else ""


def _migrate(db: Database) -> None:
    """Run every pending migration in one transaction, then record who wrote the file."""
    name = db.display_name
    with translate_storage_errors(name), db.engine.connect() as conn:
        if db.is_sqlite:
            # Batch migrations rebuild tables; with foreign keys on, dropping the old table
            # would cascade.  The pragma cannot change inside a transaction, so it is set on
            # the driver connection before SQLAlchemy begins one.
            _driver_pragma(conn, "PRAGMA foreign_keys = OFF")
        try:
            from alembic import command

            with conn.begin():
                command.upgrade(migration_config(conn), "head")
                if db.is_sqlite:
                    problems = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if problems:
                        raise DatabaseDamagedError(
                            f"{name} has records pointing at missing ones; the upgrade was "
                            "stopped and nothing was changed."
                        )
                _stamp_file_info(conn)
        finally:
            if db.is_sqlite:
                _driver_pragma(conn, "PRAGMA foreign_keys = ON")


def _driver_pragma(conn: Connection, statement: str) -> None:
    driver = conn.connection.driver_connection
    assert isinstance(driver, sqlite3.Connection)
    driver.execute(statement)


def _stamp_file_info(conn: Connection) -> None:
    now = datetime.now(UTC).isoformat(timespec="seconds")
    head = head_revision()
    existing = dict(conn.execute(select(FileInfo.key, FileInfo.value)).all())
    values = {
        "schema_revision": head,
        "schema_version": str(schema_number(head)),
        "last_written_by_version": f"Organizer {__version__}",
        "migrated_at": now,
    }
    if "file_id" not in existing:
        values["file_id"] = str(uuid.uuid4())
        values["created_at"] = now
        values["created_by_version"] = f"Organizer {__version__}"
    for key, value in values.items():
        if key in existing:
            conn.execute(update(FileInfo).where(FileInfo.key == key).values(value=value))
        else:
            conn.execute(insert(FileInfo).values(key=key, value=value))
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"PRAGMA user_version = {schema_number(head)}")


def backup_before_migration(db: Database, revision: str, backup_dir: Path | None) -> Path:
    """Copy the file (with SQLite's backup API) before it is upgraded; return the copy."""
    assert db.path is not None
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    folder = backup_dir or db.path.parent
    target = folder / f"{db.path.stem}.before-upgrade-{schema_number(revision)}-{stamp}.backup"
    return backup_to(db, target)


def backup_to(db: Database, target: Path) -> Path:
    """Write a consistent copy of a SQLite database to ``target`` in one step.

    Uses SQLite's online backup API (never a plain file copy of the live file).
    """
    if db.path is None:
        raise StorageError("Only Organizer files can be backed up this way.")
    target = target.expanduser()
    if target.exists():
        raise DatabaseExistsError(f"{target} already exists. Choose another name.")
    if not target.parent.is_dir():
        raise DatabaseMissingError(f"The folder {target.parent} does not exist.")
    partial = target.with_name(target.name + ".partial")
    with translate_storage_errors(db.display_name):
        source = sqlite3.connect(f"file:{db.path.resolve()}?mode=ro", uri=True, timeout=30)
        try:
            dest = sqlite3.connect(partial)
            try:
                source.backup(dest, pages=-1)
            finally:
                dest.close()
        finally:
            source.close()
    partial.replace(target)
    return target


def integrity_problems(db: Database) -> list[str]:
    """Run SQLite's full integrity and foreign key checks; return problems (empty if ok)."""
    if not db.is_sqlite:
        return []
    problems: list[str] = []
    with translate_storage_errors(db.display_name), db.engine.connect() as conn:
        rows = conn.exec_driver_sql("PRAGMA integrity_check").fetchall()
        problems.extend(str(r[0]) for r in rows if str(r[0]).lower() != "ok")
        for table, rowid, parent, _ in conn.exec_driver_sql("PRAGMA foreign_key_check"):
            problems.append(f"{table} row {rowid} points at a missing {parent} record")
        conn.rollback()
    return problems


def table_counts(db: Database) -> dict[str, int]:
    """How many rows each of Organizer's tables holds."""
    from organizer.models import Base

    with db.read() as session:
        return {
            table.name: int(session.scalar(select(func.count()).select_from(table)) or 0)
            for table in Base.metadata.sorted_tables
        }


def schema_problems(db: Database) -> list[str]:
    """Differences between the database schema and the models (empty when they agree)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from organizer.models import Base

    with translate_storage_errors(db.display_name), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = compare_metadata(context, Base.metadata)
        conn.rollback()
    return [repr(diff) for diff in diffs]


__all__ = [
    "FILE_SUFFIX",
    "Database",
    "backup_to",
    "create_database",
    "head_revision",
    "integrity_problems",
    "open_database",
    "schema_problems",
    "table_counts",
]
