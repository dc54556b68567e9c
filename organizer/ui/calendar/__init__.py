"""The Calendar page: month, week and agenda views of every event and occurrence."""

from organizer.ui.calendar.page import CalendarPage

__all__ = ["CalendarPage"]
