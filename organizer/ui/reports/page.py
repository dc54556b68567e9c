"""The Reports page: pick a report, a period and a cause; read the table and chart; export.

Reports are worked out on the background worker (the newest request wins); CSV and PDF
files are written from the table on show.  With hours or no-shows by volunteer, a row can
be turned into that volunteer's hours letter.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QEvent, QLocale, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from organizer.changes import DataChange
from organizer.errors import OrganizerError
from organizer.reports.hours import Period, ReportKind, ReportService
from organizer.reports.letters import hours_letter
from organizer.reports.tables import Table, write_csv
from organizer.ui.context import ViewContext
from organizer.ui.reports.chart import ReportChart
from organizer.ui.reports.documents import default_name, letter_html, report_html, write_pdf
from organizer.ui.reports.model import KEY_ROLE, ReportTableModel
from organizer.ui.roster.widgets import MessageBar, heading_label, muted_label

WATCHED = ("assignment", "event", "shift", "volunteer", "cause")
PRESETS = ("This month", "Last month", "Last 3 months", "This year", "Custom")


def preset_period(name: str, today: date) -> Period | None:
    """The period a preset names, counted from ``today`` (None for "Custom")."""
    month = today.replace(day=1)
    if name == "This month":
        following = (month + timedelta(days=32)).replace(day=1)
        return Period(month, following - timedelta(days=1))
    if name == "Last month":
        last = month - timedelta(days=1)
        return Period(last.replace(day=1), last)
    if name == "Last 3 months":
        start = month
        for _ in range(2):
            start = (start - timedelta(days=1)).replace(day=1)
        return Period(start, today)
    if name == "This year":
        return Period(today.replace(month=1, day=1), today)
    return None


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _day(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


ROWS_MEASURED = 60
"""How many rows the report table's column widths are fitted to."""


