"""The coverage heat map: weeks down, Monday to Sunday across, each day coloured by how full.

Colour is never the only clue: every day shows its percentage, badly short days are also
hatched, and the legend names each state.  The hues (blue, orange, vermilion) stay apart
for the common kinds of colour blindness and are chosen per palette, light or dark.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from organizer.changes import DataChange
from organizer.errors import OrganizerError
from organizer.services.coverage import ShiftFill
from organizer.ui.context import ViewContext
from organizer.ui.roster.delegates import blend, is_dark

Index = QModelIndex | QPersistentModelIndex

WEEKS = 8
BADLY_SHORT_BELOW = 0.75  # under three places in four filled is "badly short"
OBJECT_ROLE = Qt.ItemDataRole.UserRole + 1
STATUS_ROLE = Qt.ItemDataRole.UserRole + 2
DAY_ROLE = Qt.ItemDataRole.UserRole + 3
WATCHED = ("shift", "assignment", "event")


def _tr(text: str) -> str:
    return QCoreApplication.translate("Coverage", text)


class DayStatus(StrEnum):
    """How one day stands, for its colour and its words."""

    FULL = "full"
    SHORT = "short"
    BADLY_SHORT = "badly_short"
    NOTHING = "nothing"


@dataclass(frozen=True)
class DayCoverage:
    """Places needed and filled on one day, over every shift starting that day.

    A shift's extra volunteers never make up for another shift's gap.
    """

    day: date
    needed: int = 0
    filled: int = 0
    shifts: int = 0
    shifts_short: int = 0

    @property
    def status(self) -> DayStatus:
        """Full, short, badly short, or nothing planned."""
        if self.shifts == 0 or self.needed == 0:
            return DayStatus.NOTHING
        if self.filled >= self.needed:
            return DayStatus.FULL
        if self.filled / self.needed < BADLY_SHORT_BELOW:
            return DayStatus.BADLY_SHORT
        return DayStatus.SHORT

    @property
    def percent(self) -> int | None:
        """Filled places as a whole percentage (rounded down, so 99.5% is not "100%")."""
        if not self.needed:
            return None
        return self.filled * 100 // self.needed


def status_words(status: DayStatus) -> str:
    """The state in words, for the legend and for screen readers."""
    return {
        DayStatus.FULL: _tr("All full"),
        DayStatus.SHORT: _tr("Some short"),
        DayStatus.BADLY_SHORT: _tr("Badly short"),
        DayStatus.NOTHING: _tr("Nothing planned"),
    }[status]


def summarise_days(fills: Iterable[ShiftFill], first: date, days: int) -> list[DayCoverage]:
    """One :class:`DayCoverage` per day from ``first``, by each shift's local start day."""
    totals: dict[date, list[int]] = {first + timedelta(days=n): [0, 0, 0, 0] for n in range(days)}
    for fill in fills:
        counts = totals.get(fill.starts_at.astimezone().date())
        if counts is None:
            continue
        counts[0] += fill.needed
        counts[1] += min(fill.filled, fill.needed)
        counts[2] += 1
        counts[3] += 1 if fill.missing else 0
    return [DayCoverage(day, *counts) for day, counts in sorted(totals.items())]


def day_tooltip(cell: DayCoverage) -> str:
    """A day in words, "Tue 3 Dec: 14 of 18 places filled, 2 shifts short"."""
    when = f"{cell.day:%a} {cell.day.day} {cell.day:%b}"
    if cell.status is DayStatus.NOTHING:
        return _tr("{when}: nothing planned").format(when=when)
    text = _tr("{when}: {filled} of {needed} places filled").format(
        when=when, filled=cell.filled, needed=cell.needed
    )
    if cell.shifts_short == 1:
        return text + _tr(", 1 shift short")
    if cell.shifts_short:
        return text + _tr(", {count} shifts short").format(count=cell.shifts_short)
    return text + _tr(", all shifts full")


# (on a light palette, on a dark palette): Okabe–Ito blue, orange and vermilion
_HUES = {
    DayStatus.FULL: ("#0072B2", "#56B4E9"),
    DayStatus.SHORT: ("#E69F00", "#E69F00"),
    DayStatus.BADLY_SHORT: ("#D55E00", "#F07B3F"),
}
_STRENGTH = {DayStatus.FULL: 0.28, DayStatus.SHORT: 0.45, DayStatus.BADLY_SHORT: 0.62}


