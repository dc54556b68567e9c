"""Scheduling in the Rosters view: coverage heat map, auto-fill preview, cover finder."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from organizer.demo import generate_demo
from organizer.storage import Database
from organizer.ui.context import ViewContext
from organizer.ui.roster import RosterPage
from organizer.ui.scheduling.autofill_dialog import OBJECT_ROLE as AUTOFILL_OBJECT_ROLE
from organizer.ui.scheduling.heatmap import (
    OBJECT_ROLE,
    CoverageHeatMap,
    DayCoverage,
    DayStatus,
)
from tests.ui_helpers import assert_not_blank, redo, undo, view_context

MONDAY = date(2026, 11, 23)
TODAY = MONDAY + timedelta(days=2)
DESCRIPTION = Qt.ItemDataRole.AccessibleDescriptionRole


def make_context(db: Database, *, read_only: bool = False) -> ViewContext:
    return view_context(db, read_only=read_only)


@pytest.fixture
def demo(db: Database) -> Database:
    generate_demo(db, scale="small", seed=1, start=MONDAY)
    return db


@pytest.fixture
def context(demo: Database) -> Iterator[ViewContext]:
    made = make_context(demo)
    yield made
    made.worker.wait()


def show_heat_map(qtbot: QtBot, context: ViewContext) -> CoverageHeatMap:
    heat_map = CoverageHeatMap(context, today=lambda: TODAY)
    qtbot.addWidget(heat_map)
    heat_map.resize(560, 330)
    with qtbot.waitSignal(heat_map.loaded, timeout=10_000):
        heat_map.show()
    qtbot.waitExposed(heat_map)
    return heat_map


# Heat map --------------------------------------------------------------------------------


def test_heat_map_cells_match_shift_fill(
    qtbot: QtBot, qtmodeltester: ModelTester, context: ViewContext, tmp_path: Path
) -> None:
    heat_map = show_heat_map(qtbot, context)
    model = heat_map.model
    qtmodeltester.check(model)
    assert model.rowCount() == 8
    assert model.columnCount() == 7
    assert model.headerData(0, Qt.Orientation.Horizontal) == "Mon"
    assert model.headerData(0, Qt.Orientation.Vertical) == "23 Nov"

    start = datetime.combine(MONDAY, time()).astimezone()
    fills = context.services.coverage.shift_fill(start, start + timedelta(weeks=8))
    checked = 0
    for fill in fills:
        day = fill.starts_at.astimezone().date()
        same_day = [f for f in fills if f.starts_at.astimezone().date() == day]
        cell = model.index_of(day).data(OBJECT_ROLE)
        assert isinstance(cell, DayCoverage)
        assert cell.needed == sum(f.needed for f in same_day)
        assert cell.filled == sum(min(f.filled, f.needed) for f in same_day)
        assert cell.shifts_short == sum(1 for f in same_day if f.missing)
        checked += 1
    assert checked > 10
    statuses = {cell.status for cell in model.days()}
    assert DayStatus.NOTHING in statuses and len(statuses) >= 3
    assert_not_blank(heat_map, tmp_path / "heatmap.png")


def open_page(qtbot: QtBot, context: ViewContext) -> RosterPage:
    page = RosterPage(context, today=lambda: TODAY)
    qtbot.addWidget(page)
    page.resize(1280, 900)
    heat_map = page.scheduling.panel.heat_map
    with qtbot.waitSignals([page.loaded, heat_map.loaded], timeout=10_000):
        page.show()
    qtbot.waitExposed(page)
    return page


def test_clicking_a_day_shows_that_week_on_the_board(
    qtbot: QtBot, context: ViewContext, tmp_path: Path
) -> None:
    page = open_page(qtbot, context)
    heat_map = page.scheduling.panel.heat_map
    day = MONDAY + timedelta(weeks=3, days=4)  # Friday, three weeks on
    index = heat_map.model.index_of(day)
    rect = heat_map.view.visualRect(index)
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        qtbot.mouseClick(heat_map.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert page.period.start.date() == MONDAY + timedelta(weeks=3)
    assert page.period_button.text() == "14–20 December 2026"
    days = {s.fill.starts_at.astimezone().date() for s in page.board_model.shifts()}
    assert days and all(
        MONDAY + timedelta(weeks=3) <= d < MONDAY + timedelta(weeks=4) for d in days
    )
    assert_not_blank(page, tmp_path / "roster_page.png")


def test_the_map_marks_the_week_on_the_board(qtbot: QtBot, context: ViewContext) -> None:
    page = open_page(qtbot, context)
    heat_map = page.scheduling.panel.heat_map
    model, view = heat_map.model, heat_map.view

    def edge_colour(row: int) -> QColor:
        """The colour just inside a day's cell, outside its tile: the row's band, if any."""
        rect = view.visualRect(model.index(row, 2))
        return view.viewport().grab().toImage().pixelColor(rect.left() + 1, rect.center().y())

    def marked() -> list[int]:
        """The weeks whose days tell a screen reader they are on the board."""
        return [
            row
            for row in range(model.rowCount())
            if "on the board" in str(model.index(row, 3).data(DESCRIPTION))
        ]

    base = view.palette().color(QPalette.ColorRole.Base)
    assert marked() == [0], "this week is on the board"
    assert edge_colour(0) != base and edge_colour(1) == base
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.show_week(MONDAY + timedelta(weeks=3, days=2))
    assert marked() == [3]
    assert edge_colour(3) != base and edge_colour(0) == base
    shift = page.board_model.shifts()[0]
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.show_occurrence(shift.fill.event_id, shift.fill.recurrence_id)
    assert marked() == [], "one occurrence is not a week"
    assert edge_colour(3) == base


def places_filled(context: ViewContext, start: datetime, end: datetime) -> int:
    return sum(f.filled for f in context.services.coverage.shift_fill(start, end))


def test_fill_gaps_preview_apply_undo_redo(
    qtbot: QtBot, qtmodeltester: ModelTester, context: ViewContext, tmp_path: Path
) -> None:
    page = open_page(qtbot, context)
    assert page.scheduling.panel.fill_gaps_button.isEnabled()
    qtbot.mouseClick(page.scheduling.panel.fill_gaps_button, Qt.MouseButton.LeftButton)
    dialog = page.scheduling.autofill_dialog
    assert dialog is not None
    qtbot.waitExposed(dialog)
    with qtbot.waitSignal(dialog.previewed, timeout=30_000):
        qtbot.mouseClick(dialog.preview_button, Qt.MouseButton.LeftButton)
    model = dialog.model
    qtmodeltester.check(model)
    placements = model.chosen()
    assert len(placements) >= 2
    assert "open places can be filled" in dialog.summary.text()
    assert_not_blank(dialog, tmp_path / "autofill.png")

    # leave the first placement (in time order) out by unticking its box
    first = dialog.sorter.index(0, 0)
    rect = dialog.table.visualRect(first)
    left_out = dialog.sorter.data(first, AUTOFILL_OBJECT_ROLE)
    qtbot.mouseClick(dialog.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert len(model.chosen()) == len(placements) - 1
    assert left_out not in model.chosen()

    start, end = dialog.period()
    before = places_filled(context, start, end)
    with qtbot.waitSignal(dialog.applied, timeout=30_000) as applied:
        qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    ids = applied.args[0]
    assert len(ids) == len(placements) - 1
    assert places_filled(context, start, end) == before + len(ids)
    stack = context.undo_stack
    assert stack.count() == 1

    undo(qtbot, context)
    assert places_filled(context, start, end) == before
    redo(qtbot, context)
    assert places_filled(context, start, end) == before + len(ids)


def test_cover_finder_ask_and_yes_assigns(
    qtbot: QtBot, qtmodeltester: ModelTester, context: ViewContext, tmp_path: Path
) -> None:
    page = open_page(qtbot, context)
    short = next(
        s
        for s in page.board_model.shifts()
        if s.fill.missing and s.fill.starts_at.astimezone().date() > TODAY
    )
    index = page.board_model.shift_index(short.key)
    page.board_view.setCurrentIndex(index)
    assert page.scheduling.panel.find_cover_button.isEnabled()
    qtbot.mouseClick(page.scheduling.panel.find_cover_button, Qt.MouseButton.LeftButton)
    dialog = page.scheduling.cover_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: not dialog.loading, timeout=20_000)
    qtmodeltester.check(dialog.candidate_model)
    candidates = dialog.candidate_model.records()
    assert candidates, "nobody offered as cover"
    first = candidates[0]
    dialog.candidate_view.setCurrentIndex(dialog.candidate_model.index(0, 0))
    with qtbot.waitSignal(dialog.loaded, timeout=20_000):
        qtbot.mouseClick(dialog.ask_button, Qt.MouseButton.LeftButton)
    asks = dialog.request_model.records()
    assert [a.name for a in asks] == [first.name]
    assert asks[0].answer == "pending"
    assert_not_blank(dialog, tmp_path / "cover.png")
    dialog.request_view.setCurrentIndex(dialog.request_model.index(0, 0))
    with qtbot.waitSignal(dialog.loaded, timeout=20_000):
        qtbot.mouseClick(dialog.yes_button, Qt.MouseButton.LeftButton)
    assert dialog.request_model.records()[0].answer == "yes"
    _shift_id, rid = short.key
    on_shift = {
        p.volunteer_id
        for s in context.services.roster.board(rid - timedelta(hours=1), rid + timedelta(days=1))
        if s.key == short.key
        for p in s.people
    }
    assert first.volunteer_id in on_shift


def people_on(context: ViewContext, key: tuple[int, datetime]) -> set[int]:
    _shift_id, rid = key
    return {
        p.volunteer_id
        for s in context.services.roster.board(rid - timedelta(hours=1), rid + timedelta(days=1))
        if s.key == key
        for p in s.people
        if p.holds_place
    }


def test_cover_steps_undo_and_redo(qtbot: QtBot, context: ViewContext) -> None:
    page = open_page(qtbot, context)
    short = next(
        s
        for s in page.board_model.shifts()
        if s.fill.missing and s.fill.starts_at.astimezone().date() > TODAY
    )
    page.board_view.setCurrentIndex(page.board_model.shift_index(short.key))
    qtbot.mouseClick(page.scheduling.panel.find_cover_button, Qt.MouseButton.LeftButton)
    dialog = page.scheduling.cover_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: not dialog.loading, timeout=20_000)
    first = dialog.candidate_model.records()[0]
    dialog.candidate_view.setCurrentIndex(dialog.candidate_model.index(0, 0))
    with qtbot.waitSignal(dialog.loaded, timeout=20_000):
        qtbot.mouseClick(dialog.ask_button, Qt.MouseButton.LeftButton)
    dialog.request_view.setCurrentIndex(dialog.request_model.index(0, 0))
    with qtbot.waitSignal(dialog.loaded, timeout=20_000):
        qtbot.mouseClick(dialog.yes_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
    cover = context.services.cover
    stack = context.undo_stack
    assert first.volunteer_id in people_on(context, short.key)
    assert stack.undoText() == f"Record {first.name}'s answer"

    undo(qtbot, context)  # the "yes": off the shift again, the ask still waiting for an answer
    assert first.volunteer_id not in people_on(context, short.key)
    assert [(r.name, r.answer) for r in cover.requests(*short.key)] == [(first.name, "pending")]
    assert stack.undoText() == f"Ask {first.name} to cover"
    undo(qtbot, context)  # the ask itself
    assert cover.requests(*short.key) == []
    redo(qtbot, context)
    redo(qtbot, context)
    assert [(r.name, r.answer) for r in cover.requests(*short.key)] == [(first.name, "yes")]
    assert first.volunteer_id in people_on(context, short.key)
    assert stack.canUndo() and not stack.canRedo()
