"""Daily rotating backups of a shared file, listing them, and restoring one.

Backups are taken with SQLite's backup API (never a plain copy of the live file), at most one
a day per folder, into a local folder and an ``Organizer backups`` folder beside the shared
file; the newest ``keep`` of each file are kept.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from organizer.errors import (
    DatabaseDamagedError,
    DatabaseInUseError,
    DatabaseMissingError,
    NotOrganizerFileError,
    StorageError,
)
from organizer.paths import FILE_SUFFIX, data_dir
from organizer.sharing.presence import PresenceInfo
from organizer.storage import Database, backup_to
from organizer.storage.sqlite import APPLICATION_ID, header_facts

SHARED_FOLDER_NAME = "Organizer backups"
_STAMP = "%Y%m%d-%H%M%SZ"
_NAME = re.compile(r"^(?P<stem>.+)\.backup-(?P<stamp>\d{8}-\d{6}Z)" + re.escape(FILE_SUFFIX) + "$")


@dataclass(frozen=True)
class BackupInfo:
    """One backup file: where it is, when it was taken, how big it is (bytes)."""

    path: Path
    taken_at: datetime
    size: int


def backup_name(stem: str, taken_at: datetime) -> str:
    """The file name of a backup of ``<stem>.organizer`` taken at ``taken_at``."""
    return f"{stem}.backup-{taken_at.astimezone(UTC).strftime(_STAMP)}{FILE_SUFFIX}"


def default_backup_folders(db: Database) -> list[Path]:
    """A local folder (user data/backups/<file id>) and ``Organizer backups`` beside the file."""
    if db.path is None:
        return []
    file_id = db.file_info().get("file_id") or db.path.stem
    return [data_dir() / "backups" / file_id, db.path.parent / SHARED_FOLDER_NAME]


def rotating_backup(
    db: Database, folders: Sequence[Path], *, keep: int = 7, now: datetime | None = None
) -> list[Path]:
    """Take today's backup in each folder that lacks one; keep the newest ``keep`` there.

    Returns the backups written.  A folder that cannot be made or written is skipped (the
    other still gets its copy); if none could be written, raises StorageError.
    """
    if db.path is None:
        raise StorageError("Only Organizer files can be backed up this way.")
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    stem = db.path.stem
    written: list[Path] = []
    failures: list[str] = []
    for folder in folders:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            existing = _backups_of(stem, [folder])
            if not any(info.taken_at.date() == moment.date() for info in existing):
                written.append(backup_to(db, folder / backup_name(stem, moment)))
            for old in _backups_of(stem, [folder])[max(keep, 1) :]:
                old.path.unlink(missing_ok=True)
        except (OSError, StorageError) as error:
            failures.append(f"{folder}: {error}")
    if failures and len(failures) == len(folders):
        raise StorageError("No backup could be written (" + "; ".join(failures) + ").")
    return written


def list_backups(folders: Sequence[Path]) -> list[BackupInfo]:
    """Every Organizer backup in ``folders``, newest first."""
    found: list[BackupInfo] = []
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            info = _info(path)
            if info is not None:
                found.append(info)
    return sorted(found, key=lambda info: info.taken_at, reverse=True)


def _backups_of(stem: str, folders: Sequence[Path]) -> list[BackupInfo]:
    return [
        info
        for info in list_backups(folders)
        if (match := _NAME.match(info.path.name)) and match["stem"] == stem
    ]


def _info(path: Path) -> BackupInfo | None:
    match = _NAME.match(path.name)
    if match is None or not path.is_file():
        return None
    taken_at = datetime.strptime(match["stamp"], _STAMP).replace(tzinfo=UTC)
    return BackupInfo(path=path, taken_at=taken_at, size=path.stat().st_size)


def restore_backup(db_path: Path, backup: Path, *, others: list[PresenceInfo]) -> Path:
    """Replace the file at ``db_path`` with ``backup``; return the copy kept of the old file.

    Close your own connections first.  Refuses while ``others`` (other copies with the file
    open) is not empty: they would go on writing to the replaced file.

    Raises:
        DatabaseInUseError: others have the file open (names them).
        NotOrganizerFileError / DatabaseDamagedError: the backup is not a sound Organizer file.
    """
    if others:
        names = ", ".join(sorted({f"{entry.user} on {entry.host}" for entry in others}))
        raise DatabaseInUseError(
            f"{db_path} cannot be restored while others have it open ({names}). "
            "Ask them to close Organizer, then try again."
        )
    _check_backup(backup)
    if not db_path.is_file():
        raise DatabaseMissingError(f"There is no Organizer file at {db_path}.")
    stamp = datetime.now(UTC).strftime(_STAMP)
    kept = db_path.with_name(f"{db_path.name}.before-restore-{stamp}")
    incoming = db_path.with_name(f"{db_path.name}.restoring-{stamp}")
    try:
        # Opening the current file read-write lets SQLite roll back a hot journal a crashed
        # writer left, so the journal cannot later be applied to the restored file.
        _copy(f"file:{db_path.resolve()}?mode=rw", kept)
        _copy(f"file:{backup.resolve()}?mode=ro", incoming)
        journal = db_path.with_name(db_path.name + "-journal")
        if journal.exists() and journal.stat().st_size > 0:
            raise DatabaseInUseError(
                f"{db_path} is being written to right now; try the restore again later."
            )
        os.replace(incoming, db_path)
    except sqlite3.Error as error:
        raise StorageError(f"{db_path} could not be restored: {error}") from error
    finally:
        incoming.unlink(missing_ok=True)
    return kept


def _check_backup(backup: Path) -> None:
    if not backup.is_file():
        raise DatabaseMissingError(f"There is no backup at {backup}.")
    is_sqlite, app_id, _ = header_facts(backup)
    if not is_sqlite or app_id != APPLICATION_ID:
        raise NotOrganizerFileError(f"{backup} is not an Organizer backup.")
    try:
        connection = sqlite3.connect(f"file:{backup.resolve()}?mode=ro", uri=True)
        try:
            rows = connection.execute("PRAGMA integrity_check").fetchall()
            has_info = connection.execute(
                "SELECT count(*) FROM sqlite_master WHERE name = 'file_info'"
            ).fetchone()[0]
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise DatabaseDamagedError(f"{backup} is damaged and cannot be restored.") from error
    if [str(row[0]).lower() for row in rows] != ["ok"]:
        raise DatabaseDamagedError(f"{backup} is damaged and cannot be restored.")
    if not has_info:
        raise NotOrganizerFileError(f"{backup} is not an Organizer backup.")


def _copy(source_uri: str, target: Path) -> None:
    source = sqlite3.connect(source_uri, uri=True, timeout=30)
    try:
        dest = sqlite3.connect(target)
        try:
            source.backup(dest, pages=-1)
        finally:
            dest.close()
    finally:
        source.close()
