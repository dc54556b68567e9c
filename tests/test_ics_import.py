"""Importing .ics files from other calendars, and volunteers' invitation replies."""

from __future__ import annotations

import argparse
import hashlib
import itertools
import sys
import types
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import icalendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from organizer import cli, commands
from organizer.commands.calendars_import import add_import_commands
from organizer.errors import DomainError, ImportFormatError, ValidationError
from organizer.ics.importer import (
    ImportAction,
    ImportPreview,
    apply_import,
    read_calendar,
)
from organizer.ics.replies import (
    ReplyOutcome,
    apply_replies,
    match_replies,
    read_replies,
    replies_from_bytes,
)
from organizer.ics.zones import to_iana, windows_to_iana
from organizer.models import (
    Assignment,
    AssignmentStatus,
    Base,
    ChangeLogEntry,
    Event,
    PublishedItem,
    utc_now,
)
from organizer.models.ids import CauseId, ShiftId, VolunteerId
from organizer.services import (
    AssignmentDraft,
    CauseDraft,
    EventDraft,
    Services,
    ShiftDraft,
    VolunteerDraft,
)
from organizer.services.events import EventService
from organizer.services.occurrences import index_problems
from organizer.storage import Database, create_database, table_counts

DATA = Path(__file__).parent / "data" / "ics"
LONDON = "Europe/London"
SAMPLES = (
    "google.ics",
    "outlook.ics",
    "apple.ics",
    "thunderbird.ics",
    "allday.ics",
    "bom.ics",
    "broken-folding.ics",
    "unknown-properties.ics",
    "problems.ics",
)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def services(db: Database) -> Services:
    return Services.for_database(db, "tester")


@pytest.fixture
def cause_id(services: Services) -> int:
    return services.causes.create(CauseDraft(name="Food bank")).id


def import_files(
    db: Database, cause: int, *names: str, zone: str = LONDON
) -> tuple[list[ImportPreview], Any]:
    previews = [read_calendar(DATA / name, db=db, default_timezone=zone) for name in names]
    return previews, apply_import(db, previews, cause, "tester", zone)


def event_by_uid(services: Services, uid: str) -> Event:
    with services.events.db.read() as session:
        event_id = session.scalar(select(Event.id).where(Event.uid == uid))
    assert event_id is not None, uid
    return services.events.get(event_id)


def occurrences(services: Services, event: Event) -> list[tuple[datetime, datetime]]:
    found = services.events.occurrences_between(utc(2025, 1, 1), utc(2028, 1, 1))
    return [(o.starts_at, o.ends_at) for o in found if o.event_id == event.id]


def checksum(db: Database) -> str:
    """A digest of every row of every table: equal digests mean an unchanged database."""
    digest = hashlib.sha256()
    with db.read() as session:
        for table in Base.metadata.sorted_tables:
            rows = session.execute(select(table).order_by(*table.primary_key.columns)).all()
            digest.update(f"{table.name}:{len(rows)}:{[tuple(r) for r in rows]!r}".encode())
    return digest.hexdigest()


# Each sample file gives the right instants ---------------------------------------------------


def test_google_export_with_x_wr_timezone(db: Database, services: Services, cause_id: int) -> None:
    (preview,), result = import_files(db, cause_id, "google.ics")
    assert preview.calendar_name == "Leeds Food Bank volunteers"
    assert len(result.created) == 4 and preview.problems == ()
    before = event_by_uid(services, "2kq0v7m3n1c8p4r6s9t2u5w8xa@google.com")
    after = event_by_uid(services, "7hd93kf0s1l2m4n6b8v0c2x4za@google.com")
    # UTC times in the file, placed in the calendar's zone: 09:00 local either side of the
    # clock change on 29 March is 09:00Z before it and 08:00Z after.
    assert (before.starts_at, before.ends_at) == (utc(2026, 3, 28, 9), utc(2026, 3, 28, 12))
    assert (after.starts_at, after.ends_at) == (utc(2026, 4, 4, 8), utc(2026, 4, 4, 11))
    assert before.timezone == after.timezone == LONDON
    assert before.location is not None
    assert before.location.name == "St Aidan's Hall, 12 Roundhay Road, Leeds LS7 1AB, UK"
    assert after.location_id == before.location_id
    assert before.cause_id == cause_id and before.sequence == 0 and after.sequence == 1

    circle = event_by_uid(services, "5p1o9i8u7y6t5r4e3w2q1a0s9d@google.com")
    assert circle.rrule == "FREQ=WEEKLY;UNTIL=20260416T170000Z;BYDAY=TH;WKST=MO"
    assert circle.description == "A space to talk, listen and share.\nNo need to book."
    assert [e.occurrence_start for e in circle.exceptions] == [utc(2026, 4, 2, 17)]
    assert [start for start, _ in occurrences(services, circle)] == [
        utc(2026, 3, 19, 18),
        utc(2026, 3, 26, 18),
        utc(2026, 4, 9, 17),
        utc(2026, 4, 16, 17),
    ]
    fair = event_by_uid(services, "0c4r2e6w8q1a3s5d7f9g1h3j5k@google.com")
    assert fair.all_day
    assert (fair.starts_at, fair.ends_at) == (utc(2026, 6, 12, 23), utc(2026, 6, 13, 23))


