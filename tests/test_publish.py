"""Publishing invitations: what is sent, what is recorded, mail through a real SMTP server,
the mail password in the keyring, calendar feeds and the ``publish`` command."""

from __future__ import annotations

import email
import email.policy
import json
import shutil
import socket
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from dataclasses import fields as dataclass_fields
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from unittest.mock import patch
from zoneinfo import ZoneInfo

import icalendar
import keyring
import keyring.backend
import keyring.backends.fail
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy import update as sa_update

from organizer.cli import main
from organizer.demo import generate_demo
from organizer.errors import (
    MailConnectionError,
    MailError,
    MailLoginError,
    MailSecurityError,
    PasswordStoreError,
    ValidationError,
)
from organizer.ics.feeds import MANIFEST_NAME, update_feeds
from organizer.ics.invitations import Person
from organizer.ics.mail import MailConnection, SmtpConfig
from organizer.ics.publish import (
    ChangeKind,
    OutboxSink,
    PlannedChange,
    PublishInterruptedError,
    PublishPlan,
    PublishResult,
    SmtpSink,
    VolunteerChanges,
    default_period,
    execute_publish,
    invitation_filename,
    plan_publish,
    slug,
)
from organizer.models import (
    Assignment,
    AssignmentStatus,
    Event,
    EventStatus,
    FileInfo,
    OccurrenceRow,
    PublishedItem,
    Shift,
    Volunteer,
)
from organizer.services import (
    AssignmentDraft,
    CauseDraft,
    EventDraft,
    LocationDraft,
    Services,
    ShiftDraft,
    VolunteerDraft,
)
from organizer.services.base import record_change
from organizer.services.series import draft_of as event_draft_of
from organizer.services.series import roles_of
from organizer.services.settings import OrganisationSettings, SettingsService, SmtpSecurity
from organizer.storage import Database, create_database, open_database
from tests.ics_tools import icaljs, libical_problems

NOW = datetime(2030, 3, 4, 9, 0, tzinfo=UTC)  # a Monday; London is on GMT until 31 March
LONDON = "Europe/London"
ORGANISER = Person("Olu Organiser", "olu@example.org")


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2030, month, day, hour, minute, tzinfo=ZoneInfo(LONDON)).astimezone(UTC)


@dataclass
class World:
    """A small organisation built with the services."""

    db: Database
    services: Services
    people: dict[str, Any]
    emails: dict[str, str | None]
    events: dict[str, Any]
    shifts: dict[str, Any]
    assignments: dict[str, Any] = field(default_factory=dict)

    def assign(self, key: str, shift: str, who: str, occurrence: datetime) -> None:
        draft = AssignmentDraft(self.shifts[shift], self.people[who], occurrence)
        self.assignments[key] = self.services.assignments.create(draft)


@pytest.fixture
def world(db: Database) -> World:
    services = Services.for_database(db, "tester")
    cause = services.causes.create(CauseDraft("Peer support"))
    hall = services.locations.create(LocationDraft("Church hall", "1 High Street"))
    emails = {
        "ann": "ann@example.net",
        "ben": "ben@example.net",
        "cat": None,
        "dan": "dan@example.net",
    }
    people = {
        key: services.volunteers.create(
            VolunteerDraft(f"{key.capitalize()} Lee", date(2029, 1, 1), LONDON, email=address)
        ).id
        for key, address in emails.items()
    }
    event_drafts = {
        "circle": EventDraft(
            "Weekly circle", at(5, 18), at(5, 20), LONDON, cause_id=cause.id, location_id=hall.id
        ),
        "garden": EventDraft(
            "Garden day",
            at(9, 10),
            at(9, 13),
            LONDON,
            cause_id=cause.id,
            rrule="FREQ=WEEKLY;COUNT=3",
        ),
        "old": EventDraft("Old meeting", at(1, 18), at(1, 19), LONDON),
        "fair": EventDraft("Summer fair", at(1, 10, month=7), at(1, 16, month=7), LONDON),
    }
    events = {key: services.events.create(draft).id for key, draft in event_drafts.items()}
    shift_drafts = {
        "greeter": ShiftDraft(events["circle"], "Greeter", needed=2),
        "facilitator": ShiftDraft(events["circle"], "Facilitator"),
        "helper": ShiftDraft(events["garden"], "Helper", needed=3),
        "minutes": ShiftDraft(events["old"], "Minutes"),
        "stall": ShiftDraft(events["fair"], "Stall"),
    }
    shifts = {key: services.shifts.create(draft).id for key, draft in shift_drafts.items()}
    built = World(db, services, people, emails, events, shifts)
    built.assign("ann-greeter", "greeter", "ann", at(5, 18))
    built.assign("ben-greeter", "greeter", "ben", at(5, 18))
    built.assign("dan-facilitator", "facilitator", "dan", at(5, 18))
    built.assign("ann-garden-9", "helper", "ann", at(9, 10))
    built.assign("ann-garden-16", "helper", "ann", at(16, 10))
    built.assign("cat-garden-9", "helper", "cat", at(9, 10))
    built.assign("ann-old", "minutes", "ann", at(1, 18))
    built.assign("ben-fair", "stall", "ben", at(1, 10, month=7))
    return built


def plan_for(
    world: World, *, now: datetime = NOW, volunteers: list[int] | None = None
) -> PublishPlan:
    starts, ends = default_period(now)
    with world.db.read() as session:
        return plan_publish(
            session,
            starts=starts,
            ends=ends,
            volunteer_ids=volunteers,  # type: ignore[arg-type]
            contact=ORGANISER,
        )


def publish(
    world: World, outbox: Path, *, now: datetime = NOW
) -> tuple[PublishPlan, PublishResult]:
    plan = plan_for(world, now=now)
    result = execute_publish(
        world.db,
        plan,
        sink=OutboxSink(outbox),
        organizer=ORGANISER,
        reminder_minutes=30,
        actor="tester",
        now=now,
    )
    return plan, result


