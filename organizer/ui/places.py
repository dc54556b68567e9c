"""The Causes & locations page: the causes a group runs and the places it meets.

Two tables side by side, each with Add, Edit and Delete (causes can also be marked
inactive).  Every add, edit and delete is saved through the services off the GUI thread and
becomes one undoable command.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, ClassVar, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import (
    QColor,
    QGuiApplication,
    QIcon,
    QKeyEvent,
    QPainter,
    QPalette,
    QPixmap,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QColorDialog,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from organizer.changes import DataChange
from organizer.errors import (
    ConflictError,
    NotFoundError,
    OrganizerError,
    StorageError,
    ValidationError,
)
from organizer.models import Cause, Location
from organizer.services import CauseDraft, LocationDraft
from organizer.services.base import CrudService
from organizer.services.overview import LocationLinks, LocationUse
from organizer.ui.context import ViewContext
from organizer.ui.home import OBJECT_ROLE, SORT_ROLE, Card, EnterActivates
from organizer.ui.sharing.conflicts import guarded_change
from organizer.ui.sharing.presence import watch_record
from organizer.ui.tones import blend, error_colour, scaled_font
from organizer.ui.undo import EditCommand, push_done, refusal_text

# Colours offered to a new cause, in order, skipping those already taken.
CAUSE_COLOURS = (
    "#4E79C7",
    "#F28E2B",
    "#2BA58B",
    "#E15F86",
    "#7AAE3A",
    "#A77BCA",
    "#EDC948",
    "#9C755F",
    "#76B7B2",
    "#FF9DA7",
)


RowT = TypeVar("RowT", bound=Cause | Location)
DraftT = TypeVar("DraftT")


def one_line(text: str) -> str:
    """``text`` on a single line, for a table cell."""
    return " ".join(text.split())


def suggest_colour(taken: Sequence[str]) -> str:
    """The first of :data:`CAUSE_COLOURS` not in ``taken`` (the first one if all are)."""
    used = {colour.upper() for colour in taken}
    return next((c for c in CAUSE_COLOURS if c.upper() not in used), CAUSE_COLOURS[0])


def swatch(colour: str, size: int = 14) -> QIcon:
    """A small square of ``colour`` with a thin darker edge."""
    pixmap = QPixmap(size, size)
    fill = QColor(colour)
    pixmap.fill(fill.darker(130))
    inner = QPixmap(size - 2, size - 2)
    inner.fill(fill)
    painter = QPainter(pixmap)
    painter.drawPixmap(1, 1, inner)
    painter.end()
    return QIcon(pixmap)


# Table models ------------------------------------------------------------------------------


class RecordTableModel(QAbstractTableModel, Generic[RowT]):
    """Rows of one kind of record, updated in place when they are read again.

    :meth:`set_rows` compares by id and version, so only rows that changed are announced
    (selection and scroll position survive a reload).  Subclasses name the columns and say
    what each cell shows.
    """

    headers: ClassVar[tuple[str, ...]] = ()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[RowT] = []
        self.sort_column = 0
        self.sort_order = Qt.SortOrder.AscendingOrder

    def set_rows(self, rows: Sequence[RowT]) -> None:
        """Bring the table in line with ``rows``: drop the gone, update the changed, add new."""
        wanted = {row.id: row for row in rows}
        for position in reversed(range(len(self.rows))):
            if self.rows[position].id not in wanted:
                self.beginRemoveRows(QModelIndex(), position, position)
                del self.rows[position]
                self.endRemoveRows()
        for position, old in enumerate(self.rows):
            self._replace(position, wanted[old.id])
        known = {row.id for row in self.rows}
        fresh = [row for row in rows if row.id not in known]
        if fresh:
            if not self.rows:
                fresh = self._sorted(fresh)
            first = len(self.rows)
            self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
            self.rows.extend(fresh)
            self.endInsertRows()
        self._keep_sorted()

    def upsert(self, row: RowT) -> None:
        """Show a row just saved: replace it, or add it, where the order puts it."""
        position = self.position_of(row.id)
        if position is None:
            self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows))
            self.rows.append(row)
            self.endInsertRows()
        else:
            self._replace(position, row)
        self._keep_sorted()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Order the rows by ``column`` (its ``SORT_ROLE`` key); the chosen row stays chosen.

        The model keeps its own order, rather than a sorting proxy: a proxy asks for two
        keys per comparison, which for a thousand places held the window still for 70 ms.
        """
        self.sort_column, self.sort_order = column, order
        self._keep_sorted()

    def _sorted(self, rows: Sequence[RowT]) -> list[RowT]:
        column = self.sort_column
        return sorted(
            rows,
            key=lambda row: self.cell(row, column, SORT_ROLE),
            reverse=self.sort_order == Qt.SortOrder.DescendingOrder,
        )

    def _keep_sorted(self) -> None:
        ordered = self._sorted(self.rows)
        if all(new is old for new, old in zip(ordered, self.rows, strict=True)):
            return
        self.layoutAboutToBeChanged.emit()
        moved_to = {id(row): position for position, row in enumerate(ordered)}
        before = self.persistentIndexList()
        after = [self.index(moved_to[id(self.rows[i.row()])], i.column()) for i in before]
        self.rows = ordered
        self.changePersistentIndexList(before, after)
        self.layoutChanged.emit()

    def position_of(self, row_id: int) -> int | None:
        """The row number of the record with ``row_id``, if shown."""
        return next((n for n, row in enumerate(self.rows) if row.id == row_id), None)

    def _replace(self, position: int, row: RowT) -> None:
        changed = row.version != self.rows[position].version
        self.rows[position] = row
        if changed:
            last = self.columnCount() - 1
            self.dataChanged.emit(self.index(position, 0), self.index(position, last))

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        """How many records (a table has no children)."""
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        """How many columns."""
        return 0 if parent.isValid() else len(self.headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        """Column titles."""
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self.headers)
        ):
            return self.tr(self.headers[section])
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        """Cells can be selected, not edited in place (a dialog edits a record)."""
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        """The cell's text and looks; ``OBJECT_ROLE`` gives the record, ``SORT_ROLE`` its key."""
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row = self.rows[index.row()]
        if role == OBJECT_ROLE:
            return row
        return self.cell(row, index.column(), role)

    def cell(self, row: RowT, column: int, role: int) -> Any:
        """What ``row`` shows in ``column`` for ``role``."""
        raise NotImplementedError


