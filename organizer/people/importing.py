"""Importing volunteers from a spreadsheet: mapping, preview, dry run, apply, undo.

The steps a wizard shows:

1. :meth:`VolunteerImporter.preview` reads the file (see :mod:`organizer.people.tabular`),
   maps its columns to volunteer fields (remembered from the last import of a file with the
   same headers, else guessed from the headers, or as given), and checks every row.  The
   :class:`ImportPreview` lists each problem row with the reason, warnings, likely
   duplicates of people already there, and sign-ups that look like spam.  Nothing is written:
   this *is* the dry run.
2. :meth:`VolunteerImporter.apply` writes every row (less any the coordinator chose to leave
   out) in one transaction, or nothing when a row has a problem, the database refuses one, or
   the coordinator cancels.  It remembers the mapping for the file's layout.
3. :meth:`VolunteerImporter.undo` deletes exactly the volunteers an import created, unless
   some have been given shifts since.

Long steps take ``progress(stage, fraction)`` and ``cancel()`` callables.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import os
import re
import uuid
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from organizer.errors import DomainError, ImportFormatError, OperationCancelledError
from organizer.models import (
    Assignment,
    ChangeLogEntry,
    FileInfo,
    Qualification,
    Volunteer,
    VolunteerQualification,
    utc_now,
)
from organizer.models.ids import QualificationId, VolunteerId
from organizer.people.duplicates import (
    PersonRecord,
    find_duplicates,
    fold,
    normalise_phone,
    review_reason_for,
    spam_reasons,
)
from organizer.people.tabular import FORMULA_STARTS, Table, TableRow, read_table, restore_cell
from organizer.services.base import Service, chunks
from organizer.storage import Database
from organizer.validation import EMAIL_SHAPE

Progress = Callable[[str, float], None]
"""Called with what is happening and the fraction done (0.0 to 1.0)."""
Cancelled = Callable[[], bool]
"""Returns true once the person has asked to stop."""

MAPPING_KEY_PREFIX = "import-mapping."
BATCH_KEY_PREFIX = "import-batch."
DEFAULT_TIMEZONE = "Europe/London"
PREVIEW_ROWS = 10
_INSERT_CHUNK = 1000


class VolunteerField(StrEnum):
    """A volunteer field a spreadsheet column can fill."""

    NAME = "name"
    FIRST_NAME = "first_name"
    LAST_NAME = "last_name"
    EMAIL = "email"
    PHONE = "phone"
    PRONOUNS = "pronouns"
    JOINED_ON = "joined_on"
    TIMEZONE = "timezone"
    NOTES = "notes"
    EMERGENCY_CONTACT_NAME = "emergency_contact_name"
    EMERGENCY_CONTACT_PHONE = "emergency_contact_phone"
    HEALTH_NOTES = "health_notes"
    QUALIFICATIONS = "qualifications"
    MAX_HOURS_PER_WEEK = "max_hours_per_week"
    MAX_HOURS_PER_MONTH = "max_hours_per_month"


IGNORE = ""
"""The mapping target of a column that is not imported."""

FIELD_LABELS: dict[VolunteerField, str] = {
    VolunteerField.NAME: "Name",
    VolunteerField.FIRST_NAME: "First name",
    VolunteerField.LAST_NAME: "Last name",
    VolunteerField.EMAIL: "Email",
    VolunteerField.PHONE: "Phone",
    VolunteerField.PRONOUNS: "Pronouns",
    VolunteerField.JOINED_ON: "Joined on",
    VolunteerField.TIMEZONE: "Time zone",
    VolunteerField.NOTES: "Notes",
    VolunteerField.EMERGENCY_CONTACT_NAME: "Emergency contact",
    VolunteerField.EMERGENCY_CONTACT_PHONE: "Emergency contact phone",
    VolunteerField.HEALTH_NOTES: "Health notes",
    VolunteerField.QUALIFICATIONS: "Qualifications",
    VolunteerField.MAX_HOURS_PER_WEEK: "Most hours a week",
    VolunteerField.MAX_HOURS_PER_MONTH: "Most hours a month",
}

_SPELLINGS: dict[VolunteerField, tuple[str, ...]] = {
    VolunteerField.NAME: (
        "name", "full name", "fullname", "volunteer", "volunteer name", "your name", "person",
        "contact name", "display name",
    ),
    VolunteerField.FIRST_NAME: (
        "first name", "firstname", "first", "forename", "forenames", "given name", "given",
        "christian name", "first names",
    ),
    VolunteerField.LAST_NAME: (
        "last name", "lastname", "last", "surname", "family name", "second name",
    ),
    VolunteerField.EMAIL: (
        "email", "e-mail", "email address", "e-mail address", "mail", "email addr",
        "your email", "contact email",
    ),
    VolunteerField.PHONE: (
        "phone", "telephone", "tel", "tel no", "mobile", "mobile number", "phone number",
        "mobile phone", "cell", "contact number", "telephone number", "phone no", "telefon",
    ),
    VolunteerField.PRONOUNS: ("pronouns", "pronoun", "preferred pronouns"),
    VolunteerField.JOINED_ON: (
        "joined", "joined on", "date joined", "join date", "start date", "started",
        "signed up", "sign up date", "signup date", "registered", "registration date",
        "date registered", "member since",
    ),
    VolunteerField.TIMEZONE: ("time zone", "timezone", "tz"),
    VolunteerField.NOTES: ("notes", "note", "comments", "comment", "remarks"),
    VolunteerField.EMERGENCY_CONTACT_NAME: (
        "emergency contact", "emergency contact name", "next of kin", "ice contact",
        "in case of emergency",
    ),
    VolunteerField.EMERGENCY_CONTACT_PHONE: (
        "emergency phone", "emergency contact phone", "emergency number",
        "emergency contact number", "next of kin phone", "ice phone", "ice number",
    ),
    VolunteerField.HEALTH_NOTES: (
        "health notes", "health", "medical", "medical notes", "medical conditions",
        "health conditions", "allergies", "health information",
    ),
    VolunteerField.QUALIFICATIONS: (
        "qualifications", "qualification", "training", "certificates", "certifications",
    ),
    VolunteerField.MAX_HOURS_PER_WEEK: (
        "max hours per week", "hours per week", "max hours a week", "weekly hours",
        "max weekly hours",
    ),
    VolunteerField.MAX_HOURS_PER_MONTH: (
        "max hours per month", "hours per month", "max hours a month", "monthly hours",
    ),
}  # fmt: skip


def _header_key(header: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", fold(header))


_BY_SPELLING: dict[str, VolunteerField] = {
    _header_key(spelling): target
    for target, spellings in _SPELLINGS.items()
    for spelling in spellings
}


def guess_field(header: str) -> VolunteerField | None:
    """The field a column header names ("E-mail address" → email), if any."""
    return _BY_SPELLING.get(_header_key(header))


def guess_mapping(headers: Sequence[str]) -> dict[str, str]:
    """Each header mapped to the field it names, or to "" (ignored); each field used once."""
    used: set[VolunteerField] = set()
    mapping: dict[str, str] = {}
    for header in headers:
        target = guess_field(header)
        if target is not None and target not in used:
            used.add(target)
            mapping[header] = target.value
        else:
            mapping[header] = IGNORE
    return mapping


def header_signature(headers: Sequence[str]) -> str:
    """A fingerprint of a file's layout (its headers, ignoring case, accents and spacing)."""
    text = "\x1f".join(_header_key(h) for h in headers)
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def parse_mapping(text: str, headers: Sequence[str], source: str = "the mapping") -> dict[str, str]:
    """Read "Column=field,Other column=field" (a field may be empty to ignore the column).

    Headers match ignoring case; fields are :class:`VolunteerField` values or their labels.

    Raises:
        ImportFormatError: an unknown column or field, naming it.
    """
    by_key = {_header_key(h): h for h in headers}
    by_label = {_header_key(label): f.value for f, label in FIELD_LABELS.items()}
    by_label.update({_header_key(f.value): f.value for f in VolunteerField})
    mapping: dict[str, str] = {}
    for part in (p for p in text.split(",") if p.strip()):
        column, sep, target = part.partition("=")
        if not sep:
            raise ImportFormatError(f"{source}: “{part.strip()}” is not Column=field.")
        header = by_key.get(_header_key(column))
        if header is None:
            raise ImportFormatError(
                f"{source}: the file has no column “{column.strip()}” "
                f"(it has {', '.join(headers)})."
            )
        if not target.strip() or _header_key(target) in ("ignore", "skip", "none"):
            mapping[header] = IGNORE
            continue
        chosen = by_label.get(_header_key(target))
        if chosen is None:
            known = ", ".join(f.value for f in VolunteerField)
            raise ImportFormatError(
                f"{source}: “{target.strip()}” is not a volunteer field (use one of {known})."
            )
        mapping[header] = chosen
    return mapping


