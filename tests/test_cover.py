"""Cover finder and waitlist: who is suggested first, asking, answers and promotion."""

from __future__ import annotations

from datetime import datetime, time

import pytest

from organizer.errors import ConflictError, DomainError, ValidationError
from organizer.models import AssignmentStatus
from organizer.services import CauseDraft, Services, WeeklyWindow
from organizer.storage import Database
from tests.scheduling_helpers import Org, at


@pytest.fixture
def org(db: Database) -> Org:
    services = Services.for_database(db, "Tester")
    made = Org(services)
    made.cause = services.causes.create(CauseDraft(name="Food bank")).id
    return made


def test_candidates_rank_available_experienced_and_rested_first(org: Org) -> None:
    walk = org.shift("Walk", "Leader", at(7, 10), 60, needed=2)
    veteran = org.volunteer("Vera Veteran", windows=[WeeklyWindow(0, time(9), time(12))])
    org.put(org.shift("Walk", "Leader", at(-14, 10), 60), veteran)
    unknown = org.volunteer("Uma Unknown")
    tired = org.volunteer("Tom Tired")
    for day in (1, 2, 3):
        org.put(org.shift("Calls", "Caller", at(day, 10), 180), tired)
    elsewhere = org.volunteer("Otto Outside", windows=[WeeklyWindow(5, time(9), time(12))])
    clashing = org.volunteer("Cleo Clash")
    org.put(org.shift("Food bank", "Packer", at(7, 9), 180), clashing)
    found = org.services.cover.candidates(*walk)
    assert [c.volunteer_id for c in found] == [veteran, unknown, tired, elsewhere]
    first = found[0]
    assert first.reasons == (
        "usually free then",
        "1 shift (1\u00a0h) in the last 30 days",
        "has been Leader before",
    )
    assert found[-1].findings[0].kind == "outside_availability"
    assert all(not f.blocking for c in found for f in c.findings)
    assert found[0].asked is None
    org.put(walk, unknown)
    org.put(walk, tired)
    full = org.services.cover.candidates(*walk)
    assert [c.volunteer_id for c in full] == [veteran, elsewhere]
    assert [f.kind for f in full[0].findings] == ["role_full"]


def test_recent_shifts_count_from_the_month_before(org: Org) -> None:
    """Thursday 3 December: a shift on 13 November is within the last 30 days."""
    walk = org.shift("Walk", "Leader", at(10, 10), 60)
    busy = org.volunteer("Bea Busy")
    org.put(org.shift("Calls", "Caller", at(-10, 10), 120), busy)
    (found,) = org.services.cover.candidates(*walk)
    assert found.volunteer_id == busy
    assert "1 shift (2\u00a0h) in the last 30 days" in found.reasons


def test_a_candidates_month_so_far_counts_once(org: Org) -> None:
    """Fay's month is read in full for her limit, and her recent shifts with everyone's:
    the shift she did this week counts once, so 4 h of her 5 h leave room for a 1 h walk."""
    walk = org.shift("Walk", "Leader", at(3, 10), 60)
    fay = org.volunteer("Fay Hill", max_hours_per_month=5.0)
    org.put(org.shift("Calls", "Caller", at(1, 10), 240), fay)
    others = [org.volunteer(name) for name in ("Gus Reid", "Hal Ames", "Ivy Lowe")]
    found = org.services.cover.candidates(*walk)
    assert {c.volunteer_id for c in found} == {fay, *others}
    assert (
        "1 shift (4\u00a0h) in the last 30 days"
        in next(c for c in found if c.volunteer_id == fay).reasons
    )


