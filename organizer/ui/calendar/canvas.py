"""What the month grid, the week's time grid and its all-day strip share.

Each is an :class:`ItemCanvas`: a widget that paints occurrences as rounded chips, knows
which chip lies under the mouse, opens one on double-click, creates on a double-click of
empty space, and moves one by drag and drop.  A canvas never changes data: it reports
what the coordinator asked for through its signals, and the page decides.
"""

from __future__ import annotations

import json
import math
from collections import OrderedDict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from PySide6.QtCore import QByteArray, QEvent, QMimeData, QPointF, QRect, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QDrag,
    QDragEnterEvent,
    QDragLeaveEvent,
    QDragMoveEvent,
    QDropEvent,
    QFont,
    QFontMetrics,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
    QPixmap,
    QStaticText,
    QTransform,
)
from PySide6.QtWidgets import QApplication, QToolTip, QWidget

from organizer.models import EventStatus
from organizer.ui.calendar.items import CalendarItem, OccurrenceKey
from organizer.ui.calendar.model import CalendarModel
from organizer.ui.calendar.periods import Period, ViewMode, local_now, period_for
from organizer.ui.calendar.text import time_text, tooltip

MIME_TYPE = "application/x-organizer-occurrence"
CHIP_RADIUS = 4.0


@dataclass(frozen=True)
class DropTarget:
    """Where a drop would put an item: a new local start, or a new day (time kept)."""

    starts_at: datetime
    day: date | None = None


def encode_drag(item: CalendarItem, grabbed_at: timedelta = timedelta()) -> QMimeData:
    """The drag payload for ``item``; ``grabbed_at`` is how far into it the mouse held it."""
    payload = {
        "event_id": item.event_id,
        "recurrence_id": item.recurrence_id.isoformat(),
        "grabbed_seconds": grabbed_at.total_seconds(),
    }
    mime = QMimeData()
    mime.setData(MIME_TYPE, QByteArray(json.dumps(payload).encode()))
    mime.setText(f"{item.title} {time_text(item.starts_at)}")
    return mime


def decode_drag(mime: QMimeData) -> tuple[OccurrenceKey, timedelta] | None:
    """The occurrence key and grab offset in a drag payload, or ``None`` if it is not ours."""
    if not mime.hasFormat(MIME_TYPE):
        return None
    try:
        payload = json.loads(bytes(mime.data(MIME_TYPE).data()).decode())
        key = (int(payload["event_id"]), datetime.fromisoformat(payload["recurrence_id"]))
        return key, timedelta(seconds=float(payload.get("grabbed_seconds", 0)))
    except (ValueError, KeyError, TypeError):
        return None


def mix(base: QColor, tint: QColor, amount: float) -> QColor:
    """``base`` with ``amount`` (0–1) of ``tint`` blended in."""
    keep = 1 - amount
    return QColor(
        round(base.red() * keep + tint.red() * amount),
        round(base.green() * keep + tint.green() * amount),
        round(base.blue() * keep + tint.blue() * amount),
    )


def is_dark(palette: QPalette) -> bool:
    """Whether the palette draws light text on dark ground."""
    return palette.color(QPalette.ColorRole.Base).lightness() < 128


_ELIDED: dict[tuple[str, str, int], str] = {}
"""Chip texts already cut to a width, by font, text and width (a month repeats many)."""
_ELIDED_MOST = 20_000
_LOOKS: dict[Hashable, Hashable] = {}
"""What each chip drawn looks like (its picture's key), by what it was asked to show."""
_LOOKS_MOST = 20_000
_PATHS: dict[tuple[float, float], tuple[QPainterPath, QPainterPath]] = {}
"""A chip's outline and its colour bar, by size, drawn at the origin."""
_PATHS_MOST = 2_000
CHIP_BUDGET = 24 * 1024 * 1024
"""Bytes of chip pictures kept (a few months' worth; a busy week's chips are larger)."""
_STATIC: dict[tuple[str, str], QStaticText] = {}
"""Short texts laid out once, by font and text (day numbers, "+3 more")."""
_STATIC_MOST = 2_000
_FIRST_SHAPED = "\u0300"
"""The first code point (combining accents) past which text may need shaping."""
_TEXT_MARGINS = 11
"""How much narrower than its chip a line of text is cut to (the bar, and a space each side)."""
Lines = list[tuple[str, bool]]
"""A chip's lines of text, each with whether it is bold."""


