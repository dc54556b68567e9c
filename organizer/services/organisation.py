"""Causes, locations and qualifications: the organisation's own lists."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from organizer.errors import DomainError
from organizer.models import Cause, Event, Location, Qualification
from organizer.services.base import CrudService
from organizer.validation import Problems


@dataclass(frozen=True)
class CauseDraft:
    """Every editable field of a cause."""

    name: str
    colour: str = "#4C78A8"
    description: str = ""
    active: bool = True


@dataclass(frozen=True)
class LocationDraft:
    """Every editable field of a location."""

    name: str
    address: str = ""
    notes: str = ""


@dataclass(frozen=True)
class QualificationDraft:
    """Every editable field of a qualification."""

    name: str
    description: str = ""
    validity_months: int | None = None


def _name_taken(session: Session, model: type[Any], name: str, existing_id: int | None) -> bool:
    query = select(model.id).where(func.lower(model.name) == name.lower())
    if existing_id is not None:
        query = query.where(model.id != existing_id)
    return session.scalar(query) is not None


def _check_name(
    problems: Problems,
    session: Session,
    model: type[Any],
    name: str,
    existing_id: int | None,
    label: str,
) -> None:
    problems.text("name", name, label="Name", max_length=120)
    if not problems.has("name") and _name_taken(session, model, name, existing_id):
        problems.add("name", f"There is already a {label} called “{name}”.")


class CauseService(CrudService[Cause, CauseDraft]):
    """Causes (programmes) the organisation runs."""

    model: ClassVar[type[Any]] = Cause
    entity: ClassVar[str] = "cause"
    order_by: ClassVar[Sequence[Any]] = (Cause.name,)

    def validate(self, session: Session, draft: CauseDraft, existing_id: int | None) -> CauseDraft:
        """Name present and unique; colour as #RRGGBB."""
        draft = replace(draft, name=draft.name.strip(), colour=draft.colour.strip().upper())
        problems = Problems()
        _check_name(problems, session, Cause, draft.name, existing_id, "cause")
        problems.colour("colour", draft.colour)
        problems.raise_if_any()
        return draft

    def before_delete(self, session: Session, row: Cause) -> None:
        """A cause with events is archived, not deleted."""
        if session.scalar(select(Event.id).where(Event.cause_id == row.id).limit(1)):
            raise DomainError(f"“{row.name}” has events. Mark it inactive instead of deleting it.")

    def active(self) -> list[Cause]:
        """The causes still running, by name."""
        with self.db.read() as session:
            query = select(Cause).where(Cause.active.is_(True)).order_by(Cause.name)
            return list(session.scalars(query))


class LocationService(CrudService[Location, LocationDraft]):
    """Places where events happen."""

    model: ClassVar[type[Any]] = Location
    entity: ClassVar[str] = "location"
    order_by: ClassVar[Sequence[Any]] = (Location.name,)

    def validate(
        self, session: Session, draft: LocationDraft, existing_id: int | None
    ) -> LocationDraft:
        """Name present and unique."""
        draft = replace(draft, name=draft.name.strip())
        problems = Problems()
        _check_name(problems, session, Location, draft.name, existing_id, "location")
        problems.raise_if_any()
        return draft


class QualificationService(CrudService[Qualification, QualificationDraft]):
    """Qualifications roles can require."""

    model: ClassVar[type[Any]] = Qualification
    entity: ClassVar[str] = "qualification"
    order_by: ClassVar[Sequence[Any]] = (Qualification.name,)

    def validate(
        self, session: Session, draft: QualificationDraft, existing_id: int | None
    ) -> QualificationDraft:
        """Name present and unique; validity at least one month when given."""
        draft = replace(draft, name=draft.name.strip())
        problems = Problems()
        _check_name(problems, session, Qualification, draft.name, existing_id, "qualification")
        problems.at_least("validity_months", draft.validity_months, 1, label="Validity")
        problems.raise_if_any()
        return draft
