"""Declarative base, column types and mixins shared by every table."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    Column,
    DateTime,
    Dialect,
    Enum,
    Integer,
    MetaData,
    String,
    Table,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from organizer.models import ids

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utc_now() -> datetime:
    """The current instant, time-zone aware in UTC."""
    return datetime.now(UTC)


def new_calendar_uid() -> str:
    """A fresh, globally unique iCalendar UID (made once per record, then stored for good)."""
    return f"{uuid.uuid4()}@organizer"


class UTCDateTime(TypeDecorator[datetime]):
    """An aware instant, stored as UTC.

    SQLite keeps it as a naive UTC timestamp (so text order is time order and range queries
    use indexes); PostgreSQL as ``timestamptz``.  Naive datetimes are refused: an instant
    without a zone is a bug waiting for the clocks to change.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert an aware value to UTC before it is written."""
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r} cannot be stored as an instant")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], Any] | None:
        """On SQLite, parse the stored text straight to an aware value (one step, not three)."""
        if dialect.name == "sqlite":
            return _sqlite_utc
        return super().result_processor(dialect, coltype)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Return values as aware UTC datetimes."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _sqlite_utc(value: str | None) -> datetime | None:
    if value is None:
        return None
    # Parsing the offset with the text is several times faster than replace(tzinfo=UTC).
    try:
        return datetime.fromisoformat(value + "+00:00")
    except ValueError:  # a value some other program wrote with its own offset
        parsed = datetime.fromisoformat(value)
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def enum_column(enum_cls: type[enum.Enum], name: str) -> Enum:
    """A portable enum column that stores the member *values* with a CHECK constraint."""
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=20,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


DERIVED = "organizer_derived"
"""``Column.info`` key of a column the database works out itself from others (triggers).

Copies between databases leave such columns for the target to work out, and comparisons
of copies pass over them: a server may work them out its own way.
"""


def stored_columns(table: Table) -> list[Column[Any]]:
    """``table``'s columns that hold data: all but those the database works out itself."""
    return [column for column in table.columns if not column.info.get(DERIVED)]


class Base(DeclarativeBase):
    """Declarative base with a naming convention, so migrations can name constraints."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        str: String(),
        **{
            id_type: Integer()
            for id_type in (
                ids.CauseId,
                ids.LocationId,
                ids.EventId,
                ids.ShiftId,
                ids.VolunteerId,
                ids.QualificationId,
                ids.AssignmentId,
            )
        },
    }


class Tracked:
    """Columns for rows people edit: who and when, plus optimistic concurrency.

    ``version`` is SQLAlchemy's ``version_id_col``: every UPDATE checks it, so a save based
    on an old copy of the row fails instead of silently overwriting someone else's edit.
    """

    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    created_by: Mapped[str] = mapped_column(String(120), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utc_now, onupdate=utc_now)
    updated_by: Mapped[str] = mapped_column(String(120), default="")
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.version}
