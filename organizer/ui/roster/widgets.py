"""Small widgets the Rosters page and its dialogs share: labels, search box, message bar."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QLineEdit, QToolButton, QWidget

from organizer.services.roster import BoardShift
from organizer.ui.roster.delegates import blend, warning_colour
from organizer.ui.roster.models import day_text, time_span

NOTICE_MS = 8000


def shift_summary(shift: BoardShift) -> str:
    """When and what, "Monday 23 November, 17:30–19:30 · Monday evening stock sorting"."""
    fill = shift.fill
    return (
        f"{day_text(fill.starts_at.astimezone().date())}, "
        f"{time_span(fill.starts_at, fill.ends_at)} · {fill.title}"
    )


def heading_label(text: str, scale: float = 1.25) -> QLabel:
    """A bold, slightly larger label."""
    label = QLabel(text)
    font = label.font()
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * scale)
    label.setFont(font)
    label.setWordWrap(True)
    return label


def muted_label(text: str = "") -> QLabel:
    """A wrapped label in the palette's quieter text colour."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    return label


def error_label() -> QLabel:
    """A small label for a field's problem, in the warning colour, hidden until needed."""
    label = QLabel()
    label.setWordWrap(True)
    palette = label.palette()
    palette.setColor(QPalette.ColorRole.WindowText, warning_colour(palette))
    label.setPalette(palette)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * 0.92)
    label.setFont(font)
    label.hide()
    return label


def search_field(placeholder: str, name: str) -> QLineEdit:
    """A search box with a clear button, both named for screen readers."""
    field = QLineEdit()
    field.setPlaceholderText(placeholder)
    field.setAccessibleName(name)
    field.setClearButtonEnabled(True)
    for button in field.findChildren(QToolButton):
        button.setAccessibleName(QCoreApplication.translate("Roster", "Clear search"))
    return field


def mark_field(field: QLineEdit, problem: bool) -> None:
    """Show or clear a field's problem outline, in the palette's warning colour."""
    if problem:
        colour = warning_colour(field.palette()).name()
        field.setStyleSheet(f"QLineEdit {{ border: 1px solid {colour}; border-radius: 3px; }}")
    else:
        field.setStyleSheet("")


class MessageBar(QFrame):
    """A calm one-line message above the board: what just happened, or what went wrong.

    Its tint and text colour are worked out from the palette whenever it changes, so the
    bar follows light and dark mode.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        """Start hidden."""
        super().__init__(parent)
        self.problem = False
        self.setObjectName("roster-message")
        self.setAccessibleName(self.tr("Message"))
        self.label = QLabel()
        self.label.setObjectName("roster-message-text")
        self.label.setAccessibleName(self.tr("Message text"))
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.close_button = QToolButton()
        self.close_button.setText("×")
        self.close_button.setAutoRaise(True)
        self.close_button.setAccessibleName(self.tr("Dismiss message"))
        self.close_button.setToolTip(self.tr("Dismiss"))
        self.close_button.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 5, 5, 5)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.close_button)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.hide)
        self.hide()

    def show_message(self, text: str, *, problem: bool = False) -> None:
        """Show ``text``; notices fade after a while, problems stay until dismissed."""
        self.problem = problem
        self.label.setText(("⚠  " if problem else "") + text)
        self._apply_text_colour()
        self.show()
        self.update()
        if problem:
            self._timer.stop()
        else:
            self._timer.start(NOTICE_MS)

    def _tint(self) -> QColor:
        palette = self.palette()
        return (
            warning_colour(palette) if self.problem else palette.color(QPalette.ColorRole.Highlight)
        )

    def _apply_text_colour(self) -> None:
        palette = self.label.palette()
        text = (
            warning_colour(self.palette())
            if self.problem
            else self.palette().color(QPalette.ColorRole.WindowText)
        )
        palette.setColor(QPalette.ColorRole.WindowText, text)
        self.label.setPalette(palette)

    def changeEvent(self, event: QEvent) -> None:
        """Follow palette changes (light and dark mode)."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_text_colour()

    def paintEvent(self, event: QPaintEvent) -> None:
        """A softly tinted rounded panel."""
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        window = self.palette().color(QPalette.ColorRole.Window)
        tint = self._tint()
        painter.setPen(blend(tint, window, 0.45))
        painter.setBrush(blend(tint, window, 0.12))
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), 5, 5)
        painter.end()
