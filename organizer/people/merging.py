"""Merging two records of the same person: the kept one gets everything of the other.

:meth:`MergeService.compare` shows the two side by side; :meth:`MergeService.merge` moves
every assignment (with its hours), qualification, availability window, blackout, consent,
sent invitation, buddy link and change-log entry of the other record to the kept one, fills
the kept record's empty fields from the other, and deletes the other, in one transaction.

When both records hold a place on the same shift and occurrence, one assignment is kept (the
one with attendance recorded, else one that holds a place, else the kept record's) with any
hours or times only the other had, and the other is removed, so no hour counts twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from sqlalchemy import CursorResult, Executable, and_, delete, func, select, update
from sqlalchemy.orm import Session, aliased

from organizer.errors import DomainError, NotFoundError
from organizer.models import (
    Assignment,
    Attendance,
    AvailabilityWindow,
    BlackoutPeriod,
    ChangeLogEntry,
    ConsentRecord,
    PublishedItem,
    Qualification,
    Volunteer,
    VolunteerQualification,
    utc_now,
)
from organizer.models.ids import VolunteerId
from organizer.services.base import Service, check_version

FILLED_FROM_OTHER = (
    "email",
    "phone",
    "pronouns",
    "notes",
    "emergency_contact_name",
    "emergency_contact_phone",
    "health_notes",
    "max_hours_per_week",
    "max_hours_per_month",
    "welcomed_on",
    "trained_on",
)
"""Fields of the kept record that take the other's value when they are empty."""


@dataclass(frozen=True)
class MergeSide:
    """One of the two records, as a merge view shows it."""

    id: VolunteerId
    name: str
    email: str | None
    phone: str | None
    pronouns: str
    joined_on: date
    active: bool
    review_reason: str
    assignments: int
    hours: float
    qualifications: tuple[str, ...]
    consents: int
    version: int


@dataclass(frozen=True)
class MergePreview:
    """The two records side by side, and what merging would do.

    ``clashes``: shifts both hold a place on (kept once); ``filled``: fields of the kept
    record the other would fill.
    """

    keep: MergeSide
    other: MergeSide
    clashes: int
    filled: tuple[str, ...]


@dataclass(frozen=True)
class MergeResult:
    """What a merge moved."""

    kept_id: VolunteerId
    removed_id: VolunteerId
    assignments_moved: int
    clashes_resolved: int
    qualifications_moved: int
    availability_moved: int
    blackouts_moved: int
    consents_moved: int
    history_moved: int
    filled: tuple[str, ...]
    version: int


