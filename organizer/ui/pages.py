"""Which real view fills each page of the main window, and how the pages lead to each other."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from organizer.ui.calendar import CalendarPage
from organizer.ui.context import ViewContext
from organizer.ui.places import PlacesPage
from organizer.ui.volunteers import VolunteersPage
from organizer.ui.welcome import StartPage


def build_pages(context: ViewContext) -> dict[str, QWidget]:
    """The views for the pages that have one; the rest keep their placeholder for now."""
    return {
        "home": StartPage(context),
        "calendar": CalendarPage(context),
        "volunteers": VolunteersPage(context),
        "places": PlacesPage(context),
    }