class ReportsPage(QWidget):
    """Hours, no-shows and coverage over a period, as a table and a chart.

    Signals: ``loaded()`` whenever a report is on show, ``status_message(str)`` after an
    export.
    """

    loaded = Signal()
    status_message = Signal(str)

    def __init__(
        self,
        context: ViewContext,
        parent: QWidget | None = None,
        *,
        today: Any = date.today,
    ) -> None:
        """Show last month's hours by volunteer for ``context``'s database."""
        super().__init__(parent)
        self.context = context
        self.reports = ReportService(context.services.assignments.db, context.actor)
        self.today = today
        self.table: Table | None = None
        self._request = 0
        self._stale = True
        self.setObjectName("page-reports")
        self.setAccessibleName(self.tr("Reports"))

        self.heading = heading_label(self.tr("Reports"), 1.35)
        self.kind_box = QComboBox()
        self.kind_box.setObjectName("report-kind")
        self.kind_box.setAccessibleName(self.tr("Report"))
        for kind in ReportKind:
            self.kind_box.addItem(self.tr(kind.heading), kind.value)
        self.preset_box = QComboBox()
        self.preset_box.setObjectName("report-preset")
        self.preset_box.setAccessibleName(self.tr("Period"))
        for name in PRESETS:
            self.preset_box.addItem(self.tr(name), name)
        self.first_edit = self._date_edit("report-from", self.tr("From"))
        self.last_edit = self._date_edit("report-to", self.tr("To"))
        self.cause_box = QComboBox()
        self.cause_box.setObjectName("report-cause")
        self.cause_box.setAccessibleName(self.tr("Cause"))
        self.cause_box.setMinimumWidth(150)
        self.cause_box.addItem(self.tr("All causes"), None)

        self.title_label = heading_label("", 1.1)
        self.title_label.setObjectName("report-title")
        self.subtitle_label = muted_label()
        self.message_bar = MessageBar(self)
        self.model = ReportTableModel(self)
        self.view = QTableView()
        self.view.setObjectName("report-table")
        self.view.setAccessibleName(self.tr("Report table"))
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setAlternatingRowColors(True)
        self.view.verticalHeader().hide()
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # Columns fit the first rows: measuring thousands held the window for a third of a
        # second each time a report arrived.
        header.setResizeContentsPrecision(ROWS_MEASURED)
        self.chart = ReportChart()

        self.csv_button = QPushButton(self.tr("Export CSV…"))
        self.csv_button.setObjectName("report-csv")
        self.pdf_button = QPushButton(self.tr("Export PDF…"))
        self.pdf_button.setObjectName("report-pdf")
        self.letter_button = QPushButton(self.tr("Hours letter…"))
        self.letter_button.setObjectName("report-letter")
        self.letter_button.setToolTip(self.tr("A one-page letter of the chosen volunteer's hours"))

        self._lay_out()
        self._connect()
        self.preset_box.setCurrentIndex(PRESETS.index("Last month"))
        self._apply_preset()
        self._update_buttons()
        self._load_causes()

    def _date_edit(self, name: str, label: str) -> QDateEdit:
        edit = QDateEdit()
        edit.setObjectName(name)
        edit.setAccessibleName(label)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("d MMM yyyy")
        return edit

    def _lay_out(self) -> None:
        # Long report names may shorten rather than make the page wider than a small laptop.
        for box, letters in ((self.kind_box, 13), (self.preset_box, 9), (self.cause_box, 10)):
            box.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            box.setMinimumContentsLength(letters)
        self.cause_box.setMinimumWidth(0)
        choices = QHBoxLayout()
        choices.setSpacing(4)
        for text, widget in (
            (self.tr("&Report:"), self.kind_box),
            (self.tr("&Period:"), self.preset_box),
            (self.tr("&From"), self.first_edit),
            (self.tr("&to"), self.last_edit),
            (self.tr("&Cause:"), self.cause_box),
        ):
            label = QLabel(text)
            label.setBuddy(widget)
            if choices.count():
                choices.addSpacing(4)
            choices.addWidget(label)
            choices.addWidget(widget)
        choices.addStretch(1)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.view)
        splitter.addWidget(self.chart)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([640, 420])

        actions = QHBoxLayout()
        actions.addWidget(self.letter_button)
        actions.addStretch(1)
        actions.addWidget(self.csv_button)
        actions.addWidget(self.pdf_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(8)
        layout.addWidget(self.heading)
        layout.addLayout(choices)
        layout.addWidget(self.message_bar)
        layout.addWidget(self.title_label)
        layout.addWidget(self.subtitle_label)
        layout.addWidget(splitter, 1)
        layout.addLayout(actions)

    def _connect(self) -> None:
        self.kind_box.currentIndexChanged.connect(self.refresh)
        self.cause_box.currentIndexChanged.connect(self.refresh)
        self.preset_box.currentIndexChanged.connect(self._apply_preset)
        self.first_edit.dateChanged.connect(self._dates_edited)
        self.last_edit.dateChanged.connect(self._dates_edited)
        self.csv_button.clicked.connect(self._ask_csv)
        self.pdf_button.clicked.connect(self._ask_pdf)
        self.letter_button.clicked.connect(self._ask_letter)
        self.view.selectionModel().selectionChanged.connect(self._update_buttons)
        self.context.hub.changed.connect(self._data_changed)

    # Choosing ------------------------------------------------------------------------------

    def kind(self) -> ReportKind:
        """The report chosen."""
        return ReportKind(self.kind_box.currentData())

    def period(self) -> Period | None:
        """The period chosen, or None while it ends before it starts."""
        first, last = _day(self.first_edit.date()), _day(self.last_edit.date())
        return Period(first, last) if first <= last else None

    def cause_ids(self) -> list[int] | None:
        """The cause chosen, or None for all."""
        chosen = self.cause_box.currentData()
        return None if chosen is None else [int(chosen)]

    def choose(self, kind: ReportKind, first: date, last: date) -> None:
        """Choose a report and a custom period (as a coordinator would)."""
        self.kind_box.blockSignals(True)
        self.kind_box.setCurrentIndex(self.kind_box.findData(kind.value))
        self.kind_box.blockSignals(False)
        self.preset_box.blockSignals(True)
        self.preset_box.setCurrentIndex(PRESETS.index("Custom"))
        self.preset_box.blockSignals(False)
        self._set_dates(first, last)
        self.refresh()

    def _apply_preset(self) -> None:
        period = preset_period(str(self.preset_box.currentData()), self.today())
        if period is not None:
            self._set_dates(period.first, period.last)
            self.refresh()

    def _set_dates(self, first: date, last: date) -> None:
        for edit, day in ((self.first_edit, first), (self.last_edit, last)):
            edit.blockSignals(True)
            edit.setDate(_qdate(day))
            edit.blockSignals(False)

    def _dates_edited(self) -> None:
        self.preset_box.blockSignals(True)
        self.preset_box.setCurrentIndex(PRESETS.index("Custom"))
        self.preset_box.blockSignals(False)
        self.refresh()

    # Loading -------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Work the chosen report out again (on the worker)."""
        period = self.period()
        if period is None:
            self.message_bar.show_message(
                self.tr("The period must end on or after its start."), problem=True
            )
            return
        self._request += 1
        request, kind, causes, reports = self._request, self.kind(), self.cause_ids(), self.reports
        self._stale = False
        self.context.worker.submit(
            lambda: (request, reports.table(kind, period, causes)),
            on_done=self._show,
            on_error=self._report_error,
        )

    def _show(self, result: tuple[int, Table]) -> None:
        request, table = result
        if request != self._request:
            return
        self.table = table
        self.title_label.setText(table.title)
        count = len(table.rows)
        self.subtitle_label.setText(
            f"{table.subtitle} · "
            + (
                self.tr("nothing recorded")
                if not count
                else self.tr("{count} rows").format(count=QLocale().toString(count))
                if count > 1
                else self.tr("1 row")
            )
        )
        self.model.set_table(table)
        if table.columns:  # the name (or week) column takes the spare width
            self.view.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.chart.set_table(table)
        self._update_buttons()
        self.loaded.emit()

    def _load_causes(self) -> None:
        causes = self.context.services.causes
        self.context.worker.submit(
            causes.list, on_done=self._show_causes, on_error=self._report_error
        )

    def _show_causes(self, causes: list[Any]) -> None:
        chosen = self.cause_box.currentData()
        self.cause_box.blockSignals(True)
        while self.cause_box.count() > 1:
            self.cause_box.removeItem(1)
        for cause in causes:
            self.cause_box.addItem(cause.name, cause.id)
        self.cause_box.setCurrentIndex(max(self.cause_box.findData(chosen), 0))
        self.cause_box.blockSignals(False)

    def _data_changed(self, change: DataChange) -> None:
        if change.touches("cause"):
            self._load_causes()
        if change.touches(*WATCHED):
            if self.isVisible():
                self.refresh()
            else:
                self._stale = True

    def showEvent(self, event: QShowEvent) -> None:
        """Load the report the first time (and after changes made while hidden)."""
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def changeEvent(self, event: QEvent) -> None:
        """Redraw the chart in new palette colours."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self.chart.update()

    # Exporting -----------------------------------------------------------------------------

    def selected_volunteer(self) -> int | None:
        """The volunteer of the chosen row, in per-volunteer reports."""
        rows = self.view.selectionModel().selectedRows()
        if not rows:
            return None
        key = rows[0].data(KEY_ROLE)
        return int(key) if key is not None else None

    def _update_buttons(self) -> None:
        has_rows = bool(self.table and self.table.rows)
        self.csv_button.setEnabled(has_rows)
        self.pdf_button.setEnabled(has_rows)
        self.letter_button.setEnabled(self.selected_volunteer() is not None)

    def export_csv(self, path: Path) -> None:
        """Write the report on show to ``path`` as CSV."""
        if self.table is None:
            return
        try:
            write_csv(self.table, path)
        except OrganizerError as error:
            self.message_bar.show_message(str(error), problem=True)
            return
        self.status_message.emit(self.tr("Saved the report to {path}.").format(path=path))

    def export_pdf(self, path: Path) -> None:
        """Write the report on show to ``path`` as a PDF."""
        if self.table is None:
            return
        try:
            write_pdf(report_html(self.table), path, self.table.title)
        except OrganizerError as error:
            self.message_bar.show_message(str(error), problem=True)
            return
        self.status_message.emit(self.tr("Saved the report to {path}.").format(path=path))

    def write_letter(self, volunteer_id: int, path: Path) -> Any:
        """Work out a volunteer's letter on the worker and write it to ``path`` (a PDF)."""
        period, reports = self.period(), self.reports
        if period is None:
            return None

        def done(letter: Any) -> None:
            try:
                write_pdf(letter_html(letter), path, f"Volunteer hours: {letter.volunteer}")
            except OrganizerError as error:
                self.message_bar.show_message(str(error), problem=True)
                return
            self.status_message.emit(self.tr("Saved the letter to {path}.").format(path=path))

        return self.context.worker.submit(
            lambda: hours_letter(reports, volunteer_id, period),
            on_done=done,
            on_error=self._report_error,
        )

    def _ask_path(self, suffix: str, title: str, name: str) -> Path | None:
        chosen, _ = QFileDialog.getSaveFileName(
            self, title, str(Path.home() / f"{name}.{suffix}"), f"{suffix.upper()} (*.{suffix})"
        )
        return Path(chosen) if chosen else None

    def _ask_csv(self) -> None:
        if self.table is None:
            return
        path = self._ask_path("csv", self.tr("Export CSV"), self._file_stem())
        if path is not None:
            self.export_csv(path)

    def _ask_pdf(self) -> None:
        if self.table is None:
            return
        path = self._ask_path("pdf", self.tr("Export PDF"), self._file_stem())
        if path is not None:
            self.export_pdf(path)

    def _ask_letter(self) -> None:
        volunteer = self.selected_volunteer()
        rows = self.view.selectionModel().selectedRows()
        if volunteer is None or not rows:
            return
        name = str(rows[0].data())
        path = self._ask_path("pdf", self.tr("Save hours letter"), default_name(
            f"hours {name}", _day(self.last_edit.date())))  # fmt: skip
        if path is not None:
            self.write_letter(volunteer, path)

    def _file_stem(self) -> str:
        title = self.table.title if self.table else "report"
        return default_name(title, _day(self.last_edit.date()))

    def _report_error(self, error: Exception) -> None:
        if not isinstance(error, OrganizerError):
            raise error
        self.message_bar.show_message(str(error), problem=True)
