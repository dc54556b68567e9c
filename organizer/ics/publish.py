"""Publishing: send each volunteer invitations for what is new or changed, and cancellations.

:func:`plan_publish` compares every volunteer's shifts in a period with what they were last
sent (the ``published_items`` table) and says, per volunteer, what is new, changed or
cancelled.  :func:`execute_publish` turns the plan into invitation files, hands them to a
sink (a folder, :class:`OutboxSink`, or the mail server, :class:`SmtpSink`) and records what
was sent volunteer by volunteer, so a run that fails half-way leaves the volunteers already
sent recorded and a re-run sends only the rest.

A publish to everyone that goes through remembers (``publish.*`` in ``file_info``) the last
change-log entry its plan saw; the next plan then compares only the volunteers that the
change log, the period or the last run's leftovers say may differ, and gives the same plan.
"""

from __future__ import annotations

import enum
import hashlib
import os
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from organizer.errors import DomainError, MailError, OrganizerError
from organizer.ics.invitations import (
    CalendarItem,
    Person,
    cancel,
    content_key,
    count_items,
    item_volunteers,
    personal_items,
    request,
)
from organizer.ics.mail import MailRecipientError
from organizer.models import (
    Assignment,
    ChangeLogEntry,
    Event,
    FileInfo,
    OccurrenceOverride,
    PublishedItem,
    Shift,
    Volunteer,
)
from organizer.models.ids import AssignmentId, VolunteerId
from organizer.services.base import chunks, record_change
from organizer.services.occurrences import stored_horizon
from organizer.storage import Database
from organizer.wording import english_date

DEFAULT_HORIZON = timedelta(weeks=8)
"""How far ahead a publish looks unless told otherwise."""

CANCELLATION_LOOKAHEAD = timedelta(days=5 * 366)
"""How far to look for a shift that moved out of the period before calling it cancelled."""

FULL_COMPARISON_SHARE = 0.5
"""When more than this share of all volunteers may have changed, everyone is compared."""

Progress = Callable[[str, float], None]
CancelCheck = Callable[[], bool]


class ChangeKind(enum.StrEnum):
    """What a volunteer is told about one shift."""

    NEW = "new"
    CHANGED = "changed"
    CANCELLED = "cancelled"

    @property
    def method(self) -> str:
        """The iTIP METHOD of the file that tells it."""
        return "CANCEL" if self is ChangeKind.CANCELLED else "REQUEST"


@dataclass(frozen=True)
class PlannedChange:
    """One invitation or cancellation to send.

    ``item`` is what will be sent, with the SEQUENCE to send; ``content_hash`` is recorded
    once it is sent.  ``description`` says what happened in words.
    """

    kind: ChangeKind
    item: CalendarItem
    content_hash: str
    assignment_id: AssignmentId | None
    role: str
    description: str


@dataclass(frozen=True)
class VolunteerChanges:
    """Everything one volunteer is to be sent, in time order."""

    volunteer_id: VolunteerId
    name: str
    email: str | None
    timezone: str
    changes: tuple[PlannedChange, ...]

    @property
    def can_send(self) -> bool:
        """Whether the volunteer has an email address to send to."""
        return bool(self.email)

    @property
    def attendee(self) -> Person:
        """The volunteer as the invitation's ATTENDEE."""
        return Person(self.name, self.email or "")

    def count(self, kind: ChangeKind) -> int:
        """How many changes of ``kind`` this volunteer has."""
        return sum(1 for change in self.changes if change.kind is kind)


@dataclass(frozen=True)
class PublishBasis:
    """What a plan for every volunteer was worked out from.

    ``seq`` is the last change-log entry it saw.  Once the plan is sent in full this is
    remembered, so the next plan compares only the volunteers changed since.
    """

    seq: int
    starts: datetime
    ends: datetime
    contact: str
    horizon: datetime
    changes: str = ""
    """A digest of every change planned: a plan trimmed before sending is not remembered."""


@dataclass(frozen=True)
class PublishPlan:
    """What a publish would send, per volunteer.

    ``volunteers`` can be sent to; ``cannot_send`` have changes but no email address (they
    are listed so nobody is forgotten silently); ``unchanged`` counts the shifts already
    sent as they are.  ``basis`` is set for a plan for everyone; ``compared`` holds the
    volunteers whose shifts were compared (None: everyone's), the rest being known unchanged.
    """

    starts: datetime
    ends: datetime
    volunteers: tuple[VolunteerChanges, ...]
    cannot_send: tuple[VolunteerChanges, ...]
    unchanged: int
    basis: PublishBasis | None = None
    compared: frozenset[VolunteerId] | None = None

    @property
    def is_empty(self) -> bool:
        """Whether there is nothing to send."""
        return not self.volunteers

    def count(self, kind: ChangeKind) -> int:
        """How many sendable changes of ``kind`` the plan holds."""
        return sum(volunteer.count(kind) for volunteer in self.volunteers)

    def summary(self) -> str:
        """One line: how many of each kind, to how many volunteers."""
        if self.is_empty:
            text = "Nothing to send: every volunteer has their current shifts."
        else:
            text = (
                f"{_plural(len(self.volunteers), 'volunteer')} to send to: "
                f"{self.count(ChangeKind.NEW)} new, {self.count(ChangeKind.CHANGED)} changed, "
                f"{self.count(ChangeKind.CANCELLED)} cancelled."
            )
        if self.cannot_send:
            text += f" {_plural(len(self.cannot_send), 'volunteer')} cannot be sent (no email)."
        return text

    def lines(self) -> list[str]:
        """The plan in words, volunteer by volunteer (for a terminal or a preview)."""
        lines = [self.summary()]
        for volunteer in self.volunteers:
            lines.append(f"{volunteer.name} <{volunteer.email}>:")
            lines.extend(f"  {_describe(change)}" for change in volunteer.changes)
        for volunteer in self.cannot_send:
            lines.append(f"{volunteer.name}: cannot be sent (no email address):")
            lines.extend(f"  {_describe(change)}" for change in volunteer.changes)
        return lines


