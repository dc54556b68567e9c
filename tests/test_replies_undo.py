"""Recording calendar replies is one undoable step: undo puts statuses back, redo re-records."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QSettings, Qt
from PySide6.QtWidgets import QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from organizer.changes import DataChange
from organizer.errors import ConflictError
from organizer.ics.replies import (
    ReplyOutcome,
    apply_replies,
    match_replies,
    replies_from_bytes,
    set_statuses,
    undo_steps,
)
from organizer.models import AssignmentStatus
from organizer.services import (
    AssignmentDraft,
    CauseDraft,
    EventDraft,
    Services,
    ShiftDraft,
    VolunteerDraft,
)
from organizer.services.journal import ChangeLogService
from organizer.storage import Database
from organizer.ui.calendars_io.replies_dialog import RepliesDialog
from organizer.ui.context import ViewContext
from tests.ics_helpers import reply_bytes as ics_reply
from tests.ui_helpers import view_context

LONDON = "Europe/London"
NOW = datetime(2030, 3, 4, 9, 0, tzinfo=UTC)


def at(day: int, hour: int) -> datetime:
    return datetime(2030, 3, day, hour, tzinfo=ZoneInfo(LONDON)).astimezone(UTC)


@dataclass
class Roster:
    """A weekly circle's greeters: Ann (proposed) and Ben (tentative), both invited by email."""

    services: Services
    ann: int
    ben: int
    uids: dict[str, str]


@pytest.fixture
def roster(db: Database) -> Roster:
    services = Services.for_database(db, "Tester")
    cause = services.causes.create(CauseDraft("Peer support"))
    circle = services.events.create(
        EventDraft("Weekly circle", at(5, 18), at(5, 20), LONDON, cause_id=cause.id)
    )
    greeter = services.shifts.create(ShiftDraft(circle.id, "Greeter", needed=2))
    ids = {}
    uids = {}
    for key, status in (("ann", AssignmentStatus.PROPOSED), ("ben", AssignmentStatus.TENTATIVE)):
        person = services.volunteers.create(
            VolunteerDraft(
                f"{key.capitalize()} Lee", date(2029, 1, 1), LONDON, email=f"{key}@example.net"
            )
        )
        made = services.assignments.create(
            AssignmentDraft(greeter.id, person.id, at(5, 18), status=status)
        )
        ids[key], uids[key] = made.id, made.uid
    return Roster(services, ids["ann"], ids["ben"], uids)


def reply_bytes(uid: str, email: str, answer: str) -> bytes:
    return ics_reply(uid, email, answer, NOW)


def answers(roster: Roster) -> list[tuple[str, bytes]]:
    """Ann accepts, Ben declines."""
    return [
        ("ann.ics", reply_bytes(roster.uids["ann"], "ann@example.net", "ACCEPTED")),
        ("ben.ics", reply_bytes(roster.uids["ben"], "ben@example.net", "DECLINED")),
    ]


def state(roster: Roster) -> dict[str, tuple[AssignmentStatus, int]]:
    """Each greeter's status and version, as stored."""
    found = {}
    for key, assignment_id in (("ann", roster.ann), ("ben", roster.ben)):
        row = roster.services.assignments.get(assignment_id)
        found[key] = (row.status, row.version)
    return found


# The service ---------------------------------------------------------------------------------


