"""Welcoming newcomers: an onboarding checklist each, and buddy suggestions.

The checklist has four steps: *welcomed* and *trained* (dates a coordinator sets or clears),
*first shift* (worked out: the earliest assignment they attended, or held a place on and that
has happened) and *buddy assigned* (an experienced volunteer looking out for them).

A good buddy is active, has attended many shifts, is not already buddying several newcomers,
helps with a cause the newcomer has shifts on, and is free at the same times of the week.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from organizer.errors import DomainError, NotFoundError
from organizer.models import (
    Assignment,
    AssignmentStatus,
    Attendance,
    AvailabilityWindow,
    Cause,
    Event,
    OccurrenceRow,
    Shift,
    Volunteer,
    utc_now,
)
from organizer.models.ids import VolunteerId
from organizer.services.base import Service, check_version, chunks
from organizer.services.coverage import GOES_AHEAD, shift_begins
from organizer.storage import Database
from organizer.wording import WEEKDAYS, english_date

EXPERIENCED_SHIFTS = 5
"""Attended shifts that make someone experienced enough to be a buddy."""
MAX_BUDDIES = 3
"""Newcomers one volunteer may buddy at once."""

_PLACE_HOLDING = tuple(status for status in AssignmentStatus if status.holds_place)
_NOT_TAKING_PART = (AssignmentStatus.DECLINED, AssignmentStatus.CANCELLED)


class OnboardingStep(StrEnum):
    """One step of a newcomer's onboarding checklist."""

    WELCOMED = "welcomed"
    TRAINED = "trained"
    FIRST_SHIFT = "first_shift"
    BUDDY = "buddy"


STEP_LABELS = {
    OnboardingStep.WELCOMED: "Welcomed",
    OnboardingStep.TRAINED: "Trained",
    OnboardingStep.FIRST_SHIFT: "First shift",
    OnboardingStep.BUDDY: "Buddy assigned",
}


@dataclass(frozen=True)
class Onboarding:
    """A newcomer and how far along their onboarding is."""

    volunteer_id: VolunteerId
    name: str
    joined_on: date
    version: int
    welcomed_on: date | None
    trained_on: date | None
    first_shift_at: datetime | None
    buddy_id: VolunteerId | None
    buddy_name: str
    has_contact: bool
    review_reason: str

    @property
    def steps(self) -> tuple[tuple[OnboardingStep, bool], ...]:
        """Each step in order, with whether it is done."""
        return (
            (OnboardingStep.WELCOMED, self.welcomed_on is not None),
            (OnboardingStep.TRAINED, self.trained_on is not None),
            (OnboardingStep.FIRST_SHIFT, self.first_shift_at is not None),
            (OnboardingStep.BUDDY, self.buddy_id is not None),
        )

    @property
    def done(self) -> int:
        """How many steps are done (0 to 4)."""
        return sum(1 for _, finished in self.steps if finished)

    @property
    def complete(self) -> bool:
        """Whether every step is done."""
        return self.done == len(self.steps)


@dataclass(frozen=True)
class BuddySuggestion:
    """An experienced volunteer who could buddy a newcomer, and why."""

    volunteer_id: VolunteerId
    name: str
    shifts_attended: int
    shared_causes: tuple[str, ...]
    shared_days: tuple[str, ...]
    overlap_hours: float
    buddying: int
    score: float
    reason: str


