"""Table models of the volunteer-record windows: a file's first rows, rows to check, pairs...

Each is a small list replaced as a whole; columns are named constants.  ``OBJECT_ROLE`` gives
the row's item, ``SORT_ROLE`` a value to sort by and ``TONE_ROLE`` how worried to look.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QPalette
from PySide6.QtWidgets import QApplication

from organizer.ui.people.common import tr
from organizer.ui.tones import Tone, tone_colours
from organizer.ui.volunteers.text import day_text, hours_text

if TYPE_CHECKING:  # Home shows newcomers with these models; the rest load when used
    from organizer.people.duplicates import DuplicatePair
    from organizer.people.exporting import ExportColumn
    from organizer.people.importing import ImportPreview, ImportRow
    from organizer.people.privacy import RetentionCandidate

ItemT = TypeVar("ItemT")
_Index = QModelIndex | QPersistentModelIndex

OBJECT_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2
TONE_ROLE = Qt.ItemDataRole.UserRole + 3


class RowsModel(QAbstractTableModel, Generic[ItemT]):
    """A short read-only table of items; subclasses say what each cell shows."""

    headers: tuple[str, ...] = ()

    def __init__(self, parent: QObject | None = None) -> None:
        """An empty table."""
        super().__init__(parent)
        self.items: list[ItemT] = []

    def set_items(self, items: Sequence[ItemT]) -> None:
        """Show ``items``."""
        self.beginResetModel()
        self.items = list(items)
        self.endResetModel()

    def item(self, row: int) -> ItemT | None:
        """The item on ``row`` (``None`` outside the table)."""
        return self.items[row] if 0 <= row < len(self.items) else None

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        """How many items (a table has no children)."""
        return 0 if parent.isValid() else len(self.items)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        """How many columns."""
        return 0 if parent.isValid() else len(self.headers)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Column titles; rows are numbered."""
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.headers[section] if 0 <= section < len(self.headers) else None
        return section + 1

    def flags(self, index: _Index) -> Qt.ItemFlag:
        """Cells can be selected, not edited."""
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """What a cell shows for ``role``."""
        if not index.isValid() or not 0 <= index.row() < len(self.items):
            return None
        if not 0 <= index.column() < len(self.headers):
            return None
        item = self.items[index.row()]
        if role == OBJECT_ROLE:
            return item
        if role == Qt.ItemDataRole.BackgroundRole:
            tone = self.value(item, index.column(), TONE_ROLE)
            if tone is None or tone is Tone.CALM:
                return None
            return QBrush(tone_colours(QApplication.palette(), tone)[0])
        if role == Qt.ItemDataRole.ForegroundRole:
            tone = self.value(item, index.column(), TONE_ROLE)
            if tone is None or tone is Tone.CALM:
                return None
            return QBrush(tone_colours(QApplication.palette(), tone)[1])
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = self.value(item, index.column(), role)
            return tip if tip is not None else self.value(item, index.column(), 0)
        return self.value(item, index.column(), role)

    def value(self, item: ItemT, column: int, role: int) -> Any:
        """What ``item`` shows in ``column`` for ``role`` (``None`` for nothing)."""
        raise NotImplementedError


def _muted() -> QBrush:
    return QBrush(QApplication.palette().color(QPalette.ColorRole.PlaceholderText))


# Import: the first rows as they will be read ------------------------------------------------


@dataclass(frozen=True)
class SampleRow:
    """One row of the file as the mapping reads it: a text per shown column, and notes."""

    line: int
    cells: tuple[str, ...]
    notes: tuple[str, ...]


