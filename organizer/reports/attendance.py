"""What happened on the day: who came, who did not, and the hours they gave.

Every change is a list of :class:`AttendanceEdit` written in one transaction, each checked
against the version the coordinator loaded.  :meth:`AttendanceService.record` returns the
edits that put the previous values back (carrying the new versions), so undo is simply
recording those.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from organizer.errors import DomainError, NotFoundError, ValidationError
from organizer.models import (
    Assignment,
    Attendance,
    Event,
    Location,
    OccurrenceRow,
    Shift,
    Volunteer,
)
from organizer.models.ids import AssignmentId, EventId, VolunteerId
from organizer.services.base import Service, check_version
from organizer.services.coverage import PLACE_HOLDING, shift_times

MAX_HOURS = 24.0
"""One shift cannot count for more than this many hours."""


@dataclass(frozen=True, slots=True)
class AttendanceValues:
    """What is recorded about one person on one shift: attendance, hours, actual times."""

    attendance: Attendance | None = None
    hours: float | None = None
    actual_start: datetime | None = None
    actual_end: datetime | None = None


@dataclass(frozen=True, slots=True)
class AttendanceEdit:
    """New values for one assignment, based on the ``version`` the coordinator saw."""

    assignment_id: AssignmentId
    version: int
    values: AttendanceValues


@dataclass(frozen=True, slots=True)
class SheetPerson:
    """One volunteer holding a place on a shift, with what is recorded for them."""

    assignment_id: AssignmentId
    version: int
    volunteer_id: VolunteerId
    name: str
    values: AttendanceValues


@dataclass(frozen=True, slots=True)
class SheetShift:
    """One shift of the occurrence with its own times and its people."""

    role: str
    starts_at: datetime
    ends_at: datetime
    needed: int
    people: tuple[SheetPerson, ...]

    @property
    def scheduled_hours(self) -> float:
        """How long the shift is, in hours."""
        return hours_between(self.starts_at, self.ends_at)


@dataclass(frozen=True, slots=True)
class OccurrenceSheet:
    """One occurrence of an event as an attendance or sign-in sheet shows it."""

    event_id: EventId
    recurrence_id: datetime
    title: str
    place: str
    starts_at: datetime
    ends_at: datetime
    shifts: tuple[SheetShift, ...]

    @property
    def people(self) -> list[SheetPerson]:
        """Everyone on any shift, shift by shift."""
        return [person for shift in self.shifts for person in shift.people]


def hours_between(start: datetime, end: datetime) -> float:
    """Hours from ``start`` to ``end``, to two decimals."""
    return round((end - start).total_seconds() / 3600, 2)


def values_for(
    attendance: Attendance | None,
    actual_start: datetime | None,
    actual_end: datetime | None,
    scheduled: tuple[datetime, datetime],
) -> AttendanceValues:
    """The values to record for an attendance choice.

    Attended people are credited with their actual times, or the shift's when none are
    given; people who did not come are credited nothing.
    """
    if attendance is not Attendance.ATTENDED:
        return AttendanceValues(attendance, None, actual_start, actual_end)
    start = actual_start or scheduled[0]
    end = actual_end or scheduled[1]
    return AttendanceValues(attendance, hours_between(start, end), actual_start, actual_end)


def attended_as_scheduled(sheet: OccurrenceSheet) -> list[AttendanceEdit]:
    """Edits marking everyone on ``sheet`` as attended for exactly their shift's times."""
    return [
        AttendanceEdit(
            person.assignment_id,
            person.version,
            AttendanceValues(
                Attendance.ATTENDED, shift.scheduled_hours, shift.starts_at, shift.ends_at
            ),
        )
        for shift in sheet.shifts
        for person in shift.people
    ]


