"""The background worker, the change hub and undoable edits."""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from functools import partial

import pytest
import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from organizer.changes import DataChange
from organizer.errors import ConflictError, DomainError, OrganizerError, UndoRefusedError
from organizer.models.ids import CauseId
from organizer.services import CauseDraft, Services
from organizer.storage import Database
from organizer.ui.context import ViewContext
from organizer.ui.hub import ChangeHub
from organizer.ui.undo import BackgroundCommand, EditCommand, push_done
from organizer.ui.undo_stack import UndoStack
from organizer.ui.worker import Worker, submit_owned
from tests.ui_helpers import view_context


def test_work_runs_off_the_gui_thread_and_reports_on_it(qtbot: QtBot) -> None:
    worker = Worker()
    gui_thread = threading.get_ident()
    seen: dict[str, object] = {}

    def work(progress: Callable[[str, float], None]) -> int:
        seen["work_thread"] = threading.get_ident()
        progress("halfway", 0.5)
        return 42

    def done(result: object) -> None:
        seen["result"] = result
        seen["done_thread"] = threading.get_ident()

    steps: list[tuple[str, float]] = []
    with qtbot.waitSignal(worker.busy_changed, check_params_cb=lambda busy: not busy):
        signals = worker.submit(work, on_done=done, on_progress=lambda s, f: steps.append((s, f)))
        assert worker.busy
    assert seen["result"] == 42
    assert seen["work_thread"] != gui_thread
    assert seen["done_thread"] == gui_thread
    assert steps == [("halfway", 0.5)]
    assert not worker.busy
    del signals


def test_progress_is_passed_to_whatever_kind_of_work_takes_it(qtbot: QtBot) -> None:
    worker = Worker()
    steps: list[str] = []

    class Job:
        def run(self, progress: Callable[[str, float], None]) -> str:
            progress("method", 1.0)
            return "method"

    def keyword_only(*, progress: Callable[[str, float], None]) -> str:
        progress("keyword", 1.0)
        return "keyword"

    def with_argument(label: str, progress: Callable[[str, float], None]) -> str:
        progress(label, 1.0)
        return label

    def plain() -> str:
        return "plain"

    jobs: list[Callable[..., str]] = [
        Job().run,
        keyword_only,
        partial(with_argument, "partial"),
        lambda progress: (progress("lambda", 1.0), "lambda")[1],
        plain,
        lambda: "no progress",
        partial(with_argument, "own progress", lambda *_: None),  # progress already given
        partial(keyword_only, progress=lambda *_: None),
    ]
    results: list[str] = []
    for job in jobs * 2:  # the second time round, what was learnt about each is reused
        signals = worker.submit(
            job, on_done=results.append, on_progress=lambda stage, _: steps.append(stage)
        )
        with qtbot.waitSignal(signals.finished):
            pass
    expected = [
        *("method", "keyword", "partial", "lambda", "plain", "no progress"),
        *("own progress", "keyword"),
    ] * 2
    assert results == expected
    assert steps == ["method", "keyword", "partial", "lambda"] * 2


def test_errors_come_back_to_the_error_callback(qtbot: QtBot) -> None:
    worker = Worker()
    errors: list[Exception] = []

    def fail() -> None:
        raise ConflictError("cause", 1, "Priya", None, 2)

    signals = worker.submit(fail, on_error=errors.append)
    with qtbot.waitSignal(signals.finished):
        pass
    assert len(errors) == 1
    assert isinstance(errors[0], ConflictError)
    assert "Priya" in str(errors[0])


