"""Finding cover for a shift occurrence, asking people, and running its waitlist."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
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

RECENT_DAYS = 30
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
                session, shift_id, occurrence_start, None, limits
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
        since = slot.starts_at - timedelta(days=RECENT_DAYS)
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
                f"on {slot.starts_at:%d %b %Y %H:%M}",
            )
            return row.id

    def record_answer(self, request_id: int, answer: str, version: int) -> None:
        """Record an answer: "yes" puts them on the shift (ACCEPTED), "no" or "no_reply".

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
            row = session.get(CoverRequest, request_id)
            if row is None:
                raise NotFoundError("cover request", request_id)
            check_version(row, "cover request", request_id, version)
            row.answer = answer
            row.answered_at = utc_now()
            self._stamp(row)
            session.flush()
            self._log(session, "update", "cover request", request_id, f"Cover answer: {answer}")
            if answer != "yes":
                return
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
            self._put_on(session, world, slot, row.volunteer_id, current)

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

    def drop_out(self, assignment_id: int, version: int) -> int | None:
        """Cancel someone's place and promote the first waitlisted person who can take it.

        Returns the promoted assignment's id (None when nobody could be promoted).  Waitlisted
        people with a blocking finding (now on another shift, away...) are passed over.
        """
        limits = self.conflicts.limits.get()
        with self._writing("assignment", assignment_id, Assignment) as session:
            row = session.get(Assignment, assignment_id)
            if row is None:
                raise NotFoundError("assignment", assignment_id)
            check_version(row, "assignment", assignment_id, version)
            row.status = AssignmentStatus.CANCELLED
            self._stamp(row)
            session.flush()
            self._log(session, "update", "assignment", assignment_id, "Dropped out (cancelled)")
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
                return None
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
                return candidate.id
            return None

    def _put_on(
        self,
        session: Session,
        world: World,
        slot: SlotFacts,
        volunteer_id: int,
        current: Assignment | None,
    ) -> None:
        if current is not None and current.status is AssignmentStatus.ACCEPTED:
            return
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


__all__ = ["CoverAsk", "CoverCandidate", "CoverService"]
