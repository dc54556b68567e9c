"""Calendar feeds: a folder of always-current .ics files, one per volunteer and one per cause.

The folder (on the office share, say) holds ``volunteer-<id>-<token>.ics`` with each active
volunteer's own shifts and ``cause-<id>-<token>.ics`` with each active cause's schedule.  Names
use the record's id and a token derived from a secret kept in the database, so they do not
change when someone is renamed and cannot be guessed from a colleague's.  A manifest
(``feeds-manifest.json``) keeps a digest of each file's content, so an update rewrites only
the files whose content changed, and removes those of volunteers and causes that are gone.
Every file is written to a temporary name and renamed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from organizer.errors import DomainError
from organizer.ics.invitations import CalendarItem, Person, personal_items
from organizer.ics.publish import write_atomically
from organizer.models import Cause, Volunteer
from organizer.storage import Database

MANIFEST_NAME = "feeds-manifest.json"
MANIFEST_FORMAT = 1
SECRET_SETTING = "feed_secret"
FEED_NAME = re.compile(r"^(volunteer|cause)-\d+-[0-9a-f]{16}\.ics$")
_STAMP_LINE = re.compile(rb"^(DTSTAMP|LAST-MODIFIED)[:;][^\r\n]*\r?\n", re.MULTILINE)

Progress = Callable[[str, float], None]


class ScheduleWriter(Protocol):
    """What the feeds need from :mod:`organizer.ics.export` (so a test can stand in)."""

    def cause_schedule(
        self,
        session: Session,
        cause_id: int,
        *,
        starts: datetime,
        ends: datetime,
        now: datetime,
        name: str,
        contact: Person | None,
    ) -> bytes:
        """One cause's events in the period as a schedule file."""

    def personal_schedule(self, items: list[CalendarItem], *, now: datetime, name: str) -> bytes:
        """One volunteer's shifts as a schedule file."""


class ExportScheduleWriter:
    """The schedule files :mod:`organizer.ics.export` writes."""

    def cause_schedule(
        self,
        session: Session,
        cause_id: int,
        *,
        starts: datetime,
        ends: datetime,
        now: datetime,
        name: str,
        contact: Person | None,
    ) -> bytes:
        """One cause's events in the period (series whole) as a schedule file."""
        from organizer.ics.export import Scope, schedule
        from organizer.models.ids import CauseId

        scope = Scope(cause_id=CauseId(cause_id), starts=starts, ends=ends)
        return schedule(session, scope, now=now, name=name, contact=contact)

    def personal_schedule(self, items: list[CalendarItem], *, now: datetime, name: str) -> bytes:
        """One volunteer's shifts as a schedule file (no attendees)."""
        from organizer.ics.export import personal_schedule

        return personal_schedule(items, now=now, name=name)


@dataclass
class FeedResult:
    """What an update of the feed folder did."""

    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line: how many files were written, left alone and removed."""
        return (
            f"Feeds: {len(self.written)} written, {self.unchanged} unchanged, "
            f"{len(self.removed)} removed."
        )


def feed_token(secret: str, kind: str, record_id: int) -> str:
    """The 16 hex digits that make a feed's file name hard to guess, stable for the record."""
    message = f"{kind}:{record_id}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:16]


def content_digest(data: bytes) -> str:
    """A digest of a calendar file ignoring its time stamps (which change on every export)."""
    return hashlib.sha256(_STAMP_LINE.sub(b"", data)).hexdigest()


def update_feeds(
    db: Database,
    folder: Path,
    *,
    starts: datetime,
    ends: datetime,
    now: datetime,
    contact: Person | None = None,
    secret: str | None = None,
    writer: ScheduleWriter | None = None,
    progress: Progress | None = None,
) -> FeedResult:
    """Bring the feed folder up to date for ``[starts, ends)``; report what changed.

    ``secret`` makes the file-name tokens; by default it is the one kept in the database
    (made the first time).

    Raises:
        DomainError: the folder cannot be made or written to.
    """
    from organizer.services.settings import SettingsService

    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DomainError(f"Cannot make the feed folder {folder}: {error.strerror}.") from error
    key = secret or SettingsService(db, "feeds").secret(SECRET_SETTING)
    writer = writer or ExportScheduleWriter()
    manifest_path = folder / MANIFEST_NAME
    old = _read_manifest(manifest_path)
    files: dict[str, bytes] = {}
    with db.read() as session:
        volunteers = session.execute(
            select(Volunteer.id, Volunteer.name)
            .where(Volunteer.active.is_(True), Volunteer.anonymised_at.is_(None))
            .order_by(Volunteer.id)
        ).all()
        causes = session.execute(
            select(Cause.id, Cause.name).where(Cause.active.is_(True)).order_by(Cause.id)
        ).all()
        items = personal_items(session, None, starts=starts, ends=ends, contact=contact)
        total = max(1, len(volunteers) + len(causes))
        for index, (vid, name) in enumerate(volunteers):
            if progress is not None and index % 100 == 0:
                progress("Making volunteer feeds", index / total)
            mine = [item for item in items.get(vid, []) if not item.cancelled]
            filename = f"volunteer-{vid}-{feed_token(key, 'volunteer', vid)}.ics"
            files[filename] = writer.personal_schedule(mine, now=now, name=f"Shifts: {name}")
        for index, (cid, name) in enumerate(causes):
            if progress is not None:
                progress("Making cause feeds", (len(volunteers) + index) / total)
            filename = f"cause-{cid}-{feed_token(key, 'cause', cid)}.ics"
            files[filename] = writer.cause_schedule(
                session, cid, starts=starts, ends=ends, now=now, name=name, contact=contact
            )
    result = FeedResult()
    digests: dict[str, str] = {}
    try:
        for filename, data in files.items():
            digest = content_digest(data)
            digests[filename] = digest
            path = folder / filename
            if old.get(filename) == digest and path.is_file():
                result.unchanged += 1
                continue
            write_atomically(path, data)
            result.written.append(filename)
        stale = set(old) | {p.name for p in folder.iterdir() if FEED_NAME.match(p.name)}
        for filename in sorted(stale - set(files)):
            if FEED_NAME.match(filename):
                (folder / filename).unlink(missing_ok=True)
                result.removed.append(filename)
        if digests != old or not manifest_path.is_file():
            manifest = {"format": MANIFEST_FORMAT, "files": dict(sorted(digests.items()))}
            write_atomically(manifest_path, json.dumps(manifest, indent=1).encode())
    except OSError as error:
        raise DomainError(
            f"Cannot write the feeds in {folder}: {error.strerror or error}."
        ) from error
    if progress is not None:
        progress("Feeds up to date", 1.0)
    return result


def _read_manifest(path: Path) -> dict[str, str]:
    """The digests recorded last time (empty when there is no usable manifest)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict):
        return {}
    return {str(name): str(digest) for name, digest in files.items() if FEED_NAME.match(name)}
