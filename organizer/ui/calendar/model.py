"""The occurrences of the visible period as a Qt model: days, and under each its occurrences.

The agenda shows the model as a tree; the month and week views read the same model through
:meth:`CalendarModel.items_on` and redraw when it resets.  The model holds only what one
load brought back, so it never grows past the period on show.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QFont, QGuiApplication, QIcon

from organizer.ui import colour_dot
from organizer.ui.calendar.items import CalendarData, CalendarItem, CauseInfo, OccurrenceKey
from organizer.ui.calendar.text import day_text, fill_text, status_note, tooltip, tr, when_text

WHEN_COLUMN = 0
TITLE_COLUMN = 1
CAUSE_COLUMN = 2
PLACE_COLUMN = 3
FILL_COLUMN = 4
COLUMN_COUNT = 5

OBJECT_ROLE = Qt.ItemDataRole.UserRole + 1
"""The row's object: a :class:`CalendarItem`, or the ``date`` of a day row."""
SORT_ROLE = Qt.ItemDataRole.UserRole + 2
"""A value that sorts rows in time order."""
COLOUR_ROLE = Qt.ItemDataRole.UserRole + 3
"""The cause colour as ``#rrggbb`` ("" for no cause)."""

Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()
_DAY = 0  # internal id of a day row; an occurrence row stores its day's row + 1


