"""Small builders shared by the volunteer-record tests (people, causes, weekly events, shifts)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from organizer.models import (
    Assignment,
    AssignmentStatus,
    Attendance,
    ChangeLogEntry,
    ConsentRecord,
    FileInfo,
    Shift,
    Volunteer,
    VolunteerQualification,
)
from organizer.models.ids import VolunteerId
from organizer.services import (
    AssignmentDraft,
    CauseDraft,
    EventDraft,
    Services,
    ShiftDraft,
    VolunteerDraft,
)
from organizer.storage import Database

FIRST_MONDAY = datetime(2024, 1, 1, 18, 0, tzinfo=UTC)


@dataclass(frozen=True)
class WeeklyShift:
    """A weekly event's one shift, and when its occurrences start."""

    shift_id: Any
    cause_id: Any
    starts_at: datetime

    def week(self, number: int) -> datetime:
        return self.starts_at + timedelta(weeks=number)


def person(services: Services, name: str, **fields: Any) -> Volunteer:
    """A volunteer with ``fields`` set on the draft."""
    return services.volunteers.create(
        VolunteerDraft(name=name, joined_on=fields.pop("joined_on", date(2024, 1, 1)), **fields)
    )


def weekly_shift(
    services: Services, title: str, cause: str, *, starts_at: datetime = FIRST_MONDAY
) -> WeeklyShift:
    """A weekly two-hour event of ``cause`` (made if new) with one shift."""
    existing = {c.name: c.id for c in services.causes.list()}
    cause_id = existing.get(cause) or services.causes.create(CauseDraft(name=cause)).id
    event = services.events.create(
        EventDraft(
            title=title,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=2),
            timezone="UTC",
            cause_id=cause_id,
            rrule="FREQ=WEEKLY;COUNT=52",
        )
    )
    shift = services.shifts.create(ShiftDraft(event_id=event.id, role="Helper", needed=5))
    return WeeklyShift(shift.id, cause_id, starts_at)


def assign(
    services: Services,
    shift: WeeklyShift,
    volunteer_id: int,
    week: int,
    *,
    attended: bool = True,
    hours: float | None = 2.0,
    status: AssignmentStatus = AssignmentStatus.ACCEPTED,
) -> Assignment:
    """Put a volunteer on one week's occurrence of ``shift``."""
    return services.assignments.create(
        AssignmentDraft(
            shift_id=shift.shift_id,
            volunteer_id=VolunteerId(volunteer_id),
            occurrence_start=shift.week(week),
            status=status,
            attendance=Attendance.ATTENDED if attended else None,
            hours=hours if attended else None,
        )
    )


def table_counts(db: Database) -> dict[str, Any]:
    """Counts and totals a report or a careful test compares before and after."""
    with db.read() as session:
        return {
            "volunteers": session.scalar(select(func.count(Volunteer.id))),
            "assignments": session.scalar(select(func.count(Assignment.id))),
            "hours": session.scalar(select(func.coalesce(func.sum(Assignment.hours), 0.0))),
            "qualifications": session.scalar(
                select(func.count()).select_from(VolunteerQualification)
            ),
            "consents": session.scalar(select(func.count(ConsentRecord.id))),
            "log": session.scalar(select(func.count(ChangeLogEntry.seq))),
            "file_info": sorted(session.scalars(select(FileInfo.key))),
            "shifts": session.scalar(select(func.count(Shift.id))),
        }


def file_digest(path: Path) -> str:
    """The SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def at(day: date, hour: int = 0) -> datetime:
    """A UTC instant on ``day``."""
    return datetime.combine(day, time(hour), UTC)
