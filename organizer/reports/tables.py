"""A report as a plain table (title, columns, rows, totals) and its CSV export.

Spreadsheets run a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula, so text
cells that do are written with a leading apostrophe (numbers stay numbers).
"""

from __future__ import annotations

import csv
import enum
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from organizer.errors import DomainError

Cell = str | int | float | None

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class ColumnKind(enum.StrEnum):
    """How a column's values are shown and summed."""

    TEXT = "text"
    COUNT = "count"
    HOURS = "hours"
    PERCENT = "percent"

    @property
    def numeric(self) -> bool:
        """Whether values are numbers (right-aligned, charted)."""
        return self is not ColumnKind.TEXT


@dataclass(frozen=True, slots=True)
class Column:
    """One column: its heading and kind."""

    name: str
    kind: ColumnKind = ColumnKind.TEXT


@dataclass(frozen=True)
class Table:
    """A finished report: what it is, its columns, its rows and (optionally) a totals row."""

    title: str
    subtitle: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    totals: tuple[Cell, ...] | None = None
    row_keys: tuple[int, ...] = ()
    """What each row is about (volunteer ids for per-volunteer reports), else empty."""

    def column(self, name: str) -> int:
        """The position of the column called ``name``."""
        for index, column in enumerate(self.columns):
            if column.name == name:
                return index
        raise KeyError(name)


def format_cell(value: Cell, kind: ColumnKind) -> str:
    """A value as people read it: hours to one decimal, percentages with a sign."""
    if value is None:
        return ""
    if kind is ColumnKind.HOURS and isinstance(value, int | float):
        return f"{value:.1f}"
    if kind is ColumnKind.PERCENT and isinstance(value, int | float):
        return f"{value:.1f}%"
    return str(value)


def neutralise(text: str) -> str:
    """``text`` made safe for a spreadsheet: a would-be formula gets a leading apostrophe."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_rows(table: Table) -> list[list[str]]:
    """The table as CSV rows: header, rows, then totals; text cells neutralised."""
    lines = [[neutralise(column.name) for column in table.columns]]
    body: list[Sequence[Cell]] = list(table.rows)
    if table.totals is not None:
        body.append(table.totals)
    for row in body:
        lines.append(
            [
                _csv_cell(value, column.kind)
                for value, column in zip(row, table.columns, strict=True)
            ]
        )
    return lines


def write_csv(table: Table, path: Path) -> None:
    """Write ``table`` to ``path`` as UTF-8 CSV (with a byte-order mark, for spreadsheets).

    Raises:
        DomainError: the file cannot be written (names the file and why).
    """
    try:
        with path.open("w", encoding="utf-8-sig", newline="") as stream:
            csv.writer(stream).writerows(csv_rows(table))
    except OSError as error:
        raise DomainError(f"{path}: cannot write the report ({error.strerror}).") from error


def _csv_cell(value: Cell, kind: ColumnKind) -> str:
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:.2f}" if isinstance(value, float) else str(value)
    return neutralise(str(value))


__all__ = [
    "Cell",
    "Column",
    "ColumnKind",
    "Table",
    "csv_rows",
    "format_cell",
    "neutralise",
    "write_csv",
]
