"""Exported .ics files read by independent parsers give the times the database holds.

ical.js (Thunderbird), recurring-ical-events and vobject read every kind of file (schedule,
personal schedule, REQUEST, CANCEL); libical checks the iTIP rules of invitations.  Series run
over three years in zones with different daylight-saving rules, with one-offs on the days the
clocks change, a removed and a moved occurrence, an all-day event and a cancelled one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from organizer.ics.export import Scope, personal_schedule, schedule
from organizer.ics.invitations import CalendarItem, Person, cancel, personal_items, request
from organizer.ics.lint import lint
from organizer.ics.vtimezone import transitions, vtimezone, yearly_rules
from organizer.models import AssignmentStatus, EventStatus
from organizer.models.ids import VolunteerId
from organizer.services import (
    AssignmentDraft,
    EventDraft,
    Services,
    ShiftDraft,
    VolunteerDraft,
)
from organizer.storage import Database, create_database
from tests.ics_tools import (
    icaljs,
    icaljs_one,
    js_instant,
    libical_problems,
    recurring_occurrences,
    vobject_check,
)

ZONES = ("Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kolkata")
FROM = datetime(2023, 12, 1, tzinfo=UTC)
UNTIL = datetime(2027, 12, 31, tzinfo=UTC)
NOW = datetime(2025, 1, 10, 9, 0, tzinfo=UTC)
COORDINATOR = Person("Sam Coordinator", "sam@example.org")

# One-offs across a clock change, in local wall time: (zone, day, start, end).
CHANGE_DAYS = (
    ("Europe/London", date(2025, 3, 30), (0, 30), (3, 30)),
    ("Europe/London", date(2026, 10, 25), (0, 30), (2, 30)),
    ("America/New_York", date(2025, 11, 2), (0, 45), (3, 15)),
    ("America/New_York", date(2026, 3, 8), (1, 0), (4, 0)),
    ("Australia/Sydney", date(2025, 4, 6), (1, 30), (3, 30)),
    ("Australia/Sydney", date(2025, 10, 5), (1, 0), (4, 0)),
    ("Asia/Kolkata", date(2025, 3, 30), (1, 0), (3, 0)),
)


def _local(zone: str, day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(zone)).astimezone(
        UTC
    )


class World:
    """A database with the events above and one volunteer on many of their shifts."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.services = Services.for_database(db, "tester")
        s = self.services
        self.volunteer = s.volunteers.create(
            VolunteerDraft("Ada Volunteer", date(2023, 1, 1), email="ada@example.org")
        ).id
        self.series_ids: list[int] = []
        for number, zone in enumerate(ZONES):
            first = date(2024, 1, 2 + number)
            event = s.events.create(
                EventDraft(
                    f"Weekly circle {zone}",
                    _local(zone, first, 18),
                    _local(zone, first, 20),
                    zone,
                    description="Peer support; bring yourself, that's all.",
                    rrule="FREQ=WEEKLY;UNTIL=20270630T235959Z",
                )
            )
            shift = s.shifts.create(
                ShiftDraft(event.id, "Greeter", start_offset_min=30, end_offset_min=105)
            )
            occurrences = [
                o for o in s.events.occurrences_between(FROM, UNTIL) if o.event_id == event.id
            ]
            removed, moved = occurrences[10], occurrences[20]
            for occurrence in occurrences[::9]:
                s.assignments.create(
                    AssignmentDraft(
                        shift.id,
                        VolunteerId(self.volunteer),
                        occurrence.recurrence_id,
                        AssignmentStatus.ACCEPTED,
                    )
                )
            version = s.events.get(event.id).version
            event = s.events.remove_occurrence(event.id, version, removed.recurrence_id)
            s.events.change_occurrence(
                event.id,
                event.version,
                moved.recurrence_id,
                starts_at=moved.starts_at + timedelta(days=1, hours=1),
                ends_at=moved.ends_at + timedelta(days=1, hours=2),
                title="Moved circle",
            )
            self.series_ids.append(event.id)
        for zone, day, (h1, m1), (h2, m2) in CHANGE_DAYS:
            event = s.events.create(
                EventDraft(
                    f"Clock change {zone} {day}",
                    _local(zone, day, h1, m1),
                    _local(zone, day, h2, m2),
                    zone,
                )
            )
            shift = s.shifts.create(ShiftDraft(event.id, "Host"))
            s.assignments.create(
                AssignmentDraft(
                    shift.id, VolunteerId(self.volunteer), event.starts_at, AssignmentStatus.INVITED
                )
            )
        sydney = ZoneInfo("Australia/Sydney")
        self.all_day = s.events.create(
            EventDraft(
                "Garden open day",
                datetime(2025, 4, 5, tzinfo=sydney).astimezone(UTC),
                datetime(2025, 4, 7, tzinfo=sydney).astimezone(UTC),
                "Australia/Sydney",
                all_day=True,
                rrule="FREQ=YEARLY;COUNT=3",
            )
        ).id
        cancelled = s.events.create(
            EventDraft(
                "Cancelled quiz night",
                _local("Europe/London", date(2025, 6, 1), 19),
                _local("Europe/London", date(2025, 6, 1), 22),
                "Europe/London",
            )
        )
        shift = s.shifts.create(ShiftDraft(cancelled.id, "Quizmaster"))
        s.assignments.create(
            AssignmentDraft(
                shift.id,
                VolunteerId(self.volunteer),
                cancelled.starts_at,
                AssignmentStatus.ACCEPTED,
            )
        )
        s.events.set_status(cancelled.id, cancelled.version, EventStatus.CANCELLED)

    def expected(self) -> dict[str, set[tuple[Any, ...]]]:
        """Each UID's occurrences by the occurrence index: (start, end, status)."""
        found: dict[str, set[tuple[Any, ...]]] = {}
        uids = {}
        for info in self.services.events.occurrences_between(FROM, UNTIL):
            if info.event_id not in uids:
                uids[info.event_id] = self.services.events.get(info.event_id).uid
            if info.all_day:
                zone = ZoneInfo(info.timezone)
                starts: Any = info.starts_at.astimezone(zone).date()
                ends: Any = info.ends_at.astimezone(zone).date()
            else:
                starts, ends = info.starts_at, info.ends_at
            status = "CANCELLED" if info.status == EventStatus.CANCELLED else "CONFIRMED"
            found.setdefault(uids[info.event_id], set()).add((starts, ends, status))
        return found

    def items(self) -> list[CalendarItem]:
        with self.db.read() as session:
            return personal_items(
                session, [VolunteerId(self.volunteer)], starts=FROM, ends=UNTIL, contact=COORDINATOR
            )[VolunteerId(self.volunteer)]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    db = create_database(Path(tmp_path_factory.mktemp("interop")) / "world.organizer")
    try:
        yield World(db)
    finally:
        db.close()


