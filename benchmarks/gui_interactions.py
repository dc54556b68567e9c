"""The interactions bench_gui.py times, each beside raw sqlite3 fetching the same rows."""

from __future__ import annotations

import json
import sqlite3
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop, QObject, QSettings, QTimer
from PySide6.QtWidgets import QAbstractScrollArea, QApplication, QWidget

if TYPE_CHECKING:
    # Only for the types: the app imports its pages' code itself, after start-up.
    from organizer.ui.calendar.page import CalendarPage
    from organizer.ui.roster.page import RosterPage
    from organizer.ui.volunteers.page import VolunteersPage
    from organizer.ui.welcome import StartPage

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

# NOT INDEXED: the index the app keeps for its own order (active, then the name's key)
# would tempt SQLite into visiting the table in that order, which makes raw sqlite3's
# search twice as slow; a plain scan is its quickest way.
RAW_VOLUNTEERS = """
WITH page AS (
  SELECT v.id, organizer_fold(v.name) AS sort_key
    FROM volunteers v NOT INDEXED
   WHERE v.active = 1
     AND (:pattern IS NULL OR organizer_fold(v.name) LIKE :pattern ESCAPE '\\'
          OR organizer_fold(v.email) LIKE :pattern ESCAPE '\\')
   ORDER BY sort_key, v.id
   LIMIT 100
), chosen AS (
  SELECT p.sort_key, v.id, v.name, v.email, v.pronouns, v.active, v.joined_on,
         (SELECT a.id FROM assignments a
            JOIN shifts s ON s.id = a.shift_id
            JOIN events e ON e.id = s.event_id
            JOIN occurrences o
              ON o.event_id = s.event_id AND o.recurrence_id = a.occurrence_start
            LEFT JOIN occurrence_overrides x
              ON x.event_id = s.event_id AND x.recurrence_id = a.occurrence_start
           WHERE a.volunteer_id = v.id AND a.occurrence_start >= :now
             AND a.status IN ('proposed', 'invited', 'accepted', 'tentative')
             AND e.status != 'cancelled' AND (x.status IS NULL OR x.status != 'cancelled')
           ORDER BY a.occurrence_start, a.id LIMIT 1) AS next_id
    FROM page p JOIN volunteers v ON v.id = p.id
)
SELECT c.id, c.name, c.email, c.pronouns, c.active, c.joined_on,
       (SELECT group_concat(label, ', ') FROM (
          SELECT q.name || CASE WHEN vq.expires_on < :today THEN ' (expired)' ELSE '' END
                 AS label
            FROM volunteer_qualifications vq
            JOIN qualifications q ON q.id = vq.qualification_id
           WHERE vq.volunteer_id = c.id ORDER BY q.name)),
       strftime('%Y-%m-%d %H:%M:%f', o.starts_at,
                coalesce(s.start_offset_min, 0) || ' minutes'),
       coalesce(x.title, e.title), s.role,
       (SELECT round(coalesce(sum(CASE
          WHEN a.attendance IN ('no_show', 'excused') THEN 0.0
          WHEN a.attendance = 'attended' AND a.hours IS NOT NULL THEN a.hours
          WHEN a.attendance = 'attended' AND a.actual_start IS NOT NULL
               AND a.actual_end IS NOT NULL
            THEN (julianday(a.actual_end) - julianday(a.actual_start)) * 24.0
          WHEN a.attendance = 'attended'
               OR (a.status IN ('proposed', 'invited', 'accepted', 'tentative')
                   AND mo.event_id IS NOT NULL AND me.status != 'cancelled'
                   AND (mx.status IS NULL OR mx.status != 'cancelled'))
            THEN min(24.0, coalesce(ms.end_offset_min / 60.0,
                                    (julianday(mo.ends_at) - julianday(mo.starts_at)) * 24.0)
                           - coalesce(ms.start_offset_min, 0) / 60.0)
          ELSE 0.0 END), 0.0), 2)
          FROM assignments a
          JOIN shifts ms ON ms.id = a.shift_id
          JOIN events me ON me.id = ms.event_id
          LEFT JOIN occurrences mo
            ON mo.event_id = ms.event_id AND mo.recurrence_id = a.occurrence_start
          LEFT JOIN occurrence_overrides mx
            ON mx.event_id = ms.event_id AND mx.recurrence_id = a.occurrence_start
         WHERE a.volunteer_id = c.id
           AND a.occurrence_start >= :month_start AND a.occurrence_start < :month_end)
  FROM chosen c
  LEFT JOIN assignments na ON na.id = c.next_id
  LEFT JOIN shifts s ON s.id = na.shift_id
  LEFT JOIN events e ON e.id = s.event_id
  LEFT JOIN occurrences o ON o.event_id = s.event_id AND o.recurrence_id = na.occurrence_start
  LEFT JOIN occurrence_overrides x
    ON x.event_id = s.event_id AND x.recurrence_id = na.occurrence_start
 ORDER BY c.sort_key, c.id
"""
"""The first 100 active volunteers as the directory shows them, in one statement.

Name, email, pronouns, active, joined, qualifications ("(expired)" marked, by name), the next
shift (start, title, role) by the directory's rules, hours this month rounded to 0.01.
``:pattern`` is one LIKE pattern over the accent-folded name or email (NULL: everyone).
"""


