"""Reading a table of people from a CSV or XLSX file, whatever program saved it.

CSV: the encoding is worked out (UTF-8, UTF-8 with a byte-order mark, UTF-16 with one, or
Windows-1252 as older spreadsheet programs save it; anything else is left to
charset-normalizer) and so is the separator (comma, semicolon or tab).

XLSX (openpyxl, read-only so big files stream): the header row is found among the first rows
(a merged title row above it is skipped), a header cell merged down from the row above takes
that cell's text, empty rows are skipped and formulas are never trusted: a formula cell gives
its last calculated value and is marked, so the importer can say so.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from organizer.errors import ImportFormatError

HEADER_SEARCH_ROWS = 10
"""How many rows at the top of a sheet may hold the header row."""

CSV_SUFFIXES = frozenset({".csv", ".txt", ".tsv"})
XLSX_SUFFIXES = frozenset({".xlsx", ".xlsm"})

_MERGE_REF = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+)([0-9]+)(?::([A-Z]+)([0-9]+))?"')
_UNDEFINED_IN_CP1252 = frozenset(b"\x81\x8d\x8f\x90\x9d")


@dataclass(frozen=True, slots=True)
class TableRow:
    """One data row: its number in the file (as a spreadsheet shows it) and its cells as text.

    ``formulas`` holds the positions of cells that were formulas in the spreadsheet.
    """

    line: int
    values: tuple[str, ...]
    formulas: frozenset[int] = frozenset()

    def get(self, index: int) -> str:
        """The cell at ``index``, or "" past the end of a short row."""
        return self.values[index] if index < len(self.values) else ""


@dataclass(frozen=True)
class Table:
    """A file read as a header and rows of text.

    ``encoding`` is the one a CSV file was read with (``None`` for XLSX); ``sheet`` the sheet
    read and ``sheets`` every sheet the workbook has.
    """

    source: str
    headers: tuple[str, ...]
    rows: tuple[TableRow, ...]
    encoding: str | None = None
    sheet: str | None = None
    sheets: tuple[str, ...] = ()
    header_line: int = 1
    notes: tuple[str, ...] = field(default=())


HeaderScore = Callable[[Sequence[str]], int]
"""How many cells of a candidate header row name a known field."""


def read_table(
    path: str | os.PathLike[str],
    *,
    sheet: str | None = None,
    header_score: HeaderScore | None = None,
) -> Table:
    """Read a CSV or XLSX file into a :class:`Table`.

    ``header_score`` helps find the header row in a sheet with a title above it: the first of
    the top rows scoring highest wins (by default the first row with two or more cells).

    Raises:
        ImportFormatError: the file is missing, of an unknown kind, or cannot be read; the
            message names the file.
    """
    source = Path(path)
    name = source.name
    if not source.is_file():
        raise ImportFormatError(f"{name}: there is no such file.")
    suffix = source.suffix.lower()
    if suffix in XLSX_SUFFIXES:
        return _read_xlsx(source, sheet, header_score or _default_score)
    if suffix == ".xls":
        raise ImportFormatError(
            f"{name} is an old Excel 97–2003 file. Save it as .xlsx or .csv and import that."
        )
    if suffix in CSV_SUFFIXES or suffix == "":
        if sheet is not None:
            raise ImportFormatError(f"{name} is a CSV file, which has no sheets.")
        try:
            data = source.read_bytes()
        except OSError as error:
            raise ImportFormatError(f"{name} cannot be read: {error.strerror}.") from error
        return read_csv_bytes(data, name, header_score or _default_score)
    raise ImportFormatError(f"{name} is not a CSV or XLSX file (it ends in “{suffix}”).")


# CSV ----------------------------------------------------------------------------------------


def decode_text(data: bytes, name: str) -> tuple[str, str]:
    """Decode a text file's bytes; return the text and the encoding used.

    Raises:
        ImportFormatError: the bytes are not text in any encoding we can tell.
    """
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as error:
                raise ImportFormatError(
                    f"{name} says it is {encoding.upper()} but byte {error.start} is not."
                ) from error
    if b"\x00" in data:
        raise ImportFormatError(f"{name} is not a text file (it holds NUL bytes).")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # Excel and LibreOffice on Windows save "CSV" in Windows-1252: try it before guessing,
    # since a statistical guess on a short file of names is often some other code page.
    if not _UNDEFINED_IN_CP1252.intersection(data):
        return data.decode("cp1252"), "cp1252"
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise ImportFormatError(
            f"{name} is not text in an encoding Organizer recognises. Save it as "
            "“CSV UTF-8” and try again."
        )
    return str(best), best.encoding


def read_csv_bytes(data: bytes, name: str, header_score: HeaderScore | None = None) -> Table:
    """Parse a CSV file's bytes (see :func:`read_table`)."""
    text, encoding = decode_text(data, name)
    if "\x00" in text:
        raise ImportFormatError(f"{name} is not a text file (it holds NUL characters).")
    dialect = _sniff(text)
    try:
        records = [
            (number, tuple(cell.strip() for cell in record))
            for number, record in enumerate(csv.reader(io.StringIO(text, newline=""), dialect), 1)
        ]
    except csv.Error as error:
        raise ImportFormatError(f"{name} is not a readable CSV file: {error}.") from error
    filled = [(n, r) for n, r in records if any(r)]
    if not filled:
        raise ImportFormatError(f"{name} is empty.")
    header_at = _header_index([r for _, r in filled[:HEADER_SEARCH_ROWS]], header_score)
    header_line, headers = filled[header_at]
    rows = tuple(TableRow(n, r) for n, r in filled[header_at + 1 :])
    return Table(
        source=name,
        headers=_named_headers(headers),
        rows=rows,
        encoding=encoding,
        header_line=header_line,
    )