def _muted() -> QColor:
    return QGuiApplication.palette().color(QPalette.ColorRole.PlaceholderText)


class CauseTableModel(RecordTableModel[Cause]):
    """Causes: colour swatch, name, active or not, description."""

    COLOUR, NAME, STATUS, DESCRIPTION = range(4)
    headers: ClassVar[tuple[str, ...]] = ("Colour", "Name", "Status", "Description")

    def cell(self, row: Cause, column: int, role: int) -> Any:
        """See :meth:`RecordTableModel.cell`."""
        if role == Qt.ItemDataRole.DisplayRole:
            return {
                self.NAME: row.name,
                self.STATUS: self.tr("Active") if row.active else self.tr("Inactive"),
                self.DESCRIPTION: one_line(row.description),
            }.get(column, "")
        if role == SORT_ROLE:
            return {
                self.COLOUR: row.colour,
                self.STATUS: (not row.active, row.name.casefold()),
                self.DESCRIPTION: row.description.casefold(),
            }.get(column, row.name.casefold())
        if role == Qt.ItemDataRole.DecorationRole and column == self.COLOUR:
            return QColor(row.colour)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == self.COLOUR:
                return row.colour
            if column == self.DESCRIPTION and row.description:
                return row.description
        if role == Qt.ItemDataRole.AccessibleTextRole and column == self.COLOUR:
            return self.tr("Colour {colour}").format(colour=row.colour)
        if role == Qt.ItemDataRole.ForegroundRole and not row.active:
            return _muted()
        return None


class LocationTableModel(RecordTableModel[Location]):
    """Locations: name, address and accessibility notes."""

    NAME, ADDRESS, NOTES = range(3)
    headers: ClassVar[tuple[str, ...]] = ("Name", "Address", "Accessibility")

    FIELDS: ClassVar[tuple[str, ...]] = ("name", "address", "notes")
    ROLES: ClassVar[frozenset[int]] = frozenset(
        {Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, SORT_ROLE}
    )

    def cell(self, row: Location, column: int, role: int) -> Any:
        """See :meth:`RecordTableModel.cell`."""
        # Sorting asks for thousands of keys: read just the one field, and only when needed.
        if role not in self.ROLES or not 0 <= column < len(self.FIELDS):
            return None
        text: str = getattr(row, self.FIELDS[column]) or ""
        if role == Qt.ItemDataRole.DisplayRole:
            return one_line(text)
        if role == SORT_ROLE:
            return text.casefold()
        if role == Qt.ItemDataRole.ToolTipRole and column != self.NAME and text:
            return text
        return None


# Saving, with undo ---------------------------------------------------------------------------


@dataclass
class _Handle:
    """The record an edit works on; its id changes when undo brings a deleted one back."""

    id: int
    version: int


@dataclass(frozen=True)
class EditTexts:
    """How the undo menu names each kind of edit (``{name}`` is the record's name)."""

    add: str
    change: str
    delete: str


