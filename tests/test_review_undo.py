"""Undoing and redoing "Looks fine" and "Flag N more" on flagged sign-ups."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from organizer.errors import ConflictError, DomainError
from organizer.models import ChangeLogEntry, Volunteer
from organizer.people.duplicates import REVIEW_UNDONE_ACTION, REVIEWED_ACTION, DuplicateService
from organizer.services import Services, VolunteerDraft
from organizer.storage import Database
from organizer.ui.context import ViewContext
from organizer.ui.people.duplicates_view import FlaggedDialog
from tests.ui_helpers import view_context

ACTOR = "Tester"
BOTS = ("KeithMof", "UbvpwcMergo", "Montanawvf")
JOINED = date(2026, 11, 2)


@pytest.fixture
def people(db: Database) -> dict[str, int]:
    """Three bot-looking sign-ups and one real person; their ids by name."""
    volunteers = Services.for_database(db, ACTOR).volunteers
    ids: dict[str, int] = {
        name: volunteers.create(VolunteerDraft(name=name, joined_on=JOINED)).id for name in BOTS
    }
    real = VolunteerDraft(name="Alice Smith", joined_on=JOINED, email="alice@example.org")
    ids["Alice Smith"] = volunteers.create(real).id
    return ids


def reasons(db: Database) -> dict[str, str]:
    """Each person's stored review flag, by name."""
    with db.read() as session:
        return dict(session.execute(select(Volunteer.name, Volunteer.review_reason)).all())


def version_of(db: Database, volunteer_id: int) -> int:
    with db.read() as session:
        return session.scalars(select(Volunteer.version).where(Volunteer.id == volunteer_id)).one()


def log_size(db: Database) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(ChangeLogEntry)) or 0


def rename(db: Database, volunteer_id: int, name: str) -> None:
    """Another coordinator edits the person meanwhile."""
    volunteers = Services.for_database(db, "Someone else").volunteers
    row = volunteers.get(volunteer_id)
    draft = VolunteerDraft(name=name, joined_on=row.joined_on, email=row.email)
    volunteers.update(volunteer_id, row.version, draft)


# The service ----------------------------------------------------------------------------------


def test_clearing_a_flag_says_what_undo_needs_and_restoring_puts_it_back(
    db: Database, people: dict[str, int]
) -> None:
    service = DuplicateService(db, ACTOR)
    flags = {flag.name: flag for flag in service.flag_spam()}
    keith = flags["KeithMof"]
    assert keith.version == version_of(db, keith.volunteer_id)
    reason = reasons(db)["KeithMof"]

    cleared = service.clear_review(keith.volunteer_id, keith.version)
    assert (cleared.volunteer_id, cleared.reason) == (keith.volunteer_id, reason)
    assert cleared.version == version_of(db, keith.volunteer_id)
    assert reasons(db)["KeithMof"] == ""

    version = service.restore_review(cleared.volunteer_id, cleared.version, cleared.reason)
    assert version == version_of(db, keith.volunteer_id)
    assert reasons(db)["KeithMof"] == reason
    # Redo: clearing again from the version the undo left.
    again = service.clear_review(keith.volunteer_id, version)
    assert again.reason == reason and reasons(db)["KeithMof"] == ""


def test_after_undoing_looks_fine_the_automatic_check_may_flag_the_person_again(
    db: Database, people: dict[str, int]
) -> None:
    service = DuplicateService(db, ACTOR)
    flags = service.flag_spam()
    keith = next(flag for flag in flags if flag.name == "KeithMof")
    cleared = service.clear_review(keith.volunteer_id, keith.version)
    assert "KeithMof" not in {flag.name for flag in service.spam_candidates()}

    # Undo "Looks fine", then undo "Flag N more": Keith is an ordinary unchecked sign-up.
    version = service.restore_review(keith.volunteer_id, cleared.version, cleared.reason)
    flags = [replace(f, version=version) if f.name == "KeithMof" else f for f in flags]
    service.unflag_spam(flags)
    assert {flag.name for flag in service.spam_candidates()} == set(BOTS)
    assert {flag.name for flag in service.flag_spam()} == set(BOTS)

    # The audit trail keeps the clearing and says it was taken back.
    with db.read() as session:
        actions = session.scalars(
            select(ChangeLogEntry.action)
            .where(ChangeLogEntry.entity_id == keith.volunteer_id)
            .order_by(ChangeLogEntry.seq)
        ).all()
    assert actions == [
        "create",
        "update",  # flagged
        REVIEWED_ACTION,  # "Looks fine"
        REVIEW_UNDONE_ACTION,  # ...undone
        "update",  # "Flag N more" undone
        "update",  # flagged again
    ]


