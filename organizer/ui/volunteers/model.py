"""The volunteer directory as a table model, loaded a page at a time off the GUI thread.

A query (search, filters, order) is answered with a snapshot of every matching id, in order;
rows are then fetched 100 at a time as the view scrolls.  Sorting asks the service again.
Reloading after a change keeps what was loaded and tells the view only which rows changed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import tzinfo
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QFont, QGuiApplication, QPalette

from organizer.errors import OrganizerError
from organizer.models.ids import VolunteerId
from organizer.services.directory import (
    DirectoryQuery,
    DirectoryRow,
    DirectoryService,
    DirectorySort,
    fold,
)
from organizer.ui.volunteers.text import day_text, hours_text, local, tr, when_text
from organizer.ui.worker import Worker, submit_owned

NAME, QUALIFICATIONS, NEXT_SHIFT, HOURS, EMAIL, JOINED = range(6)
COLUMN_COUNT = 6
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
OBJECT_ROLE = Qt.ItemDataRole.UserRole + 2
PAGE_SIZE = 100

COLUMN_SORTS = {
    NAME: DirectorySort.NAME,
    QUALIFICATIONS: DirectorySort.QUALIFICATIONS,
    NEXT_SHIFT: DirectorySort.NEXT_SHIFT,
    HOURS: DirectorySort.HOURS,
    EMAIL: DirectorySort.EMAIL,
    JOINED: DirectorySort.JOINED,
}
SORT_COLUMNS = {sort: column for column, sort in COLUMN_SORTS.items()}

_Index = QModelIndex | QPersistentModelIndex
_DISPLAY = Qt.ItemDataRole.DisplayRole.value
_TOOLTIP = Qt.ItemDataRole.ToolTipRole.value
_ACCESSIBLE = Qt.ItemDataRole.AccessibleTextRole.value
_ALIGNMENT = Qt.ItemDataRole.TextAlignmentRole.value
_FOREGROUND = Qt.ItemDataRole.ForegroundRole.value
_FONT = Qt.ItemDataRole.FontRole.value
# Every role data() answers; the view asks for many more, once per cell each paint.
_ANSWERED = frozenset(
    {_TOOLTIP, _ACCESSIBLE, _ALIGNMENT, _FOREGROUND, _FONT, SORT_ROLE, OBJECT_ROLE}
)
_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


def _headers() -> list[tuple[str, str]]:
    return [
        (tr("Name"), tr("Their name and pronouns (archived people are marked)")),
        (
            tr("Qualifications"),
            tr("What they hold; sorting puts those holding most current ones first"),
        ),
        (tr("Next shift"), tr("Their next shift they have not declined")),
        (
            tr("This month"),
            tr(
                "Hours this month: those attended, plus the planned length of shifts whose "
                "attendance is not recorded yet"
            ),
        ),
        (tr("Email"), tr("Their email address")),
        (tr("Joined"), tr("When they joined")),
    ]


class VolunteerTableModel(QAbstractTableModel):
    """Volunteers matching a :class:`DirectoryQuery`, fetched page by page.

    ``loading_changed`` says when a query is being answered, ``total_changed`` how many
    volunteers match, ``load_failed`` why a load failed (the file is locked...).
    """

    loading_changed = Signal(bool)
    total_changed = Signal(int)
    load_failed = Signal(str)

    def __init__(
        self,
        directory: DirectoryService,
        worker: Worker,
        parent: QObject | None = None,
        *,
        page_size: int = PAGE_SIZE,
    ) -> None:
        """An empty model; :meth:`set_query` loads it."""
        super().__init__(parent)
        self.directory = directory
        self.worker = worker
        self.page_size = page_size
        self._query = DirectoryQuery()
        self._ids: list[VolunteerId] = []
        self._rows: list[DirectoryRow] = []
        self._texts: dict[int, tuple[str, ...]] = {}  # each shown row's cells, made once
        self._cursor = 0  # how many ids of the snapshot have been fetched
        self._generation = 0
        self._loading = False
        self._fetching = False
        self._wanted_more = 0
        self._started = False
        self._headers = _headers()
        self._today = local(directory.clock(), directory.zone).date()

    # What is shown -----------------------------------------------------------------------------

    @property
    def query(self) -> DirectoryQuery:
        """The query the rows answer (or are about to)."""
        return self._query

    @property
    def total(self) -> int:
        """How many volunteers match, loaded or not."""
        return len(self._ids)

    @property
    def loading(self) -> bool:
        """Whether a query is being answered."""
        return self._loading

    @property
    def zone(self) -> tzinfo | None:
        """The zone times are shown in (the directory's, else this computer's)."""
        return self.directory.zone

    def volunteer(self, row: int) -> DirectoryRow | None:
        """The volunteer on ``row``, if it is loaded."""
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, volunteer_id: int) -> int | None:
        """The row showing ``volunteer_id``, if it is loaded."""
        return next((n for n, row in enumerate(self._rows) if row.id == volunteer_id), None)

    def contains(self, volunteer_id: int) -> bool:
        """Whether ``volunteer_id`` matches the query (loaded or not)."""
        return self.position_of(volunteer_id) is not None

    def position_of(self, volunteer_id: int) -> int | None:
        """Where ``volunteer_id`` comes in the whole ordered list, loaded or not."""
        try:
            return self._ids.index(VolunteerId(volunteer_id))
        except ValueError:
            return None

    # Loading ------------------------------------------------------------------------------------

    def set_query(self, query: DirectoryQuery) -> None:
        """Answer ``query`` from the first page (nothing happens if it is already answered)."""
        if query == self._query and self._started:
            return
        self._query = query
        self._load(keep=False)

    def reload(self) -> None:
        """Ask again, keeping as many rows loaded as now (after a change)."""
        self._load(keep=True)

    def fetch_through(self, position: int) -> None:
        """Load rows up to ``position`` of the snapshot (to show someone further down)."""
        if position >= self._cursor:
            self._fetch(position + 1 - self._cursor)

    def _load(self, *, keep: bool) -> None:
        self._started = True
        self._generation += 1
        generation = self._generation
        query = self._query
        wanted = max(self.page_size, self._cursor if keep else 0)
        directory = self.directory
        self._set_loading(True)

        def work() -> tuple[list[VolunteerId], list[DirectoryRow]]:
            return directory.first_page(query, wanted)

        def done(result: tuple[list[VolunteerId], list[DirectoryRow]]) -> None:
            if generation == self._generation:
                ids, rows = result
                self._today = local(directory.clock(), directory.zone).date()
                self._show(ids, rows, min(wanted, len(ids)), keep=keep)
                self._set_loading(False)
                self._fetch_wanted()

        submit_owned(self.worker, self, work, on_done=done, on_error=self._failed(generation))

    def _show(
        self, ids: list[VolunteerId], rows: list[DirectoryRow], cursor: int, *, keep: bool
    ) -> None:
        old = self._rows
        self._texts.clear()
        common = min(len(old), len(rows))
        self._ids, self._cursor, self._fetching = ids, cursor, False
        if not keep or [r.id for r in rows[:common]] != [r.id for r in old[:common]]:
            self.beginResetModel()
            self._rows = rows
            self.endResetModel()
        else:
            if len(rows) < len(old):
                self.beginRemoveRows(QModelIndex(), len(rows), len(old) - 1)
                del self._rows[len(rows) :]
                self.endRemoveRows()
            for number in range(common):
                if old[number] != rows[number]:
                    self._rows[number] = rows[number]
                    self.dataChanged.emit(
                        self.index(number, 0), self.index(number, COLUMN_COUNT - 1)
                    )
            if len(rows) > len(old):
                self.beginInsertRows(QModelIndex(), len(old), len(rows) - 1)
                self._rows.extend(rows[len(old) :])
                self.endInsertRows()
        self.total_changed.emit(len(ids))

    def canFetchMore(self, parent: _Index = QModelIndex()) -> bool:  # noqa: B008
        """Whether rows of the snapshot are still to be fetched."""
        return not parent.isValid() and self._cursor < len(self._ids)

    def fetchMore(self, parent: _Index = QModelIndex()) -> None:  # noqa: B008
        """Fetch the next page in the background (the rows arrive a moment later)."""
        if not parent.isValid():
            self._fetch(self.page_size)

    def _fetch(self, count: int) -> None:
        if self._fetching or self._loading:
            # Asked while busy (the view scrolled on): fetch once the rows in flight arrive.
            self._wanted_more = max(self._wanted_more, count)
            return
        if self._cursor >= len(self._ids):
            return
        self._fetching = True
        generation = self._generation
        wanted = self._ids[self._cursor : self._cursor + count]
        directory = self.directory

        def done(rows: list[DirectoryRow]) -> None:
            if generation != self._generation:
                return
            self._fetching = False
            self._cursor += len(wanted)
            if rows:
                first = len(self._rows)
                self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
                self._rows.extend(rows)
                self.endInsertRows()
            self._fetch_wanted()

        submit_owned(
            self.worker,
            self,
            lambda: directory.rows(wanted),
            on_done=done,
            on_error=self._failed(generation),
        )

    def _fetch_wanted(self) -> None:
        count, self._wanted_more = self._wanted_more, 0
        if count:
            self._fetch(count)

    def _failed(self, generation: int) -> Callable[[Exception], None]:
        def report(error: Exception) -> None:
            if generation != self._generation:
                return
            self._fetching = False
            self._set_loading(False)
            if not isinstance(error, OrganizerError):
                raise error
            self.load_failed.emit(str(error))

        return report

    def _set_loading(self, loading: bool) -> None:
        if loading != self._loading:
            self._loading = loading
            self.loading_changed.emit(loading)

    # Sorting ------------------------------------------------------------------------------------

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Order by ``column``: the service sorts every match, not just the loaded rows."""
        if column not in COLUMN_SORTS:
            return
        descending = order == Qt.SortOrder.DescendingOrder
        self.set_query(replace(self._query, sort=COLUMN_SORTS[column], descending=descending))

    # Qt's model interface -------------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        """Loaded rows (fetchMore brings more)."""
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        """Name, qualifications, next shift, hours this month, email, joined."""
        return 0 if parent.isValid() else COLUMN_COUNT

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Column titles, with a sentence on each as its tooltip."""
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < COLUMN_COUNT:
            return None
        title, description = self._headers[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return title
        if role == Qt.ItemDataRole.ToolTipRole:
            return description
        if role == Qt.ItemDataRole.TextAlignmentRole and section == HOURS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        """Rows can be selected, not edited here."""
        return _FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags

    def data(self, index: _Index, role: int = _DISPLAY) -> Any:
        """What each cell shows; never a phone number, emergency contact or notes.

        The view asks for every role of every visible cell at each paint, so the shown text
        is worked out once a row and roles nobody answers are turned away first.
        """
        number = index.row()
        if not 0 <= number < len(self._rows) or not index.isValid():
            return None
        if role == _DISPLAY:
            return self._row_texts(number)[index.column()]
        if role not in _ANSWERED:
            return None
        row, column = self._rows[number], index.column()
        if role == _TOOLTIP:
            return self._tooltip(row, column)
        if role == SORT_ROLE:
            return self._sort_value(row, column)
        if role == _ACCESSIBLE:
            text = self._display(row, column)
            return f"{text}, {row.pronouns}" if column == NAME and row.pronouns else text
        if role == OBJECT_ROLE:
            return row
        if role == _ALIGNMENT:
            return _RIGHT if column == HOURS else None
        if not row.active and role == _FOREGROUND:
            return QGuiApplication.palette().color(QPalette.ColorRole.PlaceholderText)
        if not row.active and role == _FONT:
            font = QFont(QGuiApplication.font())
            font.setItalic(True)
            return font
        return None

    def cell(self, number: int, column: int) -> tuple[str, str, bool, bool] | None:
        """What a delegate draws in a cell: text, pronouns (names only), active, right-aligned.

        The same text :meth:`data` gives, without a call through Qt for every role.
        """
        if not 0 <= number < len(self._rows):
            return None
        row = self._rows[number]
        pronouns = (row.pronouns or "") if column == NAME else ""
        return self._row_texts(number)[column], pronouns, row.active, column == HOURS

    def _row_texts(self, number: int) -> tuple[str, ...]:
        """Every cell's text on row ``number``, worked out once."""
        texts = self._texts.get(number)
        if texts is None:
            row = self._rows[number]
            texts = self._texts[number] = tuple(
                self._display(row, column) for column in range(COLUMN_COUNT)
            )
        return texts

    def _display(self, row: DirectoryRow, column: int) -> str:
        if column == NAME:
            return row.name if row.active else tr("{name} (archived)").format(name=row.name)
        if column == EMAIL:
            return row.email or ""
        if column == QUALIFICATIONS:
            return row.qualifications
        if column == NEXT_SHIFT:
            if row.next_shift_at is None:
                return ""
            when = when_text(row.next_shift_at, self.zone, self._today)
            return f"{when} · {row.next_shift_title}"
        if column == HOURS:
            return tr("{hours} h").format(hours=hours_text(row.hours_this_month))
        return day_text(row.joined_on)

    def _tooltip(self, row: DirectoryRow, column: int) -> str | None:
        if column == NEXT_SHIFT and row.next_shift_at is not None:
            return tr("{role} at {title}\n{when}").format(
                role=row.next_shift_role,
                title=row.next_shift_title,
                when=when_text(row.next_shift_at, self.zone, self._today),
            )
        if column == QUALIFICATIONS and row.qualifications:
            return row.qualifications.replace(", ", "\n")
        if column == NAME and not row.active:
            return tr("Archived: not offered for shifts. Restore them to make them active.")
        text = self._display(row, column)
        return text or None

    def _sort_value(self, row: DirectoryRow, column: int) -> Any:
        if column == NEXT_SHIFT:
            return local(row.next_shift_at, self.zone) if row.next_shift_at else None
        values: Sequence[Any] = (
            fold(row.name),
            row.qualifications,
            None,
            row.hours_this_month,
            row.email or "",
            row.joined_on,
        )
        return values[column]
