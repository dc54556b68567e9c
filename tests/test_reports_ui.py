"""The Reports page, the attendance dialog and the printed sheets, driven like a coordinator."""

from __future__ import annotations

import csv
import subprocess
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, QLocale, Qt
from PySide6.QtWidgets import QMessageBox, QWidget
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from organizer.models import Attendance
from organizer.reports.attendance import (
    AttendanceEdit,
    AttendanceService,
    AttendanceValues,
    attended_as_scheduled,
)
from organizer.reports.hours import Period, ReportKind, ReportService
from organizer.reports.tables import Column, ColumnKind, Table
from organizer.storage import Database
from organizer.ui.context import ViewContext
from organizer.ui.reports import AttendanceDialog, ReportsPage, SignInSheetWriter
from organizer.ui.reports.attendance_dialog import COLUMN_END, COLUMN_START
from organizer.ui.reports.model import KEY_ROLE, TOTAL_ROLE
from tests.reports_helpers import LONDON, World, at, build_world
from tests.ui_helpers import SHOTS, assert_not_blank, view_context

NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30))


def make_context(db: Database) -> ViewContext:
    return view_context(db, read_only=db.read_only)


@pytest.fixture
def context(db: Database) -> Iterator[ViewContext]:
    made = make_context(db)
    yield made
    made.worker.wait()


