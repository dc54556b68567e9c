"""Python's full garbage collections, moved to moments when nobody is waiting for the window.

A full collection walks every object the program holds, with the GIL held.  With the
large demo file open that took 75–105 ms, and it struck in the middle of work (a clash
check on the worker, allocating as it goes), freezing the window for as long.  Here
automatic full collections are made rare (young objects are still collected as usual, in
a millisecond or two), and a full collection runs once the worker has been idle a while.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

from organizer.ui.worker import Worker

IDLE_COLLECT_MS = 1500
"""How long the worker must have been idle before a full collection runs."""

RARE_FULL = 200
"""Middle-generation collections between automatic full ones (Python's default: 10).

A backstop for long stretches of work with no idle moment, such as a big import.
"""

WORTH_COLLECTING = 3
"""Middle-generation collections since the last full one that make an idle one worth it."""


class IdleCollector(QObject):
    """Runs Python's full garbage collection once ``worker`` has been idle for a while.

    The first collection also freezes what is alive by then (the code, the data layer and
    the first page, all kept as long as the program runs), so later ones walk only what
    was made since.  :meth:`stop` puts Python's own collection schedule back.
    """

    def __init__(
        self,
        worker: Worker,
        parent: QObject | None = None,
        *,
        idle_ms: int = IDLE_COLLECT_MS,
        collect_first: bool = False,
    ) -> None:
        """Watch ``worker``; collect after ``idle_ms`` of it having nothing to do.

        With ``collect_first`` (another file's window has just gone), nothing is set aside
        before the first collection has freed what that window left behind.
        """
        super().__init__(parent)
        self._collect_first = collect_first
        self._previous = gc.get_threshold()
        young, middle = self._previous[:2]
        gc.set_threshold(young, middle, RARE_FULL)
        self._frozen = False
        self._stopped = False
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(idle_ms)
        self.timer.timeout.connect(self.collect)
        worker.busy_changed.connect(self._busy_changed)
        if not worker.busy:
            self.timer.start()

    def _busy_changed(self, busy: bool) -> None:
        if self._stopped:
            return
        if busy:
            self.timer.stop()
        else:
            self.timer.start()

    def collect(self) -> int:
        """Run a full collection now, if enough was made since the last; returns what it freed."""
        if self._frozen and gc.get_count()[2] < WORTH_COLLECTING:
            return 0
        found = gc.collect()
        if not self._frozen:
            gc.freeze()
            self._frozen = True
        return found

    def set_aside(self, *_: object) -> None:
        """Move everything alive now out of the collector's sight (call after start-up's imports).

        Nothing is collected: it is for what lives as long as the program (modules, the
        data layer, the window), so full collections stop walking it.  Waits for the first
        collection instead when there is garbage to free first (see ``collect_first``); a
        stopped collector (its file closed) sets nothing aside.
        """
        if self._stopped or (self._collect_first and not self._frozen):
            return
        gc.freeze()

    def stop(self) -> None:
        """Stop collecting on idle and give Python back its own schedule."""
        self._stopped = True
        self.timer.stop()
        gc.set_threshold(*self._previous)