def _describe(change: PlannedChange) -> str:
    return f"{change.kind.value.upper():<9} {change.description}"


def default_period(
    now: datetime, horizon: timedelta = DEFAULT_HORIZON
) -> tuple[datetime, datetime]:
    """From ``now`` to ``horizon`` ahead: past shifts are never sent again."""
    start = now.astimezone(UTC)
    return start, start + horizon


# --- Planning ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Sent:
    """A ``published_items`` row, as much of it as planning needs."""

    volunteer_id: VolunteerId
    uid: str
    sequence: int
    content_hash: str
    cancelled: bool
    summary: str
    starts_at: datetime
    ends_at: datetime


_SENT_COLUMNS = (
    PublishedItem.volunteer_id,
    PublishedItem.uid,
    PublishedItem.sequence,
    PublishedItem.content_hash,
    PublishedItem.cancelled,
    PublishedItem.summary,
    PublishedItem.starts_at,
    PublishedItem.ends_at,
)


def plan_publish(
    session: Session,
    *,
    starts: datetime,
    ends: datetime,
    volunteer_ids: Collection[VolunteerId] | None = None,
    contact: Person | None,
    full: bool = False,
) -> PublishPlan:
    """Work out what each volunteer (``None``: everyone) needs to be sent for ``[starts, ends)``.

    Only shifts starting in the period are considered; a shift sent before that has since
    moved out of the period is updated, and one that is gone is cancelled.

    For everyone, after a publish that went through to the end, only the volunteers whose
    shifts may differ since are compared (what the change log names, shifts newly in the
    period and those not sent last time); the plan is the same as comparing everyone, which
    ``full`` forces and any doubt (unknown changes, other settings) falls back to.
    """
    if ends <= starts:
        raise DomainError("The end of the period to publish must be after its start.")
    if volunteer_ids is not None:
        return _plan(session, sorted(set(volunteer_ids)), starts, ends, contact)
    basis = _basis(session, starts, ends, contact)
    changed = None if full else _changed_since_last_publish(session, basis)
    if changed is None:
        return _plan(session, None, starts, ends, contact, basis=basis)
    return _plan(session, sorted(changed), starts, ends, contact, basis=basis, incremental=True)


def _plan(
    session: Session,
    wanted: Sequence[VolunteerId] | None,
    starts: datetime,
    ends: datetime,
    contact: Person | None,
    *,
    basis: PublishBasis | None = None,
    incremental: bool = False,
) -> PublishPlan:
    """Compare the ``wanted`` volunteers' shifts (None: everyone's) with what was sent.

    ``incremental``: everyone not ``wanted`` is known to have nothing to send; their shifts
    are only counted as unchanged.
    """
    current = {
        vid: [item for item in items if starts <= item.starts_at < ends]
        for vid, items in personal_items(
            session, wanted, starts=starts, ends=ends, contact=contact
        ).items()
    }
    sent = _sent_rows(session, wanted, starts, ends, current)
    changes: dict[VolunteerId, list[PlannedChange]] = defaultdict(list)
    unchanged = 0
    for vid, items in current.items():
        for item in items:
            change = _classify(item, sent.get((vid, item.uid)))
            if change is None:
                unchanged += 1
            else:
                changes[vid].append(change)
    seen = {(vid, item.uid) for vid, items in current.items() for item in items}
    gone = [
        row
        for key, row in sent.items()
        if key not in seen and not row.cancelled and starts <= row.starts_at < ends
    ]
    for vid, change in _gone_changes(session, gone, starts, ends, contact):
        changes[vid].append(change)
    if incremental:
        compared = sum(len(items) for items in current.values())
        unchanged += count_items(session, starts=starts, ends=ends) - compared
    plan = _assemble_plan(session, changes, starts, ends, unchanged)
    if basis is not None:
        basis = replace(basis, changes=_digest(plan))
    return replace(plan, basis=basis, compared=None if wanted is None else frozenset(wanted))


