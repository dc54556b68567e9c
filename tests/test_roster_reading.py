"""How the roster board reads weeks: the next one ahead, a new one in two parts, days opening."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex
from pytestqt.qtbot import QtBot

from organizer.changes import DataChange
from organizer.demo import generate_demo
from organizer.services.roster import BoardShift, RosterService
from organizer.storage import create_database
from organizer.ui.context import ViewContext
from organizer.ui.roster import RosterPage, views
from organizer.ui.roster.controller import Period
from organizer.ui.roster.models import prepare_board
from tests.roster_helpers import MONDAY, week
from tests.test_roster_speed import make_context


@pytest.fixture
def context(tmp_path: Path) -> Iterator[ViewContext]:
    """A demo file of this test's own (some tests change it)."""
    db = create_database(tmp_path / "reading.organizer")
    generate_demo(db, scale="small", seed=1, start=MONDAY)
    made = make_context(db)
    yield made
    made.worker.wait()
    db.close()


def shown_page(qtbot: QtBot, context: ViewContext) -> RosterPage:
    """The Rosters page on the demo week, checked and with its neighbours read ahead."""
    page = RosterPage(context, today=lambda: MONDAY + timedelta(days=2))
    qtbot.addWidget(page)
    page.resize(1280, 800)
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.show()
    settle(qtbot, page)
    return page


def settle(qtbot: QtBot, page: RosterPage) -> None:
    qtbot.waitUntil(lambda: not page.settling and not page.context.worker.busy, timeout=10_000)


def keys(page: RosterPage) -> list[object]:
    """The shifts on the board, in its order (by day, then occurrence)."""
    return [shift.key for shift in page.board_model.shifts()]


def board_keys(rows: list[BoardShift]) -> list[object]:
    """``rows`` as the board orders them."""
    days = prepare_board(rows).days
    return [shift.key for _, occurrences in days for _, shifts in occurrences for shift in shifts]


def test_the_next_week_was_read_ahead_and_shows_at_once(qtbot: QtBot, context: ViewContext) -> None:
    page = shown_page(qtbot, context)
    assert Period(*week(1)) in page.controller.ahead
    shown: list[int] = []
    page.rows_shown.connect(lambda: shown.append(1))
    page.next_button.click()
    assert shown == [1], "on screen within the click, nothing read from the file"
    assert not page.controller.loading_more
    roster = RosterService(context.services.roster.db, "Tester")
    assert keys(page) == board_keys(roster.board_rows(*week(1)))
    settle(qtbot, page)
    # Back again: the week before was read ahead too, once this one's check landed.
    assert Period(*week()) in page.controller.ahead
    page.previous_button.click()
    assert keys(page) == board_keys(roster.board_rows(*week()))


def test_a_change_to_the_data_is_never_hidden_by_a_week_read_ahead(
    qtbot: QtBot, context: ViewContext
) -> None:
    page = shown_page(qtbot, context)
    roster = context.services.roster
    shift = next(s for s in roster.board_rows(*week(1)) if s.people)
    gone = shift.people[0]
    roster.remove(gone.assignment_id, gone.version)  # another coordinator, say
    context.hub.announce(DataChange.of("Someone else", "assignment"))
    assert page.controller.ahead == []
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.next_button.click()
    assert page.board_model.person_index(gone.assignment_id) == QModelIndex()
    assert keys(page) == board_keys(roster.board_rows(*week(1)))


def test_a_week_not_read_ahead_shows_its_first_day_then_the_rest(
    qtbot: QtBot, context: ViewContext
) -> None:
    page = shown_page(qtbot, context)
    parts: list[int] = []
    page.controller.board_loaded.connect(lambda board: parts.append(len(board.shifts)))
    page.controller.board_extended.connect(lambda more: parts.append(len(more.shifts)))
    with qtbot.waitSignal(page.rows_shown, timeout=10_000):
        page.show_week(MONDAY + timedelta(weeks=3))
    first_day = {s.occurrence_starts.astimezone().date() for s in page.board_model.shifts()}
    assert first_day == {MONDAY + timedelta(weeks=3)}
    assert page.controller.loading_more and page.settling
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        pass
    expected = RosterService(context.services.roster.db, "Tester").board_rows(*week(3))
    assert keys(page) == board_keys(expected)
    assert len(parts) == 2 and sum(parts) == len(expected)
    view = page.board_view
    settle(qtbot, page)
    for day in range(page.board_model.rowCount()):
        assert view.isExpanded(page.board_model.index(day, 0)), "every day ends up open"


def test_a_reload_after_an_edit_keeps_the_whole_week_in_place(
    qtbot: QtBot, context: ViewContext
) -> None:
    page = shown_page(qtbot, context)
    resets: list[int] = []
    page.board_model.modelReset.connect(lambda: resets.append(1))
    shift = next(s for s in page.board_model.shifts() if s.people)
    person = shift.people[0]
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        context.services.roster.remove(person.assignment_id, person.version)
        context.hub.announce(DataChange.of("Tester", "assignment"))
    assert resets == [], "not read in parts: the rows stay where they are"
    assert page.board_model.person_index(person.assignment_id) == QModelIndex()


def test_a_big_week_opens_a_day_at_a_time_after_the_first(
    qtbot: QtBot, context: ViewContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "OPEN_AT_ONCE", 1)
    monkeypatch.setattr(views, "OPEN_PER_TURN", 1)
    page = shown_page(qtbot, context)
    view, model = page.board_view, page.board_model
    opened: list[int] = []
    view.expanded.connect(
        lambda index: opened.append(index.row()) if not index.parent().isValid() else None
    )
    page.next_button.click()  # read ahead: the whole week at once
    assert view.opening and view.unfolding
    days = model.rowCount()
    assert days > 2
    # The click shows the board at once; polling for the first layout instead would let
    # the next turns open more days before the check.
    assert opened == [0], "only the first day opens with the board; later days wait their turn"
    assert not view.isExpanded(model.index(1, 0))
    qtbot.waitUntil(lambda: not view.unfolding, timeout=5_000)
    # The last day first (the rows on the board's last page are then measured once), then
    # the others from the top.
    assert opened == [0, days - 1, *range(1, days - 1)], "one day after another"
    assert all(view.isExpanded(model.index(day, 0)) for day in range(days))
