"""Organizer JSON export and import: round trips, exact encodings and every refusal."""

from __future__ import annotations

import copy
import io
import json
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, LargeBinary, MetaData, Table, func, select
from sqlalchemy.dialects import postgresql

from organizer import jsonio
from organizer.errors import DomainError, ImportFormatError, StorageError
from organizer.jsonio import FORMAT_NAME, FORMAT_VERSION, export_json, import_json
from organizer.models import (
    DERIVED_TABLES,
    Assignment,
    AssignmentStatus,
    Attendance,
    AvailabilityWindow,
    Base,
    BlackoutPeriod,
    Cause,
    ChangeLogEntry,
    ConsentRecord,
    CoverRequest,
    Event,
    EventException,
    EventStatus,
    Location,
    OccurrenceOverride,
    PublishedItem,
    Qualification,
    Shift,
    StaffingRule,
    Volunteer,
    VolunteerQualification,
)
from organizer.services.occurrences import rebuild_all
from organizer.storage import Database, create_database, head_revision

MADRID = ZoneInfo("Europe/Madrid")
SERIES_START = datetime(2024, 3, 4, 18, 0, tzinfo=MADRID)  # 17:00 UTC
DATA_TABLES = [
    t.name
    for t in Base.metadata.sorted_tables
    if t.name != "file_info" and t.name not in DERIVED_TABLES
]


def _fill(db: Database) -> None:
    """A small but complete organisation: every table gets rows, every column type a value."""
    week = timedelta(weeks=1)
    with db.write() as session:
        # Inserted out of id order, to show that exports are ordered by primary key.
        session.add(Cause(id=9, name="Peer-support circle", active=False))
        session.add(
            Cause(
                id=3,
                name="Food bank 🍞",
                colour="#E45756",
                description='Línea 1\nLínea 2 — «quoted» "and" \\ back\tslash',
            )
        )
        session.add(Location(id=5, name="St Mary’s Hall", address="1 Church Lane\r\nLeeds"))
        session.add(Qualification(id=2, name="First aid", validity_months=36))
        session.flush()
        ana = Volunteer(
            id=42,
            name="Ana Sánchez 🌻",
            email="ana@example.org",
            joined_on=date(2023, 3, 14),
            timezone="Europe/Madrid",
            notes="Prefers mornings\nNo shellfish 🦐",
            max_hours_per_week=7.5,
        )
        ana.availability.append(AvailabilityWindow(weekday=0, starts=time(9), ends=time(12, 30)))
        ana.qualifications.append(
            VolunteerQualification(
                qualification_id=2, obtained_on=date(2023, 1, 10), expires_on=date(2026, 1, 10)
            )
        )
        ana.consents.append(
            ConsentRecord(covers="Photos", given_on=date(2023, 3, 14), note="Verbal, at intake")
        )
        ana.blackouts.append(
            BlackoutPeriod(starts_on=date(2024, 8, 1), ends_on=date(2024, 8, 15), reason="Away")
        )
        bo = Volunteer(
            id=7,
            name="Bo 李",
            joined_on=date(2024, 1, 2),
            timezone="Asia/Shanghai",
            health_notes="Asthma; inhaler in bag",
            review_reason="No contact details",
            welcomed_on=date(2024, 1, 5),
            buddy_id=42,  # points at a later row: import order must not trip over it
        )
        session.add_all([ana, bo])
        series = Event(
            id=1,
            uid="weekly-circle@organizer",
            title="Weekly circle",
            cause_id=3,
            location_id=5,
            starts_at=SERIES_START,
            ends_at=SERIES_START + timedelta(hours=2),
            timezone="Europe/Madrid",
            rrule="FREQ=WEEKLY;BYDAY=MO",
            status=EventStatus.SCHEDULED,
        )
        one_off = Event(
            id=2,
            uid="open-day@organizer",
            title="Open day",
            starts_at=datetime(2024, 6, 1, tzinfo=UTC),
            ends_at=datetime(2024, 6, 2, tzinfo=UTC),
            timezone="UTC",
            all_day=True,
            capacity=40,
            status=EventStatus.DRAFT,
        )
        session.add_all([series, one_off])
        session.flush()
        session.add(EventException(event_id=1, occurrence_start=SERIES_START + 2 * week))
        session.add(
            OccurrenceOverride(
                event_id=1,
                recurrence_id=SERIES_START + 3 * week,
                starts_at=SERIES_START + 3 * week + timedelta(hours=1),
                ends_at=SERIES_START + 3 * week + timedelta(hours=3),
                title="Weekly circle (late start)",
                status=EventStatus.SCHEDULED,
            )
        )
        greeters = Shift(event_id=1, role="Greeter", needed=2, qualification_id=2, notes="")
        setup = Shift(
            event_id=1,
            occurrence_start=SERIES_START + week,
            role="Set-up",
            start_offset_min=-30,
            end_offset_min=0,
        )
        session.add_all([greeters, setup])
        session.flush()
        session.add(
            Assignment(
                shift_id=greeters.id,
                volunteer_id=42,
                occurrence_start=SERIES_START,
                status=AssignmentStatus.ACCEPTED,
                attendance=Attendance.ATTENDED,
                hours=2.25,
                actual_start=SERIES_START - timedelta(minutes=10),
                actual_end=SERIES_START + timedelta(hours=2),
            )
        )
        session.add(
            Assignment(
                shift_id=setup.id,
                volunteer_id=7,
                occurrence_start=SERIES_START + week,
                status=AssignmentStatus.DECLINED,
                note="Exams that week",
            )
        )
        session.add(ChangeLogEntry(actor="tester", action="create", entity="cause", entity_id=3))
        session.flush()
        session.add(StaffingRule(cause_id=9, kind="needs_qualified", qualification_id=2, minimum=1))
        session.add(
            CoverRequest(
                shift_id=greeters.id,
                occurrence_start=SERIES_START,
                volunteer_id=7,
                answer="no",
                answered_at=SERIES_START - timedelta(days=1),
                note="Away that week",
            )
        )
        session.add(
            PublishedItem(
                volunteer_id=42,
                uid="sent-once@organizer",
                content_hash="0" * 64,
                summary="Greeter: Weekly circle",
                starts_at=SERIES_START,
                ends_at=SERIES_START + timedelta(hours=2),
                sent_by="tester",
            )
        )
        session.flush()
        rebuild_all(session)


