"""Importing volunteers from real-looking spreadsheets, and exporting them safely."""

from __future__ import annotations

import csv
import shutil
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import delete, select, update

from organizer.cli import main
from organizer.errors import DomainError, ImportFormatError, OperationCancelledError
from organizer.models import ChangeLogEntry, FileInfo, Volunteer
from organizer.people.exporting import VolunteerExporter, choose_columns
from organizer.people.importing import (
    MAPPING_KEY_PREFIX,
    DateOrder,
    VolunteerImporter,
    guess_mapping,
    parse_date,
    parse_mapping,
)
from organizer.people.tabular import (
    FORMULA_STARTS,
    decode_text,
    neutralise_cell,
    read_table,
    restore_cell,
)
from organizer.services import QualificationDraft, Services
from organizer.storage import Database
from tests import people_files as files
from tests.people_helpers import assign, file_digest, person, table_counts, weekly_shift

DATA = files.FOLDER
TODAY = date(2024, 6, 30)


@pytest.fixture
def services(db: Database) -> Services:
    found = Services.for_database(db, "coordinator@office")
    for name in ("First aid", "Food hygiene"):
        found.qualifications.create(QualificationDraft(name=name))
    return found


@pytest.fixture
def importer(db: Database, services: Services) -> VolunteerImporter:
    return VolunteerImporter(db, "coordinator@office", today=lambda: TODAY)


def names_in(db: Database) -> list[str]:
    with db.read() as session:
        return list(session.scalars(select(Volunteer.name).order_by(Volunteer.id)))


# Encodings -------------------------------------------------------------------------------------


def test_a_windows_1252_csv_from_a_spreadsheet_reads_accents_and_pounds(
    importer: VolunteerImporter, db: Database
) -> None:
    preview = importer.preview(DATA / files.WINDOWS_CSV)

    assert preview.table.encoding == "cp1252"
    assert preview.ok, preview.problems
    assert preview.mapping["Surname"] == "last_name"
    assert preview.date_order is DateOrder.DAY_FIRST  # 14/01/2023 says so
    importer.apply(preview)
    assert names_in(db) == [
        "José Álvarez",
        "Zoë Smith",
        "Siân O'Brien",
        "Renée Dubois",
        "Ørjan Nilsen",
    ]
    with db.read() as session:
        jose = session.scalars(select(Volunteer).where(Volunteer.name == "José Álvarez")).one()
    assert jose.notes == "Paid £5 towards his DBS check"
    assert jose.joined_on == date(2023, 1, 14)


def test_a_utf8_csv_with_byte_order_mark_and_semicolons(importer: VolunteerImporter) -> None:
    preview = importer.preview(DATA / files.BOM_CSV)

    assert preview.table.encoding == "utf-8-sig"
    assert preview.table.headers[0] == "Name"  # not "\ufeffName"
    assert preview.mapping["Telefon"] == "phone"
    assert [row.volunteer.name for row in preview.rows if row.volunteer] == [
        "Agnieszka Wiśniewska",
        "Mehmet Yılmaz",
        "Zoë Smith",
    ]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16"])
def test_each_encoding_is_detected(encoding: str) -> None:
    text = "Name,Notes\r\nZoë Ørsted,Paid £5 – thanks\r\n"

    decoded, used = decode_text(text.encode(encoding), "sign-ups.csv")

    assert decoded.lstrip("\ufeff") == text
    assert used == encoding


def test_a_file_that_is_not_text_is_refused_with_its_name(tmp_path: Path) -> None:
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")

    with pytest.raises(ImportFormatError, match=r"photo\.csv is not a text file"):
        read_table(path)


# Spreadsheets ----------------------------------------------------------------------------------


def test_an_xlsx_with_a_title_merged_header_cells_and_empty_rows(
    importer: VolunteerImporter,
) -> None:
    preview = importer.preview(DATA / files.MERGED_XLSX)

    assert preview.table.sheet == "Volunteers"
    assert preview.table.sheets == ("Volunteers", "Notes")
    assert preview.table.header_line == 3
    # "Name" and "Date joined" are merged down over both header rows.
    assert preview.table.headers == ("Name", "Email", "Phone", "Date joined", "Qualifications")
    assert [row.line for row in preview.rows] == [4, 6, 7, 10]
    amira = preview.rows[0].volunteer
    assert amira is not None
    assert (amira.name, amira.phone, amira.joined_on) == (
        "Amira Haddad",
        "07700 900601",
        date(2024, 3, 2),
    )
    assert len(amira.qualification_ids) == 1
    assert preview.ok


