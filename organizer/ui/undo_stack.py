"""The window's undo history, which takes one step at a time (Qt only: start-up loads it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject, Signal
from PySide6.QtGui import QAction, QUndoCommand, QUndoStack

if TYPE_CHECKING:
    from organizer.ui.worker import JobSignals, Worker


def _tr(text: str) -> str:
    return QCoreApplication.translate("Undo", text)


class UndoStack(QUndoStack):
    """The window's undo history, which takes one step at a time.

    Edits are made on the background worker and put on the stack once made; the undo and
    redo of a big one run there too (:class:`BackgroundCommand`), while the stack has
    already moved.  So Undo and Redo asked for while the worker has work wait for that
    work: an edit just made (a volunteer dropped on a shift) is on the stack by then, and
    is what Ctrl+Z undoes.  A new edit waits only for a step running: should that step be
    refused, the stack can then still be put back exactly where it was.  The undo and redo
    waiting are dropped in that case, since they counted on it, and when work they waited
    for failed (an edit refused: Ctrl+Z was meant for it); a new edit never is.

    Undo is on while an edit is being made (see :meth:`expect`), even with nothing on the
    stack yet: Ctrl+Z pressed during the session's first edit undoes it once it is made.
    """

    busy_changed = Signal()
    """Undo or redo started or stopped waiting or running (see :attr:`step_text`)."""
    undo_possible_changed = Signal(bool)
    """:attr:`undo_possible` changed."""

    def __init__(self, parent: QObject | None = None, worker: Worker | None = None) -> None:
        """An empty history, whose undo and redo wait for ``worker``'s work (if given)."""
        super().__init__(parent)
        self.worker = worker
        self._running: QUndoCommand | None = None
        self._running_text = ""
        self._waiting_for_work = False
        self._failures_before = 0
        self._waiting: list[tuple[Callable[[], None], bool]] = []
        """What waits, in order, and whether it is a new edit."""
        self._edits_under_way = 0
        self._edits_arrived = 0
        self._edits_missing = 0
        """Edits expected that ended without one arriving (nothing needed changing)."""
        self._missing_before = 0
        self._undo_possible = False
        self.canUndoChanged.connect(self._check_undo_possible)

    @property
    def undo_possible(self) -> bool:
        """Whether Undo has something to undo: an edit on the stack, or one being made."""
        return self.canUndo() or self._edits_under_way > 0 or any(edit for _, edit in self._waiting)

    def expect(self, job: JobSignals) -> JobSignals:
        """Note that the worker's ``job`` is making an edit, to go on the stack once made.

        Undo is on until the job ends, and Ctrl+Z pressed meanwhile undoes that edit.  Should
        the job end without an edit to put on the stack (nothing needed changing), that
        Ctrl+Z undoes nothing, as it would for an edit refused.
        """
        self._edits_under_way += 1
        arrived_before = self._edits_arrived

        def ended() -> None:
            self._edits_under_way -= 1
            if self._edits_arrived == arrived_before and not job.went_wrong:
                self._edits_missing += 1
            self._check_undo_possible()

        job.finished.connect(ended)
        self._check_undo_possible()
        return job

    def _check_undo_possible(self, _: object = None) -> None:
        possible = self.undo_possible
        if possible != self._undo_possible:
            self._undo_possible = possible
            self.undo_possible_changed.emit(possible)

    @property
    def busy(self) -> bool:
        """Whether an undo or redo is running on the worker, or waiting for its work."""
        return self._running is not None or self._waiting_for_work

    @property
    def step_text(self) -> str:
        """What undo or redo is doing, for the status bar ("Undoing Move …"), or ""."""
        if self._running is not None:
            return self._running_text
        if not self.busy:
            return ""
        undo = next((step == self.undo for step, edit in self._waiting if not edit), True)
        if undo:
            return _tr("Finishing the work under way before undoing…")
        return _tr("Finishing the work under way before redoing…")

    def request_undo(self) -> None:
        """Undo the last edit, once the worker's work so far (and any step running) is done."""
        self._after_work(self.undo)

    def request_redo(self) -> None:
        """Redo the last edit undone, once the worker's work so far is done."""
        self._after_work(self.redo)

    def push_when_free(self, command: QUndoCommand) -> None:
        """Put a new edit on the stack, after the step running (if any)."""
        self._edits_arrived += 1
        if self._running is None:
            self.push(command)
        else:
            self._waiting.append((lambda: self.push(command), True))
            self._check_undo_possible()

    def step_started(self, command: QUndoCommand, *, undoing: bool) -> None:
        """``command``'s undo (or redo) has gone to the worker."""
        self._running = command
        doing = _tr("Undoing {step}…") if undoing else _tr("Redoing {step}…")
        self._running_text = doing.format(step=command.text())
        self.busy_changed.emit()

    def step_ended(self, *, refused: bool) -> None:
        """The step running is done, or was refused (and the stack put back over it)."""
        self._running = None
        if refused:
            self._drop_steps()
        self._go_on()

    def _after_work(self, step: Callable[[], None]) -> None:
        worker_busy = self.worker is not None and self.worker.busy
        if not (self.busy or worker_busy or self._waiting):
            step()
            return
        self._waiting.append((step, False))
        if worker_busy and not self._waiting_for_work and self.worker is not None:
            # Queued after every job so far: it answers once their results are in.
            self._waiting_for_work = True
            self._failures_before = self.worker.failures
            self._missing_before = self._edits_missing
            self.worker.submit(_nothing, on_done=self._work_done, on_error=self._work_done)
        self.busy_changed.emit()

    def _work_done(self, _: object = None) -> None:
        self._waiting_for_work = False
        failed = self.worker is not None and self.worker.failures > self._failures_before
        if failed or self._edits_missing > self._missing_before:
            # Something failed meanwhile (an edit refused, say: the coordinator has been
            # told), or an edit changed nothing: Ctrl+Z pressed for it would undo the step
            # before it instead.
            self._drop_steps()
        self._go_on()

    def _drop_steps(self) -> None:
        """Forget the undo and redo waiting (they counted on what went wrong); keep edits."""
        self._waiting = [(step, edit) for step, edit in self._waiting if edit]

    def _go_on(self) -> None:
        """Take what waits, in order, for as long as nothing runs or is waited for."""
        while self._waiting and not self.busy:
            step, _ = self._waiting.pop(0)
            step()
        self._check_undo_possible()
        self.busy_changed.emit()

    def undo_action(self, parent: QObject, prefix: str) -> QAction:
        """An Undo action naming the edit it undoes, like ``createUndoAction``'s, that waits."""
        return self._action(parent, prefix, undo=True)

    def redo_action(self, parent: QObject, prefix: str) -> QAction:
        """A Redo action naming the edit it redoes, that waits its turn too."""
        return self._action(parent, prefix, undo=False)

    def _action(self, parent: QObject, prefix: str, *, undo: bool) -> QAction:
        action = _StepAction(prefix, parent)
        action.setEnabled(self.undo_possible if undo else self.canRedo())
        action.name_step(self.undoText() if undo else self.redoText())
        # Bound to the action, so each connection ends with it.
        (self.undo_possible_changed if undo else self.canRedoChanged).connect(action.setEnabled)
        (self.undoTextChanged if undo else self.redoTextChanged).connect(action.name_step)
        action.triggered.connect(self.request_undo if undo else self.request_redo)
        return action


class _StepAction(QAction):
    """Undo or Redo, followed by the name of the step it takes ("Undo Move Quiz night").

    A toolbar button says just "Undo" (a long name would push the buttons after it about
    as the history changes) and names the step in its tooltip.
    """

    def __init__(self, prefix: str, parent: QObject) -> None:
        super().__init__(prefix, parent)
        self.prefix = prefix
        self.setIconText(prefix.replace("&", ""))

    def name_step(self, step: str) -> None:
        """Name ``step`` after the prefix (nothing to name: the prefix alone)."""
        text = f"{self.prefix} {step}" if step else self.prefix
        self.setText(text)
        self.setToolTip(text.replace("&", ""))


def _nothing() -> None:
    """A job that only marks its place in the worker's queue."""
