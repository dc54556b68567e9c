"""What the scheduling views ask for, done through the worker, and their place on the page.

:class:`SchedulingActions` runs the engine's proposals, applies them as one undoable step
and records cover asks and answers, always on the background worker and announcing each
change on the hub.  :class:`RosterScheduling` puts the heat map and the two dialogs on the
Rosters page.
"""

from __future__ import annotations

import importlib
import importlib.util
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QBoxLayout

from organizer.changes import DataChange
from organizer.errors import DomainError, OrganizerError
from organizer.ui.context import ViewContext
from organizer.ui.undo import BackgroundCommand, push_done

if TYPE_CHECKING:
    from organizer.ui.roster.page import RosterPage
    from organizer.ui.scheduling.autofill_dialog import AutoFillDialog
    from organizer.ui.scheduling.cover_dialog import CoverDialog
    from organizer.ui.scheduling.heatmap import CoveragePanel


class CancelFlag(threading.Event):
    """Set by the Cancel button, read by the engine (call it, or ask ``is_set()``)."""

    def __call__(self) -> bool:
        """Whether the work should stop."""
        return self.is_set()


_ENGINES = {
    "autofill": ("organizer.scheduling.autofill", "AutoFillService"),
    "cover": ("organizer.scheduling.cover", "CoverService"),
    "conflicts": ("organizer.scheduling.conflicts", "ConflictService"),
}


def engine(context: ViewContext, name: str) -> Any:
    """The scheduling service ``name`` (``autofill``, ``cover``, ``conflicts``) of the file.

    Taken from :class:`Services` when it carries it, else built over the same database.
    """
    service = getattr(context.services, name, None)
    if service is not None:
        return service
    module_name, class_name = _ENGINES[name]
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise DomainError(f"Scheduling ({name}) is not available in this version.") from error
    coverage = context.services.coverage
    return getattr(module, class_name)(coverage.db, context.actor)


def has_engine(context: ViewContext, name: str) -> bool:
    """Whether the scheduling service ``name`` is there."""
    if getattr(context.services, name, None) is not None:
        return True
    return importlib.util.find_spec(_ENGINES[name][0]) is not None


def relay_progress(progress: Callable[[str, float], None]) -> Callable[..., None]:
    """Adapt the engine's progress reports (a stage, a fraction, or both) to the worker's."""

    def report(*args: Any) -> None:
        stage = next((a for a in args if isinstance(a, str)), "")
        fraction = next((float(a) for a in args if isinstance(a, int | float)), -1.0)
        progress(stage, fraction)

    return report


class AppliedFill:
    """The assignments one applied proposal made; undo takes them away, redo makes them again."""

    def __init__(self, autofill: Any, proposal: Any, assignment_ids: list[int]) -> None:
        """Track ``assignment_ids``, made by applying ``proposal``."""
        self.autofill = autofill
        self.proposal = proposal
        self.assignment_ids = list(assignment_ids)

    def take_away(self) -> None:
        """Remove exactly the assignments the proposal made."""
        self.autofill.undo(self.assignment_ids)
        self.assignment_ids = []

    def make_again(self) -> None:
        """Apply the same proposal again (new assignments, new ids)."""
        self.assignment_ids = list(self.autofill.apply(self.proposal))


class CoverStep:
    """One step of finding cover (an ask, an answer, a drop-out) that undo and redo repeat.

    ``do`` makes the step (first on the worker thread, then again on redo) and keeps what
    the service says it changed; ``undo`` takes exactly that back.
    """

    def __init__(self, do: Callable[[Any], Any], undo: Callable[[Any], Any]) -> None:
        """``do(last_undo_result)`` makes the step; ``undo(last_do_result)`` takes it back."""
        self._do = do
        self._undo = undo
        self.done: Any = None
        self.undone: Any = None

    def do(self) -> Any:
        """Make the step; returns (and keeps) what the service says it changed."""
        self.done = self._do(self.undone)
        return self.done

    def undo(self) -> None:
        """Take the step back."""
        self.undone = self._undo(self.done)


