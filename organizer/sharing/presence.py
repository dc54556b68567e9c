"""Who else has the database open, and which record each has open in an editor.

Each running copy joins with one row in the ``presence`` table and refreshes it every
:data:`HEARTBEAT`; a row not refreshed for :data:`EXPIRY` belongs to a copy that crashed or
went to sleep, and is ignored, then removed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from organizer.models import utc_now
from organizer.models.scheduling import PresenceEntry
from organizer.storage import Database

EXPIRY = timedelta(seconds=90)
HEARTBEAT = timedelta(seconds=30)


@dataclass(frozen=True)
class PresenceInfo:
    """One other running copy of Organizer with the file open."""

    session_id: str
    user: str
    host: str
    since: datetime
    seen_at: datetime
    entity: str | None
    entity_id: int | None


def info_of(row: PresenceEntry) -> PresenceInfo:
    """A presence row as plain, detached data."""
    return PresenceInfo(
        session_id=row.session_id,
        user=row.user,
        host=row.host,
        since=row.started_at,
        seen_at=row.seen_at,
        entity=row.entity,
        entity_id=row.entity_id,
    )


def live_entries(db: Database, now: datetime) -> list[PresenceInfo]:
    """Every presence entry seen within :data:`EXPIRY` of ``now``, most recently seen first."""
    with db.read() as session:
        rows = session.scalars(
            select(PresenceEntry)
            .where(PresenceEntry.seen_at >= now - EXPIRY)
            .order_by(PresenceEntry.seen_at.desc())
        ).all()
        return [info_of(row) for row in rows]


class PresenceService:
    """This copy's presence entry, and a view of the others'."""

    def __init__(
        self,
        db: Database,
        *,
        user: str,
        host: str,
        pid: int,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.db = db
        self.user = user
        self.host = host
        self.pid = pid
        self.clock = clock
        self.session_id: str | None = None
        self._started_at: datetime | None = None
        self._entity: str | None = None
        self._entity_id: int | None = None

    def join(self) -> str:
        """Announce this copy; returns its session id."""
        if self.session_id is None:
            self.session_id = uuid.uuid4().hex
            self._started_at = self.clock()
        self._insert()
        return self.session_id

    def heartbeat(self, entity: str | None = None, entity_id: int | None = None) -> None:
        """Say this copy is still here, and which record (if any) is open in an editor."""
        if self.session_id is None:
            self.join()
        self._entity, self._entity_id = entity, entity_id
        with self.db.write() as session:
            result = session.execute(
                update(PresenceEntry)
                .where(PresenceEntry.session_id == self.session_id)
                .values(seen_at=self.clock(), entity=entity, entity_id=entity_id)
                .execution_options(synchronize_session=False)
            )
            missing = getattr(result, "rowcount", 1) == 0
        if missing:  # another copy removed us as stale while this one slept
            self._insert()

    def leave(self) -> None:
        """Remove this copy's entry (on closing the file)."""
        if self.session_id is None:
            return
        with self.db.write() as session:
            session.execute(
                delete(PresenceEntry).where(PresenceEntry.session_id == self.session_id)
            )
        self.session_id = None

    def others(self) -> list[PresenceInfo]:
        """Other copies seen recently, most recently seen first; stale entries are removed."""
        now = self.clock()
        with self.db.read() as session:
            stale = session.scalar(
                select(PresenceEntry.session_id)
                .where(PresenceEntry.seen_at < now - EXPIRY)
                .limit(1)
            )
        if stale is not None and not self.db.read_only:
            with self.db.write() as session:
                session.execute(
                    delete(PresenceEntry).where(
                        PresenceEntry.seen_at < now - EXPIRY,
                        PresenceEntry.session_id != (self.session_id or ""),
                    )
                )
        return [
            entry for entry in live_entries(self.db, now) if entry.session_id != self.session_id
        ]

    def editing(self, entity: str, entity_id: int) -> list[PresenceInfo]:
        """Other copies that have this record open in an editor."""
        return [
            entry
            for entry in self.others()
            if entry.entity == entity and entry.entity_id == entity_id
        ]

    def _insert(self) -> None:
        assert self.session_id is not None and self._started_at is not None
        now = self.clock()
        with self.db.write() as session:
            existing = session.get(PresenceEntry, self.session_id)
            if existing is not None:
                existing.seen_at = now
                return
            session.add(
                PresenceEntry(
                    session_id=self.session_id,
                    user=self.user,
                    host=self.host,
                    pid=self.pid,
                    started_at=self._started_at,
                    seen_at=now,
                    entity=self._entity,
                    entity_id=self._entity_id,
                )
            )