def _digest(plan: PublishPlan) -> str:
    """A digest of every change in ``plan``, sendable or not."""
    digest = hashlib.sha256()
    for volunteer in (*plan.volunteers, *plan.cannot_send):
        for change in volunteer.changes:
            digest.update(
                f"{volunteer.volunteer_id}\x1f{change.item.uid}\x1f{change.kind.value}\x1f"
                f"{change.item.sequence}\x1f{change.content_hash}\x1e".encode()
            )
    return digest.hexdigest()


def _sent_rows(
    session: Session,
    wanted: Sequence[VolunteerId] | None,
    starts: datetime,
    ends: datetime,
    current: dict[VolunteerId, list[CalendarItem]],
) -> dict[tuple[VolunteerId, str], _Sent]:
    """What was last sent: every row starting in the period, and the rows of current items."""
    rows: dict[tuple[VolunteerId, str], _Sent] = {}

    def keep(query_rows: Iterable[tuple[object, ...]]) -> None:
        for values in query_rows:
            row = _Sent(*values)  # type: ignore[arg-type]
            rows[(row.volunteer_id, row.uid)] = row

    in_period = select(*_SENT_COLUMNS).where(
        PublishedItem.starts_at >= starts, PublishedItem.starts_at < ends
    )
    if wanted is None:
        keep(session.execute(in_period))
    else:
        for part in chunks(wanted):
            keep(session.execute(in_period.where(PublishedItem.volunteer_id.in_(part))))
    missing = sorted(
        {
            item.uid
            for vid, items in current.items()
            for item in items
            if (vid, item.uid) not in rows
        }
    )
    for uid_part in chunks(missing):
        query = select(*_SENT_COLUMNS).where(PublishedItem.uid.in_(uid_part))
        keep(session.execute(query))
    return rows


def _classify(item: CalendarItem, row: _Sent | None) -> PlannedChange | None:
    key = content_key(item)
    if row is None:
        if item.cancelled:
            return None
        return _change(ChangeKind.NEW, item, key, _headline(item))
    if item.cancelled:
        if row.cancelled:
            return None
        return _change(
            ChangeKind.CANCELLED,
            replace(item, sequence=row.sequence + 1),
            key,
            f"{_headline(item)} (the event is cancelled)",
        )
    if row.cancelled:
        return _change(
            ChangeKind.CHANGED,
            replace(item, sequence=row.sequence + 1),
            key,
            f"{_headline(item)} → back on",
        )
    if row.content_hash == key:
        return None
    return _change(
        ChangeKind.CHANGED,
        replace(item, sequence=row.sequence + 1),
        key,
        f"{_was(row, item)} → {_what_changed(row, item)}",
    )


def _change(kind: ChangeKind, item: CalendarItem, key: str, description: str) -> PlannedChange:
    # The assignment and role are filled in by _assemble_plan, in bulk.
    return PlannedChange(kind, item, key, None, "", description)


def _gone_changes(
    session: Session,
    gone: list[_Sent],
    starts: datetime,
    ends: datetime,
    contact: Person | None,
) -> Iterable[tuple[VolunteerId, PlannedChange]]:
    """Cancellations for shifts no longer in the period, unless they only moved out of it."""
    if not gone:
        return
    vids = sorted({row.volunteer_id for row in gone})
    zones: dict[VolunteerId, str] = {}
    for part in chunks(vids):
        query = select(Volunteer.id, Volunteer.timezone).where(Volunteer.id.in_(part))
        zones.update(session.execute(query).all())
    later = personal_items(
        session,
        vids,
        starts=ends,
        ends=ends + CANCELLATION_LOOKAHEAD,
        contact=contact,
    )
    moved = {(vid, item.uid): item for vid, items in later.items() for item in items}
    for row in gone:
        item = moved.get((row.volunteer_id, row.uid))
        if item is not None and not item.cancelled:
            yield (
                row.volunteer_id,
                _change(
                    ChangeKind.CHANGED,
                    replace(item, sequence=row.sequence + 1),
                    content_key(item),
                    f"{_was(row, item)} → {_what_changed(row, item)}",
                ),
            )
            continue
        reason = "the event is cancelled" if item is not None else "no longer on this shift"
        withdrawn = item or CalendarItem(
            uid=row.uid,
            sequence=row.sequence,
            summary=row.summary,
            description="",
            location="",
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            timezone=zones.get(row.volunteer_id, "UTC"),
            all_day=False,
            cancelled=True,
        )
        withdrawn = replace(withdrawn, sequence=row.sequence + 1, cancelled=True)
        yield (
            row.volunteer_id,
            _change(
                ChangeKind.CANCELLED,
                withdrawn,
                row.content_hash if item is None else content_key(item),
                f"{row.summary}, {_when(row.starts_at, withdrawn.timezone)} ({reason})",
            ),
        )


