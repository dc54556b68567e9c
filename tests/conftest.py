"""Shared fixtures: every test gets its own user folders and a fresh database file."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

# Qt must be told before any QApplication exists.
os.environ["QT_QPA_PLATFORM"] = "offscreen"

import pytest
from hypothesis import HealthCheck, settings

from organizer.storage import Database, create_database

settings.register_profile(
    "organizer",
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.load_profile("organizer")


@pytest.fixture(autouse=True)
def isolated_user_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Point the per-user data, config, state and cache folders at a temporary place."""
    home = tmp_path_factory.mktemp("home")
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        folder = home / name.lower()
        folder.mkdir()
        monkeypatch.setenv(name, str(folder))
    monkeypatch.delenv("ORGANIZER_DB", raising=False)
    return home


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A path for a database file that does not exist yet."""
    return tmp_path / "test.organizer"


@pytest.fixture
def db(db_path: Path) -> Iterator[Database]:
    """A fresh, empty Organizer database file."""
    database = create_database(db_path)
    yield database
    database.close()