@pytest.fixture(scope="module")
def files(world: World) -> dict[str, bytes]:
    with world.db.read() as session:
        whole = schedule(session, now=NOW, name="Everything", contact=COORDINATOR)
    items = world.items()
    attendee = Person("Ada Volunteer", "ada@example.org")
    found = {"schedule": whole, "personal": personal_schedule(items, now=NOW, name="Ada")}
    for index, item in enumerate(items):
        if not item.cancelled:
            found[f"request {index}"] = request(
                item, COORDINATOR, attendee, reminder_minutes=60, now=NOW
            )
        raised = replace(item, sequence=item.sequence + 1, cancelled=True)
        found[f"cancel {index}"] = cancel(raised, COORDINATOR, attendee, now=NOW)
    return found


@pytest.fixture(scope="module")
def parsed(files: dict[str, bytes]) -> dict[str, Any]:
    results = icaljs(files, UNTIL.date())
    for name, result in results.items():
        assert "error" not in result, f"ical.js could not read the {name} file: {result}"
    return results


def _js_value(text: str) -> Any:
    return date.fromisoformat(text) if len(text) == 10 else js_instant(text)


def _js_occurrences(result: dict[str, Any]) -> dict[str, set[tuple[Any, ...]]]:
    found: dict[str, set[tuple[Any, ...]]] = {}
    for event in result["events"]:
        for occurrence in event["occurrences"]:
            found.setdefault(event["uid"], set()).add(
                (
                    _js_value(occurrence["start"]),
                    _js_value(occurrence["end"]),
                    occurrence["status"],
                )
            )
    return found