def _assemble_plan(
    session: Session,
    changes: dict[VolunteerId, list[PlannedChange]],
    starts: datetime,
    ends: datetime,
    unchanged: int,
) -> PublishPlan:
    """Add volunteers' names and addresses, and each change's assignment and role."""
    people: dict[VolunteerId, tuple[str, str | None, str]] = {}
    ids = sorted(changes)
    for part in chunks(ids):
        query = select(Volunteer.id, Volunteer.name, Volunteer.email, Volunteer.timezone).where(
            Volunteer.id.in_(part)
        )
        for vid, name, email, zone_name in session.execute(query):
            people[vid] = (name, email, zone_name)
    uids = sorted({change.item.uid for listed in changes.values() for change in listed})
    roles: dict[str, tuple[AssignmentId, VolunteerId, str]] = {}
    for uid_part in chunks(uids):
        by_uid = (
            select(Assignment.uid, Assignment.id, Assignment.volunteer_id, Shift.role)
            .join(Shift, Shift.id == Assignment.shift_id)
            .where(Assignment.uid.in_(uid_part))
        )
        for uid, aid, owner, role in session.execute(by_uid):
            roles[uid] = (aid, owner, role)
    sendable: list[VolunteerChanges] = []
    unsendable: list[VolunteerChanges] = []
    for vid in ids:
        name, email, zone_name = people.get(vid, (f"Volunteer {vid}", None, "UTC"))
        listed = []
        for change in sorted(changes[vid], key=lambda c: (c.item.starts_at, c.item.uid)):
            found = roles.get(change.item.uid)
            if found is not None and found[1] == vid:
                change = replace(change, assignment_id=found[0], role=found[2])
            else:
                # Gone from the database: the summary starts with the role ("Greeter: ...").
                change = replace(change, role=change.item.summary.partition(":")[0])
            listed.append(change)
        volunteer = VolunteerChanges(vid, name, email or None, zone_name, tuple(listed))
        (sendable if volunteer.can_send else unsendable).append(volunteer)
    by_name = lambda v: (v.name.casefold(), v.volunteer_id)  # noqa: E731
    return PublishPlan(
        starts=starts,
        ends=ends,
        volunteers=tuple(sorted(sendable, key=by_name)),
        cannot_send=tuple(sorted(unsendable, key=by_name)),
        unchanged=unchanged,
    )


# --- Planning only what changed since the last publish ---------------------------------------

_STATE = "publish."
"""Prefix of the ``file_info`` keys that remember the last publish that went through."""

_NO_EFFECT = frozenset({"qualification"})
"""Change-log entities that never change what a volunteer is sent."""

_READ_ONLY_ACTIONS = frozenset({"export"})
"""Change-log actions that change nothing (exports logged for accountability)."""


@dataclass(frozen=True)
class _LastPublish:
    """The last publish to everyone that went through, as remembered in ``file_info``.

    ``log_seq`` is that publish's own change-log entry; ``pending`` the volunteers who still
    had something to be sent afterwards (no email address, or refused by the mail server).
    """

    seq: int
    log_seq: int | None
    starts: datetime
    ends: datetime
    contact: str
    horizon: datetime
    pending: frozenset[VolunteerId]


def _contact_key(contact: Person | None) -> str:
    text = "" if contact is None else f"{contact.name}\x1f{contact.email}"
    return hashlib.sha256(text.encode()).hexdigest()


def _basis(
    session: Session, starts: datetime, ends: datetime, contact: Person | None
) -> PublishBasis:
    seq = session.scalar(select(func.coalesce(func.max(ChangeLogEntry.seq), 0)))
    return PublishBasis(
        seq=int(seq or 0),
        starts=starts,
        ends=ends,
        contact=_contact_key(contact),
        horizon=stored_horizon(session),
    )


def _last_publish(session: Session) -> _LastPublish | None:
    """What the last complete publish remembered, or None (never, or unreadable)."""
    query = select(FileInfo.key, FileInfo.value).where(FileInfo.key.startswith(_STATE))
    values = {key.removeprefix(_STATE): value for key, value in session.execute(query)}
    try:
        return _LastPublish(
            seq=int(values["last_seq"]),
            log_seq=int(values["log_seq"]) if values["log_seq"] else None,
            starts=datetime.fromisoformat(values["period_start"]),
            ends=datetime.fromisoformat(values["period_end"]),
            contact=values["contact"],
            horizon=datetime.fromisoformat(values["horizon"]),
            pending=frozenset(
                VolunteerId(int(part)) for part in values["pending"].split(",") if part
            ),
        )
    except (KeyError, ValueError):
        return None


def _remember(
    session: Session,
    basis: PublishBasis,
    pending: Iterable[VolunteerId],
    log_seq: int | None,
) -> None:
    """Store what the next plan can start from, in the caller's transaction."""
    values = {
        "last_seq": str(basis.seq),
        "log_seq": "" if log_seq is None else str(log_seq),
        "period_start": basis.starts.isoformat(),
        "period_end": basis.ends.isoformat(),
        "contact": basis.contact,
        "horizon": basis.horizon.isoformat(),
        "pending": ",".join(str(vid) for vid in sorted(set(pending))),
    }
    for key, value in values.items():
        session.merge(FileInfo(key=_STATE + key, value=value))


