"""The Volunteers page: a searchable, sortable directory with a summary of the selected person.

The list never shows phone numbers, emergency contacts or notes; the editor does.
"""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise

from PySide6.QtCore import (
    QEvent,
    QItemSelection,
    QLocale,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QKeyEvent, QKeySequence, QPalette, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from organizer.changes import DataChange
from organizer.errors import OrganizerError
from organizer.models import Qualification
from organizer.services.directory import DirectoryQuery, DirectoryService, VolunteerSummary
from organizer.ui.context import ViewContext
from organizer.ui.home import EnterActivates
from organizer.ui.tones import Tone, scaled_font, tone_colours
from organizer.ui.volunteers.cells import DirectoryDelegate
from organizer.ui.volunteers.editor import VolunteerEditor
from organizer.ui.volunteers.edits import VolunteerEdits
from organizer.ui.volunteers.model import (
    EMAIL,
    HOURS,
    JOINED,
    NAME,
    NEXT_SHIFT,
    PAGE_SIZE,
    QUALIFICATIONS,
    VolunteerTableModel,
)
from organizer.ui.volunteers.summary import SummaryPanel
from organizer.ui.volunteers.text import weekday_names
from organizer.ui.worker import submit_owned

SEARCH_DELAY_MS = 150
SUMMARY_DELAY_MS = 60
LOADING_DELAY_MS = 150
"""How long a read runs before "Loading…" appears (a quick one never flashes it)."""
WATCHED = ("volunteer", "qualification", "assignment", "shift", "event")
COLUMN_WIDTHS = {NAME: 210, NEXT_SHIFT: 230, HOURS: 95, EMAIL: 220, JOINED: 110}
OPTIONAL_COLUMNS = (EMAIL, JOINED)  # hidden at first; the header's menu shows them


def _column_key(column: int) -> str:
    return f"volunteers/column-{column}-shown"


_Index = QModelIndex | QPersistentModelIndex


class MessageBar(QFrame):
    """A dismissable line above the list: what just happened, or what went wrong."""

    def __init__(self, parent: QWidget | None = None) -> None:
        """A hidden bar."""
        super().__init__(parent)
        self.setAccessibleName(self.tr("Message"))
        self.setAutoFillBackground(True)
        self.tone = Tone.CALM
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setAccessibleName(self.tr("Message text"))
        self.close_button = QToolButton()
        self.close_button.setText("✕")
        self.close_button.setAutoRaise(True)
        self.close_button.setAccessibleName(self.tr("Dismiss message"))
        self.close_button.setToolTip(self.tr("Dismiss"))
        self.close_button.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 6, 6)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.close_button)
        self.hide()

    def say(self, text: str, tone: Tone = Tone.CALM) -> None:
        """Show ``text`` in the colours of ``tone``."""
        self.tone = tone
        self.label.setText(text)
        self._colour()
        self.show()

    def text(self) -> str:
        """What the bar says ("" when hidden)."""
        return self.label.text() if self.isVisible() else ""

    def changeEvent(self, event: QEvent) -> None:
        """Recolour when the palette changes (dark mode)."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._colour()

    def _colour(self) -> None:
        palette = QPalette(self.palette())
        background, text = tone_colours(palette, self.tone)
        if (
            palette.color(QPalette.ColorRole.Window),
            palette.color(QPalette.ColorRole.WindowText),
        ) != (background, text):
            palette.setColor(QPalette.ColorRole.Window, background)
            palette.setColor(QPalette.ColorRole.WindowText, text)
            self.setPalette(palette)


class _SearchKeys(QObject):
    """In the search box: Down or Enter go to the list, Escape clears the text."""

    def __init__(self, page: VolunteersPage) -> None:
        super().__init__(page)
        self.page = page

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Handle the keys; everything else goes to the search box."""
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            key = event.key()
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.page.focus_list()
                return True
            if key == Qt.Key.Key_Escape and self.page.search.text():
                self.page.search.clear()
                return True
        return super().eventFilter(watched, event)


