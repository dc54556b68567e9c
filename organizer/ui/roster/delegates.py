"""Drawing the roster board and the candidate list in the palette's colours.

Fill states use green, amber and red chosen for the palette's lightness, always with words
beside them, so the board stays readable in dark mode and without colour vision.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeView,
)

from organizer.services.coverage import FillStatus
from organizer.ui.roster.models import (
    AVAILABLE_ROLE,
    COLOUR_ROLE,
    COLUMN_FILLED,
    COLUMN_NAME,
    COLUMN_NOTES,
    FILL_ROLE,
    KIND_ROLE,
    OBJECT_ROLE,
    REASON_ROLE,
    TONE_ROLE,
    BoardModel,
    DayHeading,
    OccurrenceHeading,
    RowKind,
    Tone,
    time_span,
)

Index = QModelIndex | QPersistentModelIndex

# (on a light palette, on a dark palette)
_FILL_HUES = {
    FillStatus.FULL: ("#2E7D32", "#81C784"),
    FillStatus.SHORT: ("#8A5A00", "#FFC46B"),
    FillStatus.EMPTY: ("#C62828", "#F19999"),
}
PADDING = 6
REASON_LINES = 2


def is_dark(palette: QPalette) -> bool:
    """Whether the palette is a dark one."""
    return palette.color(QPalette.ColorRole.Base).lightness() < 128


def fill_colour(status: FillStatus, palette: QPalette) -> QColor:
    """The text and border colour for a fill state, legible on the palette's base."""
    light, dark = _FILL_HUES[status]
    return QColor(dark if is_dark(palette) else light)


def fill_background(status: FillStatus, palette: QPalette) -> QColor:
    """A soft tint of the fill colour over the palette's base."""
    return blend(fill_colour(status, palette), palette.color(QPalette.ColorRole.Base), 0.16)


def warning_colour(palette: QPalette) -> QColor:
    """The colour of clash warnings and field errors."""
    return fill_colour(FillStatus.EMPTY, palette)


def blend(top: QColor, bottom: QColor, amount: float) -> QColor:
    """``top`` laid over ``bottom`` at ``amount`` opacity."""
    return QColor.fromRgbF(
        top.redF() * amount + bottom.redF() * (1 - amount),
        top.greenF() * amount + bottom.greenF() * (1 - amount),
        top.blueF() * amount + bottom.blueF() * (1 - amount),
    )


def tone_colour(tone: Tone, palette: QPalette) -> QColor:
    """The text colour for a tone."""
    if tone is Tone.WARNING:
        return warning_colour(palette)
    if tone is Tone.MUTED:
        return palette.color(QPalette.ColorRole.PlaceholderText)
    return palette.color(QPalette.ColorRole.Text)


def paint_badge(
    painter: QPainter, rect: QRect, text: str, status: FillStatus, palette: QPalette
) -> None:
    """A rounded "1 of 2" pill in the colours of its fill state, centred in ``rect``."""
    metrics = painter.fontMetrics()
    width = metrics.horizontalAdvance(text) + 2 * PADDING + 4
    height = metrics.height() + 4
    pill = QRectF(
        rect.left() + PADDING, rect.center().y() - height / 2 + 1, width, height
    ).adjusted(0.5, 0.5, -0.5, -0.5)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    colour = fill_colour(status, palette)
    painter.setPen(colour)
    painter.setBrush(fill_background(status, palette))
    painter.drawRoundedRect(pill, height / 2, height / 2)
    font = painter.font()
    font.setWeight(QFont.Weight.DemiBold)
    painter.setFont(font)
    painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, text)
    painter.restore()


def paint_dot(
    painter: QPainter, centre_x: float, centre_y: float, radius: float, colour: QColor
) -> None:
    """A filled circle (a cause's colour, or "available")."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(colour)
    painter.drawEllipse(QRectF(centre_x - radius, centre_y - radius, 2 * radius, 2 * radius))
    painter.restore()


def paint_item_background(
    delegate: QStyledItemDelegate, painter: QPainter, option: QStyleOptionViewItem, index: Index
) -> None:
    """The style's own row background (hover, selection, focus), without text."""
    opt = QStyleOptionViewItem(option)
    delegate.initStyleOption(opt, index)
    opt.text = ""
    widget = opt.widget
    style = widget.style() if widget is not None else QApplication.style()
    style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, opt, painter, widget)


_HEADINGS = frozenset((RowKind.DAY.value, RowKind.OCCURRENCE.value))

SIZES_KEPT = 20_000  # measured cells the board delegate remembers


