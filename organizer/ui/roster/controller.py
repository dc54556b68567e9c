"""What the Rosters page asks for: loading through the worker, and undoable roster edits.

Reads run on the background worker and come back as signals; the newest request wins, so
a slow answer for last week never replaces this week.  Each assign, status change and
removal is done once through :class:`RosterService`, then pushed as one
:class:`~organizer.ui.undo.EditCommand` that announces the change on the hub.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from PySide6.QtCore import QObject, Signal

from organizer.changes import DataChange
from organizer.errors import OrganizerError
from organizer.models import AssignmentStatus
from organizer.models.ids import AssignmentId
from organizer.services.events import AssignmentDraft
from organizer.services.roster import (
    BoardPerson,
    BoardShift,
    Candidate,
    Clash,
    ClashError,
    RosterService,
)
from organizer.ui.context import ViewContext
from organizer.ui.roster.models import status_text
from organizer.ui.undo import EditCommand, push_done

_Rows = tuple[int, list[BoardShift], datetime, datetime, list[int] | None]
"""A board answer: request number, rows, the span and causes they were read for."""


@dataclass(frozen=True)
class Period:
    """What the board shows: a span of time, or one occurrence of an event."""

    start: datetime
    end: datetime
    event_id: int | None = None
    recurrence_id: datetime | None = None

    @property
    def is_occurrence(self) -> bool:
        """Whether this is a single occurrence rather than a week."""
        return self.event_id is not None and self.recurrence_id is not None


@dataclass(frozen=True)
class PendingAssignment:
    """An assignment refused for blocking clashes, waiting for the coordinator's reason."""

    shift: BoardShift
    volunteer_id: int
    name: str
    clashes: tuple[Clash, ...]


class Placement:
    """One volunteer's place on a shift, which undo and redo take away and put back.

    Putting it back makes a new assignment (with a new id), exactly as it was.
    """

    def __init__(self, roster: RosterService, assignment_id: int, version: int) -> None:
        """Track the assignment ``assignment_id`` at ``version``."""
        self.roster = roster
        self.assignment_id = assignment_id
        self.version = version
        self.kept: AssignmentDraft | None = None

    def take_off(self) -> None:
        """Remove the assignment, keeping what it was."""
        self.kept = self.roster.remove(self.assignment_id, self.version)

    def put_back(self) -> None:
        """Make the assignment again as it was."""
        assert self.kept is not None
        again = self.roster.restore(self.kept)
        self.assignment_id, self.version = again.id, again.version