class DateOrder(StrEnum):
    """How numeric dates such as 03/04/2024 are read."""

    DAY_FIRST = "day-first"
    MONTH_FIRST = "month-first"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class RowProblem:
    """Why a row cannot be imported (or, as a warning, what to check).

    ``line`` is the row's number as the spreadsheet shows it; ``field`` the field concerned
    ("" for the whole row).
    """

    line: int
    field: str
    message: str

    def __str__(self) -> str:
        label = FIELD_LABELS.get(VolunteerField(self.field)) if self.field else None
        return f"Row {self.line}: {label + ': ' if label else ''}{self.message}"


@dataclass(frozen=True, slots=True)
class ParsedVolunteer:
    """A row's volunteer, checked and ready to store."""

    name: str
    joined_on: date
    timezone: str
    email: str | None = None
    phone: str | None = None
    pronouns: str = ""
    notes: str = ""
    emergency_contact_name: str = ""
    emergency_contact_phone: str = ""
    health_notes: str = ""
    qualification_ids: tuple[QualificationId, ...] = ()
    max_hours_per_week: float | None = None
    max_hours_per_month: float | None = None
    review_reason: str = ""


@dataclass(frozen=True, slots=True)
class ImportRow:
    """One row of the file: the text of each mapped field, and the result of checking it."""

    line: int
    cells: dict[str, str]
    volunteer: ParsedVolunteer | None
    problems: tuple[RowProblem, ...] = ()
    warnings: tuple[RowProblem, ...] = ()


