"""Checks about where the file lives and who is using it.

Cloud sync folders have no cross-machine locking, so a file in one is for one person at a
time; a file system whose locks do not work would let two writers damage the file.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sqlite3
from pathlib import Path

from sqlalchemy import select

from organizer.errors import StorageError
from organizer.models import utc_now
from organizer.models.scheduling import PresenceEntry
from organizer.sharing.presence import EXPIRY, PresenceInfo, info_of
from organizer.storage import Database

ONEDRIVE = "OneDrive"
DROPBOX = "Dropbox"
GOOGLE_DRIVE = "Google Drive"
ICLOUD = "iCloud Drive"

# Folder names (compared case-insensitively) that sync clients create.
_FOLDER_NAMES: tuple[tuple[str, str], ...] = (
    ("onedrive", ONEDRIVE),
    ("dropbox", DROPBOX),
    ("google drive", GOOGLE_DRIVE),
    ("googledrive", GOOGLE_DRIVE),
    ("my drive", GOOGLE_DRIVE),
    ("icloud drive", ICLOUD),
    ("iclouddrive", ICLOUD),
    ("com~apple~clouddocs", ICLOUD),
    ("mobile documents", ICLOUD),
)
# Files or folders a sync client leaves at the root of what it syncs.
_MARKERS: tuple[tuple[str, str], ...] = (
    (".dropbox", DROPBOX),
    (".dropbox.cache", DROPBOX),
    (".tmp.drivedownload", GOOGLE_DRIVE),
    (".tmp.driveupload", GOOGLE_DRIVE),
    (".shortcut-targets-by-id", GOOGLE_DRIVE),
)
_DESKTOP_INI_HINTS: tuple[tuple[str, str], ...] = (
    ("onedrive", ONEDRIVE),
    ("googledrive", GOOGLE_DRIVE),
    ("google drive", GOOGLE_DRIVE),
    ("dropbox", DROPBOX),
    ("icloud", ICLOUD),
)


def sync_folder_name(path: Path) -> str | None:
    """The cloud sync service whose folder holds ``path`` ("OneDrive", "Dropbox"...), or None.

    Looks at the folder names on the way (``OneDrive - Contoso``, ``Dropbox (Team)``, ``Google
    Drive``, ``iCloud Drive``) and at markers sync clients leave (``.dropbox``, a
    ``desktop.ini`` naming the client).
    """
    path = Path(os.path.abspath(path.expanduser()))
    for part in reversed(path.parts):
        name = _by_folder_name(part)
        if name is not None:
            return name
    for folder in [path, *path.parents]:
        try:
            for marker, name in _MARKERS:
                if (folder / marker).exists():
                    return name
            ini = folder / "desktop.ini"
            if ini.is_file():
                text = _small_text(ini).lower()
                for hint, name in _DESKTOP_INI_HINTS:
                    if hint in text:
                        return name
        except OSError:
            continue
    return None


def _by_folder_name(part: str) -> str | None:
    lowered = part.strip().lower()
    for folder, name in _FOLDER_NAMES:
        if lowered == folder:
            return name
        # "OneDrive - Contoso", "Dropbox (Personal)", "Google Drive (me@x.org)"
        if lowered.startswith(folder) and lowered[len(folder) : len(folder) + 2] in (" -", " ("):
            return name
    return None


def _small_text(path: Path) -> str:
    raw = path.read_bytes()[:4096]
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16", errors="ignore")
    return raw.decode("utf-8", errors="ignore")


def locks_work(path: Path, *, vfs: str | None = None) -> bool:
    """Whether file locks on ``path`` keep a second writer out (probe on open).

    One connection takes the write lock with ``BEGIN IMMEDIATE``; a second one must be refused
    at once.  False on file systems (some network shares) where locks silently do nothing.
    ``vfs`` chooses an SQLite VFS (tests use ``unix-none``, which has no locks).
    """
    if not path.is_file():
        raise StorageError(f"{path} cannot be checked: the file is not there.")
    uri = f"file:{Path(path).resolve()}?mode=rw" + (f"&vfs={vfs}" if vfs else "")
    try:
        holder = sqlite3.connect(uri, uri=True, timeout=2, isolation_level=None)
    except sqlite3.Error as error:
        raise StorageError(f"{path} cannot be checked: {error}") from error
    try:
        try:
            holder.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:
            return True  # someone else holds the write lock and we were kept out
        other = sqlite3.connect(uri, uri=True, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            return "locked" in str(error).lower() or "busy" in str(error).lower()
        else:
            other.execute("ROLLBACK")
            return False
        finally:
            other.close()
    finally:
        with contextlib.suppress(sqlite3.Error):
            holder.execute("ROLLBACK")
        holder.close()


def busy_holder(db: Database) -> PresenceInfo | None:
    """Who is probably saving: the most recently seen live session other than this process."""
    host, pid = socket.gethostname(), os.getpid()
    try:
        with db.read() as session:
            rows = session.scalars(
                select(PresenceEntry)
                .where(PresenceEntry.seen_at >= utc_now() - EXPIRY)
                .order_by(PresenceEntry.seen_at.desc())
            ).all()
            for row in rows:
                if (row.host, row.pid) != (host, pid):
                    return info_of(row)
    except StorageError:
        return None
    return None
