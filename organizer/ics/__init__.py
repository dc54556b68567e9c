"""iCalendar (.ics) files: schedules, personal schedules and invitations (Qt-free)."""
