"""Organizer on a real PostgreSQL server: same schema and services, the server's own errors."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import create_engine, text

from organizer.cli import main
from organizer.errors import (
    ConflictError,
    DatabaseExistsError,
    DatabaseLockedError,
    DatabaseLoginError,
    DatabaseMissingError,
    DatabaseTooNewError,
    NotOrganizerFileError,
    StorageError,
)
from organizer.services import CauseDraft, EventDraft, Services, VolunteerDraft
from organizer.storage import (
    SCHEMA_HEAD,
    create_database,
    migration_config,
    open_database,
    schema_problems,
)
from organizer.storage.postgres import public_url, server_url
from tests.pg_fixtures import pg_server, pg_url, run_sql, tables_in
from tests.pg_server import PASSWORD, PgServer, free_port

__all__ = ["pg_server", "pg_url"]


def test_a_new_server_database_has_the_same_schema_and_a_stamp(
    pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    db = create_database(pg_url)
    try:
        assert db.schema_revision() == SCHEMA_HEAD
        assert schema_problems(db) == []  # the migrations build exactly the models
        info = db.file_info()
        assert info["schema_revision"] == SCHEMA_HEAD
        file_id = info["file_id"]
    finally:
        db.close()
    again = open_database(pg_url)
    try:
        assert again.file_info()["file_id"] == file_id
        assert PASSWORD not in again.display_name
    finally:
        again.close()
    assert main(["info", "--db", pg_url]) == 0
    shown = capsys.readouterr().out
    assert file_id in shown and PASSWORD not in shown


def test_an_older_server_schema_is_migrated_to_the_head_on_open(pg_url: str) -> None:
    from alembic import command

    engine = create_engine(server_url(pg_url))
    with engine.begin() as conn:
        command.upgrade(migration_config(conn), "0001")
        conn.execute(text("INSERT INTO file_info (key, value) VALUES ('file_id', 'old-one')"))
        conn.execute(
            text(
                "INSERT INTO causes (name, description, colour, active, created_at, "
                "created_by, updated_at, updated_by, version) VALUES ('Garden', '', "
                "'#2e7d32', true, now(), 'Sam', now(), 'Sam', 1)"
            )
        )
    engine.dispose()
    db = open_database(pg_url)
    try:
        assert db.schema_revision() == SCHEMA_HEAD
        assert schema_problems(db) == []
        assert db.file_info()["file_id"] == "old-one"
        assert [c.name for c in Services.for_database(db, "Sam").causes.list()] == ["Garden"]
    finally:
        db.close()


def test_services_edit_conflict_and_log_in_order_on_the_server(pg_url: str) -> None:
    db = create_database(pg_url)
    try:
        sam, priya = Services.for_database(db, "Sam"), Services.for_database(db, "Priya")
        cause = sam.causes.create(CauseDraft(name="Food bank"))
        volunteer = sam.volunteers.create(
            VolunteerDraft(name="Ana Lima", joined_on=date(2026, 1, 5), email="ana@example.org")
        )
        starts = datetime(2026, 3, 7, 9, 30, tzinfo=UTC)
        event = sam.events.create(
            EventDraft(
                title="Saturday sort",
                starts_at=starts,
                ends_at=starts.replace(hour=12),
                timezone="Europe/London",
                cause_id=cause.id,
            )
        )
        assert sam.events.get(event.id).starts_at == starts  # timestamptz round trip
        theirs = priya.causes.update(
            cause.id, cause.version, CauseDraft(name="Food bank", description="Saturdays")
        )
        with pytest.raises(ConflictError) as error:
            sam.causes.update(cause.id, cause.version, CauseDraft(name="Food bank (north)"))
        assert error.value.changed_by == "Priya"
        assert error.value.changed_at == theirs.updated_at
        assert sam.causes.get(cause.id).description == "Saturdays"  # nothing overwritten
        sam.volunteers.delete(volunteer.id, sam.volunteers.get(volunteer.id).version)
        log = sam.changes.since(0)
        assert [e.seq for e in log] == sorted(e.seq for e in log)
        assert [(e.entity, e.action, e.actor) for e in log if e.entity != "occurrence"][-2:] == [
            ("cause", "update", "Priya"),
            ("volunteer", "delete", "Sam"),
        ]
    finally:
        db.close()


def test_the_server_keeps_volunteers_keys_lower_cased(pg_url: str) -> None:
    """On a server the keys are lower-cased (accents stay, as its searches always kept
    them), by the server itself whatever writes the name."""
    from organizer.services.directory import DirectoryQuery, DirectoryService

    db = create_database(pg_url)
    try:
        sam = Services.for_database(db, "Sam")
        zoe = sam.volunteers.create(
            VolunteerDraft(name="Zoë Lima", joined_on=date(2026, 1, 5), email="ZOE@Example.org")
        )
        sam.volunteers.create(VolunteerDraft(name="adam Ng", joined_on=date(2026, 1, 5)))
        with db.write() as session:
            session.execute(
                text("UPDATE volunteers SET name = 'Zoë LIMA' WHERE id = :id"), {"id": zoe.id}
            )
            found = session.execute(
                text("SELECT name_key, email_key FROM volunteers WHERE id = :id"), {"id": zoe.id}
            ).one()
        assert tuple(found) == ("zoë lima", "zoe@example.org")
        directory = DirectoryService(db, "Sam")
        assert [row.name for row in directory.first_page(DirectoryQuery())[1]] == [
            "adam Ng",
            "Zoë LIMA",
        ]
        assert [row.name for row in directory.first_page(DirectoryQuery(text="ZOË"))[1]] == [
            "Zoë LIMA"
        ]
    finally:
        db.close()


def test_a_read_sees_one_snapshot_and_writers_queue(pg_url: str) -> None:
    db = create_database(pg_url)
    impatient = open_database(pg_url, busy_timeout_ms=200)
    try:
        sam = Services.for_database(db, "Sam")
        cause = sam.causes.create(CauseDraft(name="Garden"))
        with db.read() as session:
            level = session.execute(text("SHOW transaction_isolation")).scalar()
            assert level == "repeatable read"
            before = session.execute(text("SELECT description FROM causes")).scalar()
            sam.causes.update(cause.id, cause.version, CauseDraft(name="Garden", description="x"))
            during = session.execute(text("SELECT description FROM causes")).scalar()
            assert before == during == ""  # the read keeps its snapshot
        with db.write() as session:
            session.execute(text("SELECT 1"))  # this writer holds the write turn
            with pytest.raises(DatabaseLockedError, match="busy"), impatient.write() as other:
                other.execute(text("UPDATE causes SET description = 'lost'"))
        assert Services.for_database(impatient, "Priya").causes.get(cause.id).description == "x"
    finally:
        impatient.close()
        db.close()


def test_unreachable_server_names_host_and_port(capsys: pytest.CaptureFixture[str]) -> None:
    port = free_port()
    url = f"postgresql+psycopg://sam:pw@127.0.0.1:{port}/office"
    with pytest.raises(DatabaseMissingError, match=f"127.0.0.1:{port} cannot be reached"):
        open_database(url)
    assert main(["info", "--db", url]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("organizer: The PostgreSQL server at 127.0.0.1:") and "\n" not in err
    assert "pw" not in err.split("(")[0]


def test_wrong_password_and_missing_database(pg_server: PgServer, pg_url: str) -> None:
    create_database(pg_url).close()
    name = pg_url.rsplit("/", 1)[1]
    with pytest.raises(DatabaseLoginError, match="refused the login") as error:
        open_database(pg_server.url(name, password="not-the-password"))
    assert "not-the-password" not in str(error.value)
    with pytest.raises(DatabaseMissingError, match="has no database “nowhere”"):
        open_database(pg_server.url("nowhere"))
    with pytest.raises(StorageError, match="PostgreSQL servers only"):
        open_database("mysql://sam@127.0.0.1/office")


def test_a_database_with_foreign_tables_is_refused_and_left_alone(pg_url: str) -> None:
    run_sql(
        pg_url,
        "CREATE TABLE invoices (id int PRIMARY KEY, total numeric)",
        "INSERT INTO invoices VALUES (1, 9.50)",
    )
    with pytest.raises(NotOrganizerFileError, match="not an Organizer database"):
        open_database(pg_url)
    with pytest.raises(DatabaseExistsError, match="already holds tables"):
        create_database(pg_url)
    assert tables_in(pg_url) == {"invoices": 1}


def test_another_alembic_app_is_not_mistaken_for_a_newer_organizer(pg_url: str) -> None:
    run_sql(
        pg_url,
        "CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)",
        "INSERT INTO alembic_version VALUES ('ae1027a6acf')",
    )
    with pytest.raises(NotOrganizerFileError):
        open_database(pg_url)
    assert tables_in(pg_url) == {"alembic_version": 1}


def test_a_newer_schema_is_refused_and_unchanged(pg_url: str) -> None:
    create_database(pg_url).close()
    run_sql(
        pg_url,
        "UPDATE alembic_version SET version_num = '0099'",
        "UPDATE file_info SET value = 'Organizer 9.0' WHERE key = 'last_written_by_version'",
    )
    before = tables_in(pg_url)
    with pytest.raises(DatabaseTooNewError, match=r"newer version of Organizer \(Organizer 9.0\)"):
        open_database(pg_url)
    assert tables_in(pg_url) == before


def test_an_empty_database_is_not_silently_set_up_on_open(pg_url: str) -> None:
    with pytest.raises(DatabaseMissingError, match="holds no Organizer data yet"):
        open_database(pg_url)
    assert tables_in(pg_url) == {}


def test_urls_are_shown_without_passwords() -> None:
    url = "postgresql://sam:s3cret@db.example.org:5433/office"
    assert public_url(url) == "postgresql://sam@db.example.org:5433/office"
    assert server_url(url).drivername == "postgresql+psycopg"
