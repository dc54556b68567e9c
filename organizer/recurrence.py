"""Recurrence rules: validation, normalisation and expansion, following wall-clock time.

A weekly circle at 18:00 in Europe/London stays at 18:00 local time across the clock change,
so its UTC instant moves.  Rules are expanded in the event's own zone for that reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrule, rrulestr

from organizer.errors import ValidationError
from organizer.timezones import is_known_zone
from organizer.wording import english_date, join_words

ALLOWED_FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
MAX_RULE_LENGTH = 500


def zone(name: str, field: str = "timezone") -> ZoneInfo:
    """The IANA zone called ``name``, or a ValidationError naming ``field``."""
    if not is_known_zone(name):
        raise ValidationError.single(field, f"“{name}” is not a known time zone.")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValidationError.single(field, f"“{name}” is not a known time zone.") from error


def _split(rule: str) -> list[tuple[str, str]]:
    body = rule.strip()
    if body.upper().startswith("RRULE:"):
        body = body[6:]
    parts: list[tuple[str, str]] = []
    for piece in body.split(";"):
        if not piece:
            continue
        if "=" not in piece:
            raise ValidationError.single("recurrence", f"“{piece}” is not NAME=VALUE.")
        key, value = piece.split("=", 1)
        parts.append((key.strip().upper(), value.strip().upper()))
    return parts


def normalise_rule(rule: str, starts_at: datetime, tz_name: str) -> str:
    """Check a rule against its first start and return it in stored form.

    The stored form has no ``RRULE:`` prefix and an ``UNTIL`` in UTC (RFC 5545 requires UTC
    when the start carries a zone); a date-only ``UNTIL`` means "until the end of that day"
    in the event's zone.

    Raises:
        ValidationError: on field ``recurrence`` when the rule cannot be used.
    """
    tz = zone(tz_name)
    if len(rule) > MAX_RULE_LENGTH:
        raise ValidationError.single("recurrence", "The repeat rule is too long.")
    parts = _split(rule)
    keys = [k for k, _ in parts]
    if len(set(keys)) != len(keys):
        raise ValidationError.single("recurrence", "The repeat rule names a part twice.")
    values = dict(parts)
    freq = values.get("FREQ")
    if freq not in ALLOWED_FREQUENCIES:
        raise ValidationError.single(
            "recurrence", "Events can repeat daily, weekly, monthly or yearly."
        )
    if "COUNT" in values and "UNTIL" in values:
        raise ValidationError.single(
            "recurrence", "Give either a number of times or an end date, not both."
        )
    if "UNTIL" in values:
        values["UNTIL"] = _until_in_utc(values["UNTIL"], tz)
    if "COUNT" in values and (not values["COUNT"].isdigit() or int(values["COUNT"]) < 1):
        raise ValidationError.single("recurrence", "The number of times must be at least 1.")
    if "INTERVAL" in values and (not values["INTERVAL"].isdigit() or int(values["INTERVAL"]) < 1):
        raise ValidationError.single("recurrence", "The interval must be at least 1.")
    text = ";".join(f"{k}={values[k]}" for k, _ in parts)
    try:
        parsed = _parse(text, starts_at.astimezone(tz))
        first = next(iter(parsed), None)
    except (ValueError, TypeError, OverflowError) as error:
        raise ValidationError.single(
            "recurrence", f"The repeat rule is not valid: {error}."
        ) from error
    if first is None:
        raise ValidationError.single("recurrence", "The repeat rule never happens.")
    return text


def _until_in_utc(value: str, tz: ZoneInfo) -> str:
    try:
        if len(value) == 8:
            day = datetime.strptime(value, "%Y%m%d").date()
            local = datetime.combine(day, time(23, 59, 59), tzinfo=tz)
            return local.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        if value.endswith("Z"):
            datetime.strptime(value, "%Y%m%dT%H%M%SZ")
            return value
        local = datetime.strptime(value, "%Y%m%dT%H%M%S").replace(tzinfo=tz)
        return local.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    except ValueError as error:
        raise ValidationError.single("recurrence", f"“{value}” is not a valid end date.") from error


def _parse(rule: str, local_start: datetime) -> rrule:
    parsed = rrulestr(rule, dtstart=local_start)
    assert isinstance(parsed, rrule)
    return parsed


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One occurrence of an event: its id within the series and its actual times."""

    recurrence_id: datetime
    starts_at: datetime
    ends_at: datetime


