"""Finding likely duplicate volunteers, flagging spam sign-ups, and merging two records."""

from __future__ import annotations

import random
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from organizer.cli import main
from organizer.demo import generate_demo
from organizer.errors import ConflictError, DomainError
from organizer.models import (
    Assignment,
    AvailabilityWindow,
    BlackoutPeriod,
    ChangeLogEntry,
    ConsentRecord,
    PublishedItem,
    Volunteer,
    VolunteerQualification,
)
from organizer.models.ids import QualificationId
from organizer.people.duplicates import (
    DuplicateService,
    PersonRecord,
    find_duplicates,
    name_similarity,
    normalise_name,
    normalise_phone,
    spam_reasons,
)
from organizer.people.merging import MergeService
from organizer.people.tabular import read_table
from organizer.services import (
    Blackout,
    Consent,
    HeldQualification,
    QualificationDraft,
    Services,
    WeeklyWindow,
)
from organizer.storage import Database, create_database, open_database
from tests import people_files as files
from tests.people_helpers import assign, person, table_counts, weekly_shift

ACTOR = "coordinator@office"


def signups() -> list[PersonRecord]:
    table = read_table(files.FOLDER / files.SIGNUPS_CSV)
    return [
        PersonRecord(row.line, row.values[0], row.values[1] or None, row.values[2] or None)
        for row in table.rows
    ]


def pair_names(records: list[PersonRecord]) -> set[frozenset[str]]:
    names = {r.key: r.name for r in records}
    return {frozenset((names[p.first], names[p.second])) for p in find_duplicates(records)}


# Names -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("Dr. Sam O'Neill", "sam oneill"),
        ("sam oneill", "sam oneill"),
        ("O’Neill, Sam", "sam oneill"),
        ("  Zoë   SMITH ", "zoe smith"),
        ("Mary-Jane Li", "mary jane li"),
        ("Dr", "dr"),
    ],
)
def test_names_are_normalised_for_comparison(raw: str, normalised: str) -> None:
    assert normalise_name(raw) == normalised


def test_phone_numbers_compare_in_international_form() -> None:
    assert normalise_phone("07700 900123") == "+447700900123"
    assert normalise_phone("+44 (0)7700 900123") == "+447700900123"
    assert normalise_phone("0044 7700-900-123") == "+447700900123"
    assert normalise_phone("  ") is None
    assert normalise_phone("12") is None


def test_duplicates_among_sign_ups_like_the_community_page() -> None:
    found = pair_names(signups())

    expected = {
        frozenset(("Dr. Sam O'Neill", "sam oneill")),  # same name once normalised
        frozenset(("Dr. Sam O'Neill", "S. O'Neill")),  # same phone, an initial
        frozenset(("sam oneill", "S. O'Neill")),  # an initial
        frozenset(("Katy Browne", "Katie Brown")),
        frozenset(("Mohammad Khan", "Mohammed Khan")),  # same email in other capitals
    }
    assert expected <= found
    assert frozenset(("John Smith", "Jane Smith")) not in found
    assert not [pair for pair in found if "Solon Papageorgiou" in pair]


def test_each_pair_says_why_and_how_sure() -> None:
    records = signups()
    names = {r.key: r.name for r in records}
    by_names = {frozenset((names[p.first], names[p.second])): p for p in find_duplicates(records)}

    phone = by_names[frozenset(("Dr. Sam O'Neill", "S. O'Neill"))]
    assert phone.reasons == ("Same phone number", "Similar names (95%)")
    assert phone.score == 98.0
    email = by_names[frozenset(("Mohammad Khan", "Mohammed Khan"))]
    assert email.reasons[0] == "Same email address"
    assert email.score == 100.0
    names_only = by_names[frozenset(("Katy Browne", "Katie Brown"))]
    assert names_only.reasons == ("Similar names (91%)",)