def read_files(folder: Path) -> dict[str, icalendar.Calendar]:
    if not folder.exists():
        return {}
    return {
        path.name: icalendar.Calendar.from_ical(path.read_bytes())
        for path in sorted(folder.glob("*.ics"))
    }


def the_event(calendar: icalendar.Calendar) -> Any:
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1, "an invitation holds exactly one event"
    return events[0]


def sequence(event: Any) -> int:
    return int(str(event["SEQUENCE"]))


def attendees(event: Any) -> list[str]:
    found = event.get("ATTENDEE")
    values = found if isinstance(found, list) else [found]
    return [str(value).lower() for value in values if value is not None]


def published_rows(world: World) -> list[PublishedItem]:
    with world.db.read() as session:
        return list(session.scalars(select(PublishedItem).order_by(PublishedItem.id)))


def uid_of(world: World, key: str) -> str:
    return str(world.assignments[key].uid)


# --- Planning and the outbox ------------------------------------------------------------------


def test_first_publish_sends_every_current_shift_once_and_records_it(
    world: World, tmp_path: Path
) -> None:
    plan, result = publish(world, tmp_path / "out")

    files = read_files(tmp_path / "out")
    assert len(files) == 5 == result.new == result.invitations
    assert result.volunteers == 3
    assert "ann-lee-2030-03-05-1800-greeter-request.ics" in files
    assert "ann-lee-2030-03-16-1000-helper-request.ics" in files
    uids = {str(the_event(c)["UID"]) for c in files.values()}
    past_and_far = {uid_of(world, "ann-old"), uid_of(world, "ben-fair")}
    assert not uids & past_and_far, "past shifts and shifts beyond the horizon are not sent"
    for name, calendar in files.items():
        event = the_event(calendar)
        assert str(calendar["METHOD"]) == "REQUEST"
        assert sequence(event) == 0
        owner = name.split("-")[0]
        assert attendees(event) == [f"mailto:{owner}@example.net"]
        assert str(event["ORGANIZER"]).lower() == "mailto:olu@example.org"
        alarms = list(event.walk("VALARM"))
        assert len(alarms) == 1 and alarms[0].decoded("TRIGGER") == timedelta(minutes=-30)
        assert libical_problems((tmp_path / "out" / name).read_bytes()) == []
    parsed = icaljs({n: (tmp_path / "out" / n).read_bytes() for n in files}, date(2030, 12, 31))
    assert all("error" not in answer for answer in parsed.values())
    # Cat has no email address: listed, not silently dropped, and nothing recorded for her.
    assert [v.name for v in plan.cannot_send] == ["Cat Lee"]
    assert "Cat Lee: cannot be sent (no email address):" in plan.lines()
    rows = published_rows(world)
    assert sorted(r.uid for r in rows) == sorted(uids)
    assert all(r.sequence == 0 and not r.cancelled and r.sent_by == "tester" for r in rows)
    assert all(r.assignment_id is not None for r in rows)


def test_republishing_with_nothing_changed_sends_nothing(world: World, tmp_path: Path) -> None:
    publish(world, tmp_path / "first")
    plan, result = publish(world, tmp_path / "again")

    assert plan.is_empty and plan.unchanged == 5
    assert result.invitations == 0 and read_files(tmp_path / "again") == {}
    assert [v.name for v in plan.cannot_send] == ["Cat Lee"], "still listed as cannot be sent"


def test_moving_an_event_updates_only_its_volunteers_with_a_raised_sequence(
    world: World, tmp_path: Path
) -> None:
    publish(world, tmp_path / "first")
    series = world.services.series
    state = series.capture(world.events["circle"])
    draft = replace(
        state.draft,
        starts_at=state.draft.starts_at + timedelta(hours=1),
        ends_at=state.draft.ends_at + timedelta(hours=1),
    )
    series.update(world.events["circle"], state.version, draft, roles_of(state.shifts), now=NOW)

    plan, result = publish(world, tmp_path / "moved")

    assert {v.name for v in plan.volunteers} == {"Ann Lee", "Ben Lee", "Dan Lee"}
    assert (result.new, result.changed, result.cancelled) == (0, 3, 0)
    ann = next(v for v in plan.volunteers if v.name == "Ann Lee")
    assert [c.description for c in ann.changes] == [
        "Greeter: Weekly circle, Tue 5 Mar 18:00 → moved to 19:00"
    ]
    files = read_files(tmp_path / "moved")
    assert len(files) == 3
    by_uid = {str(the_event(c)["UID"]): the_event(c) for c in files.values()}
    for key in ("ann-greeter", "ben-greeter", "dan-facilitator"):
        event = by_uid[uid_of(world, key)]
        assert sequence(event) == 1
        assert event.decoded("DTSTART").astimezone(UTC) == at(5, 19)
    assert publish(world, tmp_path / "after")[0].is_empty


def test_changing_one_occurrence_updates_only_that_shift(world: World, tmp_path: Path) -> None:
    publish(world, tmp_path / "first")
    garden = world.services.events.get(world.events["garden"])
    world.services.events.change_occurrence(
        garden.id, garden.version, at(16, 10), starts_at=at(16, 11), ends_at=at(16, 14)
    )

    plan, _ = publish(world, tmp_path / "changed")

    assert [(v.name, [c.kind for c in v.changes]) for v in plan.volunteers] == [
        ("Ann Lee", [ChangeKind.CHANGED])
    ]
    event = the_event(next(iter(read_files(tmp_path / "changed").values())))
    assert str(event["UID"]) == uid_of(world, "ann-garden-16")
    assert sequence(event) == 1


