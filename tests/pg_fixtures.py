"""Pytest fixtures for tests against a real PostgreSQL server.

Import them into a test module (``from tests.pg_fixtures import pg_server, pg_url``).  The
server starts once per test session; every test gets a fresh, empty database.  If PostgreSQL
cannot be started the tests FAIL with the reason: they are never skipped.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import psycopg
import pytest

from organizer.storage.postgres import server_url
from tests.pg_server import PASSWORD, SUPERUSER, PgServer, PgServerError

_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A running PostgreSQL server on a loopback port, stopped after the session."""
    try:
        server = PgServer()
        server.start()
    except PgServerError as error:
        pytest.fail(f"PostgreSQL is needed for these tests and could not be started: {error}")
    try:
        yield server
    finally:
        server.stop()


def admin_connection(server: PgServer) -> psycopg.Connection[tuple[object, ...]]:
    """An autocommit connection to the server's maintenance database."""
    return psycopg.connect(
        host="127.0.0.1",
        port=server.port,
        user=SUPERUSER,
        password=PASSWORD,
        dbname="postgres",
        autocommit=True,
    )


@pytest.fixture
def pg_url(pg_server: PgServer) -> Iterator[str]:
    """The URL of a fresh, empty database (made from template0), dropped afterwards."""
    name = f"organizer_test_{next(_numbers)}"
    with admin_connection(pg_server) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
    yield pg_server.url(name)
    with admin_connection(pg_server) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def tables_in(url: str) -> dict[str, int]:
    """Every table of the database and its row count, read with a plain driver connection."""
    with psycopg.connect(server_url(url).set(drivername="postgresql").render_as_string(False)) as c:
        names = [
            str(r[0])
            for r in c.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
            )
        ]
        counts: dict[str, int] = {}
        for name in names:
            row = c.execute(f'SELECT count(*) FROM "{name}"').fetchone()
            assert row is not None
            counts[name] = int(row[0])
        return counts


def run_sql(url: str, *statements: str) -> None:
    """Run statements on the database directly, committed."""
    plain = server_url(url).set(drivername="postgresql").render_as_string(False)
    with psycopg.connect(plain, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement.encode())
