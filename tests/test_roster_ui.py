"""The Rosters page, driven like a coordinator would: drag, pick, confirm, undo."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QMimeData, QModelIndex, QPointF, QRect, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QImage, QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QCalendarWidget,
    QComboBox,
    QLineEdit,
    QMessageBox,
    QTableView,
    QWidget,
)
from pytestqt.qtbot import QtBot

from organizer.changes import DataChange
from organizer.demo import generate_demo
from organizer.services import AssignmentDraft, EventDraft
from organizer.services.roster import BoardShift
from organizer.services.series import RoleDraft, SeriesService
from organizer.storage import Database
from organizer.ui.context import ViewContext
from organizer.ui.roster import RosterPage
from organizer.ui.roster.models import (
    COLUMN_FILLED,
    COLUMN_NOTES,
    COLUMN_STATUS,
    FILL_ROLE,
    VOLUNTEER_MIME,
    volunteer_mime,
)
from organizer.ui.roster.page import week_period
from tests.ui_helpers import ink, view_context, when_picker_shows

MONDAY = date(2026, 11, 23)


@pytest.fixture
def demo(db: Database) -> Database:
    generate_demo(db, scale="small", seed=1, start=MONDAY)
    return db


def make_context(db: Database, *, read_only: bool = False) -> ViewContext:
    return view_context(db, read_only=read_only)


@pytest.fixture
def context(demo: Database) -> Iterator[ViewContext]:
    made = make_context(demo)
    yield made
    made.worker.wait()


def open_page(qtbot: QtBot, context: ViewContext) -> RosterPage:
    page = RosterPage(context, today=lambda: MONDAY + timedelta(days=2))
    qtbot.addWidget(page)
    page.resize(1280, 800)
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.show()
    qtbot.waitExposed(page)
    return page


@pytest.fixture
def page(qtbot: QtBot, context: ViewContext) -> RosterPage:
    return open_page(qtbot, context)


def find_shift(page: RosterPage, role: str, day: int, hour: int | None = None) -> BoardShift:
    """The shift called ``role`` on ``day`` days after Monday (optionally at ``hour``)."""
    for shift in page.board_model.shifts():
        start = shift.fill.starts_at.astimezone()
        if (
            shift.fill.role == role
            and start.date() == MONDAY + timedelta(days=day)
            and (hour is None or start.hour == hour)
        ):
            return shift
    raise AssertionError(f"no {role} shift on day {day}")


def shift_row(page: RosterPage, role: str, day: int, hour: int | None = None) -> QModelIndex:
    return page.board_model.shift_index(find_shift(page, role, day, hour).key)


def cell(index: QModelIndex, column: int, role: int = Qt.ItemDataRole.DisplayRole) -> object:
    return index.siblingAtColumn(column).data(role)


def people(page: RosterPage, role: str, day: int) -> dict[str, str]:
    """Who is on a shift, with the status the board shows for them."""
    index = shift_row(page, role, day)
    model = page.board_model
    return {
        str(model.index(row, 0, index).data()): str(model.index(row, COLUMN_STATUS, index).data())
        for row in range(model.rowCount(index))
    }


def choose(qtbot: QtBot, page: RosterPage, index: QModelIndex) -> None:
    """Click a row, as a coordinator picks a shift or a person."""
    view = page.board_view
    view.scrollTo(index)
    qtbot.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center()
    )
    assert view.currentIndex().siblingAtColumn(0) == index.siblingAtColumn(0)


def drag_event(
    kind: type[QDropEvent], view_row: QModelIndex, page: RosterPage, data: QMimeData
) -> QDropEvent:
    """A drag event of ``kind`` over the middle of a board row, carrying ``data``."""
    view = page.board_view
    view.scrollTo(view_row)
    where = view.visualRect(view_row.siblingAtColumn(0)).center()
    rest = (
        Qt.DropAction.CopyAction,
        data,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    try:  # PySide6 6.12 takes a QPointF (the QPoint form is deprecated); 6.11 only a QPoint
        return kind(QPointF(where), *rest)
    except TypeError:
        return kind(where, *rest)


def drop(page: RosterPage, index: QModelIndex, data: QMimeData) -> QDropEvent:
    """Drag ``data`` over the board's row ``index`` and let go there."""
    viewport = page.board_view.viewport()
    enter = drag_event(QDragEnterEvent, index, page, data)
    QApplication.sendEvent(viewport, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(viewport, drag_event(QDragMoveEvent, index, page, data))
    dropped = drag_event(QDropEvent, index, page, data)
    QApplication.sendEvent(viewport, dropped)
    return dropped


def volunteer_id(context: ViewContext, name: str) -> int:
    (person,) = context.services.volunteers.search(name)
    return person.id


def wait_for_candidates(qtbot: QtBot, page: RosterPage) -> None:
    qtbot.waitUntil(lambda: page.candidate_model.rowCount() > 0)


# The board ----------------------------------------------------------------------------------


def test_board_shows_full_short_and_empty_for_the_demo_week(
    qtbot: QtBot, qtmodeltester: object, page: RosterPage
) -> None:
    assert page.period_button.text() == "23–29 November 2026"
    shifts = page.board_model.shifts()
    assert len(shifts) == 31
    shown = Counter(
        cell(page.board_model.shift_index(s.key), COLUMN_FILLED, FILL_ROLE) for s in shifts
    )
    assert shown == {"full": 25, "short": 2, "empty": 4}
    packer = shift_row(page, "Packer", 0)
    assert cell(packer, COLUMN_FILLED) == "1 of 3"
    assert cell(packer, COLUMN_FILLED, FILL_ROLE) == "short"
    assert cell(packer, COLUMN_STATUS) == "2 more needed"
    greeter = shift_row(page, "Greeter", 1)
    assert (cell(greeter, COLUMN_FILLED), cell(greeter, COLUMN_STATUS)) == ("0 of 1", "Nobody yet")
    caller = shift_row(page, "Caller", 0)
    assert cell(caller, COLUMN_FILLED, FILL_ROLE) == "full"
    assert people(page, "Caller", 0) == {
        "Ewan Jones": "Accepted",
        "Leon Mahmoud": "Accepted",
        "Bilal Dubois": "Declined",
    }
    monday = page.board_model.index(0, 0)
    assert monday.data() == "Monday 23 November"
    assert monday.data(Qt.ItemDataRole.ToolTipRole) == "1 shift still needs people"
    qtmodeltester.check(page.board_model)  # type: ignore[attr-defined]


def test_choosing_a_shift_lists_suitable_free_people_with_reasons(
    qtbot: QtBot, qtmodeltester: object, page: RosterPage
) -> None:
    assert not page.assign_button.isEnabled()
    choose(qtbot, page, shift_row(page, "Packer", 0))
    wait_for_candidates(qtbot, page)
    assert page.shift_title.text() == "Packer"
    assert "Needs Food hygiene" in page.shift_details.text()
    names = [page.candidate_model.candidate(r).name for r in range(page.candidate_model.rowCount())]  # type: ignore[union-attr]
    assert names == ["Noor Hussain", "John Smith", "Sofia Andersson", "Fatima Khan"]
    first = page.candidate_model.index(0)
    assert first.data(Qt.ItemDataRole.ToolTipRole).startswith("Holds Food hygiene")
    assert page.assign_button.isEnabled()
    qtbot.keyClicks(page.search_field, "sofia")
    qtbot.waitUntil(lambda: page.candidate_model.rowCount() == 1)
    assert page.candidate_model.index(0).data() == "Sofia Andersson"
    qtmodeltester.check(page.candidate_model)  # type: ignore[attr-defined]


# Assigning ----------------------------------------------------------------------------------


def test_dragging_a_candidate_onto_a_shift_assigns_them(
    qtbot: QtBot, page: RosterPage, context: ViewContext
) -> None:
    packer = shift_row(page, "Packer", 0)
    choose(qtbot, page, packer)
    wait_for_candidates(qtbot, page)
    dragged = page.candidate_model.mimeData([page.candidate_model.index(0)])
    assert dragged.hasFormat(VOLUNTEER_MIME)
    # A heading is not a place to drop someone.
    move = drag_event(QDragMoveEvent, page.board_model.index(0, 0), page, dragged)
    QApplication.sendEvent(page.board_view.viewport(), move)
    assert not move.isAccepted()
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        assert drop(page, packer, dragged).isAccepted()
    packer = shift_row(page, "Packer", 0)
    assert cell(packer, COLUMN_FILLED) == "2 of 3"
    assert people(page, "Packer", 0)["Noor Hussain"] == "Proposed"
    assert page.message_bar.label.text() == "Noor Hussain is now on Packer."
    assert context.undo_stack.undoText() == "Assign Noor Hussain to Packer"


def test_ctrl_z_right_after_the_first_drop_takes_the_volunteer_off_again(
    qtbot: QtBot, page: RosterPage, context: ViewContext
) -> None:
    undo = context.undo_stack.undo_action(page, "&Undo")
    undo.setShortcut(QKeySequence.StandardKey.Undo)
    page.addAction(undo)
    packer = shift_row(page, "Packer", 0)
    choose(qtbot, page, packer)
    wait_for_candidates(qtbot, page)
    assert not undo.isEnabled(), "nothing done yet in this session"
    # The worker is still busy (a big week's clash check, say) when the volunteer is dropped
    # and Ctrl+Z is pressed at once: the assignment is not made yet, nor on the stack.
    held = threading.Event()
    context.worker.submit(lambda: held.wait(10))
    dragged = page.candidate_model.mimeData([page.candidate_model.index(0)])
    assert drop(page, packer, dragged).isAccepted()
    assert undo.isEnabled()
    qtbot.keyClick(page.board_view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    held.set()
    stack = context.undo_stack
    qtbot.waitUntil(
        lambda: (
            stack.canRedo() and not stack.busy and not people(page, "Packer", 0).get("Noor Hussain")
        ),
        timeout=10_000,
    )
    context.worker.run_until_idle()
    assert "Noor Hussain" not in people(page, "Packer", 0)
    assert cell(shift_row(page, "Packer", 0), COLUMN_FILLED) == "1 of 3"
    assert context.undo_stack.redoText() == "Assign Noor Hussain to Packer"


def test_picker_assigns_by_typing_a_name_and_pressing_enter(qtbot: QtBot, page: RosterPage) -> None:
    packer = shift_row(page, "Packer", 0)
    choose(qtbot, page, packer)
    qtbot.keyClick(page.board_view, Qt.Key.Key_Return)
    dialog = page.assign_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.windowTitle() == "Assign a volunteer"
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 4)
    qtbot.keyClicks(dialog.search, "Fatima")
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        qtbot.keyClick(dialog.search, Qt.Key.Key_Return)
    assert not dialog.isVisible()
    assert people(page, "Packer", 0) == {"Fatima Khan": "Proposed", "Pavel Mwangi": "Accepted"}
    assert cell(shift_row(page, "Packer", 0), COLUMN_FILLED) == "2 of 3"


def test_escape_closes_the_picker_without_assigning(qtbot: QtBot, page: RosterPage) -> None:
    choose(qtbot, page, shift_row(page, "Packer", 0))
    dialog = page.open_assign_dialog()
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 4)
    qtbot.keyClick(dialog.search, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    assert cell(shift_row(page, "Packer", 0), COLUMN_FILLED) == "1 of 3"


def test_someone_busy_then_needs_a_reason_and_the_clash_shows_inline(
    qtbot: QtBot, page: RosterPage, context: ViewContext
) -> None:
    # Hiroko is the Thursday call supervisor, 10:00–12:00; the circle's greeter is at 11:00.
    hiroko = volunteer_id(context, "Hiroko Price")
    greeter = shift_row(page, "Greeter", 3)
    drop(page, greeter, volunteer_mime(hiroko, "Hiroko Price"))
    qtbot.waitUntil(lambda: page.reason_dialog is not None and page.reason_dialog.isVisible())
    dialog = page.reason_dialog
    assert dialog is not None
    clash = (
        "Hiroko Price is already on “Monday and Thursday befriending calls – Call supervisor” "
        "10:00–12:00 that day."
    )
    assert clash in dialog.reasons.text()
    qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible(), "a reason is required"
    assert dialog.reason_error.isVisible()
    assert "reason" in dialog.reason_error.text()
    qtbot.keyClicks(dialog.reason, "Calls end early on Thursdays")
    assert not dialog.reason_error.isVisible()
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
    greeter = shift_row(page, "Greeter", 3)
    assert cell(greeter, COLUMN_FILLED) == "1 of 1"
    row = page.board_model.index(0, 0, greeter)
    assert row.data() == "Hiroko Price"
    assert page.board_view.isExpanded(greeter), "the new person is on show"
    assert cell(row, COLUMN_NOTES) == "⚠ Already on " + clash.split(" already on ", 1)[1]
    assert clash in row.data(Qt.ItemDataRole.ToolTipRole)
    assert "Reason given: Calls end early on Thursdays" in row.data(Qt.ItemDataRole.ToolTipRole)
    stored = context.services.assignments.for_shift(find_shift(page, "Greeter", 3).fill.shift_id)
    assert [a.override_reason for a in stored if a.volunteer_id == hiroko] == [
        "Calls end early on Thursdays"
    ]


def test_cancelling_the_reason_assigns_nobody(
    qtbot: QtBot, page: RosterPage, context: ViewContext
) -> None:
    hiroko = volunteer_id(context, "Hiroko Price")
    drop(page, shift_row(page, "Greeter", 3), volunteer_mime(hiroko, "Hiroko Price"))
    qtbot.waitUntil(lambda: page.reason_dialog is not None and page.reason_dialog.isVisible())
    assert page.reason_dialog is not None
    qtbot.keyClick(page.reason_dialog.reason, Qt.Key.Key_Escape)
    assert not page.reason_dialog.isVisible()
    assert context.undo_stack.count() == 0
    assert cell(shift_row(page, "Greeter", 3), COLUMN_FILLED) == "0 of 1"


# Changing and undoing -----------------------------------------------------------------------


def test_remove_asks_first_and_can_be_undone(
    qtbot: QtBot, page: RosterPage, context: ViewContext
) -> None:
    packer = shift_row(page, "Packer", 0)
    choose(qtbot, page, page.board_model.index(0, 0, packer))
    assert page.remove_button.isEnabled()
    qtbot.keyClick(page.board_view, Qt.Key.Key_Delete)
    box = page.remove_box
    assert box is not None and box.isVisible()
    assert box.text() == "Take Pavel Mwangi off “Packer”?"
    remove = next(b for b in box.buttons() if b.text() == "Remove")
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        qtbot.mouseClick(remove, Qt.MouseButton.LeftButton)
    assert people(page, "Packer", 0) == {}
    assert cell(shift_row(page, "Packer", 0), COLUMN_FILLED, FILL_ROLE) == "empty"
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        context.undo_stack.undo()
    assert people(page, "Packer", 0) == {"Pavel Mwangi": "Accepted"}


def test_declining_the_removal_keeps_the_person(qtbot: QtBot, page: RosterPage) -> None:
    packer = shift_row(page, "Packer", 0)
    choose(qtbot, page, page.board_model.index(0, 0, packer))
    qtbot.mouseClick(page.remove_button, Qt.MouseButton.LeftButton)
    box = page.remove_box
    assert box is not None
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Cancel), Qt.MouseButton.LeftButton)
    assert people(page, "Packer", 0) == {"Pavel Mwangi": "Accepted"}