def test_google_rows_show_local_times_and_plain_words(db: Database) -> None:
    preview = read_calendar(DATA / "google.ics", default_timezone="Asia/Tokyo")
    circle = next(r for r in preview.rows if r.title == "Peer support circle")
    assert circle.recurrence == "Every Thursday until 16 April 2026"
    assert circle.removed_occurrences == 1
    shift = preview.rows[1]
    assert shift.timezone == LONDON  # X-WR-TIMEZONE wins over the chosen zone
    assert shift.starts is not None and shift.starts.hour == 9
    assert shift.starts.utcoffset() == timedelta(hours=1)
    assert all(row.action == ImportAction.NEW for row in preview.rows)


def test_outlook_windows_zone_names(db: Database, services: Services, cause_id: int) -> None:
    (preview,), _ = import_files(db, cause_id, "outlook.ics")
    assert preview.problems == ()
    repair = next(e for e in services.events.list() if e.title == "Repair café")
    assert repair.timezone == "Europe/Berlin"
    assert repair.description.startswith(
        "Bring your broken toasters, lamps and bikes. Our fixers will help you repair them."
    )
    assert repair.uid.startswith("040000008200E00074C5B7101A82E008") and len(repair.uid) == 112
    # 10:00 W. Europe time: CEST (UTC+2) until 25 Oct, CET (UTC+1) after; 31 Oct removed.
    assert occurrences(services, repair) == [
        (utc(2026, 10, 17, 8), utc(2026, 10, 17, 11)),
        (utc(2026, 10, 24, 8), utc(2026, 10, 24, 11)),
        (utc(2026, 11, 7, 9), utc(2026, 11, 7, 12)),
    ]
    meetings = {e.title: e for e in services.events.list() if e.title.startswith("Trustees")}
    first, follow_up = meetings["Trustees meeting"], meetings["Trustees meeting (follow-up)"]
    assert first.timezone == follow_up.timezone == LONDON
    assert first.starts_at == utc(2026, 10, 24, 18)  # 19:00 BST
    assert follow_up.starts_at == utc(2026, 10, 26, 19)  # 19:00 GMT


def test_apple_export(db: Database, services: Services, cause_id: int) -> None:
    import_files(db, cause_id, "apple.ics")
    saturday = event_by_uid(services, "8F3C2A1B-4D5E-4F60-9A7B-1C2D3E4F5A6B")
    sunday = event_by_uid(services, "1A2B3C4D-5E6F-4708-9A1B-2C3D4E5F6A7B")
    assert saturday.timezone == sunday.timezone == "America/New_York"
    assert saturday.starts_at == utc(2026, 3, 7, 14)  # 09:00 EST
    assert sunday.starts_at == utc(2026, 3, 8, 13)  # 09:00 EDT, clocks changed at 02:00
    assert saturday.location is not None and saturday.location.name == "Riverside Community Garden"
    assert saturday.location.address == "45 Water St, Brooklyn NY 11201, United States"
    assert sunday.location_id == saturday.location_id


def test_thunderbird_series_with_exdate_and_changed_occurrences(
    db: Database, services: Services, cause_id: int
) -> None:
    (preview,), _ = import_files(db, cause_id, "thunderbird.ics")
    assert preview.problems == ()
    (row,) = preview.rows
    assert (row.removed_occurrences, row.changed_occurrences) == (2, 1)
    series = event_by_uid(services, "3f1b6c2e-9a4d-4e8b-b7c1-0d2e5f8a9b3c")
    assert series.rrule == "FREQ=WEEKLY;COUNT=8" and series.sequence == 1
    # EXDATE (20 Oct) and the cancelled occurrence (17 Nov) are removed; 3 Nov moved to
    # 4 Nov 18:30 in another room; 19:00 Berlin is 17:00Z in summer time, 18:00Z after.
    assert {e.occurrence_start for e in series.exceptions} == {
        utc(2026, 10, 20, 17),
        utc(2026, 11, 17, 18),
    }
    assert occurrences(services, series) == [
        (utc(2026, 10, 6, 17), utc(2026, 10, 6, 18, 30)),
        (utc(2026, 10, 13, 17), utc(2026, 10, 13, 18, 30)),
        (utc(2026, 10, 27, 18), utc(2026, 10, 27, 19, 30)),
        (utc(2026, 11, 4, 17, 30), utc(2026, 11, 4, 19)),
        (utc(2026, 11, 10, 18), utc(2026, 11, 10, 19, 30)),
        (utc(2026, 11, 24, 18), utc(2026, 11, 24, 19, 30)),
    ]
    (moved,) = series.overrides
    assert moved.recurrence_id == utc(2026, 11, 3, 18)
    assert moved.title is None and moved.ends_at is None  # same title and length as the series
    place = services.locations.get(moved.location_id) if moved.location_id else None
    assert place is not None and place.name == "Gemeindehaus, Raum 2"


