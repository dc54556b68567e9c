"""The import preview as a table: each event of the chosen files and what importing will do."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)

from organizer.ics.importer import ImportAction, ImportPreview, ImportRow
from organizer.ui.calendars_io.common import tr
from organizer.ui.events.fields import MUTED_ROLE, plural, when_text

OBJECT_ROLE = Qt.ItemDataRole.UserRole + 1
"""The :class:`ImportRow` of a row."""

FILE, TITLE, WHEN, REPEATS, LOCATION, ACTION, REASON = range(7)
HEADERS = ("File", "Title", "When", "Repeats", "Location", "Action", "Reason")

_ACTIONS = {
    ImportAction.NEW: "New",
    ImportAction.UPDATE: "Update",
    ImportAction.SKIPPED: "Skip",
}

Index = QModelIndex | QPersistentModelIndex


class ImportPreviewModel(QAbstractTableModel):
    """Rows of one or more :class:`ImportPreview`s; skipped events are shown muted."""

    def __init__(self, parent: QObject | None = None) -> None:
        """An empty table."""
        super().__init__(parent)
        self._rows: list[tuple[str, ImportRow]] = []
        self._texts: list[tuple[str, ...]] = []

    def set_previews(self, previews: Sequence[ImportPreview]) -> None:
        """Show the events of ``previews``."""
        self.beginResetModel()
        self._rows = [(preview.name, row) for preview in previews for row in preview.rows]
        self._texts = [_texts(name, row) for name, row in self._rows]
        self.endResetModel()

    def row_of(self, row: int) -> ImportRow:
        """The event shown in ``row``."""
        return self._rows[row][1]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        """How many events (no children: a table)."""
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        """The number of columns."""
        return 0 if parent.isValid() else len(HEADERS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """The text, tooltip, muted flag or :class:`ImportRow` of a cell."""
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        _, row = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            text = self._texts[index.row()][index.column()]
            if role == Qt.ItemDataRole.ToolTipRole and not text:
                return None
            return text
        if role == MUTED_ROLE:
            return row.action == ImportAction.SKIPPED
        if role == OBJECT_ROLE:
            return row
        return None

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        """The column titles."""
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(HEADERS)
        ):
            return tr(HEADERS[section])
        return None


def _texts(name: str, row: ImportRow) -> tuple[str, ...]:
    when = ""
    if row.starts is not None and row.ends is not None:
        when = when_text(row.starts, row.ends, row.timezone, all_day=row.all_day)
    repeats = "" if row.recurrence == "Does not repeat" else row.recurrence
    extra = []
    if row.removed_occurrences:
        extra.append(plural(row.removed_occurrences, tr("1 date removed"), tr("{n} dates removed")))
    if row.changed_occurrences:
        extra.append(plural(row.changed_occurrences, tr("1 date changed"), tr("{n} dates changed")))
    if extra:
        repeats += f" ({', '.join(extra)})"
    location = row.location.splitlines()[0] if row.location else ""
    return (
        name,
        row.title,
        when,
        repeats,
        location,
        tr(_ACTIONS[row.action]),
        row.reason,
    )