def test_removing_a_volunteer_from_a_shift_cancels_their_invitation(
    world: World, tmp_path: Path
) -> None:
    publish(world, tmp_path / "first")
    ben = world.assignments["ben-greeter"]
    world.services.assignments.delete(ben.id, ben.version)

    plan, result = publish(world, tmp_path / "removed")

    assert (result.new, result.changed, result.cancelled) == (0, 0, 1)
    [change] = plan.volunteers[0].changes
    assert change.description == "Greeter: Weekly circle, Tue 5 Mar 18:00 (no longer on this shift)"
    files = read_files(tmp_path / "removed")
    assert list(files) == ["ben-lee-2030-03-05-1800-greeter-cancel.ics"]
    calendar = files["ben-lee-2030-03-05-1800-greeter-cancel.ics"]
    event = the_event(calendar)
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(event["UID"]) == ben.uid
    assert sequence(event) == 1
    assert str(event["STATUS"]) == "CANCELLED"
    assert list(event.walk("VALARM")) == []
    assert attendees(event) == ["mailto:ben@example.net"]
    assert libical_problems((tmp_path / "removed" / next(iter(files))).read_bytes()) == []
    row = next(r for r in published_rows(world) if r.uid == ben.uid)
    assert row.cancelled and row.sequence == 1 and row.assignment_id is None
    assert publish(world, tmp_path / "after")[0].is_empty, "a cancellation is sent once"


def test_a_declined_shift_is_cancelled(world: World, tmp_path: Path) -> None:
    publish(world, tmp_path / "first")
    dan = world.assignments["dan-facilitator"]
    draft = AssignmentDraft(
        dan.shift_id, dan.volunteer_id, dan.occurrence_start, status=AssignmentStatus.DECLINED
    )
    world.services.assignments.update(dan.id, dan.version, draft)

    plan, _ = publish(world, tmp_path / "declined")

    assert [(v.name, [c.kind for c in v.changes]) for v in plan.volunteers] == [
        ("Dan Lee", [ChangeKind.CANCELLED])
    ]


def test_cancelling_an_event_cancels_it_for_all_its_volunteers_and_back_on_again(
    world: World, tmp_path: Path
) -> None:
    publish(world, tmp_path / "first")
    events = world.services.events
    circle = events.get(world.events["circle"])
    circle = events.set_status(circle.id, circle.version, EventStatus.CANCELLED)

    plan, result = publish(world, tmp_path / "cancelled")

    assert (result.new, result.changed, result.cancelled) == (0, 0, 3)
    files = read_files(tmp_path / "cancelled")
    assert sorted(files) == [
        "ann-lee-2030-03-05-1800-greeter-cancel.ics",
        "ben-lee-2030-03-05-1800-greeter-cancel.ics",
        "dan-lee-2030-03-05-1800-facilitator-cancel.ics",
    ]
    for calendar in files.values():
        event = the_event(calendar)
        assert str(calendar["METHOD"]) == "CANCEL" and sequence(event) == 1
        assert str(event["STATUS"]) == "CANCELLED" and list(event.walk("VALARM")) == []
    assert all(
        "(the event is cancelled)" in c.description for v in plan.volunteers for c in v.changes
    )

    events.set_status(circle.id, circle.version, EventStatus.SCHEDULED)
    plan, result = publish(world, tmp_path / "back")
    assert result.changed == 3
    for calendar in read_files(tmp_path / "back").values():
        event = the_event(calendar)
        assert str(calendar["METHOD"]) == "REQUEST" and sequence(event) == 2
        assert str(event["STATUS"]) == "CONFIRMED"
    assert all(c.description.endswith("→ back on") for v in plan.volunteers for c in v.changes)


def test_publishing_one_volunteer_leaves_the_others_for_later(world: World, tmp_path: Path) -> None:
    plan = plan_for(world, volunteers=[world.people["dan"]])
    assert [v.name for v in plan.volunteers] == ["Dan Lee"]
    execute_publish(
        world.db, plan, sink=OutboxSink(tmp_path / "dan"), organizer=ORGANISER,
        reminder_minutes=None, actor="tester", now=NOW,
    )  # fmt: skip
    rest = plan_for(world)
    assert {v.name for v in rest.volunteers} == {"Ann Lee", "Ben Lee"}
    assert list(the_event(c).walk("VALARM") for c in read_files(tmp_path / "dan").values()) == [
        []
    ], "no reminder when none is set"


def test_shifts_that_have_started_are_never_sent(world: World, tmp_path: Path) -> None:
    _, result = publish(world, tmp_path / "late", now=at(9, 10, 30))
    names = set(read_files(tmp_path / "late"))
    assert names == {"ann-lee-2030-03-16-1000-helper-request.ics"}
    assert result.volunteers == 1


def test_same_named_files_in_one_run_are_kept_apart(world: World, tmp_path: Path) -> None:
    world.assign("ann-facilitator", "facilitator", "ann", at(5, 18))
    another = world.services.shifts.create(ShiftDraft(world.events["circle"], "Greeter"))
    world.shifts["greeter-2"] = another.id
    world.assign("ann-greeter-2", "greeter-2", "ann", at(5, 18))
    publish(world, tmp_path / "out")
    names = set(read_files(tmp_path / "out"))
    assert {
        "ann-lee-2030-03-05-1800-greeter-request.ics",
        "ann-lee-2030-03-05-1800-greeter-request-2.ics",
    } <= names


@given(st.text(max_size=80), st.text(max_size=60))
def test_file_names_are_always_safe(name: str, role: str) -> None:
    assert set(slug(name)) <= set("abcdefghijklmnopqrstuvwxyz0123456789-")
    from organizer.ics.invitations import CalendarItem

    item = CalendarItem("u@x", 0, role, "", "", NOW, NOW + timedelta(hours=1), LONDON, False, False)
    change = PlannedChange(ChangeKind.NEW, item, "", None, role, "")
    volunteer = VolunteerChanges(7, name, None, LONDON, (change,))  # type: ignore[arg-type]
    filename = invitation_filename(volunteer, change)
    assert filename.endswith("-request.ics")
    assert set(filename) <= set("abcdefghijklmnopqrstuvwxyz0123456789-.")
    assert not filename.startswith("-") and "/" not in filename and len(filename) < 120