@dataclass(frozen=True, slots=True)
class ImportDuplicate:
    """A row that looks like someone already there (``volunteer_id``) or another row."""

    line: int
    score: float
    reasons: tuple[str, ...]
    volunteer_id: VolunteerId | None = None
    volunteer_name: str = ""
    other_line: int | None = None


@dataclass(frozen=True)
class ImportPreview:
    """Everything a wizard shows before importing; also the result of a dry run."""

    path: Path
    table: Table
    mapping: dict[str, str]
    mapping_origin: str
    """"given", "remembered" (from an earlier import of this layout) or "guessed"."""
    signature: str
    rows: tuple[ImportRow, ...]
    date_order: DateOrder
    duplicates: tuple[ImportDuplicate, ...] = ()
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def source(self) -> str:
        """The file's name."""
        return self.table.source

    @property
    def problems(self) -> list[RowProblem]:
        """Every problem, row by row: each stops the import until fixed or the row left out."""
        return [problem for row in self.rows for problem in row.problems]

    @property
    def warnings(self) -> list[RowProblem]:
        """Things to check that do not stop the import."""
        return [warning for row in self.rows for warning in row.warnings]

    @property
    def problem_lines(self) -> list[int]:
        """The rows with problems."""
        return [row.line for row in self.rows if row.problems]

    @property
    def ok(self) -> bool:
        """Whether every row can be imported."""
        return not any(row.problems for row in self.rows)

    @property
    def unmapped_headers(self) -> list[str]:
        """Columns that will not be imported."""
        return [h for h in self.table.headers if not self.mapping.get(h)]

    @property
    def spam_lines(self) -> list[int]:
        """Rows that will be flagged for review as likely spam."""
        return [r.line for r in self.rows if r.volunteer and r.volunteer.review_reason]

    def sample(self, count: int = PREVIEW_ROWS) -> list[ImportRow]:
        """The first rows, to show how the mapping reads them."""
        return list(self.rows[:count])


@dataclass(frozen=True)
class ImportResult:
    """What an import did: its id (for undo) and the volunteers it created."""

    batch_id: str
    source: str
    created: int
    volunteer_ids: tuple[VolunteerId, ...]
    flagged_for_review: int


@dataclass(frozen=True)
class ImportBatch:
    """An earlier import, as kept for undo."""

    batch_id: str
    source: str
    at: datetime
    by: str
    count: int
    volunteer_ids: tuple[VolunteerId, ...]