def raw_volunteer_params(now: datetime, text: str = "", zone: Any = None) -> dict[str, Any]:
    """RAW_VOLUNTEERS' parameters: ``now``, a one-word search, months counted in ``zone``."""
    local = now.astimezone(zone)
    first = local.date().replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    where = local.tzinfo

    def stored(moment: datetime) -> str:
        return moment.astimezone(UTC).strftime(FMT)

    def start_of(day: date) -> str:
        return stored(datetime.combine(day, datetime.min.time(), where))

    word = text.casefold().strip()
    return {
        "now": stored(now),
        "today": local.date().isoformat(),
        "month_start": start_of(first),
        "month_end": start_of(following),
        "pattern": f"%{word}%" if word else None,
    }


_folding: list[Callable[[str | None], str | None]] = []


def raw_volunteers(conn: sqlite3.Connection, params: dict[str, Any]) -> list[Any]:
    """RAW_VOLUNTEERS' rows on ``conn``, with the accent folding the directory orders by.

    The folding function is the app's, cached across calls the way the app caches it.
    """
    if not _folding:
        from functools import lru_cache

        from organizer.services.directory import fold

        _folding.append(lru_cache(maxsize=65_536)(fold))
    conn.create_function("organizer_fold", 1, _folding[0], deterministic=True)
    return conn.execute(RAW_VOLUNTEERS, params).fetchall()


def raw_volunteers_seconds(path: Path, params: dict[str, Any], repeat: int) -> float:
    """Median seconds for raw sqlite3 to open ``path`` and fetch RAW_VOLUNTEERS' rows."""
    return _raw_in_fresh_process(path, RAW_VOLUNTEERS, params, repeat, fold=True)


def pump_until_idle(workspace: Any) -> None:
    """Let the event loop run until the background worker has nothing left and the view painted.

    While the worker is busy the GUI thread waits in a real event loop (as it does in the
    app), so the two threads do not fight over the GIL the way a polling loop would.
    """
    worker = workspace.context.worker
    while True:
        QCoreApplication.processEvents()
        if worker.busy:
            worker.run_until_idle()
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


class PaintWatch(QObject):
    """Ends ``loop`` once a widget has painted while ``ready()`` said its data was in."""

    def __init__(self, widget: QWidget, ready: Callable[[], bool], loop: QEventLoop) -> None:
        super().__init__()
        self.ready = ready
        self.loop = loop
        self.painted = False
        self.target = widget.viewport() if isinstance(widget, QAbstractScrollArea) else widget
        self.target.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and not self.painted and self.ready():
            self.painted = True
            QTimer.singleShot(0, self.loop.quit)  # once this paint (and its batch) is done
        return False

    def close(self) -> None:
        self.target.removeEventFilter(self)


