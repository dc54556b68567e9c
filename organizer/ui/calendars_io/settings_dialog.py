"""Organisation settings: who invitations come from, the reminder, the mail server and feeds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import shiboken6
from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from organizer.changes import DataChange
from organizer.errors import OrganizerError, PasswordStoreError, ValidationError
from organizer.services.settings import OrganisationSettings, SettingsService, SmtpSecurity
from organizer.ui import app_settings
from organizer.ui.calendars_io.common import (
    FEED_FOLDER_KEY,
    FOLDER,
    PathField,
    heading,
    muted,
    run,
)
from organizer.ui.context import ViewContext
from organizer.ui.events.fields import Banner, ProblemLabel, mark_invalid
from organizer.ui.undo import EditCommand, push_done, refusal_text

REMINDERS: tuple[tuple[int | None, str], ...] = (
    (None, "No reminder"),
    (15, "15 minutes before"),
    (30, "30 minutes before"),
    (60, "1 hour before"),
    (24 * 60, "1 day before"),
)


@dataclass(frozen=True)
class PasswordState:
    """Whether a mail password is kept, or why none can be (no keyring)."""

    kept: str | None = None
    problem: str = ""


def password_state(service: SettingsService, settings: OrganisationSettings) -> PasswordState:
    """Look the kept mail password up in the system keyring (runs on the worker thread).

    With no user name set yet, an account that cannot exist is looked up instead, which only
    tells whether this computer has a keyring at all.
    """
    probe = settings if settings.smtp_user else replace(settings, smtp_user="-")
    try:
        kept = service.smtp_password(probe)
    except PasswordStoreError as error:
        return PasswordState(problem=error.message)
    return PasswordState(kept=kept if settings.smtp_user else None)


@dataclass(frozen=True)
class SavedSettings:
    """What a save did: the cleaned settings, those stored before, and any password problem.

    ``password_problem`` says why the password could not be kept (empty if it was, or if none
    was typed).
    """

    settings: OrganisationSettings
    before: OrganisationSettings
    password_problem: str = ""


def save_settings(
    service: SettingsService, settings: OrganisationSettings, password: str | None
) -> SavedSettings:
    """Store the settings, then the password if one was typed (runs on the worker thread)."""
    before, saved = service.exchange(settings)
    problem = ""
    if password:
        try:
            service.set_smtp_password(password, saved)
        except (PasswordStoreError, ValidationError) as error:
            problem = (
                error.for_field("smtp_user") or error.message
                if isinstance(error, ValidationError)
                else error.message
            )
    return SavedSettings(saved, before, problem)


class SettingsDialog(QDialog):
    """Edit the organisation's settings; problems show next to their fields.

    ``loaded`` is emitted once the settings are on show, ``saved(OrganisationSettings)`` after
    a save went through (just before the dialog closes).  A save goes on the undo stack (the
    mail password, kept in the keyring, is not undone); ``undo_failed`` is told why, should
    undoing or redoing it later be refused.
    """

    loaded = Signal()
    saved = Signal(object)

    def __init__(
        self,
        context: ViewContext,
        parent: QWidget | None = None,
        *,
        settings: QSettings | None = None,
        undo_failed: Callable[[str], object] | None = None,
    ) -> None:
        """Open the dialog; the stored settings load in the background."""
        super().__init__(parent)
        self.context = context
        self.undo_failed = undo_failed
        self.local_settings = settings if settings is not None else app_settings()
        self.service = context.services.settings
        self.current: OrganisationSettings | None = None
        self.password_kept = False
        self.keyring_problem = ""
        self.busy = False
        self.setObjectName("organisation-settings")
        self.setWindowTitle(self.tr("Organisation settings"))
        self.setAccessibleName(self.windowTitle())
        self.setSizeGripEnabled(True)
        self._build()
        self._set_enabled(False)
        self.banner.show_message(self.tr("Loading…"))
        service = self.service

        def load() -> tuple[OrganisationSettings, PasswordState]:
            stored = service.get()
            return stored, password_state(service, stored)

        run(self, context, load, self._show, self._failed)

    # Layout ----------------------------------------------------------------------------

    def _build(self) -> None:
        self.organiser_name = _line(self.tr("Organiser's name"), self.tr("For example: Sam Okafor"))
        self.organiser_email = _line(
            self.tr("Organiser's email"), self.tr("For example: rota@ourgroup.org")
        )
        self.reminder = QComboBox()
        self.reminder.setAccessibleName(self.tr("Reminder"))
        for minutes, label in REMINDERS:
            self.reminder.addItem(self.tr(label), minutes)
        self.smtp_host = _line(self.tr("Mail server"), self.tr("For example: smtp.ourgroup.org"))
        self.smtp_port = QSpinBox()
        self.smtp_port.setAccessibleName(self.tr("Port"))
        self.smtp_port.setRange(0, 65535)
        self.smtp_security = QComboBox()
        self.smtp_security.setAccessibleName(self.tr("Security"))
        for security, label in (
            (SmtpSecurity.NONE, self.tr("None (not encrypted)")),
            (SmtpSecurity.STARTTLS, self.tr("STARTTLS (usually port 587)")),
            (SmtpSecurity.TLS, self.tr("TLS (usually port 465)")),
        ):
            self.smtp_security.addItem(label, security.value)
        self.smtp_security.currentIndexChanged.connect(self._security_changed)
        self.smtp_user = _line(self.tr("User name"), self.tr("Usually your email address"))
        self.password = _line(self.tr("Password"), "")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_hint = muted("", self.tr("About the password"))

        self.problems: dict[str, ProblemLabel] = {
            name: ProblemLabel(self.tr("Problem with {field}").format(field=label))
            for name, label in (
                ("organiser_name", self.tr("the name")),
                ("organiser_email", self.tr("the email")),
                ("reminder_minutes", self.tr("the reminder")),
                ("smtp_host", self.tr("the mail server")),
                ("smtp_port", self.tr("the port")),
                ("smtp_user", self.tr("the user name")),
                ("password", self.tr("the password")),
            )
        }
        self.fields: dict[str, QWidget] = {
            "organiser_name": self.organiser_name,
            "organiser_email": self.organiser_email,
            "reminder_minutes": self.reminder,
            "smtp_host": self.smtp_host,
            "smtp_port": self.smtp_port,
            "smtp_user": self.smtp_user,
            "password": self.password,
        }

        invitations = QGroupBox(self.tr("Invitations come from"))
        invitations.setAccessibleName(invitations.title())
        form = _form(invitations)
        self._add(form, self.tr("Name"), "organiser_name")
        self._add(form, self.tr("Email"), "organiser_email")
        self._add(form, self.tr("Reminder"), "reminder_minutes")

        mail = QGroupBox(self.tr("Sending email"))
        mail.setAccessibleName(mail.title())
        form = _form(mail)
        self._add(form, self.tr("Mail server"), "smtp_host")
        form.addRow(self.tr("Security"), self.smtp_security)
        self._add(form, self.tr("Port"), "smtp_port")
        self._add(form, self.tr("User name"), "smtp_user")
        self._add(form, self.tr("Password"), "password")
        form.addRow("", self.password_hint)

        feeds = QGroupBox(self.tr("Calendar feeds (optional)"))
        feeds.setAccessibleName(feeds.title())
        feeds_layout = QVBoxLayout(feeds)
        self.keep_feeds = QCheckBox(self.tr("Keep always-current calendar files in this folder"))
        self.keep_feeds.setAccessibleName(self.keep_feeds.text())
        self.feed_folder = PathField(
            self.tr("Feed folder"), FOLDER, self.tr("Folder for calendar feeds")
        )
        self.keep_feeds.toggled.connect(self.feed_folder.setEnabled)
        feeds_layout.addWidget(self.keep_feeds)
        feeds_layout.addWidget(self.feed_folder)
        feeds_layout.addWidget(
            muted(
                self.tr(
                    "Each volunteer and each cause gets a file there that calendars can "
                    "subscribe to. Publishing changes brings them up to date. This folder is "
                    "remembered on this computer only."
                ),
                self.tr("About feeds"),
            )
        )
        folder = str(self.local_settings.value(FEED_FOLDER_KEY, "") or "")
        self.feed_folder.set_path(folder or None)
        self.keep_feeds.setChecked(bool(folder))
        self.feed_folder.setEnabled(bool(folder))

        self.banner = Banner()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.setAccessibleName(self.tr("Dialog buttons"))
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        assert self.save_button is not None
        self.save_button.setAccessibleName(self.tr("Save"))
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.setSpacing(12)
        layout.addWidget(heading(self.windowTitle()))
        layout.addWidget(
            muted(
                self.tr(
                    "These settings are kept in the database, so every coordinator who opens "
                    "it uses the same ones. The mail password is kept in this computer's "
                    "keyring, never in the database."
                ),
                self.tr("Explanation"),
            )
        )
        layout.addWidget(invitations)
        layout.addWidget(mail)
        layout.addWidget(feeds)
        layout.addWidget(self.banner)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.resize(max(600, self.sizeHint().width()), self.sizeHint().height())

    def _add(self, form: QFormLayout, label: str, name: str) -> None:
        holder = QWidget()
        holder.setAccessibleName(self.fields[name].accessibleName())
        column = QVBoxLayout(holder)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(self.fields[name])
        column.addWidget(self.problems[name])
        form.addRow(label, holder)

    # Loading ---------------------------------------------------------------------------

    def _show(self, loaded: tuple[OrganisationSettings, PasswordState]) -> None:
        stored, password = loaded
        self.current = stored
        self.organiser_name.setText(stored.organiser_name)
        self.organiser_email.setText(stored.organiser_email)
        index = self.reminder.findData(stored.reminder_minutes)
        if index < 0:
            self.reminder.addItem(
                self.tr("{n} minutes before").format(n=stored.reminder_minutes),
                stored.reminder_minutes,
            )
            index = self.reminder.count() - 1
        self.reminder.setCurrentIndex(index)
        self.smtp_host.setText(stored.smtp_host)
        self.smtp_security.setCurrentIndex(self.smtp_security.findData(stored.smtp_security.value))
        self.smtp_port.setValue(stored.smtp_port or 0)
        self._security_changed()
        self.smtp_user.setText(stored.smtp_user)
        self.password_kept = password.kept is not None
        self.keyring_problem = password.problem
        self.banner.clear()
        self._set_enabled(True)
        self._explain_password()
        self.loaded.emit()

    def _explain_password(self) -> None:
        if self.keyring_problem:
            self.password.setEnabled(False)
            self.password.setPlaceholderText("")
            self.password_hint.setText(
                self.tr(
                    "This computer has no system keyring, so the password cannot be kept. "
                    "You will be asked for it each time you send email."
                )
            )
        elif self.password_kept:
            self.password.setPlaceholderText(self.tr("Kept in the keyring; type to change it"))
            self.password_hint.setText("")
        else:
            self.password.setPlaceholderText(self.tr("Not kept yet"))
            self.password_hint.setText(
                self.tr("Kept in this computer's keyring, not in the database.")
            )
        self.password_hint.setVisible(bool(self.password_hint.text()))

    def _security_changed(self) -> None:
        security = SmtpSecurity(self.smtp_security.currentData() or SmtpSecurity.STARTTLS.value)
        self.smtp_port.setSpecialValueText(
            self.tr("Usual ({port})").format(port=security.default_port)
        )

    def _failed(self, error: Exception) -> None:
        if not isinstance(error, OrganizerError):
            raise error
        self.busy = False
        self._set_enabled(self.current is not None)
        if isinstance(error, ValidationError):
            self.show_problems(error)
        else:
            self.banner.show_problem(str(error))

    # Saving ----------------------------------------------------------------------------

    def draft(self) -> OrganisationSettings:
        """The settings as typed."""
        return OrganisationSettings(
            organiser_name=self.organiser_name.text(),
            organiser_email=self.organiser_email.text(),
            reminder_minutes=self.reminder.currentData(),
            smtp_host=self.smtp_host.text(),
            smtp_port=self.smtp_port.value() or None,
            smtp_security=SmtpSecurity(self.smtp_security.currentData()),
            smtp_user=self.smtp_user.text(),
        )

    def save(self) -> None:
        """Check and store the settings in the background; close once stored."""
        if self.busy or self.current is None or self.context.read_only:
            return
        self.show_problems(None)
        folder = self.feed_folder.path() if self.keep_feeds.isChecked() else None
        if self.keep_feeds.isChecked() and folder is None:
            self.banner.show_problem(self.tr("Choose the folder for calendar feeds."))
            return
        draft = self.draft()
        password = self.password.text() if self.password.isEnabled() else ""
        service = self.service
        self.busy = True
        self._set_enabled(False)
        self.banner.show_message(self.tr("Saving…"))
        push = self._undo_pusher()
        dialog = self

        def stored(saved: SavedSettings) -> None:
            # Stored even if the dialog was closed meanwhile: the undo stack must hear of it.
            push(saved.before, saved.settings)
            if shiboken6.isValid(dialog):
                dialog._saved(saved, folder)

        def failed(error: Exception) -> None:
            if shiboken6.isValid(dialog):
                dialog._failed(error)
            elif not isinstance(error, OrganizerError):
                raise error

        self.context.submit_edit(
            lambda: save_settings(service, draft, password or None),
            on_done=stored,
            on_error=failed,
        )

    def _saved(self, saved: SavedSettings, folder: Path | None) -> None:
        self.busy = False
        self.current = saved.settings
        self.local_settings.setValue(FEED_FOLDER_KEY, str(folder) if folder else "")
        if saved.password_problem:
            # The settings are stored; only the password is not: say so next to it.
            self._set_enabled(True)
            self.banner.show_message(self.tr("The settings were saved."))
            self.problems["password"].show_problems([saved.password_problem])
            mark_invalid(self.password, True)
            return
        self.saved.emit(saved.settings)
        self.accept()

    def _undo_pusher(
        self,
    ) -> Callable[[OrganisationSettings, OrganisationSettings], None]:
        """What puts a save (``before`` → ``after``) on the undo stack.

        It keeps no reference to the dialog, which may have closed by the time the save is
        stored.  Each undo or redo first checks that the stored settings are still the ones it
        last wrote (the mail password is left alone: it is kept in the keyring).
        """
        context, service, report = self.context, self.service, self.undo_failed
        title = self.tr("Change organisation settings")

        def refused(error: OrganizerError) -> None:
            if report is not None:
                report(refusal_text(error))

        def push(before: OrganisationSettings, after: OrganisationSettings) -> None:
            if before == after:
                return
            written = [after]

            def put(settings: OrganisationSettings) -> Callable[[], None]:
                def write() -> None:
                    written[0] = service.save(settings, expected=written[0])

                return write

            change = DataChange.of(context.actor, "settings")
            command = EditCommand(
                title, put(after), put(before), change, context.hub, on_error=refused
            )
            push_done(context.undo_stack, command)

        return push

    def show_problems(self, error: ValidationError | None) -> None:
        """Show each problem next to its field (others at the bottom); ``None`` clears them."""
        leftover: list[str] = []
        by_field: dict[str, list[str]] = {}
        for problem in error.problems if error is not None else ():
            if problem.field in self.problems:
                by_field.setdefault(problem.field, []).append(problem.message)
            else:
                leftover.append(problem.message)
        for name, label in self.problems.items():
            messages = by_field.get(name, [])
            label.show_problems(messages)
            mark_invalid(self.fields[name], bool(messages))
        if leftover:
            self.banner.show_problem("\n".join(leftover))
        else:
            self.banner.clear()
        first = next((self.fields[name] for name in self.fields if name in by_field), None)
        if first is not None:
            first.setFocus()

    def _set_enabled(self, enabled: bool) -> None:
        editable = enabled and not self.context.read_only
        for widget in (
            *self.fields.values(),
            self.smtp_security,
            self.keep_feeds,
        ):
            widget.setEnabled(editable)
        self.feed_folder.setEnabled(editable and self.keep_feeds.isChecked())
        if editable and self.keyring_problem:
            self.password.setEnabled(False)
        self.save_button.setEnabled(editable)
        if enabled and self.context.read_only:
            self.banner.show_message(
                self.tr("This database is open read-only: the settings cannot be changed.")
            )


def _line(accessible_name: str, placeholder: str) -> QLineEdit:
    line = QLineEdit()
    line.setAccessibleName(accessible_name)
    line.setPlaceholderText(placeholder)
    return line


def _form(box: QGroupBox) -> QFormLayout:
    form = QFormLayout(box)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setHorizontalSpacing(14)
    return form
