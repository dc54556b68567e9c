"""SQLite connection rules for a file several coordinators may share.

Every connection uses the rollback journal (WAL does not work over network shares), full
synchronous writes, foreign keys and a busy timeout.  The driver's own transaction handling is
switched off so that SQLAlchemy's ``begin`` emits ``BEGIN IMMEDIATE`` for writes (the
documented recipe): a write unit takes the write lock up front and waits for it, instead of
failing half-way when a reader tries to upgrade.  Read units use a plain deferred ``BEGIN``.
"""

from __future__ import annotations

import sqlite3
import struct
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import Connection

from organizer.folding import FOLD_FUNCTION, fold_for_sql

APPLICATION_ID = 0x4F52474E  # "ORGN"
SQLITE_MAGIC = b"SQLite format 3\x00"
READ_OPTION = "organizer_read"


def header_facts(path: Path) -> tuple[bool, int, int]:
    """Read (is SQLite, application_id, user_version) from a file's 100-byte header."""
    with path.open("rb") as handle:
        header = handle.read(100)
    if len(header) < 100 or not header.startswith(SQLITE_MAGIC):
        return False, 0, 0
    user_version, application_id = struct.unpack(">i4xi", header[60:72])
    return True, application_id, user_version


CACHE_KIB = 16_384
"""SQLite's page cache per connection.  With the default 2 MB, one view's reads (a list's
ids, then a page's details) push each other's pages out and take about three times as long."""


def install_connection_rules(engine: Engine, *, read_only: bool, busy_timeout_ms: int) -> None:
    """Attach the pragmas and the transaction recipe to every connection of ``engine``."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        # The triggers keeping volunteers' name and email keys call it on every write.
        dbapi_connection.create_function(FOLD_FUNCTION, 1, fold_for_sql, deterministic=True)
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
            if not read_only:
                mode = cursor.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
                if str(mode).lower() != "delete":
                    raise sqlite3.OperationalError(
                        f"could not switch the journal to DELETE mode (got {mode})"
                    )
                cursor.execute("PRAGMA synchronous = FULL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        if read_only or connection.get_execution_options().get(READ_OPTION):
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def sqlite_url_for(path: Path, *, mode: str) -> str:
    """A SQLAlchemy URL that opens ``path`` through a URI with an explicit ``mode``.

    ``mode=rw`` never creates a file: a missing path (say, a disconnected share) is an error
    instead of a new empty database.
    """
    from urllib.parse import quote

    uri_path = quote(str(path.resolve()), safe="/:")
    return f"sqlite+pysqlite:///file:{uri_path}?mode={mode}&uri=true"
