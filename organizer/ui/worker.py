"""Running database work off the GUI thread, one job at a time, with results on the GUI thread.

A single worker thread keeps writes in order and never lets two jobs fight over the SQLite
lock.  Each job gets its own signal object, created on the GUI thread, so its results,
errors and progress are delivered there by queued connections.
"""

from __future__ import annotations

import inspect
import logging
import math
import sys
import traceback
from collections.abc import Callable
from functools import lru_cache, partial
from types import CodeType
from typing import Any

import shiboken6
from PySide6.QtCore import QEventLoop, QObject, QRunnable, Qt, QThreadPool, Signal

from organizer.errors import OrganizerError

logger = logging.getLogger(__name__)

Progress = Callable[[str, float], None]

GIL_SWITCH_SECONDS = 0.001
"""How long a busy thread may keep the GIL while another waits for it.

Python's default (5 ms) lets a worker crunching pure Python hold the GUI thread off for
100 ms and more, as each of the GUI thread's many small calls back into Python waits its
turn; 1 ms keeps the window answering while the worker runs.
"""


class JobSignals(QObject):
    """What one job reports: progress, then either its result or the error it raised.

    The worker thread emits the private ``_…`` signals; queued connections re-emit them as
    the public ones on the GUI thread, so a listener connected right after ``submit`` never
    misses a job that finished early.
    """

    progress = Signal(str, float)
    succeeded = Signal(object)
    failed = Signal(object)
    finished = Signal()
    _progress = Signal(str, float)
    _succeeded = Signal(object)
    _failed = Signal(object)
    _finished = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        """Relay the worker thread's reports onto this object's (the GUI) thread."""
        super().__init__(parent)
        self.went_wrong = False
        """Whether the job failed (set before ``failed`` is sent)."""
        queued = Qt.ConnectionType.QueuedConnection
        self._progress.connect(self.progress, queued)
        self._succeeded.connect(self.succeeded, queued)
        self._failed.connect(self.failed, queued)
        self._finished.connect(self.finished, queued)


class _Job(QRunnable):
    def __init__(self, work: Callable[..., Any], signals: JobSignals) -> None:
        super().__init__()
        self.work = work
        self.signals = signals
        self.wants_progress = takes_progress(work)

    def run(self) -> None:
        try:
            if self.wants_progress:
                result = self.work(progress=self._report_progress)
            else:
                result = self.work()
        except Exception as error:  # every failure goes back to the GUI thread
            error.__traceback_text__ = traceback.format_exc()  # type: ignore[attr-defined]
            self.signals.went_wrong = True
            self._emit(self.signals._failed, error)
        else:
            self._emit(self.signals._succeeded, result)
        finally:
            self._emit(self.signals._finished)

    def _report_progress(self, stage: str, fraction: float) -> None:
        self._emit(self.signals._progress, stage, fraction)

    def _emit(self, signal: Any, *args: Any) -> None:
        try:
            signal.emit(*args)
        except RuntimeError:
            # The window that asked went away while the job ran; nobody is left to tell.
            logger.debug("Dropped the report of a job whose window has closed")


def takes_progress(work: Callable[..., Any]) -> bool:
    """Whether ``work`` has a ``progress`` parameter left to pass.

    Functions, and partials of them, are looked at once a kind: reading a signature costs
    a third of a millisecond, on the way to every calendar month.
    """
    bound: tuple[Any, ...] = ()
    named: dict[str, Any] = {}
    inner = work
    if isinstance(work, partial):
        inner, bound, named = work.func, work.args, work.keywords
    code = getattr(inner, "__code__", None)
    if not isinstance(code, CodeType):
        return "progress" in inspect.signature(work).parameters
    return "progress" not in named and _progress_position(code) >= len(bound)


@lru_cache(maxsize=512)
def _progress_position(code: CodeType) -> float:
    """Where ``progress`` comes among the parameters (-1 if nowhere, inf if keyword-only)."""
    # A closure made anew for every job shares its code with the others.
    names = code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]
    if "progress" not in names:
        return -1
    position = names.index("progress")
    return position if position < code.co_argcount else math.inf


