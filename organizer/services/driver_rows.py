"""Reading rows straight from the database driver, for views that read thousands at a time.

SQLAlchemy's result rows convert every value through its column type; where a view reads
thousands of rows, converting only what needs it (and each distinct value once) is much
cheaper.  The callers keep a portable path and tests compare the two.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Executable

from organizer.models.base import _sqlite_utc

Reader = Connection | sqlite3.Connection
"""Where driver rows are read: a SQLAlchemy connection to a SQLite file, or the driver's own."""


class Instants(dict[str, datetime]):
    """Instants by their SQLite text, each text parsed once (many rows share a time).

    Only for NOT NULL columns: a stored NULL is not a key.
    """

    def __missing__(self, stored: str) -> datetime:
        found = _sqlite_utc(stored)
        assert found is not None  # NOT NULL columns only
        self[stored] = found
        return found


def stored_instant(moment: datetime) -> str:
    """``moment`` as SQLite files keep it (what a ``UTCDateTime`` parameter binds as).

    That is naive UTC text, ``2027-03-01 09:30:00.000000``.  Written by ``isoformat``:
    ``strftime`` imports a module on every call, which PySide's import hook makes cost
    ten microseconds, and a month's read writes one per day.
    """
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def sqlite_rows(connection: Reader, sql: str, parameters: Mapping[str, Any]) -> list[Any]:
    """The rows of plain ``sql`` run by the driver itself, in ``connection``'s transaction.

    For the few statements a view runs on every read: SQLAlchemy's statement handling
    costs a third of a millisecond each time.  ``connection`` may be the driver's own
    (see :meth:`~organizer.storage.Database.driver_read`).  ``parameters`` are named and
    already in their stored form (see :func:`stored_instant`).
    """
    if isinstance(connection, sqlite3.Connection):
        driver = connection
    else:
        found = connection.connection.driver_connection
        assert isinstance(found, sqlite3.Connection)
        driver = found
    return driver.execute(sql, parameters).fetchall()


def driver_rows(
    connection: Connection, statement: Executable, parameters: Mapping[str, Any]
) -> Sequence[Any]:
    """The driver's own row tuples for ``statement``: SQLAlchemy binds, but converts nothing."""
    with connection.execute(statement, parameters) as result:
        return result.cursor.fetchall()