def test_status_change_through_the_menu(
    qtbot: QtBot, page: RosterPage, context: ViewContext
) -> None:
    stock = shift_row(page, "Stock checker", 0)
    choose(qtbot, page, page.board_model.index(0, 0, stock))
    assert page.status_button.isEnabled()
    accepted = next(a for a in page.status_actions.actions() if a.text() == "Accepted")
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        accepted.trigger()
    assert people(page, "Stock checker", 0) == {"Bilal Nguyen": "Accepted"}
    assert context.undo_stack.undoText() == "Mark Bilal Nguyen as accepted"
    declined = next(a for a in page.status_actions.actions() if a.text() == "Declined")
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        declined.trigger()
    assert cell(shift_row(page, "Stock checker", 0), COLUMN_FILLED) == "0 of 1"
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        context.undo_stack.undo()
    assert people(page, "Stock checker", 0) == {"Bilal Nguyen": "Accepted"}


def test_undo_and_redo_an_assignment(qtbot: QtBot, page: RosterPage, context: ViewContext) -> None:
    choose(qtbot, page, shift_row(page, "Packer", 0))
    wait_for_candidates(qtbot, page)
    page.candidate_view.setFocus()
    page.candidate_view.setCurrentIndex(page.candidate_model.index(1))
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        qtbot.keyClick(page.candidate_view, Qt.Key.Key_Return)
    assert "John Smith" in people(page, "Packer", 0)
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        context.undo_stack.undo()
    assert people(page, "Packer", 0) == {"Pavel Mwangi": "Accepted"}
    assert cell(shift_row(page, "Packer", 0), COLUMN_FILLED) == "1 of 3"
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        context.undo_stack.redo()
    assert people(page, "Packer", 0) == {"John Smith": "Proposed", "Pavel Mwangi": "Accepted"}
    assert cell(shift_row(page, "Packer", 0), COLUMN_FILLED) == "2 of 3"
    # The board was updated in place: the chosen shift stayed chosen.
    assert page.selected_shift() is not None
    assert page.selected_shift().fill.role == "Packer"  # type: ignore[union-attr]


