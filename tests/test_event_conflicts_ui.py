"""Two coordinators saving one event: the event editor's conflict dialog.

Alex and Sam each have their own handle on the same file.  Sam opens the editor, Alex saves
a change to the event, then Sam saves: Sam is shown both versions and chooses what to keep.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from organizer.models import Event
from organizer.services import EventDraft, Services
from organizer.services.series import RoleDraft, draft_of, roles_of
from organizer.storage import Database, open_database
from organizer.ui.context import ViewContext
from organizer.ui.events import EventEditor
from organizer.ui.sharing.conflict_dialog import ConflictDialog
from organizer.ui.worker import Worker
from tests.ui_helpers import view_context

STARTS = datetime(2026, 12, 1, 18, tzinfo=UTC)


@pytest.fixture
def sam(qtbot: QtBot, db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[ViewContext]:
    """Sam's running program (on the ``db`` handle)."""
    monkeypatch.setenv("TZ", "Europe/London")
    worker = Worker()
    yield view_context(db, actor="Sam", worker=worker)
    qtbot.waitUntil(lambda: not worker.busy, timeout=10_000)
    worker.wait()


@pytest.fixture
def alex(db_path: Path, db: Database) -> Iterator[Services]:
    """Alex's services, on a second handle on the same file."""
    other = open_database(db_path)
    yield Services.for_database(other, "Alex")
    other.close()


def make_event(services: Services, *, rrule: str | None = None) -> int:
    draft = EventDraft(
        title="Soup kitchen",
        starts_at=STARTS,
        ends_at=STARTS.replace(hour=20),
        timezone="Europe/London",
        description="Bring aprons",
        capacity=30,
        rrule=rrule,
    )
    return services.series.create(draft, [RoleDraft("Cook", 2)]).event.id


def alex_saves(
    alex: Services, event_id: int, roles: list[RoleDraft] | None = None, **values: object
) -> None:
    event = alex.series.get(event_id)
    draft = replace(draft_of(event), **values)  # type: ignore[arg-type]
    alex.series.update(event_id, event.version, draft, roles or list(roles_of(event.shifts)))


def open_editor(qtbot: QtBot, context: ViewContext, event_id: int) -> EventEditor:
    editor = EventEditor(context, event_id)
    qtbot.addWidget(editor)
    editor.show()
    qtbot.waitUntil(lambda: editor.data is not None, timeout=10_000)
    return editor


def conflict_of(qtbot: QtBot, editor: EventEditor) -> ConflictDialog:
    found: list[ConflictDialog] = []

    def shown() -> bool:
        found[:] = [d for d in editor.findChildren(ConflictDialog) if d.isVisible()]
        return bool(found)

    qtbot.waitUntil(shown, timeout=10_000)
    return found[0]


def text_of(dialog: ConflictDialog, name: str) -> str:
    label = dialog.findChild(QLabel, name)
    assert label is not None, name
    return label.text()


def stored(context: ViewContext, event_id: int) -> Event:
    return context.services.series.get(event_id)


def test_merge_keeps_their_description_and_my_capacity(
    qtbot: QtBot, sam: ViewContext, alex: Services
) -> None:
    event_id = make_event(sam.services)
    editor = open_editor(qtbot, sam, event_id)
    alex_saves(alex, event_id, description="Bring aprons and gloves")
    editor.capacity.setValue(45)
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)

    dialog = conflict_of(qtbot, editor)
    assert "Alex changed this event" in dialog.headline.text()
    assert text_of(dialog, "theirs-description") == "Bring aprons and gloves"
    assert text_of(dialog, "mine-description") == "Bring aprons"
    assert text_of(dialog, "mine-capacity") == "45"
    assert text_of(dialog, "theirs-starts_at") == "Tue 01 Dec 2026 18:00 (Europe/London)"
    assert {f.key for f in dialog.fields} >= {
        "title", "description", "starts_at", "ends_at", "timezone", "cause_id",
        "location_id", "capacity", "status", "rrule", "roles",
    }  # fmt: skip
    assert dialog.merge_button.isEnabled()
    qtbot.mouseClick(dialog.merge_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: not editor.isVisible(), timeout=10_000)
    row = stored(sam, event_id)
    assert (row.description, row.capacity) == ("Bring aprons and gloves", 45)
    assert row.updated_by == "Sam"