def test_all_day_events_in_the_chosen_zone(db: Database, services: Services, cause_id: int) -> None:
    preview = read_calendar(DATA / "allday.ics", default_timezone=LONDON)
    assert preview.rows[0].starts is not None and preview.rows[0].starts.hour == 0
    apply_import(db, preview, cause_id, "tester", "America/New_York")
    camp = event_by_uid(services, "summer-camp-2026@stmarys.example.org")
    open_day = event_by_uid(services, "open-day-2026@stmarys.example.org")
    assert camp.all_day and open_day.all_day
    assert camp.timezone == "America/New_York"
    assert (camp.starts_at, camp.ends_at) == (utc(2026, 8, 1, 4), utc(2026, 8, 4, 4))
    assert (open_day.starts_at, open_day.ends_at) == (utc(2026, 9, 12, 4), utc(2026, 9, 13, 4))


def test_all_day_event_ending_on_its_start_day_lasts_one_day() -> None:
    text = (
        (DATA / "allday.ics")
        .read_bytes()
        .replace(b"DTEND;VALUE=DATE:20260804", b"DTEND;VALUE=DATE:20260801")
    )
    preview = read_calendar(text, "camp.ics", default_timezone=LONDON)
    camp = preview.rows[0]
    assert camp.starts is not None and camp.ends is not None
    assert camp.ends - camp.starts == timedelta(days=1)
    assert preview.problems == (
        "“Summer camp”: its end date is not after its start; it lasts one day.",
    )


def test_byte_order_mark_and_unicode(db: Database, services: Services, cause_id: int) -> None:
    assert (DATA / "bom.ics").read_bytes().startswith(b"\xef\xbb\xbf")
    (preview,), _ = import_files(db, cause_id, "bom.ics")
    assert preview.problems == ()
    event = event_by_uid(services, "cafe-social-zurich@example.ch")
    assert event.title == "Café social – Zürich chapter"
    assert event.description == "Kaffee, Kuchen und gute Gespräche ☕"
    assert event.starts_at == utc(2026, 6, 20, 13)


def test_broken_folding_is_repaired_and_reported(
    db: Database, services: Services, cause_id: int
) -> None:
    (preview,), _ = import_files(db, cause_id, "broken-folding.ics")
    assert preview.problems == (
        "Line 11 had lost the space that marks a continued line; "
        "joined to the line before (broken folding).",
    )
    event = event_by_uid(services, "quiz-night-2026@example.org")
    assert event.description == (
        "Teams of up to six. Bring your own snacks, the bar will be open from 6pm. "
        "All proceeds go to the hardship fund."
    )


def test_unknown_properties_and_components_are_ignored(
    db: Database, services: Services, cause_id: int
) -> None:
    (preview,), result = import_files(db, cause_id, "unknown-properties.ics")
    assert preview.problems == () and len(result.created) == 1
    event = event_by_uid(services, "a7c3b1e0-2f4d-4b6a-8c9e-1d2f3a4b5c6d")
    assert (event.title, event.starts_at, event.ends_at) == (
        "Plot clearing morning",
        utc(2026, 4, 18, 9),
        utc(2026, 4, 18, 12),
    )


def test_problem_events_are_reported_one_by_one(
    db: Database, services: Services, cause_id: int
) -> None:
    (preview,), result = import_files(db, cause_id, "problems.ics")
    assert preview.problems == (
        "“Team social”: no start time, skipped.",
        "“Coffee morning”: its times have no time zone; they were read as Europe/London time.",
        "“Hourly check-in”: its repeat rule cannot be used "
        "(Events can repeat daily, weekly, monthly or yearly), skipped.",
        "“Backwards event”: it ends before it starts, skipped.",
    )
    assert [r.action for r in preview.rows] == [
        ImportAction.SKIPPED,
        ImportAction.NEW,
        ImportAction.SKIPPED,
        ImportAction.SKIPPED,
    ]
    assert len(result.created) == 1 and result.skipped == 3
    coffee = event_by_uid(services, "coffee-morning@example.org")
    assert coffee.starts_at == utc(2026, 5, 5, 9)  # floating 10:00 read as London (BST)