class Worker(QObject):
    """One background thread for database work.

    ``submit(work, on_done=..., on_error=..., on_progress=...)`` runs ``work()`` off the GUI
    thread (passing ``progress=`` if it takes one) and calls the callbacks on the GUI thread.
    """

    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        """Start with an idle thread."""
        super().__init__(parent)
        sys.setswitchinterval(min(sys.getswitchinterval(), GIL_SWITCH_SECONDS))
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._pending = 0
        self._live: set[JobSignals] = set()
        self._closed = False
        self.failures = 0
        """How many jobs have failed so far (counted as each one's end is handed over)."""

    @property
    def busy(self) -> bool:
        """Whether a job is queued or running."""
        return self._pending > 0

    def submit(
        self,
        work: Callable[..., Any],
        *,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
        on_progress: Progress | None = None,
    ) -> JobSignals:
        """Queue ``work``; returns its signals (tests can wait on ``finished``).

        Once the worker is closed, nothing is queued and the signals never fire.
        """
        signals = JobSignals()
        if self._closed:
            logger.debug("A job came after its worker closed; it is not run")
            return signals
        self._live.add(signals)
        if on_done is not None:
            signals.succeeded.connect(on_done)
        if on_error is not None:
            signals.failed.connect(on_error)
        else:
            signals.failed.connect(_reraise)
        if on_progress is not None:
            signals.progress.connect(on_progress)
        signals.finished.connect(lambda: self._done(signals))
        self._pending += 1
        if self._pending == 1:
            self.busy_changed.emit(True)
        self._pool.start(_Job(work, signals))
        return signals

    def _done(self, signals: JobSignals) -> None:
        self._live.discard(signals)
        if signals.went_wrong:
            self.failures += 1
        self._pending -= 1
        if self._pending == 0:
            self.busy_changed.emit(False)

    def wait(self, msecs: int = 30_000) -> bool:
        """Block until every queued job ran (for shutting down; never on a user action)."""
        return self._pool.waitForDone(msecs)

    def run_until_idle(self) -> None:
        """Run the event loop until no job is queued (for tools, tests and benchmarks).

        Unlike :meth:`wait`, the GUI thread keeps delivering results meanwhile, so a job
        waiting for the window (as the other pages' code waits for a first paint) goes on.
        """
        while self.busy:
            loop = QEventLoop()
            self.busy_changed.connect(loop.quit)
            if self.busy:
                loop.exec()
            self.busy_changed.disconnect(loop.quit)

    def close(self, msecs: int = 30_000) -> bool:
        """Run what is queued, then take no more jobs (the window's file is closing).

        The window stays a moment longer, and its pages may still answer the last results
        by asking for more: such work is not run, so nothing reports back to a deleted
        worker or reads a closed file.
        """
        done = self.wait(msecs)
        self._closed = True
        return done


def submit_owned(
    worker: Worker,
    owner: QObject,
    work: Callable[..., Any],
    *,
    on_done: Callable[[Any], None],
    on_error: Callable[[Exception], None],
    on_progress: Progress | None = None,
    bugs_to_owner: bool = True,
) -> JobSignals:
    """Run ``work`` on ``worker``; its answers reach ``owner`` only while ``owner`` exists.

    A window closed while its job ran must not be touched when the answer comes.  A bug
    (an error that is not an :class:`OrganizerError`) goes to ``on_error`` while the owner
    is there to show it (unless ``bugs_to_owner`` is off), else to the crash handler.
    ``work`` taking a ``progress`` keyword gets progress reports, passed to ``on_progress``.
    """

    def done(result: Any) -> None:
        if shiboken6.isValid(owner):
            on_done(result)

    def failed(error: Exception) -> None:
        expected = isinstance(error, OrganizerError)
        if shiboken6.isValid(owner) and (expected or bugs_to_owner):
            on_error(error)
        elif not expected:
            raise error
        else:
            logger.debug("An answer came after its window closed: %s", error)

    def report(stage: str, fraction: float) -> None:
        if on_progress is not None and shiboken6.isValid(owner):
            on_progress(stage, fraction)

    reports = report if on_progress is not None else None
    return worker.submit(work, on_done=done, on_error=failed, on_progress=reports)


def _reraise(error: Exception) -> None:
    """With no error callback, an error is a bug: hand it to the crash handler."""
    logger.error("Background job failed:\n%s", getattr(error, "__traceback_text__", error))
    raise error