@dataclass
class _Touched:
    """What the change log says was changed, by kind."""

    volunteers: set[VolunteerId] = field(default_factory=set)
    assignments: set[int] = field(default_factory=set)
    shifts: set[int] = field(default_factory=set)
    events: set[int] = field(default_factory=set)
    locations: set[int] = field(default_factory=set)
    causes: set[int] = field(default_factory=set)

    def note(self, entity: str, entity_id: int | None, action: str) -> bool:
        """Take one entry in; False when its effect on calendars cannot be told."""
        if entity in _NO_EFFECT or action in _READ_ONLY_ACTIONS:
            return True
        if entity_id is None:
            return False
        if entity == "volunteer":
            self.volunteers.add(VolunteerId(entity_id))
        elif entity == "assignment":
            self.assignments.add(entity_id)
        elif entity == "shift":
            self.shifts.add(entity_id)
        elif entity == "event":
            self.events.add(entity_id)
        elif entity == "location" and action != "delete":
            self.locations.add(entity_id)
        elif entity == "cause" and action != "delete":
            self.causes.add(entity_id)
        else:
            return False
        return True


def _changed_since_last_publish(session: Session, basis: PublishBasis) -> set[VolunteerId] | None:
    """The volunteers whose plan may not be empty, or None when everyone must be compared.

    After a publish that went through, everyone else's calendar matched what they were sent.
    Since then a volunteer's shifts can only differ through a logged change to them, their
    assignments, the shifts, events, places or causes of those, or by a shift coming into the
    period; the volunteers not sent to last time are added back.
    """
    if session.get_bind().dialect.name != "sqlite":
        # Elsewhere change-log numbers need not be committed in order.
        return None
    last = _last_publish(session)
    if (
        last is None
        or basis.seq < last.seq
        or basis.starts < last.starts
        or basis.contact != last.contact
        or basis.horizon != last.horizon
    ):
        return None
    touched = _Touched()
    entries = select(
        ChangeLogEntry.seq, ChangeLogEntry.entity, ChangeLogEntry.entity_id, ChangeLogEntry.action
    ).where(ChangeLogEntry.seq > last.seq)
    for seq, entity, entity_id, action in session.execute(entries):
        if entity == "publishing":
            if seq != last.log_seq:
                return None  # another publish recorded what it sent: anyone may differ
        elif not touched.note(entity, entity_id, action):
            return None
    starts, ends = basis.starts, basis.ends
    found = set(last.pending) | touched.volunteers
    events = set(touched.events)
    for part in chunks(sorted(touched.causes)):
        events.update(session.scalars(select(Event.id).where(Event.cause_id.in_(part))))
    for part in chunks(sorted(touched.locations)):
        events.update(session.scalars(select(Event.id).where(Event.location_id.in_(part))))
        events.update(
            session.scalars(
                select(OccurrenceOverride.event_id).where(OccurrenceOverride.location_id.in_(part))
            )
        )
    if events or touched.shifts:
        found |= item_volunteers(
            session, starts=starts, ends=ends, event_ids=events, shift_ids=touched.shifts
        )
        # Sent before and since moved out of the period, declined or taken off the roster.
        sent_for = (
            select(PublishedItem.volunteer_id)
            .join(Assignment, Assignment.id == PublishedItem.assignment_id)
            .join(Shift, Shift.id == Assignment.shift_id)
            .where(PublishedItem.starts_at >= starts, PublishedItem.starts_at < ends)
        )
        for part in chunks(sorted(events)):
            found.update(session.scalars(sent_for.where(Shift.event_id.in_(part))))
        for part in chunks(sorted(touched.shifts)):
            found.update(session.scalars(sent_for.where(Shift.id.in_(part))))
    for part in chunks(sorted(touched.assignments)):
        found.update(
            session.scalars(select(Assignment.volunteer_id).where(Assignment.id.in_(part)))
        )
        found.update(
            session.scalars(
                select(PublishedItem.volunteer_id).where(PublishedItem.assignment_id.in_(part))
            )
        )
    # Sent for an assignment that has since been deleted (with its shift or event, perhaps).
    found.update(
        session.scalars(
            select(PublishedItem.volunteer_id).where(
                PublishedItem.assignment_id.is_(None),
                PublishedItem.cancelled.is_(False),
                PublishedItem.starts_at >= starts,
                PublishedItem.starts_at < ends,
            )
        )
    )
    if ends > last.ends:
        newly = max(starts, last.ends)
        found |= item_volunteers(session, starts=newly, ends=ends)
        found.update(
            session.scalars(
                select(PublishedItem.volunteer_id).where(
                    PublishedItem.cancelled.is_(False),
                    PublishedItem.starts_at >= newly,
                    PublishedItem.starts_at < ends,
                )
            )
        )
    everyone = session.scalar(select(func.count(Volunteer.id))) or 0
    if len(found) > everyone * FULL_COMPARISON_SHARE:
        return None  # comparing everyone is as quick
    return {VolunteerId(vid) for vid in found}