# Broken files: clear messages, never a traceback, nothing changed ---------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "missing-end.ics",
            "missing-end.ics: BEGIN:VEVENT on line 11 is never closed "
            "(END:VEVENT is missing before line 17).",
        ),
        (
            "not-a-calendar.ics",
            "not-a-calendar.ics is a web page or XML file, not a calendar file "
            "(a download may have gone wrong).",
        ),
    ],
)
def test_sample_files_that_cannot_be_imported(name: str, expected: str) -> None:
    with pytest.raises(ImportFormatError) as caught:
        read_calendar(DATA / name)
    assert caught.value.message == expected


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "week.ics is empty."),
        (b"\xef\xbb\xbf  \r\n", "week.ics is empty."),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "holds binary data"),
        (b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Jo\r\nEND:VCARD\r\n", "contact card (vCard)"),
        (b"Meeting on Tuesday at 10\n", "does not start with BEGIN:VCALENDAR"),
        (
            b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
            "line 3 has END:VEVENT without a matching BEGIN",
        ),
        (
            b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:1\r\nDTSTART:2026",
            "BEGIN:VEVENT on line 3 is never closed",
        ),
        (
            b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\nSUMMARY:stray\r\n",
            "line 3 lies outside the calendar",
        ),
        (
            b"BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nUID:1\r\nEND:VEVENT\r\n"
            b"END:VCALENDAR\r\n",
            "(METHOD:REPLY), not a schedule",
        ),
        (
            b"BEGIN:VCALENDAR\r\n" + b"this is not a line\r\n" * 30 + b"END:VCALENDAR\r\n",
            "line 2 is not a calendar line",
        ),
    ],
)
def test_garbage_gives_one_clear_message(data: bytes, expected: str) -> None:
    with pytest.raises(ImportFormatError) as caught:
        read_calendar(data, "week.ics")
    assert expected in caught.value.message
    assert "week.ics" in caught.value.message
    assert "\n" not in caught.value.message


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(ImportFormatError, match="There is no file at"):
        read_calendar(tmp_path / "nope.ics")
    with pytest.raises(ImportFormatError, match="is a folder"):
        read_calendar(tmp_path)


def test_file_in_another_encoding_is_read_with_a_note() -> None:
    data = (DATA / "bom.ics").read_bytes()[3:].decode("utf-8").encode("cp1252", errors="replace")
    preview = read_calendar(data, "old-outlook.ics")
    assert preview.rows[0].title == "Café social – Zürich chapter"
    assert "not in UTF-8" in preview.problems[0]


@settings(max_examples=150)
@given(st.binary(max_size=400))
def test_random_bytes_never_escape_as_a_traceback(data: bytes) -> None:
    try:
        read_calendar(data, "random.ics")
    except ImportFormatError as error:
        assert "random.ics" in error.message


@settings(max_examples=150)
@given(
    st.sampled_from(SAMPLES),
    st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=4),
    st.sampled_from(["drop", "duplicate", "cut", "garble"]),
)
def test_damaged_samples_are_read_or_refused_cleanly(
    name: str, positions: list[int], how: str
) -> None:
    lines = (DATA / name).read_bytes().split(b"\r\n")
    for position in positions:
        index = position % len(lines)
        if how == "drop":
            del lines[index]
        elif how == "duplicate":
            lines.insert(index, lines[index])
        elif how == "cut":
            lines = lines[:index]
        else:
            lines[index] = lines[index][::-1]
        if not lines:
            break
    try:
        preview = read_calendar(b"\r\n".join(lines), name, default_timezone=LONDON)
    except ImportFormatError as error:
        assert name in error.message
    else:
        for row in preview.rows:
            assert row.action in (ImportAction.NEW, ImportAction.SKIPPED)


# Re-import, updates and all-or-nothing ------------------------------------------------------


def test_reimporting_the_same_files_changes_nothing(db: Database, cause_id: int) -> None:
    _, first = import_files(db, cause_id, *SAMPLES)
    assert len(first.created) == 16
    before = checksum(db)
    previews = [read_calendar(DATA / name, db=db, default_timezone=LONDON) for name in SAMPLES]
    reasons = {row.reason for p in previews for row in p.rows if row.action != ImportAction.NEW}
    assert all(p.count(ImportAction.NEW) == p.count(ImportAction.UPDATE) == 0 for p in previews)
    assert "already up to date" in reasons
    again = apply_import(db, previews, cause_id, "tester", LONDON)
    assert (again.created, again.updated, again.skipped) == ((), (), 19)
    assert checksum(db) == before
    assert table_counts(db)["events"] == 16
    with db.read() as session:
        assert index_problems(session) == []


def test_newer_version_updates_the_event_in_place(
    db: Database, services: Services, cause_id: int
) -> None:
    import_files(db, cause_id, "google.ics")
    uid = "2kq0v7m3n1c8p4r6s9t2u5w8xa@google.com"
    original = event_by_uid(services, uid)
    text = (DATA / "google.ics").read_bytes()
    newer = text.replace(
        b"DTSTART:20260328T090000Z\r\nDTEND:20260328T120000Z",
        b"DTSTART:20260328T100000Z\r\nDTEND:20260328T130000Z",
    ).replace(
        b"LOCATION:St Aidan's Hall\\, 12 Roundhay Road\\, Leeds LS7 1AB\\, UK\r\nSEQUENCE:0",
        b"LOCATION:St Aidan's Hall\\, 12 Roundhay Road\\, Leeds LS7 1AB\\, UK\r\nSEQUENCE:3",
        1,
    )
    assert newer.count(b"SEQUENCE:3") == 1
    preview = read_calendar(newer, "google.ics", db=db, default_timezone=LONDON)
    assert [r.action for r in preview.rows].count(ImportAction.UPDATE) == 1
    assert preview.rows[0].action == ImportAction.UPDATE
    result = apply_import(db, preview, cause_id, "tester")
    assert result.updated == (original.id,) and result.created == ()
    changed = event_by_uid(services, uid)
    assert changed.id == original.id
    assert (changed.starts_at, changed.ends_at) == (utc(2026, 3, 28, 10), utc(2026, 3, 28, 13))
    assert changed.sequence == 3 and changed.version > original.version
    assert table_counts(db)["events"] == 4
    with db.read() as session:
        logged = session.scalars(
            select(ChangeLogEntry.summary).where(
                ChangeLogEntry.entity == "event",
                ChangeLogEntry.entity_id == original.id,
                ChangeLogEntry.action == "update",
            )
        ).all()
    assert logged == [
        "Imported event “Food bank sorting shift” from google.ics (a newer version "
        "of an imported event)"
    ]


