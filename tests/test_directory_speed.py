"""The directory's one-statement first page: the same rows as the separate queries, faster.

Also keeps the benchmark's raw sqlite3 baseline honest (it must fetch exactly what the
directory shows) and checks the Volunteers list model answers searches with the right rows.
"""

from __future__ import annotations

import importlib
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QCoreApplication
from PySide6.QtTest import QAbstractItemModelTester
from pytestqt.qtbot import QtBot

from organizer.demo import generate_demo
from organizer.models.ids import VolunteerId
from organizer.services import (
    AssignmentDraft,
    EventDraft,
    HeldQualification,
    QualificationDraft,
    Services,
    ShiftDraft,
    VolunteerDraft,
)
from organizer.services.directory import (
    DirectoryQuery,
    DirectoryRow,
    DirectoryService,
    DirectorySort,
    _Moment,
    _rows_portable,
)
from organizer.storage import create_database, open_database
from organizer.ui.volunteers.model import NAME, VolunteerTableModel
from organizer.ui.worker import Worker
from tests.pg_fixtures import pg_server, pg_url

__all__ = ["pg_server", "pg_url"]

# The benchmark is not part of the type-checked tree; import it as a plain module.
bench: Any = importlib.import_module("benchmarks.gui_interactions")

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
SEARCHES = ["", "mar", "MAR", "mü", "muller", "WIŚNIEWSKA", "an a", "ann", "%", "_", "\\", "zzz"]


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small demo organisation, made once for the module and only read by its tests."""
    path = tmp_path_factory.mktemp("directory") / "demo.organizer"
    db = create_database(path)
    generate_demo(db, scale="small", seed=1, start=date(2026, 11, 23))
    db.close()
    return path


@pytest.fixture(scope="module")
def demo(demo_path: Path) -> Iterator[DirectoryService]:
    db = open_database(demo_path)
    yield DirectoryService(db, "Sam", clock=lambda: NOW, zone=LONDON)
    db.close()


def separately(
    directory: DirectoryService, query: DirectoryQuery, limit: int
) -> tuple[list[VolunteerId], list[DirectoryRow]]:
    """What the first page was before: the ordered ids, then the portable rows query."""
    ids = directory.ordered_ids(query)
    moment = _Moment.of(NOW, LONDON)
    with directory.db.read() as session:
        return ids, _rows_portable(session.connection(), list(ids[:limit]), moment)


@pytest.mark.parametrize("sort", list(DirectorySort))
@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("archived", [False, True])
def test_first_page_equals_the_separate_queries_for_every_order(
    demo: DirectoryService, sort: DirectorySort, descending: bool, archived: bool
) -> None:
    query = DirectoryQuery(sort=sort, descending=descending, include_archived=archived)
    ids, rows = demo.first_page(query, 25)
    assert (ids, rows) == separately(demo, query, 25)
    assert len(rows) == 25 and len(ids) == demo.count(query) > 25


@pytest.mark.parametrize("text", SEARCHES)
def test_first_page_equals_the_separate_queries_when_searching(
    demo: DirectoryService, text: str
) -> None:
    query = DirectoryQuery(text=text, include_archived=True)
    assert demo.first_page(query) == separately(demo, query, 100)


def test_searches_ignore_accents_and_case(demo: DirectoryService) -> None:
    accented = demo.first_page(DirectoryQuery(text="MÜLLER"))[1]
    plain = demo.first_page(DirectoryQuery(text="muller"))[1]
    assert accented == plain
    assert accented and all("müller" in row.name.casefold() for row in accented)


def test_the_first_page_shows_next_shifts_hours_and_expired_marks(demo: DirectoryService) -> None:
    _, rows = demo.first_page(DirectoryQuery(include_archived=True), 1000)
    assert any(row.next_shift_at and row.next_shift_title and row.next_shift_role for row in rows)
    assert any(row.hours_this_month > 0 for row in rows)
    assert any("(expired)" in row.qualifications for row in rows)
    assert any(not row.active for row in rows)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    text=st.lists(st.sampled_from(["a", "mar", "é", "Ü", "%", "_", "\\", "o n", " "]), max_size=3),
    qualification=st.one_of(st.none(), st.integers(min_value=0, max_value=8)),
    weekday=st.one_of(st.none(), st.integers(min_value=-1, max_value=7)),
    archived=st.booleans(),
    sort=st.sampled_from(list(DirectorySort)),
    descending=st.booleans(),
    limit=st.integers(min_value=0, max_value=120),
)
def test_any_query_gets_the_same_first_page_either_way(
    demo: DirectoryService,
    text: list[str],
    qualification: int | None,
    weekday: int | None,
    archived: bool,
    sort: DirectorySort,
    descending: bool,
    limit: int,
) -> None:
    query = DirectoryQuery(
        text="".join(text),
        qualification_id=qualification,  # type: ignore[arg-type]
        available_weekday=weekday,
        include_archived=archived,
        sort=sort,
        descending=descending,
    )
    assert demo.first_page(query, limit) == separately(demo, query, limit)
    assert demo.first_page(query, limit)[1] == demo.page(query, 0, limit)


def test_rows_by_id_keep_the_order_asked(demo: DirectoryService) -> None:
    ids, _ = demo.first_page(DirectoryQuery(include_archived=True))
    wanted = [ids[7], ids[2], VolunteerId(999_999), ids[30]]
    moment = _Moment.of(NOW, LONDON)
    with demo.db.read() as session:
        portable = _rows_portable(session.connection(), wanted, moment)
    assert demo.rows(wanted) == portable
    assert [row.id for row in portable] == [ids[7], ids[2], ids[30]]


# The benchmark's raw baseline ------------------------------------------------------------------


def as_raw(row: DirectoryRow) -> tuple[Any, ...]:
    """A directory row as the raw baseline returns it (SQLite's own text and numbers)."""
    starts = row.next_shift_at.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] if row.next_shift_at else None
    return (
        row.id,
        row.name,
        row.email,
        row.pronouns,
        int(row.active),
        row.joined_on.isoformat(),
        row.qualifications or None,
        starts,
        row.next_shift_title or None,
        row.next_shift_role or None,
        row.hours_this_month,
    )


