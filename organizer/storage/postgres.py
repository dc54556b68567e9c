"""Organizer on a PostgreSQL server: the same models and Alembic migrations as the file.

A server has no ``PRAGMA application_id``, so the ``file_info`` table (with its ``file_id``)
is the stamp: a database with tables but without that stamp is not Organizer's and is left
alone.  Transactions follow the file's rules:

* a write unit runs in READ COMMITTED and first takes one transaction-level advisory lock,
  so writers queue one after another exactly as ``BEGIN IMMEDIATE`` makes them on a file
  (the version column still refuses a save based on an old copy);
* a read unit is REPEATABLE READ and READ ONLY: one consistent snapshot, no locks taken;
* ``lock_timeout`` bounds every wait, and a wait that runs out is a
  :class:`~organizer.errors.DatabaseLockedError`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, make_url

from organizer.errors import (
    DatabaseExistsError,
    DatabaseLockedError,
    DatabaseLoginError,
    DatabaseMissingError,
    DatabaseReadOnlyError,
    NotOrganizerFileError,
    StorageError,
)
from organizer.storage import (
    DEFAULT_BUSY_TIMEOUT_MS,
    Database,
    _bring_up_to_date,
)
from organizer.storage.sqlite import APPLICATION_ID, READ_OPTION

DRIVER = "postgresql+psycopg"
CONNECT_TIMEOUT_S = 10


def server_url(target: str | URL) -> URL:
    """The SQLAlchemy URL for a PostgreSQL database, always with the psycopg 3 driver.

    Raises:
        StorageError: the text is not a URL, or names a server Organizer cannot use.
    """
    try:
        url = make_url(target)
    except sa_exc.ArgumentError:
        raise StorageError(
            f"“{target}” is not a database address (use {DRIVER}://user@host:port/name)."
        ) from None
    if url.get_backend_name() != "postgresql":
        raise StorageError(
            f"Organizer works with its own files and PostgreSQL servers only, not "
            f"{url.get_backend_name()} ({public_url(url)})."
        )
    if not url.database:
        raise StorageError(f"{public_url(url)} names no database (add /name at the end).")
    return url.set(drivername=DRIVER)


def public_url(url: str | URL) -> str:
    """The URL with any password left out, for messages and for recording where data went."""
    parsed = make_url(url)
    plain = URL.create(
        parsed.drivername,
        username=parsed.username,
        host=parsed.host,
        port=parsed.port,
        database=parsed.database,
        query=parsed.query,
    )
    return plain.render_as_string(hide_password=False)


def host_port(url: str | URL) -> str:
    """``host:port`` of a server URL (PostgreSQL's defaults when they are not given)."""
    parsed = make_url(url)
    return f"{parsed.host or 'localhost'}:{parsed.port or 5432}"


def server_engine(url: URL, *, read_only: bool, lock_timeout_ms: int) -> Engine:
    """An engine with Organizer's transaction rules for a PostgreSQL server."""
    engine = create_engine(
        url,
        pool_pre_ping=True,
        connect_args={
            "connect_timeout": CONNECT_TIMEOUT_S,
            "application_name": "Organizer",
            "options": f"-c lock_timeout={int(lock_timeout_ms)} -c TimeZone=UTC",
        },
    )

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        if read_only or connection.get_execution_options().get(READ_OPTION):
            connection.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        else:
            connection.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({APPLICATION_ID})")

    return engine


def open_server(
    target: str,
    *,
    create: bool = False,
    read_only: bool = False,
    lock_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
) -> Database:
    """Open (or, with ``create``, set up) Organizer's schema in a PostgreSQL database.

    Raises:
        DatabaseMissingError: the server cannot be reached, or the database does not exist.
        DatabaseLoginError: the server refused the user name or password.
        NotOrganizerFileError: the database holds tables that are not Organizer's.
        DatabaseExistsError: ``create`` was asked but the database already holds tables.
        DatabaseTooNewError: a newer Organizer set up the database.
    """
    url = server_url(target)
    engine = server_engine(url, read_only=read_only, lock_timeout_ms=lock_timeout_ms)
    db = Database(engine=engine, location=url.render_as_string(hide_password=False))
    db.read_only = read_only
    try:
        tables = user_tables(db)
        if create and tables:
            raise DatabaseExistsError(
                f"{public_url(url)} already holds tables; a new Organizer database needs an "
                "empty one."
            )
        if not create and not tables:
            raise DatabaseMissingError(
                f"{public_url(url)} holds no Organizer data yet. Move a file there with "
                "“organizer move-data --to URL”."
            )
        if tables:
            _require_stamp(db, tables)
        with server_errors(db.display_name):
            _bring_up_to_date(db, backup_dir=None)
    except BaseException:
        db.close()
        raise
    return db


def user_tables(db: Database) -> set[str]:
    """Names of the tables in the database's ordinary schemas (empty for a new database)."""
    reader = db.engine.execution_options(**{READ_OPTION: True})
    with server_errors(db.display_name), reader.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT table_name FROM information_schema.tables WHERE table_schema NOT IN "
                "('pg_catalog', 'information_schema') AND table_schema NOT LIKE 'pg_toast%'"
            )
        ).all()
        conn.rollback()
    return {str(row[0]) for row in rows}