def test_bot_sign_ups_from_the_community_page_look_like_spam() -> None:
    records = signups()
    flagged = {r.name for r in records if spam_reasons(r.name, r.email, r.phone)}

    bots = {r.name for r in records if r.email is None and r.phone is None and r.key <= 27}
    assert len(bots) == 26
    # Real people without contact details ("sam oneill", "Katie Brown") are not flagged.
    assert flagged == bots
    assert spam_reasons("KeithMof") == (
        "one word only",
        "capitals inside a word",
        "no email or phone",
    )
    # The same random name with an email still looks wrong enough.
    assert spam_reasons("UbvpwcMergo", "x@example.org") != ()
    assert spam_reasons("Solon Papageorgiou") == ()
    assert spam_reasons("Mary McDonald", None, None) == ()


# Names with something left to compare once normalised.
_NAME = st.text(st.sampled_from("abcdeilmnorsty ÉéöÖ'-.,DrMs"), min_size=1, max_size=20).filter(
    lambda t: normalise_name(t) != ""
)
_PEOPLE = st.lists(
    st.tuples(_NAME, st.sampled_from([None, "a@x.org", "A@X.org", "b@x.org"]),
              st.sampled_from([None, "07700 900123", "+447700900123", "07700 900999"])),
    min_size=0,
    max_size=12,
)  # fmt: skip


@given(_NAME)
def test_normalising_twice_changes_nothing(name: str) -> None:
    assert normalise_name(normalise_name(name)) == normalise_name(name)


@given(_NAME, _NAME)
def test_name_similarity_is_symmetric_and_bounded(left: str, right: str) -> None:
    assert name_similarity(left, right) == name_similarity(right, left)
    assert 0 <= name_similarity(left, right) <= 100


@given(_PEOPLE, st.randoms(use_true_random=False))
def test_duplicate_finding_is_symmetric_and_never_pairs_a_record_with_itself(
    people: list[tuple[str, str | None, str | None]], shuffler: random.Random
) -> None:
    records = [PersonRecord(key, *fields) for key, fields in enumerate(people, start=1)]
    pairs = find_duplicates(records)
    shuffled = records[:]
    shuffler.shuffle(shuffled)

    assert find_duplicates(shuffled) == pairs
    assert all(p.first < p.second for p in pairs)
    assert len({(p.first, p.second) for p in pairs}) == len(pairs)
    # A record listed twice under its own key is still not its own duplicate.
    assert find_duplicates(records + records) == pairs
    for record in records:
        copy = PersonRecord(1000 + record.key, record.name, record.email, record.phone)
        found = find_duplicates([record, copy])
        assert [(p.first, p.second) for p in found] == [(record.key, copy.key)]


# The demo data ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    database = create_database(tmp_path_factory.mktemp("demo") / "demo.organizer")
    generate_demo(database, scale="small", seed=1, start=date(2024, 5, 6))
    yield database
    database.close()


def test_the_demo_sign_ups_are_sorted_into_duplicates_and_spam(demo: Database) -> None:
    service = DuplicateService(demo, ACTOR)
    with demo.read() as session:
        names: dict[int, str] = dict(session.execute(select(Volunteer.id, Volunteer.name)).all())

    pairs = {frozenset((names[p.first], names[p.second])) for p in service.find()}
    spam = {flag.name for flag in service.spam_candidates()}

    assert frozenset(("Jon Smith", "John Smith")) in pairs
    assert frozenset(("Sara O'Neil", "Sarah O'Neill")) in pairs
    assert spam == {"KeithMof", "Montanawvf", "UbvpwcMergo", "john Moyzakis"}


