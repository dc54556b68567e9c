"""Events, their recurrence exceptions and overrides, and the shifts (role slots) on them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from organizer.models.base import Base, Tracked, enum_column
from organizer.models.enums import EventStatus
from organizer.models.ids import (
    CauseId,
    EventId,
    LocationId,
    QualificationId,
    ShiftId,
)

if TYPE_CHECKING:
    from organizer.models.organisation import Cause, Location
    from organizer.models.people import Qualification


class Event(Tracked, Base):
    """Something that happens: a one-off or a recurring series.

    ``starts_at``/``ends_at`` are instants (UTC); ``timezone`` is the IANA zone the event was
    planned in, which is what recurrence follows across daylight-saving changes.  For an
    all-day event they are local midnights, the end exclusive.  A series keeps its rule in
    ``rrule`` (RFC 5545 text without the ``RRULE:`` prefix, ``UNTIL`` in UTC) and the end of
    its last occurrence in ``recurrence_end`` (``None`` for an endless series) so range
    queries can use an index.
    """

    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("sequence >= 0", name="sequence_not_negative"),
        CheckConstraint("capacity IS NULL OR capacity >= 1", name="capacity_positive"),
        Index("ix_events_starts_at_ends_at", "starts_at", "ends_at"),
        Index("ix_events_recurring", "recurrence_end", "starts_at"),
    )

    id: Mapped[EventId] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(255), unique=True)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    cause_id: Mapped[CauseId | None] = mapped_column(
        ForeignKey("causes.id", ondelete="RESTRICT"), index=True
    )
    location_id: Mapped[LocationId | None] = mapped_column(
        ForeignKey("locations.id", ondelete="SET NULL"), index=True
    )
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    timezone: Mapped[str] = mapped_column(String(64))
    all_day: Mapped[bool] = mapped_column(Boolean, default=False)
    capacity: Mapped[int | None]
    status: Mapped[EventStatus] = mapped_column(
        enum_column(EventStatus, "event_status"), default=EventStatus.SCHEDULED
    )
    rrule: Mapped[str | None] = mapped_column(String(500))
    recurrence_end: Mapped[datetime | None]

    cause: Mapped[Cause | None] = relationship(lazy="raise")
    location: Mapped[Location | None] = relationship(lazy="raise")
    shifts: Mapped[list[Shift]] = relationship(
        back_populates="event",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="raise",
        order_by="Shift.id",
    )
    exceptions: Mapped[list[EventException]] = relationship(
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="raise",
        order_by="EventException.occurrence_start",
    )
    overrides: Mapped[list[OccurrenceOverride]] = relationship(
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="raise",
        order_by="OccurrenceOverride.recurrence_id",
    )

    @property
    def is_recurring(self) -> bool:
        """Whether this event is a series."""
        return bool(self.rrule)


class EventException(Base):
    """An occurrence removed from a series (an iCalendar EXDATE)."""

    __tablename__ = "event_exceptions"

    event_id: Mapped[EventId] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    occurrence_start: Mapped[datetime] = mapped_column(primary_key=True)


class OccurrenceOverride(Tracked, Base):
    """One occurrence of a series that differs from the rule (an iCalendar RECURRENCE-ID).

    ``recurrence_id`` is the instant the occurrence would have started by the rule; the other
    columns, when set, replace the series' values for that occurrence only.
    """

    __tablename__ = "occurrence_overrides"
    __table_args__ = (
        CheckConstraint(
            "starts_at IS NULL OR ends_at IS NULL OR ends_at > starts_at",
            name="ends_after_start",
        ),
        Index("ix_occurrence_overrides_event_recurrence", "event_id", "recurrence_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[EventId] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    recurrence_id: Mapped[datetime]
    starts_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]
    title: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    location_id: Mapped[LocationId | None] = mapped_column(
        ForeignKey("locations.id", ondelete="SET NULL")
    )
    status: Mapped[EventStatus | None] = mapped_column(enum_column(EventStatus, "override_status"))
    sequence: Mapped[int] = mapped_column(Integer, default=0)


class Shift(Tracked, Base):
    """A role slot on an event: "two greeters", "one trained facilitator".

    A shift with no ``occurrence_start`` applies to every occurrence of its event; with one,
    only to that occurrence.  Its own times, when set, are minutes from the occurrence's start
    (so one shift definition works for every week of a series).
    """

    __tablename__ = "shifts"
    __table_args__ = (
        CheckConstraint("needed >= 1", name="needed_positive"),
        CheckConstraint(
            "start_offset_min IS NULL OR end_offset_min IS NULL "
            "OR end_offset_min > start_offset_min",
            name="ends_after_start",
        ),
    )

    id: Mapped[ShiftId] = mapped_column(primary_key=True)
    event_id: Mapped[EventId] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    occurrence_start: Mapped[datetime | None]
    role: Mapped[str] = mapped_column(String(120))
    needed: Mapped[int] = mapped_column(Integer, default=1)
    qualification_id: Mapped[QualificationId | None] = mapped_column(
        ForeignKey("qualifications.id", ondelete="SET NULL"), index=True
    )
    start_offset_min: Mapped[int | None]
    end_offset_min: Mapped[int | None]
    notes: Mapped[str] = mapped_column(Text, default="")

    event: Mapped[Event] = relationship(back_populates="shifts", lazy="raise")
    qualification: Mapped[Qualification | None] = relationship(lazy="raise")


class OccurrenceRow(Base):
    """One occurrence of an event, worked out from its rule, exceptions and overrides.

    Derived data, kept in step by the services whenever an event changes, so that "what
    happens between these two instants" is one indexed query instead of expanding every
    series.  Endless series are stored up to the horizon kept in ``file_info``.
    """

    __tablename__ = "occurrences"
    __table_args__ = (
        Index("ix_occurrences_starts_at", "starts_at"),
        # Everything a calendar reads of a range, so the read never visits the table.
        Index(
            "ix_occurrences_long",
            "long",
            "starts_at",
            "ends_at",
            "event_id",
            "recurrence_id",
            "overridden",
        ),
    )

    event_id: Mapped[EventId] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    recurrence_id: Mapped[datetime] = mapped_column(primary_key=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    overridden: Mapped[bool] = mapped_column(Boolean, default=False)
    # Occurrences longer than LONG_OCCURRENCE are looked up separately, so that range
    # queries can bound their look-back on the start index.
    long: Mapped[bool] = mapped_column(Boolean, default=False)