class ChipStyle:
    """What painting chips takes from the palette and the font, worked out once per paint."""

    def __init__(self, painter: QPainter, palette: QPalette) -> None:
        """Paint with ``painter``'s current font, in ``palette``'s colours."""
        self.base = palette.color(QPalette.ColorRole.Base)
        self.text = palette.color(QPalette.ColorRole.Text)
        self.highlight = palette.color(QPalette.ColorRole.Highlight)
        self.neutral = palette.color(QPalette.ColorRole.PlaceholderText)
        self.amount = 0.38 if is_dark(palette) else 0.22
        self._font = QFont(painter.font())
        self._ratio = painter.device().devicePixelRatioF()
        self._key = (self.base.rgba(), self.text.rgba(), self.amount, self._font.key(), self._ratio)
        self._fonts: dict[tuple[bool, bool, bool], tuple[QFont, QFontMetrics, str]] = {}
        self._colours: dict[str, tuple[QColor, QColor]] = {}
        self._later: list[_Drawing] = []

    def colours(self, item: CalendarItem) -> tuple[QColor, QColor]:
        """The item's cause colour and the tint of its chip."""
        found = self._colours.get(item.colour)
        if found is None:
            colour = QColor(item.colour) if item.colour else self.neutral
            found = self._colours[item.colour] = (colour, mix(self.base, colour, self.amount))
        return found

    def font(
        self, painter: QPainter, bold: bool, struck: bool, plain: bool = False
    ) -> tuple[QFont, QFontMetrics, str]:
        """The font for a line, its metrics on ``painter``'s device, and its cache key.

        A ``plain`` line (see :func:`plain_text`) is laid out without shaping, which
        halves the cost of a chip's text not drawn before.
        """
        found = self._fonts.get((bold, struck, plain))
        if found is None:
            font = QFont(self._font)
            font.setBold(bold)
            font.setStrikeOut(struck)
            if plain:
                font.setStyleStrategy(QFont.StyleStrategy.PreferNoShaping)
            painter.setFont(font)
            dpi = painter.device().logicalDpiX()
            found = (font, painter.fontMetrics(), f"{font.key()}@{dpi}")
            self._fonts[(bold, struck, plain)] = found
        return found

    def paint(
        self, painter: QPainter, rect: QRectF, item: CalendarItem, lines: Lines, faded: bool
    ) -> None:
        """The chip for ``item`` at ``rect`` with these lines, ``faded`` or not.

        A month shows the same few series again and again, so most chips are copies of a
        picture already drawn, and many titles look the same once cut to fit ("10:00
        Monday and…").  A chip that looks like none drawn before is drawn straight onto
        ``painter`` (its body copied from a kept picture, its text drawn over it), several
        times quicker than drawing its picture, which is made once the event loop is idle.
        A faded chip is always a faded copy of its picture (see :meth:`prepare`).
        """
        key = self._key_of(item, rect, lines)
        look = _LOOKS.get(key)
        found = None if look is None else _CHIPS.get(look)
        if found is None:
            drawing = self._drawing(painter, key, item, rect, lines)
            found = _CHIPS.get(drawing.look)
        if found is None:
            if not faded:
                # Where the raster engine puts a picture drawn at rect's corner.
                origin = QPointF(math.floor(rect.left() + 0.5), math.floor(rect.top() + 0.5))
                kept = painter.font()
                painter.drawPixmap(origin, self._body(drawing))
                self._draw_lines(painter, origin, drawing)
                painter.setFont(kept)
                self._keep_later(drawing)
                return
            found = self._pictures([drawing])[0]
            _CHIPS.put(drawing.look, found)
        if faded:
            painter.save()
            painter.setOpacity(0.55)
            painter.drawPixmap(rect.topLeft(), found)
            painter.restore()
        else:
            painter.drawPixmap(rect.topLeft(), found)

    def ring(self, painter: QPainter, rect: QRectF) -> None:
        """The outline of a selected chip at ``rect``."""
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(self.highlight, 2))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(rect.adjusted(1, 1, -1, -1), CHIP_RADIUS, CHIP_RADIUS)
        painter.restore()

    def prepare(
        self, painter: QPainter, chips: Iterable[tuple[QRectF, CalendarItem, Lines]]
    ) -> None:
        """Make the pictures of ``chips`` not kept yet, all in one go, before painting them.

        For faded chips, which are copies of their pictures: drawing many pictures at
        once takes half as long as drawing them one by one.
        """
        missing: dict[Hashable, _Drawing] = {}
        for rect, item, lines in chips:
            key = self._key_of(item, rect, lines)
            look = _LOOKS.get(key)
            if look is not None and (look in missing or _CHIPS.get(look) is not None):
                continue
            drawing = self._drawing(painter, key, item, rect, lines)
            if drawing.look not in missing and _CHIPS.get(drawing.look) is None:
                missing[drawing.look] = drawing
        if missing:
            drawings = list(missing.values())
            for drawing, picture in zip(drawings, self._pictures(drawings), strict=True):
                _CHIPS.put(drawing.look, picture)

    def kept(self, item: CalendarItem, width: float, height: float, lines: Lines) -> QPixmap | None:
        """The picture of ``item``'s chip at this size with these lines, if one is kept.

        For painting many chips quickly: one found is copied as it is (not faded).
        """
        look = _LOOKS.get(self._chip_key(item, width, height, lines))
        return None if look is None else _CHIPS.get(look)

    def _key_of(self, item: CalendarItem, rect: QRectF, lines: Lines) -> Hashable:
        return self._chip_key(item, rect.width(), rect.height(), lines)

    def _chip_key(self, item: CalendarItem, width: float, height: float, lines: Lines) -> Hashable:
        status = item.status
        return (self._key, width, height, item.colour, status is EventStatus.DRAFT,
                status is EventStatus.CANCELLED, tuple(lines))  # fmt: skip

    def _drawing(
        self, painter: QPainter, key: Hashable, item: CalendarItem, rect: QRectF, lines: Lines
    ) -> _Drawing:
        """What drawing the chip takes, its lines cut to fit; remembers what ``key`` looks like."""
        colour, tint = self.colours(item)
        kept = painter.font()
        fonts = [self.font(painter, bold, item.cancelled, plain_text(text)) for text, bold in lines]
        painter.setFont(kept)
        width = int(rect.width() - _TEXT_MARGINS)
        texts = [
            _elided(metrics, font_key, text, width)
            for (text, _), (_, metrics, font_key) in zip(lines, fonts, strict=True)
        ]
        draft = item.status is EventStatus.DRAFT
        # The picture follows from the size, colours and the cut lines in their fonts.
        look = (self._key, rect.width(), rect.height(), item.colour, draft,
                tuple(zip(texts, [font_key for _, _, font_key in fonts], strict=True)))  # fmt: skip
        if len(_LOOKS) >= _LOOKS_MOST:
            _LOOKS.clear()
        _LOOKS[key] = look
        return _Drawing(look, rect.width(), rect.height(), colour, tint, draft, texts, fonts)

    def _keep_later(self, drawing: _Drawing) -> None:
        if not self._later:
            QTimer.singleShot(0, self._keep_pictures)
        self._later.append(drawing)

    def _keep_pictures(self) -> None:
        """Make the pictures of the chips drawn straight onto the screen."""
        later, self._later = self._later, []
        drawings = list({d.look: d for d in later if _CHIPS.get(d.look) is None}.values())
        if drawings:
            for drawing, picture in zip(drawings, self._pictures(drawings), strict=True):
                _CHIPS.put(drawing.look, picture)

    def _body(self, drawing: _Drawing) -> QPixmap:
        """The chip's outline, tint and colour bar, without text: drawn once, then kept."""
        key = (self._key, drawing.width, drawing.height, drawing.colour.rgba(), drawing.draft)
        found = _BODIES.get(key)
        if found is None:
            found = self._blank(drawing)
            painter = QPainter(found)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            outline, bar = _chip_paths(drawing.width, drawing.height)
            painter.setPen(Qt.PenStyle.NoPen)
            if drawing.draft:
                painter.setBrush(self.base)
                painter.drawPath(outline)
                painter.setPen(QPen(drawing.colour, 1, Qt.PenStyle.DashLine))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawPath(outline)
            else:
                painter.fillPath(outline, drawing.tint)
            painter.fillPath(bar, drawing.colour)
            painter.end()
            _BODIES.put(key, found)
        return found

    def _blank(self, drawing: _Drawing) -> QPixmap:
        ratio = self._ratio
        pixmap = QPixmap(math.ceil(drawing.width * ratio), math.ceil(drawing.height * ratio))
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        return pixmap

    def _pictures(self, drawings: Sequence[_Drawing]) -> list[QPixmap]:
        """Whole chips, text and all, as pictures to copy.

        They are drawn one below the other on one sheet (beginning to paint costs more
        than a chip), then cut apart.
        """
        ratio = self._ratio
        sizes = [(math.ceil(d.width * ratio), math.ceil(d.height * ratio)) for d in drawings]
        sheet = QPixmap(max(width for width, _ in sizes), sum(height for _, height in sizes))
        sheet.setDevicePixelRatio(ratio)
        sheet.fill(Qt.GlobalColor.transparent)
        painter = QPainter(sheet)
        top = 0
        for drawing, (width, height) in zip(drawings, sizes, strict=True):
            origin = QPointF(0, top / ratio)
            # Nothing of one chip may spill onto its neighbour, as nothing spills off a
            # picture of its own (whose edge is the chip's, rounded up to whole pixels).
            painter.setClipRect(QRectF(0, origin.y(), width / ratio, height / ratio))
            painter.drawPixmap(origin, self._body(drawing))
            self._draw_lines(painter, origin, drawing)
            top += height
        painter.end()
        pictures = []
        top = 0
        for width, height in sizes:
            picture = sheet.copy(QRect(0, top, width, height))
            picture.setDevicePixelRatio(ratio)
            pictures.append(picture)
            top += height
        return pictures

    def _draw_lines(self, painter: QPainter, origin: QPointF, drawing: _Drawing) -> None:
        """The chip's lines, top-down while they fit, its corner at ``origin``."""
        painter.setPen(self.text)
        left, top = origin.x() + 7, origin.y()
        y = 1.0
        bottom = drawing.height - 1
        clipped = False
        for text, (font, metrics, _) in zip(drawing.texts, drawing.fonts, strict=True):
            line_height = metrics.height()
            if y + line_height > bottom + 2 and y > 1:
                break
            if y + line_height > drawing.height and not clipped:
                painter.save()
                painter.setClipRect(QRectF(origin.x(), top, drawing.width, drawing.height))
                clipped = True
            painter.setFont(font)
            # At a baseline, not aligned in a box: several times quicker, and the same
            # pixels for a line already cut to fit.
            painter.drawText(QPointF(left, top + y + metrics.ascent()), text)
            y += line_height
        if clipped:
            painter.restore()