class AttendanceService(Service):
    """Read an occurrence's attendance sheet and record what happened, undoably."""

    def sheet(self, event_id: int, recurrence_id: datetime) -> OccurrenceSheet:
        """The shifts of one occurrence with the people holding a place on them."""
        with self.db.read() as session:
            occurrence = session.get(OccurrenceRow, (event_id, recurrence_id))
            event = session.get(Event, event_id)
            if occurrence is None or event is None:
                raise DomainError("This occurrence no longer exists (it may have been removed).")
            place = ""
            if event.location_id is not None:
                location = session.get(Location, event.location_id)
                place = location.name if location is not None else ""
            shifts = session.scalars(
                select(Shift)
                .where(
                    Shift.event_id == event_id,
                    (Shift.occurrence_start.is_(None)) | (Shift.occurrence_start == recurrence_id),
                )
                .order_by(Shift.start_offset_min.is_not(None), Shift.start_offset_min, Shift.id)
            ).all()
            rows = session.execute(
                select(Assignment, Volunteer.name)
                .join(Volunteer, Volunteer.id == Assignment.volunteer_id)
                .where(
                    Assignment.shift_id.in_([shift.id for shift in shifts]),
                    Assignment.occurrence_start == recurrence_id,
                    Assignment.status.in_(PLACE_HOLDING),
                )
                .order_by(Volunteer.name, Assignment.id)
            ).all()
            by_shift: dict[int, list[SheetPerson]] = {}
            for assignment, name in rows:
                by_shift.setdefault(assignment.shift_id, []).append(_person(assignment, name))
            return OccurrenceSheet(
                event_id=EventId(event_id),
                recurrence_id=recurrence_id,
                title=event.title,
                place=place,
                starts_at=occurrence.starts_at,
                ends_at=occurrence.ends_at,
                shifts=tuple(
                    SheetShift(
                        shift.role,
                        *shift_times(
                            occurrence.starts_at,
                            occurrence.ends_at,
                            shift.start_offset_min,
                            shift.end_offset_min,
                        ),
                        shift.needed,
                        tuple(by_shift.get(shift.id, ())),
                    )
                    for shift in shifts
                ),
            )

    def record(self, edits: Sequence[AttendanceEdit]) -> list[AttendanceEdit]:
        """Write every edit in one transaction; return the edits that would undo them.

        Raises:
            ConflictError: someone else changed one of the assignments since it was loaded
                (nothing is changed).
            NotFoundError: an assignment was deleted.
            ValidationError: hours or times make no sense.
        """
        for edit in edits:
            _validate(edit.values)
        if not edits:
            return []
        ids = [edit.assignment_id for edit in edits]
        with self._writing("assignment", ids[0], Assignment) as session:
            rows = {
                row.id: row
                for row in session.scalars(
                    select(Assignment)
                    .where(Assignment.id.in_(ids))
                    .options(selectinload(Assignment.volunteer))
                )
            }
            previous: list[tuple[Assignment, AttendanceValues]] = []
            for edit in edits:
                row = rows.get(edit.assignment_id)
                if row is None:
                    raise NotFoundError("assignment", edit.assignment_id)
                check_version(row, "assignment", edit.assignment_id, edit.version)
                previous.append((row, _values(row)))
                values = edit.values
                row.attendance = values.attendance
                row.hours = values.hours
                row.actual_start = values.actual_start
                row.actual_end = values.actual_end
                self._stamp(row)
            session.flush()
            self._log(
                session,
                "update",
                "assignment",
                ids[0] if len(ids) == 1 else None,
                _summary(edits, {row.id: row.volunteer.name for row, _ in previous}),
            )
            session.flush()
            return [AttendanceEdit(row.id, row.version, values) for row, values in previous]


def _person(assignment: Assignment, name: str) -> SheetPerson:
    return SheetPerson(
        assignment.id, assignment.version, assignment.volunteer_id, name, _values(assignment)
    )


def _values(row: Assignment) -> AttendanceValues:
    return AttendanceValues(row.attendance, row.hours, row.actual_start, row.actual_end)


def _validate(values: AttendanceValues) -> None:
    problems: list[str] = []
    if values.hours is not None and not 0 <= values.hours <= MAX_HOURS:
        problems.append("Hours must be between 0 and 24.")
    for moment in (values.actual_start, values.actual_end):
        if moment is not None and moment.utcoffset() is None:
            problems.append("Actual times need a time zone.")
    if (
        values.actual_start is not None
        and values.actual_end is not None
        and not problems
        and values.actual_end <= values.actual_start
    ):
        problems.append("The actual end must be after the actual start.")
    if problems:
        raise ValidationError.single("actual_end", problems[0])


def _summary(edits: Sequence[AttendanceEdit], names: dict[int, str]) -> str:
    if len(edits) == 1:
        edit = edits[0]
        what = edit.values.attendance.value if edit.values.attendance else "not recorded"
        return f"Recorded attendance of {names.get(edit.assignment_id, '?')}: {what}"
    return f"Recorded attendance of {len(edits)} people"


__all__ = [
    "AttendanceEdit",
    "AttendanceService",
    "AttendanceValues",
    "OccurrenceSheet",
    "SheetPerson",
    "SheetShift",
    "attended_as_scheduled",
    "hours_between",
    "values_for",
]
