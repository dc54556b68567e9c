"""The demo week the roster tests look at, and a small demo file made once per module."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path

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
