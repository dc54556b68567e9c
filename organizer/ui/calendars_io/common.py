"""Pieces the calendar dialogs share: background runs, file pickers, messages, date ranges."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QCoreApplication, QDate, QObject, QSettings, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QDateEdit,
    QFileDialog,
    QLabel,
    QWidget,
)

from organizer.errors import DomainError
from organizer.ui.context import ViewContext
from organizer.ui.path_field import PathChooser
from organizer.ui.worker import submit_owned

EXPORT_FOLDER_KEY = "calendars/export_folder"
OUTBOX_FOLDER_KEY = "calendars/outbox_folder"
FEED_FOLDER_KEY = "calendars/feed_folder"
IMPORT_FOLDER_KEY = "calendars/import_folder"
CALENDAR_FILTER = "calendar_filter"

Clock = Callable[[], datetime]


def tr(text: str) -> str:
    """Translate ``text`` in the calendar dialogs' context (for plain functions)."""
    return QCoreApplication.translate("calendars", text)


def calendar_filter() -> str:
    """The file-type filter for calendar files in file dialogs."""
    return tr("Calendar files (*.ics);;All files (*)")


def now_utc() -> datetime:
    """The current instant (the dialogs' default clock)."""
    return datetime.now(UTC)


def run(
    owner: QObject,
    context: ViewContext,
    work: Callable[..., Any],
    done: Callable[[Any], None],
    failed: Callable[[Exception], None],
    progress: Callable[[str, float], None] | None = None,
) -> None:
    """Run ``work`` on the worker; answers go to ``owner`` only while it still exists.

    ``work`` taking a ``progress`` keyword gets progress reports, passed to ``progress``.  A
    bug (an error that is not an :class:`OrganizerError`) reaches the crash handler even
    when the owner has gone.
    """
    submit_owned(context.worker, owner, work, on_done=done, on_error=failed, on_progress=progress)


def write_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file (a reader never sees half a file).

    Raises:
        DomainError: the file cannot be written; the message names it and says why.
    """
    from organizer.ics.publish import write_atomically

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, data)
    except OSError as error:
        raise DomainError(f"Cannot write {path}: {error.strerror or error}.") from error


def day_range(first: date, last: date, zone_name: str) -> tuple[datetime, datetime]:
    """From the start of ``first`` to the end of ``last`` (both included) in a zone, as UTC."""
    zone = ZoneInfo(zone_name)
    starts = datetime.combine(first, time(), zone).astimezone(UTC)
    ends = datetime.combine(last + timedelta(days=1), time(), zone).astimezone(UTC)
    return starts, ends


def qdate(day: date) -> QDate:
    """A Python date as a QDate."""
    return QDate(day.year, day.month, day.day)


def pydate(value: QDate) -> date:
    """A QDate as a Python date."""
    return date(value.year(), value.month(), value.day())


def date_field(accessible_name: str, day: date) -> QDateEdit:
    """A date with a calendar pop-up, shown as "3 Mar 2026"."""
    edit = QDateEdit()
    edit.setAccessibleName(accessible_name)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("d MMM yyyy")
    edit.setDate(qdate(day))
    return edit


def heading(text: str) -> QLabel:
    """A dialog's bold title line."""
    label = QLabel(text)
    label.setAccessibleName(tr("Heading"))
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * 1.3)
    font.setBold(True)
    label.setFont(font)
    return label


def muted(text: str, accessible_name: str) -> QLabel:
    """A wrapped line of quieter text: a hint or an explanation."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setAccessibleName(accessible_name)
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    return label


def remembered_folder(settings: QSettings, key: str, fallback: Path) -> Path:
    """The folder last used for ``key``, or ``fallback``."""
    value = settings.value(key, "")
    return Path(str(value)) if value else fallback


@dataclass(frozen=True)
class PathKind:
    """What a :class:`PathField` chooses: a file to save, a file to open, or a folder."""

    save: bool = False
    folder: bool = False


SAVE_FILE = PathKind(save=True)
FOLDER = PathKind(folder=True)


class PathField(PathChooser):
    """A calendar file or folder, typed or chosen; ``edited`` says the person changed it."""

    edited = Signal(str)

    def __init__(
        self,
        accessible_name: str,
        kind: PathKind,
        title: str,
        parent: QWidget | None = None,
    ) -> None:
        """A field called ``accessible_name``; the chooser's window title is ``title``."""
        super().__init__(accessible_name, title, parent)
        self.kind = kind
        self.line.textEdited.connect(self.edited)

    def pick(self, start: str) -> str:
        """A folder, or an .ics file to save (the suffix added when left out)."""
        if self.kind.folder:
            return QFileDialog.getExistingDirectory(self, self.title, start)
        chosen, _ = QFileDialog.getSaveFileName(self, self.title, start, calendar_filter())
        if chosen and not Path(chosen).suffix:
            chosen += ".ics"
        return chosen

    def picked(self, chosen: str) -> None:
        """A pick counts as an edit."""
        self.edited.emit(chosen)
