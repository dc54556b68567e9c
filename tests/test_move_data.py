"""``organizer move-data``: a file's data moves to a real PostgreSQL server, all or nothing."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from organizer.cli import main
from organizer.demo import generate_demo
from organizer.errors import (
    DatabaseMissingError,
    DatabaseMovedError,
    DatabaseReadOnlyError,
    StorageError,
)
from organizer.models import Cause, ChangeLogEntry, Volunteer
from organizer.services import CauseDraft, Services, VolunteerDraft
from organizer.storage import Database, create_database, open_database
from organizer.storage.moving import MOVED_AT, MOVED_TO, move_data, moved_tables, table_checksum
from tests.pg_fixtures import pg_server, pg_url, run_sql, tables_in
from tests.pg_server import PASSWORD, PgServer, free_port

__all__ = ["pg_server", "pg_url"]


def checksums(db: Database) -> dict[str, tuple[int, str]]:
    """Row count and checksum of every moved table."""
    with db.read() as session:
        conn = session.connection()
        return {
            t.name: (
                int(conn.execute(select(func.count()).select_from(t)).scalar() or 0),
                table_checksum(conn, t),
            )
            for t in moved_tables()
        }


def demo_file(db: Database, db_path: Path) -> None:
    """The small demo set, a few logged edits, and a buddy pointing at a LATER volunteer."""
    generate_demo(db, scale="small", seed=1, start=date(2026, 3, 2))
    sam = Services.for_database(db, "Sam")
    sam.causes.create(CauseDraft(name="Allotment"))
    sam.volunteers.create(VolunteerDraft(name="Zed Newcomer", joined_on=date(2026, 3, 1)))
    db.close()
    with sqlite3.connect(db_path) as conn:
        conn.execute(
            "UPDATE volunteers SET buddy_id = (SELECT max(id) FROM volunteers) "
            "WHERE id = (SELECT min(id) FROM volunteers)"
        )


def test_move_data_copies_everything_and_the_file_then_points_at_the_server(
    db: Database, db_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    demo_file(db, db_path)
    before = open_database(db_path)
    expected = checksums(before)
    before.close()
    exports = db_path.parent
    assert main(["export-json", "-o", str(exports / "before.json"), "--db", str(db_path)]) == 0

    assert main(["move-data", "--to", pg_url, "--db", str(db_path)]) == 0
    out = capsys.readouterr().out
    assert "counts and checksums match" in out and PASSWORD not in out
    # The server passes the full check, and exports exactly what the file exported.
    assert main(["check", "--db", pg_url]) == 0
    assert main(["export-json", "-o", str(exports / "after.json"), "--db", pg_url]) == 0
    before_json, after_json = (
        json.loads((exports / name).read_text(encoding="utf-8"))
        for name in ("before.json", "after.json")
    )
    assert after_json["tables"] == before_json["tables"]
    assert after_json["schema_revision"] == before_json["schema_revision"]

    server = open_database(pg_url)
    try:
        moved = checksums(server)
        assert {k: v for k, v in moved.items() if k != "file_info"} == {
            k: v for k, v in expected.items() if k != "file_info"
        }
        assert moved["volunteers"][0] == expected["volunteers"][0] > 40
        with server.read() as session:
            first = session.scalar(select(Volunteer).order_by(Volunteer.id).limit(1))
            highest = {
                "cause": session.scalar(select(func.max(Cause.id))),
                "volunteer": session.scalar(select(func.max(Volunteer.id))),
                "seq": session.scalar(select(func.max(ChangeLogEntry.seq))),
            }
            assert first is not None and first.buddy_id == highest["volunteer"]
        info = server.file_info()
        assert info["moved_from"] == str(db_path)
        # The sequences were moved past the copied ids: new rows get fresh ones.
        sam = Services.for_database(server, "Sam")
        cause = sam.causes.create(CauseDraft(name="Winter coats"))
        assert highest["cause"] is not None and cause.id == highest["cause"] + 1
        person = sam.volunteers.create(VolunteerDraft(name="New", joined_on=date(2026, 4, 1)))
        assert highest["volunteer"] is not None and person.id == highest["volunteer"] + 1
        assert sam.changes.latest_seq() > (highest["seq"] or 0)
    finally:
        server.close()

    with pytest.raises(DatabaseMovedError, match="open that instead") as error:
        open_database(db_path)
    assert "was moved to postgresql+psycopg://postgres@127.0.0.1:" in str(error.value)
    assert PASSWORD not in str(error.value)
    assert main(["info", "--db", str(db_path)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "was moved to" in err

    looking = open_database(db_path, read_only=True)  # still readable, just to look
    try:
        marker = looking.file_info()
        assert marker[MOVED_TO] == pg_url.replace(f":{PASSWORD}", "")
        datetime.fromisoformat(marker[MOVED_AT])
        after = checksums(looking)
        assert {k: v for k, v in after.items() if k != "file_info"} == {
            k: v for k, v in expected.items() if k != "file_info"
        }
    finally:
        looking.close()


def test_a_second_move_into_a_used_database_is_refused(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = tmp_path / "north.organizer", tmp_path / "south.organizer"
    for path, name in ((first, "North food bank"), (second, "South food bank")):
        db = create_database(path)
        Services.for_database(db, "Sam").causes.create(CauseDraft(name=name))
        db.close()
    assert main(["move-data", "--to", pg_url, "--db", str(first)]) == 0
    on_server = tables_in(pg_url)
    capsys.readouterr()

    assert main(["move-data", "--to", pg_url, "--db", str(second)]) == 1
    assert "is not empty" in capsys.readouterr().err
    assert tables_in(pg_url) == on_server
    still_here = open_database(second)  # not marked: it can still be used
    still_here.close()

    assert main(["move-data", "--to", pg_url, "--db", str(first)]) == 1
    assert "was moved to" in capsys.readouterr().err


def test_a_row_the_server_refuses_leaves_both_sides_as_they_were(
    db: Database, db_path: Path, pg_url: str
) -> None:
    sam = Services.for_database(db, "Sam")
    sam.causes.create(CauseDraft(name="Garden"))
    sam.volunteers.create(VolunteerDraft(name="Ana", joined_on=date(2026, 1, 5)))
    with db.write() as session:  # SQLite ignores VARCHAR(120); PostgreSQL does not
        session.execute(text("UPDATE volunteers SET created_by = :long"), {"long": "x" * 200})
    expected = checksums(db)
    steps: list[tuple[str, float]] = []
    with pytest.raises(StorageError, match="“volunteers” could not be copied") as error:
        move_data(db, pg_url, progress=lambda stage, done: steps.append((stage, done)))
    assert "Nothing was moved" in str(error.value)
    assert steps and steps[-1][1] < 1
    assert tables_in(pg_url) == {}  # even the schema was rolled back
    assert checksums(db) == expected
    assert MOVED_TO not in db.file_info()


def test_progress_rises_to_done_and_an_unreachable_server_changes_nothing(
    db: Database, pg_url: str
) -> None:
    Services.for_database(db, "Sam").causes.create(CauseDraft(name="Garden"))
    port = free_port()
    with pytest.raises(DatabaseMissingError, match=f"127.0.0.1:{port} cannot be reached"):
        move_data(db, f"postgresql+psycopg://sam:pw@127.0.0.1:{port}/office")
    assert MOVED_TO not in db.file_info()

    steps: list[float] = []
    summary = move_data(db, pg_url, progress=lambda _stage, done: steps.append(done))
    assert steps == sorted(steps) and steps[-1] == 1.0
    assert summary.counts["causes"] == 1
    assert db.file_info()[MOVED_TO] == summary.target


def test_a_server_user_without_rights_is_told_so_and_nothing_changes(
    db: Database, pg_server: PgServer, pg_url: str
) -> None:
    run_sql(
        pg_url,
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'visitor') THEN "
        "CREATE ROLE visitor LOGIN PASSWORD 'visitor-pw'; END IF; END $$",
    )
    name = pg_url.rsplit("/", 1)[1]
    url = f"postgresql+psycopg://visitor:visitor-pw@127.0.0.1:{pg_server.port}/{name}"
    Services.for_database(db, "Sam").causes.create(CauseDraft(name="Garden"))
    with pytest.raises(DatabaseReadOnlyError, match="does not let user “visitor”"):
        create_database(url)
    with pytest.raises(DatabaseReadOnlyError, match="Ask whoever runs the server"):
        move_data(db, url)
    assert tables_in(pg_url) == {}
    assert MOVED_TO not in db.file_info()
