"""The event editor: every field of an event, its repeat rule and its roles, in one dialog."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, QLocale, QStringListModel, Qt, QTime, Signal
from PySide6.QtGui import QKeySequence, QPalette, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from organizer.errors import ConflictError, FieldProblem, OrganizerError, ValidationError
from organizer.models import Event, EventStatus
from organizer.models.ids import CauseId, LocationId
from organizer.services import EventDraft
from organizer.services.series import (
    RoleDraft,
    RoleProblem,
    SavedSeries,
    Scope,
    SeriesState,
    draft_of,
    occurrence_draft,
    roles_of,
)
from organizer.timezones import is_known_zone, local_zone_name, zone_choices
from organizer.ui import colour_dot
from organizer.ui.context import ViewContext
from organizer.ui.events.edits import EventEdits
from organizer.ui.events.fields import (
    DAY_FORMAT,
    Banner,
    ProblemLabel,
    day_text,
    local_wall,
    mark_invalid,
    message_box,
    series_service,
    submit,
    undo_refused,
    zone_hint,
)
from organizer.ui.events.recurrence_editor import RecurrenceEditor
from organizer.ui.events.roles_table import RolesEditor
from organizer.ui.events.scope import ScopeDialog

DEFAULT_LENGTH = timedelta(hours=2)
OCCURRENCE_FIELDS = ("starts_at", "ends_at", "title", "description", "location_id", "status")
ROLE_FIELDS = ("role", "needed", "qualification_id", "roles")


@dataclass(frozen=True)
class EditorData:
    """What the editor shows, read in one go off the GUI thread."""

    causes: Sequence[tuple[int, str, str, bool]]
    locations: Sequence[tuple[int, str]]
    qualifications: Sequence[tuple[int, str]]
    event: Event | None = None
    series: EventDraft | None = None
    shown: EventDraft | None = None
    roles: tuple[RoleDraft, ...] = ()


def load_editor_data(
    context: ViewContext, event_id: int | None, occurrence: datetime | None
) -> EditorData:
    """Read the lists and the event (runs on the worker thread)."""
    services = context.services
    causes = [(c.id, c.name, c.colour, c.active) for c in services.causes.list()]
    locations = [(place.id, place.name) for place in services.locations.list()]
    qualifications = [(q.id, q.name) for q in services.qualifications.list()]
    if event_id is None:
        return EditorData(causes, locations, qualifications)
    event = series_service(context).get(event_id)
    series = draft_of(event)
    roles = roles_of(event.shifts)
    override = next((o for o in event.overrides if o.recurrence_id == occurrence), None)
    shown = occurrence_draft(event, occurrence, override) if occurrence else series
    return EditorData(causes, locations, qualifications, event, series, shown, roles)


class EventEditor(QDialog):
    """Create or edit an event; for a series, edit one occurrence, the rest, or all.

    ``loaded`` is emitted once the event and lists are on show; ``saved(result)`` once a save
    went through (a :class:`SavedSeries`, or the :class:`Event` after a one-date change),
    just before the dialog closes.  A save that had to start at a later date than asked (to
    leave booked past dates alone) says so in a message box over the editor's parent.
    """

    loaded = Signal()
    saved = Signal(object)

    def __init__(
        self,
        context: ViewContext,
        event_id: int | None,
        occurrence: datetime | None = None,
        start: datetime | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """Open on ``event_id`` (``None`` for a new event starting at ``start``).

        ``occurrence`` is the recurrence id of the date of a series being edited.
        """
        super().__init__(parent)
        self.context = context
        self.event_id = event_id
        self.occurrence = occurrence
        self.series = series_service(context)
        # Its edits are undone long after it closed: a refusal is told over its parent.
        self.edits = EventEdits(context, on_error=partial(undo_refused, parent))
        self.data: EditorData | None = None
        self.scope_dialog: ScopeDialog | None = None
        self.notice_box: QMessageBox | None = None
        self.busy = False
        self.saving_scope: Scope | None = None
        self._zone = local_zone_name()
        self._length = DEFAULT_LENGTH
        self._syncing = False
        self.setObjectName("event-editor")
        self.setWindowTitle(self.tr("New event") if event_id is None else self.tr("Edit event"))
        self.setAccessibleName(self.windowTitle())
        self.setSizeGripEnabled(True)
        self._build()
        self._set_defaults(start)
        self._set_enabled(False)
        self.banner.show_message(self.tr("Loading…"))
        submit(
            self,
            context,
            lambda: load_editor_data(context, event_id, occurrence),
            self._show_data,
            self._load_failed,
        )

    # Layout ----------------------------------------------------------------------------

    def _build(self) -> None:
        self.heading = QLabel(self.windowTitle())
        self.heading.setAccessibleName(self.tr("Heading"))
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.35)
        font.setBold(True)
        self.heading.setFont(font)
        self.subheading = QLabel()
        self.subheading.setAccessibleName(self.tr("Which date"))
        self.subheading.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.subheading.setWordWrap(True)
        self.subheading.hide()
        self.banner = Banner(muted=True)

        self.title = QLineEdit()
        self.title.setAccessibleName(self.tr("Title"))
        self.title.setPlaceholderText(self.tr("For example: Tuesday peer-support circle"))
        self.title.setMaxLength(200)
        self.title_problem = ProblemLabel(self.tr("Problem with the title"))

        self.cause = QComboBox()
        self.cause.setAccessibleName(self.tr("Cause"))
        self.cause_problem = ProblemLabel(self.tr("Problem with the cause"))
        self.location = QComboBox()
        self.location.setAccessibleName(self.tr("Location"))
        self.location_problem = ProblemLabel(self.tr("Problem with the location"))

        self.start_date = _date_edit(self.tr("Start date"))
        self.start_time = _time_edit(self.tr("Start time"))
        self.end_date = _date_edit(self.tr("End date"))
        self.end_time = _time_edit(self.tr("End time"))
        self.all_day = QCheckBox(self.tr("All day"))
        self.all_day.setAccessibleName(self.tr("All day"))
        self.starts_problem = ProblemLabel(self.tr("Problem with the start"))
        self.ends_problem = ProblemLabel(self.tr("Problem with the end"))

        self.zone = QComboBox()
        self.zone.setEditable(True)
        self.zone.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.zone.setAccessibleName(self.tr("Time zone"))
        self.zone.setMaxVisibleItems(16)
        names = zone_choices(self._zone)
        self.zone.addItems(names)
        completer = QCompleter(QStringListModel(names, self.zone), self.zone)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.zone.setCompleter(completer)
        line = self.zone.lineEdit()
        assert line is not None
        line.setAccessibleName(self.tr("Time zone"))
        line.setPlaceholderText(self.tr("Type a city, such as London"))
        self.zone_hint = QLabel()
        self.zone_hint.setAccessibleName(self.tr("Offset from UTC"))
        self.zone_hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.zone_problem = ProblemLabel(self.tr("Problem with the time zone"))

        self.capacity = QSpinBox()
        self.capacity.setRange(0, 100_000)
        self.capacity.setSpecialValueText(self.tr("No limit"))
        self.capacity.setAccessibleName(self.tr("Capacity"))
        self.capacity.setToolTip(self.tr("How many people can come (not counting volunteers)"))
        self.capacity_problem = ProblemLabel(self.tr("Problem with the capacity"))

        self.status = QComboBox()
        self.status.setAccessibleName(self.tr("Status"))
        for text, value in (
            (self.tr("Scheduled"), EventStatus.SCHEDULED),
            (self.tr("Draft (not announced yet)"), EventStatus.DRAFT),
            (self.tr("Cancelled"), EventStatus.CANCELLED),
        ):
            self.status.addItem(text, value.value)
        self.status_problem = ProblemLabel(self.tr("Problem with the status"))

        self.description = QPlainTextEdit()
        self.description.setAccessibleName(self.tr("Description"))
        self.description.setTabChangesFocus(True)
        self.description.setPlaceholderText(self.tr("What volunteers and guests should know"))
        self.description.setFixedHeight(self.fontMetrics().lineSpacing() * 5 + 12)
        self.description_problem = ProblemLabel(self.tr("Problem with the description"))

        self.repeat = RecurrenceEditor()
        self.roles = RolesEditor()
        self.roles.table.setMinimumHeight(120)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.setVerticalSpacing(8)
        form.setHorizontalSpacing(12)
        self._add_row(form, self.tr("&Title"), self.title, self.title_problem)
        self._add_row(form, self.tr("&Cause"), self.cause, self.cause_problem)
        self._add_row(form, self.tr("&Location"), self.location, self.location_problem)
        self._add_row(
            form,
            self.tr("&Starts"),
            _row(self.start_date, self.start_time, self.all_day),
            self.starts_problem,
            buddy=self.start_date,
        )
        self._add_row(
            form,
            self.tr("&Ends"),
            _row(self.end_date, self.end_time),
            self.ends_problem,
            buddy=self.end_date,
        )
        self._add_row(
            form,
            self.tr("Time &zone"),
            _row(self.zone, self.zone_hint, stretch_first=True),
            self.zone_problem,
            buddy=self.zone,
        )
        self._add_row(
            form,
            self.tr("Ca&pacity"),
            _row(self.capacity),
            self.capacity_problem,
            buddy=self.capacity,
        )
        self._add_row(
            form, self.tr("S&tatus"), _row(self.status), self.status_problem, buddy=self.status
        )
        self._add_row(form, self.tr("&Description"), self.description, self.description_problem)

        details = QGroupBox(self.tr("Details"))
        details.setAccessibleName(self.tr("Details"))
        details_layout = QVBoxLayout(details)
        details_layout.addLayout(form)
        details_layout.addStretch(1)
        repeat_box = QGroupBox(self.tr("Repeat"))
        repeat_box.setAccessibleName(self.tr("Repeat"))
        repeat_layout = QVBoxLayout(repeat_box)
        repeat_layout.addWidget(self.repeat)
        roles_box = QGroupBox(self.tr("Roles"))
        roles_box.setAccessibleName(self.tr("Roles"))
        roles_layout = QVBoxLayout(roles_box)
        roles_layout.addWidget(self.roles)

        right = QVBoxLayout()
        right.setSpacing(12)
        right.addWidget(repeat_box)
        right.addWidget(roles_box, 1)
        columns = QHBoxLayout()
        columns.setSpacing(16)
        columns.addWidget(details, 5)
        columns.addLayout(right, 5)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.setAccessibleName(self.tr("Dialog buttons"))
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setAccessibleName(self.tr("Save"))
        self.save_button.setToolTip(self.tr("Save the event (Ctrl+Enter)"))
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setAccessibleName(self.tr("Cancel"))
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.save_button.setDefault(True)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.activated.connect(self.save)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 14)
        layout.setSpacing(10)
        layout.addWidget(self.heading)
        layout.addWidget(self.subheading)
        layout.addWidget(self.banner)
        layout.addLayout(columns, 1)
        divider = QFrame()
        divider.setFrameShape(QFrame.Shape.HLine)
        divider.setFrameShadow(QFrame.Shadow.Sunken)
        divider.setAccessibleName(self.tr("Divider"))
        layout.addWidget(divider)
        layout.addWidget(self.buttons)

        self.start_date.dateChanged.connect(self._start_changed)
        self.start_time.timeChanged.connect(self._start_changed)
        self.end_date.dateChanged.connect(self._end_changed)
        self.end_time.timeChanged.connect(self._end_changed)
        self.all_day.toggled.connect(self._all_day_toggled)
        self.zone.currentTextChanged.connect(self._zone_changed)
        self.setTabOrder(self.title, self.cause)
        self.resize(1000, 660)

    def _add_row(
        self,
        form: QFormLayout,
        label: str,
        field: QWidget,
        problem: ProblemLabel,
        *,
        buddy: QWidget | None = None,
    ) -> None:
        holder = QWidget()
        holder.setAccessibleName(label.replace("&", ""))
        column = QVBoxLayout(holder)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(3)
        column.addWidget(field)
        column.addWidget(problem)
        caption = QLabel(label)
        caption.setBuddy(buddy or field)
        form.addRow(caption, holder)

    # Filling in ------------------------------------------------------------------------

    def _set_defaults(self, start: datetime | None) -> None:
        self._select_zone(self._zone)
        if start is None:
            now = datetime.now(ZoneInfo(self._zone)).replace(minute=0, second=0, microsecond=0)
            start = now + timedelta(hours=1)
        self._show_times(start, start + DEFAULT_LENGTH, self._zone, all_day=False)
        self.repeat.set_rule(None, start, self._zone)

    def _show_data(self, data: EditorData) -> None:
        self.data = data
        self.banner.clear()
        self.fill(data)
        self._set_enabled(not self.context.read_only)
        if self.context.read_only:
            self.banner.show_message(
                self.tr("This database is open read-only: you can look, but not change.")
            )
        self.title.setFocus()
        self.title.selectAll()
        self.loaded.emit()

    def fill(self, data: EditorData) -> None:
        """Show ``data``'s lists and values in the form (``data`` is not kept)."""
        self._fill_lists(data)
        self.roles.model.set_qualifications(data.qualifications)
        shown = data.shown
        if data.event is not None and shown is not None and data.series is not None:
            self.title.setText(shown.title)
            self._select_data(self.cause, shown.cause_id)
            self._select_data(self.location, shown.location_id)
            self._select_zone(shown.timezone)
            self._show_times(shown.starts_at, shown.ends_at, shown.timezone, all_day=shown.all_day)
            self.capacity.setValue(shown.capacity or 0)
            self.status.setCurrentIndex(self.status.findData(shown.status.value))
            self.description.setPlainText(shown.description)
            self.repeat.set_rule(data.series.rrule, data.series.starts_at, data.series.timezone)
            self.repeat.set_start(shown.starts_at, shown.timezone)
            self.repeat.set_removed([e.occurrence_start for e in data.event.exceptions])
            self.roles.model.set_roles(data.roles)
            self._describe_scope(data)

    def _fill_lists(self, data: EditorData) -> None:
        current_cause = data.shown.cause_id if data.shown else None
        self.cause.clear()
        self.cause.addItem(self.tr("No cause"), None)
        for cause_id, name, colour, active in data.causes:
            if active or cause_id == current_cause:
                text = name if active else self.tr("{name} (archived)").format(name=name)
                self.cause.addItem(colour_dot(colour), text, cause_id)
        self.location.clear()
        self.location.addItem(self.tr("No place"), None)
        for location_id, name in data.locations:
            self.location.addItem(name, location_id)

    def _describe_scope(self, data: EditorData) -> None:
        assert data.event is not None and data.series is not None
        if not data.series.rrule:
            self.heading.setText(self.tr("Edit “{title}”").format(title=data.series.title))
            return
        self.heading.setText(
            self.tr("Edit repeating event “{title}”").format(title=data.series.title)
        )
        if self.occurrence is not None:
            day = day_text(self.occurrence, data.series.timezone)
            text = self.tr(
                "You are editing the date {day}. When you save, you can choose whether the "
                "changes are for this date only, for this and the following dates, or for all."
            ).format(day=day)
        else:
            text = self.tr("Changes apply to every date of the series.")
        self.subheading.setText(text)
        self.subheading.show()

    def _select_data(self, combo: QComboBox, value: object) -> None:
        combo.setCurrentIndex(max(combo.findData(value), 0))

    def _select_zone(self, name: str) -> None:
        found = self.zone.findText(name)
        if found < 0:
            self.zone.addItem(name)
            found = self.zone.count() - 1
        self.zone.setCurrentIndex(found)
        self._zone = name

    def _show_times(self, starts: datetime, ends: datetime, tz: str, *, all_day: bool) -> None:
        self._syncing = True
        start, end = local_wall(starts, tz), local_wall(ends, tz)
        if all_day:
            end = end.addDays(-1)
        self.start_date.setDate(start.date())
        self.start_time.setTime(start.time())
        self.end_date.setDate(end.date())
        self.end_time.setTime(end.time())
        self.all_day.setChecked(all_day)
        self._syncing = False
        self._all_day_toggled(all_day)
        self._length = self._local_end() - self._local_start()
        self._update_zone_hint()

    # Reacting to edits -----------------------------------------------------------------

    def _local_start(self) -> datetime:
        day = self.start_date.date()
        moment = time(0) if self.all_day.isChecked() else _time(self.start_time.time())
        return datetime.combine(_date(day), moment)

    def _local_end(self) -> datetime:
        day = self.end_date.date()
        if self.all_day.isChecked():
            return datetime.combine(_date(day) + timedelta(days=1), time(0))
        return datetime.combine(_date(day), _time(self.end_time.time()))

    def _start_changed(self) -> None:
        if self._syncing:
            return
        if self._length > timedelta(0):
            end = self._local_start() + self._length
            if self.all_day.isChecked():
                end -= timedelta(days=1)
            self._syncing = True
            self.end_date.setDate(QDate(end.year, end.month, end.day))
            self.end_time.setTime(QTime(end.hour, end.minute))
            self._syncing = False
        self._times_changed()

    def _end_changed(self) -> None:
        if self._syncing:
            return
        self._length = self._local_end() - self._local_start()
        self._times_changed()

    def _times_changed(self) -> None:
        self._update_zone_hint()
        self.repeat.set_start(self._aware(self._local_start()), self._valid_zone())

    def _all_day_toggled(self, checked: bool) -> None:
        self.start_time.setVisible(not checked)
        self.end_time.setVisible(not checked)
        if not self._syncing:
            self._length = self._local_end() - self._local_start()
            self._times_changed()

    def _zone_changed(self, name: str) -> None:
        if is_known_zone(name.strip()):
            self._zone = name.strip()
            mark_invalid(self.zone, False)
            self.zone_problem.clear_problem()
        self._times_changed()

    def _update_zone_hint(self) -> None:
        zone = self._valid_zone()
        self.zone_hint.setText(zone_hint(zone, self._aware(self._local_start())))

    def _valid_zone(self) -> str:
        name = self.zone.currentText().strip()
        return name if is_known_zone(name) else self._zone

    def _aware(self, local: datetime, tz: str | None = None) -> datetime:
        return local.replace(tzinfo=ZoneInfo(tz or self._valid_zone())).astimezone(UTC)

    # Saving ----------------------------------------------------------------------------

    def draft(self) -> EventDraft:
        """The event as the form shows it (times of the date on show)."""
        typed_zone = self.zone.currentText().strip()
        zone = typed_zone if is_known_zone(typed_zone) else self._zone
        starts = self._aware(self._local_start(), zone)
        return EventDraft(
            title=self.title.text(),
            starts_at=starts,
            ends_at=self._aware(self._local_end(), zone),
            timezone=typed_zone,
            description=self.description.toPlainText(),
            cause_id=_id_or_none(self.cause.currentData(), CauseId),
            location_id=_id_or_none(self.location.currentData(), LocationId),
            all_day=self.all_day.isChecked(),
            capacity=self.capacity.value() or None,
            status=EventStatus(self.status.currentData()),
            rrule=self.repeat.rule(starts, zone),
        )

    def save(self) -> None:
        """Check and save; a series asks which dates first."""
        if self.busy or self.data is None or self.context.read_only:
            return
        self.roles.table.setFocus()  # commits a role cell still being typed
        self.clear_problems()
        draft = self.draft()
        data = self.data
        if data.event is None:
            roles = self.roles.model.roles()
            self._run(lambda: self.series.create(draft, roles), self._created)
            return
        if not self._is_changed(draft):
            self.accept()
            return
        if data.series is not None and data.series.rrule and self.occurrence is not None:
            self._check_then_ask_scope(draft)
            return
        self._save_series(draft, Scope.ALL)

    def save_again(self, scope: Scope) -> None:
        """Save what the form shows for ``scope`` without asking (after a conflict)."""
        if self.busy or self.data is None or self.data.event is None:
            return
        self.roles.table.setFocus()
        self.clear_problems()
        draft = self.draft()
        if not self._is_changed(draft):
            self.accept()
            return
        self._save_series(draft, scope)

    def _check_then_ask_scope(self, draft: EventDraft) -> None:
        """Point out problems first; only a draft that can be saved asks which dates."""
        assert self.data is not None and self.data.event is not None
        roles, event_id = self.roles.model.roles(), self.data.event.id

        def checked(problems: list[FieldProblem]) -> None:
            self._idle()
            if problems:
                self.show_problems(problems)
            else:
                self._ask_scope(draft)

        self._busy(self.tr("Checking…"))
        submit(
            self,
            self.context,
            lambda: self.series.problems(draft, roles, event_id),
            checked,
            self._save_failed,
        )

    def _ask_scope(self, draft: EventDraft) -> None:
        assert self.data is not None and self.data.series is not None
        assert self.occurrence is not None
        dialog = ScopeDialog(
            self.data.series.title,
            day_text(self.occurrence, self.data.series.timezone),
            occurrence_allowed=self._one_date_can_take(draft),
            parent=self,
        )
        self.scope_dialog = dialog
        dialog.accepted.connect(lambda: self._scope_chosen(dialog.scope(), draft))
        dialog.finished.connect(self._scope_closed)
        dialog.open()

    def _scope_closed(self) -> None:
        if self.scope_dialog is not None:
            self.scope_dialog.deleteLater()
            self.scope_dialog = None

    def _scope_chosen(self, scope: Scope, draft: EventDraft) -> None:
        if scope is Scope.OCCURRENCE:
            self._save_occurrence(draft)
        else:
            self._save_series(draft, scope)

    def _save_series(self, draft: EventDraft, scope: Scope) -> None:
        data = self.data
        assert data is not None and data.event is not None
        roles = self.roles.model.roles()
        restored = self.repeat.restored()
        event_id, occurrence = data.event.id, self.occurrence
        self.saving_scope = scope

        def again(version: int) -> SavedSeries:
            return self.series.update(
                event_id,
                version,
                draft,
                roles,
                scope=scope,
                occurrence=occurrence,
                restore_removed=restored,
            )

        version = data.event.version
        self._run(lambda: again(version), lambda saved: self._updated(saved, again))

    def _save_occurrence(self, edited: EventDraft) -> None:
        data = self.data
        assert data is not None and data.event is not None and data.shown is not None
        assert self.occurrence is not None
        changes = {
            name: getattr(edited, name)
            for name in OCCURRENCE_FIELDS
            if getattr(edited, name) != getattr(data.shown, name)
        }
        event_id, occurrence = data.event.id, self.occurrence
        events = self.context.services.events
        self.saving_scope = Scope.OCCURRENCE

        def again(version: int) -> Event:
            return events.change_occurrence(event_id, version, occurrence, **changes)

        def work() -> tuple[SeriesState, Event]:
            before = self.series.capture(event_id)
            return before, again(data.event.version if data.event else 0)

        self._run(work, lambda result: self._occurrence_saved(result, again))

    def _is_changed(self, draft: EventDraft) -> bool:
        data = self.data
        assert data is not None and data.shown is not None
        return (
            draft != data.shown
            or self.repeat.is_changed()
            or tuple(self.roles.model.roles()) != data.roles
        )

    def _one_date_can_take(self, draft: EventDraft) -> bool:
        data = self.data
        assert data is not None and data.shown is not None
        shared = [f.name for f in fields(EventDraft) if f.name not in OCCURRENCE_FIELDS]
        return (
            all(getattr(draft, name) == getattr(data.shown, name) for name in shared)
            and not self.repeat.is_changed()
            and tuple(self.roles.model.roles()) == data.roles
        )

    def reject(self) -> None:
        """Close without saving (not while a save is on its way)."""
        if not self.busy:
            super().reject()

    def _busy(self, message: str) -> None:
        self.busy = True
        self.save_button.setEnabled(False)
        self.cancel_button.setEnabled(False)
        self.banner.show_message(message)

    def _idle(self) -> None:
        self.busy = False
        self.save_button.setEnabled(True)
        self.cancel_button.setEnabled(True)
        self.banner.clear()

    def _run(self, work: Callable[[], Any], done: Callable[[Any], None]) -> None:
        self._busy(self.tr("Saving…"))
        submit(
            self, self.context, work, lambda result: self._finish(done, result), self._save_failed
        )

    def _finish(self, done: Callable[[Any], None], result: Any) -> None:
        self._idle()
        done(result)
        self.saved.emit(result)
        notice = getattr(result, "notice", "")
        if notice:
            self.notice_box = message_box(
                self.parentWidget(),
                QMessageBox.Icon.Information,
                self.tr("Saved from a later date"),
                notice,
            )
        self.accept()

    def _created(self, saved: SavedSeries) -> None:
        self.edits.created(saved)

    def _updated(self, saved: SavedSeries, again: Callable[[int], SavedSeries]) -> None:
        self.edits.saved(saved, again)

    def _occurrence_saved(
        self, result: tuple[SeriesState, Event], again: Callable[[int], Event]
    ) -> None:
        before, event = result
        self.edits.occurrence_changed(before, event, again)

    # Problems --------------------------------------------------------------------------

    def _save_failed(self, error: Exception) -> None:
        self._idle()
        if isinstance(error, ConflictError) and self.data is not None:
            from organizer.ui.sharing.conflicts import resolve_event_conflict

            resolve_event_conflict(self, error)
        elif isinstance(error, ValidationError):
            self.show_problems(error.problems)
        elif isinstance(error, OrganizerError):
            self.banner.show_problem(str(error))
        else:
            raise error

    def _load_failed(self, error: Exception) -> None:
        if not isinstance(error, OrganizerError):
            raise error
        self.banner.show_problem(str(error))
        self.cancel_button.setEnabled(True)

    def show_problems(self, problems: Sequence[FieldProblem]) -> None:
        """Show each problem next to its field (others at the top); the dialog stays open."""
        by_field: dict[str, list[str]] = {}
        for problem in problems:
            by_field.setdefault(problem.field, []).append(problem.message)
        placed: dict[str, tuple[ProblemLabel, list[QWidget]]] = {
            "title": (self.title_problem, [self.title]),
            "cause_id": (self.cause_problem, [self.cause]),
            "location_id": (self.location_problem, [self.location]),
            "starts_at": (self.starts_problem, [self.start_date, self.start_time]),
            "ends_at": (self.ends_problem, [self.end_date, self.end_time]),
            "timezone": (self.zone_problem, [self.zone]),
            "capacity": (self.capacity_problem, [self.capacity]),
            "status": (self.status_problem, [self.status]),
            "description": (self.description_problem, [self.description]),
        }
        for name, (label, widgets) in placed.items():
            messages = by_field.pop(name, [])
            label.show_problems(messages)
            for widget in widgets:
                mark_invalid(widget, bool(messages))
        self.repeat.show_problem("\n".join(by_field.pop("recurrence", [])) or None)
        role_messages = [m for name in ROLE_FIELDS for m in by_field.pop(name, [])]
        rows = {p.row: p.message for p in problems if isinstance(p, RoleProblem)}
        self.roles.show_problems(role_messages, rows)
        leftover = [m for messages in by_field.values() for m in messages]
        if leftover:
            self.banner.show_problem("\n".join(leftover))
        first = next(
            (widgets[0] for label, widgets in placed.values() if not label.isHidden()), None
        )
        if first is not None:
            first.setFocus()

    def clear_problems(self) -> None:
        """Hide every problem."""
        self.show_problems(())
        self.banner.clear()

    def _set_enabled(self, enabled: bool) -> None:
        for widget in (
            self.title,
            self.cause,
            self.location,
            self.start_date,
            self.start_time,
            self.end_date,
            self.end_time,
            self.all_day,
            self.zone,
            self.capacity,
            self.status,
            self.description,
        ):
            widget.setEnabled(enabled)
        self.repeat.set_read_only(not enabled)
        self.roles.set_read_only(not enabled)
        self.save_button.setEnabled(enabled)
        self.save_button.setVisible(not self.context.read_only)
        if self.context.read_only:
            self.cancel_button.setText(self.tr("Close"))


def _row(*widgets: QWidget, stretch_first: bool = False) -> QWidget:
    holder = QWidget()
    holder.setAccessibleName(widgets[0].accessibleName())
    layout = QHBoxLayout(holder)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(8)
    for number, widget in enumerate(widgets):
        layout.addWidget(widget, 1 if stretch_first and number == 0 else 0)
    if not stretch_first:
        layout.addStretch(1)
    return holder


def _date_edit(name: str) -> QDateEdit:
    edit = QDateEdit()
    edit.setCalendarPopup(True)
    edit.setDisplayFormat(DAY_FORMAT)
    edit.setAccessibleName(name)
    edit.setMinimumWidth(150)
    return edit


def _time_edit(name: str) -> QTimeEdit:
    edit = QTimeEdit()
    edit.setDisplayFormat(QLocale().timeFormat(QLocale.FormatType.ShortFormat))
    edit.setAccessibleName(name)
    return edit


def _date(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def _time(value: QTime) -> time:
    return time(value.hour(), value.minute())


def _id_or_none(value: object, kind: Callable[[int], Any]) -> Any:
    return None if value is None else kind(int(str(value)))


__all__ = ["EditorData", "EventEditor", "load_editor_data"]