def test_asking_and_answers(org: Org) -> None:
    walk = org.shift("Walk", "Leader", at(7, 10), 60, needed=1)
    ana = org.volunteer("Ana Silva")
    ben = org.volunteer("Ben Okafor")
    asked = org.services.cover.ask(*walk, ben, note="  by phone ")
    (request,) = org.services.cover.requests(*walk)
    assert (request.id, request.name, request.answer, request.note) == (
        asked,
        "Ben Okafor",
        "pending",
        "by phone",
    )
    with pytest.raises(ValidationError):
        org.services.cover.record_answer(asked, "maybe", request.version)
    org.services.cover.record_answer(asked, "no", request.version)
    with pytest.raises(ConflictError):
        org.services.cover.record_answer(asked, "yes", request.version)
    ranked = org.services.cover.candidates(*walk)
    assert [(c.volunteer_id, c.asked) for c in ranked] == [(ana, None), (ben, "no")]
    again = org.services.cover.ask(*walk, ana)
    (_, second) = org.services.cover.requests(*walk)
    org.services.cover.record_answer(again, "yes", second.version)
    (placed,) = org.services.assignments.for_shift(*walk)
    assert (placed.volunteer_id, placed.status) == (ana, AssignmentStatus.ACCEPTED)
    # A "yes" from someone the engine blocks is refused and nothing changes.
    late = org.services.cover.ask(*walk, ben)
    (*_, third) = org.services.cover.requests(*walk)
    with pytest.raises(DomainError, match="already has the 1 volunteer it needs"):
        org.services.cover.record_answer(late, "yes", third.version)
    assert org.services.cover.requests(*walk)[-1].answer == "pending"


def test_drop_out_promotes_the_first_waitlisted_who_can_come(org: Org) -> None:
    walk = org.shift("Walk", "Leader", at(7, 10), 60, needed=1)
    ana, ben, cai = (org.volunteer(n) for n in ("Ana Silva", "Ben Okafor", "Cai Jones"))
    placed = org.put(walk, ana)
    first = org.put(walk, ben, AssignmentStatus.WAITLISTED)
    second = org.put(walk, cai, AssignmentStatus.WAITLISTED)
    assert org.services.cover.waitlist(*walk) == [(first, "Ben Okafor"), (second, "Cai Jones")]
    org.put(org.shift("Food bank", "Packer", at(7, 9), 180), ben)  # Ben is now busy then
    version = org.services.assignments.get(placed).version
    dropped = org.services.cover.drop_out(placed, version)
    assert dropped.promoted_id == second
    assert org.services.assignments.get(placed).status is AssignmentStatus.CANCELLED
    assert org.services.assignments.get(second).status is AssignmentStatus.ACCEPTED
    assert org.services.cover.waitlist(*walk) == [(first, "Ben Okafor")]
    with pytest.raises(ConflictError):
        org.services.cover.drop_out(placed, version)


def statuses(org: Org, slot: tuple[int, datetime]) -> dict[int, AssignmentStatus]:
    return {a.volunteer_id: a.status for a in org.services.assignments.for_shift(*slot)}


def test_an_ask_can_be_taken_back_until_it_is_answered(org: Org) -> None:
    walk = org.shift("Walk", "Leader", at(7, 10), 60, needed=1)
    ana, ben = org.volunteer("Ana Silva"), org.volunteer("Ben Okafor")
    asked = org.services.cover.ask(*walk, ana)
    org.services.cover.withdraw_ask(asked)
    assert org.services.cover.requests(*walk) == []
    answered = org.services.cover.ask(*walk, ben)
    (request,) = org.services.cover.requests(*walk)
    org.services.cover.record_answer(answered, "no", request.version)
    with pytest.raises(DomainError, match="answered since"):
        org.services.cover.withdraw_ask(answered)
    assert [r.answer for r in org.services.cover.requests(*walk)] == ["no"]


