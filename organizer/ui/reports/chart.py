"""A horizontal bar chart of a report's main figure, drawn with QPainter in palette colours."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLocale, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

from organizer.reports.tables import ColumnKind, Table, format_cell

MAX_BARS = 12
BAR_COLOUR = QColor("#4C78A8")


def chart_series(table: Table | None) -> tuple[str, list[tuple[str, float]], ColumnKind]:
    """What to chart: the figure's name, (label, value) bars (at most 12) and its kind.

    The figure is the hours column when there is one, else the last numeric column; the label
    joins the text columns ("2 Nov 2026 · Garden").
    """
    if table is None or not table.rows:
        return "", [], ColumnKind.COUNT
    numeric = [i for i, c in enumerate(table.columns) if c.kind.numeric]
    if not numeric:
        return "", [], ColumnKind.COUNT
    hours = [i for i in numeric if table.columns[i].kind is ColumnKind.HOURS]
    figure = hours[0] if hours else numeric[-1]
    texts = [i for i, c in enumerate(table.columns) if not c.kind.numeric]
    bars = [
        (" · ".join(str(row[i]) for i in texts), float(row[figure] or 0))
        for row in table.rows[:MAX_BARS]
    ]
    return table.columns[figure].name, bars, table.columns[figure].kind


def chart_title(table: Table | None) -> str:
    """The chart's heading: its figure, and which rows it shows when not all of them."""
    name, bars, _ = chart_series(table)
    total = len(table.rows) if table is not None else 0
    if not bars or len(bars) == total:
        return name
    locale = QLocale()
    return QCoreApplication.translate(
        "ReportChart", "{figure}, the first {shown} of {total}"
    ).format(figure=name, shown=locale.toString(len(bars)), total=locale.toString(total))


class ReportChart(QWidget):
    """Bars for the first rows of a report, labelled with their values."""

    def __init__(self, parent: QWidget | None = None) -> None:
        """Start with nothing to draw."""
        super().__init__(parent)
        self.table: Table | None = None
        self.setObjectName("report-chart")
        self.setAccessibleName(self.tr("Chart"))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumHeight(160)

    def set_table(self, table: Table | None) -> None:
        """Chart ``table``."""
        self.table = table
        _, bars, _ = chart_series(table)
        self.setAccessibleDescription(
            f"{chart_title(table)}: " + "; ".join(f"{label} {value:g}" for label, value in bars)
        )
        self.update()

    def sizeHint(self) -> QSize:
        """Room for a dozen bars."""
        return QSize(360, 320)

    def paintEvent(self, event: QPaintEvent) -> None:
        """Draw the title, then one labelled bar per row."""
        _, bars, kind = chart_series(self.table)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        text = palette.color(QPalette.ColorRole.WindowText)
        muted = palette.color(QPalette.ColorRole.PlaceholderText)
        metrics = self.fontMetrics()
        line = metrics.height()
        area = QRectF(self.rect()).adjusted(12, 8, -12, -8)
        painter.setPen(muted)
        if not bars:
            painter.drawText(area, Qt.AlignmentFlag.AlignCenter, self.tr("Nothing to chart"))
            return
        title_font = painter.font()
        title_font.setBold(True)
        painter.setFont(title_font)
        painter.setPen(text)
        painter.drawText(area.adjusted(0, 0, 0, -area.height() + line), chart_title(self.table))
        painter.setFont(self.font())
        top = area.top() + line * 1.6
        label_width = min(
            max(metrics.horizontalAdvance(label) for label, _ in bars) + 10, area.width() * 0.45
        )
        value_width = metrics.horizontalAdvance("000.0%") + 8
        bar_room = max(area.width() - label_width - value_width, 10)
        step = max(min((area.bottom() - top) / len(bars), line * 2.2), line * 1.2)
        biggest = max((value for _, value in bars), default=0) or 1
        if kind is ColumnKind.PERCENT:
            biggest = max(biggest, 100)
        for number, (label, value) in enumerate(bars):
            y = top + number * step
            painter.setPen(text)
            elided = metrics.elidedText(label, Qt.TextElideMode.ElideRight, int(label_width - 8))
            row = QRectF(area.left(), y, label_width - 8, step)
            painter.drawText(
                row, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, elided
            )
            width = bar_room * value / biggest
            bar = QRectF(area.left() + label_width, y + step * 0.2, max(width, 1), step * 0.6)
            painter.fillRect(bar, BAR_COLOUR)
            painter.setPen(muted)
            painter.drawText(
                QRectF(bar.right() + 6, y, value_width, step),
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                format_cell(value, kind),
            )
