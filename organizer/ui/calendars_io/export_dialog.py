"""Export calendar: events, or one volunteer's shifts, saved as an .ics file.

The file holds everything, one cause, one event or some dates; any calendar can import it.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QLocale, QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from organizer.errors import OrganizerError
from organizer.ics.invitations import Person
from organizer.services import Services
from organizer.storage import Database
from organizer.timezones import local_zone_name
from organizer.ui import app_settings
from organizer.ui.calendars_io.choices import Choices, load_choices
from organizer.ui.calendars_io.common import (
    EXPORT_FOLDER_KEY,
    SAVE_FILE,
    Clock,
    PathField,
    date_field,
    day_range,
    heading,
    muted,
    now_utc,
    pydate,
    qdate,
    remembered_folder,
    run,
    write_file,
)
from organizer.ui.context import ViewContext
from organizer.ui.events.fields import Banner, day_text
from organizer.ui.opening import documents_folder

EVERYTHING_FROM = datetime(1900, 1, 1, tzinfo=UTC)
EVERYTHING_TO = datetime(9000, 1, 1, tzinfo=UTC)
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


class ExportKind(enum.StrEnum):
    """Which events the file holds."""

    EVERYTHING = "everything"
    CAUSE = "cause"
    EVENT = "event"
    DATES = "dates"
    VOLUNTEER = "volunteer"


@dataclass(frozen=True)
class ExportRequest:
    """What to export, and where."""

    kind: ExportKind
    path: Path
    name: str
    record_id: int | None = None
    starts: datetime | None = None
    ends: datetime | None = None


@dataclass(frozen=True)
class ExportDone:
    """What was written: how many events (or shifts) to which file."""

    path: Path
    count: int
    shifts: bool


def export_calendar(
    db: Database, request: ExportRequest, *, now: datetime, contact: Person | None
) -> ExportDone:
    """Write the calendar file ``request`` asks for (runs on the worker thread).

    Raises:
        DomainError: the file cannot be written.
    """
    from organizer.ics.export import Scope, personal_schedule, schedule
    from organizer.ics.invitations import personal_items
    from organizer.models.ids import CauseId, EventId, VolunteerId

    with db.read() as session:
        if request.kind is ExportKind.VOLUNTEER:
            assert request.record_id is not None
            vid = VolunteerId(request.record_id)
            items = personal_items(
                session, [vid], starts=EVERYTHING_FROM, ends=EVERYTHING_TO, contact=contact
            ).get(vid, [])
            items = [item for item in items if not item.cancelled]
            data = personal_schedule(items, now=now, name=request.name)
            count, shifts = len(items), True
        else:
            scope = Scope(
                cause_id=CauseId(request.record_id)
                if request.kind is ExportKind.CAUSE and request.record_id is not None
                else None,
                event_id=EventId(request.record_id)
                if request.kind is ExportKind.EVENT and request.record_id is not None
                else None,
                starts=request.starts,
                ends=request.ends,
            )
            data = schedule(session, scope, now=now, name=request.name, contact=contact)
            count, shifts = data.count(b"BEGIN:VEVENT"), False
    write_file(request.path, data)
    return ExportDone(request.path, count, shifts)


def suggested_name(what: str, month: date) -> str:
    """A file name such as "Organizer - Food bank - Dec 2026.ics"."""
    label = QLocale().toString(qdate(month), "MMM yyyy")
    parts = ["Organizer", _UNSAFE.sub(" ", what).strip(), label]
    return " - ".join(part for part in parts if part) + ".ics"


class ExportDialog(QDialog):
    """Choose what to export and where; the file is written in the background.

    ``loaded`` is emitted once the pickers are filled; ``exported(message)`` once the file is
    written (just before the dialog closes), with a status line such as "Saved 134 events to
    …".
    """

    loaded = Signal()
    exported = Signal(str)

    def __init__(
        self,
        context: ViewContext,
        parent: QWidget | None = None,
        *,
        settings: QSettings | None = None,
        clock: Clock = now_utc,
    ) -> None:
        """Open the dialog; the lists of causes, events and volunteers load in the background."""
        super().__init__(parent)
        self.context = context
        self.settings = settings if settings is not None else app_settings()
        self.clock = clock
        self.choices: Choices | None = None
        self.busy = False
        self._path_edited = False
        self._zone = local_zone_name()
        self.setObjectName("export-calendar")
        self.setWindowTitle(self.tr("Export calendar"))
        self.setAccessibleName(self.windowTitle())
        self.setSizeGripEnabled(True)
        self._build()
        self._set_enabled(False)
        self.banner.show_message(self.tr("Loading…"))
        services: Services = context.services
        run(self, context, lambda: load_choices(services), self._show_choices, self._failed)

    # Layout ----------------------------------------------------------------------------

    def _build(self) -> None:
        today = self.clock().astimezone().date()
        self.kind_group = QButtonGroup(self)
        self.kinds: dict[ExportKind, QRadioButton] = {}
        labels = {
            ExportKind.EVERYTHING: self.tr("Everything"),
            ExportKind.CAUSE: self.tr("One cause"),
            ExportKind.EVENT: self.tr("One event"),
            ExportKind.DATES: self.tr("Dates"),
            ExportKind.VOLUNTEER: self.tr("One volunteer's shifts"),
        }
        for kind, label in labels.items():
            button = QRadioButton(label)
            button.setAccessibleName(label)
            self.kind_group.addButton(button)
            self.kinds[kind] = button
        self.kinds[ExportKind.EVERYTHING].setChecked(True)

        self.cause_picker = _picker(self.tr("Cause"))
        self.event_picker = _picker(self.tr("Event"))
        self.volunteer_picker = _picker(self.tr("Volunteer"))
        self.first_day = date_field(self.tr("First day"), today)
        self.last_day = date_field(self.tr("Last day"), today + timedelta(days=30))
        dates = QWidget()
        dates.setAccessibleName(self.tr("Dates"))
        dates_row = QHBoxLayout(dates)
        dates_row.setContentsMargins(0, 0, 0, 0)
        dates_row.addWidget(QLabel(self.tr("From")))
        dates_row.addWidget(self.first_day)
        dates_row.addWidget(QLabel(self.tr("to")))
        dates_row.addWidget(self.last_day)
        dates_row.addStretch(1)
        for combo in (self.cause_picker, self.event_picker, self.volunteer_picker):
            combo.currentIndexChanged.connect(self._suggest_path)
        for edit in (self.first_day, self.last_day):
            edit.dateChanged.connect(self._suggest_path)

        scope_box = QGroupBox(self.tr("What to export"))
        scope_box.setAccessibleName(self.tr("What to export"))
        grid = QGridLayout(scope_box)
        grid.setColumnStretch(1, 1)
        grid.setHorizontalSpacing(16)
        grid.addWidget(self.kinds[ExportKind.EVERYTHING], 0, 0)
        grid.addWidget(muted(self.tr("Every event that is not a draft"), self.tr("Hint")), 0, 1)
        grid.addWidget(self.kinds[ExportKind.CAUSE], 1, 0)
        grid.addWidget(self.cause_picker, 1, 1)
        grid.addWidget(self.kinds[ExportKind.EVENT], 2, 0)
        grid.addWidget(self.event_picker, 2, 1)
        grid.addWidget(self.kinds[ExportKind.DATES], 3, 0)
        grid.addWidget(dates, 3, 1)
        grid.addWidget(self.kinds[ExportKind.VOLUNTEER], 4, 0)
        grid.addWidget(self.volunteer_picker, 4, 1)
        self._pickers: dict[ExportKind, QWidget] = {
            ExportKind.CAUSE: self.cause_picker,
            ExportKind.EVENT: self.event_picker,
            ExportKind.DATES: dates,
            ExportKind.VOLUNTEER: self.volunteer_picker,
        }
        self.kind_group.buttonToggled.connect(lambda *_: self._kind_changed())

        self.path = PathField(self.tr("File"), SAVE_FILE, self.tr("Save the calendar as"))
        self.path.edited.connect(self._path_typed)
        form = QFormLayout()
        form.addRow(self.tr("Save as"), self.path)

        self.banner = Banner()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.setAccessibleName(self.tr("Dialog buttons"))
        self.export_button = self.buttons.addButton(
            self.tr("Export"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.export_button.setAccessibleName(self.tr("Export"))
        self.export_button.setDefault(True)
        self.buttons.accepted.connect(self.export)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.setSpacing(12)
        layout.addWidget(heading(self.windowTitle()))
        layout.addWidget(
            muted(
                self.tr(
                    "Save events as a calendar file that Google, Outlook, Apple and "
                    "Thunderbird calendars can add. Importing it again later updates the "
                    "same events instead of adding copies."
                ),
                self.tr("Explanation"),
            )
        )
        layout.addWidget(scope_box)
        layout.addLayout(form)
        layout.addWidget(self.banner)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.resize(max(560, self.sizeHint().width()), self.sizeHint().height())
        self._kind_changed()

    # Loading ---------------------------------------------------------------------------

    def _show_choices(self, choices: Choices) -> None:
        self.choices = choices
        for combo, items in (
            (self.cause_picker, choices.causes),
            (self.volunteer_picker, choices.volunteers),
        ):
            combo.blockSignals(True)
            for record_id, name in items:
                combo.addItem(name, record_id)
            combo.setCurrentIndex(-1 if not items else 0)
            combo.blockSignals(False)
        self.event_picker.blockSignals(True)
        for event in choices.events:
            when = day_text(event.starts_at, event.timezone)
            self.event_picker.addItem(f"{event.title} — {when}", event.id)
        self.event_picker.blockSignals(False)
        self.banner.clear()
        self._set_enabled(True)
        self._suggest_path()
        self.loaded.emit()

    def _failed(self, error: Exception) -> None:
        if not isinstance(error, OrganizerError):
            raise error
        self.busy = False
        self._set_enabled(True)
        self.banner.show_problem(str(error))

    # Choosing --------------------------------------------------------------------------

    def kind(self) -> ExportKind:
        """The kind of export chosen."""
        return next(kind for kind, button in self.kinds.items() if button.isChecked())

    def choose(self, kind: ExportKind, record_id: int | None = None) -> None:
        """Pick ``kind`` and, for a cause, event or volunteer, the record (as a person would)."""
        self.kinds[kind].setChecked(True)
        combo = self._combo(kind)
        if combo is not None and record_id is not None:
            combo.setCurrentIndex(combo.findData(record_id))

    def _combo(self, kind: ExportKind) -> QComboBox | None:
        pickers: dict[ExportKind, QComboBox] = {
            ExportKind.CAUSE: self.cause_picker,
            ExportKind.EVENT: self.event_picker,
            ExportKind.VOLUNTEER: self.volunteer_picker,
        }
        return pickers.get(kind)

    def _kind_changed(self) -> None:
        chosen = self.kind()
        for kind, widget in self._pickers.items():
            widget.setEnabled(kind is chosen and not self.busy)
        self._suggest_path()

    def _path_typed(self, _text: str) -> None:
        self._path_edited = True

    def _what(self) -> str:
        kind = self.kind()
        if kind is ExportKind.CAUSE:
            return self.cause_picker.currentText()
        if kind is ExportKind.EVENT:
            return self.event_picker.currentText().split(" — ")[0]
        if kind is ExportKind.VOLUNTEER:
            return self.volunteer_picker.currentText()
        if kind is ExportKind.DATES:
            return self.tr("{first} to {last}").format(
                first=self.first_day.text(), last=self.last_day.text()
            )
        return self.tr("Everything")

    def _suggest_path(self) -> None:
        if self._path_edited:
            return
        kind = self.kind()
        month = pydate(self.first_day.date()) if kind is ExportKind.DATES else None
        month = month or self.clock().astimezone().date()
        folder = remembered_folder(self.settings, EXPORT_FOLDER_KEY, documents_folder())
        what = self._what() if kind is not ExportKind.DATES else ""
        self.path.set_path(folder / suggested_name(what, month))

    # Exporting -------------------------------------------------------------------------

    def request(self) -> ExportRequest | None:
        """What the dialog would export, or ``None`` (with the problem shown) if incomplete."""
        path = self.path.path()
        if path is None:
            self.banner.show_problem(self.tr("Choose where to save the calendar file."))
            return None
        if not path.suffix:
            path = path.with_suffix(".ics")
        kind = self.kind()
        combo = self._combo(kind)
        record_id = None
        if combo is not None:
            record_id = combo.currentData()
            if record_id is None or combo.findText(combo.currentText()) < 0:
                self.banner.show_problem(
                    self.tr("Choose the {what} to export.").format(
                        what=combo.accessibleName().lower()
                    )
                )
                combo.setFocus()
                return None
        starts = ends = None
        name = self._what()
        if kind is ExportKind.DATES:
            first, last = pydate(self.first_day.date()), pydate(self.last_day.date())
            if last < first:
                self.banner.show_problem(self.tr("The last day must not be before the first."))
                self.last_day.setFocus()
                return None
            starts, ends = day_range(first, last, self._zone)
        elif kind is ExportKind.VOLUNTEER:
            name = self.tr("{name}: my shifts").format(name=name)
        elif kind is ExportKind.EVERYTHING:
            name = "Organizer"
        return ExportRequest(kind, path, name, record_id, starts, ends)

    def export(self) -> None:
        """Write the file in the background; close once it is written."""
        if self.busy or self.choices is None:
            return
        request = self.request()
        if request is None:
            return
        settings = self.choices.settings
        contact = (
            Person(settings.organiser_name or settings.organiser_email, settings.organiser_email)
            if settings.organiser_email
            else None
        )
        db = self.context.services.settings.db
        now = self.clock()
        self.busy = True
        self._set_enabled(False)
        self.banner.show_message(self.tr("Saving…"))
        run(
            self,
            self.context,
            lambda: export_calendar(db, request, now=now, contact=contact),
            self._exported,
            self._failed,
        )

    def _exported(self, done: ExportDone) -> None:
        self.busy = False
        self.settings.setValue(EXPORT_FOLDER_KEY, str(done.path.parent))
        if done.shifts:
            text = (
                self.tr("Saved 1 shift to {path}")
                if done.count == 1
                else self.tr("Saved {n} shifts to {path}")
            )
        else:
            text = (
                self.tr("Saved 1 event to {path}")
                if done.count == 1
                else self.tr("Saved {n} events to {path}")
            )
        message = text.format(n=done.count, path=done.path)
        self.exported.emit(message)
        self.accept()

    def _set_enabled(self, enabled: bool) -> None:
        choices = self.choices
        available = {
            ExportKind.CAUSE: choices is not None and bool(choices.causes),
            ExportKind.EVENT: choices is not None and bool(choices.events),
            ExportKind.VOLUNTEER: choices is not None and bool(choices.volunteers),
        }
        for kind, button in self.kinds.items():
            button.setEnabled(enabled and available.get(kind, True))
        self.path.setEnabled(enabled)
        self.export_button.setEnabled(enabled)
        chosen = self.kind()
        for kind, widget in self._pickers.items():
            widget.setEnabled(enabled and kind is chosen)


def _picker(accessible_name: str) -> QComboBox:
    """A combo box one can also type into to find a name among many."""
    combo = QComboBox()
    combo.setAccessibleName(accessible_name)
    combo.setEditable(True)
    combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    combo.setMaxVisibleItems(16)
    combo.setMinimumContentsLength(24)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    completer = combo.completer()
    if completer is not None:
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
    return combo