def test_an_older_copy_does_not_overwrite_a_local_edit(
    db: Database, services: Services, cause_id: int
) -> None:
    import_files(db, cause_id, "bom.ics")
    event = event_by_uid(services, "cafe-social-zurich@example.ch")
    draft = EventDraft(
        title="Café social (moved)",
        starts_at=event.starts_at + timedelta(hours=1),
        ends_at=event.ends_at + timedelta(hours=1),
        timezone=event.timezone,
        description=event.description,
        cause_id=event.cause_id,
        location_id=event.location_id,
    )
    edited = services.events.update(event.id, event.version, draft)
    assert edited.sequence == 1
    preview = read_calendar(DATA / "bom.ics", db=db, default_timezone=LONDON)
    (row,) = preview.rows
    assert row.action == ImportAction.SKIPPED and "Organizer is newer" in row.reason
    apply_import(db, preview, cause_id, "tester")
    assert event_by_uid(services, "cafe-social-zurich@example.ch").title == "Café social (moved)"


def test_series_update_replaces_removed_and_changed_occurrences(
    db: Database, services: Services, cause_id: int
) -> None:
    import_files(db, cause_id, "thunderbird.ics")
    text = (DATA / "thunderbird.ics").read_bytes()
    # The organiser restores 20 Oct and drops the moved occurrence: a newer SEQUENCE.
    cut = text.index(b"BEGIN:VEVENT", text.index(b"END:VEVENT"))
    end = text.index(b"END:VEVENT", cut) + len(b"END:VEVENT\r\n")
    newer = (text[:cut] + text[end:]).replace(b"EXDATE:20261020T170000Z\r\n", b"")
    newer = newer.replace(b"SEQUENCE:1", b"SEQUENCE:2")
    result = apply_import(db, read_calendar(newer, "tb.ics", db=db), cause_id, "tester")
    assert len(result.updated) == 1
    series = event_by_uid(services, "3f1b6c2e-9a4d-4e8b-b7c1-0d2e5f8a9b3c")
    assert [e.occurrence_start for e in series.exceptions] == [utc(2026, 11, 17, 18)]
    assert series.overrides == []
    assert utc(2026, 10, 20, 17) in [start for start, _ in occurrences(services, series)]
    with db.read() as session:
        assert index_problems(session) == []


def test_a_failure_midway_leaves_the_database_unchanged(db: Database, cause_id: int) -> None:
    import_files(db, cause_id, "bom.ics")
    before = checksum(db)
    previews = [read_calendar(DATA / n, db=db, default_timezone=LONDON) for n in SAMPLES]
    calls = 0

    def progress(_message: str, _fraction: float) -> None:
        nonlocal calls
        calls += 1
        if calls == 8:  # several events are written by now
            raise RuntimeError("power cut")

    with pytest.raises(RuntimeError, match="power cut"):
        apply_import(db, previews, cause_id, "tester", progress=progress)
    assert checksum(db) == before


def test_an_event_the_database_refuses_rolls_back_everything(
    db: Database, cause_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = checksum(db)
    real = EventService.validate

    def refuse_third(self: EventService, session: Any, draft: EventDraft, existing: Any) -> Any:
        if draft.title == "Volunteer fair":
            raise ValidationError.single("title", "Title is not allowed.")
        return real(self, session, draft, existing)

    monkeypatch.setattr(EventService, "validate", refuse_third)
    preview = read_calendar(DATA / "google.ics", db=db)
    with pytest.raises(ImportFormatError) as caught:
        apply_import(db, preview, cause_id, "tester")
    assert caught.value.message == (
        "google.ics: “Volunteer fair” cannot be imported: title: Title is not allowed."
    )
    assert checksum(db) == before


def test_unknown_cause_changes_nothing(db: Database) -> None:
    before = checksum(db)
    preview = read_calendar(DATA / "google.ics")
    with pytest.raises(DomainError, match="cause no longer exists"):
        apply_import(db, preview, 999, "tester")
    assert checksum(db) == before


def test_unknown_default_zone_is_refused() -> None:
    with pytest.raises(ValidationError, match="not a known time zone"):
        read_calendar(DATA / "google.ics", default_timezone="Mars/Olympus")


# Text survives the round trip ---------------------------------------------------------------

_SAFE = st.characters(exclude_categories=("Cc", "Cs", "Zl", "Zp"))
_LINE = st.text(_SAFE, min_size=1, max_size=100).map(str.strip).filter(bool)


@pytest.fixture(scope="module")
def shared_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Database, int]]:
    database = create_database(tmp_path_factory.mktemp("roundtrip") / "round.organizer")
    cause = Services.for_database(database, "tester").causes.create(CauseDraft(name="Round"))
    yield database, cause.id
    database.close()


