"""On PostgreSQL, other coordinators' changes arrive by LISTEN/NOTIFY, not by polling queries.

Each test has two handles on one real server database: ``db`` (the watcher's program) and
``other`` (another coordinator's program, its own engine and connections).
"""

from __future__ import annotations

import select
from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import event

from organizer.services import Services, VolunteerDraft
from organizer.services.base import record_change
from organizer.sharing.watch import CHANGES_CHANNEL, ChangeWatcher
from organizer.storage import Database, create_database, open_database
from tests.pg_fixtures import pg_server, pg_url, run_sql

__all__ = ["pg_server", "pg_url"]


@pytest.fixture
def server(pg_url: str) -> Iterator[Database]:
    db = create_database(pg_url)
    yield db
    db.close()


@pytest.fixture
def other(server: Database, pg_url: str) -> Iterator[Database]:
    db = open_database(pg_url)
    yield db
    db.close()


def statements_on(db: Database) -> list[str]:
    """Every SQL statement the handle's engine runs from now on."""
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    return seen


def wait_for_notification(watcher: ChangeWatcher) -> None:
    """Block (at most 10 s) until the listening connection has something to read."""
    listener = watcher._listener
    assert listener is not None
    ready, _, _ = select.select([listener.fileno()], [], [], 10)
    assert ready, "no notification arrived"


def add_volunteer(db: Database, name: str) -> None:
    Services.for_database(db, "Bob").volunteers.create(
        VolunteerDraft(name=name, joined_on=date(2026, 1, 5))
    )


def test_a_change_committed_elsewhere_is_seen_after_its_notification(
    server: Database, other: Database
) -> None:
    watcher = ChangeWatcher(server, actor="Ann")
    statements = statements_on(server)
    try:
        add_volunteer(other, "Robin Hart")
        wait_for_notification(watcher)
        changes = watcher.poll()
        assert [(c.actor, c.action, c.entity) for c in changes] == [("Bob", "create", "volunteer")]
        assert "Robin Hart" in changes[0].summary
        # The notification said there is news: the log is read once, without a max(seq) check.
        log_reads = [s for s in statements if "change_log" in s]
        assert len(log_reads) == 1 and "max(" not in log_reads[0].lower()
        assert watcher.poll() == []
    finally:
        watcher.close()


def test_polling_with_nothing_pending_runs_no_query(server: Database, other: Database) -> None:
    watcher = ChangeWatcher(server, actor="Ann")
    statements = statements_on(server)
    try:
        for _ in range(10):
            assert watcher.poll() == []
        assert statements == []
    finally:
        watcher.close()


def test_a_missed_notification_is_caught_by_the_fallback_check(
    server: Database, other: Database, pg_url: str
) -> None:
    watcher = ChangeWatcher(server, actor="Ann", fallback_every=3)
    statements = statements_on(server)
    try:
        # A writer that does not notify (an older copy of the program, a script).
        run_sql(
            pg_url,
            "INSERT INTO change_log (at, actor, action, entity, entity_id, summary) "
            "VALUES (now(), 'Script', 'update', 'volunteer', NULL, 'Tidied phone numbers')",
        )
        assert watcher.poll() == []
        assert watcher.poll() == []
        assert statements == []
        changes = watcher.poll()  # the third poll checks max(seq) regardless
        assert [c.summary for c in changes] == ["Tidied phone numbers"]
    finally:
        watcher.close()


def test_a_rolled_back_write_notifies_nobody(server: Database, other: Database) -> None:
    watcher = ChangeWatcher(server, actor="Ann")
    listener = watcher._listener
    assert listener is not None
    try:
        with pytest.raises(RuntimeError), other.write() as session:
            record_change(session, "Bob", "update", "volunteer", None, "Never kept")
            raise RuntimeError("cancelled")
        add_volunteer(other, "Robin Hart")
        wait_for_notification(watcher)
        # Notifications arrive in commit order: had the rollback notified, it would be first.
        received = list(listener.notifies(timeout=0))
        assert [n.channel for n in received] == [CHANGES_CHANNEL]
    finally:
        watcher.close()


def test_a_lost_listening_connection_catches_up_and_listens_again(
    server: Database, other: Database, pg_url: str
) -> None:
    watcher = ChangeWatcher(server, actor="Ann", fallback_every=2)
    try:
        run_sql(
            pg_url,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = 'Organizer (watching)'",
        )
        add_volunteer(other, "Robin Hart")
        seen = watcher.poll() + watcher.poll()  # the second poll checks the connection
        assert [c.entity for c in seen] == ["volunteer"]
        # Listening again: the next change is noticed by its notification.
        add_volunteer(other, "Sam Lee")
        wait_for_notification(watcher)
        assert ["Sam Lee" in c.summary for c in watcher.poll()] == [True]
    finally:
        watcher.close()