@dataclass(frozen=True, slots=True)
class _Drawing:
    """What drawing one chip takes: its look (its picture's key), size, colours, and lines.

    The lines are cut to fit, each with its font.
    """

    look: Hashable
    width: float
    height: float
    colour: QColor
    tint: QColor
    draft: bool
    texts: list[str]
    fonts: list[tuple[QFont, QFontMetrics, str]]


class KeptPixmaps:
    """Pictures already drawn, by key, the least recently used dropped beyond a budget."""

    def __init__(self, budget: int) -> None:
        """Keep at most ``budget`` bytes of pixels (always the newest picture)."""
        self.budget = budget
        self.size = 0
        self._kept: OrderedDict[Hashable, QPixmap] = OrderedDict()

    def __len__(self) -> int:
        """How many pictures are kept."""
        return len(self._kept)

    def get(self, key: Hashable) -> QPixmap | None:
        """The picture kept for ``key``, if any."""
        found = self._kept.get(key)
        if found is not None:
            self._kept.move_to_end(key)
        return found

    def put(self, key: Hashable, pixmap: QPixmap) -> None:
        """Keep ``pixmap`` for ``key``, dropping the least recently used beyond the budget."""
        self._kept[key] = pixmap
        self.size += _bytes_of(pixmap)
        while self.size > self.budget and len(self._kept) > 1:
            self.size -= _bytes_of(self._kept.popitem(last=False)[1])


