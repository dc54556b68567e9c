"""The interactions bench_gui.py times, each beside raw sqlite3 fetching the same rows."""

from __future__ import annotations

import sqlite3
import statistics
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QEventLoop, QSettings, QTimer
from PySide6.QtWidgets import QApplication

FMT = "%Y-%m-%d %H:%M:%S.%f"

RAW_OCCURRENCES = """
SELECT o.event_id, o.recurrence_id, o.starts_at, o.ends_at, o.overridden, e.title, e.timezone,
       e.all_day, e.status, e.cause_id, e.location_id, e.rrule, e.version
FROM occurrences o JOIN events e ON e.id = o.event_id
WHERE o.starts_at < ? AND o.ends_at > ? AND o.starts_at > ?
"""

RAW_FILL = """
SELECT s.id, o.event_id, o.recurrence_id, o.starts_at, s.role, s.needed,
       (SELECT count(*) FROM assignments a WHERE a.shift_id = s.id
          AND a.occurrence_start = o.recurrence_id
          AND a.status IN ('proposed', 'invited', 'accepted', 'tentative'))
FROM occurrences o JOIN events e ON e.id = o.event_id
JOIN shifts s ON s.event_id = o.event_id
 AND (s.occurrence_start IS NULL OR s.occurrence_start = o.recurrence_id)
WHERE o.starts_at >= ? AND o.starts_at < ? AND e.status != 'cancelled'
"""

RAW_VOLUNTEERS = """
SELECT v.id, v.name, v.email, v.pronouns, v.active, v.joined_on,
       (SELECT group_concat(q.name, ', ') FROM volunteer_qualifications vq
          JOIN qualifications q ON q.id = vq.qualification_id WHERE vq.volunteer_id = v.id),
       (SELECT min(a.occurrence_start) FROM assignments a
          WHERE a.volunteer_id = v.id AND a.occurrence_start >= ?),
       (SELECT sum(a.hours) FROM assignments a WHERE a.volunteer_id = v.id
          AND a.occurrence_start >= ? AND a.occurrence_start < ?)
FROM volunteers v WHERE v.active = 1 AND lower(v.name) LIKE ?
ORDER BY v.name LIMIT 100
"""


def pump_until_idle(workspace: Any) -> None:
    """Let the event loop run until the background worker has nothing left and the view painted.

    While the worker is busy the GUI thread waits in a real event loop (as it does in the
    app), so the two threads do not fight over the GIL the way a polling loop would.
    """
    worker = workspace.context.worker
    while True:
        QCoreApplication.processEvents()
        if worker.busy:
            loop = QEventLoop()
            worker.busy_changed.connect(loop.quit)
            if worker.busy:
                loop.exec()
            worker.busy_changed.disconnect(loop.quit)
            continue
        QCoreApplication.processEvents()
        workspace.window.repaint()
        if not worker.busy:
            return


def pump_until_shown(workspace: Any, shown: Callable[[], bool]) -> None:
    """Let the event loop run until ``shown()`` says the view has its data, then paint.

    Work the view queued for later (reading the next month ahead) may still be running: the
    person is already looking at the result.
    """
    while True:
        QCoreApplication.processEvents()
        if shown():
            workspace.window.repaint()
            return
        loop = QEventLoop()
        QTimer.singleShot(1, loop.quit)
        loop.exec()


