"""Loading the calendar's periods in the background, one at a time, with a small cache.

Paging quickly through months asks for many periods; only the last one asked for matters,
so at most one load runs and the rest wait as "wanted".  Loaded periods are kept for going
back, and the neighbours of the period on show are fetched ahead so the next page is
instant.  A change to the data drops every period kept; the events' own values (title,
zone, cause...), which each period's occurrences share, are kept but for those of the
events changed.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from functools import partial

from PySide6.QtCore import QObject, Signal

from organizer.errors import OrganizerError
from organizer.services import Services
from organizer.services.events import KnownEvents
from organizer.ui.calendar.items import CalendarData, Labels, load_calendar
from organizer.ui.calendar.periods import Period, ViewMode, local_midnight
from organizer.ui.worker import Worker

logger = logging.getLogger(__name__)
CACHE_SIZE = 8
KNOWN_EVENTS = 10_000
"""How many events' values are kept at most (all are dropped past it, and read again)."""


@dataclass(frozen=True)
class RangeKey:
    """Which days a load covers, and whether it sums shift fill too.

    ``first_few``: the view shows only the first few items of each day (a month), so the
    rest need not be made yet.
    """

    first: date
    end: date
    fill: bool
    first_few: bool = False

    @classmethod
    def of(cls, period: Period, *, fill: bool) -> RangeKey:
        """The load for ``period``."""
        return cls(period.first, period.end, fill, period.mode is ViewMode.MONTH)


class CalendarLoader(QObject):
    """Loads ranges of days through the worker; says when the one wanted has arrived."""

    loaded = Signal(object)
    """The wanted range's :class:`CalendarData`."""
    loading_changed = Signal()
    """The wanted range started or stopped being on its way (see :attr:`loading`).

    It carries no ``bool``: PySide6 6.12 loses a reference to ``True`` on every emit of
    it from Python, which in time crashes the interpreter.
    """
    failed = Signal(str)
    """The wanted range could not be read (the message says why)."""

    def __init__(self, services: Services, worker: Worker, parent: QObject | None = None) -> None:
        """Load with ``services`` on ``worker``."""
        super().__init__(parent)
        self.services = services
        self.worker = worker
        self.loading = False
        self._cache: OrderedDict[RangeKey, CalendarData] = OrderedDict()
        self._wanted: RangeKey | None = None
        self._ahead: list[RangeKey] = []
        self._running: RangeKey | None = None
        self._running_generation = 0
        self._generation = 0
        self._labels: Labels | None = None
        self._known: KnownEvents = {}
        self._running_known: KnownEvents = {}
        self.retired: list[CalendarData] = []
        """Periods no longer kept or shown, held until :meth:`let_go` (see there)."""
        self.made_per_day = 0
        """How many chips a day the month on show has room for: the items it draws are
        made before the data is handed over, so painting it needs to make none."""

    def cached(self, key: RangeKey) -> bool:
        """Whether ``key`` is loaded and kept."""
        return key in self._cache

    def request(self, key: RangeKey) -> None:
        """Ask for ``key``; ``loaded`` follows at once if it is kept, else once it is read."""
        self._wanted = key
        data = self._cache.get(key)
        if data is not None:
            self._cache.move_to_end(key)
            self._set_loading(False)
            self.loaded.emit(data)
        else:
            self._set_loading(True)
        self._next()

    def fetch_ahead(self, keys: list[RangeKey]) -> None:
        """Read ``keys`` when nothing else is waiting, so asking for them later is instant."""
        self._ahead = [key for key in keys if key not in self._cache]
        self._next()

    def retire(self, data: CalendarData | None) -> None:
        """Hold ``data`` (taken off screen) until :meth:`let_go`."""
        if data is not None:
            self.retired.append(data)

    def let_go(self) -> None:
        """Free the periods retired since the last call.

        Freeing a busy month's items takes a millisecond or two with the GIL held, so it
        waits for a quiet moment instead of delaying the next period's read and paint.
        """
        self.retired.clear()

    def invalidate(self, *, labels: bool = False, events: Collection[int] | None = None) -> None:
        """Forget every kept range (the data changed); a load under way is thrown away.

        The cause and place names are kept for the next loads unless ``labels`` says they
        may have changed too.  ``events`` are those whose own values may have changed
        (``None``: any of them); the others' are kept.
        """
        self.retired.extend(self._cache.values())
        self._cache.clear()
        self._ahead = []
        self._generation += 1
        if labels:
            self._labels = None
        if events is None:
            self._known = {}
        else:
            for event_id in events:
                self._known.pop(event_id, None)

    def _set_loading(self, loading: bool) -> None:
        if loading != self.loading:
            self.loading = loading
            self.loading_changed.emit()

    def _next(self) -> None:
        if self._running is not None:
            return
        if self._wanted is not None and self._wanted not in self._cache:
            key, ahead = self._wanted, False
        else:
            while self._ahead and self._ahead[0] in self._cache:
                self._ahead.pop(0)
            if not self._ahead:
                return
            key, ahead = self._ahead.pop(0), True
        self._running = key
        self._running_generation = self._generation
        # A copy: the worker adds to it while the GUI thread may forget some of its own.
        self._running_known = known = dict(self._known)
        work = partial(
            load_calendar,
            self.services,
            key.first,
            key.end,
            local_midnight(key.first),
            local_midnight(key.end),
            fill=key.fill,
            labels=self._labels,
            make_all=ahead or not key.first_few,
            make_first=self.made_per_day,
            known=known,
        )
        # Bound methods, so a loader deleted meanwhile is simply not called back.
        self.worker.submit(work, on_done=self._done, on_error=self._failed)

    def _finish(self) -> tuple[RangeKey, bool]:
        """The load that just ended, and whether the data changed while it ran."""
        key = self._running
        assert key is not None
        self._running = None
        return key, self._running_generation == self._generation

    def _done(self, data: CalendarData) -> None:
        key, current = self._finish()
        if current:
            self._labels = data.labels
            known = self._running_known
            self._known = known if len(known) <= KNOWN_EVENTS else {}
            self._cache[key] = data
            while len(self._cache) > CACHE_SIZE:
                self.retire(self._cache.popitem(last=False)[1])
            if key == self._wanted:
                self._set_loading(False)
                self.loaded.emit(data)
        self._next()

    def _failed(self, error: Exception) -> None:
        key, current = self._finish()
        if not isinstance(error, OrganizerError):
            raise error
        if current and key == self._wanted:
            self._wanted = None
            self._set_loading(False)
            self.failed.emit(str(error))
        else:
            logger.info("Reading ahead failed: %s", error)
        self._next()
