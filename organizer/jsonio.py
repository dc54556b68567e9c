"""The whole database as one versioned JSON document, for backups, moving data and scripts.

The format is described in ``docs/json-format.md``.  Export and import are generic over
``Base.metadata.sorted_tables``, so new tables and columns need no code here; only a new
*column type* does (see :func:`_codec_for`).
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from enum import Enum as PyEnum
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Dialect,
    Enum,
    Float,
    Insert,
    Integer,
    Row,
    Select,
    String,
    Table,
    Time,
    bindparam,
    false,
    func,
    insert,
    literal,
    select,
)
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from organizer import APP_NAME, __version__
from organizer.errors import DomainError, ImportFormatError, StorageError
from organizer.models import DERIVED_TABLES, Base, FileInfo, UTCDateTime, stored_columns
from organizer.services.occurrences import rebuild_all
from organizer.storage import Database, head_revision

FORMAT_NAME = "organizer-json"
FORMAT_VERSION = 1

Progress = Callable[[str, float], None]
"""Called with a message and the fraction done (0.0 to 1.0)."""

_CHUNK = 5000
_FILE_INFO = FileInfo.__table__
_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False)
_INT64 = range(-(2**63), 2**63)
_DATE_SHAPE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIME_SHAPE = re.compile(r"[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?")


@dataclass(frozen=True)
class TransferSummary:
    """How many rows an export or import moved, by table name."""

    rows: dict[str, int]

    @property
    def total(self) -> int:
        """Rows in all tables together."""
        return sum(self.rows.values())


def export_json(
    db: Database,
    destination: str | os.PathLike[str] | TextIO,
    *,
    progress: Progress | None = None,
) -> TransferSummary:
    """Write every table of ``db`` to ``destination`` as Organizer JSON.

    A path is written to a ``.partial`` file first and renamed at the end, so it never holds
    half an export; an existing file there is replaced.  The export reads one consistent
    snapshot.

    Raises:
        StorageError: the database cannot be read or the file cannot be written.
    """
    if not isinstance(destination, str | os.PathLike):
        return _export(db, destination, progress)
    path = Path(destination)
    partial = path.with_name(path.name + ".partial")
    try:
        with partial.open("w", encoding="utf-8", newline="\n") as out:
            summary = _export(db, out, progress)
        partial.replace(path)
    except OSError as error:
        raise StorageError(f"{path} could not be written: {error.strerror or error}.") from error
    finally:
        partial.unlink(missing_ok=True)
    return summary


def import_json(
    db: Database,
    source: str | os.PathLike[str] | TextIO,
    *,
    progress: Progress | None = None,
) -> TransferSummary:
    """Load an Organizer JSON export into ``db``, which must hold no data yet.

    The whole file is checked before the database is touched, then every row is inserted
    in one transaction, keeping its ids: either everything is imported or nothing.  The
    file's ``file_info`` is not imported; ``db`` keeps its own.

    Raises:
        ImportFormatError: the file cannot be read, is not Organizer JSON, or holds a value
            or row the database refuses; the message names the table, row and column.
        DomainError: ``db`` already holds data.
    """
    name = _display_name(source)
    report = _Reporter(progress)
    report.step(f"Reading {name}")
    document = _load(name, source)
    raw_tables = _raw_tables(name, document)
    report.total = 2 * sum(len(rows) for rows in raw_tables.values())
    tables = {
        table: _decode_table(name, table, raw_tables.get(table, []), report)
        for table in _data_tables()
    }
    with db.write() as session:
        _require_empty(db, session)
        for table, rows in tables.items():
            _insert(session, f"{name}: table “{table.name}”", table, rows, report)
        for table, rows in tables.items():
            _link_to_own_table(session, f"{name}: table “{table.name}”", table, rows)
        report.step("Working out every occurrence")
        rebuild_all(session)
        if db.engine.dialect.name == "postgresql":
            for statement in _sequence_resets(db.engine.dialect):
                session.execute(statement)
    report.step("Import finished", fraction=1.0)
    return TransferSummary({table.name: len(rows) for table, rows in tables.items()})


# Column types -------------------------------------------------------------------------------


class _BadValueError(ValueError):
    """A JSON value that does not fit its column; the message follows the column name."""


@dataclass(frozen=True, slots=True)
class _Codec:
    """How one column type is written to JSON (``encode``) and read back (``decode``)."""

    encode: Callable[[Any], object]
    decode: Callable[[Any], Any]


def _unchanged(value: Any) -> Any:
    return value


def _isoformat(value: date | time) -> str:
    return value.isoformat()


def _encode_instant(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _decode_instant(value: Any) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise _BadValueError("is not a date and time") from None
    if parsed.utcoffset() is None:
        raise _BadValueError("is a date and time without a time zone (end it with “Z” for UTC)")
    return parsed


def _decode_date(value: Any) -> date:
    if not isinstance(value, str) or not _DATE_SHAPE.fullmatch(value):
        raise _BadValueError("is not a date (YYYY-MM-DD)")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _BadValueError("is not a date (YYYY-MM-DD)") from None


def _decode_time(value: Any) -> time:
    if not isinstance(value, str) or not _TIME_SHAPE.fullmatch(value):
        raise _BadValueError("is not a time of day (HH:MM:SS)")
    try:
        return time.fromisoformat(value)
    except ValueError:
        raise _BadValueError("is not a time of day (HH:MM:SS)") from None


def _decode_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _BadValueError("is not true or false")
    return value


def _decode_int(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise _BadValueError("is not a whole number")
    if value not in _INT64:
        raise _BadValueError("is too large a number")
    return value


def _decode_float(value: Any) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise _BadValueError("is not a number")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise _BadValueError("is too large a number")
    return number


def _decode_text(value: Any) -> str:
    if not isinstance(value, str):
        raise _BadValueError("is not text")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise _BadValueError("is not valid Unicode text") from None
    return value


def _encode_enum(value: PyEnum | str) -> str:
    return str(value.value if isinstance(value, PyEnum) else value)


def _enum_decoder(allowed: list[str]) -> Callable[[Any], str]:
    choices = ", ".join(f"“{value}”" for value in allowed)

    def decode(value: Any) -> str:
        if value not in allowed:
            raise _BadValueError(f"is not one of {choices}")
        return str(value)

    return decode


# Checked in order: Enum is a kind of String, so it comes first.
_CODECS: tuple[tuple[type[Any], _Codec], ...] = (
    (UTCDateTime, _Codec(_encode_instant, _decode_instant)),
    (Boolean, _Codec(_unchanged, _decode_bool)),
    (Date, _Codec(_isoformat, _decode_date)),
    (Time, _Codec(_isoformat, _decode_time)),
    (Integer, _Codec(int, _decode_int)),
    (Float, _Codec(float, _decode_float)),
    (String, _Codec(_unchanged, _decode_text)),
)


def _codec_for(column: Column[Any]) -> _Codec:
    """The JSON encoding of a column; a type without one is a bug to fix here."""
    if isinstance(column.type, Enum):
        return _Codec(_encode_enum, _enum_decoder(list(column.type.enums)))
    for column_type, codec in _CODECS:
        if isinstance(column.type, column_type):
            return codec
    raise TypeError(f"organizer.jsonio has no JSON encoding for {column} ({column.type!r})")


# Export -------------------------------------------------------------------------------------


def _data_tables() -> list[Table]:
    """The tables a document carries, referenced tables first.

    ``file_info`` is carried separately, and the occurrence index is left out: it is worked
    out again from the events after an import.
    """
    return [
        table
        for table in Base.metadata.sorted_tables
        if table is not _FILE_INFO and table.name not in DERIVED_TABLES
    ]


def _export(db: Database, out: TextIO, progress: Progress | None) -> TransferSummary:
    tables = _data_tables()
    with db.read() as session:
        counts = {
            table.name: session.scalar(select(func.count()).select_from(table)) or 0
            for table in tables
        }
        info = session.execute(
            select(_FILE_INFO.c.key, _FILE_INFO.c.value).order_by(_FILE_INFO.c.key)
        )
        header = {
            "format": FORMAT_NAME,
            "format_version": FORMAT_VERSION,
            "exported_at": _encode_instant(datetime.now(UTC).replace(microsecond=0)),
            "exported_by": f"{APP_NAME} {__version__}",
            "schema_revision": head_revision(),
            "file_info": {key: value for key, value in info},
        }
        report = _Reporter(progress, total=sum(counts.values()))
        _write_document(out, header, ((t.name, _export_rows(session, t, report)) for t in tables))
    report.step("Export finished", fraction=1.0)
    return TransferSummary(counts)


def _export_rows(session: Session, table: Table, report: _Reporter) -> Iterator[dict[str, Any]]:
    columns = stored_columns(table)
    names = [column.name for column in columns]
    encoders = [_codec_for(column).encode for column in columns]
    report.step(f"Exporting {table.name}")
    result = session.execute(select(*columns).order_by(*table.primary_key.columns))
    for rows in result.partitions(_CHUNK):
        yield from (_encode_row(names, encoders, row) for row in rows)
        report.step(f"Exporting {table.name}", rows=len(rows))


def _encode_row(
    names: list[str], encoders: list[Callable[[Any], object]], row: Row[Any]
) -> dict[str, Any]:
    values = [
        None if value is None else enc(value) for enc, value in zip(encoders, row, strict=True)
    ]
    return dict(zip(names, values, strict=True))


def _write_document(
    out: TextIO,
    header: dict[str, Any],
    tables: Iterable[tuple[str, Iterator[dict[str, Any]]]],
) -> None:
    """Write the document with one row per line, so exports diff and stream well."""
    out.write("{\n")
    for key, value in header.items():
        out.write(f"  {_ENCODER.encode(key)}: {_ENCODER.encode(value)},\n")
    out.write('  "tables": {')
    for index, (name, rows) in enumerate(tables):
        out.write(f"{',' if index else ''}\n    {_ENCODER.encode(name)}: [")
        empty = True
        for row in rows:
            out.write(("\n      " if empty else ",\n      ") + _ENCODER.encode(row))
            empty = False
        out.write("]" if empty else "\n    ]")
    out.write("\n  }\n}\n")


# Import -------------------------------------------------------------------------------------


def _display_name(source: str | os.PathLike[str] | TextIO) -> str:
    if isinstance(source, str | os.PathLike):
        return Path(source).name
    name = getattr(source, "name", None)
    return Path(name).name if isinstance(name, str) else "The JSON data"


def _refuse_constant(constant: str) -> None:
    raise ValueError(f"{constant} is not allowed in JSON")


def _load(name: str, source: str | os.PathLike[str] | TextIO) -> dict[str, Any]:
    """Parse the file and check the envelope (format name and version)."""
    try:
        if isinstance(source, str | os.PathLike):
            text = Path(source).read_text(encoding="utf-8-sig")
        else:
            text = source.read()
    except UnicodeDecodeError:
        raise ImportFormatError(f"{name} is not UTF-8 text, so it is not Organizer JSON.") from None
    except OSError as error:
        raise ImportFormatError(f"{name} cannot be read: {error.strerror or error}.") from error
    if not text.strip():
        raise ImportFormatError(f"{name} is empty.")
    try:
        document = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        if error.msg.startswith("Unterminated string") or error.pos >= len(text.rstrip()):
            raise ImportFormatError(
                f"{name} ends too early: the file is incomplete (perhaps cut short while "
                "being copied)."
            ) from None
        raise ImportFormatError(
            f"{name} is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})."
        ) from None
    except ValueError as error:
        raise ImportFormatError(f"{name} is not valid JSON ({error}).") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT_NAME:
        found = document.get("format") if isinstance(document, dict) else None
        what = f"its “format” is {_shown(found)}" if found is not None else "it has no “format”"
        raise ImportFormatError(
            f"{name} is not an Organizer JSON export ({what}; expected “{FORMAT_NAME}”)."
        )
    version = document.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ImportFormatError(f"{name} has no valid “format_version” (got {_shown(version)}).")
    if version > FORMAT_VERSION:
        raise ImportFormatError(
            f"{name} was made by a newer version of Organizer (format version {version}; this "
            f"one reads up to {FORMAT_VERSION}); update to import it."
        )
    return document


def _raw_tables(name: str, document: dict[str, Any]) -> dict[Table, list[Any]]:
    """The document's row lists by table, refusing unknown tables; absent tables are empty."""
    tables = document.get("tables")
    if not isinstance(tables, dict):
        raise ImportFormatError(f"{name} has no “tables”, so there is nothing to import.")
    known = {table.name: table for table in _data_tables()}
    found: dict[Table, list[Any]] = {}
    for table_name, rows in tables.items():
        if table_name not in known:
            raise ImportFormatError(
                f"{name} has a table “{table_name}” that this version of Organizer does not "
                f"know; it knows {', '.join(f'“{n}”' for n in known)}."
            )
        if not isinstance(rows, list):
            raise ImportFormatError(f"{name}: table “{table_name}” is not a list of rows.")
        found[known[table_name]] = rows
    return found


