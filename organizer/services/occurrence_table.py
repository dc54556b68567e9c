"""A range's occurrences for a view that draws only some of each day's (a month's chips).

A month holds thousands of occurrences but shows the first few of each day and a count.
:class:`OccurrenceTable` keeps the day-long occurrences ready and the timed ones as read,
ordered by start, so a view can count a day's occurrences by position and turn into
:data:`~organizer.services.events.OccurrenceTuple` s only those it shows.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from organizer.services.driver_rows import stored_instant

if TYPE_CHECKING:
    from organizer.services.events import OccurrenceTuple

ONE_DAY = timedelta(days=1)


def spans_days(row: OccurrenceTuple) -> bool:
    """All-day, or running a full day or more (what calendars draw as a bar)."""
    return row[6] or row[3] - row[2] >= ONE_DAY


class OccurrenceTable:
    """Day-long occurrences as tuples (in no set order); timed ones in order, made when asked for.

    The timed ones are in :meth:`~organizer.services.events.EventService.occurrence_rows`'
    order: by start, then title, event id and recurrence id.  They are kept as read,
    sorted by start alone; those starting together are put in order when asked for.

    ``starts`` holds each timed occurrence's start in a form that compares as the instants
    do, such as the text SQLite files keep them as; ``key`` puts an instant in that form.
    """

    __slots__ = ("_convert", "_key", "_order", "_rows", "spanning", "starts")

    def __init__(
        self,
        spanning: list[OccurrenceTuple],
        starts: list[Any],
        rows: Sequence[Any],
        convert: Callable[[Any], OccurrenceTuple],
        order: Callable[[Sequence[Any]], list[Any]],
        key: Callable[[datetime], Any] = stored_instant,
    ) -> None:
        """``rows`` are the timed occurrences as ``convert`` takes them, in ``starts`` order.

        ``order`` puts a run of rows in the table's order.
        """
        self.spanning = spanning
        self.starts = starts
        self._rows = rows
        self._convert = convert
        self._order = order
        self._key = key

    @classmethod
    def of(cls, rows: Sequence[OccurrenceTuple]) -> OccurrenceTable:
        """The table of occurrence tuples already made (a server, or past the stored index)."""
        spanning: list[OccurrenceTuple] = []
        timed: list[OccurrenceTuple] = []
        for row in rows:
            (spanning if spans_days(row) else timed).append(row)
        timed.sort(key=_ORDER)
        return cls(spanning, list(map(itemgetter(2), timed)), timed, _same, _in_order, _same)

    def __len__(self) -> int:
        """How many timed occurrences there are."""
        return len(self.starts)

    def position(self, moment: datetime) -> int:
        """How many timed occurrences start before ``moment``."""
        return bisect_left(self.starts, self._key(moment))

    def timed(self, start: int, stop: int) -> list[OccurrenceTuple]:
        """The timed occurrences from position ``start`` up to ``stop``, as tuples."""
        starts = self.starts
        stop = min(stop, len(starts))
        if start >= stop:
            return []
        first = bisect_left(starts, starts[start], 0, start)
        last = bisect_right(starts, starts[stop - 1], stop)
        rows = self._order(self._rows[first:last])
        return list(map(self._convert, rows[start - first : stop - first]))


_ORDER = itemgetter(2, 4, 0, 1)


def _in_order(rows: Sequence[OccurrenceTuple]) -> list[OccurrenceTuple]:
    return sorted(rows, key=_ORDER)


def _same(value: Any) -> Any:
    return value