def test_icaljs_reads_the_schedule_with_the_databases_times(
    world: World, parsed: dict[str, Any]
) -> None:
    expected = world.expected()
    got = _js_occurrences(parsed["schedule"])
    assert got == expected
    # Sanity: the series really cross many clock changes and have their exceptions.
    assert sum(len(v) for v in expected.values()) > 4 * 150


def test_recurring_ical_events_reads_the_schedule_with_the_databases_times(
    world: World, files: dict[str, bytes]
) -> None:
    expected = {
        (uid, start, end, status)
        for uid, found in world.expected().items()
        for start, end, status in found
    }
    got = set(recurring_occurrences(files["schedule"], FROM, UNTIL))
    assert got == expected


def test_every_file_passes_vobject_and_the_lint(files: dict[str, bytes]) -> None:
    for name, data in files.items():
        vobject_check(data)
        assert lint(data) == [], name


def test_personal_schedule_and_invitations_carry_the_shift_times(
    world: World, files: dict[str, bytes], parsed: dict[str, Any]
) -> None:
    items = world.items()
    assert len(items) >= 4 * 17 + len(CHANGE_DAYS)
    by_uid = {item.uid: item for item in items}
    personal = _js_occurrences(parsed["personal"])
    assert set(personal) == set(by_uid)
    for uid, item in by_uid.items():
        status = "CANCELLED" if item.cancelled else "CONFIRMED"
        assert personal[uid] == {(item.starts_at, item.ends_at, status)}
    for index, item in enumerate(items):
        (withdrawn,) = parsed[f"cancel {index}"]["events"]
        assert (withdrawn["uid"], withdrawn["sequence"]) == (item.uid, item.sequence + 1)
        assert withdrawn["status"] == "CANCELLED"
        assert withdrawn["alarms"] == 0
        assert parsed[f"cancel {index}"]["method"] == "CANCEL"
        if item.cancelled:
            assert f"request {index}" not in parsed
            continue
        (invited,) = parsed[f"request {index}"]["events"]
        assert invited["uid"] == item.uid
        assert invited["occurrences"][0]["start"] == item.starts_at.strftime(
            "%Y-%m-%dT%H:%M:%S.000Z"
        )
        assert js_instant(invited["occurrences"][0]["end"]) == item.ends_at
        assert parsed[f"request {index}"]["method"] == "REQUEST"
        assert invited["attendees"] == ["mailto:ada@example.org"]
        assert invited["organizer"] == "mailto:sam@example.org"
        assert invited["alarms"] == 1


def test_shift_offsets_moves_removals_and_cancellations_reach_the_volunteer(
    world: World,
) -> None:
    items = world.items()
    greeter = [i for i in items if i.summary.startswith("Greeter: ")]
    assert any(i.summary == "Greeter: Moved circle" for i in greeter) or all(
        "Moved" not in i.summary for i in items
    )
    london = ZoneInfo("Europe/London")
    for item in greeter:
        if not item.cancelled and "Moved" not in item.summary:
            local = item.starts_at.astimezone(london if "London" in item.summary else UTC)
            if "London" in item.summary:
                assert (local.hour, local.minute) == (18, 30)  # 30 minutes in, all year round
            assert item.ends_at - item.starts_at == timedelta(hours=1, minutes=15)
    quiz = [i for i in items if "quiz" in i.summary.lower()]
    assert len(quiz) == 1 and quiz[0].cancelled
    assert all("Ada" not in i.description for i in items)


def test_invitations_pass_libicals_itip_restrictions(files: dict[str, bytes]) -> None:
    checked = 0
    for name, data in files.items():
        if name.startswith(("request", "cancel")):
            assert libical_problems(data) == [], name
            checked += 1
    assert checked >= 2
    assert libical_problems(files["schedule"]) == []
    assert libical_problems(files["personal"]) == []


def test_libical_would_catch_an_attendee_in_a_schedule(files: dict[str, bytes]) -> None:
    invitation = next(data for name, data in files.items() if name.startswith("request"))
    published = invitation.replace(b"METHOD:REQUEST", b"METHOD:PUBLISH")
    assert any("ATTENDEE" in problem for problem in libical_problems(published))


CHECKED_ZONES = (
    *ZONES,
    "Asia/Jerusalem",
    "Africa/Casablanca",
    "Europe/Dublin",
    "America/Sao_Paulo",
    "Pacific/Chatham",
    "Pacific/Apia",
    "Europe/Berlin",
)


