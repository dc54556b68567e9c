"""Importing code on a helper thread while the GUI thread keeps answering.

Loading the data layer (SQLAlchemy, the models, the services) takes the better part of a
second.  Done on the GUI thread, it would leave the window that has just appeared frozen:
it would neither repaint nor close.  Importing only defines classes and functions, so it
is safe on another thread; the GUI thread waits in an event loop meanwhile.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable, Sequence

from PySide6.QtCore import QEventLoop, QTimer

logger = logging.getLogger(__name__)

POLL_MS = 5
"""How often the waiting GUI thread looks whether the helper has finished."""


def import_while_answering(names: Sequence[str], then: Callable[[], None] | None = None) -> bool:
    """Import the modules ``names``, then call ``then``, on a helper thread.

    The GUI thread runs its event loop until the helper is done.  Returns whether it is;
    ``False`` means the program was asked to quit first (the helper then finishes on its
    own).  A failure is only logged: the GUI thread's own import of the module raises it
    again, where the crash handler reports it.
    """

    def work() -> None:
        try:
            for name in names:
                importlib.import_module(name)
            if then is not None:
                then()
        except Exception:
            logger.warning("Loading %s ahead failed", ", ".join(names), exc_info=True)

    helper = threading.Thread(target=work, name="organizer-import")
    helper.start()
    loop = QEventLoop()
    timer = QTimer()
    timer.setInterval(POLL_MS)
    timer.timeout.connect(lambda: None if helper.is_alive() else loop.quit())
    timer.start()
    if helper.is_alive():
        loop.exec()
    timer.stop()
    return not helper.is_alive()
