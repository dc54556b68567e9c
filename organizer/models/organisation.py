"""Causes and locations: what an organisation runs, and where."""

from __future__ import annotations

from sqlalchemy import Boolean, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from organizer.models.base import Base, Tracked
from organizer.models.ids import CauseId, LocationId


class Cause(Tracked, Base):
    """A cause or programme the organisation runs (a peer-support circle, a food bank...)."""

    __tablename__ = "causes"

    id: Mapped[CauseId] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    colour: Mapped[str] = mapped_column(String(7), default="#4C78A8")
    description: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Location(Tracked, Base):
    """A place events happen, with notes such as step-free access."""

    __tablename__ = "locations"

    id: Mapped[LocationId] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    address: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
