"""The Volunteers page: a searchable directory and the volunteer editor."""

from organizer.ui.volunteers.editor import VolunteerEditor
from organizer.ui.volunteers.page import VolunteersPage

__all__ = ["VolunteerEditor", "VolunteersPage"]
