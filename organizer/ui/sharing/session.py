"""Everything a window does because its file may be shared, started and stopped together.

Opening a file starts live refresh and presence, takes the day's rotating backup (in the
worker) and shows banners for a read-only file, a sync folder or a file whose locks do not
work.  Closing it stops the polling and leaves.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QLabel, QMainWindow

from organizer.storage import Database
from organizer.ui.context import ViewContext
from organizer.ui.sharing.banners import ALERT, INFO, WARNING, BannerArea
from organizer.ui.sharing.live import POLL_MS, LiveRefresh
from organizer.ui.sharing.presence import PresenceTracker, describe_others

logger = logging.getLogger(__name__)

READ_ONLY_TEXT = "This file is read-only for you: you can look but not change anything."


def sync_folder_text(service: str) -> str:
    """Why a file in a sync folder is risky to share."""
    return (
        f"This file is in a {service} folder. {service} copies files between computers "
        "without any locking, so two people working at once can lose each other's changes "
        "or damage the file. Let one person at a time use it, or keep it on a shared network "
        "drive instead."
    )


NO_LOCKS_TEXT = (
    "File locking does not work where this file is kept, so two people saving at once could "
    "damage it. Let only one person at a time have it open, or move it to a drive whose "
    "locks work."
)


class SharingSession(QObject):
    """Live refresh, presence, backups and banners for one open file in one window."""

    def __init__(
        self,
        window: QMainWindow,
        context: ViewContext,
        db: Database,
        *,
        poll_ms: int = POLL_MS,
        heartbeat_ms: int | None = None,
        user: str | None = None,
        host: str | None = None,
        backups: bool = True,
    ) -> None:
        """Prepare (but do not start) sharing for ``db`` shown in ``window``."""
        super().__init__(context.hub)
        self.setObjectName("sharing-session")
        self.window = window
        self.context = context
        self.db = db
        self.backups = backups
        self.live = LiveRefresh(context, db, interval_ms=poll_ms)
        self.presence = PresenceTracker(
            context, db, user=user, host=host, heartbeat_ms=heartbeat_ms
        )
        self.presence_label = QLabel()
        self.presence_label.setObjectName("presence-status")
        self.presence_label.setAccessibleName(self.tr("Who else has the file open"))
        self.presence_label.hide()
        self.update_label = QLabel()
        self.update_label.setObjectName("update-status")
        self.update_label.setAccessibleName(self.tr("Latest change by someone else"))
        self.update_label.hide()
        status = window.statusBar()
        status.insertPermanentWidget(0, self.update_label)
        status.insertPermanentWidget(0, self.presence_label)
        self.live.status.connect(self._show_update)
        self.presence.others_changed.connect(self._show_others)

    @property
    def banners(self) -> BannerArea | None:
        """The window's banner area, if it has one."""
        area = getattr(self.window, "banner_area", None)
        return area if isinstance(area, BannerArea) else None

    def start(self) -> None:
        """Show what is known now, then start polling, presence, checks and the backup."""
        if self.db.read_only and self.banners is not None:
            self.banners.show_banner("read-only", self.tr(READ_ONLY_TEXT), INFO)
        self.live.start()
        self.presence.start()
        path = self.db.path
        if path is None:
            return
        self.context.worker.submit(
            lambda: _check_place(path, writable=not self.db.read_only),
            on_done=self._show_checks,
            on_error=_log,
        )
        if self.backups and not self.db.read_only:
            self.context.worker.submit(lambda: _daily_backup(self.db), on_error=_log)

    def stop(self) -> None:
        """Stop polling and leave (the worker finishes what is queued)."""
        self.live.stop()
        self.presence.stop()

    def _show_update(self, text: str) -> None:
        self.update_label.setText(text)
        self.update_label.show()
        self.window.statusBar().showMessage(text, 8000)

    def _show_others(self, others: list[object]) -> None:
        text = describe_others(self.presence.others)
        self.presence_label.setText(text)
        self.presence_label.setVisible(bool(text))

    def _show_checks(self, result: tuple[str | None, bool]) -> None:
        service, locks = result
        area = self.banners
        if area is None:
            return
        if service:
            area.show_banner("sync-folder", self.tr(sync_folder_text(service)), WARNING)
        if not locks:
            area.show_banner("no-locks", self.tr(NO_LOCKS_TEXT), ALERT)


def _check_place(path: Path, *, writable: bool) -> tuple[str | None, bool]:
    from organizer.sharing.checks import locks_work, sync_folder_name

    return sync_folder_name(path), locks_work(path) if writable else True


def _daily_backup(db: Database) -> list[Path]:
    from organizer.sharing.backups import default_backup_folders, rotating_backup

    return rotating_backup(db, default_backup_folders(db))


def _log(error: Exception) -> None:
    logger.warning("Sharing check or backup failed: %s", error)


def session_of(context: ViewContext) -> SharingSession | None:
    """The sharing session of ``context``'s window, if one runs."""
    return context.hub.findChild(SharingSession, "sharing-session")
