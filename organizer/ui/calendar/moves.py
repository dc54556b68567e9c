"""Working out where a dragged occurrence, or its whole series, goes (plain Python, no Qt).

Moves are measured on the wall clock of the zone the event was planned in, so a circle
moved from Tuesday 18:00 to Wednesday 18:00 stays at 18:00 on every later Wednesday even
across a clock change.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from zoneinfo import ZoneInfo

from organizer.models import Event
from organizer.services import EventDraft, Services
from organizer.services.series import SeriesState, roles_of
from organizer.ui.calendar.items import CalendarItem, OccurrenceKey

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


class MoveScope(Enum):
    """What a move changes: a one-off event, one occurrence of a series, or the series."""

    EVENT = "event"
    OCCURRENCE = "occurrence"
    SERIES = "series"


def draft_of(event: Event, **changes: object) -> EventDraft:
    """An event's every editable field as a draft, with ``changes`` applied."""
    values = {field.name: getattr(event, field.name) for field in dataclasses.fields(EventDraft)}
    values.update(changes)
    return EventDraft(**values)


def wall_shift(moment: datetime, delta: timedelta, tz_name: str) -> datetime:
    """``moment`` moved by ``delta`` of wall-clock time in ``tz_name``, as a UTC instant."""
    tz = ZoneInfo(tz_name)
    local = moment.astimezone(tz).replace(tzinfo=None) + delta
    return local.replace(tzinfo=tz).astimezone(UTC)


def wall_delta(item: CalendarItem, new_start: datetime, new_day: date | None = None) -> timedelta:
    """How far a drop moves ``item``, on the wall clock of the event's own zone.

    An all-day item (or one dropped on a day rather than a time) moves by whole days: to
    ``new_day`` from the day it starts on.
    """
    if item.all_day or new_day is not None:
        target = new_day if new_day is not None else new_start.date()
        return timedelta(days=(target - item.first_day).days)
    tz = ZoneInfo(item.timezone)
    before = item.starts_at.astimezone(tz).replace(tzinfo=None)
    after = new_start.astimezone(tz).replace(tzinfo=None)
    return after - before


def moved_event(event: Event, delta: timedelta) -> EventDraft:
    """The draft of a one-off event moved by ``delta`` (its length kept)."""
    return draft_of(
        event,
        starts_at=wall_shift(event.starts_at, delta, event.timezone),
        ends_at=wall_shift(event.ends_at, delta, event.timezone),
    )


def moved_series(event: Event, occurrence_start: datetime, delta: timedelta) -> EventDraft:
    """The draft of a whole series moved by ``delta``, measured on one of its occurrences.

    The series' first start moves by the same wall-clock amount, and the rule's weekdays
    and days of the month move with it when the occurrence lands on another day.
    """
    tz = ZoneInfo(event.timezone)
    before = occurrence_start.astimezone(tz)
    after = before.replace(tzinfo=None) + delta
    days = (after.date() - before.date()).days
    return draft_of(
        event,
        starts_at=wall_shift(event.starts_at, delta, event.timezone),
        ends_at=wall_shift(event.ends_at, delta, event.timezone),
        rrule=shift_rule(event.rrule, days, delta) if event.rrule else None,
    )


def moved_occurrence(item: CalendarItem, delta: timedelta) -> tuple[datetime, datetime]:
    """The new start and end of one occurrence moved by ``delta``."""
    return (
        wall_shift(item.starts_at, delta, item.timezone),
        wall_shift(item.ends_at, delta, item.timezone),
    )


