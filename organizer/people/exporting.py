"""Exporting volunteers to CSV or XLSX with the columns the coordinator chooses.

Sensitive columns (phone, emergency contact, notes, health notes) are left out unless chosen
by name or with ``include_sensitive``.  Every text cell that a spreadsheet would run as a
formula (one starting with = + - @, a tab or a carriage return) gets a leading apostrophe,
so opening the file never runs anything.  The change log records who exported which columns
of how many volunteers.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select

from organizer.errors import DomainError, OperationCancelledError, StorageError
from organizer.models import Qualification, Volunteer, VolunteerQualification
from organizer.people.tabular import neutralise_cell
from organizer.services.base import Service, chunks

Progress = Callable[[str, float], None]
Cancelled = Callable[[], bool]


@dataclass(frozen=True)
class ExportColumn:
    """A column an export can have."""

    key: str
    label: str
    sensitive: bool = False


COLUMNS: tuple[ExportColumn, ...] = (
    ExportColumn("id", "Id"),
    ExportColumn("name", "Name"),
    ExportColumn("email", "Email"),
    ExportColumn("pronouns", "Pronouns"),
    ExportColumn("joined_on", "Joined on"),
    ExportColumn("active", "Active"),
    ExportColumn("timezone", "Time zone"),
    ExportColumn("qualifications", "Qualifications"),
    ExportColumn("max_hours_per_week", "Most hours a week"),
    ExportColumn("max_hours_per_month", "Most hours a month"),
    ExportColumn("welcomed_on", "Welcomed on"),
    ExportColumn("trained_on", "Trained on"),
    ExportColumn("review_reason", "Flagged for review"),
    ExportColumn("phone", "Phone", sensitive=True),
    ExportColumn("emergency_contact_name", "Emergency contact", sensitive=True),
    ExportColumn("emergency_contact_phone", "Emergency contact phone", sensitive=True),
    ExportColumn("notes", "Notes", sensitive=True),
    ExportColumn("health_notes", "Health notes", sensitive=True),
)
COLUMNS_BY_KEY = {column.key: column for column in COLUMNS}
DEFAULT_COLUMNS = tuple(c.key for c in COLUMNS if not c.sensitive and c.key != "review_reason")
SENSITIVE_COLUMNS = tuple(c.key for c in COLUMNS if c.sensitive)


@dataclass(frozen=True)
class ExportSummary:
    """What an export wrote."""

    path: Path
    rows: int
    columns: tuple[str, ...]
    sensitive: tuple[str, ...]


def choose_columns(
    columns: Sequence[str] | None = None, *, include_sensitive: bool = False
) -> tuple[str, ...]:
    """The columns to export: ``columns`` as given (names or labels), else the defaults.

    ``include_sensitive`` adds every sensitive column to the defaults.

    Raises:
        DomainError: an unknown column, naming it and the known ones.
    """
    if not columns:
        chosen = DEFAULT_COLUMNS + (SENSITIVE_COLUMNS if include_sensitive else ())
        return chosen
    by_name = {c.key: c.key for c in COLUMNS} | {c.label.casefold(): c.key for c in COLUMNS}
    picked: list[str] = []
    for item in columns:
        key = by_name.get(item.strip()) or by_name.get(item.strip().casefold())
        if key is None:
            known = ", ".join(c.key for c in COLUMNS)
            raise DomainError(f"There is no column “{item.strip()}” (choose from {known}).")
        if key not in picked:
            picked.append(key)
    return tuple(picked)


class VolunteerExporter(Service):
    """Writes volunteers to CSV or XLSX files."""

    def export(
        self,
        path: str | os.PathLike[str],
        *,
        columns: Sequence[str] | None = None,
        include_sensitive: bool = False,
        include_archived: bool = True,
        volunteer_ids: Sequence[int] | None = None,
        progress: Progress | None = None,
        cancel: Cancelled | None = None,
    ) -> ExportSummary:
        """Write volunteers (all, or ``volunteer_ids``) to ``path``; the suffix picks the format.

        Anonymised former volunteers are left out.  The file is written beside its final
        name and renamed at the end, so a failed or cancelled export leaves no half file.

        Raises:
            DomainError: an unknown column or file type.
            StorageError: the file cannot be written.
            OperationCancelledError: ``cancel`` returned true.
        """
        target = Path(path)
        suffix = target.suffix.lower()
        if suffix not in (".csv", ".xlsx"):
            raise DomainError(f"{target.name}: choose a file name ending in .csv or .xlsx.")
        chosen = choose_columns(columns, include_sensitive=include_sensitive)
        report = progress or _quiet
        report("Reading volunteers", 0.0)
        rows = self._rows(chosen, include_archived, volunteer_ids)
        partial = target.with_name(target.name + ".partial")
        try:
            if suffix == ".csv":
                _write_csv(partial, chosen, rows, report, cancel)
            else:
                _write_xlsx(partial, chosen, rows, report, cancel)
            partial.replace(target)
        except OSError as error:
            raise StorageError(
                f"{target} could not be written: {error.strerror or error}."
            ) from error
        finally:
            partial.unlink(missing_ok=True)
        sensitive = tuple(key for key in chosen if COLUMNS_BY_KEY[key].sensitive)
        with self.db.write() as session:
            self._log(
                session,
                "export",
                "volunteer",
                None,
                f"Exported {len(rows)} volunteer{'s' if len(rows) != 1 else ''} to "
                f"{target.name} (columns: {', '.join(chosen)}; sensitive: "
                f"{', '.join(sensitive) if sensitive else 'none'})",
            )
        report("Exported", 1.0)
        return ExportSummary(target, len(rows), chosen, sensitive)

    def _rows(
        self, chosen: Sequence[str], include_archived: bool, ids: Sequence[int] | None
    ) -> list[list[Any]]:
        plain = [key for key in chosen if key != "qualifications"]
        query = (
            select(Volunteer.id, *(getattr(Volunteer, key) for key in plain if key != "id"))
            .where(Volunteer.anonymised_at.is_(None))
            .order_by(Volunteer.name, Volunteer.id)
        )
        if not include_archived:
            query = query.where(Volunteer.active.is_(True))
        with self.db.read() as session:
            if ids is None:
                found = session.execute(query).all()
            else:
                found = []
                for part in chunks(list(ids)):
                    found.extend(session.execute(query.where(Volunteer.id.in_(part))).all())
            held: dict[int, list[str]] = {}
            if "qualifications" in chosen:
                for vid, name in session.execute(
                    select(VolunteerQualification.volunteer_id, Qualification.name)
                    .join(Qualification)
                    .order_by(Qualification.name)
                ):
                    held.setdefault(vid, []).append(name)
        rows: list[list[Any]] = []
        for record in found:
            values = dict(zip(["id", *(k for k in plain if k != "id")], record, strict=True))
            values["qualifications"] = ", ".join(held.get(record[0], []))
            rows.append([values[key] for key in chosen])
        return rows


def _headers(chosen: Sequence[str]) -> list[str]:
    return [COLUMNS_BY_KEY[key].label for key in chosen]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _steps(
    rows: Sequence[list[Any]], report: Progress, cancel: Cancelled | None
) -> Iterator[list[Any]]:
    total = len(rows) or 1
    for index, row in enumerate(rows):
        if index % 500 == 0:
            if cancel is not None and cancel():
                raise OperationCancelledError("The export was cancelled; no file was written.")
            report("Writing", 0.1 + 0.85 * index / total)
        yield row


def _write_csv(
    path: Path,
    chosen: Sequence[str],
    rows: Sequence[list[Any]],
    report: Progress,
    cancel: Cancelled | None,
) -> None:
    # UTF-8 with a byte-order mark, so Excel shows "Zoë" rather than "ZoÃ«".
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(_headers(chosen))
        for row in _steps(rows, report, cancel):
            writer.writerow([neutralise_cell(_text(value)) for value in row])


def _write_xlsx(
    path: Path,
    chosen: Sequence[str],
    rows: Sequence[list[Any]],
    report: Progress,
    cancel: Cancelled | None,
) -> None:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Volunteers")
    sheet.append(_headers(chosen))
    for row in _steps(rows, report, cancel):
        cells: list[Any] = []
        for value in row:
            if isinstance(value, str):
                # openpyxl would store text starting with "=" as a formula.
                cells.append(neutralise_cell(ILLEGAL_CHARACTERS_RE.sub("", value)))
            elif isinstance(value, bool) or value is None:
                cells.append(_text(value))
            else:
                cells.append(value)  # numbers and dates stay numbers and dates
        sheet.append(cells)
    book.save(path)


def _quiet(stage: str, fraction: float) -> None:
    """Ignore progress."""