def _decode_table(
    name: str, table: Table, raw_rows: list[Any], report: _Reporter
) -> list[dict[str, Any]]:
    """Check and convert every row of one table, or raise naming the row and column."""
    report.step(f"Checking {table.name}")
    columns = stored_columns(table)
    decoders = {column.name: _codec_for(column).decode for column in columns}
    nullable = {column.name for column in columns if column.nullable}
    required = [
        column.name
        for column in columns
        if not column.nullable and column.default is None and column.server_default is None
    ]
    derived = {column.name for column in table.columns} - decoders.keys()
    rows: list[dict[str, Any]] = []
    for number, raw in enumerate(raw_rows, 1):
        where = f"{name}: table “{table.name}”, row {number}"
        if not isinstance(raw, dict):
            raise ImportFormatError(f"{where} is not an object of column values.")
        missing = [column for column in required if column not in raw]
        if missing:
            listed = ", ".join(f"“{column}”" for column in missing)
            raise ImportFormatError(f"{where}: {listed} must be given (no default).")
        row: dict[str, Any] = {}
        for column, value in raw.items():
            decode = decoders.get(column)
            if column in derived:
                continue  # the database works it out again
            if decode is None:
                raise ImportFormatError(f"{where}: unknown column “{column}”.")
            try:
                if value is None and column not in nullable:
                    raise _BadValueError("must have a value")
                row[column] = None if value is None else decode(value)
            except _BadValueError as problem:
                raise ImportFormatError(
                    f"{where}: “{column}” {problem} (got {_shown(value)})."
                ) from None
        rows.append(row)
    report.step(f"Checking {table.name}", rows=len(rows))
    return rows