def test_a_missing_sheet_is_named_with_the_ones_there(importer: VolunteerImporter) -> None:
    with pytest.raises(ImportFormatError, match=r"has no sheet “Rota”.*“Volunteers”, “Notes”"):
        importer.preview(DATA / files.MERGED_XLSX, sheet="Rota")
    with pytest.raises(ImportFormatError, match="no column holds the name"):
        importer.preview(DATA / files.MERGED_XLSX, sheet="Notes")


def test_formula_cells_give_their_saved_value_and_are_never_run(
    importer: VolunteerImporter,
) -> None:
    preview = importer.preview(DATA / files.FORMULA_XLSX)

    amara, ben, cara = preview.rows
    assert amara.volunteer is not None and amara.volunteer.name == "Amara Okafor"
    assert "holds a formula; its saved result “Amara Okafor” was used" in str(amara.warnings[0])
    assert ben.volunteer is not None and ben.volunteer.name == "Ben Hughes"
    # Never calculated: Organizer does not work it out, it asks for the value.
    assert cara.volunteer is None
    assert [str(p) for p in cara.problems] == [
        "Row 4: Name: column “Full name” holds a formula with no saved result; type the value "
        "in instead."
    ]


# Problems, dry run and all-or-nothing ----------------------------------------------------------


def test_each_problem_row_is_listed_with_its_reason(
    importer: VolunteerImporter, db: Database
) -> None:
    before = table_counts(db)
    preview = importer.preview(DATA / files.PROBLEMS_CSV)

    assert [str(p) for p in preview.problems] == [
        "Row 3: Name: missing (every row needs a name).",
        "Row 4: Email: “sam.patel@example” is not an email address.",
        "Row 5: Joined on: “31/02/2024” is not a real date (February 2024 has 29 days).",
        "Row 7: Qualifications: unknown qualification “Forklift licence” (known: First aid, "
        "Food hygiene).",
        "Row 8: Phone: “12” is not a phone number.",
    ]
    assert preview.problem_lines == [3, 4, 5, 7, 8]
    with pytest.raises(ImportFormatError, match="5 rows have problems, so nothing was imported"):
        importer.apply(preview)
    assert table_counts(db) == before
    # Leaving the problem rows out imports the rest.
    result = importer.apply(preview, leave_out=preview.problem_lines)
    assert result.created == 2
    assert names_in(db) == ["Priya Shah", "Kofi Mensah"]


def test_an_ambiguous_day_and_month_is_a_problem_until_the_order_is_chosen(
    importer: VolunteerImporter, tmp_path: Path
) -> None:
    path = tmp_path / "two.csv"
    path.write_text("Name,Joined\nAda Lovelace,03/04/2024\nAlan Turing,05/05/2024\n")

    preview = importer.preview(path)
    assert preview.date_order is DateOrder.UNKNOWN
    assert [str(p) for p in preview.problems] == [
        "Row 2: Joined on: “03/04/2024” is ambiguous: it could be 3 April or 4 March. Choose "
        "whether dates are day first or month first."
    ]
    chosen = importer.preview(path, date_order=DateOrder.MONTH_FIRST)
    assert chosen.ok
    assert chosen.rows[0].volunteer is not None
    assert chosen.rows[0].volunteer.joined_on == date(2024, 3, 4)


