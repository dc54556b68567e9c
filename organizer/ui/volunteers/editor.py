"""The volunteer editor: contact details, qualifications, availability, limits, consent.

Saving sends only what changed, in one undoable step; a problem the services find is shown
next to its field (or on its row) and the tab holding it comes to the front.
"""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from typing import Any

from PySide6.QtCore import QDate, Qt, QTime, Signal, Slot
from PySide6.QtGui import QCloseEvent, QIcon
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QStyle,
    QTabWidget,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from organizer.errors import ConflictError, OrganizerError, ValidationError
from organizer.models import Qualification, Volunteer
from organizer.models.ids import QualificationId
from organizer.services import Blackout, HeldQualification, VolunteerDraft, WeeklyWindow
from organizer.timezones import local_zone_name, zone_choices
from organizer.ui.context import ViewContext
from organizer.ui.sharing.presence import watch_record
from organizer.ui.tones import scaled_font
from organizer.ui.volunteers.edits import VolunteerEdits
from organizer.ui.volunteers.forms import (
    OptionalDateEdit,
    ProblemLabel,
    RowEditor,
    RowList,
    date_edit,
    mark,
    muted_label,
    to_date,
)
from organizer.ui.volunteers.record import ConsentEntry, VolunteerRecord
from organizer.ui.volunteers.text import day_text, qdate, qtime, tr, weekday_names
from organizer.ui.worker import submit_owned
from organizer.validation import strip_or_none

CONTACT, QUALIFICATIONS, AVAILABILITY, BLACKOUTS, LIMITS, CONSENT, PRIVATE = range(7)
PRONOUN_SUGGESTIONS = ("", "she/her", "he/him", "they/them", "she/they", "he/they")
CONSENT_SUGGESTIONS = (
    "Contact by email",
    "Contact by text message",
    "Photos",
    "Sharing details with partner groups",
)
_ROW_FIELD = re.compile(r"^(\w+)\[(\d+)\]$")


def _time_edit(accessible_name: str, value: time) -> QTimeEdit:
    edit = QTimeEdit()
    edit.setAccessibleName(accessible_name)
    edit.setTime(qtime(value))
    return edit


def _to_time(value: QTime) -> time:
    return time(value.hour(), value.minute())


# Rows ----------------------------------------------------------------------------------------


class QualificationRow(RowEditor[HeldQualification]):
    """A qualification held: which, when obtained, when it expires; expired ones say so."""

    def __init__(self, choices: list[Qualification], held: HeldQualification | None) -> None:
        """A row offering ``choices``, showing ``held`` (or the first choice)."""
        self.choices = {q.id: q for q in choices}
        self.combo = QComboBox()
        self.combo.setAccessibleName(tr("Qualification"))
        for qualification in choices:
            self.combo.addItem(qualification.name, qualification.id)
        self.obtained = OptionalDateEdit(tr("Obtained on"), tr("Not known"))
        self.expires = OptionalDateEdit(tr("Expires on"), tr("No expiry"))
        self.state = ProblemLabel(tr("Expiry"))
        if held is not None:
            self.combo.setCurrentIndex(max(self.combo.findData(held.qualification_id), 0))
            self.obtained.set_value(held.obtained_on)
            self.expires.set_value(held.expires_on)
        self.obtained.dateChanged.connect(self._suggest_expiry)
        self.expires.dateChanged.connect(self._show_state)
        super().__init__([self.combo, self.obtained, self.expires, self.state])
        self._show_state()

    def value(self) -> HeldQualification:
        """The qualification, with its dates."""
        return HeldQualification(
            QualificationId(self.combo.currentData()), self.obtained.value(), self.expires.value()
        )

    def _suggest_expiry(self) -> None:
        chosen = self.choices.get(self.combo.currentData())
        obtained = self.obtained.value()
        if chosen and chosen.validity_months and obtained and self.expires.value() is None:
            months = obtained.month - 1 + chosen.validity_months
            year, month = obtained.year + months // 12, months % 12 + 1
            day = min(obtained.day, 28)
            self.expires.set_value(date(year, month, day))

    def _show_state(self) -> None:
        expires = self.expires.value()
        self.state.say(tr("Expired") if expires is not None and expires < date.today() else "")