class BoardDelegate(QStyledItemDelegate):
    """Day bands, occurrence headings with their cause colour, fill badges and tones."""

    def __init__(self, parent: QObject | None = None) -> None:
        """Draw for ``parent`` (the board view)."""
        super().__init__(parent)
        self._view = parent if isinstance(parent, QTreeView) else None
        self._sizes: dict[tuple[Any, ...], QSize] = {}

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        """Roomier rows than the default, day headings more so; long notes wrap.

        Measuring a cell lays its text out, so the sizes are kept by what they depend on:
        the row's level, the column (and the notes column's width), the text.  The view
        has them measured afresh when its font or style changes (:meth:`forget_sizes`).
        The tree view asks for every cell of each row it shows, so this stays lean.
        """
        column = index.column()
        model = index.model()
        if isinstance(model, BoardModel):
            kind, text = model.size_key(index)
        else:
            kind, text = index.data(KIND_ROLE), index.data()
        view = self._view
        width = view.columnWidth(column) if view is not None and column == COLUMN_NOTES else -1
        key = (kind, column, width, text, option.rect.width())
        size = self._sizes.get(key)
        if size is None:
            if len(self._sizes) >= SIZES_KEPT:
                self._sizes.clear()
            size = self._sizes[key] = self._measure(option, index, kind, width)
        return size

    def forget_sizes(self) -> None:
        """Measure afresh (the style or font changed)."""
        self._sizes.clear()

    def _measure(self, option: QStyleOptionViewItem, index: Index, kind: Any, width: int) -> QSize:
        size = super().sizeHint(option, index)
        height = max(size.height(), option.fontMetrics.height())
        if index.column() == COLUMN_NOTES and width >= 0:
            text = index.data() or ""
            if text and width - 2 * PADDING > 40:
                bounds = QRect(0, 0, width - 2 * PADDING, 10_000)
                wrapped_height = option.fontMetrics.boundingRect(
                    bounds, Qt.TextFlag.TextWordWrap, text
                ).height()
                height = max(height, wrapped_height)
        extra = 16 if kind == RowKind.DAY.value else 10
        return QSize(size.width(), height + extra)

    def initStyleOption(self, option: QStyleOptionViewItem, index: Index) -> None:
        """Apply the row's tone to its text colour."""
        super().initStyleOption(option, index)
        tone = index.data(TONE_ROLE)
        if isinstance(tone, Tone) and tone is not Tone.NORMAL:
            option.palette.setColor(QPalette.ColorRole.Text, tone_colour(tone, option.palette))

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        """Draw headings and badges by hand; everything else the usual way.

        A day's or an event's heading is drawn across the whole row by its first cell; its
        other cells draw nothing.  (The tree view's own spanning would cost a call into the
        model for every row it lays out, thousands on a big week.)
        """
        kind = index.data(KIND_ROLE)
        if kind in _HEADINGS:
            if index.column() == COLUMN_NAME:
                payload = index.data(OBJECT_ROLE)
                row = self._whole_row(option)
                if isinstance(payload, DayHeading):
                    self._paint_day(painter, row, index, payload)
                elif isinstance(payload, OccurrenceHeading):
                    self._paint_occurrence(painter, row, index, payload)
        elif kind == RowKind.SHIFT.value and index.column() == COLUMN_FILLED:
            self._paint_background(painter, option, index)
            status = index.data(FILL_ROLE)
            if status:
                paint_badge(painter, option.rect, index.data(), FillStatus(status), option.palette)
        else:
            super().paint(painter, option, index)

    def _whole_row(self, option: QStyleOptionViewItem) -> QStyleOptionViewItem:
        """``option`` for the first cell, stretched to the end of the row's last column."""
        row = QStyleOptionViewItem(option)
        if self._view is not None:
            header = self._view.header()
            rect = QRect(option.rect)
            rect.setRight(header.length() - header.offset() - 1)
            row.rect = rect
        row.viewItemPosition = QStyleOptionViewItem.ViewItemPosition.OnlyOne
        return row

    def _paint_background(
        self, painter: QPainter, option: QStyleOptionViewItem, index: Index
    ) -> None:
        paint_item_background(self, painter, option, index)

    def _text_colour(self, option: QStyleOptionViewItem, muted: bool = False) -> QColor:
        palette = option.palette
        if option.state & QStyle.StateFlag.State_Selected:
            return palette.color(QPalette.ColorRole.HighlightedText)
        return palette.color(
            QPalette.ColorRole.PlaceholderText if muted else QPalette.ColorRole.Text
        )

    def _paint_day(
        self, painter: QPainter, option: QStyleOptionViewItem, index: Index, day: DayHeading
    ) -> None:
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        if not selected:
            band = blend(
                option.palette.color(QPalette.ColorRole.Text),
                option.palette.color(QPalette.ColorRole.Base),
                0.06,
            )
            painter.fillRect(option.rect, band)
        self._paint_background(painter, option, index)
        rect = option.rect.adjusted(PADDING, 4, -PADDING * 2, 0)
        painter.save()
        font = QFont(option.font)
        font.setWeight(QFont.Weight.Bold)
        font.setPointSizeF(font.pointSizeF() * 1.08)
        painter.setFont(font)
        painter.setPen(self._text_colour(option))
        painter.drawText(
            rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, index.data()
        )
        painter.setFont(option.font)
        summary = index.data(Qt.ItemDataRole.ToolTipRole) or ""
        if day.open_shifts:
            painter.setPen(
                option.palette.color(QPalette.ColorRole.HighlightedText)
                if selected
                else fill_colour(FillStatus.SHORT, option.palette)
            )
        else:
            painter.setPen(self._text_colour(option, muted=True))
        painter.drawText(rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, summary)
        painter.restore()

    def _paint_occurrence(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: Index,
        occurrence: OccurrenceHeading,
    ) -> None:
        self._paint_background(painter, option, index)
        rect = option.rect.adjusted(PADDING, 0, -PADDING, 0)
        metrics = option.fontMetrics
        radius = max(metrics.height() / 4, 4)
        colour = index.data(COLOUR_ROLE)
        dot = QColor(colour) if colour else option.palette.color(QPalette.ColorRole.Mid)
        paint_dot(painter, rect.left() + radius, rect.center().y() + 1, radius, dot)
        painter.save()
        font = QFont(option.font)
        font.setWeight(QFont.Weight.DemiBold)
        painter.setFont(font)
        painter.setPen(self._text_colour(option))
        left = rect.left() + int(2 * radius) + PADDING + 2
        title_rect = QRect(left, rect.top(), rect.right() - left, rect.height())
        bold = painter.fontMetrics()
        # Titles of one cause's events often differ only at the end ("… (Ashgate)").
        title = bold.elidedText(occurrence.title, Qt.TextElideMode.ElideMiddle, title_rect.width())
        painter.drawText(
            title_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, title
        )
        detail = time_span(occurrence.starts_at, occurrence.ends_at)
        if occurrence.location:
            detail += f"  ·  {occurrence.location}"
        detail_left = left + bold.horizontalAdvance(title) + 14
        painter.setFont(option.font)
        painter.setPen(self._text_colour(option, muted=True))
        detail_rect = QRect(detail_left, rect.top(), rect.right() - detail_left, rect.height())
        if detail_rect.width() > 40:
            detail = painter.fontMetrics().elidedText(
                detail, Qt.TextElideMode.ElideRight, detail_rect.width()
            )
            painter.drawText(
                detail_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, detail
            )
        painter.restore()