@pytest.mark.parametrize(
    ("text", "order", "expected"),
    [
        ("2024-02-29", DateOrder.UNKNOWN, date(2024, 2, 29)),
        ("29/02/2024", DateOrder.UNKNOWN, date(2024, 2, 29)),
        ("3 Feb 2024", DateOrder.UNKNOWN, date(2024, 2, 3)),
        ("Feb 3rd, 2024", DateOrder.UNKNOWN, date(2024, 2, 3)),
        ("3.2.24", DateOrder.DAY_FIRST, date(2024, 2, 3)),
        ("2/3/2024", DateOrder.MONTH_FIRST, date(2024, 2, 3)),
    ],
)
def test_dates_as_people_write_them(text: str, order: DateOrder, expected: date) -> None:
    assert parse_date(text, order) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("31/02/2024", "February 2024 has 29 days"),
        ("29/02/2023", "February 2023 has 28 days"),
        ("2024-13-01", "there is no month 13"),
        ("next Tuesday", "is not a date"),
    ],
)
def test_impossible_dates_say_why(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_date(text, DateOrder.DAY_FIRST)


def test_a_dry_run_changes_nothing_in_the_file(db: Database, services: Services) -> None:
    assert db.path is not None
    before = file_digest(db.path)

    code = main(
        ["import-volunteers", str(DATA / files.WINDOWS_CSV), "--dry-run", "--db", str(db.path)]
    )

    assert code == 0
    assert file_digest(db.path) == before
    assert names_in(db) == []


def test_an_import_failing_half_way_leaves_the_database_unchanged(
    importer: VolunteerImporter, db: Database, tmp_path: Path
) -> None:
    path = tmp_path / "big.csv"
    path.write_text(
        "Name,Email\n" + "".join(f"Person {n:04d},person{n}@example.org\n" for n in range(3000)),
        encoding="utf-8",
    )
    preview = importer.preview(path, check_duplicates=False)
    before = table_counts(db)

    def fail_half_way(stage: str, fraction: float) -> None:
        if stage == "Importing" and fraction > 0.5:
            raise RuntimeError("the network drive went away")

    with pytest.raises(RuntimeError):
        importer.apply(preview, progress=fail_half_way)
    assert table_counts(db) == before

    calls = iter(range(100))
    with pytest.raises(OperationCancelledError, match="nothing was changed"):
        importer.apply(preview, cancel=lambda: next(calls) >= 2)
    assert table_counts(db) == before

    seen: list[float] = []
    importer.apply(preview, progress=lambda stage, fraction: seen.append(fraction))
    assert seen == sorted(seen) and seen[-1] == 1.0
    assert table_counts(db)["volunteers"] == 3000


# Mapping ---------------------------------------------------------------------------------------


def test_headers_in_several_spellings_are_recognised() -> None:
    mapping = guess_mapping(
        ["Forename", "Family name", "E-mail address", "Tel no", "Start date", "Comments", "Shoe"]
    )
    assert mapping == {
        "Forename": "first_name",
        "Family name": "last_name",
        "E-mail address": "email",
        "Tel no": "phone",
        "Start date": "joined_on",
        "Comments": "notes",
        "Shoe": "",
    }


def test_a_chosen_mapping_is_remembered_for_files_with_the_same_layout(
    importer: VolunteerImporter, db: Database
) -> None:
    chosen = {"Mobile": "emergency_contact_phone", "Notes": ""}
    preview = importer.preview(DATA / files.WINDOWS_CSV, mapping=chosen)
    assert preview.mapping_origin == "given"
    importer.apply(preview)

    again = importer.preview(DATA / files.WINDOWS_CSV)

    assert again.mapping_origin == "remembered"
    assert again.mapping == preview.mapping
    assert again.mapping["Mobile"] == "emergency_contact_phone"
    with db.read() as session:
        keys = session.scalars(
            select(FileInfo.key).where(FileInfo.key.startswith(MAPPING_KEY_PREFIX))
        ).all()
    assert keys == [MAPPING_KEY_PREFIX + preview.signature]
    # A file with other headers is not affected.
    assert importer.preview(DATA / files.BOM_CSV).mapping_origin == "guessed"


def test_a_mapping_written_on_the_command_line() -> None:
    headers = ["Full name", "Mobile", "Notes"]
    assert parse_mapping("full name=name, Mobile=Emergency contact phone,Notes=", headers) == {
        "Full name": "name",
        "Mobile": "emergency_contact_phone",
        "Notes": "",
    }
    with pytest.raises(ImportFormatError, match="“shoe size” is not a volunteer field"):
        parse_mapping("Notes=shoe size", headers)
    with pytest.raises(ImportFormatError, match="no column “Nmae”"):
        parse_mapping("Nmae=name", headers)


# Duplicates and spam on import -----------------------------------------------------------------


def test_rows_that_look_like_people_already_there_are_pointed_out(
    importer: VolunteerImporter, services: Services
) -> None:
    zoe = person(services, "Zoe Smith", email="zoe.smith@example.org")

    preview = importer.preview(DATA / files.BOM_CSV)

    (duplicate,) = preview.duplicates
    assert (duplicate.line, duplicate.volunteer_id) == (4, zoe.id)
    assert duplicate.reasons == ("Same email address", "Same name")
    assert "may be the same person as volunteer “Zoe Smith”" in str(preview.rows[2].warnings[0])


def test_bot_sign_ups_are_imported_flagged_for_review(
    importer: VolunteerImporter, db: Database
) -> None:
    preview = importer.preview(DATA / files.SIGNUPS_CSV)
    result = importer.apply(preview)

    assert result.flagged_for_review == 26
    with db.read() as session:
        flagged = dict(session.execute(select(Volunteer.name, Volunteer.review_reason)).all())
    assert flagged["KeithMof"].startswith("Looks like a bot sign-up: one word only")
    assert flagged["Solon Papageorgiou"] == ""
    assert flagged["Katie Brown"] == ""


# Undo ------------------------------------------------------------------------------------------


def test_undo_deletes_exactly_what_the_import_created(
    importer: VolunteerImporter, services: Services, db: Database
) -> None:
    kept = person(services, "Already Here")
    result = importer.apply(importer.preview(DATA / files.WINDOWS_CSV))
    assert [b.batch_id for b in importer.history()] == [result.batch_id]

    assert importer.undo(result.batch_id) == 5

    assert names_in(db) == ["Already Here"]
    assert kept.id not in result.volunteer_ids
    assert importer.history() == []
    with pytest.raises(DomainError, match="already undone"):
        importer.undo(result.batch_id)


def test_undo_is_refused_once_someone_imported_has_shifts(
    importer: VolunteerImporter, services: Services, db: Database
) -> None:
    result = importer.apply(importer.preview(DATA / files.WINDOWS_CSV))
    shift = weekly_shift(services, "Friday café", "Community café")
    assign(services, shift, result.volunteer_ids[1], 0)
    before = table_counts(db)

    with pytest.raises(DomainError, match=r"Zoë Smith has shifts on record since\. Nothing was"):
        importer.undo(result.batch_id)
    assert table_counts(db) == before


def test_undo_leaves_a_volunteer_who_reused_a_freed_id(
    importer: VolunteerImporter, services: Services, db: Database
) -> None:
    result = importer.apply(importer.preview(DATA / files.WINDOWS_CSV))
    last = result.volunteer_ids[-1]
    with db.write() as session:
        session.execute(update(Volunteer).where(Volunteer.id == last).values(name="Renamed"))
    services.volunteers.delete(last, services.volunteers.get(last).version)
    newcomer = person(services, "Reused Id")
    assert newcomer.id == last

    assert importer.undo(result.batch_id) == 4
    assert names_in(db) == ["Reused Id"]


# Export ----------------------------------------------------------------------------------------


def test_formula_text_is_kept_as_text_on_import_and_neutralised_on_export(
    importer: VolunteerImporter, db: Database, tmp_path: Path
) -> None:
    preview = importer.preview(DATA / files.FORMULA_CSV)
    assert "looks like a formula; it is kept as text" in str(preview.warnings[0])
    importer.apply(preview)
    exporter = VolunteerExporter(db, "coordinator@office")

    exporter.export(tmp_path / "out.csv", columns=["name", "phone", "notes"])
    exporter.export(tmp_path / "out.xlsx", columns=["name", "phone", "notes"])

    with (tmp_path / "out.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["Name", "Phone", "Notes"]
    cells = [cell for row in rows[1:] for cell in row]
    assert '\'=HYPERLINK("http://example.com/win","Click me")' in cells
    assert "'+44 7700 900302" in cells
    assert "'@SUM(1+1)" in cells
    assert "'-2+3 hours a week" in cells
    assert not [cell for cell in cells if cell.startswith(FORMULA_STARTS)]

    book = load_workbook(tmp_path / "out.xlsx")
    sheet = book["Volunteers"]
    values = [cell for row in sheet.iter_rows(min_row=2) for cell in row]
    assert not [cell.coordinate for cell in values if cell.data_type == "f"]
    assert '\'=HYPERLINK("http://example.com/win","Click me")' in [c.value for c in values]
    # Exported, then imported again: the same text comes back.
    again = importer.preview(tmp_path / "out.csv", check_duplicates=False)
    assert {r.volunteer.name for r in again.rows if r.volunteer} == set(names_in(db))


def test_sensitive_columns_stay_out_unless_chosen(
    importer: VolunteerImporter, db: Database, tmp_path: Path
) -> None:
    importer.apply(importer.preview(DATA / files.WINDOWS_CSV))
    exporter = VolunteerExporter(db, "coordinator@office")

    plain = exporter.export(tmp_path / "plain.csv")
    text = (tmp_path / "plain.csv").read_text(encoding="utf-8-sig")
    assert plain.sensitive == ()
    assert "07700 900101" not in text and "Paid £5" not in text and "José Álvarez" in text

    chosen = exporter.export(tmp_path / "full.xlsx", include_sensitive=True)
    assert chosen.sensitive == (
        "phone",
        "emergency_contact_name",
        "emergency_contact_phone",
        "notes",
        "health_notes",
    )
    with db.read() as session:
        logged = session.scalars(
            select(ChangeLogEntry.summary).where(ChangeLogEntry.action == "export")
        ).all()
    assert logged == [
        f"Exported 5 volunteers to plain.csv (columns: {', '.join(plain.columns)}; "
        "sensitive: none)",
        f"Exported 5 volunteers to full.xlsx (columns: {', '.join(chosen.columns)}; "
        "sensitive: phone, emergency_contact_name, emergency_contact_phone, notes, "
        "health_notes)",
    ]
    with pytest.raises(DomainError, match="no column “shoe”"):
        choose_columns(["name", "shoe"])


_ANY_TEXT = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"))


@given(_ANY_TEXT)
def test_neutralised_text_is_never_a_formula_and_restores_exactly(text: str) -> None:
    safe = neutralise_cell(text)

    assert not safe.startswith(FORMULA_STARTS)
    assert restore_cell(safe) == text


@given(_ANY_TEXT.filter(lambda t: t.strip() == t and t.strip()))
def test_any_name_exported_to_csv_comes_back_and_is_no_formula(
    db: Database, tmp_path: Path, text: str
) -> None:
    with db.write() as session:
        session.execute(delete(Volunteer))
        session.add(Volunteer(name=text, joined_on=TODAY, timezone="UTC", version=1))
    VolunteerExporter(db, "me").export(tmp_path / "names.csv", columns=["name"])

    with (tmp_path / "names.csv").open(encoding="utf-8-sig", newline="") as handle:
        header, cell = list(csv.reader(handle))
    assert header == ["Name"]
    assert not cell[0].startswith(FORMULA_STARTS)
    assert restore_cell(cell[0]) == text


# Command line ----------------------------------------------------------------------------------


def test_import_and_export_on_the_command_line(
    db: Database, services: Services, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert db.path is not None
    target = ["--db", str(db.path)]
    source = tmp_path / "from excel.csv"
    shutil.copy(DATA / files.WINDOWS_CSV, source)

    assert main(["import-volunteers", str(source), "--mapping", "Notes=", *target]) == 0
    out = capsys.readouterr().out
    assert "from excel.csv (cp1252): 5 rows." in out
    assert "Not imported: Notes" in out
    assert "Imported 5 volunteers from from excel.csv. To undo: organizer undo-import" in out

    assert main(["export-volunteers", "-o", str(tmp_path / "v.xlsx"), *target]) == 0
    assert "Wrote 5 volunteers to" in capsys.readouterr().out

    assert main(["import-volunteers", str(DATA / files.PROBLEMS_CSV), *target]) == 1
    captured = capsys.readouterr()
    assert "Problem: Row 5: Joined on: “31/02/2024” is not a real date" in captured.out
    assert captured.err == (
        "organizer: volunteers-problems.csv: 5 rows have problems; nothing was imported.\n"
    )

    assert main(["import-volunteers", str(tmp_path / "missing.xlsx"), *target]) == 1
    assert capsys.readouterr().err == "organizer: missing.xlsx: there is no such file.\n"
