"""A report table for a view: its rows, then a bold totals row."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from organizer.reports.tables import Table, format_cell

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
KEY_ROLE = Qt.ItemDataRole.UserRole + 2
"""The row's key (a volunteer id for per-volunteer reports), or None."""
TOTAL_ROLE = Qt.ItemDataRole.UserRole + 3
"""True on the totals row."""

Index = QModelIndex | QPersistentModelIndex


class ReportTableModel(QAbstractTableModel):
    """Shows one :class:`~organizer.reports.tables.Table`; numbers right-aligned."""

    def __init__(self, parent: QObject | None = None) -> None:
        """Start empty."""
        super().__init__(parent)
        self.table: Table | None = None

    def set_table(self, table: Table | None) -> None:
        """Show ``table`` (a new report: the model is reset)."""
        self.beginResetModel()
        self.table = table
        self.endResetModel()

    def body_rows(self) -> int:
        """Rows of the report, not counting totals."""
        return len(self.table.rows) if self.table else 0

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        """Report rows plus the totals row."""
        if parent.isValid() or self.table is None:
            return 0
        return len(self.table.rows) + (1 if self.table.totals and self.table.rows else 0)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        """One per report column."""
        if parent.isValid() or self.table is None:
            return 0
        return len(self.table.columns)

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        """Column names across the top."""
        if self.table is None or orientation != Qt.Orientation.Horizontal:
            return None
        if not 0 <= section < len(self.table.columns):
            return None
        column = self.table.columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.name
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(_alignment(column.kind.numeric))
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Formatted text, sort values, alignment, the bold totals row and row keys."""
        if role not in _ROLES or self.table is None or not index.isValid():
            return None
        row, column = index.row(), index.column()
        is_total = row >= len(self.table.rows)
        values = self.table.totals if is_total else self.table.rows[row]
        if values is None or not 0 <= column < len(self.table.columns):
            return None
        kind = self.table.columns[column].kind
        value = values[column]
        if role == Qt.ItemDataRole.DisplayRole:
            return format_cell(value, kind)
        if role == SORT_ROLE:
            return value
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if kind.numeric else _LEFT
        if role == Qt.ItemDataRole.FontRole and is_total:
            font = QFont()
            font.setBold(True)
            return font
        if role == TOTAL_ROLE:
            return is_total
        if role == KEY_ROLE:
            keys = self.table.row_keys
            return keys[row] if not is_total and row < len(keys) else None
        return None


_ROLES = frozenset(
    {
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.TextAlignmentRole,
        Qt.ItemDataRole.FontRole,
        SORT_ROLE,
        TOTAL_ROLE,
        KEY_ROLE,
    }
)
"""The roles the table answers; the view asks for many more on every cell."""


def _alignment(numeric: bool) -> Qt.AlignmentFlag:
    horizontal = Qt.AlignmentFlag.AlignRight if numeric else Qt.AlignmentFlag.AlignLeft
    return horizontal | Qt.AlignmentFlag.AlignVCenter


_LEFT = int(_alignment(False))
_RIGHT = int(_alignment(True))