def test_reload_theirs_shows_theirs_and_saves_nothing(
    qtbot: QtBot, sam: ViewContext, alex: Services
) -> None:
    event_id = make_event(sam.services)
    editor = open_editor(qtbot, sam, event_id)
    alex_saves(alex, event_id, title="Soup kitchen (Alex)")
    theirs_version = stored(sam, event_id).version
    editor.title.setText("Soup kitchen (Sam)")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)

    dialog = conflict_of(qtbot, editor)
    assert not dialog.merge_button.isEnabled(), "both changed the title: merge needs a pick"
    qtbot.mouseClick(dialog.reload_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: editor.title.text() == "Soup kitchen (Alex)")
    assert editor.isVisible()
    row = stored(sam, event_id)
    assert (row.title, row.updated_by, row.version) == (
        "Soup kitchen (Alex)",
        "Alex",
        theirs_version,
    )
    # The editor is now based on their version: the next save goes through.
    editor.capacity.setValue(12)
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not editor.isVisible(), timeout=10_000)
    row = stored(sam, event_id)
    assert (row.title, row.capacity) == ("Soup kitchen (Alex)", 12)


def test_keep_mine_saves_all_my_values_on_their_version(
    qtbot: QtBot, sam: ViewContext, alex: Services
) -> None:
    event_id = make_event(sam.services)
    editor = open_editor(qtbot, sam, event_id)
    alex_saves(alex, event_id, title="Soup kitchen (Alex)", description="Alex's notes")
    theirs_version = stored(sam, event_id).version
    editor.title.setText("Soup kitchen (Sam)")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)

    qtbot.mouseClick(conflict_of(qtbot, editor).keep_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: not editor.isVisible(), timeout=10_000)
    row = stored(sam, event_id)
    assert (row.title, row.description) == ("Soup kitchen (Sam)", "Bring aprons")
    assert (row.updated_by, row.version) == ("Sam", theirs_version + 1)


def test_merge_of_a_whole_series_keeps_their_roles_and_my_repeat_fields(
    qtbot: QtBot, sam: ViewContext, alex: Services
) -> None:
    event_id = make_event(sam.services, rrule="FREQ=WEEKLY;COUNT=6")
    editor = open_editor(qtbot, sam, event_id)
    alex_saves(alex, event_id, roles=[RoleDraft("Cook", 2), RoleDraft("Server", 3)])
    editor.title.setText("Tuesday soup kitchen")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)

    dialog = conflict_of(qtbot, editor)
    assert text_of(dialog, "theirs-roles") == "Cook × 2, Server × 3"
    assert text_of(dialog, "mine-roles") == "Cook × 2"
    assert text_of(dialog, "mine-rrule").startswith("Every week")
    qtbot.mouseClick(dialog.merge_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: not editor.isVisible(), timeout=10_000)
    row = stored(sam, event_id)
    assert row.title == "Tuesday soup kitchen"
    assert row.rrule == "FREQ=WEEKLY;COUNT=6"
    assert sorted((r.role, r.needed) for r in roles_of(row.shifts)) == [("Cook", 2), ("Server", 3)]


def test_closing_the_dialog_saves_nothing(qtbot: QtBot, sam: ViewContext, alex: Services) -> None:
    event_id = make_event(sam.services)
    editor = open_editor(qtbot, sam, event_id)
    alex_saves(alex, event_id, title="Soup kitchen (Alex)")
    editor.capacity.setValue(45)
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    conflict_of(qtbot, editor).reject()

    qtbot.waitUntil(lambda: "Nothing saved yet" in editor.banner.message.text())
    assert editor.capacity.value() == 45
    row = stored(sam, event_id)
    assert (row.title, row.capacity) == ("Soup kitchen (Alex)", 30)
