"""A month calendar that drops down from the calendar page's title, to go straight to a date."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, QEvent, Qt, Signal
from PySide6.QtGui import QFont, QShowEvent, QTextCharFormat
from PySide6.QtWidgets import QCalendarWidget, QMenu, QWidget, QWidgetAction

from organizer.ui.calendar.text import qdate


class DatePicker(QMenu):
    """A month to pick a day from: a click, or the arrow keys and Enter, goes to it.

    Page Up and Page Down turn its months, as they turn the page's.  Today is in bold.
    """

    picked = Signal(object)
    """The day chosen (a ``date``)."""

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
        # The page's weeks start on Monday; the picker's match them.
        self.calendar.setFirstDayOfWeek(Qt.DayOfWeek.Monday)
        self.calendar.setVerticalHeaderFormat(QCalendarWidget.VerticalHeaderFormat.NoVerticalHeader)
        self.calendar.setGridVisible(False)
        for weekend in (Qt.DayOfWeek.Saturday, Qt.DayOfWeek.Sunday):
            self.calendar.setWeekdayTextFormat(weekend, QTextCharFormat())  # not red: as the page
        self.calendar.clicked.connect(self._pick)
        self.calendar.activated.connect(self._pick)
        holder = QWidgetAction(self)
        holder.setDefaultWidget(self.calendar)
        self.addAction(holder)
        self._today: QDate | None = None

    def start_at(self, day: date, today: date) -> None:
        """Open on ``day``'s month with ``day`` chosen, ``today`` marked."""
        if self._today is not None:
            self.calendar.setDateTextFormat(self._today, QTextCharFormat())
        self._today = qdate(today)
        bold = QTextCharFormat()
        bold.setFontWeight(QFont.Weight.Bold)
        self.calendar.setDateTextFormat(self._today, bold)
        self.calendar.setSelectedDate(qdate(day))

    def event(self, event: QEvent) -> bool:
        """Keys pressed in the picker are its own, not the page's shortcuts (Page Down, T...)."""
        if event.type() == QEvent.Type.ShortcutOverride:
            event.accept()
            return True
        return super().event(event)

    def showEvent(self, event: QShowEvent) -> None:
        """The keyboard goes to the days at once."""
        super().showEvent(event)
        self.calendar.setFocus(Qt.FocusReason.PopupFocusReason)

    def _pick(self, day: QDate) -> None:
        self.close()
        self.picked.emit(date(day.year(), day.month(), day.day()))
