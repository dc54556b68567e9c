"""The sample data generator: content, determinism, invariants and the large scale."""

from __future__ import annotations

import tempfile
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from organizer.demo import NOT_EMPTY, DemoSummary, generate_demo
from organizer.errors import DomainError
from organizer.models import (
    Assignment,
    AssignmentStatus,
    Attendance,
    Base,
    Cause,
    Event,
    EventException,
    EventStatus,
    Location,
    OccurrenceOverride,
    Qualification,
    Shift,
    Volunteer,
)
from organizer.recurrence import expand, local_midnight, normalise_rule
from organizer.storage import Database, create_database

START = date(2026, 11, 23)  # a Monday, so the data runs over Christmas
NOW = datetime.combine(START, time(12), tzinfo=UTC)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Database, DemoSummary]]:
    """One small demo shared by the read-only tests of this module."""
    db = create_database(tmp_path_factory.mktemp("demo") / "small.organizer")
    summary = generate_demo(db, seed=7, start=START)
    yield db, summary
    db.close()


def _rows(db: Database, *columns: Any) -> list[Any]:
    with db.read() as session:
        return list(session.execute(select(*columns)).all())


def _all(db: Database, model: type[Base]) -> list[Any]:
    """Every row of a model's table, as plain rows with attribute access."""
    return _rows(db, model.__table__)