class CalendarModel(QAbstractItemModel):
    """Days of the loaded period that have visible occurrences, each with its occurrences."""

    def __init__(self, parent: QObject | None = None) -> None:
        """Start empty."""
        super().__init__(parent)
        self._data: CalendarData | None = None
        self._hidden: frozenset[int] = frozenset()
        self._days: list[date] = []
        self._by_day: dict[date, Sequence[CalendarItem]] = {}
        self._headers = (tr("Time"), tr("Event"), tr("Cause"), tr("Place"), tr("Volunteers"))
        self._swatches: dict[str, QIcon] = {}

    # What the views ask ------------------------------------------------------------------

    @property
    def data_set(self) -> CalendarData | None:
        """What the last load brought back (``None`` before the first)."""
        return self._data

    @property
    def causes(self) -> tuple[CauseInfo, ...]:
        """The causes known at the last load."""
        return self._data.causes if self._data else ()

    @property
    def hidden_causes(self) -> frozenset[int]:
        """Cause ids whose events are hidden (``NO_CAUSE`` for events without one)."""
        return self._hidden

    def set_data(self, data: CalendarData | None) -> None:
        """Show what a load brought back (``None`` empties the model)."""
        self.beginResetModel()
        self._data = data
        self._regroup()
        self.endResetModel()

    def set_hidden_causes(self, hidden: frozenset[int]) -> None:
        """Hide the events of the causes in ``hidden``."""
        if hidden == self._hidden:
            return
        self.beginResetModel()
        self._hidden = hidden
        self._regroup()
        self.endResetModel()

    def items_on(self, day: date) -> Sequence[CalendarItem]:
        """The visible items ``day`` shows, in time order (made as they are asked for)."""
        return self._by_day.get(day, ())

    def visible_items(self) -> list[CalendarItem]:
        """Every visible item once, in time order."""
        seen: dict[OccurrenceKey, CalendarItem] = {}
        for day in self._days:
            for item in self._by_day[day]:
                seen.setdefault(item.key, item)
        return list(seen.values())

    def find(self, key: OccurrenceKey) -> CalendarItem | None:
        """The visible item with ``key``, if it is loaded and shown."""
        index = self.index_of(key)
        return index.data(OBJECT_ROLE) if index.isValid() else None

    def index_of(self, key: OccurrenceKey) -> QModelIndex:
        """The first row showing the item ``key`` (invalid if none)."""
        for row, day in enumerate(self._days):
            for child, item in enumerate(self._by_day[day]):
                if item.key == key:
                    return self.index(child, 0, self.index(row, 0))
        return QModelIndex()

    def day_index(self, day: date) -> QModelIndex:
        """The row of ``day``, or of the first later day with items (invalid if none)."""
        for row, listed in enumerate(self._days):
            if listed >= day:
                return self.index(row, 0)
        return QModelIndex()

    def swatch(self, colour: str) -> QIcon:
        """A small round dot of a cause colour (a ring for events without a cause)."""
        icon = self._swatches.get(colour)
        if icon is None:
            icon = self._swatches[colour] = colour_dot(colour)
        return icon

    def forget_swatches(self) -> None:
        """Draw the dots again (the palette changed)."""
        self._swatches.clear()

    def _regroup(self) -> None:
        self._by_day = {}
        if self._data is not None:
            hidden = self._hidden
            for day, items in self._data.by_day.items():
                if hidden:
                    shown: Sequence[CalendarItem] = [
                        item for item in items if item.filter_key not in hidden
                    ]
                else:
                    shown = items
                if shown:
                    self._by_day[day] = shown
        self._days = sorted(self._by_day)

    # QAbstractItemModel ------------------------------------------------------------------

    def index(self, row: int, column: int, parent: Index = _ROOT) -> QModelIndex:
        """A day row at the top level; an occurrence row under its day."""
        if not 0 <= column < COLUMN_COUNT or row < 0 or row >= self.rowCount(parent):
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, _DAY)
        return self.createIndex(row, column, parent.row() + 1)

    def parent(self, child: Index) -> QModelIndex:  # type: ignore[override]
        """A day row has no parent; an occurrence's parent is its day."""
        if not child.isValid() or child.internalId() == _DAY:
            return QModelIndex()
        return self.createIndex(child.internalId() - 1, 0, _DAY)

    def rowCount(self, parent: Index = _ROOT) -> int:
        """Days at the top level, occurrences under the first column of a day."""
        if not parent.isValid():
            return len(self._days)
        if parent.internalId() == _DAY and parent.column() == 0:
            return len(self._by_day[self._days[parent.row()]])
        return 0

    def columnCount(self, parent: Index = _ROOT) -> int:
        """Time, event, cause, place, volunteers."""
        return COLUMN_COUNT

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Column titles."""
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < COLUMN_COUNT
        ):
            return self._headers[section]
        return None

    # No flags(): the base class's are the ones wanted (enabled and selectable), and a
    # Python override would run twice for every row the tree view lays out.

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Text, colour swatch, tooltip and the row's object."""
        if not index.isValid():
            return None
        if index.internalId() == _DAY:
            return self._day_data(self._days[index.row()], index.column(), role)
        day = self._days[index.internalId() - 1]
        return self._item_data(self._by_day[day][index.row()], index.column(), role)

    def _day_data(self, day: date, column: int, role: int) -> Any:
        if role == OBJECT_ROLE:
            return day
        if role == SORT_ROLE:
            return day.toordinal()
        if column != WHEN_COLUMN:
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return day_text(day, "dddd d MMMM yyyy")
        if role == Qt.ItemDataRole.FontRole:
            font = QFont()
            font.setBold(True)
            return font
        return None

    def _item_data(self, item: CalendarItem, column: int, role: int) -> Any:
        if role == OBJECT_ROLE:
            return item
        if role == SORT_ROLE:
            return item.starts_at.timestamp()
        if role == COLOUR_ROLE:
            return item.colour
        if role == Qt.ItemDataRole.ToolTipRole:
            return tooltip(item)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return _column_text(item, column)
        if role == Qt.ItemDataRole.DecorationRole and column == TITLE_COLUMN:
            return self.swatch(item.colour)
        if role == Qt.ItemDataRole.FontRole and item.cancelled:
            font = QFont()
            font.setStrikeOut(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and item.cancelled:
            return QGuiApplication.palette().placeholderText()
        return None


def _column_text(item: CalendarItem, column: int) -> str:
    if column == WHEN_COLUMN:
        return when_text(item)
    if column == TITLE_COLUMN:
        note = status_note(item)
        return f"{item.title} ({note.lower()})" if note else item.title
    if column == CAUSE_COLUMN:
        return item.cause_name
    if column == PLACE_COLUMN:
        return item.location_name
    return fill_text(item)
