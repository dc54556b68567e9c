"""The occurrence index: every occurrence of every event, kept in step with the events.

Expanding hundreds of series on every calendar page costs far more than reading rows, so
occurrences are worked out when an event is written and stored in ``occurrences``.  Endless
series are stored up to a horizon a few years ahead; :func:`extend_horizon` moves it on.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from organizer.models import (
    Event,
    EventException,
    FileInfo,
    OccurrenceOverride,
    OccurrenceRow,
)
from organizer.recurrence import expand
from organizer.services.base import chunks

HORIZON_KEY = "occurrence_horizon"
HORIZON_YEARS_AHEAD = 3
LONG_OCCURRENCE = timedelta(days=2)
_BATCH = 5000


def default_horizon(now: datetime | None = None) -> datetime:
    """How far ahead endless series are stored: the start of the year three years on."""
    moment = now or datetime.now(UTC)
    return datetime(moment.year + HORIZON_YEARS_AHEAD, 1, 1, tzinfo=UTC)


def stored_horizon(session: Session) -> datetime:
    """The horizon the file's index reaches (a new file gets the default)."""
    return horizon_from(session.scalar(select(FileInfo.value).where(FileInfo.key == HORIZON_KEY)))


def horizon_from(stored: str | None) -> datetime:
    """The horizon a file records as ``stored`` (none recorded: the default)."""
    return default_horizon() if stored is None else datetime.fromisoformat(stored)


def _set_horizon(session: Session, horizon: datetime) -> None:
    row = session.get(FileInfo, HORIZON_KEY)
    if row is None:
        session.add(FileInfo(key=HORIZON_KEY, value=horizon.isoformat()))
    else:
        row.value = horizon.isoformat()


def occurrence_rows(
    event: Event,
    exceptions: Iterable[datetime],
    overrides: Sequence[OccurrenceOverride],
    horizon: datetime,
) -> Iterator[dict[str, object]]:
    """The index rows for one event (dicts ready for a bulk insert)."""
    if not event.rrule:
        starts, ends = event.starts_at, event.ends_at
        yield _row(event.id, starts, starts, ends, overridden=False)
        return
    by_id = {o.recurrence_id: o for o in overrides}
    until = event.recurrence_end or horizon
    for occurrence in expand(
        event.rrule,
        event.starts_at,
        event.ends_at,
        event.timezone,
        event.starts_at,
        until + timedelta(seconds=1),
        exceptions,
    ):
        override = by_id.get(occurrence.recurrence_id)
        if override is None:
            yield _row(event.id, occurrence.recurrence_id, occurrence.starts_at, occurrence.ends_at)
            continue
        starts = override.starts_at or occurrence.starts_at
        ends = override.ends_at or starts + (occurrence.ends_at - occurrence.starts_at)
        yield _row(event.id, occurrence.recurrence_id, starts, ends, overridden=True)


def _row(
    event_id: int,
    recurrence_id: datetime,
    starts: datetime,
    ends: datetime,
    *,
    overridden: bool = False,
) -> dict[str, object]:
    return {
        "event_id": event_id,
        "recurrence_id": recurrence_id,
        "starts_at": starts,
        "ends_at": ends,
        "overridden": overridden,
        "long": ends - starts > LONG_OCCURRENCE,
    }


def refresh_event(session: Session, event: Event) -> None:
    """Rewrite the index rows of one event after it changed (call after a flush)."""
    session.execute(delete(OccurrenceRow).where(OccurrenceRow.event_id == event.id))
    exceptions = session.scalars(
        select(EventException.occurrence_start).where(EventException.event_id == event.id)
    ).all()
    overrides = session.scalars(
        select(OccurrenceOverride).where(OccurrenceOverride.event_id == event.id)
    ).all()
    rows = list(occurrence_rows(event, exceptions, overrides, stored_horizon(session)))
    if rows:
        session.execute(insert(OccurrenceRow), rows)


def rebuild_all(session: Session, *, horizon: datetime | None = None) -> int:
    """Rebuild the whole index (after an import or sample data); returns the row count."""
    limit = horizon or stored_horizon(session)
    _set_horizon(session, limit)
    session.execute(delete(OccurrenceRow))
    return _index_events(session, select(Event), limit)


def extend_horizon(session: Session, now: datetime | None = None) -> bool:
    """Move the horizon on when it is closer than two years; returns whether it moved."""
    current = stored_horizon(session)
    wanted = default_horizon(now)
    if current >= wanted - timedelta(days=366):
        return False
    _set_horizon(session, wanted)
    endless = select(Event).where(Event.rrule.is_not(None), Event.recurrence_end.is_(None))
    ids = select(Event.id).where(Event.rrule.is_not(None), Event.recurrence_end.is_(None))
    session.execute(delete(OccurrenceRow).where(OccurrenceRow.event_id.in_(ids)))
    _index_events(session, endless, wanted)
    return True


def _series_changes(
    session: Session, events: list[Event]
) -> tuple[dict[int, list[datetime]], dict[int, list[OccurrenceOverride]]]:
    """Removed dates and changed occurrences of every series in ``events``, a few queries."""
    series = [e.id for e in events if e.rrule]
    exceptions: dict[int, list[datetime]] = defaultdict(list)
    overrides: dict[int, list[OccurrenceOverride]] = defaultdict(list)
    for chunk in chunks(series):
        for event_id, when in session.execute(
            select(EventException.event_id, EventException.occurrence_start).where(
                EventException.event_id.in_(chunk)
            )
        ):
            exceptions[event_id].append(when)
        for override in session.scalars(
            select(OccurrenceOverride).where(OccurrenceOverride.event_id.in_(chunk))
        ):
            overrides[override.event_id].append(override)
    return exceptions, overrides


def _index_events(session: Session, query: object, horizon: datetime) -> int:
    events = list(session.scalars(query))  # type: ignore[call-overload]
    exceptions, overrides = _series_changes(session, events)
    batch: list[dict[str, object]] = []
    total = 0
    for event in events:
        for row in occurrence_rows(event, exceptions[event.id], overrides[event.id], horizon):
            batch.append(row)
            if len(batch) >= _BATCH:
                session.execute(insert(OccurrenceRow), batch)
                total += len(batch)
                batch = []
    if batch:
        session.execute(insert(OccurrenceRow), batch)
        total += len(batch)
    return total


def index_problems(session: Session) -> list[str]:
    """Events whose stored occurrences differ from what their rules give (empty if none)."""
    horizon = stored_horizon(session)
    stored: dict[int, set[tuple[datetime, datetime, datetime]]] = defaultdict(set)
    for event_id, recurrence_id, starts, ends in session.execute(
        select(
            OccurrenceRow.event_id,
            OccurrenceRow.recurrence_id,
            OccurrenceRow.starts_at,
            OccurrenceRow.ends_at,
        )
    ):
        stored[event_id].add((recurrence_id, starts, ends))
    problems = []
    events = list(session.scalars(select(Event).order_by(Event.id)))
    exceptions, overrides = _series_changes(session, events)
    for event in events:
        expected = {
            (row["recurrence_id"], row["starts_at"], row["ends_at"])
            for row in occurrence_rows(event, exceptions[event.id], overrides[event.id], horizon)
        }
        if stored.pop(event.id, set()) != expected:
            problems.append(
                f"the occurrences of event {event.id} (“{event.title}”) are out of date"
            )
    problems.extend(f"occurrences are stored for missing event {event_id}" for event_id in stored)
    return problems