class OnboardingService(Service):
    """Onboarding checklists and buddies.  ``clock`` gives "now" (default: the real one)."""

    def __init__(
        self, db: Database, actor: str, *, clock: Callable[[], datetime] = utc_now
    ) -> None:
        super().__init__(db, actor)
        self.clock = clock

    def newest(self, limit: int = 8) -> list[Onboarding]:
        """The most recently joined active volunteers, newest first, with their checklists."""
        query = (
            select(Volunteer.id)
            .where(Volunteer.active.is_(True), Volunteer.anonymised_at.is_(None))
            .order_by(Volunteer.joined_on.desc(), Volunteer.id.desc())
            .limit(limit)
        )
        with self.db.read() as session:
            ids = list(session.scalars(query))
            return self._checklists(session, ids)

    def checklist(self, volunteer_id: int) -> Onboarding:
        """One volunteer's checklist (NotFoundError if they were deleted)."""
        with self.db.read() as session:
            found = self._checklists(session, [volunteer_id])
        if not found:
            raise NotFoundError("volunteer", volunteer_id)
        return found[0]

    def set_welcomed(self, volunteer_id: int, expected_version: int, on: date | None) -> Onboarding:
        """Mark a newcomer welcomed on a day, or clear it (``None``)."""
        return self._set_date(volunteer_id, expected_version, "welcomed_on", "Welcomed", on)

    def set_trained(self, volunteer_id: int, expected_version: int, on: date | None) -> Onboarding:
        """Mark a newcomer trained on a day, or clear it (``None``)."""
        return self._set_date(volunteer_id, expected_version, "trained_on", "Trained", on)

    def set_buddy(
        self, volunteer_id: int, expected_version: int, buddy_id: int | None
    ) -> Onboarding:
        """Give a newcomer a buddy, or take the buddy away (``None``).

        Raises:
            DomainError: the buddy is the newcomer, or not an active volunteer.
            ConflictError: the newcomer's record changed since ``expected_version``.
        """
        if buddy_id == volunteer_id:
            raise DomainError("A volunteer cannot be their own buddy.")
        with self._writing("volunteer", volunteer_id, Volunteer) as session:
            person = self._for_change(session, volunteer_id, expected_version)
            if buddy_id is None:
                summary = "Removed buddy"
            else:
                buddy = session.get(Volunteer, buddy_id)
                if buddy is None or not buddy.active or buddy.anonymised_at is not None:
                    raise DomainError("The buddy must be an active volunteer.")
                summary = f"Buddy: “{buddy.name}”"
            person.buddy_id = VolunteerId(buddy_id) if buddy_id is not None else None
            self._stamp(person)
            session.flush()
            self._log(session, "update", "volunteer", volunteer_id, f"{summary} (“{person.name}”)")
            session.flush()
            return self._checklists(session, [volunteer_id])[0]

    def buddy_suggestions(self, volunteer_id: int, limit: int = 3) -> list[BuddySuggestion]:
        """Experienced volunteers who share a cause and free times with a newcomer, best first.

        When the newcomer has no shifts yet (so no cause) or no weekly availability, that
        condition is left out rather than suggesting nobody.
        """
        with self.db.read() as session:
            newcomer = session.get(Volunteer, volunteer_id)
            if newcomer is None:
                raise NotFoundError("volunteer", volunteer_id)
            causes = dict(
                session.execute(
                    select(Cause.id, Cause.name)
                    .join(Event, Event.cause_id == Cause.id)
                    .join(Shift, Shift.event_id == Event.id)
                    .join(Assignment, Assignment.shift_id == Shift.id)
                    .where(
                        Assignment.volunteer_id == volunteer_id,
                        Assignment.status.not_in(_NOT_TAKING_PART),
                    )
                    .distinct()
                ).all()
            )
            windows = _windows(session, [volunteer_id]).get(volunteer_id, [])
            attended = (
                select(Assignment.volunteer_id, func.count(Assignment.id).label("shifts"))
                .where(Assignment.attendance == Attendance.ATTENDED)
                .group_by(Assignment.volunteer_id)
                .having(func.count(Assignment.id) >= EXPERIENCED_SHIFTS)
                .subquery()
            )
            load = (
                select(Volunteer.buddy_id, func.count(Volunteer.id).label("newcomers"))
                .where(Volunteer.buddy_id.is_not(None), Volunteer.active.is_(True))
                .group_by(Volunteer.buddy_id)
                .subquery()
            )
            candidates = session.execute(
                select(
                    Volunteer.id,
                    Volunteer.name,
                    attended.c.shifts,
                    func.coalesce(load.c.newcomers, 0),
                )
                .join(attended, attended.c.volunteer_id == Volunteer.id)
                .outerjoin(load, load.c.buddy_id == Volunteer.id)
                .where(
                    Volunteer.id != volunteer_id,
                    Volunteer.active.is_(True),
                    Volunteer.anonymised_at.is_(None),
                    Volunteer.review_reason == "",
                    func.coalesce(load.c.newcomers, 0) < MAX_BUDDIES,
                )
            ).all()
            ids = [row[0] for row in candidates]
            shared: dict[int, set[str]] = defaultdict(set)
            if causes:
                for part in chunks(ids):
                    for vid, cause_id in session.execute(
                        select(Assignment.volunteer_id, Event.cause_id)
                        .join(Shift, Shift.id == Assignment.shift_id)
                        .join(Event, Event.id == Shift.event_id)
                        .where(
                            Assignment.volunteer_id.in_(part),
                            Event.cause_id.in_(list(causes)),
                            Assignment.status.not_in(_NOT_TAKING_PART),
                        )
                        .distinct()
                    ):
                        if cause_id is not None:
                            shared[vid].add(causes[cause_id])
                ids = [vid for vid in ids if shared.get(vid)]
            theirs = _windows(session, ids) if windows else {}
        first_name = newcomer.name.split()[0] if newcomer.name.split() else newcomer.name
        suggestions: list[BuddySuggestion] = []
        for vid, name, shifts, buddying in candidates:
            if causes and vid not in shared:
                continue
            days, minutes = _overlap(windows, theirs.get(vid, []))
            if windows and not minutes:
                continue
            common = tuple(sorted(shared.get(vid, ())))
            score = 10.0 * len(common) + minutes / 60 + min(int(shifts), 50) / 10 - 2 * buddying
            suggestions.append(
                BuddySuggestion(
                    volunteer_id=vid,
                    name=name,
                    shifts_attended=int(shifts),
                    shared_causes=common,
                    shared_days=days,
                    overlap_hours=round(minutes / 60, 2),
                    buddying=int(buddying),
                    score=round(score, 2),
                    reason=_reason(name, first_name, int(shifts), common, days, int(buddying)),
                )
            )
        suggestions.sort(key=lambda s: (-s.score, s.name, s.volunteer_id))
        return suggestions[:limit]

    # Internals -------------------------------------------------------------------------------

    def _set_date(
        self, volunteer_id: int, expected_version: int, field: str, label: str, on: date | None
    ) -> Onboarding:
        with self._writing("volunteer", volunteer_id, Volunteer) as session:
            person = self._for_change(session, volunteer_id, expected_version)
            setattr(person, field, on)
            self._stamp(person)
            session.flush()
            what = (
                f"{label} on {english_date(on, '%d %b %Y')}" if on else f"Cleared “{label.lower()}”"
            )
            self._log(session, "update", "volunteer", volunteer_id, f"{what} (“{person.name}”)")
            session.flush()
            return self._checklists(session, [volunteer_id])[0]

    def _for_change(self, session: Session, volunteer_id: int, expected_version: int) -> Volunteer:
        person = session.get(Volunteer, volunteer_id, populate_existing=True)
        if person is None:
            raise NotFoundError("volunteer", volunteer_id)
        check_version(person, "volunteer", volunteer_id, expected_version)
        return person

    def _checklists(self, session: Session, ids: Sequence[int]) -> list[Onboarding]:
        if not ids:
            return []
        now = self.clock()
        people = {
            row.id: row
            for row in session.execute(
                select(
                    Volunteer.id,
                    Volunteer.name,
                    Volunteer.joined_on,
                    Volunteer.version,
                    Volunteer.welcomed_on,
                    Volunteer.trained_on,
                    Volunteer.buddy_id,
                    Volunteer.email,
                    Volunteer.phone,
                    Volunteer.review_reason,
                ).where(Volunteer.id.in_(ids))
            )
        }
        first = _first_shifts(session, ids, now)
        buddy_ids = {row.buddy_id for row in people.values() if row.buddy_id is not None}
        buddies = dict(
            session.execute(
                select(Volunteer.id, Volunteer.name).where(Volunteer.id.in_(buddy_ids))
            ).all()
        )
        return [
            Onboarding(
                volunteer_id=row.id,
                name=row.name,
                joined_on=row.joined_on,
                version=row.version,
                welcomed_on=row.welcomed_on,
                trained_on=row.trained_on,
                first_shift_at=first.get(row.id),
                buddy_id=row.buddy_id,
                buddy_name=buddies.get(row.buddy_id, "") if row.buddy_id else "",
                has_contact=bool(row.email or row.phone),
                review_reason=row.review_reason,
            )
            for vid in ids
            if (row := people.get(VolunteerId(vid))) is not None
        ]


