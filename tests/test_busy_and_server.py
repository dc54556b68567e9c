"""A busy file: service saves retry, then name who is saving; connecting to a server."""

from __future__ import annotations

import os
import socket
import sqlite3
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMenu, QMessageBox, QPushButton, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from organizer.app import Workspace
from organizer.errors import DatabaseLockedError
from organizer.models import ChangeLogEntry, Volunteer
from organizer.services import Services, VolunteerDraft
from organizer.sharing.backups import SHARED_FOLDER_NAME, rotating_backup
from organizer.sharing.presence import PresenceService
from organizer.storage import Database, create_database, open_database
from organizer.storage.postgres import public_url
from organizer.ui.connect_dialog import ConnectDialog
from organizer.ui.opening import open_database_interactively
from organizer.ui.sharing.restore_dialog import RestoreDialog
from tests.keyring_helpers import MemoryKeyring, memory_keyring
from tests.pg_fixtures import pg_server, pg_url, run_sql
from tests.pg_server import PASSWORD, free_port

__all__ = ["memory_keyring", "pg_server", "pg_url"]


@pytest.fixture
def busy_db(db_path: Path) -> Iterator[Database]:
    """A file opened with a 20 ms busy timeout, where "sam" (another copy) is present."""
    create_database(db_path).close()
    db = open_database(db_path, busy_timeout_ms=20)
    PresenceService(db, user="sam", host="office-2", pid=os.getpid() + 1).join()
    PresenceService(db, user="ann", host=socket.gethostname(), pid=os.getpid()).join()
    try:
        yield db
    finally:
        db.close()


@pytest.fixture
def holder(db_path: Path) -> Iterator[sqlite3.Connection]:
    """Another connection that will hold the file's write lock."""
    connection = sqlite3.connect(db_path, isolation_level=None)
    try:
        yield connection
    finally:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        connection.close()


def counts(db: Database) -> tuple[int, int]:
    """(volunteers, change-log entries) in the file."""
    with db.read() as session:
        volunteers = session.scalar(select(func.count()).select_from(Volunteer))
        log = session.scalar(select(func.count()).select_from(ChangeLogEntry))
    return int(volunteers or 0), int(log or 0)


def test_busy_save_retries_and_lands_once_the_other_save_finishes(
    busy_db: Database, holder: sqlite3.Connection
) -> None:
    volunteers = Services.for_database(busy_db, "ann").volunteers
    person = volunteers.create(VolunteerDraft(name="Ada", joined_on=date(2026, 1, 5)))
    waits: list[tuple[int, float]] = []
    slept: list[float] = []

    def other_finishes_on_second_wait(attempt: int, delay: float) -> None:
        waits.append((attempt, delay))
        if attempt == 2:
            holder.execute("COMMIT")

    volunteers.on_wait = other_finishes_on_second_wait
    volunteers.sleep = slept.append
    holder.execute("BEGIN IMMEDIATE")
    draft = VolunteerDraft(name="Ada Lovelace", joined_on=date(2026, 1, 5))
    saved = volunteers.update(person.id, person.version, draft)

    assert saved.name == "Ada Lovelace" and saved.version == person.version + 1
    assert [attempt for attempt, _ in waits] == [1, 2]  # tried three times in all
    assert slept == [delay for _, delay in waits] and slept[1] > slept[0]  # backing off
    with busy_db.read() as session:
        summaries = session.scalars(
            select(ChangeLogEntry.summary).where(ChangeLogEntry.entity == "volunteer")
        ).all()
    assert len(summaries) == 2  # created, then changed once: the retried unit ran whole once


def test_busy_save_gives_up_naming_who_is_saving_and_changes_nothing(
    busy_db: Database, holder: sqlite3.Connection
) -> None:
    volunteers = Services.for_database(busy_db, "ann").volunteers
    person = volunteers.create(VolunteerDraft(name="Ada", joined_on=date(2026, 1, 5)))
    before = counts(busy_db)
    waits: list[int] = []
    volunteers.on_wait = lambda attempt, _delay: waits.append(attempt)
    volunteers.sleep = lambda _seconds: None
    volunteers.write_attempts = 3
    holder.execute("BEGIN IMMEDIATE")

    with pytest.raises(DatabaseLockedError) as created:
        volunteers.create(VolunteerDraft(name="Bob", joined_on=date(2026, 1, 5)))
    with pytest.raises(DatabaseLockedError) as deleted:
        volunteers.delete(person.id, person.version)
    holder.execute("ROLLBACK")

    for caught in (created, deleted):
        message = str(caught.value)
        assert "sam on office-2" in message and str(busy_db.path) in message
        assert "Nothing was changed" in message
    assert waits == [1, 2, 1, 2]
    assert counts(busy_db) == before
    assert volunteers.get(person.id).name == "Ada"


