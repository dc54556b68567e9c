"""Background jobs whose results are dropped if the widget that asked has gone meanwhile."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject

from organizer.ui.worker import JobSignals, Worker

logger = logging.getLogger(__name__)


def submit(
    worker: Worker,
    owner: QObject,
    work: Callable[[], Any],
    on_done: Callable[[Any], None],
    on_error: Callable[[Exception], None],
) -> JobSignals:
    """Run ``work`` on ``worker``; the callbacks run only while ``owner`` still exists.

    A page closed while its list was loading must not be touched when the rows arrive.
    """

    def done(result: Any) -> None:
        if shiboken6.isValid(owner):
            on_done(result)

    def failed(error: Exception) -> None:
        if shiboken6.isValid(owner):
            on_error(error)
        else:
            logger.warning("A job failed after its window closed: %r", error)

    return worker.submit(work, on_done=done, on_error=failed)
