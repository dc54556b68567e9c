"""The board's tree view (drop a volunteer on a shift) and the draggable candidate list."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QRectF,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QDrag,
    QDragEnterEvent,
    QDragLeaveEvent,
    QDragMoveEvent,
    QDropEvent,
    QFont,
    QFontMetrics,
    QKeyEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPixmap,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QListView,
    QStyleOptionViewItem,
    QTreeView,
    QWidget,
)

from organizer.ui.roster.delegates import BoardDelegate
from organizer.ui.roster.models import (
    COLUMN_FILLED,
    COLUMN_NAME,
    COLUMN_NOTES,
    COLUMN_STATUS,
    COLUMN_TIME,
    OBJECT_ROLE,
    BoardModel,
    CandidateModel,
    RowKind,
    volunteer_from_mime,
)

Index = QModelIndex | QPersistentModelIndex
EXPAND_PEOPLE_UP_TO = 2000  # rows; bigger boards open with their shifts closed
OPEN_AT_ONCE = 200  # rows; a board's first days up to this many open with it, later days after
OPEN_PER_TURN = 800  # rows; later days open in turns of the event loop of about this many


class BoardView(QTreeView):
    """The roster board: days and occurrences as headings, shifts with their people.

    Emits ``volunteer_dropped(shift, volunteer_id, name)`` when a volunteer is dropped on a
    shift or one of its people, ``open_requested(index)`` for Enter or a double-click, and
    ``remove_requested(index)`` for Delete, ``painted()`` once the rows are on screen, every
    day open, after :meth:`announce_paint`.  ``accepts_volunteers`` turns drops off (for a
    read-only file).
    """

    volunteer_dropped = Signal(object, int, str)
    painted = Signal()
    open_requested = Signal(QModelIndex)
    remove_requested = Signal(QModelIndex)

    def __init__(self, model: BoardModel, parent: QWidget | None = None) -> None:
        """Show ``model``."""
        super().__init__(parent)
        self.board = model
        self.accepts_volunteers = True
        self._drop_row: QPersistentModelIndex | None = None
        self.setModel(model)
        self.delegate = BoardDelegate(self)
        self.setItemDelegate(self.delegate)
        self.setUniformRowHeights(False)
        self.setWordWrap(True)
        self.setAlternatingRowColors(False)
        self.setRootIsDecorated(True)
        self.setIndentation(18)
        self.setExpandsOnDoubleClick(False)
        self.setAllColumnsShowFocus(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.setDropIndicatorShown(False)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        header = self.header()
        header.setStretchLastSection(True)
        header.setSectionsMovable(False)
        widths = {COLUMN_NAME: 210, COLUMN_TIME: 96, COLUMN_FILLED: 78, COLUMN_STATUS: 112}
        for column, width in widths.items():
            header.resizeSection(column, width)
        header.setSectionResizeMode(COLUMN_NAME, QHeaderView.ResizeMode.Interactive)
        header.setMinimumSectionSize(60)
        header.sectionResized.connect(self._column_resized)
        self._announce = False
        self._fresh = False
        self._laying_out = False
        self._later_days: list[tuple[QPersistentModelIndex, int]] = []
        self._everyone = True
        self.expected_size: int | None = None
        self._unfold_timer = QTimer(self)
        self._unfold_timer.setSingleShot(True)
        self._unfold_timer.setInterval(0)
        self._unfold_timer.timeout.connect(self._open_next_day)
        model.modelReset.connect(self._after_reset)
        self.collapsed.connect(self._touched)
        model.rowsInserted.connect(self._rows_added)
        self.doubleClicked.connect(self.open_requested)

    def dataChanged(
        self,
        top_left: QModelIndex | QPersistentModelIndex,
        bottom_right: QModelIndex | QPersistentModelIndex,
        roles: Sequence[int] = (),
    ) -> None:
        """Redo only rows that look different and are laid out.

        A change of the row's object alone (:data:`OBJECT_ROLE`) looks the same, and rows
        under a closed row are not laid out.  The tree view would measure every such row
        again; for a clash check touching a thousand people on a big week, for seconds.
        """
        if roles and all(role == OBJECT_ROLE for role in roles):
            return
        parent = top_left.parent()
        if parent.isValid() and not self.isExpanded(parent):
            return
        super().dataChanged(top_left, bottom_right, list(roles))

    def _rows_added(self, parent: QModelIndex, first: int, last: int) -> None:
        """New days open one by one; someone just put on a shift is shown, even if closed."""
        if not parent.isValid():
            self._queue_days(first, last, at_once=False)
            if not self._laying_out:
                self._unfold_timer.start()
            return
        self.expand(parent)

    def changeEvent(self, event: QEvent) -> None:
        """A new style or font measures rows afresh."""
        if event.type() in (QEvent.Type.StyleChange, QEvent.Type.FontChange):
            self.delegate.forget_sizes()
        super().changeEvent(event)

    def _column_resized(self, column: int) -> None:
        if column == COLUMN_NOTES:
            self.scheduleDelayedItemsLayout()  # wrapped notes change the rows' heights

    def _after_reset(self) -> None:
        """Open a fresh board as :meth:`expand_board` would, laid out once.

        Every row is opened (as ``expandAll`` does), or on a big board the days and events;
        ``expected_size``, when set, is how many rows the board will have once every part of
        it has arrived.  Right after a reset the view has not laid anything out, so rows
        opened now are only noted, and the board is laid out once, already open, in a later
        turn of the event loop (or before it is first painted), rather than once per row
        opened.  Only the first days, up to :data:`OPEN_AT_ONCE` rows, are in that first
        layout: each later day opens in a turn of its own (see :attr:`unfolding`), so a big
        week is on screen without laying out thousands of rows first.
        """
        self._drop_row = None
        size = self.expected_size or self.board.size()
        self.expected_size = None
        self._everyone = size <= EXPAND_PEOPLE_UP_TO
        self._later_days = []
        self._unfold_timer.stop()
        self.viewport().setUpdatesEnabled(True)
        self._queue_days(0, self.board.rowCount() - 1, at_once=True)
        self._fresh = True
        self._laying_out = True

    def _queue_days(self, first: int, last: int, *, at_once: bool) -> None:
        """Open days ``first`` to ``last`` now (up to :data:`OPEN_AT_ONCE` rows), or later."""
        laid_out = 0 if at_once else OPEN_AT_ONCE
        for day, rows, people in self.board.day_sizes()[first : last + 1]:
            size = 1 + rows + (people if self._everyone else 0)
            if laid_out >= OPEN_AT_ONCE:
                self._later_days.append((QPersistentModelIndex(day), size))
            else:
                for index in self.board.day_rows(day, self._everyone):
                    self.expand(index)
                self.expand(day)
            laid_out += size
        if len(self._later_days) > 1:
            # The board's last day first: the scroll bar measures the rows on the board's
            # last page each time a day opens, and those rows then stay the same.
            self._later_days.insert(0, self._later_days.pop())

    def doItemsLayout(self) -> None:
        """Lay the rows out; after a reset, then open the later days (see :meth:`_after_reset`)."""
        super().doItemsLayout()
        if self._laying_out:
            self._laying_out = False
            if self._later_days:
                self._unfold_timer.start()

    def _open_next_day(self) -> None:
        """Open the days still closed, up to :data:`OPEN_PER_TURN` rows in this turn.

        The rows on screen are painted once the last day is open, not after every turn:
        each paint would cost as much as opening a day.
        """
        viewport = self.viewport()
        viewport.setUpdatesEnabled(False)
        laid_out = 0
        while self._later_days and laid_out < OPEN_PER_TURN:
            day, size = self._later_days.pop(0)
            if day.isValid():
                for index in self.board.day_rows(day, self._everyone):
                    self.expand(index)
                self.expand(day)
                laid_out += size
        if self._later_days:
            self._unfold_timer.start()
        else:
            viewport.setUpdatesEnabled(True)

    @property
    def unfolding(self) -> bool:
        """Whether days of the board just loaded are still to be opened."""
        return bool(self._later_days) or self._laying_out

    def _touched(self, _index: QModelIndex) -> None:
        self._fresh = False  # closed by hand: opening the board again is no longer a no-op

    def expand_board(self) -> None:
        """Open every row; on a very big board, only the days and events.

        Laying out thousands of people rows would hold the window still; on such a board
        a shift opens with a click (or the right arrow key) to show who is on it.  A board
        just loaded is already open this way (see :meth:`_after_reset`).
        """
        if self._fresh:
            self._fresh = False
            return
        if self.board.size() <= EXPAND_PEOPLE_UP_TO:
            self.expandAll()
        else:
            self.expandToDepth(1)

    @property
    def opening(self) -> bool:
        """Whether a board just loaded is still to be laid out."""
        return self._laying_out

    def announce_paint(self) -> None:
        """Emit ``painted`` after the first paint of the board with every day open.

        Pure-Python work on another thread (the clash check) would slow the opening of the
        later days many times over, as each row laid out calls back into Python.
        """
        self._announce = True
        self.viewport().update()

    def paintEvent(self, event: QPaintEvent) -> None:
        """Paint, then say so when asked to (see :meth:`announce_paint`)."""
        super().paintEvent(event)
        if self._announce and not self.unfolding:
            self._announce = False
            QTimer.singleShot(0, self, self.painted.emit)

    def visualRect(self, index: Index) -> QRect:
        """Where ``index`` is; a day's or event's heading takes the whole row (as drawn)."""
        rect = super().visualRect(index)
        if rect.isValid() and self.board.kind(index) in (RowKind.DAY, RowKind.OCCURRENCE):
            rect.setLeft(super().visualRect(index.sibling(index.row(), COLUMN_NAME)).left())
            header = self.header()
            rect.setRight(header.length() - header.offset() - 1)
        return rect

    def shift_row(self, index: Index) -> QModelIndex:
        """The shift row for a shift or person row (an invalid index otherwise)."""
        if not index.isValid():
            return QModelIndex()
        if self.board.kind(index) is RowKind.PERSON:
            return index.parent()
        if self.board.kind(index) is RowKind.SHIFT:
            return self.board.index(index.row(), 0, index.parent())
        return QModelIndex()

    # Keyboard ------------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter opens the row; Delete asks to remove the person."""
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.open_requested.emit(self.currentIndex())
            event.accept()
            return
        if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.currentIndex().isValid():
            self.remove_requested.emit(self.currentIndex())
            event.accept()
            return
        super().keyPressEvent(event)

    # Dropping ------------------------------------------------------------------------------

    def _target(self, position: QPoint) -> QModelIndex:
        return self.shift_row(self.indexAt(position))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        """Accept volunteers being dragged in."""
        if self.accepts_volunteers and volunteer_from_mime(event.mimeData()) is not None:
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        """Highlight the shift under the pointer; refuse headings."""
        target = self._target(event.position().toPoint())
        if not (self.accepts_volunteers and target.isValid()):
            self._set_drop_row(None)
            event.ignore()
            return
        self._set_drop_row(QPersistentModelIndex(target))
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        """Clear the highlight."""
        self._set_drop_row(None)
        super().dragLeaveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        """Assign the dropped volunteer to the shift under the pointer."""
        self._set_drop_row(None)
        volunteer = volunteer_from_mime(event.mimeData())
        target = self._target(event.position().toPoint())
        shift = self.board.shift_at(target)
        if not self.accepts_volunteers or volunteer is None or shift is None:
            event.ignore()
            return
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
        self.setCurrentIndex(target)
        self.volunteer_dropped.emit(shift, *volunteer)

    def _set_drop_row(self, row: QPersistentModelIndex | None) -> None:
        if row != self._drop_row:
            self._drop_row = row
            self.viewport().update()

    def drawRow(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        """Outline the shift a volunteer would be dropped on."""
        super().drawRow(painter, option, index)
        target = self._drop_row
        if (
            target is not None
            and target.isValid()
            and index.row() == target.row()
            and index.parent() == target.parent()
        ):
            painter.save()
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            pen = painter.pen()
            pen.setColor(self.palette().color(QPalette.ColorRole.Highlight))
            pen.setWidthF(2)
            painter.setPen(pen)
            rect = QRectF(option.rect).adjusted(2, 1, -2, -1)
            painter.drawRoundedRect(rect, 5, 5)
            painter.restore()


class CandidateView(QListView):
    """Suitable volunteers for the chosen shift; drag one onto the board to assign them."""

    def __init__(self, model: CandidateModel, parent: QWidget | None = None) -> None:
        """Show ``model``."""
        super().__init__(parent)
        self.setModel(model)
        self.setUniformItemSizes(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def startDrag(self, supported: Qt.DropAction) -> None:
        """Drag the volunteer as a small name tag."""
        index = self.currentIndex()
        model = self.model()
        if not index.isValid() or not (model.flags(index) & Qt.ItemFlag.ItemIsDragEnabled):
            return
        drag = QDrag(self)
        drag.setMimeData(model.mimeData([index]))
        drag.setPixmap(self._name_tag(index.data() or ""))
        drag.setHotSpot(QPoint(12, 12))
        drag.exec(Qt.DropAction.CopyAction)

    def _name_tag(self, name: str) -> QPixmap:
        font = QFont(self.font())
        font.setWeight(QFont.Weight.DemiBold)
        metrics = QFontMetrics(font)
        ratio = self.devicePixelRatioF()
        width, height = metrics.horizontalAdvance(name) + 28, metrics.height() + 12
        pixmap = QPixmap(int(width * ratio), int(height * ratio))
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        painter.setPen(palette.color(QPalette.ColorRole.Highlight))
        painter.setBrush(palette.color(QPalette.ColorRole.Base))
        painter.drawRoundedRect(QRectF(0.5, 0.5, width - 1, height - 1), height / 2, height / 2)
        painter.setFont(font)
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        painter.drawText(QRectF(0, 0, width, height), Qt.AlignmentFlag.AlignCenter, name)
        painter.end()
        return pixmap
