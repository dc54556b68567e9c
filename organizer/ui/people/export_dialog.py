"""Exporting volunteers to a CSV or Excel file, with the columns the coordinator ticks.

Sensitive columns (phone, emergency contact, notes, health notes) start unticked and say
"sensitive"; ticking one shows a warning.  The file name's ending picks the format.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from organizer.people.exporting import (
    COLUMNS,
    COLUMNS_BY_KEY,
    DEFAULT_COLUMNS,
    ExportSummary,
)
from organizer.ui.context import ViewContext
from organizer.ui.people.common import (
    FileField,
    Notice,
    ProgressRow,
    documents_folder,
    error_text,
    heading,
    muted,
    plural,
    run,
    tr,
)
from organizer.ui.people.models import ColumnsModel
from organizer.ui.tones import Tone


def sensitive_warning(labels: list[str]) -> str:
    """The warning shown while sensitive columns are ticked ("" for none)."""
    if not labels:
        return ""
    return tr(
        "⚠ The file will hold private details ({columns}). Only give it to people who need "
        "them, keep it somewhere safe and delete it when you are done."
    ).format(columns=", ".join(labels))


class ExportDialog(QDialog):
    """Writes volunteers to a .csv or .xlsx file, with the columns chosen."""

    def __init__(
        self,
        context: ViewContext,
        parent: QWidget | None = None,
        *,
        folder: Path | None = None,
    ) -> None:
        """A dialog suggesting "volunteers.csv" in ``folder`` (the documents folder)."""
        super().__init__(parent)
        self.context = context
        self.busy = False
        self.summary: ExportSummary | None = None
        self.setWindowTitle(tr("Export volunteers"))
        self.setAccessibleName(tr("Export volunteers"))
        self.setObjectName("export-volunteers")
        self.resize(560, 600)

        self.file_field = FileField(
            tr("File to write"),
            tr("Export volunteers to"),
            tr("CSV file (*.csv);;Excel workbook (*.xlsx)"),
            save=True,
        )
        self.file_field.set_path((folder or documents_folder()) / "volunteers.csv")
        self.file_field.changed.connect(lambda _: self._update())
        self.columns = ColumnsModel(self)
        self.columns.set_columns(COLUMNS, DEFAULT_COLUMNS)
        self.columns.dataChanged.connect(lambda *_: self._update())
        self.column_list = QListView()
        self.column_list.setAccessibleName(tr("Columns to export"))
        self.column_list.setModel(self.columns)
        self.column_list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.column_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.column_list.setUniformItemSizes(True)
        self.usual_button = QPushButton(tr("&Usual columns"))
        self.usual_button.setAccessibleName(tr("Tick the usual columns"))
        self.usual_button.setToolTip(tr("Everything but the sensitive columns"))
        self.usual_button.clicked.connect(self.use_usual_columns)
        self.archived_check = QCheckBox(tr("Include a&rchived volunteers"))
        self.archived_check.setAccessibleName(tr("Include archived volunteers"))
        self.warning = Notice(tr("Sensitive columns warning"))
        self.progress = ProgressRow(tr("Export progress"))
        self.notice = Notice(tr("Export result"))

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.export_button = QPushButton(tr("&Export"))
        self.export_button.setAccessibleName(tr("Export"))
        self.export_button.setDefault(True)
        self.buttons.addButton(self.export_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.button(QDialogButtonBox.StandardButton.Close).setAccessibleName(tr("Close"))
        self.export_button.clicked.connect(self.export)
        self.buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        file_label = QLabel(tr("&File:"))
        file_label.setBuddy(self.file_field.line)
        form.addRow(file_label, self.file_field)
        columns_row = QHBoxLayout()
        columns_label = QLabel(tr("Columns:"))
        columns_label.setAccessibleName(tr("Columns heading"))
        columns_row.addWidget(columns_label)
        columns_row.addStretch(1)
        columns_row.addWidget(self.usual_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 14)
        layout.setSpacing(10)
        layout.addWidget(heading(tr("Export volunteers")))
        layout.addWidget(
            muted(
                tr(
                    "Writes a spreadsheet of your volunteers. End the file name in .csv for a "
                    "CSV file or .xlsx for an Excel workbook. Sensitive columns are left out "
                    "unless you tick them."
                ),
                tr("About exporting"),
            )
        )
        layout.addLayout(form)
        layout.addLayout(columns_row)
        layout.addWidget(self.column_list, 1)
        layout.addWidget(self.warning)
        layout.addWidget(self.archived_check)
        layout.addWidget(self.progress)
        layout.addWidget(self.notice)
        layout.addWidget(self.buttons)
        self._update()

    def use_usual_columns(self) -> None:
        """Tick the usual columns: everything but the sensitive ones."""
        self.columns.set_columns(COLUMNS, DEFAULT_COLUMNS)
        self._update()

    def set_column(self, key: str, ticked: bool) -> None:
        """Tick or untick the column ``key`` (as a click on its box would)."""
        row = [column.key for column in self.columns.items].index(key)
        state = Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked
        self.columns.setData(self.columns.index(row, 0), state, Qt.ItemDataRole.CheckStateRole)

    def _update(self) -> None:
        chosen = self.columns.ticked()
        sensitive = [COLUMNS_BY_KEY[key].label for key in chosen if COLUMNS_BY_KEY[key].sensitive]
        self.warning.say(sensitive_warning(sensitive), Tone.WARN)
        path = self.file_field.path()
        ok_name = path is not None and path.suffix.lower() in (".csv", ".xlsx")
        self.export_button.setEnabled(
            bool(chosen) and ok_name and not self.busy and not self.context.read_only
        )
        if path is not None and not ok_name:
            self.notice.say(tr("End the file name in .csv or .xlsx."), Tone.WARN)
        elif not chosen:
            self.notice.say(tr("Tick at least one column."), Tone.WARN)
        elif self.notice.tone is Tone.WARN:
            self.notice.say("")

    def export(self) -> None:
        """Write the file in the background."""
        path = self.file_field.path()
        chosen = self.columns.ticked()
        if path is None or not chosen or self.busy:
            return
        archived = self.archived_check.isChecked()
        exporter = self.context.services.exporter
        self.busy = True
        self.notice.say("")
        cancel = self.progress.start(tr("Reading volunteers"))
        self._update()

        def work(progress: Callable[[str, float], None]) -> ExportSummary:
            return exporter.export(
                path,
                columns=chosen,
                include_archived=archived,
                progress=progress,
                cancel=cancel,
            )

        run(self, self.context, work, self._done, self._failed, self.progress.report)

    def _done(self, summary: ExportSummary) -> None:
        self.busy = False
        self.summary = summary
        self.progress.stop()
        self.notice.say(
            plural(
                summary.rows,
                tr("Exported 1 volunteer to {path}."),
                tr("Exported {count} volunteers to {path}."),
                path=summary.path,
            ),
            Tone.GOOD,
        )
        self._update()

    def _failed(self, error: Exception) -> None:
        self.busy = False
        self.progress.stop()
        self.notice.say(error_text(error), Tone.ALERT)
        self._update()