def test_applied_answers_carry_what_undo_needs_and_undo_then_redo_restore_exactly(
    db: Database, roster: Roster
) -> None:
    before = state(roster)
    previews = [p for name, data in answers(roster) for p in replies_from_bytes(data, name)]

    results = apply_replies(db, previews, "Tester")

    after = state(roster)
    assert after == {
        "ann": (AssignmentStatus.ACCEPTED, before["ann"][1] + 1),
        "ben": (AssignmentStatus.DECLINED, before["ben"][1] + 1),
    }
    assert [r.outcome for r in results] == [ReplyOutcome.APPLIED, ReplyOutcome.APPLIED]
    assert [(r.previous_status, r.applied_version) for r in results] == [
        (AssignmentStatus.PROPOSED, after["ann"][1]),
        (AssignmentStatus.TENTATIVE, after["ben"][1]),
    ]

    redo = set_statuses(db, undo_steps(results), "Tester")
    undone = state(roster)
    assert {key: status for key, (status, _) in undone.items()} == {
        key: status for key, (status, _) in before.items()
    }
    assert all(undone[key][1] == after[key][1] + 1 for key in undone)

    set_statuses(db, redo, "Tester")
    redone = state(roster)
    assert redone["ann"][0] == AssignmentStatus.ACCEPTED
    assert redone["ben"][0] == AssignmentStatus.DECLINED


def test_answers_that_changed_nothing_give_nothing_to_undo(db: Database, roster: Roster) -> None:
    roster.services.roster.set_status(
        roster.ann, state(roster)["ann"][1], AssignmentStatus.ACCEPTED
    )
    previews = [p for name, data in answers(roster) for p in replies_from_bytes(data, name)]
    matched = apply_replies(db, previews[:1], "Tester")  # Ann had already accepted
    assert [r.outcome for r in matched] == [ReplyOutcome.UNCHANGED]
    assert undo_steps(matched) == []


def test_undo_after_someone_else_changed_an_answer_is_refused_and_changes_nothing(
    db: Database, roster: Roster
) -> None:
    previews = [p for name, data in answers(roster) for p in replies_from_bytes(data, name)]
    results = apply_replies(db, previews, "Tester")
    other = Services.for_database(db, "Dana")
    other.roster.set_status(roster.ben, state(roster)["ben"][1], AssignmentStatus.CANCELLED)
    before_undo = state(roster)

    with pytest.raises(ConflictError) as refused:
        set_statuses(db, undo_steps(results), "Tester")

    assert "Dana changed this assignment" in refused.value.message
    assert state(roster) == before_undo


def test_an_answer_refused_at_recording_is_left_alone_and_not_undone(
    db: Database, roster: Roster
) -> None:
    previews = [p for name, data in answers(roster) for p in replies_from_bytes(data, name)]
    looked_at = match_replies(db, previews)
    other = Services.for_database(db, "Dana")
    other.roster.set_status(roster.ben, state(roster)["ben"][1], AssignmentStatus.CANCELLED)
    ben_meanwhile = state(roster)["ben"]

    results = apply_replies(db, looked_at, "Tester")

    assert [r.outcome for r in results] == [ReplyOutcome.APPLIED, ReplyOutcome.NOT_APPLIED]
    assert results[1].applied_version is None
    assert state(roster)["ben"] == ben_meanwhile
    set_statuses(db, undo_steps(results), "Tester")
    assert state(roster)["ann"][0] == AssignmentStatus.PROPOSED
    assert state(roster)["ben"] == ben_meanwhile


def test_statuses_are_set_in_one_transaction_so_a_refusal_halfway_changes_nothing(
    db: Database, roster: Roster
) -> None:
    before = state(roster)
    log = ChangeLogService(db, "Tester")
    log_before = log.latest_seq()
    stale = before["ben"][1] - 1  # someone saved Ben since this version was seen

    with pytest.raises(ConflictError):
        roster.services.roster.set_statuses(
            [
                (roster.ann, before["ann"][1], AssignmentStatus.ACCEPTED),
                (roster.ben, stale, AssignmentStatus.DECLINED),
            ]
        )

    assert state(roster) == before  # Ann's change, made first, was rolled back
    assert log.latest_seq() == log_before


# The dialog ----------------------------------------------------------------------------------


@pytest.fixture
def context(db: Database, roster: Roster) -> Iterator[ViewContext]:
    made = view_context(roster.services)
    yield made
    made.worker.wait()