class VolunteersPage(QWidget):
    """The volunteer directory: search, filters, a sortable list and a summary panel.

    ``volunteer_selected`` carries the id of the volunteer selected (``None`` for nobody);
    :meth:`show_volunteer` lets other pages jump to someone.  ``directory`` and ``page_size``
    are for tests (a fixed clock, small pages).
    """

    volunteer_selected = Signal(object)

    def __init__(
        self,
        context: ViewContext,
        parent: QWidget | None = None,
        *,
        directory: DirectoryService | None = None,
        page_size: int = PAGE_SIZE,
    ) -> None:
        """Lay out the page and start loading the directory."""
        super().__init__(parent)
        self.context = context
        self.directory = directory or context.services.directory
        self.edits = VolunteerEdits(context, self)
        self.editor: VolunteerEditor | None = None
        self.model = VolunteerTableModel(self.directory, context.worker, self, page_size=page_size)
        self._wanted: tuple[int, bool] | None = None  # who to select after loading
        self._summary_generation = 0
        self.setObjectName("page-volunteers")
        self.setAccessibleName(self.tr("Volunteers"))

        self._build_header()
        self._build_filters()
        self._build_list()
        self._connect()
        order = (
            self.search,
            self.qualification_filter,
            self.weekday_filter,
            self.archived_check,
            self.table,
            self.new_button,
            self.edit_button,
            self.archive_button,
        )
        for first, second in pairwise(order):
            self.setTabOrder(first, second)
        self._update_buttons()
        self.load_qualifications()
        self.table.sortByColumn(NAME, Qt.SortOrder.AscendingOrder)

    # Layout -----------------------------------------------------------------------------------

    def _build_header(self) -> None:
        self.heading = QLabel(self.tr("Volunteers"))
        self.heading.setFont(scaled_font(self.font(), 1.5))
        self.heading.setAccessibleName(self.tr("Heading"))
        self.count_label = QLabel()
        self.count_label.setAccessibleName(self.tr("How many volunteers"))
        self.count_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.loading_label = QLabel(self.tr("Loading…"))
        self.loading_label.setAccessibleName(self.tr("Loading"))
        self.loading_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.loading_label.hide()
        self.loading_timer = QTimer(self)
        self.loading_timer.setSingleShot(True)
        self.loading_timer.setInterval(LOADING_DELAY_MS)
        self.loading_timer.timeout.connect(lambda: self.loading_label.setVisible(True))

        self.new_button = QPushButton(self.tr("&New volunteer…"))
        self.new_button.setAccessibleName(self.tr("New volunteer"))
        self.new_button.setToolTip(self.tr("Add someone to the directory"))
        self.edit_button = QPushButton(self.tr("Ed&it…"))
        self.edit_button.setAccessibleName(self.tr("Edit volunteer"))
        self.edit_button.setToolTip(self.tr("See and change everything about them (Enter)"))
        self.archive_button = QPushButton(self.tr("&Archive"))
        self.archive_button.setAccessibleName(self.tr("Archive volunteer"))

        self.header = QHBoxLayout()
        self.header.setSpacing(10)
        self.header.addWidget(self.heading)
        self.header.addWidget(self.count_label, 0, Qt.AlignmentFlag.AlignBaseline)
        self.header.addWidget(self.loading_label, 0, Qt.AlignmentFlag.AlignBaseline)
        self.header.addStretch(1)
        self.header.addWidget(self.new_button)
        self.header.addWidget(self.edit_button)
        self.header.addWidget(self.archive_button)
        from organizer.ui.people.actions import PeopleActions  # it imports this package

        self.people = PeopleActions(
            self.context, self, notify=lambda text: self.message.say(text, Tone.ALERT)
        )
        self.header.addSpacing(12)
        for widget in self.people.buttons():
            self.header.addWidget(widget)

    def _build_filters(self) -> None:
        self.search = QLineEdit()
        self.search.setAccessibleName(self.tr("Search volunteers"))
        self.search.setPlaceholderText(self.tr("Search names and emails (Ctrl+F)"))
        self.search.setClearButtonEnabled(True)
        self.search.installEventFilter(_SearchKeys(self))
        self.search_timer = QTimer(self)
        self.search_timer.setSingleShot(True)
        self.search_timer.setInterval(SEARCH_DELAY_MS)

        self.qualification_filter = QComboBox()
        self.qualification_filter.setAccessibleName(self.tr("Qualification"))
        self.qualification_filter.setToolTip(self.tr("Only people holding it, not expired"))
        self.qualification_filter.addItem(self.tr("Any qualification"), None)
        self.qualification_filter.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)

        self.weekday_filter = QComboBox()
        self.weekday_filter.setAccessibleName(self.tr("Available on"))
        self.weekday_filter.setToolTip(self.tr("Only people usually free that day of the week"))
        self.weekday_filter.addItem(self.tr("Available any day"), None)
        for number, name in enumerate(weekday_names()):
            self.weekday_filter.addItem(self.tr("Available on {day}").format(day=name), number)

        self.archived_check = QCheckBox(self.tr("Show a&rchived"))
        self.archived_check.setAccessibleName(self.tr("Show archived volunteers"))

        self.filters = QHBoxLayout()
        self.filters.setSpacing(8)
        self.filters.addWidget(self.search, 3)
        self.filters.addWidget(self.qualification_filter, 1)
        self.filters.addWidget(self.weekday_filter, 1)
        self.filters.addWidget(self.archived_check)

        self.find_shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self)
        self.find_shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

    def _build_list(self) -> None:
        self.table = QTableView()
        self.table.setAccessibleName(self.tr("Volunteer list"))
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setSortingEnabled(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 12)
        self.table.installEventFilter(EnterActivates(self.table))
        header = self.table.horizontalHeader()
        header.setAccessibleName(self.tr("Columns"))
        header.setHighlightSections(False)
        header.setStretchLastSection(False)
        for column, width in COLUMN_WIDTHS.items():
            header.resizeSection(column, width)
        header.setSectionResizeMode(QUALIFICATIONS, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(60)
        settings = self.context.settings
        for column in OPTIONAL_COLUMNS:
            shown = settings is not None and settings.value(_column_key(column)) in (True, "true")
            header.setSectionHidden(column, not shown)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._column_menu)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._volunteer_menu)
        self.delegate = DirectoryDelegate(self.model, self.table)
        self.table.setItemDelegate(self.delegate)
        self.delete_shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.table)
        self.delete_shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)

        self.empty_label = QLabel()
        self.empty_label.setAccessibleName(self.tr("No volunteers"))
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.empty_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.clear_filters_button = QPushButton(self.tr("Clear search and filters"))
        self.clear_filters_button.setAccessibleName(self.tr("Clear search and filters"))
        empty = QWidget()
        empty.setAccessibleName(self.tr("Empty list"))
        empty.setBackgroundRole(QPalette.ColorRole.Base)
        empty.setAutoFillBackground(True)
        empty_layout = QVBoxLayout(empty)
        empty_layout.addStretch(1)
        empty_layout.addWidget(self.empty_label)
        empty_layout.addWidget(self.clear_filters_button, 0, Qt.AlignmentFlag.AlignCenter)
        empty_layout.addStretch(2)
        self.list_stack = QStackedWidget()
        self.list_stack.setAccessibleName(self.tr("Directory"))
        self.list_stack.addWidget(self.table)
        self.list_stack.addWidget(empty)

        self.summary = SummaryPanel(self.directory.zone, self.directory.clock)
        self.summary_frame = QFrame()
        self.summary_frame.setAccessibleName(self.tr("Selected volunteer"))
        self.summary_frame.setFrameShape(QFrame.Shape.StyledPanel)
        frame_layout = QVBoxLayout(self.summary_frame)
        frame_layout.setContentsMargins(0, 0, 0, 0)
        frame_layout.addWidget(self.summary)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setAccessibleName(self.tr("List and summary"))
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.list_stack)
        self.splitter.addWidget(self.summary_frame)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([720, 280])

        self.message = MessageBar(self)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.setSpacing(10)
        layout.addLayout(self.header)
        layout.addLayout(self.filters)
        layout.addWidget(self.message)
        layout.addWidget(self.splitter, 1)

    def _connect(self) -> None:
        self.search.textEdited.connect(lambda _: self.search_timer.start())
        self.search.textChanged.connect(self._text_changed)
        self.search_timer.timeout.connect(self.apply_filters)
        self.qualification_filter.currentIndexChanged.connect(self.apply_filters)
        self.weekday_filter.currentIndexChanged.connect(self.apply_filters)
        self.archived_check.toggled.connect(self.apply_filters)
        self.clear_filters_button.clicked.connect(self.clear_filters)
        self.find_shortcut.activated.connect(self.focus_search)
        self.delete_shortcut.activated.connect(self.archive_selected)
        self.new_button.clicked.connect(lambda: self.open_editor(None))
        self.edit_button.clicked.connect(self.open_selected)
        self.archive_button.clicked.connect(self.archive_selected)
        self.table.activated.connect(lambda _: self.open_selected())
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.summary_timer = QTimer(self)
        self.summary_timer.setSingleShot(True)
        self.summary_timer.setInterval(SUMMARY_DELAY_MS)
        self.summary_timer.timeout.connect(self.load_summary)
        self.model.loading_changed.connect(self._loading_changed)
        self.model.total_changed.connect(self._total_changed)
        self.model.load_failed.connect(lambda text: self.message.say(text, Tone.ALERT))
        self.model.modelAboutToBeReset.connect(self._remember_selection)
        self.model.modelReset.connect(self._after_reset)
        self.model.rowsInserted.connect(self._restore_selection)
        self.edits.failed.connect(lambda text: self.message.say(text, Tone.ALERT))
        self.context.hub.changed.connect(self._data_changed)

    # Public ------------------------------------------------------------------------------------

    @Slot()
    def focus_search(self) -> None:
        """Put the cursor in the search box, its text selected (Ctrl+F)."""
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    @Slot()
    def focus_list(self) -> None:
        """Move to the list, selecting the first volunteer if nobody is."""
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        if self.selected_id() is None and self.model.rowCount():
            self.table.selectRow(max(self.table.currentIndex().row(), 0))

    @Slot()
    def refresh(self) -> None:
        """Reload the list, the qualification filter and the summary (the list first)."""
        self.model.reload()
        self.load_qualifications()
        self.summary_timer.start()

    def current_query(self) -> DirectoryQuery:
        """The query the search box and filters describe, in the list's order."""
        return replace(
            self.model.query,
            text=self.search.text(),
            qualification_id=self.qualification_filter.currentData(),
            available_weekday=self.weekday_filter.currentData(),
            include_archived=self.archived_check.isChecked(),
        )

    @Slot()
    def apply_filters(self) -> None:
        """Ask for the volunteers the search and filters describe."""
        self.search_timer.stop()
        self.model.set_query(self.current_query())

    @Slot()
    def clear_filters(self) -> None:
        """Empty the search box and reset every filter."""
        for widget in (self.search, self.qualification_filter, self.weekday_filter):
            widget.blockSignals(True)
        self.search.clear()
        self.qualification_filter.setCurrentIndex(0)
        self.weekday_filter.setCurrentIndex(0)
        for widget in (self.search, self.qualification_filter, self.weekday_filter):
            widget.blockSignals(False)
        self.archived_check.setChecked(False)
        self.apply_filters()

    def selected_id(self) -> int | None:
        """The id of the selected volunteer."""
        row = self.model.volunteer(self.table.currentIndex().row())
        selected = self.table.selectionModel().hasSelection()
        return row.id if row is not None and selected else None

    def show_volunteer(self, volunteer_id: int) -> None:
        """Select ``volunteer_id``, clearing the search and filters if they hide them.

        Archived people are shown too, in case the volunteer is one of them.
        """
        self._wanted = (volunteer_id, True)
        if self.model.contains(volunteer_id) and not self.model.loading:
            self._restore_selection()
            return
        self.search.clear()
        self.qualification_filter.setCurrentIndex(0)
        self.weekday_filter.setCurrentIndex(0)
        self.archived_check.setChecked(True)
        self.apply_filters()

    @Slot()
    def open_selected(self) -> None:
        """Open the selected volunteer in the editor (Enter, or a double click)."""
        volunteer_id = self.selected_id()
        if volunteer_id is not None:
            self.open_editor(volunteer_id)

    def open_editor(self, volunteer_id: int | None) -> VolunteerEditor:
        """Open the editor for ``volunteer_id``, or for a new volunteer."""
        if self.editor is not None:
            self.editor.close()
        self.editor = VolunteerEditor(self.context, volunteer_id, self, edits=self.edits)
        self.editor.saved.connect(self._saved)
        self.editor.finished.connect(lambda _: self.table.setFocus())
        self.editor.open()
        return self.editor

    @Slot()
    def archive_selected(self) -> None:
        """Archive the selected volunteer after asking, or restore an archived one."""
        row = self.model.volunteer(self.table.currentIndex().row())
        if row is None or self.context.read_only or self.selected_id() is None:
            return
        if row.active and not self._confirm_archive(row.name):
            return

        def done(_: object) -> None:
            text = self.tr("Restored {name}.") if not row.active else self.tr("Archived {name}.")
            self.message.say(text.format(name=row.name) + " " + self.tr("Ctrl+Z undoes it."))

        self.edits.set_active(
            row.id, row.version, row.name, not row.active, on_done=done, on_error=self._failed
        )

    @Slot()
    def load_qualifications(self) -> None:
        """Fill the qualification filter (in the background)."""
        submit_owned(
            self.context.worker,
            self,
            self.context.services.qualifications.list,
            on_done=self._show_qualifications,
            on_error=self._failed,
        )

    @Slot()
    def load_summary(self) -> None:
        """Load the summary of the selected volunteer (in the background)."""
        volunteer_id = self.selected_id()
        self._summary_generation += 1
        generation = self._summary_generation
        if volunteer_id is None:
            self.summary.show_hint()
            return

        def done(summary: VolunteerSummary | None) -> None:
            if generation != self._summary_generation:
                return
            if summary is None:
                self.summary.show_hint(self.tr("This volunteer no longer exists."))
            else:
                self.summary.show_summary(summary)

        directory = self.directory
        submit_owned(
            self.context.worker,
            self,
            lambda: directory.summary(volunteer_id),
            on_done=done,
            on_error=self._failed,
        )

    # Reactions ---------------------------------------------------------------------------------

    def _show_qualifications(self, qualifications: list[Qualification]) -> None:
        combo = self.qualification_filter
        chosen = combo.currentData()
        combo.blockSignals(True)
        while combo.count() > 1:
            combo.removeItem(1)
        for qualification in qualifications:
            combo.addItem(qualification.name, qualification.id)
        combo.setCurrentIndex(max(combo.findData(chosen), 0))
        combo.blockSignals(False)
        if combo.currentData() != chosen:
            self.apply_filters()

    def _text_changed(self, text: str) -> None:
        if not text and self.model.query.text:  # the clear button, or Escape
            self.apply_filters()

    def _loading_changed(self, loading: bool) -> None:
        if loading:
            self.loading_timer.start()
        else:
            self.loading_timer.stop()
            self.loading_label.hide()
            self._show_list_or_empty()
            self._restore_selection()

    def _total_changed(self, total: int) -> None:
        if total == 1:
            text = self.tr("1 volunteer")
        else:
            text = self.tr("{count} volunteers").format(count=QLocale().toString(total))
        self.count_label.setText(text)
        self._show_list_or_empty()

    def _show_list_or_empty(self) -> None:
        query = self.model.query
        filtered = bool(
            query.text.strip()
            or query.qualification_id is not None
            or query.available_weekday is not None
        )
        if self.model.total:
            self.list_stack.setCurrentWidget(self.table)
            return
        if filtered:
            self.empty_label.setText(self.tr("Nobody matches this search and these filters."))
        elif query.include_archived:
            self.empty_label.setText(self.tr("There are no volunteers yet."))
        else:
            self.empty_label.setText(
                self.tr("No active volunteers. Add someone with “New volunteer”.")
            )
        self.clear_filters_button.setVisible(filtered or query.include_archived)
        self.list_stack.setCurrentIndex(1)

    def _selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self._update_buttons()
        self.summary_timer.start()
        self.volunteer_selected.emit(self.selected_id())

    def _after_reset(self) -> None:
        """A reset drops the selection without saying so: catch up, then reselect."""
        self._update_buttons()
        self.summary_timer.start()
        self._restore_selection()

    def _remember_selection(self) -> None:
        """Keep the selected volunteer selected through a reload, if they are still loaded."""
        selected = self.selected_id()
        if self._wanted is None and selected is not None:
            self._wanted = (selected, False)

    def _restore_selection(self) -> None:
        """Select the volunteer asked for once they are loaded (fetching down to them)."""
        if self._wanted is None or self.model.loading:
            return
        wanted, fetch = self._wanted
        row = self.model.row_of(wanted)
        position = self.model.position_of(wanted)
        if row is None and fetch and position is not None:
            self.model.fetch_through(position)  # selected when the rows arrive
            return
        self._wanted = None
        if row is not None:
            self.table.selectRow(row)
            self.table.scrollTo(self.model.index(row, NAME))

    def _update_buttons(self) -> None:
        row = self.model.volunteer(self.table.currentIndex().row())
        chosen = row is not None and self.selected_id() is not None
        writable = not self.context.read_only
        self.new_button.setEnabled(writable)
        self.edit_button.setEnabled(chosen)
        self.edit_button.setText(self.tr("Ed&it…") if writable else self.tr("&View…"))
        self.archive_button.setEnabled(chosen and writable)
        restoring = row is not None and not row.active
        self.archive_button.setText(self.tr("&Restore") if restoring else self.tr("&Archive"))
        self.archive_button.setAccessibleName(
            self.tr("Restore volunteer") if restoring else self.tr("Archive volunteer")
        )
        self.archive_button.setToolTip(
            self.tr("Make them active again")
            if restoring
            else self.tr("Stop offering them shifts; their history stays (Delete)")
        )

    def _data_changed(self, change: DataChange) -> None:
        if not change.touches(*WATCHED):
            return
        if change.touches("qualification"):
            self.load_qualifications()
        self.model.reload()
        self.summary_timer.start()

    def _saved(self, volunteer_id: int, name: str) -> None:
        self._wanted = (volunteer_id, True)
        if not self.model.contains(volunteer_id):
            self.message.say(self.tr("Saved {name}.").format(name=name))

    def set_column_shown(self, column: int, shown: bool) -> None:
        """Show or hide one of the optional columns (email, joined); remembered."""
        self.table.horizontalHeader().setSectionHidden(column, not shown)
        if self.context.settings is not None:
            self.context.settings.setValue(_column_key(column), shown)

    def _volunteer_menu(self, point: QPoint) -> None:
        """Edit, archive, export their data or erase the volunteer under the pointer."""
        row = self.model.volunteer(self.table.indexAt(point).row())
        if row is None:
            return
        self.table.selectRow(self.table.indexAt(point).row())
        menu = QMenu(self)
        menu.setAccessibleName(self.tr("Volunteer actions"))
        menu.addAction(self.edit_button.text(), self.open_selected)
        menu.addAction(self.archive_button.text(), self.archive_selected).setEnabled(
            self.archive_button.isEnabled()
        )
        menu.addSeparator()
        self.people.person_menu(row.id, row.name, menu)
        menu.popup(self.table.viewport().mapToGlobal(point))

    def _column_menu(self, point: QPoint) -> None:
        header = self.table.horizontalHeader()
        menu = QMenu(self)
        menu.setAccessibleName(self.tr("Columns"))
        for column in OPTIONAL_COLUMNS:
            title = self.model.headerData(column, Qt.Orientation.Horizontal)
            action = menu.addAction(self.tr("Show {column}").format(column=title.lower()))
            action.setCheckable(True)
            action.setChecked(not header.isSectionHidden(column))
            action.toggled.connect(lambda shown, c=column: self.set_column_shown(c, shown))
        menu.popup(header.mapToGlobal(point))

    def _confirm_archive(self, name: str) -> bool:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(self.tr("Archive volunteer"))
        box.setText(self.tr("Archive {name}?").format(name=name))
        box.setInformativeText(
            self.tr(
                "They will not be offered new shifts. Their past shifts and hours stay, and "
                "you can restore them at any time from “Show archived”."
            )
        )
        archive = box.addButton(self.tr("Archive"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(archive)
        box.exec()
        return box.clickedButton() is archive

    def _failed(self, error: Exception) -> None:
        if not isinstance(error, OrganizerError):
            raise error
        self.message.say(str(error), Tone.ALERT)
        self.model.reload()


__all__ = ["MessageBar", "VolunteersPage"]
