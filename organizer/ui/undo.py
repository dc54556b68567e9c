"""Undoable edits: each edit is a pair of service calls wrapped in a QUndoCommand."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QUndoCommand, QUndoStack

from organizer.changes import DataChange
from organizer.errors import OrganizerError
from organizer.ui.hub import ChangeHub


class EditCommand(QUndoCommand):
    """An edit already done once, that undo and redo can repeat through the services.

    Build it *after* the first call succeeded (so a refused edit never reaches the stack) and
    push it with :func:`push_done`.  If undoing or redoing fails later (someone else changed
    the record meanwhile), the error is kept in ``last_error`` and the command is made
    obsolete so the stack does not lie about the data.
    """

    def __init__(
        self,
        text: str,
        redo: Callable[[], None],
        undo: Callable[[], None],
        change: DataChange,
        hub: ChangeHub,
        on_error: Callable[[OrganizerError], None] | None = None,
    ) -> None:
        """``redo``/``undo`` call the services; ``change`` is announced after each."""
        super().__init__(text)
        self._redo = redo
        self._undo = undo
        self._change = change
        self._hub = hub
        self._on_error = on_error
        self._first = True
        self.last_error: OrganizerError | None = None

    def redo(self) -> None:
        """Repeat the edit (the first call, made by the push, only announces it)."""
        if self._first:
            self._first = False
            self._hub.announce(self._change)
            return
        self._run(self._redo)

    def undo(self) -> None:
        """Reverse the edit."""
        self._run(self._undo)

    def _run(self, action: Callable[[], None]) -> None:
        try:
            action()
        except OrganizerError as error:
            self.last_error = error
            self.setObsolete(True)
            if self._on_error is not None:
                self._on_error(error)
            return
        self._hub.announce(self._change)


def push_done(stack: QUndoStack, command: EditCommand) -> None:
    """Put an edit that has just been made on the undo stack."""
    stack.push(command)