def test_flagging_spam_marks_for_review_and_deletes_nobody(demo: Database, tmp_path: Path) -> None:
    assert demo.path is not None
    # Work on a copy so the shared demo stays as generated.
    shutil.copy(demo.path, tmp_path / "copy.organizer")
    db = open_database(tmp_path / "copy.organizer")
    try:
        service = DuplicateService(db, ACTOR)
        before = table_counts(db)["volunteers"]
        flags = service.flag_spam()
        assert len(flags) == 4
        assert table_counts(db)["volunteers"] == before
        with db.read() as session:
            keith = session.scalars(select(Volunteer).where(Volunteer.name == "KeithMof")).one()
        assert keith.review_reason.startswith("Looks like a bot sign-up:")
        service.clear_review(keith.id, keith.version)
        assert service.flag_spam() == []  # cleared by a person: not flagged again
    finally:
        db.close()


def test_the_duplicates_command(demo: Database, capsys: pytest.CaptureFixture[str]) -> None:
    assert demo.path is not None
    assert main(["duplicates", "--db", str(demo.path)]) == 0
    out = capsys.readouterr().out
    assert "Jon Smith  ↔  #" in out or "John Smith  ↔  #" in out
    assert "Look like spam (use --flag-spam to flag): 4" in out


# Merging ---------------------------------------------------------------------------------------


def _count(db: Database, model: type, volunteer_id: int) -> int:
    column = model.volunteer_id  # type: ignore[attr-defined]
    with db.read() as session:
        return int(
            session.scalar(select(func.count()).select_from(model).where(column == volunteer_id))
            or 0
        )


