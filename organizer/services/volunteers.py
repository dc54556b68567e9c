"""Volunteers, with their qualifications, availability, blackout dates and consent."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, time
from typing import Any, ClassVar

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.interfaces import ORMOption

from organizer.errors import DomainError
from organizer.models import (
    Assignment,
    AvailabilityWindow,
    BlackoutPeriod,
    ConsentRecord,
    Qualification,
    Volunteer,
    VolunteerQualification,
)
from organizer.models.ids import QualificationId, VolunteerId
from organizer.recurrence import zone
from organizer.services.base import CrudService
from organizer.validation import Problems, strip_or_none
from organizer.wording import WEEKDAYS


@dataclass(frozen=True)
class VolunteerDraft:
    """Every editable field of a volunteer's own record."""

    name: str
    joined_on: date
    timezone: str = "Europe/London"
    email: str | None = None
    phone: str | None = None
    pronouns: str = ""
    notes: str = ""
    health_notes: str = ""
    emergency_contact_name: str = ""
    emergency_contact_phone: str = ""
    active: bool = True
    max_hours_per_week: float | None = None
    max_hours_per_month: float | None = None


@dataclass(frozen=True)
class HeldQualification:
    """A qualification a volunteer holds."""

    qualification_id: QualificationId
    obtained_on: date | None = None
    expires_on: date | None = None


@dataclass(frozen=True)
class WeeklyWindow:
    """A weekly time a volunteer is usually free (weekday 0 = Monday)."""

    weekday: int
    starts: time
    ends: time


@dataclass(frozen=True)
class Blackout:
    """Days a volunteer cannot help, both ends included."""

    starts_on: date
    ends_on: date
    reason: str = ""


@dataclass(frozen=True)
class Consent:
    """What a volunteer agreed to, when, and when (if ever) they withdrew it."""

    covers: str
    given_on: date
    withdrawn_on: date | None = None
    note: str = ""