class SampleModel(RowsModel[SampleRow]):
    """The first rows of a file, in the volunteer fields their columns go to."""

    def set_sample(self, headers: Sequence[str], rows: Sequence[SampleRow]) -> None:
        """Show ``rows`` under ``headers``."""
        self.beginResetModel()
        self.headers = tuple(headers)
        self.items = list(rows)
        self.endResetModel()

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Field names; rows by their number in the file."""
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            row = self.item(section)
            return row.line if row is not None else None
        return super().headerData(section, orientation, role)

    def value(self, item: SampleRow, column: int, role: int) -> Any:
        """See :meth:`RowsModel.value`."""
        text = item.cells[column] if column < len(item.cells) else ""
        if role in (Qt.ItemDataRole.DisplayRole, SORT_ROLE):
            return text
        if role == TONE_ROLE:
            return Tone.WARN if text.startswith("⚠") else Tone.CALM
        if role == Qt.ItemDataRole.ToolTipRole:
            note = item.notes[column] if column < len(item.notes) else ""
            return note or text
        return None


# Import: rows to check ---------------------------------------------------------------------

IMPORT, LINE, NAME, KIND, WHAT = range(5)


class IssueKind:
    """What sort of thing a row needs looked at (a word in the Kind column)."""

    PROBLEM = "problem"
    DUPLICATE = "duplicate"
    SPAM = "spam"
    WARNING = "warning"


@dataclass
class Issue:
    """A row of the file with something to look at, and whether it will be imported."""

    row: ImportRow
    kind: str
    name: str
    messages: tuple[str, ...]
    include: bool = True

    @property
    def importable(self) -> bool:
        """Whether the row could be imported (it has no problem)."""
        return self.kind != IssueKind.PROBLEM


def issues_of(preview: ImportPreview) -> list[Issue]:
    """Every row of ``preview`` with problems, warnings, a likely duplicate or a spam flag."""
    duplicate_lines = {dup.line for dup in preview.duplicates}
    spam_lines = set(preview.spam_lines)
    found: list[Issue] = []
    for row in preview.rows:
        if not (row.problems or row.warnings):
            continue
        if row.problems:
            kind = IssueKind.PROBLEM
        elif row.line in duplicate_lines:
            kind = IssueKind.DUPLICATE
        elif row.line in spam_lines:
            kind = IssueKind.SPAM
        else:
            kind = IssueKind.WARNING
        messages = tuple(_without_row(str(problem)) for problem in (*row.problems, *row.warnings))
        found.append(Issue(row, kind, row_name(row), messages, include=kind != IssueKind.PROBLEM))
    return found


def row_name(row: ImportRow) -> str:
    """The name a row gives, as best it can be read."""
    if row.volunteer is not None:
        return row.volunteer.name
    name = row.cells.get("name") or " ".join(
        part for part in (row.cells.get("first_name", ""), row.cells.get("last_name", "")) if part
    )
    return name or tr("(no name)")


def _without_row(text: str) -> str:
    """Drop the row number ("Row 4: Email: …" → "Email: …"): it has its own column."""
    head, sep, rest = text.partition(": ")
    return rest[:1].upper() + rest[1:] if sep and head.startswith("Row ") else text


def kind_text(kind: str) -> str:
    """The Kind column's word for ``kind``."""
    return {
        IssueKind.PROBLEM: tr("Problem"),
        IssueKind.DUPLICATE: tr("Already there?"),
        IssueKind.SPAM: tr("Flagged for review"),
        IssueKind.WARNING: tr("Check"),
    }[kind]


