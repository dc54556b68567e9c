"""The organisation's scheduling limits, kept in ``file_info`` under ``scheduling.*`` keys."""

from __future__ import annotations

from dataclasses import dataclass, fields

from sqlalchemy import select

from organizer.models import FileInfo
from organizer.services.base import Service
from organizer.validation import Problems

PREFIX = "scheduling."


@dataclass(frozen=True)
class SchedulingLimits:
    """Limits for every volunteer; ``None`` (or 0 minutes of buffer) means no limit.

    ``travel_buffer_minutes`` is the least time between two shifts at different places.
    """

    max_hours_per_week: float | None = None
    max_hours_per_month: float | None = None
    min_rest_hours: float | None = None
    max_consecutive_days: int | None = None
    travel_buffer_minutes: int = 0


_LABELS = {
    "max_hours_per_week": ("Hours per week", 0.5, 7 * 24),
    "max_hours_per_month": ("Hours per month", 0.5, 31 * 24),
    "min_rest_hours": ("Rest between shifts", 0.5, 72),
    "max_consecutive_days": ("Days in a row", 1, 366),
    "travel_buffer_minutes": ("Travel time", 0, 24 * 60),
}


class LimitsService(Service):
    """Read and change the organisation's scheduling limits."""

    def get(self) -> SchedulingLimits:
        """The limits as stored (no limit for those never set or unreadable)."""
        with self.db.read() as session:
            rows = session.execute(
                select(FileInfo.key, FileInfo.value).where(
                    FileInfo.key.startswith(PREFIX, autoescape=True)
                )
            ).all()
        return parse_limits({key.removeprefix(PREFIX): value for key, value in rows})

    def save(self, limits: SchedulingLimits) -> SchedulingLimits:
        """Validate and store the limits (logged in the change log).

        Raises:
            ValidationError: a limit is out of range (the field is named).
        """
        problems = Problems()
        for item in fields(SchedulingLimits):
            value = getattr(limits, item.name)
            label, low, high = _LABELS[item.name]
            if value is not None and not low <= value <= high:
                problems.add(item.name, f"{label} must be between {low:g} and {high:g}.")
        problems.raise_if_any()
        with self._writing("settings") as session:
            changed = []
            for item in fields(SchedulingLimits):
                value = getattr(limits, item.name)
                text = "" if value is None else f"{value:g}"
                row = session.get(FileInfo, PREFIX + item.name)
                if row is None and text:
                    session.add(FileInfo(key=PREFIX + item.name, value=text))
                    changed.append(item.name)
                elif row is not None and row.value != text:
                    row.value = text
                    changed.append(item.name)
            if changed:
                self._log(
                    session, "update", "settings", None, f"Changed limits: {', '.join(changed)}"
                )
        return limits


def parse_limits(stored: dict[str, str]) -> SchedulingLimits:
    """Limits from stored text values (bad or empty values mean no limit)."""

    def number(name: str) -> float | None:
        try:
            value = float(stored.get(name, "").strip() or "nan")
        except ValueError:
            return None
        return None if value != value or value <= 0 else value

    days = number("max_consecutive_days")
    buffer = number("travel_buffer_minutes")
    return SchedulingLimits(
        max_hours_per_week=number("max_hours_per_week"),
        max_hours_per_month=number("max_hours_per_month"),
        min_rest_hours=number("min_rest_hours"),
        max_consecutive_days=None if days is None else int(days),
        travel_buffer_minutes=0 if buffer is None else int(buffer),
    )
