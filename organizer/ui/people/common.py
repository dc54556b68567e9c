"""Pieces the volunteer-record windows share: background runs, progress, files, messages."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QStandardPaths, Qt, Signal
from PySide6.QtGui import QPalette, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QWidget,
)

from organizer.errors import OrganizerError
from organizer.ui.context import ViewContext
from organizer.ui.path_field import PathChooser
from organizer.ui.tones import Tone, scaled_font, tone_colours
from organizer.ui.worker import submit_owned


def tr(text: str) -> str:
    """``text`` translated in the volunteer-records windows' context."""
    return QCoreApplication.translate("People", text)


def plural(count: int, one: str, many: str, **values: object) -> str:
    """``one`` or ``many`` by ``count``, with ``{count}`` and any other ``values`` filled in."""
    return (one if count == 1 else many).format(count=count, **values)


def documents_folder() -> Path:
    """The person's documents folder (their home folder if there is none)."""
    found = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(found) if found else Path.home()


def run(
    owner: QObject,
    context: ViewContext,
    work: Callable[..., Any],
    done: Callable[[Any], None],
    failed: Callable[[Exception], None],
    progress: Callable[[str, float], None] | None = None,
    *,
    edit: bool = False,
) -> None:
    """Run ``work`` on the worker; answers reach ``owner`` only while it still exists.

    ``work`` taking a ``progress`` keyword gets progress reports, passed on to ``progress``.
    A bug (an error that is not an :class:`OrganizerError`) goes to the crash handler even
    when the owner has gone.  With ``edit``, ``work`` makes an edit that ``done`` puts on
    the undo stack: Undo waits for it (see :meth:`UndoStack.expect`).
    """
    job = submit_owned(
        context.worker,
        owner,
        work,
        on_done=done,
        on_error=failed,
        on_progress=progress,
        bugs_to_owner=False,
    )
    if edit:
        context.undo_stack.expect(job)


class CancelFlag:
    """Set from the GUI thread, read by a long job through ``cancel()`` (it is callable)."""

    def __init__(self) -> None:
        """Not cancelled."""
        self.requested = False

    def __call__(self) -> bool:
        """Whether the person asked to stop."""
        return self.requested


def heading(text: str, factor: float = 1.3) -> QLabel:
    """A window's bold title line."""
    label = QLabel(text)
    label.setAccessibleName(tr("Heading"))
    label.setFont(scaled_font(label.font(), factor))
    return label


def muted(text: str, accessible_name: str) -> QLabel:
    """A wrapped line of quieter text: a hint or an explanation."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setAccessibleName(accessible_name)
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    return label


class Notice(QLabel):
    """A wrapped message on a tinted background (calm, good news, a warning, a problem).

    Hidden while it has nothing to say.
    """

    def __init__(self, accessible_name: str, parent: QWidget | None = None) -> None:
        """A hidden notice called ``accessible_name``."""
        super().__init__(parent)
        self.setAccessibleName(accessible_name)
        self.setWordWrap(True)
        self.setMargin(8)
        self.setAutoFillBackground(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.tone = Tone.CALM
        self.hide()

    def say(self, text: str, tone: Tone = Tone.CALM) -> None:
        """Show ``text`` in the colours of ``tone`` ("" hides the notice)."""
        self.tone = tone
        self.setText(text)
        palette = QPalette(self.palette())
        background, foreground = tone_colours(palette, tone)
        palette.setColor(QPalette.ColorRole.Window, background)
        palette.setColor(QPalette.ColorRole.WindowText, foreground)
        self.setPalette(palette)
        self.setVisible(bool(text))

    @property
    def shown_text(self) -> str:
        """What the notice says ("" when hidden)."""
        return self.text() if not self.isHidden() else ""


class ProgressRow(QWidget):
    """A progress bar with what is happening beside it and a Cancel button."""

    cancel_requested = Signal()

    def __init__(self, accessible_name: str, parent: QWidget | None = None) -> None:
        """A hidden row called ``accessible_name``."""
        super().__init__(parent)
        self.setAccessibleName(accessible_name)
        self.bar = QProgressBar()
        self.bar.setAccessibleName(tr("Progress"))
        self.bar.setRange(0, 100)
        self.stage = QLabel()
        self.stage.setAccessibleName(tr("What is happening"))
        self.stage.setMinimumWidth(160)
        self.cancel_button = QPushButton(tr("Cancel"))
        self.cancel_button.setAccessibleName(tr("Stop this"))
        self.cancel_button.clicked.connect(self._cancel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addWidget(self.stage)
        layout.addWidget(self.bar, 1)
        layout.addWidget(self.cancel_button)
        self.flag = CancelFlag()
        self.hide()

    def start(self, stage: str) -> CancelFlag:
        """Show the row at 0%; returns the flag the job checks for Cancel."""
        self.flag = CancelFlag()
        self.bar.setValue(0)
        self.stage.setText(stage)
        self.cancel_button.setEnabled(True)
        self.show()
        return self.flag

    def report(self, stage: str, fraction: float) -> None:
        """Move the bar (progress reports from the job)."""
        self.stage.setText(tr(stage))
        self.bar.setValue(round(max(0.0, min(1.0, fraction)) * 100))

    def stop(self) -> None:
        """Hide the row."""
        self.hide()

    def _cancel(self) -> None:
        self.flag.requested = True
        self.cancel_button.setEnabled(False)
        self.stage.setText(tr("Stopping…"))
        self.cancel_requested.emit()


class FileField(PathChooser):
    """A file path typed or picked with "Choose…"; ``changed`` says it was edited or picked."""

    changed = Signal(str)

    def __init__(
        self,
        accessible_name: str,
        title: str,
        file_filter: str,
        *,
        save: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        """A field called ``accessible_name``; the chooser opens (or saves) with ``filter``."""
        super().__init__(accessible_name, title, parent)
        self.file_filter = file_filter
        self.save = save
        self.line.textChanged.connect(self.changed)

    def start_folder(self) -> Path:
        """The documents folder."""
        return documents_folder()

    def pick(self, start: str) -> str:
        """A file to open, or to save when ``save``."""
        if self.save:
            chosen, _ = QFileDialog.getSaveFileName(self, self.title, start, self.file_filter)
        else:
            chosen, _ = QFileDialog.getOpenFileName(self, self.title, start, self.file_filter)
        return chosen


def confirm(
    parent: QWidget,
    title: str,
    text: str,
    details: str,
    action: str,
    *,
    destructive: bool = False,
) -> bool:
    """Ask before doing something that matters; ``action`` names the button that goes ahead."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning if destructive else QMessageBox.Icon.Question)
    box.setWindowTitle(title)
    box.setText(text)
    box.setInformativeText(details)
    go = box.addButton(
        action,
        QMessageBox.ButtonRole.DestructiveRole
        if destructive
        else QMessageBox.ButtonRole.AcceptRole,
    )
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel if destructive else go)
    box.exec()
    return box.clickedButton() is go


def is_top(stack: QUndoStack, command: QUndoCommand) -> bool:
    """Whether ``command`` is the one Undo would reverse next."""
    if not shiboken6.isValid(stack):  # the window is closing
        return False
    index = stack.index()
    return index > 0 and stack.command(index - 1) is command


def error_text(error: Exception) -> str:
    """What went wrong, in one line for the coordinator."""
    return str(error) if isinstance(error, OrganizerError) else repr(error)