def _first_shifts(session: Session, ids: Sequence[int], now: datetime) -> dict[int, datetime]:
    """When each volunteer's first shift began, at its own start where it now is.

    That is one they attended, or a place they held on a date that went ahead and passed.
    """
    first: dict[int, datetime] = {}
    for vid, attendance, began in shift_begins(
        session,
        Assignment.volunteer_id.in_(ids),
        or_(
            Assignment.attendance == Attendance.ATTENDED,
            and_(
                Assignment.attendance.is_(None),
                Assignment.status.in_(_PLACE_HOLDING),
                OccurrenceRow.event_id.is_not(None),
                GOES_AHEAD,
            ),
        ),
    ):
        if (attendance == Attendance.ATTENDED or began < now) and (
            vid not in first or began < first[vid]
        ):
            first[vid] = began
    return first


def _windows(session: Session, ids: Sequence[int]) -> dict[int, list[tuple[int, time, time]]]:
    found: dict[int, list[tuple[int, time, time]]] = defaultdict(list)
    for part in chunks(list(ids)):
        for vid, weekday, starts, ends in session.execute(
            select(
                AvailabilityWindow.volunteer_id,
                AvailabilityWindow.weekday,
                AvailabilityWindow.starts,
                AvailabilityWindow.ends,
            ).where(AvailabilityWindow.volunteer_id.in_(part))
        ):
            found[vid].append((weekday, starts, ends))
    return found


def _minutes(moment: time) -> int:
    return moment.hour * 60 + moment.minute


def _overlap(
    mine: Sequence[tuple[int, time, time]], theirs: Sequence[tuple[int, time, time]]
) -> tuple[tuple[str, ...], int]:
    """The weekdays both are free on, and the minutes a week they overlap."""
    total = 0
    days: set[int] = set()
    for day, starts, ends in mine:
        for other_day, other_starts, other_ends in theirs:
            if day != other_day:
                continue
            shared = min(_minutes(ends), _minutes(other_ends)) - max(
                _minutes(starts), _minutes(other_starts)
            )
            if shared > 0:
                total += shared
                days.add(day)
    return tuple(WEEKDAYS[day] for day in sorted(days)), total


def _reason(
    name: str,
    newcomer: str,
    shifts: int,
    causes: Sequence[str],
    days: Sequence[str],
    buddying: int,
) -> str:
    parts = [f"{name} has done {shifts} shifts"]
    if causes:
        parts.append(f"also helps with {_listed(causes)}")
    if days:
        parts.append(f"is free on {_listed([day + 's' for day in days])} like {newcomer}")
    sentence = ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]
    if buddying:
        sentence += f" (already buddying {buddying})"
    return sentence + "."


def _listed(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