# --- Email through a real SMTP server ---------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Recorder:
    """An aiosmtpd handler that keeps messages and can refuse a recipient or stop accepting."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], EmailMessage]] = []
        self.refuse: set[str] = set()
        self.accept_only: int | None = None

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.accept_only is not None and len(self.messages) >= self.accept_only:
            return "451 4.3.0 Mailbox temporarily unavailable"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 OK"


@dataclass
class Server:
    recorder: Recorder
    port: int

    def config(self, **changes: Any) -> SmtpConfig:
        base = SmtpConfig("127.0.0.1", self.port, SmtpSecurity.NONE, timeout=5)
        return replace(base, **changes)


def start_server(**options: Any) -> Iterator[Server]:
    recorder = Recorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port, ready_timeout=5, **options)
    controller.start()
    try:
        yield Server(recorder, port)
    finally:
        controller.stop()


@pytest.fixture
def smtp_server() -> Iterator[Server]:
    yield from start_server()


def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    ok = data.login in ("coordinator", b"coordinator") and data.password in ("s3cret", b"s3cret")
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def auth_server() -> Iterator[Server]:
    yield from start_server(
        authenticator=authenticate, auth_require_tls=False, auth_exclude_mechanism=["LOGIN"]
    )


def send(world: World, config: SmtpConfig, plan: PublishPlan | None = None) -> PublishResult:
    return execute_publish(
        world.db,
        plan or plan_for(world),
        sink=SmtpSink(MailConnection(config)),
        organizer=ORGANISER,
        reminder_minutes=30,
        actor="tester",
        now=NOW,
    )


def calendar_parts(message: EmailMessage) -> list[EmailMessage]:
    return [part for part in message.walk() if part.get_content_type() == "text/calendar"]


def test_email_sends_each_volunteer_one_message_with_their_invitations(
    world: World, smtp_server: Server
) -> None:
    result = send(world, smtp_server.config())

    assert result.volunteers == 3 and result.new == 5
    messages = {tuple(rcpt): msg for _, rcpt, msg in smtp_server.recorder.messages}
    assert set(messages) == {("ann@example.net",), ("ben@example.net",), ("dan@example.net",)}
    ann = messages[("ann@example.net",)]
    assert "olu@example.org" in str(ann["From"]) and "Olu Organiser" in str(ann["From"])
    assert str(ann["To"]) == "Ann Lee <ann@example.net>"
    body = ann.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    assert "Greeter: Weekly circle, Tue 5 Mar 18:00" in text
    assert "Helper: Garden day, Sat 16 Mar 10:00" in text
    for recipients, message in messages.items():
        parts = calendar_parts(message)
        assert len(parts) == (3 if recipients == ("ann@example.net",) else 1)
        for part in parts:
            data = part.get_payload(decode=True)
            assert isinstance(data, bytes)
            calendar = icalendar.Calendar.from_ical(data)
            assert part.get_param("method") == str(calendar["METHOD"]) == "REQUEST"
            assert str(part.get_param("charset")).upper() == "UTF-8"
            assert attendees(the_event(calendar)) == [f"mailto:{recipients[0]}"]
            assert part.get_filename(), "each invitation has a file name"
    assert len(published_rows(world)) == 5


def test_cancellations_by_email_carry_method_cancel(world: World, smtp_server: Server) -> None:
    send(world, smtp_server.config())
    ben = world.assignments["ben-greeter"]
    world.services.assignments.delete(ben.id, ben.version)
    smtp_server.recorder.messages.clear()

    send(world, smtp_server.config())

    [(_, recipients, message)] = smtp_server.recorder.messages
    assert recipients == ["ben@example.net"]
    [part] = calendar_parts(message)
    data = part.get_payload(decode=True)
    assert isinstance(data, bytes)
    assert part.get_param("method") == "CANCEL" == str(icalendar.Calendar.from_ical(data)["METHOD"])
    assert "cancelled" in str(message["Subject"])


def test_a_mail_failure_half_way_leaves_the_rest_to_send_again(
    world: World, smtp_server: Server
) -> None:
    smtp_server.recorder.accept_only = 1
    with pytest.raises(PublishInterruptedError) as caught:
        send(world, smtp_server.config())
    assert isinstance(caught.value.reason, MailError)
    assert f"127.0.0.1:{smtp_server.port}" in caught.value.message
    assert caught.value.partial.volunteers == 1
    [(_, first, _)] = smtp_server.recorder.messages
    recorded = {r.volunteer_id for r in published_rows(world)}
    assert recorded == {world.people[first[0].split("@")[0]]}, "only the one sent is recorded"

    smtp_server.recorder.accept_only = None
    result = send(world, smtp_server.config())

    everyone = [rcpt[0] for _, rcpt, _ in smtp_server.recorder.messages]
    assert sorted(everyone) == ["ann@example.net", "ben@example.net", "dan@example.net"]
    assert result.volunteers == 2, "the re-run sends exactly the ones left"
    assert plan_for(world).is_empty


def test_a_refused_recipient_is_reported_and_the_others_are_sent(
    world: World, smtp_server: Server
) -> None:
    smtp_server.recorder.refuse = {"ben@example.net"}
    result = send(world, smtp_server.config())
    assert result.volunteers == 2
    assert [name for name, _ in result.failed] == ["Ben Lee"]
    assert "ben@example.net" in result.failed[0][1]
    assert [v.name for v in plan_for(world).volunteers] == ["Ben Lee"]


def test_mail_login_uses_the_user_and_password(world: World, auth_server: Server) -> None:
    good = auth_server.config(user="coordinator", password="s3cret")
    assert send(world, good).volunteers == 3
    with pytest.raises(MailLoginError, match=f"127.0.0.1:{auth_server.port}.*coordinator"):
        MailConnection(auth_server.config(user="coordinator", password="wrong")).open()
    with pytest.raises(MailLoginError, match="No password"):
        MailConnection(auth_server.config(user="coordinator")).open()


def test_mail_connection_problems_are_clear_typed_errors(smtp_server: Server) -> None:
    closed = free_port()
    with pytest.raises(MailConnectionError, match=f"127.0.0.1:{closed} refused the connection"):
        MailConnection(smtp_server.config(port=closed)).open()
    with pytest.raises(MailSecurityError, match="does not offer STARTTLS"):
        MailConnection(smtp_server.config(security=SmtpSecurity.STARTTLS)).open()
    with pytest.raises(MailSecurityError, match=f"127.0.0.1:{smtp_server.port}"):
        MailConnection(smtp_server.config(security=SmtpSecurity.TLS)).open()


# --- Settings and the keyring -----------------------------------------------------------------


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keyring that lives in memory, for tests."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        import keyring.errors

        if (service, username) not in self.store:
            raise keyring.errors.PasswordDeleteError(username)
        del self.store[(service, username)]


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    before = keyring.get_keyring()
    store = MemoryKeyring()
    keyring.set_keyring(store)
    try:
        yield store
    finally:
        keyring.set_keyring(before)


@pytest.fixture
def no_keyring() -> Iterator[None]:
    before = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    try:
        yield
    finally:
        keyring.set_keyring(before)


MAIL_SETTINGS = OrganisationSettings(
    organiser_name=" Olu Organiser ",
    organiser_email="olu@example.org",
    reminder_minutes=45,
    smtp_host="mail.example.org",
    smtp_security=SmtpSecurity.TLS,
    smtp_user="olu",
)


def test_settings_are_stored_in_the_file_and_the_password_in_the_keyring(
    db: Database, db_path: Path, memory_keyring: MemoryKeyring
) -> None:
    service = SettingsService(db, "tester")
    assert service.get() == OrganisationSettings()
    saved = service.save(MAIL_SETTINGS)
    assert saved.organiser_name == "Olu Organiser" and saved.port == 465

    service.set_smtp_password("pa55-word-xyz")

    assert SettingsService(db, "someone else").get() == saved
    assert service.smtp_password() == "pa55-word-xyz"
    with db.read() as session:
        keys = {row.key for row in session.scalars(select(FileInfo))}
    assert "setting.smtp_host" in keys and not any("password" in key for key in keys)
    assert b"pa55-word-xyz" not in db_path.read_bytes()
    service.forget_smtp_password()
    assert service.smtp_password() is None and memory_keyring.store == {}


def test_bad_settings_name_the_field(db: Database) -> None:
    service = SettingsService(db, "tester")
    with pytest.raises(ValidationError) as caught:
        service.save(OrganisationSettings(organiser_email="not an address", smtp_port=70000))
    assert caught.value.for_field("organiser_email")
    assert caught.value.for_field("smtp_port")
    assert service.get() == OrganisationSettings(), "nothing was stored"


def test_without_a_keyring_the_message_is_clear(db: Database, no_keyring: None) -> None:
    service = SettingsService(db, "tester")
    service.save(MAIL_SETTINGS)
    with pytest.raises(PasswordStoreError, match=r"no system keyring.*for this run"):
        service.set_smtp_password("secret")
    with pytest.raises(PasswordStoreError, match="no system keyring"):
        service.smtp_password()


def test_the_command_takes_a_password_for_one_run_when_there_is_no_keyring(
    world: World,
    db_path: Path,
    auth_server: Server,
    no_keyring: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings = replace(
        MAIL_SETTINGS,
        smtp_host="127.0.0.1",
        smtp_port=auth_server.port,
        smtp_security=SmtpSecurity.NONE,
        smtp_user="coordinator",
    )
    world.services.settings.save(settings)
    monkeypatch.setattr("sys.stdin", None)
    args = ["publish", "--db", str(db_path), "--smtp", "--from", "2030-03-04", "--to", "2030-04-28"]
    assert main(args) == 1
    assert "no system keyring" in capsys.readouterr().err
    assert auth_server.recorder.messages == []

    monkeypatch.setenv("ORGANIZER_SMTP_PASSWORD", "s3cret")
    assert main(args) == 0
    assert len(auth_server.recorder.messages) == 3
    assert "Sent to 3 volunteers: 5 new" in capsys.readouterr().out


# --- Feeds ------------------------------------------------------------------------------------


def feeds(world: World, folder: Path) -> Any:
    starts, ends = default_period(NOW)
    return update_feeds(
        world.db, folder, starts=starts, ends=ends, now=NOW, contact=ORGANISER, secret="k"
    )


def test_feed_folder_is_rewritten_only_where_something_changed(
    world: World, tmp_path: Path
) -> None:
    folder = tmp_path / "feeds"
    first = feeds(world, folder)
    names = sorted(p.name for p in folder.glob("*.ics"))
    assert len(first.written) == 5 and len(names) == 5  # four volunteers and one cause
    assert all(n.startswith(("volunteer-", "cause-")) for n in names)
    assert not any("lee" in n for n in names), "named by id, not by name"
    ann_file = next(folder.glob(f"volunteer-{world.people['ann']}-*.ics"))
    ann_events = list(icalendar.Calendar.from_ical(ann_file.read_bytes()).walk("VEVENT"))
    assert len(ann_events) == 3
    assert "METHOD" not in icalendar.Calendar.from_ical(ann_file.read_bytes())
    manifest = json.loads((folder / MANIFEST_NAME).read_text())
    assert sorted(manifest["files"]) == names
    stamps = {p.name: p.stat().st_mtime_ns for p in folder.glob("*.ics")}

    again = feeds(world, folder)
    assert again.written == [] and again.unchanged == 5 and again.removed == []
    assert {p.name: p.stat().st_mtime_ns for p in folder.glob("*.ics")} == stamps

    dan = world.assignments["dan-facilitator"]
    world.services.assignments.delete(dan.id, dan.version)
    daniel = world.services.volunteers.get(world.people["ben"])
    world.services.volunteers.set_active(daniel.id, daniel.version, False)
    changed = feeds(world, folder)

    assert changed.written == [next(folder.glob(f"volunteer-{world.people['dan']}-*.ics")).name]
    assert [n.split("-")[1] for n in changed.removed] == [str(world.people["ben"])]
    assert changed.unchanged == 3
    manifest = json.loads((folder / MANIFEST_NAME).read_text())
    assert sorted(manifest["files"]) == sorted(p.name for p in folder.glob("*.ics"))


def test_moving_an_event_rewrites_its_volunteers_and_cause_feeds(
    world: World, tmp_path: Path
) -> None:
    folder = tmp_path / "feeds"
    feeds(world, folder)
    garden = world.services.events.get(world.events["garden"])
    world.services.events.change_occurrence(garden.id, garden.version, at(16, 10), title="Big dig")
    result = feeds(world, folder)
    rewritten = sorted(n.split("-")[0] + "-" + n.split("-")[1] for n in result.written)
    assert rewritten == sorted([f"volunteer-{world.people['ann']}", "cause-1"])


# --- The command line -------------------------------------------------------------------------


def test_publish_command_prints_the_plan_and_writes_the_outbox(
    world: World, db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outbox = tmp_path / "outbox"
    # The command publishes from the real now; the data is in 2030, so pick the period.
    args = ["publish", "--db", str(db_path), "--from", "2030-03-04", "--to", "2030-04-28"]
    assert main([*args, "--outbox", str(outbox)]) == 1
    assert "Set who invitations come from" in capsys.readouterr().err
    assert not outbox.exists()

    code = main(
        ["publish-settings", "--db", str(db_path), "--organiser-name", "Olu Organiser",
         "--organiser-email", "olu@example.org", "--reminder", "15"]
    )  # fmt: skip
    assert code == 0 and "Olu Organiser <olu@example.org>" in capsys.readouterr().out

    assert main([*args, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "3 volunteers to send to: 5 new" in out and "Dry run" in out
    assert "Cat Lee: cannot be sent (no email address):" in out
    assert not outbox.exists()

    feed_folder = tmp_path / "feeds"
    assert main([*args, "--outbox", str(outbox), "--feeds", str(feed_folder)]) == 0
    out = capsys.readouterr().out
    assert "Sent to 3 volunteers: 5 new, 0 changed, 0 cancelled." in out
    assert "Feeds: 5 written, 0 unchanged, 0 removed." in out
    assert len(list(outbox.glob("*.ics"))) == 5

    assert main([*args, "--outbox", str(outbox)]) == 0
    assert "Nothing to send" in capsys.readouterr().out


def test_publish_command_needs_a_destination(
    world: World, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["publish", "--db", str(db_path)]) == 1
    assert "--outbox DIR or --smtp" in capsys.readouterr().err
    assert (
        main(
            [
                "publish",
                "--db",
                str(db_path),
                "--from",
                "2031-01-10",
                "--to",
                "2031-01-01",
                "--dry-run",
            ]
        )
        == 1
    )
    assert "ends before it starts" in capsys.readouterr().err


# --- Planning only what changed since the last publish ----------------------------------------

DEMO_NOW = datetime(2025, 3, 4, 9, 0, tzinfo=UTC)  # inside the index of repeating events
DEMO_WEEKS = timedelta(weeks=4)
QUICK = "organizer.ics.publish.FULL_COMPARISON_SHARE"


def demo_plans(
    db: Database, now: datetime, *, contact: Person | None = ORGANISER
) -> tuple[PublishPlan, PublishPlan]:
    """The plan as publishing makes it, and the same plan comparing every volunteer."""
    starts, ends = default_period(now, DEMO_WEEKS)
    with db.read() as session:
        quick = plan_publish(session, starts=starts, ends=ends, contact=contact)
        whole = plan_publish(session, starts=starts, ends=ends, contact=contact, full=True)
    return quick, whole


def send_plan(db: Database, plan: PublishPlan, folder: Path, now: datetime) -> PublishResult:
    return execute_publish(
        db, plan, sink=OutboxSink(folder), organizer=ORGANISER, reminder_minutes=None,
        actor="tester", now=now,
    )  # fmt: skip


def assert_same_plan(quick: PublishPlan, whole: PublishPlan) -> None:
    assert whole.compared is None
    assert replace(quick, compared=None) == whole, "the quick plan differs from comparing all"


@pytest.fixture(scope="module")
def published_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small sample organisation, published once to everyone."""
    folder = tmp_path_factory.mktemp("published-demo")
    path = folder / "demo.organizer"
    db = create_database(path)
    try:
        generate_demo(db, scale="small", seed=1, start=date(2025, 3, 3))
        starts, ends = default_period(DEMO_NOW, DEMO_WEEKS)
        with db.read() as session:
            plan = plan_publish(session, starts=starts, ends=ends, contact=ORGANISER)
        assert plan.compared is None and plan.count(ChangeKind.NEW) > 100
        send_plan(db, plan, folder / "first", DEMO_NOW)
    finally:
        db.close()
    return path