@pytest.mark.parametrize("text", ["", "mar", "an", "marek", "zzz"])
def test_the_raw_baseline_fetches_exactly_what_the_directory_shows(
    demo: DirectoryService, demo_path: Path, text: str
) -> None:
    conn = sqlite3.connect(f"file:{demo_path}?mode=ro", uri=True)
    try:
        raw = bench.raw_volunteers(conn, bench.raw_volunteer_params(NOW, text, LONDON))
    finally:
        conn.close()
    shown = demo.page(DirectoryQuery(text=text), 0, 100)
    assert raw == [as_raw(row) for row in shown]
    if text != "zzz":
        assert raw and any(row[7] for row in raw)


# PostgreSQL ----------------------------------------------------------------------------------


def test_first_page_on_postgresql_matches_the_separate_queries(pg_url: str) -> None:
    db = create_database(pg_url)
    try:
        services = Services.for_database(db, "Sam")
        first_aid = services.qualifications.create(QualificationDraft("First aid"))
        people = {
            name: services.volunteers.create(
                VolunteerDraft(name=name, email=f"{n}@example.org", joined_on=date(2025, 1, n + 1))
            ).id
            for n, name in enumerate(["Zoë Young", "Ann Archer", "Émile Zola", "Bob Baker"])
        }
        ann = services.volunteers.get(people["Ann Archer"])
        services.volunteers.set_qualifications(
            ann.id, ann.version, [HeldQualification(first_aid.id, None, date(2026, 1, 1))]
        )
        bob = services.volunteers.get(people["Bob Baker"])
        services.volunteers.set_active(bob.id, bob.version, False)
        start = NOW + timedelta(days=2)
        event = services.events.create(
            EventDraft(
                title="Food bank",
                starts_at=start,
                ends_at=start + timedelta(hours=3),
                timezone="Europe/London",
            )
        )
        shift = services.shifts.create(ShiftDraft(event.id, "Packer", needed=3))
        for name in ("Zoë Young", "Émile Zola"):
            services.assignments.create(AssignmentDraft(shift.id, people[name], start))
        directory = DirectoryService(db, "Sam", clock=lambda: NOW, zone=LONDON)
        for sort in DirectorySort:
            for text in ("", "zoë", "ÉMILE z", "%"):
                query = DirectoryQuery(text=text, sort=sort, include_archived=True)
                assert directory.first_page(query, 3) == (
                    directory.ordered_ids(query),
                    directory.page(query, 0, 3),
                )
        # PostgreSQL compares lower-cased text: accents must be typed there.
        ids, rows = directory.first_page(DirectoryQuery(text="ZOË"))
        assert [row.name for row in rows] == ["Zoë Young"] and ids == [people["Zoë Young"]]
        assert rows[0].next_shift_at == start and rows[0].next_shift_role == "Packer"
        _, ann_rows = directory.first_page(DirectoryQuery(text="ann"))
        assert ann_rows[0].qualifications == "First aid (expired)"
    finally:
        db.close()


