"""Finding cover for a shift occurrence, asking people, and running its waitlist."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from organizer.errors import DomainError, NotFoundError, ValidationError
from organizer.models import Assignment, AssignmentStatus, Shift, Volunteer, utc_now
from organizer.models.scheduling import CoverRequest
from organizer.scheduling.conflicts import (
    ConflictService,
    Finding,
    SlotFacts,
    World,
    covering_window,
    load_slot,
)
from organizer.services.base import Service, check_version
from organizer.storage import Database
from organizer.wording import english_date

RECENT_DAYS = 30
RECENT = timedelta(days=RECENT_DAYS)
"""How far back a candidate's shifts count towards how busy they have been."""
ANSWERS = ("yes", "no", "no_reply")


@dataclass(frozen=True)
class CoverCandidate:
    """Someone who could cover a shift, best first; ``asked`` is their last answer if asked."""

    volunteer_id: int
    name: str
    score: float
    reasons: tuple[str, ...]
    findings: tuple[Finding, ...]
    asked: str | None


@dataclass(frozen=True)
class CoverAsk:
    """One request to cover a shift occurrence, and the answer."""

    id: int
    volunteer_id: int
    name: str
    asked_at: datetime
    answer: str
    answered_at: datetime | None
    note: str
    version: int


@dataclass(frozen=True)
class WithdrawnAsk:
    """An ask taken back, kept so that :meth:`CoverService.restore_ask` can make it again."""

    id: int
    shift_id: int
    occurrence_start: datetime
    volunteer_id: int
    asked_at: datetime
    note: str
    version: int


@dataclass(frozen=True)
class AnswerRecorded:
    """What recording an answer changed, for :meth:`CoverService.take_back_answer`.

    The request's answer before, and the assignment a "yes" made or changed.
    """

    request_id: int
    version: int
    previous_answer: str
    previous_answered_at: datetime | None
    assignment_id: int | None = None
    assignment_version: int | None = None
    previous_status: AssignmentStatus | None = None
    """The assignment's status before the "yes" (None: the "yes" made it)."""


@dataclass(frozen=True)
class DroppedOut:
    """What a drop-out changed: the place given up, and who was promoted into it (if anyone)."""

    assignment_id: int
    version: int
    previous_status: AssignmentStatus
    promoted_id: int | None = None
    promoted_version: int | None = None