def booked(db: Database, now: datetime) -> list[Any]:
    """Place-holding assignments on occurrences (still in their series) in the period."""
    starts, ends = default_period(now, DEMO_WEEKS)
    query = (
        select(
            Assignment.id,
            Assignment.shift_id,
            Assignment.volunteer_id,
            Shift.event_id,
            Assignment.occurrence_start,
            Event.rrule,
            OccurrenceRow.starts_at,
            OccurrenceRow.ends_at,
        )
        .join(Shift, Shift.id == Assignment.shift_id)
        .join(Event, Event.id == Shift.event_id)
        .join(
            OccurrenceRow,
            (OccurrenceRow.event_id == Shift.event_id)
            & (OccurrenceRow.recurrence_id == Assignment.occurrence_start),
        )
        .where(
            OccurrenceRow.starts_at >= starts,
            OccurrenceRow.starts_at < ends,
            Assignment.status.in_([AssignmentStatus.ACCEPTED, AssignmentStatus.INVITED]),
        )
        .order_by(Assignment.id)
    )
    with db.read() as session:
        return list(session.execute(query).all())


def _pick(rows: list[Any], pick: int) -> Any:
    assert rows, "the sample data has bookings in the period"
    return rows[pick % len(rows)]


def move_occurrence(services: Services, db: Database, pick: int, now: datetime) -> None:
    row = _pick([r for r in booked(db, now) if r.rrule], pick)
    event = services.events.get(row.event_id)
    services.events.change_occurrence(
        event.id, event.version, row.occurrence_start, starts_at=row.occurrence_start + HALF_HOUR
    )


