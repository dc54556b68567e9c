"""Saving the organisation settings can be undone and redone, unless someone changed them since."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QSettings, Qt
from pytestqt.qtbot import QtBot

from organizer.changes import DataChange
from organizer.errors import ConflictError
from organizer.services import Services
from organizer.services.settings import OrganisationSettings, SettingsService, SmtpSecurity
from organizer.storage import Database
from organizer.ui.calendars_io.settings_dialog import SettingsDialog
from organizer.ui.context import ViewContext
from organizer.ui.undo import EditCommand
from tests.keyring_helpers import MemoryKeyring, memory_keyring
from tests.ui_helpers import view_context

__all__ = ["memory_keyring"]

OLD = OrganisationSettings(
    organiser_name="Sam Okafor",
    organiser_email="sam@example.org",
    reminder_minutes=60,
    smtp_host="smtp.example.org",
    smtp_security=SmtpSecurity.TLS,
    smtp_user="sam@example.org",
)


@pytest.fixture
def settings(db: Database) -> SettingsService:
    service = Services.for_database(db, "Tester").settings
    service.save(OLD)
    return service


@pytest.fixture
def context(db: Database) -> Iterator[ViewContext]:
    made = view_context(db)
    yield made
    made.worker.wait()


# The service: a save that only goes through if nobody changed the settings --------------------


def test_a_save_expecting_what_is_stored_goes_through(settings: SettingsService) -> None:
    new = OrganisationSettings(organiser_name="  Olu  ", organiser_email="olu@example.org")
    assert settings.save(new, expected=OLD).organiser_name == "Olu"
    assert settings.get() == OrganisationSettings(
        organiser_name="Olu", organiser_email="olu@example.org"
    )


def test_a_save_expecting_something_else_is_refused_and_changes_nothing(
    settings: SettingsService,
) -> None:
    someone_else = OrganisationSettings(**{**OLD.__dict__, "organiser_name": "Kim"})
    settings.save(someone_else)
    with pytest.raises(ConflictError, match="Someone changed the organisation settings since"):
        settings.save(OrganisationSettings(organiser_name="Olu"), expected=OLD)
    assert settings.get() == someone_else


def test_a_save_from_never_set_settings_expects_the_defaults(db: Database) -> None:
    service = Services.for_database(db, "Tester").settings
    service.save(OLD, expected=OrganisationSettings())
    assert service.get() == OLD
    with pytest.raises(ConflictError):
        service.save(OrganisationSettings(), expected=OrganisationSettings())


# The dialog: a save lands on the undo stack -------------------------------------------------


def save_in_dialog(
    qtbot: QtBot,
    context: ViewContext,
    tmp_path: Path,
    name: str,
    password: str = "",
    failures: list[str] | None = None,
) -> None:
    local = QSettings(str(tmp_path / "organizer.ini"), QSettings.Format.IniFormat)
    dialog = SettingsDialog(
        context,
        settings=local,
        undo_failed=None if failures is None else failures.append,
    )
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.loaded):
        dialog.show()
    dialog.organiser_name.clear()
    qtbot.keyClicks(dialog.organiser_name, name)
    if password:
        qtbot.keyClicks(dialog.password, password)
    with qtbot.waitSignal(dialog.saved):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)


def test_undo_puts_the_old_settings_back_and_redo_applies_the_new_ones(
    qtbot: QtBot,
    context: ViewContext,
    settings: SettingsService,
    tmp_path: Path,
    memory_keyring: MemoryKeyring,
) -> None:
    changes: list[DataChange] = []
    context.hub.changed.connect(changes.append)
    save_in_dialog(qtbot, context, tmp_path, "Olu Organiser", password="s3cret")
    stack = context.undo_stack
    assert stack.count() == 1 and stack.undoText() == "Change organisation settings"
    assert settings.get().organiser_name == "Olu Organiser"
    assert changes[-1].touches("settings")

    stack.undo()
    assert settings.get() == OLD
    assert len(changes) == 2 and changes[-1].touches("settings")
    # The password lives in the keyring, not in the command: undo leaves it kept.
    assert settings.smtp_password(OLD) == "s3cret"

    stack.redo()
    assert settings.get() == OrganisationSettings(
        **{**OLD.__dict__, "organiser_name": "Olu Organiser"}
    )
    stack.undo()
    assert settings.get() == OLD
    assert settings.smtp_password(OLD) == "s3cret"


def test_saving_unchanged_settings_puts_nothing_on_the_stack(
    qtbot: QtBot,
    context: ViewContext,
    settings: SettingsService,
    tmp_path: Path,
    memory_keyring: MemoryKeyring,
) -> None:
    save_in_dialog(qtbot, context, tmp_path, OLD.organiser_name)
    assert context.undo_stack.count() == 0


def test_undo_after_someone_else_changed_the_settings_is_refused_and_made_obsolete(
    qtbot: QtBot,
    context: ViewContext,
    settings: SettingsService,
    tmp_path: Path,
    memory_keyring: MemoryKeyring,
) -> None:
    failures: list[str] = []
    save_in_dialog(qtbot, context, tmp_path, "Olu Organiser", failures=failures)
    stack = context.undo_stack
    command = stack.command(0)
    assert isinstance(command, EditCommand)
    theirs = OrganisationSettings(**{**OLD.__dict__, "organiser_email": "kim@example.org"})
    Services.for_database(settings.db, "Kim").settings.save(theirs)

    stack.undo()
    assert settings.get() == theirs
    assert isinstance(command.last_error, ConflictError)
    assert "they were not changed back" in command.last_error.message
    assert failures == [
        "Could not undo Change organisation settings: Someone changed the organisation "
        "settings, after that. Undoing it would overwrite their change, so nothing was changed."
    ]
    # Made obsolete, the command was dropped (and deleted) by the stack: nothing to redo.
    assert stack.count() == 0 and not stack.canUndo() and not stack.canRedo()


def test_redo_after_someone_else_changed_the_settings_is_refused(
    qtbot: QtBot,
    context: ViewContext,
    settings: SettingsService,
    tmp_path: Path,
    memory_keyring: MemoryKeyring,
) -> None:
    save_in_dialog(qtbot, context, tmp_path, "Olu Organiser")
    stack = context.undo_stack
    stack.undo()
    assert settings.get() == OLD
    command = stack.command(0)
    assert isinstance(command, EditCommand)
    theirs = OrganisationSettings(**{**OLD.__dict__, "reminder_minutes": 15})
    Services.for_database(settings.db, "Kim").settings.save(theirs)

    stack.redo()
    assert settings.get() == theirs
    assert isinstance(command.last_error, ConflictError)
    assert stack.count() == 0


def test_a_save_still_reaches_the_undo_stack_when_the_dialog_closed_meanwhile(
    qtbot: QtBot,
    context: ViewContext,
    settings: SettingsService,
    tmp_path: Path,
    memory_keyring: MemoryKeyring,
) -> None:
    local = QSettings(str(tmp_path / "organizer.ini"), QSettings.Format.IniFormat)
    dialog = SettingsDialog(context, settings=local)
    with qtbot.waitSignal(dialog.loaded):
        dialog.show()
    dialog.organiser_name.clear()
    qtbot.keyClicks(dialog.organiser_name, "Olu Organiser")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    # Closed before the background save reports back (that needs the event loop).
    dialog.reject()
    shiboken6.delete(dialog)

    stack = context.undo_stack
    qtbot.waitUntil(lambda: stack.count() == 1)
    assert settings.get().organiser_name == "Olu Organiser"
    stack.undo()
    assert settings.get() == OLD