# The list model --------------------------------------------------------------------------------


@pytest.fixture
def model(qtbot: QtBot, demo_path: Path) -> Iterator[VolunteerTableModel]:
    db = open_database(demo_path)
    worker = Worker()
    directory = DirectoryService(db, "Sam", clock=lambda: NOW, zone=LONDON)
    model = VolunteerTableModel(directory, worker, page_size=20)
    QAbstractItemModelTester(model, QAbstractItemModelTester.FailureReportingMode.Fatal)
    yield model
    qtbot.waitUntil(lambda: not worker.busy, timeout=10_000)
    QCoreApplication.processEvents()
    db.close()


def wait_loaded(qtbot: QtBot, model: VolunteerTableModel) -> None:
    qtbot.waitUntil(lambda: not model.loading and not model.worker.busy, timeout=10_000)


def shown_ids(model: VolunteerTableModel) -> list[int]:
    return [row.id for n in range(model.rowCount()) if (row := model.volunteer(n))]


def test_typing_quickly_shows_only_the_last_search(
    qtbot: QtBot, model: VolunteerTableModel
) -> None:
    directory = model.directory
    for typed in ("m", "ma", "mar"):
        model.set_query(DirectoryQuery(text=typed))
    wait_loaded(qtbot, model)
    ids, rows = directory.first_page(DirectoryQuery(text="mar"), 20)
    assert model.query.text == "mar"
    assert shown_ids(model) == [row.id for row in rows]
    assert model.total == len(ids)
    assert all("mar" in f"{row.name} {row.email}".casefold() for row in rows)


def test_the_model_shows_searches_and_orders_and_scrolls(
    qtbot: QtBot, model: VolunteerTableModel
) -> None:
    directory = model.directory
    for query in (
        DirectoryQuery(),
        DirectoryQuery(text="müller"),
        DirectoryQuery(sort=DirectorySort.HOURS, descending=True, include_archived=True),
    ):
        model.set_query(query)
        wait_loaded(qtbot, model)
        ids, rows = directory.first_page(query, 20)
        assert shown_ids(model) == [row.id for row in rows]
        assert model.index(0, NAME).data() == rows[0].name
    while model.canFetchMore():
        model.fetchMore()
        wait_loaded(qtbot, model)
    assert shown_ids(model) == ids
    model.reload()
    wait_loaded(qtbot, model)
    assert shown_ids(model) == ids
    assert replace(model.query, text="") == model.query
