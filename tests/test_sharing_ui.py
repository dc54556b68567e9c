"""Two coordinators with one file open: live refresh, conflicts, presence, banners, restore.

Each "coordinator" is a real main window with its own Database, services, worker and hub on
the same file, as two copies of the program would have; they talk only through the file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import pytest
import shiboken6
from hypothesis import given
from hypothesis import strategies as st
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from organizer.app import Workspace
from organizer.errors import ConflictError
from organizer.services import CauseDraft, Services, VolunteerDraft
from organizer.storage import Database, open_database
from organizer.ui.context import ViewContext
from organizer.ui.hub import ChangeHub
from organizer.ui.main_window import MainWindow
from organizer.ui.pages import Pages
from organizer.ui.places import CauseDialog, PlacesPage
from organizer.ui.sharing.banners import ALERT, WARNING, Banner, BannerArea
from organizer.ui.sharing.conflict_dialog import ConflictDialog, FieldVersions, merged_values
from organizer.ui.sharing.restore_dialog import RestoreDialog, restore_now
from organizer.ui.sharing.session import NO_LOCKS_TEXT, SharingSession, sync_folder_text
from organizer.ui.volunteers.editor import VolunteerEditor
from organizer.ui.volunteers.page import VolunteersPage
from organizer.ui.worker import Worker

RENDERS = Path(__file__).resolve().parent.parent / "build" / "renders"


@dataclass
class Coordinator:
    """One running copy of the program: its window, file handle and services."""

    name: str
    db: Database
    window: MainWindow
    context: ViewContext
    pages: Pages
    session: SharingSession

    @property
    def services(self) -> Services:
        return self.context.services

    def volunteers_page(self) -> VolunteersPage:
        page = self.pages.ensure("volunteers")
        assert isinstance(page, VolunteersPage)
        return page

    def places_page(self) -> PlacesPage:
        page = self.pages.ensure("places")
        assert isinstance(page, PlacesPage)
        return page


@pytest.fixture
def shared_file(db: Database, db_path: Path) -> Path:
    services = Services.for_database(db, "Setup")
    services.volunteers.create(
        VolunteerDraft(name="Robin Hart", joined_on=date(2025, 3, 1), timezone="Europe/London")
    )
    services.causes.create(CauseDraft(name="Food bank", description="Weekly parcels"))
    return db_path


@pytest.fixture
def open_as(qtbot: QtBot, tmp_path: Path) -> Iterator[Callable[..., Coordinator]]:
    opened: list[Coordinator] = []

    def open_as(name: str, path: Path, *, read_only: bool = False) -> Coordinator:
        db = open_database(path, read_only=read_only)
        settings = QSettings(str(tmp_path / f"{name}.ini"), QSettings.Format.IniFormat)
        # Closed by this fixture, after its worker is idle (not by qtbot, which runs first).
        window = MainWindow(db, settings=settings)
        context = ViewContext(
            services=Services.for_database(db, name),
            worker=Worker(window),
            undo_stack=window.undo_stack,
            hub=ChangeHub(window),
            read_only=db.read_only,
        )
        pages = Pages(window, context)
        session = SharingSession(
            window,
            context,
            db,
            poll_ms=40,
            heartbeat_ms=80,
            user=name,
            host="office-pc" if name == "Sam" else "front-desk",
            backups=False,
        )
        session.start()
        window.show()
        coordinator = Coordinator(name, db, window, context, pages, session)
        opened.append(coordinator)
        return coordinator

    yield open_as
    for coordinator in opened:
        coordinator.session.stop()
        qtbot.waitUntil(idle(coordinator.context.worker), timeout=10_000)
        coordinator.context.worker.wait()
        coordinator.window.close()
        coordinator.window.deleteLater()
        coordinator.db.close()
    QApplication.processEvents()


def idle(worker: Worker) -> Callable[[], bool]:
    return lambda: not worker.busy


def robin(coordinator: Coordinator) -> int:
    return next(v.id for v in coordinator.services.volunteers.list() if v.name.startswith("Robin"))


def food_bank(coordinator: Coordinator) -> int:
    return next(c.id for c in coordinator.services.causes.list())


def change_volunteer(coordinator: Coordinator, volunteer_id: int, **values: object) -> None:
    """Save a change to a volunteer as ``coordinator`` (as their editor would)."""
    volunteers = coordinator.services.volunteers
    row = volunteers.get(volunteer_id)
    draft = VolunteerDraft(
        name=row.name,
        joined_on=row.joined_on,
        timezone=row.timezone,
        email=row.email,
        phone=row.phone,
        pronouns=row.pronouns,
        notes=row.notes,
        emergency_contact_name=row.emergency_contact_name,
        emergency_contact_phone=row.emergency_contact_phone,
        active=row.active,
        max_hours_per_week=row.max_hours_per_week,
        max_hours_per_month=row.max_hours_per_month,
    )
    volunteers.update(volunteer_id, row.version, replace(draft, **values))  # type: ignore[arg-type]


def open_editor(qtbot: QtBot, coordinator: Coordinator, volunteer_id: int) -> VolunteerEditor:
    editor = VolunteerEditor(coordinator.context, volunteer_id, coordinator.window)
    editor.show()
    qtbot.waitUntil(lambda: editor.loaded is not None)
    return editor


def conflict_of(qtbot: QtBot, parent: QWidget) -> ConflictDialog:
    found: list[ConflictDialog] = []

    def shown() -> bool:
        found[:] = [d for d in parent.findChildren(ConflictDialog) if d.isVisible()]
        return bool(found)

    qtbot.waitUntil(shown)
    return found[0]


def not_blank(image: QImage) -> bool:
    colours = {
        QColor(image.pixel(x, y)).rgb()
        for x in range(0, image.width(), 7)
        for y in range(0, image.height(), 7)
    }
    return len(colours) > 8


# Live refresh --------------------------------------------------------------------------------


def test_an_edit_saved_in_one_window_shows_in_the_others_directory(
    qtbot: QtBot, shared_file: Path, open_as: Callable[..., Coordinator]
) -> None:
    alex, sam = open_as("Alex", shared_file), open_as("Sam", shared_file)
    page = sam.volunteers_page()
    sam.window.show_page("volunteers")
    qtbot.waitUntil(lambda: page.model.rowCount() == 1 and not page.model.loading)

    change_volunteer(alex, robin(alex), name="Robin Hartley")

    def shows_new_name() -> bool:
        row = page.model.volunteer(0)
        return row is not None and row.name == "Robin Hartley"

    qtbot.waitUntil(shows_new_name, timeout=3000)
    label = sam.session.update_label
    assert label.isVisible()
    assert label.text().startswith("Updated by Alex at ")
    # Alex's own window does not tell Alex about Alex's change.
    assert not alex.session.update_label.isVisible()


def test_an_open_editor_keeps_my_edits_and_says_the_record_changed(
    qtbot: QtBot, shared_file: Path, open_as: Callable[..., Coordinator]
) -> None:
    alex, sam = open_as("Alex", shared_file), open_as("Sam", shared_file)
    editor = open_editor(qtbot, sam, robin(sam))
    editor.phone.setText("01632 960001")

    change_volunteer(alex, robin(alex), email="robin@example.org")

    notice = editor.findChild(Banner, "record-changed-notice")
    assert notice is not None
    qtbot.waitUntil(notice.isVisible, timeout=3000)
    assert "Alex changed this volunteer at" in notice.text()
    assert "your save will ask what to keep" in notice.text()
    assert editor.phone.text() == "01632 960001"
    assert editor.email.text() == ""


# Conflicts in the volunteer editor -------------------------------------------------------------


def test_merge_keeps_their_field_and_mine(
    qtbot: QtBot, shared_file: Path, open_as: Callable[..., Coordinator]
) -> None:
    alex, sam = open_as("Alex", shared_file), open_as("Sam", shared_file)
    editor = open_editor(qtbot, sam, robin(sam))
    change_volunteer(alex, robin(alex), email="robin@example.org")
    editor.phone.setText("01632 960001")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)

    dialog = conflict_of(qtbot, editor)
    assert "Alex changed this volunteer" in dialog.headline.text()
    assert dialog.findChild(QLabel, "theirs-email").text() == "robin@example.org"  # type: ignore[union-attr]
    assert dialog.findChild(QLabel, "mine-phone").text() == "01632 960001"  # type: ignore[union-attr]
    assert dialog.merge_button.isEnabled()
    qtbot.mouseClick(dialog.merge_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: not editor.isVisible(), timeout=5000)
    row = sam.services.volunteers.get(robin(sam))
    assert (row.email, row.phone) == ("robin@example.org", "01632 960001")
    assert row.updated_by == "Sam"


def test_keep_mine_saves_my_values_over_theirs(
    qtbot: QtBot, shared_file: Path, open_as: Callable[..., Coordinator]
) -> None:
    alex, sam = open_as("Alex", shared_file), open_as("Sam", shared_file)
    editor = open_editor(qtbot, sam, robin(sam))
    change_volunteer(alex, robin(alex), name="Robin A. Hart")
    editor.name.setText("Robin S. Hart")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)

    dialog = conflict_of(qtbot, editor)
    assert not dialog.merge_button.isEnabled(), "both changed the name: merge needs a pick"
    assert "You both changed Name" in dialog.merge_hint.text()
    qtbot.mouseClick(dialog.keep_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: not editor.isVisible(), timeout=5000)
    assert sam.services.volunteers.get(robin(sam)).name == "Robin S. Hart"


def test_reload_theirs_drops_my_edits_and_saves_nothing(
    qtbot: QtBot, shared_file: Path, open_as: Callable[..., Coordinator]
) -> None:
    alex, sam = open_as("Alex", shared_file), open_as("Sam", shared_file)
    editor = open_editor(qtbot, sam, robin(sam))
    change_volunteer(alex, robin(alex), name="Robin A. Hart")
    editor.name.setText("Robin S. Hart")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)

    dialog = conflict_of(qtbot, editor)
    qtbot.mouseClick(dialog.reload_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: editor.name.text() == "Robin A. Hart")
    assert editor.isVisible()
    assert not editor.has_changes()
    row = sam.services.volunteers.get(robin(sam))
    assert (row.name, row.updated_by) == ("Robin A. Hart", "Alex")
    # Saving now is based on their version: no second conflict.
    editor.email.setText("robin@example.org")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not editor.isVisible(), timeout=5000)
    row = sam.services.volunteers.get(robin(sam))
    assert (row.name, row.email) == ("Robin A. Hart", "robin@example.org")


def test_merge_with_a_field_both_changed_takes_my_pick(
    qtbot: QtBot, shared_file: Path, open_as: Callable[..., Coordinator]
) -> None:
    alex, sam = open_as("Alex", shared_file), open_as("Sam", shared_file)
    editor = open_editor(qtbot, sam, robin(sam))
    change_volunteer(alex, robin(alex), name="Robin A. Hart", email="robin@example.org")
    editor.name.setText("Robin S. Hart")
    editor.phone.setText("01632 960001")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)

    dialog = conflict_of(qtbot, editor)
    theirs = dialog.findChild(QWidget, "pick-theirs-name")
    assert theirs is not None
    qtbot.mouseClick(theirs, Qt.MouseButton.LeftButton)
    assert dialog.merge_button.isEnabled()
    qtbot.mouseClick(dialog.merge_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: not editor.isVisible(), timeout=5000)
    row = sam.services.volunteers.get(robin(sam))
    assert (row.name, row.email, row.phone) == (
        "Robin A. Hart",
        "robin@example.org",
        "01632 960001",
    )


def test_closing_the_conflict_dialog_saves_nothing_and_asks_again(
    qtbot: QtBot, shared_file: Path, open_as: Callable[..., Coordinator]
) -> None:
    alex, sam = open_as("Alex", shared_file), open_as("Sam", shared_file)
    editor = open_editor(qtbot, sam, robin(sam))
    change_volunteer(alex, robin(alex), name="Robin A. Hart")
    editor.name.setText("Robin S. Hart")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    conflict_of(qtbot, editor).reject()

    qtbot.waitUntil(lambda: "Nothing saved yet" in editor.general.text())
    assert editor.name.text() == "Robin S. Hart"
    assert sam.services.volunteers.get(robin(sam)).name == "Robin A. Hart"
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    again = conflict_of(qtbot, editor)
    assert "Alex changed this volunteer" in again.headline.text()
    again.reject()
    assert sam.services.volunteers.get(robin(sam)).name == "Robin A. Hart"


# Conflicts in the cause editor ---------------------------------------------------------------


def test_a_cause_conflict_opens_the_dialog_and_merges(
    qtbot: QtBot, shared_file: Path, open_as: Callable[..., Coordinator]
) -> None:
    alex, sam = open_as("Alex", shared_file), open_as("Sam", shared_file)
    page = sam.places_page()
    sam.window.show_page("places")
    qtbot.waitUntil(lambda: len(page.cause_model.rows) == 1 and not page.loading)
    page.cause_section.select(food_bank(sam))
    dialog = page.edit_cause()
    assert isinstance(dialog, CauseDialog)

    cause = alex.services.causes.get(food_bank(alex))
    alex.services.causes.update(
        cause.id, cause.version, CauseDraft(name="Food bank", description="Parcels on Fridays")
    )
    dialog.name.setText("Community food bank")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    conflict = conflict_of(qtbot, dialog)
    assert "Alex changed this cause" in conflict.headline.text()
    qtbot.mouseClick(conflict.merge_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not shiboken6.isValid(dialog) or not dialog.isVisible(), timeout=5000)
    saved = sam.services.causes.get(food_bank(sam))
    assert (saved.name, saved.description) == ("Community food bank", "Parcels on Fridays")


# Presence ------------------------------------------------------------------------------------


def test_presence_shows_the_other_window_and_who_has_the_record_open(
    qtbot: QtBot, shared_file: Path, open_as: Callable[..., Coordinator]
) -> None:
    alex, sam = open_as("Alex", shared_file), open_as("Sam", shared_file)
    label = alex.session.presence_label
    qtbot.waitUntil(lambda: "Also open: Sam (office-pc) since" in label.text(), timeout=3000)
    assert label.isVisible()

    open_editor(qtbot, sam, robin(sam))
    mine = open_editor(qtbot, alex, robin(alex))
    notice = mine.findChild(Banner, "record-open-notice")
    assert notice is not None
    qtbot.waitUntil(notice.isVisible, timeout=3000)
    assert notice.text() == "Sam (office-pc) also has this volunteer open."

    sam.session.stop()
    qtbot.waitUntil(lambda: not label.isVisible(), timeout=3000)


# Banners -------------------------------------------------------------------------------------


def test_a_read_only_file_shows_the_banner_and_the_badge(
    qtbot: QtBot, shared_file: Path, open_as: Callable[..., Coordinator]
) -> None:
    viewer = open_as("Alex", shared_file, read_only=True)
    banner = viewer.window.banner_area.banner("read-only")
    assert banner is not None and banner.isVisible()
    assert banner.text() == (
        "This file is read-only for you: you can look but not change anything."
    )
    assert viewer.window.read_only_badge.isVisible()
    assert not viewer.window.restore_action.isEnabled()
    viewer.window.resize(1000, 600)
    image = viewer.window.grab().toImage()
    RENDERS.mkdir(parents=True, exist_ok=True)
    image.save(str(RENDERS / "read_only_window.png"))
    assert not_blank(image)


def test_renders_of_the_conflict_dialog_and_banners_are_not_blank(qtbot: QtBot) -> None:
    from datetime import UTC, datetime

    error = ConflictError("volunteer", 1, "Sam", datetime(2026, 11, 25, 10, 42, tzinfo=UTC), 3)
    fields = [
        FieldVersions("name", "Name", "Robin Hart", "Robin S. Hart", "Robin A. Hart"),
        FieldVersions("email", "Email", None, None, "robin@example.org"),
        FieldVersions("phone", "Phone", None, "01632 960001", None),
        FieldVersions("pronouns", "Pronouns", "they/them", "they/them", "they/them"),
        FieldVersions("active", "Active", True, True, True),
    ]
    dialog = ConflictDialog(error, "volunteer", fields)
    qtbot.addWidget(dialog)
    dialog.resize(720, 360)
    dialog.show()
    qtbot.waitExposed(dialog)
    # The banners as the main window holds them: a column above the page.
    holder = QWidget()
    qtbot.addWidget(holder)
    column = QVBoxLayout(holder)
    column.setContentsMargins(0, 0, 0, 0)
    area = BannerArea()
    column.addWidget(area)
    column.addStretch(1)
    area.show_banner(
        "read-only", "This file is read-only for you: you can look but not change anything."
    )
    area.show_banner("sync-folder", sync_folder_text("Dropbox"), WARNING)
    area.show_banner("no-locks", NO_LOCKS_TEXT, ALERT)
    holder.resize(760, 240)
    holder.show()
    qtbot.waitExposed(holder)
    qtbot.waitUntil(lambda: all(b.height() > 20 for b in area.findChildren(Banner)))
    RENDERS.mkdir(parents=True, exist_ok=True)
    for widget, name in ((dialog, "conflict_dialog"), (holder, "banners")):
        image = widget.grab().toImage()
        image.save(str(RENDERS / f"{name}.png"))
        assert not_blank(image), name


# Restore -------------------------------------------------------------------------------------


def test_restore_refuses_while_others_are_connected(
    qtbot: QtBot, shared_file: Path, open_as: Callable[..., Coordinator]
) -> None:
    from organizer.sharing.backups import default_backup_folders, list_backups, rotating_backup

    alex, sam = open_as("Alex", shared_file), open_as("Sam", shared_file)
    rotating_backup(alex.db, default_backup_folders(alex.db))
    qtbot.waitUntil(lambda: bool(alex.session.presence.others), timeout=3000)
    dialog = RestoreDialog(
        shared_file.name,
        list_backups(default_backup_folders(alex.db)),
        alex.session.presence.others,
        alex.window,
        confirm=False,
    )
    qtbot.addWidget(dialog)
    assert dialog.list.count() == 2  # one in the local folder, one beside the file
    assert not dialog.restore_button.isEnabled()
    assert "Sam on office-pc" in dialog.message.text()
    del sam


def test_restore_puts_the_backup_back_and_reopens(
    qtbot: QtBot, shared_file: Path, tmp_path: Path
) -> None:
    from organizer.sharing.backups import default_backup_folders, list_backups

    workspace = Workspace(QSettings(str(tmp_path / "w.ini"), QSettings.Format.IniFormat))
    window = workspace.show_database(open_database(shared_file))
    qtbot.addWidget(window)
    assert workspace.db is not None and workspace.context is not None
    db = workspace.db
    folders = default_backup_folders(db)
    qtbot.waitUntil(lambda: bool(list_backups(folders)), timeout=5000)  # the daily backup
    services = workspace.context.services
    volunteer = services.volunteers.list()[0]
    services.volunteers.set_active(volunteer.id, volunteer.version, False)

    backups = list_backups(folders)
    dialog = RestoreDialog(shared_file.name, backups, [], window, confirm=False)
    qtbot.addWidget(dialog)
    assert dialog.restore_button.isEnabled()
    qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    assert dialog.chosen == backups[0]
    restore_now(workspace, shared_file, backups[0], [])

    assert workspace.db is not db and workspace.context is not None
    assert workspace.context.services.volunteers.list()[0].active
    workspace.close()


# The merge rule ------------------------------------------------------------------------------

values = st.sampled_from(["a", "b", "c", None])


@given(st.lists(st.tuples(values, values, values), min_size=1, max_size=8), st.booleans())
def test_merge_takes_mine_where_i_changed_and_theirs_elsewhere(
    triples: list[tuple[str | None, str | None, str | None]], prefer_mine: bool
) -> None:
    fields = [FieldVersions(f"f{i}", f"F{i}", *triple) for i, triple in enumerate(triples)]
    picks = {f.key: prefer_mine for f in fields if f.clash}
    merged = merged_values(fields, picks)
    for field in fields:
        if field.clash:
            assert merged[field.key] == (field.mine if prefer_mine else field.theirs)
        elif field.mine != field.base:
            assert merged[field.key] == field.mine
        else:
            assert merged[field.key] == field.theirs
        # Nobody's change is ever lost unless the person picked against it.
        if field.they_changed and not field.i_changed:
            assert merged[field.key] == field.theirs