def _shown(value: Any) -> str:
    """A JSON value as quoted in a message, cut short if long."""
    text = value if isinstance(value, str) else _ENCODER.encode(value)
    if len(text) > 60:
        text = text[:57] + "…"
    return f"“{text}”" if isinstance(value, str) else text


def _require_empty(db: Database, session: Session) -> None:
    filled = []
    for table in _data_tables():
        count = session.scalar(select(func.count()).select_from(table)) or 0
        if count:
            filled.append(f"{count} in “{table.name}”")
    if filled:
        raise DomainError(
            f"{db.display_name} already holds data ({', '.join(filled)}). Import only into a "
            "new, empty Organizer file."
        )


def _batches(rows: list[dict[str, Any]]) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    """Consecutive runs of rows with the same columns (one executemany each), with offsets."""
    start = 0
    while start < len(rows):
        keys = rows[start].keys()
        end = start + 1
        while end < min(len(rows), start + _CHUNK) and rows[end].keys() == keys:
            end += 1
        yield start, rows[start:end]
        start = end


def _self_references(table: Table) -> list[str]:
    """Columns of ``table`` that point at rows of the same table (a volunteer's buddy)."""
    return [key.parent.name for key in table.foreign_keys if key.column.table is table]


def _link_to_own_table(
    session: Session, where: str, table: Table, rows: list[dict[str, Any]]
) -> None:
    """Set the self-references left out by ``_insert``, now that every row exists."""
    columns = _self_references(table)
    if not columns:
        return
    (key,) = table.primary_key.columns
    # Setting the update stamps to their own values keeps their onupdate from firing.
    stamps = [stamp.name for stamp in table.columns if stamp.onupdate is not None]
    for column in columns:
        links = [
            {"row_key": row[key.name], "link": row[column]}
            | {f"keep_{stamp}": row[stamp] for stamp in stamps}
            for row in rows
            if row.get(column) is not None
        ]
        if not links:
            continue
        values: dict[str, Any] = {column: bindparam("link")}
        values.update({stamp: bindparam(f"keep_{stamp}") for stamp in stamps})
        statement = table.update().where(key == bindparam("row_key")).values(values)
        try:
            with session.begin_nested():
                session.execute(statement, links)
        except IntegrityError as error:
            raise ImportFormatError(
                f"{where}: “{column}” refers to a record that is not in the file."
            ) from error