class IssuesModel(RowsModel[Issue]):
    """Rows that need a look, with a tick box in the first column to leave a row out."""

    headers = (tr("Import"), tr("Row"), tr("Name"), tr("Kind"), tr("What to check"))

    def __init__(self, parent: QObject | None = None) -> None:
        """An empty list; ``editable`` false makes the tick boxes read-only."""
        super().__init__(parent)
        self.editable = True

    def flags(self, index: _Index) -> Qt.ItemFlag:
        """The Import column can be ticked for rows that could be imported."""
        flags = super().flags(index)
        issue = self.item(index.row()) if index.isValid() else None
        if issue is not None and index.column() == IMPORT:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
            if not issue.importable or not self.editable:
                flags &= ~Qt.ItemFlag.ItemIsEnabled
        return flags

    def setData(self, index: _Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        """Tick or untick a row's Import box."""
        issue = self.item(index.row()) if index.isValid() else None
        if (
            issue is None
            or index.column() != IMPORT
            or role != Qt.ItemDataRole.CheckStateRole
            or not issue.importable
            or not self.editable
        ):
            return False
        state = value.value if isinstance(value, Qt.CheckState) else int(value)
        issue.include = state == Qt.CheckState.Checked.value
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole])
        return True

    def left_out(self) -> set[int]:
        """The lines that will not be imported."""
        return {issue.row.line for issue in self.items if not issue.include}

    def value(self, item: Issue, column: int, role: int) -> Any:
        """See :meth:`RowsModel.value`."""
        if column == IMPORT:
            if role == Qt.ItemDataRole.CheckStateRole:
                return Qt.CheckState.Checked if item.include else Qt.CheckState.Unchecked
            if role == Qt.ItemDataRole.AccessibleTextRole:
                return tr("Import row {line}").format(line=item.row.line)
            if role == SORT_ROLE:
                return int(item.include)
            if role == Qt.ItemDataRole.ToolTipRole:
                if not item.importable:
                    return tr("This row cannot be imported until the problem is fixed.")
                return tr("Untick to leave this row out")
            return None
        if role == TONE_ROLE:
            if column != KIND:
                return None
            return Tone.ALERT if item.kind == IssueKind.PROBLEM else Tone.WARN
        if role not in (Qt.ItemDataRole.DisplayRole, SORT_ROLE, Qt.ItemDataRole.ToolTipRole):
            return None
        if column == LINE:
            return item.row.line
        if column == NAME:
            return item.name
        if column == KIND:
            return kind_text(item.kind)
        if role == Qt.ItemDataRole.DisplayRole:
            return "\n".join(item.messages)
        return " ".join(item.messages)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Greys out rows that are left out."""
        if role == Qt.ItemDataRole.ForegroundRole and index.isValid():
            issue = self.item(index.row())
            if issue is not None and not issue.include and index.column() != KIND:
                return _muted()
        return super().data(index, role)


# Duplicates ------------------------------------------------------------------------------------

SCORE, FIRST, SECOND, REASONS = range(4)


@dataclass(frozen=True)
class NamedPair:
    """A likely duplicate pair with both names."""

    pair: DuplicatePair
    first_name: str
    second_name: str

    @property
    def key(self) -> tuple[int, int]:
        """The two volunteer ids, smaller first."""
        return (self.pair.first, self.pair.second)


class PairsModel(RowsModel[NamedPair]):
    """Likely duplicate pairs, surest first."""

    headers = (tr("How sure"), tr("One record"), tr("The other"), tr("Why"))

    def value(self, item: NamedPair, column: int, role: int) -> Any:
        """See :meth:`RowsModel.value`."""
        if role == TONE_ROLE:
            if column != SCORE:
                return None
            return Tone.ALERT if item.pair.score >= 95 else Tone.WARN
        if role == SORT_ROLE:
            return (item.pair.score, item.first_name, item.second_name, "")[column]
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if column == SCORE:
            return f"{item.pair.score:.0f}%"
        if column == FIRST:
            return f"{item.first_name} (#{item.pair.first})"
        if column == SECOND:
            return f"{item.second_name} (#{item.pair.second})"
        return "; ".join(item.pair.reasons)


# Flagged sign-ups --------------------------------------------------------------------------

FLAG_NAME, FLAG_JOINED, FLAG_REASON = range(3)


@dataclass(frozen=True)
class FlaggedPerson:
    """A sign-up flagged for review, and why."""

    volunteer_id: int
    name: str
    joined_on: date
    active: bool
    reason: str
    version: int


class FlaggedModel(RowsModel[FlaggedPerson]):
    """Sign-ups waiting for a coordinator to say whether they are real."""

    headers = (tr("Name"), tr("Joined"), tr("Why it was flagged"))

    def value(self, item: FlaggedPerson, column: int, role: int) -> Any:
        """See :meth:`RowsModel.value`."""
        if role == SORT_ROLE:
            return (item.name, item.joined_on.isoformat(), item.reason)[column]
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if column == FLAG_NAME:
            return item.name if item.active else tr("{name} (archived)").format(name=item.name)
        if column == FLAG_JOINED:
            return day_text(item.joined_on)
        return item.reason.removeprefix("Looks like a bot sign-up: ")


# Export columns -----------------------------------------------------------------------------


class ColumnsModel(RowsModel["ExportColumn"]):
    """The columns an export can have, each with a tick box; sensitive ones say so."""

    headers = (tr("Column"),)

    def __init__(self, parent: QObject | None = None) -> None:
        """No columns yet."""
        super().__init__(parent)
        self.chosen: set[str] = set()

    def set_columns(self, columns: Sequence[ExportColumn], chosen: Sequence[str]) -> None:
        """Show ``columns`` with ``chosen`` ticked."""
        self.beginResetModel()
        self.items = list(columns)
        self.chosen = set(chosen)
        self.endResetModel()

    def ticked(self) -> list[str]:
        """The keys of the ticked columns, in the list's order."""
        return [column.key for column in self.items if column.key in self.chosen]

    def flags(self, index: _Index) -> Qt.ItemFlag:
        """Each column can be ticked."""
        flags = super().flags(index)
        return flags | Qt.ItemFlag.ItemIsUserCheckable if index.isValid() else flags

    def setData(self, index: _Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        """Tick or untick a column."""
        column = self.item(index.row()) if index.isValid() else None
        if column is None or role != Qt.ItemDataRole.CheckStateRole:
            return False
        state = value.value if isinstance(value, Qt.CheckState) else int(value)
        if state == Qt.CheckState.Checked.value:
            self.chosen.add(column.key)
        else:
            self.chosen.discard(column.key)
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole])
        return True

    def value(self, item: ExportColumn, column: int, role: int) -> Any:
        """See :meth:`RowsModel.value`."""
        if role == Qt.ItemDataRole.CheckStateRole:
            return Qt.CheckState.Checked if item.key in self.chosen else Qt.CheckState.Unchecked
        if role == TONE_ROLE:
            return Tone.WARN if item.sensitive and item.key in self.chosen else None
        if role in (Qt.ItemDataRole.DisplayRole, SORT_ROLE):
            if item.sensitive:
                return tr("{column} — sensitive").format(column=item.label)
            return item.label
        if role == Qt.ItemDataRole.ToolTipRole and item.sensitive:
            return tr("Private details: leave this out unless whoever gets the file needs it.")
        return None


# Retention ------------------------------------------------------------------------------------

WHO, LAST_ACTIVE, SHIFTS, HOURS = range(4)


class RetentionModel(RowsModel["RetentionCandidate"]):
    """Volunteers the retention rule would anonymise: who, when last active, what stays."""

    headers = (tr("Who"), tr("Last active"), tr("Shifts"), tr("Hours"))

    def value(self, item: RetentionCandidate, column: int, role: int) -> Any:
        """See :meth:`RowsModel.value`."""
        if role == SORT_ROLE:
            return (item.name, item.last_active.isoformat(), item.assignments, item.hours)[column]
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (SHIFTS, HOURS):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if column == WHO:
            return item.name
        if column == LAST_ACTIVE:
            return day_text(item.last_active)
        if column == SHIFTS:
            return item.assignments
        return hours_text(item.hours)
