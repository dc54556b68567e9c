"""``organizer import-ics`` and ``organizer import-replies``: reading other calendars' files."""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from organizer.commands import EXIT_OK, Handler, open_existing, progress_printer
from organizer.errors import DomainError
from organizer.wording import english_date

if TYPE_CHECKING:
    from organizer.ics.importer import ImportPreview, ImportRow
    from organizer.storage import Database


def add_import_commands(
    commands: argparse._SubParsersAction[Any], common: argparse.ArgumentParser
) -> dict[str, Handler]:
    """Add ``import-ics`` and ``import-replies``; return their handlers by name."""
    ics = commands.add_parser(
        "import-ics",
        parents=[common],
        help="import events from .ics files (Google, Outlook, Apple, Thunderbird)",
    )
    ics.add_argument("files", nargs="+", type=Path, metavar="FILE")
    ics.add_argument(
        "--cause", required=True, metavar="NAME|ID", help="the cause new events belong to"
    )
    ics.add_argument(
        "--dry-run", action="store_true", help="show what would be imported; change nothing"
    )
    ics.add_argument(
        "--timezone",
        metavar="ZONE",
        default=None,
        help="zone for times the file gives without one (default: this computer's)",
    )
    replies = commands.add_parser(
        "import-replies",
        parents=[common],
        help="record volunteers' answers from invitation reply files (.ics)",
    )
    replies.add_argument("files", nargs="+", type=Path, metavar="FILE")
    replies.add_argument(
        "--dry-run", action="store_true", help="show what would be recorded; change nothing"
    )
    return {"import-ics": import_ics, "import-replies": import_replies}


def import_ics(args: argparse.Namespace, target: str | None, out: TextIO) -> int:
    """Preview, then (unless ``--dry-run``) import every file in one transaction."""
    from organizer.ics.importer import ImportAction, apply_import, read_calendar
    from organizer.recurrence import zone
    from organizer.services import default_actor
    from organizer.timezones import local_zone_name

    zone_name = args.timezone or local_zone_name()
    zone(zone_name)
    db = open_existing(target)
    try:
        cause_id = _cause_id(db, args.cause)
        previews = [read_calendar(path, default_timezone=zone_name, db=db) for path in args.files]
        for preview in previews:
            _print_preview(preview, out)
        if args.dry_run:
            totals = {action: sum(p.count(action) for p in previews) for action in ImportAction}
            print(
                f"Dry run: {totals[ImportAction.NEW]} new, {totals[ImportAction.UPDATE]} "
                f"updated, {totals[ImportAction.SKIPPED]} skipped; nothing was changed.",
                file=out,
            )
            return EXIT_OK
        result = apply_import(
            db, previews, cause_id, default_actor(), zone_name, progress=progress_printer()
        )
    finally:
        db.close()
    places = len(result.locations_created)
    print(
        f"Imported {len(result.created)} new and {len(result.updated)} updated event(s); "
        f"{result.skipped} skipped" + (f"; {places} new location(s)" if places else "") + ".",
        file=out,
    )
    return EXIT_OK


def _cause_id(db: Database, wanted: str) -> int:
    from sqlalchemy import func, select

    from organizer.models import Cause

    text = wanted.strip()
    with db.read() as session:
        if text.isdigit() and session.get(Cause, int(text)) is not None:
            return int(text)
        found = session.scalar(select(Cause.id).where(func.lower(Cause.name) == text.lower()))
        if found is not None:
            return int(found)
        names = [str(n) for n in session.scalars(select(Cause.name).order_by(Cause.name))]
    known = ", ".join(f"“{n}”" for n in names) if names else "none yet"
    raise DomainError(f"There is no cause “{text}” (causes: {known}).")


def _print_preview(preview: ImportPreview, out: TextIO) -> None:
    from organizer.ics.importer import ImportAction

    label = f"{preview.name} ({preview.calendar_name})" if preview.calendar_name else preview.name
    print(
        f"{label}: {preview.count(ImportAction.NEW)} new, "
        f"{preview.count(ImportAction.UPDATE)} updated, "
        f"{preview.count(ImportAction.SKIPPED)} skipped",
        file=out,
    )
    for row in preview.rows:
        print(f"  {row.action.value:<8} {_row_text(row)}", file=out)
    for problem in preview.problems:
        print(f"  problem: {problem}", file=out)


def _row_text(row: ImportRow) -> str:
    parts = [_when(row.starts, row.ends, row.all_day, row.timezone), f"“{row.title}”"]
    if row.recurrence != "Does not repeat":
        parts.append(row.recurrence)
    changes = []
    if row.removed_occurrences:
        changes.append(f"{row.removed_occurrences} removed")
    if row.changed_occurrences:
        changes.append(f"{row.changed_occurrences} changed")
    if changes:
        parts.append(f"[{' and '.join(changes)} occurrence(s)]")
    if row.location:
        parts.append("at " + row.location.splitlines()[0])
    if row.reason:
        parts.append(f"({row.reason})")
    return "  ".join(part for part in parts if part)


def _when(starts: datetime | None, ends: datetime | None, all_day: bool, tz: str) -> str:
    if starts is None or ends is None:
        return ""
    day = english_date(starts, "%a %-d %b %Y")
    if all_day:
        return f"{day} (all day)"
    end = f"{ends:%H:%M}" if ends.date() == starts.date() else english_date(ends, "%-d %b %H:%M")
    return f"{day} {starts:%H:%M}–{end} {tz}"


def import_replies(args: argparse.Namespace, target: str | None, out: TextIO) -> int:
    """Record the answers in reply files (or, with ``--dry-run``, say what would be)."""
    from organizer.ics.replies import ReplyOutcome, apply_replies, match_replies, read_replies
    from organizer.services import default_actor

    previews = read_replies(args.files)
    db = open_existing(target)
    try:
        if args.dry_run:
            results = match_replies(db, previews)
        else:
            results = apply_replies(db, previews, default_actor())
    finally:
        db.close()
    for result in results:
        prefix = "" if result.outcome == ReplyOutcome.APPLIED else f"{result.outcome.value}: "
        print(f"  {prefix}{result.message}", file=out)
    applied = sum(1 for r in results if r.outcome == ReplyOutcome.APPLIED)
    verb = "would be recorded" if args.dry_run else "recorded"
    suffix = "; nothing was changed" if args.dry_run else ""
    print(f"{applied} of {len(results)} answer(s) {verb}{suffix}.", file=out)
    return EXIT_OK
