"""Staffing rules, cover requests and who has the file open."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from organizer.models.base import Base, Tracked, utc_now
from organizer.models.ids import CauseId, QualificationId, ShiftId, VolunteerId


class StaffingRule(Tracked, Base):
    """A rule every occurrence of a cause's events must meet (all causes when ``cause_id`` is NULL).

    ``kind`` is one of the rule kinds the scheduling engine knows, for example
    ``"needs_qualified"`` (at least ``minimum`` volunteers holding ``qualification_id`` on
    each occurrence) or ``"no_lone_newcomer"`` (a newcomer is never the only volunteer on a
    shift).  ``blocking`` says whether breaking it blocks an assignment or only warns.
    """

    __tablename__ = "staffing_rules"
    __table_args__ = (CheckConstraint("minimum >= 1", name="minimum_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cause_id: Mapped[CauseId | None] = mapped_column(
        ForeignKey("causes.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(40))
    qualification_id: Mapped[QualificationId | None] = mapped_column(
        ForeignKey("qualifications.id", ondelete="CASCADE")
    )
    minimum: Mapped[int] = mapped_column(Integer, default=1)
    blocking: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str] = mapped_column(Text, default="")


class CoverRequest(Tracked, Base):
    """Someone asked to cover a shift occurrence, and their answer.

    ``answer`` is ``"pending"``, ``"yes"``, ``"no"`` or ``"no_reply"``.
    """

    __tablename__ = "cover_requests"
    __table_args__ = (
        Index("ix_cover_requests_slot", "shift_id", "occurrence_start"),
        CheckConstraint("answer IN ('pending', 'yes', 'no', 'no_reply')", name="answer_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shift_id: Mapped[ShiftId] = mapped_column(ForeignKey("shifts.id", ondelete="CASCADE"))
    occurrence_start: Mapped[datetime]
    volunteer_id: Mapped[VolunteerId] = mapped_column(
        ForeignKey("volunteers.id", ondelete="CASCADE"), index=True
    )
    asked_at: Mapped[datetime] = mapped_column(default=utc_now)
    answer: Mapped[str] = mapped_column(String(20), default="pending")
    answered_at: Mapped[datetime | None]
    note: Mapped[str] = mapped_column(Text, default="")


class PresenceEntry(Base):
    """One running copy of Organizer with this database open, refreshed while it runs.

    Entries whose ``seen_at`` is older than the expiry are stale (a crashed or sleeping
    client) and are ignored, then removed.  ``entity``/``entity_id`` name the record open in
    an editor, if any, so others can be told.
    """

    __tablename__ = "presence"

    session_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user: Mapped[str] = mapped_column(String(120))
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(default=utc_now)
    seen_at: Mapped[datetime] = mapped_column(default=utc_now)
    entity: Mapped[str | None] = mapped_column(String(40))
    entity_id: Mapped[int | None]
