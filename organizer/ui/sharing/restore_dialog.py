"""File → Restore from backup…: pick a backup, newest first, and put it in place of the file.

Refuses, naming them, while other coordinators have the file open (they would go on writing
to the replaced file).  Otherwise it asks once more, and the owner restores and reopens.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from organizer.errors import OrganizerError
from organizer.sharing.backups import BackupInfo
from organizer.sharing.presence import PresenceInfo
from organizer.ui.sharing.live import local_time

if TYPE_CHECKING:
    from organizer.app import Workspace
    from organizer.storage import Database
    from organizer.ui.context import ViewContext


def size_text(size: int) -> str:
    """A file size for people: “840 KB”, “12.3 MB”."""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def backup_text(info: BackupInfo) -> str:
    """One line of the list: when the backup was taken, how big it is, where it is."""
    local = info.taken_at.astimezone()
    return f"{local:%a %d %b %Y}, {local:%H:%M} — {size_text(info.size)} — {info.path.parent}"


def refusal_text(others: list[PresenceInfo]) -> str:
    """Why a restore cannot happen now, naming who else is connected."""
    names = "; ".join(f"{p.user} on {p.host} (since {local_time(p.since)})" for p in others)
    return (
        f"The file cannot be restored while others have it open: {names}. "
        "Ask them to close Organizer, then try again."
    )


class RestoreDialog(QDialog):
    """Lists backups; Restore is offered only when nobody else has the file open.

    After ``exec()``/``finished`` with Accepted, :attr:`chosen` is the backup to restore (the
    person has confirmed).
    """

    def __init__(
        self,
        file_name: str,
        backups: list[BackupInfo],
        others: list[PresenceInfo],
        parent: QWidget | None = None,
        *,
        confirm: bool = True,
    ) -> None:
        """Show ``backups`` of ``file_name``; ``others`` are other copies with it open."""
        super().__init__(parent)
        self.setObjectName("restore-dialog")
        self.setWindowTitle(self.tr("Restore from backup"))
        self.setAccessibleName(self.windowTitle())
        self.setMinimumSize(560, 360)
        self.backups = backups
        self.others = others
        self.confirm = confirm
        self.chosen: BackupInfo | None = None

        intro = QLabel(
            self.tr(
                "Choose a backup to put in place of {name}. The current file is kept beside it, "
                "so nothing is lost."
            ).format(name=file_name)
        )
        intro.setWordWrap(True)
        self.list = QListWidget()
        self.list.setAccessibleName(self.tr("Backups, newest first"))
        for info in backups:
            item = QListWidgetItem(backup_text(info))
            item.setData(Qt.ItemDataRole.UserRole, str(info.path))
            item.setToolTip(str(info.path))
            self.list.addItem(item)
        if backups:
            self.list.setCurrentRow(0)
        self.message = QLabel()
        self.message.setObjectName("restore-message")
        self.message.setWordWrap(True)
        self.message.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        if not backups:
            self.message.setText(self.tr("There are no backups of this file yet."))
        elif others:
            self.message.setText(self.tr(refusal_text(others)))
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.restore_button = self.buttons.addButton(
            self.tr("&Restore"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.restore_button.setAccessibleName(self.tr("Restore"))
        self.restore_button.setEnabled(bool(backups) and not others)
        self.buttons.accepted.connect(self.restore)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.setSpacing(10)
        layout.addWidget(intro)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

    def selected(self) -> BackupInfo | None:
        """The backup highlighted in the list."""
        row = self.list.currentRow()
        return self.backups[row] if 0 <= row < len(self.backups) else None

    @Slot()
    def restore(self) -> None:
        """Confirm, then close with the chosen backup (or refuse while others are here)."""
        info = self.selected()
        if info is None or self.others:
            return
        if self.confirm:
            answer = QMessageBox.question(
                self,
                self.tr("Restore this backup?"),
                self.tr(
                    "Replace the file with the backup from {when}? Changes made since then "
                    "will be in the kept copy only."
                ).format(when=backup_text(info).split(" — ")[0]),
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        self.chosen = info
        self.accept()


def restore_interactively(
    workspace: Workspace, db: Database, window: QWidget, context: ViewContext
) -> RestoreDialog | None:
    """List backups and who else is here (in the worker), then restore and reopen the file.

    Returns the dialog once shown (tests drive it); the restore runs when it is accepted.
    """
    from organizer.sharing.backups import default_backup_folders, list_backups
    from organizer.ui.sharing.presence import tracker_of

    path = db.path
    if path is None:
        return None
    tracker = tracker_of(context)
    service = tracker.service if tracker is not None else None

    def look() -> tuple[list[BackupInfo], list[PresenceInfo]]:
        others = service.others() if service is not None else []
        return list_backups(default_backup_folders(db)), others

    def show(result: tuple[list[BackupInfo], list[PresenceInfo]]) -> None:
        backups, others = result
        dialog = RestoreDialog(path.name, backups, others, window)
        workspace.restore_dialog = dialog  # type: ignore[attr-defined]
        dialog.finished.connect(lambda _result: chosen(dialog))
        dialog.open()

    def chosen(dialog: RestoreDialog) -> None:
        info = dialog.chosen
        dialog.deleteLater()
        if info is not None:
            restore_now(workspace, path, info, dialog.others)

    context.worker.submit(look, on_done=show, on_error=lambda error: _tell(window, error))
    return None


def restore_now(
    workspace: Workspace, path: Path, info: BackupInfo, others: list[PresenceInfo]
) -> None:
    """Close the file, put the backup in its place, and open it again in a new window."""
    from organizer.sharing.backups import restore_backup
    from organizer.ui.opening import open_database_interactively
    from organizer.ui.sharing.session import session_of

    context, db = workspace.context, workspace.db
    if context is not None:
        session = session_of(context)
        if session is not None:
            session.stop()
        context.worker.wait()
    if db is not None:
        db.close()
    problem: Exception | None = None
    try:
        restore_backup(path, info.path, others=others)
    except OrganizerError as error:
        problem = error
    reopened = open_database_interactively(str(path), workspace.window)
    if reopened is None:
        return
    shown = workspace.show_database(reopened)
    if problem is not None:
        _tell(shown, problem)
        return
    when = backup_text(info).split(" — ")[0]
    shown.show_status(shown.tr("Restored the backup from {when}").format(when=when))


def _tell(window: QWidget | None, error: Exception) -> None:
    if not isinstance(error, OrganizerError):
        raise error
    QMessageBox.warning(window, "Restore from backup", str(error))
