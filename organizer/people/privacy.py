"""Personal data: the retention rule, data requests (export and erasure), and scrubbing.

*Anonymising* a volunteer keeps their assignments and hours, so report totals do not change,
and removes everything that says who they were: the name becomes "Former volunteer #12";
email, phone, pronouns, notes, health notes, emergency contact, availability, blackout
dates, consent notes, assignment notes and invitations sent are removed, and so are the
name, email and phone wherever the change log mentions them.

SQLite keeps deleted text in free space inside the file, so these writes run with
``PRAGMA secure_delete = ON`` (SQLite then overwrites what it frees with zeros) and the file
is compacted with ``VACUUM`` afterwards when nobody else is using it.

The change log records who anonymised, exported or erased whom, by number only: never the
personal data that was removed.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, cast

from dateutil.relativedelta import relativedelta
from sqlalchemy import Table, bindparam, delete, func, or_, select, update
from sqlalchemy.orm import Session

from organizer.errors import DomainError, NotFoundError, OperationCancelledError, StorageError
from organizer.models import (
    Assignment,
    AvailabilityWindow,
    BlackoutPeriod,
    Cause,
    ChangeLogEntry,
    ConsentRecord,
    Event,
    PublishedItem,
    Qualification,
    Shift,
    Volunteer,
    VolunteerQualification,
    utc_now,
)
from organizer.models.ids import VolunteerId
from organizer.services.base import Service, check_version, chunks
from organizer.storage import Database
from organizer.wording import WEEKDAYS

Progress = Callable[[str, float], None]
Cancelled = Callable[[], bool]

FORMER_NAME = "Former volunteer #{id}"
REMOVED = "[removed]"
EXPORT_FORMAT = "organizer-personal-data"


def former_name(volunteer_id: int) -> str:
    """The name an anonymised volunteer keeps."""
    return FORMER_NAME.format(id=volunteer_id)


@dataclass(frozen=True)
class RetentionCandidate:
    """A volunteer the retention rule would anonymise, and what reports keep of them."""

    id: VolunteerId
    name: str
    last_active: date
    assignments: int
    hours: float


@dataclass(frozen=True)
class AnonymiseResult:
    """What anonymising did; ``vacuumed`` is false when the file was busy to compact."""

    volunteer_ids: tuple[VolunteerId, ...]
    vacuumed: bool


@dataclass(frozen=True)
class ErasureResult:
    """What erasing one volunteer did: deleted outright, or anonymised to keep their hours."""

    volunteer_id: VolunteerId
    deleted: bool
    assignments_kept: int
    vacuumed: bool


class PrivacyService(Service):
    """The retention rule and data requests.  ``clock`` gives "now" (default: the real one)."""

    def __init__(
        self, db: Database, actor: str, *, clock: Callable[[], datetime] = utc_now
    ) -> None:
        super().__init__(db, actor)
        self.clock = clock

    # Retention -------------------------------------------------------------------------------

    def retention_preview(self, inactive_months: int) -> list[RetentionCandidate]:
        """Who the rule would anonymise: no shift and no change to their record for that long.

        A shift counts by when it happens, so someone with a shift booked ahead is active.
        """
        if inactive_months < 1:
            raise DomainError("The retention period must be at least one month.")
        cutoff = self.clock() - relativedelta(months=inactive_months)
        last_shift = func.max(Assignment.occurrence_start)
        query = (
            select(
                Volunteer.id,
                Volunteer.name,
                Volunteer.updated_at,
                last_shift,
                func.count(Assignment.id),
                func.coalesce(func.sum(Assignment.hours), 0.0),
            )
            .outerjoin(Assignment, Assignment.volunteer_id == Volunteer.id)
            .where(Volunteer.anonymised_at.is_(None), Volunteer.updated_at < cutoff)
            .group_by(Volunteer.id)
            .having(or_(last_shift.is_(None), last_shift < cutoff))
            .order_by(Volunteer.id)
        )
        with self.db.read() as session:
            found = session.execute(query).all()
        return [
            RetentionCandidate(
                id=vid,
                name=name,
                last_active=max(updated, shift or updated).date(),
                assignments=int(count),
                hours=round(float(hours or 0.0), 2),
            )
            for vid, name, updated, shift, count, hours in found
        ]

    def anonymise_inactive(
        self,
        inactive_months: int,
        *,
        only: Collection[int] | None = None,
        vacuum: bool = True,
        progress: Progress | None = None,
        cancel: Cancelled | None = None,
    ) -> AnonymiseResult:
        """Anonymise everyone :meth:`retention_preview` lists (or those of them in ``only``).

        Inactivity is checked again when writing, so someone who became active since the
        preview is left alone.
        """
        candidates = self.retention_preview(inactive_months)
        ids = [c.id for c in candidates if only is None or c.id in only]
        report = progress or _quiet
        with self.db.write() as session:
            _secure_delete(session)
            done: list[VolunteerId] = []
            total = len(ids) or 1
            for part in chunks(ids, 200):
                if cancel is not None and cancel():
                    raise OperationCancelledError("Anonymising was cancelled; nothing changed.")
                done.extend(self._anonymise(session, part))
                report("Anonymising", 0.9 * len(done) / total)
            if done:
                self._log(
                    session,
                    "anonymise",
                    "volunteer",
                    None,
                    f"Anonymised {len(done)} volunteer{'s' if len(done) != 1 else ''} inactive "
                    f"for {inactive_months} months or more (retention rule): "
                    + ", ".join(f"#{vid}" for vid in done[:50])
                    + (" and more" if len(done) > 50 else ""),
                )
        vacuumed = bool(done) and vacuum and _vacuum(self.db)
        report("Done", 1.0)
        return AnonymiseResult(tuple(done), vacuumed)

    def _anonymise(self, session: Session, ids: Sequence[int]) -> list[VolunteerId]:
        """Remove the personal data of ``ids`` (still inactive, not yet anonymised)."""
        people = session.execute(
            select(
                Volunteer.id,
                Volunteer.name,
                Volunteer.email,
                Volunteer.phone,
                Volunteer.emergency_contact_name,
                Volunteer.emergency_contact_phone,
            ).where(Volunteer.id.in_(ids), Volunteer.anonymised_at.is_(None))
        ).all()
        if not people:
            return []
        now = self.clock()
        found = [row.id for row in people]
        volunteers = cast(Table, Volunteer.__table__)
        session.execute(
            update(volunteers)
            .where(volunteers.c.id == bindparam("vid"))
            .values(
                name=bindparam("former"),
                email=None,
                phone=None,
                pronouns="",
                notes="",
                health_notes="",
                emergency_contact_name="",
                emergency_contact_phone="",
                max_hours_per_week=None,
                max_hours_per_month=None,
                review_reason="",
                buddy_id=None,
                active=False,
                anonymised_at=now,
                updated_at=now,
                updated_by=self.actor,
                version=volunteers.c.version + 1,
            ),
            [{"vid": vid, "former": former_name(vid)} for vid in found],
        )
        session.execute(
            update(Volunteer)
            .where(Volunteer.buddy_id.in_(found))
            .values(buddy_id=None, version=Volunteer.version + 1, updated_at=now),
            execution_options={"synchronize_session": False},
        )
        session.execute(
            delete(AvailabilityWindow).where(AvailabilityWindow.volunteer_id.in_(found))
        )
        session.execute(delete(BlackoutPeriod).where(BlackoutPeriod.volunteer_id.in_(found)))
        session.execute(delete(PublishedItem).where(PublishedItem.volunteer_id.in_(found)))
        session.execute(
            update(ConsentRecord).where(ConsentRecord.volunteer_id.in_(found)).values(note=""),
            execution_options={"synchronize_session": False},
        )
        session.execute(
            update(Assignment)
            .where(
                Assignment.volunteer_id.in_(found),
                or_(Assignment.note != "", Assignment.override_reason != ""),
            )
            .values(note="", override_reason="", version=Assignment.version + 1),
            execution_options={"synchronize_session": False},
        )
        _scrub_change_log(session, {row.id: _personal_strings(row) for row in people})
        return [VolunteerId(vid) for vid in found]

    # Data requests ---------------------------------------------------------------------------

    def personal_data(self, volunteer_id: int) -> dict[str, Any]:
        """Everything held about one volunteer, as plain JSON-ready data."""
        with self.db.read() as session:
            person = session.get(Volunteer, volunteer_id)
            if person is None:
                raise NotFoundError("volunteer", volunteer_id)
            record = {
                column.key: _plain(getattr(person, column.key))
                for column in Volunteer.__table__.columns
            }
            buddy = session.get(Volunteer, person.buddy_id) if person.buddy_id else None
            data: dict[str, Any] = {
                "format": EXPORT_FORMAT,
                "version": 1,
                "exported_at": _plain(self.clock()),
                "volunteer": record,
                "buddy": {"id": buddy.id, "name": buddy.name} if buddy else None,
                "buddy_for": [
                    {"id": vid, "name": name}
                    for vid, name in session.execute(
                        select(Volunteer.id, Volunteer.name).where(
                            Volunteer.buddy_id == volunteer_id
                        )
                    )
                ],
                "qualifications": _dicts(
                    session,
                    select(
                        Qualification.name,
                        VolunteerQualification.obtained_on,
                        VolunteerQualification.expires_on,
                    )
                    .join(Qualification)
                    .where(VolunteerQualification.volunteer_id == volunteer_id),
                ),
                "availability": [
                    {"day": WEEKDAYS[day], "starts": _plain(starts), "ends": _plain(ends)}
                    for day, starts, ends in session.execute(
                        select(
                            AvailabilityWindow.weekday,
                            AvailabilityWindow.starts,
                            AvailabilityWindow.ends,
                        )
                        .where(AvailabilityWindow.volunteer_id == volunteer_id)
                        .order_by(AvailabilityWindow.weekday, AvailabilityWindow.starts)
                    )
                ],
                "blackouts": _dicts(
                    session,
                    select(BlackoutPeriod.starts_on, BlackoutPeriod.ends_on, BlackoutPeriod.reason)
                    .where(BlackoutPeriod.volunteer_id == volunteer_id)
                    .order_by(BlackoutPeriod.starts_on),
                ),
                "consents": _dicts(
                    session,
                    select(
                        ConsentRecord.covers,
                        ConsentRecord.given_on,
                        ConsentRecord.withdrawn_on,
                        ConsentRecord.recorded_by,
                        ConsentRecord.note,
                    )
                    .where(ConsentRecord.volunteer_id == volunteer_id)
                    .order_by(ConsentRecord.given_on),
                ),
                "assignments": _dicts(
                    session,
                    select(
                        Event.title.label("event"),
                        Cause.name.label("cause"),
                        Shift.role,
                        Assignment.occurrence_start,
                        Assignment.status,
                        Assignment.attendance,
                        Assignment.hours,
                        Assignment.actual_start,
                        Assignment.actual_end,
                        Assignment.note,
                    )
                    .join(Shift, Shift.id == Assignment.shift_id)
                    .join(Event, Event.id == Shift.event_id)
                    .outerjoin(Cause, Cause.id == Event.cause_id)
                    .where(Assignment.volunteer_id == volunteer_id)
                    .order_by(Assignment.occurrence_start),
                ),
                "invitations_sent": _dicts(
                    session,
                    select(
                        PublishedItem.summary,
                        PublishedItem.starts_at,
                        PublishedItem.ends_at,
                        PublishedItem.cancelled,
                        PublishedItem.sent_at,
                    )
                    .where(PublishedItem.volunteer_id == volunteer_id)
                    .order_by(PublishedItem.starts_at),
                ),
                "change_log": _dicts(
                    session,
                    select(
                        ChangeLogEntry.at,
                        ChangeLogEntry.actor,
                        ChangeLogEntry.action,
                        ChangeLogEntry.summary,
                    )
                    .where(
                        ChangeLogEntry.entity == "volunteer",
                        ChangeLogEntry.entity_id == volunteer_id,
                    )
                    .order_by(ChangeLogEntry.seq),
                ),
            }
        return data

    def export_personal_data(self, volunteer_id: int, path: str | os.PathLike[str]) -> Path:
        """Write :meth:`personal_data` to a JSON file, and log who exported it.

        Raises:
            NotFoundError: no such volunteer.
            StorageError: the file cannot be written.
        """
        data = self.personal_data(volunteer_id)
        target = Path(path)
        try:
            target.write_text(
                json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
            )
        except OSError as error:
            raise StorageError(
                f"{target} could not be written: {error.strerror or error}."
            ) from error
        with self.db.write() as session:
            self._log(
                session,
                "export",
                "volunteer",
                volunteer_id,
                f"Exported everything held about volunteer #{volunteer_id} (data request)",
            )
        return target

    def erase(
        self, volunteer_id: int, expected_version: int, *, vacuum: bool = True
    ) -> ErasureResult:
        """Remove a volunteer's personal data at their request.

        Someone with shifts on record is anonymised (so report totals stay the same);
        anyone else is deleted outright.

        Raises:
            ConflictError: the record changed since ``expected_version``.
            NotFoundError: no such volunteer.
        """
        with self._writing("volunteer", volunteer_id, Volunteer) as session:
            _secure_delete(session)
            person = session.get(Volunteer, volunteer_id, populate_existing=True)
            if person is None:
                raise NotFoundError("volunteer", volunteer_id)
            check_version(person, "volunteer", volunteer_id, expected_version)
            shifts = int(
                session.scalar(
                    select(func.count(Assignment.id)).where(Assignment.volunteer_id == volunteer_id)
                )
                or 0
            )
            strings = _personal_strings(person)
            session.expunge(person)
            if shifts:
                self._anonymise(session, [volunteer_id])
                summary = (
                    f"Erased the personal data of volunteer #{volunteer_id} at their request "
                    f"(kept as “{former_name(volunteer_id)}” for report totals: {shifts} "
                    f"shift{'s' if shifts != 1 else ''})"
                )
            else:
                session.execute(delete(Volunteer).where(Volunteer.id == volunteer_id))
                _scrub_change_log(session, {volunteer_id: strings})
                summary = (
                    f"Deleted volunteer #{volunteer_id} and all their personal data at their "
                    "request"
                )
            self._log(session, "erase", "volunteer", volunteer_id, summary)
        vacuumed = vacuum and _vacuum(self.db)
        return ErasureResult(VolunteerId(volunteer_id), not shifts, shifts, vacuumed)


# Helpers --------------------------------------------------------------------------------------


def _personal_strings(row: Any) -> list[tuple[str, str]]:
    """The texts that identify someone, each with what replaces it in the change log."""
    values = [
        (row.name, former_name(row.id)),
        (row.email, REMOVED),
        (row.phone, REMOVED),
        (row.emergency_contact_name, REMOVED),
        (row.emergency_contact_phone, REMOVED),
    ]
    return [(text.strip(), new) for text, new in values if text and len(text.strip()) >= 3]


def _scrub_change_log(session: Session, people: dict[int, list[tuple[str, str]]]) -> None:
    """Replace the names, emails and phones of ``people`` wherever the change log has them."""
    replacements: dict[str, str] = {}
    for strings in people.values():
        for text, new in strings:
            replacements.setdefault(text.casefold(), new)
    if not replacements:
        return
    ordered = sorted(replacements, key=len, reverse=True)
    pattern = re.compile(
        r"(?<!\w)(?:" + "|".join(re.escape(text) for text in ordered) + r")(?!\w)", re.IGNORECASE
    )
    last = 0
    while True:
        page = session.execute(
            select(ChangeLogEntry.seq, ChangeLogEntry.summary)
            .where(ChangeLogEntry.seq > last)
            .order_by(ChangeLogEntry.seq)
            .limit(5000)
        ).all()
        if not page:
            return
        changed = [
            {"entry": seq, "text": pattern.sub(lambda m: replacements[m[0].casefold()], summary)}
            for seq, summary in page
            if pattern.search(summary)
        ]
        if changed:
            log = cast(Table, ChangeLogEntry.__table__)
            session.execute(
                update(log)
                .where(log.c.seq == bindparam("entry"))
                .values(summary=bindparam("text")),
                changed,
            )
        last = page[-1][0]


def _secure_delete(session: Session) -> None:
    """Have SQLite overwrite whatever this connection frees, so removed data leaves the file."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("PRAGMA secure_delete = ON")


def _vacuum(db: Database) -> bool:
    """Compact the file (dropping any free pages); false when others keep it busy."""
    if not db.is_sqlite:
        return False
    with db.engine.connect() as connection:
        driver = connection.connection.driver_connection
        assert isinstance(driver, sqlite3.Connection)
        try:
            driver.execute("VACUUM")
        except sqlite3.OperationalError:
            return False
    return True


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if hasattr(value, "value") and isinstance(value.value, str):  # enums
        return value.value
    return value


def _dicts(session: Session, query: Any) -> list[dict[str, Any]]:
    return [
        {key: _plain(value) for key, value in row._mapping.items()}
        for row in session.execute(query)
    ]


def _quiet(stage: str, fraction: float) -> None:
    """Ignore progress."""


__all__ = [
    "AnonymiseResult",
    "ErasureResult",
    "PrivacyService",
    "RetentionCandidate",
    "former_name",
]
