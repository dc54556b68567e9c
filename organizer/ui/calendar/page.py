"""The Calendar page: month, week and agenda views of the events, with drag-to-move."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import date, datetime, timedelta
from functools import partial
from itertools import pairwise

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QMouseEvent, QPalette, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from organizer.changes import DataChange
from organizer.errors import OrganizerError
from organizer.ui.calendar.agenda_view import AgendaView
from organizer.ui.calendar.canvas import DropTarget, ItemCanvas
from organizer.ui.calendar.items import NO_CAUSE, CalendarData, CalendarItem, OccurrenceKey
from organizer.ui.calendar.loader import CalendarLoader, RangeKey
from organizer.ui.calendar.model import OBJECT_ROLE, CalendarModel
from organizer.ui.calendar.month_view import MonthView
from organizer.ui.calendar.moves import Move, MoveScope, make_move, wall_delta
from organizer.ui.calendar.periods import Period, ViewMode, local_now, period_for, step
from organizer.ui.calendar.text import period_title
from organizer.ui.calendar.week_view import WeekView
from organizer.ui.context import ViewContext
from organizer.ui.date_picker import DatePicker, paint_chevron, title_button
from organizer.ui.undo import BackgroundCommand, push_done

RELOAD_ON = ("event", "cause", "location")
RELOAD_AGENDA_ON = ("shift", "assignment")


def changed_events(change: DataChange) -> frozenset[int] | None:
    """The events whose own values ``change`` may have changed (``None``: any of them).

    Taking a cause or place away takes it off its events too.
    """
    if change.touches("cause", "location"):
        return None
    if not change.touches("event"):
        return frozenset()
    return change.ids.get("event")


READ_AHEAD_DELAY_MS = 200
HOLD_MS = 150
"""How long the views keep showing the period before while the next one is read.