def _count(db: Database, model: type[Base]) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _snapshot(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (bar the file's own metadata), in primary-key order."""
    with db.engine.connect() as conn:
        return {
            table.name: [
                tuple(row)
                for row in conn.execute(select(table).order_by(*table.primary_key.columns))
            ]
            for table in Base.metadata.sorted_tables
            if table.name != "file_info"
        }


def _pragma_problems(db: Database) -> list[Any]:
    with db.engine.connect() as conn:
        integrity = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check")]
        foreign_keys = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    return [*(i for i in integrity if i != "ok"), *foreign_keys]


def _invariant_problems(db: Database, now: datetime) -> list[str]:
    """Assignments that are not on a real, kept occurrence of their shift, and the like."""
    events = {row.id: row for row in _all(db, Event)}
    excluded: defaultdict[int, list[datetime]] = defaultdict(list)
    for event_id, start in _rows(db, EventException.event_id, EventException.occurrence_start):
        excluded[event_id].append(start)
    occurrences: dict[int, set[datetime]] = {}
    for event in events.values():
        span = (event.starts_at - timedelta(days=1), event.starts_at + timedelta(days=800))
        found = expand(
            event.rrule, event.starts_at, event.ends_at, event.timezone, *span, excluded[event.id]
        )
        occurrences[event.id] = {o.recurrence_id for o in found}
    shifts = {row.id: row for row in _all(db, Shift)}
    joined = dict(_rows(db, Volunteer.id, Volunteer.joined_on))
    problems = []
    for a in _all(db, Assignment):
        shift = shifts[a.shift_id]
        if a.occurrence_start not in occurrences[shift.event_id]:
            problems.append(f"assignment {a.id} is not on an occurrence of event {shift.event_id}")
        if shift.occurrence_start not in (None, a.occurrence_start):
            problems.append(f"assignment {a.id} is on another occurrence than its shift's")
        local_day = a.occurrence_start.astimezone(ZoneInfo(events[shift.event_id].timezone))
        if local_day.date() < joined[a.volunteer_id]:
            problems.append(f"assignment {a.id} is before its volunteer joined")
        if a.attendance is not None and a.occurrence_start >= now:
            problems.append(f"assignment {a.id} records attendance in the future")
    return problems


# --- The small demo --------------------------------------------------------------------------


def test_small_summary_matches_the_rows(small: tuple[Database, DemoSummary]) -> None:
    db, summary = small
    assert summary.causes == _count(db, Cause) == 6
    assert summary.locations == _count(db, Location)
    assert summary.qualifications == _count(db, Qualification)
    assert summary.volunteers == _count(db, Volunteer)
    assert 30 <= summary.volunteers <= 60
    assert summary.events == _count(db, Event)
    assert summary.series == sum(1 for (rule,) in _rows(db, Event.rrule) if rule)
    assert summary.shifts == _count(db, Shift)
    assert summary.assignments == _count(db, Assignment)
    assert 8 <= summary.series <= 16
    assert summary.events - summary.series >= 6
    assert summary.occurrences > summary.events
    assert 150 <= summary.assignments <= 1000


def test_every_cause_has_events(small: tuple[Database, DemoSummary]) -> None:
    db, _ = small
    causes = {cause_id for (cause_id,) in _rows(db, Cause.id)}
    assert {cause_id for (cause_id,) in _rows(db, Event.cause_id)} == causes
    colours = [colour for (colour,) in _rows(db, Cause.colour)]
    assert len(set(colours)) == len(colours)
    assert all(len(c) == 7 and c.startswith("#") for c in colours)


def test_events_cover_the_awkward_cases(small: tuple[Database, DemoSummary]) -> None:
    db, _ = small
    events = _all(db, Event)
    series = [e for e in events if e.rrule]
    assert len({e.timezone for e in series}) > 1
    assert any("INTERVAL=2" in e.rrule for e in series)
    assert any(e.rrule.startswith("FREQ=MONTHLY;BYDAY=1") for e in series)
    assert any(e.recurrence_end is None for e in series)
    overnight = [
        e
        for e in events
        if not e.all_day
        and e.ends_at.astimezone(ZoneInfo(e.timezone)).date()
        > e.starts_at.astimezone(ZoneInfo(e.timezone)).date()
    ]
    assert overnight
    all_day = [e for e in events if e.all_day]
    assert all_day
    for event in all_day:
        day = event.starts_at.astimezone(ZoneInfo(event.timezone)).date()
        assert event.starts_at == local_midnight(day, event.timezone)
        assert event.ends_at > event.starts_at
        assert event.ends_at.astimezone(ZoneInfo(event.timezone)).time() == time(0)
    statuses = {e.status for e in events}
    assert {EventStatus.DRAFT, EventStatus.CANCELLED, EventStatus.SCHEDULED} <= statuses
    assert _count(db, EventException) > 0
    assert _count(db, OccurrenceOverride) > 0
    assert len({uid for (uid,) in _rows(db, Event.uid)}) == len(events)
    assert all(e.created_by == "sample data" and e.version == 1 for e in events)


def test_shifts_have_roles_qualifications_and_own_times(
    small: tuple[Database, DemoSummary],
) -> None:
    db, _ = small
    shifts = _all(db, Shift)
    per_event: defaultdict[int, int] = defaultdict(int)
    for shift in shifts:
        if shift.occurrence_start is None:
            per_event[shift.event_id] += 1
        assert 1 <= shift.needed <= 3
    assert set(per_event.values()) <= {1, 2, 3}
    assert len(per_event) == _count(db, Event)
    facilitators = [s for s in shifts if s.role == "Facilitator"]
    assert facilitators and all(s.qualification_id is not None for s in facilitators)
    events = {e.id: e for e in _all(db, Event)}
    timed = [s for s in shifts if s.end_offset_min is not None]
    assert timed
    for shift in timed:
        event = events[shift.event_id]
        assert 0 <= shift.start_offset_min < shift.end_offset_min
        assert timedelta(minutes=shift.end_offset_min) <= event.ends_at - event.starts_at
    assert any(s.occurrence_start is not None for s in shifts)


def test_rosters_have_attendance_in_the_past_and_gaps(
    small: tuple[Database, DemoSummary],
) -> None:
    db, _ = small
    assignments = _all(db, Assignment)
    statuses = {a.status for a in assignments}
    assert AssignmentStatus.ACCEPTED in statuses
    assert len(statuses) >= 4
    past = [a for a in assignments if a.occurrence_start < NOW - timedelta(days=3)]
    accepted_past = [a for a in past if a.status is AssignmentStatus.ACCEPTED]
    assert accepted_past and all(a.attendance is not None for a in accepted_past)
    assert all(a.hours is not None for a in accepted_past if a.attendance is Attendance.ATTENDED)
    assert all(a.attendance is None for a in assignments if a.occurrence_start > NOW)

    holding: defaultdict[tuple[int, datetime], int] = defaultdict(int)
    for a in assignments:
        if a.status.holds_place:
            holding[a.shift_id, a.occurrence_start] += 1
    needed = dict(_rows(db, Shift.id, Shift.needed))
    full = sum(1 for (shift_id, _), n in holding.items() if n >= needed[shift_id])
    short = sum(1 for (shift_id, _), n in holding.items() if n < needed[shift_id])
    assert full > short > 0


def test_volunteers_look_like_real_sign_ups(small: tuple[Database, DemoSummary]) -> None:
    db, _ = small
    people = _all(db, Volunteer)
    names = {p.name for p in people}
    assert {"Jon Smith", "John Smith"} <= names
    assert "KeithMof" in names
    bots = [p for p in people if p.name in {"KeithMof", "Montanawvf"}]
    assert all(p.email is None and p.phone is None for p in bots)
    assert all(p.email.split("@")[1] in {"example.org", "example.net"} for p in people if p.email)
    assert sum(p.phone is not None for p in people) > len(people) / 2
    assert sum(p.timezone == "Europe/London" for p in people) > len(people) / 2
    assert any(p.pronouns for p in people)
    assert any(p.emergency_contact_name for p in people)
    assert any(p.max_hours_per_week or p.max_hours_per_month for p in people)
    newcomers = [p for p in people if p.joined_on >= START - timedelta(days=14)]
    assert newcomers
    assert min(p.joined_on for p in people) < START - timedelta(days=365)
    assert all(p.joined_on <= START for p in people)


def test_stored_rules_are_in_normal_form(small: tuple[Database, DemoSummary]) -> None:
    db, _ = small
    for rule, starts_at, tz in _rows(db, Event.rrule, Event.starts_at, Event.timezone):
        if rule:
            assert normalise_rule(rule, starts_at, tz) == rule


def test_database_checks_are_clean(small: tuple[Database, DemoSummary]) -> None:
    db, _ = small
    assert _pragma_problems(db) == []
    assert _invariant_problems(db, NOW) == []


# --- Behaviour -------------------------------------------------------------------------------


def test_same_seed_gives_identical_rows(tmp_path: Path) -> None:
    snapshots = []
    for name in ("a", "b", "c"):
        db = create_database(tmp_path / f"{name}.organizer")
        generate_demo(db, seed=3 if name != "c" else 4, start=START)
        snapshots.append(_snapshot(db))
        db.close()
    first, again, other = snapshots
    assert first == again
    assert first["volunteers"] != other["volunteers"]
    assert first["events"] != other["events"]


def test_refuses_a_database_with_data(db: Database) -> None:
    generate_demo(db, start=START)
    before = _snapshot(db)
    with pytest.raises(DomainError) as raised:
        generate_demo(db, start=START, seed=2)
    assert str(raised.value) == NOT_EMPTY
    assert _snapshot(db) == before


def test_reports_progress_up_to_done(db: Database) -> None:
    seen: list[tuple[str, float]] = []
    generate_demo(db, start=START, progress=lambda stage, done: seen.append((stage, done)))
    fractions = [done for _, done in seen]
    assert len(seen) >= 4
    assert fractions == sorted(fractions)
    assert fractions[-1] == 1.0
    assert all(stage for stage, _ in seen)


def test_defaults_to_this_week(db: Database) -> None:
    generate_demo(db)
    today = date.today()
    joined = [day for (day,) in _rows(db, Volunteer.joined_on)]
    assert max(joined) <= today
    assert max(joined) >= today - timedelta(days=13)


@settings(max_examples=6)
@given(
    seed=st.integers(min_value=0, max_value=10_000),
    start=st.dates(min_value=date(2024, 1, 1), max_value=date(2031, 12, 31)),
)
def test_small_demo_invariants_hold_for_any_seed(seed: int, start: date) -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = create_database(Path(folder) / "demo.organizer")
        try:
            summary = generate_demo(db, seed=seed, start=start)
            assert summary.assignments > 0
            assert _invariant_problems(db, datetime.combine(start, time(12), tzinfo=UTC)) == []
            assert _pragma_problems(db) == []
        finally:
            db.close()


@pytest.mark.slow
def test_large_scale_meets_its_minimums(db: Database) -> None:
    summary = generate_demo(db, scale="large", seed=1, start=START)
    assert summary.occurrences >= 20_000
    assert summary.volunteers == _count(db, Volunteer) >= 5_000
    assert summary.assignments == _count(db, Assignment) >= 100_000
    assert _count(db, Cause) > 6