def record_in_dialog(
    qtbot: QtBot,
    context: ViewContext,
    roster: Roster,
    tmp_path: Path,
    parent: QWidget | None = None,
) -> RepliesDialog:
    """Open the dialog, read Ann's and Ben's replies and record them with the button."""
    paths = []
    for name, data in answers(roster):
        path = tmp_path / name
        path.write_bytes(data)
        paths.append(path)
    dialog = RepliesDialog(
        context, parent, settings=QSettings(str(tmp_path / "o.ini"), QSettings.Format.IniFormat)
    )
    if parent is None:
        qtbot.addWidget(dialog)
    dialog.show()
    with qtbot.waitSignal(dialog.read):
        dialog.add_files(paths)
    assert dialog.summary.text() == "2 answers can be recorded."
    with qtbot.waitSignal(dialog.recorded):
        qtbot.mouseClick(dialog.record_button, Qt.MouseButton.LeftButton)
    assert dialog.summary.text() == "2 answers recorded."
    return dialog


def test_recorded_answers_are_one_step_that_undo_takes_back_and_redo_records_again(
    qtbot: QtBot, context: ViewContext, roster: Roster, tmp_path: Path
) -> None:
    before = state(roster)
    changes: list[DataChange] = []
    context.hub.changed.connect(changes.append)

    record_in_dialog(qtbot, context, roster, tmp_path)

    stack = context.undo_stack
    assert stack.count() == 1
    assert stack.undoText() == "Record 2 answers from calendar replies"
    assert {key: status for key, (status, _) in state(roster).items()} == {
        "ann": AssignmentStatus.ACCEPTED,
        "ben": AssignmentStatus.DECLINED,
    }
    assert len(changes) == 1
    assert changes[0].ids == {"assignment": frozenset({roster.ann, roster.ben})}

    stack.undo()
    assert {key: status for key, (status, _) in state(roster).items()} == {
        key: status for key, (status, _) in before.items()
    }
    assert len(changes) == 2 and changes[1].touches("assignment")

    stack.redo()
    assert {key: status for key, (status, _) in state(roster).items()} == {
        "ann": AssignmentStatus.ACCEPTED,
        "ben": AssignmentStatus.DECLINED,
    }
    assert len(changes) == 3
    assert stack.canUndo() and stack.index() == 1


def test_undo_after_someone_else_changed_an_answer_says_so_and_changes_nothing(
    qtbot: QtBot, context: ViewContext, db: Database, roster: Roster, tmp_path: Path
) -> None:
    dialog = record_in_dialog(qtbot, context, roster, tmp_path)
    other = Services.for_database(db, "Dana")
    other.roster.set_status(roster.ann, state(roster)["ann"][1], AssignmentStatus.CANCELLED)
    before_undo = state(roster)

    with qtbot.waitSignal(dialog.undo_problem) as problem:
        context.undo_stack.undo()

    message = problem.args[0] if problem.args else ""
    assert message.startswith("Could not undo Record 2 answers from calendar replies: Dana ")
    assert message.endswith("Undoing it would overwrite their change, so nothing was changed.")
    assert dialog.banner.isVisible()
    assert state(roster) == before_undo
    assert not context.undo_stack.canRedo()  # the step that no longer fits is dropped


def test_undo_refused_after_the_dialog_closed_is_explained_on_the_window(
    qtbot: QtBot, context: ViewContext, db: Database, roster: Roster, tmp_path: Path
) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    dialog = record_in_dialog(qtbot, context, roster, tmp_path, parent=window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.close()
    QCoreApplication.sendPostedEvents(dialog, QEvent.Type.DeferredDelete)
    assert not shiboken6.isValid(dialog)
    other = Services.for_database(db, "Dana")
    other.roster.set_status(roster.ben, state(roster)["ben"][1], AssignmentStatus.CANCELLED)
    before_undo = state(roster)

    context.undo_stack.undo()

    boxes = window.findChildren(QMessageBox)
    told = [box.text() for box in boxes if "Dana changed this assignment" in box.text()]
    assert len(told) == 1 and told[0].startswith("Could not undo Record")
    assert state(roster) == before_undo