def _require_stamp(db: Database, tables: set[str]) -> None:
    not_ours = NotOrganizerFileError(
        f"{public_url(db.location)} holds other tables and is not an Organizer database; "
        "nothing was changed."
    )
    if "file_info" not in tables or "alembic_version" not in tables:
        raise not_ours
    reader = db.engine.execution_options(**{READ_OPTION: True})
    with server_errors(db.display_name):
        try:
            with reader.connect() as conn:
                file_id = conn.execute(
                    text("SELECT value FROM file_info WHERE key = 'file_id'")
                ).scalar()
                conn.rollback()
        except sa_exc.ProgrammingError:  # a file_info table of some other layout
            raise not_ours from None
    if not file_id:
        raise not_ours


@contextmanager
def server_errors(name: str) -> Iterator[None]:
    """Turn any error the PostgreSQL driver raises into a StorageError a person can read."""
    try:
        yield
    except sa_exc.DBAPIError as error:
        if not type(error.orig).__module__.startswith("psycopg"):
            raise
        raise server_error_for(error.orig, name) from error


def _text_of(error: BaseException | None) -> str:
    return " ".join(str(error).split())


def server_error_for(error: BaseException | None, name: str) -> StorageError:
    """The StorageError that explains a psycopg error from the server at ``name``."""
    where = host_port(name)
    message = str(error).lower()
    sqlstate: Any = getattr(error, "sqlstate", None)
    if sqlstate in ("28P01", "28000") or ("password" in message and "fail" in message):
        return DatabaseLoginError(
            f"The PostgreSQL server at {where} refused the login for {public_url(name)}: "
            "check the user name and password."
        )
    if "no password supplied" in message:
        return DatabaseLoginError(
            f"The PostgreSQL server at {where} wants a password for {public_url(name)}."
        )
    if sqlstate == "3D000" or ("database" in message and "does not exist" in message):
        return DatabaseMissingError(
            f"The PostgreSQL server at {where} has no database “{make_url(name).database}”. "
            "Ask whoever runs the server to create it."
        )
    if sqlstate in ("55P03", "57014", "40P01", "40001"):
        return DatabaseLockedError(
            f"{public_url(name)} is busy: another coordinator has been saving for too long. "
            "Try again in a moment."
        )
    if sqlstate == "42501":
        return DatabaseReadOnlyError(
            f"{public_url(name)} does not let user “{make_url(name).username}” do this "
            f"({_text_of(error)}). Ask whoever runs the server for the rights."
        )
    if sqlstate == "25006":
        return DatabaseReadOnlyError(f"{public_url(name)} is read-only; nothing was changed.")
    if sqlstate == "53100":
        return StorageError(f"The PostgreSQL server at {where} is out of disk space.")
    if sqlstate is None or str(sqlstate).startswith("08") or str(sqlstate).startswith("57P"):
        return DatabaseMissingError(
            f"The PostgreSQL server at {where} cannot be reached ({_text_of(error)}). Check "
            "that it is running and that the network connection works."
        )
    return StorageError(f"{public_url(name)} could not be used: {_text_of(error)}")


def reset_sequences(conn: Connection, table_names: list[str]) -> None:
    """Move each serial key's sequence past the highest id, so new rows get fresh ids."""
    from organizer.models import Base

    preparer = conn.dialect.identifier_preparer
    for name in table_names:
        table = Base.metadata.tables[name]
        column = table.autoincrement_column
        if column is None:
            continue
        conn.execute(
            text(
                "SELECT setval(pg_get_serial_sequence(:table, :column), "
                f"COALESCE((SELECT MAX({preparer.quote(column.name)}) FROM "
                f"{preparer.format_table(table)}), 0) + 1, false)"
            ),
            {"table": preparer.format_table(table), "column": column.name},
        )


__all__ = [
    "DRIVER",
    "host_port",
    "open_server",
    "public_url",
    "reset_sequences",
    "server_engine",
    "server_error_for",
    "server_errors",
    "server_url",
    "user_tables",
]