def test_answers_reach_a_window_only_while_it_is_open(qtbot: QtBot) -> None:
    """A window closed while its job ran is not touched by the answer; a bug is still
    reported (to the crash handler), a refusal it can no longer show is let go."""
    worker = Worker()
    told: list[object] = []

    def after_closing(work: Callable[[], object]) -> None:
        gate = threading.Event()
        window = QWidget()

        def held() -> object:
            gate.wait(5)
            return work()

        signals = submit_owned(worker, window, held, on_done=told.append, on_error=told.append)
        shiboken6.delete(window)
        gate.set()
        with qtbot.waitSignal(signals.finished):
            pass

    def bug() -> None:
        raise KeyError("a bug")

    def refused() -> None:
        raise DomainError("Refused")

    after_closing(lambda: "rows")
    with qtbot.captureExceptions() as caught:
        after_closing(refused)
    assert told == [] and caught == []
    with qtbot.captureExceptions() as caught:
        after_closing(bug)
    assert told == []
    assert [type(error) for _, error, _ in caught] == [KeyError]


def test_a_window_may_leave_its_bugs_to_the_crash_handler(qtbot: QtBot) -> None:
    """``bugs_to_owner`` off: a refusal is the window's to show, a bug the crash dialog's."""
    worker = Worker()
    window = QWidget()
    told: list[Exception] = []

    def bug() -> None:
        raise KeyError("a bug")

    def refused() -> None:
        raise DomainError("Refused")

    with qtbot.captureExceptions() as caught:
        for work in (refused, bug):
            signals = submit_owned(
                worker, window, work, on_done=told.append, on_error=told.append, bugs_to_owner=False
            )
            with qtbot.waitSignal(signals.finished):
                pass
    assert [type(error) for error in told] == [DomainError]
    assert [type(error) for _, error, _ in caught] == [KeyError]


def test_jobs_run_in_the_order_they_were_given(qtbot: QtBot) -> None:
    worker = Worker()
    order: list[int] = []
    last = None
    for number in range(5):
        last = worker.submit(lambda n=number: n, on_done=order.append)
    assert last is not None
    with qtbot.waitSignal(last.finished):
        pass
    assert order == [0, 1, 2, 3, 4]


def test_undo_and_redo_go_through_the_services(qtbot: QtBot, db: Database) -> None:
    services = Services.for_database(db, "Sam")
    hub = ChangeHub()
    stack = UndoStack()
    heard: list[DataChange] = []
    hub.changed.connect(heard.append)

    cause = services.causes.create(CauseDraft(name="Food bank"))
    state = {"version": cause.version}

    def rename(name: str) -> Callable[[], None]:
        def run() -> None:
            updated = services.causes.update(cause.id, state["version"], CauseDraft(name=name))
            state["version"] = updated.version

        return run

    rename("Food bank (north)")()
    refused: list[OrganizerError] = []
    push_done(
        stack,
        EditCommand(
            "Rename cause",
            rename("Food bank (north)"),
            rename("Food bank"),
            DataChange.of("Sam", cause=cause.id),
            hub,
            on_error=refused.append,
        ),
    )
    assert stack.undoText() == "Rename cause"
    assert len(heard) == 1 and heard[0].touches("cause")
    stack.undo()
    assert services.causes.get(cause.id).name == "Food bank"
    stack.redo()
    assert services.causes.get(cause.id).name == "Food bank (north)"
    assert len(heard) == 3 and refused == []


def test_an_undo_that_conflicts_is_reported_and_dropped(qtbot: QtBot, db: Database) -> None:
    mine = Services.for_database(db, "Sam")
    theirs = Services.for_database(db, "Priya")
    hub = ChangeHub()
    stack = UndoStack()
    cause = mine.causes.create(CauseDraft(name="Walk and talk"))
    renamed = mine.causes.update(cause.id, cause.version, CauseDraft(name="Walk & talk"))
    reported: list[OrganizerError] = []

    def rename_back() -> None:
        mine.causes.update(cause.id, renamed.version, CauseDraft(name="Walk and talk"))

    command = EditCommand(
        "Rename cause",
        lambda: None,
        rename_back,
        DataChange.of("Sam", cause=cause.id),
        hub,
        on_error=reported.append,
    )
    push_done(stack, command)
    theirs.causes.update(cause.id, renamed.version, CauseDraft(name="Walking group"))
    stack.undo()
    assert isinstance(command.last_error, ConflictError)
    [told] = reported
    assert isinstance(told, UndoRefusedError) and told.reason is command.last_error
    # Told as an undo refused, not as a save ("Reload it … before saving again").
    assert str(told).startswith("Could not undo Rename cause: Priya changed this cause at ")
    assert str(told).endswith(
        ", after that. Undoing it would overwrite their change, so nothing was changed."
    )
    assert mine.causes.get(cause.id).name == "Walking group"
    assert stack.count() == 0


