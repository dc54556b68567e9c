"""Volunteers' answers to invitations: iTIP ``METHOD:REPLY`` files sent back by calendars.

A reply names the invitation by its UID (an assignment's ``uid``) and the person by their
ATTENDEE address.  An answer is applied only when both match, the answer is one Organizer
keeps (accepted, tentative, declined) and it does not answer an older version of the
invitation than the one last sent.  Everything else is reported, never applied.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

import icalendar
from sqlalchemy import select
from sqlalchemy.orm import Session

from organizer.errors import DomainError, ImportFormatError
from organizer.ics.importer import parse_calendar_bytes, read_file_bytes
from organizer.models import (
    Assignment,
    AssignmentStatus,
    Event,
    PublishedItem,
    Shift,
    Volunteer,
)
from organizer.models.ids import AssignmentId
from organizer.storage import Database
from organizer.wording import english_date

ANSWERS = {
    "ACCEPTED": AssignmentStatus.ACCEPTED,
    "TENTATIVE": AssignmentStatus.TENTATIVE,
    "DECLINED": AssignmentStatus.DECLINED,
}
"""PARTSTAT values a reply can carry that Organizer records, and the status each gives."""

_ANSWERABLE = frozenset(
    {
        AssignmentStatus.PROPOSED,
        AssignmentStatus.INVITED,
        AssignmentStatus.ACCEPTED,
        AssignmentStatus.TENTATIVE,
        AssignmentStatus.DECLINED,
    }
)
_VERBS = {
    AssignmentStatus.ACCEPTED: "accepted",
    AssignmentStatus.TENTATIVE: "said maybe to",
    AssignmentStatus.DECLINED: "declined",
}


@dataclass(frozen=True)
class ReplyPreview:
    """One answer read from a reply file (not yet matched to anything)."""

    file: str
    uid: str
    email: str
    name: str
    partstat: str
    sequence: int
    stamp: datetime | None
    comment: str = ""
    problem: str = ""

    @property
    def answer(self) -> AssignmentStatus | None:
        """The assignment status this answer gives, or ``None`` for another answer."""
        return ANSWERS.get(self.partstat)


class ReplyOutcome(enum.StrEnum):
    """What became of one answer."""

    APPLIED = "applied"
    UNCHANGED = "unchanged"
    NOT_APPLIED = "not applied"


@dataclass(frozen=True)
class ReplyResult:
    """One answer and what was (or, before applying, would be) done with it."""

    reply: ReplyPreview
    outcome: ReplyOutcome
    message: str
    assignment_id: AssignmentId | None = None
    expected_version: int | None = None
    previous_status: AssignmentStatus | None = None
    """The assignment's status when the answer was matched (what undo puts back)."""
    applied_version: int | None = None
    """The assignment's version once the answer was recorded (set by :func:`apply_replies`)."""


@dataclass(frozen=True)
class StatusStep:
    """One assignment's status to set, based on the version last seen."""

    assignment_id: AssignmentId
    version: int
    status: AssignmentStatus


def read_replies(paths: Iterable[str | Path]) -> list[ReplyPreview]:
    """Every answer in the given reply files, in file order.

    Raises:
        ImportFormatError: a file cannot be read, is not a calendar, or is not a reply
            (``METHOD:REPLY``); the message names the file.
    """
    found: list[ReplyPreview] = []
    for path in paths:
        shown = Path(path).name
        found.extend(replies_from_bytes(read_file_bytes(path, shown), shown))
    return found


def replies_from_bytes(data: bytes, name: str) -> list[ReplyPreview]:
    """The answers in one reply file given as bytes (``name`` is used in messages)."""
    calendars, _ = parse_calendar_bytes(data, name)
    found: list[ReplyPreview] = []
    for calendar in calendars:
        method = str(calendar.get("METHOD", "")).strip().upper()
        if method != "REPLY":
            kind = f"METHOD:{method}" if method else "no METHOD"
            raise ImportFormatError(
                f"{name} is not an answer to an invitation ({kind}); "
                "import a schedule with “import-ics” instead."
            )
        for event in calendar.walk("VEVENT"):
            found.extend(_answers(name, cast(icalendar.Event, event)))
    if not found:
        raise ImportFormatError(f"{name} holds no answer to an invitation.")
    return found


