"""The Organizer data model (SQLAlchemy 2 typed declarative; no Qt here)."""

from organizer.models.base import (
    DERIVED,
    Base,
    UTCDateTime,
    new_calendar_uid,
    stored_columns,
    utc_now,
)
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
from organizer.models.scheduling import CoverRequest, PresenceEntry, StaffingRule

DERIVED_TABLES = frozenset({"occurrences", "presence"})
"""Tables that are not the organisation's data: worked out from other tables (imports rebuild
them) or about the copies of Organizer running now.  Exports leave them out."""

__all__ = [
    "DERIVED",
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
    "CoverRequest",
    "Event",
    "EventException",
    "EventId",
    "EventStatus",
    "FileInfo",
    "Location",
    "LocationId",
    "OccurrenceOverride",
    "OccurrenceRow",
    "PresenceEntry",
    "PublishedItem",
    "Qualification",
    "QualificationId",
    "Shift",
    "ShiftId",
    "StaffingRule",
    "UTCDateTime",
    "Volunteer",
    "VolunteerId",
    "VolunteerQualification",
    "new_calendar_uid",
    "stored_columns",
    "utc_now",
]
