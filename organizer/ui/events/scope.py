"""Asking which dates of a repeating event an edit is for."""

from __future__ import annotations

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from organizer.services.series import Scope


class ScopeDialog(QDialog):
    """This occurrence, this and following, or all occurrences."""

    def __init__(
        self,
        title: str,
        occurrence_text: str,
        *,
        occurrence_allowed: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        """Ask about the event called ``title``, edited on the occurrence ``occurrence_text``."""
        super().__init__(parent)
        self.setWindowTitle(self.tr("Save a repeating event"))
        self.setAccessibleName(self.tr("Which dates to change"))
        question = QLabel(
            self.tr("“{title}” repeats. Which dates should your changes apply to?").format(
                title=title
            )
        )
        question.setWordWrap(True)
        question.setAccessibleName(self.tr("Question"))

        self.only_this = QRadioButton(
            self.tr("Only this occurrence ({day})").format(day=occurrence_text)
        )
        self.only_this.setAccessibleName(self.tr("This occurrence"))
        self.following = QRadioButton(self.tr("This and all following occurrences"))
        self.following.setAccessibleName(self.tr("This and following occurrences"))
        self.every = QRadioButton(self.tr("All occurrences"))
        self.every.setAccessibleName(self.tr("All occurrences"))
        self.group = QButtonGroup(self)
        for number, button in enumerate((self.only_this, self.following, self.every)):
            self.group.addButton(button, number)

        self.only_this_note = self._note(
            self.tr(
                "Only the title, description, place, times and status can differ for one "
                "occurrence. Repeat, roles, cause, time zone and capacity are shared by all."
            )
        )
        self.only_this_note.setVisible(not occurrence_allowed)
        self.only_this.setEnabled(occurrence_allowed)
        past_note = self._note(
            self.tr(
                "Dates that already happened and have volunteers' attendance recorded keep "
                "their times."
            )
        )

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.setAccessibleName(self.tr("Dialog buttons"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setAccessibleName(self.tr("Save"))
        cancel = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setAccessibleName(self.tr("Cancel"))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 14)
        layout.setSpacing(8)
        layout.addWidget(question)
        layout.addSpacing(4)
        layout.addWidget(self.only_this)
        layout.addWidget(self.only_this_note)
        layout.addWidget(self.following)
        layout.addWidget(self.every)
        layout.addWidget(past_note)
        layout.addSpacing(6)
        layout.addWidget(buttons)

        (self.only_this if occurrence_allowed else self.every).setChecked(True)
        self.save_button.setDefault(True)
        self.setMinimumWidth(440)

    def _note(self, text: str) -> QLabel:
        note = QLabel(text)
        note.setWordWrap(True)
        note.setIndent(24)
        note.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        note.setAccessibleName(self.tr("Note"))
        return note

    def scope(self) -> Scope:
        """The dates chosen."""
        if self.only_this.isChecked():
            return Scope.OCCURRENCE
        if self.following.isChecked():
            return Scope.FOLLOWING
        return Scope.ALL

    def choose(self, scope: Scope) -> None:
        """Select ``scope`` (if it is allowed)."""
        button = {
            Scope.OCCURRENCE: self.only_this,
            Scope.FOLLOWING: self.following,
            Scope.ALL: self.every,
        }[scope]
        if button.isEnabled():
            button.setChecked(True)