def postpone_occurrence(services: Services, db: Database, pick: int, now: datetime) -> None:
    row = _pick([r for r in booked(db, now) if r.rrule], pick)
    event = services.events.get(row.event_id)
    later = row.starts_at + timedelta(weeks=9)  # beyond the period published
    # Both times move: an occurrence already changed may carry its own end.
    services.events.change_occurrence(
        event.id,
        event.version,
        row.occurrence_start,
        starts_at=later,
        ends_at=later + (row.ends_at - row.starts_at),
    )


def event_back_to_draft(services: Services, db: Database, pick: int, now: datetime) -> None:
    event = services.events.get(_pick(booked(db, now), pick).event_id)
    services.events.set_status(event.id, event.version, EventStatus.DRAFT)


def remove_occurrence(services: Services, db: Database, pick: int, now: datetime) -> None:
    row = _pick([r for r in booked(db, now) if r.rrule], pick)
    event = services.events.get(row.event_id)
    services.events.remove_occurrence(event.id, event.version, row.occurrence_start)


def cancel_event(services: Services, db: Database, pick: int, now: datetime) -> None:
    event = services.events.get(_pick(booked(db, now), pick).event_id)
    services.events.set_status(event.id, event.version, EventStatus.CANCELLED)


def rename_event(services: Services, db: Database, pick: int, now: datetime) -> None:
    event = services.events.get(_pick(booked(db, now), pick).event_id)
    renamed = replace(event_draft_of(event), title=f"{event.title} (new name)")
    services.events.update(event.id, event.version, renamed)


