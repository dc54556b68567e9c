"""Plain English words for clock times, weekdays and lists, as the core's messages use them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def clock_text(moment: time | datetime) -> str:
    """Hours and minutes on a 24-hour clock ("18:30"), as ``%H:%M`` writes them.

    Without ``strftime``: it imports ``time`` on every call, and under Qt's import hook
    each import costs microseconds, which thousands of clash messages add up.
    """
    return f"{moment.hour:02d}:{moment.minute:02d}"


def end_text(end: time) -> str:
    """Where a window of the day ends: "24:00" for the end of the day, else its clock time."""
    return "24:00" if end == time.max else clock_text(end)


def join_words(items: Sequence[str]) -> str:
    """``items`` as a sentence lists them: "a", "a and b", "a, b and c"."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
