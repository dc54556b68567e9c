"""How the desktop app feels with the large demo set: start-up, view loads and GUI stalls.

Usage: python benchmarks/bench_gui.py [--db FILE] [--repeat N]

- Start-up: a fresh process that opens the file and paints the main window, beside a bare
  PySide6 window started the same way, in turns, with compiled modules kept as an installed
  copy keeps them (target: at most 3x).
- View loads: from asking a view to load to its data being on screen, beside raw sqlite3
  fetching the same rows (target: at most 2x).
- Stalls: the longest time the GUI thread did not answer a 5 ms timer during each
  interaction (target: nothing over 100 ms).
- Undo and redo of a calendar drag of the busiest series, on a copy of the file: the time
  until the change is made, and the longest stall meanwhile.

Runs offscreen; without --db it builds the large demo set (seed 1) in a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

BARE = """
import time
from PySide6.QtWidgets import QApplication, QMainWindow, QLabel
app = QApplication([])
window = QMainWindow()
window.setCentralWidget(QLabel("Hello"))
window.resize(1280, 800)
window.show()
app.processEvents()
window.grab()
print(time.time(), time.time())
"""

OURS = """
import sys, time
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from organizer.app import Workspace
app = QApplication([])
settings = QSettings(sys.argv[2], QSettings.Format.IniFormat)
workspace = Workspace(settings)
# The same steps as Workspace.open_first: the window first, then the file and the data layer.
window = workspace.show_opening(sys.argv[1])
window.resize(1280, 800)
app.processEvents()
window.grab()
painted = time.time()
# The longest the GUI thread then leaves a 5 ms timer waiting, until Home has its data.
from PySide6.QtCore import QEventLoop, QTimer
ticks = [time.perf_counter()]
probe = QTimer()
probe.setInterval(5)
probe.timeout.connect(lambda: ticks.append(time.perf_counter()))
probe.start()
assert workspace.finish_opening(sys.argv[1])
home = window.page("home").home
while home.loading:
    loop = QEventLoop()
    QTimer.singleShot(1, loop.quit)
    loop.exec()
app.processEvents()  # the window paints what it now has
probe.stop()
ticks.append(time.perf_counter())
stall = max(later - earlier for earlier, later in zip(ticks, ticks[1:]))
# For the time, everything is drawn once more; the probe has stopped: the app never draws
# its whole window a second time like this, so it is no pause a person would meet.
window.grab()
print(painted, time.time(), stall)
workspace.close()
"""


def start_once(code: str, *args: str) -> tuple[float, float, float]:
    """Seconds from starting a fresh process to the two moments it prints, and the longest
    stall it prints after them (0 if none).

    The child prints wall-clock timestamps, so interpreter start-up counts and its exit
    (closing files, tearing Qt down) does not.  It keeps compiled modules as a person's
    Python does: with ``PYTHONDONTWRITEBYTECODE`` set (as on some build machines), every
    start would compile the app's modules anew, which no one's installed copy does.
    """
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    started = time.time()
    done = subprocess.run(
        [sys.executable, "-c", code, *args], check=True, capture_output=True, text=True, env=env
    )
    first, second, *stall = (float(value) for value in done.stdout.splitlines()[-1].split())
    return first - started, second - started, stall[0] if stall else 0.0


def start_seconds(path: str, ini: str, repeat: int) -> tuple[float, tuple[float, float, float]]:
    """Median start-up seconds of the bare window, and of ours (painted, Home's data on
    screen, the longest stall of any start).

    The two are started in turns, after one start each that is not counted (it compiles
    what a fresh copy has not yet), so the machine's drift weighs on both alike.
    """
    start_once(BARE)
    start_once(OURS, path, ini)
    bare, ours = [], []
    for _ in range(repeat):
        bare.append(start_once(BARE)[0])
        ours.append(start_once(OURS, path, ini))
    return statistics.median(bare), (
        statistics.median(m[0] for m in ours),
        statistics.median(m[1] for m in ours),
        max(m[2] for m in ours),
    )


class StallProbe:
    """Measures the longest gap between ticks of a 5 ms timer on the GUI thread."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.timer = QTimer()
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._tick)
        self.longest = 0.0
        self.last = 0.0

    def _tick(self) -> None:
        now = time.perf_counter()
        self.longest = max(self.longest, now - self.last)
        self.last = now

    def measure(self, interaction: Callable[[], None]) -> float:
        """Run ``interaction`` (which must pump the event loop) and return the longest stall."""
        self.longest = 0.0
        self.last = time.perf_counter()
        self.timer.start()
        interaction()
        self.timer.stop()
        # The stretch since the last tick counts too (a quick interaction may see none).
        return max(self.longest, time.perf_counter() - self.last)


def report(label: str, ours: float, limit: float) -> None:
    print(f"{label:<46}{ours * 1000:>9.1f}ms{limit * 1000:>9.1f}ms{ours / limit:>7.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    path: Path = args.db
    folder = Path(tempfile.mkdtemp())
    if path is None:
        from organizer.demo import generate_demo
        from organizer.storage import create_database

        path = folder / "large.organizer"
        db = create_database(path)
        generate_demo(db, scale="large", seed=1)
        db.close()
    ini = str(folder / "bench.ini")
    bare, (painted, settled, stall) = start_seconds(str(path), ini, args.repeat)
    print(f"{'measure':<46}{'ours':>11}{'limit':>11}{'ratio':>7}")
    report("start-up to a painted main window", painted, bare)
    report("start-up until Home's data is on screen", settled, bare)
    print(f"{'  longest GUI stall meanwhile':<46}{stall * 1000:>9.1f}ms{100:>9.1f}ms")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from benchmarks.gui_interactions import measure_undo, measure_views

    for label, seconds, limit, stall in measure_views(path, ini, StallProbe, args.repeat):
        report(label, seconds, limit)
        print(f"{'  longest GUI stall meanwhile':<46}{stall * 1000:>9.1f}ms{100:>9.1f}ms")
    # Undo has no raw read to compare with: its time is reported, its stall held to 100 ms.
    for label, seconds, stall in measure_undo(path, ini, StallProbe, args.repeat):
        print(f"{label:<46}{seconds * 1000:>9.1f}ms")
        print(f"{'  longest GUI stall meanwhile':<46}{stall * 1000:>9.1f}ms{100:>9.1f}ms")


if __name__ == "__main__":
    main()