class CoverService(Service):
    """Cover finder and waitlists (Services.cover)."""

    def __init__(self, db: Database, actor: str) -> None:
        """Work on ``db`` as ``actor``."""
        super().__init__(db, actor)
        self.conflicts = ConflictService(db, actor)

    def candidates(
        self, shift_id: int, occurrence_start: datetime, *, limit: int = 20
    ) -> list[CoverCandidate]:
        """Who could cover the shift, best first; anyone with a blocking finding is left out.

        Qualified and free people only; those available at that time, with the fewest recent
        shifts and who did the role before rank higher.  A full shift does not exclude anyone
        (the finding is listed): cover is looked for before someone's place is given up.
        """
        limits = self.conflicts.limits.get()
        with self.db.read() as session:
            world, slot = self.conflicts.world_for_slot(
                session, shift_id, occurrence_start, None, limits, around=RECENT
            )
            asked: dict[int, str] = {
                vid: answer
                for vid, answer in session.execute(
                    select(CoverRequest.volunteer_id, CoverRequest.answer)
                    .where(
                        CoverRequest.shift_id == shift_id,
                        CoverRequest.occurrence_start == occurrence_start,
                    )
                    .order_by(CoverRequest.asked_at, CoverRequest.id)
                )
            }
            did_role = set(
                session.scalars(
                    select(Assignment.volunteer_id)
                    .join(Shift, Shift.id == Assignment.shift_id)
                    .where(
                        Shift.role == slot.role,
                        Assignment.occurrence_start < slot.occurrence_start,
                        Assignment.status == AssignmentStatus.ACCEPTED,
                    )
                    .distinct()
                )
            )
        on_shift = {vid for _, vid in world.holders.get(slot.key, [])}
        since = slot.starts_at - RECENT
        found: list[CoverCandidate] = []
        for person in world.people.values():
            if not person.active or person.flagged or person.volunteer_id in on_shift:
                continue
            findings = world.findings(person.volunteer_id, slot)
            # A full shift is what cover is for (someone is dropping out): not a reason to skip.
            if any(f.blocking and f.kind != "role_full" for f in findings):
                continue
            recent = [
                b
                for b in world.bookings.get(person.volunteer_id, [])
                if since <= b.slot.starts_at < slot.starts_at
            ]
            hours = sum(b.hours for b in recent)
            score = 100.0 - 5.0 * len(recent) - hours
            reasons: list[str] = []
            if slot.qualification_id is not None:
                name = world.qualification_names.get(slot.qualification_id, "the qualification")
                reasons.append(f"holds “{name}”")
            if covering_window(person, slot) is not None:
                score += 20
                reasons.append("usually free then")
            elif not person.windows:
                reasons.append("availability not given")
            else:
                score -= 30
                reasons.append("outside their usual times")
            reasons.append(
                f"{len(recent)} {'shift' if len(recent) == 1 else 'shifts'} "
                f"({round(hours, 1):g}\u00a0h) in the last {RECENT_DAYS} days"
            )
            if person.volunteer_id in did_role:
                score += 15
                reasons.append(f"has been {slot.role} before")
            answer = asked.get(person.volunteer_id)
            if answer in ("no", "no_reply"):
                score -= 50
            found.append(
                CoverCandidate(
                    person.volunteer_id,
                    person.name,
                    score,
                    tuple(reasons),
                    tuple(findings),
                    answer,
                )
            )
        found.sort(key=lambda c: (-c.score, c.name.casefold(), c.volunteer_id))
        return found[:limit]

    def ask(
        self, shift_id: int, occurrence_start: datetime, volunteer_id: int, note: str = ""
    ) -> int:
        """Record that ``volunteer_id`` was asked to cover; returns the request's id."""
        with self._writing("cover request") as session:
            slot = load_slot(session, shift_id, occurrence_start)
            volunteer = session.get(Volunteer, volunteer_id)
            if volunteer is None:
                raise NotFoundError("volunteer", volunteer_id)
            now = utc_now()
            row = CoverRequest(
                shift_id=shift_id,
                occurrence_start=occurrence_start,
                volunteer_id=volunteer_id,
                asked_at=now,
                answer="pending",
                note=note.strip(),
                created_at=now,
                created_by=self.actor,
                updated_at=now,
                updated_by=self.actor,
            )
            session.add(row)
            session.flush()
            self._log(
                session,
                "create",
                "cover request",
                row.id,
                f"Asked {volunteer.name} to cover “{slot.title} – {slot.role}” "
                f"on {english_date(slot.starts_at, '%d %b %Y %H:%M')}",
            )
            return row.id

    def withdraw_ask(self, request_id: int) -> WithdrawnAsk:
        """Take back an ask nobody has answered yet (undoing :meth:`ask`); returns it, kept.

        Raises:
            DomainError: the request has been answered since.
        """
        with self._writing("cover request", request_id, CoverRequest) as session:
            row = session.get(CoverRequest, request_id)
            if row is None:
                raise NotFoundError("cover request", request_id)
            if row.answer != "pending":
                raise DomainError(
                    "That request to cover has been answered since, so it stays on record."
                )
            kept = WithdrawnAsk(
                row.id,
                row.shift_id,
                row.occurrence_start,
                row.volunteer_id,
                row.asked_at,
                row.note,
                row.version,
            )
            session.delete(row)
            session.flush()
            self._log(session, "delete", "cover request", request_id, "Took back a request")
            return kept

    def restore_ask(self, kept: WithdrawnAsk) -> int:
        """Make a withdrawn ask again, as it was: its id and version too (redoing it).

        Keeping them keeps later steps about it (recording its answer) pointing at it.

        Raises:
            DomainError: the shift or the volunteer is gone, or the id went to another ask.
        """
        with self._writing("cover request", kept.id, CoverRequest) as session:
            row = CoverRequest(
                id=kept.id,
                shift_id=kept.shift_id,
                occurrence_start=kept.occurrence_start,
                volunteer_id=kept.volunteer_id,
                asked_at=kept.asked_at,
                answer="pending",
                note=kept.note,
            )
            self._stamp(row, creating=True)
            session.add(row)
            try:
                session.flush()
            except IntegrityError as error:
                raise DomainError(
                    "That request to cover cannot be made again: the shift, the volunteer or "
                    "the requests changed meanwhile. Ask again from the cover finder."
                ) from error
            # An insert always starts at version 1; the ask goes on from where it was.
            session.execute(
                update(CoverRequest)
                .where(CoverRequest.id == kept.id)
                .values(version=kept.version)
                .execution_options(synchronize_session=False)
            )
            self._log(session, "create", "cover request", kept.id, "Asked again to cover")
            return kept.id

    def record_answer(self, request_id: int, answer: str, version: int) -> AnswerRecorded:
        """Record an answer: "yes" puts them on the shift (ACCEPTED), "no" or "no_reply".

        Returns what changed, for :meth:`take_back_answer`.

        Raises:
            ValidationError: an unknown answer.
            ConflictError: the request changed since ``version``.
            DomainError: "yes" but the engine finds a blocking problem (assign them from the
                roster with a reason instead).
        """
        if answer not in ANSWERS:
            raise ValidationError.single("answer", "The answer must be yes, no or no reply.")
        limits = self.conflicts.limits.get()
        with self._writing("cover request", request_id, CoverRequest) as session:
            row = _current(session, CoverRequest, "cover request", request_id, version)
            before = (row.answer, row.answered_at)
            row.answer = answer
            row.answered_at = utc_now()
            self._stamp(row)
            session.flush()
            self._log(session, "update", "cover request", request_id, f"Cover answer: {answer}")
            recorded = AnswerRecorded(request_id, row.version, *before)
            if answer != "yes":
                return recorded
            world, slot = self.conflicts.world_for_slot(
                session, row.shift_id, row.occurrence_start, [row.volunteer_id], limits
            )
            current = session.scalar(
                select(Assignment).where(
                    Assignment.shift_id == row.shift_id,
                    Assignment.occurrence_start == row.occurrence_start,
                    Assignment.volunteer_id == row.volunteer_id,
                )
            )
            previous = current.status if current is not None else None
            placed = self._put_on(session, world, slot, row.volunteer_id, current)
            if placed is None:  # already on the shift: nothing else changed
                return recorded
            return replace(
                recorded,
                assignment_id=placed.id,
                assignment_version=placed.version,
                previous_status=previous,
            )

    def take_back_answer(self, recorded: AnswerRecorded) -> int:
        """Put back what :meth:`record_answer` changed; returns the request's new version.

        A "yes" that made an assignment removes it; one that changed an assignment's status
        changes it back.

        Raises:
            ConflictError: the request or the assignment changed since.
        """
        request_id = recorded.request_id
        with self._writing("cover request", request_id, CoverRequest) as session:
            row = _current(session, CoverRequest, "cover request", request_id, recorded.version)
            row.answer = recorded.previous_answer
            row.answered_at = recorded.previous_answered_at
            self._stamp(row)
            if recorded.assignment_id is not None:
                self._put_back(session, recorded)
            session.flush()
            self._log(session, "update", "cover request", request_id, "Took back the answer")
            return row.version

    def _put_back(self, session: Session, recorded: AnswerRecorded) -> None:
        assignment_id = recorded.assignment_id
        assert assignment_id is not None and recorded.assignment_version is not None
        placed = _current(
            session, Assignment, "assignment", assignment_id, recorded.assignment_version
        )
        if recorded.previous_status is None:
            session.delete(placed)
            self._log(session, "delete", "assignment", assignment_id, "Took back the cover")
        else:
            placed.status = recorded.previous_status
            self._stamp(placed)
            self._log(session, "update", "assignment", assignment_id, "Took back the cover")

    def requests(self, shift_id: int, occurrence_start: datetime) -> list[CoverAsk]:
        """Everyone asked to cover the shift occurrence, in the order asked."""
        with self.db.read() as session:
            rows = session.execute(
                select(CoverRequest, Volunteer.name)
                .join(Volunteer, Volunteer.id == CoverRequest.volunteer_id)
                .where(
                    CoverRequest.shift_id == shift_id,
                    CoverRequest.occurrence_start == occurrence_start,
                )
                .order_by(CoverRequest.asked_at, CoverRequest.id)
            ).all()
            return [
                CoverAsk(
                    r.id,
                    r.volunteer_id,
                    name,
                    r.asked_at,
                    r.answer,
                    r.answered_at,
                    r.note,
                    r.version,
                )
                for r, name in rows
            ]

    def waitlist(self, shift_id: int, occurrence_start: datetime) -> list[tuple[int, str]]:
        """Waitlisted assignments on the shift occurrence, first come first: (id, name)."""
        with self.db.read() as session:
            return [
                (aid, name)
                for aid, name in session.execute(
                    select(Assignment.id, Volunteer.name)
                    .join(Volunteer, Volunteer.id == Assignment.volunteer_id)
                    .where(
                        Assignment.shift_id == shift_id,
                        Assignment.occurrence_start == occurrence_start,
                        Assignment.status == AssignmentStatus.WAITLISTED,
                    )
                    .order_by(Assignment.created_at, Assignment.id)
                )
            ]

    def drop_out(self, assignment_id: int, version: int) -> DroppedOut:
        """Cancel someone's place and promote the first waitlisted person who can take it.

        Returns what changed, with the promoted assignment (if anyone could be promoted),
        for :meth:`undo_drop_out`.  Waitlisted people with a blocking finding (now on
        another shift, away...) are passed over.
        """
        limits = self.conflicts.limits.get()
        with self._writing("assignment", assignment_id, Assignment) as session:
            row = _current(session, Assignment, "assignment", assignment_id, version)
            previous = row.status
            row.status = AssignmentStatus.CANCELLED
            self._stamp(row)
            session.flush()
            self._log(session, "update", "assignment", assignment_id, "Dropped out (cancelled)")
            dropped = DroppedOut(assignment_id, row.version, previous)
            waiting = list(
                session.scalars(
                    select(Assignment)
                    .where(
                        Assignment.shift_id == row.shift_id,
                        Assignment.occurrence_start == row.occurrence_start,
                        Assignment.status == AssignmentStatus.WAITLISTED,
                    )
                    .order_by(Assignment.created_at, Assignment.id)
                )
            )
            if not waiting:
                return dropped
            world, slot = self.conflicts.world_for_slot(
                session,
                row.shift_id,
                row.occurrence_start,
                [w.volunteer_id for w in waiting],
                limits,
            )
            for candidate in waiting:
                if any(f.blocking for f in world.findings(candidate.volunteer_id, slot)):
                    continue
                candidate.status = AssignmentStatus.ACCEPTED
                self._stamp(candidate)
                session.flush()
                self._log(
                    session, "update", "assignment", candidate.id, "Promoted from the waitlist"
                )
                return replace(
                    dropped, promoted_id=candidate.id, promoted_version=candidate.version
                )
            return dropped

    def undo_drop_out(self, dropped: DroppedOut) -> int:
        """Give the place back and put anyone promoted into it back on the waitlist.

        Returns the place's new version.

        Raises:
            ConflictError: either assignment changed since.
        """
        assignment_id = dropped.assignment_id
        with self._writing("assignment", assignment_id, Assignment) as session:
            row = _current(session, Assignment, "assignment", assignment_id, dropped.version)
            if dropped.promoted_id is not None:
                assert dropped.promoted_version is not None
                promoted = _current(
                    session, Assignment, "assignment", dropped.promoted_id, dropped.promoted_version
                )
                promoted.status = AssignmentStatus.WAITLISTED
                self._stamp(promoted)
                self._log(session, "update", "assignment", promoted.id, "Back on the waitlist")
            row.status = dropped.previous_status
            self._stamp(row)
            session.flush()
            self._log(session, "update", "assignment", assignment_id, "Took back the drop-out")
            return row.version

    def _put_on(
        self,
        session: Session,
        world: World,
        slot: SlotFacts,
        volunteer_id: int,
        current: Assignment | None,
    ) -> Assignment | None:
        """Put ``volunteer_id`` on the shift (ACCEPTED).

        Returns the assignment made or changed, or None when they were on it already.
        """
        if current is not None and current.status is AssignmentStatus.ACCEPTED:
            return None
        exclude = current.id if current is not None else None
        blocking = [f for f in world.findings(volunteer_id, slot, exclude=exclude) if f.blocking]
        if blocking:
            raise DomainError(
                " ".join(f.message for f in blocking)
                + " Put them on the shift from the roster with a reason instead."
            )
        now = utc_now()
        if current is None:
            current = Assignment(
                shift_id=slot.shift_id,
                volunteer_id=volunteer_id,
                occurrence_start=slot.occurrence_start,
                status=AssignmentStatus.ACCEPTED,
                note="Covering",
                created_at=now,
                created_by=self.actor,
            )
            session.add(current)
        current.status = AssignmentStatus.ACCEPTED
        self._stamp(current)
        session.flush()
        self._log(session, "update", "assignment", current.id, "Accepted to cover the shift")
        return current


_Row = TypeVar("_Row", CoverRequest, Assignment)


def _current(session: Session, model: type[_Row], entity: str, row_id: int, version: int) -> _Row:
    """The row, if it is still at ``version`` (else NotFoundError or ConflictError)."""
    row = session.get(model, row_id)
    if row is None:
        raise NotFoundError(entity, row_id)
    check_version(row, entity, row_id, version)
    return row


__all__ = [
    "AnswerRecorded",
    "CoverAsk",
    "CoverCandidate",
    "CoverService",
    "DroppedOut",
    "WithdrawnAsk",
]