class VolunteerImporter(Service):
    """Imports volunteers from CSV and XLSX files, and undoes imports.

    ``today`` gives the joined date of rows that have none (default: the real date).
    """

    def __init__(
        self, db: Database, actor: str, *, today: Callable[[], date] | None = None
    ) -> None:
        super().__init__(db, actor)
        self.today = today or date.today

    # Mapping memory --------------------------------------------------------------------------

    def remembered_mapping(self, headers: Sequence[str]) -> dict[str, str] | None:
        """The mapping last used for a file with these headers, if any."""
        key = MAPPING_KEY_PREFIX + header_signature(headers)
        with self.db.read() as session:
            stored = session.get(FileInfo, key)
            text = stored.value if stored is not None else None
        if text is None:
            return None
        try:
            saved = json.loads(text)["mapping"]
        except (ValueError, KeyError, TypeError):
            return None
        known = {f.value for f in VolunteerField} | {IGNORE}
        mapping = {h: str(saved.get(h, IGNORE)) for h in headers}
        return mapping if set(mapping.values()) <= known else None

    def remember_mapping(self, headers: Sequence[str], mapping: dict[str, str]) -> None:
        """Keep ``mapping`` for files with these headers."""
        with self.db.write() as session:
            _store_mapping(session, headers, mapping)

    # Preview ---------------------------------------------------------------------------------

    def preview(
        self,
        path: str | os.PathLike[str],
        *,
        mapping: dict[str, str] | None = None,
        sheet: str | None = None,
        date_order: DateOrder | None = None,
        default_timezone: str = DEFAULT_TIMEZONE,
        check_duplicates: bool = True,
        progress: Progress | None = None,
        cancel: Cancelled | None = None,
    ) -> ImportPreview:
        """Read and check a whole file without changing anything (the dry run).

        ``mapping`` (header → field value, "" to ignore) overrides the remembered or guessed
        one for the headers it names.  ``date_order`` says how to read 03/04/2024; by default
        it is worked out from the file's other dates.

        Raises:
            ImportFormatError: the file cannot be read, or the mapping has no name column.
            OperationCancelledError: ``cancel`` returned true.
        """
        report = progress or _quiet
        report("Reading the file", 0.0)
        table = read_table(path, sheet=sheet, header_score=header_score)
        _check_cancel(cancel)
        remembered = self.remembered_mapping(table.headers)
        if remembered is not None:
            chosen, origin = remembered, "remembered"
        else:
            chosen, origin = guess_mapping(table.headers), "guessed"
        if mapping:
            unknown = [h for h in mapping if h not in table.headers]
            if unknown:
                raise ImportFormatError(
                    f"{table.source} has no column “{unknown[0]}” "
                    f"(it has {', '.join(table.headers)})."
                )
            chosen = {**chosen, **mapping}
            origin = "given"
        _check_mapping(table.source, chosen)
        with self.db.read() as session:
            qualifications = {
                fold(name): (qid, name)
                for qid, name in session.execute(select(Qualification.id, Qualification.name))
            }
        columns = {target: table.headers.index(h) for h, target in chosen.items() if target}
        order = date_order or _infer_date_order(
            [row.get(columns[VolunteerField.JOINED_ON]) for row in table.rows]
            if VolunteerField.JOINED_ON in columns
            else []
        )
        checker = _RowChecker(
            columns=columns,
            headers=table.headers,
            qualifications=qualifications,
            date_order=order,
            today=self.today(),
            default_timezone=default_timezone,
        )
        rows: list[ImportRow] = []
        total = len(table.rows) or 1
        for index, raw in enumerate(table.rows):
            if index % 500 == 0:
                _check_cancel(cancel)
                report("Checking rows", 0.1 + 0.6 * index / total)
            rows.append(checker.check(raw))
        duplicates: tuple[ImportDuplicate, ...] = ()
        if check_duplicates and rows:
            duplicates = self._duplicates(rows, report, cancel)
            rows = _with_duplicate_warnings(rows, duplicates)
        report("Checked", 1.0)
        return ImportPreview(
            path=Path(path),
            table=table,
            mapping=chosen,
            mapping_origin=origin,
            signature=header_signature(table.headers),
            rows=tuple(rows),
            date_order=order,
            duplicates=duplicates,
            options={"sheet": table.sheet, "default_timezone": default_timezone},
        )

    def _duplicates(
        self, rows: Sequence[ImportRow], report: Progress, cancel: Cancelled | None
    ) -> tuple[ImportDuplicate, ...]:
        query = select(Volunteer.id, Volunteer.name, Volunteer.email, Volunteer.phone).where(
            Volunteer.anonymised_at.is_(None)
        )
        with self.db.read() as session:
            existing = session.execute(query).all()
        names = {row.id: row.name for row in existing}
        records = [PersonRecord(row.id, row.name, row.email, row.phone) for row in existing]
        new_keys: list[int] = []
        for row in rows:
            if row.volunteer is None:
                continue
            key = -row.line  # rows get negative keys, apart from volunteer ids
            new_keys.append(key)
            person = row.volunteer
            records.append(PersonRecord(key, person.name, person.email, person.phone))

        def scaled(stage: str, fraction: float) -> None:
            report("Looking for duplicates", 0.7 + 0.3 * fraction)

        pairs = find_duplicates(records, only_involving=new_keys, progress=scaled, cancel=cancel)
        found: list[ImportDuplicate] = []
        for pair in pairs:
            if pair.first < 0 and pair.second < 0:
                # keys are minus the line: the later row refers back to the earlier one
                later, earlier = -pair.first, -pair.second
                found.append(ImportDuplicate(later, pair.score, pair.reasons, None, "", earlier))
            else:
                line = -pair.first
                vid = VolunteerId(pair.second)
                found.append(ImportDuplicate(line, pair.score, pair.reasons, vid, names[vid]))
        found.sort(key=lambda d: (d.line, -d.score))
        return tuple(found)

    # Apply -----------------------------------------------------------------------------------

    def apply(
        self,
        preview: ImportPreview,
        *,
        leave_out: Collection[int] = (),
        remember_mapping: bool = True,
        progress: Progress | None = None,
        cancel: Cancelled | None = None,
    ) -> ImportResult:
        """Create a volunteer for every row (but those in ``leave_out``), all or none.

        Rows that look like spam are created flagged for review.  The mapping is remembered
        for files with the same headers, and the import is recorded for :meth:`undo`.

        Raises:
            ImportFormatError: a row has a problem (they are all listed in the preview);
                nothing was imported.
            DomainError: a qualification was deleted since the preview.
            OperationCancelledError: ``cancel`` returned true; nothing was imported.
        """
        report = progress or _quiet
        skipped = frozenset(leave_out)
        chosen = [row for row in preview.rows if row.line not in skipped]
        bad = [row for row in chosen if row.problems or row.volunteer is None]
        if bad:
            first = bad[0].problems[0] if bad[0].problems else f"Row {bad[0].line}"
            raise ImportFormatError(
                f"{preview.source}: {len(bad)} row{'s' if len(bad) != 1 else ''} "
                f"{'have' if len(bad) != 1 else 'has'} problems, so nothing was imported "
                f"(first: {first})."
            )
        people = [row.volunteer for row in chosen if row.volunteer is not None]
        now = utc_now()
        batch_id = f"{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
        report("Importing", 0.0)
        with self.db.write() as session:
            held = {qid for person in people for qid in person.qualification_ids}
            if held:
                present = set(
                    session.scalars(select(Qualification.id).where(Qualification.id.in_(held)))
                )
                if held - present:
                    raise DomainError(
                        f"{preview.source}: a qualification named in the file was deleted "
                        "since the preview. Check the file again."
                    )
            first_id = (
                int(session.scalar(select(func.coalesce(func.max(Volunteer.id), 0))) or 0) + 1
            )
            ids = [VolunteerId(first_id + index) for index in range(len(people))]
            total = len(people) or 1
            done = 0
            for batch in chunks(list(zip(ids, people, strict=True)), _INSERT_CHUNK):
                _check_cancel(cancel)
                self._insert(session, batch, now, preview.source)
                done += len(batch)
                report("Importing", 0.95 * done / total)
            if remember_mapping:
                _store_mapping(session, preview.table.headers, preview.mapping)
            record = {
                "source": preview.source,
                "at": now.isoformat(),
                "by": self.actor,
                "count": len(ids),
                "ids": _ranges(ids),
            }
            session.add(FileInfo(key=BATCH_KEY_PREFIX + batch_id, value=json.dumps(record)))
            self._log(
                session,
                "import",
                "volunteer",
                None,
                f"Imported {len(ids)} volunteer{'s' if len(ids) != 1 else ''} from "
                f"{preview.source} (import {batch_id})",
            )
            _check_cancel(cancel)
        report("Imported", 1.0)
        return ImportResult(
            batch_id=batch_id,
            source=preview.source,
            created=len(ids),
            volunteer_ids=tuple(ids),
            flagged_for_review=sum(1 for p in people if p.review_reason),
        )

    def _insert(
        self,
        session: Session,
        batch: Sequence[tuple[VolunteerId, ParsedVolunteer]],
        now: datetime,
        source: str,
    ) -> None:
        stamps = {
            "created_at": now,
            "created_by": self.actor,
            "updated_at": now,
            "updated_by": self.actor,
            "version": 1,
        }
        session.execute(
            insert(Volunteer),
            [
                {
                    "id": vid,
                    "name": p.name,
                    "email": p.email,
                    "phone": p.phone,
                    "pronouns": p.pronouns,
                    "joined_on": p.joined_on,
                    "timezone": p.timezone,
                    "notes": p.notes,
                    "emergency_contact_name": p.emergency_contact_name,
                    "emergency_contact_phone": p.emergency_contact_phone,
                    "active": True,
                    "max_hours_per_week": p.max_hours_per_week,
                    "max_hours_per_month": p.max_hours_per_month,
                    "health_notes": p.health_notes,
                    "review_reason": p.review_reason,
                    **stamps,
                }
                for vid, p in batch
            ],
        )
        held = [
            {"volunteer_id": vid, "qualification_id": qid, "obtained_on": None, "expires_on": None}
            for vid, p in batch
            for qid in p.qualification_ids
        ]
        if held:
            session.execute(insert(VolunteerQualification), held)
        session.execute(
            insert(ChangeLogEntry),
            [
                {
                    "at": now,
                    "actor": self.actor,
                    "action": "create",
                    "entity": "volunteer",
                    "entity_id": vid,
                    "summary": f"Created volunteer “{p.name}” (imported from {source})",
                }
                for vid, p in batch
            ],
        )

    def import_file(
        self,
        path: str | os.PathLike[str],
        *,
        dry_run: bool = False,
        mapping: dict[str, str] | None = None,
        sheet: str | None = None,
        date_order: DateOrder | None = None,
        progress: Progress | None = None,
        cancel: Cancelled | None = None,
    ) -> tuple[ImportPreview, ImportResult | None]:
        """Preview and, unless ``dry_run``, apply: what the command line does."""
        preview = self.preview(
            path,
            mapping=mapping,
            sheet=sheet,
            date_order=date_order,
            progress=progress,
            cancel=cancel,
        )
        if dry_run:
            return preview, None
        return preview, self.apply(preview, progress=progress, cancel=cancel)

    # History and undo ------------------------------------------------------------------------

    def history(self) -> list[ImportBatch]:
        """Earlier imports that can still be undone, newest first."""
        query = select(FileInfo).where(FileInfo.key.startswith(BATCH_KEY_PREFIX))
        with self.db.read() as session:
            stored = [(row.key, row.value) for row in session.scalars(query)]
        batches = [_batch(key[len(BATCH_KEY_PREFIX) :], value) for key, value in stored]
        return sorted((b for b in batches if b is not None), key=lambda b: b.at, reverse=True)

    def undo(self, batch_id: str) -> int:
        """Delete the volunteers an import created; returns how many were deleted.

        Volunteers deleted or merged away since are skipped.

        Raises:
            DomainError: no such import (or it was undone already), or some of the people it
                created have shifts on record since; nothing was deleted.
        """
        key = BATCH_KEY_PREFIX + batch_id
        with self.db.write() as session:
            stored = session.get(FileInfo, key)
            batch = _batch(batch_id, stored.value) if stored is not None else None
            if stored is None or batch is None:
                raise DomainError("This import was already undone, or is not known.")
            ids = list(batch.volunteer_ids)
            present: list[tuple[int, str]] = []
            for id_part in chunks(ids):
                present.extend(
                    session.execute(
                        select(Volunteer.id, Volunteer.name).where(
                            Volunteer.id.in_(id_part), Volunteer.created_at == batch.at
                        )
                    )
                )
            busy: list[str] = []
            for part in chunks([vid for vid, _ in present]):
                busy.extend(
                    session.scalars(
                        select(Volunteer.name)
                        .where(
                            Volunteer.id.in_(part),
                            select(Assignment.id)
                            .where(Assignment.volunteer_id == Volunteer.id)
                            .exists(),
                        )
                        .order_by(Volunteer.name)
                    )
                )
            if busy:
                shown = ", ".join(busy[:3]) + (
                    f" and {len(busy) - 3} more" if len(busy) > 3 else ""
                )
                raise DomainError(
                    f"The import from {batch.source} cannot be undone: {shown} "
                    f"{'have' if len(busy) > 1 else 'has'} shifts on record since. Nothing was "
                    "deleted."
                )
            for part in chunks([vid for vid, _ in present]):
                session.execute(delete(Volunteer).where(Volunteer.id.in_(part)))
            now = utc_now()
            if present:
                session.execute(
                    insert(ChangeLogEntry),
                    [
                        {
                            "at": now,
                            "actor": self.actor,
                            "action": "delete",
                            "entity": "volunteer",
                            "entity_id": vid,
                            "summary": f"Deleted volunteer “{name}” (import undone)",
                        }
                        for vid, name in present
                    ],
                )
            session.delete(stored)
            self._log(
                session,
                "undo-import",
                "volunteer",
                None,
                f"Undid the import from {batch.source} (import {batch_id}): deleted "
                f"{len(present)} volunteer{'s' if len(present) != 1 else ''}",
            )
            return len(present)


