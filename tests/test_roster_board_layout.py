"""The roster board opens a fresh week in one go and merges clash flags in few changes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QFont
from pytestqt.qtbot import QtBot

from organizer.models.ids import AssignmentId
from organizer.services.roster import BoardShift, Clash, RosterService, with_clashes
from organizer.storage import Database
from organizer.ui.roster import views
from organizer.ui.roster.models import OBJECT_ROLE, BoardModel, RowKind
from organizer.ui.roster.views import BoardView
from tests.roster_helpers import demo, week

__all__ = ["demo"]  # a fixture


def rows_of(model: BoardModel, parent: QModelIndex | None = None) -> Iterator[QModelIndex]:
    """Every row of the board, parents before their children."""
    parent = parent or QModelIndex()
    for row in range(model.rowCount(parent)):
        index = model.index(row, 0, parent)
        yield index
        yield from rows_of(model, index)


def shown_view(qtbot: QtBot) -> tuple[BoardModel, BoardView]:
    model = BoardModel()
    view = BoardView(model)
    qtbot.addWidget(view)
    view.resize(900, 500)
    view.show()
    qtbot.waitExposed(view)
    return model, view


def load(qtbot: QtBot, model: BoardModel, view: BoardView, rows: list[object]) -> None:
    """As the page does: the rows, then opening the board; then it is laid out, every day open."""
    assert model.set_board(rows)  # type: ignore[arg-type]
    view.expand_board()
    qtbot.waitUntil(lambda: not view.unfolding, timeout=5_000)


def checked_week(
    qtbot: QtBot, demo: Database
) -> tuple[BoardModel, BoardView, list[BoardShift], dict[AssignmentId, tuple[Clash, ...]]]:
    """This week's board shown without flags, its rows, and the clash check's flags."""
    roster = RosterService(demo, "Tester")
    start, end = week()
    rows = roster.board_rows(start, end)
    model, view = shown_view(qtbot)
    load(qtbot, model, view, rows)  # type: ignore[arg-type]
    return model, view, rows, roster.board_clashes(rows, start, end)


def spans_the_row(view: BoardView, index: QModelIndex) -> bool:
    """Whether the row's first cell takes the whole row, as a heading's does."""
    return view.visualRect(index).right() == view.header().length() - 1


def test_a_fresh_board_is_open_and_its_headings_span_the_row(qtbot: QtBot, demo: Database) -> None:
    model, view = shown_view(qtbot)
    load(qtbot, model, view, RosterService(demo, "Tester").board_rows(*week()))  # type: ignore[arg-type]
    assert model.size() <= views.EXPAND_PEOPLE_UP_TO, "a board small enough to open fully"
    rows = list(rows_of(model))
    assert any(model.kind(index) is RowKind.PERSON for index in rows)
    for index in rows:
        assert view.isExpanded(index), "every row open, as expandAll() leaves it"
        heading = model.kind(index) in (RowKind.DAY, RowKind.OCCURRENCE)
        assert spans_the_row(view, index) == heading
        if heading:  # pointing anywhere along a heading tells what it is about
            tip = model.data(index, Qt.ItemDataRole.ToolTipRole)
            assert tip and model.data(index.siblingAtColumn(3), Qt.ItemDataRole.ToolTipRole) == tip
        assert model.flags(index) == Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
    # Asking again (as after a reload) keeps it open; so does asking after a row was closed.
    view.collapse(rows[0])
    view.expand_board()
    assert all(view.isExpanded(index) for index in rows)


def test_a_big_board_opens_its_days_and_events_but_not_its_shifts(
    qtbot: QtBot, demo: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "EXPAND_PEOPLE_UP_TO", 10)
    model, view = shown_view(qtbot)
    roster = RosterService(demo, "Tester")
    for offset in (0, 1, 0):  # every new week the same way, whatever was open before
        load(qtbot, model, view, roster.board_rows(*week(offset)))  # type: ignore[arg-type]
        rows = list(rows_of(model))
        for index in rows:
            heading = model.kind(index) in (RowKind.DAY, RowKind.OCCURRENCE)
            assert view.isExpanded(index) == heading, model.kind(index)
            assert spans_the_row(view, index) == heading
        shift = next(index for index in rows if model.kind(index) is RowKind.SHIFT)
        view.expand(shift)  # the coordinator opens one shift before moving on
    assert not view.opening


def test_a_new_week_does_not_make_the_columns_jump(qtbot: QtBot, demo: Database) -> None:
    """The scroll bar stays through a reload, so the notes column keeps its width."""
    model, view = shown_view(qtbot)
    roster = RosterService(demo, "Tester")
    load(qtbot, model, view, roster.board_rows(*week()))  # type: ignore[arg-type]
    qtbot.waitUntil(lambda: view.verticalScrollBar().isVisible(), timeout=5_000)
    resized: list[tuple[int, int, int]] = []
    view.header().sectionResized.connect(lambda *args: resized.append(args))
    load(qtbot, model, view, roster.board_rows(*week(1)))  # type: ignore[arg-type]
    with qtbot.assertNotEmitted(view.header().sectionResized, wait=50):
        pass
    assert resized == []


def test_flags_are_merged_in_one_change_per_shift_and_per_event(
    qtbot: QtBot, qtmodeltester: object, demo: Database
) -> None:
    model, view, rows, clashes = checked_week(qtbot, demo)
    assert clashes, "the demo week has clashes to show"
    changes: list[tuple[QModelIndex, QModelIndex, list[int]]] = []
    model.dataChanged.connect(lambda first, last, roles: changes.append((first, last, roles)))
    assert model.set_clashes(clashes) == len(clashes)
    assert model.shifts() == with_clashes(rows, clashes)
    flagged_shifts = {s.key for s in rows for p in s.people if p.assignment_id in clashes}
    flagged_events = {
        (s.fill.event_id, s.fill.recurrence_id) for s in rows if s.key in flagged_shifts
    }
    people = [c for c in changes if model.kind(c[0]) is RowKind.PERSON]
    carried = [c for c in changes if model.kind(c[0]) is RowKind.SHIFT]
    assert len(people) == len(flagged_shifts), "one range per shift with a change"
    assert len(carried) == len(flagged_events), "one range of shift rows per event"
    assert len(changes) == len(people) + len(carried)
    for first, last, roles in changes:
        assert first.parent() == last.parent() and first.row() <= last.row()
        assert last.column() == model.columnCount() - 1
        assert roles == ([OBJECT_ROLE] if first in [c[0] for c in carried] else [])
    for first, last, _ in people:  # every flagged person is inside a range
        under = {
            model.person_at(model.index(r, 0, first.parent()))
            for r in range(first.row(), last.row() + 1)
        }
        assert any(p is not None and p.clashes for p in under)
    for shift in with_clashes(rows, clashes):
        for person in shift.people:
            index = model.person_index(person.assignment_id)
            shown = model.person_at(index)
            assert shown is not None and shown.clashes == person.clashes
    qtmodeltester.check(model)  # type: ignore[attr-defined]
    changes.clear()
    assert model.set_clashes(clashes) == 0
    assert changes == [], "nothing changed, nothing reported"
    assert all(view.isExpanded(index) for index in rows_of(model)), "still open"


def test_flags_go_on_a_day_at_a_time_and_end_as_all_at_once(
    qtbot: QtBot, qtmodeltester: object, demo: Database
) -> None:
    """A busy week's flags go on day by day (the window answers in between); if the board
    changes shape meanwhile, the rest go on at once, on the rows as they now are."""
    model, _, rows, clashes = checked_week(qtbot, demo)
    flagged_days = {
        s.fill.starts_at.astimezone().date()
        for s in rows
        for p in s.people
        if p.assignment_id in clashes
    }
    assert len(flagged_days) > 1, "the demo week has flags on several days"
    steps = model.clash_steps(clashes)
    so_far = next(steps)
    assert 0 <= so_far < len(clashes), "one day, not the whole week"
    counts = [so_far, *steps]
    assert counts == sorted(counts) and counts[-1] == len(clashes)
    assert len(counts) == model.rowCount(), "a step a day"
    assert model.shifts() == with_clashes(rows, clashes)
    qtmodeltester.check(model)  # type: ignore[attr-defined]

    assert model.set_clashes({}) == len(clashes)
    steps = model.clash_steps(clashes)
    next(steps)
    fewer = rows[: len(rows) // 2]  # half the week gone: the rows are made anew
    assert model.set_board(fewer)
    assert len(list(steps)) == 1, "the rest in one go"
    assert model.shifts() == with_clashes(fewer, clashes)
    qtmodeltester.check(model)  # type: ignore[attr-defined]


def test_a_bigger_font_makes_the_rows_taller(qtbot: QtBot, demo: Database) -> None:
    """Row heights are kept between paints; a new font measures them afresh."""
    model, view = shown_view(qtbot)
    load(qtbot, model, view, RosterService(demo, "Tester").board_rows(*week()))  # type: ignore[arg-type]
    rows = list(rows_of(model))
    shift = next(index for index in rows if model.kind(index) is RowKind.SHIFT)
    day = rows[0]
    before = view.visualRect(shift).height(), view.visualRect(day).height()
    bigger = QFont(view.font())
    bigger.setPointSizeF(bigger.pointSizeF() * 1.6)
    view.setFont(bigger)
    qtbot.waitUntil(lambda: view.visualRect(shift).height() > before[0] * 1.25, timeout=5_000)
    assert view.visualRect(day).height() > before[1] * 1.25
