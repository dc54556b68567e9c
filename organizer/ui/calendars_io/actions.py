"""The Calendars menu: import, replies, export, publish, feeds and organisation settings.

This module stays light (Qt only): each dialog is imported when it is first opened, so the
calendar code costs nothing at start-up.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QSettings, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QMenu, QWidget

from organizer.ui import app_settings
from organizer.ui.context import ViewContext


class CalendarActions(QObject):
    """Creates the calendar actions in ``menu`` and opens their dialogs over ``window``.

    ``show_status`` receives one-line results ("Saved 134 events to …").  Importing,
    publishing and feeds are disabled on a read-only database; exporting stays available.
    """

    def __init__(
        self,
        window: QWidget,
        context: ViewContext,
        menu: QMenu,
        *,
        show_status: Callable[[str], Any] | None = None,
        settings: QSettings | None = None,
    ) -> None:
        """Fill ``menu`` for ``context``'s database."""
        super().__init__(window)
        self.window = window
        self.context = context
        self.menu = menu
        self.show_status = show_status or (lambda _text: None)
        self.settings = settings if settings is not None else app_settings()
        self.dialog: QDialog | None = None

        self.import_action = self._action(
            self.tr("&Import calendar file…"),
            self.tr("Add events from a Google, Outlook, Apple or Thunderbird calendar file"),
            self.open_import,
            writes=True,
        )
        self.replies_action = self._action(
            self.tr("Import &replies…"),
            self.tr("Record volunteers' answers to their invitations"),
            self.open_replies,
            writes=True,
        )
        self.export_action = self._action(
            self.tr("&Export calendar…"),
            self.tr("Save events or one volunteer's shifts as a calendar file"),
            self.open_export,
        )
        self.publish_action = self._action(
            self.tr("&Publish changes…"),
            self.tr("Send volunteers invitations for new and changed shifts"),
            self.open_publish,
            writes=True,
        )
        self.feeds_action = self._action(
            self.tr("Update calendar &feeds"),
            self.tr("Bring the always-current calendar files in the feed folder up to date"),
            self.update_feeds,
            writes=True,
        )
        self.settings_action = self._action(
            self.tr("&Organisation settings…"),
            self.tr("Who invitations come from, reminders and the mail server"),
            self.open_settings,
        )
        menu.clear()
        menu.addActions([self.import_action, self.replies_action])
        menu.addSeparator()
        menu.addActions([self.export_action, self.publish_action, self.feeds_action])
        menu.addSeparator()
        menu.addAction(self.settings_action)
        menu.menuAction().setVisible(True)

    def _action(
        self, text: str, tip: str, slot: Callable[[], Any], *, writes: bool = False
    ) -> QAction:
        action = QAction(text, self)
        action.setStatusTip(tip)
        action.setToolTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        if writes and self.context.read_only:
            action.setEnabled(False)
            action.setStatusTip(self.tr("Not available: this database is open read-only"))
        return action

    def actions(self) -> list[QAction]:
        """Every calendar action, in menu order."""
        return [
            self.import_action,
            self.replies_action,
            self.export_action,
            self.publish_action,
            self.feeds_action,
            self.settings_action,
        ]

    def _show(self, dialog: QDialog) -> QDialog:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        dialog.open()
        return dialog

    def open_export(self) -> QDialog:
        """Open the export dialog."""
        from organizer.ui.calendars_io.export_dialog import ExportDialog

        dialog = ExportDialog(self.context, self.window, settings=self.settings)
        dialog.exported.connect(self.show_status)
        return self._show(dialog)

    def open_publish(self) -> QDialog:
        """Open the publish dialog."""
        from organizer.ui.calendars_io.publish_dialog import PublishDialog

        dialog = PublishDialog(self.context, self.window, settings=self.settings)
        dialog.status_message.connect(self.show_status)
        return self._show(dialog)

    def open_import(self) -> QDialog:
        """Open the import wizard."""
        from organizer.ui.calendars_io.import_wizard import ImportWizard

        wizard = ImportWizard(
            self.context, self.window, settings=self.settings, undo_failed=self.show_status
        )
        wizard.imported.connect(
            lambda result: self.show_status(
                self.tr("Imported {new} new and {updated} updated events").format(
                    new=len(result.created), updated=len(result.updated)
                )
            )
        )
        return self._show(wizard)

    def open_replies(self) -> QDialog:
        """Open the replies dialog."""
        from organizer.ui.calendars_io.replies_dialog import RepliesDialog

        return self._show(RepliesDialog(self.context, self.window, settings=self.settings))

    def open_settings(self) -> QDialog:
        """Open the organisation settings."""
        from organizer.ui.calendars_io.settings_dialog import SettingsDialog

        dialog = SettingsDialog(
            self.context, self.window, settings=self.settings, undo_failed=self.show_status
        )
        dialog.saved.connect(lambda _s: self.show_status(self.tr("Organisation settings saved")))
        return self._show(dialog)

    def update_feeds(self) -> None:
        """Bring the feed folder up to date in the background (or ask for a folder first)."""
        from organizer.ui.calendars_io.common import FEED_FOLDER_KEY, run

        folder_text = str(self.settings.value(FEED_FOLDER_KEY, "") or "")
        if not folder_text:
            self.show_status(self.tr("Choose a feed folder in the organisation settings first."))
            self.open_settings()
            return
        folder = Path(folder_text)
        services = self.context.services
        self.feeds_action.setEnabled(False)
        self.show_status(self.tr("Updating calendar feeds…"))

        def work(progress: Any) -> Any:
            from datetime import UTC, datetime

            from organizer.ics.feeds import update_feeds
            from organizer.ics.publish import default_period
            from organizer.ui.calendars_io.publish_dialog import organiser_of

            now = datetime.now(UTC)
            starts, ends = default_period(now)
            contact = organiser_of(services.settings.get())
            return update_feeds(
                services.settings.db,
                folder,
                starts=starts,
                ends=ends,
                now=now,
                contact=contact,
                progress=progress,
            )

        def done(result: Any) -> None:
            self.feeds_action.setEnabled(True)
            self.show_status(
                self.tr("Calendar feeds in {folder}: {written} updated, {same} unchanged").format(
                    folder=folder, written=len(result.written), same=result.unchanged
                )
            )

        def failed(error: Exception) -> None:
            from organizer.errors import OrganizerError

            self.feeds_action.setEnabled(True)
            if not isinstance(error, OrganizerError):
                raise error
            self.show_status(str(error))

        run(self, self.context, work, done, failed)
