"""How the directory's cells are drawn: the style's panel, then text laid out once.

A table asks its delegate to paint every visible cell each time it paints.  The style's
own item drawing lays each cell's text out anew (after asking the model for every role);
here each shown text is laid out once, kept as a :class:`QStaticText`, and only drawn on
later paints.  The look is the style's: its panel (selection, alternate rows), its text
margins, colours and eliding.
"""

from __future__ import annotations

from collections import OrderedDict

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, QPointF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QPainter,
    QPalette,
    QStaticText,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
)

from organizer.ui.volunteers.model import NAME, VolunteerTableModel

_Index = QModelIndex | QPersistentModelIndex

TEXTS_KEPT = 4_000
"""How many laid-out texts are kept (a screenful shows a few hundred)."""

_FOCUSED = QStyle.StateFlag.State_HasFocus.value
_SELECTED = QStyle.StateFlag.State_Selected.value
_ENABLED = QStyle.StateFlag.State_Enabled.value
_ACTIVE = QStyle.StateFlag.State_Active.value
_PANEL = QStyle.PrimitiveElement.PE_PanelItemViewItem
_Laid = tuple[QStaticText, float]  # the text, and how wide it is


class DirectoryDelegate(QStyledItemDelegate):
    """Draws the directory's cells; a name has the person's pronouns after it, quieter.

    Archived people are in italics, in the palette's placeholder colour.  The cell with
    keyboard focus is drawn by the style, focus frame and all (its pronouns added here).
    """

    GAP = 8

    def __init__(self, model: VolunteerTableModel, view: QAbstractItemView) -> None:
        """Draw ``model``'s cells in ``view`` (reading their text from the model directly)."""
        super().__init__(view)
        self.model = model
        self.view = view
        self._texts: OrderedDict[tuple[str, int, bool], _Laid] = OrderedDict()
        self._colours: dict[tuple[int, int], tuple[QColor, QColor]] = {}
        self._margin = -1
        self._height = 0
        self._quiet_room = 0
        self._italic = QFont()
        self._metrics: dict[bool, QFontMetrics] = {}
        view.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Lay texts out afresh when the view's font or style changes."""
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._texts.clear()
            self._margin = -1
        return False

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        """The style's panel, then the cell's text (and a name's pronouns)."""
        state = option.state.value
        cell = self.model.cell(index.row(), index.column())
        if cell is None:
            super().paint(painter, option, index)
            return
        text, pronouns, active, right = cell
        view = self.view
        style = view.style()
        focused = bool(state & _FOCUSED)
        if focused:  # one cell at most: the style draws it, focus frame and all
            super().paint(painter, option, index)
        else:
            style.drawPrimitive(_PANEL, option, painter, view)
        if not text:
            return
        if self._margin < 0:
            self._set_up(style, option.font)
        rect = option.rect
        left = rect.left() + self._margin
        room = rect.width() - 2 * self._margin
        font = option.font if active else self._italic
        laid, width = self._laid_out(text, room, font, not active)
        text_colour, quiet_colour = self._colours_for(option.palette, state)
        backwards = view.isRightToLeft()
        y = rect.top() + (rect.height() - self._height) // 2
        painter.save()
        painter.setFont(font)
        if not focused:
            x = left + room - width if right != backwards else left
            painter.setPen(quiet_colour if not active and not state & _SELECTED else text_colour)
            painter.drawStaticText(QPointF(x, y), laid)
        if pronouns and not backwards:
            after = left + width + self.GAP
            space = left + room - after
            if space >= self._quiet_room:
                quiet, _ = self._laid_out(pronouns, int(space), font, not active)
                painter.setPen(quiet_colour)
                painter.drawStaticText(QPointF(after, y), quiet)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        """The style's size, with room for a name's pronouns too."""
        size = super().sizeHint(option, index)
        cell = self.model.cell(index.row(), index.column())
        if cell is not None and index.column() == NAME and cell[1]:
            size.setWidth(size.width() + self.GAP + option.fontMetrics.horizontalAdvance(cell[1]))
        return size

    def _set_up(self, style: QStyle, font: QFont) -> None:
        self._margin = (
            style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, self.view) + 1
        )
        metrics = QFontMetrics(font)
        self._height = metrics.height()
        self._quiet_room = metrics.averageCharWidth() * 4
        self._italic = QFont(font)
        self._italic.setItalic(True)
        self._metrics = {False: metrics, True: QFontMetrics(self._italic)}

    def _colours_for(self, palette: QPalette, state: int) -> tuple[QColor, QColor]:
        """The text and the quieter colour for a cell in ``state``, read once per palette."""
        key = (palette.cacheKey(), state & (_SELECTED | _ENABLED | _ACTIVE))
        found = self._colours.get(key)
        if found is None:
            if not state & _ENABLED:
                group = QPalette.ColorGroup.Disabled
            elif not state & _ACTIVE:
                group = QPalette.ColorGroup.Inactive
            else:
                group = QPalette.ColorGroup.Normal
            roles = QPalette.ColorRole
            if state & _SELECTED:
                text = quiet = palette.color(group, roles.HighlightedText)
            else:
                text = palette.color(group, roles.Text)
                quiet = palette.color(group, roles.PlaceholderText)
            if len(self._colours) > 64:
                self._colours.clear()
            found = self._colours[key] = (text, quiet)
        return found

    def _laid_out(self, text: str, room: int, font: QFont, italic: bool) -> _Laid:
        key = (text, room, italic)
        found = self._texts.get(key)
        if found is not None:
            self._texts.move_to_end(key)
            return found
        # Two passes over the text: eliding measures it (and gives it back if it fits),
        # then laying it out says how wide it is.
        shown = self._metrics[italic].elidedText(text, Qt.TextElideMode.ElideRight, room)
        laid = QStaticText(shown)
        laid.setTextFormat(Qt.TextFormat.PlainText)
        laid.prepare(font=font)
        found = self._texts[key] = (laid, laid.size().width())
        if len(self._texts) > TEXTS_KEPT:
            self._texts.popitem(last=False)
        return found
