"""What the Rosters page asks for: loading through the worker, and undoable roster edits.

Reads run on the background worker and come back as signals; the newest request wins, so
a slow answer for last week never replaces this week.  Each assign, status change and
removal is done once through :class:`RosterService`, then pushed as one
:class:`~organizer.ui.undo.EditCommand` that announces the change on the hub.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
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
    with_clashes,
)
from organizer.ui.context import ViewContext
from organizer.ui.roster.models import PreparedBoard, prepare_board, status_text
from organizer.ui.undo import EditCommand, push_done

_Rows = tuple[int, PreparedBoard, datetime, datetime, list[int] | None]
"""A board answer: request number, rows, the span and causes they were read for."""

_Check = tuple[int, list[BoardShift], datetime, datetime, list[int] | None]
"""A board waiting for its clash check: request number, every row, span and causes."""

AheadKey = tuple["Period", tuple[int, ...] | None]
"""A board read ahead: its period and the causes it was read for."""


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


KEEP_AHEAD = 2  # weeks read ahead and kept: the next and the previous one


def _ahead_key(period: Period, causes: list[int] | None) -> AheadKey:
    return period, None if causes is None else tuple(causes)


def _next_midnight(moment: datetime) -> datetime:
    """Local midnight after ``moment`` (where the board starts a new day)."""
    day = moment.astimezone().date() + timedelta(days=1)
    return datetime.combine(day, time()).astimezone()


def _from_key(key: AheadKey) -> tuple[Period, list[int] | None]:
    period, causes = key
    return period, None if causes is None else list(causes)


class RosterController(QObject):
    """Loads the board and candidates, and makes roster edits undoable.

    Signals: ``board_loaded(PreparedBoard)`` (rows, not yet checked for clashes), on a
    week read in two parts ``board_extended(PreparedBoard)`` with the days after the first,
    then ``clashes_loaded(dict[assignment id, tuple[Clash, ...]])``,
    ``candidates_loaded(key, list[Candidate])`` for the shift key they were asked for,
    ``loading_changed(bool)``, ``checking_changed(bool)`` while clashes are checked,
    ``reason_needed(PendingAssignment)`` when an assignment needs a reason first,
    ``notice(str)`` after an edit and ``problem(str)`` when something could not be done.
    """

    board_loaded = Signal(object)
    board_extended = Signal(object)
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
        self._pending_check: _Check | None = None
        self._first_part: _Rows | None = None
        self._check_when_read = False
        self._rest: Callable[[], _Rows] | None = None
        self._candidate_request = 0
        self._ahead: dict[AheadKey, PreparedBoard] = {}
        self._ahead_running: set[AheadKey] = set()
        self._ahead_wanted: tuple[AheadKey, int] | None = None
        self._generation = 0

    # Reading -------------------------------------------------------------------------------

    def load_board(
        self,
        period: Period,
        cause_ids: Iterable[int] | None = None,
        keep: Mapping[AssignmentId, tuple[Clash, ...]] | None = None,
    ) -> None:
        """Load the board for ``period``: its rows first, then the clash check.

        ``board_loaded`` brings the rows (people without clashes, or with ``keep``'s: the
        board on show is being reloaded, and keeps its flags and its rows in place until
        the new check lands; a reload is never read in parts); ``clashes_loaded`` then brings
        each place-holding person's clashes by assignment id, once :meth:`check_clashes` is
        called.  Only the newest request is shown, at both stages.  A week read ahead
        (:meth:`read_ahead`) is shown at once, or as soon as its reading ends.
        """
        self._board_request += 1
        request = self._newest[0] = self._board_request  # the worker reads the plain list
        causes = None if cause_ids is None else list(cause_ids)
        key = _ahead_key(period, causes)
        self._ahead_wanted = None
        self._first_part = None
        self._check_when_read = False
        self._rest = None
        if keep is None and key in self._ahead:
            self.loading_changed.emit(True)
            self._rows_done((request, self._ahead.pop(key), period.start, period.end, causes))
            return
        if keep is None and key in self._ahead_running:
            self.loading_changed.emit(True)
            self._ahead_wanted = (key, request)
            return
        self.loading_changed.emit(True)
        self._read(request, period, causes, None if keep is None else dict(keep))

    def _read(
        self,
        request: int,
        period: Period,
        causes: list[int] | None,
        kept: dict[AssignmentId, tuple[Clash, ...]] | None = None,
    ) -> None:
        """Read the board of ``period`` on the worker as answer ``request``.

        A week is read in two parts: its first day, shown at once, and the rest once
        :meth:`read_rest` is called (a reload keeping flags is read whole).
        """
        roster = self.roster
        newest = self._newest
        split = None if period.is_occurrence or kept is not None else _next_midnight(period.start)
        if split is not None and split >= period.end:
            split = None

        def first() -> _Rows:
            if request != newest[0]:  # already replaced
                return request, prepare_board([]), period.start, period.end, causes
            start, end = period.start, period.end
            if period.event_id is not None and period.recurrence_id is not None:
                start, end = roster.occurrence_window(period.event_id, period.recurrence_id)
                rows = roster.occurrence_board_rows(
                    period.event_id, period.recurrence_id, window=(start, end)
                )
            else:
                rows = roster.board_rows(start, split or end, cause_ids=causes)
            if kept:
                rows = with_clashes(rows, kept)
            return request, prepare_board(rows), start, end, causes

        # Bound methods, so answers for a page already closed are dropped by the worker.
        if split is None:
            self.context.worker.submit(first, on_done=self._rows_done, on_error=self._rows_failed)
            return
        start_rest = split

        def rest() -> _Rows:
            if request != newest[0]:
                return request, prepare_board([]), period.start, period.end, causes
            rows = roster.board_rows(start_rest, period.end, cause_ids=causes)
            return request, prepare_board(rows), period.start, period.end, causes

        self._rest = rest
        self.context.worker.submit(first, on_done=self._first_done, on_error=self._rows_failed)

    def read_rest(self) -> None:
        """Read the rest of a week shown from its first day (once; see ``board_extended``).

        Called by whoever shows the board once the first day is on screen: reading on the
        worker while the GUI thread lays rows out would slow both down.
        """
        rest, self._rest = self._rest, None
        if rest is not None and self._first_part is not None:
            self.context.worker.submit(rest, on_done=self._rest_done, on_error=self._rows_failed)

    def _first_done(self, result: _Rows) -> None:
        """The first day of a week read in two parts: shown now, unless it is empty."""
        if result[0] != self._board_request:
            return
        self._first_part = result
        if result[1].shifts:  # still loading (the rest), not yet checking
            self.board_loaded.emit(result[1])
        else:
            self.read_rest()  # nothing to show yet: straight on

    def _rest_done(self, result: _Rows) -> None:
        """The rest of a week read in two parts: added to the first day, or shown alone."""
        first, self._first_part = self._first_part, None
        if result[0] != self._board_request or first is None or first[0] != result[0]:
            return
        if not first[1].shifts:
            self._rows_done(result)
            return
        request, more, start, end, causes = result
        self._pending_check = (request, first[1].shifts + more.shifts, start, end, causes)
        self.loading_changed.emit(False)
        self.checking_changed.emit(True)
        self.board_extended.emit(more)
        if self._check_when_read:
            self.check_clashes()

    @property
    def loading_more(self) -> bool:
        """Whether the board on show waits for the rest of its week."""
        return self._first_part is not None

    def read_ahead(self, period: Period, cause_ids: Iterable[int] | None = None) -> None:
        """Read a week's rows in the background, so showing it next is immediate.

        What was read is kept until it is shown or :meth:`forget_ahead` is called (after any
        change to the data); only weeks are read ahead, not single occurrences.
        """
        causes = None if cause_ids is None else list(cause_ids)
        key = _ahead_key(period, causes)
        if period.is_occurrence or key in self._ahead or key in self._ahead_running:
            return
        self._ahead_running.add(key)
        generation = self._generation
        roster = self.roster

        def work() -> tuple[int, AheadKey, PreparedBoard]:
            rows = roster.board_rows(period.start, period.end, cause_ids=causes)
            return generation, key, prepare_board(rows)

        self.context.worker.submit(work, on_done=self._ahead_done, on_error=self._ahead_failed)

    def forget_ahead(self) -> None:
        """Drop the weeks read ahead (the data changed); readings still running are ignored."""
        self._generation += 1
        self._ahead.clear()
        self._ahead_running.clear()
        wanted, self._ahead_wanted = self._ahead_wanted, None
        if wanted is not None and wanted[1] == self._board_request:
            # Someone is waiting for a week whose reading no longer counts: read it afresh.
            self._read(wanted[1], *_from_key(wanted[0]))

    @property
    def ahead(self) -> list[Period]:
        """The periods read ahead and ready to show."""
        return [period for period, _ in self._ahead]

    def _ahead_done(self, result: tuple[int, AheadKey, PreparedBoard]) -> None:
        generation, key, board = result
        if generation != self._generation:
            return
        self._ahead_running.discard(key)
        wanted = self._ahead_wanted
        if wanted is not None and wanted[0] == key:
            self._ahead_wanted = None
            period, causes = _from_key(key)
            self._rows_done((wanted[1], board, period.start, period.end, causes))
            return
        while len(self._ahead) >= KEEP_AHEAD:
            del self._ahead[next(iter(self._ahead))]  # the oldest
        self._ahead[key] = board

    def _ahead_failed(self, error: Exception) -> None:
        self._ahead_running.clear()
        wanted, self._ahead_wanted = self._ahead_wanted, None
        if wanted is not None and wanted[1] == self._board_request:
            self._read(wanted[1], *_from_key(wanted[0]))
        elif isinstance(error, OrganizerError):
            return  # reading ahead is a guess; the coordinator asked for nothing yet
        else:
            raise error

    def _rows_done(self, result: _Rows) -> None:
        if result[0] != self._board_request:
            return
        request, board, start, end, causes = result
        self._pending_check = (request, board.shifts, start, end, causes)
        self.loading_changed.emit(False)
        self.checking_changed.emit(bool(board.shifts))
        self.board_loaded.emit(board)

    def _rows_failed(self, error: Exception) -> None:
        self._first_part = None
        self.loading_changed.emit(False)
        self.report(error)

    def check_clashes(self) -> None:
        """Start the clash check of the board last loaded (once; answers ``clashes_loaded``).

        Called by whoever shows the board once its rows are on screen, so the check (pure
        Python, a second or so on a big week) does not compete with laying the rows out.
        Called while the rest of a week is still being read, it starts once that is in.
        """
        if self._first_part is not None:
            self._check_when_read = True
            self.read_rest()
            return
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

        self.context.submit_edit(work, on_done=done, on_error=failed)

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

        self.context.submit_edit(change_to(status), on_done=done, on_error=self.report)

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

        self.context.submit_edit(placement.take_off, on_done=done, on_error=self.report)

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
