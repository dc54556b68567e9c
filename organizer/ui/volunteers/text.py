"""How the Volunteers page writes dates, times and hours (in the coordinator's language)."""

from __future__ import annotations

from datetime import date, datetime, time, tzinfo

from PySide6.QtCore import QCoreApplication, QDate, QLocale, QTime


def tr(text: str) -> str:
    """``text`` translated in the Volunteers page's context."""
    return QCoreApplication.translate("Volunteers", text)


def weekday_names() -> list[str]:
    """Monday to Sunday, spelled out in the user's language."""
    locale = QLocale()
    return [locale.dayName(day, QLocale.FormatType.LongFormat) for day in range(1, 8)]


def qdate(day: date) -> QDate:
    """A Python date as a QDate."""
    return QDate(day.year, day.month, day.day)


def qtime(moment: time) -> QTime:
    """A Python time as a QTime."""
    return QTime(moment.hour, moment.minute)


def local(moment: datetime, zone: tzinfo | None) -> datetime:
    """An instant in ``zone`` (this computer's zone when None)."""
    return moment.astimezone(zone) if zone is not None else moment.astimezone()


def day_text(day: date, *, year: bool = True) -> str:
    """A date such as "3 Mar 2024" (or "3 Mar")."""
    return QLocale().toString(qdate(day), "d MMM yyyy" if year else "d MMM")


def time_text(moment: time) -> str:
    """A time of day in the person's own format ("09:30" or "9:30 AM")."""
    return QLocale().toString(qtime(moment), QLocale.FormatType.ShortFormat)


def when_text(moment: datetime, zone: tzinfo | None, today: date) -> str:
    """When something starts: "Today, 18:00", "Tomorrow, 10:00" or "Fri 27 Nov, 10:00"."""
    there = local(moment, zone)
    clock = time_text(there.time())
    if there.date() == today:
        return tr("Today, {time}").format(time=clock)
    if (there.date() - today).days == 1:
        return tr("Tomorrow, {time}").format(time=clock)
    pattern = "ddd d MMM" if there.year == today.year else "ddd d MMM yyyy"
    return f"{QLocale().toString(qdate(there.date()), pattern)}, {clock}"


def hours_text(hours: float) -> str:
    """Hours with at most one decimal: "6", "2.5"."""
    rounded = round(hours, 1)
    if rounded == int(rounded):
        return QLocale().toString(int(rounded))
    return QLocale().toString(rounded, "f", 1)
