"""Small pieces the event views share: problem labels under fields, colours, dates in words."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import shiboken6
from PySide6.QtCore import QCoreApplication, QDate, QDateTime, QEvent, QLocale, QObject, Qt, QTime
from PySide6.QtGui import QBrush, QColor, QPalette
from PySide6.QtWidgets import (
    QLabel,
    QMessageBox,
    QSizePolicy,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from organizer.changes import DataChange
from organizer.errors import OrganizerError, StorageError
from organizer.services.series import SeriesService
from organizer.timezones import local_zone_name, utc_offset_text
from organizer.ui.context import ViewContext
from organizer.ui.worker import submit_owned

INVALID_PROPERTY = "invalid"
MUTED_ROLE = Qt.ItemDataRole.UserRole + 10
PROBLEM_ROLE = Qt.ItemDataRole.UserRole + 11
DAY_FORMAT = "ddd d MMM yyyy"
SHORT_DAY_FORMAT = "ddd d MMM"
EVENT_ENTITIES = ("event", "shift", "assignment")


def series_service(context: ViewContext) -> SeriesService:
    """The series service for the context's database and coordinator."""
    return context.services.series


def events_changed(context: ViewContext, *event_ids: int) -> DataChange:
    """The announcement for edits of events, their shifts and bookings."""
    ids = {"event": frozenset(event_ids)} if event_ids else {}
    return DataChange(frozenset(EVENT_ENTITIES), context.actor, ids=ids)


def is_dark(palette: QPalette) -> bool:
    """Whether the palette draws light text on a dark window."""
    return palette.color(QPalette.ColorRole.Window).lightnessF() < 0.5


def error_colour(palette: QPalette) -> QColor:
    """A red that reads well on the palette's window colour, light or dark."""
    return QColor("#ff8a80") if is_dark(palette) else QColor("#b3261e")


def blend(base: QColor, tint: QColor, amount: float) -> QColor:
    """``base`` moved ``amount`` of the way towards ``tint``."""
    return QColor.fromRgbF(
        base.redF() + (tint.redF() - base.redF()) * amount,
        base.greenF() + (tint.greenF() - base.greenF()) * amount,
        base.blueF() + (tint.blueF() - base.blueF()) * amount,
    )


def mark_invalid(widget: QWidget, invalid: bool) -> None:
    """Tint a field's background towards red while it has a problem."""
    if bool(widget.property(INVALID_PROPERTY)) == invalid:
        return
    widget.setProperty(INVALID_PROPERTY, invalid)
    if not invalid:
        widget.setPalette(QPalette())
        return
    palette = widget.palette()
    tint = error_colour(palette)
    for role in (QPalette.ColorRole.Base, QPalette.ColorRole.Button):
        palette.setColor(role, blend(palette.color(role), tint, 0.18))
    widget.setPalette(palette)


