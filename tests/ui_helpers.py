"""What the GUI tests build a page or dialog with: a view context of its own."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QRect, QSettings, QTimer
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QCalendarWidget, QTableView, QWidget
from pytestqt.qtbot import QtBot

from organizer.services import Services
from organizer.storage import Database
from organizer.ui.context import ViewContext
from organizer.ui.date_picker import DatePicker
from organizer.ui.hub import ChangeHub
from organizer.ui.undo_stack import UndoStack
from organizer.ui.worker import Worker

SHOTS = os.environ.get("ORGANIZER_SHOTS")
"""A folder to keep the tests' pictures in as well, when set."""


def view_context(
    source: Database | Services,
    *,
    actor: str = "Tester",
    worker: Worker | None = None,
    read_only: bool = False,
    settings: QSettings | None = None,
) -> ViewContext:
    """A context with its own worker (unless given), undo stack and change hub.

    ``source`` is the open file (whose services act as ``actor``) or the services to use.
    """
    services = source if isinstance(source, Services) else Services.for_database(source, actor)
    worker = worker if worker is not None else Worker()
    return ViewContext(
        services=services,
        worker=worker,
        undo_stack=UndoStack(worker=worker),
        hub=ChangeHub(),
        read_only=read_only,
        settings=settings,
    )


def assert_not_blank(widget: QWidget, path: Path) -> None:
    """Render ``widget`` to ``path`` (and to :data:`SHOTS`) and check it shows something.

    A layout changed by the test itself (rows arrived, a list appeared) is settled first,
    as the next turn of the event loop would before a person sees the widget.
    """
    layout = widget.layout()
    if layout is not None:
        layout.activate()
    image = widget.grab().toImage()
    path.parent.mkdir(parents=True, exist_ok=True)
    assert image.save(str(path))
    if SHOTS:
        image.save(str(Path(SHOTS) / path.name))
    small = image.scaled(60, 40).convertToFormat(QImage.Format.Format_RGB32)
    colours = {small.pixel(x, y) for x in range(small.width()) for y in range(small.height())}
    assert len(colours) > 10, f"{path.stem} looks blank"


def ink(image: QImage, area: QRect) -> frozenset[int]:
    """The columns of ``area`` of ``image`` (counted from its left) that have dark text in.

    Two areas with the same text have the same columns, whatever their backgrounds
    (alternating rows, a hovered row): a glyph's stems are near black on any of them.
    """
    return frozenset(
        x - area.left()
        for x in range(area.left(), area.right() + 1)
        if any(
            image.pixelColor(x, y).lightness() < 90 for y in range(area.top(), area.bottom() + 1)
        )
    )


class HasDatePicker(Protocol):
    """A page whose title drops down a :class:`DatePicker` (built when first opened)."""

    date_picker: DatePicker | None


def when_picker_shows(
    page: HasDatePicker, act: Callable[[QCalendarWidget, QTableView], None]
) -> None:
    """Run ``act`` on the title's month once it is open (opening it waits in its own loop)."""

    def attempt() -> None:
        picker = page.date_picker
        if picker is None or not picker.isVisible():
            QTimer.singleShot(10, attempt)
            return
        table = picker.calendar.findChild(QTableView)
        assert table is not None
        act(picker.calendar, table)

    QTimer.singleShot(0, attempt)


def undo(qtbot: QtBot, context: ViewContext) -> None:
    """Undo the last edit and wait until it is done: a series' undo runs on the worker."""
    with qtbot.waitSignal(context.hub.changed, timeout=10_000):
        context.undo_stack.undo()


def redo(qtbot: QtBot, context: ViewContext) -> None:
    """Redo the last edit undone and wait until it is done (see :func:`undo`)."""
    with qtbot.waitSignal(context.hub.changed, timeout=10_000):
        context.undo_stack.redo()
