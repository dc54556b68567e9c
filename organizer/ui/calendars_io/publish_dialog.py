"""Publish changes: show each volunteer what they will be sent, then save the files or email them.

The plan is worked out in the background for a period (from now to eight weeks ahead unless
changed); sending runs in the background too, with a progress bar and a way to stop between
volunteers.  What was sent is recorded volunteer by volunteer, so publishing again after a
stop sends only the rest.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QStackedWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from organizer.errors import DomainError, OrganizerError
from organizer.ics.feeds import FeedResult
from organizer.ics.invitations import Person
from organizer.ics.publish import (
    ChangeKind,
    PublishInterruptedError,
    PublishPlan,
    PublishResult,
    VolunteerChanges,
    default_period,
)
from organizer.services import Services
from organizer.services.settings import OrganisationSettings
from organizer.timezones import local_zone_name
from organizer.ui import app_settings
from organizer.ui.calendars_io.common import (
    FEED_FOLDER_KEY,
    FOLDER,
    OUTBOX_FOLDER_KEY,
    Clock,
    PathField,
    date_field,
    day_range,
    heading,
    muted,
    now_utc,
    pydate,
    remembered_folder,
    run,
)
from organizer.ui.calendars_io.settings_dialog import (
    PasswordState,
    SettingsDialog,
    password_state,
)
from organizer.ui.context import ViewContext
from organizer.ui.events.fields import Banner, ProblemLabel, error_colour, plural
from organizer.ui.opening import documents_folder

BY_EMAIL_KEY = "calendars/publish_by_email"
EXPAND_UP_TO = 40
"""Volunteers' changes are shown unfolded when the plan holds at most this many."""

PLAN_PAGE, MESSAGE_PAGE, RESULT_PAGE = range(3)


@dataclass(frozen=True)
class PublishSetup:
    """The organisation's settings and whether a mail password is kept."""

    settings: OrganisationSettings
    password: PasswordState


def load_setup(services: Services) -> PublishSetup:
    """Read the settings and look the mail password up (runs on the worker thread)."""
    settings = services.settings.get()
    password = PasswordState()
    if settings.smtp_host and settings.smtp_user:
        password = password_state(services.settings, settings)
    return PublishSetup(settings, password)


def organiser_of(settings: OrganisationSettings) -> Person | None:
    """Who invitations come from, or ``None`` while no organiser email is set."""
    if not settings.organiser_email:
        return None
    return Person(settings.organiser_name or settings.organiser_email, settings.organiser_email)


def make_plan(
    services: Services, starts: datetime, ends: datetime, contact: Person | None
) -> PublishPlan:
    """What each volunteer needs to be sent for the period (runs on the worker thread)."""
    from organizer.ics.publish import plan_publish

    with services.settings.db.read() as session:
        return plan_publish(session, starts=starts, ends=ends, contact=contact)


@dataclass(frozen=True)
class SendRequest:
    """Where to send: a folder, or email (with the password to use and whether to keep it)."""

    by_email: bool
    folder: Path | None = None
    password: str | None = None
    remember_password: bool = False
    feed_folder: Path | None = None


@dataclass(frozen=True)
class SendOutcome:
    """What sending did, and what happened to the password and the feeds."""

    result: PublishResult
    by_email: bool
    folder: Path | None
    password_problem: str = ""
    feeds: FeedResult | None = None
    feeds_problem: str = ""


