"""What the calendar shows of each occurrence, read off the GUI thread (plain Python, no Qt).

:func:`load_calendar` runs in the background worker: it asks the services for the visible
range, converts every time to the coordinator's zone once, and hands back plain data that
the views only have to place.  A month hands back its days as :class:`LazyDay` s, which
make only the items asked for (the first few of each day, which is all a month draws).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, timedelta, tzinfo
from operator import attrgetter
from typing import NamedTuple, cast, overload
from zoneinfo import ZoneInfo

from organizer.models import EventStatus
from organizer.models.ids import LocationId
from organizer.services import OccurrenceInfo, Services
from organizer.services.events import KnownEvents, OccurrenceTuple
from organizer.services.occurrence_table import OccurrenceTable
from organizer.ui.calendar.periods import local_midnight

NO_CAUSE = 0
"""The filter key for events that have no cause."""

MINUTES_PER_DAY = 24 * 60
ONE_DAY = timedelta(days=1)
_JUST_BEFORE = timedelta(microseconds=1)

OccurrenceKey = tuple[int, datetime]
"""An occurrence's identity: its event id and its recurrence id."""


@dataclass(frozen=True, slots=True)
class CauseInfo:
    """A cause as the calendar's filter and colours know it."""

    id: int
    name: str
    colour: str


class CalendarItem(NamedTuple):
    """One occurrence, in the coordinator's local time, with what the views draw.

    A named tuple rather than a frozen dataclass: a month makes thousands of these on
    every read, and a tuple is several times quicker to make.
    """

    event_id: int
    recurrence_id: datetime
    starts_at: datetime
    ends_at: datetime
    title: str
    timezone: str
    all_day: bool
    status: EventStatus
    cause_id: int | None
    cause_name: str
    colour: str
    location_name: str
    is_recurring: bool
    event_version: int
    first_day: date
    last_day: date
    filled: int | None = None
    needed: int | None = None

    @property
    def spans_days(self) -> bool:
        """All-day, or running a full day or more: drawn as a bar, not a timed block."""
        return self.all_day or self.ends_at - self.starts_at >= ONE_DAY

    @property
    def key(self) -> OccurrenceKey:
        """The occurrence's identity, stable across reloads."""
        return (self.event_id, self.recurrence_id)

    @property
    def filter_key(self) -> int:
        """The cause id the filter hides or shows this item by."""
        return self.cause_id if self.cause_id is not None else NO_CAUSE

    @property
    def cancelled(self) -> bool:
        """Whether the occurrence is cancelled."""
        return self.status is EventStatus.CANCELLED

    def covers(self, day: date) -> bool:
        """Whether the item shows on ``day`` (day-spanning items show on each day)."""
        if self.spans_days:
            return self.first_day <= day <= self.last_day
        return day == self.first_day

    def planned_clock(self) -> datetime | None:
        """The start on the clock of the zone it was planned in, when that clock differs."""
        if self.all_day:
            return None
        there = self.starts_at.astimezone(ZoneInfo(self.timezone))
        return None if there.utcoffset() == self.starts_at.utcoffset() else there


DayItems = Sequence[CalendarItem]
"""One day's items in :func:`day_order` (a list, or a :class:`LazyDay`)."""


@dataclass(frozen=True)
class CalendarData:
    """Everything one load brings back for a range of days."""

    first: date
    end: date
    by_day: dict[date, DayItems]
    """The items each day with any shows, in :func:`day_order`."""
    causes: tuple[CauseInfo, ...]
    with_fill: bool = False
    places: dict[LocationId, str] = field(default_factory=dict, compare=False)
    """Every place's name by id, as the load knew them."""

    @classmethod
    def of_items(
        cls,
        first: date,
        end: date,
        items: Iterable[CalendarItem],
        causes: tuple[CauseInfo, ...],
        *,
        with_fill: bool = False,
        places: dict[LocationId, str] | None = None,
    ) -> CalendarData:
        """The data for ``items`` already made, grouped by day."""
        by_day: dict[date, DayItems] = dict(group_by_day(items, first, end))
        return cls(first, end, by_day, causes, with_fill, places or {})

    @property
    def items(self) -> list[CalendarItem]:
        """Every item once, by start, title, event and recurrence id (each made if need be)."""
        seen = {item.key: item for listed in self.by_day.values() for item in listed}
        return sorted(seen.values(), key=_BY_OCCURRENCE)

    @property
    def labels(self) -> Labels:
        """The cause and place names this load used, for the next to reuse."""
        return self.causes, self.places