def pump_until_painted(ready: Callable[[], bool], widget: QWidget) -> None:
    """Let the event loop run until ``widget`` has painted itself with its data in.

    The app's own paint is what puts the data on screen, so that is where the time stops
    (rather than forcing a second paint of the whole window).  The GUI thread waits in a
    real event loop meanwhile, as in the app (polling would compete with the worker for
    the GIL).  Should the view not paint by itself once ``ready()``, it is made to, and
    that paint counts.
    """
    loop = QEventLoop()
    watch = PaintWatch(widget, ready, loop)
    nudge = QTimer()
    nudge.setInterval(10)
    nudge.timeout.connect(lambda: watch.target.update() if ready() and not watch.painted else None)
    nudge.start()
    try:
        QCoreApplication.processEvents()
        if not watch.painted:
            loop.exec()
        else:
            QCoreApplication.processEvents()
    finally:
        nudge.stop()
        watch.close()


def raw_seconds(path: Path, sql: str, params: Any, repeat: int) -> float:
    """Median seconds for raw sqlite3 to open ``path`` and fetch ``sql``'s rows.

    Timed in a fresh, lean process: inside the app's process the collector's passes over
    its big heap and the app's own threads would slow raw sqlite3 down and flatter us.
    """
    return _raw_in_fresh_process(path, sql, params, repeat, fold=False)


_RAW_CHILD = """
import json, sqlite3, statistics, sys, time
args = json.loads(sys.argv[1])
fold = None
if args["fold"]:
    from functools import lru_cache
    from organizer.services.directory import fold as plain
    fold = lru_cache(maxsize=65_536)(plain)
runs = []
for _ in range(args["repeat"]):
    started = time.perf_counter()
    conn = sqlite3.connect(f"file:{args['path']}?mode=ro", uri=True)
    conn.execute(f"PRAGMA cache_size = -{args['cache']}")
    if fold is not None:
        conn.create_function("organizer_fold", 1, fold, deterministic=True)
    conn.execute(args["sql"], args["params"]).fetchall()
    conn.close()
    runs.append(time.perf_counter() - started)
print(statistics.median(runs))
"""