# Checking rows --------------------------------------------------------------------------------


class _RowChecker:
    """Turns one row's text into a volunteer, collecting problems and warnings."""

    def __init__(
        self,
        *,
        columns: dict[str, int],
        headers: Sequence[str],
        qualifications: dict[str, tuple[QualificationId, str]],
        date_order: DateOrder,
        today: date,
        default_timezone: str,
    ) -> None:
        self.columns = columns
        self.headers = headers
        self.qualifications = qualifications
        self.date_order = date_order
        self.today = today
        self.default_timezone = default_timezone

    def check(self, raw: TableRow) -> ImportRow:
        line = raw.line
        problems: list[RowProblem] = []
        warnings: list[RowProblem] = []
        cells: dict[str, str] = {}
        for target, index in self.columns.items():
            cell = raw.get(index)
            if index in raw.formulas:
                if cell:
                    warnings.append(
                        RowProblem(
                            line,
                            target,
                            f"column “{self.headers[index]}” holds a formula; its saved result "
                            f"“{cell}” was used.",
                        )
                    )
                else:
                    problems.append(
                        RowProblem(
                            line,
                            target,
                            f"column “{self.headers[index]}” holds a formula with no saved "
                            "result; type the value in instead.",
                        )
                    )
            restored = restore_cell(cell)
            if (
                restored.startswith(FORMULA_STARTS)
                and target not in _NUMERIC
                and not (target in _PHONES and restored.startswith("+"))
            ):
                warnings.append(
                    RowProblem(
                        line, target, f"“{restored}” looks like a formula; it is kept as text."
                    )
                )
            cells[target] = restored.strip()

        def text(target: VolunteerField) -> str:
            return cells.get(target.value, "")

        name = text(VolunteerField.NAME) or " ".join(
            part
            for part in (text(VolunteerField.FIRST_NAME), text(VolunteerField.LAST_NAME))
            if part
        )
        name = " ".join(name.split())
        if not name:
            problems.append(
                RowProblem(line, VolunteerField.NAME.value, "missing (every row needs a name).")
            )
        elif len(name) > 120:
            problems.append(
                RowProblem(line, VolunteerField.NAME.value, "the name is too long (at most 120).")
            )
        email = text(VolunteerField.EMAIL).removeprefix("mailto:").strip() or None
        if email is not None and (not EMAIL_SHAPE.match(email) or len(email) > 254):
            problems.append(RowProblem(line, "email", f"“{email}” is not an email address."))
        phones: dict[VolunteerField, str | None] = {}
        for target in _PHONES:
            value = text(target) or None
            if value is not None and (len(value) > 40 or normalise_phone(value) is None):
                problems.append(RowProblem(line, target.value, f"“{value}” is not a phone number."))
            phones[target] = value
        joined = self.today
        if raw_date := text(VolunteerField.JOINED_ON):
            try:
                joined = parse_date(raw_date, self.date_order)
            except ValueError as error:
                problems.append(RowProblem(line, VolunteerField.JOINED_ON.value, str(error)))
        timezone = text(VolunteerField.TIMEZONE) or self.default_timezone
        if not _known_zone(timezone):
            problems.append(
                RowProblem(
                    line, VolunteerField.TIMEZONE.value, f"“{timezone}” is not a known time zone."
                )
            )
        held: list[QualificationId] = []
        for item in _split_list(text(VolunteerField.QUALIFICATIONS)):
            found = self.qualifications.get(fold(item))
            if found is None:
                known = ", ".join(sorted(name for _, name in self.qualifications.values())[:8])
                problems.append(
                    RowProblem(
                        line,
                        VolunteerField.QUALIFICATIONS.value,
                        f"unknown qualification “{item}” "
                        f"({'known: ' + known if known else 'none are set up yet'}).",
                    )
                )
            elif found[0] not in held:
                held.append(found[0])
        limits: dict[VolunteerField, float | None] = {}
        for target in _NUMERIC:
            limits[target] = None
            if value := text(target):
                try:
                    number = float(value.replace(",", "."))
                except ValueError:
                    number = -1.0
                if not 0 < number < 1000:
                    problems.append(
                        RowProblem(
                            line, target.value, f"“{value}” is not a number of hours above 0."
                        )
                    )
                else:
                    limits[target] = number
        for target, limit in _LENGTHS.items():
            if len(text(target)) > limit:
                problems.append(
                    RowProblem(line, target.value, f"too long (at most {limit} characters).")
                )
        if problems:
            return ImportRow(line, cells, None, tuple(problems), tuple(warnings))
        spam = spam_reasons(name, email, phones[VolunteerField.PHONE])
        if spam:
            warnings.append(
                RowProblem(
                    line,
                    "",
                    f"looks like a bot sign-up ({'; '.join(spam)}); it will be flagged for review.",
                )
            )
        volunteer = ParsedVolunteer(
            name=name,
            joined_on=joined,
            timezone=timezone,
            email=email,
            phone=phones[VolunteerField.PHONE],
            pronouns=text(VolunteerField.PRONOUNS),
            notes=text(VolunteerField.NOTES),
            emergency_contact_name=text(VolunteerField.EMERGENCY_CONTACT_NAME),
            emergency_contact_phone=phones[VolunteerField.EMERGENCY_CONTACT_PHONE] or "",
            health_notes=text(VolunteerField.HEALTH_NOTES),
            qualification_ids=tuple(held),
            max_hours_per_week=limits[VolunteerField.MAX_HOURS_PER_WEEK],
            max_hours_per_month=limits[VolunteerField.MAX_HOURS_PER_MONTH],
            review_reason=review_reason_for(spam) if spam else "",
        )
        return ImportRow(line, cells, volunteer, (), tuple(warnings))


