"""Office subcommands: sharing one organisation's data between coordinators.

``move-data --to URL`` moves an Organizer file to a PostgreSQL server.  Each subcommand has
its own adder in :data:`ADDERS`; :func:`add_commands` runs them all.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO

from organizer.commands import EXIT_OK, Handler, open_existing, progress_printer

if TYPE_CHECKING:
    SubParsers = argparse._SubParsersAction[Any]
    Adder = Callable[[SubParsers, argparse.ArgumentParser], dict[str, Handler]]


def _add_move_data(commands: SubParsers, common: argparse.ArgumentParser) -> dict[str, Handler]:
    move = commands.add_parser(
        "move-data",
        parents=[common],
        help="copy this Organizer file into an empty PostgreSQL database, then point the "
        "file at it",
    )
    move.add_argument(
        "--to",
        required=True,
        metavar="URL",
        help="the empty database, e.g. postgresql+psycopg://user:password@host:5432/name",
    )
    return {"move-data": _move_data}


def _move_data(args: argparse.Namespace, db_target: str | None, out: TextIO) -> int:
    from organizer.storage.moving import move_data

    source = open_existing(db_target)
    try:
        summary = move_data(source, args.to, progress=progress_printer())
    finally:
        source.close()
    print(
        f"Moved {summary.total_rows} records in {len(summary.counts)} tables from "
        f"{source.display_name} to {summary.target}; counts and checksums match. "
        "Open the server from now on; the file now says where its data went.",
        file=out,
    )
    return EXIT_OK


ADDERS: tuple[Adder, ...] = (_add_move_data,)
"""One function per office subcommand; each adds its parser and returns its handler."""


def add_commands(commands: SubParsers, common: argparse.ArgumentParser) -> dict[str, Handler]:
    """Add the office subcommands; return their handlers by name."""
    handlers: dict[str, Handler] = {}
    for adder in ADDERS:
        handlers.update(adder(commands, common))
    return handlers
