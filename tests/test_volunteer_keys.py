"""Volunteers' name and email keys, which the directory sorts and searches by.

The database keeps them itself, so they follow every way a name or email is written: the
services, bulk statements (anonymising), plain SQL, imports and upgrades of older files.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select, text

from organizer.jsonio import export_json, import_json
from organizer.models import Volunteer
from organizer.people.privacy import PrivacyService, former_name
from organizer.services import Services, VolunteerDraft
from organizer.services.directory import DirectoryQuery, DirectoryService
from organizer.storage import Database, create_database, open_database, schema_problems
from tests.schema_helpers import schema_1_file

LATER = datetime(2029, 1, 1, tzinfo=UTC)


def keys(db: Database) -> dict[str, tuple[str, str | None]]:
    """Each volunteer's name and email keys, by name."""
    with db.read() as session:
        rows = session.execute(select(Volunteer.name, Volunteer.name_key, Volunteer.email_key))
        return {name: (name_key, email_key) for name, name_key, email_key in rows}


def test_keys_follow_the_services_plain_sql_and_anonymising(db: Database) -> None:
    services = Services.for_database(db, "Sam")
    zoe = services.volunteers.create(
        VolunteerDraft(name="Zoë Ängström", joined_on=date(2026, 1, 5), email="ZOË@Example.org")
    )
    assert keys(db)["Zoë Ängström"] == ("zoe angstrom", "zoe@example.org")

    renamed = services.volunteers.update(
        zoe.id, zoe.version, VolunteerDraft(name="Zoë Straße", joined_on=date(2026, 1, 5))
    )
    assert keys(db)["Zoë Straße"] == ("zoe strasse", None)

    with db.write() as session:
        session.execute(
            text(
                "INSERT INTO volunteers (name, email, pronouns, joined_on, timezone, notes, "
                "emergency_contact_name, emergency_contact_phone, active, health_notes, "
                "review_reason, created_at, created_by, updated_at, updated_by, version) "
                "VALUES ('Ébène Ølsen', 'EBENE@x.org', '', '2026-01-01', 'UTC', '', '', '', 1, "
                "'', '', '2026-01-01 09:00:00', 't', '2026-01-01 09:00:00', 't', 1)"
            )
        )
        # A write that leaves the name and email alone leaves their keys alone.
        session.execute(text("UPDATE volunteers SET notes = 'hi', name_key = 'kept'"))
    assert keys(db)["Ébène Ølsen"] == ("kept", "ebene@x.org")
    with db.write() as session:
        session.execute(text("UPDATE volunteers SET name = name || ''"))
    assert keys(db)["Ébène Ølsen"] == ("ebene ølsen", "ebene@x.org")
    found = DirectoryService(db, "Sam").first_page(DirectoryQuery(text="EBÈNE"))[1]
    assert [row.name for row in found] == ["Ébène Ølsen"]

    PrivacyService(db, "Sam", clock=lambda: LATER).anonymise_inactive(12, vacuum=False)
    gone = former_name(renamed.id)
    assert keys(db)[gone] == (gone.casefold(), None)


def test_the_directory_sorts_and_searches_by_the_keys(db: Database) -> None:
    services = Services.for_database(db, "Sam")
    for name, email in (
        ("Zoë Ängström", "z@x.org"),
        ("zed Adams", "ADAMS@x.org"),
        ("Émile Ba", "emile@x.org"),
        ("Ana Ñúñez", None),
    ):
        services.volunteers.create(
            VolunteerDraft(name=name, joined_on=date(2026, 1, 5), email=email)
        )
    directory = DirectoryService(db, "Sam")
    ids, rows = directory.first_page(DirectoryQuery())
    assert [row.name for row in rows] == ["Ana Ñúñez", "Émile Ba", "zed Adams", "Zoë Ängström"]
    assert len(ids) == 4
    assert [r.name for r in directory.first_page(DirectoryQuery(text="ZOE"))[1]] == ["Zoë Ängström"]
    assert [r.name for r in directory.first_page(DirectoryQuery(text="adams@"))[1]] == ["zed Adams"]
    assert [r.name for r in directory.first_page(DirectoryQuery(text="nun"))[1]] == ["Ana Ñúñez"]


def test_an_import_works_the_keys_out_again(db: Database, tmp_path: Path) -> None:
    Services.for_database(db, "Sam").volunteers.create(
        VolunteerDraft(name="Zoë Ängström", joined_on=date(2026, 1, 5), email="Z@X.org")
    )
    exported = tmp_path / "all.json"
    export_json(db, exported)
    assert "name_key" not in exported.read_text(encoding="utf-8")
    copy = create_database(tmp_path / "copy.organizer")
    try:
        import_json(copy, exported)
        assert keys(copy) == {"Zoë Ängström": ("zoe angstrom", "z@x.org")}
    finally:
        copy.close()


def test_upgrading_an_older_file_works_out_everyones_keys(tmp_path: Path) -> None:
    target = tmp_path / "from-release-1.organizer"
    raw = schema_1_file(target)
    raw.execute("UPDATE volunteers SET name = 'Zoë Ängström', email = 'ZOË@Example.org'")
    raw.commit()
    raw.close()
    db = open_database(target)
    try:
        assert keys(db) == {"Zoë Ängström": ("zoe angstrom", "zoe@example.org")}
        assert schema_problems(db) == []
    finally:
        db.close()