def test_data_change_helpers() -> None:
    change = DataChange.of("Sam", "shift", event=4)
    assert change.touches("event") and change.touches("shift")
    assert not change.touches("volunteer")
    assert change.ids == {"event": frozenset({4})}
    assert DataChange.everything("Sam").touches("volunteer")


def test_emitting_signals_does_not_corrupt_python(qtbot: QtBot) -> None:
    """PySide6 6.12.0 dropped a reference to True on each emit until Python aborted."""
    hub = ChangeHub()
    change = DataChange.of("Sam", "cause")
    before = sys.getrefcount(True)
    for _ in range(500):
        hub.changed.emit(change)
        hub.destroyed.emit()
    # The bug lost one reference per emit (1,000 here); allow for unrelated small drift.
    assert abs(sys.getrefcount(True) - before) < 20


def test_a_closed_worker_runs_what_was_queued_and_takes_nothing_more(qtbot: QtBot) -> None:
    worker = Worker()
    ran: list[str] = []
    release = threading.Event()

    def first() -> None:
        release.wait(10)
        ran.append("queued before")

    worker.submit(first)
    release.set()
    assert worker.close()
    assert ran == ["queued before"]
    late = worker.submit(lambda: ran.append("after"), on_done=lambda _: ran.append("reported"))
    with qtbot.assertNotEmitted(late.finished, wait=50):
        pass
    assert ran == ["queued before"]


def test_running_until_idle_lets_a_job_wait_for_the_gui_thread(qtbot: QtBot) -> None:
    """A job that waits for an answer from the GUI thread finishes: results and progress are
    still delivered while the worker is waited for."""
    worker = Worker()
    answered = threading.Event()
    done: list[bool] = []

    def job(progress: Callable[[str, float], None]) -> bool:
        progress("asking", 0.0)
        return answered.wait(5)

    worker.submit(job, on_progress=lambda *_: answered.set(), on_done=done.append)
    worker.run_until_idle()
    assert not worker.busy
    assert done == [True]


class TwoRenames:
    """Two causes renamed, each an undoable step: the first on the GUI thread, the second
    (as a series' move would be) on the worker."""

    def __init__(self, qtbot: QtBot, db: Database) -> None:
        self.mine = Services.for_database(db, "Sam")
        self.theirs = Services.for_database(db, "Priya")
        self.context = view_context(self.mine)
        self.stack = self.context.undo_stack
        self.reported: list[OrganizerError] = []
        causes = self.mine.causes
        bank = causes.create(CauseDraft(name="Food bank"))
        garden = causes.create(CauseDraft(name="Garden"))
        self.bank, self.garden = bank.id, garden.id
        bank = causes.update(bank.id, bank.version, CauseDraft(name="Food bank north"))
        self.bank_version = bank.version
        garden = causes.update(garden.id, garden.version, CauseDraft(name="Allotment"))
        self.garden_version = garden.version
        hub, report = self.context.hub, self.reported.append
        push_done(
            self.stack,
            EditCommand(
                "Rename Food bank",
                lambda: None,
                partial(self._rename_back, self.bank, "Food bank"),
                DataChange.of("Sam", cause=self.bank),
                hub,
                on_error=report,
            ),
        )
        push_done(
            self.stack,
            BackgroundCommand(
                "Rename Garden",
                self.context,
                lambda: None,
                partial(self._rename_back, self.garden, "Garden"),
                DataChange.of("Sam", cause=self.garden),
                on_error=report,
            ),
        )
        self.host = QWidget()
        qtbot.addWidget(self.host)
        self.undo_action = self.stack.undo_action(self.host, "&Undo")

    def _rename_back(self, cause_id: CauseId, name: str) -> None:
        version = self.bank_version if cause_id == self.bank else self.garden_version
        self.mine.causes.update(cause_id, version, CauseDraft(name=name))

    def names(self) -> tuple[str, str]:
        get = self.mine.causes.get
        return get(self.bank).name, get(self.garden).name


