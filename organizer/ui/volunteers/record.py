"""A volunteer's whole record as the editor edits it, saved in as few service calls as needed.

Saving and undoing both come down to "make the stored record look like this one": only the
parts that differ are sent, each call based on the version the previous one returned.  If a
later call is refused, the earlier ones are reversed, so a save is all or nothing.  (No Qt
here: this is the editor's controller, tested without a window.)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from organizer.errors import ConflictError, OrganizerError
from organizer.models import Volunteer
from organizer.services import (
    Blackout,
    Consent,
    HeldQualification,
    VolunteerDraft,
    VolunteerService,
    WeeklyWindow,
)


@dataclass(frozen=True)
class ConsentEntry:
    """One consent record; ``id`` is ``None`` until it is saved and is not compared."""

    covers: str
    given_on: date
    withdrawn_on: date | None = None
    note: str = ""
    id: int | None = field(default=None, compare=False)

    @property
    def key(self) -> tuple[str, date, str]:
        """What identifies a consent whatever its id: what it covers, when, and the note."""
        return (self.covers, self.given_on, self.note)


@dataclass(frozen=True)
class VolunteerRecord:
    """Everything the editor shows and saves about one volunteer, in a stable order."""

    draft: VolunteerDraft
    qualifications: tuple[HeldQualification, ...] = ()
    availability: tuple[WeeklyWindow, ...] = ()
    blackouts: tuple[Blackout, ...] = ()
    consents: tuple[ConsentEntry, ...] = ()

    @classmethod
    def of(cls, row: Volunteer) -> VolunteerRecord:
        """The record of a volunteer loaded with its collections (``VolunteerService.get``)."""
        draft = VolunteerDraft(
            name=row.name,
            joined_on=row.joined_on,
            timezone=row.timezone,
            email=row.email,
            phone=row.phone,
            pronouns=row.pronouns,
            notes=row.notes,
            health_notes=row.health_notes,
            emergency_contact_name=row.emergency_contact_name,
            emergency_contact_phone=row.emergency_contact_phone,
            active=row.active,
            max_hours_per_week=row.max_hours_per_week,
            max_hours_per_month=row.max_hours_per_month,
        )
        return cls(
            draft=draft,
            qualifications=tuple(
                HeldQualification(q.qualification_id, q.obtained_on, q.expires_on)
                for q in row.qualifications
            ),
            availability=tuple(WeeklyWindow(w.weekday, w.starts, w.ends) for w in row.availability),
            blackouts=tuple(Blackout(b.starts_on, b.ends_on, b.reason) for b in row.blackouts),
            consents=tuple(
                ConsentEntry(c.covers, c.given_on, c.withdrawn_on, c.note, c.id)
                for c in row.consents
            ),
        ).normalised()

    def normalised(self) -> VolunteerRecord:
        """The same record with its lists in a fixed order, so two records compare fairly."""
        return replace(
            self,
            qualifications=tuple(sorted(self.qualifications, key=lambda q: q.qualification_id)),
            availability=tuple(sorted(self.availability, key=lambda w: (w.weekday, w.starts))),
            blackouts=tuple(sorted(self.blackouts, key=lambda b: (b.starts_on, b.ends_on))),
            consents=tuple(sorted(self.consents, key=lambda c: (c.given_on, c.covers, c.note))),
        )


class _Chain:
    """Service calls on one volunteer, each based on the version the last one returned."""

    def __init__(self, volunteers: VolunteerService, volunteer_id: int, version: int) -> None:
        self.volunteers = volunteers
        self.volunteer_id = volunteer_id
        self.version = version
        self.row: Volunteer | None = None
        self.calls = 0

    def call(self, method: Callable[..., Volunteer], *args: Any) -> None:
        self.row = method(self.volunteer_id, self.version, *args)
        self.version = self.row.version
        self.calls += 1


def save_record(
    volunteers: VolunteerService,
    volunteer_id: int | None,
    expected_version: int | None,
    before: VolunteerRecord | None,
    after: VolunteerRecord,
) -> Volunteer:
    """Create a volunteer (``volunteer_id`` None) or change ``before`` into ``after``.

    Returns the saved volunteer.  Raises what the services raise (ValidationError naming the
    field, ConflictError...), after reversing any part already saved.
    """
    if volunteer_id is None or before is None or expected_version is None:
        created = volunteers.create(after.draft)
        chain = _Chain(volunteers, created.id, created.version)
        try:
            _apply(chain, VolunteerRecord(draft=after.draft), after)
        except OrganizerError:
            volunteers.delete(created.id, chain.version)
            raise
        return chain.row or created
    chain = _Chain(volunteers, volunteer_id, expected_version)
    try:
        _apply(chain, before, after)
    except OrganizerError:
        if chain.calls:
            _force(volunteers, volunteer_id, before)
        raise
    return chain.row or volunteers.get(volunteer_id)


def restore_record(
    volunteers: VolunteerService,
    volunteer_id: int,
    expected: VolunteerRecord,
    target: VolunteerRecord,
) -> Volunteer:
    """Put ``target`` back, if the volunteer still looks like ``expected`` (for undo and redo).

    Raises:
        ConflictError: someone changed the volunteer since, so undoing would lose their edit.
    """
    row = _expect(volunteers, volunteer_id, expected)
    chain = _Chain(volunteers, volunteer_id, row.version)
    _apply(chain, expected, target)
    return chain.row or row


def delete_new(volunteers: VolunteerService, volunteer_id: int, expected: VolunteerRecord) -> None:
    """Delete a volunteer made moments ago (undoing their creation), if unchanged since."""
    row = _expect(volunteers, volunteer_id, expected)
    volunteers.delete(volunteer_id, row.version)


def _expect(
    volunteers: VolunteerService, volunteer_id: int, expected: VolunteerRecord
) -> Volunteer:
    row = volunteers.get(volunteer_id)
    if VolunteerRecord.of(row) != expected:
        raise ConflictError("volunteer", volunteer_id, row.updated_by, row.updated_at, row.version)
    return row


def _force(volunteers: VolunteerService, volunteer_id: int, target: VolunteerRecord) -> None:
    """Put ``target`` back whatever is stored now (reversing a half-done save)."""
    row = volunteers.get(volunteer_id)
    _apply(_Chain(volunteers, volunteer_id, row.version), VolunteerRecord.of(row), target)


def _apply(chain: _Chain, current: VolunteerRecord, target: VolunteerRecord) -> None:
    """Send the parts of ``target`` that differ from ``current``.

    Lists are compared in a fixed order but sent in ``target``'s, so a problem the services
    report for "availability[2]" is about the third row the person sees.
    """
    volunteers = chain.volunteers
    was, wanted = current.normalised(), target.normalised()
    if wanted.draft != was.draft:
        chain.call(volunteers.update, target.draft)
    if wanted.qualifications != was.qualifications:
        chain.call(volunteers.set_qualifications, target.qualifications)
    if wanted.availability != was.availability:
        chain.call(volunteers.set_availability, target.availability)
    if wanted.blackouts != was.blackouts:
        chain.call(volunteers.set_blackouts, target.blackouts)
    if wanted.consents != was.consents:
        _apply_consents(chain, current.consents, target.consents)


def _apply_consents(
    chain: _Chain, current: Sequence[ConsentEntry], target: Sequence[ConsentEntry]
) -> None:
    """Record new consents and withdrawals; anything else replaces the list as a whole."""
    volunteers = chain.volunteers
    unmatched = list(current)
    withdrawals: list[tuple[int | None, date]] = []
    additions: list[ConsentEntry] = []
    plain = True
    for entry in target:
        match = next((c for c in unmatched if c.key == entry.key), None)
        if match is None:
            additions.append(entry)
            continue
        unmatched.remove(match)
        if match.withdrawn_on == entry.withdrawn_on:
            continue
        if match.withdrawn_on is None and entry.withdrawn_on is not None:
            withdrawals.append((match.id, entry.withdrawn_on))
        else:
            plain = False
    if unmatched or not plain:
        chain.call(
            volunteers.set_consents,
            [Consent(e.covers, e.given_on, e.withdrawn_on, e.note) for e in target],
        )
        return
    for consent_id, withdrawn_on in withdrawals:
        chain.call(volunteers.withdraw_consent, consent_id, withdrawn_on)
    for entry in additions:
        chain.call(volunteers.record_consent, entry.covers, entry.given_on, entry.note)
        if entry.withdrawn_on is not None:
            assert chain.row is not None
            newest = max(chain.row.consents, key=lambda c: c.id)
            chain.call(volunteers.withdraw_consent, newest.id, entry.withdrawn_on)