def send_plan(
    services: Services,
    plan: PublishPlan,
    request: SendRequest,
    settings: OrganisationSettings,
    *,
    now: datetime,
    stop: threading.Event,
    progress: Any = None,
) -> SendOutcome:
    """Send ``plan`` as ``request`` says, then keep the password and update the feeds.

    Runs on the worker thread; ``stop`` set stops before the next volunteer.

    Raises:
        OrganizerError: the mail server or the folder failed (what was sent is recorded).
    """
    from organizer.ics.feeds import update_feeds
    from organizer.ics.mail import MailConnection, SmtpConfig
    from organizer.ics.publish import OutboxSink, Sink, SmtpSink, execute_publish

    organiser = organiser_of(settings)
    if organiser is None:
        raise DomainError("Set the organiser's email address before publishing invitations.")
    sink: Sink
    if request.by_email:
        config = SmtpConfig.from_settings(settings, request.password)
        sink = SmtpSink(MailConnection(config), organisation=settings.organiser_name)
    else:
        assert request.folder is not None
        sink = OutboxSink(request.folder)
    db = services.settings.db
    result = execute_publish(
        db,
        plan,
        sink=sink,
        organizer=organiser,
        reminder_minutes=settings.reminder_minutes,
        actor=services.settings.actor,
        now=now,
        progress=progress,
        cancel_check=stop.is_set,
    )
    password_problem = ""
    if request.by_email and request.remember_password and request.password:
        try:
            services.settings.set_smtp_password(request.password, settings)
        except OrganizerError as error:
            password_problem = error.message
    feeds = None
    feeds_problem = ""
    if request.feed_folder is not None and not result.stopped:
        try:
            feeds = update_feeds(
                db,
                request.feed_folder,
                starts=plan.starts,
                ends=plan.ends,
                now=now,
                contact=organiser,
                progress=progress,
            )
        except DomainError as error:
            feeds_problem = error.message
    return SendOutcome(
        result, request.by_email, request.folder, password_problem, feeds, feeds_problem
    )


