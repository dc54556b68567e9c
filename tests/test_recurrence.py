"""Recurrence expansion against an independent wall-clock model, across time zones."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from organizer.errors import ValidationError
from organizer.recurrence import describe, expand, normalise_rule, series_end

ZONES = ["Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kolkata"]


def exists_locally(wall: datetime, tz: ZoneInfo) -> bool:
    """Whether a wall-clock time happens in the zone (not skipped by a clock change)."""
    return wall.replace(tzinfo=tz).astimezone(UTC).astimezone(tz).replace(tzinfo=None) == wall


@given(
    zone_name=st.sampled_from(ZONES),
    first=st.dates(min_value=date(2025, 1, 1), max_value=date(2030, 12, 31)),
    hour=st.integers(min_value=0, max_value=22),
    minutes=st.sampled_from([30, 60, 90, 120, 600]),
    count=st.integers(min_value=1, max_value=60),
    interval=st.integers(min_value=1, max_value=3),
)
def test_weekly_series_keep_their_local_time(
    zone_name: str, first: date, hour: int, minutes: int, count: int, interval: int
) -> None:
    tz = ZoneInfo(zone_name)
    start = datetime.combine(first, time(hour, 15), tzinfo=tz)
    end = start + timedelta(minutes=minutes)  # wall-clock arithmetic in the zone
    rule = normalise_rule(f"FREQ=WEEKLY;INTERVAL={interval};COUNT={count}", start, zone_name)
    found = list(
        expand(
            rule,
            start.astimezone(UTC),
            end.astimezone(UTC),
            zone_name,
            datetime(2024, 1, 1, tzinfo=UTC),
            datetime(2040, 1, 1, tzinfo=UTC),
        )
    )
    # Independent model: the same local wall time every `interval` weeks.
    expected = [
        datetime.combine(first + timedelta(weeks=interval * i), time(hour, 15), tzinfo=tz)
        for i in range(count)
    ]
    assert [o.starts_at for o in found] == [e.astimezone(UTC) for e in expected]
    for occurrence, local in zip(found, expected, strict=True):
        wall_end = local.replace(tzinfo=None) + timedelta(minutes=minutes)
        assert occurrence.ends_at > occurrence.starts_at
        if exists_locally(local.replace(tzinfo=None), tz) and exists_locally(wall_end, tz):
            local_end = occurrence.ends_at.astimezone(tz).replace(tzinfo=None)
            assert local_end == wall_end
        assert occurrence.recurrence_id == occurrence.starts_at
    assert series_end(rule, start, end, zone_name) == max(o.ends_at for o in found)


@given(
    window_start=st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 1), timezones=st.just(UTC)
    ),
    days=st.integers(min_value=1, max_value=60),
)
def test_windows_return_exactly_the_overlapping_occurrences(
    window_start: datetime, days: int
) -> None:
    tz_name = "America/New_York"
    start = datetime(2026, 1, 6, 23, 0, tzinfo=ZoneInfo(tz_name))  # runs past midnight
    end = start + timedelta(hours=3)
    rule = "FREQ=DAILY;INTERVAL=2;UNTIL=20271231T000000Z"
    window_end = window_start + timedelta(days=days)
    everything = list(
        expand(
            rule,
            start,
            end,
            tz_name,
            datetime(2025, 1, 1, tzinfo=UTC),
            datetime(2029, 1, 1, tzinfo=UTC),
        )
    )
    in_window = list(expand(rule, start, end, tz_name, window_start, window_end))
    assert in_window == [
        o for o in everything if o.starts_at < window_end and o.ends_at > window_start
    ]


def test_excluded_occurrences_are_left_out() -> None:
    tz = ZoneInfo("Europe/London")
    start = datetime(2026, 12, 1, 10, tzinfo=tz)
    rule = "FREQ=WEEKLY;COUNT=5"
    skipped = datetime(2026, 12, 22, 10, tzinfo=tz)
    found = list(
        expand(
            rule,
            start,
            start + timedelta(hours=1),
            "Europe/London",
            datetime(2026, 11, 1, tzinfo=UTC),
            datetime(2027, 2, 1, tzinfo=UTC),
            [skipped],
        )
    )
    assert [o.starts_at.day for o in found] == [1, 8, 15, 29]


def test_date_only_until_means_the_end_of_that_local_day() -> None:
    start = datetime(2026, 6, 2, 18, tzinfo=ZoneInfo("Australia/Sydney"))
    rule = normalise_rule("FREQ=WEEKLY;BYDAY=TU;UNTIL=20260630", start, "Australia/Sydney")
    assert rule == "FREQ=WEEKLY;BYDAY=TU;UNTIL=20260630T135959Z"
    assert describe(rule, "Australia/Sydney") == "Every Tuesday until 30 June 2026"


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        (None, "Does not repeat"),
        ("FREQ=DAILY", "Every day"),
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH", "Every 2 weeks on Monday and Thursday"),
        ("FREQ=MONTHLY;BYDAY=1SA;COUNT=6", "Every month on the first Saturday, 6 times"),
        ("FREQ=MONTHLY;BYDAY=-1FR", "Every month on the last Friday"),
        ("FREQ=YEARLY;COUNT=1", "Every year, once"),
    ],
)
def test_rules_in_plain_words(rule: str | None, words: str) -> None:
    assert describe(rule) == words


def test_a_rule_that_never_happens_is_refused() -> None:
    start = datetime(2026, 3, 1, 9, tzinfo=UTC)
    with pytest.raises(ValidationError, match="never happens"):
        normalise_rule("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", start, "UTC")
