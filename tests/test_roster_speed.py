"""The roster board in two stages: its rows at once, the clash check merged in afterwards."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QModelIndex, Qt
from pytestqt.qtbot import QtBot

from organizer.demo import generate_demo
from organizer.models.ids import AssignmentId
from organizer.services import Services
from organizer.services.roster import BoardShift, Clash, RosterService, with_clashes
from organizer.storage import Database, create_database
from organizer.ui.context import ViewContext
from organizer.ui.roster import RosterPage
from organizer.ui.roster.controller import Period, RosterController
from organizer.ui.roster.models import COLUMN_NOTES, BoardModel, PreparedBoard
from tests.roster_helpers import MONDAY, demo, week
from tests.ui_helpers import view_context

__all__ = ["demo"]  # a fixture


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    """A demo file of its own, for tests that change it."""
    made = create_database(tmp_path / "own.organizer")
    generate_demo(made, scale="small", seed=1, start=MONDAY)
    yield made
    made.close()


def flagged(shifts: Iterable[BoardShift]) -> dict[AssignmentId, tuple[Clash, ...]]:
    return {p.assignment_id: p.clashes for s in shifts for p in s.people if p.clashes}


# The service -------------------------------------------------------------------------------


def test_rows_and_clashes_together_are_the_board(demo: Database) -> None:
    roster = RosterService(demo, "Tester")
    start, end = week()
    rows = roster.board_rows(start, end)
    clashes = roster.board_clashes(rows, start, end)
    board = roster.board(start, end)
    assert with_clashes(rows, clashes) == board
    assert all(not person.clashes for shift in rows for person in shift.people)
    assert flagged(board) == clashes and clashes, "the demo week has clashes to show"
    fills = roster.coverage.shift_fill(start, end)
    assert [r.key for r in rows] == [(f.shift_id, f.recurrence_id) for f in fills]
    assert [r.fill.filled for r in rows] == [f.filled for f in fills]


def test_board_clashes_are_what_checking_each_person_finds(demo: Database) -> None:
    """The board's flags agree with the one-person check an assignment goes through."""
    roster = RosterService(demo, "Tester")
    start, end = week()
    rows = roster.board_rows(start, end)
    clashes = roster.board_clashes(rows, start, end)
    checked = 0
    for shift in rows:
        for person in shift.people:
            if person.holds_place:
                alone = roster.clashes(person.volunteer_id, *shift.key)
                assert clashes.get(person.assignment_id, ()) == tuple(alone), person.name
                checked += 1
            else:
                assert person.assignment_id not in clashes
    assert checked > 20


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(offset=st.integers(min_value=-1, max_value=2), cause=st.sampled_from([None, 0, 1]))
def test_rows_and_clashes_match_the_board_for_any_week_and_cause(
    demo: Database, offset: int, cause: int | None
) -> None:
    roster = RosterService(demo, "Tester")
    causes = None
    if cause is not None:
        causes = [Services.for_database(demo, "Tester").causes.list()[cause].id]
    start, end = week(offset)
    rows = roster.board_rows(start, end, cause_ids=causes)
    board = roster.board(start, end, cause_ids=causes)
    assert with_clashes(rows, roster.board_clashes(rows, start, end, cause_ids=causes)) == board
    assert [r.key for r in rows] == [
        (f.shift_id, f.recurrence_id)
        for f in roster.coverage.shift_fill(start, end, cause_ids=causes)
    ]


def test_one_occurrence_in_rows_then_clashes(demo: Database) -> None:
    roster = RosterService(demo, "Tester")
    shift = roster.board(*week())[0]
    event_id, recurrence_id = shift.fill.event_id, shift.fill.recurrence_id
    rows = roster.occurrence_board_rows(event_id, recurrence_id)
    start, end = roster.occurrence_window(event_id, recurrence_id)
    assert with_clashes(rows, roster.board_clashes(rows, start, end)) == (
        roster.occurrence_board(event_id, recurrence_id)
    )
    assert {r.fill.recurrence_id for r in rows} == {recurrence_id}