def test_merge_keeps_every_related_record(db: Database) -> None:
    services = Services.for_database(db, ACTOR)
    first_aid = services.qualifications.create(QualificationDraft(name="First aid"))
    hygiene = services.qualifications.create(QualificationDraft(name="Food hygiene"))
    dbs = services.qualifications.create(QualificationDraft(name="DBS check"))
    keep = person(services, "Sam O'Neill", email="sam@example.org", joined_on=date(2024, 3, 1))
    other = person(
        services,
        "Dr. Sam ONeill",
        phone="07700 900501",
        notes="Prefers mornings",
        joined_on=date(2023, 9, 1),
    )
    newcomer = person(services, "Newcomer Nia")
    café = weekly_shift(services, "Friday café", "Community café")
    for week in range(3):
        assign(services, café, keep.id, week, hours=2.0)
    for week in range(3, 7):
        assign(services, café, other.id, week, hours=1.5)
    # Both records on the same occurrence: kept once, its hours counted once.
    assign(services, café, keep.id, 8, attended=False)
    assign(services, café, other.id, 8, hours=3.0)

    def held(qid: QualificationId, expires: date | None) -> HeldQualification:
        return HeldQualification(qid, date(2023, 1, 1), expires)

    v = services.volunteers
    v.set_qualifications(keep.id, v.get(keep.id).version, [held(first_aid.id, date(2025, 1, 1))])
    v.set_qualifications(
        other.id,
        v.get(other.id).version,
        [held(first_aid.id, date(2026, 6, 1)), held(hygiene.id, None), held(dbs.id, None)],
    )
    v.set_availability(keep.id, v.get(keep.id).version, [WeeklyWindow(0, time(9), time(12))])
    v.set_availability(
        other.id,
        v.get(other.id).version,
        [WeeklyWindow(0, time(9), time(12)), WeeklyWindow(3, time(18), time(20))],
    )
    v.set_blackouts(
        other.id, v.get(other.id).version, [Blackout(date(2024, 8, 1), date(2024, 8, 14))]
    )
    v.set_consents(keep.id, v.get(keep.id).version, [Consent("Contact by email", date(2024, 3, 1))])
    v.set_consents(
        other.id,
        v.get(other.id).version,
        [
            Consent("Contact by text message", date(2023, 9, 1)),
            Consent("Photos at events", date(2023, 9, 1)),
        ],
    )
    with db.write() as session:
        session.get(Volunteer, newcomer.id).buddy_id = other.id  # type: ignore[union-attr]
        session.add(
            PublishedItem(
                volunteer_id=other.id,
                uid="old-invite@organizer",
                content_hash="x",
                starts_at=datetime(2024, 1, 1, 18, tzinfo=UTC),
                ends_at=datetime(2024, 1, 1, 20, tzinfo=UTC),
            )
        )
    with db.read() as session:
        history_other = session.scalar(
            select(func.count())
            .select_from(ChangeLogEntry)
            .where(ChangeLogEntry.entity == "volunteer", ChangeLogEntry.entity_id == other.id)
        )
        history_keep = session.scalar(
            select(func.count())
            .select_from(ChangeLogEntry)
            .where(ChangeLogEntry.entity == "volunteer", ChangeLogEntry.entity_id == keep.id)
        )
    before = table_counts(db)
    assert before["assignments"] == 9
    assert before["hours"] == 2.0 * 3 + 1.5 * 4 + 3.0

    merger = MergeService(db, ACTOR)
    side_by_side = merger.compare(keep.id, other.id)
    assert (side_by_side.keep.assignments, side_by_side.other.assignments) == (4, 5)
    assert side_by_side.clashes == 1
    assert side_by_side.filled == ("phone", "notes")

    result = merger.merge(keep.id, v.get(keep.id).version, other.id, v.get(other.id).version)

    after = table_counts(db)
    assert after["volunteers"] == before["volunteers"] - 1
    # Every assignment but the duplicate place; every hour (the shared one counted once).
    assert after["assignments"] == before["assignments"] - 1
    assert _count(db, Assignment, keep.id) == 8
    assert after["hours"] == before["hours"]
    assert (result.assignments_moved, result.clashes_resolved) == (5, 1)
    # Qualifications: the union, keeping the later expiry of the one both held.
    with db.read() as session:
        quals = dict(
            session.execute(
                select(
                    VolunteerQualification.qualification_id, VolunteerQualification.expires_on
                ).where(VolunteerQualification.volunteer_id == keep.id)
            ).all()
        )
        merged = session.get(Volunteer, keep.id)
        nia = session.get(Volunteer, newcomer.id)
        history = session.scalar(
            select(func.count())
            .select_from(ChangeLogEntry)
            .where(
                ChangeLogEntry.entity == "volunteer",
                ChangeLogEntry.entity_id == keep.id,
                ChangeLogEntry.action != "merge",
            )
        )
        merge_entry = session.scalars(
            select(ChangeLogEntry.summary).where(ChangeLogEntry.action == "merge")
        ).one()
    assert quals == {first_aid.id: date(2026, 6, 1), hygiene.id: None, dbs.id: None}
    assert after["consents"] == before["consents"] == _count(db, ConsentRecord, keep.id)
    assert _count(db, AvailabilityWindow, keep.id) == 2  # the identical Monday kept once
    assert _count(db, BlackoutPeriod, keep.id) == 1
    assert _count(db, PublishedItem, keep.id) == 1
    assert history == (history_keep or 0) + (history_other or 0)
    assert merged is not None and nia is not None
    assert (merged.email, merged.phone, merged.notes) == (
        "sam@example.org",
        "07700 900501",
        "Prefers mornings",
    )
    assert merged.joined_on == date(2023, 9, 1)
    assert nia.buddy_id == keep.id
    assert merge_entry.startswith(
        f"Merged volunteer #{other.id} “Dr. Sam ONeill” into “Sam O'Neill”"
    )


def test_merge_refuses_a_stale_copy_and_changes_nothing(db: Database) -> None:
    services = Services.for_database(db, ACTOR)
    keep = person(services, "Katy Browne")
    other = person(services, "Katie Brown")
    services.volunteers.set_active(other.id, other.version, False)  # someone else saves it
    before = table_counts(db)

    with pytest.raises(ConflictError):
        MergeService(db, ACTOR).merge(keep.id, keep.version, other.id, other.version)
    with pytest.raises(DomainError, match="merged with themselves"):
        MergeService(db, ACTOR).merge(keep.id, keep.version, keep.id, keep.version)
    assert table_counts(db) == before