_PHONES = (VolunteerField.PHONE, VolunteerField.EMERGENCY_CONTACT_PHONE)
_NUMERIC = (VolunteerField.MAX_HOURS_PER_WEEK, VolunteerField.MAX_HOURS_PER_MONTH)
_LENGTHS = {
    VolunteerField.PRONOUNS: 40,
    VolunteerField.EMERGENCY_CONTACT_NAME: 120,
}


def _known_zone(name: str) -> bool:
    from organizer.recurrence import zone

    try:
        zone(name)
    except DomainError:
        return False
    return True


def _split_list(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[;,|/\n]+", text) if part.strip()]


def _with_duplicate_warnings(
    rows: list[ImportRow], duplicates: Iterable[ImportDuplicate]
) -> list[ImportRow]:
    notes: dict[int, list[RowProblem]] = {}
    for dup in duplicates:
        who = (
            f"volunteer “{dup.volunteer_name}” (#{dup.volunteer_id})"
            if dup.volunteer_id is not None
            else f"row {dup.other_line}"
        )
        notes.setdefault(dup.line, []).append(
            RowProblem(
                dup.line, "", f"may be the same person as {who}: {', '.join(dup.reasons).lower()}."
            )
        )
    return [
        replace(row, warnings=row.warnings + tuple(notes[row.line])) if row.line in notes else row
        for row in rows
    ]


# Dates ----------------------------------------------------------------------------------------

_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?")
_NUMERIC_DATE = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})")
_MONTHS = {
    fold(name): number
    for number in range(1, 13)
    for name in (calendar.month_name[number], calendar.month_abbr[number])
} | {"sept": 9}
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\.?,?\s+(\d{4})")
_MONTH_DAY_YEAR = re.compile(r"([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})")