Most periods arrive well within it, so the grid changes once, from the old month to the
new, instead of flashing empty in between.
"""
CLOCK_TICK_MS = 60_000
MODE_KEY = "calendar/mode"
# Month | Week | Agenda drawn as one segmented control, in the palette's colours.
SEGMENTED_STYLE = """
QToolButton {
    padding: 3px 14px;
    border: 1px solid palette(mid);
    background: palette(button);
    color: palette(button-text);
}
QToolButton:checked {
    background: palette(highlight);
    color: palette(highlighted-text);
    border-color: palette(highlight);
}
QToolButton:focus { border-color: palette(highlight); }
QToolButton[segment="month"] { border-top-left-radius: 5px; border-bottom-left-radius: 5px; }
QToolButton[segment="week"] { border-left: none; border-right: none; }
QToolButton[segment="agenda"] { border-top-right-radius: 5px; border-bottom-right-radius: 5px; }
"""


class _CauseMenu(QMenu):
    """A menu of checkable causes that stays open while they are ticked and unticked."""

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        """Toggle a checkable entry without closing the menu."""
        action = self.activeAction()
        if action is not None and action.isEnabled() and action.isCheckable():
            action.trigger()
            event.accept()
            return
        super().mouseReleaseEvent(event)


class CalendarPage(QWidget):
    """The events laid out in time: a month grid, a week of hours, or a four-week agenda.

    The page loads only the period on show, through the background worker, and reloads
    when events, causes or places change.  It never opens editors itself: it asks for them
    through :attr:`open_occurrence` and :attr:`create_event_at`.
    """

    open_occurrence = Signal(int, object)
    """Open an occurrence: the event id and the occurrence's recurrence id (a datetime)."""
    create_event_at = Signal(object)
    """Create an event starting at this aware local datetime."""

    def __init__(
        self,
        context: ViewContext,
        parent: QWidget | None = None,
        *,
        clock: Callable[[], datetime] = local_now,
    ) -> None:
        """Show this month, from ``context``'s services; ``clock`` says what "now" is."""
        super().__init__(parent)
        self.setObjectName("page-calendar")
        self.setAccessibleName(self.tr("Calendar"))
        self.context = context
        self.clock = clock
        self.today = clock().date()
        self.mode = ViewMode.MONTH
        self.anchor = self.today
        self.selected_day = self.today
        self.selected_key: OccurrenceKey | None = None
        self.question: QMessageBox | None = None
        self._stale = True
        self._cause_entries: list[tuple[int, str, str]] = []

        self.model = CalendarModel(self)
        self.loader = CalendarLoader(context.services, context.worker, self)
        self.month_view = MonthView(self.model)
        self.week_view = WeekView(self.model)
        self.agenda_view = AgendaView(self.model)
        self.views = QStackedWidget()
        self.views.setAccessibleName(self.tr("Calendar views"))
        for view in (self.month_view, self.week_view, self.agenda_view):
            self.views.addWidget(view)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(10)
        layout.addLayout(self._build_header())
        layout.addWidget(self.views, 1)
        self._connect_views()
        self._build_shortcuts()
        self._set_tab_order()
        self._restore_mode()

        self.loader.loaded.connect(self._on_loaded)
        self.loader.loading_changed.connect(self._on_loading_changed)
        self.loader.failed.connect(self._on_load_failed)
        context.hub.changed.connect(self._on_data_changed)
        # Reading ahead waits until the period just loaded is painted: the two would share
        # Python's one lock, and the person is looking at the new period, not the next.
        self.ahead_timer = QTimer(self)
        self.ahead_timer.setSingleShot(True)
        self.ahead_timer.setInterval(READ_AHEAD_DELAY_MS)
        self.ahead_timer.timeout.connect(self._read_ahead)
        self.hold_timer = QTimer(self)
        self.hold_timer.setSingleShot(True)
        self.hold_timer.setInterval(HOLD_MS)
        self.hold_timer.timeout.connect(self._release_views)
        # "Loading…" too waits a moment: a quick read would only flash it.
        self.loading_timer = QTimer(self)
        self.loading_timer.setSingleShot(True)
        self.loading_timer.setInterval(HOLD_MS)
        self.loading_timer.timeout.connect(self._say_loading)
        self.clock_timer = QTimer(self)
        self.clock_timer.setInterval(CLOCK_TICK_MS)
        self.clock_timer.timeout.connect(self._tick)
        self.clock_timer.start()
        self.week_view.grid.set_now(clock())
        self._show_period()

    # Building --------------------------------------------------------------------------------

    def _build_header(self) -> QHBoxLayout:
        self.previous_button = self._tool_button(
            "‹", self.tr("Previous period"), self.tr("Previous (Page Up)")
        )
        self.today_button = self._tool_button(
            self.tr("Today"), self.tr("Go to today"), self.tr("Go to today (T)")
        )
        self.next_button = self._tool_button(
            "›", self.tr("Next period"), self.tr("Next (Page Down)")
        )
        for button in (self.previous_button, self.next_button):
            font = button.font()
            font.setPointSizeF(font.pointSizeF() * 1.4)
            button.setFont(font)
            button.setFixedWidth(button.sizeHint().height() + 6)
        self.previous_button.clicked.connect(lambda: self.go(-1))
        self.next_button.clicked.connect(lambda: self.go(1))
        self.today_button.clicked.connect(self.go_today)

        # The period's title drops down a month to go straight to any date (made when first
        # asked for: a month calendar takes a first visit to the page 8 ms to build).
        self.date_picker: DatePicker | None = None
        self.title_button = title_button(1.45, self.tr("Go to a date (G)"))
        self.title_button.setObjectName("calendar-title")
        self.title_button.setAccessibleDescription(self.tr("Opens a month to go to another date"))
        self.title_button.clicked.connect(self.show_date_picker)

        self.status_label = QLabel()
        self.status_label.setAccessibleName(self.tr("Loading status"))
        self.status_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.status_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

        self.cause_menu = _CauseMenu(self)
        self.cause_menu.setAccessibleName(self.tr("Causes shown"))
        self.cause_button = QPushButton(self.tr("All causes"))
        self.cause_button.setAccessibleName(self.tr("Causes shown"))
        self.cause_button.setToolTip(self.tr("Show or hide the events of each cause"))
        self.cause_button.setMenu(self.cause_menu)

        self.mode_group = QButtonGroup(self)
        self.mode_group.setExclusive(True)
        self.mode_switch = QFrame()
        self.mode_switch.setObjectName("calendar-mode-switch")
        self.mode_switch.setAccessibleName(self.tr("View"))
        self.mode_switch.setStyleSheet(SEGMENTED_STYLE)
        switch = QHBoxLayout(self.mode_switch)
        switch.setContentsMargins(0, 0, 0, 0)
        switch.setSpacing(0)
        self.mode_buttons: dict[ViewMode, QToolButton] = {}
        names = {
            ViewMode.MONTH: (self.tr("Month"), "M"),
            ViewMode.WEEK: (self.tr("Week"), "W"),
            ViewMode.AGENDA: (self.tr("Agenda"), "A"),
        }
        for mode, (name, key) in names.items():
            button = self._tool_button(
                name, self.tr("{view} view").format(view=name), f"{name} ({key})"
            )
            button.setCheckable(True)
            button.setObjectName(f"calendar-mode-{mode.value}")
            button.setProperty("segment", mode.value)
            button.clicked.connect(partial(self.set_mode, mode))
            self.mode_group.addButton(button)
            self.mode_buttons[mode] = button
            switch.addWidget(button)

        header = QHBoxLayout()
        header.setSpacing(6)
        header.addWidget(self.previous_button)
        header.addWidget(self.today_button)
        header.addWidget(self.next_button)
        header.addSpacing(10)
        header.addWidget(self.title_button)
        header.addWidget(self.status_label, 1)
        header.addWidget(self.cause_button)
        header.addSpacing(10)
        header.addWidget(self.mode_switch)
        return header

    def _tool_button(self, text: str, name: str, tip: str) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setAccessibleName(name)
        button.setToolTip(tip)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        return button

    def _connect_views(self) -> None:
        surfaces: list[ItemCanvas | AgendaView] = [
            *self.month_view.canvases,
            *self.week_view.canvases,
            self.agenda_view,
        ]
        for surface in surfaces:
            surface.item_clicked.connect(self._on_item_clicked)
            surface.item_activated.connect(self._on_item_activated)
            surface.day_clicked.connect(self.select_day)
            surface.empty_activated.connect(self._on_empty_activated)
        for canvas in (*self.month_view.canvases, *self.week_view.canvases):
            canvas.editable = not self.context.read_only
            canvas.navigate.connect(self.move_selection)
            canvas.move_requested.connect(self._on_move_requested)
            canvas.more_clicked.connect(self._on_more_clicked)

    def _set_tab_order(self) -> None:
        """Header left to right, then the calendar (the views were built first)."""
        chain: list[QWidget] = [
            self.previous_button,
            self.today_button,
            self.next_button,
            self.title_button,
            self.cause_button,
            *self.mode_buttons.values(),
            self.month_view,
            self.week_view.header,
            self.week_view.grid,
            self.agenda_view,
        ]
        for first, second in pairwise(chain):
            QWidget.setTabOrder(first, second)

    def _build_shortcuts(self) -> None:
        actions: list[tuple[tuple[str, ...], Callable[[], None]]] = [
            (("PgUp", "Ctrl+Left"), lambda: self.go(-1)),
            (("PgDown", "Ctrl+Right"), lambda: self.go(1)),
            (("T", "Home"), self.go_today),
            (("G", "Ctrl+G"), self.show_date_picker),
            (("M", "Alt+1"), partial(self.set_mode, ViewMode.MONTH)),
            (("W", "Alt+2"), partial(self.set_mode, ViewMode.WEEK)),
            (("A", "Alt+3"), partial(self.set_mode, ViewMode.AGENDA)),
        ]
        self.shortcuts: list[QShortcut] = []
        for keys, slot in actions:
            for key in keys:
                shortcut = QShortcut(QKeySequence(key), self)
                shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                shortcut.activated.connect(slot)
                self.shortcuts.append(shortcut)

    # Where we are ----------------------------------------------------------------------------

    @property
    def period(self) -> Period:
        """The days on show."""
        return period_for(self.mode, self.anchor)

    def current_view(self) -> QWidget:
        """The view on show."""
        widget = self.views.currentWidget()
        assert widget is not None
        return widget

    def go(self, count: int) -> None:
        """Show the period ``count`` periods later (earlier when negative)."""
        self.anchor = step(self.mode, self.anchor, count)
        self.selected_day = step(self.mode, self.selected_day, count)
        if self.selected_day not in self.period:
            self.selected_day = self.anchor
        self.selected_key = None
        self._show_period()

    def show_date_picker(self) -> None:
        """Drop the month down from the title, to go to any date (G)."""
        if self.date_picker is None:
            self.date_picker = DatePicker(self)
            self.date_picker.picked.connect(self._go_to_date)
            self.date_picker.rested.connect(self._read_rested)
        self.date_picker.drop_from(self.title_button, self.selected_day, self.today)

    def _read_rested(self, day: date) -> None:
        """Read the period of the day the date picker rests on, so going there is instant."""
        rested = self._range_key(period_for(self.mode, day))
        self.loader.fetch_ahead([rested, *self._neighbours()])

    def _go_to_date(self, day: date) -> None:
        """Show ``day``, chosen from the title's month, and give the keyboard back."""
        self.select_day(day)
        # Once the menu has closed and handed the focus back to where it came from.
        QTimer.singleShot(0, self.focus_view)

    def go_today(self) -> None:
        """Show the period holding today, with today selected."""
        self.today = self.clock().date()
        self.anchor = self.selected_day = self.today
        self.selected_key = None
        self._show_period()

    def set_mode(self, mode: ViewMode) -> None:
        """Switch between month, week and agenda, around the selected day (remembered)."""
        if mode is not self.mode:
            self.mode = mode
            self.anchor = self.selected_day
            self._show_period()
        self.mode_buttons[mode].setChecked(True)
        if self.context.settings is not None:
            self.context.settings.setValue(MODE_KEY, mode.value)

    def _restore_mode(self) -> None:
        settings = self.context.settings
        saved = settings.value(MODE_KEY) if settings is not None else None
        if isinstance(saved, str) and saved in {mode.value for mode in ViewMode}:
            self.set_mode(ViewMode(saved))

    def select_day(self, day: date, key: OccurrenceKey | None = None) -> None:
        """Select ``day`` (and the occurrence ``key``), moving the period if it is not on show."""
        self.selected_day, self.selected_key = day, key
        if day in self.period:
            self._sync_selection()
        else:
            self.anchor = day
            self._show_period()

    def move_selection(self, days: int) -> None:
        """Select the day ``days`` away; stepping out of the month turns the page."""
        day = date.fromordinal(self.selected_day.toordinal() + days)
        if self.mode is ViewMode.MONTH and not self.period.in_month(day):
            self.selected_day, self.selected_key, self.anchor = day, None, day
            self._show_period()
        else:
            self.select_day(day)

    def _show_period(self) -> None:
        period = self.period
        if self.isVisible() and not self.loader.cached(self._range_key(period)):
            # Before the views hear of the new period: a repaint they asked for first would
            # still come, with them skipped, and blank their area until the period is read.
            self._hold_views()
        self.month_view.set_period(period, self.today)
        self.week_view.set_period(period, self.today)
        self.agenda_view.today = self.today
        # Load (or empty the model) before the view appears: a list taking the focus picks
        # its first row, which must belong to the new period.  Reading starts before the
        # labels change, so that it runs while they do.
        self._load()
        title = period_title(period)
        self.title_button.setText(title)
        self.title_button.setAccessibleName(title)
        self.previous_button.setToolTip(self._step_tip(self.tr("Previous"), "Page Up"))
        self.next_button.setToolTip(self._step_tip(self.tr("Next"), "Page Down"))
        self.mode_buttons[self.mode].setChecked(True)
        view = {
            ViewMode.MONTH: self.month_view,
            ViewMode.WEEK: self.week_view,
            ViewMode.AGENDA: self.agenda_view,
        }[self.mode]
        had_focus = self.views.isAncestorOf(self.focusWidget())
        self.views.setCurrentWidget(view)
        self._sync_selection()
        if had_focus:
            self.focus_view()

    def _step_tip(self, word: str, key: str) -> str:
        unit = {
            ViewMode.MONTH: self.tr("month"),
            ViewMode.WEEK: self.tr("week"),
            ViewMode.AGENDA: self.tr("four weeks"),
        }[self.mode]
        return f"{word} {unit} ({key})"

    def focus_view(self) -> None:
        """Give the keyboard to the view on show."""
        view = self.current_view()
        target = self.week_view.grid if view is self.week_view else view
        target.setFocus(Qt.FocusReason.OtherFocusReason)

    def _sync_selection(self) -> None:
        for canvas in (*self.month_view.canvases, *self.week_view.canvases):
            canvas.set_selection(self.selected_day, self.selected_key)
        if self.mode is ViewMode.AGENDA:
            self.agenda_view.select(self.selected_day, self.selected_key)

    # Loading ---------------------------------------------------------------------------------

    def _range_key(self, period: Period) -> RangeKey:
        return RangeKey.of(period, fill=period.mode is ViewMode.AGENDA)

    def _load(self) -> None:
        if not self.isVisible():
            self._stale = True
            return
        self._stale = False
        period = self.period
        key = self._range_key(period)
        shown = self.model.data_set
        cached = self.loader.cached(key)
        if not cached:
            self._hold_views()
        # Days the new period shares with the one on show keep their events while it loads;
        # the agenda's list, though, would show days outside its weeks, so it starts empty.
        if not cached and (
            shown is None
            or key.fill
            or shown.with_fill
            or shown.end <= period.first
            or shown.first >= period.end
        ):
            self.loader.retire(shown)
            self.model.set_data(None)
        self.loader.made_per_day = self.month_view.chips_per_day()
        self.loader.request(key)

    def _hold_views(self) -> None:
        """Keep what the views show until the period is read (or for :data:`HOLD_MS`)."""
        if self.views.updatesEnabled():
            self.views.setUpdatesEnabled(False)
        self.hold_timer.start()

    def _release_views(self) -> None:
        self.hold_timer.stop()
        if not self.views.updatesEnabled():
            self.views.setUpdatesEnabled(True)

    def refresh(self, *, labels: bool = True, events: Collection[int] | None = None) -> None:
        """Read the period on show again (F5).

        ``labels``: the cause and place names too; ``events``: the events whose own values
        may have changed (``None``: any of them).
        """
        self.loader.invalidate(labels=labels, events=events)
        self._stale = True
        if self.isVisible():
            self._load()

    def showEvent(self, event: QShowEvent) -> None:
        """Load what changed while the page was hidden."""
        super().showEvent(event)
        if self._stale:
            self._load()

    def _on_loaded(self, data: CalendarData) -> None:
        if self.model.data_set is not data:
            self.loader.retire(self.model.data_set)
        self.model.set_data(data)
        self._refill_cause_menu(data)
        self._sync_selection()
        self._release_views()
        self.ahead_timer.start()

    def _read_ahead(self) -> None:
        """Read the periods either side of the one on show, so stepping to them is instant.

        Periods taken off screen meanwhile are let go first, now that nobody is waiting.
        """
        self.loader.let_go()
        self.loader.fetch_ahead(self._neighbours())

    def _neighbours(self) -> list[RangeKey]:
        """The periods either side of the one on show."""
        return [
            self._range_key(period_for(self.mode, step(self.mode, self.anchor, n))) for n in (1, -1)
        ]

    def _on_loading_changed(self) -> None:
        loading = self.loader.loading
        if loading:
            self.loading_timer.start()
        else:
            self.loading_timer.stop()
            self.status_label.setText("")
        self.status_label.setToolTip("")
        self.agenda_view.set_loading(loading)

    def _say_loading(self) -> None:
        if self.loader.loading:
            self.status_label.setText(self.tr("Loading…"))

    def _on_load_failed(self, message: str) -> None:
        self._release_views()
        self.status_label.setText(self.tr("Could not read the calendar. Press F5 to try again."))
        self.status_label.setToolTip(message)

    def _on_data_changed(self, change: DataChange) -> None:
        watched = RELOAD_ON + (RELOAD_AGENDA_ON if self.mode is ViewMode.AGENDA else ())
        events = changed_events(change)
        if not change.touches(*watched):
            if change.touches(*RELOAD_AGENDA_ON):
                self.loader.invalidate(events=events)  # the agenda's fill is out of date
            return
        self.refresh(labels=change.touches("cause", "location"), events=events)

    def _tick(self) -> None:
        now = self.clock()
        self.week_view.grid.set_now(now)
        if now.date() != self.today:
            self.today = now.date()
            self.month_view.set_period(self.period, self.today)
            self.week_view.set_period(self.period, self.today)
            self.agenda_view.today = self.today

    # Causes ----------------------------------------------------------------------------------

    def _refill_cause_menu(self, data: CalendarData) -> None:
        entries = [(cause.id, cause.name, cause.colour) for cause in data.causes]
        entries.append((NO_CAUSE, self.tr("Events without a cause"), ""))
        if entries == self._cause_entries:
            return
        self._cause_entries = entries
        self.cause_menu.clear()
        show_all = self.cause_menu.addAction(self.tr("Show all causes"))
        show_all.triggered.connect(lambda: self.set_hidden_causes(frozenset()))
        self.cause_menu.addSeparator()
        hidden = self.model.hidden_causes
        for key, name, colour in entries:
            action = QAction(self.model.swatch(colour), name, self.cause_menu)
            action.setCheckable(True)
            action.setChecked(key not in hidden)
            action.setData(key)
            action.toggled.connect(self._on_cause_toggled)
            self.cause_menu.addAction(action)
        self._update_cause_button()

    def cause_actions(self) -> list[QAction]:
        """The menu's entries, one per cause (and one for events without a cause)."""
        return [action for action in self.cause_menu.actions() if action.isCheckable()]

    def _on_cause_toggled(self) -> None:
        hidden = frozenset(a.data() for a in self.cause_actions() if not a.isChecked())
        self.set_hidden_causes(hidden)

    def set_hidden_causes(self, hidden: frozenset[int]) -> None:
        """Hide the events of the causes whose ids are in ``hidden``."""
        for action in self.cause_actions():
            blocked = action.blockSignals(True)
            action.setChecked(action.data() not in hidden)
            action.blockSignals(blocked)
        self.model.set_hidden_causes(hidden)
        self._update_cause_button()
        self._sync_selection()

    def _update_cause_button(self) -> None:
        actions = self.cause_actions()
        shown = sum(1 for action in actions if action.isChecked())
        if shown == len(actions):
            text = self.tr("All causes")
        else:
            text = self.tr("{shown} of {total} causes").format(shown=shown, total=len(actions))
        self.cause_button.setText(text)

    # What the views ask for ------------------------------------------------------------------

    def _on_item_clicked(self, item: CalendarItem) -> None:
        day = item.first_day if item.first_day in self.period else self.selected_day
        if self.mode is ViewMode.AGENDA:
            parent = self.agenda_view.currentIndex().parent()
            if parent.isValid():
                day = parent.data(OBJECT_ROLE)
        self.selected_day, self.selected_key = day, item.key
        self._sync_selection()
        if self.mode is ViewMode.WEEK:
            self.week_view.reveal(item)

    def _on_item_activated(self, item: CalendarItem) -> None:
        self.open_occurrence.emit(item.event_id, item.recurrence_id)

    def _on_empty_activated(self, moment: datetime) -> None:
        if not self.context.read_only:
            self.create_event_at.emit(moment)

    def _on_more_clicked(self, day: date) -> None:
        self.selected_day, self.selected_key = day, None
        self.set_mode(ViewMode.AGENDA)
        self.focus_view()

    # Moving ----------------------------------------------------------------------------------

    def _on_move_requested(self, item: CalendarItem, target: DropTarget) -> None:
        if self.context.read_only:
            return
        delta = wall_delta(item, target.starts_at, target.day)
        if not delta:
            return
        if not item.is_recurring:
            # After the drop has finished, not inside it.
            QTimer.singleShot(0, self, lambda: self.move_occurrence(item, delta, MoveScope.EVENT))
            return
        QTimer.singleShot(0, self, lambda: self._ask_scope(item, delta))

    def _ask_scope(self, item: CalendarItem, delta: timedelta) -> None:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(self.tr("Move a repeating event"))
        box.setText(self.tr("“{title}” repeats.").format(title=item.title))
        box.setInformativeText(
            self.tr("Move only this occurrence, or every occurrence in the series?")
        )
        only = box.addButton(
            self.tr("Move only this occurrence"), QMessageBox.ButtonRole.AcceptRole
        )
        every = box.addButton(
            self.tr("Move every occurrence in the series"), QMessageBox.ButtonRole.AcceptRole
        )
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(only)
        box.setEscapeButton(cancel)
        for button in (only, every, cancel):
            button.setAccessibleName(button.text().replace("&", ""))
        scopes = {only: MoveScope.OCCURRENCE, every: MoveScope.SERIES}

        def answered(button: object) -> None:
            self.question = None
            scope = scopes.get(button)  # type: ignore[call-overload]
            if scope is not None:
                self.move_occurrence(item, delta, scope)

        box.buttonClicked.connect(answered)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.question = box
        box.open()

    def move_occurrence(self, item: CalendarItem, delta: timedelta, scope: MoveScope) -> None:
        """Move ``item`` (or its series) by ``delta`` in the background, then make it undoable."""
        self.context.submit_edit(
            partial(make_move, self.context.services, item, delta, scope, self.clock()),
            on_done=self._moved,
            on_error=self._move_failed,
        )

    def _moved(self, move: Move) -> None:
        item = move.item
        texts = {
            MoveScope.EVENT: self.tr("Move “{title}”"),
            MoveScope.OCCURRENCE: self.tr("Move one “{title}”"),
            MoveScope.SERIES: self.tr("Move every “{title}”"),
        }
        # Bookings and roles move with the event; a series split from a later date is a
        # new event, which lists showing only the moved one would not pick up.
        actor = self.context.actor
        if move.new_key[0] == item.event_id:
            change = DataChange.of(actor, "shift", "assignment", event=item.event_id)
        else:
            change = DataChange.of(actor, "event", "shift", "assignment")
        # A series' bookings move too: hundreds in a busy one, so not on the GUI thread.
        command = BackgroundCommand(
            texts[move.scope].format(title=item.title),
            self.context,
            move.made,
            move.reverted,
            change,
            on_error=self._undo_failed,
        )
        new_day = move.new_start.astimezone().date()
        self.selected_day, self.selected_key = new_day, move.new_key
        push_done(self.context.undo_stack, command)
        if move.notice:
            title = self.tr("Moved from a later date")
            self.show_problem(title, move.notice, QMessageBox.Icon.Information)

    def _move_failed(self, error: Exception) -> None:
        if not isinstance(error, OrganizerError):
            raise error
        self.show_problem(self.tr("The event was not moved"), str(error))
        self.refresh()

    def _undo_failed(self, error: OrganizerError) -> None:
        self.show_problem(self.tr("That could not be undone"), str(error))
        self.refresh()

    def show_problem(
        self, title: str, message: str, icon: QMessageBox.Icon = QMessageBox.Icon.Warning
    ) -> QMessageBox:
        """Tell the coordinator why something did not happen (without blocking).

        With the information ``icon``, something that happened that they did not ask for.
        """
        box = QMessageBox(icon, title, message, QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        return box

    def changeEvent(self, event: QEvent) -> None:
        """Redraw in the new colours when the palette changes."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self.model.forget_swatches()
            self._cause_entries = []  # the menu's dots are drawn again with the next read
            self.mode_switch.setStyleSheet(SEGMENTED_STYLE)
            paint_chevron(self.title_button)
