"""Find cover…: who could take a shift, asking them, their answers, and the waitlist."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from organizer.services.roster import BoardPerson, BoardShift
from organizer.ui.context import ViewContext
from organizer.ui.roster.models import badge_text, fill_words
from organizer.ui.roster.widgets import MessageBar, heading_label, muted_label, shift_summary
from organizer.ui.scheduling.actions import SchedulingActions

Index = QModelIndex | QPersistentModelIndex
OBJECT_ROLE = Qt.ItemDataRole.UserRole + 1
Column = tuple[str, Callable[[Any], str]]


def answer_words(answer: str | None) -> str:
    """An answer as the coordinator says it."""
    return {
        None: "",
        "pending": QCoreApplication.translate("Cover", "Waiting"),
        "yes": QCoreApplication.translate("Cover", "Yes"),
        "no": QCoreApplication.translate("Cover", "No"),
        "no_reply": QCoreApplication.translate("Cover", "No reply"),
    }.get(answer, str(answer))


def _short_time(moment: datetime | None) -> str:
    if moment is None:
        return ""
    local = moment.astimezone()
    return f"{local:%a} {local.day} {local:%b} {local:%H:%M}"


class RecordModel(QAbstractTableModel):
    """A read-only table of records, one column per (header, text of a record)."""

    def __init__(self, columns: Sequence[Column], parent: Any = None) -> None:
        """Columns given as ``(header, text_of)`` pairs."""
        super().__init__(parent)
        self.columns = list(columns)
        self._records: list[Any] = []

    def set_records(self, records: Sequence[Any]) -> None:
        """Show ``records``."""
        self.beginResetModel()
        self._records = list(records)
        self.endResetModel()

    def record(self, row: int) -> Any:
        """The record on ``row`` (None past the end)."""
        return self._records[row] if 0 <= row < len(self._records) else None

    def records(self) -> list[Any]:
        """Every record shown."""
        return list(self._records)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        """Records."""
        return 0 if parent.isValid() else len(self._records)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        """Columns."""
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Texts (also as tooltips, for long reasons) and the record itself."""
        record = self.record(index.row()) if index.isValid() else None
        if record is None or not 0 <= index.column() < len(self.columns):
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self.columns[index.column()][1](record)
        if role == OBJECT_ROLE:
            return record
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Column names."""
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self.columns)
        ):
            return self.columns[section][0]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        """Rows can be chosen, not edited."""
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


def _table(model: RecordModel, name: str, object_name: str) -> QTableView:
    view = QTableView()
    view.setObjectName(object_name)
    view.setAccessibleName(name)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.verticalHeader().hide()
    view.horizontalHeader().setStretchLastSection(True)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    return view


def _bold(text: str) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label


class CoverDialog(QDialog):
    """Cover for one shift occurrence: ranked candidates, asks and answers, the waitlist.

    Opened with a ``person`` (someone on the shift), it also offers their drop-out, which
    promotes the first person on the waitlist.  ``loaded()`` follows each (re)load.
    """

    loaded = Signal()

    def __init__(
        self,
        context: ViewContext,
        scheduling: SchedulingActions,
        shift: BoardShift,
        person: BoardPerson | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """Cover for ``shift`` (and ``person``'s drop-out, if given)."""
        super().__init__(parent)
        self.context = context
        self.scheduling = scheduling
        self.shift = shift
        self.person = person
        self.shift_id, self.occurrence_start = shift.key
        self.loading = False
        self.setObjectName("cover-dialog")
        self.setWindowTitle(self.tr("Find cover"))
        self.setAccessibleName(self.tr("Find cover"))
        self.resize(980, 600)
        editable = not context.read_only

        title = heading_label(self.tr("Cover for {role}").format(role=shift.fill.role), 1.25)
        title.setAccessibleName(self.tr("Shift"))
        details = muted_label(
            shift_summary(shift) + f" · {badge_text(shift)} · {fill_words(shift)}"
        )
        details.setAccessibleName(self.tr("Shift details"))
        self.message_bar = MessageBar(self)

        self.drop_out_row = QWidget()
        drop_layout = QHBoxLayout(self.drop_out_row)
        drop_layout.setContentsMargins(0, 0, 0, 0)
        self.drop_out_button = QPushButton(self.tr("Drop out…"))
        self.drop_out_button.setObjectName("cover-drop-out")
        self.drop_out_label = QLabel()
        if person is not None:
            self.drop_out_label.setText(
                self.tr("{name} can no longer do this shift?").format(name=person.name)
            )
            self.drop_out_button.setAccessibleName(
                self.tr("Take {name} off the shift").format(name=person.name)
            )
        drop_layout.addWidget(self.drop_out_label)
        drop_layout.addWidget(self.drop_out_button)
        drop_layout.addStretch(1)
        self.drop_out_row.setVisible(person is not None)
        self.drop_out_button.setEnabled(editable)

        self.candidate_model = RecordModel(
            [
                (self.tr("Name"), lambda c: c.name),
                (self.tr("Score"), lambda c: f"{c.score:.0f}"),
                (self.tr("Why them"), lambda c: "; ".join(c.reasons)),
                (self.tr("Warnings"), lambda c: "; ".join(f.message for f in c.findings)),
                (self.tr("Asked"), lambda c: answer_words(c.asked)),
            ],
            self,
        )
        self.candidate_view = _table(
            self.candidate_model, self.tr("Candidates, best first"), "cover-candidates"
        )
        for column, width in ((0, 130), (1, 50), (3, 130), (4, 70)):
            self.candidate_view.setColumnWidth(column, width)
        candidate_header = self.candidate_view.horizontalHeader()
        candidate_header.setStretchLastSection(False)
        candidate_header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.note_field = QLineEdit()
        self.note_field.setPlaceholderText(self.tr("Note (optional): how you asked"))
        self.note_field.setAccessibleName(self.tr("Note about the ask"))
        self.ask_button = QPushButton(self.tr("&Ask"))
        self.ask_button.setObjectName("cover-ask")
        self.ask_button.setAccessibleName(self.tr("Record that the chosen person was asked"))
        ask_row = QHBoxLayout()
        ask_row.addWidget(self.note_field, 1)
        ask_row.addWidget(self.ask_button)

        self.request_model = RecordModel(
            [
                (self.tr("Name"), lambda r: r.name),
                (self.tr("Asked"), lambda r: _short_time(r.asked_at)),
                (self.tr("Answer"), lambda r: answer_words(r.answer)),
            ],
            self,
        )
        self.request_view = _table(self.request_model, self.tr("Who was asked"), "cover-requests")
        self.request_view.setColumnWidth(0, 130)
        self.request_view.setColumnWidth(1, 120)
        self.yes_button = QPushButton(self.tr("&Yes"))
        self.yes_button.setObjectName("cover-yes")
        self.yes_button.setAccessibleName(self.tr("They said yes: put them on the shift"))
        self.no_button = QPushButton(self.tr("&No"))
        self.no_button.setObjectName("cover-no")
        self.no_button.setAccessibleName(self.tr("They said no"))
        self.no_reply_button = QPushButton(self.tr("No &reply"))
        self.no_reply_button.setObjectName("cover-no-reply")
        self.no_reply_button.setAccessibleName(self.tr("They did not reply"))
        answers = QHBoxLayout()
        answers.addWidget(QLabel(self.tr("Answer:")))
        answers.addWidget(self.yes_button)
        answers.addWidget(self.no_button)
        answers.addWidget(self.no_reply_button)
        answers.addStretch(1)
        self.waitlist = QListWidget()
        self.waitlist.setObjectName("cover-waitlist")
        self.waitlist.setAccessibleName(self.tr("Waitlist, first in line at the top"))
        self.waitlist.setMaximumHeight(120)

        left = QVBoxLayout()
        candidates_heading = _bold(self.tr("Who could cover, best first"))
        candidates_heading.setBuddy(self.candidate_view)
        left.addWidget(candidates_heading)
        left.addWidget(self.candidate_view, 1)
        left.addLayout(ask_row)
        right = QVBoxLayout()
        right.addWidget(_bold(self.tr("Asked so far")))
        right.addWidget(self.request_view, 1)
        right.addLayout(answers)
        right.addSpacing(8)
        right.addWidget(_bold(self.tr("Waitlist")))
        right.addWidget(self.waitlist)
        columns = QHBoxLayout()
        columns.setSpacing(16)
        columns.addLayout(left, 3)
        columns.addLayout(right, 2)
        self.close_button = QPushButton(self.tr("Close"))
        self.close_button.setAccessibleName(self.tr("Close"))
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.setSpacing(8)
        layout.addWidget(title)
        layout.addWidget(details)
        layout.addWidget(self.drop_out_row)
        layout.addWidget(self.message_bar)
        layout.addLayout(columns, 1)
        layout.addLayout(bottom)

        self.ask_button.clicked.connect(self.ask_chosen)
        self.yes_button.clicked.connect(lambda: self.answer_chosen("yes"))
        self.no_button.clicked.connect(lambda: self.answer_chosen("no"))
        self.no_reply_button.clicked.connect(lambda: self.answer_chosen("no_reply"))
        self.drop_out_button.clicked.connect(self.confirm_drop_out)
        self.close_button.clicked.connect(self.accept)
        self.candidate_view.selectionModel().currentRowChanged.connect(self._update_buttons)
        self.request_view.selectionModel().currentRowChanged.connect(self._update_buttons)
        scheduling.problem.connect(self._problem)
        self.reload()

    # Loading -------------------------------------------------------------------------------

    def reload(self) -> None:
        """Fetch candidates, asks and the waitlist again."""
        self.loading = True
        self._update_buttons()
        self.scheduling.load_cover(self.shift_id, self.occurrence_start, self._show)

    def _show(self, result: tuple[list[Any], list[Any], list[Any]]) -> None:
        candidates, requests, waitlist = result
        self.loading = False
        self.candidate_model.set_records(candidates)
        self.request_model.set_records(requests)
        self.waitlist.clear()
        for position, entry in enumerate(waitlist, start=1):
            name = entry[-1] if isinstance(entry, tuple) else getattr(entry, "name", entry)
            self.waitlist.addItem(f"{position}. {name}")
        if not waitlist:
            self.waitlist.addItem(self.tr("Nobody is waiting."))
        self._update_buttons()
        self.loaded.emit()

    def _problem(self, text: str) -> None:
        self.message_bar.show_message(text, problem=True)
        self.loading = False
        self._update_buttons()

    def _update_buttons(self, *_: Any) -> None:
        editable = not self.context.read_only and not self.loading
        candidate = self.chosen_candidate()
        self.ask_button.setEnabled(editable and candidate is not None)
        request = self.chosen_request()
        answerable = editable and request is not None and request.answer == "pending"
        for button in (self.yes_button, self.no_button, self.no_reply_button):
            button.setEnabled(answerable)

    def chosen_candidate(self) -> Any:
        """The candidate chosen in the list."""
        return self.candidate_model.record(self.candidate_view.currentIndex().row())

    def chosen_request(self) -> Any:
        """The ask chosen in the list."""
        return self.request_model.record(self.request_view.currentIndex().row())

    # Editing -------------------------------------------------------------------------------

    def ask_chosen(self) -> None:
        """Record that the chosen candidate was asked."""
        candidate = self.chosen_candidate()
        if candidate is None:
            return
        self.loading = True
        self._update_buttons()
        self.scheduling.ask(
            self.shift_id,
            self.occurrence_start,
            candidate.volunteer_id,
            candidate.name,
            self.note_field.text().strip(),
            on_done=lambda _: self._after_edit(),
        )
        self.note_field.clear()

    def answer_chosen(self, answer: str) -> None:
        """Record the chosen ask's answer."""
        request = self.chosen_request()
        if request is None:
            return
        self.loading = True
        self._update_buttons()
        self.scheduling.answer(request, answer, on_done=lambda _: self._after_edit())

    def confirm_drop_out(self) -> QMessageBox | None:
        """Ask before taking the person off; say who on the waitlist would get the place."""
        person = self.person
        if person is None or self.context.read_only:
            return None
        box = QMessageBox(self)
        box.setObjectName("cover-drop-out-confirm")
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(self.tr("Drop out"))
        box.setText(self.tr("Take {name} off this shift?").format(name=person.name))
        first = self.waitlist.item(0)
        waiting = self.waitlist.count() and first is not None and first.text()[:2] == "1."
        box.setInformativeText(
            self.tr("The first on the waitlist, {entry}, gets the place.").format(
                entry=first.text()[3:]
            )
            if waiting and first is not None
            else self.tr("Nobody is on the waitlist; the place will be open.")
        )
        confirm = box.addButton(self.tr("Drop out"), QMessageBox.ButtonRole.DestructiveRole)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setEscapeButton(cancel)

        def answered() -> None:
            if box.clickedButton() is confirm:
                self.drop_out_button.setEnabled(False)
                self.scheduling.drop_out(
                    person.assignment_id,
                    person.version,
                    person.name,
                    on_done=lambda _: self._after_edit(),
                )

        box.finished.connect(answered)
        box.open()
        self.drop_out_box = box
        return box

    def _after_edit(self) -> None:
        self.reload()


__all__ = ["CoverDialog", "RecordModel", "answer_words"]