def expand(
    rule: str | None,
    starts_at: datetime,
    ends_at: datetime,
    tz_name: str,
    window_start: datetime,
    window_end: datetime,
    exdates: Iterable[datetime] = (),
    *,
    resume_from: datetime | None = None,
) -> Iterator[Occurrence]:
    """Occurrences overlapping ``[window_start, window_end)``, in order.

    ``recurrence_id`` is the rule's start instant for that occurrence.  Starts keep their
    wall-clock time, so an evening session stays at 18:00 across a clock change.  Each
    occurrence lasts the exact duration of the first (RFC 5545, 3.8.5.3, which is what
    other calendars do with our files), except that whole days stay whole days.

    ``resume_from``, an instant the rule is known to produce before the window, lets the
    rule be walked from there instead of from the first occurrence (see
    :func:`can_resume`); the occurrences are the same, found sooner.
    """
    if not rule:
        if starts_at < window_end and ends_at > window_start:
            yield Occurrence(starts_at, starts_at, ends_at)
        return
    tz = ZoneInfo(tz_name)
    local_start = starts_at.astimezone(tz)
    end_of = _ending(local_start, ends_at, tz)
    exact = _exact_length(local_start, ends_at, tz)
    excluded = {d.astimezone(UTC) for d in exdates}
    # Look back by the longest possible duration so occurrences running into the window count.
    longest = max(ends_at - starts_at, end_of(local_start) - local_start)
    search_from = (window_start - longest - timedelta(hours=2)).astimezone(tz)
    walk_from = local_start
    if (
        resume_from is not None
        and resume_from.astimezone(tz) <= search_from
        and can_resume(rule, starts_at, resume_from, tz_name)
    ):
        walk_from = resume_from.astimezone(tz)
    for local in walk(rule, skip_ahead(rule, walk_from, search_from), search_from):
        occurrence_start = local.astimezone(UTC)
        if occurrence_start >= window_end:
            break
        occurrence_end = occurrence_start + exact if exact is not None else end_of(local)
        if occurrence_end <= window_start or occurrence_start in excluded:
            continue
        yield Occurrence(occurrence_start, occurrence_start, occurrence_end)


_WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True, slots=True)
class Periodic:
    """A rule that repeats every fixed number of wall-clock days (see :func:`periodic`)."""

    period: timedelta
    weekly: bool
    weekdays: frozenset[int] | None
    week_start: int
    until: datetime | None