# --- Describing changes ----------------------------------------------------------------------


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _when(moment: datetime, zone_name: str | None, *, all_day: bool = False) -> str:
    local = moment.astimezone(_zone(zone_name))
    day = english_date(local, "%a %-d %b")
    return f"{day} (all day)" if all_day else f"{day} {local:%H:%M}"


def _headline(item: CalendarItem) -> str:
    return f"{item.summary}, {_when(item.starts_at, item.timezone, all_day=item.all_day)}"


def _was(row: _Sent, item: CalendarItem) -> str:
    return f"{row.summary}, {_when(row.starts_at, item.timezone, all_day=item.all_day)}"


def _what_changed(row: _Sent, item: CalendarItem) -> str:
    zone = _zone(item.timezone)
    words: list[str] = []
    if item.starts_at != row.starts_at:
        old, new = row.starts_at.astimezone(zone), item.starts_at.astimezone(zone)
        if item.all_day or old.date() != new.date():
            words.append(f"moved to {_when(item.starts_at, item.timezone, all_day=item.all_day)}")
        else:
            words.append(f"moved to {new:%H:%M}")
    if item.ends_at - item.starts_at != row.ends_at - row.starts_at and not item.all_day:
        words.append(f"now ends {item.ends_at.astimezone(zone):%H:%M}")
    if item.summary != row.summary:
        words.append(f"now “{item.summary}”")
    return ", ".join(words) or "details changed"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


# --- Sinks: where invitations go -------------------------------------------------------------


@dataclass(frozen=True)
class Invitation:
    """One file for one change: its name, METHOD and bytes."""

    change: PlannedChange
    filename: str
    data: bytes

    @property
    def method(self) -> str:
        """REQUEST or CANCEL."""
        return self.change.kind.method


@dataclass(frozen=True)
class Delivery:
    """Everything one volunteer is sent in one go."""

    volunteer: VolunteerChanges
    organizer: Person
    invitations: tuple[Invitation, ...]


class Sink(Protocol):
    """Where invitations go.  ``commit_every`` says after how many volunteers to record."""

    commit_every: int

    def start(self) -> None:
        """Get ready (open the connection, make the folder)."""

    def deliver(self, delivery: Delivery) -> list[str]:
        """Write or send one volunteer's invitations; return what was made (paths, addresses)."""

    def finish(self) -> None:
        """Release what :meth:`start` took."""


class OutboxSink:
    """Writes one .ics file per invitation or cancellation into a folder.

    File names say who, when and what (``sam-okafor-2024-12-03-1800-greeter-request.ics``).
    Each file is written to a temporary name and renamed, so a reader never sees half a file;
    a later publish of the same shift replaces the earlier file.
    """

    commit_every = 100

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._used: set[str] = set()

    def start(self) -> None:
        """Make the folder if needed."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise DomainError(
                f"Cannot make the outbox folder {self.folder}: {error.strerror}."
            ) from error
        self._used.clear()

    def deliver(self, delivery: Delivery) -> list[str]:
        """Write each invitation as its own file."""
        written: list[str] = []
        for invitation in delivery.invitations:
            path = self.folder / self._unique(invitation.filename)
            write_atomically(path, invitation.data)
            written.append(str(path))
        return written

    def finish(self) -> None:
        """Nothing to release."""

    def _unique(self, name: str) -> str:
        stem, dot, suffix = name.rpartition(".")
        candidate, number = name, 1
        while candidate in self._used:
            number += 1
            candidate = f"{stem}-{number}{dot}{suffix}"
        self._used.add(candidate)
        return candidate


class Mailer(Protocol):
    """What :class:`SmtpSink` needs of a mail connection (see :mod:`organizer.ics.mail`)."""

    def open(self) -> None:
        """Connect and log in."""

    def send(self, message: EmailMessage) -> None:
        """Send one message."""

    def close(self) -> None:
        """Disconnect."""


class SmtpSink:
    """Sends each volunteer one email with all their invitations and cancellations attached.

    Each attachment is ``text/calendar; method=REQUEST|CANCEL; charset=UTF-8`` (the method
    equal to the file's METHOD); a plain-text body lists the changes in words.  What was sent
    is recorded after every message, so a re-run never mails anyone twice.
    """

    commit_every = 1

    def __init__(self, mailer: Mailer, *, organisation: str = "") -> None:
        self.mailer = mailer
        self.organisation = organisation

    def start(self) -> None:
        """Connect to the mail server."""
        self.mailer.open()

    def deliver(self, delivery: Delivery) -> list[str]:
        """Send one email to the volunteer."""
        message = invitation_email(delivery, organisation=self.organisation)
        self.mailer.send(message)
        return [str(delivery.volunteer.email)]

    def finish(self) -> None:
        """Disconnect."""
        self.mailer.close()


def invitation_email(delivery: Delivery, *, organisation: str = "") -> EmailMessage:
    """The email carrying one volunteer's invitations and a plain-text summary."""
    volunteer = delivery.volunteer
    sender = delivery.organizer
    message = EmailMessage()
    message["From"] = formataddr((sender.name, sender.email))
    message["To"] = formataddr((volunteer.name, volunteer.email or ""))
    message["Subject"] = _subject(volunteer, organisation or sender.name)
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=sender.email.rpartition("@")[2] or None)
    message.set_content(_body(volunteer, sender))
    for invitation in delivery.invitations:
        message.add_attachment(
            invitation.data,
            maintype="text",
            subtype="calendar",
            filename=invitation.filename,
            params={"method": invitation.method, "charset": "UTF-8"},
        )
    return message


