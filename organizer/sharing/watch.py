"""Noticing changes other coordinators saved, cheaply, and catching up after a sleep.

On SQLite a dedicated read-only connection polls ``PRAGMA data_version``, which changes only
when *another* connection commits; only then is the change log read.  On PostgreSQL a
dedicated connection LISTENs on :data:`CHANGES_CHANNEL` (every write that logs a change
NOTIFYs it on commit), so a poll costs no query until a notification arrives; every
``fallback_every``-th poll also checks the change log's highest ``seq``, in case a
notification was missed (a dropped connection, a writer that did not notify).  Either way
the change log says what changed, by whom, and lets a client that was away catch up from the
last number it saw.
"""

from __future__ import annotations

import contextlib
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from organizer.models import ChangeLogEntry
from organizer.storage import Database, translate_storage_errors

if TYPE_CHECKING:  # psycopg loads only for a server: SQLite users never pay for it
    import psycopg

CHANGES_CHANNEL = "organizer_changes"
"""The PostgreSQL channel notified on commit of every write that logged a change."""

FALLBACK_EVERY = 30
"""On PostgreSQL, how many polls between checks of the change log without a notification."""

_READ_AFTER = (
    "SELECT seq, at, actor, action, entity, entity_id, summary FROM change_log "
    "WHERE seq > ? ORDER BY seq"
)


@dataclass(frozen=True)
class ChangeInfo:
    """One entry of the change log, as a watcher reports it."""

    seq: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: int | None
    summary: str


class ChangeWatcher:
    """Reports change-log entries written after it started (by anyone; filter your own).

    Call :meth:`poll` every second or two from a timer; it costs one pragma when nothing
    changed.  Never blocks writers: its connection is read-only and never holds a
    transaction between polls.
    """

    def __init__(self, db: Database, *, actor: str, fallback_every: int = FALLBACK_EVERY) -> None:
        self.db = db
        self.actor = actor
        self.fallback_every = max(1, fallback_every)
        self._connection: sqlite3.Connection | None = None
        self._listener: psycopg.Connection[tuple[object, ...]] | None = None
        self._polls = 0
        self._data_version: int | None = None
        self.last_seq = 0
        if db.is_sqlite:
            connection = self._connect()
            self._data_version = _data_version(connection)
            row = connection.execute("SELECT max(seq) FROM change_log").fetchone()
        else:
            import psycopg

            # Listening first: a change committed before the read below is in it; any later
            # one notifies.
            with contextlib.suppress(psycopg.Error):
                self._listen()
            with db.read() as session:
                row = (session.scalar(select(func.max(ChangeLogEntry.seq))),)
        self.last_seq = int(row[0] or 0)

    def poll(self, *, wait: float = 0.0) -> list[ChangeInfo]:
        """Entries after :attr:`last_seq`, oldest first; advances :attr:`last_seq`.

        On a server, a change is announced to the watcher a moment after it is committed;
        ``wait`` is how many seconds to wait for such an announcement when none has come
        yet (a timer polling every second or two needs none).
        """
        if not self.db.is_sqlite:
            return self._poll_server(wait)
        with translate_storage_errors(self.db.display_name):
            try:
                connection = self._connect()
                version = _data_version(connection)
            except sqlite3.Error:
                # The handle may be gone after a sleep or a share reconnecting: start afresh
                # and read the change log regardless (catching up is always safe).
                self._drop_connection()
                connection = self._connect()
                version = _data_version(connection)
                self._data_version = None
            if version == self._data_version:
                return []
            rows = connection.execute(_READ_AFTER, (self.last_seq,)).fetchall()
            self._data_version = version
        changes = [
            ChangeInfo(
                seq=int(seq),
                at=_instant(at),
                actor=str(actor),
                action=str(action),
                entity=str(entity),
                entity_id=None if entity_id is None else int(entity_id),
                summary=str(summary or ""),
            )
            for seq, at, actor, action, entity, entity_id, summary in rows
        ]
        if changes:
            self.last_seq = changes[-1].seq
        return changes

    def close(self) -> None:
        """Close the watcher's own connection."""
        self._drop_connection()
        self._drop_listener()

    def _poll_server(self, wait: float) -> list[ChangeInfo]:
        self._polls += 1
        fallback = self._polls % self.fallback_every == 0
        notified = self._drain_notifications(check=fallback, wait=wait)
        if not notified and not fallback:
            return []
        with self.db.read() as session:
            if not notified:
                newest = session.scalar(select(func.max(ChangeLogEntry.seq))) or 0
                if newest <= self.last_seq:
                    return []
            rows = session.scalars(
                select(ChangeLogEntry)
                .where(ChangeLogEntry.seq > self.last_seq)
                .order_by(ChangeLogEntry.seq)
            ).all()
            changes = [
                ChangeInfo(
                    seq=row.seq,
                    at=row.at,
                    actor=row.actor,
                    action=row.action,
                    entity=row.entity,
                    entity_id=row.entity_id,
                    summary=row.summary,
                )
                for row in rows
            ]
        if changes:
            self.last_seq = changes[-1].seq
        return changes

    def _drain_notifications(self, *, check: bool, wait: float = 0.0) -> bool:
        """Whether any notification arrived since the last poll (``check``: ping it too).

        With none yet, waits up to ``wait`` seconds for one.
        """
        import psycopg

        try:
            listener = self._listen()
            if check:
                # A connection the server dropped can look healthy until it is used.
                listener.execute("SELECT 1")
            if list(listener.notifies(timeout=0)):
                return True
            return bool(wait) and bool(list(listener.notifies(timeout=wait, stop_after=1)))
        except psycopg.Error:
            # Lost (a sleep, a server restart): listen again before reading the change log, so
            # nothing committed in between goes unnoticed.
            self._drop_listener()
            with contextlib.suppress(psycopg.Error):
                self._listen()
            return True

    def _listen(self) -> psycopg.Connection[tuple[object, ...]]:
        import psycopg

        if self._listener is None:
            url = self.db.engine.url.set(drivername="postgresql")
            listener = psycopg.connect(
                url.render_as_string(hide_password=False),
                autocommit=True,
                connect_timeout=10,
                application_name="Organizer (watching)",
            )
            listener.execute(f"LISTEN {CHANGES_CHANNEL}")
            self._listener = listener
        return self._listener

    def _drop_listener(self) -> None:
        if self._listener is not None:
            import psycopg

            with contextlib.suppress(psycopg.Error):
                self._listener.close()
            self._listener = None

    def _connect(self) -> sqlite3.Connection:
        if self._connection is None:
            assert self.db.path is not None
            with translate_storage_errors(self.db.display_name):
                connection = sqlite3.connect(
                    f"file:{self.db.path.resolve()}?mode=ro",
                    uri=True,
                    timeout=5,
                    check_same_thread=False,
                )
                # Autocommit: each statement is its own short read, so no transaction is
                # ever left open (an open one would freeze data_version and block writers).
                connection.isolation_level = None
            self._connection = connection
        return self._connection

    def _drop_connection(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(sqlite3.Error):
                self._connection.close()
            self._connection = None


def _data_version(connection: sqlite3.Connection) -> int:
    return int(connection.execute("PRAGMA data_version").fetchone()[0])


def _instant(value: object) -> datetime:
    """A stored change-log time (naive UTC text on SQLite) as an aware UTC datetime."""
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)
