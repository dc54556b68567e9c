"""Typed ids, so a volunteer id is never passed where an event id is expected."""

from typing import NewType

CauseId = NewType("CauseId", int)
LocationId = NewType("LocationId", int)
EventId = NewType("EventId", int)
ShiftId = NewType("ShiftId", int)
VolunteerId = NewType("VolunteerId", int)
QualificationId = NewType("QualificationId", int)
AssignmentId = NewType("AssignmentId", int)