class ProblemLabel(QLabel):
    """A small red sentence under a field, hidden while there is nothing to say."""

    def __init__(self, accessible_name: str, parent: QWidget | None = None) -> None:
        """An empty, hidden label called ``accessible_name`` for screen readers."""
        super().__init__(parent)
        self._painting = False
        self.setAccessibleName(accessible_name)
        self.setWordWrap(True)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.font()
        font.setPointSizeF(font.pointSizeF() * 0.92)
        self.setFont(font)
        self._paint()
        self.hide()

    def show_problems(self, messages: Iterable[str]) -> None:
        """Show ``messages`` (one per line), or hide when there are none."""
        text = "\n".join(dict.fromkeys(m for m in messages if m))
        self.setText(text)
        self.setVisible(bool(text))

    def clear_problem(self) -> None:
        """Hide the label."""
        self.show_problems(())

    def changeEvent(self, event: QEvent) -> None:
        """Keep the red readable when the palette changes (light or dark)."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and not self._painting:
            self._paint()

    def _paint(self) -> None:
        self._painting = True
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.WindowText, error_colour(palette))
        self.setPalette(palette)
        self._painting = False


class Banner(QWidget):
    """A line of text: a quiet message, or a problem in red; hidden when empty.

    ``muted`` draws the quiet message in the palette's placeholder colour.
    """

    def __init__(self, parent: QWidget | None = None, *, muted: bool = False) -> None:
        """An empty, hidden banner."""
        super().__init__(parent)
        self.setAccessibleName(self.tr("Messages"))
        self.message = QLabel()
        self.message.setAccessibleName(self.tr("Message"))
        self.message.setWordWrap(True)
        if muted:
            self.message.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.problem = ProblemLabel(self.tr("Problem"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.message)
        layout.addWidget(self.problem)
        self.message.hide()
        self.hide()

    def show_message(self, text: str) -> None:
        """Say ``text`` quietly."""
        self.problem.clear_problem()
        self.message.setText(text)
        self.message.show()
        self.show()

    def show_problem(self, text: str) -> None:
        """Say ``text`` in red."""
        self.message.hide()
        self.problem.show_problems([text])
        self.show()

    def clear(self) -> None:
        """Say nothing."""
        self.message.hide()
        self.problem.clear_problem()
        self.hide()

    @property
    def text(self) -> str:
        """What the banner says now (empty when hidden)."""
        if self.isHidden():
            return ""
        return self.problem.text() if not self.problem.isHidden() else self.message.text()


class PaletteDelegate(QStyledItemDelegate):
    """Draws muted cells and cells with problems in the view's own palette (light or dark).

    Models say *that* a cell is muted (``MUTED_ROLE``) or has a problem (``PROBLEM_ROLE``);
    the colours come from the palette of the view that paints them.  Text too long for
    the ``middle`` columns is cut in the middle, keeping its end in sight.
    """

    def __init__(self, parent: QObject | None = None, *, middle: Iterable[int] = ()) -> None:
        """A delegate for ``parent``'s cells; ``middle`` are the columns cut in the middle."""
        super().__init__(parent)
        self.middle = frozenset(middle)

    def initStyleOption(self, option: QStyleOptionViewItem, index: Any) -> None:
        """Dim muted text; tint rows with problems towards red."""
        super().initStyleOption(option, index)
        if index.column() in self.middle:
            option.textElideMode = Qt.TextElideMode.ElideMiddle
        palette = option.palette
        if index.data(MUTED_ROLE):
            muted = palette.color(QPalette.ColorRole.PlaceholderText)
            palette.setColor(QPalette.ColorRole.Text, muted)
            option.palette = palette
        if index.data(PROBLEM_ROLE):
            base = palette.color(QPalette.ColorRole.Base)
            option.backgroundBrush = QBrush(blend(base, error_colour(palette), 0.22))


def tr(text: str) -> str:
    """Translate ``text`` in the events views' context (for plain functions)."""
    return QCoreApplication.translate("events", text)


def local_wall(instant: datetime, tz_name: str) -> QDateTime:
    """An instant as a wall-clock QDateTime in a zone (no zone attached)."""
    local = instant.astimezone(ZoneInfo(tz_name))
    return QDateTime(
        QDate(local.year, local.month, local.day), QTime(local.hour, local.minute, local.second)
    )


def _wall(instant: datetime, tz_name: str) -> datetime:
    """An instant on the zone's clock, for words about it.

    Words need only its date and time: a QDateTime would look up the computer's own zone
    on every one made (tens of microseconds each).
    """
    return instant.astimezone(ZoneInfo(tz_name))


def day_text(
    instant: datetime, tz_name: str, locale: QLocale | None = None, *, short: bool = False
) -> str:
    """The day of an instant in a zone, such as "Tue 1 Dec 2026".

    ``short`` leaves the year out when it is this year.
    """
    wall = _wall(instant, tz_name)
    this_year = short and wall.year == datetime.now(wall.tzinfo).year
    return (locale or QLocale()).toString(
        QDate(wall.year, wall.month, wall.day), SHORT_DAY_FORMAT if this_year else DAY_FORMAT
    )


