"""Volunteers, their qualifications, availability, consent and assignments."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from organizer.models.base import DERIVED, Base, Tracked, enum_column, new_calendar_uid
from organizer.models.enums import AssignmentStatus, Attendance
from organizer.models.ids import AssignmentId, QualificationId, ShiftId, VolunteerId

if TYPE_CHECKING:
    from organizer.models.event import Shift


class Qualification(Tracked, Base):
    """Something a role may require: "trained facilitator", "food hygiene", "first aid"."""

    __tablename__ = "qualifications"

    id: Mapped[QualificationId] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    validity_months: Mapped[int | None]


class Volunteer(Tracked, Base):
    """A person who gives their time.  Phone, emergency contact and notes are sensitive."""

    __tablename__ = "volunteers"
    __table_args__ = (
        CheckConstraint(
            "max_hours_per_week IS NULL OR max_hours_per_week > 0", name="week_limit_positive"
        ),
        CheckConstraint(
            "max_hours_per_month IS NULL OR max_hours_per_month > 0", name="month_limit_positive"
        ),
        Index("ix_volunteers_name", "name"),
        Index("ix_volunteers_joined_on", "joined_on"),
        Index("ix_volunteers_active_name_key", "active", "name_key", "id"),
    )

    id: Mapped[VolunteerId] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    pronouns: Mapped[str] = mapped_column(String(40), default="")
    joined_on: Mapped[date] = mapped_column(Date)
    timezone: Mapped[str] = mapped_column(String(64))
    notes: Mapped[str] = mapped_column(Text, default="")
    emergency_contact_name: Mapped[str] = mapped_column(String(120), default="")
    emergency_contact_phone: Mapped[str] = mapped_column(String(40), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    max_hours_per_week: Mapped[float | None] = mapped_column(Float)
    max_hours_per_month: Mapped[float | None] = mapped_column(Float)
    health_notes: Mapped[str] = mapped_column(Text, default="")
    """Health-related notes: the most sensitive field, never in lists or default exports."""
    name_key: Mapped[str] = mapped_column(String(120), server_default="", info={DERIVED: True})
    """The name as the directory sorts and searches it (case-folded, accents removed).

    Kept by the database itself (triggers, see migration 0004), whoever writes the name.
    """
    email_key: Mapped[str | None] = mapped_column(String(254), info={DERIVED: True})
    """The email as the directory searches it, kept like :attr:`name_key`."""
    review_reason: Mapped[str] = mapped_column(String(200), default="")
    """Why this sign-up was flagged for review (looks like spam...); empty when not flagged."""
    anonymised_at: Mapped[datetime | None]
    """When personal data was removed under the retention rule or an erasure request."""
    welcomed_on: Mapped[date | None] = mapped_column(Date)
    trained_on: Mapped[date | None] = mapped_column(Date)
    buddy_id: Mapped[VolunteerId | None] = mapped_column(
        ForeignKey("volunteers.id", ondelete="SET NULL")
    )

    qualifications: Mapped[list[VolunteerQualification]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="raise"
    )
    availability: Mapped[list[AvailabilityWindow]] = relationship(
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="raise",
        order_by="(AvailabilityWindow.weekday, AvailabilityWindow.starts)",
    )
    blackouts: Mapped[list[BlackoutPeriod]] = relationship(
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="raise",
        order_by="BlackoutPeriod.starts_on",
    )
    consents: Mapped[list[ConsentRecord]] = relationship(
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="raise",
        order_by="ConsentRecord.given_on",
    )


class VolunteerQualification(Base):
    """A qualification a volunteer holds, with an optional expiry date."""

    __tablename__ = "volunteer_qualifications"

    volunteer_id: Mapped[VolunteerId] = mapped_column(
        ForeignKey("volunteers.id", ondelete="CASCADE"), primary_key=True
    )
    qualification_id: Mapped[QualificationId] = mapped_column(
        ForeignKey("qualifications.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    obtained_on: Mapped[date | None] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)

    qualification: Mapped[Qualification] = relationship(lazy="raise")


class AvailabilityWindow(Base):
    """A weekly window when a volunteer is usually free, in the volunteer's time zone.

    ``weekday`` is 0 for Monday to 6 for Sunday.
    """

    __tablename__ = "availability_windows"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("ends > starts", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[VolunteerId] = mapped_column(
        ForeignKey("volunteers.id", ondelete="CASCADE"), index=True
    )
    weekday: Mapped[int] = mapped_column(Integer)
    starts: Mapped[time] = mapped_column(Time)
    ends: Mapped[time] = mapped_column(Time)


class BlackoutPeriod(Base):
    """Dates a volunteer cannot do anything (inclusive of both ends)."""

    __tablename__ = "blackout_periods"
    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[VolunteerId] = mapped_column(
        ForeignKey("volunteers.id", ondelete="CASCADE"), index=True
    )
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200), default="")


class ConsentRecord(Base):
    """What a volunteer agreed to (contact by email, photos...), when, and if withdrawn."""

    __tablename__ = "consent_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[VolunteerId] = mapped_column(
        ForeignKey("volunteers.id", ondelete="CASCADE"), index=True
    )
    covers: Mapped[str] = mapped_column(String(200))
    given_on: Mapped[date] = mapped_column(Date)
    withdrawn_on: Mapped[date | None] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(120), default="")
    note: Mapped[str] = mapped_column(Text, default="")


class Assignment(Tracked, Base):
    """A volunteer on a shift, for one occurrence of its event.

    ``occurrence_start`` is the instant that occurrence starts by the series' rule (its
    RECURRENCE-ID), or the event's start for a one-off.
    """

    __tablename__ = "assignments"
    __table_args__ = (
        UniqueConstraint(
            "shift_id", "occurrence_start", "volunteer_id", name="uq_assignments_slot"
        ),
        CheckConstraint("hours IS NULL OR hours >= 0", name="hours_not_negative"),
        CheckConstraint(
            "actual_start IS NULL OR actual_end IS NULL OR actual_end > actual_start",
            name="actual_ends_after_start",
        ),
        Index("ix_assignments_volunteer_occurrence", "volunteer_id", "occurrence_start"),
        Index("ix_assignments_occurrence_start", "occurrence_start"),
    )

    id: Mapped[AssignmentId] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(255), unique=True, default=new_calendar_uid)
    """The iCalendar UID of this volunteer's invitation for this shift (made once, kept)."""
    shift_id: Mapped[ShiftId] = mapped_column(ForeignKey("shifts.id", ondelete="CASCADE"))
    volunteer_id: Mapped[VolunteerId] = mapped_column(
        ForeignKey("volunteers.id", ondelete="RESTRICT")
    )
    occurrence_start: Mapped[datetime]
    status: Mapped[AssignmentStatus] = mapped_column(
        enum_column(AssignmentStatus, "assignment_status"), default=AssignmentStatus.PROPOSED
    )
    attendance: Mapped[Attendance | None] = mapped_column(enum_column(Attendance, "attendance"))
    hours: Mapped[float | None] = mapped_column(Float)
    actual_start: Mapped[datetime | None]
    actual_end: Mapped[datetime | None]
    override_reason: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")

    shift: Mapped[Shift] = relationship(lazy="raise")
    volunteer: Mapped[Volunteer] = relationship(lazy="raise")