class UndoableRecords(QObject, Generic[RowT, DraftT]):
    """Adds, changes and deletes one kind of record, each as one undoable command.

    The first save runs on the worker; undo and redo repeat it through the same service.
    Commands about the same record share one :class:`_Handle`, so after a deletion is
    undone (and the record comes back with a new id) older commands still find it.
    """

    entities: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self,
        context: ViewContext,
        service: CrudService[Any, DraftT],
        draft_of: Callable[[RowT], DraftT],
        texts: EditTexts,
        undo_failed: Callable[[OrganizerError], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.service = service
        self.draft_of = draft_of
        self.texts = texts
        self.undo_failed = undo_failed
        self._handles: dict[int, _Handle] = {}

    def add(
        self,
        draft: DraftT,
        on_done: Callable[[RowT], None],
        on_error: Callable[[Exception], None],
    ) -> None:
        """Create a record from ``draft``; Undo deletes it again."""

        def saved(row: RowT) -> None:
            handle = self._handle(row)

            def redo() -> None:
                self._moved(handle, self._recreate(draft, None))

            def undo() -> None:
                self._delete(handle)

            self._push(self.texts.add, draft, redo, undo)
            on_done(row)

        self.context.submit_edit(
            lambda: self.service.create(draft), on_done=saved, on_error=on_error
        )

    def change(
        self,
        row: RowT,
        draft: DraftT,
        on_done: Callable[[RowT], None],
        on_error: Callable[[Exception], None],
    ) -> None:
        """Save ``draft`` over ``row``; Undo puts the old values back."""
        before = self.draft_of(row)
        handle = self._handle(row)

        def saved(new: RowT) -> None:
            handle.version = new.version

            def put(values: DraftT) -> Callable[[], None]:
                def run() -> None:
                    handle.version = self.service.update(handle.id, handle.version, values).version

                return run

            self._push(self.texts.change, draft, put(draft), put(before))
            on_done(new)

        self.context.submit_edit(
            lambda: self.service.update(row.id, row.version, draft),
            on_done=saved,
            on_error=on_error,
        )

    def remove(
        self,
        row: RowT,
        on_done: Callable[[], None],
        on_error: Callable[[Exception], None],
    ) -> None:
        """Delete ``row``; Undo brings it back (with a new id)."""
        before = self.draft_of(row)
        handle = self._handle(row)
        memo: list[object] = []

        def delete() -> None:
            memo[:] = [self._delete(handle)]

        def deleted(result: object) -> None:
            memo[:] = [result]
            self._push(
                self.texts.delete,
                before,
                delete,
                lambda: self._moved(handle, self._recreate(before, memo[0])),
            )
            on_done()

        self.context.submit_edit(lambda: self._delete(handle), on_done=deleted, on_error=on_error)

    # Hooks for records that take others with them.

    def _delete(self, handle: _Handle) -> object:
        """Delete the record; return what :meth:`_recreate` needs to restore it fully."""
        self.service.delete(handle.id, handle.version)
        return None

    def _recreate(self, draft: DraftT, memo: object) -> RowT:
        """Create the record again from ``draft`` (``memo`` is what :meth:`_delete` gave)."""
        return self.service.create(draft)  # type: ignore[no-any-return]

    # Plumbing.

    def _handle(self, row: RowT) -> _Handle:
        handle = self._handles.get(row.id)
        if handle is None:
            handle = self._handles[row.id] = _Handle(row.id, row.version)
        else:
            # The table may still show the row from before an undo; versions only go up.
            handle.version = max(handle.version, row.version)
        return handle

    def _moved(self, handle: _Handle, row: RowT) -> None:
        self._handles.pop(handle.id, None)
        handle.id, handle.version = row.id, row.version
        self._handles[handle.id] = handle

    def _push(
        self, text: str, draft: DraftT, redo: Callable[[], None], undo: Callable[[], None]
    ) -> None:
        name = str(getattr(draft, "name", ""))
        change = DataChange.of(self.context.actor, *self.entities)
        push_done(
            self.context.undo_stack,
            EditCommand(
                text.format(name=name),
                redo,
                undo,
                change,
                self.context.hub,
                on_error=self.undo_failed,
            ),
        )


class UndoableCauses(UndoableRecords[Cause, CauseDraft]):
    """Causes: deleting one with events is refused by the service (mark it inactive)."""

    entities: ClassVar[tuple[str, ...]] = ("cause",)


class UndoableLocations(UndoableRecords[Location, LocationDraft]):
    """Locations: undoing a deletion also puts the place back on the events it was on."""

    entities: ClassVar[tuple[str, ...]] = ("location", "event")

    def __init__(
        self,
        context: ViewContext,
        links: LocationLinks,
        texts: EditTexts,
        undo_failed: Callable[[OrganizerError], None],
        parent: QObject | None = None,
    ) -> None:
        locations = context.services.locations
        super().__init__(context, locations, location_draft, texts, undo_failed, parent)
        self.links = links

    def _delete(self, handle: _Handle) -> object:
        use = self.links.in_use(handle.id)
        super()._delete(handle)
        return use

    def _recreate(self, draft: LocationDraft, memo: object) -> Location:
        row = super()._recreate(draft, memo)
        if isinstance(memo, LocationUse):
            self.links.relink(row.id, memo)
        return row


def cause_draft(row: Cause) -> CauseDraft:
    """The editable fields of a cause."""
    return CauseDraft(
        name=row.name, colour=row.colour, description=row.description, active=row.active
    )


def location_draft(row: Location) -> LocationDraft:
    """The editable fields of a location."""
    return LocationDraft(name=row.name, address=row.address, notes=row.notes)


# Dialogs -----------------------------------------------------------------------------------


class RecordDialog(QDialog):
    """A small form for one record: each problem is shown under its field.

    The dialog never saves: Save emits ``submitted`` with a draft, and whoever opened it
    calls :meth:`show_error` if saving failed, or closes it.
    """

    submitted = Signal(object)

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.setMinimumWidth(440)
        self.fields: dict[str, tuple[QWidget, QLabel]] = {}
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.form.setVerticalSpacing(10)
        self.general = QLabel()
        self.general.setWordWrap(True)
        self.general.setAccessibleName(self.tr("Problem"))
        self.general.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setAccessibleName(self.tr("Save"))
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setAccessibleName(self.tr("Cancel"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = self.main_layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.setSpacing(12)
        layout.addLayout(self.form)
        layout.addWidget(self.general)
        layout.addWidget(self.buttons)
        # Only once the buttons are in the dialog does it take Save as its default.
        self.save_button.setDefault(True)
        self._colour_problems()

    def add_field(self, key: str, label: str, widget: QWidget) -> None:
        """Add ``widget`` for the draft field ``key``, labelled ``label``."""
        widget.setAccessibleName(label.replace("&", ""))
        problem = QLabel()
        problem.setWordWrap(True)
        problem.setAccessibleName(self.tr("{label} problem").format(label=label.replace("&", "")))
        problem.setPalette(self.general.palette())
        problem.hide()
        column = QVBoxLayout()
        column.setSpacing(3)
        column.addWidget(widget)
        column.addWidget(problem)
        caption = QLabel(label)
        caption.setBuddy(widget)
        self.form.addRow(caption, column)
        self.fields[key] = (widget, problem)

    def draft(self) -> Any:
        """The draft the form describes."""
        raise NotImplementedError

    def showEvent(self, event: QShowEvent) -> None:
        """Start in the first field, ready to type."""
        super().showEvent(event)
        if self.fields:
            next(iter(self.fields.values()))[0].setFocus()

    @Slot()
    def submit(self) -> None:
        """Ask for the draft to be saved."""
        self.clear_problems()
        self.set_busy(True)
        self.submitted.emit(self.draft())

    def set_busy(self, busy: bool) -> None:
        """While saving, Save is disabled and says so."""
        self.save_button.setEnabled(not busy)
        self.save_button.setText(self.tr("Saving…") if busy else self.tr("Save"))
        if not busy:
            # Disabling Save passed the default to Cancel; Enter must save again.
            self.save_button.setDefault(True)

    def show_error(self, error: Exception) -> None:
        """Show why saving failed: under each field, or below the form."""
        self.set_busy(False)
        if isinstance(error, ValidationError):
            first: QWidget | None = None
            for problem in error.problems:
                if problem.field in self.fields:
                    widget, label = self.fields[problem.field]
                    label.setText(problem.message)
                    label.show()
                    self._mark(widget, problem.message)
                    first = first or widget
                else:
                    self._say(problem.message)
            if first is not None:
                first.setFocus()
            return
        if isinstance(error, OrganizerError):
            self._say(str(error))
            return
        raise error

    def problem_for(self, key: str) -> str:
        """The problem shown under field ``key`` ("" for none)."""
        label = self.fields[key][1]
        return label.text() if not label.isHidden() else ""

    def clear_problems(self) -> None:
        """Hide every problem message and unmark the fields."""
        for widget, label in self.fields.values():
            label.hide()
            label.clear()
            self._mark(widget, "")
        self.general.hide()

    def _say(self, message: str) -> None:
        self.general.setText(message)
        self.general.show()

    def _mark(self, widget: QWidget, message: str) -> None:
        widget.setAccessibleDescription(message)
        if isinstance(widget, QLineEdit):
            for action in widget.actions():
                if action.objectName() == "problem-mark":
                    widget.removeAction(action)
            if message:
                icon = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
                mark = widget.addAction(icon, QLineEdit.ActionPosition.TrailingPosition)
                mark.setObjectName("problem-mark")
                mark.setToolTip(message)
        if message:
            tinted = QPalette(widget.palette())
            base = self.palette().color(QPalette.ColorRole.Base)
            tinted.setColor(
                QPalette.ColorRole.Base, blend(base, error_colour(self.palette()), 0.12)
            )
            widget.setPalette(tinted)
        else:
            widget.setPalette(QPalette())

    def _colour_problems(self) -> None:
        palette = self.general.palette()
        palette.setColor(QPalette.ColorRole.WindowText, error_colour(self.palette()))
        self.general.setPalette(palette)
        for _, label in self.fields.values():
            label.setPalette(palette)

    def changeEvent(self, event: QEvent) -> None:
        """Keep problem text readable when the palette changes (dark mode)."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._colour_problems()


class ColourButton(QPushButton):
    """Shows a colour and opens a colour chooser to change it."""

    colour_changed = Signal(str)

    def __init__(self, colour: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.chooser: QColorDialog | None = None
        self.clicked.connect(self.choose)
        self.set_colour(colour)

    @property
    def colour(self) -> str:
        """The colour as #RRGGBB."""
        return self._colour

    def set_colour(self, colour: str) -> None:
        """Show ``colour``."""
        self._colour = colour.upper()
        self.setIcon(swatch(self._colour, 16))
        self.setText(self.tr("{colour}  Change…").format(colour=self._colour))
        self.setAccessibleDescription(self._colour)
        self.colour_changed.emit(self._colour)

    @Slot()
    def choose(self) -> None:
        """Open the colour chooser (it is window-modal and does not block)."""
        self.chooser = QColorDialog(QColor(self._colour), self)
        self.chooser.setWindowTitle(self.tr("Choose a colour"))
        self.chooser.colorSelected.connect(lambda chosen: self.set_colour(chosen.name()))
        self.chooser.open()


class CauseDialog(RecordDialog):
    """Add or edit a cause: name, colour, description, active."""

    def __init__(self, title: str, draft: CauseDraft, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.name = QLineEdit(draft.name)
        self.name.setMaxLength(120)
        self.name.setPlaceholderText(self.tr("For example: Food bank"))
        self.colour = ColourButton(draft.colour)
        self.description = QPlainTextEdit(draft.description)
        self.description.setTabChangesFocus(True)
        self.description.setPlaceholderText(self.tr("What the cause is about, in a sentence"))
        self.description.setFixedHeight(self.fontMetrics().lineSpacing() * 4 + 12)
        self.active = QCheckBox(self.tr("Offer it when planning new events"))
        self.active.setChecked(draft.active)
        self.add_field("name", self.tr("&Name"), self.name)
        self.add_field("colour", self.tr("&Colour"), self.colour)
        self.add_field("description", self.tr("&Description"), self.description)
        self.add_field("active", self.tr("&Active"), self.active)

    def draft(self) -> CauseDraft:
        """The cause as the form shows it."""
        return CauseDraft(
            name=self.name.text(),
            colour=self.colour.colour,
            description=self.description.toPlainText().strip(),
            active=self.active.isChecked(),
        )


class LocationDialog(RecordDialog):
    """Add or edit a location: name, address, accessibility notes."""

    def __init__(self, title: str, draft: LocationDraft, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.name = QLineEdit(draft.name)
        self.name.setMaxLength(120)
        self.name.setPlaceholderText(self.tr("For example: Riverside Community Centre"))
        self.address = QPlainTextEdit(draft.address)
        self.address.setTabChangesFocus(True)
        self.address.setFixedHeight(self.fontMetrics().lineSpacing() * 3 + 12)
        self.notes = QPlainTextEdit(draft.notes)
        self.notes.setTabChangesFocus(True)
        self.notes.setPlaceholderText(
            self.tr("Step-free access, hearing loop, accessible toilet, quiet room…")
        )
        self.notes.setFixedHeight(self.fontMetrics().lineSpacing() * 4 + 12)
        self.add_field("name", self.tr("&Name"), self.name)
        self.add_field("address", self.tr("A&ddress"), self.address)
        self.add_field("notes", self.tr("A&ccessibility"), self.notes)

    def draft(self) -> LocationDraft:
        """The location as the form shows it."""
        return LocationDraft(
            name=self.name.text(),
            address=self.address.toPlainText().strip(),
            notes=self.notes.toPlainText().strip(),
        )


# The page ----------------------------------------------------------------------------------


class RecordTable(QTableView):
    """A calm, sortable table of records: Enter or double-click opens, Delete removes."""

    delete_requested = Signal()

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(name)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setShowGrid(False)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.setSortingEnabled(True)
        self.setTabKeyNavigation(False)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 14)
        header = self.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setHighlightSections(False)
        header.setStretchLastSection(True)
        self._enter = EnterActivates(self)
        self.installEventFilter(self._enter)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Delete (or Backspace) asks to remove the current record."""
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and (
            self.currentIndex().isValid()
        ):
            self.delete_requested.emit()
            return
        super().keyPressEvent(event)


class RecordSection(Card, Generic[RowT]):
    """A card with a table of records and the buttons that change them.

    ``current_changed`` says the current record may be another one now.
    """

    current_changed = Signal()

    def __init__(
        self,
        title: str,
        note: str,
        model: RecordTableModel[RowT],
        sort_column: int,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(title, note, parent)
        self.model = model
        self.table = RecordTable(title)
        self.table.setModel(model)
        self.table.sortByColumn(sort_column, Qt.SortOrder.AscendingOrder)
        self.set_content(self.table)
        self.buttons = QHBoxLayout()
        self.buttons.setSpacing(8)
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.addLayout(self.buttons)
        self.table.selectionModel().currentRowChanged.connect(self.current_changed)
        model.modelReset.connect(self.current_changed)
        model.rowsRemoved.connect(self.current_changed)

    def add_button(self, text: str, accessible: str, tip: str) -> QPushButton:
        """A button under the table."""
        button = QPushButton(text)
        button.setAccessibleName(accessible)
        button.setToolTip(tip)
        self.buttons.addWidget(button)
        return button

    def current(self) -> RowT | None:
        """The record of the current row, if any."""
        index = self.table.currentIndex()
        row = index.data(OBJECT_ROLE) if index.isValid() else None
        return row

    def select(self, row_id: int) -> None:
        """Make the record with ``row_id`` current and scroll to it."""
        position = self.model.position_of(row_id)
        if position is None:
            return
        index = self.model.index(position, 0)
        self.table.setCurrentIndex(index)
        self.table.scrollTo(index)


class PlacesPage(QWidget):
    """Causes and locations side by side, each with Add, Edit and Delete.

    Edits go through the services on the worker; each is one step on the undo stack.
    """

    def __init__(self, context: ViewContext, parent: QWidget | None = None) -> None:
        """Show and edit the causes and locations of ``context``'s database."""
        super().__init__(parent)
        self.context = context
        self.setObjectName("page-places")
        self.setAccessibleName(self.tr("Causes & locations"))
        self.message: QMessageBox | None = None
        self.dialog: RecordDialog | None = None
        self._loading = False
        self._again: set[str] = set()

        self.causes = UndoableCauses(
            context,
            context.services.causes,
            cause_draft,
            EditTexts(
                add=self.tr("Add cause “{name}”"),
                change=self.tr("Change cause “{name}”"),
                delete=self.tr("Delete cause “{name}”"),
            ),
            self._undo_failed,
            self,
        )
        db = context.services.locations.db
        self.locations = UndoableLocations(
            context,
            LocationLinks(db, context.actor),
            EditTexts(
                add=self.tr("Add location “{name}”"),
                change=self.tr("Change location “{name}”"),
                delete=self.tr("Delete location “{name}”"),
            ),
            self._undo_failed,
            self,
        )

        heading = QLabel(self.tr("Causes & locations"))
        heading.setFont(scaled_font(self.font(), 1.5))
        heading.setAccessibleName(self.tr("Heading"))
        intro = QLabel(
            self.tr(
                "The causes your group runs and the places where you meet. Both are "
                "offered when you plan an event."
            )
        )
        intro.setWordWrap(True)
        intro.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        intro.setAccessibleName(self.tr("About this page"))

        self.cause_model = CauseTableModel(self)
        self.cause_section: RecordSection[Cause] = RecordSection(
            self.tr("Causes"),
            self.tr("each with a colour that marks its events"),
            self.cause_model,
            CauseTableModel.NAME,
        )
        self.add_cause_button = self.cause_section.add_button(
            self.tr("&Add cause…"), self.tr("Add cause"), self.tr("Add a cause your group runs")
        )
        self.edit_cause_button = self.cause_section.add_button(
            self.tr("Ed&it…"), self.tr("Edit cause"), self.tr("Change the chosen cause (Enter)")
        )
        self.active_button = self.cause_section.add_button(
            self.tr("Mark i&nactive"),
            self.tr("Mark cause inactive or active"),
            self.tr("An inactive cause keeps its events but is not offered for new ones"),
        )
        self.delete_cause_button = self.cause_section.add_button(
            self.tr("&Delete…"), self.tr("Delete cause"), self.tr("Delete the chosen cause (Del)")
        )
        self.cause_section.buttons.addStretch(1)
        self.cause_section.current_changed.connect(self._update_buttons)

        self.location_model = LocationTableModel(self)
        self.location_section: RecordSection[Location] = RecordSection(
            self.tr("Locations"),
            self.tr("with notes on access"),
            self.location_model,
            LocationTableModel.NAME,
        )
        self.add_location_button = self.location_section.add_button(
            self.tr("Add &location…"), self.tr("Add location"), self.tr("Add a place you meet")
        )
        self.edit_location_button = self.location_section.add_button(
            self.tr("Edi&t…"),
            self.tr("Edit location"),
            self.tr("Change the chosen location (Enter)"),
        )
        self.delete_location_button = self.location_section.add_button(
            self.tr("Delete…"),
            self.tr("Delete location"),
            self.tr("Delete the chosen location (Del)"),
        )
        self.location_section.buttons.addStretch(1)
        self.location_section.current_changed.connect(self._update_buttons)
        self._size_columns()

        self.add_cause_button.clicked.connect(self.add_cause)
        self.edit_cause_button.clicked.connect(self.edit_cause)
        self.active_button.clicked.connect(self.toggle_active)
        self.delete_cause_button.clicked.connect(self.delete_cause)
        self.cause_section.table.activated.connect(lambda _: self.edit_cause())
        self.cause_section.table.delete_requested.connect(self.delete_cause)
        self.add_location_button.clicked.connect(self.add_location)
        self.edit_location_button.clicked.connect(self.edit_location)
        self.delete_location_button.clicked.connect(self.delete_location)
        self.location_section.table.activated.connect(lambda _: self.edit_location())
        self.location_section.table.delete_requested.connect(self.delete_location)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setAccessibleName(self.tr("Causes and locations"))
        splitter.setChildrenCollapsible(False)
        splitter.setHandleWidth(16)
        splitter.addWidget(self.cause_section)
        splitter.addWidget(self.location_section)
        splitter.setSizes([1, 1])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 24)
        layout.setSpacing(4)
        layout.addWidget(heading)
        layout.addWidget(intro)
        layout.addSpacing(14)
        layout.addWidget(splitter, 1)

        self._update_buttons()
        context.hub.changed.connect(self._on_changed)
        self.refresh()

    def _size_columns(self) -> None:
        """Fixed swatch and status, a roomy name; the longer text columns share the rest."""
        mode = QHeaderView.ResizeMode
        causes = self.cause_section.table.horizontalHeader()
        causes.setSectionResizeMode(CauseTableModel.COLOUR, mode.Fixed)
        causes.setSectionResizeMode(CauseTableModel.STATUS, mode.ResizeToContents)
        causes.setSectionResizeMode(CauseTableModel.DESCRIPTION, mode.Stretch)
        causes.resizeSection(
            CauseTableModel.COLOUR, self.fontMetrics().horizontalAdvance(self.tr("Colour")) + 24
        )
        causes.resizeSection(CauseTableModel.NAME, 170)
        places = self.location_section.table.horizontalHeader()
        places.setSectionResizeMode(LocationTableModel.ADDRESS, mode.Stretch)
        places.setSectionResizeMode(LocationTableModel.NOTES, mode.Stretch)
        places.resizeSection(LocationTableModel.NAME, 180)

    # Loading -------------------------------------------------------------------------------

    @Slot()
    def refresh(self) -> None:
        """Read both lists again (F5)."""
        self._load({"cause", "location"})

    def _load(self, which: set[str]) -> None:
        if self._loading:
            self._again |= which
            return
        self._loading = True
        for key, section, model in self._sections():
            if key in which and not model.rows:
                section.show_message(self.tr("Loading…"))
        services = self.context.services

        def read() -> tuple[list[Cause] | None, list[Location] | None]:
            causes = services.causes.list() if "cause" in which else None
            places = services.locations.list() if "location" in which else None
            return causes, places

        self.context.worker.submit(read, on_done=self._show, on_error=self._failed)

    def _sections(self) -> list[tuple[str, RecordSection[Any], RecordTableModel[Any]]]:
        return [
            ("cause", self.cause_section, self.cause_model),
            ("location", self.location_section, self.location_model),
        ]

    def _show(self, result: tuple[list[Cause] | None, list[Location] | None]) -> None:
        self._loading = False
        causes, places = result
        if causes is not None:
            self.cause_model.set_rows(causes)
        if places is not None:
            self.location_model.set_rows(places)
        self._show_emptiness()
        if self._again:
            which, self._again = self._again, set()
            self._load(which)

    def _show_emptiness(self) -> None:
        empty = {
            "cause": self.tr(
                "No causes yet. Add the programmes your group runs, like a food bank or a "
                "walking group."
            ),
            "location": self.tr(
                "No places yet. Add where you meet, with notes on access so everyone can join in."
            ),
        }
        for key, section, model in self._sections():
            if model.rows:
                section.show_content()
            else:
                section.show_message(empty[key])
        self._update_buttons()

    def _failed(self, error: Exception) -> None:
        self._loading = False
        for _, section, _ in self._sections():
            section.show_message(self.tr("This could not be loaded: {error}").format(error=error))
        if not isinstance(error, OrganizerError):
            raise error

    @property
    def loading(self) -> bool:
        """Whether a reload is under way."""
        return self._loading

    @Slot(object)
    def _on_changed(self, change: DataChange) -> None:
        which = {entity for entity in ("cause", "location") if change.touches(entity)}
        if which:
            self._load(which)

    # Buttons -------------------------------------------------------------------------------

    def _update_buttons(self) -> None:
        writable = not self.context.read_only
        cause = self.cause_section.current()
        place = self.location_section.current()
        self.add_cause_button.setEnabled(writable)
        self.add_location_button.setEnabled(writable)
        for button in (self.edit_cause_button, self.delete_cause_button, self.active_button):
            button.setEnabled(writable and cause is not None)
        for button in (self.edit_location_button, self.delete_location_button):
            button.setEnabled(writable and place is not None)
        inactive = cause is not None and not cause.active
        self.active_button.setText(
            self.tr("Mark a&ctive") if inactive else self.tr("Mark i&nactive")
        )

    # Causes --------------------------------------------------------------------------------

    @Slot()
    def add_cause(self) -> CauseDialog | None:
        """Open the form for a new cause."""
        if self.context.read_only:
            return None
        colour = suggest_colour([row.colour for row in self.cause_model.rows])
        dialog = CauseDialog(self.tr("New cause"), CauseDraft(name="", colour=colour), self)
        self._open(
            dialog,
            lambda draft: self.causes.add(
                draft, self._saved(dialog, self.cause_section), dialog.show_error
            ),
        )
        return dialog

    @Slot()
    def edit_cause(self) -> CauseDialog | None:
        """Open the form for the chosen cause."""
        row = self.cause_section.current()
        if row is None or self.context.read_only:
            return None
        dialog = CauseDialog(self.tr("Edit cause"), cause_draft(row), self)
        watch_record(dialog, self.context, "cause", lambda: row.id, dialog.main_layout, 0)
        self._open(
            dialog,
            guarded_change(dialog, self.causes, row, self._saved(dialog, self.cause_section)),
        )
        return dialog

    @Slot()
    def toggle_active(self) -> None:
        """Mark the chosen cause inactive (or active again)."""
        row = self.cause_section.current()
        if row is None or self.context.read_only:
            return
        self._set_active(row, not row.active)

    def _set_active(self, row: Cause, active: bool) -> None:
        draft = replace(cause_draft(row), active=active)
        self.causes.change(row, draft, self._shown(self.cause_section), self._refused)

    @Slot()
    def delete_cause(self) -> None:
        """Ask, then delete the chosen cause (one with events is offered "Mark inactive")."""
        row = self.cause_section.current()
        if row is None or self.context.read_only:
            return
        self._confirm(
            self.tr("Delete cause"),
            self.tr("Delete the cause “{name}”?").format(name=row.name),
            self.tr("You can undo this with Edit ▸ Undo (Ctrl+Z)."),
            self.tr("Delete"),
            lambda: self.causes.remove(
                row, lambda: None, lambda error: self._delete_refused(row, error)
            ),
        )

    def _delete_refused(self, row: Cause, error: Exception) -> None:
        kept = isinstance(error, OrganizerError) and not isinstance(
            error, (ConflictError, NotFoundError, ValidationError, StorageError)
        )
        if not (kept and row.active):
            self._refused(error)
            return
        self._confirm(
            self.tr("Keep this cause"),
            str(error),
            self.tr(
                "An inactive cause keeps its events and colour, but is no longer offered "
                "when you plan new events."
            ),
            self.tr("Mark inactive"),
            lambda: self._set_active(row, False),
        )

    # Locations -----------------------------------------------------------------------------

    @Slot()
    def add_location(self) -> LocationDialog | None:
        """Open the form for a new location."""
        if self.context.read_only:
            return None
        dialog = LocationDialog(self.tr("New location"), LocationDraft(name=""), self)
        self._open(
            dialog,
            lambda draft: self.locations.add(
                draft, self._saved(dialog, self.location_section), dialog.show_error
            ),
        )
        return dialog

    @Slot()
    def edit_location(self) -> LocationDialog | None:
        """Open the form for the chosen location."""
        row = self.location_section.current()
        if row is None or self.context.read_only:
            return None
        dialog = LocationDialog(self.tr("Edit location"), location_draft(row), self)
        watch_record(dialog, self.context, "location", lambda: row.id, dialog.main_layout, 0)
        self._open(
            dialog,
            guarded_change(dialog, self.locations, row, self._saved(dialog, self.location_section)),
        )
        return dialog

    @Slot()
    def delete_location(self) -> None:
        """Ask, then delete the chosen location, saying which events it is on."""
        row = self.location_section.current()
        if row is None or self.context.read_only:
            return
        links = self.locations.links
        self.context.worker.submit(
            lambda: links.in_use(row.id),
            on_done=lambda use: self._confirm_location(row, use),
            on_error=self._refused,
        )

    def _confirm_location(self, row: Location, use: LocationUse) -> None:
        undo = self.tr("You can undo this with Edit ▸ Undo (Ctrl+Z).")
        if use.events == 1:
            detail = self.tr(
                "1 event is held there. It will show no place until you choose another; "
                "undoing puts the place back on it."
            )
        elif use.events:
            detail = self.tr(
                "{count} events are held there. They will show no place until you choose "
                "another; undoing puts the place back on them."
            ).format(count=use.events)
        else:
            detail = undo
        if use.events:
            detail = f"{detail}\n\n{undo}"
        self._confirm(
            self.tr("Delete location"),
            self.tr("Delete the location “{name}”?").format(name=row.name),
            detail,
            self.tr("Delete"),
            lambda: self.locations.remove(row, lambda: None, self._refused),
        )

    # Shared --------------------------------------------------------------------------------

    def _open(self, dialog: RecordDialog, save: Callable[[Any], None]) -> None:
        dialog.submitted.connect(save)
        dialog.finished.connect(lambda _result: self._forget_dialog(dialog))
        self.dialog = dialog
        dialog.open()

    def _forget_dialog(self, dialog: RecordDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    def _saved(self, dialog: RecordDialog, section: RecordSection[Any]) -> Callable[[Any], None]:
        def done(row: Any) -> None:
            self._shown(section)(row)
            dialog.accept()

        return done

    def _shown(self, section: RecordSection[Any]) -> Callable[[Any], None]:
        def show(row: Any) -> None:
            section.model.upsert(row)
            section.show_content()
            section.select(row.id)
            self._update_buttons()

        return show

    def _confirm(
        self, title: str, text: str, detail: str, action: str, on_yes: Callable[[], None]
    ) -> None:
        box = self._message_box(QMessageBox.Icon.Question, title, text, detail)
        yes = box.addButton(action, QMessageBox.ButtonRole.AcceptRole)
        yes.setAccessibleName(action)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        cancel.setAccessibleName(self.tr("Cancel"))
        box.setDefaultButton(cancel)
        box.setEscapeButton(cancel)
        box.finished.connect(lambda _r: on_yes() if box.clickedButton() is yes else None)
        box.open()

    def _refused(self, error: Exception) -> None:
        if not isinstance(error, OrganizerError):
            raise error
        title = (
            self.tr("Problem with the database")
            if isinstance(error, StorageError)
            else self.tr("Not saved")
        )
        self._tell(QMessageBox.Icon.Warning, title, str(error), "")

    def _undo_failed(self, error: OrganizerError) -> None:
        self._tell(QMessageBox.Icon.Warning, self.tr("Could not undo"), refusal_text(error), "")

    def _tell(self, icon: QMessageBox.Icon, title: str, text: str, detail: str) -> None:
        box = self._message_box(icon, title, text, detail)
        close = box.addButton(QMessageBox.StandardButton.Close)
        close.setAccessibleName(self.tr("Close"))
        box.open()

    def _message_box(
        self, icon: QMessageBox.Icon, title: str, text: str, detail: str
    ) -> QMessageBox:
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.NoButton, self)
        box.setAccessibleName(title)
        box.setTextFormat(Qt.TextFormat.PlainText)
        if detail:
            box.setInformativeText(detail)
        box.finished.connect(lambda _r: self._forget_message(box))
        self.message = box
        return box

    def _forget_message(self, box: QMessageBox) -> None:
        if self.message is box:
            self.message = None
        box.deleteLater()
