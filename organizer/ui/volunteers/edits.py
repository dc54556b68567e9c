"""Saving volunteers off the GUI thread, each save becoming one undoable command."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from organizer.changes import DataChange
from organizer.errors import OrganizerError
from organizer.models import Volunteer
from organizer.ui.context import ViewContext
from organizer.ui.undo import EditCommand, push_done, refusal_text
from organizer.ui.volunteers.record import (
    VolunteerRecord,
    delete_new,
    restore_record,
    save_record,
)
from organizer.ui.worker import submit_owned

Done = Callable[[Volunteer], None]
Failed = Callable[[Exception], None]


@dataclass
class _Handle:
    """The id a volunteer has now: undoing an addition and redoing it gives them a new one."""

    id: int


class VolunteerEdits(QObject):
    """Saves, archives and restores volunteers for the page and the editor.

    The first call runs on the worker; once it succeeded, an :class:`EditCommand` whose undo
    and redo go through the services is pushed (announcing the change).  ``failed`` carries
    the message of an undo or redo that could not be done.
    """

    failed = Signal(str)

    def __init__(self, context: ViewContext, parent: QObject | None = None) -> None:
        """Work with ``context``'s services, worker and undo stack."""
        super().__init__(parent)
        self.context = context
        self._handles: dict[int, _Handle] = {}

    def save(
        self,
        volunteer_id: int | None,
        version: int | None,
        before: VolunteerRecord | None,
        after: VolunteerRecord,
        *,
        on_saved: Done,
        on_error: Failed,
    ) -> None:
        """Add a volunteer (``volunteer_id`` None) or change ``before`` into ``after``."""
        volunteers = self.context.services.volunteers

        def work() -> Volunteer:
            return save_record(volunteers, volunteer_id, version, before, after)

        def saved(row: Volunteer) -> None:
            now = VolunteerRecord.of(row)
            handle = self._handle(row.id)
            if before is None or volunteer_id is None:

                def redo() -> None:
                    self._moved(handle, save_record(volunteers, None, None, None, now).id)

                self._push(
                    self.tr("Add volunteer {name}").format(name=row.name),
                    redo,
                    lambda: delete_new(volunteers, handle.id, now),
                    DataChange.of(self.context.actor, "volunteer"),
                )
            else:
                self._push(
                    self.tr("Edit volunteer {name}").format(name=row.name),
                    lambda: _discard(restore_record(volunteers, handle.id, before, now)),
                    lambda: _discard(restore_record(volunteers, handle.id, now, before)),
                    DataChange.of(self.context.actor, volunteer=row.id),
                )
            on_saved(row)

        self.context.undo_stack.expect(
            submit_owned(self.context.worker, self, work, on_done=saved, on_error=on_error)
        )

    def set_active(
        self,
        volunteer_id: int,
        version: int,
        name: str,
        active: bool,
        *,
        on_done: Done,
        on_error: Failed,
    ) -> None:
        """Archive (``active`` False) or restore a volunteer."""
        volunteers = self.context.services.volunteers
        handle = self._handle(volunteer_id)

        def put(value: bool) -> Callable[[], None]:
            def run() -> None:
                row = volunteers.get(handle.id)
                if row.active != value:
                    volunteers.set_active(handle.id, row.version, value)

            return run

        def done(row: Volunteer) -> None:
            text = self.tr("Restore {name}") if active else self.tr("Archive {name}")
            self._push(
                text.format(name=name),
                put(active),
                put(not active),
                DataChange.of(self.context.actor, volunteer=volunteer_id),
            )
            on_done(row)

        self.context.undo_stack.expect(
            submit_owned(
                self.context.worker,
                self,
                lambda: volunteers.set_active(volunteer_id, version, active),
                on_done=done,
                on_error=on_error,
            )
        )

    def _handle(self, volunteer_id: int) -> _Handle:
        return self._handles.setdefault(volunteer_id, _Handle(volunteer_id))

    def _moved(self, handle: _Handle, new_id: int) -> None:
        handle.id = new_id
        self._handles[new_id] = handle

    def _push(
        self, text: str, redo: Callable[[], None], undo: Callable[[], None], change: DataChange
    ) -> None:
        command = EditCommand(text, redo, undo, change, self.context.hub, on_error=self._report)
        push_done(self.context.undo_stack, command)

    def _report(self, error: OrganizerError) -> None:
        self.failed.emit(refusal_text(error))


def _discard(_: object) -> None:
    """Drop a service call's result (undo and redo only need the call made)."""
