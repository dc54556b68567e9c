"""The import wizard: a spreadsheet of volunteers, step by step, with an undo at the end.

1. *File*: a CSV or XLSX file (and, for a workbook, which sheet).
2. *Columns*: which volunteer detail each column holds (remembered from the last file laid
   out the same way, else guessed from the headings), with the first rows as they will read.
3. *Check*: every row checked in the background (the dry run); problem rows with the
   reason, warnings, likely duplicates of people already there, sign-ups flagged for review.
   Any row can be left out; rows with problems must be.
4. *Import*: all rows in one go, then "Imported 214 volunteers" and "Undo this import".

The import is also on the undo stack (Edit ▸ Undo); an undo that is refused (someone has
been given shifts since) says why.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QFont, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from organizer.changes import DataChange
from organizer.errors import OrganizerError
from organizer.people.importing import (
    FIELD_LABELS,
    IGNORE,
    PREVIEW_ROWS,
    DateOrder,
    ImportPreview,
    ImportResult,
    VolunteerField,
    VolunteerImporter,
    guess_mapping,
    header_score,
    parse_date,
)
from organizer.people.tabular import Table, read_table, restore_cell
from organizer.ui.context import ViewContext
from organizer.ui.people.common import (
    FileField,
    Notice,
    ProgressRow,
    error_text,
    heading,
    is_top,
    muted,
    plural,
    run,
    tr,
)
from organizer.ui.people.models import (
    IMPORT,
    KIND,
    LINE,
    NAME,
    WHAT,
    IssueKind,
    IssuesModel,
    SampleModel,
    SampleRow,
    issues_of,
)
from organizer.ui.tones import Tone
from organizer.ui.undo import BackgroundCommand, push_done
from organizer.ui.volunteers.text import day_text

FILE, COLUMNS, CHECK, DONE = range(4)
READ_DELAY_MS = 250
NAME_FIELDS = (VolunteerField.NAME, VolunteerField.FIRST_NAME, VolunteerField.LAST_NAME)


@dataclass(frozen=True)
class LoadedFile:
    """A file read for the wizard, and the mapping it starts with."""

    path: Path
    table: Table
    mapping: dict[str, str]
    origin: str


def load_file(importer: VolunteerImporter, path: Path, sheet: str | None) -> LoadedFile:
    """Read ``path`` (one sheet of a workbook) and the mapping remembered or guessed for it."""
    table = read_table(path, sheet=sheet, header_score=header_score)
    remembered = importer.remembered_mapping(table.headers)
    if remembered is not None:
        return LoadedFile(path, table, remembered, "remembered")
    return LoadedFile(path, table, guess_mapping(table.headers), "guessed")


def mapping_problem(mapping: dict[str, str]) -> str:
    """Why a mapping cannot be used ("" when it can)."""
    targets = [target for target in mapping.values() if target]
    repeated = sorted({t for t in targets if targets.count(t) > 1})
    if repeated:
        label = FIELD_LABELS[VolunteerField(repeated[0])]
        return tr("More than one column is set to “{field}”. Choose one.").format(field=label)
    if not {field.value for field in NAME_FIELDS} & set(targets):
        return tr("Choose the column that holds the name (or first name and last name).")
    return ""


def likely_date_order(values: Sequence[str]) -> DateOrder | None:
    """Day or month first, when some date in ``values`` can only be read one way."""
    day_first = month_first = False
    for value in values:
        readings = []
        for order in (DateOrder.DAY_FIRST, DateOrder.MONTH_FIRST):
            try:
                parse_date(value, order)
            except ValueError:
                readings.append(False)
            else:
                readings.append(True)
        day_first |= readings == [True, False]
        month_first |= readings == [False, True]
    if day_first != month_first:
        return DateOrder.DAY_FIRST if day_first else DateOrder.MONTH_FIRST
    return None


def sample_of(
    table: Table, mapping: dict[str, str], order: DateOrder | None
) -> tuple[list[str], list[SampleRow]]:
    """The first rows as the mapping reads them: headings and one :class:`SampleRow` each.

    Without an ``order``, dates are read the way the file's own dates suggest.
    """
    column_of = {target: table.headers.index(h) for h, target in mapping.items() if target}
    joined = column_of.get(VolunteerField.JOINED_ON.value)
    if order is None and joined is not None:
        order = likely_date_order([row.get(joined) for row in table.rows if row.get(joined)])
    shown = [
        field for field in VolunteerField if field.value in column_of and field not in NAME_FIELDS
    ]
    headers = [FIELD_LABELS[VolunteerField.NAME], *(FIELD_LABELS[f] for f in shown)]
    rows: list[SampleRow] = []
    for raw in table.rows[:PREVIEW_ROWS]:

        def cell(field: VolunteerField, raw: Any = raw) -> str:
            index = column_of.get(field.value)
            return restore_cell(raw.get(index)).strip() if index is not None else ""

        parts = (cell(VolunteerField.FIRST_NAME), cell(VolunteerField.LAST_NAME))
        name = cell(VolunteerField.NAME) or " ".join(part for part in parts if part)
        cells = [" ".join(name.split()) or tr("⚠ no name")]
        notes = [""]
        for field in shown:
            text = cell(field)
            note = ""
            if field is VolunteerField.JOINED_ON and text:
                try:
                    text = day_text(parse_date(text, order or DateOrder.UNKNOWN))
                except ValueError as error:
                    note = str(error)
                    text = "⚠ " + text
            cells.append(text)
            notes.append(note)
        rows.append(SampleRow(raw.line, tuple(cells), tuple(notes)))
    return headers, rows


class ImportWizard(QDialog):
    """Imports volunteers from a CSV or XLSX file, in four steps (see the module).

    ``notify`` shows a message after the wizard has closed (an undo that was refused);
    ``imported`` carries the :class:`ImportResult`.
    """

    imported = Signal(object)

    def __init__(
        self,
        context: ViewContext,
        parent: QWidget | None = None,
        *,
        notify: Callable[[str], None] | None = None,
    ) -> None:
        """Open on the first step."""
        super().__init__(parent)
        self.context = context
        self.importer = context.services.importer
        self.notify = notify
        self.loaded: LoadedFile | None = None
        self.preview: ImportPreview | None = None
        self.import_result: ImportResult | None = None
        self.command: BackgroundCommand | None = None
        self.busy = False
        self._generation = 0
        self.combos: dict[str, QComboBox] = {}
        self.setWindowTitle(tr("Import volunteers"))
        self.setAccessibleName(tr("Import volunteers"))
        self.setObjectName("import-volunteers")
        self.resize(860, 620)

        self.pages = QStackedWidget()
        self.pages.setAccessibleName(tr("Import steps"))
        self.pages.addWidget(self._file_page())
        self.pages.addWidget(self._columns_page())
        self.pages.addWidget(self._check_page())
        self.pages.addWidget(self._done_page())

        self.step_label = QLabel()
        self.step_label.setAccessibleName(tr("Step"))
        self.step_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.back_button = QPushButton(tr("< &Back"))
        self.back_button.setAccessibleName(tr("Back"))
        self.next_button = QPushButton(tr("&Next >"))
        self.next_button.setAccessibleName(tr("Next"))
        self.next_button.setDefault(True)
        self.close_button = QPushButton(tr("Cancel"))
        self.close_button.setAccessibleName(tr("Close the import"))
        self.back_button.clicked.connect(self.back)
        self.next_button.clicked.connect(self.next)
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.step_label)
        buttons.addStretch(1)
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.next_button)
        buttons.addWidget(self.close_button)

        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 14)
        layout.addWidget(self.pages, 1)
        layout.addWidget(line)
        layout.addLayout(buttons)

        self.read_timer = QTimer(self)
        self.read_timer.setSingleShot(True)
        self.read_timer.setInterval(READ_DELAY_MS)
        self.read_timer.timeout.connect(self.read_file)
        self.context.undo_stack.indexChanged.connect(self._update_buttons)
        self.go_to(FILE)

    # Pages ---------------------------------------------------------------------------------

    def _file_page(self) -> QWidget:
        page = QWidget()
        page.setAccessibleName(tr("Choose the file"))
        self.file_field = FileField(
            tr("Spreadsheet file"),
            tr("Choose the spreadsheet to import"),
            tr("Spreadsheets (*.csv *.xlsx *.xlsm *.txt);;All files (*)"),
        )
        self.file_field.changed.connect(self._path_changed)
        self.sheet_label = QLabel(tr("&Sheet:"))
        self.sheet_combo = QComboBox()
        self.sheet_combo.setAccessibleName(tr("Sheet"))
        self.sheet_combo.setMinimumWidth(220)
        self.sheet_label.setBuddy(self.sheet_combo)
        self.sheet_combo.activated.connect(lambda _: self.read_file())
        self.file_state = muted("", tr("About the file"))
        self.file_problem = Notice(tr("Problem with the file"))
        file_label = QLabel(tr("&File:"))
        file_label.setBuddy(self.file_field.line)
        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(10)
        grid.addWidget(file_label, 0, 0)
        grid.addWidget(self.file_field, 0, 1)
        grid.addWidget(self.sheet_label, 1, 0)
        grid.addWidget(self.sheet_combo, 1, 1, Qt.AlignmentFlag.AlignLeft)
        grid.setColumnStretch(1, 1)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        layout.addWidget(heading(tr("Import volunteers from a spreadsheet")))
        layout.addWidget(
            muted(
                tr(
                    "Choose a CSV file or an Excel workbook (.xlsx) with one volunteer on each "
                    "row and a heading above each column, such as “Name”, “Email” and “Phone”. "
                    "Nothing is added until the last step, and you can undo the import."
                ),
                tr("What the file should look like"),
            )
        )
        layout.addSpacing(6)
        layout.addLayout(grid)
        layout.addWidget(self.file_state)
        layout.addWidget(self.file_problem)
        layout.addStretch(1)
        self._show_sheets(())
        return page

    def _columns_page(self) -> QWidget:
        page = QWidget()
        page.setAccessibleName(tr("Match the columns"))
        self.origin_note = muted("", tr("Where the matching comes from"))
        self.columns_box = QWidget()
        self.columns_box.setAccessibleName(tr("Columns in the file"))
        self.columns_grid = QGridLayout(self.columns_box)
        self.columns_grid.setHorizontalSpacing(14)
        self.columns_grid.setVerticalSpacing(6)
        scroll = QScrollArea()
        scroll.setAccessibleName(tr("Columns in the file"))
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.columns_box)
        self.date_order = QComboBox()
        self.date_order.setAccessibleName(tr("How dates are written"))
        self.date_order.addItem(tr("Work it out from the file"), None)
        self.date_order.addItem(tr("Day first (03/04/2024 is 3 April)"), DateOrder.DAY_FIRST)
        self.date_order.addItem(tr("Month first (03/04/2024 is March 4)"), DateOrder.MONTH_FIRST)
        self.date_order.currentIndexChanged.connect(lambda _: self._mapping_changed())
        date_row = QHBoxLayout()
        date_label = QLabel(tr("&Dates such as 03/04/2024 are written:"))
        date_label.setBuddy(self.date_order)
        date_row.addWidget(date_label)
        date_row.addWidget(self.date_order)
        self.date_hint = muted("", tr("How this file writes dates"))
        self.date_hint.setWordWrap(False)
        date_row.addWidget(self.date_hint)
        date_row.addStretch(1)
        self.mapping_notice = Notice(tr("Problem with the columns"))
        self.sample_model = SampleModel(self)
        self.sample_view = QTableView()
        self.sample_view.setAccessibleName(tr("The first rows as they will be imported"))
        self.sample_view.setModel(self.sample_model)
        self.sample_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.sample_view.setWordWrap(False)
        self.sample_view.horizontalHeader().setStretchLastSection(True)
        self.sample_view.horizontalHeader().setMinimumSectionSize(90)
        self.sample_view.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.sample_view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        sample_label = QLabel(tr("The first rows, as they will be imported:"))
        sample_label.setAccessibleName(tr("Sample heading"))
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        layout.addWidget(heading(tr("Which column is which?")))
        layout.addWidget(self.origin_note)
        layout.addWidget(scroll, 3)
        layout.addLayout(date_row)
        layout.addWidget(self.mapping_notice)
        layout.addWidget(sample_label)
        layout.addWidget(self.sample_view, 2)
        return page

    def _check_page(self) -> QWidget:
        page = QWidget()
        page.setAccessibleName(tr("Check the rows"))
        self.check_heading = heading(tr("Checking every row…"))
        self.check_progress = ProgressRow(tr("Checking progress"))
        self.check_summary = Notice(tr("Check result"))
        self.issues_model = IssuesModel(self)
        self.issues_model.dataChanged.connect(lambda *_: self._update_buttons())
        self.issues_view = QTableView()
        self.issues_view.setAccessibleName(tr("Rows to look at"))
        self.issues_view.setModel(self.issues_model)
        self.issues_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.issues_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.issues_view.setWordWrap(True)
        self.issues_view.setAlternatingRowColors(True)
        self.issues_view.verticalHeader().hide()
        header = self.issues_view.horizontalHeader()
        header.setSectionResizeMode(IMPORT, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(LINE, QHeaderView.ResizeMode.ResizeToContents)
        header.resizeSection(NAME, 170)
        header.setSectionResizeMode(KIND, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(WHAT, QHeaderView.ResizeMode.Stretch)
        self.issues_view.verticalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.leave_out_check = QCheckBox()
        self.leave_out_check.setAccessibleName(tr("Leave out the rows with problems"))
        self.leave_out_check.toggled.connect(lambda _: self._update_buttons())
        self.check_again_button = QPushButton(tr("Check &again"))
        self.check_again_button.setAccessibleName(tr("Check the file again"))
        self.check_again_button.setToolTip(tr("After fixing the file, read it again"))
        self.check_again_button.clicked.connect(self.check)
        choices = QHBoxLayout()
        choices.addWidget(self.leave_out_check)
        choices.addStretch(1)
        choices.addWidget(self.check_again_button)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        layout.addWidget(self.check_heading)
        layout.addWidget(self.check_progress)
        layout.addWidget(self.check_summary)
        layout.addWidget(self.issues_view, 1)
        self.issues_gap = QWidget()  # takes the table's room while there is nothing to list
        self.issues_gap.setAccessibleName(tr("Nothing to look at"))
        layout.addWidget(self.issues_gap, 1)
        layout.addLayout(choices)
        return page

    def _done_page(self) -> QWidget:
        page = QWidget()
        page.setAccessibleName(tr("Import"))
        self.done_heading = heading(tr("Importing…"))
        self.import_progress = ProgressRow(tr("Import progress"))
        self.outcome = QLabel()
        self.outcome.setAccessibleName(tr("What was imported"))
        self.outcome.setWordWrap(True)
        font = QFont(self.outcome.font())
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.outcome.setFont(font)
        self.outcome_note = muted("", tr("More about the import"))
        self.undo_button = QPushButton(tr("&Undo this import"))
        self.undo_button.setAccessibleName(tr("Undo this import"))
        self.undo_button.setToolTip(tr("Remove the volunteers this import added"))
        self.undo_button.clicked.connect(self.undo_import)
        self.undo_button.hide()
        self.done_notice = Notice(tr("Import message"))
        row = QHBoxLayout()
        row.addWidget(self.undo_button)
        row.addStretch(1)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        layout.addWidget(self.done_heading)
        layout.addWidget(self.import_progress)
        layout.addWidget(self.outcome)
        layout.addWidget(self.outcome_note)
        layout.addLayout(row)
        layout.addWidget(self.done_notice)
        layout.addStretch(1)
        return page

    # Moving between steps ----------------------------------------------------------------------

    @property
    def step(self) -> int:
        """The step on show (FILE, COLUMNS, CHECK or DONE)."""
        return self.pages.currentIndex()

    def go_to(self, step: int) -> None:
        """Show ``step``."""
        self.pages.setCurrentIndex(step)
        self.step_label.setText(tr("Step {step} of 4").format(step=step + 1))
        if step == COLUMNS:
            self._show_mapping()
        self._update_buttons()

    def back(self) -> None:
        """One step back (not while working, nor after importing)."""
        if not self.busy and self.step in (COLUMNS, CHECK):
            self.go_to(self.step - 1)

    def next(self) -> None:
        """The next step: match columns, check, import."""
        if self.busy:
            return
        if self.step == FILE and self._file_ready():
            self.go_to(COLUMNS)
        elif self.step == COLUMNS and not mapping_problem(self.mapping()):
            self.go_to(CHECK)
            self.check()
        elif self.step == CHECK and self._can_import():
            self.apply()
        elif self.step == DONE:
            self.accept()

    def _update_buttons(self) -> None:
        step = self.step
        self.back_button.setVisible(step != DONE)
        self.back_button.setEnabled(not self.busy and step in (COLUMNS, CHECK))
        if step == FILE:
            self.next_button.setText(tr("&Next >"))
            self.next_button.setEnabled(not self.busy and self._file_ready())
        elif step == COLUMNS:
            self.next_button.setText(tr("&Check the rows >"))
            self.next_button.setEnabled(not mapping_problem(self.mapping()))
        elif step == CHECK:
            count = self._count_to_import()
            self.next_button.setText(
                plural(count, tr("&Import 1 volunteer"), tr("&Import {count} volunteers"))
            )
            self.next_button.setEnabled(self._can_import())
        else:
            self.next_button.setText(tr("&Done"))
            self.next_button.setEnabled(not self.busy)
        self.next_button.setAccessibleName(self.next_button.text().replace("&", ""))
        self.close_button.setText(tr("Close") if step == DONE else tr("Cancel"))
        self.close_button.setVisible(step != DONE or self.busy)
        self.undo_button.setEnabled(
            self.command is not None
            and not self.command.running
            and is_top(self.context.undo_stack, self.command)
            and not self.context.read_only
        )

    # Step 1: the file -----------------------------------------------------------------------------

    def _path_changed(self, _: str) -> None:
        self._generation += 1
        self.loaded = None
        self._show_sheets(())
        self.file_problem.say("")
        self.file_state.setText("")
        self.read_timer.start()
        self._update_buttons()

    def read_file(self) -> None:
        """Read the chosen file (and sheet) in the background."""
        self.read_timer.stop()
        path = self.file_field.path()
        if path is None:
            return
        sheet = self.sheet_combo.currentText() if self.sheet_combo.count() else None
        self._generation += 1
        generation = self._generation
        self.file_state.setText(tr("Reading {name}…").format(name=path.name))
        self.busy = True
        self._update_buttons()
        importer = self.importer

        def done(loaded: LoadedFile) -> None:
            if generation != self._generation:
                return
            self.busy = False
            self.loaded = loaded
            self._show_sheets(loaded.table.sheets, loaded.table.sheet)
            self.file_state.setText(self._describe(loaded.table))
            self._update_buttons()

        def failed(error: Exception) -> None:
            if generation != self._generation:
                return
            self.busy = False
            self.file_state.setText("")
            self.file_problem.say(error_text(error), Tone.ALERT)
            self._update_buttons()

        run(self, self.context, lambda: load_file(importer, path, sheet), done, failed)

    def _describe(self, table: Table) -> str:
        rows = plural(len(table.rows), tr("1 row"), tr("{count} rows"))
        columns = plural(len(table.headers), tr("1 column"), tr("{count} columns"))
        where = tr("on sheet “{sheet}”").format(sheet=table.sheet) if table.sheet else ""
        text = " ".join(part for part in (rows, tr("and"), columns, where) if part) + "."
        if table.encoding and table.encoding.lower() not in ("utf-8", "utf_8", "ascii"):
            text += " " + tr("The text was read as {encoding}.").format(encoding=table.encoding)
        return text

    def _show_sheets(self, sheets: Sequence[str], current: str | None = None) -> None:
        self.sheet_combo.blockSignals(True)
        self.sheet_combo.clear()
        self.sheet_combo.addItems(list(sheets))
        if current:
            self.sheet_combo.setCurrentText(current)
        self.sheet_combo.blockSignals(False)
        self.sheet_label.setVisible(bool(sheets))
        self.sheet_combo.setVisible(bool(sheets))

    def _file_ready(self) -> bool:
        return self.loaded is not None and self.loaded.path == self.file_field.path()

    # Step 2: the columns --------------------------------------------------------------------------

    def _show_mapping(self) -> None:
        loaded = self.loaded
        if loaded is None:
            return
        if loaded.origin == "remembered":
            self.origin_note.setText(
                tr(
                    "These columns are matched the way you chose the last time you imported a "
                    "file laid out like this one. Check them, then go on."
                )
            )
        else:
            self.origin_note.setText(
                tr(
                    "Organizer matched the columns by their headings. Check each one, and "
                    "choose “Don't import” for anything you don't want to keep."
                )
            )
        if set(self.combos) != set(loaded.table.headers):
            self._build_columns(loaded)
        self._mapping_changed()

    def _build_columns(self, loaded: LoadedFile) -> None:
        while self.columns_grid.count():
            item = self.columns_grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.combos.clear()
        for column, title in enumerate(
            (tr("Column in the file"), tr("Imports as"), tr("For example"))
        ):
            label = QLabel(title)
            label.setAccessibleName(title)
            bold = QFont(label.font())
            bold.setBold(True)
            label.setFont(bold)
            self.columns_grid.addWidget(label, 0, column)
        table = loaded.table
        for row, header in enumerate(table.headers, start=1):
            index = table.headers.index(header)
            example = next(
                (restore_cell(r.get(index)) for r in table.rows if r.get(index).strip()), ""
            )
            name = QLabel(header)
            name.setAccessibleName(tr("Column “{header}”").format(header=header))
            shown = self.fontMetrics().elidedText(example, Qt.TextElideMode.ElideRight, 220)
            sample = QLabel(shown)
            sample.setAccessibleName(tr("Example from “{header}”").format(header=header))
            sample.setForegroundRole(self.origin_note.foregroundRole())
            sample.setToolTip(example)
            combo = QComboBox()
            combo.setAccessibleName(tr("Import “{header}” as").format(header=header))
            combo.addItem(tr("Don't import"), IGNORE)
            for field, label_text in FIELD_LABELS.items():
                combo.addItem(label_text, field.value)
            combo.setCurrentIndex(max(combo.findData(loaded.mapping.get(header, IGNORE)), 0))
            combo.currentIndexChanged.connect(lambda _: self._mapping_changed())
            self.columns_grid.addWidget(name, row, 0)
            self.columns_grid.addWidget(combo, row, 1)
            self.columns_grid.addWidget(sample, row, 2)
            self.combos[header] = combo
        self.columns_grid.setColumnStretch(2, 1)
        self.columns_grid.setRowStretch(len(table.headers) + 1, 1)

    def mapping(self) -> dict[str, str]:
        """Each heading of the file with the field it imports as ("" for none)."""
        return {header: str(combo.currentData()) for header, combo in self.combos.items()}

    def _date_hint(self, table: Table, mapping: dict[str, str]) -> str:
        if self.chosen_date_order() is not None:
            return ""
        headers = [h for h, target in mapping.items() if target == VolunteerField.JOINED_ON]
        if not headers:
            return ""
        index = table.headers.index(headers[0])
        found = likely_date_order([row.get(index) for row in table.rows if row.get(index)])
        if found is DateOrder.DAY_FIRST:
            return tr("(this file writes the day first)")
        if found is DateOrder.MONTH_FIRST:
            return tr("(this file writes the month first)")
        return ""

    def chosen_date_order(self) -> DateOrder | None:
        """How dates such as 03/04/2024 are to be read (``None``: worked out from the file)."""
        data = self.date_order.currentData()
        return DateOrder(data) if data else None

    def set_field(self, header: str, field: VolunteerField | str) -> None:
        """Import column ``header`` as ``field`` ("" for not at all)."""
        value = field.value if isinstance(field, VolunteerField) else field
        combo = self.combos[header]
        combo.setCurrentIndex(combo.findData(value))

    def _mapping_changed(self) -> None:
        loaded = self.loaded
        if loaded is None:
            return
        mapping = self.mapping()
        problem = mapping_problem(mapping)
        self.mapping_notice.say(problem, Tone.ALERT)
        headers, rows = sample_of(loaded.table, mapping, self.chosen_date_order())
        self.date_hint.setText(self._date_hint(loaded.table, mapping))
        self.sample_model.set_sample(headers, rows)
        self.preview = None
        self._update_buttons()

    # Step 3: checking -------------------------------------------------------------------------

    def check(self) -> None:
        """Check every row in the background (nothing is written)."""
        loaded = self.loaded
        if loaded is None or self.busy:
            return
        self.preview = None
        self.busy = True
        self.issues_model.set_items([])
        self.check_summary.say("")
        self.leave_out_check.hide()
        self.check_heading.setText(tr("Checking every row…"))
        cancel = self.check_progress.start(tr("Reading the file"))
        self._update_buttons()
        importer = self.importer
        mapping = self.mapping()
        order = self.chosen_date_order()

        def work(progress: Callable[[str, float], None]) -> ImportPreview:
            return importer.preview(
                loaded.path,
                mapping=mapping,
                sheet=loaded.table.sheet,
                date_order=order,
                progress=progress,
                cancel=cancel,
            )

        run(self, self.context, work, self._checked, self._check_failed, self.check_progress.report)

    def _checked(self, preview: ImportPreview) -> None:
        self.busy = False
        self.check_progress.stop()
        self.preview = preview
        issues = issues_of(preview)
        self.issues_model.set_items(issues)
        self.issues_view.setVisible(bool(issues))
        self.issues_gap.setVisible(not issues)
        problems = sum(1 for issue in issues if issue.kind == IssueKind.PROBLEM)
        duplicates = sum(1 for issue in issues if issue.kind == IssueKind.DUPLICATE)
        spam = len(preview.spam_lines)
        ready = len(preview.rows) - problems
        parts = [
            plural(ready, tr("1 row is ready to import."), tr("{count} rows are ready to import."))
        ]
        if problems:
            parts.append(
                plural(
                    problems,
                    tr("1 row has a problem and cannot be imported as it is."),
                    tr("{count} rows have problems and cannot be imported as they are."),
                )
            )
        if duplicates:
            parts.append(
                plural(
                    duplicates,
                    tr("1 row may be someone already there."),
                    tr("{count} rows may be people already there."),
                )
            )
        if spam:
            parts.append(
                plural(
                    spam,
                    tr("1 looks like a bot sign-up and will be flagged for review."),
                    tr("{count} look like bot sign-ups and will be flagged for review."),
                )
            )
        if len(issues) > problems:
            parts.append(tr("Untick any row below you would rather leave out."))
        tone = Tone.ALERT if problems else Tone.WARN if issues else Tone.GOOD
        self.check_summary.say(" ".join(parts), tone)
        self.check_heading.setText(
            tr("Ready to import") if not problems else tr("Some rows need attention")
        )
        self.leave_out_check.setText(
            plural(
                problems,
                tr("Leave out the row with a problem and import the rest"),
                tr("Leave out the {count} rows with problems and import the rest"),
            )
        )
        self.leave_out_check.setChecked(False)
        self.leave_out_check.setVisible(bool(problems))
        self.issues_view.resizeRowsToContents()
        self._update_buttons()

    def _check_failed(self, error: Exception) -> None:
        self.busy = False
        self.check_progress.stop()
        self.check_heading.setText(tr("The file could not be checked"))
        self.check_summary.say(error_text(error), Tone.ALERT)
        self._update_buttons()

    def _count_to_import(self) -> int:
        if self.preview is None:
            return 0
        left_out = self.issues_model.left_out()
        return sum(1 for row in self.preview.rows if row.line not in left_out)

    def _can_import(self) -> bool:
        preview = self.preview
        if preview is None or self.busy or self.context.read_only:
            return False
        if not preview.ok and not self.leave_out_check.isChecked():
            return False
        return self._count_to_import() > 0

    # Step 4: importing ------------------------------------------------------------------------

    def apply(self) -> None:
        """Import every row not left out, in the background."""
        preview = self.preview
        if preview is None:
            return
        leave_out = frozenset(self.issues_model.left_out())
        self.busy = True
        self.go_to(DONE)
        self.done_heading.setText(tr("Importing…"))
        self.outcome.setText("")
        cancel = self.import_progress.start(tr("Importing"))
        self._update_buttons()
        importer = self.importer
        context = self.context
        wizard = self
        fallback = self.notify

        def notify(error: OrganizerError) -> None:
            text = tr("The import could not be undone: {reason}").format(reason=error_text(error))
            if shiboken6.isValid(wizard) and wizard.isVisible():
                wizard.done_notice.say(text, Tone.ALERT)
                wizard._update_buttons()
            elif fallback is not None:
                fallback(text)

        def work(progress: Callable[[str, float], None]) -> ImportResult:
            return importer.apply(preview, leave_out=leave_out, progress=progress, cancel=cancel)

        def done(result: ImportResult) -> None:
            # The import happened even if the wizard has closed: it must reach the undo stack.
            command = _import_command(context, preview, leave_out, result, notify)
            push_done(context.undo_stack, command)
            if shiboken6.isValid(self):
                self._imported(result, command)

        def failed(error: Exception) -> None:
            if not isinstance(error, OrganizerError):
                raise error
            if shiboken6.isValid(self):
                self._import_failed(error)

        def report(stage: str, fraction: float) -> None:
            if shiboken6.isValid(self):
                self.import_progress.report(stage, fraction)

        context.submit_edit(work, on_done=done, on_error=failed, on_progress=report)

    def _imported(self, result: ImportResult, command: BackgroundCommand) -> None:
        self.busy = False
        self.import_result = result
        self.command = command
        command.on_undone = self._undone
        command.on_redone = self._redone
        self.import_progress.stop()
        self.done_heading.setText(tr("Done"))
        self.outcome.setText(
            plural(
                result.created,
                tr("Imported 1 volunteer from {source}."),
                tr("Imported {count} volunteers from {source}."),
                source=result.source,
            )
        )
        notes = []
        if result.flagged_for_review:
            notes.append(
                plural(
                    result.flagged_for_review,
                    tr("1 looks like a bot sign-up and is flagged for review."),
                    tr("{count} look like bot sign-ups and are flagged for review."),
                )
                + " "
                + tr("See “Review flagged sign-ups” on the Volunteers page.")
            )
        notes.append(
            tr("Changed your mind? “Undo this import” removes them again (so does Edit ▸ Undo).")
        )
        self.outcome_note.setText(" ".join(notes))
        self.undo_button.show()
        self.imported.emit(result)
        self._update_buttons()

    def _import_failed(self, error: OrganizerError) -> None:
        self.busy = False
        self.import_progress.stop()
        self.check_summary.say(error_text(error), Tone.ALERT)
        self.go_to(CHECK)

    def undo_import(self) -> None:
        """Remove the volunteers this import added (through the undo stack)."""
        command = self.command
        if command is None or not is_top(self.context.undo_stack, command):
            return
        self.done_notice.say(tr("Undoing the import…"))
        self.context.undo_stack.request_undo()
        self._update_buttons()

    def _undone(self, removed: int) -> None:
        if not shiboken6.isValid(self):
            return
        self.done_heading.setText(tr("Import undone"))
        self.outcome.setText(
            plural(
                removed,
                tr("The import was undone: 1 volunteer was removed."),
                tr("The import was undone: {count} volunteers were removed."),
            )
        )
        self.outcome_note.setText(tr("Edit ▸ Redo imports them again."))
        self.done_notice.say("")
        self._update_buttons()

    def _redone(self, result: ImportResult) -> None:
        if shiboken6.isValid(self):
            self._imported(result, self.command or _never())
            self.done_notice.say("")

    # Closing ----------------------------------------------------------------------------------

    def reject(self) -> None:
        """Close; a check or an import under way is cancelled (nothing is changed)."""
        if self.busy:
            self.check_progress.flag.requested = True
            self.import_progress.flag.requested = True
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Closing the window is the same as Cancel."""
        if self.busy:
            self.check_progress.flag.requested = True
            self.import_progress.flag.requested = True
        super().closeEvent(event)


def _never() -> BackgroundCommand:
    raise AssertionError("a redone import always has its command")


def _import_command(
    context: ViewContext,
    preview: ImportPreview,
    leave_out: frozenset[int],
    result: ImportResult,
    on_error: Callable[[OrganizerError], None],
) -> BackgroundCommand:
    """The undo-stack entry of an import: undo deletes what it added, redo imports again."""
    importer = context.services.importer
    batch = {"id": result.batch_id}

    def undo() -> int:
        return int(importer.undo(batch["id"]))

    def redo() -> ImportResult:
        again: ImportResult = importer.apply(preview, leave_out=leave_out)
        batch["id"] = again.batch_id
        return again

    text = plural(
        result.created,
        tr("Import 1 volunteer from {source}"),
        tr("Import {count} volunteers from {source}"),
        source=result.source,
    )
    return BackgroundCommand(
        text, context, redo, undo, DataChange.of(context.actor, "volunteer"), on_error
    )