def _raw_in_fresh_process(path: Path, sql: str, params: Any, repeat: int, *, fold: bool) -> float:
    from organizer.storage.sqlite import CACHE_KIB

    wanted = {
        "path": str(path),
        "sql": sql,
        "params": params,
        "repeat": repeat,
        "fold": fold,
        "cache": CACHE_KIB,
    }
    done = subprocess.run(
        [sys.executable, "-c", _RAW_CHILD, json.dumps(wanted)],
        check=True,
        capture_output=True,
        text=True,
    )
    return float(done.stdout.split()[-1])


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
    context = workspace.context
    assert context is not None
    worker = context.worker
    today = date.today()

    def timed(
        action: Callable[[], None],
        before: Callable[[], None] | None = None,
        shown: Callable[[], bool] | None = None,
        painted_in: QWidget | None = None,
        raw: Callable[[], float] | None = None,
    ) -> tuple[float, float, float]:
        """Median seconds of ``repeat`` runs of ``action``, the median of ``raw()`` timed
        after each, and the longest stall.

        Raw sqlite3 is timed right after each run, with the app quiet, rather than all at
        the end: this machine's speed drifts by half within a minute, and two batches timed
        apart would compare that drift as much as the code.
        """

        def wait() -> None:
            if shown is None:
                pump_until_idle(workspace)
            elif painted_in is not None:
                pump_until_painted(shown, painted_in)
            else:
                pump_until_shown(workspace, shown)

        def run() -> None:
            action()
            wait()

        times, stalls, raws = [], [], []
        for _ in range(repeat):
            if before is not None:
                before()
            pump_until_idle(workspace)
            started = time.perf_counter()
            stalls.append(probe.measure(run))
            times.append(time.perf_counter() - started)
            # Work the run left going (reading ahead, checking clashes) must not share the
            # machine with raw sqlite3: each raw() waits for the app to be quiet first.
            if raw is not None:
                raws.append(raw())
        pump_until_idle(workspace)
        return statistics.median(times), statistics.median(raws) if raws else 0.0, max(stalls)

    # Home: this week's occurrences and the shifts that need people.
    home = cast("StartPage", window.page("home"))
    monday = datetime.combine(today - timedelta(days=today.weekday()), datetime.min.time(), UTC)
    sunday = monday + timedelta(days=7)
    fill_window = (monday.strftime(FMT), (sunday + timedelta(days=14)).strftime(FMT))
    lookback = monday - timedelta(days=2)
    week_window = (sunday.strftime(FMT), monday.strftime(FMT), lookback.strftime(FMT))

    def raw_home() -> float:
        pump_until_idle(workspace)
        return raw_seconds(path, RAW_FILL, fill_window, repeat) + raw_seconds(
            path, RAW_OCCURRENCES, week_window, repeat
        )

    def show_home() -> None:
        window.show_page("home")
        home.refresh()

    seconds, raw, stall = timed(
        show_home,
        shown=lambda: not home.home.loading,
        raw=raw_home,
    )
    yield "Home: this week and shifts that need people", seconds, raw, stall

    # Switching to each other page for the first time (it is built then; its code was
    # imported in the background after start-up).  Against 100 ms: no raw equivalent.
    visits = []
    for key in ("calendar", "events", "volunteers", "rosters", "places", "reports"):
        pump_until_idle(workspace)
        started = time.perf_counter()
        painted: list[float] = []

        def visit(key: str = key, painted: list[float] = painted) -> None:
            window.show_page(key)
            QCoreApplication.processEvents()
            window.repaint()
            painted.append(time.perf_counter())
            pump_until_idle(workspace)

        stall = probe.measure(visit)
        visits.append((painted[0] - started, stall))
    yield (
        "Switching to a page the first time (slowest of 6)",
        max(seconds for seconds, _ in visits),
        0.1,
        max(stall for _, stall in visits),
    )
    window.show_page("home")

    # Calendar: moving to the next month (reads ahead as well).
    window.show_page("calendar")
    calendar = cast("CalendarPage", window.page("calendar"))
    month = calendar.month_view
    pump_until_idle(workspace)

    def month_shown() -> bool:
        return not calendar.loader.loading and calendar.model.data_set is not None

    def read_ahead() -> None:
        """Wait until the neighbouring months are read (the page waits 0.2 s to start)."""
        while calendar.ahead_timer.isActive() or worker.busy:
            loop = QEventLoop()
            QTimer.singleShot(5, loop.quit)
            loop.exec()

    def raw_here() -> float:
        """Raw sqlite3 reading the days of the period on show, once the app is quiet."""
        read_ahead()
        pump_until_idle(workspace)
        start = datetime.combine(calendar.period.first, datetime.min.time(), UTC)
        stop = datetime.combine(calendar.period.end, datetime.min.time(), UTC)
        days = (
            stop.strftime(FMT),
            start.strftime(FMT),
            (start - timedelta(days=2)).strftime(FMT),
        )
        return raw_seconds(path, RAW_OCCURRENCES, days, repeat)

    seconds, raw, stall = timed(
        lambda: calendar.go(1),
        before=read_ahead,
        shown=month_shown,
        painted_in=month,
        raw=raw_here,
    )
    yield "Calendar: next month on screen (read ahead)", seconds, raw, stall

    # The endless series met most often in the month on show: the one "edited" below, so
    # that every month jumped to has it.
    met = Counter(item.event_id for item in calendar.model.visible_items() if item.is_recurring)
    edited = next(
        event_id
        for event_id, _ in met.most_common()
        if context.services.events.get(event_id).recurrence_end is None
    )

    def forget() -> None:
        """Nothing kept or read ahead (as after an edit to an event): the month jumped to is
        read from the file.  As in the app, the page reads the month on show again, and
        only the edited event's own values are read again with it: the cause and place
        names, and the other events' values, which such an edit leaves alone, stay known.
        The edited event is a busy endless series, so the months jumped to read it again."""
        read_ahead()
        calendar.refresh(labels=False, events={edited})
        pump_until_idle(workspace)
        read_ahead()

    # Jumps that land inside the stored occurrence index (the large set's runs from three
    # months back to three years on), so raw sqlite3 can read the same rows.
    calendar.go(-13)
    pump_until_idle(workspace)
    seconds, raw, stall = timed(
        lambda: calendar.go(6), before=forget, shown=month_shown, painted_in=month, raw=raw_here
    )
    yield "Calendar: jump 6 months (nothing read ahead)", seconds, raw, stall
    # Past the index, endless series are expanded as the months are read: nothing stored
    # to compare with, so against 100 ms.
    calendar.go(12)
    seconds, _, stall = timed(
        lambda: calendar.go(7), before=forget, shown=month_shown, painted_in=month
    )
    yield "Calendar: jump to a month past the stored index", seconds, 0.1, stall

    # Volunteers: first page, then typing a search.
    window.show_page("volunteers")
    volunteers = cast("VolunteersPage", window.page("volunteers"))
    table = volunteers.table

    def directory_shown() -> bool:
        return not volunteers.model.loading

    search = volunteers.search

    def clear_search() -> None:
        search.clear()
        volunteers.apply_filters()
        pump_until_idle(workspace)

    def search_for_some() -> None:
        search.setText("mar")
        volunteers.apply_filters()
        pump_until_idle(workspace)

    def show_everyone() -> None:
        search.clear()
        volunteers.apply_filters()

    # The whole list's first 100 rows replacing a search's (as when a search is cleared).
    now = datetime.now(UTC)

    def raw_directory(text: str = "") -> float:
        pump_until_idle(workspace)
        return raw_volunteers_seconds(path, raw_volunteer_params(now, text), repeat)

    seconds, raw, stall = timed(
        show_everyone,
        before=search_for_some,
        shown=directory_shown,
        painted_in=table,
        raw=raw_directory,
    )
    yield "Volunteers: first 100 of the directory", seconds, raw, stall

    def type_search() -> None:
        for letter in "mar":
            search.insert(letter)
            QCoreApplication.processEvents()
        volunteers.apply_filters()

    seconds, raw, stall = timed(
        type_search,
        before=clear_search,
        shown=directory_shown,
        painted_in=table,
        raw=lambda: raw_directory("mar"),
    )
    yield "Volunteers: typing “mar” in the search", seconds, raw, stall

    # Rosters: the next week's board (every shift of the week with its people), read ahead
    # as the page does, then a week it did not read ahead.
    window.show_page("rosters")
    rosters = cast("RosterPage", window.page("rosters"))
    pump_until_idle(workspace)
    # The board shows the week's shifts (RAW_FILL) and the people on them (this query).
    raw_roster_people = """
SELECT a.id, v.name, a.status, a.shift_id, a.occurrence_start
FROM occurrences o CROSS JOIN shifts s CROSS JOIN assignments a
JOIN volunteers v ON v.id = a.volunteer_id
WHERE s.event_id = o.event_id AND a.shift_id = s.id AND a.occurrence_start = o.recurrence_id
  AND o.starts_at >= ? AND o.starts_at < ?
"""
    rows_shown: list[int] = []
    checked: list[int] = []
    rosters.rows_shown.connect(lambda: rows_shown.append(1))
    rosters.loaded.connect(lambda: checked.append(1))

    def settle() -> None:
        """Wait until the board on show is open, checked and its neighbours read ahead."""
        while rosters.settling or worker.busy:
            pump_until_shown(workspace, lambda: not rosters.settling)
            pump_until_idle(workspace)

    def forget_week() -> None:
        """Nothing read ahead: the week jumped to is read from the file."""
        settle()
        rosters.controller.forget_ahead()

    def next_week() -> None:
        rows_shown.clear()
        checked.clear()
        rosters.next_button.click()

    def jump() -> None:
        rows_shown.clear()
        checked.clear()
        rosters.show_week(rosters.period.start.astimezone().date() + timedelta(weeks=3))

    board = rosters.board_view

    # Checked as the board starts to paint: the rows it lays out then are on screen after.
    def rows_in() -> bool:
        return bool(rows_shown)

    def week_open() -> bool:
        return bool(rows_shown) and not board.unfolding and not rosters.controller.loading_more

    def flags_in() -> bool:
        return bool(checked)

    def raw_week() -> float:
        """Raw sqlite3 reading the week on show, its shifts and their people, once the app
        is quiet."""
        settle()
        span = (rosters.period.start.strftime(FMT), rosters.period.end.strftime(FMT))
        return raw_seconds(path, RAW_FILL, span, repeat) + raw_seconds(
            path, raw_roster_people, span, repeat
        )

    settle()
    for label, action, before, shown in (
        ("Rosters: next week's board (read ahead)", next_week, settle, rows_in),
        ("Rosters: next week with every day open", next_week, settle, week_open),
        ("Rosters: jump 3 weeks (nothing read ahead)", jump, forget_week, rows_in),
        ("Rosters: clash flags on screen", next_week, settle, flags_in),
    ):
        seconds, raw, stall = timed(
            action, before=before, shown=shown, painted_in=board, raw=raw_week
        )
        yield label, seconds, raw, stall
    workspace.close()
    del app