class MergeService(Service):
    """Compares and merges duplicate volunteer records."""

    def compare(self, keep_id: int, other_id: int) -> MergePreview:
        """The two records side by side (raises NotFoundError if either is gone)."""
        _different(keep_id, other_id)
        with self.db.read() as session:
            keep = self._side(session, keep_id)
            other = self._side(session, other_id)
            clashes = len(_clashes(session, keep_id, other_id))
            a, b = session.get(Volunteer, keep_id), session.get(Volunteer, other_id)
            assert a is not None and b is not None
            filled = tuple(_fillable(a, b))
        return MergePreview(keep, other, clashes, filled)

    def merge(
        self, keep_id: int, keep_version: int, other_id: int, other_version: int
    ) -> MergeResult:
        """Merge ``other_id`` into ``keep_id``, if neither changed since it was loaded.

        Raises:
            ConflictError: someone saved either record after the versions given.
            NotFoundError: either record is gone.
            DomainError: the two are the same record.
        """
        _different(keep_id, other_id)
        with self._writing("volunteer", keep_id, Volunteer) as session:
            keep = session.get(Volunteer, keep_id, populate_existing=True)
            other = session.get(Volunteer, other_id, populate_existing=True)
            if keep is None:
                raise NotFoundError("volunteer", keep_id)
            if other is None:
                raise NotFoundError("volunteer", other_id)
            check_version(keep, "volunteer", keep_id, keep_version)
            check_version(other, "volunteer", other_id, other_version)
            now = utc_now()
            moved, clashes = self._assignments(session, keep.id, other.id)
            qualifications = _qualifications(session, keep.id, other.id)
            windows = _availability(session, keep.id, other.id)
            blackouts = _blackouts(session, keep.id, other.id)
            consents = _repoint(session, ConsentRecord, keep.id, other.id)
            _published(session, keep.id, other.id)
            session.execute(
                update(Volunteer)
                .where(Volunteer.buddy_id == other.id, Volunteer.id != keep.id)
                .values(
                    buddy_id=keep.id,
                    version=Volunteer.version + 1,
                    updated_at=now,
                    updated_by=self.actor,
                ),
                execution_options={"synchronize_session": False},
            )
            history = _changed(
                session,
                update(ChangeLogEntry)
                .where(ChangeLogEntry.entity == "volunteer", ChangeLogEntry.entity_id == other.id)
                .values(entity_id=keep.id),
            )
            filled = tuple(_fillable(keep, other))
            for name in filled:
                setattr(keep, name, getattr(other, name))
            if keep.buddy_id == other.id:
                keep.buddy_id = None
            elif keep.buddy_id is None and other.buddy_id not in (None, keep.id):
                keep.buddy_id = other.buddy_id
            keep.joined_on = min(keep.joined_on, other.joined_on)
            keep.active = keep.active or other.active
            other_name, other_key = other.name, other.id
            session.delete(other)
            self._stamp(keep)
            session.flush()
            parts = [f"{moved} shift{'s' if moved != 1 else ''}"]
            if clashes:
                parts.append(f"{clashes} shared shift{'s' if clashes != 1 else ''} kept once")
            parts += [
                f"{qualifications} qualification{'s' if qualifications != 1 else ''}",
                f"{consents} consent record{'s' if consents != 1 else ''}",
                f"{history} history entr{'ies' if history != 1 else 'y'}",
            ]
            if filled:
                parts.append("filled " + ", ".join(filled))
            self._log(
                session,
                "merge",
                "volunteer",
                keep.id,
                f"Merged volunteer #{other_key} “{other_name}” into “{keep.name}”: "
                + "; ".join(parts),
            )
            self._log(
                session, "delete", "volunteer", other_key, f"Merged into volunteer #{keep.id}"
            )
            session.flush()
            return MergeResult(
                kept_id=keep.id,
                removed_id=VolunteerId(other_key),
                assignments_moved=moved,
                clashes_resolved=clashes,
                qualifications_moved=qualifications,
                availability_moved=windows,
                blackouts_moved=blackouts,
                consents_moved=consents,
                history_moved=history,
                filled=filled,
                version=keep.version,
            )

    def _assignments(self, session: Session, keep_id: int, other_id: int) -> tuple[int, int]:
        """Move the other's assignments; resolve shared slots. Returns (moved, clashes)."""
        now = utc_now()
        stamp = {
            "version": Assignment.version + 1,
            "updated_at": now,
            "updated_by": self.actor,
        }
        clashes = _clashes(session, keep_id, other_id)
        for mine, theirs in clashes:
            kept, dropped = (theirs, mine) if _rank(theirs) > _rank(mine) else (mine, theirs)
            fill = {
                name: getattr(dropped, name)
                for name in ("hours", "actual_start", "actual_end", "attendance")
                if getattr(kept, name) is None and getattr(dropped, name) is not None
            }
            if dropped.note and not kept.note:
                fill["note"] = dropped.note
            session.execute(delete(Assignment).where(Assignment.id == dropped.id))
            session.execute(
                update(Assignment)
                .where(Assignment.id == kept.id)
                .values(volunteer_id=keep_id, **fill, **stamp),
                execution_options={"synchronize_session": False},
            )
        moved = _changed(
            session,
            update(Assignment)
            .where(Assignment.volunteer_id == other_id)
            .values(volunteer_id=keep_id, **stamp),
        )
        return moved + len(clashes), len(clashes)

    def _side(self, session: Session, volunteer_id: int) -> MergeSide:
        row = session.get(Volunteer, volunteer_id)
        if row is None:
            raise NotFoundError("volunteer", volunteer_id)
        count, hours = session.execute(
            select(func.count(Assignment.id), func.coalesce(func.sum(Assignment.hours), 0.0)).where(
                Assignment.volunteer_id == volunteer_id
            )
        ).one()
        held = session.scalars(
            select(Qualification.name)
            .join(VolunteerQualification)
            .where(VolunteerQualification.volunteer_id == volunteer_id)
            .order_by(Qualification.name)
        ).all()
        consents = session.scalar(
            select(func.count(ConsentRecord.id)).where(ConsentRecord.volunteer_id == volunteer_id)
        )
        return MergeSide(
            id=row.id,
            name=row.name,
            email=row.email,
            phone=row.phone,
            pronouns=row.pronouns,
            joined_on=row.joined_on,
            active=row.active,
            review_reason=row.review_reason,
            assignments=int(count),
            hours=float(hours or 0.0),
            qualifications=tuple(held),
            consents=int(consents or 0),
            version=row.version,
        )


def _different(keep_id: int, other_id: int) -> None:
    if keep_id == other_id:
        raise DomainError("A volunteer cannot be merged with themselves.")


def _fillable(keep: Volunteer, other: Volunteer) -> list[str]:
    return [
        name
        for name in FILLED_FROM_OTHER
        if getattr(keep, name) in (None, "") and getattr(other, name) not in (None, "")
    ]