_TEXT = st.characters(exclude_categories=("Cc", "Cs", "Zl", "Zp"), include_characters="\n\t")
_ROUND_TRIPS = itertools.count()


@settings(max_examples=40)
@given(
    title=st.text(_SAFE, min_size=1, max_size=200).map(str.strip).filter(bool),
    description=st.text(_TEXT, max_size=300),
    location=_LINE,
)
def test_text_written_by_icalendar_comes_back_unchanged(
    shared_db: tuple[Database, int], title: str, description: str, location: str
) -> None:
    db, cause = shared_db
    number = next(_ROUND_TRIPS)
    uid = f"round-trip-{number}@test"
    place = f"{number} {location}"
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Test//EN")
    calendar.add("version", "2.0")
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstamp", utc(2026, 1, 1))
    event.add("dtstart", utc(2026, 5, 1, 9))
    event.add("dtend", utc(2026, 5, 1, 10))
    event.add("summary", title)
    event.add("description", description)
    event.add("location", place)
    calendar.add_component(event)
    preview = read_calendar(calendar.to_ical(), "random.ics", default_timezone="UTC")
    assert preview.problems == ()
    apply_import(db, preview, cause, "tester")
    stored = event_by_uid(Services.for_database(db, "tester"), uid)
    assert stored.title == title
    assert stored.description == description
    assert stored.location is not None and stored.location.name == place


# Zones ----------------------------------------------------------------------------------------


def test_zone_names_from_other_calendars() -> None:
    assert windows_to_iana("W. Europe Standard Time") == "Europe/Berlin"
    assert windows_to_iana("GMT Standard Time") == "Europe/London"
    assert to_iana("Eastern Standard Time") == "America/New_York"
    assert to_iana("/mozilla.org/20070129_1/Europe/Berlin") == "Europe/Berlin"
    assert to_iana('"Europe/Paris"') == "Europe/Paris"
    assert to_iana("Etc/UTC") == to_iana("Z") == to_iana("tzone://Microsoft/Utc") == "UTC"
    assert to_iana("Customized Time Zone") is None


def test_unknown_zone_with_its_own_description(db: Database) -> None:
    text = (
        (DATA / "outlook.ics")
        .read_bytes()
        .replace(b"W. Europe Standard Time", b"Customized Time Zone")
    )
    preview = read_calendar(text, "custom.ics", default_timezone=LONDON)
    repair = next(r for r in preview.rows if r.title == "Repair café")
    assert repair.starts is not None
    assert repair.starts.astimezone(UTC) == utc(2026, 10, 17, 8)  # read from its VTIMEZONE
    assert repair.timezone == LONDON
    assert any("“Customized Time Zone” is not known" in p for p in preview.problems)


# Replies ------------------------------------------------------------------------------------

REPLY_UID = "0b6d1f3e-5a7c-4e2b-9d8f-1a2b3c4d5e6f@organizer"


@pytest.fixture
def assignment(db: Database, services: Services, cause_id: int) -> Assignment:
    event = services.events.create(
        EventDraft(
            title="Food bank sorting shift",
            starts_at=utc(2027, 3, 6, 10),
            ends_at=utc(2027, 3, 6, 13),
            timezone=LONDON,
            cause_id=CauseId(cause_id),
        )
    )
    shift = services.shifts.create(ShiftDraft(event_id=event.id, role="Greeter"))
    jo = services.volunteers.create(
        VolunteerDraft(name="Jo Bloggs", joined_on=date(2025, 1, 1), email="Jo.Bloggs@Example.org")
    )
    created = services.assignments.create(
        AssignmentDraft(
            shift_id=ShiftId(shift.id),
            volunteer_id=VolunteerId(jo.id),
            occurrence_start=event.starts_at,
            status=AssignmentStatus.INVITED,
        )
    )
    with db.write() as session:
        session.execute(update(Assignment).where(Assignment.id == created.id).values(uid=REPLY_UID))
    return services.assignments.get(created.id)


def status_of(services: Services, assignment: Assignment) -> AssignmentStatus:
    return services.assignments.get(assignment.id).status