class WindowRow(RowEditor[WeeklyWindow]):
    """A weekly time someone is usually free."""

    def __init__(self, window: WeeklyWindow) -> None:
        """A row showing ``window``."""
        self.day = QComboBox()
        self.day.setAccessibleName(tr("Day"))
        self.day.addItems(weekday_names())
        self.day.setCurrentIndex(window.weekday)
        self.starts = _time_edit(tr("From"), window.starts)
        self.ends = _time_edit(tr("Until"), window.ends)
        super().__init__([self.day, self.starts, self.ends])

    def value(self) -> WeeklyWindow:
        """The day and times."""
        return WeeklyWindow(
            self.day.currentIndex(), _to_time(self.starts.time()), _to_time(self.ends.time())
        )


class BlackoutRow(RowEditor[Blackout]):
    """Days someone is away, both included, and why."""

    def __init__(self, blackout: Blackout) -> None:
        """A row showing ``blackout``."""
        self.first = date_edit(tr("First day away"), blackout.starts_on)
        self.last = date_edit(tr("Last day away"), blackout.ends_on)
        self.reason = QLineEdit(blackout.reason)
        self.reason.setAccessibleName(tr("Reason"))
        self.reason.setPlaceholderText(tr("Optional"))
        self.first.dateChanged.connect(self._keep_order)
        super().__init__([self.first, self.last, self.reason])

    def value(self) -> Blackout:
        """The days and the reason."""
        return Blackout(to_date(self.first.date()), to_date(self.last.date()), self.reason.text())

    def _keep_order(self, first: QDate) -> None:
        if self.last.date() < first:
            self.last.setDate(first)


class ConsentRow(RowEditor[ConsentEntry]):
    """A consent record.  Saved ones can only be withdrawn; new ones can be changed freely."""

    def __init__(self, consent: ConsentEntry | None) -> None:
        """A row for ``consent``, or a new consent given today."""
        self.saved = consent if consent is not None and consent.id is not None else None
        self.removable = self.saved is None
        self.withdrawn = OptionalDateEdit(tr("Withdrawn on"), tr("Not withdrawn"))
        self.withdrawn.setToolTip(tr("The day they withdrew it; leave empty while it stands"))
        fields: list[QWidget]
        if self.saved is not None:
            self.covers_text = self.saved.covers
            covers = QLabel(self.saved.covers)
            covers.setAccessibleName(tr("Consent covers"))
            given = QLabel(day_text(self.saved.given_on))
            given.setAccessibleName(tr("Given on"))
            note = QLabel(self.saved.note)
            note.setAccessibleName(tr("Note"))
            self.withdrawn.set_value(self.saved.withdrawn_on)
            self.withdrawn.setEnabled(self.saved.withdrawn_on is None)
            fields = [covers, given, self.withdrawn, note]
        else:
            self.covers = QComboBox()
            self.covers.setEditable(True)
            self.covers.setAccessibleName(tr("Consent covers"))
            self.covers.addItems(CONSENT_SUGGESTIONS)
            self.covers.setCurrentText(consent.covers if consent else "")
            line = self.covers.lineEdit()
            if line is not None:
                line.setPlaceholderText(tr("What they agreed to"))
            self.given = date_edit(tr("Given on"), consent.given_on if consent else None)
            self.note = QLineEdit(consent.note if consent else "")
            self.note.setAccessibleName(tr("Note"))
            self.note.setPlaceholderText(tr("Optional"))
            self.withdrawn.set_value(consent.withdrawn_on if consent else None)
            fields = [self.covers, self.given, self.withdrawn, self.note]
        super().__init__(fields)

    def value(self) -> ConsentEntry:
        """The consent as it now stands."""
        if self.saved is not None:
            return ConsentEntry(
                self.saved.covers,
                self.saved.given_on,
                self.withdrawn.value(),
                self.saved.note,
                self.saved.id,
            )
        return ConsentEntry(
            self.covers.currentText().strip(),
            to_date(self.given.date()),
            self.withdrawn.value(),
            self.note.text().strip(),
        )


# The editor ------------------------------------------------------------------------------------