Labels = tuple[tuple[CauseInfo, ...], dict[LocationId, str]]
"""Every cause (in name order) and every place's name by id."""


def read_labels(services: Services) -> Labels:
    """What the calendar labels occurrences with: the causes, and the places' names."""
    causes, places = services.events.calendar_labels()
    return tuple(CauseInfo(*cause) for cause in causes), places


def load_calendar(
    services: Services,
    first: date,
    end: date,
    start: datetime,
    stop: datetime,
    *,
    fill: bool,
    labels: Labels | None = None,
    make_all: bool = False,
    make_first: int = 0,
    known: KnownEvents | None = None,
) -> CalendarData:
    """Read the occurrences between ``start`` and ``stop`` (the local midnights of the days).

    With ``fill``, the shift fill of every occurrence is summed too (one more query).
    Every item is made now, off the GUI thread, with ``fill`` or ``make_all`` (a week
    shows them all; a month read ahead of being shown should be ready); otherwise the
    items a month with room for ``make_first`` chips a day draws (see :func:`drawn`) are
    made now, and the rest when first asked for.  ``labels`` are the cause and place
    names, when they are known to be current; ``known``, the events' values read before
    (see :meth:`EventService.occurrence_table`), to which those read now are added.
    """
    causes, places = labels if labels is not None else read_labels(services)
    builder = ItemBuilder({cause.id: cause for cause in causes}, places)
    if not fill:
        table = services.events.occurrence_table(start, stop, known=known)
        days = lazy_days(builder.all(table.spanning, {}), table, builder, first, end)
        if make_all:
            days = {day: list(items) for day, items in days.items()}
        elif make_first:
            for items in days.values():
                if isinstance(items, LazyDay):
                    items.make_first(drawn(len(items), make_first))
        return CalendarData(first, end, days, causes, places=places)
    rows = services.events.occurrence_rows(start, stop)
    fills: dict[OccurrenceKey, tuple[int, int]] = {}
    for shift in services.coverage.shift_fill(start, stop):
        key = (shift.event_id, shift.recurrence_id)
        filled, needed = fills.get(key, (0, 0))
        fills[key] = (filled + shift.filled, needed + shift.needed)
    return CalendarData.of_items(
        first, end, builder.all(rows, fills), causes, with_fill=True, places=places
    )


def drawn(count: int, room: int) -> int:
    """How many of a day's ``count`` items a cell with ``room`` for chips draws.

    All of them when they fit; otherwise one fewer than fit, the last place saying how
    many more there are.
    """
    return count if count <= room else max(0, room - 1)


def lazy_days(
    spanning: Iterable[CalendarItem],
    table: OccurrenceTable,
    builder: ItemBuilder,
    first: date,
    end: date,
) -> dict[date, DayItems]:
    """Each day's items: the day-long ones made, the timed ones in a :class:`LazyDay`.

    ``table``'s timed occurrences fall on days by where each local midnight comes among
    their starts; one that started before ``first`` shows on ``first``.
    """
    days: dict[date, DayItems] = dict(group_by_day(spanning, first, end))
    low = 0
    day = first
    while day < end:
        following = day + ONE_DAY
        high = table.position(local_midnight(following)) if following < end else len(table)
        if high > low:
            days[day] = LazyDay(days.get(day, ()), table, low, high, builder)
        low = high
        day = following
    return dict(sorted(days.items()))


