"""Hours given, no-shows and coverage over a period, worked out in the database.

Each report is one grouped query over the period's assignments (indexed on their
occurrence start); only the grouped rows come back to Python.  Weeks and months are those of
``zone`` (the coordinator's), so an evening shift counts on the local day it happened.

Hours are those recorded on attended assignments (recording attendance always stores them);
the no-show rate is no-shows out of everyone whose attendance was recorded.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import ColumnElement, case, func, select

from organizer.errors import ValidationError
from organizer.models import (
    Assignment,
    Attendance,
    Cause,
    Event,
    OccurrenceRow,
    Shift,
    Volunteer,
)
from organizer.models.ids import VolunteerId
from organizer.reports.tables import Column, ColumnKind, Table
from organizer.services.base import Service
from organizer.services.coverage import (
    filled_up_to_needed,
    places_filled,
    scheduled_shifts,
)
from organizer.storage import Database
from organizer.wording import english_date

NO_CAUSE = "No cause"


class ReportKind(enum.StrEnum):
    """The reports on offer."""

    HOURS_BY_VOLUNTEER = "hours-volunteer"
    HOURS_BY_CAUSE = "hours-cause"
    HOURS_BY_WEEK = "hours-week"
    HOURS_BY_MONTH = "hours-month"
    NO_SHOWS = "no-shows"
    COVERAGE = "coverage"

    @property
    def heading(self) -> str:
        """The report's heading."""
        return _TITLES[self]


_TITLES = {
    ReportKind.HOURS_BY_VOLUNTEER: "Hours by volunteer",
    ReportKind.HOURS_BY_CAUSE: "Hours by cause",
    ReportKind.HOURS_BY_WEEK: "Hours by week",
    ReportKind.HOURS_BY_MONTH: "Hours by month",
    ReportKind.NO_SHOWS: "No-shows by volunteer",
    ReportKind.COVERAGE: "Places filled by cause and week",
}


@dataclass(frozen=True, slots=True)
class Period:
    """The days a report covers, both included."""

    first: date
    last: date

    def __post_init__(self) -> None:
        """Refuse a period that ends before it starts."""
        if self.last < self.first:
            raise ValidationError.single("period", "The period must end on or after its start.")

    def instants(self, zone: tzinfo) -> tuple[datetime, datetime]:
        """The period as ``[start, end)`` instants in ``zone``."""
        start = datetime.combine(self.first, time(), zone)
        end = datetime.combine(self.last + timedelta(days=1), time(), zone)
        return start, end

    def text(self) -> str:
        """``1 Nov 2026 – 30 Nov 2026``."""
        return f"{english_date(self.first, '%-d %b %Y')} – {english_date(self.last, '%-d %b %Y')}"


@dataclass(frozen=True, slots=True)
class VolunteerHours:
    """One volunteer's record over a period."""

    volunteer_id: VolunteerId
    name: str
    attended: int
    hours: float
    no_shows: int
    excused: int

    @property
    def recorded(self) -> int:
        """Assignments whose attendance was recorded."""
        return self.attended + self.no_shows + self.excused

    @property
    def no_show_rate(self) -> float:
        """No-shows as a percentage of recorded assignments."""
        return 100 * self.no_shows / self.recorded if self.recorded else 0.0


@dataclass(frozen=True, slots=True)
class CauseHours:
    """Hours given to one cause over a period."""

    cause: str
    volunteers: int
    attended: int
    hours: float


@dataclass(frozen=True, slots=True)
class PeriodHours:
    """Hours given in one week or month."""

    label: str
    first_day: date
    attended: int
    hours: float
    no_shows: int


@dataclass(frozen=True, slots=True)
class CoverageRow:
    """Places needed and filled for one cause in one week."""

    week: date
    cause: str
    needed: int
    filled: int

    @property
    def percent(self) -> float:
        """Filled places as a percentage of those needed."""
        return 100 * self.filled / self.needed if self.needed else 100.0