def _subject(volunteer: VolunteerChanges, sender: str) -> str:
    parts = [
        f"{volunteer.count(kind)} {kind.value}" for kind in ChangeKind if volunteer.count(kind)
    ]
    prefix = f"{sender}: " if sender else ""
    return f"{prefix}your shifts ({', '.join(parts)})"


def _body(volunteer: VolunteerChanges, sender: Person) -> str:
    lines = [f"Hello {volunteer.name},", "", "Here are the changes to your shifts:", ""]
    lines.extend(f"  {_describe(change)}" for change in volunteer.changes)
    lines += [
        "",
        "Each one is attached as a calendar invitation: open it to add the shift to your",
        "calendar, or to update or remove it there.",
        "",
        f"Questions? Reply to {sender.name} ({sender.email}).",
        "",
    ]
    return "\n".join(lines)


# --- Executing a plan ------------------------------------------------------------------------


@dataclass
class PublishResult:
    """What a publish did.  ``failed`` lists volunteers whose message was refused."""

    volunteers: int = 0
    new: int = 0
    changed: int = 0
    cancelled: int = 0
    written: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    stopped: bool = False

    @property
    def invitations(self) -> int:
        """How many invitations and cancellations were sent."""
        return self.new + self.changed + self.cancelled

    def summary(self) -> str:
        """One line saying what was sent."""
        text = (
            f"Sent to {_plural(self.volunteers, 'volunteer')}: {self.new} new, "
            f"{self.changed} changed, {self.cancelled} cancelled."
        )
        if self.failed:
            text += f" {_plural(len(self.failed), 'volunteer')} could not be sent."
        if self.stopped:
            text += " Stopped before the end; publish again to send the rest."
        return text


class PublishInterruptedError(OrganizerError):
    """Sending failed part-way; the volunteers already sent are recorded.

    ``reason`` is the error that stopped it and ``partial`` what was sent before.
    """

    def __init__(self, reason: OrganizerError, partial: PublishResult) -> None:
        sent = _plural(partial.volunteers, "volunteer")
        super().__init__(
            f"{reason.message} Sending stopped: {sent} had been sent and recorded; "
            "publish again to send the rest."
        )
        self.reason = reason
        self.partial = partial


def execute_publish(
    db: Database,
    plan: PublishPlan,
    *,
    sink: Sink,
    organizer: Person,
    reminder_minutes: int | None,
    actor: str,
    now: datetime,
    progress: Progress | None = None,
    cancel_check: CancelCheck | None = None,
) -> PublishResult:
    """Send ``plan`` through ``sink`` and record, volunteer by volunteer, what was sent.

    Volunteers whose message the mail server refuses are listed in ``failed`` and stay
    unrecorded; ``cancel_check`` returning True stops before the next volunteer.

    Raises:
        DomainError: no organiser email is set.
        PublishInterruptedError: the sink failed; the volunteers before are recorded.
    """
    if not organizer.email:
        raise DomainError("Set the organiser's email address before publishing invitations.")
    result = PublishResult()
    unsent = {volunteer.volunteer_id for volunteer in plan.cannot_send}
    # Only a plan for everyone, sent as it was made, can be the next plan's starting point.
    basis = plan.basis if plan.basis is not None and plan.basis.changes == _digest(plan) else None
    if plan.is_empty:
        if basis is not None and not db.read_only:
            _commit(db, [], actor=actor, now=now, result=result, basis=basis, unsent=unsent)
        return result
    pending: list[VolunteerChanges] = []
    total = len(plan.volunteers)

    def record() -> None:
        if pending:
            _commit(db, pending, actor=actor, now=now)
            pending.clear()

    sink.start()
    try:
        for index, volunteer in enumerate(plan.volunteers):
            if cancel_check is not None and cancel_check():
                result.stopped = True
                break
            if progress is not None:
                progress(f"Sending to {volunteer.name}", index / total)
            invitations = tuple(
                Invitation(
                    change,
                    invitation_filename(volunteer, change),
                    request(
                        change.item,
                        organizer,
                        volunteer.attendee,
                        reminder_minutes=reminder_minutes,
                        now=now,
                    )
                    if change.kind is not ChangeKind.CANCELLED
                    else cancel(change.item, organizer, volunteer.attendee, now=now),
                )
                for change in volunteer.changes
            )
            try:
                made = sink.deliver(Delivery(volunteer, organizer, invitations))
            except MailRecipientError as error:
                result.failed.append((volunteer.name, error.message))
                unsent.add(volunteer.volunteer_id)
                continue
            except OSError as error:
                raise DomainError(
                    f"Cannot write {getattr(error, 'filename', None) or 'the invitation'}: "
                    f"{error.strerror or error}."
                ) from error
            result.written.extend(made)
            result.volunteers += 1
            result.new += volunteer.count(ChangeKind.NEW)
            result.changed += volunteer.count(ChangeKind.CHANGED)
            result.cancelled += volunteer.count(ChangeKind.CANCELLED)
            pending.append(volunteer)
            if len(pending) >= sink.commit_every:
                record()
    except (MailError, DomainError) as error:
        _commit(db, pending, actor=actor, now=now, result=result, interrupted=True)
        raise PublishInterruptedError(error, result) from error
    except BaseException:
        record()  # what was delivered before an interruption stays recorded
        raise
    finally:
        sink.finish()
    # The last volunteers, the log entry and (when everyone was planned and the run went
    # through) what the next plan can start from, all in one transaction.
    _commit(
        db,
        pending,
        actor=actor,
        now=now,
        result=result,
        basis=None if result.stopped else basis,
        unsent=unsent,
    )
    if progress is not None:
        progress("Sent", 1.0)
    return result


