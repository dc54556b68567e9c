"""The desktop interface: shared icons and the settings store.

Icons ship inside the package and are read with :mod:`importlib.resources`.  Line icons are
drawn in the colours of the current palette, so they stay legible in light and dark mode.
"""

from __future__ import annotations

from importlib import resources

from PySide6.QtCore import QByteArray, QRectF, QSettings, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QImage, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer

from organizer import APP_NAME

# Toolbar and list sizes at 1x and 2x; larger pictures ask for their own sizes.
ICON_SIZES = (16, 20, 24, 40, 48)
APP_ICON_SIZES = (16, 24, 32, 48, 64, 128, 256)


def resource_bytes(name: str) -> bytes:
    """The bytes of a file in ``organizer/resources``."""
    return resources.files("organizer").joinpath("resources", name).read_bytes()


def app_settings() -> QSettings:
    """Organizer's per-user settings (window layout, recent files)."""
    return QSettings(APP_NAME, APP_NAME)


def app_icon() -> QIcon:
    """Organizer's application icon."""
    return _svg_icon(resource_bytes("organizer.svg"), APP_ICON_SIZES)


def line_icon(
    name: str,
    palette: QPalette,
    role: QPalette.ColorRole = QPalette.ColorRole.WindowText,
    sizes: tuple[int, ...] = ICON_SIZES,
) -> QIcon:
    """One of Organizer's line icons (``resources/icon-<name>.svg``) drawn in ``palette``.

    The normal and active states use ``role``; selected items use the highlighted text
    colour and disabled ones the palette's disabled colour.
    """
    svg = resource_bytes(f"icon-{name}.svg").decode()
    group = QPalette.ColorGroup
    modes = (
        (QIcon.Mode.Normal, palette.color(group.Active, role)),
        (QIcon.Mode.Active, palette.color(group.Active, role)),
        (QIcon.Mode.Selected, palette.color(group.Active, QPalette.ColorRole.HighlightedText)),
        (QIcon.Mode.Disabled, palette.color(group.Disabled, role)),
    )
    icon = QIcon()
    for mode, colour in modes:
        tinted = svg.replace("currentColor", colour.name()).encode()
        renderer = QSvgRenderer(QByteArray(tinted))
        for size in sizes:
            icon.addPixmap(_render(renderer, size), mode)
    return icon


def _svg_icon(svg: bytes, sizes: tuple[int, ...]) -> QIcon:
    renderer = QSvgRenderer(QByteArray(svg))
    icon = QIcon()
    for size in sizes:
        icon.addPixmap(_render(renderer, size))
    return icon


def _render(renderer: QSvgRenderer, size: int) -> QPixmap:
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return QPixmap.fromImage(image)


def colour_dot(colour: str, size: int = 12) -> QIcon:
    """A small round dot in a cause's colour; an empty ring when there is no colour."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    if colour:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(colour))
    else:
        painter.setPen(QGuiApplication.palette().placeholderText().color())
    painter.drawEllipse(1, 1, size - 2, size - 2)
    painter.end()
    return QIcon(pixmap)
