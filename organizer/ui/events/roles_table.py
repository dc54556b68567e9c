"""The roles table of the event editor: which roles an event needs, how many, what training."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QKeySequence, QPalette, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from organizer.models.ids import QualificationId, ShiftId
from organizer.services.series import RoleDraft
from organizer.ui.events.fields import (
    MUTED_ROLE,
    PROBLEM_ROLE,
    PaletteDelegate,
    ProblemLabel,
    mark_invalid,
)

Index = QModelIndex | QPersistentModelIndex
MAX_NEEDED = 999
EDIT_TRIGGERS = (
    QAbstractItemView.EditTrigger.DoubleClicked
    | QAbstractItemView.EditTrigger.EditKeyPressed
    | QAbstractItemView.EditTrigger.AnyKeyPressed
    | QAbstractItemView.EditTrigger.SelectedClicked
)


@dataclass
class RoleRow:
    """One row being edited (a shift of the event, or a new one)."""

    role: str = ""
    needed: int = 1
    qualification_id: QualificationId | None = None
    shift_id: ShiftId | None = None

    def draft(self) -> RoleDraft:
        """The row as the service takes it."""
        return RoleDraft(self.role, self.needed, self.qualification_id, self.shift_id)


class RolesModel(QAbstractTableModel):
    """Editable rows of role, number needed and required qualification."""

    ROLE, NEEDED, QUALIFICATION = range(3)
    COLUMN_COUNT = 3
    SORT_ROLE = Qt.ItemDataRole.UserRole + 1
    OBJECT_ROLE = Qt.ItemDataRole.UserRole + 2

    edited = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        """An empty table; give it qualifications and roles to show."""
        super().__init__(parent)
        self._rows: list[RoleRow] = []
        self._qualifications: dict[int, str] = {}
        self._problems: dict[int, str] = {}

    # Content ---------------------------------------------------------------------------

    def set_qualifications(self, qualifications: Sequence[tuple[int, str]]) -> None:
        """The qualifications a role can require, as (id, name)."""
        self._qualifications = dict(qualifications)
        if self._rows:
            self._changed(0, self.QUALIFICATION, len(self._rows) - 1, self.QUALIFICATION)

    def qualifications(self) -> list[tuple[int, str]]:
        """The qualifications a role can require, as (id, name)."""
        return list(self._qualifications.items())

    def set_roles(self, roles: Sequence[RoleDraft]) -> None:
        """Show ``roles`` (replacing every row)."""
        self.beginResetModel()
        self._rows = [RoleRow(r.role, r.needed, r.qualification_id, r.shift_id) for r in roles]
        self._problems = {}
        self.endResetModel()

    def roles(self) -> list[RoleDraft]:
        """Every row, as the service takes them."""
        return [row.draft() for row in self._rows]

    def add_role(self, role: str = "", needed: int = 1) -> int:
        """Add a row at the end; returns its number."""
        row = len(self._rows)
        self.insertRows(row, 1)
        self._rows[row] = RoleRow(role, needed)
        return row

    def set_problems(self, problems: dict[int, str]) -> None:
        """Highlight rows with problems (row → message); an empty dict clears them."""
        rows = set(self._problems) | set(problems)
        self._problems = dict(problems)
        for row in rows:
            if 0 <= row < len(self._rows):
                self._changed(row, 0, row, self.COLUMN_COUNT - 1)

    # Qt model --------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        """Number of roles."""
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        """Role, needed, qualification."""
        return 0 if parent.isValid() else self.COLUMN_COUNT

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Column titles."""
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        titles = (self.tr("Role"), self.tr("Needed"), self.tr("Required qualification"))
        return titles[section] if 0 <= section < len(titles) else None

    def flags(self, index: Index) -> Qt.ItemFlag:
        """Every cell can be edited."""
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return super().flags(index) | Qt.ItemFlag.ItemIsEditable

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Text, edit values, sort keys and problem highlighting for one cell."""
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == self.OBJECT_ROLE:
            return row
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._display(row, column)
        if role == Qt.ItemDataRole.EditRole:
            return (row.role, row.needed, row.qualification_id)[column]
        if role == self.SORT_ROLE:
            return (row.role.casefold(), row.needed, self._display(row, column))[column]
        if role == Qt.ItemDataRole.TextAlignmentRole and column == self.NEEDED:
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._problems.get(index.row())
        if role == PROBLEM_ROLE:
            return index.row() in self._problems
        if role == MUTED_ROLE:
            return column == self.QUALIFICATION and row.qualification_id is None
        return None

    def _display(self, row: RoleRow, column: int) -> str:
        if column == self.ROLE:
            return row.role
        if column == self.NEEDED:
            return str(row.needed)
        if row.qualification_id is None:
            return self.tr("None needed")
        return self._qualifications.get(row.qualification_id, self.tr("(removed)"))

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        """Store an edited cell."""
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        row = self._rows[index.row()]
        column = index.column()
        if column == self.ROLE:
            row.role = str(value)
        elif column == self.NEEDED:
            try:
                row.needed = int(value)
            except (TypeError, ValueError):
                return False
        else:
            row.qualification_id = None if value in (None, "") else QualificationId(int(value))
        self._changed(index.row(), column, index.row(), column)
        self.edited.emit()
        return True

    def insertRows(self, row: int, count: int, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        """Insert blank roles."""
        if parent.isValid() or count < 1 or not 0 <= row <= len(self._rows):
            return False
        self.beginInsertRows(QModelIndex(), row, row + count - 1)
        self._rows[row:row] = [RoleRow() for _ in range(count)]
        self._problems = {}
        self.endInsertRows()
        self.edited.emit()
        return True

    def removeRows(self, row: int, count: int, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        """Remove roles."""
        if parent.isValid() or count < 1 or row < 0 or row + count > len(self._rows):
            return False
        self.beginRemoveRows(QModelIndex(), row, row + count - 1)
        del self._rows[row : row + count]
        self._problems = {}
        self.endRemoveRows()
        self.edited.emit()
        return True

    def _changed(self, top: int, left: int, bottom: int, right: int) -> None:
        self.dataChanged.emit(self.index(top, left), self.index(bottom, right))


class RoleDelegate(PaletteDelegate):
    """Edits the number needed with a spin box and the qualification with a list."""

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index) -> QWidget:
        """A spin box for "needed", a list of qualifications, text for the role."""
        model = index.model()
        if index.column() == RolesModel.NEEDED:
            spin = QSpinBox(parent)
            spin.setRange(1, MAX_NEEDED)
            spin.setAccessibleName(self.tr("Volunteers needed"))
            return spin
        if index.column() == RolesModel.QUALIFICATION and isinstance(model, RolesModel):
            combo = QComboBox(parent)
            combo.setAccessibleName(self.tr("Required qualification"))
            combo.addItem(self.tr("None needed"), None)
            for qualification_id, name in model.qualifications():
                combo.addItem(name, qualification_id)
            return combo
        editor = super().createEditor(parent, option, index)
        editor.setAccessibleName(self.tr("Role"))
        return editor

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        """Show the cell's value in the editor."""
        if isinstance(editor, QComboBox):
            found = editor.findData(index.data(Qt.ItemDataRole.EditRole))
            editor.setCurrentIndex(max(found, 0))
            return
        super().setEditorData(editor, index)

    def setModelData(self, editor: QWidget, model: Any, index: Index) -> None:
        """Store the editor's value."""
        if isinstance(editor, QComboBox):
            model.setData(index, editor.currentData(), Qt.ItemDataRole.EditRole)
            return
        super().setModelData(editor, model, index)