def test_one_shot_writes_also_name_who_is_saving(
    busy_db: Database, holder: sqlite3.Connection
) -> None:
    settings = Services.for_database(busy_db, "ann").settings
    holder.execute("BEGIN IMMEDIATE")
    with pytest.raises(DatabaseLockedError, match="sam on office-2"):
        settings.secret("feed_token")


# --- File → Connect to server… ---------------------------------------------------------------


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def server(pg_url: str) -> str:
    """The URL of an Organizer database on the test server, with one volunteer in it."""
    db = create_database(pg_url)
    try:
        Services.for_database(db, "ann").volunteers.create(
            VolunteerDraft(name="Server person", joined_on=date(2026, 1, 5))
        )
    finally:
        db.close()
    return pg_url


def fill(dialog: ConnectDialog, url: str, **changes: Any) -> None:
    """Type the parts of ``url`` (with ``changes``) into the dialog's fields."""
    parsed = make_url(url)
    values: dict[str, Any] = {
        "host": parsed.host,
        "port": parsed.port,
        "database": parsed.database,
        "user": parsed.username,
        "password": parsed.password,
    }
    values.update(changes)
    dialog.host.setText(str(values["host"]))
    dialog.port.setValue(int(values["port"]))
    dialog.database_name.setText(str(values["database"]))
    dialog.user.setText(str(values["user"]))
    dialog.password.setText(str(values["password"]))


def click_and_wait(qtbot: QtBot, dialog: ConnectDialog, button: QPushButton) -> str:
    """Click ``button``, wait for the background job, return the dialog's message."""
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert dialog.job is not None
    qtbot.waitUntil(lambda: dialog.test_button.isEnabled(), timeout=20000)
    return dialog.status.text()


def test_connect_to_server_from_the_file_menu_shows_the_server_database(
    qtbot: QtBot, db: Database, server: str, settings: QSettings
) -> None:
    workspace = Workspace(settings)
    window = workspace.show_database(db)
    qtbot.addWidget(window)
    try:
        file_menu = window.menuBar().actions()[0].menu()
        assert isinstance(file_menu, QMenu) and window.connect_action in file_menu.actions()
        window.connect_action.trigger()
        dialog = workspace.connect_dialog
        assert dialog.isVisible() and dialog.port.value() == 5432
        fill(dialog, server)

        tested = click_and_wait(qtbot, dialog, dialog.test_button)
        assert tested.startswith("Connected:") and "Organizer database" in tested
        assert workspace.db is db  # testing opens nothing

        qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: workspace.db is not db, timeout=20000)
        shown = workspace.window
        assert shown is not None and shown is not window and shown.isVisible()
        name, database = shown.db.display_name, str(make_url(server).database)
        assert name.startswith("postgresql+psycopg://") and name.endswith(f"/{database}")
        assert PASSWORD not in name and PASSWORD not in shown.windowTitle()
        assert workspace.context is not None
        people = workspace.context.services.volunteers.list()
        assert [person.name for person in people] == ["Server person"]
        settings.sync()
        kept = Path(settings.fileName()).read_text(encoding="utf-8")
        assert database in kept and PASSWORD not in kept  # never stored
    finally:
        workspace.close()


def test_connect_dialog_shows_what_the_storage_layer_says(
    qtbot: QtBot, pg_url: str, settings: QSettings
) -> None:
    run_sql(pg_url, "CREATE TABLE shopping (item text)")
    dialog = ConnectDialog(settings)
    qtbot.addWidget(dialog)
    dialog.show()
    refused: list[Database] = []
    dialog.connected.connect(refused.append)

    public = public_url(pg_url)
    fill(dialog, pg_url, password="wrong")
    message = click_and_wait(qtbot, dialog, dialog.connect_button)
    assert message.endswith(f"refused the login for {public}: check the user name and password.")
    assert "wrong" not in message

    port = free_port()
    fill(dialog, pg_url, port=port)
    message = click_and_wait(qtbot, dialog, dialog.test_button)
    assert message.startswith(f"The PostgreSQL server at 127.0.0.1:{port} cannot be reached")

    fill(dialog, pg_url)
    message = click_and_wait(qtbot, dialog, dialog.connect_button)
    assert message == f"{public} holds other tables and is not an Organizer database; " + (
        "nothing was changed."
    )
    assert PASSWORD not in message

    fill(dialog, pg_url, host="")
    qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
    assert dialog.status.text() == "Type the server's name."
    assert refused == [] and dialog.isVisible()


