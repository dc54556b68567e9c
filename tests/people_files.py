"""Builds the spreadsheet fixtures in tests/data/people (run this module to rebuild them).

The files are committed, so tests read real bytes as another program saved them; this module
documents how each was made.  XLSX files written by openpyxl carry no calculated values for
formulas, so :func:`_with_cached_values` adds them, as Excel and LibreOffice always do.
"""

from __future__ import annotations

import re
import zipfile
from datetime import date
from pathlib import Path

from openpyxl import Workbook

FOLDER = Path(__file__).parent / "data" / "people"

WINDOWS_CSV = "volunteers-excel-windows-1252.csv"
BOM_CSV = "volunteers-utf8-bom-semicolons.csv"
MERGED_XLSX = "volunteers-merged-header.xlsx"
FORMULA_XLSX = "volunteers-formulas.xlsx"
FORMULA_CSV = "volunteers-formula-text.csv"
PROBLEMS_CSV = "volunteers-problems.csv"
SIGNUPS_CSV = "community-signups.csv"

_WINDOWS_ROWS = [
    ["First Name", "Surname", "Email Address", "Mobile", "Date Joined", "Qualifications", "Notes"],
    ["José", "Álvarez", "jose.alvarez@example.org", "07700 900101", "14/01/2023", "First aid",
     "Paid £5 towards his DBS check"],
    ["Zoë", "Smith", "zoe.smith@example.org", "07700 900102", "03/02/2023", "",
     "Prefers the Thursday café"],
    ["Siân", "O'Brien", "sian.obrien@example.net", "+44 7700 900103", "28/02/2023",
     "First aid; Food hygiene", "Bakes for the café – ask about allergies"],
    ["Renée", "Dubois", "", "07700 900104", "1/3/2023", "", "Speaks French"],
    ["Ørjan", "Nilsen", "orjan@example.org", "", "15/03/2023", "", "Café volunteer; £10 float"],
]  # fmt: skip

_BOM_ROWS = [
    ["Name", "E-mail", "Telefon", "Joined", "Pronouns"],
    ["Agnieszka Wiśniewska", "a.wisniewska@example.org", "07700 900201", "2023-04-01", "she/her"],
    ["Mehmet Yılmaz", "mehmet.yilmaz@example.org", "07700 900202", "2023-04-08", "he/him"],
    ["Zoë Smith", "ZOE.SMITH@example.org", "07700 900203", "2023-04-15", ""],
]

_FORMULA_TEXT_ROWS = [
    ["Name", "Email", "Phone", "Notes"],
    ['=HYPERLINK("http://example.com/win","Click me")', "win@example.org", "07700 900301",
     "Signed up online"],
    ["Amara Okafor", "amara@example.org", "+44 7700 900302", "@SUM(1+1)"],
    ["Tom Reid", "tom.reid@example.org", "07700 900303", "-2+3 hours a week"],
]  # fmt: skip

_PROBLEM_ROWS = [
    ["Name", "Email", "Phone", "Joined", "Qualifications"],
    ["Priya Shah", "priya.shah@example.org", "07700 900401", "05/06/2024", "First aid"],
    ["", "nobody@example.org", "07700 900402", "05/06/2024", ""],
    ["Sam Patel", "sam.patel@example", "07700 900403", "05/06/2024", ""],
    ["Chen Wang", "chen.wang@example.org", "07700 900404", "31/02/2024", ""],
    ["Kofi Mensah", "kofi.mensah@example.org", "07700 900405", "03/04/2024", ""],
    ["Eilidh Fraser", "eilidh@example.org", "07700 900406", "05/06/2024", "Forklift licence"],
    ["Jun Sato", "jun.sato@example.org", "12", "05/06/2024", ""],
]

# Names as they appear under "Who's new" on a community web page (see shared data), where bots
# signed up without contact details, plus real people who signed up twice.
_SIGNUP_ROWS = [
    ["Name", "Email", "Phone"],
    *[[name, "", ""] for name in (
        "UbvpwcMergo", "KeithMof", "azsstDiucK", "WilliamVer", "john Moyzakis", "Blakeeagex",
        "Williehex", "RichardSok", "Wbidficoisa", "Kyliesuest", "Montanavai", "hkSuing",
        "RogerKen", "Montanawvf", "ipsyLythile", "Jamesgob", "psyacoulgE", "NancySairL",
        "Karloswja", "JessiePew", "Karlosata", "aJficoisa", "KristinAbone", "Karlosdde",
        "psykhologccc", "DengizaimyMt",
    )],
    ["Solon Papageorgiou", "solon@example.org", ""],
    ["Dr. Sam O'Neill", "sam.oneill@example.org", "07700 900501"],
    ["sam oneill", "", ""],
    ["S. O'Neill", "", "+44 7700 900501"],
    ["Katy Browne", "katy.b@example.net", ""],
    ["Katie Brown", "", ""],
    ["Mohammad Khan", "mkhan@example.org", "07700 900502"],
    ["Mohammed Khan", "MKhan@Example.org", ""],
    ["John Smith", "john.smith@example.org", "07700 900503"],
    ["Jane Smith", "jane.smith@example.org", "07700 900504"],
]  # fmt: skip