def test_accepted_reply_from_google(
    services: Services, db: Database, assignment: Assignment
) -> None:
    (reply,) = read_replies([DATA / "reply-accepted-google.ics"])
    assert (reply.uid, reply.email, reply.partstat) == (
        REPLY_UID,
        "jo.bloggs@example.org",
        "ACCEPTED",
    )
    (result,) = apply_replies(db, [reply], "tester")
    assert result.outcome == ReplyOutcome.APPLIED
    assert result.message == (
        "reply-accepted-google.ics: Jo Bloggs accepted “Greeter” at “Food bank sorting shift” "
        "on 6 Mar 2027 10:00."
    )
    assert status_of(services, assignment) == AssignmentStatus.ACCEPTED
    (again,) = apply_replies(db, read_replies([DATA / "reply-accepted-google.ics"]), "tester")
    assert again.outcome == ReplyOutcome.UNCHANGED


def test_declined_reply_from_outlook_with_a_comment(
    services: Services, db: Database, assignment: Assignment
) -> None:
    (result,) = apply_replies(db, read_replies([DATA / "reply-declined-outlook.ics"]), "tester")
    assert result.outcome == ReplyOutcome.APPLIED
    assert "Jo Bloggs declined" in result.message
    assert "(“Sorry, I'm away that weekend.”)" in result.message
    assert status_of(services, assignment) == AssignmentStatus.DECLINED


def test_the_latest_of_several_answers_counts(
    services: Services, db: Database, assignment: Assignment
) -> None:
    replies = read_replies(
        [DATA / "reply-declined-outlook.ics", DATA / "reply-accepted-google.ics"]
    )
    results = apply_replies(db, replies, "tester")
    assert [r.outcome for r in results] == [ReplyOutcome.APPLIED, ReplyOutcome.NOT_APPLIED]
    assert "a later answer in reply-declined-outlook.ics replaces this one" in results[1].message
    assert status_of(services, assignment) == AssignmentStatus.DECLINED


def test_reply_for_unknown_invitation_or_other_person_is_not_applied(
    services: Services, db: Database, assignment: Assignment
) -> None:
    text = (DATA / "reply-accepted-google.ics").read_bytes()
    unknown = replies_from_bytes(text.replace(b"UID:0b6d", b"UID:ffff"), "unknown.ics")
    stranger = replies_from_bytes(
        text.replace(b"mailto:jo.bloggs@example.org", b"mailto:sam@example.org"), "sam.ics"
    )
    results = apply_replies(db, unknown + stranger, "tester")
    assert [r.outcome for r in results] == [ReplyOutcome.NOT_APPLIED] * 2
    assert "does not have (UID ffff" in results[0].message
    assert results[1].message == (
        "sam.ics: the answer to “Greeter” at “Food bank sorting shift” on 6 Mar 2027 10:00 "
        "comes from sam@example.org, but the invitation was sent to Jo Bloggs; "
        "nothing was changed."
    )
    assert status_of(services, assignment) == AssignmentStatus.INVITED


def test_answer_to_an_older_invitation_is_ignored(
    services: Services, db: Database, assignment: Assignment
) -> None:
    with db.write() as session:
        session.add(
            PublishedItem(
                volunteer_id=assignment.volunteer_id,
                assignment_id=assignment.id,
                uid=REPLY_UID,
                sequence=2,
                content_hash="0" * 64,
                starts_at=assignment.occurrence_start,
                ends_at=assignment.occurrence_start + timedelta(hours=3),
                sent_at=utc_now(),
            )
        )
    (result,) = apply_replies(db, read_replies([DATA / "reply-declined-outlook.ics"]), "tester")
    assert result.outcome == ReplyOutcome.NOT_APPLIED
    assert "older version of the invitation" in result.message
    assert "(version 1; version 2 was sent since)" in result.message
    assert status_of(services, assignment) == AssignmentStatus.INVITED


def test_a_stale_answer_never_overwrites_a_newer_change(
    services: Services, db: Database, assignment: Assignment
) -> None:
    looked_at = match_replies(db, read_replies([DATA / "reply-accepted-google.ics"]))
    services.roster.set_status(assignment.id, assignment.version, AssignmentStatus.CANCELLED)
    (result,) = apply_replies(db, looked_at, "tester")
    assert result.outcome == ReplyOutcome.NOT_APPLIED
    assert "changed this assignment" in result.message
    assert status_of(services, assignment) == AssignmentStatus.CANCELLED


def test_answers_that_cannot_be_recorded(
    services: Services, db: Database, assignment: Assignment
) -> None:
    text = (DATA / "reply-accepted-google.ics").read_bytes()
    maybe_later = replies_from_bytes(
        text.replace(b"PARTSTAT=ACCEPTED", b"PARTSTAT=DELEGATED"), "d.ics"
    )
    (result,) = match_replies(db, maybe_later)
    assert "answered “delegated”" in result.message
    services.roster.set_status(assignment.id, assignment.version, AssignmentStatus.CANCELLED)
    (result,) = match_replies(db, read_replies([DATA / "reply-accepted-google.ics"]))
    assert result.outcome == ReplyOutcome.NOT_APPLIED and "is cancelled" in result.message


