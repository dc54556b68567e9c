"""Organizer: events, volunteer rosters and calendar files for community groups."""

__version__ = "0.1.0"

APP_NAME = "Organizer"