def _csv_text(rows: list[list[str]], separator: str = ",") -> str:
    def cell(text: str) -> str:
        if any(c in text for c in (separator, '"', "\n")):
            return '"' + text.replace('"', '""') + '"'
        return text

    return "".join(separator.join(cell(c) for c in row) + "\r\n" for row in rows)


def write_windows_csv(folder: Path) -> Path:
    path = folder / WINDOWS_CSV
    path.write_bytes(_csv_text(_WINDOWS_ROWS).encode("cp1252"))
    return path


def write_bom_csv(folder: Path) -> Path:
    path = folder / BOM_CSV
    path.write_bytes(_csv_text(_BOM_ROWS, ";").encode("utf-8-sig"))
    return path


def write_formula_csv(folder: Path) -> Path:
    path = folder / FORMULA_CSV
    path.write_bytes(_csv_text(_FORMULA_TEXT_ROWS).encode("utf-8"))
    return path


def write_problems_csv(folder: Path) -> Path:
    path = folder / PROBLEMS_CSV
    path.write_bytes(_csv_text(_PROBLEM_ROWS).encode("utf-8"))
    return path


def write_signups_csv(folder: Path) -> Path:
    path = folder / SIGNUPS_CSV
    path.write_bytes(_csv_text(_SIGNUP_ROWS).encode("utf-8"))
    return path


def write_merged_xlsx(folder: Path) -> Path:
    """A title row, a two-level header with merged cells, and empty rows between people."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Volunteers"
    sheet["A1"] = "Spring volunteer drive 2024"
    sheet.merge_cells("A1:E1")
    sheet["A2"] = "Name"
    sheet.merge_cells("A2:A3")
    sheet["B2"] = "Contact"
    sheet.merge_cells("B2:C2")
    sheet["B3"] = "Email"
    sheet["C3"] = "Phone"
    sheet["D2"] = "Date joined"
    sheet.merge_cells("D2:D3")
    sheet["E2"] = "Qualifications"
    sheet.merge_cells("E2:E3")
    people: list[tuple[str, str, str | int, date, str] | None] = [
        ("Amira Haddad", "amira.haddad@example.org", "07700 900601", date(2024, 3, 2), "First aid"),
        None,
        ("Tomasz Nowak", "tomasz.nowak@example.org", 7700900602, date(2024, 3, 9), ""),
        ("Grace Mensah", "grace.mensah@example.org", "07700 900603", date(2024, 3, 16), ""),
        None,
        None,
        ("Ifeoma Eze", "ifeoma.eze@example.org", "07700 900604", date(2024, 3, 23), "Food hygiene"),
    ]
    for row, person in enumerate(people, start=4):
        if person is not None:
            for column, value in enumerate(person, start=1):
                sheet.cell(row=row, column=column, value=value)
    sheet.append([])
    book.create_sheet("Notes")["A1"] = "Drive run by the Saturday café team"
    path = folder / MERGED_XLSX
    book.save(path)
    return path


def write_formula_xlsx(folder: Path) -> Path:
    """Names built by formulas (with the values Excel saved), and one never calculated."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Sign-ups"
    sheet.append(["First", "Last", "Full name", "Email"])
    sheet.append(["Amara", "Okafor", '=A2&" "&B2', "amara.okafor@example.org"])
    sheet.append(["Ben", "Hughes", '=A3&" "&B3', "ben.hughes@example.org"])
    sheet.append(["Cara", "Lewis", '=A4&" "&B4', "cara.lewis@example.org"])
    path = folder / FORMULA_XLSX
    book.save(path)
    # Row 4's formula is left without a saved value, as in a file never opened in Excel.
    _with_cached_values(path, {"C2": "Amara Okafor", "C3": "Ben Hughes"})
    return path


def _with_cached_values(path: Path, values: dict[str, str]) -> None:
    member = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(path) as archive:
        contents = {name: archive.read(name) for name in archive.namelist()}
    xml = contents[member].decode("utf-8")
    for ref, value in values.items():
        pattern = rf'<c r="{ref}"[^>]*><f>(.*?)</f>(?:<v\s*/>|<v>.*?</v>)?'
        formula = re.search(pattern, xml)
        assert formula is not None
        replacement = f'<c r="{ref}" t="str"><f>{formula[1]}</f><v>{value}</v>'
        xml = xml[: formula.start()] + replacement + xml[formula.end() :]
    contents[member] = xml.encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in contents.items():
            archive.writestr(name, data)


def write_all(folder: Path = FOLDER) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return [
        write_windows_csv(folder),
        write_bom_csv(folder),
        write_formula_csv(folder),
        write_problems_csv(folder),
        write_signups_csv(folder),
        write_merged_xlsx(folder),
        write_formula_xlsx(folder),
    ]


if __name__ == "__main__":
    for written in write_all():
        print(written)