@lru_cache(maxsize=1024)
def periodic(rule: str) -> Periodic | None:
    """``rule`` as a :class:`Periodic`, when it is one; else ``None``.

    A daily rule with only an interval (and perhaps an end), or a weekly one that also
    names plain weekdays, repeats itself exactly every ``INTERVAL`` days or weeks.  A
    COUNT, months, positions or hours give ``None``.
    """
    try:
        values = dict(_split(rule))
    except ValidationError:
        return None
    interval = values.get("INTERVAL", "1")
    if not interval.isdigit() or int(interval) < 1:
        return None
    until = None
    if "UNTIL" in values:
        try:
            until = datetime.strptime(values["UNTIL"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        except ValueError:
            return None
    freq = values.get("FREQ")
    if freq == "DAILY" and set(values) <= {"FREQ", "INTERVAL", "UNTIL"}:
        return Periodic(timedelta(days=int(interval)), False, None, 0, until)
    if freq != "WEEKLY" or not set(values) <= {"FREQ", "INTERVAL", "UNTIL", "BYDAY", "WKST"}:
        return None
    codes = values["BYDAY"].split(",") if "BYDAY" in values else []
    week_start = values.get("WKST", "MO")
    if not set(codes) <= set(_WEEKDAY_CODES) or week_start not in _WEEKDAY_CODES:
        return None
    weekdays = frozenset(_WEEKDAY_CODES.index(code) for code in codes) if codes else None
    return Periodic(
        timedelta(weeks=int(interval)), True, weekdays, _WEEKDAY_CODES.index(week_start), until
    )


def walk(rule: str, walk_from: datetime, search_from: datetime) -> Iterator[datetime]:
    """The local starts ``rule``, begun at ``walk_from``, gives from ``search_from`` on.

    The same as dateutil's ``rrule(dtstart=walk_from).xafter(search_from, inc=True)``;
    a :func:`periodic` rule is stepped through directly, which is several times faster.
    """
    shape = periodic(rule)
    if shape is None:
        yield from _parse(rule, walk_from).xafter(search_from, inc=True)
        return
    start = walk_from.replace(microsecond=0)
    clock = time(start.hour, start.minute, start.second, tzinfo=start.tzinfo)
    day = start.date()
    combine = datetime.combine
    if not shape.weekly:
        step = shape.period
        while True:
            local = combine(day, clock)
            if shape.until is not None and local > shape.until:
                return
            if local >= search_from:
                yield local
            day += step
    weekdays = shape.weekdays if shape.weekdays is not None else frozenset({day.weekday()})
    # The first week runs from the start to the day before the week's first day; later
    # ones are whole weeks, every INTERVAL weeks from the one after the start's week.
    week = day - timedelta(days=(day.weekday() - shape.week_start) % 7)
    offsets = [timedelta(days=n) for n in sorted((wd - shape.week_start) % 7 for wd in weekdays)]
    first = True
    while True:
        for offset in offsets:
            current = week + offset
            if first and current < day:
                continue
            local = combine(current, clock)
            if shape.until is not None and local > shape.until:
                return
            if local >= search_from:
                yield local
        week += shape.period
        first = False


def skip_ahead(rule: str, walk_from: datetime, search_from: datetime) -> datetime:
    """A later start to walk ``rule`` from that gives the same occurrences from ``search_from``.

    ``walk_from`` is where the walk would start (the series' start or an occurrence at its
    wall-clock time).  For a rule that repeats every fixed span of wall-clock days (see
    :func:`periodic`), whole spans are skipped, stopping a day short of ``search_from``
    so a clock change cannot carry the new start past it.  Otherwise ``walk_from``.
    """
    shape = periodic(rule)
    if shape is None:
        return walk_from
    period = shape.period
    tz = walk_from.tzinfo
    wall = walk_from.replace(tzinfo=None)
    spans = (search_from.astimezone(tz).replace(tzinfo=None) - wall - _DAY) // period
    if spans < 1:
        return walk_from
    return (wall + spans * period).replace(tzinfo=tz)


_DAY = timedelta(days=1)


def can_resume(rule: str, starts_at: datetime, instant: datetime, tz_name: str) -> bool:
    """Whether walking ``rule`` from ``instant``, one of its occurrences, gives the same later ones.

    A rule's periods (days, weeks, months, years and their intervals) line up from any of
    its occurrences, and what it takes from its start (weekday, day of the month, month,
    time of day) every occurrence shares.  Two things break that: a COUNT, which counts from
    the first occurrence, and an occurrence moved off its wall-clock time by a clock change.
    """
    if any(name == "COUNT" for name, _ in _split(rule)):
        return False
    tz = ZoneInfo(tz_name)
    first = starts_at.astimezone(tz).replace(tzinfo=None)
    later = instant.astimezone(tz).replace(tzinfo=None)
    return later >= first and later.time() == first.time()


def _ending(
    local_start: datetime, ends_at: datetime, tz: ZoneInfo
) -> Callable[[datetime], datetime]:
    """How to find an occurrence's end from its local start.

    Whole local days (an all-day event) stay whole days; anything else lasts the first
    occurrence's exact duration.
    """
    exact = _exact_length(local_start, ends_at, tz)
    if exact is None:
        local_end = ends_at.astimezone(tz)
        days = local_end.date() - local_start.date()
        midnight = time(0)
        return lambda local: datetime.combine(local.date() + days, midnight, tz).astimezone(UTC)
    return lambda local: local.astimezone(UTC) + exact


def _exact_length(local_start: datetime, ends_at: datetime, tz: ZoneInfo) -> timedelta | None:
    """How long every occurrence lasts, or ``None`` for whole local days (see :func:`_ending`)."""
    midnight = time(0)
    if local_start.timetz().replace(tzinfo=None) == midnight == ends_at.astimezone(tz).time():
        return None
    # In UTC: two times in one zone would subtract as wall clocks, an hour out across a
    # change of the clocks.
    return ends_at.astimezone(UTC) - local_start.astimezone(UTC)


def series_end(
    rule: str | None, starts_at: datetime, ends_at: datetime, tz_name: str
) -> datetime | None:
    """The end of the last occurrence, or ``None`` for a series without end.

    A one-off event's series end is its own end.
    """
    if not rule:
        return ends_at
    values = dict(_split(rule))
    if "COUNT" not in values and "UNTIL" not in values:
        return None
    tz = ZoneInfo(tz_name)
    local_start = starts_at.astimezone(tz)
    last: datetime | None = None
    for last in _parse(rule, local_start):  # noqa: B007 - the loop finds the last occurrence
        pass
    if last is None:
        return ends_at
    return max(_ending(local_start, ends_at, tz)(last), ends_at)


def local_midnight(day: date, tz_name: str) -> datetime:
    """Midnight at the start of ``day`` in the zone, as a UTC instant (all-day events)."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(tz_name)).astimezone(UTC)


def describe(rule: str | None, tz_name: str | None = None) -> str:
    """The rule in plain words: "Every week on Tuesday until 30 June 2027"."""
    if not rule:
        return "Does not repeat"
    values = dict(_split(rule))
    interval = int(values.get("INTERVAL", "1"))
    unit = {"DAILY": "day", "WEEKLY": "week", "MONTHLY": "month", "YEARLY": "year"}.get(
        values.get("FREQ", ""), "time"
    )
    words = f"Every {unit}" if interval == 1 else f"Every {interval} {unit}s"
    if "BYDAY" in values:
        names = {
            "MO": "Monday",
            "TU": "Tuesday",
            "WE": "Wednesday",
            "TH": "Thursday",
            "FR": "Friday",
            "SA": "Saturday",
            "SU": "Sunday",
        }
        days = []
        for token in values["BYDAY"].split(","):
            prefix, code = token[:-2], token[-2:]
            name = names.get(code, code)
            ordinal = {"1": "first", "2": "second", "3": "third", "4": "fourth", "-1": "last"}
            days.append(f"the {ordinal[prefix]} {name}" if prefix in ordinal else name)
        words += " on " + join_words(days)
        if unit == "week" and interval == 1:
            words = "Every " + join_words(days)
    if "UNTIL" in values:
        until = datetime.strptime(values["UNTIL"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        if tz_name:
            until = until.astimezone(ZoneInfo(tz_name))
        words += f" until {english_date(until, '%-d %B %Y')}"
    elif "COUNT" in values:
        count = int(values["COUNT"])
        words += ", once" if count == 1 else f", {count} times"
    return words
