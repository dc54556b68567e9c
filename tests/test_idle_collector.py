"""Full garbage collections wait until the worker is idle, instead of striking mid-work."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from organizer.ui.memory import RARE_FULL, IdleCollector
from organizer.ui.worker import Worker


@pytest.fixture
def full_collections() -> Iterator[list[int]]:
    """The generation of every collection Python runs while the test does (2 is a full one)."""
    seen: list[int] = []

    def note(phase: str, info: dict[str, Any]) -> None:
        if phase == "stop":
            seen.append(info["generation"])

    before = gc.get_threshold()
    gc.callbacks.append(note)
    yield seen
    gc.callbacks.remove(note)
    gc.unfreeze()
    gc.set_threshold(*before)


def test_a_full_collection_runs_once_the_worker_has_been_idle(
    qtbot: QtBot, full_collections: list[int]
) -> None:
    worker = Worker()
    collector = IdleCollector(worker, idle_ms=30)
    release = threading.Event()
    with qtbot.waitSignal(worker.busy_changed):
        worker.submit(lambda: release.wait(10))
    assert worker.busy and not collector.timer.isActive(), "nothing is collected mid-work"
    full_collections.clear()
    frozen = gc.get_freeze_count()
    with qtbot.waitSignal(worker.busy_changed):
        release.set()
    qtbot.waitUntil(lambda: 2 in full_collections, timeout=5_000)
    assert gc.get_freeze_count() > frozen, "what lives from start-up on is set aside"
    collector.stop()
    assert worker.wait()


def test_automatic_full_collections_are_rare_until_stopped(full_collections: list[int]) -> None:
    before = gc.get_threshold()
    collector = IdleCollector(Worker())
    assert gc.get_threshold() == (*before[:2], RARE_FULL)
    collector.stop()
    assert gc.get_threshold() == before
    assert not collector.timer.isActive()


def test_an_idle_collection_is_skipped_when_little_was_made_since_the_last(
    full_collections: list[int],
) -> None:
    collector = IdleCollector(Worker())
    collector.collect()  # the first one always runs (and freezes what is alive)
    full_collections.clear()
    assert collector.collect() == 0, "nothing was made since"
    assert 2 not in full_collections
    collector.stop()


def test_what_start_up_made_is_set_aside_without_collecting(
    full_collections: list[int],
) -> None:
    collector = IdleCollector(Worker())
    gc.unfreeze()
    kept = [[index] for index in range(1_000)]  # long-lived objects, as start-up makes
    collector.set_aside()
    assert gc.get_freeze_count() >= len(kept)
    assert 2 not in full_collections, "setting aside is instant: nothing is walked"
    collector.stop()
