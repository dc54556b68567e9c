"""Form pieces the volunteer editor is built from: problem labels, optional dates, row lists."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from itertools import pairwise
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent, QPalette, QWheelEvent
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QDateEdit,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from organizer.ui.tones import blend, error_colour
from organizer.ui.volunteers.text import qdate, tr

ValueT = TypeVar("ValueT")
DATE_FORMAT = "d MMM yyyy"
_NOT_SET = QDate(1900, 1, 1)


def mark(widget: QWidget, message: str) -> None:
    """Tint ``widget`` and describe the problem to screen readers ("" unmarks it)."""
    widget.setAccessibleDescription(message)
    widget.setToolTip(message)
    if not message:
        widget.setPalette(QPalette())
        return
    palette = QPalette(widget.palette())
    base = palette.color(QPalette.ColorRole.Base)
    palette.setColor(QPalette.ColorRole.Base, blend(base, error_colour(palette), 0.14))
    widget.setPalette(palette)


class ProblemLabel(QLabel):
    """A small message in the error colour, hidden while there is nothing to say."""

    def __init__(self, accessible_name: str, parent: QWidget | None = None) -> None:
        """A hidden label called ``accessible_name``."""
        super().__init__(parent)
        self.setAccessibleName(accessible_name)
        self.setWordWrap(True)
        self.hide()
        self._colour()

    def say(self, text: str) -> None:
        """Show ``text`` (an empty text hides the label)."""
        self.setText(text)
        self.setVisible(bool(text))

    def changeEvent(self, event: Any) -> None:
        """Stay readable when the palette changes (dark mode)."""
        super().changeEvent(event)
        if event.type() == event.Type.PaletteChange:
            self._colour()

    def _colour(self) -> None:
        palette = self.palette()
        colour = error_colour(palette)
        if palette.color(QPalette.ColorRole.WindowText) != colour:
            palette.setColor(QPalette.ColorRole.WindowText, colour)
            self.setPalette(palette)


def muted_label(text: str, accessible_name: str) -> QLabel:
    """A wrapped line of quieter text: a hint or an explanation."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setAccessibleName(accessible_name)
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    return label


def date_edit(accessible_name: str, day: date | None = None) -> QDateEdit:
    """A date field with a calendar pop-up, showing dates as "3 Mar 2024"."""
    edit = QDateEdit()
    edit.setAccessibleName(accessible_name)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat(DATE_FORMAT)
    edit.setDate(qdate(day or date.today()))
    return edit


def to_date(value: QDate) -> date:
    """A QDate as a Python date."""
    return date(value.year(), value.month(), value.day())