class ReportService(Service):
    """Hours, no-shows and coverage over a period (read only)."""

    def __init__(self, db: Database, actor: str, *, zone: tzinfo | None = None) -> None:
        """Weeks and months are counted in ``zone`` (default: this computer's)."""
        super().__init__(db, actor)
        self.zone = zone or datetime.now().astimezone().tzinfo or UTC

    # Hours ---------------------------------------------------------------------------------

    def hours_by_volunteer(
        self, period: Period, cause_ids: Iterable[int] | None = None
    ) -> list[VolunteerHours]:
        """Everyone with recorded attendance in ``period``: most hours first."""
        query = (
            select(
                Volunteer.id,
                Volunteer.name,
                _count(Attendance.ATTENDED),
                _hours(),
                _count(Attendance.NO_SHOW),
                _count(Attendance.EXCUSED),
            )
            .join(Volunteer, Volunteer.id == Assignment.volunteer_id)
            .group_by(Volunteer.id, Volunteer.name)
        )
        query = self._recorded(query, period, cause_ids)
        with self.db.read() as session:
            rows = session.execute(query).all()
        result = [
            VolunteerHours(vid, name, int(att), float(hours or 0), int(ns), int(ex))
            for vid, name, att, hours, ns, ex in rows
        ]
        result.sort(key=lambda r: (-r.hours, r.name.casefold(), r.volunteer_id))
        return result

    def hours_by_cause(
        self,
        period: Period,
        cause_ids: Iterable[int] | None = None,
        volunteer_id: int | None = None,
    ) -> list[CauseHours]:
        """Hours per cause in ``period`` (optionally one volunteer's): most hours first."""
        attended = Assignment.attendance == Attendance.ATTENDED
        query = select(
            Cause.name,
            func.count(func.distinct(case((attended, Assignment.volunteer_id)))),
            _count(Attendance.ATTENDED),
            _hours(),
        )
        query = (
            self._recorded(query, period, cause_ids, join_event=True)
            .outerjoin(Cause, Cause.id == Event.cause_id)
            .group_by(Event.cause_id, Cause.name)
        )
        if volunteer_id is not None:
            query = query.where(Assignment.volunteer_id == volunteer_id)
        with self.db.read() as session:
            rows = session.execute(query).all()
        result = [
            CauseHours(name or NO_CAUSE, int(people), int(att), float(hours or 0))
            for name, people, att, hours in rows
            if att
        ]
        result.sort(key=lambda r: (-r.hours, r.cause.casefold()))
        return result

    def hours_by_period(
        self, period: Period, by: str = "month", cause_ids: Iterable[int] | None = None
    ) -> list[PeriodHours]:
        """Hours per week (starting Monday) or month of ``period``, in date order.

        The database groups by occurrence start; those few rows are placed in local weeks.
        """
        query = select(
            Assignment.occurrence_start,
            _count(Attendance.ATTENDED),
            _hours(),
            _count(Attendance.NO_SHOW),
        ).group_by(Assignment.occurrence_start)
        query = self._recorded(query, period, cause_ids)
        with self.db.read() as session:
            rows = session.execute(query).all()
        buckets: dict[date, list[float]] = defaultdict(lambda: [0, 0.0, 0])
        for moment, attended, hours, no_shows in rows:
            day = moment.astimezone(self.zone).date()
            first = day.replace(day=1) if by == "month" else day - timedelta(days=day.weekday())
            bucket = buckets[first]
            bucket[0] += attended
            bucket[1] += float(hours or 0)
            bucket[2] += no_shows
        return [
            PeriodHours(
                english_date(first, "%B %Y")
                if by == "month"
                else f"Week of {english_date(first, '%-d %b %Y')}",
                first,
                int(values[0]),
                round(values[1], 2),
                int(values[2]),
            )
            for first, values in sorted(buckets.items())
        ]

    # Coverage ------------------------------------------------------------------------------

    def coverage(self, period: Period, cause_ids: Iterable[int] | None = None) -> list[CoverageRow]:
        """Places needed and filled per cause and week (starting Monday), in date order.

        Extra volunteers on one shift do not make up for another shift's gap; cancelled
        events are left out.
        """
        start, end = period.instants(self.zone)
        query = (
            scheduled_shifts(
                OccurrenceRow.starts_at,
                Cause.name,
                func.sum(Shift.needed),
                func.sum(filled_up_to_needed(places_filled())),
                start=start,
                end=end,
            )
            .outerjoin(Cause, Cause.id == Event.cause_id)
            .group_by(OccurrenceRow.starts_at, Event.cause_id, Cause.name)
        )
        if cause_ids is not None:
            query = query.where(Event.cause_id.in_(list(cause_ids)))
        with self.db.read() as session:
            rows = session.execute(query).all()
        buckets: dict[tuple[date, str], list[int]] = defaultdict(lambda: [0, 0])
        for moment, cause, needed, done in rows:
            day = moment.astimezone(self.zone).date()
            bucket = buckets[(day - timedelta(days=day.weekday()), cause or NO_CAUSE)]
            bucket[0] += int(needed or 0)
            bucket[1] += int(done or 0)
        return [
            CoverageRow(week, cause, needed, done)
            for (week, cause), (needed, done) in sorted(
                buckets.items(), key=lambda item: (item[0][0], item[0][1].casefold())
            )
        ]

    # Tables --------------------------------------------------------------------------------

    def table(
        self, kind: ReportKind, period: Period, cause_ids: Iterable[int] | None = None
    ) -> Table:
        """The report ``kind`` over ``period`` as a plain table with totals."""
        causes = None if cause_ids is None else list(cause_ids)
        subtitle = period.text()
        if kind is ReportKind.HOURS_BY_VOLUNTEER:
            people = self.hours_by_volunteer(period, causes)
            return Table(
                kind.heading,
                subtitle,
                (
                    Column("Volunteer"),
                    Column("Shifts attended", ColumnKind.COUNT),
                    Column("Hours", ColumnKind.HOURS),
                ),
                tuple((p.name, p.attended, p.hours) for p in people if p.attended),
                ("Total", sum(p.attended for p in people), _sum(p.hours for p in people)),
                tuple(p.volunteer_id for p in people if p.attended),
            )
        if kind is ReportKind.HOURS_BY_CAUSE:
            causes_rows = self.hours_by_cause(period, causes)
            return Table(
                kind.heading,
                subtitle,
                (
                    Column("Cause"),
                    Column("Volunteers", ColumnKind.COUNT),
                    Column("Shifts attended", ColumnKind.COUNT),
                    Column("Hours", ColumnKind.HOURS),
                ),
                tuple((c.cause, c.volunteers, c.attended, c.hours) for c in causes_rows),
                (
                    "Total",
                    None,
                    sum(c.attended for c in causes_rows),
                    _sum(c.hours for c in causes_rows),
                ),
            )
        if kind in (ReportKind.HOURS_BY_WEEK, ReportKind.HOURS_BY_MONTH):
            by = "week" if kind is ReportKind.HOURS_BY_WEEK else "month"
            spans = self.hours_by_period(period, by, causes)
            return Table(
                kind.heading,
                subtitle,
                (
                    Column("Week" if by == "week" else "Month"),
                    Column("Shifts attended", ColumnKind.COUNT),
                    Column("Hours", ColumnKind.HOURS),
                    Column("No-shows", ColumnKind.COUNT),
                ),
                tuple((s.label, s.attended, s.hours, s.no_shows) for s in spans),
                (
                    "Total",
                    sum(s.attended for s in spans),
                    _sum(s.hours for s in spans),
                    sum(s.no_shows for s in spans),
                ),
            )
        if kind is ReportKind.NO_SHOWS:
            people = self.hours_by_volunteer(period, causes)
            people.sort(key=lambda p: (-p.no_shows, -p.no_show_rate, p.name.casefold()))
            recorded = sum(p.recorded for p in people)
            no_shows = sum(p.no_shows for p in people)
            return Table(
                kind.heading,
                subtitle,
                (
                    Column("Volunteer"),
                    Column("Recorded", ColumnKind.COUNT),
                    Column("Attended", ColumnKind.COUNT),
                    Column("No-shows", ColumnKind.COUNT),
                    Column("Excused", ColumnKind.COUNT),
                    Column("No-show rate", ColumnKind.PERCENT),
                ),
                tuple(
                    (p.name, p.recorded, p.attended, p.no_shows, p.excused, p.no_show_rate)
                    for p in people
                ),
                (
                    "Total",
                    recorded,
                    sum(p.attended for p in people),
                    no_shows,
                    sum(p.excused for p in people),
                    100 * no_shows / recorded if recorded else 0.0,
                ),
                tuple(p.volunteer_id for p in people),
            )
        weeks = self.coverage(period, causes)
        needed = sum(w.needed for w in weeks)
        done = sum(w.filled for w in weeks)
        return Table(
            kind.heading,
            subtitle,
            (
                Column("Week"),
                Column("Cause"),
                Column("Places needed", ColumnKind.COUNT),
                Column("Places filled", ColumnKind.COUNT),
                Column("Filled", ColumnKind.PERCENT),
            ),
            tuple(
                (english_date(w.week, "%-d %b %Y"), w.cause, w.needed, w.filled, w.percent)
                for w in weeks
            ),
            ("Total", None, needed, done, 100 * done / needed if needed else 100.0),
        )

    # Helpers -------------------------------------------------------------------------------

    def _recorded(
        self,
        query: Any,
        period: Period,
        cause_ids: Iterable[int] | None,
        *,
        join_event: bool = False,
    ) -> Any:
        """Limit ``query`` (over assignments) to recorded attendance in the period."""
        start, end = period.instants(self.zone)
        query = query.select_from(Assignment).where(
            Assignment.occurrence_start >= start,
            Assignment.occurrence_start < end,
            Assignment.attendance.is_not(None),
        )
        if join_event or cause_ids is not None:
            query = query.join(Shift, Shift.id == Assignment.shift_id).join(
                Event, Event.id == Shift.event_id
            )
        if cause_ids is not None:
            query = query.where(Event.cause_id.in_(list(cause_ids)))
        return query


def _count(attendance: Attendance) -> ColumnElement[int]:
    return func.count(case((Assignment.attendance == attendance, 1)))


def _hours() -> ColumnElement[float]:
    return func.sum(
        case((Assignment.attendance == Attendance.ATTENDED, func.coalesce(Assignment.hours, 0)))
    )


def _sum(values: Iterable[float]) -> float:
    return round(sum(values), 2)


__all__ = [
    "CauseHours",
    "CoverageRow",
    "Period",
    "PeriodHours",
    "ReportKind",
    "ReportService",
    "VolunteerHours",
]
