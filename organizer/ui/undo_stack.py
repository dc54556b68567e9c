"""The window's undo history, which takes one step at a time (Qt only: start-up loads it)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject, Signal
from PySide6.QtGui import QAction, QUndoCommand, QUndoStack


def _tr(text: str) -> str:
    return QCoreApplication.translate("Undo", text)


class UndoStack(QUndoStack):
    """The window's undo history, which takes one step at a time.

    A :class:`BackgroundCommand`'s step runs on the worker while the stack has already
    moved.  Undo and redo asked for meanwhile (Ctrl+Z pressed twice) wait their turn, and
    so does putting a new edit on the stack: should the running step be refused, the
    stack can then still be put back exactly where it was.  The undo and redo waiting are
    dropped in that case, since they counted on it; a new edit never is (it is made).
    """

    busy_changed = Signal()
    """A step started or ended on the worker (see :attr:`busy` and :attr:`step_text`)."""

    def __init__(self, parent: QObject | None = None) -> None:
        """An empty history."""
        super().__init__(parent)
        self.step_text = ""
        """What the step running is doing, for the status bar ("Undoing Move …")."""
        self._running: QUndoCommand | None = None
        self._waiting: list[tuple[Callable[[], None], bool]] = []
        """What waits for the step running, in order, and whether it is a new edit."""

    @property
    def busy(self) -> bool:
        """Whether a step is running on the worker."""
        return self._running is not None

    def request_undo(self) -> None:
        """Undo the last edit, once the step running (if any) is done."""
        self._when_free(self.undo, edit=False)

    def request_redo(self) -> None:
        """Redo the last edit undone, once the step running (if any) is done."""
        self._when_free(self.redo, edit=False)

    def push_when_free(self, command: QUndoCommand) -> None:
        """Put a new edit on the stack, after the step running (if any)."""
        self._when_free(lambda: self.push(command), edit=True)

    def step_started(self, command: QUndoCommand, *, undoing: bool) -> None:
        """``command``'s undo (or redo) has gone to the worker."""
        self._running = command
        doing = _tr("Undoing {step}…") if undoing else _tr("Redoing {step}…")
        self.step_text = doing.format(step=command.text())
        self.busy_changed.emit()

    def step_ended(self, *, refused: bool) -> None:
        """The step running is done, or was refused (and the stack put back over it)."""
        self._running = None
        self.step_text = ""
        self.busy_changed.emit()
        if refused:
            self._waiting = [(step, edit) for step, edit in self._waiting if edit]
        while self._waiting and self._running is None:
            step, _ = self._waiting.pop(0)
            step()

    def undo_action(self, parent: QObject, prefix: str) -> QAction:
        """An Undo action naming the edit it undoes, like ``createUndoAction``'s, that waits."""
        return self._action(parent, prefix, undo=True)

    def redo_action(self, parent: QObject, prefix: str) -> QAction:
        """A Redo action naming the edit it redoes, that waits its turn too."""
        return self._action(parent, prefix, undo=False)

    def _when_free(self, step: Callable[[], None], *, edit: bool) -> None:
        if self._running is None:
            step()
        else:
            self._waiting.append((step, edit))

    def _action(self, parent: QObject, prefix: str, *, undo: bool) -> QAction:
        action = _StepAction(prefix, parent)
        action.setEnabled(self.canUndo() if undo else self.canRedo())
        action.name_step(self.undoText() if undo else self.redoText())
        # Bound to the action, so each connection ends with it.
        (self.canUndoChanged if undo else self.canRedoChanged).connect(action.setEnabled)
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