def _sniff(text: str) -> type[csv.Dialect] | csv.Dialect:
    sample = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        return csv.excel


# XLSX ---------------------------------------------------------------------------------------


def _read_xlsx(path: Path, sheet: str | None, header_score: HeaderScore) -> Table:
    name = path.name
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(path, read_only=True, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise ImportFormatError(f"{name} is not a readable XLSX workbook ({error}).") from error
    try:
        sheets = tuple(book.sheetnames)
        if sheet is None:
            title = sheets[0]
        elif sheet in sheets:
            title = sheet
        else:
            shown = ", ".join(f"“{s}”" for s in sheets)
            raise ImportFormatError(f"{name} has no sheet “{sheet}” (it has {shown}).")
        worksheet = book[title]
        worksheet.reset_dimensions()  # some programs write a wrong size; read what is there
        merges = _merged_ranges(path, getattr(worksheet, "_worksheet_path", None))
        raw: list[tuple[int, list[Any], set[int]]] = []
        for number, cells in enumerate(worksheet.iter_rows(), start=1):
            values: list[Any] = []
            formulas: set[int] = set()
            for index, cell in enumerate(cells):
                value = getattr(cell, "value", None)
                if getattr(cell, "data_type", None) == "f":
                    formulas.add(index)
                values.append(value)
            raw.append((number, values, formulas))
    finally:
        book.close()
    if any(formulas for _, _, formulas in raw):
        _use_cached_values(path, title, raw)
    return _xlsx_table(name, title, sheets, raw, merges, header_score)


def _use_cached_values(path: Path, title: str, raw: list[tuple[int, list[Any], set[int]]]) -> None:
    """Replace each formula by the value the spreadsheet last calculated (never run it)."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        worksheet = book[title]
        worksheet.reset_dimensions()
        wanted = {number: (values, formulas) for number, values, formulas in raw if formulas}
        for number, cells in enumerate(worksheet.iter_rows(values_only=True), start=1):
            if number in wanted:
                values, formulas = wanted[number]
                for index in formulas:
                    values[index] = cells[index] if index < len(cells) else None
    finally:
        book.close()


def _xlsx_table(
    name: str,
    title: str,
    sheets: tuple[str, ...],
    raw: list[tuple[int, list[Any], set[int]]],
    merges: list[tuple[int, int, int, int]],
    header_score: HeaderScore,
) -> Table:
    texts = [
        (number, tuple(cell_text(v) for v in values), formulas) for number, values, formulas in raw
    ]
    filled = [item for item in texts if any(item[1])]
    if not filled:
        raise ImportFormatError(f"{name}: sheet “{title}” is empty.")
    by_line = {number: values for number, values, _ in texts}

    def headers_at(line: int, values: tuple[str, ...]) -> list[str]:
        headers = list(values)
        for first_row, first_col, last_row, last_col in merges:
            if not first_row < line <= last_row:
                continue
            # A header cell merged down from a row above shows that row's text.
            above = by_line.get(first_row, ())
            value = above[first_col - 1] if first_col - 1 < len(above) else ""
            for column in range(first_col, last_col + 1):
                while len(headers) < column:
                    headers.append("")
                if not headers[column - 1]:
                    headers[column - 1] = value
        return headers

    candidates = [headers_at(number, values) for number, values, _ in filled[:HEADER_SEARCH_ROWS]]
    header_at = _header_index(candidates, header_score)
    header_line = filled[header_at][0]
    headers = candidates[header_at]
    notes: list[str] = []
    if header_at:
        notes.append(f"The header row is row {header_line}; the rows above it were skipped.")
    rows = []
    for number, values, formulas in filled[header_at + 1 :]:
        rows.append(TableRow(number, values, frozenset(formulas)))
    return Table(
        source=name,
        headers=_named_headers(headers),
        rows=tuple(rows),
        sheet=title,
        sheets=sheets,
        header_line=header_line,
        notes=tuple(notes),
    )


def _merged_ranges(path: Path, member: object) -> list[tuple[int, int, int, int]]:
    """The merged cell ranges of one sheet (read-only mode does not report them)."""
    if not isinstance(member, str):
        return []
    from openpyxl.utils.cell import column_index_from_string

    found: list[tuple[int, int, int, int]] = []
    tail = b""
    with zipfile.ZipFile(path) as archive, archive.open(member.lstrip("/")) as stream:
        while chunk := stream.read(1 << 20):
            block = tail + chunk
            for match in _MERGE_REF.finditer(block):
                first_col, first_row, last_col, last_row = match.groups()
                found.append(
                    (
                        int(first_row),
                        column_index_from_string(first_col.decode()),
                        int(last_row or first_row),
                        column_index_from_string((last_col or first_col).decode()),
                    )
                )
            tail = block[-200:]  # a range cut in two is found whole next time
    return sorted(set(found))


def cell_text(value: object) -> str:
    """A spreadsheet value as text: dates as YYYY-MM-DD, whole numbers without ".0"."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.time() == time():
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value).strip()