def _probe_file(zone: str, first: int, last: int) -> tuple[bytes, list[datetime]]:
    """Our VTIMEZONE plus one event at each probe instant, written in local wall time."""
    tz = ZoneInfo(zone)
    component = vtimezone(zone, first - 1, last + 1)
    text = component.to_ical()
    assert b"RDATE" not in text
    if zone in ZONES[:3]:
        blocks = [c.name for c in component.subcomponents]
        assert sorted(blocks) == ["DAYLIGHT", "STANDARD"], "Google/Outlook form expected"
        assert text.count(b"RRULE:FREQ=YEARLY;BYDAY=") == 2
    moments = []
    moment = datetime(first, 1, 1, tzinfo=UTC)
    while moment.year <= last:
        moments.append(moment)
        moment += timedelta(hours=31)
    for change in transitions(zone, first, last):
        moments += [change.at - timedelta(minutes=1), change.at, change.at + timedelta(minutes=1)]
    events = []
    for index, instant in enumerate(moments):
        local = instant.astimezone(tz).replace(tzinfo=None)
        events.append(
            "BEGIN:VEVENT\r\n"
            f"UID:{index}\r\nDTSTAMP:20250101T000000Z\r\n"
            f"DTSTART;TZID={zone}:{local:%Y%m%dT%H%M%S}\r\n"
            f"DTEND;TZID={zone}:{local:%Y%m%dT%H%M%S}\r\n"
            "END:VEVENT\r\n"
        )
    data = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:test\r\n"
        + text
        + "".join(events).encode()
        + b"END:VCALENDAR\r\n"
    )
    return data, moments


def test_vtimezones_give_zoneinfos_offsets_in_icaljs() -> None:
    """Every 31 hours for 6 years and around each change, in zones with and without rules
    that fit the Google/Outlook form: the instant ical.js reads is zoneinfo's."""
    first, last = 2023, 2028
    probes = {zone: _probe_file(zone, first, last) for zone in CHECKED_ZONES}
    results = icaljs({zone: data for zone, (data, _) in probes.items()}, date(last + 2, 1, 1))
    wrong: dict[str, list[tuple[datetime, datetime]]] = {}
    for zone, (_, moments) in probes.items():
        result = results[zone]
        assert "error" not in result, (zone, result)
        tz = ZoneInfo(zone)
        assert len(result["events"]) == len(moments)
        for event in result["events"]:
            instant = moments[int(event["uid"])]
            got = js_instant(event["occurrences"][0]["start"])
            local = instant.astimezone(tz)
            # A wall time repeated in the autumn hour is ambiguous; accept either reading.
            if got not in {local.replace(fold=fold).astimezone(UTC) for fold in (0, 1)}:
                wrong.setdefault(zone, []).append((instant, got))
    assert wrong == {}


def test_rule_form_is_used_only_when_it_matches_every_transition() -> None:
    assert yearly_rules("Asia/Jerusalem", 2020, 2030) is None  # Friday before the last Sunday
    assert yearly_rules("Africa/Casablanca", 2020, 2030) is None  # Ramadan changes
    assert yearly_rules("Asia/Kolkata", 2020, 2030) == []
    london = yearly_rules("Europe/London", 2020, 2030)
    assert london is not None
    assert {(r.month, r.byday, r.clock) for r in london} == {
        (3, "-1SU", (1, 0, 0)),
        (10, "-1SU", (2, 0, 0)),
    }
    new_york = yearly_rules("America/New_York", 2020, 2030)
    assert new_york is not None
    assert {(r.month, r.byday) for r in new_york} == {(3, "2SU"), (11, "1SU")}


def test_a_schedule_scoped_to_one_event_reads_back_in_icaljs(world: World) -> None:
    with world.db.read() as session:
        data = schedule(session, Scope(event_id=world.all_day), now=NOW)
    result = icaljs_one(data, UNTIL.date())
    (event,) = result["events"]
    assert [(o["start"], o["end"]) for o in event["occurrences"]] == [
        ("2025-04-05", "2025-04-07"),
        ("2026-04-05", "2026-04-07"),
        ("2027-04-05", "2027-04-07"),
    ]
    assert b"VTIMEZONE" not in data