def remove_assignment(services: Services, db: Database, pick: int, now: datetime) -> None:
    assignment = services.assignments.get(_pick(booked(db, now), pick).id)
    services.assignments.delete(assignment.id, assignment.version)


def decline_assignment(services: Services, db: Database, pick: int, now: datetime) -> None:
    assignment = services.assignments.get(_pick(booked(db, now), pick).id)
    services.roster.set_status(assignment.id, assignment.version, AssignmentStatus.DECLINED)


def add_assignment(services: Services, db: Database, pick: int, now: datetime) -> None:
    row = _pick(booked(db, now), pick)
    with db.read() as session:
        taken = set(
            session.scalars(
                select(Assignment.volunteer_id).where(
                    Assignment.shift_id == row.shift_id,
                    Assignment.occurrence_start == row.occurrence_start,
                )
            )
        )
        free = [
            vid
            for vid in session.scalars(
                select(Volunteer.id).where(Volunteer.active.is_(True)).order_by(Volunteer.id)
            )
            if vid not in taken
        ]
    draft = AssignmentDraft(
        row.shift_id, _pick(free, pick), row.occurrence_start, status=AssignmentStatus.ACCEPTED
    )
    services.assignments.create(draft)


def change_shift_times(services: Services, db: Database, pick: int, now: datetime) -> None:
    shift = services.shifts.get(_pick(booked(db, now), pick).shift_id)
    draft = ShiftDraft(
        shift.event_id, shift.role, shift.needed, shift.qualification_id, shift.occurrence_start,
        start_offset_min=15, end_offset_min=None, notes=f"{shift.notes} Start a little later.",
    )  # fmt: skip
    services.shifts.update(shift.id, shift.version, draft)


def rename_location(services: Services, db: Database, pick: int, now: datetime) -> None:
    with db.read() as session:
        used = sorted(
            {
                lid
                for lid in session.scalars(
                    select(Event.location_id).where(
                        Event.id.in_({r.event_id for r in booked(db, now)})
                    )
                )
                if lid is not None
            }
        )
    place = services.locations.get(_pick(used, pick))
    services.locations.update(
        place.id, place.version, LocationDraft(f"{place.name} annexe", place.address, place.notes)
    )


def rename_cause(services: Services, db: Database, pick: int, now: datetime) -> None:
    event = services.events.get(_pick(booked(db, now), pick).event_id)
    assert event.cause_id is not None
    cause = services.causes.get(event.cause_id)
    draft = CauseDraft(f"{cause.name} group", cause.colour, cause.description, cause.active)
    services.causes.update(cause.id, cause.version, draft)


def change_email(services: Services, db: Database, pick: int, now: datetime) -> None:
    person = services.volunteers.get(_pick(booked(db, now), pick).volunteer_id)
    draft = VolunteerDraft(
        **{name.name: getattr(person, name.name) for name in dataclass_fields(VolunteerDraft)}
    )
    email = None if person.email and pick % 3 == 0 else f"moved-{pick}@example.net"
    services.volunteers.update(person.id, person.version, replace(draft, email=email))


HALF_HOUR = timedelta(minutes=30)
EDITS = [
    move_occurrence,
    postpone_occurrence,
    event_back_to_draft,
    remove_occurrence,
    cancel_event,
    rename_event,
    remove_assignment,
    decline_assignment,
    add_assignment,
    change_shift_times,
    rename_location,
    rename_cause,
    change_email,
]


@pytest.mark.parametrize("edit", EDITS, ids=lambda edit: edit.__name__)
def test_after_one_change_only_the_volunteers_it_touches_are_compared(
    published_demo: Path, tmp_path: Path, edit: Any
) -> None:
    path = tmp_path / "demo.organizer"
    shutil.copyfile(published_demo, path)
    db = open_database(path)
    try:
        everyone_booked = {row.volunteer_id for row in booked(db, DEMO_NOW)}
        _, before = demo_plans(db, DEMO_NOW)
        edit(Services.for_database(db, "tester"), db, 7, DEMO_NOW)

        quick, whole = demo_plans(db, DEMO_NOW)

        assert_same_plan(quick, whole)
        if edit is not change_email:  # a new address alone does not resend anything
            assert whole.volunteers + whole.cannot_send != before.volunteers + before.cannot_send
        assert quick.compared is not None
        assert len(quick.compared) < len(everyone_booked), "only those it can touch"
        told = {v.volunteer_id for v in (*whole.volunteers, *whole.cannot_send)}
        assert told <= quick.compared
        send_plan(db, quick, tmp_path / "out", DEMO_NOW)
        again, _ = demo_plans(db, DEMO_NOW)
        assert again.is_empty and again.compared is not None
    finally:
        db.close()