def test_ctrl_z_pressed_twice_undoes_both_steps_in_turn(qtbot: QtBot, db: Database) -> None:
    steps = TwoRenames(qtbot, db)
    steps.undo_action.trigger()
    assert steps.stack.busy  # the garden's rename is being undone on the worker
    steps.undo_action.trigger()  # at once: it waits for that step
    # (The garden's may already be undone on the worker; the food bank's waits its turn.)
    assert steps.names()[0] == "Food bank north"
    qtbot.waitUntil(lambda: steps.stack.index() == 0 and not steps.stack.busy)
    assert steps.names() == ("Food bank", "Garden")
    assert steps.reported == []
    assert steps.undo_action.text() == "&Undo" and not steps.undo_action.isEnabled()


def test_a_second_ctrl_z_is_dropped_when_the_first_is_refused(qtbot: QtBot, db: Database) -> None:
    steps = TwoRenames(qtbot, db)
    # Priya renames the garden after Sam did: undoing Sam's rename would overwrite hers.
    steps.theirs.causes.update(steps.garden, steps.garden_version, CauseDraft(name="Plots"))
    steps.undo_action.trigger()
    steps.undo_action.trigger()
    qtbot.waitUntil(lambda: bool(steps.reported))
    [told] = steps.reported
    assert str(told).startswith("Could not undo Rename Garden: Priya changed this cause")
    # The second press counted on the first: the food bank keeps its new name, and the
    # stack still says both steps are done, as they are.
    assert not steps.stack.busy
    assert steps.names() == ("Food bank north", "Plots")
    assert steps.stack.index() == 2 and steps.stack.undoText() == "Rename Garden"
    assert steps.undo_action.text() == "&Undo Rename Garden"


def test_an_edit_made_while_a_step_runs_goes_on_the_stack_after_it(
    qtbot: QtBot, db: Database
) -> None:
    steps = TwoRenames(qtbot, db)
    steps.theirs.causes.update(steps.garden, steps.garden_version, CauseDraft(name="Plots"))
    steps.undo_action.trigger()
    walk = steps.mine.causes.create(CauseDraft(name="Walk and talk"))
    made = EditCommand(
        "Add Walk and talk",
        lambda: None,
        lambda: steps.mine.causes.delete(walk.id, walk.version),
        DataChange.of("Sam", cause=walk.id),
        steps.context.hub,
        on_error=steps.reported.append,
    )
    push_done(steps.stack, made)
    qtbot.waitUntil(lambda: bool(steps.reported) and not steps.stack.busy)
    # The refused step is put back under the new edit rather than thrown away with it.
    assert steps.stack.count() == 3 and steps.stack.index() == 3
    assert steps.stack.command(1).text() == "Rename Garden"
    assert steps.stack.command(2) is made


@pytest.mark.parametrize("refused", [False, True])
def test_a_step_ending_after_its_window_closed_is_let_go(
    qtbot: QtBot, db: Database, refused: bool, caplog: pytest.LogCaptureFixture
) -> None:
    services = Services.for_database(db, "Sam")
    window = QWidget()
    context = ViewContext(services, Worker(), UndoStack(window), ChangeHub(window))
    cause = services.causes.create(CauseDraft(name="Food bank"))
    renamed = services.causes.update(cause.id, cause.version, CauseDraft(name="Food bank north"))
    expected = renamed.version + 1 if refused else renamed.version  # a stale one is refused
    told: list[OrganizerError] = []
    command = BackgroundCommand(
        "Rename Food bank",
        context,
        lambda: None,
        lambda: services.causes.update(cause.id, expected, CauseDraft(name="Food bank")),
        DataChange.of("Sam", cause=cause.id),
        on_error=told.append,
    )
    push_done(context.undo_stack, command)
    context.undo_stack.request_undo()
    context.worker.close()  # as the window closes: the step still ends
    window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert not shiboken6.isValid(context.undo_stack)
    # The step's answer arrives now: with nobody to tell, it is let go (no error raised).
    with caplog.at_level(logging.WARNING, logger="organizer.ui.undo"):
        qtbot.waitUntil(lambda: not command.running)
    assert told == []
    assert services.causes.get(cause.id).name == ("Food bank north" if refused else "Food bank")
    # A refusal is still kept in the log, where a coordinator's helper can find it.
    logged = [record.getMessage() for record in caplog.records]
    if refused:
        assert len(logged) == 1 and "Could not undo Rename Food bank" in logged[0]
    else:
        assert logged == []


