"""VTIMEZONE components derived from ``zoneinfo``, in the form Google and Outlook write.

A zone with daylight saving becomes one STANDARD and one DAYLIGHT block, each with
``RRULE:FREQ=YEARLY;BYMONTH=m;BYDAY=nWD`` and a DTSTART in 1970 given in the local time
before the change (TZOFFSETFROM); a zone without changes becomes a single STANDARD block.
Outlook ignores RDATE in VTIMEZONE and ical.js reads only the first value of an RDATE list,
so neither is used.  The rule is checked against zoneinfo's real transitions over the years
the file covers; when it does not fit (Asia/Jerusalem's Friday-before rule, Morocco's
Ramadan changes, a zone that changed its rules within the span) the zone is written as one
observance per transition instead, each with a single DTSTART.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

_DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_RULE_EPOCH = 1970


@dataclass(frozen=True, slots=True)
class Transition:
    """A change of UTC offset: the instant, the offsets either side, the new name and DST."""

    at: datetime
    offset_from: timedelta
    offset_to: timedelta
    name: str
    is_dst: bool

    @property
    def local_onset(self) -> datetime:
        """When the change happens, on the clock before it (naive, as VTIMEZONE writes it)."""
        return (self.at + self.offset_from).replace(tzinfo=None)


@dataclass(frozen=True, slots=True)
class YearlyRule:
    """A transition that happens every year on the nth (or last, n = -1) weekday of a month."""

    month: int
    nth: int
    weekday: int
    clock: tuple[int, int, int]
    offset_from: timedelta
    offset_to: timedelta
    name: str
    is_dst: bool

    def onset(self, year: int) -> datetime:
        """The local (pre-change clock) time of this year's transition."""
        return datetime(
            year, self.month, _nth_weekday(year, self.month, self.nth, self.weekday), *self.clock
        )

    @property
    def byday(self) -> str:
        """The RRULE BYDAY value, e.g. ``-1SU`` or ``2SU``."""
        return f"{self.nth}{_DAY_CODES[self.weekday]}"


def _nth_weekday(year: int, month: int, nth: int, weekday: int) -> int:
    first_weekday, days = calendar.monthrange(year, month)
    if nth > 0:
        return 1 + (weekday - first_weekday) % 7 + 7 * (nth - 1)
    last_weekday = (first_weekday + days - 1) % 7
    return days - (last_weekday - weekday) % 7


def transitions(tzid: str, first_year: int, last_year: int) -> list[Transition]:
    """Every offset change of the zone from 1 January ``first_year`` to the end of ``last_year``.

    Found by stepping through the years a day at a time and narrowing each change down to the
    second, which is all zoneinfo offers (it does not expose its transition table).
    """
    return list(_transitions(tzid, first_year, last_year))


@lru_cache(maxsize=256)
def _transitions(tzid: str, first_year: int, last_year: int) -> tuple[Transition, ...]:
    tz = ZoneInfo(tzid)
    start = datetime(first_year, 1, 1, tzinfo=UTC)
    end = datetime(last_year + 1, 1, 1, tzinfo=UTC)
    step = timedelta(hours=12)
    found: list[Transition] = []
    previous = start
    previous_state = _state(previous, tz)
    moment = start + step
    while moment <= end:
        state = _state(moment, tz)
        if state != previous_state:
            low, high = previous, moment
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                middle = middle.replace(microsecond=0)
                if middle in (low, high):
                    break
                if _state(middle, tz) == previous_state:
                    low = middle
                else:
                    high = middle
            local = high.astimezone(tz)
            found.append(
                Transition(
                    high,
                    previous_state[0],
                    state[0],
                    local.tzname() or _offset_text(state[0]),
                    bool(local.dst()),
                )
            )
            previous_state = state
        previous = moment
        moment += step
    return tuple(found)


def _state(moment: datetime, tz: ZoneInfo) -> tuple[timedelta, bool, str]:
    local = moment.astimezone(tz)
    offset = local.utcoffset()
    assert offset is not None
    return offset, bool(local.dst()), local.tzname() or ""


