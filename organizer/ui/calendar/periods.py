"""Which days a calendar view shows, and how it steps through time (plain Python, no Qt).

Weeks start on Monday.  Every time here is the coordinator's local time: naive dates and
times become aware with :meth:`datetime.astimezone`, which attaches the computer's zone.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import cached_property, lru_cache

AGENDA_DAYS = 28


class ViewMode(StrEnum):
    """The three ways the calendar lays out time."""

    MONTH = "month"
    WEEK = "week"
    AGENDA = "agenda"


@dataclass(frozen=True)
class Period:
    """The days one view shows: ``first`` up to, not including, ``end``.

    ``anchor`` is the day the period was built around (the month's days are those of the
    anchor's month; the grid around them adds the neighbours' days that fill its weeks).
    """

    mode: ViewMode
    anchor: date
    first: date
    end: date

    @cached_property
    def days(self) -> list[date]:
        """Every day shown, in order (worked out once: a paint asks several times)."""
        return [self.first + timedelta(days=n) for n in range((self.end - self.first).days)]

    @property
    def last(self) -> date:
        """The last day shown."""
        return self.end - timedelta(days=1)

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.first <= day < self.end

    def in_month(self, day: date) -> bool:
        """Whether ``day`` belongs to the period proper (not a neighbour month's filler)."""
        if self.mode is ViewMode.MONTH:
            return (day.year, day.month) == (self.anchor.year, self.anchor.month)
        return day in self

    def local_range(self) -> tuple[datetime, datetime]:
        """The period as two aware instants: local midnight of ``first`` and of ``end``."""
        return local_midnight(self.first), local_midnight(self.end)


def week_start(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


@lru_cache(maxsize=256)
def period_for(mode: ViewMode, anchor: date) -> Period:
    """The period a view in ``mode`` shows around ``anchor``.

    The same one each time (with its days worked out once): turning a page asks for it
    half a dozen times.
    """
    if mode is ViewMode.MONTH:
        first_of_month = anchor.replace(day=1)
        days_in_month = calendar.monthrange(anchor.year, anchor.month)[1]
        last_of_month = anchor.replace(day=days_in_month)
        first = week_start(first_of_month)
        end = week_start(last_of_month) + timedelta(days=7)
        return Period(mode, anchor, first, end)
    if mode is ViewMode.WEEK:
        first = week_start(anchor)
        return Period(mode, anchor, first, first + timedelta(days=7))
    return Period(mode, anchor, anchor, anchor + timedelta(days=AGENDA_DAYS))


def step(mode: ViewMode, anchor: date, count: int) -> date:
    """The anchor ``count`` periods after ``anchor`` (before it when negative).

    A month step keeps the day of the month where it can (31 January → 28 February).
    """
    if mode is ViewMode.MONTH:
        months = anchor.year * 12 + anchor.month - 1 + count
        year, month = divmod(months, 12)
        last = calendar.monthrange(year, month + 1)[1]
        return date(year, month + 1, min(anchor.day, last))
    if mode is ViewMode.WEEK:
        return anchor + timedelta(days=7 * count)
    return anchor + timedelta(days=AGENDA_DAYS * count)


def local_midnight(day: date) -> datetime:
    """The start of ``day`` in the coordinator's zone."""
    return local_at(day, time(0))


def local_at(day: date, moment: time) -> datetime:
    """``day`` at ``moment`` on the coordinator's clock, as an aware datetime."""
    return datetime.combine(day, moment).astimezone()


def local_now() -> datetime:
    """Now, on the coordinator's clock."""
    return datetime.now().astimezone()
