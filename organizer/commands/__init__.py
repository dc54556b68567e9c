"""Subcommands of the ``organizer`` command line, one module per feature.

Each module listed in :data:`FEATURE_MODULES` has ``add_commands(commands, common)``, which
adds its subparsers and returns their handlers by name.  Modules import their heavy
dependencies inside the handlers, so ``organizer --help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, TextIO

from organizer.errors import DatabaseMissingError
from organizer.paths import chosen_database
from organizer.storage import Database, create_database, open_database

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

Handler = Callable[[argparse.Namespace, str | None, TextIO], int]
"""A subcommand: parsed arguments, the ``--db`` target (or None), where to print; exit code."""

FEATURE_MODULES = (
    "organizer.commands.calendars",
    "organizer.commands.publishing",
    "organizer.commands.people",
    "organizer.commands.scheduling",
    "organizer.commands.reports",
    "organizer.commands.office",
)
"""Modules adding subcommands; a module not written yet is skipped."""


class CommandModule(Protocol):
    """What a feature module offers the command line."""

    def add_commands(
        self, commands: argparse._SubParsersAction[Any], common: argparse.ArgumentParser
    ) -> dict[str, Handler]:
        """Add this feature's subparsers to ``commands``; return their handlers by name."""


def feature_commands(
    commands: argparse._SubParsersAction[Any], common: argparse.ArgumentParser
) -> dict[str, Handler]:
    """Add every feature module's subcommands; return all their handlers."""
    handlers: dict[str, Handler] = {}
    for name in FEATURE_MODULES:
        try:
            module: CommandModule = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
            continue
        handlers.update(module.add_commands(commands, common))
    return handlers


def open_existing(target: str | None, *, create_default: bool = False) -> Database:
    """Open the chosen database; only the default one is created when missing."""
    location, is_default = chosen_database(target)
    if is_default and create_default and not Path(location).exists():
        Path(location).parent.mkdir(parents=True, exist_ok=True)
        return create_database(location)
    if is_default and not Path(location).exists():
        raise DatabaseMissingError(
            f"You have no Organizer file yet ({location}). Open the app once, or pass --db."
        )
    return open_database(location)


def progress_printer() -> Callable[[str, float], None] | None:
    """A progress callback that redraws one line on a terminal (None when not a terminal)."""
    if not sys.stderr.isatty():
        return None

    def report(stage: str, fraction: float) -> None:
        print(f"\r{stage:<40} {fraction:4.0%}", end="", file=sys.stderr, flush=True)
        if fraction >= 1:
            print(file=sys.stderr)

    return report