BUSIEST_SERIES = """
SELECT s.event_id, count(*) FROM assignments a JOIN shifts s ON s.id = a.shift_id
JOIN events e ON e.id = s.event_id
WHERE e.rrule IS NOT NULL AND e.status != 'cancelled'
GROUP BY s.event_id ORDER BY count(*) DESC, s.event_id LIMIT 1
"""


def measure_undo(
    path: Path, ini: str, probe_type: Callable[[], Any], repeat: int
) -> Iterator[tuple[str, float, float]]:
    """Yield (label, seconds, longest GUI stall) for undoing and redoing a calendar drag of
    the busiest series, on a copy of ``path`` (the bench's file is left as it was).

    Seconds run from the key press to the change being announced, when the views re-read.
    """
    import tempfile

    from organizer.app import Workspace
    from organizer.storage import open_database
    from organizer.ui.calendar.moves import MoveScope

    copy = Path(tempfile.mkdtemp()) / path.name
    with sqlite3.connect(path) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    with sqlite3.connect(copy) as conn:
        event_id, bookings = conn.execute(BUSIEST_SERIES).fetchone()

    app = QApplication.instance() or QApplication([])
    workspace = Workspace(QSettings(ini, QSettings.Format.IniFormat))
    window = workspace.show_database(open_database(copy))
    window.resize(1280, 800)
    pump_until_idle(workspace)
    context = workspace.context
    assert context is not None
    window.show_page("calendar")
    calendar = cast("CalendarPage", window.page("calendar"))
    calendar.go(1)  # next month: all of it still ahead, none of it worked yet
    pump_until_idle(workspace)
    data = calendar.model.data_set
    assert data is not None
    item = next(
        item for day in sorted(data.by_day) for item in data.by_day[day]
        if item.event_id == event_id
    )  # fmt: skip
    calendar.move_occurrence(item, timedelta(days=1), MoveScope.SERIES)
    pump_until_idle(workspace)
    stack = context.undo_stack
    assert stack.count() == 1, "the move was made"
    probe = probe_type()

    def until_announced(step: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            loop = QEventLoop()
            announced: list[object] = []
            context.hub.changed.connect(announced.append)
            context.hub.changed.connect(loop.quit)
            step()
            if not announced:  # an undo run on the GUI thread has announced already
                loop.exec()
            context.hub.changed.disconnect(loop.quit)
            context.hub.changed.disconnect(announced.append)
            QCoreApplication.processEvents()

        return run

    for label in ("undo", "redo"):
        step, back = (stack.undo, stack.redo) if label == "undo" else (stack.redo, stack.undo)
        times, stalls = [], []
        for _ in range(repeat):
            if label == "redo":
                back()
                pump_until_idle(workspace)
            started = time.perf_counter()
            stalls.append(probe.measure(until_announced(step)))
            times.append(time.perf_counter() - started)
            pump_until_idle(workspace)
            if label == "undo":
                back()
                pump_until_idle(workspace)
        name = f"Calendar: {label} moving a series ({bookings} bookings)"
        yield name, statistics.median(times), max(stalls)
    workspace.close()
    del app
