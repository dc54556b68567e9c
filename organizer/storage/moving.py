"""Moving an Organizer file to a PostgreSQL server, all or nothing.

:func:`move_data` copies every table of an open file into an EMPTY PostgreSQL database in one
server transaction: it creates the schema with the same Alembic migrations, copies the rows in
foreign-key order, moves the id sequences past the copied ids, and compares row counts and a
checksum of every table before committing.  Only then is the file marked (``file_info`` keys
``moved_to`` and ``moved_at``), and from then on opening it for work fails with
:class:`~organizer.errors.DatabaseMovedError` pointing at the server.  The file stays
write-locked during the move, so nobody can change what is being copied.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import Connection, Table, delete, insert, select, update
from sqlalchemy import exc as sa_exc
from sqlalchemy.sql import Executable

from organizer.errors import (
    DatabaseExistsError,
    DatabaseMovedError,
    DomainError,
    StorageError,
)
from organizer.models import Base, FileInfo, stored_columns
from organizer.storage import (
    DEFAULT_BUSY_TIMEOUT_MS,
    Database,
    migration_config,
)
from organizer.wording import english_date

Progress = Callable[[str, float], None]
"""A progress callback: what is happening, and the fraction done (0 to 1)."""

MOVED_TO = "moved_to"
MOVED_AT = "moved_at"
MOVED_FROM = "moved_from"
NOT_MOVED = frozenset({"presence"})
"""Tables not copied: who has the *file* open means nothing on the server."""
CHUNK = 1000


@dataclass(frozen=True)
class MoveSummary:
    """What was moved: where to, and the row count and checksum of each table."""

    target: str
    counts: dict[str, int]
    checksums: dict[str, str]

    @property
    def total_rows(self) -> int:
        """Rows copied over all tables."""
        return sum(self.counts.values())


def moved_tables() -> list[Table]:
    """The tables a move copies, referenced tables first."""
    return [t for t in Base.metadata.sorted_tables if t.name not in NOT_MOVED]


def refuse_if_moved(db: Database) -> None:
    """Raise DatabaseMovedError when the file's data now lives on a server."""
    info = db.file_info()
    if MOVED_TO not in info:
        return
    when = info.get(MOVED_AT, "")
    try:
        shown = (
            f"{english_date(datetime.fromisoformat(when).astimezone(UTC), '%d %b %Y %H:%M')} UTC"
        )
    except ValueError:
        shown = when or "an unknown date"
    raise DatabaseMovedError(
        f"This Organizer file ({db.display_name}) was moved to {info[MOVED_TO]} on {shown}; "
        "open that instead."
    )


def move_data(
    source: Database,
    target: str,
    *,
    progress: Progress | None = None,
    lock_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
) -> MoveSummary:
    """Copy the open file ``source`` into the empty PostgreSQL database ``target``.

    Raises:
        DomainError: ``source`` is not a file open for writing.
        DatabaseExistsError: the target database is not empty.
        DatabaseMissingError / DatabaseLoginError: the server cannot be reached or refused us.
        StorageError: a row could not be copied, or the copy did not match; the server
            database is left as it was and the file is not marked.
    """
    from organizer.storage.postgres import (
        public_url,
        reset_sequences,
        server_engine,
        server_errors,
        server_url,
    )

    if not source.is_sqlite or source.path is None:
        raise DomainError("move-data copies an Organizer file to a server; --db must be a file.")
    if source.read_only:
        raise DomainError(f"{source.display_name} is open read-only, so it cannot be moved.")
    url = server_url(target)
    shown = public_url(url)
    report = progress or (lambda _stage, _fraction: None)
    tables = moved_tables()
    engine = server_engine(url, read_only=False, lock_timeout_ms=lock_timeout_ms)
    try:
        with source.write() as session:
            src = session.connection()
            refuse_if_moved_in(src, source.display_name)
            counts = {t.name: _count(src, t) for t in tables}
            total = max(1, sum(counts.values()))
            with server_errors(shown), engine.connect() as dst, dst.begin():
                report(f"Checking {shown}", 0.0)
                _require_empty(dst, shown)
                report("Creating the tables", 0.02)
                from alembic import command

                command.upgrade(migration_config(dst), "head")
                done = 0
                for table in tables:
                    for copied in _copy_table(src, dst, table, shown):
                        done += copied
                        report(f"Copying {table.name}", 0.05 + 0.75 * done / total)
                report("Comparing the copy with the file", 0.85)
                checksums = _compare(src, dst, tables, counts, shown)
                _note_origin(dst, source.display_name)
                reset_sequences(dst, [t.name for t in tables])
            report("Marking the file as moved", 0.97)
            now = datetime.now(UTC).isoformat(timespec="seconds")
            _set_info(src, {MOVED_TO: shown, MOVED_AT: now})
    finally:
        engine.dispose()
    report("Moved", 1.0)
    return MoveSummary(target=shown, counts=counts, checksums=checksums)


def refuse_if_moved_in(conn: Connection, name: str) -> None:
    """Like :func:`refuse_if_moved`, inside an open transaction on the file."""
    moved = conn.execute(select(FileInfo.value).where(FileInfo.key == MOVED_TO)).scalar()
    if moved is not None:
        raise DatabaseMovedError(f"This Organizer file ({name}) was already moved to {moved}.")