@pytest.fixture(autouse=True)
def london(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Show times as a London coordinator would see them."""
    monkeypatch.setenv("TZ", "Europe/London")
    import time

    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def pdf_text(path: Path) -> str:
    assert path.read_bytes().startswith(b"%PDF")
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def open_reports(qtbot: QtBot, context: ViewContext) -> ReportsPage:
    page = ReportsPage(context, today=lambda: date(2026, 12, 5))
    qtbot.addWidget(page)
    page.resize(1180, 640)
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.show()
    qtbot.waitExposed(page)
    return page


def shown_rows(page: ReportsPage) -> list[list[str]]:
    model = page.model
    return [
        [str(model.index(row, column).data()) for column in range(model.columnCount())]
        for row in range(model.rowCount())
    ]


# Reports page -------------------------------------------------------------------------------


def test_last_month_hours_by_volunteer_match_the_core(
    qtbot: QtBot, db: Database, context: ViewContext, tmp_path: Path
) -> None:
    build_world(db)
    page = open_reports(qtbot, context)  # opens on last month: November

    assert page.kind() is ReportKind.HOURS_BY_VOLUNTEER
    assert page.period() == NOVEMBER
    core = ReportService(db, "Tester", zone=LONDON).hours_by_volunteer(NOVEMBER)
    assert shown_rows(page) == [
        *[[person.name, str(person.attended), f"{person.hours:.1f}"] for person in core],
        ["Total", "4", "7.5"],
    ]
    total = page.model.index(page.model.rowCount() - 1, 0)
    assert total.data(TOTAL_ROLE) is True
    assert page.title_label.text() == "Hours by volunteer"
    ModelTester(qtbot).check(page.model)
    assert_not_blank(page, tmp_path / "reports-page.png")


def test_choosing_another_report_cause_and_period_reloads(
    qtbot: QtBot, db: Database, context: ViewContext
) -> None:
    world = build_world(db)
    page = open_reports(qtbot, context)
    qtbot.waitUntil(lambda: page.cause_box.count() == 3)

    with qtbot.waitSignal(page.loaded):
        page.kind_box.setCurrentIndex(page.kind_box.findData(ReportKind.COVERAGE.value))
    assert [row[1] for row in shown_rows(page)] == ["Garden", "Kitchen", "Kitchen", ""]
    with qtbot.waitSignal(page.loaded):
        page.cause_box.setCurrentIndex(page.cause_box.findData(world.kitchen_cause))
    assert shown_rows(page)[-1] == ["Total", "", "4", "3", "75.0%"]
    with qtbot.waitSignal(page.loaded):
        page.first_edit.setDate(page.first_edit.date().addDays(8))  # from 9 Nov
    assert shown_rows(page) == [
        ["9 Nov 2026", "Kitchen", "2", "1", "50.0%"],
        ["Total", "", "2", "1", "50.0%"],
    ]
    assert page.preset_box.currentData() == "Custom"


def test_a_long_report_counts_its_rows_readably_and_its_chart_says_which_it_shows(
    qtbot: QtBot, db: Database, context: ViewContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_world(db)
    page = open_reports(qtbot, context)
    columns = (
        Column("Volunteer"),
        Column("Shifts attended", ColumnKind.COUNT),
        Column("Hours", ColumnKind.HOURS),
    )
    rows = tuple((f"Volunteer {n}", 1, 2.0) for n in range(1234))
    many = Table("Hours by volunteer", "1 Nov 2026 – 30 Nov 2026", columns, rows)
    monkeypatch.setattr(page.reports, "table", lambda *_: many)
    previous = QLocale()
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom))
    try:
        with qtbot.waitSignal(page.loaded):
            page.refresh()
        assert page.subtitle_label.text() == "1 Nov 2026 – 30 Nov 2026 · 1,234 rows"
        assert page.chart.accessibleDescription().startswith("Hours, the first 12 of 1,234: ")
        few = Table("Hours by volunteer", "November", columns, rows[:3])
        monkeypatch.setattr(page.reports, "table", lambda *_: few)
        with qtbot.waitSignal(page.loaded):
            page.refresh()
        assert page.chart.accessibleDescription().startswith("Hours: Volunteer 0 2; ")
    finally:
        QLocale.setDefault(previous)


def test_export_csv_and_pdf_of_the_report_on_show(
    qtbot: QtBot, db: Database, context: ViewContext, tmp_path: Path
) -> None:
    build_world(db)
    page = open_reports(qtbot, context)

    page.export_csv(tmp_path / "hours.csv")
    with (tmp_path / "hours.csv").open(encoding="utf-8-sig") as stream:
        lines = list(csv.reader(stream))
    assert lines[0] == ["Volunteer", "Shifts attended", "Hours"]
    assert lines[1] == ["Ann Archer", "2", "5.00"]
    assert lines[-1] == ["Total", "4", "7.50"]

    page.export_pdf(tmp_path / "hours.pdf")
    text = pdf_text(tmp_path / "hours.pdf")
    assert "Hours by volunteer" in text
    for name in ("Ann Archer", "Ben Baker", "Cat Cole"):
        assert name in text
    assert "7.5" in text


def test_hours_letter_for_the_chosen_volunteer(
    qtbot: QtBot, db: Database, context: ViewContext, tmp_path: Path
) -> None:
    build_world(db)
    page = open_reports(qtbot, context)
    assert not page.letter_button.isEnabled()
    page.view.selectionModel().select(
        page.model.index(0, 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    assert page.letter_button.isEnabled()
    assert page.model.index(0, 0).data(KEY_ROLE) == page.selected_volunteer()

    path = tmp_path / "letter.pdf"
    job = page.write_letter(page.selected_volunteer() or 0, path)
    with qtbot.waitSignal(job.finished, timeout=10_000):
        pass
    text = " ".join(pdf_text(path).split())
    assert "Ann Archer gave 5.0 hours" in text
    assert "Garden" in text and "Kitchen" in text


# Attendance ---------------------------------------------------------------------------------


def open_attendance(qtbot: QtBot, context: ViewContext, world: World) -> AttendanceDialog:
    dialog = AttendanceDialog(context, world.garden, at(2, 10))
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.loaded, timeout=10_000):
        dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def cell_text(dialog: AttendanceDialog, row: int, column: int) -> str:
    item = dialog.table.item(row, column)
    assert item is not None
    return item.text()


def recorded(db: Database, world: World) -> list[tuple[str, Attendance | None, float | None]]:
    sheet = AttendanceService(db, "Tester").sheet(world.garden, at(2, 10))
    return [(p.name, p.values.attendance, p.values.hours) for p in sheet.people]


def test_marking_everyone_attended_saves_one_undoable_step(
    qtbot: QtBot, db: Database, context: ViewContext, tmp_path: Path
) -> None:
    world = build_world(db, record=False)
    dialog = open_attendance(qtbot, context, world)
    assert [cell_text(dialog, r, 0) for r in range(3)] == [
        "Ann Archer", "Ben Baker", "Cat Cole",
    ]  # fmt: skip
    assert dialog.status_combo(0).currentText() == "Not recorded"

    qtbot.mouseClick(dialog.everyone_button, Qt.MouseButton.LeftButton)
    assert [dialog.status_combo(r).currentText() for r in range(3)] == ["Attended"] * 3
    assert dialog.time_edit(2, COLUMN_START).time().toString("HH:mm") == "11:00"
    assert cell_text(dialog, 2, 5) == "1.00"
    assert_not_blank(dialog, tmp_path / "attendance-dialog.png")
    with qtbot.waitSignal(dialog.saved, timeout=10_000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    done = [
        ("Ann Archer", Attendance.ATTENDED, 3.0),
        ("Ben Baker", Attendance.ATTENDED, 3.0),
        ("Cat Cole", Attendance.ATTENDED, 1.0),
    ]
    assert recorded(db, world) == done
    assert context.undo_stack.count() == 1
    assert context.undo_stack.undoText() == "Record attendance at Garden day"
    context.undo_stack.undo()
    assert recorded(db, world) == [(name, None, None) for name, _, _ in done]
    context.undo_stack.redo()
    assert recorded(db, world) == done


def test_an_undo_refused_after_someone_else_recorded_says_why(
    qtbot: QtBot, db: Database, context: ViewContext
) -> None:
    world = build_world(db, record=False)
    page = QWidget()
    qtbot.addWidget(page)
    dialog = AttendanceDialog(context, world.garden, at(2, 10), parent=page)
    with qtbot.waitSignal(dialog.loaded, timeout=10_000):
        dialog.show()
    qtbot.mouseClick(dialog.everyone_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(dialog.saved, timeout=10_000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    other = AttendanceService(db, "Jo")
    ann = other.sheet(world.garden, at(2, 10)).people[0]
    no_show = AttendanceValues(attendance=Attendance.NO_SHOW)
    other.record([AttendanceEdit(ann.assignment_id, ann.version, no_show)])

    context.undo_stack.undo()
    box = next(b for b in page.findChildren(QMessageBox) if b.isVisible())
    assert box.windowTitle() == "Could not undo or redo"
    assert recorded(db, world)[0] == ("Ann Archer", Attendance.NO_SHOW, None), "Jo's stays"
    assert not context.undo_stack.canUndo(), "nothing claims an undo that did not happen"


def test_one_person_marked_no_show_and_late_leaver(
    qtbot: QtBot, db: Database, context: ViewContext
) -> None:
    world = build_world(db, record=False)
    dialog = open_attendance(qtbot, context, world)
    dialog.status_combo(0).setCurrentIndex(1)  # Ann attended…
    end = dialog.time_edit(0, COLUMN_END)
    end.setTime(end.time().addSecs(30 * 60))  # …and stayed until 13:30
    dialog.status_combo(1).setCurrentIndex(2)  # Ben did not come
    assert not dialog.time_edit(1, COLUMN_START).isEnabled()
    with qtbot.waitSignal(dialog.saved, timeout=10_000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert recorded(db, world) == [
        ("Ann Archer", Attendance.ATTENDED, 3.5),
        ("Ben Baker", Attendance.NO_SHOW, None),
        ("Cat Cole", None, None),
    ]


def test_a_save_after_someone_else_changed_a_row_is_refused(
    qtbot: QtBot, db: Database, context: ViewContext
) -> None:
    world = build_world(db, record=False)
    dialog = open_attendance(qtbot, context, world)
    other = AttendanceService(db, "Someone else")
    other.record(attended_as_scheduled(other.sheet(world.garden, at(2, 10)))[:1])
    qtbot.mouseClick(dialog.everyone_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.save_button.isEnabled())
    assert "Someone else changed this assignment" in dialog.message_bar.label.text()
    assert dialog.message_bar.problem
    assert dialog.isVisible()
    assert context.undo_stack.count() == 0


# Sign-in sheet ------------------------------------------------------------------------------


def test_sign_in_sheet_lists_people_tick_boxes_and_walk_in_rows(
    qtbot: QtBot, db: Database, context: ViewContext, tmp_path: Path
) -> None:
    world = build_world(db, record=False)
    writer = SignInSheetWriter(context)
    path = tmp_path / "sign-in.pdf"
    with qtbot.waitSignal(writer.written, timeout=10_000) as blocker:
        writer.write(world.garden, at(2, 10), path)
    assert blocker.args == [str(path)]
    text = pdf_text(path)
    assert "Sign-in: Garden day" in text
    assert "Monday 2 November 2026, 10:00–13:00 · Church hall" in text
    for name in ("Ann Archer", "Ben Baker", "Cat Cole"):
        assert name in text
    assert "Attended" in text and "Signature" in text
    assert "Walk-ins" in text
    assert text.count("☐") == 3 + 8  # one per person, one per blank walk-in row
    if SHOTS:
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(path),
             str(Path(SHOTS) / "sign-in")],
            check=True,
        )  # fmt: skip


def test_roster_page_offers_attendance_for_the_chosen_occurrence(
    qtbot: QtBot, db: Database, context: ViewContext
) -> None:
    from organizer.ui.roster import RosterPage

    world = build_world(db, record=False)
    page = RosterPage(context, today=lambda: date(2026, 11, 2) + timedelta(days=1))
    qtbot.addWidget(page)
    page.resize(1280, 800)
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.show()
    actions = page.attendance
    assert not actions.attendance_button.isEnabled()
    shift = next(s for s in page.board_model.shifts() if s.fill.shift_id == world.tea)
    page.board_view.setCurrentIndex(page.board_model.shift_index(shift.key))
    assert actions.attendance_button.isEnabled() and actions.sign_in_button.isEnabled()
    dialog = actions.open_attendance()
    assert dialog is not None
    with qtbot.waitSignal(dialog.loaded, timeout=10_000):
        pass
    assert dialog.title.text() == "Attendance: Garden day"
    dialog.reject()
