"""Banners: a tinted strip across the top of a window or editor saying something that lasts.

Used for what the person should keep in mind while working: the file is read-only, it sits
in a sync folder, its locks do not work, another coordinator changed the record on screen.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from organizer.ui.tones import Tone, tone_colours

INFO, WARNING, ALERT = Tone.CALM, Tone.WARN, Tone.ALERT
_ICONS = {
    INFO: QStyle.StandardPixmap.SP_MessageBoxInformation,
    WARNING: QStyle.StandardPixmap.SP_MessageBoxWarning,
    ALERT: QStyle.StandardPixmap.SP_MessageBoxCritical,
    Tone.GOOD: QStyle.StandardPixmap.SP_MessageBoxInformation,
}


class Banner(QFrame):
    """One message in a tinted strip, with an optional × to dismiss it."""

    dismissed = Signal()

    def __init__(
        self,
        text: str,
        tone: Tone = INFO,
        *,
        dismissable: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        """Show ``text`` in ``tone``'s colours."""
        super().__init__(parent)
        self.tone = tone
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setAccessibleName(self.tr("Notice"))
        self.label = QLabel(text)
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setAccessibleName(self.tr("Notice text"))
        icon = self.style().standardIcon(_ICONS[tone])
        self.icon = QLabel()
        self.icon.setPixmap(icon.pixmap(18, 18))
        self.icon.setAccessibleName(self.tr("Notice icon"))
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 7, 8, 7)
        row.setSpacing(8)
        row.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.label, 1)
        self.close_button: QToolButton | None = None
        if dismissable:
            self.close_button = QToolButton()
            self.close_button.setText("×")
            self.close_button.setAutoRaise(True)
            self.close_button.setAccessibleName(self.tr("Dismiss notice"))
            self.close_button.setToolTip(self.tr("Hide this notice"))
            self.close_button.clicked.connect(self._dismiss)
            row.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        self._colour()

    def text(self) -> str:
        """The message shown."""
        return self.label.text()

    def set_text(self, text: str) -> None:
        """Show ``text`` instead."""
        self.label.setText(text)
        self.setAccessibleDescription(text)

    def _dismiss(self) -> None:
        self.hide()
        self.dismissed.emit()

    def _colour(self) -> None:
        back, fore = tone_colours(self.palette(), self.tone)
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Window, back)
        palette.setColor(QPalette.ColorRole.WindowText, fore)
        self.setPalette(palette)
        self.label.setPalette(palette)


class BannerArea(QWidget):
    """A column of banners, each under a key so it can be replaced or removed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        """Start empty (and take no room)."""
        super().__init__(parent)
        self.setObjectName("banner-area")
        self.setAccessibleName(self.tr("Notices"))
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(8, 8, 8, 0)
        self._layout.setSpacing(6)
        self._banners: dict[str, Banner] = {}
        self.hide()

    def show_banner(
        self, key: str, text: str, tone: Tone = INFO, *, dismissable: bool = False
    ) -> Banner:
        """Show (or replace) the banner called ``key``."""
        self.remove_banner(key)
        banner = Banner(text, tone, dismissable=dismissable)
        banner.setObjectName(f"banner-{key}")
        banner.dismissed.connect(lambda: self.remove_banner(key))
        self._banners[key] = banner
        self._layout.addWidget(banner)
        self.show()
        return banner

    def remove_banner(self, key: str) -> None:
        """Take the banner called ``key`` away, if shown."""
        banner = self._banners.pop(key, None)
        if banner is not None:
            self._layout.removeWidget(banner)
            banner.hide()
            banner.deleteLater()
        self.setVisible(bool(self._banners))

    def banner(self, key: str) -> Banner | None:
        """The banner called ``key``, if shown."""
        return self._banners.get(key)

    def keys(self) -> list[str]:
        """The keys of the banners shown, top first."""
        return list(self._banners)