@hypothesis_settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=9),
            st.lists(
                st.tuples(st.sampled_from(EDITS), st.integers(min_value=0, max_value=1000)),
                max_size=4,
            ),
        ),
        min_size=1,
        max_size=3,
    )
)
def test_the_quick_plan_is_always_the_plan_comparing_everyone(
    published_demo: Path, rounds: list[tuple[int, list[tuple[Any, int]]]]
) -> None:
    """Rounds of edits while the clock moves on, each followed by a publish."""
    with tempfile.TemporaryDirectory() as scratch, patch(QUICK, 1.0):
        path = Path(scratch) / "demo.organizer"
        shutil.copyfile(published_demo, path)
        db = open_database(path)
        try:
            services = Services.for_database(db, "tester")
            now = DEMO_NOW
            for number, (days, edits) in enumerate(rounds):
                now += timedelta(days=days)
                for edit, pick in edits:
                    edit(services, db, pick, now)
                quick, whole = demo_plans(db, now)
                assert quick.compared is not None
                assert_same_plan(quick, whole)
                send_plan(db, quick, Path(scratch) / f"round-{number}", now)
                after, everyone = demo_plans(db, now)
                assert after.is_empty
                assert_same_plan(after, everyone)
        finally:
            db.close()


def test_a_republish_looks_only_at_who_was_changed_and_who_could_not_be_sent(
    world: World, tmp_path: Path
) -> None:
    publish(world, tmp_path / "first")
    ben = world.assignments["ben-greeter"]
    world.services.assignments.delete(ben.id, ben.version)

    plan = plan_for(world)

    assert plan.compared == frozenset({world.people["ben"], world.people["cat"]}), "no email yet"
    assert [(v.name, [c.kind for c in v.changes]) for v in plan.volunteers] == [
        ("Ben Lee", [ChangeKind.CANCELLED])
    ]
    assert plan.unchanged == 4, "Ann's and Dan's shifts are counted without being compared"
    starts, ends = default_period(NOW)
    with world.db.read() as session:
        whole = plan_publish(session, starts=starts, ends=ends, contact=ORGANISER, full=True)
    assert_same_plan(plan, whole)


def test_giving_a_volunteer_an_email_address_sends_them_what_they_missed(
    world: World, tmp_path: Path
) -> None:
    publish(world, tmp_path / "first")
    cat = world.services.volunteers.get(world.people["cat"])
    draft = VolunteerDraft(cat.name, cat.joined_on, cat.timezone, email="cat@example.net")
    world.services.volunteers.update(cat.id, cat.version, draft)

    plan, result = publish(world, tmp_path / "cat")

    assert plan.compared == frozenset({world.people["cat"]})
    assert [v.name for v in plan.volunteers] == ["Cat Lee"] and plan.cannot_send == ()
    assert result.new == 1
    assert plan_for(world).compared == frozenset(), "nobody is left to compare"


def _log_something_new(db: Database) -> None:
    with db.write() as session:
        record_change(session, "tester", "update", "rota-template", 3, "A kind not known here")


@pytest.mark.parametrize(
    "doubt",
    [
        "full",
        "unknown change",
        "other contact",
        "period starts earlier",
        "part published",
        "publish stopped",
        "plan trimmed",
    ],
)
def test_any_doubt_compares_every_volunteer(world: World, tmp_path: Path, doubt: str) -> None:
    publish(world, tmp_path / "first", now=NOW)
    contact, now, full = ORGANISER, NOW, False
    if doubt == "full":
        full = True
    elif doubt == "unknown change":
        _log_something_new(world.db)
    elif doubt == "other contact":
        contact = Person("Someone Else", "else@example.org")
    elif doubt == "period starts earlier":
        now = NOW - timedelta(hours=1)
    else:
        dan = world.assignments["dan-facilitator"]
        world.services.assignments.delete(dan.id, dan.version)
        circle = world.services.events.get(world.events["circle"])
        world.services.events.set_status(circle.id, circle.version, EventStatus.CANCELLED)
        if doubt == "part published":
            part = plan_for(world, volunteers=[world.people["ann"]])
            send_plan(world.db, part, tmp_path / "part", NOW)
        elif doubt == "plan trimmed":  # say, everyone unticked in a preview before sending
            trimmed = replace(plan_for(world), volunteers=())
            send_plan(world.db, trimmed, tmp_path / "trimmed", NOW)
        else:
            stopped = execute_publish(
                world.db, plan_for(world), sink=OutboxSink(tmp_path / "stopped"),
                organizer=ORGANISER, reminder_minutes=None, actor="tester", now=NOW,
                cancel_check=iter([False, True, True, True]).__next__,
            )  # fmt: skip
            assert stopped.stopped and stopped.volunteers == 1
    starts, ends = default_period(now)
    with world.db.read() as session:
        plan = plan_publish(session, starts=starts, ends=ends, contact=contact, full=full)
        whole = plan_publish(session, starts=starts, ends=ends, contact=contact, full=True)

    assert plan.compared is None
    assert plan == whole
    if doubt in {"part published", "publish stopped", "plan trimmed"}:
        assert whole.count(ChangeKind.CANCELLED) >= 2, "the rest is still to be sent"


def test_a_change_to_one_volunteer_leaves_the_plan_for_everyone_else_unread(
    world: World, tmp_path: Path
) -> None:
    """Volunteers not named by the change log are not even read: a row changed behind the
    services' back (never done by the app) shows it."""
    publish(world, tmp_path / "first")
    with world.db.write() as session:
        session.execute(
            sa_update(Volunteer).where(Volunteer.id == world.people["ann"]).values(name="Ann X")
        )
    dan = world.assignments["dan-facilitator"]
    world.services.assignments.delete(dan.id, dan.version)

    quick = plan_for(world)
    assert quick.compared == frozenset({world.people["dan"], world.people["cat"]})
    assert [v.name for v in quick.volunteers] == ["Dan Lee"]