class LazyDay(Sequence[CalendarItem]):
    """A day's items in :func:`day_order`, its timed ones made the first time they are asked for.

    The day-long items come first, made already; the timed ones are positions
    ``[low, high)`` of an :class:`OccurrenceTable`, which lists them in the day's order.
    The worker makes the first few before handing it over; after that, only the GUI
    thread asks.
    """

    __slots__ = ("_builder", "_high", "_low", "_made", "_spanning", "_table")

    def __init__(
        self,
        spanning: Sequence[CalendarItem],
        table: OccurrenceTable,
        low: int,
        high: int,
        builder: ItemBuilder,
    ) -> None:
        """The day with ``spanning`` items, then ``table``'s timed ones from ``low`` to ``high``."""
        self._spanning = list(spanning)
        self._table = table
        self._low = low
        self._high = high
        self._builder = builder
        self._made: list[CalendarItem] = []

    def __len__(self) -> int:
        """How many items the day shows (none is made to count them)."""
        return len(self._spanning) + self._high - self._low

    @overload
    def __getitem__(self, index: int) -> CalendarItem: ...

    @overload
    def __getitem__(self, index: slice) -> list[CalendarItem]: ...

    def __getitem__(self, index: int | slice) -> CalendarItem | list[CalendarItem]:
        """The item at ``index``, or a list of those in a slice."""
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            self._make(max(start, stop) if step > 0 else start + 1)
            return (self._spanning + self._made)[index]
        place = index + len(self) if index < 0 else index
        if not 0 <= place < len(self):
            raise IndexError(index)
        spanned = len(self._spanning)
        if place < spanned:
            return self._spanning[place]
        self._make(place + 1)
        return self._made[place - spanned]

    def __iter__(self) -> Iterator[CalendarItem]:
        """Every item, in order (all of them made)."""
        self._make(len(self))
        yield from self._spanning
        yield from self._made

    def __repr__(self) -> str:
        return f"LazyDay({len(self)} items, {self.made} timed made)"

    @property
    def made(self) -> int:
        """How many of the timed items are made so far."""
        return len(self._made)

    def make_first(self, count: int) -> None:
        """Make the day's first ``count`` items now (those a month will draw)."""
        self._make(min(count, len(self)))

    def _make(self, count: int) -> None:
        """Make the timed items up to the ``count``-th item of the day."""
        wanted = count - len(self._spanning)
        made = len(self._made)
        if wanted > made:
            timed = self._table.timed(self._low + made, self._low + wanted)
            self._made.extend(self._builder.all(timed, {}))


class ItemBuilder:
    """Makes :class:`CalendarItem` s from occurrence rows, converting each instant once.

    A month repeats the same few hundred start and end instants thousands of times, so
    their local times and days (the costly part) are worked out once per pair of them,
    and each cause's and place's labels once.
    """

    def __init__(self, causes: dict[int, CauseInfo], places: dict[LocationId, str]) -> None:
        """Name causes and places from ``causes`` and ``places``."""
        self.causes = causes
        self.places = places
        self._times: dict[tuple[datetime, datetime, bool, str], _Times] = {}
        self._causes: dict[int | None, tuple[str, str]] = {}
        self._places: dict[LocationId | None, str] = {}

    def __call__(self, row: OccurrenceTuple, fill: tuple[int, int] | None) -> CalendarItem:
        """The item for ``row`` (fields as :class:`OccurrenceInfo`), with its shift fill."""
        return self.all([row], {} if fill is None else {(row[0], row[1]): fill})[0]

    def all(
        self, rows: Iterable[OccurrenceTuple], fills: dict[OccurrenceKey, tuple[int, int]]
    ) -> tuple[CalendarItem, ...]:
        """The items for ``rows``, each with its shift fill from ``fills`` (if there)."""
        times_of, causes, places = self._times, self._causes, self._places
        items: list[CalendarItem] = []
        append = items.append
        for row in rows:
            (
                event_id,
                recurrence_id,
                utc_start,
                utc_end,
                title,
                tz,
                all_day,
                status,
                cause_id,
                location_id,
                is_recurring,
                _,
                version,
            ) = row
            when = (utc_start, utc_end, all_day, tz)
            times = times_of.get(when)
            if times is None:
                times = times_of[when] = _local_times(*when)
            cause = causes.get(cause_id)
            if cause is None:
                cause = causes[cause_id] = self._cause_labels(cause_id)
            place = places.get(location_id)
            if place is None:
                place = places[location_id] = (
                    "" if location_id is None else self.places.get(location_id, "")
                )
            fill = fills.get((event_id, recurrence_id)) if fills else None
            # tuple.__new__ skips the named tuple's own __new__, a Python call per item.
            append(
                _new_item(
                    CalendarItem,
                    (
                        event_id,
                        recurrence_id,
                        times[0],
                        times[1],
                        title,
                        tz,
                        all_day,
                        status,
                        cause_id,
                        cause[0],
                        cause[1],
                        place,
                        is_recurring,
                        version,
                        times[2],
                        times[3],
                        fill[0] if fill else None,
                        fill[1] if fill else None,
                    ),
                )
            )
        return tuple(items)

    def _cause_labels(self, cause_id: int | None) -> tuple[str, str]:
        known = self.causes.get(cause_id) if cause_id is not None else None
        return (known.name, known.colour) if known else ("", "")