def _insert(
    session: Session, where: str, table: Table, rows: list[dict[str, Any]], report: _Reporter
) -> None:
    """Insert rows in batches; turn a refusal into an ImportFormatError naming the row.

    Self-references are inserted empty and set afterwards by ``_link_to_own_table``.
    """
    deferred = _self_references(table)
    if deferred:
        rows = [{**row, **dict.fromkeys(deferred)} for row in rows]
    statement = insert(table)
    for start, batch in _batches(rows):
        try:
            with session.begin_nested():
                session.execute(statement, batch)
        except (IntegrityError, DataError) as error:
            raise _refusal(session, where, statement, start, batch, error) from error
        report.step(f"Importing {table.name}", rows=len(batch))


def _refusal(
    session: Session,
    where: str,
    statement: Insert,
    start: int,
    batch: list[dict[str, Any]],
    error: IntegrityError | DataError,
) -> ImportFormatError:
    """Find the row of a refused batch by inserting it row by row, each in a savepoint."""
    for offset, row in enumerate(batch):
        try:
            with session.begin_nested():
                session.execute(statement, [row])
        except (IntegrityError, DataError) as row_error:
            error = row_error
            where = f"{where}, row {start + offset + 1}"
            break
    detail = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
    lowered = detail.lower()
    if "foreign key" in lowered:
        problem = "refers to a record that is not in the file"
    elif "unique" in lowered or "duplicate" in lowered:
        problem = "repeats a value that must be unique"
    elif "check" in lowered:
        problem = "breaks a rule of the database"
    else:
        problem = "was refused by the database"
    return ImportFormatError(f"{where} {problem} ({detail}).")


def _sequence_resets(dialect: Dialect) -> list[Select[Any]]:
    """PostgreSQL statements that move each serial key's sequence past the imported ids."""
    statements: list[Select[Any]] = []
    for table in _data_tables():
        column = table.autoincrement_column
        if column is None:
            continue
        sequence = func.pg_get_serial_sequence(
            literal(str(dialect.identifier_preparer.format_table(table))), literal(str(column.name))
        )
        highest = select(func.max(column)).scalar_subquery()
        statements.append(select(func.setval(sequence, func.coalesce(highest, 0) + 1, false())))
    return statements


# Progress -----------------------------------------------------------------------------------


class _Reporter:
    """Counts rows done and passes the fraction to an optional progress callback."""

    def __init__(self, callback: Progress | None, total: int = 0) -> None:
        self.callback = callback
        self.total = total
        self.done = 0

    def step(self, message: str, *, rows: int = 0, fraction: float | None = None) -> None:
        """Record ``rows`` more done and report ``message``."""
        self.done += rows
        if self.callback is None:
            return
        if fraction is None:
            fraction = min(1.0, self.done / self.total) if self.total else 0.0
        self.callback(message, fraction)


__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "Progress",
    "TransferSummary",
    "export_json",
    "import_json",
]