def test_clearing_again_after_an_undo_stops_flagging_for_good(
    db: Database, people: dict[str, int]
) -> None:
    service = DuplicateService(db, ACTOR)
    keith = next(flag for flag in service.flag_spam() if flag.name == "KeithMof")
    cleared = service.clear_review(keith.volunteer_id, keith.version)
    version = service.restore_review(keith.volunteer_id, cleared.version, cleared.reason)
    service.clear_review(keith.volunteer_id, version)
    assert "KeithMof" not in {flag.name for flag in service.spam_candidates()}
    assert service.flag_spam() == []


def test_restoring_a_flag_someone_changed_meanwhile_is_refused_and_changes_nothing(
    db: Database, people: dict[str, int]
) -> None:
    service = DuplicateService(db, ACTOR)
    keith = next(flag for flag in service.flag_spam() if flag.name == "KeithMof")
    cleared = service.clear_review(keith.volunteer_id, keith.version)
    rename(db, keith.volunteer_id, "Keith Moffat")
    before_version, before_log = version_of(db, keith.volunteer_id), log_size(db)

    with pytest.raises(ConflictError, match="Someone else changed this volunteer"):
        service.restore_review(keith.volunteer_id, cleared.version, cleared.reason)
    assert reasons(db)["Keith Moffat"] == ""
    assert version_of(db, keith.volunteer_id) == before_version
    assert log_size(db) == before_log

    with pytest.raises(DomainError, match="needs a reason"):
        service.restore_review(keith.volunteer_id, before_version, "  ")


def test_flags_set_by_flag_spam_can_be_taken_back_and_set_again(
    db: Database, people: dict[str, int]
) -> None:
    service = DuplicateService(db, ACTOR)
    flags = service.flag_spam()
    flagged = reasons(db)
    assert {name for name, reason in flagged.items() if reason} == set(BOTS)

    unflagged = service.unflag_spam(flags)
    assert set(reasons(db).values()) == {""}
    assert [f.version for f in unflagged] == [version_of(db, f.volunteer_id) for f in flags]
    with db.read() as session:  # taking a flag back is not "checked: not spam"
        marked = session.scalar(
            select(func.count()).where(ChangeLogEntry.action == REVIEWED_ACTION)
        )
    assert marked == 0
    assert {flag.name for flag in service.spam_candidates()} == set(BOTS)

    reflagged = service.reflag_spam(unflagged)
    assert reasons(db) == flagged
    assert [f.version for f in reflagged] == [version_of(db, f.volunteer_id) for f in flags]
    assert service.unflag_spam([]) == []


def test_taking_back_flags_when_one_person_changed_is_refused_and_changes_nothing(
    db: Database, people: dict[str, int]
) -> None:
    service = DuplicateService(db, ACTOR)
    flags = service.flag_spam()
    rename(db, people["UbvpwcMergo"], "Ubvpwc Mergo")
    before, before_log = reasons(db), log_size(db)

    with pytest.raises(ConflictError):
        service.unflag_spam(flags)
    assert reasons(db) == before  # all or nothing: the other two are still flagged
    assert log_size(db) == before_log

    unflagged = service.unflag_spam([f for f in flags if f.name != "UbvpwcMergo"])
    rename(db, people["KeithMof"], "Keith Mof")
    with pytest.raises(ConflictError):
        service.reflag_spam(unflagged)
    assert reasons(db)["Montanawvf"] == ""


# The window -----------------------------------------------------------------------------------


