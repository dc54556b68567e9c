"""Calendar files in the app: import, replies, export, publishing and organisation settings.

Only :class:`CalendarActions` is imported here; the dialogs load when first opened.
"""

from organizer.ui.calendars_io.actions import CalendarActions

__all__ = ["CalendarActions"]