def test_enter_opens_people_and_events_for_other_pages(
    qtbot: QtBot, page: RosterPage, context: ViewContext
) -> None:
    packer = shift_row(page, "Packer", 0)
    choose(qtbot, page, page.board_model.index(0, 0, packer))
    with qtbot.waitSignal(page.open_volunteer) as asked:
        qtbot.keyClick(page.board_view, Qt.Key.Key_Return)
    assert asked.args == [volunteer_id(context, "Pavel Mwangi")]
    heading = packer.parent()
    choose(qtbot, page, heading)
    with qtbot.waitSignal(page.open_occurrence) as asked:
        qtbot.keyClick(page.board_view, Qt.Key.Key_Enter)
    shift = find_shift(page, "Packer", 0)
    assert asked.args == [shift.fill.event_id, shift.fill.recurrence_id]
    view = page.board_view
    where = view.visualRect(packer).center()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=where)
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=where)
    assert page.assign_dialog is not None and page.assign_dialog.isVisible()
    page.assign_dialog.reject()


def test_changes_made_elsewhere_reload_the_board(
    qtbot: QtBot, page: RosterPage, context: ViewContext
) -> None:
    shift = find_shift(page, "Greeter", 1)
    noor = volunteer_id(context, "Noor Hussain")
    page.hide()
    context.services.assignments.create(
        AssignmentDraft(
            shift_id=shift.fill.shift_id,
            volunteer_id=noor,  # type: ignore[arg-type]
            occurrence_start=shift.fill.recurrence_id,
        )
    )
    context.hub.announce(DataChange.of("Priya", "assignment", by_me=False))
    assert cell(shift_row(page, "Greeter", 1), COLUMN_FILLED) == "0 of 1"  # not while hidden
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.show()
    assert cell(shift_row(page, "Greeter", 1), COLUMN_FILLED) == "1 of 1"