def _candidates(change: Transition) -> set[YearlyRule]:
    onset = change.local_onset
    day = onset.day
    days_in_month = calendar.monthrange(onset.year, onset.month)[1]
    ordinals = {(day - 1) // 7 + 1} if day <= 28 else set()
    if day + 7 > days_in_month:
        ordinals.add(-1)
    clock = (onset.hour, onset.minute, onset.second)
    return {
        YearlyRule(
            onset.month,
            nth,
            onset.weekday(),
            clock,
            change.offset_from,
            change.offset_to,
            change.name,
            change.is_dst,
        )
        for nth in ordinals
    }


def yearly_rules(tzid: str, first_year: int, last_year: int) -> list[YearlyRule] | None:
    """The zone's changes as two yearly rules, or None when they don't fit that form.

    An empty list means the zone has no changes in those years.  The rules are checked
    against every real transition in ``[first_year, last_year]``.
    """
    changes = transitions(tzid, first_year, last_year)
    if not changes:
        return []
    by_year: dict[int, list[Transition]] = {}
    for change in changes:
        by_year.setdefault(change.local_onset.year, []).append(change)
    years = range(first_year, last_year + 1)
    if any(len(by_year.get(year, [])) != 2 for year in years):
        return None
    rules: list[YearlyRule] = []
    for to_dst in (True, False):
        kept: set[YearlyRule] | None = None
        for year in years:
            picked = [c for c in by_year[year] if c.is_dst == to_dst]
            if len(picked) != 1:
                return None
            found = _candidates(picked[0])
            kept = found if kept is None else kept & found
            if not kept:
                return None
        assert kept is not None
        rules.append(sorted(kept, key=lambda rule: (rule.nth > 0, rule.nth))[0])
    actual = {change.at for change in changes}
    predicted = {
        (rule.onset(year) - rule.offset_from).replace(tzinfo=UTC)
        for rule in rules
        for year in years
    }
    return rules if actual == predicted else None


def vtimezone(tzid: str, first_year: int, last_year: int) -> Timezone:
    """A VTIMEZONE for ``tzid`` that reads correctly for every instant of those years."""
    return _vtimezone(tzid, first_year, last_year)


def vtimezone_text(tzid: str, first_year: int, last_year: int) -> bytes:
    """The VTIMEZONE as iCalendar text (cached: exporting many events builds each zone once)."""
    return _vtimezone_bytes(tzid, first_year, last_year)


@lru_cache(maxsize=256)
def _vtimezone_bytes(tzid: str, first_year: int, last_year: int) -> bytes:
    return _vtimezone(tzid, first_year, last_year).to_ical()  # type: ignore[no-any-return]


def _vtimezone(tzid: str, first_year: int, last_year: int) -> Timezone:
    component = Timezone()
    component.add("TZID", tzid)
    rules = yearly_rules(tzid, first_year, last_year)
    if rules == []:
        moment = datetime(first_year, 1, 1, tzinfo=UTC).astimezone(ZoneInfo(tzid))
        offset = moment.utcoffset()
        assert offset is not None
        component.add_component(
            _observance(
                False,
                datetime(_RULE_EPOCH, 1, 1),
                offset,
                offset,
                moment.tzname() or _offset_text(offset),
            )
        )
    elif rules is not None:
        for rule in sorted(rules, key=lambda r: r.is_dst):
            block = _observance(
                rule.is_dst, rule.onset(_RULE_EPOCH), rule.offset_from, rule.offset_to, rule.name
            )
            block.add("RRULE", {"FREQ": "YEARLY", "BYMONTH": rule.month, "BYDAY": rule.byday})
            component.add_component(block)
    else:
        _add_explicit(component, tzid, first_year, last_year)
    return component


def _add_explicit(component: Timezone, tzid: str, first_year: int, last_year: int) -> None:
    """One observance per transition, plus one for the offset in force on 1 January."""
    tz = ZoneInfo(tzid)
    opening = datetime(first_year, 1, 1, tzinfo=UTC)
    before = opening - timedelta(days=1)
    local = before.astimezone(tz)
    offset = local.utcoffset()
    assert offset is not None
    component.add_component(
        _observance(
            bool(local.dst()),
            (before + offset).replace(tzinfo=None, hour=0, minute=0, second=0),
            offset,
            offset,
            local.tzname() or _offset_text(offset),
        )
    )
    for change in transitions(tzid, first_year, last_year):
        component.add_component(
            _observance(
                change.is_dst,
                change.local_onset,
                change.offset_from,
                change.offset_to,
                change.name,
            )
        )


def _observance(
    is_dst: bool, onset: datetime, offset_from: timedelta, offset_to: timedelta, name: str
) -> TimezoneStandard | TimezoneDaylight:
    block = TimezoneDaylight() if is_dst else TimezoneStandard()
    block.add("TZNAME", name)
    block.add("TZOFFSETFROM", offset_from)
    block.add("TZOFFSETTO", offset_to)
    block.add("DTSTART", onset)
    return block


def _offset_text(offset: timedelta) -> str:
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}{rest:02d}"


__all__ = [
    "Transition",
    "YearlyRule",
    "transitions",
    "vtimezone",
    "vtimezone_text",
    "yearly_rules",
]
