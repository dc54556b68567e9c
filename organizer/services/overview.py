"""What the Home page shows: this week's events, shifts that need people, who is new.

Read only, apart from :class:`LocationLinks`, which lets deleting a place be undone fully.
Fill figures come from :class:`~organizer.services.coverage.CoverageService`, so every page
counts places the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from organizer.models import (
    Assignment,
    Attendance,
    Cause,
    Event,
    Location,
    OccurrenceOverride,
    OccurrenceRow,
    Volunteer,
    utc_now,
)
from organizer.models.ids import CauseId, EventId, LocationId, VolunteerId
from organizer.services.base import Service, record_change
from organizer.services.coverage import (
    GOES_AHEAD,
    PLACE_HOLDING,
    CoverageService,
    FillStatus,
    ShiftFill,
    shift_begins,
)
from organizer.services.events import EventService, OccurrenceInfo
from organizer.storage import Database


@dataclass(frozen=True, slots=True)
class CauseLabel:
    """How a cause is shown next to an event: its name and colour."""

    name: str
    colour: str


@dataclass(frozen=True, slots=True)
class WeekOccurrence:
    """One occurrence this week, with its cause, place and how full its shifts are."""

    occurrence: OccurrenceInfo
    cause: CauseLabel | None
    location: str | None
    needed: int
    filled: int

    @property
    def has_shifts(self) -> bool:
        """Whether the occurrence has any role slots to fill."""
        return self.needed > 0

    @property
    def status(self) -> FillStatus:
        """Full, short or empty, over all its shifts."""
        if self.filled >= self.needed:
            return FillStatus.FULL
        return FillStatus.SHORT if self.filled else FillStatus.EMPTY


@dataclass(frozen=True, slots=True)
class OpenShift:
    """A shift on one occurrence that still has open places."""

    fill: ShiftFill
    cause: CauseLabel | None


_NOT_DONE = (Attendance.NO_SHOW, Attendance.EXCUSED)
"""What a shift's attendance says when the volunteer did not do it."""


@dataclass(frozen=True, slots=True)
class Newcomer:
    """A recently joined volunteer and how they are getting on.

    ``shifts_done`` counts the place-holding shifts that already started (not cancelled,
    not missed); ``next_shift`` is when the next one starts (``None`` if none is planned).
    """

    volunteer_id: VolunteerId
    name: str
    joined_on: date
    shifts_done: int
    next_shift: datetime | None
    has_contact: bool


@dataclass(frozen=True, slots=True)
class LocationUse:
    """The events and single occurrences held at a place."""

    event_ids: tuple[EventId, ...]
    override_ids: tuple[int, ...]

    @property
    def events(self) -> int:
        """How many events are held there."""
        return len(self.event_ids)


def week_of(now: datetime) -> tuple[datetime, datetime]:
    """Monday 00:00 to the next Monday 00:00 of the week holding ``now``, in its zone.

    Raises:
        ValueError: ``now`` has no time zone.
    """
    if now.tzinfo is None:
        raise ValueError("now must carry a time zone")
    monday = now.date() - timedelta(days=now.weekday())
    start = datetime.combine(monday, time(), tzinfo=now.tzinfo)
    return start, datetime.combine(monday + timedelta(days=7), time(), tzinfo=now.tzinfo)


