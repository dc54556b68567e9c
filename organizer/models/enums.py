"""Enumerations stored in the database (their values are the stored text)."""

from __future__ import annotations

import enum


class EventStatus(enum.StrEnum):
    """Where an event is in its life."""

    DRAFT = "draft"
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class AssignmentStatus(enum.StrEnum):
    """A volunteer's answer to, or state on, a shift."""

    PROPOSED = "proposed"
    INVITED = "invited"
    ACCEPTED = "accepted"
    TENTATIVE = "tentative"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    WAITLISTED = "waitlisted"

    @property
    def holds_place(self) -> bool:
        """Whether this status counts towards filling the shift."""
        return self in _HOLDS_PLACE


_HOLDS_PLACE = frozenset(
    {
        AssignmentStatus.PROPOSED,
        AssignmentStatus.INVITED,
        AssignmentStatus.ACCEPTED,
        AssignmentStatus.TENTATIVE,
    }
)


class Attendance(enum.StrEnum):
    """What happened on the day."""

    ATTENDED = "attended"
    NO_SHOW = "no_show"
    EXCUSED = "excused"
