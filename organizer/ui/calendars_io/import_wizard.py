"""Import calendar files: choose the files, look at what importing will do, then import.

Files are read in the background as soon as they are chosen; a file that cannot be read is
named with its problem and must be removed before going on, so nothing is imported from it.
Every event of every file is imported in one transaction: all of them, or none.  The import
goes on the undo stack: Edit ▸ Undo takes it back, Edit ▸ Redo imports the same files again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from organizer.changes import DataChange
from organizer.errors import ImportFormatError, OrganizerError
from organizer.ics.importer import ImportAction, ImportPreview, ImportResult
from organizer.services import Services
from organizer.storage import Database
from organizer.timezones import local_zone_name, zone_choices
from organizer.ui import app_settings
from organizer.ui.calendars_io.common import (
    IMPORT_FOLDER_KEY,
    calendar_filter,
    muted,
    remembered_folder,
    run,
)
from organizer.ui.calendars_io.preview_model import (
    ACTION,
    FILE,
    LOCATION,
    REASON,
    REPEATS,
    TITLE,
    WHEN,
    ImportPreviewModel,
)
from organizer.ui.context import ViewContext
from organizer.ui.events.fields import Banner, PaletteDelegate, ProblemLabel, plural, tr
from organizer.ui.opening import documents_folder
from organizer.ui.undo import BackgroundCommand, push_done, refusal_text

FILES_PAGE, PREVIEW_PAGE, RESULT_PAGE = range(3)


@dataclass(frozen=True)
class FileReading:
    """One chosen file: what it holds, or the problem that stops it being imported."""

    path: Path
    preview: ImportPreview | None = None
    problem: str = ""


def read_files(db: Database, paths: Sequence[Path], zone_name: str) -> list[FileReading]:
    """Read each file and say what importing it would do (runs on the worker thread)."""
    from organizer.ics.importer import read_calendar

    readings = []
    for path in paths:
        try:
            preview = read_calendar(path, db=db, default_timezone=zone_name)
        except ImportFormatError as error:
            readings.append(FileReading(path, problem=error.message))
        else:
            readings.append(FileReading(path, preview))
    return readings


class ImportWizard(QWizard):
    """Three steps: files, preview (with the cause and time zone), import.

    Signals: ``read`` after the chosen files were read (again); ``imported(ImportResult)``
    once the import is stored (the change is announced through the hub as well).  The import
    is pushed on the undo stack as ``command``; ``undo_failed`` hears, once the wizard has
    closed, why a later undo or redo was refused.
    """

    read = Signal()
    imported = Signal(object)

    def __init__(
        self,
        context: ViewContext,
        parent: QWidget | None = None,
        *,
        settings: QSettings | None = None,
        undo_failed: Callable[[str], None] | None = None,
    ) -> None:
        """Open on the first step; the causes load in the background."""
        super().__init__(parent)
        self.context = context
        self.local_settings = settings if settings is not None else app_settings()
        self.undo_failed = undo_failed
        self.readings: list[FileReading] = []
        self.import_result: ImportResult | None = None
        self.command: BackgroundCommand | None = None
        self.error: OrganizerError | None = None
        self.reading = False
        self.importing = False
        self._generation = 0
        self.setObjectName("import-calendar")
        self.setWindowTitle(self.tr("Import calendar file"))
        self.setAccessibleName(self.windowTitle())
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.setButtonText(QWizard.WizardButton.CommitButton, self.tr("Import"))
        self.files_page = FilesPage(self)
        self.preview_page = PreviewPage(self)
        self.result_page = ResultPage(self)
        self.setPage(FILES_PAGE, self.files_page)
        self.setPage(PREVIEW_PAGE, self.preview_page)
        self.setPage(RESULT_PAGE, self.result_page)
        self.resize(900, 620)
        services: Services = context.services
        run(
            self,
            context,
            lambda: sorted(
                ((int(c.id), c.name) for c in services.causes.list() if c.active),
                key=lambda pair: pair[1].casefold(),
            ),
            self.preview_page.set_causes,
            self._failed,
        )

    @property
    def db(self) -> Database:
        """The open database."""
        return self.context.services.settings.db

    def previews(self) -> list[ImportPreview]:
        """The previews of the files read without problems."""
        return [r.preview for r in self.readings if r.preview is not None]

    def add_files(self, paths: Iterable[Path | str]) -> None:
        """Add files to import and read them all (again) in the background."""
        known = [r.path for r in self.readings]
        for path in paths:
            chosen = Path(path)
            if chosen not in known:
                known.append(chosen)
        if known:
            self.local_settings.setValue(IMPORT_FOLDER_KEY, str(known[-1].parent))
        self.read_files(known)

    def remove_file(self, path: Path) -> None:
        """Leave ``path`` out of the import."""
        self.readings = [r for r in self.readings if r.path != path]
        self.files_page.show_readings()
        self.preview_page.show_previews()
        self.read.emit()

    def read_files(self, paths: Sequence[Path]) -> None:
        """Read ``paths`` in the time zone chosen on the preview step."""
        self._generation += 1
        generation = self._generation
        self.reading = True
        self.files_page.show_reading(paths)
        db, zone_name = self.db, self.preview_page.zone_name()
        run(
            self,
            self.context,
            lambda: read_files(db, list(paths), zone_name),
            lambda readings: self._files_read(readings, generation),
            self._failed,
        )

    def _files_read(self, readings: list[FileReading], generation: int) -> None:
        if generation != self._generation:
            return
        self.reading = False
        self.readings = readings
        self.files_page.show_readings()
        self.preview_page.show_previews()
        self.read.emit()

    def start_import(self) -> None:
        """Import every previewed file into the chosen cause, in the background."""
        cause_id = self.preview_page.cause_id()
        previews = self.previews()
        if cause_id is None or not previews or self.importing:
            return
        db, actor, zone_name = self.db, self.context.actor, self.preview_page.zone_name()
        context, wizard, fallback = self.context, self, self.undo_failed
        self.importing = True

        def notify(error: OrganizerError) -> None:
            text = refusal_text(error)
            if shiboken6.isValid(wizard) and wizard.isVisible():
                wizard.result_page.problem.show_problems([text])
            elif fallback is not None:
                fallback(text)

        def work(progress: Any) -> ImportResult:
            from organizer.ics.importer import apply_import

            return apply_import(db, previews, cause_id, actor, zone_name, progress=progress)

        def done(result: ImportResult) -> None:
            # The import happened even if the wizard has closed: it must reach the undo stack.
            command = None
            if result.created or result.updated:
                command = import_command(context, previews, cause_id, zone_name, result, notify)
                push_done(context.undo_stack, command)
            if shiboken6.isValid(wizard):
                wizard._imported(result, command)

        def failed(error: Exception) -> None:
            if shiboken6.isValid(wizard):
                wizard._import_failed(error)
            elif not isinstance(error, OrganizerError):
                raise error

        def report(stage: str, fraction: float) -> None:
            if shiboken6.isValid(wizard):
                wizard.result_page.show_progress(stage, fraction)

        context.submit_edit(work, on_done=done, on_error=failed, on_progress=report)

    def _imported(self, result: ImportResult, command: BackgroundCommand | None) -> None:
        self.importing = False
        self.import_result = result
        self.command = command
        if command is not None:
            command.on_undone = self._undone
            command.on_redone = self._redone
        self.result_page.show_result(result)
        self.imported.emit(result)

    def _undone(self, _nothing: object) -> None:
        if shiboken6.isValid(self):
            self.result_page.show_undone()

    def _redone(self, result: ImportResult) -> None:
        if shiboken6.isValid(self):
            self.import_result = result
            self.result_page.show_result(result)

    def _import_failed(self, error: Exception) -> None:
        if not isinstance(error, OrganizerError):
            raise error
        self.importing = False
        self.error = error
        self.result_page.show_error(error)

    def _failed(self, error: Exception) -> None:
        if not isinstance(error, OrganizerError):
            raise error
        self.reading = False
        self.files_page.banner.show_problem(str(error))


class FilesPage(QWizardPage):
    """Step 1: the files to import, each with what it holds or why it cannot be used."""

    def __init__(self, wizard: ImportWizard) -> None:
        """The file list and its buttons."""
        super().__init__()
        self.owner = wizard
        self.setTitle(self.tr("Choose calendar files"))
        self.setSubTitle(
            self.tr(
                "Calendar files (.ics) exported from Google, Outlook, Apple or Thunderbird "
                "calendars. Nothing is changed until the last step."
            )
        )
        self.files = QListWidget()
        self.files.setAccessibleName(self.tr("Chosen files"))
        self.files.setWordWrap(True)
        self.files.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.add_button = QPushButton(self.tr("Add files…"))
        self.add_button.setAccessibleName(self.tr("Add files"))
        self.add_button.clicked.connect(self._choose)
        self.remove_button = QPushButton(self.tr("Remove"))
        self.remove_button.setAccessibleName(self.tr("Remove the selected files"))
        self.remove_button.clicked.connect(self._remove_selected)
        self.banner = Banner()
        buttons = QVBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.files, 1)
        row.addLayout(buttons)
        layout = QVBoxLayout(self)
        layout.addLayout(row, 1)
        layout.addWidget(self.banner)

    def isComplete(self) -> bool:
        """Ready when every chosen file was read and holds at least one event."""
        readings = self.owner.readings
        return (
            not self.owner.reading
            and bool(readings)
            and all(r.preview is not None for r in readings)
            and any(r.preview.rows for r in readings if r.preview is not None)
        )

    def show_reading(self, paths: Sequence[Path]) -> None:
        """List ``paths`` as being read."""
        self.files.clear()
        for path in paths:
            item = QListWidgetItem(self.tr("{name}: reading…").format(name=path.name))
            item.setToolTip(str(path))
            self.files.addItem(item)
        self.banner.clear()
        self.completeChanged.emit()

    def show_readings(self) -> None:
        """List each file with what it holds, or its problem."""
        self.files.clear()
        problems = []
        for reading in self.owner.readings:
            if reading.preview is None:
                text = self.tr("{name}: cannot be imported").format(name=reading.path.name)
                problems.append(reading.problem)
            else:
                text = self.tr("{name}: {events}").format(
                    name=reading.path.name,
                    events=plural(
                        len(reading.preview.rows), self.tr("1 event"), self.tr("{n} events")
                    ),
                )
                if reading.preview.calendar_name:
                    text += f" (“{reading.preview.calendar_name}”)"
            item = QListWidgetItem(text)
            item.setToolTip(reading.problem or str(reading.path))
            item.setData(Qt.ItemDataRole.UserRole, str(reading.path))
            self.files.addItem(item)
        if problems:
            self.banner.show_problem(
                "\n".join(problems)
                + "\n"
                + self.tr("Nothing will be imported from a file that cannot be read. Remove it.")
            )
        else:
            self.banner.clear()
        self.completeChanged.emit()

    def _choose(self) -> None:
        folder = remembered_folder(self.owner.local_settings, IMPORT_FOLDER_KEY, documents_folder())
        chosen, _ = QFileDialog.getOpenFileNames(
            self, self.tr("Import calendar files"), str(folder), calendar_filter()
        )
        if chosen:
            self.owner.add_files(chosen)

    def _remove_selected(self) -> None:
        for item in self.files.selectedItems():
            path = item.data(Qt.ItemDataRole.UserRole)
            if path:
                self.owner.remove_file(Path(path))


class PreviewPage(QWizardPage):
    """Step 2: the events, what will happen to each, the cause and the time zone."""

    def __init__(self, wizard: ImportWizard) -> None:
        """The table, the problems and the two choices."""
        super().__init__()
        self.owner = wizard
        self.setTitle(self.tr("Check what will be imported"))
        self.setSubTitle(
            self.tr(
                "New events are added; events imported before are updated when the file has "
                "a newer version, and skipped when nothing changed."
            )
        )
        self.setCommitPage(True)
        self.cause = QComboBox()
        self.cause.setAccessibleName(self.tr("Cause"))
        self.cause.setPlaceholderText(self.tr("Choose a cause…"))
        self.cause.currentIndexChanged.connect(self.completeChanged)
        self.cause_problem = ProblemLabel(self.tr("Problem with the cause"))
        self.zone = QComboBox()
        self.zone.setAccessibleName(self.tr("Time zone"))
        self.zone.setEditable(True)
        self.zone.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.zone.setMaxVisibleItems(16)
        local = local_zone_name()
        self.zone.addItems(zone_choices(local))
        self.zone.setCurrentText(local)
        self._zone = local
        self.zone.activated.connect(self._zone_changed)
        line = self.zone.lineEdit()
        if line is not None:
            line.editingFinished.connect(self._zone_changed)
        for combo in (self.cause, self.zone):
            combo.setMinimumContentsLength(22)
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
        zone_hint = muted(
            self.tr("For times the file gives without a time zone."),
            self.tr("About the time zone"),
        )
        zone_hint.setWordWrap(False)
        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setColumnStretch(2, 1)
        grid.addWidget(QLabel(self.tr("Import into")), 0, 0)
        grid.addWidget(self.cause, 0, 1)
        grid.addWidget(self.cause_problem, 0, 2)
        grid.addWidget(QLabel(self.tr("Time zone")), 1, 0)
        grid.addWidget(self.zone, 1, 1)
        grid.addWidget(zone_hint, 1, 2)

        self.counts = QLabel()
        self.counts.setAccessibleName(self.tr("What will happen"))
        self.model = ImportPreviewModel(self)
        self.table = QTableView()
        self.table.setAccessibleName(self.tr("Events in the files"))
        self.table.setModel(self.model)
        self.table.setItemDelegate(PaletteDelegate(self.table))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.horizontalHeader().setStretchLastSection(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        self.problems = QListWidget()
        self.problems.setAccessibleName(self.tr("Problems found in the files"))
        self.problems.setWordWrap(True)
        self.problems.setMaximumHeight(110)
        self.problems_label = QLabel(self.tr("Worth knowing before you import:"))
        self.problems_label.setAccessibleName(self.tr("Problems heading"))

        self.undo_note = muted(
            self.tr("Changed your mind later? Edit ▸ Undo (Ctrl+Z) takes the import back."),
            self.tr("About undoing an import"),
        )

        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addWidget(self.counts)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.problems_label)
        layout.addWidget(self.problems)
        layout.addWidget(self.undo_note)

    def set_causes(self, causes: list[tuple[int, str]]) -> None:
        """Offer ``causes`` to import into."""
        for cause_id, name in causes:
            self.cause.addItem(name, cause_id)
        self.cause.setCurrentIndex(-1)
        if not causes:
            self.cause_problem.show_problems(
                [self.tr("Add a cause first (Causes & locations): imported events need one.")]
            )

    def cause_id(self) -> int | None:
        """The cause chosen, if any."""
        value = self.cause.currentData()
        return int(value) if value is not None and self.cause.currentIndex() >= 0 else None

    def zone_name(self) -> str:
        """The time zone for times without one."""
        return self._zone

    def choose_cause(self, name: str) -> None:
        """Pick the cause called ``name``."""
        self.cause.setCurrentIndex(self.cause.findText(name))

    def choose_zone(self, name: str) -> None:
        """Pick the time zone ``name`` (the files are read again)."""
        self.zone.setCurrentText(name)
        self._zone_changed()

    def _zone_changed(self) -> None:
        from organizer.timezones import is_known_zone

        name = self.zone.currentText().strip()
        if not is_known_zone(name):
            self.zone.setCurrentText(self._zone)
            return
        if name != self._zone:
            self._zone = name
            if self.owner.readings:
                self.owner.read_files([r.path for r in self.owner.readings])

    def initializePage(self) -> None:
        """Show the previews read on the first step."""
        self.show_previews()

    def show_previews(self) -> None:
        """Fill the table, the counts and the problems from the files read."""
        previews = self.owner.previews()
        self.model.set_previews(previews)
        self.table.setColumnHidden(FILE, len(previews) < 2)
        header = self.table.horizontalHeader()
        for column, width in ((FILE, 100), (WHEN, 180), (REPEATS, 120), (LOCATION, 110)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            self.table.setColumnWidth(column, width)
        for column in (TITLE, REASON):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(ACTION, QHeaderView.ResizeMode.ResizeToContents)
        counts = {a: sum(p.count(a) for p in previews) for a in ImportAction}
        self.counts.setText(
            self.tr("{new} new, {update} to update, {skip} to skip.").format(
                new=counts[ImportAction.NEW],
                update=counts[ImportAction.UPDATE],
                skip=counts[ImportAction.SKIPPED],
            )
        )
        self.problems.clear()
        for preview in previews:
            for problem in preview.problems:
                self.problems.addItem(problem)
        has_problems = self.problems.count() > 0
        self.problems.setVisible(has_problems)
        self.problems_label.setVisible(has_problems)
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        """Ready with a cause chosen and at least one event to add or update."""
        previews = self.owner.previews()
        useful = any(p.count(ImportAction.NEW) or p.count(ImportAction.UPDATE) for p in previews)
        return (
            self.cause_id() is not None
            and useful
            and not self.owner.reading
            and not self.owner.context.read_only
        )


class ResultPage(QWizardPage):
    """Step 3: the import running, then what it did."""

    def __init__(self, wizard: ImportWizard) -> None:
        """A progress bar, then the summary."""
        super().__init__()
        self.owner = wizard
        self.done = False
        self.setTitle(self.tr("Importing"))
        self.progress = QProgressBar()
        self.progress.setAccessibleName(self.tr("Import progress"))
        self.progress.setRange(0, 100)
        self.stage = QLabel()
        self.stage.setAccessibleName(self.tr("Import stage"))
        self.summary = QLabel()
        self.summary.setAccessibleName(self.tr("Import summary"))
        self.summary.setWordWrap(True)
        font = self.summary.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.summary.setFont(font)
        self.problem = ProblemLabel(self.tr("Import problem"))
        self.notes = QListWidget()
        self.notes.setAccessibleName(self.tr("Notes on the import"))
        self.notes.setWordWrap(True)
        self.notes.hide()
        layout = QVBoxLayout(self)
        layout.addWidget(self.stage)
        layout.addWidget(self.progress)
        layout.addWidget(self.summary)
        layout.addWidget(self.problem)
        layout.addWidget(self.notes, 1)
        layout.addStretch(0)

    def initializePage(self) -> None:
        """Start the import."""
        self.done = False
        self.summary.clear()
        self.problem.clear_problem()
        self.progress.setValue(0)
        self.progress.show()
        self.stage.setText(self.tr("Starting…"))
        self.owner.start_import()

    def show_progress(self, stage: str, fraction: float) -> None:
        """Move the progress bar."""
        self.stage.setText(stage)
        self.progress.setValue(round(fraction * 100))

    def show_result(self, result: ImportResult) -> None:
        """Say what the import did."""
        self.setTitle(self.tr("Import finished"))
        self.progress.hide()
        self.stage.clear()
        parts = [
            plural(len(result.created), self.tr("1 new event"), self.tr("{n} new events")),
            plural(len(result.updated), self.tr("1 event updated"), self.tr("{n} events updated")),
            plural(result.skipped, self.tr("1 skipped"), self.tr("{n} skipped")),
        ]
        text = self.tr("Imported {parts}.").format(parts=", ".join(parts))
        if result.locations_created:
            text += " " + self.tr("New locations: {names}.").format(
                names=", ".join(f"“{name}”" for name in result.locations_created)
            )
        self.summary.setText(text)
        self.notes.clear()
        self.notes.addItems(list(result.problems))
        self.notes.setVisible(bool(result.problems))
        self._finish()

    def show_undone(self) -> None:
        """Say the import was taken back."""
        self.setTitle(self.tr("Import undone"))
        self.summary.setText(self.tr("The import was undone. Edit ▸ Redo imports the files again."))
        self.notes.clear()
        self.notes.hide()
        self.problem.clear_problem()

    def show_error(self, error: OrganizerError) -> None:
        """Say why nothing was imported."""
        self.setTitle(self.tr("Nothing was imported"))
        self.progress.hide()
        self.stage.clear()
        self.problem.show_problems([str(error)])
        self.summary.setText(self.tr("Nothing was changed. Fix the file, then try again."))
        self._finish()

    def _finish(self) -> None:
        self.done = True
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        """Finished once the import has ended."""
        return self.done


def import_command(
    context: ViewContext,
    previews: Sequence[ImportPreview],
    cause_id: int,
    zone_name: str,
    result: ImportResult,
    on_error: Callable[[OrganizerError], None],
) -> BackgroundCommand:
    """The undo-stack entry of an import: undo takes it back, redo imports the files again."""
    from organizer.ics.importer import apply_import, undo_import

    db, actor = context.services.settings.db, context.actor
    latest = {"result": result}

    def undo() -> None:
        undo_import(db, latest["result"], actor)

    def redo() -> ImportResult:
        latest["result"] = apply_import(db, previews, cause_id, actor, zone_name)
        return latest["result"]

    count = len(result.created) + len(result.updated)
    names = ", ".join(p.name for p in previews)
    wording = (
        tr("Import 1 event from {file}") if count == 1 else tr("Import {n} events from {file}")
    )
    text = wording.format(n=count, file=names)
    change = DataChange(frozenset({"event", "shift", "location"}), actor)
    return BackgroundCommand(text, context, redo, undo, change, on_error)
