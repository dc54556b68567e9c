"""English words for dates and times, whatever language the computer is set to."""

from __future__ import annotations

import locale
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from organizer.wording import clock_text, end_text, english_date, join_words

PATTERNS = ["%a %d %b %Y %H:%M", "%A %-d %B %Y", "%d %b", "%B %Y", "%-d %b %Y", "%a", "%A"]


@pytest.fixture(scope="module")
def c_dates() -> Iterator[None]:
    """The C library writing dates in its own (English) words, as in a C locale."""
    previous = locale.setlocale(locale.LC_TIME)
    locale.setlocale(locale.LC_TIME, "C")
    yield
    locale.setlocale(locale.LC_TIME, previous)


@given(st.datetimes(min_value=datetime(1900, 1, 1)), st.sampled_from(PATTERNS))
def test_dates_read_as_strftime_writes_them_in_english(
    c_dates: None, moment: datetime, pattern: str
) -> None:
    assert english_date(moment, pattern) == moment.strftime(pattern)


def test_names_and_days_do_not_depend_on_the_c_library() -> None:
    day = date(2026, 12, 7)
    assert english_date(day, "%A %-d %B %Y") == "Monday 7 December 2026"
    assert english_date(day, "%a %d %b") == "Mon 07 Dec"
    assert english_date(date(2027, 5, 1), "%a %-d %b") == "Sat 1 May"


@given(st.times())
def test_clock_times_are_hours_and_minutes(moment: time) -> None:
    assert clock_text(moment) == moment.strftime("%H:%M")


def test_end_of_day_and_lists() -> None:
    assert end_text(time.max) == "24:00"
    assert end_text(time(17, 30)) == "17:30"
    assert join_words([]) == ""
    assert join_words(["a"]) == "a"
    assert join_words(["a", "b"]) == "a and b"
    assert join_words(["a", "b", "c"]) == "a, b and c"


def test_no_code_asks_strftime_for_a_day_without_its_zero() -> None:
    """Windows' strftime has no ``%-d``: only :func:`english_date` may be given it."""
    root = Path(__file__).resolve().parent.parent / "organizer"
    found = [
        f"{path.relative_to(root)}:{number}"
        for path in root.rglob("*.py")
        if path.name != "wording.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "%-d" in line and "english_date(" not in line
    ]
    assert found == []