class PublishDialog(QDialog):
    """Work out what each volunteer needs, show it, then send it to a folder or by email.

    Signals: ``planned`` once a plan is on show (or "everyone is up to date");
    ``finished_sending`` once a send has ended, well or not; ``status_message(text)`` with a
    one-line summary for the window's status bar.
    """

    planned = Signal()
    finished_sending = Signal()
    status_message = Signal(str)

    def __init__(
        self,
        context: ViewContext,
        parent: QWidget | None = None,
        *,
        settings: QSettings | None = None,
        clock: Clock = now_utc,
    ) -> None:
        """Open the dialog and start working out what to send."""
        super().__init__(parent)
        self.context = context
        self.local_settings = settings if settings is not None else app_settings()
        self.clock = clock
        self.now = clock()
        self.zone = local_zone_name()
        self.setup: PublishSetup | None = None
        self.plan: PublishPlan | None = None
        self.outcome: SendOutcome | None = None
        self.error: OrganizerError | None = None
        self.settings_dialog: SettingsDialog | None = None
        self.planning = False
        self.sending = False
        self._generation = 0
        self._stop = threading.Event()
        self.period = default_period(self.now)
        self.setObjectName("publish-changes")
        self.setWindowTitle(self.tr("Publish changes"))
        self.setAccessibleName(self.windowTitle())
        self.setSizeGripEnabled(True)
        self._build()
        self._load_setup()

    # Layout ----------------------------------------------------------------------------

    def _build(self) -> None:
        starts, ends = (moment.astimezone() for moment in self.period)
        self.first_day = date_field(self.tr("First day"), starts.date())
        self.last_day = date_field(self.tr("Last day"), ends.date())
        self.first_day.setMinimumDate(self.first_day.date())
        for edit in (self.first_day, self.last_day):
            edit.dateChanged.connect(self._period_changed)
        self.busy_bar = QProgressBar()
        self.busy_bar.setAccessibleName(self.tr("Working"))
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setMaximumWidth(120)
        self.busy_bar.setMaximumHeight(10)
        self.busy_bar.hide()
        period = QHBoxLayout()
        period.setSpacing(8)
        period.addWidget(QLabel(self.tr("Shifts from")))
        period.addWidget(self.first_day)
        period.addWidget(QLabel(self.tr("to")))
        period.addWidget(self.last_day)
        period.addSpacing(12)
        period.addWidget(self.busy_bar)
        period.addStretch(1)

        self.settings_problem = ProblemLabel(self.tr("Settings needed"))
        self.settings_button = QPushButton(self.tr("Open settings…"))
        self.settings_button.setAccessibleName(self.tr("Open organisation settings"))
        self.settings_button.clicked.connect(self.open_settings)
        self.settings_button.hide()
        settings_row = QHBoxLayout()
        settings_row.addWidget(self.settings_problem, 1)
        settings_row.addWidget(self.settings_button, 0, Qt.AlignmentFlag.AlignTop)

        self.summary = QLabel()
        self.summary.setAccessibleName(self.tr("Summary"))
        self.summary.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setAccessibleName(self.tr("What each volunteer will be sent"))
        self.tree.setColumnCount(4)
        self.tree.setHeaderLabels(
            [self.tr("Volunteer"), self.tr("New"), self.tr("Changed"), self.tr("Cancelled")]
        )
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
            self.tree.headerItem().setTextAlignment(column, Qt.AlignmentFlag.AlignCenter)

        self.message = QLabel()
        self.message.setAccessibleName(self.tr("Message"))
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        font = self.message.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        self.message.setFont(font)
        message_page = QWidget()
        message_page.setAccessibleName(self.tr("Message"))
        message_layout = QVBoxLayout(message_page)
        message_layout.addStretch(1)
        message_layout.addWidget(self.message)
        message_layout.addStretch(1)

        self.result_heading = QLabel()
        self.result_heading.setAccessibleName(self.tr("Result"))
        self.result_heading.setWordWrap(True)
        bold = self.result_heading.font()
        bold.setBold(True)
        bold.setPointSizeF(bold.pointSizeF() * 1.15)
        self.result_heading.setFont(bold)
        self.result_details = QLabel()
        self.result_details.setAccessibleName(self.tr("Details"))
        self.result_details.setWordWrap(True)
        self.result_details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.failures = QListWidget()
        self.failures.setAccessibleName(self.tr("Volunteers who could not be sent"))
        self.sent_label = QLabel()
        self.sent_label.setAccessibleName(self.tr("What was sent"))
        self.sent = QListWidget()
        self.sent.setAccessibleName(self.tr("Files saved or addresses sent to"))
        result_page = QWidget()
        result_page.setAccessibleName(self.tr("Result"))
        result_layout = QVBoxLayout(result_page)
        result_layout.setContentsMargins(4, 8, 4, 4)
        result_layout.addWidget(self.result_heading)
        result_layout.addWidget(self.result_details)
        result_layout.addWidget(self.failures, 1)
        result_layout.addWidget(self.sent_label)
        result_layout.addWidget(self.sent, 2)

        self.pages = QStackedWidget()
        self.pages.setAccessibleName(self.tr("Plan"))
        self.pages.addWidget(self.tree)
        self.pages.addWidget(message_page)
        self.pages.addWidget(result_page)
        self.pages.setMinimumHeight(220)

        self._build_destination()

        self.progress = QProgressBar()
        self.progress.setAccessibleName(self.tr("Sending progress"))
        self.progress.setRange(0, 100)
        self.progress_label = QLabel()
        self.progress_label.setAccessibleName(self.tr("Sending to"))
        self.stop_button = QPushButton(self.tr("Stop"))
        self.stop_button.setAccessibleName(self.tr("Stop sending"))
        self.stop_button.setToolTip(self.tr("Stop after the volunteer being sent now"))
        self.stop_button.clicked.connect(self.stop)
        self.progress_row = QWidget()
        self.progress_row.setAccessibleName(self.tr("Sending"))
        progress_layout = QGridLayout(self.progress_row)
        progress_layout.setContentsMargins(0, 0, 0, 0)
        progress_layout.addWidget(self.progress_label, 0, 0, 1, 2)
        progress_layout.addWidget(self.progress, 1, 0)
        progress_layout.addWidget(self.stop_button, 1, 1)
        self.progress_row.hide()

        self.banner = Banner()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.setAccessibleName(self.tr("Dialog buttons"))
        self.send_button = self.buttons.addButton(
            self.tr("Send"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.send_button.setAccessibleName(self.tr("Send"))
        self.send_button.setDefault(True)
        self.send_button.setEnabled(False)
        self.buttons.accepted.connect(self.send)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.setSpacing(10)
        layout.addWidget(heading(self.windowTitle()))
        layout.addWidget(
            muted(
                self.tr(
                    "Each volunteer gets calendar invitations for new and changed shifts, "
                    "and cancellations for shifts they no longer have. Shifts they already "
                    "have as they are are not sent again."
                ),
                self.tr("Explanation"),
            )
        )
        layout.addLayout(period)
        layout.addLayout(settings_row)
        layout.addWidget(self.summary)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.destination)
        layout.addWidget(self.progress_row)
        layout.addWidget(self.banner)
        layout.addWidget(self.buttons)
        self.resize(680, 640)

    def _build_destination(self) -> None:
        self.destination = QGroupBox(self.tr("Send them"))
        self.destination.setAccessibleName(self.destination.title())
        self.to_folder = QRadioButton(self.tr("Save files to a folder"))
        self.to_folder.setAccessibleName(self.to_folder.text())
        self.by_email = QRadioButton(self.tr("Send by email"))
        self.by_email.setAccessibleName(self.by_email.text())
        group = QButtonGroup(self)
        group.addButton(self.to_folder)
        group.addButton(self.by_email)
        self.folder = PathField(self.tr("Folder"), FOLDER, self.tr("Folder for the invitations"))
        self.folder.set_path(
            remembered_folder(
                self.local_settings, OUTBOX_FOLDER_KEY, documents_folder() / "Invitations"
            )
        )
        self.folder_hint = muted(
            self.tr("One file per invitation, to send or hand out yourself."),
            self.tr("About the folder"),
        )
        self.email_hint = muted("", self.tr("About email"))
        self.password = QLineEdit()
        self.password.setAccessibleName(self.tr("Mail password"))
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(self.tr("Password for the mail server"))
        self.remember = QCheckBox(self.tr("Remember the password on this computer"))
        self.remember.setAccessibleName(self.remember.text())
        self.password_problem = ProblemLabel(self.tr("Problem with the password"))
        self.password.textEdited.connect(lambda _text: self.password_problem.clear_problem())
        self.keyring_hint = muted(
            self.tr("This computer has no system keyring, so the password cannot be kept."),
            self.tr("About remembering the password"),
        )
        self.keyring_hint.hide()
        self.password_row = QWidget()
        self.password_row.setAccessibleName(self.tr("Mail password"))
        password_layout = QGridLayout(self.password_row)
        password_layout.setContentsMargins(0, 0, 0, 0)
        password_layout.addWidget(QLabel(self.tr("Password")), 0, 0)
        password_layout.addWidget(self.password, 0, 1)
        password_layout.addWidget(self.remember, 1, 1)
        password_layout.addWidget(self.keyring_hint, 2, 1)
        password_layout.addWidget(self.password_problem, 3, 1)
        password_layout.setColumnStretch(1, 1)

        grid = QGridLayout(self.destination)
        grid.setHorizontalSpacing(16)
        grid.setColumnStretch(1, 1)
        grid.addWidget(self.to_folder, 0, 0)
        grid.addWidget(self.folder, 0, 1)
        grid.addWidget(self.folder_hint, 1, 1)
        grid.addWidget(self.by_email, 2, 0)
        grid.addWidget(self.email_hint, 2, 1)
        grid.addWidget(self.password_row, 3, 1)
        by_email = self.local_settings.value(BY_EMAIL_KEY, False)
        (self.by_email if str(by_email).lower() == "true" else self.to_folder).setChecked(True)
        self.to_folder.toggled.connect(self._destination_changed)

    # Loading and planning --------------------------------------------------------------

    def _load_setup(self) -> None:
        self._set_busy(True)
        self.pages.setCurrentIndex(MESSAGE_PAGE)
        self.message.setText(self.tr("Working out what to send…"))
        services = self.context.services
        run(self, self.context, lambda: load_setup(services), self._setup_loaded, self._failed)

    def _setup_loaded(self, setup: PublishSetup) -> None:
        self.setup = setup
        settings = setup.settings
        if not settings.organiser_email:
            self.settings_problem.show_problems(
                [
                    self.tr(
                        "Invitations need to say who they come from. Set the organiser's "
                        "name and email in the organisation settings first."
                    )
                ]
            )
            self.settings_button.show()
        else:
            self.settings_problem.clear_problem()
            self.settings_button.hide()
        if settings.smtp_host:
            self.by_email.setEnabled(True)
            who = f" as {settings.smtp_user}" if settings.smtp_user else ""
            self.email_hint.setText(
                self.tr(
                    "One email to each volunteer, through {server}{who}. Emails cannot be "
                    "taken back once sent: a later change goes out as an update."
                ).format(server=f"{settings.smtp_host}:{settings.port}", who=who)
            )
        else:
            self.by_email.setEnabled(False)
            self.to_folder.setChecked(True)
            self.email_hint.setText(
                self.tr("Set up a mail server in the organisation settings to send by email.")
            )
        self.remember.setEnabled(not setup.password.problem)
        self.remember.setToolTip(setup.password.problem)
        self.keyring_hint.setVisible(bool(setup.password.problem))
        self._destination_changed()
        self.compute_plan()

    def _period_changed(self) -> None:
        first, last = pydate(self.first_day.date()), pydate(self.last_day.date())
        starts, ends = day_range(first, last, self.zone)
        self.period = (max(starts, self.now), ends)
        self.compute_plan()

    def compute_plan(self) -> None:
        """Work out (again) what each volunteer needs for the period shown."""
        if self.setup is None or self.sending:
            return
        starts, ends = self.period
        self.plan = None
        self.send_button.setEnabled(False)
        if ends <= starts:
            self.summary.clear()
            self.pages.setCurrentIndex(MESSAGE_PAGE)
            self.message.setText(self.tr("The last day must not be before the first."))
            return
        self._generation += 1
        generation = self._generation
        services = self.context.services
        contact = organiser_of(self.setup.settings)
        self.planning = True
        self._set_busy(True)
        run(
            self,
            self.context,
            lambda: make_plan(services, starts, ends, contact),
            lambda plan: self._show_plan(plan, generation),
            self._failed,
        )

    def _show_plan(self, plan: PublishPlan, generation: int) -> None:
        if generation != self._generation:
            return  # the period changed while this plan was worked out
        self.planning = False
        self._set_busy(False)
        self.plan = plan
        self.tree.clear()
        self.summary.setText(self._summary(plan))
        if plan.is_empty:
            text = self.tr("Everyone is up to date: there is nothing new to send.")
            if plan.cannot_send:
                names = ", ".join(v.name for v in plan.cannot_send)
                text += "\n\n" + self.tr("Cannot be sent (no email address): {names}").format(
                    names=names
                )
            self.pages.setCurrentIndex(MESSAGE_PAGE)
            self.message.setText(text)
        else:
            self._fill_tree(plan)
            self.pages.setCurrentIndex(PLAN_PAGE)
        self._update_send_button()
        self.planned.emit()

    def _summary(self, plan: PublishPlan) -> str:
        if plan.is_empty:
            text = self.tr("Everyone is up to date.")
        else:
            text = self.tr("{people} to send to: {new} new, {changed} changed, {gone} cancelled.")
            text = text.format(
                people=plural(
                    len(plan.volunteers), self.tr("1 volunteer"), self.tr("{n} volunteers")
                ),
                new=plan.count(ChangeKind.NEW),
                changed=plan.count(ChangeKind.CHANGED),
                gone=plan.count(ChangeKind.CANCELLED),
            )
        if plan.cannot_send:
            text += " " + plural(
                len(plan.cannot_send),
                self.tr("1 volunteer cannot be sent to: no email address."),
                self.tr("{n} volunteers cannot be sent to: no email address."),
            )
        return text

    def _fill_tree(self, plan: PublishPlan) -> None:
        kinds = {
            ChangeKind.NEW: self.tr("New"),
            ChangeKind.CHANGED: self.tr("Changed"),
            ChangeKind.CANCELLED: self.tr("Cancelled"),
        }
        total = sum(len(v.changes) for v in (*plan.volunteers, *plan.cannot_send))
        problem = error_colour(self.tree.palette())
        for volunteer in (*plan.volunteers, *plan.cannot_send):
            top = QTreeWidgetItem(self.tree)
            if volunteer.can_send:
                top.setText(0, volunteer.name)
                top.setToolTip(0, volunteer.email or "")
            else:
                top.setText(
                    0,
                    self.tr("{name} — cannot be sent: no email address").format(
                        name=volunteer.name
                    ),
                )
                top.setForeground(0, problem)
            top.setData(0, Qt.ItemDataRole.UserRole, volunteer.volunteer_id)
            for column, kind in enumerate(ChangeKind, start=1):
                count = volunteer.count(kind)
                top.setText(column, str(count) if count else "")
                top.setTextAlignment(column, Qt.AlignmentFlag.AlignCenter)
            font = QFont(top.font(0))
            font.setBold(True)
            top.setFont(0, font)
            for change in volunteer.changes:
                child = QTreeWidgetItem(top)
                child.setText(0, f"{kinds[change.kind]}: {change.description}")
                child.setToolTip(0, change.description)
                child.setFirstColumnSpanned(True)
            top.setExpanded(total <= EXPAND_UP_TO)

    def volunteers_listed(self) -> list[VolunteerChanges]:
        """The volunteers the plan view lists, in order (sendable first)."""
        if self.plan is None:
            return []
        return [*self.plan.volunteers, *self.plan.cannot_send]

    # Destination -----------------------------------------------------------------------

    def _destination_changed(self) -> None:
        email = self.by_email.isChecked()
        self.folder.setEnabled(not email and not self.sending)
        setup = self.setup
        needs_password = (
            email
            and setup is not None
            and bool(setup.settings.smtp_user)
            and setup.password.kept is None
        )
        self.password_row.setVisible(needs_password)
        if setup is not None and setup.password.problem:
            self.remember.setChecked(False)
        self.send_button.setText(self.tr("Send emails") if email else self.tr("Save files"))
        self.send_button.setAccessibleName(self.send_button.text())

    def _update_send_button(self) -> None:
        ready = (
            self.plan is not None
            and not self.plan.is_empty
            and self.setup is not None
            and bool(self.setup.settings.organiser_email)
            and not self.sending
            and not self.context.read_only
        )
        self.send_button.setEnabled(ready)

    def open_settings(self) -> None:
        """Open the organisation settings; once saved, look again at what to send."""
        dialog = SettingsDialog(self.context, self, settings=self.local_settings)
        dialog.saved.connect(lambda _settings: self._load_setup())
        self.settings_dialog = dialog
        dialog.open()

    # Sending ---------------------------------------------------------------------------

    def send(self) -> None:
        """Send the plan on show to the folder or by email, in the background."""
        if self.plan is None or self.setup is None or self.sending or self.context.read_only:
            return
        settings = self.setup.settings
        if not settings.organiser_email:
            return
        self.password_problem.clear_problem()
        self.banner.clear()
        feed_text = str(self.local_settings.value(FEED_FOLDER_KEY, "") or "")
        feed_folder = Path(feed_text) if feed_text else None
        if self.by_email.isChecked():
            password = self.setup.password.kept
            if self.password_row.isVisibleTo(self) or (password is None and settings.smtp_user):
                password = self.password.text()
                if not password:
                    self.password_problem.show_problems(
                        [self.tr("Type the password for the mail server.")]
                    )
                    self.password.setFocus()
                    return
            request = SendRequest(
                True,
                password=password or None,
                remember_password=self.remember.isChecked() and self.remember.isEnabled(),
                feed_folder=feed_folder,
            )
        else:
            folder = self.folder.path()
            if folder is None:
                self.banner.show_problem(self.tr("Choose the folder to save the invitations in."))
                return
            request = SendRequest(False, folder=folder, feed_folder=feed_folder)
            self.local_settings.setValue(OUTBOX_FOLDER_KEY, str(folder))
        self.local_settings.setValue(BY_EMAIL_KEY, request.by_email)
        plan, services, now, stop = self.plan, self.context.services, self.clock(), self._stop
        stop.clear()
        self.sending = True
        self.outcome = None
        self.error = None
        self._set_sending(True)

        def work(progress: Any) -> SendOutcome:
            return send_plan(
                services, plan, request, settings, now=now, stop=stop, progress=progress
            )

        run(self, self.context, work, self._sent, self._send_failed, self._progress)

    def _progress(self, stage: str, fraction: float) -> None:
        self.progress_label.setText(stage)
        self.progress.setValue(round(fraction * 100))

    def stop(self) -> None:
        """Stop sending before the next volunteer (those already sent stay recorded)."""
        if self.sending:
            self._stop.set()
            self.stop_button.setEnabled(False)
            self.progress_label.setText(self.tr("Stopping after this volunteer…"))

    def _sent(self, outcome: SendOutcome) -> None:
        self.sending = False
        self.outcome = outcome
        self._set_sending(False)
        result = outcome.result
        self.result_heading.setText(self._result_text(outcome))
        details: list[str] = []
        if outcome.folder is not None and result.written:
            details.append(self.tr("The files are in {folder}.").format(folder=outcome.folder))
        if result.stopped:
            details.append(self.tr("Stopped before the end: publish again to send the rest."))
        if result.failed:
            details.append(self.tr("These volunteers could not be sent to:"))
        if outcome.password_problem:
            details.append(
                self.tr("The password was not remembered: {problem}").format(
                    problem=outcome.password_problem
                )
            )
        if outcome.feeds is not None:
            feeds = outcome.feeds
            details.append(
                self.tr("Calendar feeds: {written} updated, {same} unchanged.").format(
                    written=len(feeds.written), same=feeds.unchanged
                )
            )
        if outcome.feeds_problem:
            details.append(outcome.feeds_problem)
        self._show_result(details, result.failed)
        self.sent_label.setText(
            self.tr("Emailed:") if outcome.by_email else self.tr("Files saved:")
        )
        self.sent.addItems(
            result.written if outcome.by_email else [Path(p).name for p in result.written]
        )
        self.sent_label.setVisible(bool(result.written))
        self.sent.setVisible(bool(result.written))
        self.status_message.emit(self.result_heading.text())
        self.finished_sending.emit()

    def _result_text(self, outcome: SendOutcome) -> str:
        result = outcome.result
        invitations = result.new + result.changed
        if outcome.by_email:
            text = self.tr("Sent {invitations} and {cancellations} to {people}.")
        else:
            text = self.tr("Saved {invitations} and {cancellations} for {people}.")
        return text.format(
            invitations=plural(invitations, self.tr("1 invitation"), self.tr("{n} invitations")),
            cancellations=plural(
                result.cancelled, self.tr("1 cancellation"), self.tr("{n} cancellations")
            ),
            people=plural(result.volunteers, self.tr("1 volunteer"), self.tr("{n} volunteers")),
        )

    def _send_failed(self, error: Exception) -> None:
        if not isinstance(error, OrganizerError):
            raise error
        self.sending = False
        self.error = error
        self._set_sending(False)
        if isinstance(error, PublishInterruptedError):
            self.result_heading.setText(self.tr("Sending stopped part-way."))
            self._show_result([error.message], error.partial.failed)
        else:
            # Nothing was sent: keep the plan on show so it can be tried again.
            self.banner.show_problem(str(error))
            if self.by_email.isChecked() and "password" in str(error).lower():
                self.password_row.show()
                self.password.setFocus()
        self.status_message.emit(str(error))
        self.finished_sending.emit()

    def _show_result(self, details: list[str], failed: list[tuple[str, str]]) -> None:
        self.result_details.setText("\n".join(details))
        self.result_details.setVisible(bool(details))
        self.failures.clear()
        for name, problem in failed:
            self.failures.addItem(f"{name}: {problem}")
        self.failures.setVisible(bool(failed))
        self.sent.clear()
        self.sent.hide()
        self.sent_label.hide()
        self.summary.hide()
        self.pages.setCurrentIndex(RESULT_PAGE)
        self.destination.hide()
        self.send_button.hide()
        self.first_day.setEnabled(False)
        self.last_day.setEnabled(False)

    def reject(self) -> None:
        """Close, unless sending: then stop after the volunteer being sent."""
        if self.sending:
            self.stop()
            return
        super().reject()

    # State -----------------------------------------------------------------------------

    def _failed(self, error: Exception) -> None:
        if not isinstance(error, OrganizerError):
            raise error
        self.planning = False
        self._set_busy(False)
        self.pages.setCurrentIndex(MESSAGE_PAGE)
        self.message.setText("")
        self.banner.show_problem(str(error))

    def _set_busy(self, busy: bool) -> None:
        self.busy_bar.setVisible(busy)
        if busy:
            self.summary.setText(self.tr("Working out what to send…"))

    def _set_sending(self, sending: bool) -> None:
        self.progress_row.setVisible(sending)
        self.stop_button.setEnabled(sending)
        self.progress.setValue(0)
        self.progress_label.setText(self.tr("Starting…") if sending else "")
        for widget in (self.first_day, self.last_day, self.destination, self.settings_button):
            widget.setEnabled(not sending)
        close = self.buttons.button(QDialogButtonBox.StandardButton.Close)
        if close is not None:
            close.setEnabled(not sending)
        self._update_send_button()
        if not sending:
            self._destination_changed()

    @property
    def busy(self) -> bool:
        """Whether the dialog is waiting for the worker."""
        return self.planning or self.sending or self.setup is None