class CandidateDelegate(QStyledItemDelegate):
    """A candidate as two lines: the name, and why they are suggested."""

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        """Room for the name, two lines of reason and some air."""
        height = option.fontMetrics.height() * (1 + REASON_LINES) + 3 * PADDING
        return QSize(option.rect.width() or 200, height)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        """Availability dot, name in bold, reason in a quieter colour."""
        paint_item_background(self, painter, option, index)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        palette = option.palette
        rect = option.rect.adjusted(PADDING * 2, PADDING, -PADDING * 2, -PADDING)
        line = option.fontMetrics.height()
        available = index.data(AVAILABLE_ROLE)
        radius = 4.0
        dot_x = rect.left() + radius
        dot_y = rect.top() + line / 2 + 1
        if available:
            paint_dot(painter, dot_x, dot_y, radius, fill_colour(FillStatus.FULL, palette))
        else:
            painter.save()
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            painter.drawEllipse(
                QRectF(dot_x - radius + 0.5, dot_y - radius + 0.5, 2 * radius - 1, 2 * radius - 1)
            )
            painter.restore()
        text_left = rect.left() + int(2 * radius) + PADDING + 2
        painter.save()
        font = QFont(option.font)
        font.setWeight(QFont.Weight.DemiBold)
        painter.setFont(font)
        text = palette.color(
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        )
        painter.setPen(text)
        name_rect = QRect(text_left, rect.top(), rect.right() - text_left, line)
        name = painter.fontMetrics().elidedText(
            index.data() or "", Qt.TextElideMode.ElideRight, name_rect.width()
        )
        painter.drawText(
            name_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, name
        )
        painter.setFont(option.font)
        painter.setPen(text if selected else palette.color(QPalette.ColorRole.PlaceholderText))
        top = rect.top() + line + 3
        for text_line in wrapped(
            painter.fontMetrics(), index.data(REASON_ROLE) or "", name_rect.width(), REASON_LINES
        ):
            painter.drawText(
                QRect(text_left, top, name_rect.width(), line),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                text_line,
            )
            top += line
        painter.restore()


def wrapped(metrics: QFontMetrics, text: str, width: int, most: int) -> list[str]:
    """``text`` broken into at most ``most`` lines of ``width``, the last one elided."""
    lines: list[str] = []
    words = text.split(" ")  # not at no-break spaces
    while words and len(lines) < most:
        line = words.pop(0)
        while words and metrics.horizontalAdvance(f"{line} {words[0]}") <= width:
            line += " " + words.pop(0)
        lines.append(line)
    if words and lines:
        rest = " ".join([lines[-1], *words])
        lines[-1] = metrics.elidedText(rest, Qt.TextElideMode.ElideRight, width)
    return [metrics.elidedText(line, Qt.TextElideMode.ElideRight, width) for line in lines]