class RolesEditor(QWidget):
    """The roles table with buttons to add and remove roles, and a line for problems."""

    def __init__(self, parent: QWidget | None = None) -> None:
        """An empty roles table."""
        super().__init__(parent)
        self.setAccessibleName(self.tr("Roles"))
        self.model = RolesModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setItemDelegate(RoleDelegate(self.table))
        self.table.setAccessibleName(self.tr("Roles table"))
        self.table.setAccessibleDescription(
            self.tr("The roles volunteers fill at each occurrence, how many, and what training")
        )
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(EDIT_TRIGGERS)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(RolesModel.ROLE, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(RolesModel.NEEDED, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(RolesModel.QUALIFICATION, QHeaderView.ResizeMode.Stretch)
        header.setHighlightSections(False)

        self.empty_hint = QLabel(self.tr("No roles yet. Add the roles volunteers sign up for."))
        self.empty_hint.setAccessibleName(self.tr("No roles"))
        self.empty_hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.empty_hint.setWordWrap(True)

        self.add_button = QPushButton(self.tr("Add role"))
        self.add_button.setAccessibleName(self.tr("Add role"))
        self.add_button.setAutoDefault(False)
        self.add_button.clicked.connect(self.add_role)
        self.remove_button = QPushButton(self.tr("Remove role"))
        self.remove_button.setAccessibleName(self.tr("Remove role"))
        self.remove_button.setAutoDefault(False)
        self.remove_button.clicked.connect(self.remove_selected)
        remove_key = QShortcut(QKeySequence.StandardKey.Delete, self.table)
        remove_key.setContext(Qt.ShortcutContext.WidgetShortcut)
        remove_key.activated.connect(self.remove_selected)

        self.problem = ProblemLabel(self.tr("Problem with the roles"))

        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty_hint)
        layout.addWidget(self.problem)
        layout.addLayout(buttons)

        self.model.modelReset.connect(self._update_state)
        self.model.rowsInserted.connect(self._update_state)
        self.model.rowsRemoved.connect(self._update_state)
        self.table.selectionModel().selectionChanged.connect(self._update_state)
        self._update_state()

    def add_role(self) -> None:
        """Add a blank role and start typing its name."""
        row = self.model.add_role()
        index = self.model.index(row, RolesModel.ROLE)
        self.table.setCurrentIndex(index)
        self.table.setFocus()
        self.table.edit(index)

    def remove_selected(self) -> None:
        """Remove the selected role."""
        rows = {index.row() for index in self.table.selectionModel().selectedRows()}
        current = self.table.currentIndex()
        if not rows and current.isValid():
            rows = {current.row()}
        for row in sorted(rows, reverse=True):
            self.model.removeRows(row, 1)

    def show_problems(self, messages: Sequence[str], rows: dict[int, str]) -> None:
        """Show problems under the table and highlight the rows they are about."""
        self.problem.show_problems(messages)
        self.model.set_problems(rows)
        mark_invalid(self.table, bool(messages) and not rows)

    def clear_problems(self) -> None:
        """Hide every problem."""
        self.show_problems((), {})

    def set_read_only(self, read_only: bool) -> None:
        """Allow or stop editing."""
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.NoEditTriggers if read_only else EDIT_TRIGGERS
        )
        self.add_button.setEnabled(not read_only)
        self.remove_button.setEnabled(not read_only and self._has_current())

    def _has_current(self) -> bool:
        return self.table.currentIndex().isValid() or self.table.selectionModel().hasSelection()

    def _update_state(self) -> None:
        empty = self.model.rowCount() == 0
        self.empty_hint.setVisible(empty)
        self.remove_button.setEnabled(
            self.add_button.isEnabled() and not empty and self._has_current()
        )
