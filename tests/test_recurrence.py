"""Recurrence expansion against an independent wall-clock model, across time zones."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from organizer.errors import ValidationError
from organizer.recurrence import describe, expand, normalise_rule, series_end

ZONES = ["Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kolkata"]


@given(
    zone_name=st.sampled_from(ZONES),
    first=st.dates(min_value=date(2025, 1, 1), max_value=date(2030, 12, 31)),
    hour=st.integers(min_value=0, max_value=22),
    minutes=st.sampled_from([30, 60, 90, 120, 600]),
    count=st.integers(min_value=1, max_value=60),
    interval=st.integers(min_value=1, max_value=3),
)
# Ten hours from 00:15 on the night New York's clocks go forward last nine.
@example(
    zone_name="America/New_York", first=date(2028, 3, 12), hour=0, minutes=600, count=1, interval=1
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
    exact = end.astimezone(UTC) - start.astimezone(UTC)
    for occurrence in found:
        # RFC 5545 3.8.5.3: every occurrence lasts the first one's exact duration.
        assert occurrence.ends_at - occurrence.starts_at == exact
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


@given(
    zone_name=st.sampled_from(ZONES),
    first=st.dates(min_value=date(2025, 1, 1), max_value=date(2030, 12, 31)),
    days=st.integers(min_value=1, max_value=3),
)
def test_all_day_series_stay_whole_days(zone_name: str, first: date, days: int) -> None:
    tz = ZoneInfo(zone_name)
    start = datetime.combine(first, time(0), tzinfo=tz)
    end = datetime.combine(first + timedelta(days=days), time(0), tzinfo=tz)
    found = list(
        expand(
            "FREQ=WEEKLY;COUNT=30",
            start.astimezone(UTC),
            end.astimezone(UTC),
            zone_name,
            datetime(2024, 1, 1, tzinfo=UTC),
            datetime(2033, 1, 1, tzinfo=UTC),
        )
    )
    assert len(found) == 30
    for occurrence in found:
        local_start = occurrence.starts_at.astimezone(tz)
        local_end = occurrence.ends_at.astimezone(tz)
        assert local_start.time() == local_end.time() == time(0)
        assert (local_end.date() - local_start.date()).days == days


def test_an_overnight_shift_keeps_its_length_over_the_clock_change() -> None:
    london = ZoneInfo("Europe/London")
    start = datetime(2026, 10, 17, 22, 0, tzinfo=london)  # two Saturdays before the change
    found = list(
        expand(
            "FREQ=WEEKLY;COUNT=3",
            start,
            start + timedelta(hours=8),
            "Europe/London",
            datetime(2026, 10, 1, tzinfo=UTC),
            datetime(2026, 11, 30, tzinfo=UTC),
        )
    )
    assert [o.starts_at.astimezone(london).strftime("%d %H:%M") for o in found] == [
        "17 22:00",
        "24 22:00",
        "31 22:00",
    ]
    assert all(o.ends_at - o.starts_at == timedelta(hours=8) for o in found)
    # The night the clocks go back ends at 05:00 by the clock, after eight real hours.
    assert found[1].ends_at.astimezone(london).strftime("%d %H:%M") == "25 05:00"


RESUMABLE_RULES = [
    "FREQ=DAILY;INTERVAL={interval}",
    "FREQ=WEEKLY;INTERVAL={interval}",
    "FREQ=WEEKLY;INTERVAL={interval};BYDAY=TU,TH,SA",
    "FREQ=WEEKLY;INTERVAL={interval};BYDAY=MO,WE,FR;BYSETPOS=-1",
    "FREQ=MONTHLY;INTERVAL={interval}",
    "FREQ=MONTHLY;INTERVAL={interval};BYDAY=2TU",
    "FREQ=MONTHLY;INTERVAL={interval};BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
    "FREQ=MONTHLY;INTERVAL={interval};BYMONTHDAY=31",
    "FREQ=YEARLY;INTERVAL={interval}",
    "FREQ=YEARLY;INTERVAL={interval};BYMONTH=3,10;BYDAY=-1SU",
    "FREQ=DAILY;INTERVAL={interval};BYHOUR=9,18",
    "FREQ=WEEKLY;INTERVAL={interval};COUNT=40",
]


@given(
    zone_name=st.sampled_from([*ZONES, "America/Sao_Paulo", "Pacific/Chatham"]),
    first=st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2027, 12, 31)),
    template=st.sampled_from(RESUMABLE_RULES),
    interval=st.integers(min_value=1, max_value=4),
    pick=st.integers(min_value=0, max_value=60),
    window_days=st.integers(min_value=1, max_value=120),
    after=st.integers(min_value=0, max_value=400),
)
def test_walking_on_from_a_known_occurrence_finds_the_same_occurrences(
    zone_name: str,
    first: datetime,
    template: str,
    interval: int,
    pick: int,
    window_days: int,
    after: int,
) -> None:
    """Resuming a rule from one of its occurrences (as paging past the horizon does) changes
    nothing, whatever the rule, the zone and its clock changes."""
    tz = ZoneInfo(zone_name)
    start = first.replace(second=0, microsecond=0, tzinfo=tz).astimezone(UTC)
    end = start + timedelta(minutes=90)
    rule = template.format(interval=interval)
    everything = list(expand(rule, start, end, zone_name, start, start + timedelta(days=3 * 366)))
    if not everything:
        return
    known = everything[min(pick, len(everything) - 1)].recurrence_id
    window_start = known + timedelta(days=after)
    window_end = window_start + timedelta(days=window_days)
    plain = list(expand(rule, start, end, zone_name, window_start, window_end))
    resumed = list(expand(rule, start, end, zone_name, window_start, window_end, resume_from=known))
    assert resumed == plain


def test_an_occurrence_shifted_by_a_clock_change_is_not_walked_on_from() -> None:
    """02:30 does not exist in New York on 8 March 2026: that occurrence lands at 03:30, and
    walking on from it would move every later one to 03:30 too."""
    new_york = ZoneInfo("America/New_York")
    start = datetime(2026, 3, 1, 2, 30, tzinfo=new_york).astimezone(UTC)
    end = start + timedelta(hours=1)
    rule = "FREQ=DAILY"
    gap_day = next(
        o.recurrence_id
        for o in expand(rule, start, end, "America/New_York", start, start + timedelta(days=30))
        if o.recurrence_id.astimezone(new_york).date() == date(2026, 3, 8)
    )
    assert gap_day.astimezone(new_york).hour == 3
    window = (datetime(2026, 4, 10, 12, tzinfo=UTC), datetime(2026, 4, 20, 12, tzinfo=UTC))
    resumed = list(expand(rule, start, end, "America/New_York", *window, resume_from=gap_day))
    assert [o.starts_at.astimezone(new_york).time() for o in resumed] == [time(2, 30)] * 10
