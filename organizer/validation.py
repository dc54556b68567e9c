"""Small checks that collect field problems, so a form can show each next to its field."""

from __future__ import annotations

import re
from datetime import datetime

from organizer.errors import FieldProblem, ValidationError

EMAIL_SHAPE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
COLOUR_SHAPE = re.compile(r"^#[0-9A-Fa-f]{6}$")


class Problems:
    """Collects field problems; :meth:`raise_if_any` raises them together."""

    def __init__(self) -> None:
        self.items: list[FieldProblem] = []

    def add(self, field: str, message: str) -> None:
        """Record a problem with ``field``."""
        self.items.append(FieldProblem(field, message))

    def has(self, field: str) -> bool:
        """Whether ``field`` already has a problem."""
        return any(p.field == field for p in self.items)

    def text(self, field: str, value: str, *, label: str, max_length: int) -> None:
        """A required line of text: not blank, not too long."""
        if not value.strip():
            self.add(field, f"{label} cannot be empty.")
        elif len(value) > max_length:
            self.add(field, f"{label} is too long (at most {max_length} characters).")

    def optional_text(self, field: str, value: str | None, *, label: str, max_length: int) -> None:
        """Optional text: only its length is checked."""
        if value is not None and len(value) > max_length:
            self.add(field, f"{label} is too long (at most {max_length} characters).")

    def email(self, field: str, value: str | None) -> None:
        """An optional email address of a plausible shape."""
        if value and not EMAIL_SHAPE.match(value):
            self.add(field, f"“{value}” does not look like an email address.")

    def colour(self, field: str, value: str) -> None:
        """A colour written as #RRGGBB."""
        if not COLOUR_SHAPE.match(value):
            self.add(field, "Colour must look like #4C78A8.")

    def at_least(self, field: str, value: float | None, minimum: float, *, label: str) -> None:
        """An optional number of at least ``minimum``."""
        if value is not None and value < minimum:
            shown = int(minimum) if float(minimum).is_integer() else minimum
            self.add(field, f"{label} must be at least {shown}.")

    def aware(self, field: str, value: datetime, *, label: str) -> None:
        """A datetime that carries a time zone."""
        if value.tzinfo is None or value.utcoffset() is None:
            self.add(field, f"{label} needs a time zone.")

    def raise_if_any(self) -> None:
        """Raise a ValidationError with every problem collected so far."""
        if self.items:
            raise ValidationError(self.items)


def strip_or_none(value: str | None) -> str | None:
    """Trimmed text, with empty text turned into ``None``."""
    if value is None:
        return None
    value = value.strip()
    return value or None
