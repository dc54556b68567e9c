"""The month: seven columns from Monday, a row per week, each day listing its occurrences."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from PySide6.QtCore import QEvent, QLineF, QLocale, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QKeyEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPixmap,
    QStaticText,
)
from PySide6.QtWidgets import QWidget

from organizer.models import EventStatus
from organizer.ui.calendar.canvas import (
    ChipStyle,
    DropTarget,
    ItemCanvas,
    mix,
    paint_chip,
    static_text,
)
from organizer.ui.calendar.items import CalendarItem, drawn
from organizer.ui.calendar.model import CalendarModel
from organizer.ui.calendar.periods import local_at
from organizer.ui.calendar.text import day_text, time_text

NEW_EVENT_TIME = time(10, 0)
CHIP_GAP = 2
CELL_PADDING = 3
_LABELS_MOST = 2_000
_GRIDS_MOST = 6
"""Grids kept: months of four, five and six weeks, at a size or two."""


@dataclass(frozen=True, slots=True)
class _Grid:
    """Where a month puts its cells, chips, lines and labels at one size, in one font.

    Every month of as many weeks shares it, so turning the page places nothing anew.
    ``cells`` and ``slots`` are by the day's place in the grid; each day has at least one
    slot, for a "+N more" where no chip fits.  The labels are placed as first drawn.
    """

    key: Hashable
    fits: int
    cells: list[QRectF]
    slots: list[list[QRectF]]
    corners: list[list[QPointF]]
    """Each slot's top left corner, where a chip's picture is copied to."""
    chip_size: tuple[float, float]
    lines: list[QLineF]
    frame: QRectF
    labels: dict[Hashable, tuple[QPointF, QStaticText, QRectF]] = field(default_factory=dict)
    weekdays: dict[Hashable, list[tuple[QPointF, QStaticText]]] = field(default_factory=dict)
    """The weekday names placed over the columns, by font and language."""

    def place_label(
        self, key: Hashable, place: QRectF, text: QStaticText, spot: QRectF | None = None
    ) -> tuple[QPointF, QStaticText, QRectF]:
        """Put ``text`` in ``spot`` (centred) or ``place`` (left, centred upright); keep it."""
        if len(self.labels) >= _LABELS_MOST:
            self.labels.clear()
        size = text.size()
        if spot is None:
            upright = (place.height() - size.height()) / 2
            point = QPointF(place.left() + 6, place.top() + upright)
        else:
            point = QPointF(
                spot.left() + (spot.width() - size.width()) / 2,
                spot.top() + (spot.height() - size.height()) / 2,
            )
        found = self.labels[key] = (point, text, spot or place)
        return found


class MonthView(ItemCanvas):
    """A month grid; a day with more than fits offers "+N more", which opens its agenda."""

    def __init__(self, model: CalendarModel, parent: QWidget | None = None) -> None:
        """Draw the month from ``model``."""
        super().__init__(model, parent)
        self.setObjectName("calendar-month")
        self.setAccessibleName(self.tr("Month calendar"))
        self.setAccessibleDescription(
            self.tr(
                "Arrow keys move the day, Alt+Up and Alt+Down pick an event of the day, "
                "Enter opens it."
            )
        )
        self.setMinimumSize(420, 300)
        # It paints every pixel, so the window need not paint what lies beneath it first.
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._chip_days: list[date] = []
        self._chip_corners: list[QPointF] = []
        self._cells: dict[date, QRectF] = {}
        self._grids: dict[Hashable, _Grid] = {}
        self._font_height: int | None = None

    @property
    def canvases(self) -> tuple[ItemCanvas, ...]:
        """The surfaces the page listens to (just this one)."""
        return (self,)

    # Geometry --------------------------------------------------------------------------------

    def line_height(self) -> int:
        """The height of a line of the widget's font (kept until the font changes).

        Turning a page asks for it a dozen times, and measuring the font is not free.
        """
        if self._font_height is None:
            self._font_height = self.fontMetrics().height()
        return self._font_height

    def changeEvent(self, event: QEvent) -> None:
        """A new font measures anew and places the chips again."""
        if event.type() == QEvent.Type.FontChange:
            self._font_height = None
            self.relayout()
        super().changeEvent(event)

    def header_height(self) -> float:
        """Height of the weekday names row."""
        return self.line_height() + 10.0

    def chip_height(self) -> float:
        """Height of one occurrence chip."""
        return self.line_height() + 4.0

    def cell_rect(self, day: date) -> QRectF | None:
        """Where ``day``'s cell is drawn, if it is in the grid."""
        self.ensure_laid_out()
        return self._cells.get(day)

    def day_label_height(self) -> float:
        """Height of the day number at the top of each cell."""
        return self.line_height() + 6.0

    def cell_height(self) -> float:
        """Height of one day's cell (a row of the grid)."""
        weeks = max(1, len(self.period.days) // 7)
        return (self.height() - self.header_height()) / weeks

    def chips_per_day(self) -> int:
        """How many chips a day's cell has room for (one fewer when "+N more" is needed)."""
        room = self.cell_height() - self.day_label_height() - CELL_PADDING
        return max(0, int((room + CHIP_GAP) // (self.chip_height() + CHIP_GAP)))

    def lay_out(self) -> None:
        """Place every cell, the chips that fit in it and its "+N more"."""
        grid = self._grid_now()
        cells: dict[date, QRectF] = {}
        chip_days: list[date] = []
        chip_corners: list[QPointF] = []
        hits, more_hits = self.hits, self.more_hits
        items_on = self.model.items_on
        fits = grid.fits
        for n, day in enumerate(self.period.days):
            cells[day] = grid.cells[n]
            items = items_on(day)
            count = len(items)
            if not count:
                continue
            shown = items[: drawn(count, fits)]
            slots = grid.slots[n]
            for rect, item in zip(slots, shown, strict=False):
                hits.append((rect, item))
                chip_days.append(day)
            chip_corners.extend(grid.corners[n][: len(shown)])
            if len(shown) < count:
                more_hits.append((slots[len(shown)], day, count - len(shown)))
        self._cells = cells
        self._chip_days = chip_days
        self._chip_corners = chip_corners

    def _grid_now(self) -> _Grid:
        """The grid for the widget's size, font and number of weeks (kept while they last)."""
        weeks = max(1, len(self.period.days) // 7)
        top, label, chip = self.header_height(), self.day_label_height(), self.chip_height()
        key = (self.width(), self.height(), weeks, top, label, chip, self.font().key())
        found = self._grids.get(key)
        if found is not None:
            return found
        width = self.width() / 7
        height = self.cell_height()
        fits = self.chips_per_day()
        cells: list[QRectF] = []
        slots: list[list[QRectF]] = []
        corners: list[list[QPointF]] = []
        lines: list[QLineF] = []
        for n in range(weeks * 7):
            cell = QRectF((n % 7) * width, top + (n // 7) * height, width, height)
            cells.append(cell)
            places = []
            y = cell.top() + label
            for _ in range(max(fits, 1)):
                places.append(QRectF(cell.left() + CELL_PADDING, y, width - 2 * CELL_PADDING, chip))
                y += chip + CHIP_GAP
            slots.append(places)
            corners.append([place.topLeft() for place in places])
            # Straight lines on whole pixels need no antialiasing.
            right, bottom = round(cell.right()), round(cell.bottom())
            upper, left = round(cell.top()), round(cell.left())
            lines.append(QLineF(left, upper, right, upper))
            lines.append(QLineF(right, upper, right, bottom))
        frame_top = round(top)
        frame = QRectF(0, frame_top, self.width() - 1, self.height() - frame_top - 1)
        if len(self._grids) >= _GRIDS_MOST:
            self._grids.clear()
        size = (slots[0][0].width(), slots[0][0].height())
        found = self._grids[key] = _Grid(key, fits, cells, slots, corners, size, lines, frame)
        return found

    def day_at(self, pos: QPointF) -> date | None:
        """The day whose cell holds ``pos``."""
        self.ensure_laid_out()
        return next((day for day, rect in self._cells.items() if rect.contains(pos)), None)

    def moment_at(self, pos: QPointF) -> datetime | None:
        """The day under ``pos`` at 10:00."""
        day = self.day_at(pos)
        return local_at(day, NEW_EVENT_TIME) if day is not None else None

    def drop_target(self, pos: QPointF, item: CalendarItem, grabbed: timedelta) -> DropTarget:
        """The day under ``pos``, at the item's own time of day."""
        day = self.day_at(pos) or item.first_day
        return DropTarget(local_at(day, item.starts_at.time()), day)

    def arrow_step(self, event: QKeyEvent) -> int | None:
        """Left/Right a day, Up/Down a week (Alt+Up/Down picks an event instead)."""
        if event.modifiers() & (
            Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.ControlModifier
        ):
            return None
        return {
            Qt.Key.Key_Left: -1,
            Qt.Key.Key_Right: 1,
            Qt.Key.Key_Up: -7,
            Qt.Key.Key_Down: 7,
        }.get(Qt.Key(event.key()))

    def cycle_step(self, event: QKeyEvent) -> int | None:
        """Alt+Up and Alt+Down step through the day's events."""
        if not event.modifiers() & Qt.KeyboardModifier.AltModifier:
            return None
        return {Qt.Key.Key_Up: -1, Qt.Key.Key_Down: 1}.get(Qt.Key(event.key()))

    # Mouse -----------------------------------------------------------------------------------

    def resizeEvent(self, event: object) -> None:
        """Cells follow the widget's size."""
        self.relayout()

    # Painting --------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        """Weekday names, the cells with their day numbers, chips and "+N more"."""
        self.ensure_laid_out()
        grid = self._grid_now()
        palette = self.palette()
        painter = QPainter(self)
        base = palette.color(QPalette.ColorRole.Base)
        text = palette.color(QPalette.ColorRole.Text)
        faint = palette.color(QPalette.ColorRole.PlaceholderText)
        highlight = palette.color(QPalette.ColorRole.Highlight)
        painter.fillRect(self.rect(), base)
        self._paint_weekdays(painter, faint, grid)
        today, outside = mix(base, highlight, 0.12), mix(base, text, 0.04)
        drop_day = self.drop_hint.day if self.drop_hint is not None else None
        in_month = self.period.in_month
        faded = {day for day in self._cells if not in_month(day)}
        for day, cell in self._cells.items():
            if day == self.today:
                painter.fillRect(cell, today)
            elif day in faded:
                painter.fillRect(cell, outside)
            if day == drop_day:
                painter.fillRect(cell, mix(base, highlight, 0.28))
        painter.setPen(QPen(mix(base, text, 0.14), 1))
        painter.drawLines(grid.lines)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(grid.frame)
        self._paint_day_numbers(painter, palette, grid, faded)
        style = ChipStyle(painter, palette)
        clock: dict[tuple[int, int], str] = {}
        selected_key = self.selected_key
        cancelled = EventStatus.CANCELLED
        width, height = grid.chip_size
        copy, kept = painter.drawPixmap, style.kept
        # Most chips are copies of a picture kept: those go straight onto the screen.  A
        # month repeats the same few series, so each look is looked up once a paint.
        looks: dict[tuple[object, ...], QPixmap | None] = {}
        chips = []
        for (rect, item), day, corner in zip(
            self.hits, self._chip_days, self._chip_corners, strict=True
        ):
            status = item.status
            if (
                status is not cancelled
                and day not in faded
                and (selected_key is None or item.key != selected_key)
            ):
                starts = item.starts_at
                look = (item.title, starts.hour, starts.minute, item.spans_days, item.colour,
                        status)  # fmt: skip
                if look in looks:
                    picture = looks[look]
                else:
                    lines = [(self._chip_text(item, clock), False)]
                    picture = looks[look] = kept(item, width, height, lines)
                if picture is not None:
                    copy(corner, picture)
                    continue
            lines = [(self._chip_text(item, clock), False)]
            chips.append((rect, item, lines, day in faded))
        style.prepare(
            painter,
            [
                (rect, item, lines)
                for rect, item, lines, dimmed in chips
                if dimmed or item.cancelled
            ],
        )
        for rect, item, lines, dimmed in chips:
            paint_chip(
                painter,
                rect,
                item,
                palette,
                lines=lines,
                selected=item.key == selected_key,
                dimmed=dimmed,
                style=style,
            )
        painter.setPen(palette.color(QPalette.ColorRole.Link))
        font = painter.font()
        font_key = font.key()
        more = self.tr("+{count} more")
        for rect, _, hidden in self.more_hits:
            key = (more, font_key, rect.left(), rect.top(), hidden)
            found = grid.labels.get(key)
            if found is None:
                label = static_text(font, font_key, more.format(count=hidden))
                found = grid.place_label(key, rect, label)
            painter.drawStaticText(found[0], found[1])
        selected = self._cells.get(self.selected_day)
        if selected is not None:
            self.focus_ring(painter, selected)
        painter.end()

    def _paint_weekdays(self, painter: QPainter, colour: QColor, grid: _Grid) -> None:
        painter.setPen(colour)
        font = painter.font()
        font_key = font.key()
        # Named and placed once per grid: every month's header reads the same.
        key = (font_key, QLocale().name())
        found = grid.weekdays.get(key)
        if found is None:
            top = self.header_height()
            width = self.width() / 7
            found = grid.weekdays[key] = []
            for n, day in enumerate(self.period.days[:7]):
                label = static_text(font, font_key, day_text(day, "ddd"))
                size = label.size()
                point = QPointF(n * width + (width - size.width()) / 2, (top - size.height()) / 2)
                found.append((point, label))
        draw = painter.drawStaticText
        for point, label in found:
            draw(point, label)

    def _paint_day_numbers(
        self, painter: QPainter, palette: QPalette, grid: _Grid, faded: set[date]
    ) -> None:
        font = painter.font()
        bold = QFont(font)
        bold.setBold(True)
        keys = {False: font.key(), True: bold.key()}
        height = self.line_height() + 2
        text = palette.color(QPalette.ColorRole.Text)
        faint = palette.color(QPalette.ColorRole.PlaceholderText)
        pen: QColor | None = None
        for n, day in enumerate(self._cells):
            is_today = day == self.today
            # The 1st is named with its month, in the computer's language.
            key = (n, day.day, day.month if day.day == 1 else 0, is_today, keys[is_today], height)
            found = grid.labels.get(key)
            if found is None:
                label = static_text(
                    bold if is_today else font,
                    keys[is_today],
                    day_text(day, "d MMM") if day.day == 1 else str(day.day),
                )
                cell = grid.cells[n]
                width = max(label.size().width() + 10, height)
                badge = QRectF(cell.left() + 4, cell.top() + 2, width, height)
                found = grid.place_label(key, cell, label, badge)
            point, label, badge = found
            if is_today:
                painter.save()
                painter.setRenderHint(QPainter.RenderHint.Antialiasing)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(palette.color(QPalette.ColorRole.Highlight))
                painter.drawRoundedRect(badge, height / 2, height / 2)
                painter.restore()
                painter.setFont(bold)
                painter.setPen(palette.color(QPalette.ColorRole.HighlightedText))
                painter.drawStaticText(point, label)
                painter.setFont(font)
                pen = None
                continue
            colour = faint if day in faded else text
            if colour is not pen:
                painter.setPen(colour)
                pen = colour
            painter.drawStaticText(point, label)

    @staticmethod
    def _chip_text(item: CalendarItem, clock: dict[tuple[int, int], str]) -> str:
        """The chip's line; ``clock`` keeps the start times already written this paint."""
        if item.spans_days:
            return item.title
        starts = item.starts_at
        written = clock.get((starts.hour, starts.minute))
        if written is None:
            written = clock[(starts.hour, starts.minute)] = time_text(starts)
        return f"{written}  {item.title}"