def test_ctrl_z_pressed_while_an_edit_is_being_made_undoes_that_edit(
    qtbot: QtBot, db: Database
) -> None:
    services = Services.for_database(db, "Sam")
    context = view_context(services)
    stack, hub = context.undo_stack, context.hub
    reported: list[OrganizerError] = []
    bank = services.causes.create(CauseDraft(name="Food bank"))
    garden = services.causes.create(CauseDraft(name="Garden"))

    def rename(cause_id: CauseId, name: str, versions: dict[str, int]) -> None:
        changed = services.causes.update(cause_id, versions["now"], CauseDraft(name=name))
        versions["now"] = changed.version

    def renamed(text: str, cause_id: CauseId, old: str, versions: dict[str, int]) -> None:
        """Put the rename just made on the stack; its undo names the cause ``old`` again."""
        back = partial(rename, cause_id, old, versions)
        change = DataChange.of("Sam", cause=cause_id)
        push_done(stack, EditCommand(text, lambda: None, back, change, hub, on_error=report))

    report = reported.append
    banked = {"now": bank.version}
    rename(bank.id, "Food bank north", banked)
    renamed("Rename Food bank", bank.id, "Food bank", banked)
    # The garden's rename is made on the worker, as the pages make their edits, and goes on
    # the stack once made; the worker is still at it when Ctrl+Z is pressed.
    gardened = {"now": garden.version}
    release = threading.Event()

    def made(_: object) -> None:
        renamed("Rename Garden", garden.id, "Garden", gardened)

    def make() -> None:
        release.wait(10)
        rename(garden.id, "Allotment", gardened)

    context.worker.submit(make, on_done=made)
    host = QWidget()
    qtbot.addWidget(host)
    undo_action = stack.undo_action(host, "&Undo")
    undo_action.trigger()
    assert stack.busy and stack.step_text == "Finishing the work under way before undoing…"
    assert services.causes.get(bank.id).name == "Food bank north"  # not undone instead
    release.set()
    qtbot.waitUntil(lambda: stack.index() == 1 and not stack.busy)
    assert services.causes.get(garden.id).name == "Garden"
    assert services.causes.get(bank.id).name == "Food bank north"
    assert stack.undoText() == "Rename Food bank" and reported == []


def test_ctrl_z_pressed_for_an_edit_that_changes_nothing_undoes_nothing(
    qtbot: QtBot, db: Database
) -> None:
    steps = TwoRenames(qtbot, db)
    release = threading.Event()
    answered: list[object] = []
    # As flagging spam sign-ups does when it finds none: the job ends with no edit to push.
    steps.context.submit_edit(lambda: release.wait(10), on_done=answered.append)
    steps.undo_action.trigger()  # meant for the edit under way
    release.set()
    qtbot.waitUntil(lambda: bool(answered) and not steps.stack.busy)
    assert steps.names() == ("Food bank north", "Allotment"), "the step before stays done"
    assert steps.stack.index() == 2 and steps.reported == []
    # Another Ctrl+Z, once nothing is under way, undoes the last step as ever.
    steps.undo_action.trigger()
    qtbot.waitUntil(lambda: steps.stack.index() == 1 and not steps.stack.busy)
    assert steps.names() == ("Food bank north", "Garden")