class RosterController(QObject):
    """Loads the board and candidates, and makes roster edits undoable.

    Signals: ``board_loaded(list[BoardShift])`` (rows, not yet checked for clashes), then
    ``clashes_loaded(dict[assignment id, tuple[Clash, ...]])``,
    ``candidates_loaded(key, list[Candidate])`` for the shift key they were asked for,
    ``loading_changed(bool)``, ``checking_changed(bool)`` while clashes are checked,
    ``reason_needed(PendingAssignment)`` when an assignment needs a reason first,
    ``notice(str)`` after an edit and ``problem(str)`` when something could not be done.
    """

    board_loaded = Signal(object)
    clashes_loaded = Signal(object)
    checking_changed = Signal(bool)
    candidates_loaded = Signal(object, object)
    loading_changed = Signal(bool)
    reason_needed = Signal(object)
    notice = Signal(str)
    problem = Signal(str)

    def __init__(
        self, context: ViewContext, roster: RosterService, parent: QObject | None = None
    ) -> None:
        """Work through ``context``'s worker, undo stack and hub."""
        super().__init__(parent)
        self.context = context
        self.roster = roster
        self._board_request = 0
        self._newest = [0]
        self._pending_check: _Rows | None = None
        self._candidate_request = 0

    # Reading -------------------------------------------------------------------------------

    def load_board(self, period: Period, cause_ids: Iterable[int] | None = None) -> None:
        """Load the board for ``period``: its rows first, then the clash check.

        ``board_loaded`` brings the rows (people without clashes); ``clashes_loaded`` then
        brings each place-holding person's clashes by assignment id, once
        :meth:`check_clashes` is called.  Only the newest request is shown, at both stages.
        """
        self._board_request += 1
        request = self._newest[0] = self._board_request
        newest = self._newest  # read on the worker: a plain list, not the QObject
        causes = None if cause_ids is None else list(cause_ids)
        roster = self.roster

        def work() -> _Rows:
            if request != newest[0]:
                return request, [], period.start, period.end, causes  # already replaced
            if period.event_id is not None and period.recurrence_id is not None:
                start, end = roster.occurrence_window(period.event_id, period.recurrence_id)
                rows = roster.occurrence_board_rows(
                    period.event_id, period.recurrence_id, window=(start, end)
                )
                return request, rows, start, end, causes
            rows = roster.board_rows(period.start, period.end, cause_ids=causes)
            return request, rows, period.start, period.end, causes

        self.loading_changed.emit(True)
        # Bound methods, so answers for a page already closed are dropped by the worker.
        self.context.worker.submit(work, on_done=self._rows_done, on_error=self._rows_failed)

    def _rows_done(self, result: _Rows) -> None:
        if result[0] != self._board_request:
            return
        self._pending_check = result
        self.loading_changed.emit(False)
        self.checking_changed.emit(bool(result[1]))
        self.board_loaded.emit(result[1])

    def _rows_failed(self, error: Exception) -> None:
        self.loading_changed.emit(False)
        self.report(error)

    def check_clashes(self) -> None:
        """Start the clash check of the board last loaded (once; answers ``clashes_loaded``).

        Called by whoever shows the board once its rows are on screen, so the check (pure
        Python, a second or so on a big week) does not compete with laying the rows out.
        """
        pending, self._pending_check = self._pending_check, None
        if pending is None:
            return
        request, shifts, start, end, causes = pending
        if request != self._board_request:
            return
        if not shifts:
            self.checking_changed.emit(False)
            self.clashes_loaded.emit({})
            return
        roster = self.roster
        newest = self._newest

        def work() -> tuple[int, dict[AssignmentId, tuple[Clash, ...]]]:
            if request != newest[0]:
                return request, {}  # a newer board is on its way: do not hold it up
            return request, roster.board_clashes(shifts, start, end, cause_ids=causes)

        self.context.worker.submit(work, on_done=self._clashes_done, on_error=self._clashes_failed)

    def _clashes_done(self, result: tuple[int, dict[AssignmentId, tuple[Clash, ...]]]) -> None:
        request, clashes = result
        if request == self._board_request:
            self.checking_changed.emit(False)
            self.clashes_loaded.emit(clashes)

    def _clashes_failed(self, error: Exception) -> None:
        self.checking_changed.emit(False)
        self.report(error)

    def load_candidates(self, shift: BoardShift, text: str = "") -> None:
        """Load who could take ``shift``; answers arrive as ``candidates_loaded``."""
        self._candidate_request += 1
        request = self._candidate_request
        roster = self.roster
        key = shift.key

        def work() -> tuple[int, Any, list[Candidate]]:
            return request, key, roster.candidates(*key, text=text)

        self.context.worker.submit(work, on_done=self._candidates_done, on_error=self.report)

    def _candidates_done(self, result: tuple[int, Any, list[Candidate]]) -> None:
        request, key, candidates = result
        if request == self._candidate_request:
            self.candidates_loaded.emit(key, candidates)

    def find_candidates(
        self,
        shift: BoardShift,
        text: str,
        on_done: Callable[[tuple[str, list[Candidate]]], None],
    ) -> None:
        """Search candidates for a dialog; ``on_done`` gets the text searched and the answer.

        Pass a bound method of a QObject, so an answer for a closed dialog is dropped.
        """
        roster = self.roster
        key = shift.key
        self.context.worker.submit(
            lambda: (text, roster.candidates(*key, text=text)),
            on_done=on_done,
            on_error=self.report,
        )

    # Editing -------------------------------------------------------------------------------

    def assign(self, shift: BoardShift, volunteer_id: int, name: str, reason: str = "") -> None:
        """Put a volunteer on ``shift``; blocking clashes without ``reason`` ask for one."""
        if not self._may_edit():
            return
        roster = self.roster
        sid, rid = shift.key

        def work() -> Any:
            return roster.assign(sid, rid, volunteer_id, override_reason=reason)

        def done(made: Any) -> None:
            placement = Placement(roster, made.id, made.version)
            self._push(
                self.tr("Assign {name} to {role}").format(name=name, role=shift.fill.role),
                placement.put_back,
                placement.take_off,
            )
            self.notice.emit(
                self.tr("{name} is now on {role}.").format(name=name, role=shift.fill.role)
            )

        def failed(error: Exception) -> None:
            if isinstance(error, ClashError):
                self.reason_needed.emit(PendingAssignment(shift, volunteer_id, name, error.clashes))
            else:
                self.report(error)

        self.context.worker.submit(work, on_done=done, on_error=failed)

    def set_status(self, shift: BoardShift, person: BoardPerson, status: AssignmentStatus) -> None:
        """Change one person's status on a shift."""
        if not self._may_edit() or status is person.status:
            return
        roster = self.roster
        state = {"version": person.version}
        old = person.status

        def change_to(new: AssignmentStatus) -> Callable[[], None]:
            def run() -> None:
                state["version"] = roster.set_status(
                    person.assignment_id, state["version"], new
                ).version

            return run

        def done(_: object) -> None:
            self._push(
                self.tr("Mark {name} as {status}").format(
                    name=person.name, status=status_text(status).lower()
                ),
                change_to(status),
                change_to(old),
            )
            self.notice.emit(
                self.tr("{name} is now {status} on {role}.").format(
                    name=person.name, status=status_text(status).lower(), role=shift.fill.role
                )
            )

        self.context.worker.submit(change_to(status), on_done=done, on_error=self.report)

    def remove(self, shift: BoardShift, person: BoardPerson) -> None:
        """Take one person off a shift (undo puts them back as they were)."""
        if not self._may_edit():
            return
        placement = Placement(self.roster, person.assignment_id, person.version)

        def done(_: object) -> None:
            self._push(
                self.tr("Remove {name} from {role}").format(name=person.name, role=shift.fill.role),
                placement.take_off,
                placement.put_back,
            )
            self.notice.emit(
                self.tr("{name} is no longer on {role}.").format(
                    name=person.name, role=shift.fill.role
                )
            )

        self.context.worker.submit(placement.take_off, on_done=done, on_error=self.report)

    def _push(self, text: str, redo: Callable[[], None], undo: Callable[[], None]) -> None:
        change = DataChange.of(self.context.actor, "assignment")
        command = EditCommand(text, redo, undo, change, self.context.hub, on_error=self.report)
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