# Shared -------------------------------------------------------------------------------------


def _default_score(cells: Sequence[str]) -> int:
    return 1 if sum(1 for cell in cells if cell) >= 2 else 0


def _header_index(rows: Sequence[Sequence[str]], score: HeaderScore | None) -> int:
    if score is None or len(rows) <= 1:
        return 0
    scores = [score(row) for row in rows]
    best = max(scores)
    return scores.index(best) if best > 0 else 0


def _named_headers(cells: Iterable[str]) -> tuple[str, ...]:
    """Headers with blanks named "Column N" and repeats numbered, so each is unique."""
    headers = [unicodedata.normalize("NFC", cell.strip()) for cell in cells]
    while headers and not headers[-1]:
        headers.pop()
    seen: dict[str, int] = {}
    named: list[str] = []
    for index, header in enumerate(headers, start=1):
        text = header or f"Column {index}"
        count = seen.get(text.casefold(), 0) + 1
        seen[text.casefold()] = count
        named.append(text if count == 1 else f"{text} ({count})")
    return tuple(named)


# Formulas -----------------------------------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet treat a cell as a formula (or hide one)."""


def neutralise_cell(text: str) -> str:
    """``text`` made safe for a spreadsheet cell: a leading apostrophe before = + - @ tab CR.

    Spreadsheets then show the text instead of running it ("=HYPERLINK(...)" stays text).
    """
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def restore_cell(text: str) -> str:
    """Undo :func:`neutralise_cell`, so exported text imports back exactly as it was."""
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text
