"""Going straight to a date: a page's title that drops down a month to pick a day from.

The Calendar and Rosters pages show their period as such a title (:func:`title_button`),
with a chevron saying that it opens something, and a :class:`DatePicker` below it.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, QEvent, QPoint, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QHideEvent, QShowEvent, QTextCharFormat
from PySide6.QtWidgets import QCalendarWidget, QMenu, QToolButton, QWidget, QWidgetAction

from organizer.ui import line_icon

REST_MS = 150
"""How long the picker stays on a day before it says so (:attr:`DatePicker.rested`)."""


class DatePicker(QMenu):
    """A month to pick a day from: a click, or the arrow keys and Enter, goes to it.

    Page Up and Page Down turn its months.  Today is in bold; weeks start on Monday, as on
    the pages.
    """

    picked = Signal(object)
    """The day chosen (a ``date``)."""
    rested = Signal(object)
    """The day the picker has rested on for a moment (a ``date``), or the first day of the
    month it turned to: a page may read that day's period ahead of its being chosen."""

    def __init__(self, parent: QWidget | None = None) -> None:
        """An empty picker; :meth:`start_at` says which day it opens on."""
        super().__init__(parent)
        self.setAccessibleName(self.tr("Go to date"))
        self.calendar = QCalendarWidget()
        self.calendar.setObjectName("calendar-date-picker")
        self.calendar.setAccessibleName(self.tr("Go to date"))
        self.calendar.setAccessibleDescription(
            self.tr("Arrow keys move the day, Page Up and Page Down the month, Enter goes there.")
        )
        self.calendar.setFirstDayOfWeek(Qt.DayOfWeek.Monday)
        self.calendar.setVerticalHeaderFormat(QCalendarWidget.VerticalHeaderFormat.NoVerticalHeader)
        self.calendar.setGridVisible(False)
        for weekend in (Qt.DayOfWeek.Saturday, Qt.DayOfWeek.Sunday):
            self.calendar.setWeekdayTextFormat(weekend, QTextCharFormat())  # not red: as the pages
        self.calendar.clicked.connect(self._pick)
        self.calendar.activated.connect(self._pick)
        self.calendar.selectionChanged.connect(self._moved)
        self.calendar.currentPageChanged.connect(self._turned)
        self._resting_on: date | None = None
        self._rest_timer = QTimer(self)
        self._rest_timer.setSingleShot(True)
        self._rest_timer.setInterval(REST_MS)
        self._rest_timer.timeout.connect(lambda: self.rested.emit(self._resting_on))
        holder = QWidgetAction(self)
        holder.setDefaultWidget(self.calendar)
        self.addAction(holder)
        self._today: QDate | None = None

    def start_at(self, day: date, today: date) -> None:
        """Open on ``day``'s month with ``day`` chosen, ``today`` marked."""
        if self._today is not None:
            self.calendar.setDateTextFormat(self._today, QTextCharFormat())
        self._today = QDate(today.year, today.month, today.day)
        bold = QTextCharFormat()
        bold.setFontWeight(QFont.Weight.Bold)
        self.calendar.setDateTextFormat(self._today, bold)
        self.calendar.setSelectedDate(QDate(day.year, day.month, day.day))

    def event(self, event: QEvent) -> bool:
        """Keys pressed in the picker are its own, not the page's shortcuts (Page Down...)."""
        if event.type() == QEvent.Type.ShortcutOverride:
            event.accept()
            return True
        return super().event(event)

    def showEvent(self, event: QShowEvent) -> None:
        """The keyboard goes to the days at once."""
        super().showEvent(event)
        self.calendar.setFocus(Qt.FocusReason.PopupFocusReason)

    def hideEvent(self, event: QHideEvent) -> None:
        """Closed: where it last rested no longer matters."""
        self._rest_timer.stop()
        super().hideEvent(event)

    def _moved(self) -> None:
        day = self.calendar.selectedDate()
        self._rest_on(date(day.year(), day.month(), day.day()))

    def _turned(self, year: int, month: int) -> None:
        day = self.calendar.selectedDate()
        if (day.year(), day.month()) != (year, month):
            self._rest_on(date(year, month, 1))

    def _rest_on(self, day: date) -> None:
        self._resting_on = day
        if self.isVisible():
            self._rest_timer.start()

    def _pick(self, day: QDate) -> None:
        self.close()
        self.picked.emit(date(day.year(), day.month(), day.day()))

    def drop_from(self, button: QToolButton, day: date, today: date) -> None:
        """Open below ``button`` on ``day``'s month (see :meth:`start_at`); returns once closed."""
        self.start_at(day, today)
        self.exec(button.mapToGlobal(QPoint(0, button.height())))


def title_button(scale: float, tip: str) -> QToolButton:
    """A page's bold title that opens something: flat until pointed at, a chevron after it.

    The page sets its text (and an accessible name to match) and connects ``clicked``; it
    calls :func:`paint_chevron` again when the palette changes.
    """
    button = QToolButton()
    button.setAutoRaise(True)
    button.setToolTip(tip)
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    button.setLayoutDirection(Qt.LayoutDirection.RightToLeft)  # the chevron after the text
    button.setIconSize(QSize(18, 18))
    button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    font = button.font()
    font.setPointSizeF(font.pointSizeF() * scale)
    font.setBold(True)
    button.setFont(font)
    # As tall as its text, like the heading it replaces: a tool button's margins would make
    # the page's header, and so its smallest height, taller.
    button.setFixedHeight(button.fontMetrics().height() + 4)
    paint_chevron(button)
    return button


def paint_chevron(button: QToolButton) -> None:
    """Draw ``button``'s chevron in its palette's colours, at the sizes it is shown."""
    size = button.iconSize().width()
    button.setIcon(line_icon("chevron-down", button.palette(), sizes=(size, 2 * size)))
