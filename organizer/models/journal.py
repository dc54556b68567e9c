"""The change log and the file's own metadata."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from organizer.models.base import Base, utc_now


class ChangeLogEntry(Base):
    """One change: what (entity and id), how (action), by whom and when.

    ``seq`` rises monotonically, so a client that was away can ask for everything after the
    last number it saw.
    """

    __tablename__ = "change_log"
    __table_args__ = (Index("ix_change_log_entity", "entity", "entity_id"),)

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    at: Mapped[datetime] = mapped_column(default=utc_now)
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(20))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None]
    summary: Mapped[str] = mapped_column(Text, default="")


class FileInfo(Base):
    """Key/value facts about the database itself (file id, created at, schema version...)."""

    __tablename__ = "file_info"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