def _bytes_of(pixmap: QPixmap) -> int:
    return pixmap.width() * pixmap.height() * pixmap.depth() // 8


_CHIPS = KeptPixmaps(CHIP_BUDGET)
"""Chips already drawn, by palette, size, colour, fonts and text."""
_BODIES = KeptPixmaps(CHIP_BUDGET // 8)
"""Chips' bodies without text, by palette, size and colour."""


def static_text(font: QFont, font_key: str, text: str) -> QStaticText:
    """``text`` laid out once for ``font`` (whose ``key()`` is ``font_key``), then kept.

    Every month draws the same day numbers and "+N more" labels; a laid-out text draws
    several times faster than laying it out again.
    """
    found = _STATIC.get((font_key, text))
    if found is None:
        if len(_STATIC) >= _STATIC_MOST:
            _STATIC.clear()
        found = _STATIC[(font_key, text)] = QStaticText(text)
        found.setTextFormat(Qt.TextFormat.PlainText)
        found.prepare(QTransform(), font)
    return found


def plain_text(text: str) -> bool:
    """Whether ``text`` reads the same unshaped: Latin with accents, dashes, quotes, currency.

    Shaping joins Arabic letters and orders Indic ones; Latin text loses only kerning and
    ligatures without it.  Qt's own test of whether a font needs it lets Arabic through
    unjoined where the font lacks OpenType tables, so this looks at the text instead.
    """
    if not text or max(text) < _FIRST_SHAPED:
        return True
    return all(
        character < _FIRST_SHAPED
        or "\u2010" <= character <= "\u2027"
        or "\u20a0" <= character <= "\u20cf"
        for character in text
    )


def _chip_paths(width: float, height: float) -> tuple[QPainterPath, QPainterPath]:
    found = _PATHS.get((width, height))
    if found is None:
        if len(_PATHS) >= _PATHS_MOST:
            _PATHS.clear()
        outline = QPainterPath()
        outline.addRoundedRect(QRectF(0, 0, width, height), CHIP_RADIUS, CHIP_RADIUS)
        bar = QPainterPath()
        bar.addRect(QRectF(0, 0, 3, height))
        found = _PATHS[(width, height)] = (outline, outline.intersected(bar))
    return found


def _elided(metrics: QFontMetrics, key: str, text: str, width: int) -> str:
    found = _ELIDED.get((key, text, width))
    if found is None:
        if len(_ELIDED) >= _ELIDED_MOST:
            _ELIDED.clear()
        found = metrics.elidedText(text, Qt.TextElideMode.ElideRight, width)
        _ELIDED[(key, text, width)] = found
    return found


def paint_chip(
    painter: QPainter,
    rect: QRectF,
    item: CalendarItem,
    palette: QPalette,
    *,
    lines: list[tuple[str, bool]],
    selected: bool,
    dimmed: bool = False,
    style: ChipStyle | None = None,
) -> None:
    """A rounded chip tinted with the cause colour, a bar of it on the left, then text.

    ``lines`` are ``(text, bold)`` pairs drawn top-down while they fit.  The tint is mixed
    into the palette's base colour, so the palette's text colour stays readable on it in
    light and dark mode alike.  Painting many chips, pass one ``style`` to them all.
    """
    if style is None:
        style = ChipStyle(painter, palette)
    style.paint(painter, rect, item, lines, dimmed or item.cancelled)
    if selected:
        style.ring(painter, rect)


class ItemCanvas(QWidget):
    """A painted calendar surface with chips that can be selected, opened and dragged.

    Subclasses place the chips in :meth:`lay_out` (filling ``self.hits``), say which moment
    a point stands for in :meth:`moment_at`, and where a drop lands in :meth:`drop_target`.
    """

    item_clicked = Signal(object)
    """An item was clicked (a :class:`CalendarItem`)."""
    item_activated = Signal(object)
    """An item was double-clicked or Enter was pressed on it."""
    day_clicked = Signal(object)
    """Empty space of a day was clicked (its ``date``)."""
    empty_activated = Signal(object)
    """Empty space was double-clicked (the aware local ``datetime`` it stands for)."""
    navigate = Signal(int)
    """The arrow keys asked to move the selected day by this many days."""
    move_requested = Signal(object, object)
    """An item was dropped: the item and the :class:`DropTarget`."""
    more_clicked = Signal(object)
    """A "+N more" was clicked on a day (its ``date``)."""

    def __init__(self, model: CalendarModel, parent: QWidget | None = None) -> None:
        """Draw from ``model``; redraw when it resets."""
        super().__init__(parent)
        self.model = model
        self.period = period_for(ViewMode.MONTH, local_now().date())
        self.today = local_now().date()
        self.selected_day = self.today
        self.selected_key: OccurrenceKey | None = None
        self.editable = True
        self.hits: list[tuple[QRectF, CalendarItem]] = []
        self.more_hits: list[tuple[QRectF, date, int]] = []
        self.drop_hint: DropTarget | None = None
        self._dirty = True
        self._press: tuple[QPointF, CalendarItem] | None = None
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAcceptDrops(True)
        self.setMouseTracking(False)
        model.modelReset.connect(self.relayout)

    # State the page sets -------------------------------------------------------------------

    def set_period(self, period: Period, today: date) -> None:
        """Show ``period``; ``today`` is highlighted."""
        self.period = period
        self.today = today
        self.relayout()

    def set_selection(self, day: date, key: OccurrenceKey | None) -> None:
        """Mark ``day`` and the item ``key`` as selected."""
        if (day, key) != (self.selected_day, self.selected_key):
            self.selected_day, self.selected_key = day, key
            self.update()

    def relayout(self) -> None:
        """Place the chips again before the next paint (data, size or period changed)."""
        self._dirty = True
        self.update()

    def ensure_laid_out(self) -> None:
        """Place the chips now if anything changed since they were last placed."""
        if self._dirty:
            self._dirty = False
            self.hits = []
            self.more_hits = []
            self.lay_out()

    # For subclasses --------------------------------------------------------------------------

    def lay_out(self) -> None:
        """Fill ``self.hits`` with each drawn chip's rectangle (and ``more_hits``)."""
        raise NotImplementedError

    def moment_at(self, pos: QPointF) -> datetime | None:
        """The local moment a double-click at ``pos`` on empty space creates an event at."""
        raise NotImplementedError

    def day_at(self, pos: QPointF) -> date | None:
        """The day under ``pos``."""
        raise NotImplementedError

    def drop_target(self, pos: QPointF, item: CalendarItem, grabbed: timedelta) -> DropTarget:
        """Where ``item`` would go if dropped at ``pos`` (held ``grabbed`` into it)."""
        raise NotImplementedError

    def grab_offset(self, rect: QRectF, item: CalendarItem, pos: QPointF) -> timedelta:
        """How far into the item the mouse holds it (only the week grid measures this)."""
        return timedelta()

    def arrow_step(self, event: QKeyEvent) -> int | None:
        """How many days an arrow key moves the selection, or ``None`` if not a day move."""
        raise NotImplementedError

    # Looking things up ---------------------------------------------------------------------

    def item_at(self, pos: QPointF) -> tuple[QRectF, CalendarItem] | None:
        """The chip under ``pos`` (the one drawn last wins)."""
        self.ensure_laid_out()
        for rect, item in reversed(self.hits):
            if rect.contains(pos):
                return rect, item
        return None

    def item_rect(self, key: OccurrenceKey) -> QRectF | None:
        """Where the item ``key`` is drawn, if it is."""
        self.ensure_laid_out()
        return next((rect for rect, item in self.hits if item.key == key), None)

    def selected_item(self) -> CalendarItem | None:
        """The selected item, if it is shown."""
        if self.selected_key is None:
            return None
        return next(
            (i for i in self.model.items_on(self.selected_day) if i.key == self.selected_key), None
        )

    # Mouse -----------------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        """Select the chip or the day under the mouse (remembered for a drag); follow "+N"."""
        if event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        self.ensure_laid_out()
        for rect, more_day, _ in self.more_hits:
            if rect.contains(event.position()):
                self._press = None
                self.more_clicked.emit(more_day)
                event.accept()
                return
        hit = self.item_at(event.position())
        self._press = (event.position(), hit[1]) if hit else None
        if hit:
            self.item_clicked.emit(hit[1])
        elif (day := self.day_at(event.position())) is not None:
            self.day_clicked.emit(day)
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        """Start dragging a chip once the mouse moved far enough."""
        if self._press is None or not (event.buttons() & Qt.MouseButton.LeftButton):
            return
        start, item = self._press
        distance = (event.position() - start).manhattanLength()
        if distance < QApplication.startDragDistance() or not self.editable:
            return
        self._press = None
        hit = self.item_at(start)
        grabbed = self.grab_offset(hit[0], item, start) if hit else timedelta()
        drag = QDrag(self)
        drag.setMimeData(encode_drag(item, grabbed))
        self.exec_drag(drag)

    def exec_drag(self, drag: QDrag) -> Qt.DropAction:
        """Run the drag (a separate method so tests can complete it without a real mouse)."""
        return drag.exec(Qt.DropAction.MoveAction)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        """Forget the press."""
        self._press = None
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        """Open the chip under the mouse, or create an event where the empty space is."""
        if event.button() != Qt.MouseButton.LeftButton:
            return
        self._press = None
        hit = self.item_at(event.position())
        if hit:
            self.item_activated.emit(hit[1])
        elif (moment := self.moment_at(event.position())) is not None:
            self.empty_activated.emit(moment)
        event.accept()

    def event(self, event: QEvent) -> bool:
        """Show the tooltip of the chip under the mouse."""
        if event.type() == QEvent.Type.ToolTip:
            assert isinstance(event, QHelpEvent)
            hit = self.item_at(QPointF(event.pos()))
            if hit:
                QToolTip.showText(event.globalPos(), tooltip(hit[1]), self, hit[0].toRect())
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().event(event)

    # Keyboard --------------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Arrows move the day; Enter opens the selected item."""
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            item = self.selected_item()
            if item is not None:
                self.item_activated.emit(item)
            return
        step = self.arrow_step(event)
        if step is not None:
            self.navigate.emit(step)
            return
        cycle = self.cycle_step(event)
        if cycle is not None:
            self.cycle_selection(cycle)
            return
        super().keyPressEvent(event)

    def cycle_step(self, event: QKeyEvent) -> int | None:
        """Which keys step through the selected day's items (±1), if any."""
        return None

    def cycle_selection(self, step: int) -> None:
        """Select the previous or next item of the selected day."""
        items = self.model.items_on(self.selected_day)
        if not items:
            return
        keys = [item.key for item in items]
        if self.selected_key in keys:
            position = keys.index(self.selected_key) + step
        else:
            position = 0 if step > 0 else len(keys) - 1
        self.item_clicked.emit(items[max(0, min(len(items) - 1, position))])

    # Dropping --------------------------------------------------------------------------------

    def _dragged(self, event: QDropEvent | QDragMoveEvent) -> tuple[CalendarItem, timedelta] | None:
        if not self.editable:
            return None
        decoded = decode_drag(event.mimeData())
        if decoded is None:
            return None
        key, grabbed = decoded
        item = self.model.find(key)
        return (item, grabbed) if item is not None else None

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        """Accept our own occurrences, unless the file is read-only."""
        if self._dragged(event) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        """Show where the item would land."""
        dragged = self._dragged(event)
        if dragged is None:
            event.ignore()
            return
        self.drop_hint = self.drop_target(event.position(), *dragged)
        event.acceptProposedAction()
        self.update()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        """Stop showing the landing place."""
        self.drop_hint = None
        self.update()

    def dropEvent(self, event: QDropEvent) -> None:
        """Ask the page to move the item where it was dropped."""
        self.drop_hint = None
        self.update()
        dragged = self._dragged(event)
        if dragged is None:
            event.ignore()
            return
        item, grabbed = dragged
        target = self.drop_target(event.position(), item, grabbed)
        event.setDropAction(Qt.DropAction.MoveAction)
        event.accept()
        self.move_requested.emit(item, target)

    # Painting helpers ------------------------------------------------------------------------

    def is_selected(self, item: CalendarItem) -> bool:
        """Whether ``item`` is the selected one."""
        return item.key == self.selected_key

    def focus_ring(self, painter: QPainter, rect: QRectF) -> None:
        """Outline the selected day when this canvas has the keyboard focus."""
        if self.hasFocus():
            pen = QPen(self.palette().color(QPalette.ColorRole.Highlight), 2)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect.adjusted(1, 1, -1, -1))