class FirstRename:
    """The session's first edit, a cause's rename, made on the worker as pages make theirs.

    It waits for ``release`` (or is refused then, with ``refuse``); once made, it goes on
    the stack, whose undo names the cause "Garden" again.
    """

    def __init__(self, qtbot: QtBot, db: Database, *, refuse: bool = False) -> None:
        self.services = Services.for_database(db, "Sam")
        self.context = view_context(self.services)
        self.stack = self.context.undo_stack
        self.garden = self.services.causes.create(CauseDraft(name="Garden")).id
        self.version = self.services.causes.get(self.garden).version
        self.release = threading.Event()
        self.refuse = refuse
        self.refused: list[Exception] = []
        self.host = QWidget()
        qtbot.addWidget(self.host)
        self.undo_action = self.stack.undo_action(self.host, "&Undo")

    def start(self) -> None:
        self.context.submit_edit(self._make, on_done=self._made, on_error=self.refused.append)

    def _rename(self, name: str) -> None:
        self.version = self.services.causes.update(
            self.garden, self.version, CauseDraft(name=name)
        ).version

    def _make(self) -> None:
        self.release.wait(10)
        if self.refuse:
            raise DomainError("Another cause is called that.")
        self._rename("Allotment")

    def _made(self, _: object) -> None:
        change = DataChange.of("Sam", cause=self.garden)
        back = partial(self._rename, "Garden")
        hub = self.context.hub
        command = EditCommand(
            "Rename Garden", lambda: None, back, change, hub, on_error=self.refused.append
        )
        push_done(self.stack, command)

    def name(self) -> str:
        return self.services.causes.get(self.garden).name


def test_ctrl_z_pressed_during_the_first_edit_undoes_it_once_made(
    qtbot: QtBot, db: Database
) -> None:
    rename = FirstRename(qtbot, db)
    assert not rename.undo_action.isEnabled(), "nothing done yet"
    rename.start()
    # Nothing is on the stack yet, but Undo is on: Ctrl+Z is meant for the edit under way.
    assert rename.stack.count() == 0
    assert rename.undo_action.isEnabled() and rename.undo_action.text() == "&Undo"
    rename.undo_action.trigger()
    assert rename.stack.step_text == "Finishing the work under way before undoing…"
    rename.release.set()
    qtbot.waitUntil(lambda: rename.stack.canRedo() and not rename.stack.busy)
    assert rename.name() == "Garden"
    assert rename.stack.redoText() == "Rename Garden"
    assert not rename.undo_action.isEnabled(), "nothing left to undo"


def test_undo_is_off_again_when_the_first_edit_is_refused(qtbot: QtBot, db: Database) -> None:
    rename = FirstRename(qtbot, db, refuse=True)
    rename.start()
    assert rename.undo_action.isEnabled()
    rename.undo_action.trigger()
    with qtbot.waitSignal(rename.undo_action.changed):
        rename.release.set()
    qtbot.waitUntil(lambda: bool(rename.refused) and not rename.stack.busy)
    assert not rename.undo_action.isEnabled()
    assert rename.stack.count() == 0 and rename.name() == "Garden"


def test_ctrl_z_pressed_for_an_edit_that_is_then_refused_undoes_nothing(
    qtbot: QtBot, db: Database
) -> None:
    steps = TwoRenames(qtbot, db)
    refused: list[Exception] = []
    release = threading.Event()

    def rename_taken() -> None:
        release.wait(10)
        raise DomainError("Another cause is called that.")  # as a service refuses an edit

    steps.context.worker.submit(rename_taken, on_error=refused.append)
    steps.undo_action.trigger()  # meant for the edit under way
    release.set()
    qtbot.waitUntil(lambda: bool(refused) and not steps.stack.busy)
    # The coordinator was told why the edit failed; the step before it stays as it was.
    assert isinstance(refused[0], OrganizerError)
    assert steps.names() == ("Food bank north", "Allotment")
    assert steps.stack.index() == 2 and steps.reported == []