def connect_with(qtbot: QtBot, dialog: ConnectDialog) -> None:
    """Click Connect and wait for the database; close it again."""
    opened: list[Database] = []
    dialog.connected.connect(opened.append)
    qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(opened), timeout=20000)
    assert not dialog.isVisible()
    opened[0].close()


def test_password_is_kept_in_the_keyring_only_when_asked(
    qtbot: QtBot, server: str, settings: QSettings, memory_keyring: MemoryKeyring
) -> None:
    parsed = make_url(server)
    account = f"{parsed.username}@{parsed.host}:{parsed.port}/{parsed.database}"
    first = ConnectDialog(settings)
    qtbot.addWidget(first)
    first.show()
    fill(first, server)
    connect_with(qtbot, first)
    assert memory_keyring.kept == {}  # not ticked: not kept anywhere

    second = ConnectDialog(settings)
    qtbot.addWidget(second)
    second.show()
    assert second.host.text() == parsed.host and second.database_name.text() == parsed.database
    assert second.password.text() == ""
    second.password.setText(PASSWORD)
    second.remember.setChecked(True)
    connect_with(qtbot, second)
    assert memory_keyring.kept == {("Organizer database server", account): PASSWORD}

    third = ConnectDialog(settings)
    qtbot.addWidget(third)
    third.show()
    assert third.remember.isChecked() and third.password.text() == PASSWORD
    third.remember.setChecked(False)
    connect_with(qtbot, third)
    assert memory_keyring.kept == {}  # unticking forgets it
    settings.sync()
    assert PASSWORD not in Path(settings.fileName()).read_text(encoding="utf-8")


# --- A damaged file: restore a backup from the opening message ------------------------------


def answer_in_turn(steps: list[tuple[type[QWidget], Callable[[QWidget], None]]]) -> list[str]:
    """Answer the modal windows that open, in order: each step is (kind, what to do)."""
    seen: list[str] = []

    def answer() -> None:
        if not steps:
            return
        box = QApplication.activeModalWidget()
        kind, act = steps[0]
        if not isinstance(box, kind) or not box.isVisible():
            QTimer.singleShot(10, answer)
            return
        steps.pop(0)
        seen.append(box.text() if isinstance(box, QMessageBox) else box.windowTitle())
        QTimer.singleShot(10, answer)  # before acting: the action may open the next one
        act(box)

    QTimer.singleShot(0, answer)
    return seen


def click(text: str) -> Callable[[QWidget], None]:
    def act(widget: QWidget) -> None:
        assert isinstance(widget, QMessageBox)
        buttons = {button.text().replace("&", ""): button for button in widget.buttons()}
        buttons[text].click()

    return act


def test_damaged_file_offers_to_restore_a_backup(qtbot: QtBot, db: Database) -> None:
    assert db.path is not None
    path = db.path
    Services.for_database(db, "ann").volunteers.create(
        VolunteerDraft(name="Kept in the backup", joined_on=date(2026, 1, 5))
    )
    (backup,) = rotating_backup(db, [path.parent / SHARED_FOLDER_NAME])
    db.close()
    data = bytearray(path.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    data[100:page_size] = bytes((i * 7 + 13) % 256 for i in range(page_size - 100))
    path.write_bytes(bytes(data))

    def pick_newest(widget: QWidget) -> None:
        assert isinstance(widget, RestoreDialog)
        assert widget.list.count() == 1 and widget.selected() is not None
        widget.restore_button.click()

    seen = answer_in_turn(
        [
            (QMessageBox, click("Restore a backup…")),
            (RestoreDialog, pick_newest),
            (QMessageBox, click("Yes")),
        ]
    )
    reopened = open_database_interactively(str(path))
    assert reopened is not None
    try:
        assert "is damaged" in seen[0] and seen[1] == "Restore from backup"
        names = [person.name for person in Services.for_database(reopened).volunteers.list()]
        assert names == ["Kept in the backup"]
    finally:
        reopened.close()
    kept = list(path.parent.glob(f"{path.name}.before-restore-*"))
    assert len(kept) == 1  # the damaged file is kept beside it, pages as they were
    assert kept[0].read_bytes()[100:] == bytes(data)[100:]
    assert backup.exists()
