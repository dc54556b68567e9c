"""The Organizer data model (SQLAlchemy 2 typed declarative; no Qt here)."""

from organizer.models.base import Base, UTCDateTime, utc_now
from organizer.models.enums import AssignmentStatus, Attendance, EventStatus
from organizer.models.event import Event, EventException, OccurrenceOverride, Shift
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

__all__ = [
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
    "Qualification",
    "QualificationId",
    "Shift",
    "ShiftId",
    "UTCDateTime",
    "Volunteer",
    "VolunteerId",
    "VolunteerQualification",
    "utc_now",
]