class SchedulingActions(QObject):
    """Proposals, applying them, and cover asks, answers and drop-outs.

    Signals: ``notice(str)`` after an edit and ``problem(str)`` when something could not be
    done.  Every callback runs on the GUI thread.
    """

    notice = Signal(str)
    problem = Signal(str)

    def __init__(self, context: ViewContext, parent: QObject | None = None) -> None:
        """Work through ``context``'s worker, undo stack and hub."""
        super().__init__(parent)
        self.context = context

    # Auto-fill -----------------------------------------------------------------------------

    def propose(
        self,
        start: datetime,
        end: datetime,
        cause_ids: list[int] | None,
        *,
        cancel: CancelFlag,
        on_done: Callable[[Any], None],
        on_error: Callable[[Exception], None],
        on_progress: Callable[[str, float], None],
    ) -> None:
        """Ask the engine for a proposal and the shifts it talks about (for their names)."""
        autofill = engine(self.context, "autofill")
        coverage = self.context.services.coverage

        def work(progress: Callable[[str, float], None]) -> tuple[Any, dict[Any, Any]]:
            proposal = autofill.propose(
                start, end, cause_ids=cause_ids, progress=relay_progress(progress), cancel=cancel
            )
            fills = coverage.shift_fill(start, end, cause_ids=cause_ids)
            return proposal, {(f.shift_id, f.recurrence_id): f for f in fills}

        self.context.worker.submit(
            work, on_done=on_done, on_error=on_error, on_progress=on_progress
        )

    def apply(
        self,
        proposal: Any,
        placements: tuple[Any, ...],
        on_done: Callable[[list[int]], None] | None = None,
    ) -> None:
        """Apply the chosen ``placements`` of ``proposal`` as one undoable step."""
        if not self._may_edit():
            return
        autofill = engine(self.context, "autofill")
        chosen = replace(proposal, placements=tuple(placements))

        def done(assignment_ids: list[int]) -> None:
            applied = AppliedFill(autofill, chosen, assignment_ids)
            count = len(assignment_ids)
            self._push(
                self.tr("Fill %n place(s) automatically", "", count),
                applied.make_again,
                applied.take_away,
            )
            self.notice.emit(
                self.tr("%n place(s) filled. Ctrl+Z takes them away again.", "", count)
            )
            if on_done is not None:
                on_done(assignment_ids)

        self.context.submit_edit(
            lambda: list(autofill.apply(chosen)), on_done=done, on_error=self.report
        )

    # Cover ---------------------------------------------------------------------------------

    def load_cover(
        self,
        shift_id: int,
        occurrence_start: datetime,
        on_done: Callable[[tuple[list[Any], list[Any], list[Any]]], None],
    ) -> None:
        """Candidates, who was asked and the waitlist for one shift occurrence."""
        cover = engine(self.context, "cover")

        def work() -> tuple[list[Any], list[Any], list[Any]]:
            return (
                list(cover.candidates(shift_id, occurrence_start)),
                list(cover.requests(shift_id, occurrence_start)),
                list(cover.waitlist(shift_id, occurrence_start)),
            )

        self.context.worker.submit(work, on_done=on_done, on_error=self.report)

    def ask(
        self,
        shift_id: int,
        occurrence_start: datetime,
        volunteer_id: int,
        name: str,
        note: str = "",
        on_done: Callable[[Any], None] | None = None,
    ) -> None:
        """Record that ``name`` was asked to cover."""
        if not self._may_edit():
            return
        cover = engine(self.context, "cover")
        step = CoverStep(
            lambda kept: (
                cover.ask(shift_id, occurrence_start, volunteer_id, note)
                if kept is None
                else cover.restore_ask(kept)
            ),
            cover.withdraw_ask,
        )

        def done(result: Any) -> None:
            self._push(self.tr("Ask {name} to cover").format(name=name), step.do, step.undo)
            self.notice.emit(self.tr("Asked {name} to cover.").format(name=name))
            if on_done is not None:
                on_done(result)

        self.context.submit_edit(step.do, on_done=done, on_error=self.report)

    def answer(
        self, request: Any, answer: str, on_done: Callable[[Any], None] | None = None
    ) -> None:
        """Record ``request``'s answer (``yes`` assigns the person, ``no``, ``no_reply``)."""
        if not self._may_edit():
            return
        cover = engine(self.context, "cover")
        step = CoverStep(
            lambda version: cover.record_answer(request.id, answer, version or request.version),
            cover.take_back_answer,
        )

        def done(result: Any) -> None:
            self._push(
                self.tr("Record {name}'s answer").format(name=request.name), step.do, step.undo
            )
            if answer == "yes":
                self.notice.emit(
                    self.tr("{name} said yes and is on the shift.").format(name=request.name)
                )
            if on_done is not None:
                on_done(result)

        self.context.submit_edit(step.do, on_done=done, on_error=self.report)

    def drop_out(
        self,
        assignment_id: int,
        version: int,
        name: str,
        on_done: Callable[[Any], None] | None = None,
    ) -> None:
        """Take ``name`` off the shift; the engine promotes the first waitlisted person."""
        if not self._may_edit():
            return
        cover = engine(self.context, "cover")
        step = CoverStep(
            lambda again: cover.drop_out(assignment_id, again or version), cover.undo_drop_out
        )

        def done(dropped: Any) -> None:
            self._push(self.tr("{name} drops out").format(name=name), step.do, step.undo)
            self.notice.emit(
                self.tr("{name} dropped out; the first on the waitlist has the place.").format(
                    name=name
                )
                if dropped.promoted_id is not None
                else self.tr("{name} dropped out.").format(name=name)
            )
            if on_done is not None:
                on_done(dropped)

        self.context.submit_edit(step.do, on_done=done, on_error=self.report)

    # Shared --------------------------------------------------------------------------------

    def _push(self, text: str, redo: Callable[[], None], undo: Callable[[], None]) -> None:
        change = DataChange.of(self.context.actor, "assignment")
        # Redoing a filled week checks every placement for clashes again: not on the GUI thread.
        command = BackgroundCommand(text, self.context, redo, undo, change, on_error=self.report)
        push_done(self.context.undo_stack, command)

    def _may_edit(self) -> bool:
        if self.context.read_only:
            self.problem.emit(self.tr("This database is open read-only, so rosters cannot change."))
            return False
        return True

    def report(self, error: Exception) -> None:
        """Errors a person can act on become a message; anything else is a bug."""
        if isinstance(error, OrganizerError):
            self.problem.emit(str(error))
            return
        raise error