class VolunteerEditor(QDialog):
    """Edits one volunteer (or a new one); ``saved`` carries their id and name once stored.

    Loads in the background; saves through :class:`VolunteerEdits` so Ctrl+Z undoes the whole
    save.  On a read-only file everything is shown and nothing can be changed.
    """

    saved = Signal(int, str)

    def __init__(
        self,
        context: ViewContext,
        volunteer_id: int | None,
        parent: QWidget | None = None,
        *,
        edits: VolunteerEdits | None = None,
    ) -> None:
        """Lay out the editor and start loading ``volunteer_id`` (``None`` for someone new)."""
        super().__init__(parent)
        self.context = context
        self.volunteer_id = volunteer_id
        self.edits = edits or VolunteerEdits(context, self)
        self.loaded: VolunteerRecord | None = None
        self.version: int | None = None
        self.initial: VolunteerRecord | None = None
        self.active = True
        self.choices: list[Qualification] = []
        self.fields: dict[str, tuple[QWidget, ProblemLabel, int]] = {}
        self.setWindowTitle(tr("New volunteer") if volunteer_id is None else tr("Volunteer"))
        self.setAccessibleName(tr("Volunteer editor"))
        self.setMinimumSize(640, 480)
        self.resize(760, 560)

        self.heading = QLabel(tr("New volunteer") if volunteer_id is None else tr("Loading…"))
        self.heading.setFont(scaled_font(self.font(), 1.35))
        self.heading.setAccessibleName(tr("Heading"))
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName(tr("Sections"))
        for page, title in (
            (self._contact_tab(), tr("&Contact")),
            (self._qualifications_tab(), tr("&Qualifications")),
            (self._availability_tab(), tr("&Availability")),
            (self._blackouts_tab(), tr("A&way")),
            (self._limits_tab(), tr("&Limits")),
            (self._consent_tab(), tr("Co&nsent")),
            (self._private_tab(), tr("&Private")),
        ):
            page.setAccessibleName(title.replace("&", ""))
            self.tabs.addTab(page, title)
        self.general = ProblemLabel(tr("Problem"))
        self.read_only_note = muted_label(
            tr("This file is open read-only: you can look, but not change anything."),
            tr("Read-only"),
        )
        self.read_only_note.hide()
        self.reload_button = QPushButton(tr("Reload their details"))
        self.reload_button.setAccessibleName(tr("Reload their details"))
        self.reload_button.hide()
        self.reload_button.clicked.connect(self.load)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setAccessibleName(tr("Save"))
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setAccessibleName(tr("Cancel"))
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        problems = QHBoxLayout()
        problems.addWidget(self.read_only_note, 1)
        problems.addWidget(self.general, 1)
        problems.addWidget(self.reload_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.setSpacing(12)
        layout.addWidget(self.heading)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(problems)
        layout.addWidget(self.buttons)
        watch_record(self, context, "volunteer", lambda: self.volunteer_id, layout, 1)
        self.name.textChanged.connect(self._show_name)
        if context.read_only:
            self._make_read_only()
        self.load()

    # Tabs ------------------------------------------------------------------------------------

    def _form_tab(self, intro: str = "") -> tuple[QWidget, QFormLayout]:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.setSpacing(12)
        if intro:
            layout.addWidget(muted_label(intro, tr("About this section")))
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.setVerticalSpacing(10)
        layout.addLayout(form)
        layout.addStretch(1)
        return page, form

    def _field(
        self, form: QFormLayout, tab: int, key: str, label: str, widget: QWidget, hint: str = ""
    ) -> None:
        widget.setAccessibleName(label.replace("&", ""))
        problem = ProblemLabel(tr("{field} problem").format(field=label.replace("&", "")))
        column = QVBoxLayout()
        column.setSpacing(3)
        column.addWidget(widget)
        if hint:
            note = muted_label(hint, tr("{field} note").format(field=label.replace("&", "")))
            note.setWordWrap(False)
            column.addWidget(note)
        column.addWidget(problem)
        caption = QLabel(label)
        caption.setBuddy(widget)
        form.addRow(caption, column)
        self.fields[key] = (widget, problem, tab)

    def _contact_tab(self) -> QWidget:
        page, form = self._form_tab()
        self.name = QLineEdit()
        self.name.setPlaceholderText(tr("As they like to be called"))
        self.email = QLineEdit()
        self.email.setPlaceholderText(tr("name@example.org"))
        self.phone = QLineEdit()
        self.pronouns = QComboBox()
        self.pronouns.setEditable(True)
        self.pronouns.addItems(PRONOUN_SUGGESTIONS)
        self.joined = date_edit(tr("Joined on"))
        self.timezone = QComboBox()
        self.timezone.setEditable(True)
        self.timezone.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.timezone.addItems(zone_choices(local_zone_name()))
        completer = QCompleter(self.timezone.model(), self.timezone)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.timezone.setCompleter(completer)
        self.timezone.setCurrentText(local_zone_name())
        for short in (self.pronouns, self.joined, self.timezone):
            short.setMinimumWidth(
                self.fontMetrics().horizontalAdvance("America/Argentina/Buenos_Aires") + 48
            )
            short.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self._field(form, CONTACT, "name", tr("Na&me"), self.name)
        self._field(form, CONTACT, "email", tr("&Email"), self.email)
        self._field(
            form, CONTACT, "phone", tr("P&hone"), self.phone, tr("Private: never shown in lists.")
        )
        self._field(form, CONTACT, "pronouns", tr("P&ronouns"), self.pronouns)
        self._field(form, CONTACT, "joined_on", tr("&Joined on"), self.joined)
        self._field(
            form,
            CONTACT,
            "timezone",
            tr("&Time zone"),
            self.timezone,
            tr("Where they live: their availability is in this zone."),
        )
        return page

    def _list_tab(self, rows: RowList[Any], intro: str) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.setSpacing(12)
        layout.addWidget(muted_label(intro, tr("About this section")))
        layout.addWidget(rows, 1)
        return page

    def _qualifications_tab(self) -> QWidget:
        self.qualification_rows: RowList[HeldQualification] = RowList(
            tr("Qualifications"),
            [tr("Qualification"), tr("Obtained"), tr("Expires"), ""],
            tr("A&dd a qualification"),
            tr("No qualifications recorded."),
            lambda held: QualificationRow(self.choices, held),
        )
        return self._list_tab(
            self.qualification_rows,
            tr("What they are trained or checked for. Leave a date empty if you do not know it."),
        )

    def _availability_tab(self) -> QWidget:
        self.window_rows: RowList[WeeklyWindow] = RowList(
            tr("Weekly availability"),
            [tr("Day"), tr("From"), tr("Until")],
            tr("A&dd a time"),
            tr("No weekly times given: they are asked shift by shift."),
            self._new_window,
        )
        return self._list_tab(
            self.window_rows, tr("When they are usually free each week, in their own time zone.")
        )

    def _new_window(self, window: WeeklyWindow | None) -> WindowRow:
        if window is None:
            last = self.window_rows.values()[-1:] if self.window_rows.rows else []
            window = (
                WeeklyWindow((last[0].weekday + 1) % 7, last[0].starts, last[0].ends)
                if last
                else WeeklyWindow(0, time(9), time(12))
            )
        return WindowRow(window)

    def _blackouts_tab(self) -> QWidget:
        self.blackout_rows: RowList[Blackout] = RowList(
            tr("Dates away"),
            [tr("First day"), tr("Last day"), tr("Reason")],
            tr("A&dd dates away"),
            tr("No dates away."),
            lambda blackout: BlackoutRow(
                blackout or Blackout(date.today(), date.today() + timedelta(days=6))
            ),
            stretch=2,
        )
        return self._list_tab(
            self.blackout_rows, tr("Days they cannot help at all, such as holidays.")
        )

    def _limits_tab(self) -> QWidget:
        page, form = self._form_tab(
            tr("The most they want to give. Leave “No limit” if they have not asked for one.")
        )
        self.week_limit = self._hours_box()
        self.month_limit = self._hours_box()
        self._field(form, LIMITS, "max_hours_per_week", tr("Hours a wee&k"), self.week_limit)
        self._field(form, LIMITS, "max_hours_per_month", tr("Hours a m&onth"), self.month_limit)
        return page

    @staticmethod
    def _hours_box() -> QDoubleSpinBox:
        box = QDoubleSpinBox()
        box.setRange(0, 744)
        box.setDecimals(1)
        box.setSingleStep(1)
        box.setSpecialValueText(tr("No limit"))
        box.setSuffix(tr(" hours"))
        return box

    def _consent_tab(self) -> QWidget:
        self.consent_rows: RowList[ConsentEntry] = RowList(
            tr("Consent"),
            [tr("Covers"), tr("Given on"), tr("Withdrawn on"), tr("Note")],
            tr("Recor&d consent"),
            tr("No consent recorded."),
            ConsentRow,
            stretch=3,
        )
        return self._list_tab(
            self.consent_rows,
            tr(
                "What they agreed to, and when. Saved records stay as evidence: to stop "
                "one, set the day it was withdrawn."
            ),
        )

    def _private_tab(self) -> QWidget:
        page, form = self._form_tab(
            tr("Private: only shown here. Lists and summaries never show these details.")
        )
        self.emergency_name = QLineEdit()
        self.emergency_phone = QLineEdit()
        self.notes = QPlainTextEdit()
        self.notes.setTabChangesFocus(True)
        self.notes.setMinimumHeight(120)
        self._field(
            form, PRIVATE, "emergency_contact_name", tr("&Emergency contact"), self.emergency_name
        )
        self._field(
            form,
            PRIVATE,
            "emergency_contact_phone",
            tr("Emergency p&hone"),
            self.emergency_phone,
        )
        self._field(form, PRIVATE, "notes", tr("N&otes"), self.notes)
        self.health_notes = QPlainTextEdit()
        self.health_notes.setTabChangesFocus(True)
        self.health_notes.setMinimumHeight(80)
        self.health_notes.setPlaceholderText(
            tr("Only what helps keep them safe, with their agreement (for example, an allergy).")
        )
        self._field(form, PRIVATE, "health_notes", tr("&Health notes"), self.health_notes)
        return page

    # Loading and filling -------------------------------------------------------------------------

    @Slot()
    def load(self) -> None:
        """Load the qualifications on offer and the volunteer (in the background)."""
        services, volunteer_id = self.context.services, self.volunteer_id
        self._set_busy(tr("Loading…"))

        def work() -> tuple[list[Qualification], Volunteer | None]:
            held = services.volunteers.get(volunteer_id) if volunteer_id is not None else None
            return services.qualifications.list(), held

        submit_owned(self.context.worker, self, work, on_done=self._loaded, on_error=self._failed)

    def _loaded(self, result: tuple[list[Qualification], Volunteer | None]) -> None:
        self.choices, row = result
        self.clear_problems()
        self.qualification_rows.add_button.setEnabled(bool(self.choices))
        if not self.choices:
            self.qualification_rows.empty.setText(tr("No qualifications are set up yet."))
        if row is not None:
            self.loaded = VolunteerRecord.of(row)
            self.version = row.version
            self.fill(self.loaded)
            self.setWindowTitle(tr("Volunteer — {name}").format(name=row.name))
        self.initial = self.record().normalised()
        self._set_busy("")
        self.name.setFocus()

    def fill(self, record: VolunteerRecord) -> None:
        """Show ``record`` in the form."""
        draft = record.draft
        self.active = draft.active
        self.name.setText(draft.name)
        self.email.setText(draft.email or "")
        self.phone.setText(draft.phone or "")
        self.pronouns.setCurrentText(draft.pronouns)
        self.joined.setDate(qdate(draft.joined_on))
        self.timezone.setCurrentText(draft.timezone)
        self.week_limit.setValue(draft.max_hours_per_week or 0)
        self.month_limit.setValue(draft.max_hours_per_month or 0)
        self.emergency_name.setText(draft.emergency_contact_name)
        self.emergency_phone.setText(draft.emergency_contact_phone)
        self.notes.setPlainText(draft.notes)
        self.health_notes.setPlainText(draft.health_notes)
        names = {q.id: q.name for q in self.choices}
        self.qualification_rows.set_values(
            sorted(record.qualifications, key=lambda q: names.get(q.qualification_id, ""))
        )
        self.window_rows.set_values(record.availability)
        self.blackout_rows.set_values(record.blackouts)
        self.consent_rows.set_values(record.consents)

    def record(self) -> VolunteerRecord:
        """The volunteer as the form describes them, rows in the order shown."""
        draft = VolunteerDraft(
            name=self.name.text().strip(),
            joined_on=to_date(self.joined.date()),
            timezone=self.timezone.currentText().strip(),
            email=strip_or_none(self.email.text()),
            phone=strip_or_none(self.phone.text()),
            pronouns=self.pronouns.currentText().strip(),
            notes=self.notes.toPlainText(),
            health_notes=self.health_notes.toPlainText(),
            emergency_contact_name=self.emergency_name.text(),
            emergency_contact_phone=self.emergency_phone.text(),
            active=self.active,
            max_hours_per_week=self.week_limit.value() or None,
            max_hours_per_month=self.month_limit.value() or None,
        )
        return VolunteerRecord(
            draft=draft,
            qualifications=tuple(self.qualification_rows.values()),
            availability=tuple(self.window_rows.values()),
            blackouts=tuple(self.blackout_rows.values()),
            consents=tuple(self.consent_rows.values()),
        )

    def has_changes(self) -> bool:
        """Whether the form differs from what was loaded."""
        return self.initial is not None and self.record().normalised() != self.initial

    # Saving -------------------------------------------------------------------------------------

    @Slot()
    def save(self) -> None:
        """Save the form (Enter); unchanged forms just close."""
        if self.context.read_only or self.initial is None:
            return
        self.clear_problems()
        if self.loaded is not None and not self.has_changes():
            self.accept()
            return
        self._set_busy(tr("Saving…"), saving=True)
        self.edits.save(
            self.volunteer_id,
            self.version,
            self.loaded,
            self.record(),
            on_saved=self._saved,
            on_error=self._failed,
        )

    def _saved(self, row: Volunteer) -> None:
        self._set_busy("")
        self.initial = None  # nothing left to lose
        self.saved.emit(row.id, row.name)
        self.accept()

    def _failed(self, error: Exception) -> None:
        self._set_busy("")
        if not isinstance(error, OrganizerError):
            raise error
        if isinstance(error, ConflictError) and self.loaded is not None:
            from organizer.ui.sharing.conflicts import resolve_volunteer_conflict

            resolve_volunteer_conflict(self, error)
            return
        self.show_error(error)

    def show_error(self, error: OrganizerError) -> None:
        """Show each problem next to its field or row; anything else below the tabs."""
        tabs_with_problems: list[int] = []
        if isinstance(error, ValidationError):
            for problem in error.problems:
                tabs_with_problems.append(self._show_problem(problem.field, problem.message))
        else:
            self.general.say(str(error))
            self.reload_button.setVisible(isinstance(error, ConflictError))
        warning = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        for tab in set(tabs_with_problems):
            self.tabs.setTabIcon(tab, warning)
        if tabs_with_problems:
            self.tabs.setCurrentIndex(tabs_with_problems[0])

    def _show_problem(self, field: str, message: str) -> int:
        lists: dict[str, tuple[RowList[Any], int]] = {
            "qualifications": (self.qualification_rows, QUALIFICATIONS),
            "availability": (self.window_rows, AVAILABILITY),
            "blackouts": (self.blackout_rows, BLACKOUTS),
            "covers": (self.consent_rows, CONSENT),
        }
        if field in self.fields:
            widget, label, tab = self.fields[field]
            label.say(message)
            mark(widget, message)
            widget.setFocus()
            return tab
        found = _ROW_FIELD.match(field)
        key, index = (found.group(1), int(found.group(2))) if found else (field, -1)
        if key in lists:
            rows, tab = lists[key]
            rows.show_problem(index, message)
            return tab
        self.general.say(message)
        return CONTACT

    def clear_problems(self) -> None:
        """Hide every problem and unmark every field."""
        for widget, label, _ in self.fields.values():
            label.say("")
            mark(widget, "")
        for rows in (self.qualification_rows, self.window_rows, self.blackout_rows):
            rows.clear_problems()
        self.consent_rows.clear_problems()
        self.general.say("")
        self.reload_button.hide()
        for tab in range(self.tabs.count()):
            self.tabs.setTabIcon(tab, QIcon())

    # Closing ------------------------------------------------------------------------------------

    def reject(self) -> None:
        """Close (Escape, Cancel); unsaved changes are only dropped after asking."""
        if self.has_changes() and not self.context.read_only and not self._discard_ok():
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Closing the window asks like Cancel does."""
        if self.has_changes() and not self.context.read_only and not self._discard_ok():
            event.ignore()
            return
        super().closeEvent(event)

    def _discard_ok(self) -> bool:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(tr("Unsaved changes"))
        box.setText(tr("Discard your changes to this volunteer?"))
        discard = box.addButton(tr("Discard"), QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton(tr("Keep editing"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        box.exec()
        return box.clickedButton() is discard

    # State ----------------------------------------------------------------------------------

    def _set_busy(self, text: str, *, saving: bool = False) -> None:
        """Say what is happening (loading, saving) and lock the form meanwhile."""
        busy = bool(text)
        self.tabs.setEnabled(not busy)
        self.save_button.setEnabled(not busy and not self.context.read_only)
        self.save_button.setText(tr("Saving…") if saving else tr("Save"))
        if not busy:
            self.save_button.setDefault(True)  # disabling it passed the default on
        if busy and self.loaded is None and self.volunteer_id is not None:
            self.heading.setText(text)

    def _show_name(self, text: str) -> None:
        self.heading.setText(text.strip() or tr("New volunteer"))

    def _make_read_only(self) -> None:
        self.save_button.hide()
        self.cancel_button.setText(tr("Close"))
        for widget, _, _ in self.fields.values():
            if isinstance(widget, QLineEdit | QPlainTextEdit):
                widget.setReadOnly(True)
            else:
                widget.setEnabled(False)
        for rows in (
            self.qualification_rows,
            self.window_rows,
            self.blackout_rows,
            self.consent_rows,
        ):
            rows.set_editable(False)
        self.read_only_note.show()
