"""Auto-fill: never a blocking conflict, always the most places filled, fair, and undoable."""

from __future__ import annotations

import copy
from datetime import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from organizer.cli import main
from organizer.errors import OperationCancelledError
from organizer.models import AssignmentStatus, ChangeLogEntry
from organizer.scheduling.autofill import plan_world
from organizer.scheduling.conflicts import Booking, SlotFacts, World
from organizer.services import CauseDraft, Services, WeeklyWindow
from organizer.storage import Database
from tests.scheduling_helpers import Instance, Org, at, brute_findings, instances


@pytest.fixture
def org(db: Database) -> Org:
    services = Services.for_database(db, "Tester")
    made = Org(services)
    made.cause = services.causes.create(CauseDraft(name="Food bank")).id
    return made


# The proof on random small instances ---------------------------------------------------------


def _with(world: World, placed: list[tuple[int, SlotFacts]]) -> World:
    """A copy of ``world`` with the placements booked (ids -1, -2, ...)."""
    final = copy.deepcopy(world)
    for number, (vid, slot) in enumerate(placed, start=1):
        final.add_booking(Booking(-number, vid, slot, slot.hours))
    return final


def _valid(world: World, placed: list[tuple[int, SlotFacts]]) -> bool:
    final = _with(world, placed)
    return all(
        not any(blocking for (_, blocking) in brute_findings(final, vid, slot, exclude=-n))
        for n, (vid, slot) in enumerate(placed, start=1)
    )


def _optimum(instance: Instance) -> int:
    """The most placements any valid set has, by branch and bound over every choice."""
    world = instance.world
    slots = instance.slots
    opening = [s.needed - len(world.holders.get(s.key, [])) for s in slots]
    eligible = [
        [
            vid
            for vid in world.people
            if all(v != vid for _, v in world.holders.get(slot.key, []))
            and not any(b for (_, b) in brute_findings(world, vid, slot))
        ]
        for slot in slots
    ]
    caps = [max(min(o, len(e)), 0) for o, e in zip(opening, eligible, strict=True)]
    best = 0

    def search(index: int, placed: list[tuple[int, SlotFacts]]) -> None:
        nonlocal best
        best = max(best, len(placed))
        if index == len(slots) or len(placed) + sum(caps[index:]) <= best:
            return
        slot = slots[index]

        def choose(start: int, chosen: list[int]) -> None:
            trial = placed + [(vid, slot) for vid in chosen]
            if chosen and not _valid(world, trial):
                return
            search(index + 1, trial)
            if len(chosen) < caps[index]:
                for k in range(start, len(eligible[index])):
                    choose(k + 1, [*chosen, eligible[index][k]])

        choose(0, [])

    search(0, [])
    return best


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_autofill_is_conflict_free_and_optimal(instance: Instance) -> None:
    world = instance.world
    plan = plan_world(world, instance.slots, time_limit=10)
    placed = [(pair.volunteer_id, pair.slot) for pair in plan.chosen]
    # Never a blocking finding, re-checked with the engine and the brute force, all together.
    final = _with(world, placed)
    for number, (vid, slot) in enumerate(placed, start=1):
        assert not [f for f in final.findings(vid, slot, exclude=-number) if f.blocking]
        assert not [k for k, b in brute_findings(final, vid, slot, exclude=-number) if b]
    for i, (vid, slot) in enumerate(placed):
        for other_vid, other in placed[i + 1 :]:
            if vid == other_vid:
                assert not (slot.starts_at < other.ends_at and other.starts_at < slot.ends_at)
                assert slot.key != other.key
    # As many places as any valid choice could fill.
    assert len(placed) == _optimum(instance)


# Through the database ----------------------------------------------------------------------


