"""Plain English words for clock times, weekdays and lists, as the core's messages use them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, time

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_NAMED = re.compile(r"%(-d|[aAbB])")


def english_date(moment: date, pattern: str) -> str:
    """``moment`` written by a ``strftime`` ``pattern``, with English day and month names.

    ``strftime`` names days and months in the C library's locale, which Qt sets from the
    computer's, so an English sentence could carry another language's month.  ``%-d`` (the
    day without a leading zero) is written here too: Windows' ``strftime`` has no such code.
    """

    def named(match: re.Match[str]) -> str:
        code = match.group(1)
        if code == "-d":
            return str(moment.day)
        if code in "aA":
            day = WEEKDAYS[moment.weekday()]
            return day if code == "A" else day[:3]
        month = MONTHS[moment.month - 1]
        return month if code == "B" else month[:3]

    return moment.strftime(_NAMED.sub(named, pattern))


def day_text(day: date) -> str:
    """A date as messages write it: "7 Dec 2026"."""
    return english_date(day, "%-d %b %Y")


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