def test_no_people_means_no_clashes(demo: Database) -> None:
    roster = RosterService(demo, "Tester")
    start, end = week(100)  # the series go on, but nobody is rostered that far ahead
    rows = roster.board_rows(start, end)
    assert rows and all(not shift.people for shift in rows)
    assert roster.board_clashes(rows, start, end) == {}
    assert roster.board(start, end) == rows
    assert roster.board_clashes([], *week()) == {}


# The page ----------------------------------------------------------------------------------


def make_context(db: Database) -> ViewContext:
    return view_context(db)


@pytest.fixture
def context(demo: Database) -> Iterator[ViewContext]:
    made = make_context(demo)
    yield made
    made.worker.wait()


def some_clash(context: ViewContext) -> tuple[BoardShift, AssignmentId, Clash]:
    """A person of the demo week with a clash, found by the service."""
    for shift in context.services.roster.board(*week()):
        for person in shift.people:
            if person.clashes:
                return shift, person.assignment_id, person.clashes[0]
    raise AssertionError("the demo week has no clash")


def test_rows_show_first_then_flags_join_them_in_place(
    qtbot: QtBot, qtmodeltester: object, context: ViewContext
) -> None:
    shift, assignment_id, clash = some_clash(context)
    page = RosterPage(context, today=lambda: MONDAY + timedelta(days=2))
    qtbot.addWidget(page)
    page.resize(1280, 800)
    # The check waits to be let go, so the rows are seen without the flags however quick it is.
    held = HeldRoster(context.services.roster.db)
    page.controller.roster = held
    model = page.board_model
    resets: list[int] = []
    changed: list[QModelIndex] = []
    model.modelReset.connect(lambda: resets.append(1))
    with qtbot.waitSignal(page.rows_shown, timeout=10_000):
        page.show()
    # The week's first day is on screen while the rest is read, and the page says so.
    assert page.controller.loading_more and not page.loading_label.isHidden()
    assert {shift.occurrence_starts.astimezone().date() for shift in model.shifts()} == {MONDAY}
    qtbot.waitUntil(lambda: not page.controller.loading_more, timeout=10_000)
    assert page.loading_label.isHidden()
    # The rows are there; the check has not landed yet, and the page says it is checking.
    row = model.person_index(assignment_id)
    assert row.isValid()
    assert not page.checking_label.isHidden()
    assert page.checking_label.text() == "Checking for clashes…"
    assert model.person_at(row) is not None and model.person_at(row).clashes == ()  # type: ignore[union-attr]
    qtmodeltester.check(model)  # type: ignore[attr-defined]
    page.board_view.setCurrentIndex(model.shift_index(shift.key))
    resets.clear()
    model.dataChanged.connect(lambda first, _last, _roles: changed.append(first))
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        held.go.set()
    assert resets == [], "the flags are merged in, not a new model"
    assert page.checking_label.isHidden()
    row = model.person_index(assignment_id)
    assert model.person_at(row).clashes[0] == clash  # type: ignore[union-attr]
    assert row.siblingAtColumn(COLUMN_NOTES).data(Qt.ItemDataRole.ToolTipRole).count(clash.message)
    assert any(index.internalId() == row.internalId() for index in changed)
    assert page.board_view.currentIndex() == model.shift_index(shift.key), "selection kept"
    shown = model.shift_at(model.shift_index(shift.key))
    assert (
        shown is not None
        and shown.people
        == next(s for s in context.services.roster.board(*week()) if s.key == shift.key).people
    ), "the shift row carries the flags too"
    qtmodeltester.check(model)  # type: ignore[attr-defined]