_Times = tuple[datetime, datetime, date, date]
"""An occurrence's local start and end, and the first and last day it shows on."""


_LOCAL_ZONES: dict[tuple[timedelta | None, str | None], tzinfo] = {}
"""One fixed-offset zone per local offset and name, shared by every local time made here."""


def _local(moment: datetime) -> datetime:
    # astimezone() gives each result a zone object of its own; local times sharing one are
    # compared and subtracted by Python without asking each for its offset (a month's sort
    # and layout do that thousands of times).
    local = moment.astimezone()
    own = local.tzinfo
    assert own is not None
    zone = _LOCAL_ZONES.setdefault((local.utcoffset(), local.tzname()), own)
    return local if own is zone else local.replace(tzinfo=zone)


def _local_times(utc_start: datetime, utc_end: datetime, all_day: bool, tz: str) -> _Times:
    starts = _local(utc_start)
    ends = _local(utc_end)
    if all_day:
        # An all-day event is a run of dates in its own zone, wherever the coordinator is.
        planned = ZoneInfo(tz)
        first = utc_start.astimezone(planned).date()
        last = utc_end.astimezone(planned).date() - ONE_DAY
    else:
        first = starts.date()
        last = (ends - _JUST_BEFORE).date()
    return starts, ends, first, last if last > first else first


def make_item(
    occurrence: OccurrenceInfo,
    causes: dict[int, CauseInfo],
    places: dict[LocationId, str],
    fill: tuple[int, int] | None,
) -> CalendarItem:
    """One occurrence, moved to local time, with its cause and place named."""
    row = cast(OccurrenceTuple, tuple(getattr(occurrence, f.name) for f in fields(occurrence)))
    return ItemBuilder(causes, places)(row, fill)


_new_item = tuple.__new__
_BY_START = attrgetter("starts_at", "title", "event_id")
_BY_OCCURRENCE = attrgetter("starts_at", "title", "event_id", "recurrence_id")


def day_order(item: CalendarItem) -> tuple[bool, datetime, str, int]:
    """How a day lists its items: day-long ones first, then by start time and title."""
    return (not item.spans_days, item.starts_at, item.title, item.event_id)