def _count(conn: Connection, table: Table) -> int:
    from sqlalchemy import func

    return int(conn.execute(select(func.count()).select_from(table)).scalar() or 0)


def _require_empty(dst: Connection, shown: str) -> None:
    from sqlalchemy import text

    tables = dst.execute(
        text(
            "SELECT table_schema || '.' || table_name FROM information_schema.tables "
            "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') "
            "ORDER BY 1 LIMIT 3"
        )
    ).all()
    if tables:
        names = ", ".join(str(row[0]) for row in tables)
        raise DatabaseExistsError(
            f"{shown} is not empty (it holds {names}); move-data only fills an empty "
            "database. Nothing was copied."
        )


def _self_references(table: Table) -> list[str]:
    return [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]


def _copy_table(src: Connection, dst: Connection, table: Table, shown: str) -> Iterable[int]:
    """Copy one table in chunks, yielding the rows done per chunk.

    Columns pointing at the same table (a volunteer's buddy) are filled in a second pass,
    once every row they may point at exists.
    """
    own = _self_references(table)
    key = list(table.primary_key.columns)
    links: list[dict[str, Any]] = []
    result = src.execute(select(*stored_columns(table)).order_by(*key)).mappings()
    for chunk in result.partitions(CHUNK):
        rows = [dict(row) for row in chunk]
        for row in rows:
            if any(row[name] is not None for name in own):
                links.append({**{f"k_{c.name}": row[c.name] for c in key}, **row})
                for name in own:
                    row[name] = None
        _execute(dst, table, shown, insert(table), rows)
        yield len(rows)
    if links:
        from sqlalchemy import bindparam

        # Columns with an on-update default (``updated_at``) are set to their copied values
        # too, or the second pass would stamp them with the time of the move.
        kept = own + [c.name for c in table.columns if c.onupdate is not None]
        statement = (
            update(table)
            .where(*(c == bindparam(f"k_{c.name}") for c in key))
            .values({name: bindparam(f"v_{name}") for name in kept})
        )
        params = [
            {
                **{f"k_{c.name}": row[f"k_{c.name}"] for c in key},
                **{f"v_{n}": row[n] for n in kept},
            }
            for row in links
        ]
        _execute(dst, table, shown, statement, params)


def _execute(
    dst: Connection, table: Table, shown: str, statement: Executable, rows: list[dict[str, Any]]
) -> None:
    try:
        dst.execute(statement, rows)
    except (sa_exc.IntegrityError, sa_exc.DataError, sa_exc.ProgrammingError) as error:
        detail = " ".join(str(error.orig).split()) if error.orig else str(error)
        raise StorageError(
            f"A row of “{table.name}” could not be copied to {shown} ({detail}). "
            "Nothing was moved and the file is unchanged."
        ) from error


def _note_origin(dst: Connection, source_name: str) -> None:
    from organizer import __version__

    now = datetime.now(UTC).isoformat(timespec="seconds")
    _set_info(
        dst,
        {
            MOVED_FROM: source_name,
            MOVED_AT: now,
            "last_written_by_version": f"Organizer {__version__}",
        },
    )


def _set_info(conn: Connection, values: Mapping[str, str]) -> None:
    conn.execute(delete(FileInfo).where(FileInfo.key.in_(list(values))))
    conn.execute(insert(FileInfo), [{"key": k, "value": v} for k, v in values.items()])


def _compare(
    src: Connection,
    dst: Connection,
    tables: list[Table],
    counts: dict[str, int],
    shown: str,
) -> dict[str, str]:
    checksums: dict[str, str] = {}
    for table in tables:
        copied = _count(dst, table)
        ours = table_checksum(src, table)
        theirs = table_checksum(dst, table)
        if copied != counts[table.name] or ours != theirs:
            raise StorageError(
                f"The copy of “{table.name}” on {shown} does not match the file "
                f"({copied} of {counts[table.name]} rows). Nothing was moved."
            )
        checksums[table.name] = ours
    return checksums


def table_checksum(conn: Connection, table: Table) -> str:
    """A SHA-256 over every row's normalised values, independent of row order.

    Values are read through the models' column types, so the same data gives the same
    checksum in a file and on a server.  Columns the database works out itself are left
    out: a server works them out its own way.
    """
    digests: list[bytes] = []
    for row in conn.execute(select(*stored_columns(table))).mappings():
        text = json.dumps({name: _normal(value) for name, value in row.items()}, sort_keys=True)
        digests.append(hashlib.sha256(text.encode()).digest())
    whole = hashlib.sha256()
    for digest in sorted(digests):
        whole.update(digest)
    return whole.hexdigest()


def _normal(value: object) -> object:
    """A JSON-able form of a column value that does not depend on the database."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Enum):
        return _normal(value.value)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return ["datetime", value.isoformat()]
    if isinstance(value, date | time):
        return [type(value).__name__, value.isoformat()]
    if isinstance(value, float | Decimal):
        return ["number", repr(float(value))]
    if isinstance(value, bytes | bytearray | memoryview):
        return ["bytes", bytes(value).hex()]
    if isinstance(value, dict | list):
        return ["json", json.dumps(value, sort_keys=True, default=str)]
    return ["other", str(value)]


__all__ = [
    "MOVED_AT",
    "MOVED_TO",
    "MoveSummary",
    "Progress",
    "move_data",
    "moved_tables",
    "refuse_if_moved",
    "table_checksum",
]
