"""The volunteer-record actions the Volunteers page offers, and the windows they open.

:class:`PeopleActions` makes the page's "Import…" and "Export…" buttons and its "More" menu
(find duplicates, review flagged sign-ups, anonymise inactive volunteers), and the items of a
volunteer's context menu (export this person's data, erase this person).  It keeps what
lasts while the file is open, such as the pairs marked "Not the same person".
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QMenu, QPushButton, QToolButton, QWidget

from organizer.ui.context import ViewContext
from organizer.ui.people.common import tr
from organizer.ui.people.duplicates_view import Dismissed, DuplicatesDialog, FlaggedDialog
from organizer.ui.people.export_dialog import ExportDialog
from organizer.ui.people.import_wizard import ImportWizard
from organizer.ui.people.privacy_dialogs import AnonymiseDialog, EraseDialog, PersonDataDialog

READ_ONLY_TIP = "This file is open read-only"


class PeopleActions(QObject):
    """Buttons, menu items and windows for volunteer records in bulk, for one page.

    ``notify`` shows a line on the page (an undo refused after the import window closed).
    """

    def __init__(self, context: ViewContext, page: QWidget, notify: Callable[[str], None]) -> None:
        """Make the buttons and menu; nothing opens until asked."""
        super().__init__(page)
        self.context = context
        self.page = page
        self.notify = notify
        self.dismissed: Dismissed = set()
        self.dialog: QDialog | None = None
        writable = not context.read_only

        self.import_button = QPushButton(tr("&Import…"))
        self.import_button.setAccessibleName(tr("Import volunteers"))
        self.import_button.setToolTip(tr("Add volunteers from a spreadsheet (CSV or Excel)"))
        self.import_button.clicked.connect(self.open_import)
        self.export_button = QPushButton(tr("E&xport…"))
        self.export_button.setAccessibleName(tr("Export volunteers"))
        self.export_button.setToolTip(tr("Write the volunteers to a spreadsheet"))
        self.export_button.clicked.connect(self.open_export)

        self.duplicates_action = QAction(tr("Find &duplicates…"), self)
        self.duplicates_action.triggered.connect(self.open_duplicates)
        self.flagged_action = QAction(tr("Review &flagged sign-ups"), self)
        self.flagged_action.triggered.connect(self.open_flagged)
        self.anonymise_action = QAction(tr("&Anonymise inactive volunteers…"), self)
        self.anonymise_action.triggered.connect(self.open_anonymise)
        self.menu = QMenu(page)
        self.menu.setAccessibleName(tr("More volunteer actions"))
        self.menu.addAction(self.duplicates_action)
        self.menu.addAction(self.flagged_action)
        self.menu.addSeparator()
        self.menu.addAction(self.anonymise_action)
        self.more_button = QToolButton()
        self.more_button.setText(tr("More"))
        self.more_button.setAccessibleName(tr("More volunteer actions"))
        self.more_button.setToolTip(tr("Duplicates, flagged sign-ups and keeping data tidy"))
        self.more_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.more_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.more_button.setMenu(self.menu)

        for widget in (self.import_button, self.export_button):
            widget.setEnabled(writable)
            if not writable:
                widget.setToolTip(tr(READ_ONLY_TIP))
        self.anonymise_action.setEnabled(writable)

    def buttons(self) -> list[QWidget]:
        """The widgets to put in the page's header."""
        return [self.import_button, self.export_button, self.more_button]

    def person_menu(self, volunteer_id: int, name: str, menu: QMenu) -> None:
        """Add the actions about one volunteer to their context ``menu``."""
        writable = not self.context.read_only
        data = menu.addAction(tr("Export this person's data…"))
        data.setEnabled(writable)
        data.triggered.connect(lambda: self.open_person_data(volunteer_id, name))
        erase = menu.addAction(tr("Erase this person…"))
        erase.setEnabled(writable)
        erase.triggered.connect(lambda: self.open_erase(volunteer_id, name))

    # Windows --------------------------------------------------------------------------------

    def _open(self, dialog: QDialog) -> None:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        dialog.open()

    def open_import(self) -> ImportWizard:
        """The import wizard."""
        wizard = ImportWizard(self.context, self.page, notify=self.notify)
        self._open(wizard)
        return wizard

    def open_export(self) -> ExportDialog:
        """The export dialog."""
        dialog = ExportDialog(self.context, self.page)
        self._open(dialog)
        return dialog

    def open_duplicates(self) -> DuplicatesDialog:
        """Likely duplicates, side by side."""
        dialog = DuplicatesDialog(self.context, self.dismissed, self.page)
        self._open(dialog)
        return dialog

    def open_flagged(self) -> FlaggedDialog:
        """Sign-ups flagged for review."""
        dialog = FlaggedDialog(self.context, self.page)
        dialog.erase_requested.connect(
            lambda volunteer_id, name: self._erase_over(dialog, volunteer_id, name)
        )
        self._open(dialog)
        return dialog

    def open_anonymise(self) -> AnonymiseDialog:
        """The retention rule: anonymise inactive volunteers."""
        dialog = AnonymiseDialog(self.context, self.page)
        self._open(dialog)
        return dialog

    def open_person_data(self, volunteer_id: int, name: str) -> PersonDataDialog:
        """Write everything held about one volunteer to a file."""
        dialog = PersonDataDialog(self.context, volunteer_id, name, self.page)
        self._open(dialog)
        return dialog

    def open_erase(self, volunteer_id: int, name: str) -> EraseDialog:
        """Erase one volunteer's personal data."""
        dialog = EraseDialog(self.context, volunteer_id, name, self.page)
        self._open(dialog)
        return dialog

    def _erase_over(self, parent: QDialog, volunteer_id: int, name: str) -> None:
        dialog = EraseDialog(self.context, volunteer_id, name, parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
