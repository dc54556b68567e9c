"""The week: a column per day, hours down the side, all-day events in a strip on top."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QKeyEvent, QPainter, QPaintEvent, QPalette, QPen, QResizeEvent, QShowEvent
from PySide6.QtWidgets import QFrame, QScrollArea, QVBoxLayout, QWidget

from organizer.ui.calendar.canvas import ChipStyle, DropTarget, ItemCanvas, mix, paint_chip
from organizer.ui.calendar.items import (
    MINUTES_PER_DAY,
    CalendarItem,
    cap_lanes,
    minutes_into,
    place_in_day,
)
from organizer.ui.calendar.model import CalendarModel
from organizer.ui.calendar.periods import Period, local_at, local_now
from organizer.ui.calendar.text import day_text, time_text, when_text

GUTTER = 58.0
NARROWEST_BLOCK = 44.0
SLOT_MINUTES = 30
DROP_MINUTES = 15
FIRST_HOUR_SHOWN = 8
NEW_EVENT_TIME = time(10, 0)


class _WeekCanvas(ItemCanvas):
    """What both halves of the week share: seven columns right of a gutter."""

    def column_width(self) -> float:
        """Width of one day's column."""
        return max(1.0, (self.width() - GUTTER) / 7)

    def column_rect(self, index: int, top: float, height: float) -> QRectF:
        """The rectangle of day ``index`` (0 = Monday) between ``top`` and ``top + height``."""
        return QRectF(GUTTER + index * self.column_width(), top, self.column_width(), height)

    def day_at(self, pos: QPointF) -> date | None:
        """The day whose column holds ``pos``."""
        if pos.x() < GUTTER or not 0 <= pos.y() <= self.height():
            return None
        index = min(6, int((pos.x() - GUTTER) // self.column_width()))
        return self.period.first + timedelta(days=index)

    def arrow_step(self, event: QKeyEvent) -> int | None:
        """Left and Right move a day."""
        if event.modifiers() & (
            Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.ControlModifier
        ):
            return None
        return {Qt.Key.Key_Left: -1, Qt.Key.Key_Right: 1}.get(Qt.Key(event.key()))

    def cycle_step(self, event: QKeyEvent) -> int | None:
        """Up and Down step through the day's events, in time order."""
        return {Qt.Key.Key_Up: -1, Qt.Key.Key_Down: 1}.get(Qt.Key(event.key()))

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Columns follow the widget's width."""
        self.relayout()

    def paint_columns(self, painter: QPainter, top: float, height: float) -> None:
        """Column backgrounds (today tinted, the drop target marked) and their dividers."""
        palette = self.palette()
        base = palette.color(QPalette.ColorRole.Base)
        line = mix(base, palette.color(QPalette.ColorRole.Text), 0.14)
        highlight = palette.color(QPalette.ColorRole.Highlight)
        for index, day in enumerate(self.period.days):
            rect = self.column_rect(index, top, height)
            if day == self.today:
                painter.fillRect(rect, mix(base, highlight, 0.10))
            painter.setPen(QPen(line, 1))
            painter.drawLine(rect.topLeft(), rect.bottomLeft())
            if day == self.selected_day:
                self.focus_ring(painter, rect)


class WeekHeaderCanvas(_WeekCanvas):
    """Day names over the columns, and below them the all-day and multi-day events."""

    def __init__(self, model: CalendarModel, parent: QWidget | None = None) -> None:
        """Draw the week's header from ``model``."""
        super().__init__(model, parent)
        self.setObjectName("calendar-week-header")
        self.setAccessibleName(self.tr("Days of the week and all-day events"))
        self._lanes = 1
        self._lanes_stale = False

    def names_height(self) -> float:
        """Height of the row of day names."""
        return self.fontMetrics().height() * 2 + 10.0

    def chip_height(self) -> float:
        """Height of one all-day bar."""
        return self.fontMetrics().height() + 4.0

    def sizeHint(self) -> QSize:
        """Room for the day names and every lane of all-day events."""
        lanes = max(1, self._lanes)
        height = self.names_height() + lanes * (self.chip_height() + 2) + 6
        return QSize(400, int(height))

    def minimumSizeHint(self) -> QSize:
        """As tall as it needs to be."""
        return self.sizeHint()

    def set_period(self, period: Period, today: date) -> None:
        """Show ``period`` and resize for its all-day lanes."""
        super().set_period(period, today)
        self.update_lanes()

    def update_lanes(self) -> None:
        """Work out how many lanes of all-day bars the week needs, and take that height.

        Hidden (the month is on show, sharing the model), it waits until it is shown.
        """
        if not self.isVisible():
            self._lanes_stale = True
            return
        self._lanes_stale = False
        self._lanes = len(self._lane_items())
        self.setFixedHeight(self.sizeHint().height())

    def showEvent(self, event: QShowEvent) -> None:
        """Catch up on the lanes missed while hidden."""
        super().showEvent(event)
        if self._lanes_stale:
            self.update_lanes()

    def _lane_items(self) -> list[list[CalendarItem]]:
        lanes: list[list[CalendarItem]] = []
        seen: set[object] = set()
        for day in self.period.days:
            for item in self.model.items_on(day):
                if not item.spans_days or item.key in seen:
                    continue
                seen.add(item.key)
                free = next(
                    (lane for lane in lanes if lane[-1].last_day < max(item.first_day, day)),
                    None,
                )
                if free is None:
                    lanes.append([item])
                else:
                    free.append(item)
        return lanes

    def lay_out(self) -> None:
        """Place each all-day bar across the days it covers in this week."""
        first, last = self.period.first, self.period.last
        top = self.names_height()
        chip = self.chip_height()
        lanes = self._lane_items()
        for lane_number, lane in enumerate(lanes):
            y = top + lane_number * (chip + 2)
            for item in lane:
                start = (max(item.first_day, first) - first).days
                end = (min(item.last_day, last) - first).days
                left = self.column_rect(start, y, chip).left() + 2
                right = self.column_rect(end, y, chip).right() - 2
                self.hits.append((QRectF(left, y, right - left, chip), item))

    def moment_at(self, pos: QPointF) -> datetime | None:
        """The day under ``pos`` at 10:00."""
        day = self.day_at(pos)
        return local_at(day, NEW_EVENT_TIME) if day is not None else None

    def drop_target(self, pos: QPointF, item: CalendarItem, grabbed: timedelta) -> DropTarget:
        """The day under ``pos``, keeping the item's time."""
        day = self.day_at(pos) or item.first_day
        return DropTarget(local_at(day, item.starts_at.time()), day)

    def paintEvent(self, event: QPaintEvent) -> None:
        """Day names (today marked), then the all-day bars."""
        self.ensure_laid_out()
        palette = self.palette()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        base = palette.color(QPalette.ColorRole.Base)
        painter.fillRect(self.rect(), base)
        self.paint_columns(painter, 0, self.height())
        names = self.names_height()
        highlight = palette.color(QPalette.ColorRole.Highlight)
        for index, day in enumerate(self.period.days):
            rect = self.column_rect(index, 0, names)
            if self.drop_hint is not None and self.drop_hint.day == day:
                painter.fillRect(
                    self.column_rect(index, names, self.height() - names),
                    mix(base, highlight, 0.28),
                )
            today = day == self.today
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(
                rect.adjusted(0, 4, 0, -rect.height() / 2),
                Qt.AlignmentFlag.AlignCenter,
                day_text(day, "ddd"),
            )
            number = rect.adjusted(0, rect.height() / 2 - 4, 0, -4)
            font = painter.font()
            bold = painter.font()
            bold.setBold(True)
            painter.setFont(bold)
            label = day_text(day, "d MMM")
            if today:
                size = number.height()
                width = painter.fontMetrics().horizontalAdvance(label) + size
                badge = QRectF(number.center().x() - width / 2, number.top(), width, size)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(highlight)
                painter.drawRoundedRect(badge, size / 2, size / 2)
                painter.setPen(palette.color(QPalette.ColorRole.HighlightedText))
            else:
                painter.setPen(palette.color(QPalette.ColorRole.Text))
            painter.drawText(number, Qt.AlignmentFlag.AlignCenter, label)
            painter.setFont(font)
        painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
        painter.drawText(
            QRectF(0, names, GUTTER - 6, self.chip_height()),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            self.tr("All day"),
        )
        line = mix(base, palette.color(QPalette.ColorRole.Text), 0.14)
        painter.setPen(QPen(line, 1))
        painter.drawLine(QPointF(0, self.height() - 1), QPointF(self.width(), self.height() - 1))
        style = ChipStyle(painter, palette)
        for rect, item in self.hits:
            paint_chip(
                painter,
                rect,
                item,
                palette,
                lines=[(item.title, False)],
                selected=self.is_selected(item),
                style=style,
            )
        painter.end()


class TimeGridCanvas(_WeekCanvas):
    """Hours down the side, each timed occurrence a block from its start to its end."""

    def __init__(self, model: CalendarModel, parent: QWidget | None = None) -> None:
        """Draw the week's hours from ``model``."""
        super().__init__(model, parent)
        self.setObjectName("calendar-week-grid")
        self.setAccessibleName(self.tr("Week calendar"))
        self.setAccessibleDescription(
            self.tr(
                "Left and Right move the day, Up and Down pick an event of the day, Enter opens it."
            )
        )
        self.now = local_now()
        self.setMinimumHeight(int(self.hour_height() * 24))

    def hour_height(self) -> float:
        """Height of one hour."""
        return max(40.0, self.fontMetrics().height() * 2.6)

    def sizeHint(self) -> QSize:
        """A full day of hours."""
        return QSize(600, int(self.hour_height() * 24))

    def y_of(self, minutes: float) -> float:
        """Where ``minutes`` after midnight is drawn."""
        return minutes / 60 * self.hour_height()

    def minutes_at(self, y: float) -> float:
        """How many minutes after midnight the height ``y`` stands for."""
        return y / self.hour_height() * 60

    def set_now(self, now: datetime) -> None:
        """Move the "now" line."""
        self.now = now
        self.update()

    def lay_out(self) -> None:
        """Place every timed item, overlapping ones side by side."""
        for index, day in enumerate(self.period.days):
            candidates = dict.fromkeys(
                [*self.model.items_on(day - timedelta(days=1)), *self.model.items_on(day)]
            )
            column = self.column_rect(index, 0, self.height())
            most = int((column.width() - 6) // NARROWEST_BLOCK)
            placed, overflow = cap_lanes(place_in_day(day, list(candidates)), most)
            for more in overflow:
                lanes = max(1, most)
                width = (column.width() - 6) / lanes
                top = self.y_of(more.start_minute)
                rect = QRectF(
                    column.left() + 2 + (lanes - 1) * width,
                    top + 1,
                    width - 2,
                    self.y_of(more.end_minute) - top - 2,
                )
                self.more_hits.append((rect, day, more.count))
            for placed_item in placed:
                width = (column.width() - 6) / placed_item.lanes
                top = self.y_of(placed_item.start_minute)
                rect = QRectF(
                    column.left() + 2 + placed_item.lane * width,
                    top + 1,
                    width - 2,
                    self.y_of(placed_item.end_minute) - top - 2,
                )
                self.hits.append((rect, placed_item.item))

    def _slot(self, pos: QPointF, minutes: float, step: int) -> datetime | None:
        day = self.day_at(pos)
        if day is None:
            return None
        snapped = int(max(0, min(MINUTES_PER_DAY - step, minutes)) // step * step)
        return local_at(day, time(snapped // 60, snapped % 60))

    def moment_at(self, pos: QPointF) -> datetime | None:
        """The start of the half-hour slot under ``pos``."""
        return self._slot(pos, self.minutes_at(pos.y()), SLOT_MINUTES)

    def grab_offset(self, rect: QRectF, item: CalendarItem, pos: QPointF) -> timedelta:
        """How far after the item's start the mouse holds it."""
        day = self.day_at(pos)
        if day is None or item.all_day:
            return timedelta()
        held = local_at(day, time()) + timedelta(minutes=self.minutes_at(pos.y()))
        return max(timedelta(), held - item.starts_at)

    def drop_target(self, pos: QPointF, item: CalendarItem, grabbed: timedelta) -> DropTarget:
        """The quarter hour the item's top lands on; an all-day item just changes day."""
        day = self.day_at(pos) or item.first_day
        if item.all_day:
            return DropTarget(local_at(day, item.starts_at.time()), day)
        minutes = self.minutes_at(pos.y()) - grabbed.total_seconds() / 60 + DROP_MINUTES / 2
        start = self._slot(pos, minutes, DROP_MINUTES) or local_at(day, item.starts_at.time())
        return DropTarget(start)

    def paintEvent(self, event: QPaintEvent) -> None:
        """Hour lines and labels, today's column, the blocks, the drop ghost and "now"."""
        self.ensure_laid_out()
        palette = self.palette()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        base = palette.color(QPalette.ColorRole.Base)
        text = palette.color(QPalette.ColorRole.Text)
        painter.fillRect(self.rect(), base)
        self.paint_columns(painter, 0, self.height())
        hour_line = mix(base, text, 0.14)
        half_line = mix(base, text, 0.06)
        metrics = painter.fontMetrics()
        for hour in range(24):
            y = self.y_of(hour * 60)
            painter.setPen(QPen(hour_line, 1))
            painter.drawLine(QPointF(GUTTER - 4, y), QPointF(self.width(), y))
            painter.setPen(QPen(half_line, 1))
            half = y + self.hour_height() / 2
            painter.drawLine(QPointF(GUTTER, half), QPointF(self.width(), half))
            if hour:
                painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
                label = QRectF(0, y - metrics.height() / 2, GUTTER - 8, metrics.height())
                painter.drawText(
                    label,
                    Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                    time_text(datetime.combine(self.period.first, time(hour))),
                )
        style = ChipStyle(painter, palette)
        for rect, item in self.hits:
            lines = [(item.title, True), (when_text(item), False)]
            if item.location_name:
                lines.append((item.location_name, False))
            paint_chip(
                painter,
                rect,
                item,
                palette,
                lines=lines,
                selected=self.is_selected(item),
                style=style,
            )
        self._paint_more(painter)
        self._paint_drop_hint(painter)
        self._paint_now(painter)
        painter.end()

    def _paint_more(self, painter: QPainter) -> None:
        palette = self.palette()
        base = palette.color(QPalette.ColorRole.Base)
        for rect, _, count in self.more_hits:
            painter.setPen(QPen(mix(base, palette.color(QPalette.ColorRole.Text), 0.25), 1))
            painter.setBrush(mix(base, palette.color(QPalette.ColorRole.Text), 0.06))
            painter.drawRoundedRect(rect, 4, 4)
            painter.setPen(palette.color(QPalette.ColorRole.Link))
            painter.drawText(
                rect.adjusted(2, 4, -2, -2),
                Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
                self.tr("+{count}").format(count=count),
            )

    def _paint_drop_hint(self, painter: QPainter) -> None:
        hint = self.drop_hint
        if hint is None or hint.day is not None:
            return
        day = hint.starts_at.date()
        if day not in self.period:
            return
        column = self.column_rect((day - self.period.first).days, 0, self.height())
        top = self.y_of(minutes_into(day, hint.starts_at))
        highlight = self.palette().color(QPalette.ColorRole.Highlight)
        painter.setPen(QPen(highlight, 2, Qt.PenStyle.DashLine))
        painter.setBrush(mix(self.palette().color(QPalette.ColorRole.Base), highlight, 0.2))
        painter.drawRoundedRect(
            QRectF(column.left() + 2, top, column.width() - 4, self.hour_height()), 4, 4
        )
        painter.setPen(highlight)
        painter.drawText(
            QRectF(column.left() + 8, top + 2, column.width() - 12, painter.fontMetrics().height()),
            Qt.AlignmentFlag.AlignLeft,
            time_text(hint.starts_at),
        )

    def _paint_now(self, painter: QPainter) -> None:
        day = self.now.date()
        if day not in self.period:
            return
        column = self.column_rect((day - self.period.first).days, 0, self.height())
        y = self.y_of(minutes_into(day, self.now))
        colour = self.palette().color(QPalette.ColorRole.Highlight)
        painter.setPen(QPen(colour, 2))
        painter.drawLine(QPointF(column.left(), y), QPointF(column.right(), y))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawEllipse(QPointF(column.left(), y), 4, 4)


class WeekView(QWidget):
    """The week: the header canvas above a scrolling grid of hours."""

    def __init__(self, model: CalendarModel, parent: QWidget | None = None) -> None:
        """Build both halves over ``model``."""
        super().__init__(parent)
        self.setObjectName("calendar-week")
        self.setAccessibleName(self.tr("Week"))
        self.header = WeekHeaderCanvas(model)
        self.grid = TimeGridCanvas(model)
        self.scroll_area = QScrollArea()
        self.scroll_area.setAccessibleName(self.tr("Hours of the week"))
        self.scroll_area.setWidget(self.grid)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.scroll_area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._scrolled = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        # The header leaves room for the grid's scroll bar so the columns line up.
        header_row = QVBoxLayout()
        header_row.setContentsMargins(
            0, 0, self.scroll_area.verticalScrollBar().sizeHint().width(), 0
        )
        header_row.addWidget(self.header)
        layout.addLayout(header_row)
        layout.addWidget(self.scroll_area, 1)
        model.modelReset.connect(self.header.update_lanes)

    @property
    def canvases(self) -> tuple[ItemCanvas, ...]:
        """The surfaces the page listens to."""
        return (self.header, self.grid)

    def set_period(self, period: Period, today: date) -> None:
        """Show ``period``."""
        for canvas in self.canvases:
            canvas.set_period(period, today)

    def showEvent(self, event: QShowEvent) -> None:
        """The first time, scroll to the morning."""
        super().showEvent(event)
        if not self._scrolled:
            self._scrolled = True
            # After the first layout, when the scroll bar knows its range.
            QTimer.singleShot(0, self, lambda: self.scroll_to_hour(FIRST_HOUR_SHOWN))

    def scroll_to_hour(self, hour: int) -> None:
        """Bring ``hour`` to the top of the grid."""
        # A little above the hour, so its label is not cut in half.
        top = self.grid.y_of(hour * 60) - self.fontMetrics().height()
        self.scroll_area.verticalScrollBar().setValue(int(top))

    def reveal(self, item: CalendarItem) -> None:
        """Scroll so ``item``'s block is in view."""
        rect = self.grid.item_rect(item.key)
        if rect is not None:
            self.scroll_area.ensureVisible(int(rect.center().x()), int(rect.top()), 0, 40)
