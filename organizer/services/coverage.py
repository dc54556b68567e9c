"""How full each shift is, occurrence by occurrence, and which ones still need people."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, ScalarSelect, Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from organizer.models import (
    Assignment,
    AssignmentStatus,
    Attendance,
    Event,
    EventStatus,
    OccurrenceOverride,
    OccurrenceRow,
    Shift,
)
from organizer.models.ids import CauseId, EventId, QualificationId, ShiftId, VolunteerId
from organizer.services.base import Service

PLACE_HOLDING = tuple(status for status in AssignmentStatus if status.holds_place)


class FillStatus(StrEnum):
    """How a shift stands: every place taken, some, or none."""

    FULL = "full"
    SHORT = "short"
    EMPTY = "empty"


@dataclass(frozen=True, slots=True)
class ShiftFill:
    """One shift on one occurrence: who is needed and how many places are taken."""

    shift_id: ShiftId
    event_id: EventId
    recurrence_id: datetime
    starts_at: datetime
    ends_at: datetime
    title: str
    cause_id: CauseId | None
    role: str
    needed: int
    filled: int
    qualification_id: QualificationId | None

    @property
    def missing(self) -> int:
        """Places still open."""
        return max(self.needed - self.filled, 0)

    @property
    def status(self) -> FillStatus:
        """Full, short or empty."""
        if self.filled >= self.needed:
            return FillStatus.FULL
        return FillStatus.SHORT if self.filled else FillStatus.EMPTY


def places_filled() -> ScalarSelect[int]:
    """How many volunteers hold a place on a shift's occurrence.

    A scalar subquery correlated to :class:`Shift` and :class:`OccurrenceRow`, for queries
    built with :func:`scheduled_shifts`.
    """
    return (
        select(func.count(Assignment.id))
        .where(
            Assignment.shift_id == Shift.id,
            Assignment.occurrence_start == OccurrenceRow.recurrence_id,
            Assignment.status.in_(PLACE_HOLDING),
        )
        .correlate(Shift, OccurrenceRow)
        .scalar_subquery()
    )


def filled_up_to_needed(filled: ScalarSelect[int]) -> ColumnElement[int]:
    """``filled``, but never more than the shift needs (extra people fill no other gap)."""
    return case((filled < Shift.needed, filled), else_=Shift.needed)


def fill_columns(filled: ScalarSelect[int]) -> tuple[Any, ...]:
    """The columns a :class:`ShiftFill` is read from, in order, ``filled`` last.

    For queries built with :func:`scheduled_shifts`; callers may add columns after them.
    """
    return (
        Shift.id,
        OccurrenceRow.event_id,
        OccurrenceRow.recurrence_id,
        OccurrenceRow.starts_at,
        OccurrenceRow.ends_at,
        Event.title,
        Event.cause_id,
        Shift.role,
        Shift.needed,
        Shift.qualification_id,
        Shift.start_offset_min,
        Shift.end_offset_min,
        filled,
    )


def with_occurrence(
    statement: Select[*tuple[Any, ...]], *, outer: bool = False
) -> Select[*tuple[Any, ...]]:
    """Join an assignment select to its shift, event, occurrence and any override.

    ``outer`` keeps assignments whose occurrence is gone from the index.
    """
    same_occurrence = and_(
        OccurrenceRow.event_id == Shift.event_id,
        OccurrenceRow.recurrence_id == Assignment.occurrence_start,
    )
    statement = statement.join(Shift, Shift.id == Assignment.shift_id).join(
        Event, Event.id == Shift.event_id
    )
    statement = (
        statement.outerjoin(OccurrenceRow, same_occurrence)
        if outer
        else statement.join(OccurrenceRow, same_occurrence)
    )
    return statement.outerjoin(
        OccurrenceOverride,
        and_(
            OccurrenceOverride.event_id == Shift.event_id,
            OccurrenceOverride.recurrence_id == Assignment.occurrence_start,
        ),
    )


GOES_AHEAD = and_(
    Event.status != EventStatus.CANCELLED,
    or_(
        OccurrenceOverride.status.is_(None),
        OccurrenceOverride.status != EventStatus.CANCELLED,
    ),
)
"""Neither the event nor (for a statement built with :func:`with_occurrence`) the
occurrence is cancelled."""


def scheduled_shifts(*columns: Any, start: datetime, end: datetime) -> Select[tuple[Any, ...]]:
    """``columns`` for every shift of every scheduled occurrence starting in ``[start, end)``.

    Joins :class:`OccurrenceRow`, :class:`Event` and :class:`Shift` (a shift for every
    occurrence, or for that one); cancelled events are left out.
    """
    return (
        select(*columns)
        .select_from(OccurrenceRow)
        .join(Event, Event.id == OccurrenceRow.event_id)
        .join(
            Shift,
            and_(
                Shift.event_id == OccurrenceRow.event_id,
                or_(
                    Shift.occurrence_start.is_(None),
                    Shift.occurrence_start == OccurrenceRow.recurrence_id,
                ),
            ),
        )
        .where(
            OccurrenceRow.starts_at >= start,
            OccurrenceRow.starts_at < end,
            Event.status != EventStatus.CANCELLED,
        )
    )


class CoverageService(Service):
    """Fill status of shifts over a period (read only)."""

    def shift_fill(
        self, start: datetime, end: datetime, *, cause_ids: Iterable[int] | None = None
    ) -> list[ShiftFill]:
        """Every shift of every scheduled occurrence starting in ``[start, end)``, by start.

        A shift's own times (minutes into the occurrence) are applied.  Cancelled events
        are left out; proposed, invited, accepted and tentative volunteers hold a place.
        """
        return self._fills(start, end, cause_ids=cause_ids)

    def _fill_query(self, start: datetime, end: datetime, filled: ScalarSelect[int]) -> Select[Any]:
        return scheduled_shifts(*fill_columns(filled), start=start, end=end)

    def _fills(
        self,
        start: datetime,
        end: datetime,
        *,
        cause_ids: Iterable[int] | None,
    ) -> list[ShiftFill]:
        query = self._fill_query(start, end, places_filled())
        if cause_ids is not None:
            query = query.where(Event.cause_id.in_(list(cause_ids)))
        with self.db.read() as session:
            rows = session.connection().execute(query).all()
        return sorted(
            (_fill(row) for row in rows), key=lambda f: (f.starts_at, f.title, f.shift_id)
        )

    def occurrence_totals(
        self, start: datetime, end: datetime
    ) -> dict[tuple[int, datetime], tuple[int, int]]:
        """Places needed and filled per scheduled occurrence starting in ``[start, end)``.

        Keys are ``(event_id, recurrence_id)``; a shift's extra volunteers beyond what it
        needs do not make up for another shift's gap.
        """
        query = scheduled_shifts(
            OccurrenceRow.event_id,
            OccurrenceRow.recurrence_id,
            func.sum(Shift.needed),
            func.sum(filled_up_to_needed(places_filled())),
            start=start,
            end=end,
        ).group_by(OccurrenceRow.event_id, OccurrenceRow.recurrence_id)
        with self.db.read() as session:
            rows = session.connection().execute(query).all()
        return {
            (event_id, recurrence_id): (int(needed or 0), int(done or 0))
            for event_id, recurrence_id, needed, done in rows
        }

    def understaffed(self, start: datetime, end: datetime, *, limit: int = 50) -> list[ShiftFill]:
        """Shifts with open places, most urgent first (soonest, then most places missing)."""
        filled = places_filled()
        query = (
            self._fill_query(start, end, filled)
            .where(filled < Shift.needed)
            .order_by(OccurrenceRow.starts_at)
        )
        short: list[ShiftFill] = []
        with self.db.read() as session:
            connection = session.connection()
            earliest_offset = timedelta(
                minutes=min(connection.scalar(select(func.min(Shift.start_offset_min))) or 0, 0)
            )
            # Rows come by occurrence start and SQLite counts each one's places only when it
            # is reached, so reading stops as soon as no later shift can be more urgent.
            for row in connection.execute(query):
                if len(short) >= limit:
                    short.sort(key=lambda f: _urgency(f, start))
                    del short[limit:]
                    last_day = _urgency_day(short[-1], start)
                    if row.starts_at + earliest_offset >= start + timedelta(days=last_day + 1):
                        break
                short.append(_fill(row))
        short.sort(key=lambda f: _urgency(f, start))
        return short[:limit]


def _urgency(fill: ShiftFill, now: datetime) -> tuple[int, int, datetime, str, int]:
    return (_urgency_day(fill, now), -fill.missing, fill.starts_at, fill.title, fill.shift_id)


def shift_begins(
    session: Session, *where: ColumnElement[bool]
) -> Iterator[tuple[VolunteerId, Attendance | None, datetime]]:
    """Who is on each assignment meeting ``where``, their attendance, and when it begins.

    It begins at the shift's own start on its occurrence as it now is (moved, if it was),
    or where its series put it when the occurrence is gone from the index.  ``where`` may
    name the occurrence, event and override, joined as :func:`with_occurrence` joins them.
    """
    query = with_occurrence(
        select(
            Assignment.volunteer_id,
            Assignment.attendance,
            Assignment.occurrence_start,
            OccurrenceRow.starts_at,
            OccurrenceRow.ends_at,
            Shift.start_offset_min,
            Shift.end_offset_min,
        ).select_from(Assignment),
        outer=True,
    ).where(*where)
    for vid, attendance, planned, starts, ends, start_offset, end_offset in session.execute(query):
        if starts is not None:
            planned = shift_times(starts, ends, start_offset, end_offset)[0]
        yield vid, attendance, planned


def _urgency_day(fill: ShiftFill, now: datetime) -> int:
    return max((fill.starts_at - now) // timedelta(days=1), 0)


def shift_times(
    starts: datetime, ends: datetime, start_offset: int | None, end_offset: int | None
) -> tuple[datetime, datetime]:
    """A shift's real times from its occurrence's times and its own minute offsets."""
    shift_start = starts + timedelta(minutes=start_offset) if start_offset is not None else starts
    shift_end = starts + timedelta(minutes=end_offset) if end_offset is not None else ends
    return shift_start, shift_end


def _fill(row: Any) -> ShiftFill:
    (shift_id, event_id, recurrence_id, starts, ends, title, cause_id, role, needed,
     qualification_id, start_offset, end_offset, filled) = row  # fmt: skip
    shift_start, shift_end = shift_times(starts, ends, start_offset, end_offset)
    return ShiftFill(
        shift_id=shift_id,
        event_id=event_id,
        recurrence_id=recurrence_id,
        starts_at=shift_start,
        ends_at=shift_end,
        title=title,
        cause_id=cause_id,
        role=role,
        needed=needed,
        filled=int(filled or 0),
        qualification_id=qualification_id,
    )


__all__ = [
    "GOES_AHEAD",
    "CoverageService",
    "FillStatus",
    "ShiftFill",
    "fill_columns",
    "filled_up_to_needed",
    "places_filled",
    "scheduled_shifts",
    "shift_times",
    "with_occurrence",
]