def _counts(db: Database) -> dict[str, int]:
    with db.read() as session:
        return {
            table.name: session.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
        }


def _assert_untouched(db: Database, file_info: dict[str, str]) -> None:
    assert _counts(db) == {name: 0 for name in DATA_TABLES} | {
        "file_info": len(file_info),
        "occurrences": 0,
        "presence": 0,
    }
    assert db.file_info() == file_info


def _export_text(db: Database) -> str:
    buffer = io.StringIO()
    export_json(db, buffer)
    return buffer.getvalue()


@pytest.fixture
def target(tmp_path: Path) -> Any:
    database = create_database(tmp_path / "target.organizer")
    yield database
    database.close()


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A valid export of the filled database, for the refusal cases to spoil."""
    db = create_database(tmp_path_factory.mktemp("source") / "source.organizer")
    try:
        _fill(db)
        parsed: dict[str, Any] = json.loads(_export_text(db))
        return parsed
    finally:
        db.close()


# Round trips -------------------------------------------------------------------------------


def test_round_trip_preserves_every_row_id_and_value(
    db: Database, target: Database, tmp_path: Path
) -> None:
    _fill(db)
    first = tmp_path / "backup.json"
    exported = export_json(db, first)
    imported = import_json(target, first)

    assert exported == imported
    assert all(exported.rows[name] > 0 for name in DATA_TABLES)
    assert exported.total == sum(exported.rows.values())
    source_counts, target_counts = _counts(db), _counts(target)
    assert {n: target_counts[n] for n in DATA_TABLES} == {n: source_counts[n] for n in DATA_TABLES}
    assert target_counts["occurrences"] == source_counts["occurrences"] > 0  # rebuilt on import
    again = json.loads(_export_text(target))
    assert again["tables"] == json.loads(first.read_text(encoding="utf-8"))["tables"]

    with target.read() as session:
        ana = session.get_one(Volunteer, 42)
        assert (ana.name, ana.notes, ana.joined_on) == (
            "Ana Sánchez 🌻",
            "Prefers mornings\nNo shellfish 🦐",
            date(2023, 3, 14),
        )
        assert ana.max_hours_per_week == 7.5
        series = session.get_one(Event, 1)
        assert series.starts_at == SERIES_START
        assert series.starts_at.tzinfo == UTC
        assert series.status is EventStatus.SCHEDULED
        assert session.get_one(Event, 2).all_day is True
        assert session.get_one(Cause, 9).active is False
        window = session.scalars(select(AvailabilityWindow)).one()
        assert (window.starts, window.ends) == (time(9), time(12, 30))
        attended = session.scalars(select(Assignment).where(Assignment.volunteer_id == 42)).one()
        assert attended.attendance is Attendance.ATTENDED
        assert attended.version == 1


def test_two_exports_differ_only_in_exported_at(db: Database) -> None:
    _fill(db)
    first, second = _export_text(db), _export_text(db)

    def without_time(text: str) -> list[str]:
        return [line for line in text.splitlines() if not line.startswith('  "exported_at"')]

    assert without_time(first) == without_time(second)
    assert len(without_time(first)) == len(first.splitlines()) - 1


def test_document_header_and_encodings(db: Database, tmp_path: Path) -> None:
    _fill(db)
    path = tmp_path / "backup.json"
    export_json(db, path)
    raw = path.read_bytes()
    assert "Food bank 🍞".encode() in raw  # written as UTF-8, not \u escapes
    assert not list(tmp_path.glob("*.partial"))
    doc = json.loads(raw.decode("utf-8"))

    assert list(doc) == [
        "format",
        "format_version",
        "exported_at",
        "exported_by",
        "schema_revision",
        "file_info",
        "tables",
    ]
    assert (doc["format"], doc["format_version"]) == (FORMAT_NAME, FORMAT_VERSION)
    assert doc["exported_by"] == "Organizer 0.1.0"
    assert doc["exported_at"].endswith("Z")
    assert doc["schema_revision"] == head_revision()
    assert doc["file_info"] == db.file_info()
    assert list(doc["tables"]) == DATA_TABLES
    assert [row["id"] for row in doc["tables"]["causes"]] == [3, 9]
    assert [row["id"] for row in doc["tables"]["volunteers"]] == [7, 42]

    series = doc["tables"]["events"][0]
    assert series["starts_at"] == "2024-03-04T17:00:00Z"
    assert series["recurrence_end"] is None
    assert series["all_day"] is False
    assert series["status"] == "scheduled"
    assert series["version"] == 1
    assert doc["tables"]["volunteers"][1]["joined_on"] == "2023-03-14"
    assert doc["tables"]["availability_windows"][0]["ends"] == "12:30:00"
    assert doc["tables"]["assignments"][0]["hours"] == 2.25
    assert doc["tables"]["assignments"][1]["attendance"] is None
    assert doc["tables"]["causes"][0]["description"] == (
        'Línea 1\nLínea 2 — «quoted» "and" \\ back\tslash'
    )


def test_hand_written_file_may_leave_out_tables_and_defaulted_columns(target: Database) -> None:
    doc = {
        "format": FORMAT_NAME,
        "format_version": 1,
        "tables": {
            "causes": [
                {"id": 4, "name": "Choir", "version": 1},
                {"id": 5, "name": "Garden", "version": 1, "colour": "#54A24B"},
                {"id": 6, "name": "Library", "version": 1},
            ]
        },
    }
    summary = import_json(target, io.StringIO(json.dumps(doc)))

    assert summary.total == 3
    assert summary.rows["causes"] == 3
    assert summary.rows["events"] == 0
    with target.read() as session:
        causes = session.scalars(select(Cause).order_by(Cause.id)).all()
    assert [(c.id, c.colour, c.active) for c in causes] == [
        (4, "#4C78A8", True),
        (5, "#54A24B", True),
        (6, "#4C78A8", True),
    ]
    assert all(c.created_at.tzinfo == UTC for c in causes)


def test_progress_is_reported_in_order(db: Database, target: Database) -> None:
    _fill(db)
    exported: list[tuple[str, float]] = []
    imported: list[tuple[str, float]] = []
    buffer = io.StringIO()
    export_json(db, buffer, progress=lambda message, done: exported.append((message, done)))
    buffer.seek(0)
    import_json(target, buffer, progress=lambda message, done: imported.append((message, done)))

    for calls, last in ((exported, "Export finished"), (imported, "Import finished")):
        fractions = [done for _, done in calls]
        assert fractions == sorted(fractions)
        assert fractions[0] >= 0.0 and calls[-1] == (last, 1.0)
    assert any(message == "Exporting events" for message, _ in exported)
    assert any(message == "Importing assignments" for message, _ in imported)


# Refusals -----------------------------------------------------------------------------------

Spoiler = Callable[[dict[str, Any]], object]


def _set(table: str, row: int, column: str, value: object) -> Spoiler:
    def spoil(doc: dict[str, Any]) -> object:
        doc["tables"][table][row][column] = value
        return doc

    return spoil


def _drop(table: str, row: int, column: str) -> Spoiler:
    def spoil(doc: dict[str, Any]) -> object:
        del doc["tables"][table][row][column]
        return doc

    return spoil


def _top(key: str, value: object) -> Spoiler:
    def spoil(doc: dict[str, Any]) -> object:
        doc[key] = value
        return doc

    return spoil


def _without(key: str) -> Spoiler:
    def spoil(doc: dict[str, Any]) -> object:
        del doc[key]
        return doc

    return spoil


def _truncated(doc: dict[str, Any]) -> object:
    text = json.dumps(doc, ensure_ascii=False, indent=2)
    return text[: len(text) // 2]


REFUSALS: dict[str, tuple[Spoiler, str]] = {
    "not json": (lambda doc: "Name,Email\nAna,ana@example.org\n", "backup.json is not valid JSON"),
    "truncated": (_truncated, "backup.json ends too early"),
    "empty": (lambda doc: "", "backup.json is empty."),
    "nan": (lambda doc: '{"format": NaN}', "NaN is not allowed"),
    "json list": (lambda doc: [doc], "is not an Organizer JSON export (it has no “format”"),
    "wrong format": (_top("format", "other-app"), "(its “format” is “other-app”; expected"),
    "newer version": (
        _top("format_version", FORMAT_VERSION + 1),
        "backup.json was made by a newer version of Organizer (format version 2; this one "
        "reads up to 1); update to import it.",
    ),
    "version as text": (_top("format_version", "1"), "no valid “format_version” (got “1”)"),
    "no tables": (_without("tables"), "backup.json has no “tables”"),
    "unknown table": (
        lambda doc: doc["tables"].update(pets=[]) or doc,
        "has a table “pets” that this version of Organizer does not know",
    ),
    "file_info as table": (
        lambda doc: doc["tables"].update(file_info=[{"key": "a", "value": "b"}]) or doc,
        "has a table “file_info” that",
    ),
    "table not a list": (_top("tables", {"causes": {}}), "table “causes” is not a list of rows"),
    "row not an object": (
        _top("tables", {"causes": [["Food bank"]]}),
        "backup.json: table “causes”, row 1 is not an object of column values.",
    ),
    "unknown column": (
        _set("causes", 1, "color", "#000000"),
        "backup.json: table “causes”, row 2: unknown column “color”.",
    ),
    "missing column": (
        _drop("events", 1, "starts_at"),
        "backup.json: table “events”, row 2: “starts_at” must be given (no default).",
    ),
    "missing version": (_drop("shifts", 0, "version"), "row 1: “version” must be given"),
    "null required": (
        _set("volunteers", 0, "name", None),
        "table “volunteers”, row 1: “name” must have a value (got null).",
    ),
    "naive datetime": (
        _set("events", 0, "ends_at", "2024-03-04T20:00:00"),
        "“ends_at” is a date and time without a time zone (end it with “Z” for UTC) "
        "(got “2024-03-04T20:00:00”).",
    ),
    "datetime number": (_set("events", 0, "ends_at", 1709571600), "is not a date and time (got"),
    "bad date": (
        _set("volunteers", 0, "joined_on", "2024-02-30"),
        "“joined_on” is not a date (YYYY-MM-DD) (got “2024-02-30”).",
    ),
    "short date": (_set("volunteers", 0, "joined_on", "20240201"), "is not a date (YYYY-MM-DD)"),
    "bad time": (
        _set("availability_windows", 0, "starts", "9am"),
        "“starts” is not a time of day (HH:MM:SS) (got “9am”).",
    ),
    "boolean as text": (
        _set("causes", 0, "active", "yes"),
        "“active” is not true or false (got “yes”).",
    ),
    "boolean as number": (_set("causes", 0, "active", 1), "is not true or false (got 1)."),
    "integer as text": (_set("events", 0, "capacity", "40"), "is not a whole number (got “40”)"),
    "integer as float": (_set("events", 1, "capacity", 2.5), "is not a whole number (got 2.5)"),
    "integer as boolean": (_set("events", 1, "sequence", True), "is not a whole number (got true)"),
    "integer too large": (_set("events", 1, "capacity", 10**20), "is too large a number"),
    "float as text": (_set("assignments", 0, "hours", "2h"), "“hours” is not a number (got “2h”)"),
    "float too large": (_set("assignments", 0, "hours", 10**400), "is too large a number"),
    "unknown enum value": (
        _set("events", 0, "status", "postponed"),
        "“status” is not one of “draft”, “scheduled”, “cancelled” (got “postponed”).",
    ),
    "enum member name": (_set("events", 0, "status", "SCHEDULED"), "is not one of"),
    "text as number": (_set("causes", 0, "name", 12), "“name” is not text (got 12)."),
    "lone surrogate": (_set("causes", 0, "name", "\ud800"), "is not valid Unicode text"),
    "long value shown short": (
        _set("events", 0, "starts_at", "x" * 100),
        f"(got “{'x' * 57}…”).",
    ),
    "duplicate unique name": (
        _set("causes", 1, "name", "Food bank 🍞"),
        "backup.json: table “causes”, row 2 repeats a value that must be unique (UNIQUE "
        "constraint failed: causes.name).",
    ),
    "duplicate primary key": (_set("causes", 1, "id", 3), "row 2 repeats a value that must be"),
    "check constraint": (
        _set("events", 1, "ends_at", "2024-05-01T00:00:00Z"),
        "table “events”, row 2 breaks a rule of the database (CHECK constraint failed: "
        "ck_events_ends_after_start).",
    ),
    "missing parent": (
        _set("events", 0, "cause_id", 77),
        "table “events”, row 1 refers to a record that is not in the file (FOREIGN KEY "
        "constraint failed).",
    ),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_bad_file_is_refused_and_nothing_is_imported(
    case: str, document: dict[str, Any], target: Database, tmp_path: Path
) -> None:
    spoil, expected = REFUSALS[case]
    spoiled = spoil(copy.deepcopy(document))
    text = spoiled if isinstance(spoiled, str) else json.dumps(spoiled)
    path = tmp_path / "backup.json"
    path.write_text(text, encoding="utf-8")
    file_info = target.file_info()

    with pytest.raises(ImportFormatError) as raised:
        import_json(target, path)

    assert expected in str(raised.value)
    assert str(raised.value).startswith("backup.json")
    _assert_untouched(target, file_info)


def test_wrong_type_message_names_file_table_row_and_column(
    document: dict[str, Any], target: Database
) -> None:
    spoiled = _set("events", 0, "starts_at", "yesterday")(copy.deepcopy(document))
    source = io.StringIO(json.dumps(spoiled))
    source.name = "/home/sam/backup.json"

    with pytest.raises(ImportFormatError) as raised:
        import_json(target, source)

    assert str(raised.value) == (
        "backup.json: table “events”, row 1: “starts_at” is not a date and time (got “yesterday”)."
    )


def test_bad_reference_in_the_last_table_leaves_nothing_behind(
    document: dict[str, Any], target: Database, tmp_path: Path
) -> None:
    assert list(document["tables"])[-1] == "published_items" == DATA_TABLES[-1]
    spoiled = _set("published_items", 0, "volunteer_id", 999)(copy.deepcopy(document))
    path = tmp_path / "backup.json"
    path.write_text(json.dumps(spoiled), encoding="utf-8")
    file_info = target.file_info()

    with pytest.raises(ImportFormatError, match="“published_items”, row 1 refers to a record"):
        import_json(target, path)

    _assert_untouched(target, file_info)


@pytest.mark.slow
def test_refused_row_is_found_in_a_later_batch(target: Database) -> None:
    rows: list[dict[str, Any]] = [
        {"id": n, "name": f"Cause {n}", "version": 1} for n in range(1, 12_001)
    ]
    rows[10_500]["name"] = "Cause 17"
    doc = {"format": FORMAT_NAME, "format_version": 1, "tables": {"causes": rows}}
    file_info = target.file_info()

    with pytest.raises(ImportFormatError, match="“causes”, row 10501 repeats a value"):
        import_json(target, io.StringIO(json.dumps(doc)))

    _assert_untouched(target, file_info)


def test_missing_file_is_refused(target: Database, tmp_path: Path) -> None:
    with pytest.raises(ImportFormatError, match=r"^nothing\.json cannot be read: "):
        import_json(target, tmp_path / "nothing.json")


def test_file_that_is_not_utf8_is_refused(target: Database, tmp_path: Path) -> None:
    path = tmp_path / "backup.json"
    path.write_bytes('{"format": "organizer-json", "note": "café"}'.encode("latin-1"))
    with pytest.raises(ImportFormatError, match="is not UTF-8 text"):
        import_json(target, path)


def test_import_into_a_database_with_data_is_refused(db: Database, target: Database) -> None:
    _fill(db)
    with target.write() as session:
        session.add(Cause(name="Already here"))
    before = _counts(target)

    with pytest.raises(DomainError) as raised:
        import_json(target, io.StringIO(_export_text(db)))

    assert not isinstance(raised.value, ImportFormatError)
    assert str(raised.value) == (
        f"{target.display_name} already holds data (1 in “causes”). Import only into a new, "
        "empty Organizer file."
    )
    assert _counts(target) == before


def test_export_into_a_missing_folder_fails_cleanly(db: Database, tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="could not be written"):
        export_json(db, tmp_path / "no such folder" / "backup.json")


# Column types and PostgreSQL --------------------------------------------------------------


def test_every_column_has_a_json_encoding() -> None:
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            jsonio._codec_for(column)
    odd = Table("odd", MetaData(), Column("blob", LargeBinary))
    with pytest.raises(TypeError, match=r"no JSON encoding for odd\.blob"):
        jsonio._codec_for(odd.c.blob)


def test_postgresql_sequences_are_moved_past_imported_ids() -> None:
    dialect = postgresql.dialect()
    statements = [
        str(s.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        for s in jsonio._sequence_resets(dialect)
    ]
    serial = [t.name for t in Base.metadata.sorted_tables if t.autoincrement_column is not None]
    assert len(statements) == len(serial) == len(DATA_TABLES) - 2
    assert statements[0] == (
        "SELECT setval(pg_get_serial_sequence('causes', 'id'), coalesce((SELECT "
        "max(causes.id) AS max_1 \nFROM causes), 0) + 1, false) AS setval_1"
    )
    assert any("pg_get_serial_sequence('change_log', 'seq')" in s for s in statements)


# Any text -----------------------------------------------------------------------------------

any_text = st.text(max_size=40) | st.text(min_size=1, max_size=8).map(lambda s: s * 300)


@settings(max_examples=25)
@given(name=any_text, description=any_text, person=any_text, notes=any_text)
@example(
    name="\x00\x01\x1f\x7f",
    description="\r\n\t\u2028\u2029",
    person="\ufeff😀👩🏽‍🔧",
    notes="\\\"'",
)
def test_any_text_round_trips(name: str, description: str, person: str, notes: str) -> None:
    with TemporaryDirectory() as folder:
        source = create_database(Path(folder) / "source.organizer")
        target = create_database(Path(folder) / "target.organizer")
        try:
            with source.write() as session:
                session.add(Cause(id=1, name=name, description=description))
                session.add(
                    Volunteer(
                        id=1, name=person, notes=notes, joined_on=date(2024, 1, 1), timezone="UTC"
                    )
                )
            export_json(source, Path(folder) / "backup.json")
            import_json(target, Path(folder) / "backup.json")
            with target.read() as session:
                cause = session.get_one(Cause, 1)
                volunteer = session.get_one(Volunteer, 1)
                assert (cause.name, cause.description) == (name, description)
                assert (volunteer.name, volunteer.notes) == (person, notes)
        finally:
            source.close()
            target.close()
