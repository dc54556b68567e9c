"""Reading the change log: what changed since a point, and the latest changes."""

from __future__ import annotations

from sqlalchemy import func, select

from organizer.models import ChangeLogEntry
from organizer.services.base import Service


class ChangeLogService(Service):
    """The monotonically numbered record of every change."""

    def latest_seq(self) -> int:
        """The number of the newest entry (0 for none)."""
        with self.db.read() as session:
            return int(session.scalar(select(func.coalesce(func.max(ChangeLogEntry.seq), 0))) or 0)

    def since(self, seq: int, limit: int = 1000) -> list[ChangeLogEntry]:
        """Entries after ``seq``, oldest first (a client catching up after being away)."""
        query = (
            select(ChangeLogEntry)
            .where(ChangeLogEntry.seq > seq)
            .order_by(ChangeLogEntry.seq)
            .limit(limit)
        )
        with self.db.read() as session:
            return list(session.scalars(query))

    def recent(self, count: int = 50) -> list[ChangeLogEntry]:
        """The newest entries, newest first."""
        query = select(ChangeLogEntry).order_by(ChangeLogEntry.seq.desc()).limit(count)
        with self.db.read() as session:
            return list(session.scalars(query))