def shift_rule(rule: str, days: int, delta: timedelta | None = None) -> str:
    """A stored repeat rule whose days follow a move of ``days`` days.

    ``BYDAY`` weekdays turn by ``days`` (keeping "first", "last"...), ``BYMONTHDAY`` days move
    by ``days`` within 1–31, and an ``UNTIL`` moves by ``delta`` so no occurrence is lost.
    """
    parts = []
    for piece in rule.split(";"):
        name, _, value = piece.partition("=")
        if name == "BYDAY" and days % 7:
            value = ",".join(_turn_weekday(token, days) for token in value.split(","))
        elif name == "BYMONTHDAY" and days:
            value = ",".join(_move_month_day(token, days) for token in value.split(","))
        elif name == "UNTIL" and delta:
            until = datetime.strptime(value, "%Y%m%dT%H%M%SZ") + delta
            value = until.strftime("%Y%m%dT%H%M%SZ")
        parts.append(f"{name}={value}")
    return ";".join(parts)


def _turn_weekday(token: str, days: int) -> str:
    prefix, code = token[:-2], token[-2:]
    if code not in WEEKDAYS:
        return token
    return prefix + WEEKDAYS[(WEEKDAYS.index(code) + days) % 7]


def _move_month_day(token: str, days: int) -> str:
    number = int(token)
    if number < 0:
        return token
    return str((number - 1 + days) % 31 + 1)


@dataclass
class Move:
    """A move made once through the services, that can be reverted and made again.

    ``new_key`` is the occurrence's identity after the move (a one-off's and a series'
    occurrences are known by their start, which moved).  ``notice`` says in plain words
    anything the coordinator did not ask for (a series moved only from a later date, so
    that dates already worked keep their times).
    """

    scope: MoveScope
    item: CalendarItem
    new_key: OccurrenceKey
    new_start: datetime
    made: Callable[[], None]
    reverted: Callable[[], None]
    notice: str = ""


def make_move(
    services: Services,
    item: CalendarItem,
    delta: timedelta,
    scope: MoveScope,
    now: datetime | None = None,
) -> Move:
    """Move ``item`` by ``delta`` now, based on the version the calendar showed.

    A one-off or a whole series moves as the event editor moves it: the people booked go
    along with their occurrences, and dates before ``now`` (the clock's, by default)
    that people worked are never rewritten.

    Raises:
        ConflictError: someone else changed the event since the calendar loaded it.
        ValidationError, DomainError, StorageError: the move was refused.
    """
    events = services.events
    if scope is MoveScope.OCCURRENCE:
        version = [item.event_version]

        def times(starts: datetime, ends: datetime) -> Callable[[], None]:
            def change() -> None:
                version[0] = events.change_occurrence(
                    item.event_id, version[0], item.recurrence_id, starts_at=starts, ends_at=ends
                ).version

            return change

        before = (item.starts_at.astimezone(UTC), item.ends_at.astimezone(UTC))
        after = moved_occurrence(item, delta)
        move = Move(scope, item, item.key, after[0], times(*after), times(*before))
        move.made()
        return move
    series = services.series
    event = events.get(item.event_id)
    if scope is MoveScope.SERIES:
        draft = moved_series(event, item.starts_at, delta)
        new_id = wall_shift(item.recurrence_id, delta, item.timezone)
        new_start = wall_shift(item.starts_at, delta, item.timezone)
    else:
        draft = moved_event(event, delta)
        new_id = new_start = draft.starts_at
    roles = roles_of(event.shifts)
    latest = _Latest(item.event_version)

    def made() -> None:
        saved = series.update(item.event_id, latest.version, draft, roles, now=now)
        latest.version, latest.before = saved.event.version, saved.before
        latest.split = saved.new_event
        latest.notice = saved.notice

    def reverted() -> None:
        assert latest.before is not None
        split = [] if latest.split is None else [(latest.split.id, latest.split.version)]
        latest.version = series.restore(latest.before, latest.version, discard=split).version
        latest.split = None

    made()
    # Split from a later date, the occurrence moved belongs to the new series.
    owner = item.event_id if latest.split is None else latest.split.id
    return Move(scope, item, (owner, new_id), new_start, made, reverted, latest.notice)


@dataclass
class _Latest:
    """What the last making or reverting of a move left behind, for the next one."""

    version: int
    before: SeriesState | None = None
    split: Event | None = None
    notice: str = ""
