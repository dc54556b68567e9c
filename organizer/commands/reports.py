"""Command-line reports: hours given, no-shows and places filled over a period."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from organizer.commands import EXIT_OK, Handler, open_existing

BY_CHOICES = ("volunteer", "cause", "week", "month")


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text}” is not a real date (use YYYY-MM-DD)") from None


def _cause_ids(text: str) -> list[int]:
    try:
        ids = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text}” is not a list of cause ids") from None
    if not ids:
        raise argparse.ArgumentTypeError("give at least one cause id")
    return ids


def add_commands(
    commands: argparse._SubParsersAction[Any], common: argparse.ArgumentParser
) -> dict[str, Handler]:
    """Add ``organizer report hours|no-shows|coverage``; return its handler."""
    report = commands.add_parser(
        "report", help="hours given, no-shows and places filled over a period"
    )
    kinds = report.add_subparsers(dest="report", metavar="REPORT", required=True)
    helps = {
        "hours": "hours volunteers gave",
        "no-shows": "who did not come, and how often",
        "coverage": "how many places were filled, by cause and week",
    }
    for name, text in helps.items():
        sub = kinds.add_parser(name, parents=[common], help=text)
        sub.add_argument("--from", dest="first", type=_day, required=True, metavar="DATE")
        sub.add_argument("--to", dest="last", type=_day, required=True, metavar="DATE")
        sub.add_argument(
            "--cause", dest="causes", type=_cause_ids, default=None, metavar="ID,...",
            help="only these causes",
        )  # fmt: skip
        sub.add_argument("--csv", type=Path, default=None, metavar="FILE", help="write CSV here")
        if name == "hours":
            sub.add_argument("--by", choices=BY_CHOICES, default="volunteer")
    return {"report": _report}


def _report(args: argparse.Namespace, target: str | None, out: TextIO) -> int:
    from organizer.reports.hours import Period, ReportKind, ReportService
    from organizer.reports.tables import format_cell, write_csv
    from organizer.services import default_actor

    kind = {
        "no-shows": ReportKind.NO_SHOWS,
        "coverage": ReportKind.COVERAGE,
    }.get(args.report) or ReportKind(f"hours-{args.by}")
    period = Period(args.first, args.last)
    db = open_existing(target)
    try:
        table = ReportService(db, default_actor()).table(kind, period, args.causes)
    finally:
        db.close()
    if args.csv is not None:
        write_csv(table, args.csv)
        print(f"Wrote {len(table.rows)} rows to {args.csv}", file=out)
        return EXIT_OK
    print(f"{table.title}, {table.subtitle}", file=out)
    lines = [[column.name for column in table.columns]]
    for row in (*table.rows, *((table.totals,) if table.totals else ())):
        lines.append([format_cell(v, c.kind) for v, c in zip(row, table.columns, strict=True)])
    widths = [max(len(line[i]) for line in lines) for i in range(len(table.columns))]
    for number, line in enumerate(lines):
        cells = [
            text.rjust(width) if column.kind.numeric else text.ljust(width)
            for text, width, column in zip(line, widths, table.columns, strict=True)
        ]
        print("  ".join(cells).rstrip(), file=out)
        if number == 0 or (table.totals and number == len(lines) - 2):
            print("  ".join("-" * width for width in widths), file=out)
    if not table.rows:
        print("Nothing recorded in this period.", file=out)
    return EXIT_OK
