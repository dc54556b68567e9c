"""Presence: who else has this file open, and who else has the record on screen open.

:class:`PresenceTracker` joins when the file opens, sends a heartbeat (with the record open
in an editor, if any) every :data:`~organizer.sharing.presence.HEARTBEAT` in the worker, and
leaves on close.  :func:`watch_record` gives an editor its soft notices: someone else has
this record open, or saved it while it was being edited.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QBoxLayout, QWidget

from organizer.sharing.presence import HEARTBEAT, PresenceInfo, PresenceService
from organizer.sharing.watch import ChangeInfo
from organizer.storage import Database
from organizer.ui.context import ViewContext
from organizer.ui.sharing.banners import INFO, WARNING, Banner
from organizer.ui.sharing.live import LiveRefresh, local_time

logger = logging.getLogger(__name__)


def describe_others(others: list[PresenceInfo]) -> str:
    """“Also open: Sam (office-pc) since 09:12”, or "" when nobody else is here."""
    if not others:
        return ""
    names = [f"{p.user} ({p.host}) since {local_time(p.since)}" for p in others]
    return "Also open: " + "; ".join(names)


class PresenceTracker(QObject):
    """This window's presence entry and what it knows of the others.

    ``others_changed`` carries the list of other copies after each heartbeat.
    """

    others_changed = Signal(list)

    def __init__(
        self,
        context: ViewContext,
        db: Database,
        *,
        user: str | None = None,
        host: str | None = None,
        heartbeat_ms: int | None = None,
        parent: QObject | None = None,
    ) -> None:
        """Track presence in ``db`` as ``user`` on ``host`` (this person and machine)."""
        super().__init__(parent if parent is not None else context.hub)
        self.setObjectName("presence-tracker")
        self.context = context
        self.service = PresenceService(
            db, user=user or context.actor, host=host or socket.gethostname(), pid=os.getpid()
        )
        self.writable = not db.read_only
        self.others: list[PresenceInfo] = []
        self.record: tuple[str, int] | None = None
        self._beating = False
        self._again = False
        self._stopped = False
        interval = heartbeat_ms if heartbeat_ms is not None else HEARTBEAT.total_seconds() * 1000
        self._timer = QTimer(self)
        self._timer.setInterval(int(interval))
        self._timer.timeout.connect(self.beat)

    def start(self) -> None:
        """Join (unless the file is read-only) and start the heartbeat."""
        self.beat()
        self._timer.start()

    def stop(self) -> None:
        """Stop the heartbeat and leave (in the worker)."""
        self._stopped = True
        self._timer.stop()
        if self.writable:
            self.context.worker.submit(self.service.leave, on_error=self._failed)

    def open_record(self, entity: str, entity_id: int) -> None:
        """An editor opened this record: tell the others at once."""
        self.record = (entity, entity_id)
        self.beat()

    def close_record(self, entity: str, entity_id: int) -> None:
        """The editor of this record closed."""
        if self.record == (entity, entity_id):
            self.record = None
            self.beat()

    def editing(self, entity: str, entity_id: int) -> list[PresenceInfo]:
        """Other copies that had this record open at the last heartbeat."""
        return [p for p in self.others if p.entity == entity and p.entity_id == entity_id]

    def beat(self) -> None:
        """Send a heartbeat and read the others (in the worker)."""
        if self._stopped:
            return
        if self._beating:
            self._again = True
            return
        self._beating, self._again = True, False
        service, writable = self.service, self.writable
        entity, entity_id = self.record if self.record is not None else (None, None)

        def work() -> list[PresenceInfo]:
            if writable:
                service.heartbeat(entity, entity_id)
            return service.others()

        self.context.worker.submit(work, on_done=self._arrived, on_error=self._failed)

    def _arrived(self, others: list[PresenceInfo]) -> None:
        self._beating = False
        if self._stopped:
            return
        self.others = others
        self.others_changed.emit(others)
        if self._again:
            self.beat()

    def _failed(self, error: Exception) -> None:
        self._beating = False
        logger.warning("Could not update who has the file open: %s", error)


def tracker_of(context: ViewContext) -> PresenceTracker | None:
    """The presence tracker of ``context``'s window, if sharing is running."""
    return context.hub.findChild(PresenceTracker, "presence-tracker")


def live_of(context: ViewContext) -> LiveRefresh | None:
    """The live refresh of ``context``'s window, if sharing is running."""
    return context.hub.findChild(LiveRefresh, "live-refresh")


class RecordWatch(QObject):
    """An editor's notices about its record: others have it open, or saved it meanwhile."""

    def __init__(
        self,
        editor: QWidget,
        context: ViewContext,
        entity: str,
        record_id: Callable[[], int | None],
        layout: QBoxLayout,
        index: int = 1,
    ) -> None:
        """Put two (hidden) notices into ``layout`` at ``index``, and start listening."""
        super().__init__(editor)
        self.entity = entity
        self.record_id = record_id
        self.changed_notice = Banner("", WARNING)
        self.changed_notice.setObjectName("record-changed-notice")
        self.open_notice = Banner("", INFO)
        self.open_notice.setObjectName("record-open-notice")
        for offset, notice in enumerate((self.changed_notice, self.open_notice)):
            notice.hide()
            layout.insertWidget(index + offset, notice)
        self.tracker = tracker_of(context)
        live = live_of(context)
        if live is not None:
            live.other_changed.connect(self._changed)
        current = record_id()
        if self.tracker is not None:
            self.tracker.others_changed.connect(self._others)
            if current is not None:
                self.tracker.open_record(entity, current)
                self._others(self.tracker.others)
        editor.destroyed.connect(self._closed_with(self.tracker, entity, current))
        if hasattr(editor, "finished"):
            editor.finished.connect(lambda _result: self.release())

    def release(self) -> None:
        """The editor closed: stop saying we have the record open."""
        current = self.record_id()
        if self.tracker is not None and current is not None and shiboken6.isValid(self.tracker):
            self.tracker.close_record(self.entity, current)

    @staticmethod
    def _closed_with(
        tracker: PresenceTracker | None, entity: str, entity_id: int | None
    ) -> Callable[[], None]:
        def closed() -> None:
            if tracker is not None and entity_id is not None and shiboken6.isValid(tracker):
                tracker.close_record(entity, entity_id)

        return closed

    def _changed(self, change: ChangeInfo) -> None:
        if change.entity != self.entity or change.entity_id != self.record_id():
            return
        if change.action == "delete":
            text = self.tr("{who} deleted this {what} at {when}.")
        else:
            text = self.tr("{who} changed this {what} at {when} — your save will ask what to keep.")
        self.changed_notice.set_text(
            text.format(who=change.actor, what=self.entity, when=local_time(change.at))
        )
        self.changed_notice.show()

    def _others(self, others: list[PresenceInfo]) -> None:
        current = self.record_id()
        here = [p for p in others if p.entity == self.entity and p.entity_id == current]
        if current is None or not here:
            self.open_notice.hide()
            return
        names = ", ".join(f"{p.user} ({p.host})" for p in here)
        self.open_notice.set_text(
            self.tr("{names} also has this {what} open.").format(names=names, what=self.entity)
        )
        self.open_notice.show()


def watch_record(
    editor: QWidget,
    context: ViewContext,
    entity: str,
    record_id: Callable[[], int | None],
    layout: QBoxLayout,
    index: int = 1,
) -> RecordWatch:
    """Give ``editor`` its sharing notices, placed in ``layout`` at ``index``."""
    return RecordWatch(editor, context, entity, record_id, layout, index)
