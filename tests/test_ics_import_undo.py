"""Undoing and redoing a calendar import: in the services, and with Ctrl+Z after the wizard."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QWizard
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from organizer.changes import DataChange
from organizer.errors import ConflictError, DomainError
from organizer.ics.importer import (
    ImportAction,
    ImportPreview,
    ImportResult,
    apply_import,
    read_calendar,
    undo_import,
)
from organizer.models import Base, Event, Location
from organizer.models.ids import CauseId
from organizer.services import (
    AssignmentDraft,
    CauseDraft,
    EventDraft,
    Services,
    ShiftDraft,
    VolunteerDraft,
)
from organizer.services.occurrences import index_problems
from organizer.services.series import draft_of
from organizer.storage import Database
from organizer.ui.calendars_io.import_wizard import RESULT_PAGE, ImportWizard
from organizer.ui.context import ViewContext
from organizer.ui.undo import BackgroundCommand
from tests.ui_helpers import view_context

DATA = Path(__file__).parent / "data" / "ics"
LONDON = "Europe/London"
SORTING = "2kq0v7m3n1c8p4r6s9t2u5w8xa@google.com"
GARDEN = "new-garden-day@example.org"
GARDEN_EVENT = (
    "BEGIN:VEVENT\r\n"
    "DTSTART:20260502T090000Z\r\n"
    "DTEND:20260502T120000Z\r\n"
    "DTSTAMP:20260301T101500Z\r\n"
    f"UID:{GARDEN}\r\n"
    "LOCATION:Chapeltown community garden\r\n"
    "SEQUENCE:0\r\n"
    "SUMMARY:Garden day\r\n"
    "END:VEVENT\r\n"
)

EventView = tuple[str, str, datetime, datetime, int, str | None, datetime]


def utc(month: int, day: int, hour: int) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def newer_google() -> bytes:
    """google.ics a month on: the sorting shift moved an hour (SEQUENCE 3), a new event."""
    text = (DATA / "google.ics").read_bytes()
    newer = text.replace(
        b"DTSTART:20260328T090000Z\r\nDTEND:20260328T120000Z",
        b"DTSTART:20260328T100000Z\r\nDTEND:20260328T130000Z",
    ).replace(
        b"LOCATION:St Aidan's Hall\\, 12 Roundhay Road\\, Leeds LS7 1AB\\, UK\r\nSEQUENCE:0",
        b"LOCATION:Chapeltown community garden\r\nSEQUENCE:3",
        1,
    )
    newer = newer.replace(b"END:VCALENDAR", GARDEN_EVENT.encode() + b"END:VCALENDAR")
    assert newer.count(b"SEQUENCE:3") == 1 and GARDEN.encode() in newer
    return newer


def events(db: Database) -> dict[str, EventView]:
    """What a coordinator sees of each event, by calendar UID (plus its last-changed stamp)."""
    with db.read() as session:
        rows = session.scalars(select(Event)).all()
        places = {p.id: p.name for p in session.scalars(select(Location))}
        return {
            e.uid: (
                e.title,
                e.description,
                e.starts_at,
                e.ends_at,
                e.sequence,
                places.get(e.location_id) if e.location_id is not None else None,
                e.updated_at,
            )
            for e in rows
        }


def location_names(db: Database) -> set[str]:
    with db.read() as session:
        return set(session.scalars(select(Location.name)))


def versions(db: Database) -> dict[str, int]:
    with db.read() as session:
        return {uid: version for uid, version in session.execute(select(Event.uid, Event.version))}


def checksum(db: Database) -> str:
    """A digest of every row of every table: equal digests mean an unchanged database."""
    digest = hashlib.sha256()
    with db.read() as session:
        for table in Base.metadata.sorted_tables:
            rows = session.execute(select(table).order_by(*table.primary_key.columns)).all()
            digest.update(f"{table.name}:{len(rows)}:{[tuple(r) for r in rows]!r}".encode())
    return digest.hexdigest()


@pytest.fixture
def services(db: Database) -> Services:
    return Services.for_database(db, "tester")


@pytest.fixture
def cause_id(services: Services) -> int:
    return services.causes.create(CauseDraft(name="Food bank")).id


@pytest.fixture
def imported_once(db: Database, cause_id: int) -> None:
    """google.ics imported a month ago: four events, two locations."""
    preview = read_calendar(DATA / "google.ics", db=db, default_timezone=LONDON)
    apply_import(db, preview, cause_id, "tester", LONDON)


def import_newer(db: Database, cause_id: int) -> tuple[ImportPreview, ImportResult]:
    preview = read_calendar(newer_google(), "google.ics", db=db, default_timezone=LONDON)
    assert preview.count(ImportAction.NEW) == 1 and preview.count(ImportAction.UPDATE) == 1
    return preview, apply_import(db, preview, cause_id, "tester", LONDON)


# Services ------------------------------------------------------------------------------------


@pytest.mark.usefixtures("imported_once")
def test_undo_puts_every_event_and_location_back_and_redo_imports_again(
    db: Database, cause_id: int
) -> None:
    before, places_before, versions_before = events(db), location_names(db), versions(db)
    preview, result = import_newer(db, cause_id)
    after = events(db)
    assert len(result.created) == 1 and len(result.updated) == 1
    assert after[SORTING][2:5] == (utc(3, 28, 10), utc(3, 28, 13), 3)
    assert after[SORTING][5] == "Chapeltown community garden"
    assert location_names(db) == places_before | {"Chapeltown community garden"}

    undo_import(db, result, "tester")

    assert events(db) == before  # titles, times, SEQUENCE, place and last-changed stamp
    assert location_names(db) == places_before  # the location the import made is gone
    undone_versions = versions(db)
    # Undo is a new save, never a rewind: the restored event's version moved on.
    assert undone_versions[SORTING] > versions_before[SORTING]
    assert {uid: v for uid, v in undone_versions.items() if uid != SORTING} == {
        uid: v for uid, v in versions_before.items() if uid != SORTING
    }
    with db.read() as session:
        assert index_problems(session) == []

    again = apply_import(db, preview, cause_id, "tester", LONDON)
    assert len(again.created) == 1 and len(again.updated) == 1
    redone = events(db)
    assert {uid: view[:6] for uid, view in redone.items()} == {
        uid: view[:6] for uid, view in after.items()
    }
    assert location_names(db) == places_before | {"Chapeltown community garden"}

    undo_import(db, again, "tester")  # the fresh result undoes the redo
    assert events(db) == before and location_names(db) == places_before


@pytest.mark.usefixtures("imported_once")
def test_undo_is_refused_when_an_updated_event_was_changed_since(
    db: Database, services: Services, cause_id: int
) -> None:
    _, result = import_newer(db, cause_id)
    event = services.events.get(result.updated[0])
    draft = replace(draft_of(event), title="Sorting shift (bring gloves)")
    services.events.update(event.id, event.version, draft)
    unchanged = checksum(db)

    with pytest.raises(ConflictError):
        undo_import(db, result, "tester")

    assert checksum(db) == unchanged
    assert events(db)[SORTING][0] == "Sorting shift (bring gloves)"
    assert GARDEN in events(db)


@pytest.mark.usefixtures("imported_once")
def test_undo_is_refused_when_a_created_event_was_changed_or_has_bookings(
    db: Database, services: Services, cause_id: int
) -> None:
    _, result = import_newer(db, cause_id)
    garden = services.events.get(result.created[0])
    shift = services.shifts.create(ShiftDraft(garden.id, "Digger", needed=2))
    person = services.volunteers.create(
        VolunteerDraft("Ann Lee", datetime(2026, 1, 1).date(), LONDON)
    )
    services.assignments.create(AssignmentDraft(shift.id, person.id, garden.starts_at))
    unchanged = checksum(db)

    with pytest.raises(DomainError, match="Volunteers were booked on “Garden day”"):
        undo_import(db, result, "tester")
    assert checksum(db) == unchanged


def test_a_location_the_import_made_is_kept_when_something_else_uses_it(
    db: Database, services: Services, cause_id: int
) -> None:
    preview = read_calendar(DATA / "google.ics", db=db, default_timezone=LONDON)
    result = apply_import(db, preview, cause_id, "tester", LONDON)
    fair = services.events.get(result.created[-1])
    assert fair.location_id is not None
    services.events.create(
        EventDraft(
            "Fair clean-up",
            fair.starts_at + timedelta(days=1),
            fair.ends_at + timedelta(days=1),
            LONDON,
            cause_id=CauseId(cause_id),
            location_id=fair.location_id,
        )
    )

    undo_import(db, result, "tester")

    assert [e.title for e in services.events.list()] == ["Fair clean-up"]
    assert location_names(db) == {"Millennium Square, Leeds"}


# The wizard and the undo stack ---------------------------------------------------------------


@pytest.fixture
def context(db: Database) -> Iterator[ViewContext]:
    made = view_context(db)
    yield made
    made.worker.wait()


def finish(qtbot: QtBot, command: BackgroundCommand) -> None:
    qtbot.waitUntil(lambda: not command.running, timeout=10_000)


def test_ctrl_z_after_the_wizard_takes_the_import_back_and_redo_brings_it_again(
    qtbot: QtBot, db: Database, context: ViewContext, tmp_path: Path
) -> None:
    services = context.services
    services.causes.create(CauseDraft("Food bank"))
    preview = read_calendar(DATA / "google.ics", db=db, default_timezone=LONDON)
    apply_import(db, preview, services.causes.list()[0].id, "Tester", LONDON)
    before, places_before = events(db), location_names(db)
    newer = tmp_path / "google.ics"
    newer.write_bytes(newer_google())

    settings = QSettings(str(tmp_path / "organizer.ini"), QSettings.Format.IniFormat)
    wizard = ImportWizard(context, settings=settings)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitUntil(lambda: wizard.preview_page.cause.count() > 0)
    with qtbot.waitSignal(wizard.read):
        wizard.add_files([newer])
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.NextButton), Qt.MouseButton.LeftButton)
    page = wizard.preview_page
    assert "Edit ▸ Undo (Ctrl+Z)" in page.undo_note.text()
    assert page.counts.text() == "1 new, 1 to update, 3 to skip."
    page.choose_cause("Food bank")
    changes: list[DataChange] = []
    context.hub.changed.connect(changes.append)
    with qtbot.waitSignal(wizard.imported, timeout=10_000):
        qtbot.mouseClick(
            wizard.button(QWizard.WizardButton.CommitButton), Qt.MouseButton.LeftButton
        )
    assert wizard.currentId() == RESULT_PAGE
    stack = context.undo_stack
    assert stack.count() == 1 and stack.canUndo()
    assert stack.undoText() == "Import 2 events from google.ics"
    command = wizard.command
    assert command is not None
    after = events(db)
    assert GARDEN in after and after[SORTING][2] == utc(3, 28, 10)
    assert len(changes) == 1 and changes[0].touches("event", "location")

    stack.undo()
    finish(qtbot, command)
    assert events(db) == before and location_names(db) == places_before
    assert len(changes) == 2 and changes[1].touches("event")
    assert wizard.result_page.summary.text().startswith("The import was undone.")
    assert stack.canRedo() and not stack.canUndo()

    stack.redo()
    finish(qtbot, command)
    redone = events(db)
    assert {uid: v[:6] for uid, v in redone.items()} == {uid: v[:6] for uid, v in after.items()}
    assert len(changes) == 3
    assert wizard.result_page.summary.text().startswith("Imported 1 new event, 1 event updated")

    stack.undo()  # the redone import is the one undone now
    finish(qtbot, command)
    assert events(db) == before and location_names(db) == places_before


def test_a_refused_undo_leaves_the_stack_and_the_data_as_they_were(
    qtbot: QtBot, db: Database, context: ViewContext, tmp_path: Path
) -> None:
    services = context.services
    services.causes.create(CauseDraft("Food bank"))
    settings = QSettings(str(tmp_path / "organizer.ini"), QSettings.Format.IniFormat)
    wizard = ImportWizard(context, settings=settings)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitUntil(lambda: wizard.preview_page.cause.count() > 0)
    with qtbot.waitSignal(wizard.read):
        wizard.add_files([DATA / "google.ics"])
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.NextButton), Qt.MouseButton.LeftButton)
    wizard.preview_page.choose_cause("Food bank")
    with qtbot.waitSignal(wizard.imported, timeout=10_000):
        qtbot.mouseClick(
            wizard.button(QWizard.WizardButton.CommitButton), Qt.MouseButton.LeftButton
        )
    event = next(e for e in services.events.list() if e.title == "Volunteer fair")
    renamed = EventDraft(
        "Volunteer fair (moved indoors)",
        event.starts_at,
        event.ends_at,
        event.timezone,
        cause_id=event.cause_id,
        all_day=event.all_day,
    )
    services.events.update(event.id, event.version, renamed)
    unchanged = checksum(db)

    context.undo_stack.undo()
    command = wizard.command
    assert command is not None
    finish(qtbot, command)

    assert checksum(db) == unchanged
    assert context.undo_stack.canUndo() and not context.undo_stack.canRedo()
    problem = wizard.result_page.problem
    assert problem.text().startswith("Could not undo Import 4 events from google.ics: ")
    assert problem.text().endswith("so nothing was changed.")