def test_taking_back_a_yes_removes_the_place_it_made(org: Org) -> None:
    walk = org.shift("Walk", "Leader", at(7, 10), 60, needed=1)
    ana = org.volunteer("Ana Silva")
    asked = org.services.cover.ask(*walk, ana)
    (request,) = org.services.cover.requests(*walk)
    recorded = org.services.cover.record_answer(asked, "yes", request.version)
    assert statuses(org, walk) == {ana: AssignmentStatus.ACCEPTED}
    version = org.services.cover.take_back_answer(recorded)
    assert statuses(org, walk) == {}
    (request,) = org.services.cover.requests(*walk)
    assert (request.answer, request.answered_at, request.version) == ("pending", None, version)
    # Redone, then someone else changes the place: taking the answer back is refused whole.
    again = org.services.cover.record_answer(asked, "yes", version)
    assert again.assignment_id is not None and again.assignment_version is not None
    org.services.roster.set_status(
        again.assignment_id, again.assignment_version, AssignmentStatus.TENTATIVE
    )
    with pytest.raises(ConflictError):
        org.services.cover.take_back_answer(again)
    assert statuses(org, walk) == {ana: AssignmentStatus.TENTATIVE}
    assert org.services.cover.requests(*walk)[0].answer == "yes"


def test_taking_back_a_yes_puts_a_waitlisted_person_back_on_the_list(org: Org) -> None:
    walk = org.shift("Walk", "Leader", at(7, 10), 60, needed=1)
    ana = org.volunteer("Ana Silva")
    org.put(walk, ana, AssignmentStatus.WAITLISTED)
    asked = org.services.cover.ask(*walk, ana)
    (request,) = org.services.cover.requests(*walk)
    recorded = org.services.cover.record_answer(asked, "yes", request.version)
    assert recorded.previous_status is AssignmentStatus.WAITLISTED
    assert statuses(org, walk) == {ana: AssignmentStatus.ACCEPTED}
    org.services.cover.take_back_answer(recorded)
    assert statuses(org, walk) == {ana: AssignmentStatus.WAITLISTED}


def test_a_drop_out_can_be_taken_back(org: Org) -> None:
    walk = org.shift("Walk", "Leader", at(7, 10), 60, needed=1)
    ana, ben = org.volunteer("Ana Silva"), org.volunteer("Ben Okafor")
    placed = org.put(walk, ana, AssignmentStatus.INVITED)
    waiting = org.put(walk, ben, AssignmentStatus.WAITLISTED)
    version = org.services.assignments.get(placed).version
    dropped = org.services.cover.drop_out(placed, version)
    assert statuses(org, walk) == {
        ana: AssignmentStatus.CANCELLED,
        ben: AssignmentStatus.ACCEPTED,
    }
    version = org.services.cover.undo_drop_out(dropped)
    assert statuses(org, walk) == {ana: AssignmentStatus.INVITED, ben: AssignmentStatus.WAITLISTED}
    assert org.services.cover.waitlist(*walk) == [(waiting, "Ben Okafor")]
    # Redone; then Ben's promoted place changes elsewhere, so it cannot be taken back.
    again = org.services.cover.drop_out(placed, version)
    assert again.promoted_version is not None
    org.services.roster.set_status(waiting, again.promoted_version, AssignmentStatus.TENTATIVE)
    with pytest.raises(ConflictError):
        org.services.cover.undo_drop_out(again)
    assert statuses(org, walk) == {
        ana: AssignmentStatus.CANCELLED,
        ben: AssignmentStatus.TENTATIVE,
    }


def test_a_withdrawn_ask_comes_back_as_it_was(org: Org) -> None:
    walk = org.shift("Walk", "Leader", at(7, 10), 60, needed=1)
    ana, ben = org.volunteer("Ana Silva"), org.volunteer("Ben Okafor")
    asked = org.services.cover.ask(*walk, ana, note="by phone")
    (before,) = org.services.cover.requests(*walk)
    kept = org.services.cover.withdraw_ask(asked)
    assert org.services.cover.restore_ask(kept) == asked
    assert org.services.cover.requests(*walk) == [before]  # id, time, note and version
    org.services.cover.record_answer(asked, "no", before.version)  # later steps still apply
    # If the id has gone to another ask meanwhile, it cannot come back, and says so.
    kept = org.services.cover.withdraw_ask(org.services.cover.ask(*walk, ben))
    org.services.cover.ask(*walk, ana)
    with pytest.raises(DomainError, match="Ask again from the cover finder"):
        org.services.cover.restore_ask(kept)
    assert [r.volunteer_id for r in org.services.cover.requests(*walk)] == [ana, ana]
