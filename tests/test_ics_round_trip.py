"""Export → import: a schedule read back into a new file gives the same events at the same times."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from organizer.demo import generate_demo
from organizer.ics.export import schedule
from organizer.ics.importer import ImportAction, apply_import, read_calendar
from organizer.models import Cause, Event, EventStatus
from organizer.services import CauseDraft, Services
from organizer.storage import Database, create_database

DEMO_MONDAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


@pytest.fixture
def source(db: Database) -> Database:
    generate_demo(db, scale="small", seed=3, start=DEMO_MONDAY)
    return db


def _occurrences(db: Database, start: datetime, end: datetime) -> dict[tuple[str, datetime], tuple]:
    """Every occurrence keyed by its event's UID and RECURRENCE-ID, with what a calendar shows."""
    services = Services.for_database(db, "test")
    with db.read() as session:
        uids = dict(session.query(Event.id, Event.uid).all())
        drafts = {
            event_id
            for (event_id,) in session.query(Event.id).filter(Event.status == EventStatus.DRAFT)
        }
    return {
        (uids[info.event_id], info.recurrence_id): (
            info.starts_at,
            info.ends_at,
            info.title,
            info.all_day,
            info.status is EventStatus.CANCELLED,
        )
        for info in services.events.occurrences_between(start, end)
        if info.event_id not in drafts
    }


def test_exported_schedule_imports_back_with_every_occurrence_at_the_same_instant(
    source: Database, tmp_path: Path
) -> None:
    with source.read() as session:
        data = schedule(session, None, now=NOW, name="Everything")
    target = create_database(tmp_path / "copy.organizer")
    try:
        cause = Services.for_database(target, "test").causes.create(CauseDraft(name="Imported"))
        preview = read_calendar(data, "everything.ics", db=target, default_timezone="UTC")
        assert preview.count(ImportAction.NEW) > 10
        result = apply_import(target, preview, cause.id, "test")
        assert len(result.created) == preview.count(ImportAction.NEW)

        start, end = NOW - timedelta(weeks=8), NOW + timedelta(weeks=26)
        expected = _occurrences(source, start, end)
        got = _occurrences(target, start, end)
        assert expected, "the sample data has occurrences in the window"
        assert got == expected

        again = read_calendar(data, "everything.ics", db=target, default_timezone="UTC")
        assert again.count(ImportAction.NEW) == 0, "the same UIDs are recognised"
        apply_import(target, again, cause.id, "test")
        with target.read() as session:
            assert session.query(Event).count() == len(result.created), "nothing is duplicated"
            assert {c.name for c in session.query(Cause)} == {"Imported"}
    finally:
        target.close()
