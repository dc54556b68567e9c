"""The agenda: the coming weeks as a list, a heading for each day with its occurrences."""

from __future__ import annotations

from datetime import date, time

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent, QPainter, QPalette, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeView,
    QWidget,
)

from organizer.ui.calendar.canvas import mix
from organizer.ui.calendar.items import CalendarItem, OccurrenceKey
from organizer.ui.calendar.model import (
    CAUSE_COLUMN,
    FILL_COLUMN,
    OBJECT_ROLE,
    PLACE_COLUMN,
    TITLE_COLUMN,
    WHEN_COLUMN,
    CalendarModel,
)
from organizer.ui.calendar.periods import local_at

NEW_EVENT_TIME = time(10, 0)
CELL_INSET = 6


class _DayHeadingDelegate(QStyledItemDelegate):
    """Draws each day's heading row as a tinted band, today's in the highlight colour."""

    def __init__(self, view: AgendaView) -> None:
        super().__init__(view)
        self.view = view

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        """Rows with some air, so the list reads calmly."""
        size = super().sizeHint(option, index)
        size.setHeight(max(size.height(), option.fontMetrics.height() + 10))
        return size

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        """Day headings get a band; occurrences are drawn as usual."""
        day = index.data(OBJECT_ROLE)
        if not isinstance(day, date):
            self._paint_indented(painter, option, index)
            return
        palette = option.palette
        base = palette.color(QPalette.ColorRole.Base)
        rect = option.rect
        today = day == self.view.today
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        if selected:
            band = palette.color(QPalette.ColorRole.Highlight)
            pen = palette.color(QPalette.ColorRole.HighlightedText)
        elif today:
            band = mix(base, palette.color(QPalette.ColorRole.Highlight), 0.18)
            pen = palette.color(QPalette.ColorRole.Text)
        else:
            band = mix(base, palette.color(QPalette.ColorRole.Text), 0.06)
            pen = palette.color(QPalette.ColorRole.Text)
        painter.save()
        painter.fillRect(rect, band)
        font = painter.font()
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(pen)
        text = index.data()
        if today:
            text = self.view.tr("{day} · Today").format(day=text)
        painter.drawText(
            rect.adjusted(8, 0, -8, 0),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            text,
        )
        painter.restore()

    def _paint_indented(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        """An occurrence cell, its text set in from the left edge of the first column."""
        if index.column() != WHEN_COLUMN:
            super().paint(painter, option, index)
            return
        style = self.view.style()
        style.drawPrimitive(
            QStyle.PrimitiveElement.PE_PanelItemViewItem, option, painter, self.view
        )
        inset = QStyleOptionViewItem(option)
        inset.rect = option.rect.adjusted(CELL_INSET, 0, 0, 0)
        super().paint(painter, inset, index)


class AgendaView(QTreeView):
    """The model's days and occurrences as a list with columns.

    Emits the same signals as the month and week surfaces, so the page treats all alike.
    """

    item_clicked = Signal(object)
    item_activated = Signal(object)
    day_clicked = Signal(object)
    empty_activated = Signal(object)

    def __init__(self, model: CalendarModel, parent: QWidget | None = None) -> None:
        """Show ``model``; every day stays open."""
        super().__init__(parent)
        self.setObjectName("calendar-agenda")
        self.setAccessibleName(self.tr("Agenda"))
        self.setAccessibleDescription(
            self.tr("Up and Down move through the events, Enter opens one.")
        )
        self.today = date.today()
        self.calendar_model = model
        self.setModel(model)
        self.setItemDelegate(_DayHeadingDelegate(self))
        self.setRootIsDecorated(False)
        self.setItemsExpandable(False)
        self.setIndentation(0)
        self.setUniformRowHeights(True)
        self.setAllColumnsShowFocus(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setExpandsOnDoubleClick(False)
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(WHEN_COLUMN, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(TITLE_COLUMN, QHeaderView.ResizeMode.Stretch)
        for column, width in (
            (WHEN_COLUMN, 150),
            (CAUSE_COLUMN, 150),
            (PLACE_COLUMN, 170),
            (FILL_COLUMN, 110),
        ):
            self.setColumnWidth(column, width)
        self.empty_label = QLabel(self.tr("Nothing is planned in these weeks."), self.viewport())
        self.empty_label.setAccessibleName(self.tr("No events"))
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.empty_label.hide()
        self.loading = False
        self._days_open = True
        model.modelReset.connect(self._after_reset)
        self.doubleClicked.connect(self._activate)
        self.selectionModel().currentRowChanged.connect(self._current_changed)

    def set_loading(self, loading: bool) -> None:
        """While loading, an empty list says nothing rather than "nothing planned"."""
        self.loading = loading
        self._update_empty_label()

    def _after_reset(self) -> None:
        # Opening every day walks all rows: worth it only when the list is on show.
        self._days_open = False
        if self.isVisible():
            self._open_days()
        self._update_empty_label()

    def showEvent(self, event: QShowEvent) -> None:
        """Open the days the model brought while the list was hidden."""
        if not self._days_open:
            self._open_days()
        super().showEvent(event)

    def _open_days(self) -> None:
        self._days_open = True
        model = self.calendar_model
        root = QModelIndex()
        for row in range(model.rowCount()):
            self.setFirstColumnSpanned(row, root, True)
            self.setExpanded(model.index(row, 0), True)

    def _update_empty_label(self) -> None:
        empty = self.calendar_model.rowCount() == 0 and not self.loading
        self.empty_label.setVisible(empty)
        self.empty_label.resize(self.viewport().size())

    def resizeEvent(self, event: object) -> None:
        """Keep the empty-list message centred."""
        super().resizeEvent(event)  # type: ignore[arg-type]
        self.empty_label.resize(self.viewport().size())

    def select(self, day: date, key: OccurrenceKey | None) -> None:
        """Make the item ``key`` (or else ``day``'s heading) current, without signalling."""
        model = self.calendar_model
        index = model.index_of(key) if key is not None else QModelIndex()
        if not index.isValid():
            index = model.day_index(day)
        if not index.isValid() or index == self.currentIndex():
            return
        blocked = self.selectionModel().blockSignals(True)
        self.setCurrentIndex(index)
        self.selectionModel().blockSignals(blocked)
        self.viewport().update()
        hint = (
            QAbstractItemView.ScrollHint.PositionAtTop
            if key is None
            else QAbstractItemView.ScrollHint.EnsureVisible
        )
        self.scrollTo(index, hint)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter opens; Left and Right do nothing (days cannot be folded)."""
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._activate(self.currentIndex())
            return
        if key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            return
        super().keyPressEvent(event)

    def _activate(self, index: QModelIndex) -> None:
        value = index.data(OBJECT_ROLE)
        if isinstance(value, CalendarItem):
            self.item_activated.emit(value)
        elif isinstance(value, date):
            self.empty_activated.emit(local_at(value, NEW_EVENT_TIME))

    def _current_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        value = current.data(OBJECT_ROLE)
        if isinstance(value, CalendarItem):
            self.item_clicked.emit(value)
        elif isinstance(value, date):
            self.day_clicked.emit(value)
