"""Scheduling subcommands: ``autofill`` (propose, optionally apply) and ``check-roster``."""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime, time
from typing import Any, TextIO

from organizer.commands import EXIT_OK, Handler, open_existing, progress_printer
from organizer.errors import DomainError
from organizer.wording import english_date

MAX_LISTED = 200


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text}” is not a real date (use YYYY-MM-DD)") from None


def add_commands(
    commands: argparse._SubParsersAction[Any], common: argparse.ArgumentParser
) -> dict[str, Handler]:
    """Add ``autofill`` and ``check-roster``; return their handlers by name."""
    fill = commands.add_parser(
        "autofill", parents=[common], help="propose volunteers for open places (and apply)"
    )
    check = commands.add_parser(
        "check-roster", parents=[common], help="list clashes, limits and rule problems"
    )
    for parser in (fill, check):
        parser.add_argument("--from", dest="from_day", type=_day, required=True, metavar="DATE")
        parser.add_argument(
            "--to", dest="to_day", type=_day, required=True, metavar="DATE", help="exclusive"
        )
        parser.add_argument(
            "--cause", action="append", default=None, metavar="NAME|ID", help="repeatable"
        )
    fill.add_argument("--apply", action="store_true", help="create the proposed assignments")
    return {"autofill": _autofill, "check-roster": _check_roster}


def _period(args: argparse.Namespace) -> tuple[datetime, datetime]:
    start = datetime.combine(args.from_day, time(0), UTC)
    end = datetime.combine(args.to_day, time(0), UTC)
    if end <= start:
        raise DomainError("--to must be after --from.")
    return start, end


def _causes(session: Any, names: list[str] | None) -> list[int] | None:
    from sqlalchemy import select

    from organizer.models import Cause

    if not names:
        return None
    found: list[int] = []
    for name in names:
        cause_id = session.scalar(select(Cause.id).where(Cause.name == name))
        if cause_id is None and name.isdigit():
            cause_id = session.scalar(select(Cause.id).where(Cause.id == int(name)))
        if cause_id is None:
            raise DomainError(f"There is no cause called “{name}”.")
        found.append(cause_id)
    return found


def _autofill(args: argparse.Namespace, target: str | None, out: TextIO) -> int:
    from organizer.scheduling.autofill import AutoFillService
    from organizer.services import default_actor

    start, end = _period(args)
    db = open_existing(target)
    try:
        with db.read() as session:
            cause_ids = _causes(session, args.cause)
        service = AutoFillService(db, default_actor())
        proposal = service.propose(start, end, cause_ids=cause_ids, progress=progress_printer())
        print(
            f"{proposal.open_places} open places, {len(proposal.placements)} filled "
            f"({proposal.solver}, {proposal.seconds:.1f} s).",
            file=out,
        )
        for placement in proposal.placements[:MAX_LISTED]:
            print(
                f"{english_date(placement.starts_at, '%a %d %b %H:%M')}  {placement.event_title} – "
                f"{placement.role}: {placement.volunteer_name} ({placement.reason})",
                file=out,
            )
            for warning in placement.warnings:
                print(f"    warning: {warning.message}", file=out)
        if len(proposal.placements) > MAX_LISTED:
            print(f"... and {len(proposal.placements) - MAX_LISTED} more", file=out)
        for shift_id, occurrence, left, why in proposal.unfilled[:MAX_LISTED]:
            print(
                f"Unfilled: shift {shift_id} at {english_date(occurrence, '%d %b %H:%M')}, "
                f"{left} open: {why}",
                file=out,
            )
        if args.apply:
            report = service.apply_report(proposal)
            print(f"Created {len(report.assignment_ids)} proposed assignments.", file=out)
            for placement, why in report.skipped:
                print(
                    f"Skipped {placement.volunteer_name} on {placement.event_title}: {why}",
                    file=out,
                )
        else:
            print("Nothing was changed (add --apply to create these).", file=out)
    finally:
        db.close()
    return EXIT_OK


def _check_roster(args: argparse.Namespace, target: str | None, out: TextIO) -> int:
    from organizer.scheduling.conflicts import ConflictService
    from organizer.services import default_actor

    start, end = _period(args)
    db = open_existing(target)
    try:
        with db.read() as session:
            cause_ids = _causes(session, args.cause)
        findings = ConflictService(db, default_actor()).check_period(
            start, end, cause_ids=cause_ids
        )
    finally:
        db.close()
    blocking = sum(1 for f in findings if f.blocking)
    print(f"{len(findings)} findings ({blocking} blocking).", file=out)
    for finding in findings[:MAX_LISTED]:
        when = english_date(finding.occurrence_start, "%d %b %Y %H:%M")
        print(
            f"[{finding.severity}] {finding.kind} (shift {finding.shift_id}, {when}): "
            f"{finding.message}",
            file=out,
        )
    if len(findings) > MAX_LISTED:
        print(f"... and {len(findings) - MAX_LISTED} more", file=out)
    return EXIT_OK
