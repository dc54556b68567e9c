"""The demo week the roster tests look at, a small demo file made once per module, and a
way to compare what two ways of reading give, field by field."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from organizer.demo import generate_demo
from organizer.storage import Database, create_database

MONDAY = date(2026, 11, 23)


def week(offset: int = 0) -> tuple[datetime, datetime]:
    """Monday to Monday (local time) ``offset`` weeks from the demo week."""
    start = datetime.combine(MONDAY + timedelta(weeks=offset), time()).astimezone()
    return start, start + timedelta(days=7)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """The small demo organisation, made once per test module and only read."""
    made = create_database(Path(tmp_path_factory.mktemp("roster-demo")) / "demo.organizer")
    generate_demo(made, scale="small", seed=1, start=MONDAY)
    yield made
    made.close()


def snapshot(value: Any) -> Any:
    """Every field, recursively, with its exact type (and a datetime's zone), to compare."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (
            type(value),
            tuple(snapshot(getattr(value, f.name)) for f in dataclasses.fields(value)),
        )
    if isinstance(value, list | tuple):
        return (type(value), tuple(snapshot(item) for item in value))
    if isinstance(value, datetime):
        return (datetime, value, value.tzinfo, value.utcoffset())
    return (type(value), value)
