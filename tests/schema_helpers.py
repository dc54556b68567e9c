"""Files as released versions of Organizer left them, for the tests that upgrade them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from organizer.storage.sqlite import APPLICATION_ID

DATA = Path(__file__).parent / "data"


def schema_1_file(target: Path) -> sqlite3.Connection:
    """A file at ``target`` with the first released schema and its sample data.

    Returns a plain connection to it, for the test to change the data further (and
    commit and close) before Organizer opens the file.
    """
    raw = sqlite3.connect(target)
    raw.executescript((DATA / "schema-1.sql").read_text(encoding="utf-8"))
    raw.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    return raw
