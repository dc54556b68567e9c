"""Undoable edits: each edit is a pair of service calls wrapped in a QUndoCommand.

:class:`EditCommand` undoes and redoes on the GUI thread, for edits that touch a row or
two; :class:`BackgroundCommand` runs them on the worker, for edits that may move many rows
(a series and its bookings, an import).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QUndoCommand, QUndoStack

from organizer.changes import DataChange
from organizer.errors import ConflictError, OrganizerError, StorageError, UndoRefusedError
from organizer.ui.hub import ChangeHub
from organizer.ui.undo_stack import UndoStack

if TYPE_CHECKING:
    from organizer.ui.context import ViewContext

logger = logging.getLogger(__name__)


def tr(text: str) -> str:
    """``text`` in the coordinator's language."""
    return QCoreApplication.translate("Undo", text)


def refusal(error: OrganizerError, step: str, *, undoing: bool) -> OrganizerError:
    """What to tell the coordinator when undoing or redoing ``step`` met ``error``.

    A problem with the file is told as it is (its own advice fits); a record changed or
    deleted by someone since is told as an undo, not as a save.
    """
    if isinstance(error, StorageError):
        return error
    if isinstance(error, ConflictError):
        if undoing:
            reason = tr("{changed}, after that. Undoing it would overwrite their change, so "
                        "nothing was changed.")  # fmt: skip
        else:
            reason = tr("{changed}, after it was undone. Redoing it would overwrite their "
                        "change, so nothing was changed.")  # fmt: skip
        why = reason.format(changed=error.changed_text())
    else:
        why = f"{error} {tr('Nothing was changed.')}"
    # Steps are often named with quotes of their own (Move “Quiz night”): none added here.
    text = tr("Could not undo {step}:") if undoing else tr("Could not redo {step}:")
    return UndoRefusedError(f"{text.format(step=step)} {why}", error)


def refusal_text(error: OrganizerError) -> str:
    """Why an undo or redo was refused, in one line (``error`` as :func:`refusal` made it)."""
    if isinstance(error, UndoRefusedError):
        return str(error)
    return tr("That could not be undone or redone: {reason}").format(reason=error)


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
        *,
        on_error: Callable[[OrganizerError], None],
    ) -> None:
        """``redo``/``undo`` call the services; ``change`` is announced after each.

        ``on_error`` tells the coordinator why a later undo or redo was refused: one is
        always needed, since nothing else would show that Ctrl+Z did nothing.
        """
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
            self._on_error(refusal(error, self.text(), undoing=action is self._undo))
            return
        self._hub.announce(self._change)


class BackgroundCommand(QUndoCommand):
    """An edit already done once whose undo and redo run on the worker (they may be long).

    The stack moves at once; if the job is then refused (someone has shifts since, say),
    the stack is put back without running anything, so it never claims what did not happen,
    and ``on_error`` gets the reason.  ``on_undone`` / ``on_redone`` hear of success.
    """

    def __init__(
        self,
        text: str,
        context: ViewContext,
        redo: Callable[[], Any],
        undo: Callable[[], Any],
        change: DataChange,
        on_error: Callable[[OrganizerError], None],
    ) -> None:
        """``redo``/``undo`` call the services (off the GUI thread); ``change`` is announced."""
        super().__init__(text)
        self.context = context
        self._redo = redo
        self._undo = undo
        self.change = change
        self.on_error = on_error
        self.on_undone: Callable[[Any], None] | None = None
        self.on_redone: Callable[[Any], None] | None = None
        self._first = True
        self._skip = False
        self.running = False

    def redo(self) -> None:
        """Repeat the edit (the first call, made by the push, only announces it)."""
        if self._first:
            self._first = False
            self.context.hub.announce(self.change)
        elif self._skip:
            self._skip = False
        else:
            self._start(self._redo, undoing=False)

    def undo(self) -> None:
        """Reverse the edit."""
        if self._skip:
            self._skip = False
        else:
            self._start(self._undo, undoing=True)

    def _start(self, work: Callable[[], Any], *, undoing: bool) -> None:
        self.running = True
        stack = self.context.undo_stack
        stack.step_started(self, undoing=undoing)
        step = self.text()

        # The window (and its stack, this command and the hub with it) may have closed by
        # the time the step ends: there is nobody left to tell then but the log.
        def done(result: Any) -> None:
            self.running = False
            if not shiboken6.isValid(stack):
                return
            self.context.hub.announce(self.change)
            listener = self.on_undone if undoing else self.on_redone
            if listener is not None:
                listener(result)
            stack.step_ended(refused=False)

        def failed(error: Exception) -> None:
            self.running = False
            open_still = shiboken6.isValid(stack)
            if open_still:
                self._put_back(stack, undoing=undoing)
                stack.step_ended(refused=True)
            if not isinstance(error, OrganizerError):
                raise error
            told = refusal(error, step, undoing=undoing)
            if open_still:
                self.on_error(told)
            else:
                logger.warning("After its window closed: %s", told)

        self.context.worker.submit(work, on_done=done, on_error=failed)

    def _put_back(self, stack: QUndoStack, *, undoing: bool) -> None:
        """Move the stack back over this command without running it again."""
        index = stack.index()
        if undoing and index < stack.count() and stack.command(index) is self:
            self._skip = True
            stack.redo()
        elif not undoing and index > 0 and stack.command(index - 1) is self:
            self._skip = True
            stack.undo()


def push_done(stack: UndoStack, command: QUndoCommand) -> None:
    """Put an edit that has just been made on the undo stack (after a step running)."""
    stack.push_when_free(command)