def raw_seconds(path: Path, sql: str, params: tuple[Any, ...], repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        conn.execute(sql, params).fetchall()
        conn.close()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def month_bounds(day: date) -> tuple[datetime, datetime]:
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    start = datetime.combine(first - timedelta(days=first.weekday()), datetime.min.time(), UTC)
    end = datetime.combine(following + timedelta(days=7), datetime.min.time(), UTC)
    return start, end


def measure_views(
    path: Path, ini: str, probe_type: Callable[[], Any], repeat: int
) -> Iterator[tuple[str, float, float, float]]:
    """Yield (label, seconds, raw sqlite3 seconds, longest GUI stall) per interaction."""
    from organizer.app import Workspace
    from organizer.storage import open_database

    app = QApplication.instance() or QApplication([])
    workspace = Workspace(QSettings(ini, QSettings.Format.IniFormat))
    window = workspace.show_database(open_database(path))
    window.resize(1280, 800)
    pump_until_idle(workspace)
    probe = probe_type()
    today = date.today()

    def timed(
        action: Callable[[], None],
        before: Callable[[], None] | None = None,
        shown: Callable[[], bool] | None = None,
    ) -> tuple[float, float]:
        def wait() -> None:
            if shown is None:
                pump_until_idle(workspace)
            else:
                pump_until_shown(workspace, shown)

        times, stalls = [], []
        for _ in range(repeat):
            if before is not None:
                before()
            pump_until_idle(workspace)
            started = time.perf_counter()
            stalls.append(probe.measure(lambda: (action(), wait())))
            times.append(time.perf_counter() - started)
        return statistics.median(times), max(stalls)

    # Home: this week's occurrences and the shifts that need people.
    home = window.page("home")
    seconds, stall = timed(
        lambda: (window.show_page("home"), home.refresh()), shown=lambda: not home.home.loading
    )
    monday = datetime.combine(today - timedelta(days=today.weekday()), datetime.min.time(), UTC)
    sunday = monday + timedelta(days=7)
    fill_window = (monday.strftime(FMT), (sunday + timedelta(days=14)).strftime(FMT))
    lookback = monday - timedelta(days=2)
    week_window = (sunday.strftime(FMT), monday.strftime(FMT), lookback.strftime(FMT))
    raw = raw_seconds(path, RAW_FILL, fill_window, repeat)
    raw += raw_seconds(path, RAW_OCCURRENCES, week_window, repeat)
    yield "Home: this week and shifts that need people", seconds, raw, stall

    # Calendar: moving to the next month (reads ahead as well).
    window.show_page("calendar")
    calendar = window.page("calendar")
    pump_until_idle(workspace)

    def month_shown() -> bool:
        return not calendar.loader.loading and calendar.model.data_set is not None

    seconds, stall = timed(lambda: calendar.go(1), shown=month_shown)
    start, end = month_bounds(today + timedelta(days=62))
    raw = raw_seconds(
        path,
        RAW_OCCURRENCES,
        (end.strftime(FMT), start.strftime(FMT), (start - timedelta(days=2)).strftime(FMT)),
        repeat,
    )
    yield "Calendar: next month on screen (read ahead)", seconds, raw, stall
    seconds, stall = timed(lambda: calendar.go(7), shown=month_shown)
    yield "Calendar: jump 7 months (nothing read ahead)", seconds, raw, stall

    # Volunteers: first page, then typing a search.
    window.show_page("volunteers")
    volunteers = window.page("volunteers")

    def directory_shown() -> bool:
        return not volunteers.model.loading

    seconds, stall = timed(volunteers.refresh, shown=directory_shown)
    month_start = datetime.combine(today.replace(day=1), datetime.min.time(), UTC)
    params = (
        datetime.now(UTC).strftime(FMT),
        month_start.strftime(FMT),
        (month_start + timedelta(days=31)).strftime(FMT),
    )
    raw = raw_seconds(path, RAW_VOLUNTEERS, (*params, "%"), repeat)
    yield "Volunteers: first 100 of the directory", seconds, raw, stall

    search = volunteers.search

    def clear_search() -> None:
        search.clear()
        volunteers.apply_filters()
        pump_until_idle(workspace)

    def type_search() -> None:
        for letter in "mar":
            search.insert(letter)
            QCoreApplication.processEvents()
        volunteers.apply_filters()

    seconds, stall = timed(type_search, before=clear_search, shown=directory_shown)
    raw = raw_seconds(path, RAW_VOLUNTEERS, (*params, "%mar%"), repeat)
    yield "Volunteers: typing “mar” in the search", seconds, raw, stall

    # Rosters: the next week's board (every shift of the week with its people).
    window.show_page("rosters")
    rosters = window.page("rosters")
    pump_until_idle(workspace)
    boards: list[int] = []
    rosters.loaded.connect(lambda: boards.append(1))

    def next_week() -> None:
        boards.clear()
        rosters.next_button.click()

    seconds, stall = timed(next_week, shown=lambda: bool(boards) and not rosters.board_view.opening)
    monday = datetime.combine(today - timedelta(days=today.weekday()), datetime.min.time(), UTC)
    week = (monday + timedelta(weeks=repeat + 1), monday + timedelta(weeks=repeat + 2))
    raw = raw_seconds(path, RAW_FILL, (week[0].strftime(FMT), week[1].strftime(FMT)), repeat)
    yield "Rosters: next week's board", seconds, raw, stall
    workspace.close()
    del app
