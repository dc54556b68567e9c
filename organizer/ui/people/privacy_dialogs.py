"""Personal data: the retention rule, and a volunteer's requests to see or erase their data.

* :class:`AnonymiseDialog`: who has been inactive for so many months, then anonymise them
  (their shifts and hours stay in reports under "Former volunteer #12").
* :class:`PersonDataDialog`: everything held about one volunteer, written to a JSON file.
* :class:`EraseDialog`: remove one volunteer's personal data, confirmed by typing their name.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from organizer.changes import DataChange
from organizer.people.privacy import AnonymiseResult, ErasureResult, RetentionCandidate
from organizer.ui.context import ViewContext
from organizer.ui.people.common import (
    FileField,
    Notice,
    ProgressRow,
    confirm,
    documents_folder,
    error_text,
    heading,
    muted,
    plural,
    run,
    tr,
)
from organizer.ui.people.models import HOURS, LAST_ACTIVE, SHIFTS, WHO, RetentionModel
from organizer.ui.tones import Tone

DEFAULT_MONTHS = 24
PREVIEW_DELAY_MS = 300


def _button_box(*extra: QPushButton) -> QDialogButtonBox:
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    buttons.button(QDialogButtonBox.StandardButton.Close).setAccessibleName(tr("Close"))
    for button in extra:
        buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
    return buttons


# The retention rule ---------------------------------------------------------------------------


class AnonymiseDialog(QDialog):
    """Anonymise volunteers inactive for a chosen number of months, after a preview."""

    def __init__(self, context: ViewContext, parent: QWidget | None = None) -> None:
        """Preview the default period as soon as the window opens."""
        super().__init__(parent)
        self.context = context
        self.busy = False
        self.loaded_months: int | None = None
        self._generation = 0
        self.setWindowTitle(tr("Anonymise inactive volunteers"))
        self.setAccessibleName(tr("Anonymise inactive volunteers"))
        self.setObjectName("anonymise-inactive")
        self.resize(680, 560)

        self.months = QSpinBox()
        self.months.setAccessibleName(tr("Months without activity"))
        self.months.setRange(1, 240)
        self.months.setValue(DEFAULT_MONTHS)
        self.months.setSuffix(tr(" months"))
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(PREVIEW_DELAY_MS)
        self.timer.timeout.connect(self.load)
        self.months.valueChanged.connect(lambda _: self.timer.start())
        months_row = QHBoxLayout()
        months_label = QLabel(tr("&Inactive means no shift and no change to their record for"))
        months_label.setBuddy(self.months)
        months_row.addWidget(months_label)
        months_row.addWidget(self.months)
        months_row.addStretch(1)

        self.model = RetentionModel(self)
        self.table = QTableView()
        self.table.setAccessibleName(tr("Volunteers who would be anonymised"))
        self.table.setModel(self.model)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(WHO, QHeaderView.ResizeMode.Stretch)
        for column in (LAST_ACTIVE, SHIFTS, HOURS):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.summary = Notice(tr("Who would be anonymised"))
        self.progress = ProgressRow(tr("Anonymising progress"))
        self.notice = Notice(tr("Result"))
        self.run_button = QPushButton(tr("&Anonymise…"))
        self.run_button.setAccessibleName(tr("Anonymise these volunteers"))
        self.run_button.clicked.connect(self.anonymise)
        buttons = _button_box(self.run_button)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 14)
        layout.setSpacing(10)
        layout.addWidget(heading(tr("Anonymise inactive volunteers")))
        layout.addWidget(
            muted(
                tr(
                    "Keep personal data only while you need it. Anonymising keeps each "
                    "person's shifts and hours in your reports, under a name like “Former "
                    "volunteer #12”, and removes their name, contact details, notes, health "
                    "notes and availability. It cannot be undone."
                ),
                tr("About anonymising"),
            )
        )
        layout.addLayout(months_row)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.progress)
        layout.addWidget(self.notice)
        layout.addWidget(buttons)
        self._update()
        self.load()

    def load(self) -> None:
        """Work out who the rule would anonymise (in the background)."""
        self.timer.stop()
        months = self.months.value()
        privacy = self.context.services.privacy
        self._generation += 1
        generation = self._generation
        self.loaded_months = None
        self.summary.say(tr("Looking…"))
        self._update()

        def done(found: list[RetentionCandidate]) -> None:
            if generation != self._generation:
                return
            self.loaded_months = months
            self.model.set_items(found)
            if found:
                self.summary.say(
                    plural(
                        len(found),
                        tr("1 volunteer has been inactive for {months} months or more."),
                        tr("{count} volunteers have been inactive for {months} months or more."),
                        months=months,
                    ),
                    Tone.WARN,
                )
            else:
                self.summary.say(
                    tr("Nobody has been inactive for {months} months or more.").format(
                        months=months
                    ),
                    Tone.GOOD,
                )
            self._update()

        def failed(error: Exception) -> None:
            if generation == self._generation:
                self.summary.say(error_text(error), Tone.ALERT)
                self._update()

        run(self, self.context, lambda: privacy.retention_preview(months), done, failed)

    def _update(self) -> None:
        count = self.model.rowCount() if self.loaded_months is not None else 0
        self.run_button.setText(
            plural(count, tr("&Anonymise 1 volunteer…"), tr("&Anonymise {count} volunteers…"))
            if count
            else tr("&Anonymise…")
        )
        self.run_button.setEnabled(bool(count) and not self.busy and not self.context.read_only)
        self.months.setEnabled(not self.busy)

    def anonymise(self) -> None:
        """Anonymise everyone in the list, after asking."""
        months = self.loaded_months
        ids = {candidate.id for candidate in self.model.items}
        if months is None or not ids or self.busy:
            return
        asked = confirm(
            self,
            tr("Anonymise volunteers"),
            plural(
                len(ids),
                tr("Anonymise 1 volunteer?"),
                tr("Anonymise {count} volunteers?"),
            ),
            tr(
                "Their names, contact details, notes and availability are removed for good. "
                "Their shifts and hours stay in reports. This cannot be undone."
            ),
            tr("Anonymise"),
            destructive=True,
        )
        if not asked:
            return
        privacy = self.context.services.privacy
        self.busy = True
        cancel = self.progress.start(tr("Anonymising"))
        self._update()

        def work(progress: Callable[[str, float], None]) -> AnonymiseResult:
            return privacy.anonymise_inactive(months, only=ids, progress=progress, cancel=cancel)

        def done(result: AnonymiseResult) -> None:
            self.busy = False
            self.progress.stop()
            self.notice.say(
                plural(
                    len(result.volunteer_ids),
                    tr("Anonymised 1 volunteer."),
                    tr("Anonymised {count} volunteers."),
                ),
                Tone.GOOD,
            )
            self.context.hub.announce(DataChange.of(self.context.actor, "volunteer"))
            self.load()

        def failed(error: Exception) -> None:
            self.busy = False
            self.progress.stop()
            self.notice.say(error_text(error), Tone.ALERT)
            self._update()

        run(self, self.context, work, done, failed, self.progress.report)


# A data request: everything held about one person ----------------------------------------------


def safe_file_name(text: str) -> str:
    """``text`` without characters file systems refuse."""
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "", text).strip() or "volunteer"


class PersonDataDialog(QDialog):
    """Writes everything held about one volunteer to a JSON file (a data request)."""

    def __init__(
        self,
        context: ViewContext,
        volunteer_id: int,
        name: str,
        parent: QWidget | None = None,
        *,
        folder: Path | None = None,
    ) -> None:
        """Suggest "<name> personal data.json" in ``folder`` (the documents folder)."""
        super().__init__(parent)
        self.context = context
        self.volunteer_id = volunteer_id
        self.written: Path | None = None
        self.setWindowTitle(tr("Export this person's data"))
        self.setAccessibleName(tr("Export this person's data"))
        self.setObjectName("export-person-data")
        self.resize(560, 260)
        self.file_field = FileField(
            tr("File to write"),
            tr("Save {name}'s data as").format(name=name),
            tr("JSON file (*.json)"),
            save=True,
        )
        folder = folder or documents_folder()
        self.file_field.set_path(folder / f"{safe_file_name(name)} personal data.json")
        self.file_field.changed.connect(lambda _: self._update())
        self.notice = Notice(tr("Result"))
        self.export_button = QPushButton(tr("&Export"))
        self.export_button.setAccessibleName(tr("Export their data"))
        self.export_button.setDefault(True)
        self.export_button.clicked.connect(self.export)
        buttons = _button_box(self.export_button)
        buttons.rejected.connect(self.reject)
        file_row = QHBoxLayout()
        file_label = QLabel(tr("&File:"))
        file_label.setBuddy(self.file_field.line)
        file_row.addWidget(file_label)
        file_row.addWidget(self.file_field, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 14)
        layout.setSpacing(10)
        layout.addWidget(heading(tr("Everything held about {name}").format(name=name)))
        layout.addWidget(
            muted(
                tr(
                    "When someone asks what you keep about them, give them this file. It holds "
                    "their record, qualifications, availability, consent, shifts, invitations "
                    "sent and the history of changes. Keep it safe: it is all personal data."
                ),
                tr("About this export"),
            )
        )
        layout.addLayout(file_row)
        layout.addWidget(self.notice)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self.busy = False
        self._update()

    def _update(self) -> None:
        self.export_button.setEnabled(
            self.file_field.path() is not None and not self.busy and not self.context.read_only
        )

    def export(self) -> None:
        """Write the file in the background."""
        path = self.file_field.path()
        if path is None or self.busy:
            return
        if path.suffix.lower() != ".json":
            path = path.with_name(path.name + ".json")
        privacy = self.context.services.privacy
        volunteer_id = self.volunteer_id
        self.busy = True
        self._update()

        def done(written: Path) -> None:
            self.busy = False
            self.written = written
            self.notice.say(tr("Saved to {path}.").format(path=written), Tone.GOOD)
            self._update()

        def failed(error: Exception) -> None:
            self.busy = False
            self.notice.say(error_text(error), Tone.ALERT)
            self._update()

        run(
            self,
            self.context,
            lambda: privacy.export_personal_data(volunteer_id, path),
            done,
            failed,
        )


# A data request: erasing one person -----------------------------------------------------------


def same_name(typed: str, name: str) -> bool:
    """Whether ``typed`` is ``name`` (ignoring case and extra spaces)."""
    return " ".join(typed.split()).casefold() == " ".join(name.split()).casefold() != ""


class EraseDialog(QDialog):
    """Erase one volunteer's personal data at their request, after typing their name.

    ``erased`` carries the :class:`ErasureResult`.
    """

    erased = Signal(object)

    def __init__(
        self,
        context: ViewContext,
        volunteer_id: int,
        name: str,
        parent: QWidget | None = None,
    ) -> None:
        """Read what would go (in the background) as the window opens."""
        super().__init__(parent)
        self.context = context
        self.volunteer_id = volunteer_id
        self.name = name
        self.version: int | None = None
        self.shifts = 0
        self.busy = True
        self.erasure: ErasureResult | None = None
        self.setWindowTitle(tr("Erase this person"))
        self.setAccessibleName(tr("Erase this person"))
        self.setObjectName("erase-person")
        self.resize(560, 320)

        self.explain = QLabel(tr("Reading what is held about them…"))
        self.explain.setAccessibleName(tr("What erasing does"))
        self.explain.setWordWrap(True)
        self.warning = Notice(tr("Warning"))
        self.name_edit = QLineEdit()
        self.name_edit.setAccessibleName(tr("Type their name to confirm"))
        self.name_edit.setPlaceholderText(name)
        self.name_edit.textChanged.connect(lambda _: self._update())
        name_label = QLabel(tr("To confirm, type their name (“{name}”):").format(name=name))
        name_label.setBuddy(self.name_edit)
        name_label.setWordWrap(True)
        self.notice = Notice(tr("Result"))
        self.erase_button = QPushButton(tr("&Erase"))
        self.erase_button.setAccessibleName(tr("Erase their personal data"))
        self.erase_button.clicked.connect(self.erase)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setAccessibleName(tr("Cancel"))
        self.cancel_button.setDefault(True)
        buttons.addButton(self.erase_button, QDialogButtonBox.ButtonRole.DestructiveRole)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 14)
        layout.setSpacing(10)
        layout.addWidget(heading(tr("Erase {name}?").format(name=name)))
        layout.addWidget(self.explain)
        layout.addWidget(self.warning)
        layout.addSpacing(4)
        layout.addWidget(name_label)
        layout.addWidget(self.name_edit)
        layout.addWidget(self.notice)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self._update()
        privacy = context.services.privacy
        run(self, context, lambda: privacy.personal_data(volunteer_id), self._loaded, self._failed)

    def _loaded(self, data: dict[str, Any]) -> None:
        self.busy = False
        self.version = int(data["volunteer"]["version"])
        self.shifts = len(data["assignments"])
        if self.shifts:
            text = plural(
                self.shifts,
                tr(
                    "Their name, contact details, notes, health notes, availability and consent "
                    "notes are removed for good. They have 1 shift on record: it is kept, "
                    "with its hours, under “Former volunteer #{id}”, so your reports add up."
                ),
                tr(
                    "Their name, contact details, notes, health notes, availability and consent "
                    "notes are removed for good. They have {count} shifts on record: these are "
                    "kept, with their hours, under “Former volunteer #{id}”, so your reports "
                    "add up."
                ),
                id=self.volunteer_id,
            )
        else:
            text = tr(
                "They have no shifts on record, so their whole record is deleted, with their "
                "name wherever the history mentions it."
            )
        self.explain.setText(text)
        self.warning.say(
            tr("⚠ This cannot be undone. Export their data first if they asked for it."),
            Tone.ALERT,
        )
        self._update()

    def _failed(self, error: Exception) -> None:
        self.busy = False
        self.notice.say(error_text(error), Tone.ALERT)
        self._update()

    def _update(self) -> None:
        self.erase_button.setEnabled(
            not self.busy
            and self.version is not None
            and self.erasure is None
            and not self.context.read_only
            and same_name(self.name_edit.text(), self.name)
        )

    def erase(self) -> None:
        """Erase their personal data (in the background)."""
        version = self.version
        if version is None or not self.erase_button.isEnabled():
            return
        privacy = self.context.services.privacy
        volunteer_id = self.volunteer_id
        self.busy = True
        self._update()

        def done(result: ErasureResult) -> None:
            self.busy = False
            self.erasure = result
            if result.deleted:
                text = tr("{name} was deleted with all their personal data.")
            else:
                text = tr(
                    "{name}'s personal data was removed; their shifts stay as "
                    "“Former volunteer #{id}”."
                )
            self.notice.say(text.format(name=self.name, id=volunteer_id), Tone.GOOD)
            self.name_edit.setEnabled(False)
            self.cancel_button.setText(tr("Close"))
            self.context.hub.announce(DataChange.of(self.context.actor, "volunteer", "assignment"))
            self.erased.emit(result)
            self._update()

        run(self, self.context, lambda: privacy.erase(volunteer_id, version), done, self._failed)
