"""Live refresh: other coordinators' saves reach this window's views within a second or so.

A timer asks the worker to poll a :class:`~organizer.sharing.watch.ChangeWatcher` (never the
GUI thread); each entry someone else wrote becomes a :class:`DataChange` with ``by_me``
false, announced on the hub, so only the views showing those records reload.  Editors are
never reloaded under the person's fingers: they hear :attr:`LiveRefresh.other_changed` and
show a notice instead.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from PySide6.QtCore import QObject, QTimer, Signal

from organizer.changes import DataChange
from organizer.sharing.watch import ChangeInfo, ChangeWatcher
from organizer.storage import Database
from organizer.ui.context import ViewContext

logger = logging.getLogger(__name__)

POLL_MS = 1000


def local_time(moment: datetime) -> str:
    """``moment`` as a local clock time, with the day when it is not today."""
    local = moment.astimezone()
    if local.date() == datetime.now().astimezone().date():
        return f"{local:%H:%M}"
    return f"{local:%H:%M} on {local:%d %b}"


def change_of(changes: Sequence[ChangeInfo]) -> DataChange:
    """One announcement for ``changes`` made by others: entities, and ids where known."""
    entities = frozenset(change.entity for change in changes)
    ids: dict[str, frozenset[int]] = {}
    unknown: set[str] = set()
    for change in changes:
        if change.entity_id is None:
            unknown.add(change.entity)
        else:
            ids[change.entity] = ids.get(change.entity, frozenset()) | {change.entity_id}
    for entity in unknown:
        ids.pop(entity, None)
    return DataChange(entities=entities, actor=changes[-1].actor, by_me=False, ids=ids)


class LiveRefresh(QObject):
    """Polls the change log for one open file and announces other people's changes.

    ``other_changed`` carries each :class:`ChangeInfo` another coordinator wrote;
    ``status`` carries the line for the status bar ("Updated by Sam at 10:42").
    """

    other_changed = Signal(object)
    status = Signal(str)

    def __init__(
        self,
        context: ViewContext,
        db: Database,
        *,
        interval_ms: int = POLL_MS,
        parent: QObject | None = None,
    ) -> None:
        """Watch ``db`` for ``context``; call :meth:`start` to begin."""
        super().__init__(parent if parent is not None else context.hub)
        self.setObjectName("live-refresh")
        self.context = context
        self.db = db
        self.watcher: ChangeWatcher | None = None
        self.last_update = ""
        self._polling = False
        self._stopped = False
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.poll)

    def start(self) -> None:
        """Open the watcher in the background, then poll on the timer."""
        db, actor = self.db, self.context.actor
        self.context.worker.submit(
            lambda: ChangeWatcher(db, actor=actor), on_done=self._started, on_error=self._failed
        )

    def stop(self) -> None:
        """Stop polling and close the watcher (in the worker, after any poll under way)."""
        self._stopped = True
        self._timer.stop()
        watcher, self.watcher = self.watcher, None
        if watcher is not None:
            self.context.worker.submit(watcher.close, on_error=self._failed)

    def poll(self) -> None:
        """Ask the worker for news, unless a poll is still on its way."""
        watcher = self.watcher
        if watcher is None or self._polling or self._stopped:
            return
        self._polling = True
        self.context.worker.submit(watcher.poll, on_done=self._arrived, on_error=self._failed)

    def _started(self, watcher: ChangeWatcher) -> None:
        if self._stopped:
            # Stopped while it opened (the file is closing, its worker takes no more work):
            # nothing polls it, so it is closed here and now (closing cannot fail).
            watcher.close()
            return
        self.watcher = watcher
        self._timer.start()

    def _arrived(self, changes: list[ChangeInfo]) -> None:
        self._polling = False
        theirs = [change for change in changes if change.actor != self.context.actor]
        if not theirs or self._stopped:
            return
        self.context.hub.announce(change_of(theirs))
        for change in theirs:
            self.other_changed.emit(change)
        newest = theirs[-1]
        self.last_update = self.tr("Updated by {who} at {when}").format(
            who=newest.actor, when=local_time(newest.at)
        )
        self.status.emit(self.last_update)

    def _failed(self, error: Exception) -> None:
        self._polling = False
        logger.warning("Could not look for other coordinators' changes: %s", error)