def _answers(name: str, event: icalendar.Event) -> list[ReplyPreview]:
    uid = str(event.get("UID", "")).strip()
    sequence = 0
    raw_sequence = event.get("SEQUENCE")
    try:
        sequence = max(0, int(raw_sequence)) if raw_sequence is not None else 0
    except (TypeError, ValueError):
        sequence = 0
    stamp = _instant(event.get("DTSTAMP"))
    comment = _plain(event.get("COMMENT"))
    attendees = event.get("ATTENDEE")
    people = attendees if isinstance(attendees, list) else [attendees] if attendees else []
    base = ReplyPreview(
        file=name, uid=uid, email="", name="", partstat="", sequence=sequence, stamp=stamp
    )
    if not uid:
        return [replace(base, problem="the answer does not say which invitation it is for")]
    if not people:
        return [replace(base, problem="the answer does not say who is answering")]
    found = []
    for person in people:
        params = getattr(person, "params", {})
        address = str(person).strip()
        if address.lower().startswith("mailto:"):
            address = address[7:]
        found.append(
            replace(
                base,
                email=address.strip(),
                name=str(params.get("CN", "")).strip().strip('"'),
                partstat=str(params.get("PARTSTAT", "NEEDS-ACTION")).strip().upper(),
                comment=comment,
            )
        )
    return found


def _instant(prop: Any) -> datetime | None:
    try:
        value = prop.dt if prop is not None else None
    except Exception:  # icalendar raises its own error for a broken value
        return None
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC)
    return None


def _plain(value: Any) -> str:
    if isinstance(value, list):
        value = value[0] if value else None
    return "" if value is None else str(value).strip()


def match_replies(db: Database, replies: Iterable[ReplyPreview]) -> list[ReplyResult]:
    """What applying each answer would do, without changing anything.

    When several answers of one person to one invitation are given, the latest (by
    SEQUENCE, then DTSTAMP) counts and the others are reported as replaced.
    """
    replies = list(replies)
    latest: dict[tuple[str, str], ReplyPreview] = {}
    for reply in replies:
        if reply.problem or not reply.email:
            continue
        key = (reply.uid, reply.email.casefold())
        held = latest.get(key)
        if held is None or _order(reply) >= _order(held):
            latest[key] = reply
    with db.read() as session:
        results = []
        for reply in replies:
            kept = latest.get((reply.uid, reply.email.casefold()))
            if kept is not None and kept is not reply:
                results.append(
                    _not_applied(reply, f"a later answer in {kept.file} replaces this one")
                )
                continue
            results.append(_match(session, reply))
    return results


def _order(reply: ReplyPreview) -> tuple[int, datetime]:
    return (reply.sequence, reply.stamp or datetime.min.replace(tzinfo=UTC))


def _not_applied(reply: ReplyPreview, why: str) -> ReplyResult:
    return ReplyResult(reply, ReplyOutcome.NOT_APPLIED, f"{reply.file}: {why}.")


