"""Where Organizer keeps its files by default, and how the database is chosen."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_path, user_log_path

from organizer import APP_NAME

DB_ENV_VAR = "ORGANIZER_DB"
FILE_SUFFIX = ".organizer"
"""The file name ending of Organizer databases."""
DEFAULT_DB_NAME = "organizer.organizer"


def data_dir() -> Path:
    """The per-user folder for Organizer's own data."""
    return user_data_path(APP_NAME, appauthor=False)


def log_dir() -> Path:
    """The per-user folder for log files."""
    return user_log_path(APP_NAME, appauthor=False)


def default_database_path() -> Path:
    """The database used when neither ``--db`` nor ``ORGANIZER_DB`` names one."""
    return data_dir() / DEFAULT_DB_NAME


def chosen_database(explicit: str | None) -> tuple[str, bool]:
    """The database to open and whether it is the default one.

    ``--db`` wins over ``ORGANIZER_DB``, which wins over the default path.  Only the default
    may be created when missing: a missing explicit path is probably a disconnected share.
    """
    if explicit:
        return explicit, False
    from_env = os.environ.get(DB_ENV_VAR, "").strip()
    if from_env:
        return from_env, False
    return str(default_database_path()), True