class RosterScheduling(QObject):
    """The heat map above the Rosters board, and the Fill gaps… and Find cover… dialogs."""

    def __init__(self, page: RosterPage) -> None:
        """Place the coverage panel on ``page`` and follow its period and chosen shift."""
        super().__init__(page)
        from organizer.ui.scheduling.heatmap import CoveragePanel

        self.page = page
        self.context = page.context
        self.actions = SchedulingActions(page.context, self)
        self.panel: CoveragePanel = CoveragePanel(page.context, page, today=page.today)
        self.autofill_dialog: AutoFillDialog | None = None
        self.cover_dialog: CoverDialog | None = None
        layout = page.layout()
        assert isinstance(layout, QBoxLayout)
        layout.insertWidget(layout.indexOf(page.splitter), self.panel)
        self.panel.heat_map.day_chosen.connect(page.show_week)
        # Once the board's rows are on screen: repainting the map while they are read would
        # only hold up the read.
        page.rows_shown.connect(self._mark_week)
        self.panel.fill_gaps_button.clicked.connect(self.open_autofill)
        self.panel.find_cover_button.clicked.connect(self.open_cover)
        self.actions.notice.connect(lambda text: page.message_bar.show_message(text))
        self.actions.problem.connect(lambda text: page.message_bar.show_message(text, problem=True))
        page.loaded.connect(self._board_loaded)
        page.board_view.selectionModel().currentRowChanged.connect(self._update_buttons)
        self._update_buttons()

    def _mark_week(self) -> None:
        """Mark the board's week on the map (not when it shows one occurrence)."""
        period = self.page.period
        monday = None if period.is_occurrence else period.start.astimezone().date()
        self.panel.heat_map.model.set_week_on_show(monday)

    def _board_loaded(self) -> None:
        self.panel.heat_map.set_causes(self.page.cause_ids)
        self._update_buttons()

    def _update_buttons(self, *_: Any) -> None:
        editable = not self.context.read_only
        self.panel.fill_gaps_button.setEnabled(editable and has_engine(self.context, "autofill"))
        self.panel.find_cover_button.setEnabled(
            has_engine(self.context, "cover") and self.page.selected_shift() is not None
        )

    def open_autofill(self) -> AutoFillDialog:
        """Open the Fill gaps… preview for the next month and the cause on show."""
        from organizer.ui.scheduling.autofill_dialog import AutoFillDialog

        dialog = AutoFillDialog(
            self.context,
            self.actions,
            self.page,
            today=self.page.today(),
            cause_id=None if not self.page.cause_ids else self.page.cause_ids[0],
        )
        if self.autofill_dialog is not None:
            self.autofill_dialog.deleteLater()
        self.autofill_dialog = dialog
        dialog.open()
        return dialog

    def open_cover(self) -> CoverDialog | None:
        """Open the cover finder for the chosen shift (and the chosen person, if any)."""
        from organizer.ui.scheduling.cover_dialog import CoverDialog

        shift = self.page.selected_shift()
        if shift is None:
            return None
        person = self.page.selected_person()
        dialog = CoverDialog(self.context, self.actions, shift, person, self.page)
        if self.cover_dialog is not None:
            self.cover_dialog.deleteLater()
        self.cover_dialog = dialog
        dialog.open()
        return dialog


__all__ = [
    "AppliedFill",
    "CancelFlag",
    "RosterScheduling",
    "SchedulingActions",
    "engine",
    "has_engine",
    "relay_progress",
]
