"""How the calendar words dates, times and occurrences, in the coordinator's locale."""

from __future__ import annotations

from datetime import date, datetime

from PySide6.QtCore import QCoreApplication, QDate, QLocale, QTime

from organizer.models import EventStatus
from organizer.ui.calendar.items import CalendarItem
from organizer.ui.calendar.periods import Period, ViewMode

CONTEXT = "Calendar"


def tr(text: str) -> str:
    """Translate ``text`` in the calendar's context."""
    return QCoreApplication.translate(CONTEXT, text)


def qdate(day: date) -> QDate:
    """``day`` as a QDate."""
    return QDate(day.year, day.month, day.day)


def day_text(day: date, pattern: str) -> str:
    """``day`` written with a Qt date pattern ("d MMM yyyy") in the locale's words."""
    return QLocale().toString(qdate(day), pattern)


def time_text(moment: datetime) -> str:
    """A local time the way the locale writes short times ("18:30")."""
    return QLocale().toString(QTime(moment.hour, moment.minute), QLocale.FormatType.ShortFormat)


def period_title(period: Period) -> str:
    """The period's name: "November 2026", "23 – 29 Nov 2026", "28 Dec 2026 – 3 Jan 2027"."""
    if period.mode is ViewMode.MONTH:
        return day_text(period.anchor, "MMMM yyyy")
    first, last = period.first, period.last
    if first.year != last.year:
        start = day_text(first, "d MMM yyyy")
    elif first.month != last.month:
        start = day_text(first, "d MMM")
    else:
        start = day_text(first, "d")
    return f"{start} – {day_text(last, 'd MMM yyyy')}"


def when_text(item: CalendarItem) -> str:
    """When it runs: "18:30 – 20:00", or "All day"; past midnight the end names its day."""
    if item.all_day:
        return tr("All day")
    end = time_text(item.ends_at)
    if item.last_day != item.first_day:
        end = f"{day_text(item.last_day, 'ddd')} {end}"
    return f"{time_text(item.starts_at)} – {end}"


def fill_text(item: CalendarItem) -> str:
    """Shift fill: "3 of 4 filled", "No shifts", or "" when the fill was not loaded."""
    if item.needed is None:
        return ""
    if not item.needed:
        return tr("No shifts")
    return tr("{filled} of {needed} filled").format(filled=item.filled, needed=item.needed)


def status_note(item: CalendarItem) -> str:
    """A word on the status: "Cancelled", "Draft" or "" when scheduled."""
    if item.status is EventStatus.CANCELLED:
        return tr("Cancelled")
    if item.status is EventStatus.DRAFT:
        return tr("Draft")
    return ""


def zone_note(item: CalendarItem) -> str:
    """The planned zone's clock ("18:00 in New York") when it differs from ours, else ""."""
    there = item.planned_clock()
    if there is None:
        return ""
    place = item.timezone.rsplit("/", 1)[-1].replace("_", " ")
    return tr("{time} in {place}").format(time=time_text(there), place=place)


def tooltip(item: CalendarItem) -> str:
    """Several plain lines: title, day and time, the planned zone's clock, cause, place."""
    lines = [item.title]
    day = day_text(item.first_day, "dddd d MMMM yyyy")
    lines.append(f"{day}, {when_text(item)}" if not item.all_day else day)
    if note := zone_note(item):
        lines.append(note)
    details = [text for text in (item.cause_name, item.location_name) if text]
    if details:
        lines.append(" · ".join(details))
    extra = [text for text in (status_note(item), fill_text(item)) if text]
    if item.is_recurring:
        extra.append(tr("Repeats"))
    if extra:
        lines.append(" · ".join(extra))
    return "\n".join(lines)
