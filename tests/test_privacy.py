"""The retention rule, data requests, and personal data really leaving the database file."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from organizer.cli import main
from organizer.errors import ConflictError
from organizer.models import ChangeLogEntry, Volunteer, utc_now
from organizer.people.privacy import PrivacyService
from organizer.services import Blackout, Consent, Services, WeeklyWindow
from organizer.storage import Database
from tests.people_helpers import assign, person, table_counts, weekly_shift

ACTOR = "coordinator@office"
NOW = utc_now().replace(minute=0, second=0, microsecond=0)
LATER = NOW + timedelta(days=3 * 365)  # the clock the retention rule runs at
PERSONAL = (
    "Philippa Quenby-Rathbone",
    "philippa.qr@example.org",
    "07700 900777",
    "Horatio Quenby",
    "07700 900888",
    "Carries an asthma inhaler",
    "Prefers the allotment",
    "Told us on the phone in March",
)


@pytest.fixture
def services(db: Database) -> Services:
    return Services.for_database(db, ACTOR)


def philippa(services: Services) -> Volunteer:
    """A volunteer with every kind of personal data, and two attended shifts long ago."""
    found = person(
        services,
        PERSONAL[0],
        email=PERSONAL[1],
        phone=PERSONAL[2],
        emergency_contact_name=PERSONAL[3],
        emergency_contact_phone=PERSONAL[4],
        notes=PERSONAL[6],
        pronouns="she/her",
    )
    v = services.volunteers
    v.set_availability(
        found.id, found.version, [WeeklyWindow(1, datetime.min.time(), datetime.max.time())]
    )
    v.set_blackouts(
        found.id,
        v.get(found.id).version,
        [Blackout(date(2024, 8, 1), date(2024, 8, 2), "Hospital")],
    )
    v.set_consents(
        found.id,
        v.get(found.id).version,
        [Consent("Photos at events", date(2024, 1, 1), note=PERSONAL[7])],
    )
    with services.volunteers.db.write() as session:
        row = session.get(Volunteer, found.id)
        assert row is not None
        row.health_notes = PERSONAL[5]
    return services.volunteers.get(found.id)


def raw_bytes(db: Database) -> bytes:
    assert db.path is not None
    return db.path.read_bytes()


def leftovers(db: Database) -> list[str]:
    data = raw_bytes(db)
    return [text for text in PERSONAL if text.encode("utf-8") in data]


def test_the_retention_rule_previews_then_removes_personal_data_from_the_file(
    db: Database, services: Services
) -> None:
    garden = weekly_shift(services, "Allotment morning", "Community garden")
    gone = philippa(services)
    assign(services, garden, gone.id, 0, hours=2.5)
    assign(services, garden, gone.id, 1, hours=3.0)
    quiet = person(services, "Quiet Quentin")
    busy = person(services, "Busy Bea")
    future = weekly_shift(
        services, "Allotment later", "Community garden", starts_at=LATER - timedelta(days=30)
    )
    assign(services, future, busy.id, 0, attended=False)
    assert leftovers(db) == list(PERSONAL)  # it is all there before
    totals = table_counts(db)
    privacy = PrivacyService(db, ACTOR, clock=lambda: LATER)

    preview = privacy.retention_preview(12)

    assert [(c.name, c.assignments, c.hours) for c in preview] == [
        (PERSONAL[0], 2, 5.5),
        ("Quiet Quentin", 0, 0.0),
    ]
    assert table_counts(db) == totals  # a preview changes nothing
    # Without compacting the file: secure_delete alone must leave nothing behind.
    result = privacy.anonymise_inactive(12, vacuum=False)

    assert set(result.volunteer_ids) == {gone.id, quiet.id}
    assert not result.vacuumed
    assert leftovers(db) == []
    after = table_counts(db)
    assert (after["assignments"], after["hours"], after["volunteers"]) == (
        totals["assignments"],
        totals["hours"],
        totals["volunteers"],
    )
    with db.read() as session:
        row = session.get(Volunteer, gone.id)
        log = session.scalars(select(ChangeLogEntry.summary).order_by(ChangeLogEntry.seq)).all()
    assert row is not None
    assert (row.name, row.email, row.phone, row.health_notes, row.active) == (
        f"Former volunteer #{gone.id}",
        None,
        None,
        "",
        False,
    )
    assert row.anonymised_at is not None
    assert f"Created volunteer “Former volunteer #{gone.id}”" in log
    assert log[-1].startswith("Anonymised 2 volunteers inactive for 12 months or more")
    assert privacy.retention_preview(12) == []  # done once
    assert services.volunteers.get(busy.id).name == "Busy Bea"


def test_erasing_someone_with_shifts_keeps_their_hours_anonymously(
    db: Database, services: Services
) -> None:
    garden = weekly_shift(services, "Allotment morning", "Community garden")
    gone = philippa(services)
    assign(services, garden, gone.id, 0, hours=2.5)
    totals = table_counts(db)

    result = PrivacyService(db, ACTOR).erase(gone.id, gone.version)

    assert (result.deleted, result.assignments_kept, result.vacuumed) == (False, 1, True)
    assert leftovers(db) == []
    after = table_counts(db)
    assert (after["assignments"], after["hours"]) == (totals["assignments"], totals["hours"])
    with db.read() as session:
        entry = session.scalars(
            select(ChangeLogEntry).where(ChangeLogEntry.action == "erase")
        ).one()
    assert entry.actor == ACTOR
    assert entry.summary == (
        f"Erased the personal data of volunteer #{gone.id} at their request (kept as "
        f"“Former volunteer #{gone.id}” for report totals: 1 shift)"
    )


def test_erasing_someone_without_shifts_deletes_them(db: Database, services: Services) -> None:
    gone = philippa(services)
    stays = person(services, "Stays Here")

    with pytest.raises(ConflictError):
        PrivacyService(db, ACTOR).erase(gone.id, gone.version - 1)
    result = PrivacyService(db, ACTOR).erase(gone.id, gone.version)

    assert result.deleted
    assert leftovers(db) == []
    with db.read() as session:
        names = session.scalars(select(Volunteer.name)).all()
        log = session.scalars(select(ChangeLogEntry.summary)).all()
    assert names == ["Stays Here"]
    assert f"Deleted volunteer #{gone.id} and all their personal data at their request" in log
    assert services.volunteers.get(stays.id).name == "Stays Here"


def test_a_volunteers_data_export_holds_everything_about_them(
    db: Database, services: Services, tmp_path: Path
) -> None:
    garden = weekly_shift(services, "Allotment morning", "Community garden")
    someone = philippa(services)
    assign(services, garden, someone.id, 0, hours=2.5)

    path = PrivacyService(db, ACTOR).export_personal_data(someone.id, tmp_path / "data.json")

    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format"] == "organizer-personal-data"
    assert data["volunteer"]["health_notes"] == PERSONAL[5]
    assert data["volunteer"]["emergency_contact_name"] == PERSONAL[3]
    assert [(a["event"], a["cause"], a["hours"], a["attendance"]) for a in data["assignments"]] == [
        ("Allotment morning", "Community garden", 2.5, "attended")
    ]
    assert [(c["covers"], c["note"]) for c in data["consents"]] == [
        ("Photos at events", PERSONAL[7])
    ]
    assert data["availability"][0]["day"] == "Tuesday"
    assert data["blackouts"][0]["reason"] == "Hospital"
    assert data["change_log"][0]["summary"] == f"Created volunteer “{PERSONAL[0]}”"
    with db.read() as session:
        logged = session.scalars(
            select(ChangeLogEntry).where(ChangeLogEntry.action == "export")
        ).one()
    assert (logged.actor, logged.entity_id) == (ACTOR, someone.id)
    assert PERSONAL[0] not in logged.summary


def test_privacy_commands(
    db: Database, services: Services, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert db.path is not None
    target = ["--db", str(db.path)]
    someone = philippa(services)

    assert main(["anonymise", "--inactive-months", "12", *target]) == 0
    assert "0 volunteers inactive for 12 months would be anonymised" in capsys.readouterr().out

    assert main(["volunteer-data", str(someone.id), "-o", str(tmp_path / "p.json"), *target]) == 0
    assert json.loads((tmp_path / "p.json").read_text())["volunteer"]["name"] == PERSONAL[0]

    assert main(["erase-volunteer", str(someone.id), *target]) == 1
    assert "cannot be undone; add --yes to confirm" in capsys.readouterr().err
    assert main(["erase-volunteer", str(someone.id), "--yes", *target]) == 0
    assert "Deleted volunteer" in capsys.readouterr().out
    assert leftovers(db) == []
    assert main(["erase-volunteer", "999", "--yes", *target]) == 1
    assert capsys.readouterr().err == "organizer: There is no volunteer #999.\n"