def _commit(
    db: Database,
    volunteers: Sequence[VolunteerChanges],
    *,
    actor: str,
    now: datetime,
    result: PublishResult | None = None,
    interrupted: bool = False,
    basis: PublishBasis | None = None,
    unsent: Collection[VolunteerId] = (),
) -> None:
    """Record what ``volunteers`` were sent, in one short write transaction.

    Given a ``result``, the publish is logged too; given a ``basis``, it is remembered for
    the next plan.
    """
    logged = result is not None and result.volunteers > 0
    if not volunteers and not logged and basis is None:
        return
    with db.write() as session:
        if volunteers:
            _record(session, volunteers, actor=actor, now=now)
        log_seq = None
        if result is not None and logged:
            _log_publish(session, actor, result, interrupted=interrupted)
            session.flush()
            log_seq = session.scalar(select(func.max(ChangeLogEntry.seq)))
        if basis is not None:
            _remember(session, basis, unsent, log_seq)


def _record(
    session: Session,
    volunteers: Sequence[VolunteerChanges],
    *,
    actor: str,
    now: datetime,
) -> None:
    """Store what these volunteers were just sent."""
    keys = {(v.volunteer_id, c.item.uid): (v, c) for v in volunteers for c in v.changes}
    existing: dict[tuple[VolunteerId, str], int] = {}
    for part in chunks(sorted({uid for _, uid in keys})):
        query = select(PublishedItem.id, PublishedItem.volunteer_id, PublishedItem.uid).where(
            PublishedItem.uid.in_(part)
        )
        for row_id, vid, uid in session.execute(query):
            if (vid, uid) in keys:
                existing[(vid, uid)] = row_id
    inserts: list[dict[str, object]] = []
    updates: list[dict[str, object]] = []
    for (vid, uid), (_, change) in keys.items():
        values: dict[str, object] = {
            "sequence": change.item.sequence,
            "content_hash": change.content_hash,
            "cancelled": change.kind is ChangeKind.CANCELLED,
            "summary": change.item.summary[:300],
            "starts_at": change.item.starts_at,
            "ends_at": change.item.ends_at,
            "sent_at": now,
            "sent_by": actor[:120],
        }
        if change.assignment_id is not None:
            values["assignment_id"] = change.assignment_id
        known = existing.get((vid, uid))
        if known is None:
            inserts.append({"volunteer_id": vid, "uid": uid, "assignment_id": None} | values)
        else:
            updates.append({"id": known} | values)
    if inserts:
        session.execute(insert(PublishedItem), inserts)
    if updates:
        session.execute(update(PublishedItem), updates)


def _log_publish(session: Session, actor: str, result: PublishResult, *, interrupted: bool) -> None:
    text = (
        f"Published invitations to {_plural(result.volunteers, 'volunteer')}: "
        f"{result.new} new, {result.changed} changed, {result.cancelled} cancelled"
    )
    if interrupted:
        text += " (stopped part-way)"
    record_change(session, actor, "publish", "publishing", None, text)


# --- File names and writing ------------------------------------------------------------------


def slug(text: str, *, limit: int = 40) -> str:
    """Lower-case ASCII words joined by hyphens, safe in any file system."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return words[:limit].rstrip("-")


def invitation_filename(volunteer: VolunteerChanges, change: PlannedChange) -> str:
    """``<volunteer>-<date>-<time>-<role>-request.ics`` (or ``-cancel``), in their local time."""
    local = change.item.starts_at.astimezone(_zone(change.item.timezone))
    stamp = f"{local:%Y-%m-%d}" if change.item.all_day else f"{local:%Y-%m-%d-%H%M}"
    who = slug(volunteer.name) or f"volunteer-{volunteer.volunteer_id}"
    role = slug(change.role or change.item.summary, limit=30) or "shift"
    return f"{who}-{stamp}-{role}-{change.kind.method.lower()}.ics"


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        partial.write_bytes(data)
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
