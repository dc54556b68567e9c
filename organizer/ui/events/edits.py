"""Undoable event edits: each is made once through the services, then put on the undo stack."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from organizer.errors import OrganizerError
from organizer.models import Event, EventStatus
from organizer.services.series import SavedSeries, SeriesState
from organizer.ui.context import ViewContext
from organizer.ui.events.fields import events_changed, series_service, tr
from organizer.ui.undo import BackgroundCommand, push_done

ErrorHandler = Callable[[OrganizerError], None]


@dataclass
class _Latest:
    """What the last redo or undo left behind, for the next one to build on."""

    event_id: int
    version: int
    before: SeriesState | None = None
    new_event: tuple[int, int] | None = None


class EventEdits:
    """Puts event edits that were just made on the undo stack, with their way back.

    Undo puts the recorded state back through :class:`SeriesService` (joining a split series,
    recreating a deleted event); redo repeats the edit.  Both run on the worker: a series
    takes its bookings along, hundreds of them in a busy one.  A step that cannot be undone any
    more (someone changed the event meanwhile) is reported to ``on_error``.
    """

    def __init__(self, context: ViewContext, on_error: ErrorHandler) -> None:
        """Edits for ``context``'s database; failures of later undo/redo go to ``on_error``."""
        self.context = context
        self.series = series_service(context)
        self.on_error = on_error

    def created(self, saved: SavedSeries) -> None:
        """A new event: undo deletes it, redo brings the same event back."""
        latest = _Latest(saved.event.id, saved.event.version)

        def undo() -> None:
            latest.before = self.series.delete(latest.event_id, latest.version)

        def redo() -> None:
            assert latest.before is not None
            latest.version = self.series.restore(latest.before, None).version

        text = tr("New event “{title}”").format(title=saved.event.title)
        self._push(text, redo, undo, saved.event.id)

    def saved(self, saved: SavedSeries, again: Callable[[int], SavedSeries]) -> None:
        """An edit of a whole event or of a series from one date on (maybe a split).

        ``again(version)`` repeats the edit on the event at ``version``.
        """
        latest = _Latest(saved.event.id, saved.event.version, saved.before)
        latest.new_event = _id_version(saved.new_event)

        def undo() -> None:
            assert latest.before is not None
            discard = [latest.new_event] if latest.new_event else []
            latest.version = self.series.restore(
                latest.before, latest.version, discard=discard
            ).version
            latest.new_event = None

        def redo() -> None:
            result = again(latest.version)
            latest.before = result.before
            latest.version = result.event.version
            latest.new_event = _id_version(result.new_event)

        title = (saved.new_event or saved.event).title
        text = tr("Edit “{title}”").format(title=title)
        split = saved.new_event is not None
        self._push(text, redo, undo, *(() if split else (saved.event.id,)))

    def occurrence_changed(
        self, before: SeriesState, event: Event, again: Callable[[int], Event]
    ) -> None:
        """One occurrence changed: undo puts the series back as ``before`` recorded it."""
        latest = _Latest(event.id, event.version, before)

        def undo() -> None:
            assert latest.before is not None
            latest.version = self.series.restore(latest.before, latest.version).version

        def redo() -> None:
            latest.before = self.series.capture(latest.event_id)
            latest.version = again(latest.version).version

        text = tr("Change one date of “{title}”").format(title=event.title)
        self._push(text, redo, undo, event.id)

    def deleted(self, state: SeriesState) -> None:
        """A deleted event: undo brings it back with its id, calendar UID and roles."""
        latest = _Latest(state.event_id, 0, state)

        def undo() -> None:
            assert latest.before is not None
            latest.version = self.series.restore(latest.before, None).version

        def redo() -> None:
            latest.before = self.series.delete(latest.event_id, latest.version)

        text = tr("Delete “{title}”").format(title=state.draft.title)
        self._push(text, redo, undo, state.event_id)

    def status_set(self, event: Event, previous: EventStatus) -> None:
        """An event's status changed (for example, cancelled) from ``previous``."""
        latest = _Latest(event.id, event.version)
        wanted = event.status

        def set_to(status: EventStatus) -> Callable[[], None]:
            def run() -> None:
                changed = self.context.services.events.set_status(
                    latest.event_id, latest.version, status
                )
                latest.version = changed.version

            return run

        if wanted is EventStatus.CANCELLED:
            text = tr("Cancel “{title}”").format(title=event.title)
        else:
            text = tr("Set “{title}” to {status}").format(title=event.title, status=wanted.value)
        self._push(text, set_to(wanted), set_to(previous), event.id)

    def _push(
        self, text: str, redo: Callable[[], None], undo: Callable[[], None], *event_ids: int
    ) -> None:
        command = BackgroundCommand(
            text,
            self.context,
            redo,
            undo,
            events_changed(self.context, *event_ids),
            on_error=self.on_error,
        )
        push_done(self.context.undo_stack, command)


def _id_version(event: Event | None) -> tuple[int, int] | None:
    return (event.id, event.version) if event is not None else None