class VolunteerService(CrudService[Volunteer, VolunteerDraft]):
    """The volunteer directory."""

    model: ClassVar[type[Any]] = Volunteer
    entity: ClassVar[str] = "volunteer"
    order_by: ClassVar[Sequence[Any]] = (Volunteer.name, Volunteer.id)

    def load_options(self) -> Sequence[ORMOption]:
        """An editor shows qualifications, availability, blackouts and consent."""
        return (
            selectinload(Volunteer.qualifications).selectinload(
                VolunteerQualification.qualification
            ),
            selectinload(Volunteer.availability),
            selectinload(Volunteer.blackouts),
            selectinload(Volunteer.consents),
        )

    def validate(
        self, session: Session, draft: VolunteerDraft, existing_id: int | None
    ) -> VolunteerDraft:
        """Name present; email shape; known time zone; positive limits."""
        draft = replace(
            draft,
            name=draft.name.strip(),
            email=strip_or_none(draft.email),
            phone=strip_or_none(draft.phone),
            pronouns=draft.pronouns.strip(),
        )
        problems = Problems()
        problems.text("name", draft.name, label="Name", max_length=120)
        problems.email("email", draft.email)
        problems.optional_text("email", draft.email, label="Email", max_length=254)
        problems.optional_text("phone", draft.phone, label="Phone", max_length=40)
        problems.optional_text("pronouns", draft.pronouns, label="Pronouns", max_length=40)
        try:
            zone(draft.timezone)
        except DomainError as error:
            problems.add("timezone", str(error).split(": ", 1)[-1])
        for field, value in (
            ("max_hours_per_week", draft.max_hours_per_week),
            ("max_hours_per_month", draft.max_hours_per_month),
        ):
            if value is not None and value <= 0:
                problems.add(field, "A limit must be more than 0 hours (leave it empty for none).")
        problems.raise_if_any()
        return draft

    def before_delete(self, session: Session, row: Volunteer) -> None:
        """Someone with shifts on record is archived, so hours and history stay."""
        if session.scalar(select(Assignment.id).where(Assignment.volunteer_id == row.id).limit(1)):
            raise DomainError(
                f"{row.name} has shifts on record. Archive them instead of deleting, so their "
                "hours stay in reports."
            )

    def search(
        self, text: str = "", *, active_only: bool = True, limit: int = 200, offset: int = 0
    ) -> list[Volunteer]:
        """Volunteers whose name or email contains ``text`` (case-insensitive), by name."""
        query = select(Volunteer).order_by(*self.order_by).limit(limit).offset(offset)
        if active_only:
            query = query.where(Volunteer.active.is_(True))
        needle = text.strip().lower()
        if needle:
            pattern = f"%{needle}%"
            query = query.where(
                or_(
                    func.lower(Volunteer.name).like(pattern),
                    func.lower(Volunteer.email).like(pattern),
                )
            )
        with self.db.read() as session:
            return list(session.scalars(query))

    def newest(self, count: int = 10) -> list[Volunteer]:
        """The most recently joined active volunteers ("Who's new")."""
        query = (
            select(Volunteer)
            .where(Volunteer.active.is_(True))
            .order_by(Volunteer.joined_on.desc(), Volunteer.id.desc())
            .limit(count)
        )
        with self.db.read() as session:
            return list(session.scalars(query))

    def set_active(self, volunteer_id: int, expected_version: int, active: bool) -> Volunteer:
        """Archive (``active=False``) or restore a volunteer."""

        def change(_: Session, row: Volunteer) -> None:
            row.active = active

        return self._modify(
            volunteer_id, expected_version, "Restored" if active else "Archived", change
        )

    def set_qualifications(
        self, volunteer_id: int, expected_version: int, held: Sequence[HeldQualification]
    ) -> Volunteer:
        """Replace the qualifications a volunteer holds."""
        problems = Problems()
        seen: set[int] = set()
        for index, item in enumerate(held):
            if item.qualification_id in seen:
                problems.add(f"qualifications[{index}]", "This qualification is listed twice.")
            seen.add(item.qualification_id)
            if item.obtained_on and item.expires_on and item.expires_on < item.obtained_on:
                problems.add(f"qualifications[{index}]", "It cannot expire before it was obtained.")
        problems.raise_if_any()

        def change(session: Session, row: Volunteer) -> None:
            known = set(session.scalars(select(Qualification.id).where(Qualification.id.in_(seen))))
            missing = seen - known
            if missing:
                raise DomainError("One of these qualifications no longer exists.")
            row.qualifications = [
                VolunteerQualification(
                    volunteer_id=VolunteerId(volunteer_id),
                    qualification_id=item.qualification_id,
                    obtained_on=item.obtained_on,
                    expires_on=item.expires_on,
                )
                for item in held
            ]

        return self._modify(volunteer_id, expected_version, "Changed qualifications", change)

    def set_availability(
        self, volunteer_id: int, expected_version: int, windows: Sequence[WeeklyWindow]
    ) -> Volunteer:
        """Replace a volunteer's weekly availability."""
        problems = Problems()
        for index, window in enumerate(windows):
            if not 0 <= window.weekday <= 6:
                problems.add(f"availability[{index}]", "The day must be Monday to Sunday.")
            elif window.ends <= window.starts:
                problems.add(
                    f"availability[{index}]",
                    f"On {WEEKDAYS[window.weekday]} the end must be after the start.",
                )
        problems.raise_if_any()

        def change(_: Session, row: Volunteer) -> None:
            row.availability = [
                AvailabilityWindow(weekday=w.weekday, starts=w.starts, ends=w.ends) for w in windows
            ]

        return self._modify(volunteer_id, expected_version, "Changed availability", change)

    def set_blackouts(
        self, volunteer_id: int, expected_version: int, blackouts: Sequence[Blackout]
    ) -> Volunteer:
        """Replace the dates a volunteer cannot help."""
        problems = Problems()
        for index, item in enumerate(blackouts):
            if item.ends_on < item.starts_on:
                problems.add(f"blackouts[{index}]", "The last day must not be before the first.")
        problems.raise_if_any()

        def change(_: Session, row: Volunteer) -> None:
            row.blackouts = [
                BlackoutPeriod(starts_on=b.starts_on, ends_on=b.ends_on, reason=b.reason.strip())
                for b in blackouts
            ]

        return self._modify(volunteer_id, expected_version, "Changed blackout dates", change)

    def record_consent(
        self,
        volunteer_id: int,
        expected_version: int,
        covers: str,
        given_on: date,
        note: str = "",
    ) -> Volunteer:
        """Record that a volunteer agreed to something (what it covers, and when)."""
        problems = Problems()
        problems.text("covers", covers, label="What the consent covers", max_length=200)
        problems.raise_if_any()

        def change(_: Session, row: Volunteer) -> None:
            row.consents.append(
                ConsentRecord(
                    covers=covers.strip(), given_on=given_on, recorded_by=self.actor, note=note
                )
            )

        return self._modify(volunteer_id, expected_version, f"Recorded consent: {covers}", change)

    def set_consents(
        self, volunteer_id: int, expected_version: int, consents: Sequence[Consent]
    ) -> Volunteer:
        """Make the stored consent records exactly ``consents`` (used to undo changes).

        Records that stay (same covers, date and note) keep who recorded them.
        """
        problems = Problems()
        for index, consent in enumerate(consents):
            problems.text(
                f"consents[{index}]", consent.covers, label="What it covers", max_length=200
            )
            if consent.withdrawn_on is not None and consent.withdrawn_on < consent.given_on:
                problems.add(f"consents[{index}]", "It cannot be withdrawn before it was given.")
        problems.raise_if_any()

        def change(_: Session, row: Volunteer) -> None:
            remaining = list(row.consents)
            kept: list[ConsentRecord] = []
            for consent in consents:
                key = (consent.covers, consent.given_on, consent.note)
                match = next((c for c in remaining if (c.covers, c.given_on, c.note) == key), None)
                if match is None:
                    match = ConsentRecord(
                        covers=consent.covers,
                        given_on=consent.given_on,
                        note=consent.note,
                        recorded_by=self.actor,
                    )
                else:
                    remaining.remove(match)
                match.withdrawn_on = consent.withdrawn_on
                kept.append(match)
            row.consents = kept

        return self._modify(volunteer_id, expected_version, "Restored consent records", change)

    def withdraw_consent(
        self, volunteer_id: int, expected_version: int, consent_id: int, withdrawn_on: date
    ) -> Volunteer:
        """Mark a consent as withdrawn from ``withdrawn_on``."""

        def change(_: Session, row: Volunteer) -> None:
            for consent in row.consents:
                if consent.id == consent_id:
                    consent.withdrawn_on = withdrawn_on
                    return
            raise DomainError("This consent record no longer exists.")

        return self._modify(volunteer_id, expected_version, "Withdrew consent", change)
