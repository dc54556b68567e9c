"""What each volunteer was last sent, so publishing sends only what changed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from organizer.models.base import Base, utc_now
from organizer.models.ids import AssignmentId, VolunteerId


class PublishedItem(Base):
    """One invitation as a volunteer last received it.

    ``uid`` is the invitation's iCalendar UID (the assignment's), ``sequence`` the SEQUENCE
    last sent and ``content_hash`` a digest of everything the volunteer would care about, so
    the next publish can tell new, changed, cancelled and unchanged apart.  The row outlives
    its assignment (``assignment_id`` becomes NULL) so a removal can still be cancelled, and
    keeps the summary and times last sent so the cancellation can say what it cancels.
    """

    __tablename__ = "published_items"
    __table_args__ = (UniqueConstraint("volunteer_id", "uid", name="uq_published_items_slot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[VolunteerId] = mapped_column(
        ForeignKey("volunteers.id", ondelete="CASCADE"), index=True
    )
    assignment_id: Mapped[AssignmentId | None] = mapped_column(
        ForeignKey("assignments.id", ondelete="SET NULL"), index=True
    )
    uid: Mapped[str] = mapped_column(String(255))
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    content_hash: Mapped[str] = mapped_column(String(64))
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    summary: Mapped[str] = mapped_column(String(300), default="")
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    sent_at: Mapped[datetime] = mapped_column(default=utc_now)
    sent_by: Mapped[str] = mapped_column(String(120), default="")
