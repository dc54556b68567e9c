"""The main window's pages, built the first time they are shown, and how they lead to each other.

Building a page only when it is first shown keeps start-up fast: a coordinator who opens the
app to Home does not pay for the calendar or the directory until they go there.
"""

from __future__ import annotations

import importlib
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from organizer.timezones import known_zones
from organizer.ui.calendars_io import CalendarActions
from organizer.ui.context import ViewContext
from organizer.ui.main_window import MainWindow

if TYPE_CHECKING:
    from organizer.services import Services


PAGE_CLASSES: dict[str, tuple[str, str]] = {
    "home": ("organizer.ui.welcome", "StartPage"),
    "calendar": ("organizer.ui.calendar", "CalendarPage"),
    "events": ("organizer.ui.events", "EventsPage"),
    "volunteers": ("organizer.ui.volunteers.page", "VolunteersPage"),
    "rosters": ("organizer.ui.roster", "RosterPage"),
    "places": ("organizer.ui.places", "PlacesPage"),
    "reports": ("organizer.ui.reports", "ReportsPage"),
}
"""Each page's module and class, imported when the page is first shown."""

LATER_MODULES = (
    "organizer.ui.people.actions",
    "organizer.ui.scheduling.actions",
    "organizer.ui.scheduling.heatmap",
    "organizer.ui.reports.roster_actions",
)
"""Code the pages and their menus import as they are built."""

LATER_SERVICES = (
    "importer",
    "exporter",
    "duplicates",
    "merges",
    "privacy",
    "conflicts",
    "autofill",
    "cover",
)
"""Services made on first use that the pages' menus ask about as they are built."""


def import_page_code(services: Services) -> None:
    """Import every page's code and make the services its menus ask about.

    Then the first visit to a page only has to build it.  Meant for the background worker
    once the first page has its data: importing only defines classes and functions, so it
    is safe off the GUI thread, and a page opened meanwhile waits for its module.  The time
    zones this computer knows are looked up too (a walk of its zone folder, which the event
    pages and dialogs ask for as they are built).
    """
    for module, _ in PAGE_CLASSES.values():
        importlib.import_module(module)
    for module in LATER_MODULES:
        importlib.import_module(module)
    for name in LATER_SERVICES:
        getattr(services, name)
    known_zones()


class Pages(QObject):
    """Builds each page on first show and connects the requests pages make of each other."""

    def __init__(self, window: MainWindow, context: ViewContext) -> None:
        """Fill ``window``'s pages for ``context`` as they are needed."""
        super().__init__(window)
        self.window = window
        self.context = context
        self.built: dict[str, QWidget] = {}
        window.page_changed.connect(self.ensure)
        window.new_event_requested.connect(self.new_event)
        window.find_requested.connect(self.find)
        self.calendar_actions = CalendarActions(
            window, context, window.calendars_menu, show_status=window.show_status
        )
        self.ensure(window.current_page())

    def ensure(self, key: str) -> QWidget | None:
        """Build the page called ``key`` if it has a view and is not built yet."""
        if key in self.built:
            return self.built[key]
        found = PAGE_CLASSES.get(key)
        if found is None:
            return None
        module, name = found
        page: QWidget = getattr(importlib.import_module(module), name)(self.context)
        self.built[key] = page
        self.window.set_page(key, page)
        self._connect(page)
        return page

    def show(self, key: str) -> Any:
        """Switch to ``key`` and return its (built) page."""
        self.window.show_page(key)
        return self.ensure(key)

    def _connect(self, page: QWidget) -> None:
        for signal_name, slot in (
            ("open_occurrence", self.open_occurrence),
            ("create_event_at", self.new_event_at),
            ("create_event_requested", self.new_event),
            ("open_volunteer", self.open_volunteer),
            ("open_shift", self.open_shift),
            ("status_message", self.window.show_status),
        ):
            signal = getattr(page, signal_name, None)
            if signal is not None:
                signal.connect(slot)

    def open_occurrence(self, event_id: int, recurrence_id: datetime) -> None:
        """Open the event editor on one occurrence."""
        self._open_editor(event_id, occurrence=recurrence_id)

    def new_event(self) -> None:
        """Open the event editor for a new event."""
        self._open_editor(None)

    def new_event_at(self, start: datetime) -> None:
        """Open the event editor for a new event starting at ``start``."""
        self._open_editor(None, start=start)

    def _open_editor(
        self,
        event_id: int | None,
        *,
        occurrence: datetime | None = None,
        start: datetime | None = None,
    ) -> None:
        try:
            from organizer.ui.events.editor import EventEditor
        except ImportError:
            self.window.show_status(self.tr("Editing events is not available yet."))
            return
        editor = EventEditor(
            self.context, event_id, occurrence=occurrence, start=start, parent=self.window
        )
        editor.open()

    def open_volunteer(self, volunteer_id: int) -> None:
        """Show one volunteer in the directory."""
        page = self.show("volunteers")
        if page is not None and hasattr(page, "show_volunteer"):
            page.show_volunteer(volunteer_id)

    def open_shift(self, shift_id: int, recurrence_id: datetime) -> None:
        """Show the roster with that shift."""
        page = self.show("rosters")
        if page is not None and hasattr(page, "show_shift"):
            page.show_shift(shift_id, recurrence_id)

    def find(self, key: str) -> None:
        """Put the cursor in the search box of the page on show (or the volunteers')."""
        page = self.ensure(key)
        if page is None or not hasattr(page, "focus_search"):
            page = self.show("volunteers")
        if page is not None and hasattr(page, "focus_search"):
            page.focus_search()