def status_colour(status: DayStatus, palette: QPalette) -> QColor:
    """A day's fill colour on ``palette`` (a faint neutral for nothing planned)."""
    base = palette.color(QPalette.ColorRole.Base)
    if status is DayStatus.NOTHING:
        return blend(palette.color(QPalette.ColorRole.Text), base, 0.04)
    light, dark = _HUES[status]
    return blend(QColor(dark if is_dark(palette) else light), base, _STRENGTH[status])


def hatch_colour(palette: QPalette) -> QColor:
    """The hatching over badly short days, a second clue besides colour."""
    return blend(
        palette.color(QPalette.ColorRole.Text), palette.color(QPalette.ColorRole.Base), 0.22
    )


class HeatMapModel(QAbstractTableModel):
    """Weeks as rows, Monday to Sunday as columns; each cell one :class:`DayCoverage`."""

    def __init__(self, parent: Any = None) -> None:
        """Start empty."""
        super().__init__(parent)
        self._cells: list[DayCoverage] = []
        self.today: date | None = None
        self.week_on_show: date | None = None
        """The Monday of the week the board shows, if it is a week (marked on the map)."""

    def set_days(self, cells: list[DayCoverage]) -> None:
        """Show ``cells`` (whole weeks, from a Monday)."""
        self.beginResetModel()
        self._cells = cells[: len(cells) // 7 * 7]
        self.endResetModel()

    def set_week_on_show(self, monday: date | None) -> None:
        """Mark the week from ``monday`` as the one on the board (None: no week)."""
        if monday == self.week_on_show:
            return
        before = self._row_of(self.week_on_show)
        self.week_on_show = monday
        for row in (before, self._row_of(monday)):
            if row is not None:  # only the two weeks concerned are drawn again
                self.dataChanged.emit(self.index(row, 0), self.index(row, 6))

    def _row_of(self, monday: date | None) -> int | None:
        index = self.index_of(monday) if monday is not None else QModelIndex()
        return index.row() if index.isValid() else None

    def on_show(self, row: int) -> bool:
        """Whether week ``row`` is the one on the board."""
        return 0 <= row < self.rowCount() and self._cells[row * 7].day == self.week_on_show

    def cell(self, index: Index) -> DayCoverage | None:
        """The day at ``index``."""
        if not index.isValid() or index.parent().isValid():
            return None
        position = index.row() * 7 + index.column()
        return self._cells[position] if 0 <= position < len(self._cells) else None

    def index_of(self, day: date) -> QModelIndex:
        """The cell showing ``day`` (invalid if it is not on the map)."""
        if not self._cells:
            return QModelIndex()
        offset = (day - self._cells[0].day).days
        if not 0 <= offset < len(self._cells):
            return QModelIndex()
        return self.index(offset // 7, offset % 7)

    def days(self) -> list[DayCoverage]:
        """Every day on the map."""
        return list(self._cells)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        """Weeks."""
        return 0 if parent.isValid() else len(self._cells) // 7

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        """Monday to Sunday."""
        return 0 if parent.isValid() else 7

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Percentage, tooltip, state, day and the :class:`DayCoverage` itself."""
        cell = self.cell(index)
        if cell is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return "–" if cell.percent is None else f"{cell.percent}%"
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            return day_tooltip(cell)
        if role == Qt.ItemDataRole.AccessibleDescriptionRole:
            words = status_words(cell.status)
            if self.on_show(index.row()):
                return _tr("{state}; this week is on the board").format(state=words)
            return words
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == STATUS_ROLE:
            return cell.status.value
        if role == DAY_ROLE:
            return cell.day
        if role == OBJECT_ROLE:
            return cell
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Day names across; each week's Monday down the side."""
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        if orientation == Qt.Orientation.Horizontal:
            if not 0 <= section < 7:
                return None
            day = date(2024, 1, 1) + timedelta(days=section)  # a Monday
            return f"{day:%a}" if role == Qt.ItemDataRole.DisplayRole else f"{day:%A}"
        if not 0 <= section < self.rowCount():
            return None
        monday = self._cells[section * 7].day
        if role == Qt.ItemDataRole.ToolTipRole:
            return _tr("Week of {day}").format(day=f"{monday.day} {monday:%B %Y}")
        return f"{monday.day} {monday:%b}"

    def flags(self, index: Index) -> Qt.ItemFlag:
        """Days can be chosen, not edited."""
        if self.cell(index) is None:
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


class HeatMapDelegate(QStyledItemDelegate):
    """A tinted tile with the day of the month in a corner and the percentage in the middle."""

    def __init__(self, model: HeatMapModel, parent: Any = None) -> None:
        """Draw ``model``'s days (it knows which one is today)."""
        super().__init__(parent)
        self.model = model

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        """Tile, hatching, texts, and the focus or selection outline."""
        cell = index.data(OBJECT_ROLE)
        if not isinstance(cell, DayCoverage):
            return
        palette = option.palette
        tile = QRect(option.rect).adjusted(2, 2, -2, -2)
        painter.save()
        if self.model.on_show(index.row()):
            # The board's week: a band behind its row of tiles.
            base = palette.color(QPalette.ColorRole.Base)
            painter.fillRect(
                option.rect, blend(base, palette.color(QPalette.ColorRole.Highlight), 0.3)
            )
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(status_colour(cell.status, palette))
        painter.drawRoundedRect(tile, 4, 4)
        if cell.status is DayStatus.BADLY_SHORT:
            painter.setBrush(QBrush(hatch_colour(palette), Qt.BrushStyle.BDiagPattern))
            painter.drawRoundedRect(tile, 4, 4)
        text = palette.color(QPalette.ColorRole.Text)
        muted = palette.color(QPalette.ColorRole.PlaceholderText)
        small = QFont(option.font)
        small.setPointSizeF(option.font.pointSizeF() * 0.82)
        painter.setFont(small)
        painter.setPen(muted)
        label = str(cell.day.day) if cell.day.day != 1 else f"1 {cell.day:%b}"
        painter.drawText(
            tile.adjusted(4, 1, -3, 0),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
            label,
        )
        big = QFont(option.font)
        big.setWeight(QFont.Weight.DemiBold)
        painter.setFont(big)
        painter.setPen(text if cell.percent is not None else muted)
        painter.drawText(
            tile.adjusted(24, 0, 0, 0),
            Qt.AlignmentFlag.AlignCenter,
            str(index.data()),
        )
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        if selected or cell.day == self.model.today:
            outline = palette.color(QPalette.ColorRole.Highlight) if selected else text
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QPen(outline, 2 if selected else 1.2))
            painter.drawRoundedRect(tile.adjusted(1, 1, -1, -1), 3, 3)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        """Room for "100%" and the day of the month."""
        metrics = option.fontMetrics
        return QSize(metrics.horizontalAdvance("100%") + 60, metrics.height() + 10)


class LegendSwatch(QWidget):
    """A small tile in one state's colour (hatched like the map where the map is)."""

    def __init__(self, status: DayStatus, parent: QWidget | None = None) -> None:
        """A swatch for ``status``."""
        super().__init__(parent)
        self.status = status
        self.setFixedSize(16, 16)

    def paintEvent(self, event: QPaintEvent) -> None:
        """Draw the tile."""
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        tile = self.rect().adjusted(1, 1, -1, -1)
        painter.setPen(
            QPen(
                blend(
                    self.palette().color(QPalette.ColorRole.Text),
                    self.palette().color(QPalette.ColorRole.Base),
                    0.25,
                )
            )
        )
        painter.setBrush(status_colour(self.status, self.palette()))
        painter.drawRoundedRect(tile, 3, 3)
        if self.status is DayStatus.BADLY_SHORT:
            painter.setBrush(QBrush(hatch_colour(self.palette()), Qt.BrushStyle.BDiagPattern))
            painter.drawRoundedRect(tile, 3, 3)
        painter.end()


class CoverageHeatMap(QWidget):
    """The next weeks at a glance; choosing a day emits ``day_chosen(date)``.

    Loads :meth:`CoverageService.shift_fill` through the worker; ``loaded()`` follows each
    load.  Reloads itself when shifts, assignments or events change.
    """

    day_chosen = Signal(object)
    loaded = Signal()

    def __init__(
        self,
        context: ViewContext,
        parent: QWidget | None = None,
        *,
        weeks: int = WEEKS,
        today: Callable[[], date] = date.today,
    ) -> None:
        """A map of ``weeks`` weeks from the week holding ``today()``."""
        super().__init__(parent)
        self.context = context
        self.weeks = weeks
        self.today = today
        self.cause_ids: list[int] | None = None
        self.first_monday = _monday(today())
        self.loading = False
        self._request = 0
        self._stale = True
        self.setObjectName("coverage-heat-map")
        self.setAccessibleName(self.tr("Coverage heat map"))

        self.model = HeatMapModel(self)
        self.view = QTableView()
        self.view.setObjectName("coverage-heat-map-days")
        self.view.setAccessibleName(self.tr("Coverage by day"))
        self.view.setAccessibleDescription(
            self.tr("Each day shows the share of places filled. Press Enter to show its week.")
        )
        self.view.setModel(self.model)
        self.view.setItemDelegate(HeatMapDelegate(self.model, self.view))
        self.view.setShowGrid(False)
        self.view.setCornerButtonEnabled(False)
        for corner in self.view.findChildren(QAbstractButton):
            corner.setAccessibleName(self.tr("Corner"))
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setMouseTracking(True)
        self.view.setFrameShape(QTableView.Shape.NoFrame)
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        metrics = self.view.fontMetrics()
        across = self.view.horizontalHeader()
        across.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        across.setMinimumSectionSize(metrics.horizontalAdvance("1 Dec 100%") + 24)
        across.setHighlightSections(False)
        across.setAccessibleName(self.tr("Days of the week"))
        down = self.view.verticalHeader()
        down.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        down.setDefaultSectionSize(metrics.height() + 10)
        down.setHighlightSections(False)
        down.setDefaultAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        down.setAccessibleName(self.tr("Weeks"))
        down.setFixedWidth(metrics.horizontalAdvance("30 Sept") + 14)
        self.view.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

        self.status_label = QLabel(self.tr("Loading…"))
        self.status_label.setObjectName("coverage-heat-map-status")
        self.status_label.setAccessibleName(self.tr("Coverage summary"))
        self.status_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        legend = QHBoxLayout()
        legend.setSpacing(4)
        self.legend_labels: dict[DayStatus, QLabel] = {}
        for status in DayStatus:
            swatch = LegendSwatch(status)
            swatch.setAccessibleName(status_words(status))
            label = QLabel(status_words(status))
            label.setAccessibleName(self.tr("Legend: {state}").format(state=status_words(status)))
            self.legend_labels[status] = label
            legend.addWidget(swatch)
            legend.addWidget(label)
            legend.addSpacing(10)
        legend.addStretch(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.view)
        layout.addLayout(legend)
        layout.addWidget(self.status_label)

        self.view.clicked.connect(self._chosen)
        self.view.activated.connect(self._chosen)
        context.hub.changed.connect(self._data_changed)
        self._fit_height()

    def _fit_height(self) -> None:
        rows = self.weeks
        height = (
            self.view.horizontalHeader().sizeHint().height()
            + rows * self.view.verticalHeader().defaultSectionSize()
            + 2 * self.view.frameWidth()
        )
        self.view.setFixedHeight(height)
        across = self.view.horizontalHeader()
        self.view.setMinimumWidth(
            self.view.verticalHeader().sizeHint().width() + 7 * across.minimumSectionSize() + 4
        )

    def refresh(self) -> None:
        """Reload the weeks from the one holding today (off the GUI thread)."""
        self._stale = False
        self.first_monday = _monday(self.today())
        self.model.today = self.today()
        self._request += 1
        request = self._request
        first = self.first_monday
        days = self.weeks * 7
        start = datetime.combine(first, time()).astimezone()
        end = datetime.combine(first + timedelta(days=days), time()).astimezone()
        causes = None if self.cause_ids is None else list(self.cause_ids)
        coverage = self.context.services.coverage

        def work() -> tuple[int, list[DayCoverage]]:
            fills = coverage.shift_fill(start, end, cause_ids=causes)
            return request, summarise_days(fills, first, days)

        self.loading = True
        self.context.worker.submit(work, on_done=self._show, on_error=self._failed)

    def set_causes(self, cause_ids: list[int] | None) -> None:
        """Show only shifts of ``cause_ids`` (None: every cause)."""
        if cause_ids != self.cause_ids:
            self.cause_ids = cause_ids
            self.refresh()

    def _show(self, result: tuple[int, list[DayCoverage]]) -> None:
        request, cells = result
        if request != self._request:
            return
        self.loading = False
        self.model.set_days(cells)
        self.view.doItemsLayout()
        short = sum(1 for cell in cells if cell.status in (DayStatus.SHORT, DayStatus.BADLY_SHORT))
        needed = sum(cell.needed for cell in cells)
        filled = sum(cell.filled for cell in cells)
        if not needed:
            self.status_label.setText(self.tr("Nothing planned in these weeks."))
        else:
            self.status_label.setText(
                self.tr("{filled} of {needed} places filled · {days} days short").format(
                    filled=filled, needed=needed, days=short
                )
            )
        self.loaded.emit()

    def _failed(self, error: Exception) -> None:
        self.loading = False
        if not isinstance(error, OrganizerError):
            raise error
        self.status_label.setText(str(error))

    def _chosen(self, index: QModelIndex) -> None:
        cell = self.model.cell(index)
        if cell is not None:
            self.day_chosen.emit(cell.day)

    def _data_changed(self, change: DataChange) -> None:
        if change.touches(*WATCHED):
            if self.isVisible():
                self.refresh()
            else:
                self._stale = True

    def showEvent(self, event: Any) -> None:
        """Load when first shown, and catch up on changes made while hidden."""
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def changeEvent(self, event: QEvent) -> None:
        """Repaint with the new palette's colours (light or dark)."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self.view.viewport().update()


class CoveragePanel(QWidget):
    """The heat map with its title and the scheduling buttons, as placed above the board.

    ``Fill gaps…`` and ``Find cover…`` are exposed for the page to connect; the map can be
    folded away to leave the board more room.
    """

    def __init__(
        self,
        context: ViewContext,
        parent: QWidget | None = None,
        *,
        today: Callable[[], date] = date.today,
    ) -> None:
        """The panel over ``context``'s database."""
        super().__init__(parent)
        self.setObjectName("coverage-panel")
        self.setAccessibleName(self.tr("Coverage and scheduling"))
        self.heat_map = CoverageHeatMap(context, today=today)
        self.toggle_button = QPushButton(self.tr("Hide coverage map"))
        self.toggle_button.setObjectName("coverage-toggle")
        self.toggle_button.setAccessibleName(self.tr("Show or hide the coverage map"))
        self.toggle_button.setCheckable(True)
        self.toggle_button.setChecked(True)
        self.title = QLabel(self.tr("Coverage, next {weeks} weeks").format(weeks=WEEKS))
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.title.setAccessibleName(self.tr("Coverage map title"))
        self.fill_gaps_button = QPushButton(self.tr("Fill gaps…"))
        self.fill_gaps_button.setObjectName("coverage-fill-gaps")
        self.fill_gaps_button.setAccessibleName(self.tr("Fill gaps automatically"))
        self.fill_gaps_button.setToolTip(self.tr("Propose volunteers for open places, then apply"))
        self.find_cover_button = QPushButton(self.tr("Find cover…"))
        self.find_cover_button.setObjectName("coverage-find-cover")
        self.find_cover_button.setAccessibleName(self.tr("Find cover for the chosen shift"))
        self.find_cover_button.setToolTip(self.tr("Who could cover the chosen shift, and asks"))
        if context.read_only:
            self.fill_gaps_button.setToolTip(self.tr("This file is open read-only."))

        top = QHBoxLayout()
        top.setSpacing(6)
        top.addWidget(self.title)
        top.addStretch(1)
        top.addWidget(self.find_cover_button)
        top.addWidget(self.fill_gaps_button)
        top.addWidget(self.toggle_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addWidget(self.heat_map)
        self.toggle_button.toggled.connect(self._toggled)

    def _toggled(self, shown: bool) -> None:
        self.heat_map.setVisible(shown)
        self.toggle_button.setText(
            self.tr("Hide coverage map") if shown else self.tr("Show coverage map")
        )


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


__all__ = [
    "BADLY_SHORT_BELOW",
    "CoverageHeatMap",
    "CoveragePanel",
    "DayCoverage",
    "DayStatus",
    "HeatMapDelegate",
    "HeatMapModel",
    "day_tooltip",
    "status_colour",
    "summarise_days",
]