class OptionalDateEdit(QDateEdit):
    """A date that may be left empty ("Not known", "No expiry"...); Delete empties it again.

    Starting to change an empty date begins from today, not from the empty marker.
    """

    def __init__(
        self, accessible_name: str, empty_text: str, parent: QWidget | None = None
    ) -> None:
        """An empty date field, saying ``empty_text`` while empty."""
        super().__init__(parent)
        self.setAccessibleName(accessible_name)
        self.setCalendarPopup(True)
        self.setDisplayFormat(DATE_FORMAT)
        self.setMinimumDate(_NOT_SET)
        self.setSpecialValueText(empty_text)
        self.setToolTip(tr("Press Delete to leave it empty"))
        self.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.NoButtons)
        self.set_value(None)

    def value(self) -> date | None:
        """The date, or ``None`` when empty."""
        return None if self.date() == _NOT_SET else to_date(self.date())

    def set_value(self, day: date | None) -> None:
        """Show ``day`` (``None`` empties the field)."""
        self.setDate(_NOT_SET if day is None else qdate(day))

    def _start(self) -> None:
        if self.value() is None:
            self.setDate(QDate.currentDate())

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Delete empties the field; any other key on an empty field starts from today."""
        if event.key() == Qt.Key.Key_Delete:
            self.set_value(None)
            return
        if event.text().strip() or event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            self._start()
        super().keyPressEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        """Opening the calendar on an empty field shows this month."""
        self._start()
        super().mousePressEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        """Scrolling an empty field starts from today."""
        self._start()
        super().wheelEvent(event)


class RowEditor(Generic[ValueT]):
    """The fields of one row of a :class:`RowList`, and the value they describe."""

    removable = True

    def __init__(self, fields: Sequence[QWidget]) -> None:
        """A row made of ``fields``, one per column."""
        self.fields = list(fields)

    def value(self) -> ValueT:
        """What the row says."""
        raise NotImplementedError

    def mark(self, message: str) -> None:
        """Show that the row has a problem ("" clears it)."""
        for field in self.fields:
            if isinstance(field, QLineEdit | QAbstractSpinBox):
                mark(field, message)


class RowList(QWidget, Generic[ValueT]):
    """Rows of fields under column headings, each with a remove button, and an Add button.

    ``make_row`` builds a row's editor (from a value, or empty).  Problems are shown on the
    row's fields and spelled out under the list.
    """

    changed = Signal()

    def __init__(
        self,
        name: str,
        headings: Sequence[str],
        add_text: str,
        empty_text: str,
        make_row: Callable[[ValueT | None], RowEditor[ValueT]],
        parent: QWidget | None = None,
        *,
        stretch: int | None = None,
    ) -> None:
        """An empty list called ``name``; column ``stretch`` (if any) takes the spare width."""
        super().__init__(parent)
        self.setAccessibleName(name)
        self.name = name
        self.headings = list(headings)
        self.make_row = make_row
        self.rows: list[RowEditor[ValueT]] = []
        self._removers: list[QToolButton] = []
        self._messages: list[str] = []
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(8)
        self.grid.setVerticalSpacing(6)
        # Without a stretching field, an empty last column keeps the rows together on the left.
        self.grid.setColumnStretch(len(headings) + 1 if stretch is None else stretch, 1)
        self.empty = QLabel(empty_text)
        self.empty.setAccessibleName(tr("{list}: empty").format(list=name))
        self.empty.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.add_button = QPushButton(add_text)
        self.add_button.setAccessibleName(add_text.replace("&", "").rstrip("…"))
        self.add_button.clicked.connect(lambda: self.add_row(None, focus=True))
        self.problem = ProblemLabel(tr("{list} problem").format(list=name))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addLayout(self.grid)
        layout.addWidget(self.empty)
        layout.addWidget(self.problem)
        layout.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addStretch(1)
        self._layout()

    def values(self) -> list[ValueT]:
        """Every row's value, top to bottom."""
        return [row.value() for row in self.rows]

    def set_values(self, values: Sequence[ValueT]) -> None:
        """Replace the rows with one per value."""
        for row in list(self.rows):
            self._drop(row)
        for value in values:
            self.add_row(value)

    def add_row(self, value: ValueT | None = None, *, focus: bool = False) -> RowEditor[ValueT]:
        """Add a row below the others (empty, or showing ``value``)."""
        row = self.make_row(value)
        self.rows.append(row)
        self._layout()
        if focus and row.fields:
            row.fields[0].setFocus(Qt.FocusReason.OtherFocusReason)
        self.changed.emit()
        return row

    def remove_row(self, row: RowEditor[ValueT]) -> None:
        """Take ``row`` out of the list."""
        self._drop(row)
        self._layout()
        self.add_button.setFocus()
        self.changed.emit()

    def show_problem(self, index: int, message: str) -> None:
        """Mark row ``index`` and say what is wrong with it."""
        if 0 <= index < len(self.rows):
            self.rows[index].mark(message)
            message = tr("Row {number}: {message}").format(number=index + 1, message=message)
        self._messages.append(message)
        self.problem.say("\n".join(self._messages))

    def clear_problems(self) -> None:
        """Unmark every row and hide the message."""
        for row in self.rows:
            row.mark("")
        self._messages.clear()
        self.problem.say("")

    def set_editable(self, editable: bool) -> None:
        """Allow changes, or only looking (a read-only file)."""
        self.setEnabled(editable)
        self.add_button.setVisible(editable)

    def _drop(self, row: RowEditor[ValueT]) -> None:
        index = self.rows.index(row)
        self.rows.pop(index)
        for field in row.fields:
            field.deleteLater()
        self._removers.pop(index).deleteLater()

    def _layout(self) -> None:
        while self.grid.count():
            self.grid.takeAt(0)
        for column, heading in enumerate(self.headings):
            label = self.findChild(QLabel, f"heading-{column}")
            if label is None:
                label = QLabel(heading, self)
                label.setObjectName(f"heading-{column}")
                label.setAccessibleName(heading)
                label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
            label.setVisible(bool(self.rows))
            self.grid.addWidget(label, 0, column)
        while len(self._removers) < len(self.rows):
            self._removers.append(self._remover())
        for number, (row, remover) in enumerate(zip(self.rows, self._removers, strict=True)):
            for column, field in enumerate(row.fields):
                self.grid.addWidget(field, number + 1, column)
                field.show()  # at once, so a new row's first field can take the focus
            remover.setAccessibleName(tr("Remove row {number}").format(number=number + 1))
            remover.setVisible(row.removable)
            self.grid.addWidget(remover, number + 1, len(self.headings))
        self.empty.setVisible(not self.rows)
        self._order_tabs()

    def _remover(self) -> QToolButton:
        button = QToolButton(self)
        button.setText("✕")
        button.setAutoRaise(True)
        button.setToolTip(tr("Remove this row"))
        button.clicked.connect(lambda: self.remove_row(self.rows[self._removers.index(button)]))
        return button

    def _order_tabs(self) -> None:
        chain: list[QWidget] = []
        for row, remover in zip(self.rows, self._removers, strict=True):
            chain.extend(row.fields)
            chain.append(remover)
        chain.append(self.add_button)
        for first, second in pairwise(chain):
            QWidget.setTabOrder(first, second)
