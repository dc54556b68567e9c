"""Colours and fonts for small status badges and messages, in light and dark palettes."""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtGui import QColor, QFont, QPalette


class Tone(StrEnum):
    """How a small badge is coloured: what it says about the item."""

    CALM = "calm"
    GOOD = "good"
    WARN = "warn"
    ALERT = "alert"


_TONE_HUES = {Tone.GOOD: "#2F855A", Tone.WARN: "#B7791F", Tone.ALERT: "#C53030"}


def is_dark(palette: QPalette) -> bool:
    """Whether the palette is a dark one (light text on a dark window)."""
    return palette.color(QPalette.ColorRole.Window).lightnessF() < 0.5


def blend(base: QColor, tint: QColor, amount: float) -> QColor:
    """``base`` moved ``amount`` (0 to 1) of the way towards ``tint``."""
    return QColor.fromRgbF(
        base.redF() + (tint.redF() - base.redF()) * amount,
        base.greenF() + (tint.greenF() - base.greenF()) * amount,
        base.blueF() + (tint.blueF() - base.blueF()) * amount,
    )


def tone_colours(palette: QPalette, tone: Tone) -> tuple[QColor, QColor]:
    """Background and text colour for a badge of ``tone``, readable in light and dark mode."""
    base = palette.color(QPalette.ColorRole.Base)
    if tone is Tone.CALM:
        calm = palette.color(QPalette.ColorRole.AlternateBase)
        return calm, palette.color(QPalette.ColorRole.Text)
    hue = QColor(_TONE_HUES[tone])
    if is_dark(palette):
        return blend(base, hue, 0.35), hue.lighter(170)
    return blend(base, hue, 0.14), hue.darker(115)


def error_colour(palette: QPalette) -> QColor:
    """The colour for a problem message, readable on the palette's window colour."""
    return tone_colours(palette, Tone.ALERT)[1]


def scaled_font(font: QFont, factor: float, *, bold: bool = True) -> QFont:
    """A copy of ``font``, ``factor`` times the size, bold unless told otherwise."""
    scaled = QFont(font)
    scaled.setPointSizeF(font.pointSizeF() * factor)
    scaled.setBold(bold)
    return scaled