def parse_date(text: str, order: DateOrder = DateOrder.UNKNOWN) -> date:
    """A date from how people write them: 2024-02-03, 03/02/2024, 3 Feb 2024, Feb 3, 2024.

    Raises:
        ValueError: with a message for the coordinator: not a date, not a real date
            ("31/02/2024"), or ambiguous under ``DateOrder.UNKNOWN`` ("03/04/2024").
    """
    value = text.strip()
    folded = fold(value)
    if match := _ISO.fullmatch(value):
        year, month, day = (int(part) for part in match.groups())
        return _real_date(value, year, month, day)
    if match := _NUMERIC_DATE.fullmatch(value):
        first, second, year = int(match[1]), int(match[2]), _full_year(match[3])
        if order is DateOrder.UNKNOWN:
            if first != second and first <= 12 and second <= 12:
                raise ValueError(
                    f"“{value}” is ambiguous: it could be {_spoken(first, second)} or "
                    f"{_spoken(second, first)}. Choose whether dates are day first or month first."
                )
            day, month = (first, second) if first > 12 or second <= 12 else (second, first)
        elif order is DateOrder.DAY_FIRST:
            day, month = first, second
        else:
            month, day = first, second
        return _real_date(value, year, month, day)
    for pattern, day_group, month_group in ((_DAY_MONTH_YEAR, 1, 2), (_MONTH_DAY_YEAR, 2, 1)):
        if match := pattern.fullmatch(folded):
            month_number = _MONTHS.get(match[month_group])
            if month_number is not None:
                return _real_date(value, int(match[3]), month_number, int(match[day_group]))
    raise ValueError(f"“{value}” is not a date (write it like 2024-03-31 or 31/03/2024).")


