"""The Events page: every event in order of its next date, with search and filters."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QKeySequence, QPalette, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QStackedWidget,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from organizer.changes import DataChange
from organizer.errors import OrganizerError
from organizer.models import EventStatus, utc_now
from organizer.models.ids import CauseId
from organizer.services.series import EventFilter, EventPage, EventRow
from organizer.ui import colour_dot, line_icon
from organizer.ui.context import ViewContext
from organizer.ui.events.editor import EventEditor
from organizer.ui.events.edits import EventEdits
from organizer.ui.events.fields import (
    PaletteDelegate,
    ProblemLabel,
    message_box,
    plural,
    report_error,
    series_service,
    submit,
)
from organizer.ui.events.model import EventTableModel

PAGE_SIZE = 200
SEARCH_DELAY_MS = 250
RELOAD_DELAY_MS = 60
WATCHED = ("event", "shift", "cause", "location", "assignment")


class EventsPage(QWidget):
    """Search, filter, open, cancel and delete events.

    The window owns Ctrl+N and Ctrl+F and calls :meth:`new_event` and :meth:`focus_search`.
    ``status_message(text)`` carries short news for the window's status bar (a save that had
    to start at a later date, an event cancelled).
    """

    status_message = Signal(str)

    def __init__(
        self,
        context: ViewContext,
        parent: QWidget | None = None,
        *,
        page_size: int = PAGE_SIZE,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        """Show the events of ``context``'s database, fetching ``page_size`` at a time.

        ``clock`` says what "now" is (what counts as past); tests pass a fixed one.
        """
        super().__init__(parent)
        self.context = context
        self.page_size = page_size
        self.clock = clock
        self.series = series_service(context)
        self.edits = EventEdits(context, on_error=self._report_undo_error)
        self.editor: EventEditor | None = None
        self.question: QMessageBox | None = None
        self._generation = 0
        self._loaded_once = False
        self._select_after_load: int | None = None
        self.setObjectName("page-events")
        self.setAccessibleName(self.tr("Events"))
        self._build()
        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._filter_changed)
        self._reload_timer = QTimer(self, singleShot=True, interval=RELOAD_DELAY_MS)
        self._reload_timer.timeout.connect(self.reload)
        context.hub.changed.connect(self._data_changed)
        self._load_causes()
        self.reload()

    # Layout ----------------------------------------------------------------------------

    def _build(self) -> None:
        heading = QLabel(self.tr("Events"))
        heading.setAccessibleName(self.tr("Heading"))
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        heading.setFont(font)

        self.new_action = QAction(self.tr("New event"), self)
        self.new_action.setToolTip(self.tr("Plan a new event (Ctrl+N)"))
        self.new_action.triggered.connect(self.new_event)
        self.edit_action = QAction(self.tr("Edit…"), self)
        self.edit_action.setToolTip(self.tr("Open the selected event (Enter)"))
        self.edit_action.triggered.connect(self.edit_selected)
        self.cancel_action = QAction(self.tr("Cancel event…"), self)
        self.cancel_action.setToolTip(self.tr("Mark every date of the event as cancelled"))
        self.cancel_action.triggered.connect(self.cancel_selected)
        self.delete_action = QAction(self.tr("Delete…"), self)
        self.delete_action.setToolTip(self.tr("Delete the selected event (Delete)"))
        self.delete_action.triggered.connect(self.delete_selected)

        self.new_button = self._button(self.new_action, self.tr("New event"))
        self.new_button.setIcon(line_icon("new", self.palette()))
        self.edit_button = self._button(self.edit_action, self.tr("Edit event"))
        self.cancel_button = self._button(self.cancel_action, self.tr("Cancel event"))
        self.delete_button = self._button(self.delete_action, self.tr("Delete event"))

        top = QHBoxLayout()
        top.setSpacing(6)
        top.addWidget(heading)
        top.addStretch(1)
        for button in (self.new_button, self.edit_button, self.cancel_button, self.delete_button):
            top.addWidget(button)

        self.search = QLineEdit()
        self.search.setAccessibleName(self.tr("Search events"))
        self.search.setPlaceholderText(self.tr("Search by title, description, place or cause"))
        self.search.setClearButtonEnabled(True)
        self.search.setToolTip(self.tr("Search (Ctrl+F)"))
        self.search.textChanged.connect(lambda _text: self._search_timer.start())
        self.search.returnPressed.connect(self._search_now)
        self.cause_filter = QComboBox()
        self.cause_filter.setAccessibleName(self.tr("Cause filter"))
        self.cause_filter.addItem(self.tr("All causes"), None)
        self.cause_filter.setMinimumWidth(180)
        self.cause_filter.currentIndexChanged.connect(self._filter_changed)
        self.show_past = QCheckBox(self.tr("Show past and cancelled"))
        self.show_past.setAccessibleName(self.tr("Show past and cancelled events"))
        self.show_past.toggled.connect(self._filter_changed)
        filters = QHBoxLayout()
        filters.setSpacing(8)
        filters.addWidget(self.search, 1)
        filters.addWidget(self.cause_filter)
        filters.addWidget(self.show_past)

        self.banner = ProblemLabel(self.tr("Problem"))

        self.model = EventTableModel(self)
        self.model.fetch_requested.connect(self._fetch_more)
        self.table = QTableView()
        self.table.setObjectName("events-table")
        self.table.setModel(self.model)
        # Names of one cause's events (or of causes) often differ only at the end, as in
        # "… (Ashgate)"; a place's name comes first in its own.
        named = (EventTableModel.TITLE, EventTableModel.CAUSE)
        self.table.setItemDelegate(PaletteDelegate(self.table, middle=named))
        self.table.setAccessibleName(self.tr("Events list"))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 14)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.table.addActions([self.edit_action, self.cancel_action, self.delete_action])
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(EventTableModel.TITLE, QHeaderView.ResizeMode.Stretch)
        widths = {
            EventTableModel.CAUSE: 140,
            EventTableModel.WHEN: 215,
            EventTableModel.REPEATS: 170,
            EventTableModel.LOCATION: 140,
            EventTableModel.ROLES: 56,
            EventTableModel.STATUS: 80,
        }
        for column, width in widths.items():
            self.table.setColumnWidth(column, width)
        self.table.activated.connect(self._open_index)
        self.table.selectionModel().selectionChanged.connect(self._update_actions)
        delete_key = QShortcut(QKeySequence.StandardKey.Delete, self.table)
        delete_key.setContext(Qt.ShortcutContext.WidgetShortcut)
        delete_key.activated.connect(self.delete_selected)

        self.empty = QLabel()
        self.empty.setAccessibleName(self.tr("No events"))
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.stack = QStackedWidget()
        self.stack.setAccessibleName(self.tr("Events"))
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.empty)

        self.footer = QLabel()
        self.footer.setAccessibleName(self.tr("Number of events"))
        self.footer.setForegroundRole(QPalette.ColorRole.PlaceholderText)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 12)
        layout.setSpacing(10)
        layout.addLayout(top)
        layout.addLayout(filters)
        layout.addWidget(self.banner)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.footer)
        self.setTabOrder(self.search, self.cause_filter)
        self.setTabOrder(self.cause_filter, self.show_past)
        self.setTabOrder(self.show_past, self.table)
        self._update_actions()

    def changeEvent(self, event: QEvent) -> None:
        """Redraw the icon when the palette changes (for example, into dark mode)."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self.new_button.setIcon(line_icon("new", self.palette()))

    def _button(self, action: QAction, name: str) -> QToolButton:
        button = QToolButton()
        button.setDefaultAction(action)
        button.setAccessibleName(name)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        button.setAutoRaise(False)
        return button

    # Public ----------------------------------------------------------------------------

    def focus_search(self) -> None:
        """Put the cursor in the search box (the window's Find, Ctrl+F, calls this)."""
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def refresh(self) -> None:
        """Reload the list from the database."""
        self._load_causes()
        self.reload()

    def selected_event(self) -> EventRow | None:
        """The event on the selected row."""
        rows = self.table.selectionModel().selectedRows()
        return self.model.event_at(rows[0].row()) if rows else None

    def select_event(self, event_id: int) -> bool:
        """Select the row of an event, if it is loaded."""
        row = self.model.row_of(event_id)
        if row < 0:
            return False
        index = self.model.index(row, EventTableModel.TITLE)
        self.table.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.scrollTo(index)
        return True

    def new_event(self) -> EventEditor | None:
        """Open the editor on a new event (the window's New event, Ctrl+N, can call this)."""
        if self.context.read_only:
            return None
        return self._open_editor(None, None)

    def edit_selected(self) -> EventEditor | None:
        """Open the editor on the selected event (its next date, for a series)."""
        row = self.selected_event()
        if row is None:
            return None
        occurrence = row.next_recurrence_id if row.rrule else None
        return self._open_editor(row.event_id, occurrence)

    def cancel_selected(self) -> None:
        """Ask, then mark the selected event cancelled (undoable)."""
        row = self.selected_event()
        if row is None or self.context.read_only or row.status is EventStatus.CANCELLED:
            return
        self._ask(
            self.tr("Cancel event"),
            self.tr(
                "Cancel “{title}”? Every date of it will show as cancelled. Bookings, "
                "attendance and hours are kept, and you can undo this."
            ).format(title=row.title),
            self.tr("Cancel event"),
            self.tr("Keep it"),
            lambda: self._cancel(row),
        )

    def delete_selected(self) -> None:
        """Ask, then delete the selected event; one with bookings is offered cancelling."""
        row = self.selected_event()
        if row is None or self.context.read_only:
            return
        submit(
            self,
            self.context,
            lambda: self.series.booking_count(row.event_id),
            lambda count: self._confirm_delete(row, count),
            self._failed,
        )

    # Loading ---------------------------------------------------------------------------

    def _filter(self) -> EventFilter:
        cause = self.cause_filter.currentData()
        return EventFilter(
            search=self.search.text().strip(),
            cause_id=None if cause is None else CauseId(int(cause)),
            include_past=self.show_past.isChecked(),
        )

    def reload(self, *, keep_rows: bool = True) -> None:
        """Read the list again: one page, or as many rows as are loaded (``keep_rows``)."""
        self._reload_timer.stop()
        self._search_timer.stop()
        self._generation += 1
        generation = self._generation
        query = self._filter()
        limit = max(self.page_size, self.model.rowCount() if keep_rows else 0)
        if not self._loaded_once:
            self._show_empty(self.tr("Loading events…"))
        self.footer.setText(self.tr("Loading…"))
        submit(
            self,
            self.context,
            lambda: self.series.event_page(query, 0, limit, now=self.clock()),
            lambda page: self._page_loaded(generation, page),
            self._failed,
        )

    def _page_loaded(self, generation: int, page: EventPage) -> None:
        if generation != self._generation:
            return
        selected = self.selected_event()
        wanted = self._select_after_load or (selected.event_id if selected else None)
        self._select_after_load = None
        self._loaded_once = True
        self.banner.clear_problem()
        self.model.reset_rows(page.rows, page.total)
        if wanted is not None:
            self.select_event(wanted)
        self._update_state()
        QTimer.singleShot(0, self, self._fill_view)

    def _fill_view(self) -> None:
        """Fetch another page while the rows do not fill the table or it is scrolled to the end."""
        bar = self.table.verticalScrollBar()
        short = self.table.verticalHeader().length() < self.table.viewport().height()
        at_end = bar.maximum() > 0 and bar.value() == bar.maximum()
        if (short or at_end) and self.model.canFetchMore(QModelIndex()):
            self.model.fetchMore(QModelIndex())

    def _fetch_more(self, offset: int) -> None:
        generation = self._generation
        query = self._filter()
        self.footer.setText(self.tr("Loading more…"))

        def done(page: EventPage) -> None:
            if generation != self._generation:
                self.model.fetch_failed()
                return
            self.model.append_page(offset, page.rows, page.total)
            self._update_state()
            QTimer.singleShot(0, self, self._fill_view)

        def failed(error: Exception) -> None:
            self.model.fetch_failed()
            self._failed(error)

        submit(
            self,
            self.context,
            lambda: self.series.event_page(query, offset, self.page_size, now=self.clock()),
            done,
            failed,
        )

    def _update_state(self) -> None:
        loaded, total = self.model.rowCount(), self.model.total
        if total == 0:
            query = self._filter()
            if query.search or query.cause_id is not None:
                self._show_empty(self.tr("No events match your search."))
            elif not query.include_past:
                self._show_empty(
                    self.tr(
                        "No upcoming events. Choose New event to plan one, or tick “Show past "
                        "and cancelled” to see earlier ones."
                    )
                )
            else:
                self._show_empty(self.tr("No events yet. Choose New event to plan the first."))
        else:
            self.stack.setCurrentWidget(self.table)
        if loaded < total:
            text = self.tr("Showing {loaded} of {total} events").format(loaded=loaded, total=total)
        else:
            text = plural(total, self.tr("1 event"), self.tr("{n} events"))
        self.footer.setText(text)
        self._update_actions()

    def _show_empty(self, text: str) -> None:
        self.empty.setText(text)
        self.stack.setCurrentWidget(self.empty)

    def _load_causes(self) -> None:
        submit(
            self, self.context, self.context.services.causes.list, self._show_causes, self._failed
        )

    def _show_causes(self, causes: list[Any]) -> None:
        chosen = self.cause_filter.currentData()
        blocked = self.cause_filter.blockSignals(True)
        self.cause_filter.clear()
        self.cause_filter.addItem(self.tr("All causes"), None)
        for cause in causes:
            self.cause_filter.addItem(colour_dot(cause.colour), cause.name, cause.id)
        self.cause_filter.setCurrentIndex(max(self.cause_filter.findData(chosen), 0))
        self.cause_filter.blockSignals(blocked)
        if self.cause_filter.currentData() != chosen:
            self._filter_changed()

    def _data_changed(self, change: DataChange) -> None:
        if not change.touches(*WATCHED):
            return
        if change.touches("cause"):
            self._load_causes()
        ids = change.ids.get("event")
        loaded = ids and all(self.model.row_of(i) >= 0 for i in ids)
        if loaded and change.entities <= {"event", "shift", "assignment"}:
            assert ids is not None
            generation = self._generation
            submit(
                self,
                self.context,
                lambda: self.series.event_rows(ids, now=self.clock()),
                lambda rows: self._update_in_place(generation, rows, len(ids)),
                self._failed,
            )
            return
        self._reload_timer.start()

    def _update_in_place(self, generation: int, rows: list[EventRow], expected: int) -> None:
        """Change rows where they are when their place in the list stays the same."""
        if generation != self._generation:
            return
        query = self._filter()
        still_fits = len(rows) == expected and all(self._keeps_place(row, query) for row in rows)
        if not still_fits:
            self.reload()
            return
        self.model.update_rows(rows)
        self._update_actions()

    def _keeps_place(self, fresh: EventRow, query: EventFilter) -> bool:
        old = self.model.event_at(self.model.row_of(fresh.event_id))
        if old is None or old.next_starts_at != fresh.next_starts_at:
            return False
        if query.search and (old.title != fresh.title or old.description != fresh.description):
            return False
        if query.cause_id is not None and fresh.cause_id != query.cause_id:
            return False
        hidden = fresh.is_past or fresh.status is EventStatus.CANCELLED
        return query.include_past or not hidden

    def _search_now(self) -> None:
        self._filter_changed()

    def _filter_changed(self) -> None:
        self.reload(keep_rows=False)
        self.table.scrollToTop()

    # Editing ---------------------------------------------------------------------------

    def _open_index(self, index: QModelIndex) -> None:
        if index.isValid():
            self.edit_selected()

    def _open_editor(self, event_id: int | None, occurrence: Any) -> EventEditor:
        if self.editor is not None:
            self.editor.close()
        editor = EventEditor(self.context, event_id, occurrence=occurrence, parent=self)
        editor.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        editor.saved.connect(self._editor_saved)
        editor.destroyed.connect(lambda: setattr(self, "editor", None))
        self.editor = editor
        editor.open()
        return editor

    def _editor_saved(self, result: object) -> None:
        event = getattr(result, "new_event", None) or getattr(result, "event", result)
        event_id = getattr(event, "id", None)
        if isinstance(event_id, int):
            self._select_after_load = event_id
        notice = getattr(result, "notice", "")
        title = getattr(event, "title", "")
        self.status_message.emit(notice or self.tr("Saved “{title}”").format(title=title))
        self.reload()

    def _cancel(self, row: EventRow) -> None:
        events = self.context.services.events

        def done(event: Any) -> None:
            self.edits.status_set(event, row.status)
            self.status_message.emit(self.tr("Cancelled “{title}”").format(title=row.title))

        submit(
            self,
            self.context,
            lambda: events.set_status(row.event_id, row.version, EventStatus.CANCELLED),
            done,
            self._failed,
            edit=True,
        )

    def _confirm_delete(self, row: EventRow, bookings: int) -> None:
        if bookings:
            booked = plural(bookings, self.tr("1 booking"), self.tr("{n} bookings"))
            text = self.tr(
                "“{title}” has {booked}. Deleting it would lose them, with their attendance "
                "and hours. Cancel the event instead?"
            ).format(title=row.title, booked=booked)
            if row.status is EventStatus.CANCELLED:
                self.question = message_box(
                    self,
                    QMessageBox.Icon.Information,
                    self.tr("Delete event"),
                    self.tr(
                        "“{title}” is cancelled and keeps its {booked}, with their attendance "
                        "and hours, so it is not deleted."
                    ).format(title=row.title, booked=booked),
                )
                return
            self._ask(
                self.tr("Delete event"),
                text,
                self.tr("Cancel event instead"),
                self.tr("Keep it"),
                lambda: self._cancel(row),
            )
            return
        self._ask(
            self.tr("Delete event"),
            self.tr(
                "Delete “{title}”? Every date of it and its roles will be removed. You can undo "
                "this with Ctrl+Z."
            ).format(title=row.title),
            self.tr("Delete"),
            self.tr("Keep it"),
            lambda: self._delete(row),
        )

    def _delete(self, row: EventRow) -> None:
        def done(state: Any) -> None:
            self.edits.deleted(state)
            self.status_message.emit(self.tr("Deleted “{title}”").format(title=row.title))

        submit(
            self,
            self.context,
            lambda: self.series.delete(row.event_id, row.version),
            done,
            self._failed,
            edit=True,
        )

    def _ask(
        self, title: str, text: str, yes: str, no: str, then: Callable[[], None]
    ) -> QMessageBox:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(title)
        box.setAccessibleName(title)
        box.setText(text)
        yes_button = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
        no_button = box.addButton(no, QMessageBox.ButtonRole.RejectRole)
        yes_button.setAccessibleName(yes)
        no_button.setAccessibleName(no)
        box.setDefaultButton(no_button)
        box.setEscapeButton(no_button)

        def answered() -> None:
            if box.clickedButton() is yes_button:
                then()
            self.question = None
            box.deleteLater()

        box.finished.connect(answered)
        self.question = box
        box.open()
        return box

    def _update_actions(self) -> None:
        row = self.selected_event()
        writable = not self.context.read_only
        self.new_action.setEnabled(writable)
        self.edit_action.setEnabled(row is not None)
        self.edit_action.setText(self.tr("Edit…") if writable else self.tr("Open…"))
        self.cancel_action.setEnabled(
            writable and row is not None and row.status is not EventStatus.CANCELLED
        )
        self.delete_action.setEnabled(writable and row is not None)

    # Problems --------------------------------------------------------------------------

    def _failed(self, error: Exception) -> None:
        if not isinstance(error, OrganizerError):
            raise error
        self.footer.setText("")
        self.banner.show_problems([str(error)])
        if not self._loaded_once:
            self._show_empty(self.tr("The events could not be read."))

    def _report_undo_error(self, error: OrganizerError) -> None:
        report_error(self, self.tr("Could not undo or redo"), error)


__all__ = ["EventsPage"]
