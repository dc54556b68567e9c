"""A small, hand-counted world for the attendance and report tests.

Garden day (cause Garden) on Monday 2 Nov 2026, 10:00–13:00 London: "Digger" needs 2 (whole
event), "Tea" needs 1 from 11:00 to 12:00.  Kitchen supper (cause Kitchen) on Tuesdays 3 and
10 Nov, 18:00–20:00: "Cook" needs 2.

Recorded: Ann dug 3 h, Ben did not show, Cat made tea 1 h; 3 Nov Ann cooked 2 h, Cat was
excused; 10 Nov Ben cooked 18:15–19:45 (1.5 h).  So Ann 5 h over 2 shifts, Ben 1.5 h
(1 no-show of 2), Cat 1 h (1 excused); Garden 4 h, Kitchen 3.5 h.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from organizer.models import AssignmentStatus, Attendance
from organizer.models.ids import ShiftId, VolunteerId
from organizer.services import (
    AssignmentDraft,
    CauseDraft,
    EventDraft,
    LocationDraft,
    Services,
    ShiftDraft,
    VolunteerDraft,
)
from organizer.storage import Database

LONDON = ZoneInfo("Europe/London")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """An instant in November 2026, London time."""
    return datetime(2026, 11, day, hour, minute, tzinfo=LONDON)


@dataclass(frozen=True)
class World:
    """Ids of what :func:`build_world` made."""

    services: Services
    garden_cause: int
    kitchen_cause: int
    garden: int
    kitchen: int
    digger: int
    tea: int
    cook: int
    ann: int
    ben: int
    cat: int


def build_world(db: Database, *, record: bool = True) -> World:
    """Make the world above (without attendance recorded when ``record`` is false)."""
    s = Services.for_database(db, "Tester")
    garden_cause = s.causes.create(CauseDraft("Garden", "#59A14F")).id
    kitchen_cause = s.causes.create(CauseDraft("Kitchen", "#E15759")).id
    hall = s.locations.create(LocationDraft("Church hall", "1 High St")).id
    garden = s.events.create(
        EventDraft(
            "Garden day", at(2, 10), at(2, 13), "Europe/London",
            cause_id=garden_cause, location_id=hall,
        )
    ).id  # fmt: skip
    kitchen = s.events.create(
        EventDraft(
            "Kitchen supper", at(3, 18), at(3, 20), "Europe/London",
            cause_id=kitchen_cause, location_id=hall, rrule="FREQ=WEEKLY;COUNT=2",
        )
    ).id  # fmt: skip
    digger = s.shifts.create(ShiftDraft(garden, "Digger", needed=2)).id
    tea = s.shifts.create(
        ShiftDraft(garden, "Tea", needed=1, start_offset_min=60, end_offset_min=120)
    ).id
    cook = s.shifts.create(ShiftDraft(kitchen, "Cook", needed=2)).id
    ann, ben, cat = (
        s.volunteers.create(VolunteerDraft(name, date(2025, 1, 1))).id
        for name in ("Ann Archer", "Ben Baker", "Cat Cole")
    )

    def put(
        shift: int,
        start: datetime,
        who: int,
        attendance: Attendance | None = None,
        hours: float | None = None,
        actual: tuple[datetime, datetime] | None = None,
    ) -> None:
        s.assignments.create(
            AssignmentDraft(
                ShiftId(shift),
                VolunteerId(who),
                start,
                AssignmentStatus.ACCEPTED,
                attendance if record else None,
                hours if record else None,
                *(actual if actual and record else (None, None)),
            )
        )

    put(digger, at(2, 10), ann, Attendance.ATTENDED, 3.0)
    put(digger, at(2, 10), ben, Attendance.NO_SHOW)
    put(tea, at(2, 10), cat, Attendance.ATTENDED, 1.0)
    put(cook, at(3, 18), ann, Attendance.ATTENDED, 2.0)
    put(cook, at(3, 18), cat, Attendance.EXCUSED)
    put(cook, at(10, 18), ben, Attendance.ATTENDED, 1.5, (at(10, 18, 15), at(10, 19, 45)))
    return World(s, garden_cause, kitchen_cause, garden, kitchen, digger, tea, cook, ann, ben, cat)
