"""The ``organizer`` command line.

With no subcommand it opens the desktop app.  Every subcommand prints a one-line message and
exits non-zero on bad input, instead of a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import NoReturn, TextIO

from organizer import __version__
from organizer.commands import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    Handler,
    feature_commands,
    open_existing,
    progress_printer,
)
from organizer.errors import DatabaseMissingError, DomainError, OrganizerError
from organizer.paths import chosen_database
from organizer.services.occurrences import index_problems
from organizer.storage import (
    Database,
    backup_to,
    create_database,
    integrity_problems,
    open_database,
    schema_problems,
    table_counts,
)


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, not a usage dump."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see '{self.prog} --help')\n")


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text}” is not a real date (use YYYY-MM-DD)") from None


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text}” is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return value


SCREENSHOT_VIEWS = ("home", "calendar", "events", "volunteers", "roster", "places", "reports")


def _size(text: str) -> tuple[int, int]:
    width, _, height = text.lower().partition("x")
    if not (width.isdigit() and height.isdigit()) or not (320 <= int(width) <= 4000):
        raise argparse.ArgumentTypeError(f"“{text}” is not a size like 1280x800")
    return int(width), int(height)


def build_parser() -> argparse.ArgumentParser:
    """The parser for every subcommand (also used to document them)."""
    db_help = "database file or URL (default: ORGANIZER_DB, else your own Organizer file)"
    common = _Parser(add_help=False)
    common.add_argument("--db", default=argparse.SUPPRESS, metavar="PATH|URL", help=db_help)

    parser = _Parser(
        prog="organizer",
        description="Plan events, volunteer rosters and calendar invitations. "
        "Run without a command to open the app.",
    )
    parser.add_argument("--db", default=None, metavar="PATH|URL", help=db_help)
    parser.add_argument(
        "--read-only", action="store_true", help="open the app without changing anything"
    )
    parser.add_argument("--version", action="version", version=f"Organizer {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    new = commands.add_parser("new", parents=[common], help="create a new, empty database file")
    new.add_argument("path", type=Path, help="where to create it")

    demo = commands.add_parser(
        "demo", parents=[common], help="write a realistic sample data set into a new database"
    )
    demo.add_argument("--scale", choices=["small", "large"], default="small")
    demo.add_argument("--seed", type=_positive, default=1, help="same seed, same data")
    demo.add_argument(
        "--start", type=_iso_date, default=None, help="anchor week (default: this week)"
    )
    demo.add_argument(
        "--replace", action="store_true", help="delete an existing file at --db first"
    )

    commands.add_parser("info", parents=[common], help="describe a database")
    commands.add_parser("check", parents=[common], help="run a full integrity and schema check")

    backup = commands.add_parser("backup", parents=[common], help="write a consistent copy")
    backup.add_argument("-o", "--output", type=Path, required=True, metavar="FILE")

    export = commands.add_parser(
        "export-json", parents=[common], help="write the whole database as JSON"
    )
    export.add_argument("-o", "--output", required=True, metavar="FILE", help="a file, or -")

    shot = commands.add_parser(
        "screenshot", parents=[common], help="render one view of the app to a PNG, offscreen"
    )
    shot.add_argument("--view", choices=SCREENSHOT_VIEWS, default="home")
    shot.add_argument("--out", type=Path, required=True, metavar="FILE.png")
    shot.add_argument("--size", type=_size, default=(1280, 800), metavar="WIDTHxHEIGHT")

    load = commands.add_parser(
        "import-json", parents=[common], help="load a JSON export into a NEW database (--db)"
    )
    load.add_argument("source", type=Path, metavar="FILE")
    _HANDLERS.update(feature_commands(commands, common))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    db_target: str | None = getattr(args, "db", None)
    if args.command is None:
        from organizer.app import run_gui  # Qt only when the app itself is wanted

        return run_gui(db_target, read_only=args.read_only)
    handler = _HANDLERS[args.command]
    try:
        return handler(args, db_target, sys.stdout)
    except OrganizerError as error:
        print(f"organizer: {error.message}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("organizer: interrupted; nothing was changed.", file=sys.stderr)
        return EXIT_FAILED


def _new(args: argparse.Namespace, _target: str | None, out: TextIO) -> int:
    create_database(args.path).close()
    print(f"Created {args.path}", file=out)
    return EXIT_OK


def _demo(args: argparse.Namespace, target: str | None, out: TextIO) -> int:
    from organizer.demo import generate_demo

    location, _ = chosen_database(target)
    path = Path(location)
    if "://" not in location and args.replace and path.exists():
        path.unlink()
    db = _open_for_demo(location)
    try:
        summary = generate_demo(
            db, scale=args.scale, seed=args.seed, start=args.start, progress=progress_printer()
        )
    finally:
        db.close()
    print(
        f"Wrote the {args.scale} sample data set to {location}: {summary.causes} causes, "
        f"{summary.volunteers} volunteers, {summary.events} events "
        f"({summary.occurrences} occurrences), {summary.shifts} shifts, "
        f"{summary.assignments} assignments.",
        file=out,
    )
    return EXIT_OK


def _open_for_demo(location: str) -> Database:
    if "://" in location or not Path(location).exists():
        if "://" not in location:
            Path(location).parent.mkdir(parents=True, exist_ok=True)
        return create_database(location)
    return open_database(location)


def _info(_args: argparse.Namespace, target: str | None, out: TextIO) -> int:
    db = open_existing(target)
    try:
        info = db.file_info()
        counts = table_counts(db)
        lines = [
            f"Database:        {db.display_name}",
            f"File id:         {info.get('file_id', '?')}",
            f"Created:         {info.get('created_at', '?')}",
            f"Created by:      {info.get('created_by_version', '?')}",
            f"Schema version:  {info.get('schema_version', '?')} ({db.schema_revision()})",
            f"Last written by: {info.get('last_written_by_version', '?')}",
        ]
        if db.path is not None:
            lines.append(f"Size:            {db.path.stat().st_size / 1_048_576:.1f} MB")
        for table in ("causes", "locations", "volunteers", "events", "shifts", "assignments"):
            lines.append(f"{table.capitalize() + ':':<17}{counts.get(table, 0)}")
        print("\n".join(lines), file=out)
    finally:
        db.close()
    return EXIT_OK


def _check(_args: argparse.Namespace, target: str | None, out: TextIO) -> int:
    db = open_existing(target)
    try:
        problems = integrity_problems(db) + [f"schema: {p}" for p in schema_problems(db)]
        if not problems:
            with db.read() as session:
                problems = index_problems(session)
    finally:
        db.close()
    if problems:
        print(f"{len(problems)} problem(s) found in {db.display_name}:", file=out)
        for problem in problems:
            print(f"  - {problem}", file=out)
        return EXIT_FAILED
    print(f"{db.display_name}: integrity and schema are OK.", file=out)
    return EXIT_OK


def _backup(args: argparse.Namespace, target: str | None, out: TextIO) -> int:
    db = open_existing(target)
    try:
        written = backup_to(db, args.output)
    finally:
        db.close()
    print(f"Backed up to {written}", file=out)
    return EXIT_OK


def _export_json(args: argparse.Namespace, target: str | None, out: TextIO) -> int:
    from organizer.jsonio import export_json

    db = open_existing(target)
    try:
        if args.output == "-":
            summary = export_json(db, out)
            return EXIT_OK
        destination = Path(args.output)
        partial = destination.with_name(destination.name + ".partial")
        try:
            summary = export_json(db, partial)
            partial.replace(destination)
        finally:
            partial.unlink(missing_ok=True)
    except OSError as error:
        raise DomainError(f"Cannot write {args.output}: {error.strerror}.") from error
    finally:
        db.close()
    print(f"Exported {summary.total} records to {destination}", file=out)
    return EXIT_OK


def _import_json(args: argparse.Namespace, target: str | None, out: TextIO) -> int:
    from organizer.jsonio import import_json

    if not target:
        raise DomainError("Name the new database to import into with --db.")
    if not args.source.is_file():
        raise DomainError(f"There is no file at {args.source}.")
    existed = "://" in target or os.path.exists(target)
    db = open_database(target) if existed else create_database(target)
    try:
        summary = import_json(db, args.source)
    except BaseException:
        db.close()
        if not existed:
            Path(target).unlink(missing_ok=True)
        raise
    db.close()
    print(f"Imported {summary.total} records into {target}", file=out)
    return EXIT_OK


def _screenshot(args: argparse.Namespace, target: str | None, out: TextIO) -> int:
    from organizer.ui.screenshot import render_view

    location, _ = chosen_database(target)
    if "://" not in location and not Path(location).exists():
        raise DatabaseMissingError(f"There is no Organizer file at {location}.")
    width, height = args.size
    written = render_view(location, args.view, args.out, width=width, height=height)
    print(f"Saved the {args.view} view to {written}", file=out)
    return EXIT_OK


_HANDLERS: dict[str, Handler] = {
    "new": _new,
    "demo": _demo,
    "info": _info,
    "check": _check,
    "backup": _backup,
    "export-json": _export_json,
    "import-json": _import_json,
    "screenshot": _screenshot,
}