def test_propose_apply_and_undo(org: Org, db: Database) -> None:
    walk = org.shift("Walk", "Leader", at(0, 10), 60, needed=1)
    sort = org.shift("Food bank", "Sorter", at(0, 10, 30), 60, needed=2)
    ana = org.volunteer("Ana Silva", windows=[WeeklyWindow(0, time(9), time(13))])
    ben = org.volunteer("Ben Okafor")
    busy = org.volunteer("Cai Jones")
    for day in (1, 2, 3):
        org.put(org.shift("Calls", "Caller", at(day, 10), 240), busy)
    proposal = org.services.autofill.propose(at(0, 0), at(1, 0))
    assert proposal.open_places == 3
    assert len(proposal.placements) == 3
    assert proposal.unfilled == ()
    by_person = {p.volunteer_name: p for p in proposal.placements}
    assert set(by_person) == {"Ana Silva", "Ben Okafor", "Cai Jones"}
    assert by_person["Ana Silva"].reason.startswith("Available Monday mornings")
    ids = org.services.autofill.apply(proposal)
    assert len(ids) == 3
    made = [org.services.assignments.get(i) for i in ids]
    assert {a.status for a in made} == {AssignmentStatus.PROPOSED}
    with db.read() as session:
        logged = session.query(ChangeLogEntry).filter(ChangeLogEntry.summary.like("Auto-fill%"))
        assert logged.count() == 4
    # Applying the same proposal again: every placement is now a clash and is skipped.
    report = org.services.autofill.apply_report(proposal)
    assert report.assignment_ids == ()
    assert len(report.skipped) == 3
    # Undo leaves a changed assignment alone.
    changed = org.services.roster.set_status(made[0].id, made[0].version, AssignmentStatus.INVITED)
    assert org.services.autofill.undo(ids) == 2
    assert [a.id for a in org.services.assignments.for_shift(changed.shift_id)] == [changed.id]
    del ana, ben, walk, sort


def test_fairness_prefers_the_less_busy_volunteer(org: Org) -> None:
    walk = org.shift("Walk", "Leader", at(3, 10), 60, needed=1)
    busy = org.volunteer("Busy Bee")
    free = org.volunteer("Free Bird")
    for day in (0, 1):
        org.put(org.shift("Calls", "Caller", at(day, 10), 300), busy)
    proposal = org.services.autofill.propose(at(3, 0), at(4, 0))
    (placement,) = proposal.placements
    assert (placement.shift_id, placement.volunteer_id) == (walk[0], free)
    assert "fewest hours nearby (0\u00a0h)" in placement.reason


def test_unfilled_places_say_why(org: Org) -> None:
    aid = org.qualification("First aid")
    org.shift("Walk", "Leader", at(0, 10), 60, qualification=aid)
    org.volunteer("Ana Silva")
    proposal = org.services.autofill.propose(at(0, 0), at(1, 0))
    assert proposal.placements == ()
    ((_, _, left, why),) = proposal.unfilled
    assert (left, why) == (1, "Nobody free holds “First aid”.")


def test_cancel_changes_nothing(org: Org) -> None:
    org.shift("Walk", "Leader", at(0, 10), 60)
    org.volunteer("Ana Silva")
    with pytest.raises(OperationCancelledError):
        org.services.autofill.propose(at(0, 0), at(1, 0), cancel=lambda: True)


def test_autofill_command(org: Org, db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    org.shift("Walk", "Leader", at(0, 10), 60)
    org.volunteer("Ana Silva")
    week = ["--db", str(db_path), "--from", "2026-11-23", "--to", "2026-11-30"]
    assert main(["autofill", *week]) == 0
    out = capsys.readouterr().out
    assert "1 open places, 1 filled" in out
    assert "Walk – Leader: Ana Silva (Availability not given" in out
    assert "Nothing was changed" in out
    assert main(["autofill", *week, "--apply"]) == 0
    assert "Created 1 proposed assignments." in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["autofill", "--db", str(db_path), "--from", "2026-11-30", "--to", "x"])
    assert "not a real date" in capsys.readouterr().err
