"""What a one-page hours letter for a volunteer says (the app lays it out as a PDF)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from organizer.errors import NotFoundError
from organizer.models import FileInfo, Volunteer
from organizer.reports.hours import CauseHours, Period, ReportService
from organizer.services.settings import SettingsService
from organizer.wording import english_date

ORGANISATION_KEY = "reports.organisation_name"
"""``file_info`` key holding the organisation's name as letters sign it."""


@dataclass(frozen=True, slots=True)
class HoursLetter:
    """A volunteer's hours over a period, with who confirms them."""

    volunteer: str
    period: Period
    total_hours: float
    shifts: int
    causes: tuple[CauseHours, ...]
    organisation: str
    organiser: str
    organiser_email: str
    written_on: date

    @property
    def paragraph(self) -> str:
        """The letter's main sentence."""
        who = self.organisation or "our organisation"
        return (
            f"This is to confirm that {self.volunteer} gave {self.total_hours:.1f} hours "
            f"as a volunteer with {who} between {english_date(self.period.first, '%-d %B %Y')} and "
            f"{english_date(self.period.last, '%-d %B %Y')}, over {self.shifts} "
            f"{'shift' if self.shifts == 1 else 'shifts'}."
        )


def organisation_name(reports: ReportService) -> str:
    """The organisation's name for letters ("" when never set)."""
    with reports.db.read() as session:
        row = session.get(FileInfo, ORGANISATION_KEY)
        return row.value if row is not None else ""


def set_organisation_name(reports: ReportService, name: str) -> None:
    """Store the organisation's name for letters."""
    with reports.db.write() as session:
        session.merge(FileInfo(key=ORGANISATION_KEY, value=name.strip()))


def hours_letter(reports: ReportService, volunteer_id: int, period: Period) -> HoursLetter:
    """The letter for one volunteer over ``period``.

    Raises:
        NotFoundError: the volunteer no longer exists.
    """
    with reports.db.read() as session:
        volunteer = session.get(Volunteer, volunteer_id)
        if volunteer is None:
            raise NotFoundError("volunteer", volunteer_id)
        name = volunteer.name
    causes = reports.hours_by_cause(period, volunteer_id=volunteer_id)
    settings = SettingsService(reports.db, reports.actor).get()
    return HoursLetter(
        volunteer=name,
        period=period,
        total_hours=round(sum(c.hours for c in causes), 2),
        shifts=sum(c.attended for c in causes),
        causes=tuple(causes),
        organisation=organisation_name(reports),
        organiser=settings.organiser_name,
        organiser_email=settings.organiser_email,
        written_on=date.today(),
    )


__all__ = ["HoursLetter", "hours_letter", "organisation_name", "set_organisation_name"]
