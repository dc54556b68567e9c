"""Opening, creating and backing up databases with a person at the keyboard.

Each function calls the storage layer and turns a :class:`~organizer.errors.StorageError`
into a message box that names the file, says what is wrong and offers a way forward (open
read-only, try again, choose another file).  None of them ever shows a traceback.
"""

from __future__ import annotations

import enum
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QSettings, QStandardPaths, Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QFileDialog, QMessageBox, QWidget

from organizer.errors import (
    DatabaseDamagedError,
    DatabaseLockedError,
    DatabaseReadOnlyError,
    OrganizerError,
    StorageError,
)
from organizer.paths import FILE_SUFFIX

if TYPE_CHECKING:
    from organizer.storage import Database

logger = logging.getLogger(__name__)

RECENT_KEY = "recent/databases"
RECENT_LIMIT = 8


class Choice(enum.Enum):
    """What the person chose in a message about a database that could not be used."""

    OPEN_READ_ONLY = enum.auto()
    TRY_AGAIN = enum.auto()
    CHOOSE_ANOTHER = enum.auto()
    RESTORE_BACKUP = enum.auto()
    CANCEL = enum.auto()
    CLOSE = enum.auto()


def _button_text(choice: Choice) -> str:
    return {
        Choice.OPEN_READ_ONLY: QCoreApplication.translate("Opening", "Open read-only"),
        Choice.TRY_AGAIN: QCoreApplication.translate("Opening", "Try again"),
        Choice.CHOOSE_ANOTHER: QCoreApplication.translate("Opening", "Choose another file…"),
        Choice.RESTORE_BACKUP: QCoreApplication.translate("Opening", "Restore a backup…"),
        Choice.CANCEL: QCoreApplication.translate("Opening", "Cancel"),
        Choice.CLOSE: QCoreApplication.translate("Opening", "Close"),
    }[choice]


def file_label(target: str) -> str:
    """A short name for a database target: the file name, or the whole URL for a server."""
    return target if "://" in target else Path(target).name or target


def ask_about_storage_error(
    error: StorageError, title: str, choices: list[Choice], parent: QWidget | None = None
) -> Choice:
    """Show ``error`` in a message box with one button per choice; return the one clicked.

    The last choice is the default for Escape and for closing the box.
    """
    box = QMessageBox(parent)
    box.setObjectName("storage-error")
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(title)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(error.message)
    buttons: dict[QAbstractButton, Choice] = {}
    for index, choice in enumerate(choices):
        if index == len(choices) - 1:
            role = QMessageBox.ButtonRole.RejectRole
        elif index == 0:
            role = QMessageBox.ButtonRole.AcceptRole
        else:
            role = QMessageBox.ButtonRole.ActionRole
        button = box.addButton(_button_text(choice), role)
        buttons[button] = choice
        if index == 0:
            box.setDefaultButton(button)
        if index == len(choices) - 1:
            box.setEscapeButton(button)
    box.exec()
    return buttons.get(box.clickedButton(), choices[-1])


def open_database_interactively(
    target: str,
    parent: QWidget | None = None,
    *,
    read_only: bool = False,
    create_if_missing: bool = False,
) -> Database | None:
    """Open ``target``, explaining any problem to the person; ``None`` if they give up.

    Args:
        target: A file path or database URL.
        parent: The window the messages belong to.
        read_only: Open without the right to change anything.
        create_if_missing: Create the file (and its folder) when it is not there.  Only for
            Organizer's own default file; a missing file the person named is more likely a
            disconnected drive than a wish for a new, empty database.
    """
    from organizer.storage import open_database  # the data layer loads after the window shows

    while True:
        if create_if_missing and _missing_or_empty(target):
            created = create_database_interactively(target, parent, make_folder=True)
            if created is None or not read_only:
                return created
            created.close()
        try:
            return open_database(target, read_only=read_only)
        except StorageError as error:
            logger.warning("Could not open %s: %s", target, error)
            title = QCoreApplication.translate("Opening", "Cannot open {name}").format(
                name=file_label(target)
            )
            choices = _choices_for(error, read_only)
            if isinstance(error, DatabaseDamagedError) and "://" not in target:
                choices.insert(0, Choice.RESTORE_BACKUP)
            choice = ask_about_storage_error(error, title, choices, parent)
        if choice is Choice.RESTORE_BACKUP:
            restore_damaged_file(Path(target).expanduser(), parent)
        elif choice is Choice.OPEN_READ_ONLY:
            read_only = True
        elif choice is Choice.CHOOSE_ANOTHER:
            chosen = choose_database_file(parent, start=target)
            if chosen is None:
                return None
            target, read_only, create_if_missing = chosen, False, False
        elif choice in (Choice.CANCEL, Choice.CLOSE):
            return None


def _choices_for(error: StorageError, read_only: bool) -> list[Choice]:
    if isinstance(error, DatabaseLockedError):
        return [Choice.TRY_AGAIN, Choice.CANCEL]
    if isinstance(error, DatabaseReadOnlyError) and not read_only:
        return [Choice.OPEN_READ_ONLY, Choice.CHOOSE_ANOTHER, Choice.CANCEL]
    return [Choice.CHOOSE_ANOTHER, Choice.CANCEL]


