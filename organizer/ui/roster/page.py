"""The Rosters page: the week's (or one occurrence's) shifts, who is on them, who could be.

The page only lays out widgets and passes requests to :class:`RosterController`; the board
and candidates are loaded on the background worker, one week at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta
from time import perf_counter
from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QPoint, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from organizer.changes import DataChange
from organizer.models import AssignmentStatus
from organizer.models.ids import AssignmentId
from organizer.services.roster import (
    BoardPerson,
    BoardShift,
    Candidate,
    Clash,
    RosterService,
)
from organizer.ui import colour_dot
from organizer.ui.context import ViewContext
from organizer.ui.date_picker import DatePicker, paint_chevron, title_button
from organizer.ui.roster.controller import PendingAssignment, Period, RosterController
from organizer.ui.roster.delegates import CandidateDelegate, fill_colour
from organizer.ui.roster.dialogs import AssignDialog, ReasonDialog
from organizer.ui.roster.models import (
    OBJECT_ROLE,
    BoardModel,
    CandidateModel,
    PreparedBoard,
    RowKind,
    badge_text,
    day_text,
    fill_words,
    status_text,
)
from organizer.ui.roster.views import BoardView, CandidateView
from organizer.ui.roster.widgets import (
    MessageBar,
    heading_label,
    muted_label,
    search_field,
    shift_summary,
)

RELOAD_DELAY_MS = 40
SEARCH_DELAY_MS = 200
CHECK_AFTER_MS = 500
FLAG_SLICE_S = 0.008
"""How long clash flags go on before the window answers again (a busy week takes 40 ms)."""
DAYS_IN_WEEK = 7
WATCHED = ("shift", "assignment", "event", "volunteer", "cause")


def week_period(day: date) -> Period:
    """Monday 00:00 to the next Monday 00:00 (local time) of the week holding ``day``."""
    monday = day - timedelta(days=day.weekday())
    start = datetime.combine(monday, time()).astimezone()
    end = datetime.combine(monday + timedelta(days=7), time()).astimezone()
    return Period(start, end)


def week_label(period: Period) -> str:
    """The week as "23–29 November 2026", or "30 November – 6 December 2026"."""
    first = period.start.astimezone().date()
    last = first + timedelta(days=6)
    if first.year != last.year:
        return f"{first.day} {first:%B %Y} – {last.day} {last:%B %Y}"
    if first.month != last.month:
        return f"{first.day} {first:%B} – {last.day} {last:%B %Y}"
    return f"{first.day}–{last.day} {last:%B %Y}"


def _replace(old: QWidget | None, new: QWidget) -> Any:
    """Keep the newest dialog (tests and the next question use it); let the old one go."""
    if old is not None:
        old.deleteLater()
    return new


class RosterPage(QWidget):
    """Who is on each shift this week, which shifts are short, and who could fill them.

    Signals: ``open_volunteer(volunteer_id)`` when a person row is opened (Enter or
    double-click), ``open_occurrence(event_id, recurrence_id)`` when an event heading is
    opened, ``rows_shown()`` as soon as the board's rows are on screen (before the clash
    check), and ``loaded()`` each time the board on show has been (re)loaded with its clash
    flags.
    """

    open_volunteer = Signal(int)
    open_occurrence = Signal(int, object)
    rows_shown = Signal()
    loaded = Signal()

    def __init__(
        self,
        context: ViewContext,
        parent: QWidget | None = None,
        *,
        roster: RosterService | None = None,
        today: Callable[[], date] = date.today,
    ) -> None:
        """Show this week's roster for ``context``'s database (``today`` says which week)."""
        super().__init__(parent)
        self.context = context
        self.roster = roster or context.services.roster
        self.controller = RosterController(context, self.roster, self)
        self.today = today
        self.period = week_period(today())
        self.cause_ids: list[int] | None = None
        self.assign_dialog: AssignDialog | None = None
        self.reason_dialog: ReasonDialog | None = None
        self.remove_box: QMessageBox | None = None
        self._current_key: tuple[Any, ...] | None = None
        self._clashes: dict[AssignmentId, tuple[Clash, ...]] = {}
        self._clashes_for: tuple[Any, ...] | None = None
        self._showing_for: tuple[Any, ...] | None = None
        self.checking = False
        self._candidates_for: tuple[Any, ...] | None = None
        self.setObjectName("page-rosters")
        self.setAccessibleName(self.tr("Rosters"))

        self._build_header()
        self._build_board()
        self._build_side_panel()
        self._build_layout()
        self._connect()
        self._apply_read_only()
        self._load_causes()
        self._stale = True  # loaded when first shown
        # Imported here: the scheduling package itself builds on this roster package.
        from organizer.ui.scheduling.actions import RosterScheduling

        self.scheduling = RosterScheduling(self)  # heat map, Fill gaps…, Find cover…
        from organizer.ui.reports.roster_actions import RosterAttendance

        self.attendance = RosterAttendance(self)  # Attendance…, Sign-in sheet…

    # Layout --------------------------------------------------------------------------------

    def _build_header(self) -> None:
        # Arrows, as on the Calendar page: the week's title (and its chevron) needs the room.
        self.previous_button = QPushButton("‹")
        self.previous_button.setAccessibleName(self.tr("Previous week"))
        self.previous_button.setToolTip(self.tr("Previous week (Alt+Left)"))
        self.previous_button.setShortcut(QKeySequence("Alt+Left"))
        self.this_week_button = QPushButton(self.tr("This week"))
        self.this_week_button.setAccessibleName(self.tr("This week"))
        self.next_button = QPushButton("›")
        self.next_button.setAccessibleName(self.tr("Next week"))
        self.next_button.setToolTip(self.tr("Next week (Alt+Right)"))
        self.next_button.setShortcut(QKeySequence("Alt+Right"))
        height = self.this_week_button.sizeHint().height()
        for arrow in (self.previous_button, self.next_button):
            font = arrow.font()
            font.setPointSizeF(font.pointSizeF() * 1.4)
            arrow.setFont(font)
            arrow.setFixedSize(height + 6, height)  # larger arrows, the header no taller
        # The week's title drops down a month to go to the week of any date.
        self.date_picker: DatePicker | None = None
        self.period_button = title_button(1.35, self.tr("Go to the week of a date (Ctrl+G)"))
        self.period_button.setObjectName("roster-period")
        self.period_button.setAccessibleDescription(
            self.tr("Opens a month to go to the week of another date")
        )
        self.period_button.clicked.connect(self.show_date_picker)
        go_to = QShortcut(QKeySequence("Ctrl+G"), self)
        go_to.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        go_to.activated.connect(self.show_date_picker)
        self.whole_week_button = QPushButton(self.tr("Show the whole week"))
        self.whole_week_button.setAccessibleName(self.tr("Show the whole week"))
        self.whole_week_button.hide()
        self.loading_label = muted_label(self.tr("Loading…"))
        self.loading_label.setObjectName("roster-loading")
        self.loading_label.setAccessibleName(self.tr("Loading"))
        self.loading_label.setWordWrap(False)
        self.loading_label.hide()
        self.checking_label = muted_label(self.tr("Checking for clashes…"))
        self.checking_label.setObjectName("roster-checking")
        self.checking_label.setAccessibleName(self.tr("Checking for clashes"))
        self.checking_label.setWordWrap(False)
        self.checking_label.hide()
        self.cause_label = QLabel(self.tr("&Cause:"))
        self.cause_label.setAccessibleName(self.tr("Cause filter label"))
        self.cause_filter = QComboBox()
        self.cause_filter.setObjectName("roster-cause-filter")
        self.cause_filter.setAccessibleName(self.tr("Show shifts of cause"))
        self.cause_filter.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.cause_filter.setMinimumWidth(160)
        self.cause_filter.addItem(self.tr("All causes"), None)
        self.cause_filter.view().setAccessibleName(self.tr("Causes"))
        self.cause_label.setBuddy(self.cause_filter)
        self.message_bar = MessageBar(self)

    def _build_board(self) -> None:
        self.board_model = BoardModel(self)
        self.board_view = BoardView(self.board_model)
        self.board_view.setObjectName("roster-board")
        self.board_view.setAccessibleName(self.tr("Roster board"))
        self.board_view.setAccessibleDescription(
            self.tr(
                "Days, events and their shifts with who is on them. Drop a volunteer on a "
                "shift to assign them; Enter on a shift opens the picker; Delete removes."
            )
        )
        self.board_view.header().setAccessibleName(self.tr("Board columns"))
        self.empty_label = muted_label(self.tr("Loading…"))
        self.empty_label.setObjectName("roster-empty")
        self.empty_label.setAccessibleName(self.tr("Nothing to show"))
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.board_stack = QStackedWidget()
        self.board_stack.setAccessibleName(self.tr("Board area"))
        self.board_stack.addWidget(self.empty_label)
        self.board_stack.addWidget(self.board_view)

    def _build_side_panel(self) -> None:
        self.shift_title = heading_label(self.tr("Choose a shift"), 1.2)
        self.shift_title.setObjectName("roster-shift-title")
        self.shift_title.setAccessibleName(self.tr("Chosen shift"))
        self.shift_details = muted_label(
            self.tr("Select a shift on the board to see who could do it.")
        )
        self.shift_details.setObjectName("roster-shift-details")
        self.shift_details.setAccessibleName(self.tr("Shift details"))
        self.fill_label = QLabel()
        self.fill_label.setObjectName("roster-shift-fill")
        self.fill_label.setAccessibleName(self.tr("How full the shift is"))
        self.fill_label.hide()

        self.assign_button = QPushButton(self.tr("Assign…"))
        self.assign_button.setObjectName("roster-assign")
        self.assign_button.setAccessibleName(self.tr("Assign a volunteer to the shift"))
        self.status_button = QPushButton(self.tr("Status"))
        self.status_button.setObjectName("roster-status")
        self.status_button.setAccessibleName(self.tr("Set the volunteer's status"))
        self.status_menu = QMenu(self.status_button)
        self.status_menu.setAccessibleName(self.tr("Statuses"))
        self.status_actions = QActionGroup(self)
        self.status_actions.setExclusive(True)
        for status in AssignmentStatus:
            action = QAction(status_text(status), self.status_actions)
            action.setCheckable(True)
            action.setData(status.value)
            self.status_menu.addAction(action)
        self.status_button.setMenu(self.status_menu)
        self.remove_button = QPushButton(self.tr("Remove"))
        self.remove_button.setObjectName("roster-remove")
        self.remove_button.setAccessibleName(self.tr("Remove the volunteer from the shift"))
        self.remove_button.setToolTip(self.tr("Remove from the shift (Delete)"))

        self.candidates_heading = heading_label(self.tr("Suitable and free"), 1.0)
        self.candidates_heading.setAccessibleName(self.tr("Candidates heading"))
        self.search_field = search_field(
            self.tr("Search by name"), self.tr("Search suitable volunteers")
        )
        self.search_field.setObjectName("roster-search")
        self.candidate_model = CandidateModel(self)
        self.candidate_view = CandidateView(self.candidate_model)
        self.candidate_view.setObjectName("roster-candidates")
        self.candidate_view.setAccessibleName(self.tr("Suitable volunteers"))
        self.candidate_view.setItemDelegate(CandidateDelegate(self.candidate_view))
        self.candidate_hint = muted_label()
        self.candidate_hint.setObjectName("roster-candidate-hint")
        self.candidate_hint.setAccessibleName(self.tr("Candidates hint"))

    def _build_layout(self) -> None:
        header = QHBoxLayout()
        header.setSpacing(6)
        header.addWidget(self.previous_button)
        header.addWidget(self.this_week_button)
        header.addWidget(self.next_button)
        header.addSpacing(14)
        header.addWidget(self.period_button)
        header.addSpacing(8)
        header.addWidget(self.whole_week_button)
        header.addStretch(1)
        header.addWidget(self.loading_label)
        header.addWidget(self.checking_label)
        header.addSpacing(12)
        header.addWidget(self.cause_label)
        header.addWidget(self.cause_filter)

        side = QWidget()
        side.setObjectName("roster-side")
        side.setAccessibleName(self.tr("Chosen shift and suitable volunteers"))
        side.setMinimumWidth(260)
        actions = QHBoxLayout()
        actions.setSpacing(6)
        actions.addWidget(self.assign_button)
        actions.addWidget(self.status_button)
        actions.addWidget(self.remove_button)
        actions.addStretch(1)
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(14, 4, 4, 0)
        side_layout.setSpacing(6)
        side_layout.addWidget(self.shift_title)
        side_layout.addWidget(self.shift_details)
        side_layout.addWidget(self.fill_label)
        side_layout.addSpacing(4)
        side_layout.addLayout(actions)
        side_layout.addSpacing(14)
        side_layout.addWidget(self.candidates_heading)
        side_layout.addWidget(self.search_field)
        side_layout.addWidget(self.candidate_view, 1)
        side_layout.addWidget(self.candidate_hint)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("roster-splitter")
        self.splitter.setAccessibleName(self.tr("Board and suitable volunteers"))
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.board_stack)
        self.splitter.addWidget(side)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([780, 300])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(10)
        layout.addLayout(header)
        layout.addWidget(self.message_bar)
        layout.addWidget(self.splitter, 1)

        for first, second in (
            (self.previous_button, self.this_week_button),
            (self.this_week_button, self.next_button),
            (self.next_button, self.period_button),
            (self.period_button, self.whole_week_button),
            (self.whole_week_button, self.cause_filter),
            (self.cause_filter, self.board_view),
            (self.board_view, self.assign_button),
            (self.assign_button, self.status_button),
            (self.status_button, self.remove_button),
            (self.remove_button, self.search_field),
            (self.search_field, self.candidate_view),
        ):
            QWidget.setTabOrder(first, second)
        self.board_view.setFocus()

    def _connect(self) -> None:
        controller = self.controller
        controller.board_loaded.connect(self._show_board)
        controller.board_extended.connect(self._add_days)
        controller.clashes_loaded.connect(self._show_clashes)
        controller.checking_changed.connect(self._set_checking)
        controller.candidates_loaded.connect(self._show_candidates)
        controller.loading_changed.connect(self.loading_label.setVisible)
        controller.reason_needed.connect(self._ask_reason)
        controller.notice.connect(lambda text: self.message_bar.show_message(text))
        controller.problem.connect(lambda text: self.message_bar.show_message(text, problem=True))
        self.previous_button.clicked.connect(lambda: self._step_week(-1))
        self.next_button.clicked.connect(lambda: self._step_week(1))
        self.this_week_button.clicked.connect(lambda: self.show_week(self.today()))
        self.whole_week_button.clicked.connect(
            lambda: self.show_week(self.period.start.astimezone().date())
        )
        self.cause_filter.currentIndexChanged.connect(self._cause_chosen)
        self.board_view.selectionModel().currentRowChanged.connect(self._current_changed)
        self.board_view.open_requested.connect(self._open_row)
        self.board_view.painted.connect(self._check_clashes)
        self.board_view.remove_requested.connect(self._remove_row)
        self.board_view.volunteer_dropped.connect(self._assign_dropped)
        self.board_view.customContextMenuRequested.connect(self._context_menu)
        self.assign_button.clicked.connect(self.open_assign_dialog)
        self.remove_button.clicked.connect(lambda: self._remove_row(self.board_view.currentIndex()))
        self.status_menu.aboutToShow.connect(self._check_current_status)
        self.status_actions.triggered.connect(self._status_chosen)
        self.candidate_view.activated.connect(self._assign_candidate)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._load_candidates)
        self.search_field.textChanged.connect(lambda _: self._search_timer.start())
        self._check_timer = QTimer(self)  # in case the board is never painted (minimised)
        self._check_timer.setSingleShot(True)
        self._check_timer.setInterval(CHECK_AFTER_MS)
        self._check_timer.timeout.connect(self._check_clashes)
        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(RELOAD_DELAY_MS)
        self._reload_timer.timeout.connect(self.refresh)
        self._flagging: Iterator[int] | None = None
        self._flag_timer = QTimer(self)
        self._flag_timer.setInterval(0)
        self._flag_timer.timeout.connect(self._flag_some)
        self.context.hub.changed.connect(self._data_changed)

    def _apply_read_only(self) -> None:
        editable = not self.context.read_only
        self.board_view.accepts_volunteers = editable
        self.candidate_model.draggable = editable
        if not editable:
            self.assign_button.setToolTip(self.tr("This file is open read-only."))
        self._update_actions()

    # Loading -------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Reload the board for the period on show (off the GUI thread)."""
        self._stale = False
        self._reload_timer.stop()
        self._stop_flagging()  # the flags kept come with the rows read again
        self._show_period_label()
        showing = (self.period, None if self.cause_ids is None else tuple(self.cause_ids))
        keep = None
        if showing == self._showing_for:
            # A reload of the same board keeps its flags until the new check lands.
            keep = self._clashes if self._clashes_for == showing else {}
        self._showing_for = showing
        self.controller.load_board(self.period, self.cause_ids, keep=keep)

    def show_week(self, day: date) -> None:
        """Show the week (Monday to Sunday) holding ``day``."""
        self.period = week_period(day)
        self.refresh()

    def show_occurrence(self, event_id: int, recurrence_id: datetime) -> None:
        """Show only the shifts of one occurrence of an event."""
        start = recurrence_id
        self.period = Period(start, start, event_id, recurrence_id)
        self.refresh()

    def show_shift(self, shift_id: int, recurrence_id: datetime) -> None:
        """Show the week of one shift's occurrence, with that shift chosen."""
        self.board_view.setCurrentIndex(QModelIndex())
        self._current_key = ("shift", shift_id, recurrence_id)
        self.show_week(recurrence_id.astimezone().date())

    def focus_search(self) -> None:
        """Put the cursor in the search box of suitable volunteers."""
        self.search_field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_field.selectAll()

    def show_date_picker(self) -> None:
        """Drop a month down from the title, to go to the week of any date (Ctrl+G)."""
        if self.date_picker is None:
            self.date_picker = DatePicker(self)
            self.date_picker.picked.connect(self._go_to_date)
            self.date_picker.rested.connect(self._read_rested)
        shown = self.period.start.astimezone().date()
        self.date_picker.drop_from(self.period_button, shown, self.today())

    def _read_rested(self, day: date) -> None:
        """Read the week of the day the date picker rests on, so going there is instant."""
        self.controller.read_ahead(week_period(day), self.cause_ids)

    def _go_to_date(self, day: date) -> None:
        """Show the week of ``day``, chosen from the title's month; the keyboard to the board."""
        self.show_week(day)
        QTimer.singleShot(0, self.board_view.setFocus)

    def _step_week(self, step: int) -> None:
        self.show_week(self.period.start.astimezone().date() + timedelta(weeks=step))

    def _show_period_label(self, shifts: list[BoardShift] | None = None) -> None:
        occurrence = self.period.is_occurrence
        self.whole_week_button.setVisible(occurrence)
        self.cause_filter.setEnabled(not occurrence)
        self.this_week_button.setEnabled(occurrence or self.period != week_period(self.today()))
        if not occurrence:
            self.period_button.setText(week_label(self.period))
        elif shifts:
            first = shifts[0]
            when = day_text(first.occurrence_starts.astimezone().date())
            self.period_button.setText(f"{first.fill.title} · {when}")
        self.period_button.setAccessibleName(self.period_button.text())

    def _data_changed(self, change: DataChange) -> None:
        self.controller.forget_ahead()  # whatever changed may show on a week read ahead
        if change.touches("cause"):
            self._load_causes()
        if change.touches(*WATCHED):
            if self.isVisible():
                self._reload_timer.start()
            else:
                self._stale = True

    def _load_causes(self) -> None:
        causes = self.context.services.causes
        self.context.worker.submit(
            causes.list, on_done=self._show_causes, on_error=self.controller.report
        )

    def _show_causes(self, causes: list[Any]) -> None:
        chosen = self.cause_filter.currentData()
        self.cause_filter.blockSignals(True)
        self.cause_filter.clear()
        self.cause_filter.addItem(self.tr("All causes"), None)
        for cause in causes:
            if cause.active or cause.id == chosen:
                self.cause_filter.addItem(colour_dot(cause.colour), cause.name, cause.id)
        index = self.cause_filter.findData(chosen) if chosen is not None else 0
        self.cause_filter.setCurrentIndex(max(index, 0))
        self.cause_filter.blockSignals(False)
        if chosen is not None and index < 0:
            self._cause_chosen()

    def _cause_chosen(self) -> None:
        cause = self.cause_filter.currentData()
        self.cause_ids = None if cause is None else [int(cause)]
        self.refresh()

    def _show_board(self, board: PreparedBoard) -> None:
        shifts = board.shifts
        if self.controller.loading_more:  # the first day of the week: guess the whole
            self.board_view.expected_size = board.row_count * DAYS_IN_WEEK
        if shifts:
            # Shown before its rows arrive: showing the board lays it out, three times over.
            self.board_stack.setCurrentWidget(self.board_view)
        reset = self.board_model.set_board(board)
        self.board_view.expected_size = None  # a guess for this board only
        self._show_period_label(shifts)
        if not shifts:
            self.empty_label.setText(
                self.tr("This occurrence has no shifts to fill.")
                if self.period.is_occurrence
                else self.tr("No shifts this week.\nShifts are added to events on the Events page.")
            )
            self.board_stack.setCurrentWidget(self.empty_label)
        if reset:
            self.board_view.expand_board()
        if reset and shifts:
            self._go_on_once_painted()
        else:
            QTimer.singleShot(0, self, self._check_clashes)
        self._restore_current()
        self._update_side_panel()
        self._load_candidates()  # who is free may have changed with the board
        self.rows_shown.emit()

    def _add_days(self, more: PreparedBoard) -> None:
        """The rest of a week shown from its first day: added below, then checked."""
        self.board_model.add_days(more)
        self._go_on_once_painted()
        self._restore_current()

    def _go_on_once_painted(self) -> None:
        """Read the rest of the week, or check for clashes, once the new rows are painted.

        Either (pure Python on the worker) would slow the layout down several times over if
        it ran beside it; a board not on screen goes on at once.
        """
        if self.board_view.isVisible():
            self.board_view.announce_paint()
            self._check_timer.start()
        else:
            QTimer.singleShot(0, self, self._check_clashes)

    def _check_clashes(self) -> None:
        if self.controller.loading_more:
            # The first day is on screen: the rest of the week next, painted, then checked.
            self.controller.read_rest()
            return
        self._check_timer.stop()
        self._read_ahead(1)  # the likeliest next step: on the worker before the check
        self.controller.check_clashes()

    def _read_ahead(self, step: int) -> None:
        if not self.period.is_occurrence:
            day = self.period.start.astimezone().date() + timedelta(weeks=step)
            self.controller.read_ahead(week_period(day), self.cause_ids)

    @property
    def settling(self) -> bool:
        """Whether the board on show is still opening its days or waits for its clash check."""
        return (
            self.checking
            or self._flagging is not None
            or self._check_timer.isActive()
            or self.board_view.unfolding
            or self.controller.loading_more
        )

    def _set_checking(self, checking: bool) -> None:
        self.checking = checking
        self.checking_label.setVisible(checking)

    def _show_clashes(self, clashes: dict[AssignmentId, tuple[Clash, ...]]) -> None:
        """Put the clash check's flags on the rows already shown, a few days at a time."""
        self._clashes = clashes
        self._clashes_for = self._showing_for
        self._flagging = self.board_model.clash_steps(clashes)
        self._flag_some()

    def _flag_some(self) -> None:
        """Flag rows for a moment, then let the window answer; ``loaded`` once all are."""
        steps = self._flagging
        if steps is None:
            return
        until = perf_counter() + FLAG_SLICE_S
        for _ in steps:
            if perf_counter() >= until:
                self._flag_timer.start()
                return
        self._stop_flagging()
        self._read_ahead(-1)
        self.loaded.emit()

    def _stop_flagging(self) -> None:
        self._flagging = None
        self._flag_timer.stop()

    def _restore_current(self) -> None:
        """Keep the chosen row chosen across reloads (or its shift, if the row went)."""
        view = self.board_view
        if view.currentIndex().isValid() or self._current_key is None:
            return
        kind, *ids = self._current_key
        index = self.board_model.person_index(ids[0]) if kind == "person" else QModelIndex()
        if not index.isValid() and kind in ("shift", "person"):
            index = self.board_model.shift_index((ids[-2], ids[-1]))
        if index.isValid():
            view.setCurrentIndex(index)
            view.scrollTo(index)

    # The chosen shift ----------------------------------------------------------------------

    def selected_shift(self) -> BoardShift | None:
        """The shift chosen on the board (or the shift of the chosen person)."""
        return self.board_model.shift_at(self.board_view.currentIndex())

    def selected_person(self) -> BoardPerson | None:
        """The person chosen on the board."""
        return self.board_model.person_at(self.board_view.currentIndex())

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        shift = self.board_model.shift_at(current)
        person = self.board_model.person_at(current)
        if person is not None and shift is not None:
            self._current_key = ("person", person.assignment_id, *shift.key)
        elif shift is not None:
            self._current_key = ("shift", *shift.key)
        else:
            self._current_key = None
        self._update_side_panel()

    def _update_side_panel(self) -> None:
        """Describe the chosen shift; ask for its candidates once the choice settles."""
        shift = self.selected_shift()
        self._update_actions()
        self._describe(shift)
        self.search_field.setEnabled(shift is not None)
        key = shift.key if shift is not None else None
        if key == self._candidates_for:
            return
        self._candidates_for = key
        self.candidate_model.set_candidates([])
        self.candidate_hint.setText(self.tr("Loading…") if shift is not None else "")
        if shift is not None:
            self._search_timer.start()  # moving through the board with the arrows stays quick

    def _describe(self, shift: BoardShift | None) -> None:
        if shift is None:
            self.shift_title.setText(self.tr("Choose a shift"))
            self.shift_details.setText(
                self.tr("Select a shift on the board to see who could do it.")
            )
            self.fill_label.hide()
            return
        self.shift_title.setText(shift.fill.role)
        details = shift_summary(shift)
        if shift.location:
            details += f" · {shift.location}"
        if shift.qualification:
            details += "\n" + self.tr("Needs {qualification}").format(
                qualification=shift.qualification
            )
        self.shift_details.setText(details)
        colour = fill_colour(shift.status, self.palette())
        self.fill_label.setText(
            f"<span style='color:{colour.name()}; font-weight:600'>{badge_text(shift)}</span>"
            f" &nbsp;·&nbsp; {fill_words(shift)}"
        )
        self.fill_label.show()

    def changeEvent(self, event: QEvent) -> None:
        """Redraw the fill colours when the palette changes (for example, into dark mode)."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and hasattr(self, "fill_label"):
            self._describe(self.selected_shift())
            paint_chevron(self.period_button)

    def showEvent(self, event: QShowEvent) -> None:
        """Load when first shown, and catch up on changes made while hidden."""
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def _update_actions(self) -> None:
        editable = not self.context.read_only
        self.assign_button.setEnabled(editable and self.selected_shift() is not None)
        person_chosen = self.selected_person() is not None
        self.status_button.setEnabled(editable and person_chosen)
        self.remove_button.setEnabled(editable and person_chosen)

    def _load_candidates(self) -> None:
        self._search_timer.stop()
        shift = self.selected_shift()
        if shift is None:
            return
        self.candidate_hint.setText(self.tr("Loading…"))
        self.controller.load_candidates(shift, self.search_field.text())

    def _show_candidates(self, key: Any, candidates: list[Candidate]) -> None:
        shift = self.selected_shift()
        if shift is None or shift.key != key:
            return
        self.candidate_model.set_candidates(candidates)
        if candidates and not self.context.read_only:
            self.candidate_hint.setText(
                self.tr("Drag a name onto a shift, or press Enter to assign.")
            )
        elif candidates:
            self.candidate_hint.setText(self.tr("This file is open read-only."))
        elif self.search_field.text().strip():
            self.candidate_hint.setText(self.tr("Nobody suitable and free matches that name."))
        else:
            self.candidate_hint.setText(self.tr("Nobody suitable is free for this shift."))

    # Assigning -----------------------------------------------------------------------------

    def open_assign_dialog(self) -> AssignDialog | None:
        """Open the Assign… picker for the chosen shift (returns it, or None)."""
        shift = self.selected_shift()
        if shift is None or self.context.read_only:
            return None
        dialog = AssignDialog(shift, self.controller, self)
        dialog.chosen.connect(lambda vid, name: self.controller.assign(shift, vid, name))
        self.assign_dialog = _replace(self.assign_dialog, dialog)
        dialog.open()
        return dialog

    def _assign_candidate(self, index: QModelIndex) -> None:
        candidate = self.candidate_model.candidate(index.row())
        shift = self.selected_shift()
        if candidate is not None and shift is not None:
            self.controller.assign(shift, candidate.volunteer_id, candidate.name)

    def _assign_dropped(self, shift: BoardShift, volunteer_id: int, name: str) -> None:
        self.controller.assign(shift, volunteer_id, name)

    def _ask_reason(self, pending: PendingAssignment) -> None:
        dialog = ReasonDialog(pending, self)
        dialog.confirmed.connect(
            lambda reason: self.controller.assign(
                pending.shift, pending.volunteer_id, pending.name, reason
            )
        )
        self.reason_dialog = _replace(self.reason_dialog, dialog)
        dialog.open()

    # Status and removal --------------------------------------------------------------------

    def _check_current_status(self) -> None:
        person = self.selected_person()
        for action in self.status_actions.actions():
            action.setChecked(person is not None and action.data() == person.status.value)

    def _status_chosen(self, action: QAction) -> None:
        self.set_status(AssignmentStatus(action.data()))

    def set_status(self, status: AssignmentStatus) -> None:
        """Change the chosen person's status."""
        shift, person = self.selected_shift(), self.selected_person()
        if shift is not None and person is not None:
            self.controller.set_status(shift, person, status)

    def _remove_row(self, index: QModelIndex) -> None:
        shift = self.board_model.shift_at(index)
        person = self.board_model.person_at(index)
        if shift is None or person is None or self.context.read_only:
            return
        box = QMessageBox(self)
        box.setObjectName("roster-remove-confirm")
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(self.tr("Remove from shift"))
        box.setText(
            self.tr("Take {name} off “{role}”?").format(name=person.name, role=shift.fill.role)
        )
        box.setInformativeText(
            shift_summary(shift) + "\n" + self.tr("You can undo this with Ctrl+Z.")
        )
        remove = box.addButton(self.tr("Remove"), QMessageBox.ButtonRole.DestructiveRole)
        remove.setAccessibleName(self.tr("Remove"))
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        cancel.setAccessibleName(self.tr("Cancel"))
        box.setDefaultButton(remove)
        box.setEscapeButton(cancel)

        def answered() -> None:
            if box.clickedButton() is remove:
                self.controller.remove(shift, person)

        box.finished.connect(answered)
        self.remove_box = _replace(self.remove_box, box)
        box.open()

    # Rows ----------------------------------------------------------------------------------

    def _open_row(self, index: QModelIndex) -> None:
        kind = self.board_model.kind(index)
        payload = self.board_model.data(index.siblingAtColumn(0), OBJECT_ROLE)
        if kind is RowKind.SHIFT:
            self.open_assign_dialog()
        elif kind is RowKind.PERSON:
            self.open_volunteer.emit(payload.volunteer_id)
        elif kind is RowKind.OCCURRENCE:
            self.open_occurrence.emit(payload.event_id, payload.recurrence_id)
        elif kind is RowKind.DAY:
            self.board_view.setExpanded(index, not self.board_view.isExpanded(index))

    def _context_menu(self, position: QPoint) -> None:
        index = self.board_view.indexAt(position)
        if not index.isValid():
            return
        self.board_view.setCurrentIndex(index)
        menu = QMenu(self)
        menu.setAccessibleName(self.tr("Roster actions"))
        editable = not self.context.read_only
        kind = self.board_model.kind(index)
        if kind in (RowKind.SHIFT, RowKind.PERSON):
            assign = menu.addAction(self.tr("Assign…"), self.open_assign_dialog)
            assign.setEnabled(editable)
        if kind is RowKind.PERSON:
            status_menu = menu.addMenu(self.tr("Status"))
            self._check_current_status()
            status_menu.addActions(self.status_actions.actions())
            status_menu.setEnabled(editable)
            menu.addSeparator()
            remove = menu.addAction(self.tr("Remove from shift…"), lambda: self._remove_row(index))
            remove.setEnabled(editable)
            menu.addAction(self.tr("Open volunteer"), lambda: self._open_row(index))
        if kind is RowKind.OCCURRENCE:
            menu.addAction(self.tr("Open event"), lambda: self._open_row(index))
        if not menu.isEmpty():
            menu.popup(self.board_view.viewport().mapToGlobal(position))

    def sizeHint(self) -> QSize:
        """Room for the board and the side panel."""
        return QSize(1100, 680)


__all__ = ["RosterPage", "week_period"]
