"""Cover finder and waitlist: who is suggested first, asking, answers and promotion."""

from __future__ import annotations

from datetime import time

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
    promoted = org.services.cover.drop_out(placed, version)
    assert promoted == second
    assert org.services.assignments.get(placed).status is AssignmentStatus.CANCELLED
    assert org.services.assignments.get(second).status is AssignmentStatus.ACCEPTED
    assert org.services.cover.waitlist(*walk) == [(first, "Ben Okafor")]
    with pytest.raises(ConflictError):
        org.services.cover.drop_out(placed, version)
