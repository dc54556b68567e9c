"""Schedule and invitation files: identity, privacy, awkward text, the lint and the command."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from organizer.cli import main
from organizer.demo import generate_demo
from organizer.ics.export import Scope, personal_schedule, schedule
from organizer.ics.invitations import (
    CalendarItem,
    Person,
    cancel,
    content_key,
    count_items,
    item_volunteers,
    personal_items,
    request,
)
from organizer.ics.lint import lint
from organizer.models import Assignment, PublishedItem, Shift, Volunteer
from organizer.models.ids import VolunteerId
from organizer.services import (
    AssignmentDraft,
    EventDraft,
    Services,
    ShiftDraft,
    VolunteerDraft,
)
from organizer.storage import Database, create_database
from tests.ics_tools import icaljs, icaljs_one

NOW = datetime(2025, 3, 10, 9, 30, tzinfo=UTC)
COORDINATOR = Person("Sam Coordinator", "sam@example.org")
LONDON = ZoneInfo("Europe/London")


def _unfolded(data: bytes) -> str:
    return data.decode().replace("\r\n ", "")


def _item(**changes: Any) -> CalendarItem:
    base = CalendarItem(
        uid="a1@organizer",
        sequence=0,
        summary="Greeter: Weekly circle",
        description="Peer support.\n\nYour role: Greeter",
        location="Hall, 1 High St",
        starts_at=datetime(2025, 3, 30, 17, 0, tzinfo=UTC),
        ends_at=datetime(2025, 3, 30, 18, 0, tzinfo=UTC),
        timezone="Europe/London",
        all_day=False,
        cancelled=False,
    )
    return replace(base, **changes)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Any:
    path = Path(tmp_path_factory.mktemp("demo")) / "demo.organizer"
    db = create_database(path)
    generate_demo(db, scale="small", seed=3, start=date(2025, 3, 3))
    yield db, path
    db.close()


def test_reexport_after_an_edit_keeps_the_uid_and_raises_sequence(db: Database) -> None:
    services = Services.for_database(db, "tester")
    starts = datetime(2025, 5, 6, 17, tzinfo=UTC)
    draft = EventDraft("Quiz", starts, starts + timedelta(hours=2), "Europe/London")
    event = services.events.create(draft)
    with db.read() as session:
        first = icalendar.Calendar.from_ical(schedule(session, now=NOW))
    services.events.update(event.id, event.version, replace(draft, title="Quiz night"))
    with db.read() as session:
        second = icalendar.Calendar.from_ical(schedule(session, now=NOW + timedelta(days=1)))
    (before,), (after,) = first.walk("VEVENT"), second.walk("VEVENT")
    assert str(before["UID"]) == str(after["UID"]) == services.events.get(event.id).uid
    assert after.decoded("SEQUENCE") == before.decoded("SEQUENCE") + 1
    assert str(after["SUMMARY"]) == "Quiz night"
    assert after.decoded("DTSTAMP") == NOW + timedelta(days=1)


def test_all_day_and_utc_events_are_written_the_way_calendars_expect(db: Database) -> None:
    services = Services.for_database(db, "tester")
    day = datetime(2025, 7, 4, tzinfo=LONDON).astimezone(UTC)
    services.events.create(
        EventDraft("Fair", day, day + timedelta(days=1), "Europe/London", all_day=True)
    )
    services.events.create(
        EventDraft("Call", day + timedelta(hours=9), day + timedelta(hours=10), "UTC")
    )
    with db.read() as session:
        data = schedule(session, now=NOW)
    text = _unfolded(data)
    assert "DTSTART;VALUE=DATE:20250704" in text
    assert "DTEND;VALUE=DATE:20250705" in text
    assert "DTSTART:20250703T000000Z" not in text
    assert "TZID=UTC" not in text
    assert "DTSTART:20250704T080000Z" in text
    assert "METHOD" not in text and "ATTENDEE" not in text and "ORGANIZER" not in text
    assert not data.startswith(b"\xef\xbb\xbf")
    assert lint(data) == []


def test_schedule_scopes_select_events(demo: Any) -> None:
    db, _ = demo
    with db.read() as session:
        everything = schedule(session, now=NOW)
        from organizer.models import Cause, Event

        cause = session.scalars(select(Cause).order_by(Cause.id)).first()
        assert cause is not None
        own = list(session.scalars(select(Event.uid).where(Event.cause_id == cause.id)))
        one_cause = schedule(session, Scope(cause_id=cause.id), now=NOW)
        single = schedule(
            session, Scope(event_id=session.scalars(select(Event.id)).first()), now=NOW
        )
        week = schedule(
            session,
            Scope(starts=datetime(2025, 3, 3, tzinfo=UTC), ends=datetime(2025, 3, 10, tzinfo=UTC)),
            now=NOW,
        )
    uids = {str(e["UID"]) for e in icalendar.Calendar.from_ical(one_cause).walk("VEVENT")}
    assert uids and uids <= set(own)
    assert len({str(e["UID"]) for e in icalendar.Calendar.from_ical(single).walk("VEVENT")}) == 1
    counts = [d.count(b"BEGIN:VEVENT") for d in (everything, week)]
    assert counts[0] > counts[1] > 0
    for data in (everything, one_cause, single, week):
        assert lint(data) == []


def test_a_personal_schedule_holds_nothing_about_other_volunteers(demo: Any) -> None:
    db, _ = demo
    with db.read() as session:
        items = personal_items(
            session,
            None,
            starts=datetime(2025, 1, 1, tzinfo=UTC),
            ends=datetime(2025, 9, 1, tzinfo=UTC),
            contact=COORDINATOR,
        )
        people = session.execute(
            select(
                Volunteer.id,
                Volunteer.name,
                Volunteer.email,
                Volunteer.phone,
                Volunteer.emergency_contact_name,
            )
        ).all()
    busiest = sorted(items, key=lambda vid: -len(items[vid]))[:5]
    assert busiest and len(items[busiest[0]]) > 5
    for vid in busiest:
        text = _unfolded(personal_schedule(items[vid], now=NOW, name="My shifts"))
        plain = text.replace("\\,", ",").replace("\\;", ";").replace("\\n", "\n")
        for other_id, name, email, phone, emergency in people:
            if other_id == vid:
                continue
            for secret in (name, email, phone, emergency):
                if secret and len(secret) > 4:
                    assert secret not in plain, f"volunteer {vid}'s file names {secret!r}"
        assert "ATTENDEE" not in text and "ORGANIZER" not in text
        assert text.count("BEGIN:VEVENT") == len(items[vid])
        assert all(": " in item.summary for item in items[vid])  # "Role: title"


def test_personal_items_use_what_the_volunteer_was_last_sent(demo: Any) -> None:
    db, _ = demo
    with db.read() as session:
        vid, uid, starts = session.execute(
            select(Assignment.volunteer_id, Assignment.uid, Assignment.occurrence_start).limit(1)
        ).one()
    with db.write() as session:
        session.add(
            PublishedItem(
                volunteer_id=vid,
                uid=uid,
                sequence=4,
                content_hash="x",
                starts_at=starts,
                ends_at=starts,
            )
        )
    try:
        with db.read() as session:
            found = personal_items(
                session,
                [VolunteerId(vid)],
                starts=starts - timedelta(days=1),
                ends=starts + timedelta(days=2),
                contact=None,
            )[VolunteerId(vid)]
        assert {item.uid: item.sequence for item in found}[uid] == 4
        assert {item.sequence for item in found if item.uid != uid} <= {0}
    finally:
        with db.write() as session:
            session.query(PublishedItem).delete()


def test_content_key_follows_what_a_volunteer_sees_not_the_sequence() -> None:
    item = _item()
    assert content_key(item) == content_key(replace(item, sequence=3))
    for change in (
        {"summary": "Host: Weekly circle"},
        {"description": "Other"},
        {"location": ""},
        {"starts_at": item.starts_at + timedelta(minutes=5)},
        {"ends_at": item.ends_at + timedelta(minutes=5)},
        {"cancelled": True},
    ):
        assert content_key(replace(item, **change)) != content_key(item)


def test_request_and_cancel_are_one_uid_with_the_people_they_need() -> None:
    attendee = Person('Ada, "the" Volunteer', "ada@example.org")
    invitation = request(_item(), COORDINATOR, attendee, reminder_minutes=30, now=NOW)
    withdrawal = cancel(_item(sequence=1), COORDINATOR, attendee, now=NOW)
    for data, method in ((invitation, "REQUEST"), (withdrawal, "CANCEL")):
        assert lint(data) == []
        calendar = icalendar.Calendar.from_ical(data)
        assert str(calendar["METHOD"]) == method
        (event,) = calendar.walk("VEVENT")
        assert str(event["ATTENDEE"]) == "mailto:ada@example.org"
        assert event["ATTENDEE"].params["PARTSTAT"] == "NEEDS-ACTION"
        assert str(event["ORGANIZER"]) == "mailto:sam@example.org"
    assert b"BEGIN:VALARM" in invitation and b"TRIGGER:-PT30M" in invitation
    assert b"VALARM" not in withdrawal and b"STATUS:CANCELLED" in withdrawal
    assert b"SEQUENCE:1" in withdrawal
    with pytest.raises(ValueError, match="cancel"):
        request(_item(cancelled=True), COORDINATOR, attendee, reminder_minutes=None, now=NOW)


def test_the_lint_finds_what_calendar_apps_trip_over() -> None:
    good = request(
        _item(), COORDINATOR, Person("Ada", "a@example.org"), reminder_minutes=None, now=NOW
    )
    assert lint(good) == []
    bad = (
        b"\xef\xbb\xbfBEGIN:VCALENDAR\nVERSION:2.0\nPRODID:x\nMETHOD:CANCEL\n"
        b"BEGIN:VEVENT\nUID:1\nDTSTAMP:20250101T000000Z\nDTSTART;TZID=UTC:20250101T100000\n"
        b"DTEND;TZID=Europe/Paris:20250101T090000\nBEGIN:VALARM\nEND:VALARM\nEND:VEVENT\n"
        b"BEGIN:VEVENT\nUID:2\nDTSTAMP:20250101T000000Z\nDTSTART:20250101T100000\n"
        b"SUMMARY:" + b"x" * 80 + b"\nEND:VEVENT\nEND:VCALENDAR\n"
    )
    found = " | ".join(lint(bad))
    for expected in (
        "byte-order mark",
        "CRLF",
        "longer than 75 octets",
        "exactly one UID",
        "TZID=UTC",
        "without its VTIMEZONE",
        "VALARM in a CANCEL",
        "floating time",
    ):
        assert expected in found
    rdate = good.replace(b"RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3", b"RDATE:20250330T010000")
    assert any("RDATE" in p for p in lint(rdate))
    backwards = good.replace(
        b"DTEND;TZID=Europe/London:20250330T190000", b"DTEND;TZID=Europe/London:20250330T170000"
    )
    assert any("ends before it starts" in p for p in lint(backwards))
    published = good.replace(b"METHOD:REQUEST", b"METHOD:PUBLISH")
    assert any("ATTENDEE in a schedule" in p for p in lint(published))


_NASTY = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=0, max_size=40
) | st.sampled_from(
    [
        "Line one\nline two\r\nline three",
        "comma, semi; colon: back\\slash",
        "emoji 🎉🤝🏽 and accents é ü ñ",
        "x" * 500,
        "é" * 300,
        "tab\tbell\x07null\x00esc\x1b",
        "",
        " leading and trailing ",
    ]
)


def _expected(text: str, *, single_line: bool) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(c for c in text if c in "\n\t" or not (ord(c) < 32 or 0x7F <= ord(c) < 0xA0))
    if single_line:
        text = ", ".join(part.strip() for part in text.split("\n") if part.strip())
    return text


def test_awkward_text_survives_icalendar_and_icaljs() -> None:
    """Random titles, descriptions and places: every file parses and gives the text back."""
    made: dict[str, tuple[bytes, CalendarItem]] = {}

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(summary=_NASTY, description=_NASTY, location=_NASTY, name=_NASTY)
    def build(summary: str, description: str, location: str, name: str) -> None:
        item = _item(
            uid=f"u{len(made)}@organizer",
            summary=summary or "x",
            description=description,
            location=location,
        )
        for kind, data in (
            ("personal", personal_schedule([item], now=NOW, name=name)),
            (
                "request",
                request(
                    item, COORDINATOR, Person(name, "v@example.org"), reminder_minutes=10, now=NOW
                ),
            ),
        ):
            assert lint(data) == []
            (event,) = icalendar.Calendar.from_ical(data).walk("VEVENT")
            assert str(event["SUMMARY"]) == (_expected(item.summary, single_line=True) or "")
            assert str(event.get("DESCRIPTION", "")) == _expected(description, single_line=False)
            assert str(event.get("LOCATION", "")) == _expected(location, single_line=True)
            made[f"{kind} {len(made)}"] = (data, item)

    build()
    results = icaljs({key: data for key, (data, _) in made.items()}, date(2026, 1, 1))
    for key, (_, item) in made.items():
        result = results[key]
        assert "error" not in result, (key, result)
        (event,) = result["events"]
        assert event["summary"] == _expected(item.summary, single_line=True)
        assert (event["description"] or "") == _expected(item.description, single_line=False)
        assert (event["location"] or "") == _expected(item.location, single_line=True)
        assert event["occurrences"][0]["start"] == "2025-03-30T17:00:00.000Z"


def test_awkward_text_in_the_database_reaches_the_schedule(db: Database) -> None:
    services = Services.for_database(db, "tester")
    starts = datetime(2025, 10, 26, 0, 30, tzinfo=UTC)
    titles = ["Tea, cake; talk", "Émoji 🎉 night", "Back\\slash"]
    for title in titles:
        services.events.create(
            EventDraft(
                title,
                starts,
                starts + timedelta(hours=3),
                "Europe/London",
                description="Line\nbreak, \x07bell\n" + "y" * 300,
            )
        )
    with db.read() as session:
        data = schedule(session, now=NOW)
    assert lint(data) == []
    result = icaljs_one(data, date(2026, 1, 1))
    assert sorted(e["summary"] for e in result["events"]) == sorted(titles)
    for event in result["events"]:
        assert event["description"] == "Line\nbreak, bell\n" + "y" * 300
        assert event["occurrences"][0]["start"] == "2025-10-26T00:30:00.000Z"
        assert event["occurrences"][0]["end"] == "2025-10-26T03:30:00.000Z"


def test_export_ics_command_writes_schedules_and_personal_files(
    demo: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, path = demo
    with db.read() as session:
        vid = session.scalars(select(Assignment.volunteer_id).limit(1)).one()
    target = tmp_path / "all.ics"
    assert main(["export-ics", "--db", str(path), "-o", str(target)]) == 0
    assert "Wrote" in capsys.readouterr().out
    assert lint(target.read_bytes()) == []
    mine = tmp_path / "mine.ics"
    code = main(
        [
            "export-ics",
            "--db",
            str(path),
            "--volunteer",
            str(vid),
            "--from",
            "2025-01-01",
            "--to",
            "2025-12-31",
            "--contact",
            "Sam <sam@example.org>",
            "-o",
            str(mine),
        ]
    )
    assert code == 0
    data = mine.read_bytes()
    assert lint(data) == [] and b"ATTENDEE" not in data and b"BEGIN:VEVENT" in data
    assert b"sam@example.org" in data


def test_export_ics_command_names_bad_input_in_one_line(
    demo: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, path = demo
    out = str(tmp_path / "x.ics")
    for arguments, message in (
        (["--cause", "No such cause"], "no cause"),
        (["--event", "999999"], "no event"),
        (["--volunteer", "999999"], "no volunteer"),
        (["--from", "2025-02-01", "--to", "2025-01-01"], "--to must be after --from"),
        (["--contact", "nobody"], "--contact"),
    ):
        assert main(["export-ics", "--db", str(path), *arguments, "-o", out]) == 1
        error = capsys.readouterr().err
        assert message in error and error.count("\n") == 1
    assert not Path(out).exists()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(min_value=-3 * 24 * 60, max_value=50 * 24 * 60),
    st.integers(min_value=1, max_value=30 * 24 * 60),
)
def test_counting_and_finding_volunteers_agree_with_the_items(
    demo: Any, start_minute: int, length_minutes: int
) -> None:
    """The shortcuts a quick republish takes give what making every item would."""
    db, _ = demo
    starts = datetime(2025, 3, 3, tzinfo=UTC) + timedelta(minutes=start_minute)
    ends = starts + timedelta(minutes=length_minutes)
    with db.read() as session:
        items = personal_items(session, None, starts=starts, ends=ends, contact=COORDINATOR)
        starting = sum(1 for found in items.values() for i in found if starts <= i.starts_at < ends)
        assert count_items(session, starts=starts, ends=ends) == starting
        assert set(items) <= item_volunteers(session, starts=starts, ends=ends)
        some = sorted(items)[::3]
        assert personal_items(session, some, starts=starts, ends=ends, contact=COORDINATOR) == {
            vid: items[vid] for vid in some
        }
        event_of = dict(
            session.execute(
                select(Assignment.uid, Shift.event_id).join(Shift, Shift.id == Assignment.shift_id)
            ).all()
        )
        on_event: dict[int, set[VolunteerId]] = {}
        for vid, found in items.items():
            for item in found:
                on_event.setdefault(event_of[item.uid], set()).add(vid)
        for event_id, volunteers in sorted(on_event.items())[:5]:
            assert volunteers <= item_volunteers(
                session, starts=starts, ends=ends, event_ids=[event_id]
            )


def test_shifts_with_their_own_times_are_counted_by_when_they_start(db: Database) -> None:
    services = Services.for_database(db, "tester")
    opens = datetime(2025, 6, 2, 9, tzinfo=UTC)
    event = services.events.create(
        EventDraft("Open day", opens, opens + timedelta(hours=8), "UTC", rrule="FREQ=DAILY;COUNT=3")
    )
    person = services.volunteers.create(VolunteerDraft("Kim Shah", date(2025, 1, 1), "UTC"))
    shifts = [
        ShiftDraft(event.id, "Setting up"),
        ShiftDraft(event.id, "Teas", start_offset_min=240, end_offset_min=360),
        ShiftDraft(event.id, "Clearing away", start_offset_min=420),
    ]
    for shift in shifts:
        made = services.shifts.create(shift)
        for day in range(3):
            services.assignments.create(
                AssignmentDraft(made.id, person.id, opens + timedelta(days=day))
            )
    edges = [opens + timedelta(days=1, hours=h) for h in (0, 4, 7)]
    minute = timedelta(minutes=1)
    moments = sorted({edge + step for edge in edges for step in (-minute, 0 * minute, minute)})
    with db.read() as session:
        everything = personal_items(
            session, None, starts=opens, ends=opens + timedelta(days=3), contact=None
        )[person.id]
        for starts in moments:
            for ends in (m for m in moments if m > starts):
                expected = sum(1 for item in everything if starts <= item.starts_at < ends)
                assert count_items(session, starts=starts, ends=ends) == expected, (starts, ends)
