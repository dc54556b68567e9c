"""Attendance recording and reports, without a GUI, against a hand-counted world."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from organizer.cli import main
from organizer.errors import ConflictError, ValidationError
from organizer.models import Attendance
from organizer.reports.attendance import (
    AttendanceEdit,
    AttendanceService,
    AttendanceValues,
    attended_as_scheduled,
    values_for,
)
from organizer.reports.hours import Period, ReportKind, ReportService
from organizer.reports.letters import hours_letter, set_organisation_name
from organizer.reports.tables import Column, ColumnKind, Table, csv_rows, neutralise, write_csv
from organizer.services import VolunteerDraft
from organizer.services.settings import OrganisationSettings
from organizer.storage import Database
from tests.reports_helpers import LONDON, World, at, build_world

NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30))


@pytest.fixture
def world(db: Database) -> World:
    return build_world(db)


@pytest.fixture
def reports(db: Database) -> ReportService:
    return ReportService(db, "Tester", zone=LONDON)


@pytest.fixture
def attendance(db: Database) -> AttendanceService:
    return AttendanceService(db, "Tester")


# Hours, no-shows, coverage ------------------------------------------------------------------


def test_hours_by_volunteer_add_up_to_the_hand_count(world: World, reports: ReportService) -> None:
    rows = {r.name: (r.attended, r.hours, r.no_shows, r.excused) for r in
            reports.hours_by_volunteer(NOVEMBER)}  # fmt: skip
    assert rows == {
        "Ann Archer": (2, 5.0, 0, 0),
        "Ben Baker": (1, 1.5, 1, 0),
        "Cat Cole": (1, 1.0, 0, 1),
    }
    table = reports.table(ReportKind.HOURS_BY_VOLUNTEER, NOVEMBER)
    assert [row[0] for row in table.rows] == ["Ann Archer", "Ben Baker", "Cat Cole"]
    assert table.totals == ("Total", 4, 7.5)


def test_hours_by_cause_and_cause_filter(world: World, reports: ReportService) -> None:
    rows = {c.cause: (c.volunteers, c.attended, c.hours) for c in reports.hours_by_cause(NOVEMBER)}
    assert rows == {"Garden": (2, 2, 4.0), "Kitchen": (2, 2, 3.5)}
    only = reports.hours_by_volunteer(NOVEMBER, cause_ids=[world.kitchen_cause])
    assert {r.name: r.hours for r in only} == {"Ann Archer": 2.0, "Ben Baker": 1.5, "Cat Cole": 0}


def test_hours_by_week_and_month_use_local_weeks(world: World, reports: ReportService) -> None:
    weeks = reports.hours_by_period(NOVEMBER, "week")
    assert [(w.first_day, w.attended, w.hours, w.no_shows) for w in weeks] == [
        (date(2026, 11, 2), 3, 6.0, 1),
        (date(2026, 11, 9), 1, 1.5, 0),
    ]
    months = reports.hours_by_period(NOVEMBER, "month")
    assert [(m.label, m.hours) for m in months] == [("November 2026", 7.5)]
    first_week = Period(date(2026, 11, 1), date(2026, 11, 8))
    assert reports.table(ReportKind.HOURS_BY_WEEK, first_week).totals == ("Total", 3, 6.0, 1)


def test_no_show_rate_counts_every_recorded_assignment(
    world: World, reports: ReportService
) -> None:
    table = reports.table(ReportKind.NO_SHOWS, NOVEMBER)
    assert table.rows[0] == ("Ben Baker", 2, 1, 1, 0, 50.0)
    assert table.totals is not None
    assert table.totals[:5] == ("Total", 6, 4, 1, 1)
    assert table.totals[5] == pytest.approx(100 / 6)


def test_coverage_is_places_filled_per_cause_and_week(world: World, reports: ReportService) -> None:
    weeks = [(c.week, c.cause, c.needed, c.filled, c.percent) for c in reports.coverage(NOVEMBER)]
    assert weeks == [
        (date(2026, 11, 2), "Garden", 3, 3, 100.0),
        (date(2026, 11, 2), "Kitchen", 2, 2, 100.0),
        (date(2026, 11, 9), "Kitchen", 2, 1, 50.0),
    ]
    table = reports.table(ReportKind.COVERAGE, NOVEMBER, [world.kitchen_cause])
    assert table.totals == ("Total", None, 4, 3, 75.0)


def test_a_period_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(ValidationError, match="must end on or after"):
        Period(date(2026, 11, 2), date(2026, 11, 1))


# Attendance ---------------------------------------------------------------------------------


def test_everyone_attended_as_scheduled_takes_hours_from_shift_times(
    db: Database, attendance: AttendanceService, reports: ReportService
) -> None:
    world = build_world(db, record=False)
    sheet = attendance.sheet(world.garden, at(2, 10))
    assert sheet.title == "Garden day"
    assert sheet.place == "Church hall"
    assert [(s.role, [p.name for p in s.people]) for s in sheet.shifts] == [
        ("Digger", ["Ann Archer", "Ben Baker"]),
        ("Tea", ["Cat Cole"]),
    ]
    attendance.record(attended_as_scheduled(sheet))
    after = attendance.sheet(world.garden, at(2, 10))
    tea = after.shifts[1].people[0].values
    assert tea == AttendanceValues(Attendance.ATTENDED, 1.0, at(2, 11), at(2, 12))
    digger = after.shifts[0].people[0].values
    assert digger.hours == 3.0
    assert {r.name: r.hours for r in reports.hours_by_volunteer(NOVEMBER)} == {
        "Ann Archer": 3.0,
        "Ben Baker": 3.0,
        "Cat Cole": 1.0,
    }


def test_undo_restores_the_previous_values_and_redo_repeats(
    world: World, attendance: AttendanceService
) -> None:
    before = attendance.sheet(world.garden, at(2, 10))
    undo = attendance.record(attended_as_scheduled(before))
    changed = attendance.sheet(world.garden, at(2, 10))
    assert all(p.values.attendance is Attendance.ATTENDED for p in changed.people)

    redo = attendance.record(undo)
    restored = attendance.sheet(world.garden, at(2, 10))
    assert [p.values for p in restored.people] == [p.values for p in before.people]

    attendance.record(redo)
    again = attendance.sheet(world.garden, at(2, 10))
    assert [p.values for p in again.people] == [p.values for p in changed.people]


def test_a_stale_version_is_refused_and_nothing_changes(
    world: World, attendance: AttendanceService
) -> None:
    sheet = attendance.sheet(world.garden, at(2, 10))
    ben = sheet.shifts[0].people[1]
    attendance.record(
        [AttendanceEdit(ben.assignment_id, ben.version, AttendanceValues(Attendance.EXCUSED))]
    )
    with pytest.raises(ConflictError, match="Tester changed this assignment"):
        attendance.record(attended_as_scheduled(sheet))  # Ben's version is old now
    now = attendance.sheet(world.garden, at(2, 10))
    assert now.shifts[0].people[0].values == sheet.shifts[0].people[0].values
    assert now.shifts[0].people[1].values.attendance is Attendance.EXCUSED


def test_actual_times_must_make_sense(world: World, attendance: AttendanceService) -> None:
    person = attendance.sheet(world.garden, at(2, 10)).people[0]
    backwards = AttendanceValues(Attendance.ATTENDED, 1.0, at(2, 12), at(2, 11))
    with pytest.raises(ValidationError, match="end must be after"):
        attendance.record([AttendanceEdit(person.assignment_id, person.version, backwards)])
    with pytest.raises(ValidationError, match="between 0 and 24"):
        attendance.record(
            [AttendanceEdit(person.assignment_id, person.version, AttendanceValues(hours=30))]
        )


def test_values_for_credit_actual_times_else_the_shift() -> None:
    shift = (at(2, 10), at(2, 13))
    assert values_for(Attendance.ATTENDED, None, None, shift).hours == 3.0
    late = values_for(Attendance.ATTENDED, at(2, 10, 30), None, shift)
    assert late == AttendanceValues(Attendance.ATTENDED, 2.5, at(2, 10, 30), None)
    assert values_for(Attendance.NO_SHOW, None, None, shift).hours is None


# Tables, CSV, letters -----------------------------------------------------------------------


@given(st.text(max_size=20))
def test_neutralised_text_never_starts_a_formula(text: str) -> None:
    safe = neutralise(text)
    assert not safe.startswith(("=", "+", "-", "@"))
    assert safe.removeprefix("'") == text or safe == text


def test_csv_neutralises_formulas_but_keeps_numbers(tmp_path: Path) -> None:
    table = Table(
        "T",
        "",
        (Column("Name"), Column("Hours", ColumnKind.HOURS)),
        (('=HYPERLINK("x")', 1.5), ("@me", -2.0), ("+44 123", 3), ("Ann", None)),
        ("Total", 2.5),
    )
    path = tmp_path / "out.csv"
    write_csv(table, path)
    with path.open(encoding="utf-8-sig", newline="") as stream:
        lines = list(csv.reader(stream))
    assert lines == csv_rows(table)
    assert lines == [
        ["Name", "Hours"],
        ['\'=HYPERLINK("x")', "1.50"],
        ["'@me", "-2.00"],
        ["'+44 123", "3"],
        ["Ann", ""],
        ["Total", "2.50"],
    ]


def test_hours_letter_has_totals_causes_and_who_signs(
    db: Database, world: World, reports: ReportService
) -> None:
    world.services.settings.save(OrganisationSettings("Dana Day", "dana@example.org"))
    set_organisation_name(reports, "Riverside Helpers")
    letter = hours_letter(reports, world.ann, NOVEMBER)
    assert letter.total_hours == 5.0
    assert letter.shifts == 2
    assert [(c.cause, c.hours) for c in letter.causes] == [("Garden", 3.0), ("Kitchen", 2.0)]
    assert (letter.organisation, letter.organiser) == ("Riverside Helpers", "Dana Day")
    assert "Ann Archer gave 5.0 hours" in letter.paragraph
    assert "Riverside Helpers" in letter.paragraph


# Command line -------------------------------------------------------------------------------


def test_report_command_prints_and_writes_csv(
    db_path: Path, world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    world.services.volunteers.create(VolunteerDraft("=cmd|calc", date(2025, 1, 1)))
    base = ["report", "hours", "--db", str(db_path), "--from", "2026-11-01", "--to", "2026-11-30"]
    assert main([*base, "--by", "cause"]) == 0
    printed = capsys.readouterr().out
    assert "Hours by cause, 1 Nov 2026 – 30 Nov 2026" in printed
    assert "Garden" in printed and "Total" in printed and "7.5" in printed

    out = tmp_path / "hours.csv"
    assert main([*base, "--csv", str(out)]) == 0
    with out.open(encoding="utf-8-sig") as stream:
        lines = list(csv.reader(stream))
    assert lines[0] == ["Volunteer", "Shifts attended", "Hours"]
    assert lines[-1] == ["Total", "4", "7.50"]

    assert main(["report", "no-shows", "--db", str(db_path), "--from", "2026-11-01",
                 "--to", "2026-11-30"]) == 0  # fmt: skip
    assert "50.0%" in capsys.readouterr().out


def test_report_command_refuses_a_backwards_period(
    db_path: Path, world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["report", "coverage", "--db", str(db_path), "--from", "2026-11-30",
                 "--to", "2026-11-01"])  # fmt: skip
    assert code == 1
    assert capsys.readouterr().err.strip() == (
        "organizer: period: The period must end on or after its start."
    )