def _match(session: Session, reply: ReplyPreview) -> ReplyResult:
    if reply.problem:
        return _not_applied(reply, reply.problem)
    who = reply.email or reply.name or "someone"
    answer = reply.answer
    if answer is None:
        return _not_applied(
            reply,
            f"{who} answered “{reply.partstat.lower()}”, which is not accepted, "
            "tentative or declined",
        )
    found = session.execute(
        select(Assignment, Volunteer, Shift.role, Event.title, Event.timezone)
        .join(Volunteer, Volunteer.id == Assignment.volunteer_id)
        .join(Shift, Shift.id == Assignment.shift_id)
        .join(Event, Event.id == Shift.event_id)
        .where(Assignment.uid == reply.uid)
    ).first()
    if found is None:
        return _not_applied(
            reply,
            f"{who} answered an invitation Organizer does not have (UID {reply.uid}); "
            "it may have been deleted or sent from another calendar",
        )
    assignment, volunteer, role, title, tz = found
    what = _shift_text(role, title, assignment.occurrence_start, tz)
    if (volunteer.email or "").strip().casefold() != reply.email.casefold():
        return _not_applied(
            reply,
            f"the answer to {what} comes from {who}, but the invitation was sent to "
            f"{volunteer.name}; nothing was changed",
        )
    sent = session.scalar(
        select(PublishedItem.sequence).where(
            PublishedItem.volunteer_id == volunteer.id, PublishedItem.uid == reply.uid
        )
    )
    if sent is not None and reply.sequence < sent:
        return _not_applied(
            reply,
            f"{volunteer.name} answered an older version of the invitation to {what} "
            f"(version {reply.sequence}; version {sent} was sent since), so it was ignored",
        )
    if assignment.status not in _ANSWERABLE:
        return _not_applied(
            reply,
            f"{volunteer.name}'s place on {what} is {assignment.status.value}, so the "
            f"answer ({_VERBS[answer]}) was not recorded",
        )
    verb = _VERBS[answer]
    said = f" (“{reply.comment}”)" if reply.comment else ""
    if assignment.status == answer:
        return ReplyResult(
            reply,
            ReplyOutcome.UNCHANGED,
            f"{reply.file}: {volunteer.name} had already {verb} {what}.",
            assignment.id,
            assignment.version,
        )
    return ReplyResult(
        reply,
        ReplyOutcome.APPLIED,
        f"{reply.file}: {volunteer.name} {verb} {what}{said}.",
        assignment.id,
        assignment.version,
        previous_status=assignment.status,
    )


def _shift_text(role: str, title: str, start: datetime, tz: str) -> str:
    local = start.astimezone(ZoneInfo(tz))
    return f"“{role}” at “{title}” on {english_date(local, '%-d %b %Y %H:%M')}"


def apply_replies(
    db: Database, previews: Iterable[ReplyPreview | ReplyResult], actor: str
) -> list[ReplyResult]:
    """Record each usable answer as the assignment's status; report the rest.

    Answers (:class:`ReplyPreview`) are matched now; results of an earlier
    :func:`match_replies` (a preview a coordinator looked at) are applied as matched then.
    Each status is saved through :meth:`RosterService.set_status` against the version the
    match saw, so an assignment someone changed since is reported, never overwritten.
    """
    from organizer.services.roster import RosterService

    items = list(previews)
    fresh = match_replies(db, [p for p in items if isinstance(p, ReplyPreview)])
    matched = iter(fresh)
    planned = [p if isinstance(p, ReplyResult) else next(matched) for p in items]
    roster = RosterService(db, actor)
    results = []
    for result in planned:
        answer = result.reply.answer
        if (
            result.outcome != ReplyOutcome.APPLIED
            or result.assignment_id is None
            or result.expected_version is None
            or answer is None
        ):
            results.append(result)
            continue
        try:
            changed = roster.set_status(result.assignment_id, result.expected_version, answer)
        except DomainError as error:
            results.append(
                replace(
                    result,
                    outcome=ReplyOutcome.NOT_APPLIED,
                    message=f"{result.reply.file}: not recorded: {error.message}",
                )
            )
            continue
        results.append(replace(result, applied_version=changed.version))
    return results


def undo_steps(results: Iterable[ReplyResult]) -> list[StatusStep]:
    """The steps that put back what :func:`apply_replies` changed (its applied results)."""
    return [
        StatusStep(r.assignment_id, r.applied_version, r.previous_status)
        for r in results
        if r.outcome == ReplyOutcome.APPLIED
        and r.assignment_id is not None
        and r.applied_version is not None
        and r.previous_status is not None
    ]


def set_statuses(db: Database, steps: Sequence[StatusStep], actor: str) -> list[StatusStep]:
    """Set every step's status in one transaction, all or none; return the steps that reverse it.

    Each status is set against the step's version, so undoing and redoing recorded answers
    never overwrites someone else's change.

    Raises:
        ConflictError: someone else changed one of the assignments (nothing is changed).
        NotFoundError: one of the assignments was deleted (nothing is changed).
    """
    from organizer.services.roster import RosterService

    changed = RosterService(db, actor).set_statuses(
        [(step.assignment_id, step.version, step.status) for step in steps]
    )
    return [StatusStep(row.id, row.version, before) for row, before in reversed(changed)]
