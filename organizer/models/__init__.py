"""The Organizer data model (SQLAlchemy 2 typed declarative; no Qt here)."""

from organizer.models.base import Base, UTCDateTime, new_calendar_uid, utc_now
from organizer.models.enums import AssignmentStatus, Attendance, EventStatus
from organizer.models.event import (
    Event,
    EventException,
    OccurrenceOverride,
    OccurrenceRow,
    Shift,
)
from organizer.models.ids import (
    AssignmentId,
    CauseId,
    EventId,
    LocationId,
    QualificationId,
    ShiftId,
    VolunteerId,
)
from organizer.models.journal import ChangeLogEntry, FileInfo
from organizer.models.organisation import Cause, Location
from organizer.models.people import (
    Assignment,
    AvailabilityWindow,
    BlackoutPeriod,
    ConsentRecord,
    Qualification,
    Volunteer,
    VolunteerQualification,
)
from organizer.models.publishing import PublishedItem

DERIVED_TABLES = frozenset({"occurrences"})
"""Tables worked out from others; exports leave them out and imports rebuild them."""

__all__ = [
    "DERIVED_TABLES",
    "Assignment",
    "AssignmentId",
    "AssignmentStatus",
    "Attendance",
    "AvailabilityWindow",
    "Base",
    "BlackoutPeriod",
    "Cause",
    "CauseId",
    "ChangeLogEntry",
    "ConsentRecord",
    "Event",
    "EventException",
    "EventId",
    "EventStatus",
    "FileInfo",
    "Location",
    "LocationId",
    "OccurrenceOverride",
    "OccurrenceRow",
    "PublishedItem",
    "Qualification",
    "QualificationId",
    "Shift",
    "ShiftId",
    "UTCDateTime",
    "Volunteer",
    "VolunteerId",
    "VolunteerQualification",
    "new_calendar_uid",
    "utc_now",
]