def _clashes(
    session: Session, keep_id: int, other_id: int
) -> Sequence[tuple[Assignment, Assignment]]:
    mine, theirs = aliased(Assignment), aliased(Assignment)
    query = (
        select(mine, theirs)
        .join(
            theirs,
            and_(
                theirs.shift_id == mine.shift_id,
                theirs.occurrence_start == mine.occurrence_start,
            ),
        )
        .where(mine.volunteer_id == keep_id, theirs.volunteer_id == other_id)
        .order_by(mine.id)
    )
    return [(a, b) for a, b in session.execute(query)]


def _rank(assignment: Assignment) -> int:
    if assignment.attendance is Attendance.ATTENDED:
        return 3
    if assignment.attendance is not None:
        return 2
    return 1 if assignment.status.holds_place else 0


def _qualifications(session: Session, keep_id: int, other_id: int) -> int:
    held = {
        row.qualification_id: row
        for row in session.scalars(
            select(VolunteerQualification).where(VolunteerQualification.volunteer_id == keep_id)
        )
    }
    theirs = session.scalars(
        select(VolunteerQualification).where(VolunteerQualification.volunteer_id == other_id)
    ).all()
    moved = 0
    for row in theirs:
        mine = held.get(row.qualification_id)
        if mine is None:
            session.execute(
                update(VolunteerQualification)
                .where(
                    VolunteerQualification.volunteer_id == other_id,
                    VolunteerQualification.qualification_id == row.qualification_id,
                )
                .values(volunteer_id=keep_id),
                execution_options={"synchronize_session": False},
            )
            moved += 1
            continue
        # Both hold it: keep the later expiry (none at all is latest) and earliest date got.
        if mine.expires_on is not None and (
            row.expires_on is None or row.expires_on > mine.expires_on
        ):
            mine.expires_on = row.expires_on
        if row.obtained_on is not None and (
            mine.obtained_on is None or row.obtained_on < mine.obtained_on
        ):
            mine.obtained_on = row.obtained_on
        session.flush()
        session.execute(
            delete(VolunteerQualification).where(
                VolunteerQualification.volunteer_id == other_id,
                VolunteerQualification.qualification_id == row.qualification_id,
            )
        )
    return moved


def _availability(session: Session, keep_id: int, other_id: int) -> int:
    have = set(
        session.execute(
            select(
                AvailabilityWindow.weekday, AvailabilityWindow.starts, AvailabilityWindow.ends
            ).where(AvailabilityWindow.volunteer_id == keep_id)
        )
    )
    moved = 0
    for window_id, *key in session.execute(
        select(
            AvailabilityWindow.id,
            AvailabilityWindow.weekday,
            AvailabilityWindow.starts,
            AvailabilityWindow.ends,
        ).where(AvailabilityWindow.volunteer_id == other_id)
    ).all():
        if tuple(key) in have:
            session.execute(delete(AvailabilityWindow).where(AvailabilityWindow.id == window_id))
        else:
            moved += _repoint_one(session, AvailabilityWindow, window_id, keep_id)
    return moved


def _blackouts(session: Session, keep_id: int, other_id: int) -> int:
    have = set(
        session.execute(
            select(BlackoutPeriod.starts_on, BlackoutPeriod.ends_on, BlackoutPeriod.reason).where(
                BlackoutPeriod.volunteer_id == keep_id
            )
        )
    )
    moved = 0
    for blackout_id, *key in session.execute(
        select(
            BlackoutPeriod.id,
            BlackoutPeriod.starts_on,
            BlackoutPeriod.ends_on,
            BlackoutPeriod.reason,
        ).where(BlackoutPeriod.volunteer_id == other_id)
    ).all():
        if tuple(key) in have:
            session.execute(delete(BlackoutPeriod).where(BlackoutPeriod.id == blackout_id))
        else:
            moved += _repoint_one(session, BlackoutPeriod, blackout_id, keep_id)
    return moved


def _published(session: Session, keep_id: int, other_id: int) -> None:
    have = set(
        session.scalars(select(PublishedItem.uid).where(PublishedItem.volunteer_id == keep_id))
    )
    if have:
        session.execute(
            delete(PublishedItem).where(
                PublishedItem.volunteer_id == other_id, PublishedItem.uid.in_(have)
            )
        )
    _repoint(session, PublishedItem, keep_id, other_id)


def _repoint(
    session: Session,
    model: type[ConsentRecord] | type[PublishedItem],
    keep_id: int,
    other_id: int,
) -> int:
    return _changed(
        session, update(model).where(model.volunteer_id == other_id).values(volunteer_id=keep_id)
    )


def _repoint_one(
    session: Session,
    model: type[AvailabilityWindow] | type[BlackoutPeriod],
    row_id: int,
    keep_id: int,
) -> int:
    return _changed(session, update(model).where(model.id == row_id).values(volunteer_id=keep_id))


def _changed(session: Session, statement: Executable) -> int:
    """Run an UPDATE or DELETE; return how many rows it changed."""
    result = session.execute(statement, execution_options={"synchronize_session": False})
    return int(cast(CursorResult[Any], result).rowcount)
