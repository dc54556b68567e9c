"""What the calendar dialogs offer to pick from, read in one go off the GUI thread."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from organizer.services import Services
from organizer.services.settings import OrganisationSettings


@dataclass(frozen=True)
class EventChoice:
    """One event as a picker lists it."""

    id: int
    title: str
    starts_at: datetime
    timezone: str


@dataclass(frozen=True)
class Choices:
    """Causes, events and volunteers by name, and the organisation's settings."""

    causes: tuple[tuple[int, str], ...]
    events: tuple[EventChoice, ...]
    volunteers: tuple[tuple[int, str], ...]
    settings: OrganisationSettings


def load_choices(services: Services, *, events: bool = True, volunteers: bool = True) -> Choices:
    """Read the names the dialogs list and the settings (run on the worker thread)."""
    causes = tuple(
        (int(cause.id), cause.name)
        for cause in sorted(services.causes.list(), key=lambda c: c.name.casefold())
        if cause.active
    )
    event_rows: tuple[EventChoice, ...] = ()
    if events:
        event_rows = tuple(
            sorted(
                (
                    EventChoice(int(event.id), event.title, event.starts_at, event.timezone)
                    for event in services.events.list()
                ),
                key=lambda e: (e.title.casefold(), e.starts_at),
            )
        )
    people: tuple[tuple[int, str], ...] = ()
    if volunteers:
        people = tuple(
            (int(person.id), person.name)
            for person in services.volunteers.list()
            if person.anonymised_at is None
        )
    return Choices(causes, event_rows, people, services.settings.get())