def test_a_schedule_is_not_a_reply() -> None:
    with pytest.raises(ImportFormatError) as caught:
        read_replies([DATA / "google.ics"])
    assert caught.value.message == (
        "google.ics is not an answer to an invitation (METHOD:PUBLISH); "
        "import a schedule with “import-ics” instead."
    )


# Command line ---------------------------------------------------------------------------------


@pytest.fixture
def cli_ready(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make sure ``organizer.cli.main`` knows the import commands (until they are wired)."""
    if _wired():
        return
    shim = types.ModuleType("_ics_import_commands")
    shim.add_commands = add_import_commands  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, shim.__name__, shim)
    monkeypatch.setattr(commands, "FEATURE_MODULES", (*commands.FEATURE_MODULES, shim.__name__))


def _wired() -> bool:
    parser = cli.build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return "import-ics" in action.choices
    return False


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.usefixtures("cli_ready")
def test_cli_dry_run_changes_nothing(
    db: Database, db_path: Path, cause_id: int, capsys: pytest.CaptureFixture[str]
) -> None:
    before = checksum(db)
    code, out, err = run(
        [
            "import-ics",
            str(DATA / "google.ics"),
            str(DATA / "problems.ics"),
            "--db",
            str(db_path),
            "--cause",
            "food bank",
            "--timezone",
            LONDON,
            "--dry-run",
        ],
        capsys,
    )
    assert (code, err) == (0, "")
    assert "google.ics (Leeds Food Bank volunteers): 4 new, 0 updated, 0 skipped" in out
    assert "  new      Sat 28 Mar 2026 09:00–12:00 Europe/London  “Food bank sorting shift”" in out
    assert "Sat 13 Jun 2026 (all day)  “Volunteer fair”" in out
    assert "Every Thursday until 16 April 2026  [1 removed occurrence(s)]" in out
    assert "  problem: “Team social”: no start time, skipped." in out
    assert out.rstrip().endswith("Dry run: 5 new, 0 updated, 3 skipped; nothing was changed.")
    assert checksum(db) == before


@pytest.mark.usefixtures("cli_ready")
def test_cli_imports_and_reimports(
    db: Database, db_path: Path, cause_id: int, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [
        "import-ics",
        str(DATA / "outlook.ics"),
        "--db",
        str(db_path),
        "--cause",
        str(cause_id),
        "--timezone",
        LONDON,
    ]
    code, out, _ = run(argv, capsys)
    assert code == 0
    assert out.rstrip().endswith(
        "Imported 3 new and 0 updated event(s); 0 skipped; 2 new location(s)."
    )
    code, out, _ = run(argv, capsys)
    assert code == 0 and "(already up to date)" in out
    assert out.rstrip().endswith("Imported 0 new and 0 updated event(s); 3 skipped.")
    assert table_counts(db)["events"] == 3


@pytest.mark.usefixtures("cli_ready")
@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            ["missing-end.ics"],
            "organizer: missing-end.ics: BEGIN:VEVENT on line 11 is never closed",
        ),
        (["not-a-calendar.ics"], "organizer: not-a-calendar.ics is a web page"),
        (
            ["google.ics", "--cause", "Choir"],
            "organizer: There is no cause “Choir” (causes: “Food bank”).",
        ),
        (
            ["google.ics", "--timezone", "Moon/Base"],
            "organizer: timezone: “Moon/Base” is not a known",
        ),
    ],
)
def test_cli_refuses_bad_input_in_one_line(
    db: Database,
    db_path: Path,
    cause_id: int,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    message: str,
) -> None:
    before = checksum(db)
    argv = ["import-ics", str(DATA / extra[0]), "--db", str(db_path), *extra[1:]]
    if "--cause" not in argv:
        argv += ["--cause", "Food bank"]
    code, out, err = run(argv, capsys)
    assert code == 1 and out == ""
    assert err.startswith(message) and err.count("\n") == 1
    assert checksum(db) == before


@pytest.mark.usefixtures("cli_ready")
def test_cli_import_replies(
    db: Database,
    db_path: Path,
    services: Services,
    assignment: Assignment,
    capsys: pytest.CaptureFixture[str],
) -> None:
    reply = str(DATA / "reply-accepted-google.ics")
    code, out, _ = run(["import-replies", reply, "--db", str(db_path), "--dry-run"], capsys)
    assert code == 0 and out.rstrip().endswith(
        "1 of 1 answer(s) would be recorded; nothing was changed."
    )
    assert status_of(services, assignment) == AssignmentStatus.INVITED
    code, out, _ = run(["import-replies", reply, "--db", str(db_path)], capsys)
    assert code == 0
    assert "Jo Bloggs accepted “Greeter”" in out
    assert out.rstrip().endswith("1 of 1 answer(s) recorded.")
    assert status_of(services, assignment) == AssignmentStatus.ACCEPTED
    code, _, err = run(["import-replies", str(DATA / "google.ics"), "--db", str(db_path)], capsys)
    assert code == 1 and "google.ics is not an answer to an invitation" in err