def time_text(instant: datetime, tz_name: str, locale: QLocale | None = None) -> str:
    """The wall-clock time of an instant in a zone, in the locale's short form."""
    wall = _wall(instant, tz_name)
    return (locale or QLocale()).toString(
        QTime(wall.hour, wall.minute, wall.second), QLocale.FormatType.ShortFormat
    )


def when_text(
    starts_at: datetime,
    ends_at: datetime,
    tz_name: str,
    *,
    all_day: bool = False,
    local_zone: str = "",
    locale: QLocale | None = None,
) -> str:
    """An occurrence in words: "Tue 1 Dec, 18:00–20:00" or "Sat 2 – Sun 3 Jan 2027".

    Times are the event's own; a zone other than ``local_zone`` (the coordinator's) is
    named ("EST").
    """
    first = day_text(starts_at, tz_name, locale, short=True)
    if all_day:
        last = ends_at - timedelta(seconds=1)
        if _wall(last, tz_name).date() == _wall(starts_at, tz_name).date():
            return first
        return f"{first} – {day_text(last, tz_name, locale, short=True)}"
    start, end = time_text(starts_at, tz_name, locale), time_text(ends_at, tz_name, locale)
    if _wall(ends_at, tz_name).date() == _wall(starts_at, tz_name).date():
        text = f"{first}, {start}–{end}"
    else:
        text = f"{first}, {start} – {day_text(ends_at, tz_name, locale, short=True)}, {end}"
    if tz_name != (local_zone or local_zone_name()):
        text += " " + zone_abbreviation(tz_name, starts_at)
    return text


def zone_abbreviation(tz_name: str, at: datetime) -> str:
    """The zone's short name at an instant ("GMT", "EST"), or its offset when it has none."""
    name = at.astimezone(ZoneInfo(tz_name)).tzname() or ""
    if not name or name[0] in "+-":
        return utc_offset_text(tz_name, at)
    return name


def zone_hint(tz_name: str, at: datetime) -> str:
    """The zone's short name and offset from UTC at an instant: "GMT, UTC+00:00"."""
    offset = utc_offset_text(tz_name, at)
    name = zone_abbreviation(tz_name, at)
    return offset if name in (offset, "UTC") else f"{name}, {offset}"


def plural(count: int, one: str, many: str) -> str:
    """``one`` or ``many`` (with ``{n}`` filled in) for ``count`` things."""
    return (one if count == 1 else many).format(n=count)


def message_box(
    parent: QWidget | None,
    icon: QMessageBox.Icon,
    title: str,
    text: str,
    detail: str = "",
) -> QMessageBox:
    """Open (without blocking) a message box that deletes itself once closed."""
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok)
    box.setParent(parent, box.windowFlags())
    box.setInformativeText(detail)
    box.setAccessibleName(title)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


def report_error(parent: QWidget | None, title: str, error: OrganizerError) -> QMessageBox:
    """Tell the coordinator why something could not be done, with a way forward."""
    detail = ""
    if isinstance(error, StorageError):
        detail = tr("Nothing was changed. Check the file, then try again.")
    return message_box(parent, QMessageBox.Icon.Warning, title, str(error), detail)


def undo_refused(host: QWidget | None, error: OrganizerError) -> None:
    """Say why an undo or redo was refused, over ``host`` if it is still open.

    For edits made in a dialog: the stack keeps them long after the dialog closed.
    """
    if host is not None and not shiboken6.isValid(host):
        host = None
    report_error(host, tr("Could not undo or redo"), error)


def submit(
    owner: QObject,
    context: ViewContext,
    work: Callable[[], Any],
    done: Callable[[Any], None],
    failed: Callable[[Exception], None],
    *,
    edit: bool = False,
) -> None:
    """Run ``work`` on the worker; its answer goes to ``owner`` only while ``owner`` exists.

    A bug (an error that is not an :class:`OrganizerError`) still reaches the crash handler
    when the owner has gone.  With ``edit``, ``work`` makes an edit that ``done`` puts on
    the undo stack: Undo waits for it (see :meth:`UndoStack.expect`).
    """
    job = submit_owned(context.worker, owner, work, on_done=done, on_error=failed)
    if edit:
        context.undo_stack.expect(job)