# Periods, filters and read-only ------------------------------------------------------------


def test_the_title_drops_down_a_month_to_go_to_the_week_of_any_date(
    qtbot: QtBot, page: RosterPage
) -> None:
    page.board_view.setFocus()
    opened_on: list[date] = []

    def choose(calendar: QCalendarWidget, table: QTableView) -> None:
        chosen = calendar.selectedDate()
        opened_on.append(date(chosen.year(), chosen.month(), chosen.day()))
        QTest.keyClick(table, Qt.Key.Key_PageDown)  # a month on: Wednesday 23 December
        QTest.keyClick(table, Qt.Key.Key_Return)

    when_picker_shows(page, choose)
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        qtbot.keyClick(page.board_view, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    assert opened_on == [MONDAY], "the month opens on the week shown"
    assert page.period_button.text() == "21–27 December 2026"
    assert page.period_button.accessibleName() == "21–27 December 2026"
    days = {shift.fill.starts_at.astimezone().date() for shift in page.board_model.shifts()}
    assert days and all(date(2026, 12, 21) <= day <= date(2026, 12, 27) for day in days)
    qtbot.waitUntil(lambda: page.focusWidget() is page.board_view)


def test_the_week_the_title_picker_rests_on_is_read_before_it_is_chosen(
    qtbot: QtBot, page: RosterPage
) -> None:
    """Stopping on a day in the title's month reads its week, so choosing it shows the
    board at once."""
    page.board_view.setFocus()
    wanted = week_period(date(2027, 1, 23))
    read_while_open: list[bool] = []

    def rest_then_choose(_calendar: QCalendarWidget, table: QTableView) -> None:
        for _ in range(2):
            QTest.keyClick(table, Qt.Key.Key_PageDown)  # two months on: Saturday 23 January
        try:
            qtbot.waitUntil(lambda: wanted in page.controller.ahead, timeout=10_000)
            read_while_open.append(True)
        except qtbot.TimeoutError:
            read_while_open.append(False)  # still choose it, so the picker closes
        QTest.keyClick(table, Qt.Key.Key_Return)

    when_picker_shows(page, rest_then_choose)
    qtbot.keyClick(page.board_view, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    assert read_while_open == [True], "the week rested on is read while the picker is open"
    assert page.period_button.text() == "18–24 January 2027"
    # On the board as soon as the picker closes: nothing left to read.
    days = {shift.fill.starts_at.astimezone().date() for shift in page.board_model.shifts()}
    assert days and all(date(2027, 1, 18) <= day <= date(2027, 1, 24) for day in days)
    qtbot.waitUntil(lambda: not page.settling, timeout=10_000)


def test_week_navigation_cause_filter_and_one_occurrence(
    qtbot: QtBot, page: RosterPage, context: ViewContext
) -> None:
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        qtbot.mouseClick(page.next_button, Qt.MouseButton.LeftButton)
    assert page.period_button.text() == "30 November – 6 December 2026"
    assert page.this_week_button.isEnabled()
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        qtbot.mouseClick(page.this_week_button, Qt.MouseButton.LeftButton)
    assert page.period_button.text() == "23–29 November 2026"
    assert not page.this_week_button.isEnabled()
    qtbot.waitUntil(lambda: page.cause_filter.count() == 7)
    food = page.cause_filter.findText("Food bank")
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.cause_filter.setCurrentIndex(food)
    titles = {shift.fill.title for shift in page.board_model.shifts()}
    assert titles == {
        "Monday evening stock sorting",
        "Friday food bank distribution",
        "Night shelter",
    }
    packer = find_shift(page, "Packer", 4)
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.show_occurrence(packer.fill.event_id, packer.fill.recurrence_id)
    assert [s.fill.role for s in page.board_model.shifts()] == ["Packer", "Welcome desk", "Driver"]
    assert page.period_button.text() == "Friday food bank distribution · Friday 27 November"
    assert page.whole_week_button.isVisible()
    assert not page.cause_filter.isEnabled()
    # Another page asks for one shift: its week is shown with the shift chosen.
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.show_shift(packer.fill.shift_id, packer.fill.recurrence_id + timedelta(weeks=1))
    assert page.period_button.text() == "30 November – 6 December 2026"
    chosen = page.selected_shift()
    assert chosen is not None
    assert chosen.key == (packer.fill.shift_id, packer.fill.recurrence_id + timedelta(weeks=1))
    assert page.shift_title.text() == "Packer"
    page.focus_search()
    assert page.search_field.hasFocus()


def test_read_only_file_shows_the_roster_but_refuses_changes(qtbot: QtBot, demo: Database) -> None:
    context = make_context(demo, read_only=True)
    page = open_page(qtbot, context)
    try:
        packer = shift_row(page, "Packer", 0)
        choose(qtbot, page, packer)
        wait_for_candidates(qtbot, page)
        assert not page.assign_button.isEnabled()
        assert page.open_assign_dialog() is None
        flags = page.candidate_model.flags(page.candidate_model.index(0))
        assert not flags & Qt.ItemFlag.ItemIsDragEnabled
        data = volunteer_mime(1, "Someone")
        enter = drag_event(QDragEnterEvent, packer, page, data)
        QApplication.sendEvent(page.board_view.viewport(), enter)
        assert not enter.isAccepted()
        choose(qtbot, page, page.board_model.index(0, 0, shift_row(page, "Packer", 0)))
        assert not page.remove_button.isEnabled()
        assert not page.status_button.isEnabled()
    finally:
        context.worker.wait()


def test_long_titles_that_differ_at_the_end_stay_apart(qtbot: QtBot, db: Database) -> None:
    start = datetime(2026, 11, 26, 10, tzinfo=ZoneInfo("Europe/London"))
    for place in ("Ashgate", "Elm"):
        draft = EventDraft(
            title=f"Monday and Thursday befriending and check-in telephone calls for older "
            f"neighbours living on their own ({place})",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            timezone="Europe/London",
        )
        SeriesService(db, "Tester").create(draft, [RoleDraft("Caller")])
    context = make_context(db)
    page = open_page(qtbot, context)
    try:
        page.resize(900, 800)
        view = page.board_view
        qtbot.waitUntil(lambda: view.viewport().width() < 700)

        image = view.viewport().grab().toImage()
        shifts = page.board_model.shifts()
        rows = [view.visualRect(page.board_model.shift_index(s.key).parent()) for s in shifts]
        assert len(rows) == 2
        assert view.fontMetrics().horizontalAdvance(shifts[0].fill.title) > rows[0].width()
        # The row's right half, where "(Ashgate)" and "(Elm)" would be.
        areas = [
            QRect(row.center().x(), row.top(), row.width() // 2 - 4, row.height()) for row in rows
        ]
        assert ink(image, areas[0]) != ink(image, areas[1])
    finally:
        context.worker.wait()


def test_every_control_has_an_accessible_name(page: RosterPage) -> None:
    kinds: tuple[type[QWidget], ...] = (QAbstractButton, QAbstractItemView, QLineEdit, QComboBox)
    controls = [child for kind in kinds for child in page.findChildren(kind)]
    assert len(controls) > 10
    assert [type(c).__name__ for c in controls if not c.accessibleName()] == []


def test_page_renders_to_a_png(qtbot: QtBot, page: RosterPage, tmp_path: Path) -> None:
    choose(qtbot, page, shift_row(page, "Packer", 0))
    wait_for_candidates(qtbot, page)
    image = page.grab().toImage()
    assert image.save(str(tmp_path / "roster.png"))
    small = image.scaled(80, 50).convertToFormat(QImage.Format.Format_RGB32)
    colours = {small.pixel(x, y) for x in range(small.width()) for y in range(small.height())}
    assert len(colours) > 20, "the page looks blank"