class HeldRoster(RosterService):
    """A roster whose clash check waits for a go-ahead (to make a slow check)."""

    def __init__(self, db: Database) -> None:
        super().__init__(db, "Tester")
        self.started = threading.Event()
        self.go = threading.Event()

    def board_clashes(
        self,
        shifts: Sequence[BoardShift],
        start: datetime,
        end: datetime,
        cause_ids: Iterable[int] | None = None,
    ) -> dict[AssignmentId, tuple[Clash, ...]]:
        found = super().board_clashes(shifts, start, end, cause_ids)
        self.started.set()
        assert self.go.wait(10)
        return found


def test_a_slow_check_for_another_week_never_lands(qtbot: QtBot, context: ViewContext) -> None:
    roster = HeldRoster(context.services.roster.db)
    controller = RosterController(context, roster)
    boards: list[list[PreparedBoard]] = []  # each board, then the days added to it
    answers: list[dict[AssignmentId, tuple[Clash, ...]]] = []
    controller.board_loaded.connect(lambda board: boards.append([board]))
    controller.board_extended.connect(lambda more: boards[-1].append(more))
    controller.clashes_loaded.connect(answers.append)
    this_week, next_week = Period(*week()), Period(*week(1))
    with qtbot.waitSignal(controller.board_loaded, timeout=10_000):
        controller.load_board(this_week)
    controller.check_clashes()
    qtbot.waitUntil(roster.started.is_set, timeout=10_000)
    # The coordinator moves on while this week's check is still running.
    with qtbot.waitSignal(controller.board_loaded, timeout=10_000):
        controller.load_board(next_week)
        roster.go.set()
    assert answers == [], "this week's clashes were not shown over next week's rows"
    with qtbot.waitSignal(controller.clashes_loaded, timeout=10_000):
        controller.check_clashes()
    expected = flagged(RosterService(roster.db, "Tester").board(*week(1)))
    assert answers == [expected]
    assert [s.key for part in boards[-1] for s in part.shifts] == [
        s.key for s in RosterService(roster.db, "Tester").board_rows(*week(1))
    ]


def test_stale_rows_answer_is_ignored_on_the_page(qtbot: QtBot, context: ViewContext) -> None:
    page = RosterPage(context, today=lambda: MONDAY + timedelta(days=2))
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.show()
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.next_button.click()
        page.next_button.click()
    assert page.period == Period(*week(2))
    keys = [s.key for s in page.board_model.shifts()]
    assert keys == [s.key for s in context.services.roster.board(*week(2))]
    with qtbot.assertNotEmitted(page.loaded, wait=100):
        pass


def test_merge_keeps_the_model_sound(qtbot: QtBot, qtmodeltester: object, demo: Database) -> None:
    roster = RosterService(demo, "Tester")
    start, end = week()
    rows = roster.board_rows(start, end)
    model = BoardModel()
    assert model.set_board(rows)
    qtmodeltester.check(model)  # type: ignore[attr-defined]
    clashes = roster.board_clashes(rows, start, end)
    with qtbot.waitSignal(model.dataChanged):
        changed = model.set_clashes(clashes)
    assert changed == len(clashes)
    assert model.shifts() == with_clashes(rows, clashes)
    assert model.set_clashes(clashes) == 0, "nothing changes twice"
    qtmodeltester.check(model)  # type: ignore[attr-defined]
    assert model.set_clashes({}) == len(clashes)
    assert model.shifts() == rows


def test_a_reload_after_an_edit_keeps_the_flags_until_the_check_lands(
    qtbot: QtBot, db: Database
) -> None:
    context = make_context(db)
    page = RosterPage(context, today=lambda: MONDAY + timedelta(days=2))
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.show()
    _, assignment_id, clash = some_clash(context)
    model = page.board_model
    with qtbot.waitSignal(page.rows_shown, timeout=10_000):
        page.refresh()
    person = model.person_at(model.person_index(assignment_id))
    assert person is not None and clash in person.clashes, "no flicker of the flags"
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        pass
    context.worker.wait()