def group_by_day(
    items: Iterable[CalendarItem], first: date, end: date
) -> dict[date, list[CalendarItem]]:
    """The items each day of ``[first, end)`` shows, in :func:`day_order`."""
    days: dict[date, list[CalendarItem]] = {}
    # Sorted once up front, every day's list comes out in order as it is filled.  Day-long
    # items first, each part sorted by a key read in C: the same order as day_order's.
    spanning: list[CalendarItem] = []
    timed: list[CalendarItem] = []
    for item in items:
        if item.spans_days:
            spanning.append(item)
        else:
            timed.append(item)
    spanning.sort(key=_BY_START)
    timed.sort(key=_BY_START)
    for item in spanning:
        day = item.first_day if item.first_day > first else first
        last = item.last_day
        while day <= last and day < end:
            listed = days.get(day)
            if listed is None:
                days[day] = [item]
            else:
                listed.append(item)
            day += ONE_DAY
    for item in timed:
        if item.first_day < end and item.last_day >= first:
            # One that started before the range (last night's shelter) shows on its first day.
            day = item.first_day if item.first_day > first else first
            listed = days.get(day)
            if listed is None:
                days[day] = [item]
            else:
                listed.append(item)
    return days


@dataclass(frozen=True, slots=True)
class Placed:
    """A timed item placed in a day column: minutes from midnight and its lane."""

    item: CalendarItem
    start_minute: int
    end_minute: int
    lane: int
    lanes: int
    cluster: int = 0


@dataclass(frozen=True, slots=True)
class Overflow:
    """Items of one run of overlapping ones that did not fit the column: when, and how many."""

    start_minute: int
    end_minute: int
    count: int


def minutes_into(day: date, moment: datetime) -> int:
    """Minutes from ``day``'s local midnight to ``moment``, kept within the day."""
    minutes = int((moment - local_midnight(day)).total_seconds() // 60)
    return max(0, min(MINUTES_PER_DAY, minutes))


def place_in_day(day: date, items: Sequence[CalendarItem], min_minutes: int = 20) -> list[Placed]:
    """Lay timed items out side by side where they overlap, the way paper diaries do.

    Each run of overlapping items shares the column's width equally; an item is given at
    least ``min_minutes`` of height, and that height counts when deciding what overlaps.
    """
    spans = []
    for item in items:
        if item.spans_days or not (item.starts_at.date() <= day <= item.last_day):
            continue
        start = minutes_into(day, item.starts_at)
        end = max(minutes_into(day, item.ends_at), start + min_minutes)
        spans.append((start, end, item))
    spans.sort(key=lambda span: (span[0], -span[1], span[2].title))
    placed: list[Placed] = []
    cluster: list[tuple[int, int, CalendarItem, int]] = []
    lane_ends: list[int] = []
    cluster_end = -1
    number = 0
    for start, end, item in spans:
        if cluster and start >= cluster_end:
            placed.extend(_placed(cluster, len(lane_ends), number))
            cluster, lane_ends, cluster_end = [], [], -1
            number += 1
        lane = next((n for n, lane_end in enumerate(lane_ends) if lane_end <= start), None)
        if lane is None:
            lane = len(lane_ends)
            lane_ends.append(end)
        else:
            lane_ends[lane] = end
        cluster.append((start, end, item, lane))
        cluster_end = max(cluster_end, end)
    placed.extend(_placed(cluster, len(lane_ends), number))
    return placed


def _placed(
    cluster: list[tuple[int, int, CalendarItem, int]], lanes: int, number: int
) -> list[Placed]:
    return [Placed(item, start, end, lane, lanes, number) for start, end, item, lane in cluster]


def cap_lanes(placed: list[Placed], most: int) -> tuple[list[Placed], list[Overflow]]:
    """Keep at most ``most`` lanes side by side; the last one says how many more there are.

    In a run needing more lanes, the items of the first ``most - 1`` lanes stay and the
    rest are counted in an :class:`Overflow` drawn in the last lane.
    """
    most = max(1, most)
    kept: list[Placed] = []
    hidden: dict[int, list[Placed]] = defaultdict(list)
    for place in placed:
        if place.lanes <= most:
            kept.append(place)
        elif place.lane < most - 1:
            kept.append(replace(place, lanes=most))
        else:
            hidden[place.cluster].append(place)
    overflow = [
        Overflow(min(p.start_minute for p in group), max(p.end_minute for p in group), len(group))
        for group in hidden.values()
    ]
    return kept, overflow
