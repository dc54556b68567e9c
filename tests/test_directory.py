"""The volunteer directory service: search, filters, sorting, paging, hours and next shifts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import astuple, dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from organizer.demo import generate_demo
from organizer.models import AssignmentStatus, Attendance, EventStatus
from organizer.models.ids import VolunteerId
from organizer.services import (
    AssignmentDraft,
    Blackout,
    CauseDraft,
    EventDraft,
    HeldQualification,
    QualificationDraft,
    Services,
    ShiftDraft,
    VolunteerDraft,
    WeeklyWindow,
)
from organizer.services.directory import (
    DirectoryQuery,
    DirectoryRow,
    DirectoryService,
    DirectorySort,
    fold,
)
from organizer.storage import Database

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # a Wednesday
SECRET_PHONE = "07700 900123"


def friday(day: int, month: int = 11, hour: int = 10) -> datetime:
    """A Friday food bank occurrence start (London is on UTC in winter)."""
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)


@dataclass
class World:
    services: Services
    directory: DirectoryService
    people: dict[str, VolunteerId]
    packer: int
    driver: int
    event_id: int


@pytest.fixture
def world(db: Database) -> World:
    """A food bank on Fridays in November and December, and a few volunteers."""
    services = Services.for_database(db, "Sam")
    first_aid = services.qualifications.create(QualificationDraft("First aid", validity_months=36))
    hygiene = services.qualifications.create(QualificationDraft("Food hygiene"))
    cause = services.causes.create(CauseDraft("Food bank"))
    event = services.events.create(
        EventDraft(
            title="Friday food bank",
            starts_at=friday(6),
            ends_at=friday(6, hour=13),
            timezone="Europe/London",
            cause_id=cause.id,
            rrule="FREQ=WEEKLY;BYDAY=FR;COUNT=8",
        )
    )
    packer = services.shifts.create(ShiftDraft(event.id, "Packer", needed=3))
    driver = services.shifts.create(
        ShiftDraft(event.id, "Driver", start_offset_min=60, end_offset_min=150)
    )

    def person(name: str, email: str | None, joined: date, **more: Any) -> VolunteerId:
        draft = replace(VolunteerDraft(name=name, email=email, joined_on=joined), **more)
        return services.volunteers.create(draft).id

    people = {
        "ann": person("Ann Archer", "ann@example.org", date(2024, 1, 5), phone=SECRET_PHONE),
        "zoe": person("Zoë Young", "zoe.young@example.net", date(2025, 6, 1), pronouns="she/her"),
        "bob": person("Bob Baker", None, date(2023, 3, 3), notes="Prefers mornings"),
        "cara": person("Cara Cole", "cara@example.org", date(2026, 11, 1)),
        "dev": person("Dev Dunn", "dev@example.org", date(2022, 9, 9)),
    }
    archived = services.volunteers.get(people["bob"])
    services.volunteers.set_active(archived.id, archived.version, False)
    ann = services.volunteers.get(people["ann"])
    services.volunteers.set_qualifications(
        ann.id,
        ann.version,
        [
            HeldQualification(first_aid.id, date(2020, 1, 1), date(2023, 1, 1)),
            HeldQualification(hygiene.id, date(2025, 1, 1), None),
        ],
    )
    zoe = services.volunteers.get(people["zoe"])
    services.volunteers.set_qualifications(
        zoe.id, zoe.version, [HeldQualification(first_aid.id, date(2025, 2, 1), date(2028, 2, 1))]
    )
    cara = services.volunteers.get(people["cara"])
    services.volunteers.set_availability(
        cara.id, cara.version, [WeeklyWindow(1, time(9), time(12))]
    )
    directory = DirectoryService(db, "Sam", clock=lambda: NOW, zone=LONDON)
    return World(services, directory, people, packer.id, driver.id, event.id)


def assign(world: World, who: str, shift: int, start: datetime, **fields: object) -> None:
    world.services.assignments.create(
        AssignmentDraft(shift, world.people[who], start, **fields)  # type: ignore[arg-type]
    )


def names(rows: Sequence[DirectoryRow]) -> list[str]:
    return [row.name for row in rows]


# Search and filters ---------------------------------------------------------------------------


def test_lists_active_people_by_name(world: World) -> None:
    rows = world.directory.page(DirectoryQuery())
    assert names(rows) == ["Ann Archer", "Cara Cole", "Dev Dunn", "Zoë Young"]
    assert world.directory.count(DirectoryQuery()) == 4


def test_search_ignores_case_and_accents_and_matches_every_word(world: World) -> None:
    def found(text: str) -> list[str]:
        return names(world.directory.page(DirectoryQuery(text=text)))

    assert found("zoe") == ["Zoë Young"]
    assert found("  YOUNG ") == ["Zoë Young"]
    assert found("example.net") == ["Zoë Young"]
    assert found("ann arch") == ["Ann Archer"]
    assert found("ann cole") == []
    assert found("%") == []
    assert found("_") == []
    assert found("") == ["Ann Archer", "Cara Cole", "Dev Dunn", "Zoë Young"]


def test_search_never_looks_at_sensitive_fields(world: World) -> None:
    assert world.directory.count(DirectoryQuery(text="07700")) == 0
    assert world.directory.count(DirectoryQuery(text="mornings", include_archived=True)) == 0


def test_archived_people_only_when_asked(world: World) -> None:
    everyone = world.directory.page(DirectoryQuery(include_archived=True))
    assert names(everyone) == ["Ann Archer", "Bob Baker", "Cara Cole", "Dev Dunn", "Zoë Young"]
    assert [row.active for row in everyone] == [True, False, True, True, True]


def test_qualification_filter_leaves_out_expired_ones(world: World) -> None:
    first_aid, hygiene = (q.id for q in world.services.qualifications.list())
    assert names(world.directory.page(DirectoryQuery(qualification_id=first_aid))) == ["Zoë Young"]
    assert names(world.directory.page(DirectoryQuery(qualification_id=hygiene))) == ["Ann Archer"]


def test_available_weekday_filter(world: World) -> None:
    assert names(world.directory.page(DirectoryQuery(available_weekday=1))) == ["Cara Cole"]
    assert world.directory.count(DirectoryQuery(available_weekday=2)) == 0
    assert world.directory.count(DirectoryQuery(available_weekday=9)) == 0


def test_qualifications_are_listed_by_name_with_expired_ones_marked(world: World) -> None:
    rows = {row.name: row for row in world.directory.page(DirectoryQuery())}
    assert rows["Ann Archer"].qualifications == "First aid (expired), Food hygiene"
    assert rows["Zoë Young"].qualifications == "First aid"
    assert rows["Dev Dunn"].qualifications == ""


# Next shift and hours -------------------------------------------------------------------------


def test_next_shift_is_the_earliest_place_still_held(world: World) -> None:
    assign(world, "ann", world.packer, friday(20), status=AssignmentStatus.ACCEPTED)
    assign(world, "ann", world.driver, friday(27), status=AssignmentStatus.ACCEPTED)
    assign(world, "ann", world.packer, friday(4, 12), status=AssignmentStatus.ACCEPTED)
    assign(world, "zoe", world.packer, friday(27), status=AssignmentStatus.DECLINED)
    assign(world, "zoe", world.packer, friday(4, 12), status=AssignmentStatus.TENTATIVE)
    assign(world, "dev", world.packer, friday(27), status=AssignmentStatus.WAITLISTED)

    rows = {row.name: row for row in world.directory.page(DirectoryQuery())}
    ann = rows["Ann Archer"]
    # The driver's shift starts an hour into the occurrence.
    assert ann.next_shift_at == friday(27, hour=11)
    assert (ann.next_shift_title, ann.next_shift_role) == ("Friday food bank", "Driver")
    assert rows["Zoë Young"].next_shift_at == friday(4, 12)
    assert rows["Dev Dunn"].next_shift_at is None
    assert rows["Dev Dunn"].next_shift_title == ""


def test_next_shift_follows_moved_and_skips_cancelled_occurrences(world: World) -> None:
    assign(world, "ann", world.packer, friday(27), status=AssignmentStatus.ACCEPTED)
    assign(world, "ann", world.packer, friday(4, 12), status=AssignmentStatus.ACCEPTED)
    assign(world, "zoe", world.packer, friday(4, 12), status=AssignmentStatus.ACCEPTED)
    event = world.services.events.get(world.event_id)
    event = world.services.events.change_occurrence(
        event.id, event.version, friday(27), status=EventStatus.CANCELLED
    )
    world.services.events.change_occurrence(
        event.id,
        event.version,
        friday(4, 12),
        starts_at=friday(5, 12),
        ends_at=friday(5, 12, hour=13),
        title="Saturday food bank",
    )
    rows = {row.name: row for row in world.directory.page(DirectoryQuery())}
    assert rows["Ann Archer"].next_shift_at == friday(5, 12)
    assert rows["Ann Archer"].next_shift_title == "Saturday food bank"
    assert rows["Zoë Young"].next_shift_at == friday(5, 12)


def test_hours_this_month_follow_the_documented_rule(world: World) -> None:
    attended = {"status": AssignmentStatus.ACCEPTED, "attendance": Attendance.ATTENDED}
    assign(world, "ann", world.packer, friday(6), hours=2.5, **attended)
    assign(
        world,
        "ann",
        world.packer,
        friday(13),
        actual_start=friday(13),
        actual_end=friday(13, hour=12),
        **attended,
    )
    assign(world, "ann", world.driver, friday(13), **attended)  # no times: scheduled 1.5
    assign(
        world,
        "ann",
        world.packer,
        friday(20),
        status=AssignmentStatus.ACCEPTED,
        attendance=Attendance.NO_SHOW,
    )
    assign(world, "ann", world.driver, friday(20), status=AssignmentStatus.DECLINED)
    assign(world, "ann", world.packer, friday(27), status=AssignmentStatus.ACCEPTED)  # 3 planned
    assign(world, "ann", world.driver, friday(27), status=AssignmentStatus.INVITED)  # 1.5 planned
    assign(world, "ann", world.packer, friday(4, 12), status=AssignmentStatus.ACCEPTED)  # December
    assign(world, "zoe", world.packer, friday(27), status=AssignmentStatus.ACCEPTED)
    event = world.services.events.get(world.event_id)
    world.services.events.change_occurrence(
        event.id, event.version, friday(27), status=EventStatus.CANCELLED
    )
    # Cancelled: Ann's planned Friday 27th no longer counts; Zoë's neither.
    rows = {row.name: row for row in world.directory.page(DirectoryQuery())}
    assert rows["Ann Archer"].hours_this_month == pytest.approx(2.5 + 2.0 + 1.5)
    assert rows["Zoë Young"].hours_this_month == 0


def test_planned_shifts_count_until_attendance_is_recorded(world: World) -> None:
    assign(world, "dev", world.packer, friday(27), status=AssignmentStatus.ACCEPTED)
    assign(world, "dev", world.driver, friday(27), status=AssignmentStatus.TENTATIVE)
    rows = {row.name: row for row in world.directory.page(DirectoryQuery())}
    assert rows["Dev Dunn"].hours_this_month == pytest.approx(3.0 + 1.5)
    december = DirectoryService(
        world.services.volunteers.db, "Sam", clock=lambda: NOW + timedelta(days=10), zone=LONDON
    )
    assert december.rows([world.people["dev"]])[0].hours_this_month == 0


# Sorting and paging ---------------------------------------------------------------------------


def order(world: World, sort: DirectorySort, *, descending: bool = False) -> list[str]:
    query = DirectoryQuery(sort=sort, descending=descending)
    return names(world.directory.page(query))


def test_sorting_by_each_column(world: World) -> None:
    assign(world, "zoe", world.packer, friday(27), status=AssignmentStatus.ACCEPTED)
    assign(world, "cara", world.packer, friday(4, 12), status=AssignmentStatus.ACCEPTED)
    assign(world, "cara", world.packer, friday(6), attendance=Attendance.ATTENDED, hours=4.0)
    assign(world, "dev", world.packer, friday(13), attendance=Attendance.ATTENDED, hours=1.0)

    assert order(world, DirectorySort.NAME, descending=True) == [
        "Zoë Young",
        "Dev Dunn",
        "Cara Cole",
        "Ann Archer",
    ]
    emails = DirectoryQuery(sort=DirectorySort.EMAIL, include_archived=True)
    # Bob has no email: last whichever way.
    assert names(world.directory.page(emails))[-1] == "Bob Baker"
    assert names(world.directory.page(replace(emails, descending=True)))[-1] == "Bob Baker"
    assert order(world, DirectorySort.EMAIL) == [
        "Ann Archer",
        "Cara Cole",
        "Dev Dunn",
        "Zoë Young",
    ]
    assert order(world, DirectorySort.NEXT_SHIFT) == [
        "Zoë Young",
        "Cara Cole",
        "Ann Archer",
        "Dev Dunn",
    ]
    assert order(world, DirectorySort.NEXT_SHIFT, descending=True)[:2] == [
        "Cara Cole",
        "Zoë Young",
    ]
    assert order(world, DirectorySort.HOURS, descending=True) == [
        "Cara Cole",
        "Zoë Young",
        "Dev Dunn",
        "Ann Archer",
    ]
    assert order(world, DirectorySort.JOINED) == [
        "Dev Dunn",
        "Ann Archer",
        "Zoë Young",
        "Cara Cole",
    ]
    # Ann's first aid expired, so she holds one current qualification, like Zoë.
    assert order(world, DirectorySort.QUALIFICATIONS, descending=True) == [
        "Ann Archer",
        "Zoë Young",
        "Cara Cole",
        "Dev Dunn",
    ]


@pytest.fixture
def demo(db: Database) -> DirectoryService:
    generate_demo(db, scale="small", seed=1, start=date(2026, 11, 23))
    return DirectoryService(db, "Sam", clock=lambda: NOW, zone=LONDON)


@pytest.mark.parametrize("sort", list(DirectorySort))
@pytest.mark.parametrize("descending", [False, True])
def test_pages_add_up_to_the_whole_ordered_list(
    demo: DirectoryService, sort: DirectorySort, descending: bool
) -> None:
    query = DirectoryQuery(sort=sort, descending=descending, include_archived=True)
    ordered = demo.ordered_ids(query)
    paged = [row.id for offset in range(0, 60, 7) for row in demo.page(query, offset, 7)]
    assert paged == ordered
    assert len(set(ordered)) == len(ordered) == demo.count(query)
    assert [row.id for row in demo.rows(ordered[5:12])] == ordered[5:12]


def test_the_demo_directory_looks_plausible(demo: DirectoryService) -> None:
    query = DirectoryQuery(sort=DirectorySort.NEXT_SHIFT)
    rows = demo.page(query, 0, 200)
    assert len(rows) == demo.count(query) >= 30
    upcoming = [row.next_shift_at for row in rows if row.next_shift_at is not None]
    assert upcoming == sorted(upcoming) and len(upcoming) > len(rows) // 2
    assert all(moment >= NOW - timedelta(hours=2) for moment in upcoming)
    assert any(row.hours_this_month > 0 for row in rows)
    by_hours = demo.page(DirectoryQuery(sort=DirectorySort.HOURS, descending=True), 0, 200)
    hours = [row.hours_this_month for row in by_hours]
    assert hours == sorted(hours, reverse=True)


def test_rows_keep_the_order_asked_and_skip_deleted_people(world: World) -> None:
    ids = [world.people["zoe"], world.people["ann"], VolunteerId(999)]
    assert names(world.directory.rows(ids)) == ["Zoë Young", "Ann Archer"]
    assert world.directory.rows([]) == []


def test_paging_past_the_end_is_empty(world: World) -> None:
    assert world.directory.page(DirectoryQuery(), 10, 100) == []
    assert names(world.directory.page(DirectoryQuery(), 1, 2)) == ["Cara Cole", "Dev Dunn"]


# Summary --------------------------------------------------------------------------------------


def test_summary_shows_what_a_side_panel_may_show(world: World) -> None:
    services, ann_id = world.services, world.people["ann"]
    ann = services.volunteers.get(ann_id)
    ann = services.volunteers.set_availability(
        ann.id, ann.version, [WeeklyWindow(4, time(9), time(14))]
    )
    ann = services.volunteers.set_blackouts(
        ann.id,
        ann.version,
        [
            Blackout(date(2026, 10, 1), date(2026, 10, 9), "Over"),
            Blackout(date(2026, 12, 20), date(2027, 1, 2), "Family visit"),
        ],
    )
    services.volunteers.record_consent(ann.id, ann.version, "Photos", date(2025, 5, 1))
    assign(world, "ann", world.packer, friday(27), status=AssignmentStatus.ACCEPTED)

    summary = world.directory.summary(ann_id)
    assert summary is not None
    assert summary.name == "Ann Archer"
    assert [q.name for q in summary.qualifications] == ["First aid", "Food hygiene"]
    assert [q.expired for q in summary.qualifications] == [True, False]
    assert summary.availability == (WeeklyWindow(4, time(9), time(14)),)
    assert [b.reason for b in summary.blackouts] == ["Family visit"]
    assert [c.covers for c in summary.consents] == ["Photos"]
    assert [(s.starts_at, s.role) for s in summary.upcoming] == [(friday(27), "Packer")]
    assert summary.hours_this_month == 3.0
    assert world.directory.summary(999) is None


def test_nothing_sensitive_ever_leaves_the_directory(world: World) -> None:
    rows = world.directory.page(DirectoryQuery(include_archived=True))
    summaries = [world.directory.summary(row.id) for row in rows]
    shown = repr(rows) + repr(summaries) + repr([astuple(row) for row in rows])
    assert SECRET_PHONE not in shown
    assert "Prefers mornings" not in shown


def test_fold_matches_what_people_type() -> None:
    assert fold("Zoë ÅSE") == "zoe ase"
    assert fold("Straße") == "strasse"
    assert fold(None) is None