@pytest.fixture
def context(db: Database) -> Iterator[ViewContext]:
    context = view_context(db, actor=ACTOR, read_only=db.read_only)
    yield context
    context.worker.wait()
    QApplication.processEvents()


def open_dialog(qtbot: QtBot, context: ViewContext) -> FlaggedDialog:
    dialog = FlaggedDialog(context)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: not dialog.busy, timeout=10_000)
    return dialog


def listed(dialog: FlaggedDialog) -> set[str]:
    return {dialog.model.index(row, 0).data() for row in range(dialog.model.rowCount())}


def wait_listed(qtbot: QtBot, dialog: FlaggedDialog, names: set[str]) -> None:
    qtbot.waitUntil(lambda: not dialog.busy and listed(dialog) == names, timeout=10_000)


def test_flag_more_is_undone_and_redone_with_the_list_following(
    qtbot: QtBot, db: Database, people: dict[str, int], context: ViewContext
) -> None:
    dialog = open_dialog(qtbot, context)
    assert dialog.flag_button.text() == "Flag 3 more that look like bots"
    qtbot.mouseClick(dialog.flag_button, Qt.MouseButton.LeftButton)
    wait_listed(qtbot, dialog, set(BOTS))
    stack = context.undo_stack
    assert stack.count() == 1
    assert stack.undoText() == "Flag 3 sign-ups for review"

    stack.undo()
    wait_listed(qtbot, dialog, set())
    assert set(reasons(db).values()) == {""}
    assert dialog.flag_button.isVisible()
    assert dialog.flag_button.text() == "Flag 3 more that look like bots"

    stack.redo()
    wait_listed(qtbot, dialog, set(BOTS))
    assert {name for name, reason in reasons(db).items() if reason} == set(BOTS)
    assert not dialog.flag_button.isVisible()


def test_looks_fine_is_undone_and_redone_with_the_list_following(
    qtbot: QtBot, db: Database, people: dict[str, int], context: ViewContext
) -> None:
    DuplicateService(db, ACTOR).flag_spam()
    flagged = reasons(db)
    dialog = open_dialog(qtbot, context)
    wait_listed(qtbot, dialog, set(BOTS))
    names = [dialog.model.index(row, 0).data() for row in range(3)]
    dialog.table.selectRow(names.index("KeithMof"))
    qtbot.mouseClick(dialog.fine_button, Qt.MouseButton.LeftButton)
    wait_listed(qtbot, dialog, {"UbvpwcMergo", "Montanawvf"})
    stack = context.undo_stack
    assert stack.undoText() == "Clear the flag on KeithMof"
    assert reasons(db)["KeithMof"] == ""

    stack.undo()
    wait_listed(qtbot, dialog, set(BOTS))
    assert reasons(db) == flagged

    stack.redo()
    wait_listed(qtbot, dialog, {"UbvpwcMergo", "Montanawvf"})
    assert reasons(db)["KeithMof"] == ""
    assert not dialog.flag_button.isVisible()  # cleared for good again: not offered


def test_an_undo_refused_by_a_conflict_is_reported_and_changes_nothing(
    qtbot: QtBot, db: Database, people: dict[str, int], context: ViewContext
) -> None:
    DuplicateService(db, ACTOR).flag_spam()
    dialog = open_dialog(qtbot, context)
    wait_listed(qtbot, dialog, set(BOTS))
    names = [dialog.model.index(row, 0).data() for row in range(3)]
    dialog.table.selectRow(names.index("KeithMof"))
    qtbot.mouseClick(dialog.fine_button, Qt.MouseButton.LeftButton)
    wait_listed(qtbot, dialog, {"UbvpwcMergo", "Montanawvf"})
    rename(db, people["KeithMof"], "Keith Moffat")

    context.undo_stack.undo()
    told = dialog.notice.shown_text
    assert told.startswith("Could not undo Clear the flag on KeithMof: Someone else changed this")
    assert told.endswith("so nothing was changed.")
    assert reasons(db)["Keith Moffat"] == ""
    assert context.undo_stack.count() == 0  # the stack no longer offers it
    qtbot.waitUntil(lambda: not context.worker.busy, timeout=10_000)
