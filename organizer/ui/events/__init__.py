"""The Events page, the event editor and series editing."""

from organizer.ui.events.editor import EventEditor
from organizer.ui.events.page import EventsPage

__all__ = ["EventEditor", "EventsPage"]