class OverviewService(Service):
    """The at-a-glance figures of the Home page (read only)."""

    def __init__(self, db: Database, actor: str) -> None:
        """Read ``db``; ``actor`` is who is looking."""
        super().__init__(db, actor)
        self.coverage = CoverageService(db, actor)
        self.events = EventService(db, actor)

    def is_empty(self) -> bool:
        """Whether the file has no causes, events or volunteers yet (a first run)."""
        with self.db.read() as session:
            return all(
                session.scalar(select(model.id).limit(1)) is None
                for model in (Cause, Event, Volunteer)
            )

    def this_week(self, now: datetime) -> list[WeekOccurrence]:
        """Every occurrence from Monday to Sunday of the week holding ``now``, by start.

        Cancelled occurrences are included (a coordinator wants to see them); their fill
        is left at nothing.
        """
        start, end = week_of(now)
        occurrences = self.events.occurrences_between(start, end)
        if not occurrences:
            return []
        earliest = min(info.starts_at for info in occurrences)
        totals = self.coverage.occurrence_totals(min(earliest, start), end)
        causes = self._causes(info.cause_id for info in occurrences)
        places = self._places(info.location_id for info in occurrences)
        result = []
        for info in occurrences:
            needed, filled = totals.get((info.event_id, info.recurrence_id), (0, 0))
            result.append(
                WeekOccurrence(
                    occurrence=info,
                    cause=causes.get(info.cause_id) if info.cause_id else None,
                    location=places.get(info.location_id) if info.location_id else None,
                    needed=needed,
                    filled=filled,
                )
            )
        return result

    def needs_people(self, now: datetime, days: int = 21, limit: int = 12) -> list[OpenShift]:
        """Shifts starting in the next ``days`` days with open places, most urgent first."""
        short = self.coverage.understaffed(now, now + timedelta(days=days), limit=limit)
        causes = self._causes(fill.cause_id for fill in short)
        return [
            OpenShift(fill, causes.get(fill.cause_id) if fill.cause_id else None) for fill in short
        ]

    def whos_new(self, limit: int = 8, *, now: datetime | None = None) -> list[Newcomer]:
        """The most recently joined active volunteers, newest first, with their shifts so far."""
        moment = now or utc_now()
        newest = (
            select(
                Volunteer.id, Volunteer.name, Volunteer.joined_on, Volunteer.email, Volunteer.phone
            )
            .where(Volunteer.active.is_(True))
            .order_by(Volunteer.joined_on.desc(), Volunteer.id.desc())
            .limit(limit)
        )
        with self.db.read() as session:
            people = session.execute(newest).all()
            # Each shift as it now happens: cancelled ones left out, no-shows not done.
            done: dict[int, int] = {}
            upcoming: dict[int, datetime] = {}
            for volunteer_id, attendance, begins in shift_begins(
                session,
                Assignment.volunteer_id.in_([row.id for row in people]),
                Assignment.status.in_(PLACE_HOLDING),
                OccurrenceRow.event_id.is_not(None),
                GOES_AHEAD,
            ):
                if begins < moment:
                    if attendance not in _NOT_DONE:
                        done[volunteer_id] = done.get(volunteer_id, 0) + 1
                elif volunteer_id not in upcoming or begins < upcoming[volunteer_id]:
                    upcoming[volunteer_id] = begins
        return [
            Newcomer(
                volunteer_id=row.id,
                name=row.name,
                joined_on=row.joined_on,
                shifts_done=done.get(row.id, 0),
                next_shift=upcoming.get(row.id),
                has_contact=bool(row.email or row.phone),
            )
            for row in people
        ]

    def _causes(self, ids: Iterable[CauseId | None]) -> dict[CauseId, CauseLabel]:
        wanted = {cause_id for cause_id in ids if cause_id is not None}
        if not wanted:
            return {}
        query = select(Cause.id, Cause.name, Cause.colour).where(Cause.id.in_(wanted))
        with self.db.read() as session:
            return {row.id: CauseLabel(row.name, row.colour) for row in session.execute(query)}

    def _places(self, ids: Iterable[LocationId | None]) -> dict[LocationId, str]:
        wanted = {location_id for location_id in ids if location_id is not None}
        if not wanted:
            return {}
        query = select(Location.id, Location.name).where(Location.id.in_(wanted))
        with self.db.read() as session:
            return {row.id: row.name for row in session.execute(query)}


class LocationLinks(Service):
    """Which events a place is on, so that undoing its deletion can put it back on them.

    Deleting a location leaves its events without a place (the database sets it to nothing);
    :meth:`relink` undoes that for the events that still have no place.
    """

    def in_use(self, location_id: int) -> LocationUse:
        """The events and changed occurrences held at ``location_id``."""
        with self.db.read() as session:
            events = session.scalars(
                select(Event.id).where(Event.location_id == location_id).order_by(Event.id)
            ).all()
            overrides = session.scalars(
                select(OccurrenceOverride.id)
                .where(OccurrenceOverride.location_id == location_id)
                .order_by(OccurrenceOverride.id)
            ).all()
        return LocationUse(tuple(events), tuple(overrides))

    def relink(self, location_id: int, use: LocationUse) -> int:
        """Put ``location_id`` back on the events in ``use`` that have no place now.

        Returns how many events and occurrences got it back.  Each changed event moves to a
        new version and calendar SEQUENCE, as any change of place does.
        """
        if not use.event_ids and not use.override_ids:
            return 0
        with self.db.write() as session:
            location = session.get(Location, location_id)
            if location is None:
                return 0
            changed = 0
            events = session.scalars(
                select(Event).where(Event.id.in_(use.event_ids), Event.location_id.is_(None))
            )
            for event in events:
                event.location_id = LocationId(location_id)
                event.sequence = (event.sequence or 0) + 1
                self._stamp(event)
                changed += 1
            overrides = session.scalars(
                select(OccurrenceOverride).where(
                    OccurrenceOverride.id.in_(use.override_ids),
                    OccurrenceOverride.location_id.is_(None),
                )
            )
            for override in overrides:
                override.location_id = LocationId(location_id)
                override.sequence += 1
                self._stamp(override)
                changed += 1
            if changed:
                record_change(
                    session,
                    self.actor,
                    "update",
                    "location",
                    location_id,
                    f"Put location “{location.name}” back where it was used ({changed} in all)",
                )
            return changed


__all__ = [
    "CauseLabel",
    "LocationLinks",
    "LocationUse",
    "Newcomer",
    "OpenShift",
    "OverviewService",
    "WeekOccurrence",
    "week_of",
]
