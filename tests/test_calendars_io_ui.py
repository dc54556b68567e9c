"""The calendar dialogs (export, publish, settings, import, replies), driven like a coordinator."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import keyring
import keyring.backend
import keyring.backends.fail
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from PySide6.QtCore import QLocale, QSettings, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QMainWindow,
    QMenu,
    QWidget,
    QWizard,
)
from pytestqt.qtbot import QtBot

from organizer.changes import DataChange
from organizer.ics.importer import read_calendar
from organizer.models import AssignmentStatus
from organizer.services import (
    AssignmentDraft,
    CauseDraft,
    EventDraft,
    LocationDraft,
    Services,
    ShiftDraft,
    VolunteerDraft,
)
from organizer.services.settings import OrganisationSettings, SmtpSecurity
from organizer.storage import Database
from organizer.ui.calendars_io import CalendarActions
from organizer.ui.calendars_io.export_dialog import ExportDialog, ExportKind
from organizer.ui.calendars_io.import_wizard import PREVIEW_PAGE, RESULT_PAGE, ImportWizard
from organizer.ui.calendars_io.preview_model import ACTION, TITLE, ImportPreviewModel
from organizer.ui.calendars_io.publish_dialog import MESSAGE_PAGE, PLAN_PAGE, PublishDialog
from organizer.ui.calendars_io.replies_dialog import RepliesDialog
from organizer.ui.calendars_io.settings_dialog import SettingsDialog
from organizer.ui.context import ViewContext
from organizer.ui.main_window import MainWindow, OpeningFile
from tests.ics_helpers import reply_bytes
from tests.ui_helpers import assert_not_blank, view_context

DATA = Path(__file__).parent / "data" / "ics"
LONDON = "Europe/London"
NOW = datetime(2030, 3, 4, 9, 0, tzinfo=UTC)  # a Monday


def at(day: int, hour: int, month: int = 3) -> datetime:
    return datetime(2030, month, day, hour, tzinfo=ZoneInfo(LONDON)).astimezone(UTC)


def clock() -> datetime:
    return NOW


@pytest.fixture(autouse=True)
def surroundings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """London time, British dates, and no system keyring (as on many office machines)."""
    monkeypatch.setenv("TZ", LONDON)
    previous_locale = QLocale()
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom))
    previous_keyring = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    yield
    keyring.set_keyring(previous_keyring)
    QLocale.setDefault(previous_locale)


@pytest.fixture
def png_dir(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("CALENDARS_UI_PNG_DIR", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def local_settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "organizer.ini"), QSettings.Format.IniFormat)


def make_context(db: Database, *, read_only: bool = False) -> ViewContext:
    return view_context(db, read_only=read_only)


@pytest.fixture
def context(db: Database) -> Iterator[ViewContext]:
    view_context = make_context(db)
    yield view_context
    view_context.worker.wait()


@dataclass
class World:
    services: Services
    cause_id: int
    people: dict[str, Any]
    assignments: dict[str, Any]


@pytest.fixture
def world(context: ViewContext) -> World:
    """Peer support: a weekly circle, a three-week garden series and four volunteers."""
    services = context.services
    cause = services.causes.create(CauseDraft("Peer support"))
    services.causes.create(CauseDraft("Food bank"))
    hall = services.locations.create(LocationDraft("Church hall", "1 High Street"))
    emails = {"ann": "ann@example.net", "ben": "ben@example.net", "cat": None}
    people = {
        key: services.volunteers.create(
            VolunteerDraft(f"{key.capitalize()} Lee", date(2029, 1, 1), LONDON, email=address)
        ).id
        for key, address in emails.items()
    }
    circle = services.events.create(
        EventDraft(
            "Weekly circle", at(5, 18), at(5, 20), LONDON, cause_id=cause.id, location_id=hall.id
        )
    )
    garden = services.events.create(
        EventDraft(
            "Garden day",
            at(9, 10),
            at(9, 13),
            LONDON,
            cause_id=cause.id,
            rrule="FREQ=WEEKLY;COUNT=3",
        )
    )
    services.events.create(EventDraft("Open day", at(1, 10, month=4), at(1, 12, month=4), LONDON))
    greeter = services.shifts.create(ShiftDraft(circle.id, "Greeter", needed=2))
    helper = services.shifts.create(ShiftDraft(garden.id, "Helper", needed=3))
    assignments = {
        "ann-greeter": services.assignments.create(
            AssignmentDraft(greeter.id, people["ann"], at(5, 18))
        ),
        "ben-greeter": services.assignments.create(
            AssignmentDraft(greeter.id, people["ben"], at(5, 18))
        ),
        "ann-garden": services.assignments.create(
            AssignmentDraft(helper.id, people["ann"], at(9, 10))
        ),
        "cat-garden": services.assignments.create(
            AssignmentDraft(helper.id, people["cat"], at(9, 10))
        ),
    }
    return World(services, cause.id, people, assignments)


def organiser(world: World, **changes: Any) -> OrganisationSettings:
    settings = OrganisationSettings(
        organiser_name="Olu Organiser", organiser_email="olu@example.org", **changes
    )
    return world.services.settings.save(settings)


def assert_named(dialog: QWidget) -> None:
    """Every field, list and button a screen reader lands on has an accessible name."""
    kinds = (QLineEdit, QComboBox, QAbstractSpinBox, QAbstractItemView, QAbstractButton)
    unnamed = [
        f"{type(widget).__name__} {getattr(widget, 'text', lambda: '')()!r}"
        for widget in dialog.findChildren(QWidget)
        if isinstance(widget, kinds)
        and widget.window() is dialog
        and not isinstance(
            widget.parent(), (QComboBox, QAbstractSpinBox, QLineEdit, QAbstractItemView)
        )
        and not (isinstance(widget, QAbstractButton) and widget.text())
        and not widget.accessibleName()
    ]
    assert unnamed == []


def shown(qtbot: QtBot, widget: QWidget) -> None:
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)


# Export --------------------------------------------------------------------------------------


def test_exporting_a_cause_writes_a_calendar_file_with_its_events(
    qtbot: QtBot,
    world: World,
    context: ViewContext,
    local_settings: QSettings,
    tmp_path: Path,
    png_dir: Path,
) -> None:
    dialog = ExportDialog(context, settings=local_settings, clock=clock)
    with qtbot.waitSignal(dialog.loaded):
        shown(qtbot, dialog)
    dialog.choose(ExportKind.CAUSE, world.cause_id)
    assert dialog.path.path() is not None
    assert dialog.path.path().name == "Organizer - Peer support - Mar 2030.ics"  # type: ignore[union-attr]
    assert_not_blank(dialog, png_dir / "export-dialog.png")
    assert_named(dialog)

    target = tmp_path / "out" / "peer support.ics"
    dialog.path.line.clear()
    qtbot.keyClicks(dialog.path.line, str(target))
    with qtbot.waitSignal(dialog.exported) as saved:
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)

    assert saved.args == [f"Saved 2 events to {target}"]
    calendar = icalendar.Calendar.from_ical(target.read_bytes())
    titles = sorted(str(event["SUMMARY"]) for event in calendar.walk("VEVENT"))
    assert titles == ["Garden day", "Weekly circle"]
    assert str(calendar["X-WR-CALNAME"]) == "Peer support"
    assert not list(target.parent.glob("*.partial"))
    assert local_settings.value("calendars/export_folder") == str(target.parent)


def test_exporting_asks_for_what_is_missing_and_says_when_the_file_cannot_be_written(
    qtbot: QtBot, world: World, context: ViewContext, local_settings: QSettings, tmp_path: Path
) -> None:
    dialog = ExportDialog(context, settings=local_settings, clock=clock)
    with qtbot.waitSignal(dialog.loaded):
        shown(qtbot, dialog)
    dialog.choose(ExportKind.DATES)
    dialog.last_day.setDate(dialog.first_day.date().addDays(-1))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert dialog.banner.text == "The last day must not be before the first."

    dialog.choose(ExportKind.VOLUNTEER, world.people["ann"])
    blocker = tmp_path / "a file"
    blocker.write_text("in the way")
    dialog.path.set_path(blocker / "shifts.ics")
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy)
    assert dialog.banner.text.startswith(f"Cannot write {blocker / 'shifts.ics'}")
    assert dialog.isVisible()


# Publish -------------------------------------------------------------------------------------


def open_publish(qtbot: QtBot, context: ViewContext, local_settings: QSettings) -> PublishDialog:
    dialog = PublishDialog(context, settings=local_settings, clock=clock)
    with qtbot.waitSignal(dialog.planned, timeout=10_000):
        shown(qtbot, dialog)
    return dialog


def tree_texts(dialog: PublishDialog) -> dict[str, list[str]]:
    listed = {}
    for row in range(dialog.tree.topLevelItemCount()):
        top = dialog.tree.topLevelItem(row)
        assert top is not None
        listed[top.text(0)] = [top.child(i).text(0) for i in range(top.childCount())]  # type: ignore[union-attr]
    return listed


def test_publishing_to_a_folder_lists_each_volunteers_changes_then_writes_the_files(
    qtbot: QtBot,
    world: World,
    context: ViewContext,
    local_settings: QSettings,
    tmp_path: Path,
    png_dir: Path,
) -> None:
    organiser(world)
    dialog = open_publish(qtbot, context, local_settings)

    assert dialog.pages.currentIndex() == PLAN_PAGE
    assert dialog.summary.text() == (
        "2 volunteers to send to: 3 new, 0 changed, 0 cancelled. "
        "1 volunteer cannot be sent to: no email address."
    )
    listed = tree_texts(dialog)
    assert list(listed) == ["Ann Lee", "Ben Lee", "Cat Lee — cannot be sent: no email address"]
    assert listed["Ann Lee"] == [
        "New: Greeter: Weekly circle, Tue 5 Mar 18:00",
        "New: Helper: Garden day, Sat 9 Mar 10:00",
    ]
    ann = dialog.tree.topLevelItem(0)
    assert ann is not None and ann.text(1) == "2"
    assert_not_blank(dialog, png_dir / "publish-plan.png")
    assert_named(dialog)

    outbox = tmp_path / "outbox"
    dialog.to_folder.setChecked(True)
    dialog.folder.set_path(outbox)
    assert dialog.send_button.text() == "Save files" and dialog.send_button.isEnabled()
    with qtbot.waitSignal(dialog.finished_sending, timeout=10_000):
        qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)

    assert dialog.result_heading.text() == (
        "Saved 3 invitations and 0 cancellations for 2 volunteers."
    )
    files = sorted(path.name for path in outbox.glob("*.ics"))
    assert len(files) == 3 and all(name.endswith("-request.ics") for name in files)
    assert local_settings.value("calendars/outbox_folder") == str(outbox)
    assert_not_blank(dialog, png_dir / "publish-result.png")
    dialog.close()

    again = open_publish(qtbot, context, local_settings)
    assert again.pages.currentIndex() == MESSAGE_PAGE
    assert again.message.text().startswith("Everyone is up to date")
    assert "Cat Lee" in again.message.text()
    assert not again.send_button.isEnabled()
    assert again.folder.path() == outbox


def test_publishing_without_an_organiser_offers_the_settings_first(
    qtbot: QtBot, world: World, context: ViewContext, local_settings: QSettings, png_dir: Path
) -> None:
    dialog = open_publish(qtbot, context, local_settings)
    assert "who they come from" in dialog.settings_problem.text()
    assert dialog.settings_button.isVisible() and not dialog.send_button.isEnabled()
    assert_not_blank(dialog, png_dir / "publish-needs-settings.png")

    qtbot.mouseClick(dialog.settings_button, Qt.MouseButton.LeftButton)
    settings = dialog.settings_dialog
    assert settings is not None
    qtbot.waitUntil(lambda: settings.current is not None)
    qtbot.keyClicks(settings.organiser_name, "Olu Organiser")
    qtbot.keyClicks(settings.organiser_email, "olu@example.org")
    with qtbot.waitSignal(dialog.planned, timeout=10_000):
        qtbot.mouseClick(settings.save_button, Qt.MouseButton.LeftButton)

    assert dialog.settings_problem.isHidden() and dialog.settings_button.isHidden()
    assert dialog.send_button.isEnabled()


@dataclass
class MailServer:
    port: int
    messages: list[EmailMessage]


def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    ok = data.login in ("coordinator", b"coordinator") and data.password in ("s3cret", b"s3cret")
    return AuthResult(success=ok, handled=False)


class Keeper:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        import email
        import email.policy

        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 OK"


@pytest.fixture
def mail_server() -> Iterator[MailServer]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    keeper = Keeper()
    controller = Controller(
        keeper,
        hostname="127.0.0.1",
        port=port,
        ready_timeout=5,
        authenticator=authenticate,
        auth_require_tls=False,
        auth_exclude_mechanism=["LOGIN"],
    )
    controller.start()
    try:
        yield MailServer(port, keeper.messages)
    finally:
        controller.stop()


def test_publishing_by_email_asks_for_the_password_when_no_keyring_keeps_it(
    qtbot: QtBot,
    world: World,
    context: ViewContext,
    local_settings: QSettings,
    mail_server: MailServer,
    png_dir: Path,
) -> None:
    organiser(
        world,
        smtp_host="127.0.0.1",
        smtp_port=mail_server.port,
        smtp_security=SmtpSecurity.NONE,
        smtp_user="coordinator",
    )
    dialog = open_publish(qtbot, context, local_settings)
    dialog.by_email.setChecked(True)
    assert dialog.password_row.isVisible()
    assert not dialog.remember.isEnabled()  # no keyring on this machine
    assert f"127.0.0.1:{mail_server.port} as coordinator" in dialog.email_hint.text()

    qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    assert dialog.password_problem.text() == "Type the password for the mail server."

    qtbot.keyClicks(dialog.password, "s3cret")
    assert_not_blank(dialog, png_dir / "publish-email.png")
    with qtbot.waitSignal(dialog.finished_sending, timeout=20_000):
        qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)

    assert dialog.error is None
    assert dialog.result_heading.text() == (
        "Sent 3 invitations and 0 cancellations to 2 volunteers."
    )
    recipients = sorted(str(message["To"]) for message in mail_server.messages)
    assert recipients == ["Ann Lee <ann@example.net>", "Ben Lee <ben@example.net>"]
    assert local_settings.value("calendars/publish_by_email") in (True, "true")


def test_a_wrong_mail_password_is_explained_and_nothing_is_recorded(
    qtbot: QtBot,
    world: World,
    context: ViewContext,
    local_settings: QSettings,
    mail_server: MailServer,
) -> None:
    organiser(
        world,
        smtp_host="127.0.0.1",
        smtp_port=mail_server.port,
        smtp_security=SmtpSecurity.NONE,
        smtp_user="coordinator",
    )
    dialog = open_publish(qtbot, context, local_settings)
    dialog.by_email.setChecked(True)
    qtbot.keyClicks(dialog.password, "wrong")
    with qtbot.waitSignal(dialog.finished_sending, timeout=20_000):
        qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)

    assert "refused the user name or password" in dialog.banner.text
    assert dialog.pages.currentIndex() == PLAN_PAGE and dialog.send_button.isEnabled()
    assert mail_server.messages == []


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keyring that lives in memory."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        del self.store[(service, username)]


def test_a_remembered_mail_password_is_not_asked_for_again(
    qtbot: QtBot,
    world: World,
    context: ViewContext,
    local_settings: QSettings,
    mail_server: MailServer,
) -> None:
    store = MemoryKeyring()
    keyring.set_keyring(store)
    organiser(
        world,
        smtp_host="127.0.0.1",
        smtp_port=mail_server.port,
        smtp_security=SmtpSecurity.NONE,
        smtp_user="coordinator",
    )
    dialog = open_publish(qtbot, context, local_settings)
    dialog.by_email.setChecked(True)
    assert dialog.remember.isEnabled()
    qtbot.keyClicks(dialog.password, "s3cret")
    dialog.remember.setChecked(True)
    with qtbot.waitSignal(dialog.finished_sending, timeout=20_000):
        qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    assert dialog.error is None and len(mail_server.messages) == 2
    assert list(store.store.values()) == ["s3cret"]
    dialog.close()

    world.services.assignments.create(
        AssignmentDraft(world.assignments["cat-garden"].shift_id, world.people["ben"], at(9, 10))
    )
    again = open_publish(qtbot, context, local_settings)
    assert again.by_email.isChecked() and not again.password_row.isVisible()
    with qtbot.waitSignal(again.finished_sending, timeout=20_000):
        qtbot.mouseClick(again.send_button, Qt.MouseButton.LeftButton)
    assert again.result_heading.text() == ("Sent 1 invitation and 0 cancellations to 1 volunteer.")
    assert str(mail_server.messages[-1]["To"]) == "Ben Lee <ben@example.net>"


# Settings ------------------------------------------------------------------------------------


def test_settings_show_a_bad_email_next_to_the_field_and_save_good_ones(
    qtbot: QtBot,
    world: World,
    context: ViewContext,
    local_settings: QSettings,
    tmp_path: Path,
    png_dir: Path,
) -> None:
    dialog = SettingsDialog(context, settings=local_settings)
    with qtbot.waitSignal(dialog.loaded):
        shown(qtbot, dialog)
    assert not dialog.password.isEnabled()
    assert "no system keyring" in dialog.password_hint.text()

    qtbot.keyClicks(dialog.organiser_name, "Olu Organiser")
    qtbot.keyClicks(dialog.organiser_email, "olu at example")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    problem = dialog.problems["organiser_email"]
    qtbot.waitUntil(lambda: problem.isVisible())
    assert "email" in problem.text().lower()
    assert dialog.isVisible()
    assert_not_blank(dialog, png_dir / "settings-problem.png")
    assert_named(dialog)

    dialog.organiser_email.clear()
    qtbot.keyClicks(dialog.organiser_email, "olu@example.org")
    dialog.reminder.setCurrentIndex(dialog.reminder.findText("1 hour before"))
    qtbot.keyClicks(dialog.smtp_host, "smtp.example.org")
    dialog.smtp_security.setCurrentIndex(dialog.smtp_security.findData("tls"))
    dialog.keep_feeds.setChecked(True)
    dialog.feed_folder.set_path(tmp_path / "feeds")
    with qtbot.waitSignal(dialog.saved):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    stored = world.services.settings.get()
    assert (stored.organiser_name, stored.organiser_email) == ("Olu Organiser", "olu@example.org")
    assert stored.reminder_minutes == 60 and stored.smtp_security is SmtpSecurity.TLS
    assert stored.port == 465
    assert local_settings.value("calendars/feed_folder") == str(tmp_path / "feeds")


# Import --------------------------------------------------------------------------------------


def open_wizard(qtbot: QtBot, context: ViewContext, local_settings: QSettings) -> ImportWizard:
    wizard = ImportWizard(context, settings=local_settings)
    shown(qtbot, wizard)
    qtbot.waitUntil(lambda: wizard.preview_page.cause.count() > 0)
    return wizard


def test_importing_a_thunderbird_file_previews_then_adds_the_event_to_the_chosen_cause(
    qtbot: QtBot, world: World, context: ViewContext, local_settings: QSettings, png_dir: Path
) -> None:
    wizard = open_wizard(qtbot, context, local_settings)
    next_button = wizard.button(QWizard.WizardButton.NextButton)
    assert not next_button.isEnabled()
    with qtbot.waitSignal(wizard.read):
        wizard.add_files([DATA / "thunderbird.ics"])
    assert wizard.files_page.files.item(0).text() == "thunderbird.ics: 1 event"
    assert next_button.isEnabled()

    qtbot.mouseClick(next_button, Qt.MouseButton.LeftButton)
    assert wizard.currentId() == PREVIEW_PAGE
    page = wizard.preview_page
    model = page.model
    assert model.rowCount() == 1
    assert model.index(0, TITLE).data() == "Trauercafé (grief café)"
    assert model.index(0, ACTION).data() == "New"
    assert page.counts.text() == "1 new, 0 to update, 0 to skip."
    commit = wizard.button(QWizard.WizardButton.CommitButton)
    assert not commit.isEnabled()  # no cause chosen yet

    page.choose_cause("Peer support")
    assert commit.isEnabled() and commit.text() == "Import"
    assert_not_blank(wizard, png_dir / "import-preview.png")
    assert_named(wizard)
    changes: list[DataChange] = []
    context.hub.changed.connect(changes.append)
    with qtbot.waitSignal(wizard.imported, timeout=10_000):
        qtbot.mouseClick(commit, Qt.MouseButton.LeftButton)

    assert wizard.currentId() == RESULT_PAGE
    assert wizard.result_page.summary.text() == (
        "Imported 1 new event, 0 events updated, 0 skipped. "
        "New locations: “Stadtteilzentrum Nord”, “Gemeindehaus, Raum 2”."
    )
    assert changes and changes[0].touches("event")
    imported = [e for e in world.services.events.list() if e.title.startswith("Trauercafé")]
    assert len(imported) == 1 and imported[0].cause_id == world.cause_id
    assert wizard.button(QWizard.WizardButton.FinishButton).isEnabled()
    assert wizard.grab().save(str(png_dir / "import-result.png"))


def test_a_file_that_is_not_a_calendar_is_named_with_its_problem_and_nothing_is_imported(
    qtbot: QtBot, world: World, context: ViewContext, local_settings: QSettings
) -> None:
    before = len(world.services.events.list())
    wizard = open_wizard(qtbot, context, local_settings)
    with qtbot.waitSignal(wizard.read):
        wizard.add_files([DATA / "thunderbird.ics", DATA / "not-a-calendar.ics"])

    listed = [wizard.files_page.files.item(i).text() for i in range(2)]
    assert listed[1] == "not-a-calendar.ics: cannot be imported"
    assert wizard.files_page.banner.text.startswith(
        "not-a-calendar.ics is a web page or XML file, not a calendar file"
    )
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    assert len(world.services.events.list()) == before

    with qtbot.waitSignal(wizard.read):
        wizard.remove_file(DATA / "not-a-calendar.ics")
    assert wizard.button(QWizard.WizardButton.NextButton).isEnabled()


def test_the_preview_model_passes_the_model_tester(qtmodeltester: Any) -> None:
    model = ImportPreviewModel()
    model.set_previews(
        [read_calendar(DATA / "thunderbird.ics"), read_calendar(DATA / "google.ics")]
    )
    qtmodeltester.check(model)
    assert model.rowCount() > 1


# Replies -------------------------------------------------------------------------------------


def reply_file(folder: Path, uid: str, email: str, answer: str) -> Path:
    path = folder / f"reply-{answer.lower()}.ics"
    path.write_bytes(reply_bytes(uid, email, answer, NOW))
    return path


def test_replies_say_what_each_answer_means_then_record_it(
    qtbot: QtBot,
    world: World,
    context: ViewContext,
    local_settings: QSettings,
    tmp_path: Path,
    png_dir: Path,
) -> None:
    accepted = reply_file(
        tmp_path, world.assignments["ann-greeter"].uid, "ann@example.net", "ACCEPTED"
    )
    dialog = RepliesDialog(context, settings=local_settings)
    shown(qtbot, dialog)
    with qtbot.waitSignal(dialog.read):
        dialog.add_files([accepted, DATA / "not-a-calendar.ics"])

    texts = [dialog.answers.item(i).text() for i in range(dialog.answers.count())]
    assert (
        texts[0]
        == "reply-accepted.ics: Ann Lee accepted “Greeter” at “Weekly circle” on 5 Mar 2030 18:00."
    )
    assert texts[1].startswith("Cannot be read: not-a-calendar.ics")
    assert dialog.summary.text() == "1 answer can be recorded."
    assert_not_blank(dialog, png_dir / "replies.png")
    assert_named(dialog)

    changes: list[DataChange] = []
    context.hub.changed.connect(changes.append)
    with qtbot.waitSignal(dialog.recorded):
        qtbot.mouseClick(dialog.record_button, Qt.MouseButton.LeftButton)
    assert dialog.summary.text() == "1 answer recorded."
    stored = world.services.assignments.get(world.assignments["ann-greeter"].id)
    assert stored.status == AssignmentStatus.ACCEPTED
    assert changes and changes[0].touches("assignment")


# The menu ------------------------------------------------------------------------------------


def test_the_calendars_menu_appears_once_a_database_is_open_and_respects_read_only(
    qtbot: QtBot, db: Database, local_settings: QSettings
) -> None:
    window = MainWindow(OpeningFile("test", None), settings=local_settings)
    qtbot.addWidget(window)
    assert not window.calendars_menu.menuAction().isVisible()
    context = make_context(db)
    statuses: list[str] = []
    actions = CalendarActions(
        window, context, window.calendars_menu, show_status=statuses.append, settings=local_settings
    )
    assert window.calendars_menu.menuAction().isVisible()
    texts = [a.text().replace("&", "") for a in window.calendars_menu.actions() if a.text()]
    assert texts == [
        "Import calendar file…",
        "Import replies…",
        "Export calendar…",
        "Publish changes…",
        "Update calendar feeds",
        "Organisation settings…",
    ]
    assert all(action.isEnabled() for action in actions.actions())

    read_only = make_context(db, read_only=True)
    menu = QMenu()
    viewer = CalendarActions(QMainWindow(), read_only, menu, settings=local_settings)
    enabled = {a.text().replace("&", ""): a.isEnabled() for a in viewer.actions()}
    assert enabled == {
        "Import calendar file…": False,
        "Import replies…": False,
        "Export calendar…": True,
        "Publish changes…": False,
        "Update calendar feeds": False,
        "Organisation settings…": True,
    }
    context.worker.wait()
