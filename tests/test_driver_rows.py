"""The stored form of an instant that driver-read views bind is the form the file keeps."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Column, Connection, Integer, MetaData, Table, create_engine, insert

from organizer.models.base import UTCDateTime
from organizer.services.driver_rows import stored_instant

_TABLE = Table(
    "moments",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime, nullable=False),
)


@pytest.fixture(scope="module")
def connection() -> Iterator[Connection]:
    engine = create_engine("sqlite://")
    with engine.connect() as connection:
        _TABLE.create(connection)
        yield connection
    engine.dispose()


def _as_kept(connection: Connection, moment: datetime) -> str:
    """The text the file holds once ``moment`` is written through the model's column type."""
    connection.execute(_TABLE.delete())
    connection.execute(insert(_TABLE).values(id=1, at=moment))
    return str(connection.exec_driver_sql("SELECT at FROM moments").scalar_one())


@given(
    st.datetimes(
        min_value=datetime(1, 1, 2),
        max_value=datetime(9999, 12, 30),
        timezones=st.builds(
            timezone, st.integers(-14 * 60, 14 * 60).map(lambda m: timedelta(minutes=m))
        ),
    )
)
def test_an_instant_binds_as_the_text_the_file_keeps(
    connection: Connection, moment: datetime
) -> None:
    assert stored_instant(moment) == _as_kept(connection, moment)


def test_text_order_is_time_order_across_the_years() -> None:
    early = datetime(999, 12, 31, 23, 0, tzinfo=UTC)
    later = datetime(1000, 1, 1, 1, 0, tzinfo=timezone(timedelta(hours=1)))
    assert stored_instant(early) < stored_instant(later)
    assert stored_instant(later) == "1000-01-01 00:00:00.000000"
