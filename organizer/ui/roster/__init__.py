"""The Rosters page: the roster board, suitable volunteers, and assigning by drag or picker."""

from organizer.ui.roster.page import RosterPage

__all__ = ["RosterPage"]
