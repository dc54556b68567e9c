"""Counting which events' own values the calendar's reads ask the file for."""

from __future__ import annotations

import json
from typing import Any

import pytest

from organizer.services import events as events_module
from organizer.services.driver_rows import sqlite_rows


def count_event_reads(monkeypatch: pytest.MonkeyPatch) -> list[set[int]]:
    """From now on, each read of events' values adds the ids it asks for to the list."""
    asked: list[set[int]] = []

    def counted(connection: Any, statement: str, parameters: Any) -> Any:
        if statement is events_module._SQLITE_EVENTS:
            asked.append(set(json.loads(parameters["events"])))
        return sqlite_rows(connection, statement, parameters)

    monkeypatch.setattr(events_module, "sqlite_rows", counted)
    return asked