def restore_damaged_file(path: Path, parent: QWidget | None = None) -> bool:
    """Offer the backups of a file too damaged to open; put the chosen one in its place.

    The file cannot say who else has it open, so nobody is named; the damaged file is kept
    beside it.  Returns whether a backup was restored.
    """
    from organizer.paths import data_dir
    from organizer.sharing.backups import SHARED_FOLDER_NAME, list_backups, restore_backup
    from organizer.ui.sharing.restore_dialog import RestoreDialog

    local = data_dir() / "backups"  # one folder per file id, which the damaged file hides
    folders = [path.parent / SHARED_FOLDER_NAME]
    folders += sorted(p for p in local.iterdir() if p.is_dir()) if local.is_dir() else []
    backups = [b for b in list_backups(folders) if b.path.name.startswith(f"{path.stem}.backup-")]
    dialog = RestoreDialog(path.name, backups, [], parent)
    if dialog.exec() != RestoreDialog.DialogCode.Accepted or dialog.chosen is None:
        return False
    try:
        restore_backup(path, dialog.chosen.path, others=[])
    except OrganizerError as error:
        title = QCoreApplication.translate("Opening", "Cannot restore {name}")
        ask_about_storage_error(
            StorageError(str(error)), title.format(name=path.name), [Choice.CLOSE], parent
        )
        return False
    logger.info("Restored %s from %s", path, dialog.chosen.path)
    return True


def _missing_or_empty(target: str) -> bool:
    if "://" in target:
        return False
    path = Path(target).expanduser()
    return not path.exists() or (path.is_file() and path.stat().st_size == 0)


def create_database_interactively(
    target: str, parent: QWidget | None = None, *, make_folder: bool = False
) -> Database | None:
    """Create a new database at ``target``; on failure explain why and return ``None``.

    Args:
        target: Where to create it (a file path or database URL).
        parent: The window the messages belong to.
        make_folder: Create the file's folder first if it is missing.
    """
    from organizer.storage import create_database

    title = QCoreApplication.translate("Opening", "Cannot create {name}").format(
        name=file_label(target)
    )
    try:
        if make_folder and "://" not in target:
            _make_folder(Path(target).expanduser().parent)
        database = create_database(target)
    except StorageError as error:
        logger.warning("Could not create %s: %s", target, error)
        ask_about_storage_error(error, title, [Choice.CLOSE], parent)
        return None
    logger.info("Created database %s", database.display_name)
    return database


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        reason = error.strerror or str(error)
        raise StorageError(
            QCoreApplication.translate(
                "Opening", "The folder {folder} could not be created ({reason})."
            ).format(folder=folder, reason=reason)
        ) from error


def backup_interactively(db: Database, target: Path, parent: QWidget | None = None) -> Path | None:
    """Write a backup copy of ``db`` to ``target``; on failure explain why and return ``None``."""
    from organizer.storage import backup_to

    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        copy = backup_to(db, target)
    except StorageError as error:
        QApplication.restoreOverrideCursor()
        logger.warning("Could not back up %s to %s: %s", db.display_name, target, error)
        title = QCoreApplication.translate("Opening", "Cannot back up {name}").format(
            name=file_label(db.display_name)
        )
        ask_about_storage_error(error, title, [Choice.CLOSE], parent)
        return None
    QApplication.restoreOverrideCursor()
    logger.info("Backed up %s to %s", db.display_name, copy)
    return copy


def documents_folder() -> Path:
    """The person's documents folder, where file dialogs start."""
    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(location) if location else Path.home()


def file_filter() -> str:
    """The file-type filter for Organizer files in file dialogs."""
    return QCoreApplication.translate(
        "Opening", "Organizer files (*{suffix});;All files (*)"
    ).format(suffix=FILE_SUFFIX)


def choose_database_file(parent: QWidget | None = None, start: str | None = None) -> str | None:
    """Ask for an existing Organizer file to open; ``None`` if the person cancels."""
    folder = documents_folder()
    if start and "://" not in start and Path(start).expanduser().parent.is_dir():
        folder = Path(start).expanduser().parent
    chosen, _ = QFileDialog.getOpenFileName(
        parent,
        QCoreApplication.translate("Opening", "Open an Organizer file"),
        str(folder),
        file_filter(),
    )
    return chosen or None


class RecentDatabases:
    """The databases opened most recently, newest first, kept in the settings."""

    def __init__(self, settings: QSettings) -> None:
        """Read and write the list in ``settings``."""
        self._settings = settings

    def paths(self) -> list[str]:
        """The remembered paths, newest first."""
        value = self._settings.value(RECENT_KEY, [])
        # QSettings hands back a lone string for a one-item list in INI files.
        items = [value] if isinstance(value, str) else value if isinstance(value, list) else []
        return [str(item) for item in items if item][:RECENT_LIMIT]

    def add(self, path: str) -> None:
        """Put ``path`` first."""
        paths = [path, *(p for p in self.paths() if p != path)]
        self._settings.setValue(RECENT_KEY, paths[:RECENT_LIMIT])

    def remove(self, path: str) -> None:
        """Forget ``path``."""
        self._settings.setValue(RECENT_KEY, [p for p in self.paths() if p != path])

    def clear(self) -> None:
        """Forget every path."""
        self._settings.remove(RECENT_KEY)
