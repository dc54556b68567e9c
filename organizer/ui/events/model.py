"""The events list as a Qt table model, fetched a page at a time in order of next date."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QFont, QIcon

from organizer.models import EventStatus
from organizer.services.series import EventRow
from organizer.timezones import local_zone_name
from organizer.ui import colour_dot
from organizer.ui.events.fields import MUTED_ROLE, day_text, plural, when_text

Index = QModelIndex | QPersistentModelIndex


class EventTableModel(QAbstractTableModel):
    """Rows of events; ``fetch_requested(offset)`` asks the owner for the next page.

    The owner answers with :meth:`append_page`; :meth:`reset_rows` replaces everything and
    :meth:`update_rows` changes rows in place with narrow ``dataChanged`` signals.
    """

    TITLE, CAUSE, WHEN, REPEATS, LOCATION, ROLES, STATUS = range(7)
    COLUMN_COUNT = 7
    SORT_ROLE = Qt.ItemDataRole.UserRole + 1
    OBJECT_ROLE = Qt.ItemDataRole.UserRole + 2

    fetch_requested = Signal(int)

    def __init__(self, parent: QObject | None = None) -> None:
        """An empty list."""
        super().__init__(parent)
        self._rows: list[EventRow] = []
        self._total = 0
        self._fetching = False
        self._dots: dict[str, QIcon] = {}
        self._local_zone = local_zone_name()

    # Content ---------------------------------------------------------------------------

    @property
    def total(self) -> int:
        """How many events match, loaded or not."""
        return self._total

    def rows(self) -> list[EventRow]:
        """The rows loaded so far."""
        return list(self._rows)

    def row_of(self, event_id: int) -> int:
        """The row showing an event, or -1."""
        return next((n for n, row in enumerate(self._rows) if row.event_id == event_id), -1)

    def event_at(self, row: int) -> EventRow | None:
        """The event on a row."""
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def reset_rows(self, rows: Sequence[EventRow], total: int) -> None:
        """Show ``rows`` of ``total`` matching events, replacing everything."""
        self.beginResetModel()
        self._rows = list(rows)
        self._total = max(total, len(self._rows))
        self._fetching = False
        self.endResetModel()

    def append_page(self, offset: int, rows: Sequence[EventRow], total: int) -> None:
        """Add a fetched page (ignored if the list changed since it was asked for)."""
        self._fetching = False
        if offset != len(self._rows):
            return
        self._total = max(total, offset + len(rows))
        if rows:
            self.beginInsertRows(QModelIndex(), offset, offset + len(rows) - 1)
            self._rows.extend(rows)
            self.endInsertRows()

    def fetch_failed(self) -> None:
        """A page could not be read; allow asking again."""
        self._fetching = False

    def update_rows(self, rows: Sequence[EventRow]) -> None:
        """Replace loaded rows of the same events, signalling only those rows."""
        for fresh in rows:
            number = self.row_of(fresh.event_id)
            if number >= 0:
                self._rows[number] = fresh
                self.dataChanged.emit(
                    self.index(number, 0), self.index(number, self.COLUMN_COUNT - 1)
                )

    # Qt model --------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        """Rows loaded."""
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        """Title, cause, when, repeats, location, roles, status."""
        return 0 if parent.isValid() else self.COLUMN_COUNT

    def canFetchMore(self, parent: Index) -> bool:
        """Whether more events match than are loaded (and no page is on its way)."""
        return not parent.isValid() and not self._fetching and len(self._rows) < self._total

    def fetchMore(self, parent: Index) -> None:
        """Ask for the next page."""
        if self.canFetchMore(parent):
            self._fetching = True
            self.fetch_requested.emit(len(self._rows))

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Column titles."""
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        titles = (
            self.tr("Title"),
            self.tr("Cause"),
            self.tr("When"),
            self.tr("Repeats"),
            self.tr("Location"),
            self.tr("Roles"),
            self.tr("Status"),
        )
        return titles[section] if 0 <= section < len(titles) else None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """What one cell shows."""
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._text(row, column)
        if role == self.OBJECT_ROLE:
            return row
        if role == self.SORT_ROLE:
            return self._sort_key(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, column)
        if role == Qt.ItemDataRole.DecorationRole and column == self.CAUSE and row.cause_colour:
            if row.cause_colour not in self._dots:
                self._dots[row.cause_colour] = colour_dot(row.cause_colour)
            return self._dots[row.cause_colour]
        if role == MUTED_ROLE:
            return _muted(row)
        if role == Qt.ItemDataRole.FontRole and row.status is EventStatus.CANCELLED:
            font = QFont()
            font.setStrikeOut(column == self.TITLE)
            font.setItalic(column != self.TITLE)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and column == self.ROLES:
            return int(Qt.AlignmentFlag.AlignCenter)
        return None

    def _text(self, row: EventRow, column: int) -> str:
        if column == self.TITLE:
            return row.title
        if column == self.CAUSE:
            return row.cause_name
        if column == self.WHEN:
            return self._when(row)
        if column == self.REPEATS:
            return row.repeats if row.rrule else self.tr("Once")
        if column == self.LOCATION:
            return row.location_name
        if column == self.ROLES:
            return self._roles(row)
        return self._status(row)

    def _when(self, row: EventRow) -> str:
        if row.next_starts_at is not None and row.next_ends_at is not None:
            return when_text(
                row.next_starts_at,
                row.next_ends_at,
                row.timezone,
                all_day=row.all_day,
                local_zone=self._local_zone,
            )
        last = row.last_ends_at or row.first_starts_at
        return self.tr("Ended {day}").format(day=day_text(last, row.timezone))

    def _roles(self, row: EventRow) -> str:
        if row.needed:
            return self.tr("{filled} of {needed}").format(filled=row.filled, needed=row.needed)
        if row.role_count:
            return plural(row.role_count, self.tr("1 role"), self.tr("{n} roles"))
        return self.tr("—")

    def _status(self, row: EventRow) -> str:
        if row.status is EventStatus.CANCELLED:
            return self.tr("Cancelled")
        if row.status is EventStatus.DRAFT:
            return self.tr("Draft")
        if row.is_past:
            return self.tr("Finished")
        return self.tr("Scheduled")

    def _sort_key(self, row: EventRow, column: int) -> Any:
        if column == self.WHEN:
            when = row.next_starts_at or row.first_starts_at
            return when.timestamp()
        if column == self.ROLES:
            return row.needed - row.filled if row.needed else -1
        return self._text(row, column).casefold()

    def _tooltip(self, row: EventRow, column: int) -> str | None:
        """The whole text of a cell (columns are often too narrow), with a word more."""
        if column == self.TITLE and row.description:
            return f"{row.title}\n\n{row.description}"
        if column == self.ROLES and row.needed:
            return self.tr("{filled} of {needed} places filled on the next date").format(
                filled=row.filled, needed=row.needed
            )
        if column == self.WHEN and row.next_starts_at is not None:
            return self.tr("Next date, in the event's own time zone ({zone})").format(
                zone=row.timezone
            )
        return self._text(row, column) or None


def _muted(row: EventRow) -> bool:
    return row.status is not EventStatus.SCHEDULED or row.is_past
