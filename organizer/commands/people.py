"""Command-line subcommands for volunteer records: import, export, duplicates and privacy."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, TextIO

from organizer.commands import EXIT_OK, Handler, open_existing, progress_printer
from organizer.errors import DomainError, ImportFormatError
from organizer.wording import english_date

MAX_LISTED = 50
"""Problem rows, duplicates or people printed before "... and N more"."""


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text}” is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def add_commands(
    commands: argparse._SubParsersAction[Any], common: argparse.ArgumentParser
) -> dict[str, Handler]:
    """Add the volunteer-record subcommands; return their handlers by name."""
    load = commands.add_parser(
        "import-volunteers", parents=[common], help="import volunteers from a CSV or XLSX file"
    )
    load.add_argument("file", type=Path, metavar="FILE")
    load.add_argument("--dry-run", action="store_true", help="check every row, change nothing")
    load.add_argument(
        "--mapping", default=None, metavar="COLUMN=FIELD,...", help="which column fills which field"
    )
    load.add_argument("--sheet", default=None, metavar="NAME", help="the XLSX sheet to read")
    load.add_argument(
        "--dates",
        choices=["day-first", "month-first"],
        default=None,
        help="how to read dates like 03/04/2024 (default: worked out from the file)",
    )

    undo = commands.add_parser(
        "undo-import", parents=[common], help="delete the volunteers an earlier import created"
    )
    undo.add_argument("batch", nargs="?", metavar="IMPORT_ID", help="default: list the imports")

    export = commands.add_parser(
        "export-volunteers", parents=[common], help="write volunteers to a CSV or XLSX file"
    )
    export.add_argument("-o", "--output", type=Path, required=True, metavar="FILE")
    export.add_argument(
        "--columns",
        default=None,
        metavar="A,B,...",
        help="columns to write (default: not sensitive)",
    )
    export.add_argument(
        "--include-sensitive",
        action="store_true",
        help="also write phone, emergency contact, notes and health notes",
    )
    export.add_argument("--active-only", action="store_true", help="leave archived people out")

    dupes = commands.add_parser(
        "duplicates", parents=[common], help="list likely duplicate volunteers"
    )
    dupes.add_argument(
        "--flag-spam", action="store_true", help="flag sign-ups that look like spam for review"
    )

    anonymise = commands.add_parser(
        "anonymise", parents=[common], help="retention rule: anonymise long-inactive volunteers"
    )
    anonymise.add_argument("--inactive-months", type=_positive_int, required=True, metavar="N")
    anonymise.add_argument("--apply", action="store_true", help="do it (default: only list them)")

    data = commands.add_parser(
        "volunteer-data", parents=[common], help="write everything held about one volunteer"
    )
    data.add_argument("volunteer_id", type=_positive_int, metavar="ID")
    data.add_argument("-o", "--output", type=Path, required=True, metavar="FILE")

    erase = commands.add_parser(
        "erase-volunteer", parents=[common], help="remove one volunteer's personal data"
    )
    erase.add_argument("volunteer_id", type=_positive_int, metavar="ID")
    erase.add_argument("--yes", action="store_true", help="confirm: this cannot be undone")

    return {
        "import-volunteers": _import,
        "undo-import": _undo_import,
        "export-volunteers": _export,
        "duplicates": _duplicates,
        "anonymise": _anonymise,
        "volunteer-data": _volunteer_data,
        "erase-volunteer": _erase,
    }


def _actor() -> str:
    from organizer.services import default_actor

    return default_actor()


def _import(args: argparse.Namespace, target: str | None, out: TextIO) -> int:
    from organizer.people.importing import (
        DateOrder,
        VolunteerImporter,
        header_score,
        parse_mapping,
    )
    from organizer.people.tabular import read_table

    mapping = None
    if args.mapping:
        table = read_table(args.file, sheet=args.sheet, header_score=header_score)
        mapping = parse_mapping(args.mapping, table.headers, f"--mapping for {table.source}")
    db = open_existing(target)
    try:
        importer = VolunteerImporter(db, _actor())
        preview = importer.preview(
            args.file,
            mapping=mapping,
            sheet=args.sheet,
            date_order=DateOrder(args.dates) if args.dates else None,
            progress=progress_printer(),
        )
        table = preview.table
        read_as = f" ({table.encoding})" if table.encoding else f" (sheet “{table.sheet}”)"
        print(f"{preview.source}{read_as}: {len(preview.rows)} rows.", file=out)
        columns = ", ".join(f"{h} → {f}" for h, f in preview.mapping.items() if f)
        print(f"Columns ({preview.mapping_origin}): {columns}", file=out)
        if preview.unmapped_headers:
            print(f"Not imported: {', '.join(preview.unmapped_headers)}", file=out)
        _listed(out, "Check", [str(w) for w in preview.warnings])
        if not preview.ok:
            _listed(out, "Problem", [str(p) for p in preview.problems])
            bad = len(preview.problem_lines)
            raise ImportFormatError(
                f"{preview.source}: {bad} row{'s' if bad != 1 else ''} "
                f"{'have' if bad != 1 else 'has'} problems; nothing was imported."
            )
        if args.dry_run:
            print(
                f"Dry run: {len(preview.rows)} volunteers would be imported; nothing was changed.",
                file=out,
            )
            return EXIT_OK
        result = importer.apply(preview, progress=progress_printer())
    finally:
        db.close()
    flagged = (
        f", {result.flagged_for_review} flagged for review" if result.flagged_for_review else ""
    )
    print(
        f"Imported {result.created} volunteers from {result.source}{flagged}. "
        f"To undo: organizer undo-import {result.batch_id}",
        file=out,
    )
    return EXIT_OK


def _undo_import(args: argparse.Namespace, target: str | None, out: TextIO) -> int:
    from organizer.people.importing import VolunteerImporter

    db = open_existing(target)
    try:
        importer = VolunteerImporter(db, _actor())
        if not args.batch:
            batches = importer.history()
            if not batches:
                print("No imports to undo.", file=out)
            for batch in batches:
                print(
                    f"{batch.batch_id}  {english_date(batch.at.astimezone(), '%d %b %Y %H:%M')}  "
                    f"{batch.by}  "
                    f"{batch.count} from {batch.source}",
                    file=out,
                )
            return EXIT_OK
        deleted = importer.undo(args.batch)
    finally:
        db.close()
    print(f"Undid import {args.batch}: deleted {deleted} volunteers.", file=out)
    return EXIT_OK


def _export(args: argparse.Namespace, target: str | None, out: TextIO) -> int:
    from organizer.people.exporting import VolunteerExporter

    columns = [c for c in args.columns.split(",") if c.strip()] if args.columns else None
    db = open_existing(target)
    try:
        summary = VolunteerExporter(db, _actor()).export(
            args.output,
            columns=columns,
            include_sensitive=args.include_sensitive,
            include_archived=not args.active_only,
            progress=progress_printer(),
        )
    finally:
        db.close()
    sensitive = f" (sensitive: {', '.join(summary.sensitive)})" if summary.sensitive else ""
    print(
        f"Wrote {summary.rows} volunteers to {summary.path}: {', '.join(summary.columns)}"
        f"{sensitive}",
        file=out,
    )
    return EXIT_OK


def _duplicates(args: argparse.Namespace, target: str | None, out: TextIO) -> int:
    from sqlalchemy import select

    from organizer.models import Volunteer
    from organizer.people.duplicates import DuplicateService
    from organizer.services.base import chunks

    db = open_existing(target)
    try:
        service = DuplicateService(db, _actor())
        pairs = service.find(progress=progress_printer())
        wanted = sorted({key for pair in pairs for key in (pair.first, pair.second)})
        names: dict[int, str] = {}
        with db.read() as session:
            for part in chunks(wanted):
                query = select(Volunteer.id, Volunteer.name).where(Volunteer.id.in_(part))
                names.update(session.execute(query).all())
        lines = [
            f"{pair.score:5.1f}  #{pair.first} {names.get(pair.first, '?')}  ↔  "
            f"#{pair.second} {names.get(pair.second, '?')}: {'; '.join(pair.reasons)}"
            for pair in pairs
        ]
        print(f"{len(pairs)} likely duplicate pair{'s' if len(pairs) != 1 else ''}.", file=out)
        _listed(out, "", lines)
        flags = service.flag_spam() if args.flag_spam else service.spam_candidates()
    finally:
        db.close()
    verb = "Flagged for review" if args.flag_spam else "Look like spam (use --flag-spam to flag)"
    print(f"{verb}: {len(flags)}", file=out)
    _listed(out, "", [f"#{f.volunteer_id} {f.name}: {f.reason}" for f in flags])
    return EXIT_OK


def _anonymise(args: argparse.Namespace, target: str | None, out: TextIO) -> int:
    from organizer.people.privacy import PrivacyService

    db = open_existing(target)
    try:
        service = PrivacyService(db, _actor())
        candidates = service.retention_preview(args.inactive_months)
        _listed(
            out,
            "",
            [
                f"#{c.id} {c.name}: last active {english_date(c.last_active, '%d %b %Y')}, "
                f"{c.assignments} shifts "
                f"({c.hours:g} hours kept)"
                for c in candidates
            ],
        )
        if not args.apply:
            print(
                f"{len(candidates)} volunteers inactive for {args.inactive_months} months would "
                "be anonymised; add --apply to do it.",
                file=out,
            )
            return EXIT_OK
        result = service.anonymise_inactive(
            args.inactive_months, only={c.id for c in candidates}, progress=progress_printer()
        )
    finally:
        db.close()
    print(f"Anonymised {len(result.volunteer_ids)} volunteers.", file=out)
    return EXIT_OK


def _volunteer_data(args: argparse.Namespace, target: str | None, out: TextIO) -> int:
    from organizer.people.privacy import PrivacyService

    db = open_existing(target)
    try:
        path = PrivacyService(db, _actor()).export_personal_data(args.volunteer_id, args.output)
    finally:
        db.close()
    print(f"Wrote everything held about volunteer #{args.volunteer_id} to {path}", file=out)
    return EXIT_OK


def _erase(args: argparse.Namespace, target: str | None, out: TextIO) -> int:
    from organizer.models import Volunteer
    from organizer.people.privacy import PrivacyService

    if not args.yes:
        raise DomainError(
            f"Erasing volunteer #{args.volunteer_id} cannot be undone; add --yes to confirm."
        )
    db = open_existing(target)
    try:
        with db.read() as session:
            person = session.get(Volunteer, args.volunteer_id)
            if person is None:
                raise DomainError(f"There is no volunteer #{args.volunteer_id}.")
            version = person.version
        result = PrivacyService(db, _actor()).erase(args.volunteer_id, version)
    finally:
        db.close()
    if result.deleted:
        print(f"Deleted volunteer #{result.volunteer_id} and all their personal data.", file=out)
    else:
        print(
            f"Removed the personal data of volunteer #{result.volunteer_id}; their "
            f"{result.assignments_kept} shifts stay in reports as an anonymous former volunteer.",
            file=out,
        )
    return EXIT_OK


def _listed(out: TextIO, label: str, lines: list[str]) -> None:
    prefix = f"{label}: " if label else "  "
    for line in lines[:MAX_LISTED]:
        print(f"{prefix}{line}", file=out)
    if len(lines) > MAX_LISTED:
        print(f"  ... and {len(lines) - MAX_LISTED} more", file=out)