def _full_year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        year += 2000 if year < 70 else 1900
    return year


def _spoken(day: int, month: int) -> str:
    return f"{day} {calendar.month_name[month]}"


def _real_date(text: str, year: int, month: int, day: int) -> date:
    if not 1 <= month <= 12:
        raise ValueError(f"“{text}” is not a real date (there is no month {month}).")
    if not 1900 <= year <= 2200:
        raise ValueError(f"“{text}” is not a plausible date (the year is {year}).")
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        raise ValueError(
            f"“{text}” is not a real date ({calendar.month_name[month]} {year} has {last} days)."
        )
    return date(year, month, day)


def _infer_date_order(values: Iterable[str]) -> DateOrder:
    """Day first or month first, if the file's dates say so (a 13 or more in one place)."""
    day_first = month_first = False
    for value in values:
        if match := _NUMERIC_DATE.fullmatch(value.strip()):
            first, second = int(match[1]), int(match[2])
            day_first |= first > 12 and second <= 12
            month_first |= second > 12 and first <= 12
    if day_first and not month_first:
        return DateOrder.DAY_FIRST
    if month_first and not day_first:
        return DateOrder.MONTH_FIRST
    return DateOrder.UNKNOWN


# Helpers --------------------------------------------------------------------------------------


def header_score(cells: Sequence[str]) -> int:
    """How many cells of a candidate header row name a volunteer field (finds the header)."""
    return sum(1 for cell in cells if cell and guess_field(cell) is not None)


def _check_mapping(source: str, mapping: dict[str, str]) -> None:
    targets = [t for t in mapping.values() if t]
    known = {f.value for f in VolunteerField}
    for target in targets:
        if target not in known:
            raise ImportFormatError(f"{source}: “{target}” is not a volunteer field.")
    repeated = {t for t in targets if targets.count(t) > 1}
    if repeated:
        raise ImportFormatError(
            f"{source}: more than one column is mapped to “{sorted(repeated)[0]}”."
        )
    names = {
        VolunteerField.NAME.value,
        VolunteerField.FIRST_NAME.value,
        VolunteerField.LAST_NAME.value,
    }
    if not names & set(targets):
        raise ImportFormatError(
            f"{source}: no column holds the name. Map a column to “name” (or to “first_name” "
            "and “last_name”)."
        )


def _store_mapping(session: Session, headers: Sequence[str], mapping: dict[str, str]) -> None:
    key = MAPPING_KEY_PREFIX + header_signature(headers)
    value = json.dumps(
        {"headers": list(headers), "mapping": {h: mapping.get(h, "") for h in headers}}
    )
    session.merge(FileInfo(key=key, value=value))


def _ranges(ids: Sequence[int]) -> list[list[int]]:
    ranges: list[list[int]] = []
    for vid in ids:
        if ranges and ranges[-1][1] + 1 == vid:
            ranges[-1][1] = vid
        else:
            ranges.append([vid, vid])
    return ranges


def _batch(batch_id: str, text: str) -> ImportBatch | None:
    try:
        data = json.loads(text)
        ids = tuple(
            VolunteerId(vid)
            for first, last in data["ids"]
            for vid in range(int(first), int(last) + 1)
        )
        at = datetime.fromisoformat(data["at"])
        return ImportBatch(
            batch_id=batch_id,
            source=str(data["source"]),
            at=at if at.tzinfo else at.replace(tzinfo=UTC),
            by=str(data["by"]),
            count=int(data["count"]),
            volunteer_ids=ids,
        )
    except (ValueError, KeyError, TypeError):
        return None


def _check_cancel(cancel: Cancelled | None) -> None:
    if cancel is not None and cancel():
        raise OperationCancelledError("The import was cancelled; nothing was changed.")


def _quiet(stage: str, fraction: float) -> None:
    """Ignore progress."""
