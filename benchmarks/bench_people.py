"""Importing 10,000 volunteers from a spreadsheet, and finding duplicates among 5,000.

Usage: python benchmarks/bench_people.py [--db FILE] [--rows N] [--repeat N]

The import reads a generated CSV and XLSX of --rows people (some near-duplicates of each
other, a few bad rows left out), previews it (every row checked, duplicates looked for
against the rows and everyone already there) and applies it in one transaction, into a new
empty file each run.  Duplicates are then looked for among the volunteers of --db, or of the
large demo set (5,223 volunteers, seed 1) built in a temporary folder.  Each figure is the
median of --repeat runs.
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from openpyxl import Workbook

from organizer.demo import _FIRST_NAMES, _LAST_NAMES, generate_demo
from organizer.people.duplicates import DuplicateService, clear_caches
from organizer.people.importing import VolunteerImporter
from organizer.storage import create_database, open_database

# The sample data's names: 100 first names by 80 surnames, so 10,000 people repeat some.
FIRST = list(_FIRST_NAMES)
LAST = list(_LAST_NAMES)


def timed(action: Callable[[], object], repeat: int) -> tuple[float, object]:
    runs, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = action()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs), result


def people(count: int) -> list[list[str]]:
    rng = random.Random(7)
    rows = [["First name", "Surname", "Email", "Mobile", "Date joined", "Notes"]]
    for index in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        if index and rng.random() < 0.02:  # the same person again, typed differently
            first, last, _, phone, *_ = rows[rng.randrange(1, len(rows))]
            rows.append([first.lower(), last, "", phone, "01/02/2024", ""])
            continue
        rows.append(
            [
                first,
                last,
                f"{first}.{index}@example.org".lower(),
                f"07700 {900000 + index % 1000:06d}" if index < 1000 else f"020 7946 {index:04d}",
                f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/20{rng.randint(15, 24)}",
                "=1+1" if index % 500 == 0 else "",
            ]
        )
    return rows


def write_files(folder: Path, rows: list[list[str]]) -> tuple[Path, Path]:
    csv_path = folder / "volunteers.csv"
    with csv_path.open("w", encoding="cp1252", newline="", errors="replace") as handle:
        csv.writer(handle).writerows(rows)
    xlsx_path = folder / "volunteers.xlsx"
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Volunteers")
    for row in rows:
        sheet.append(["'" + cell if cell.startswith("=") else cell for cell in row])
    book.save(xlsx_path)
    return csv_path, xlsx_path


def bench_import(folder: Path, source: Path, repeat: int) -> None:
    counter = iter(range(1000))

    def run() -> tuple[float, float, int, int]:
        clear_caches()
        db = create_database(folder / f"import-{source.suffix[1:]}-{next(counter)}.organizer")
        try:
            importer = VolunteerImporter(db, "bench")
            started = time.perf_counter()
            preview = importer.preview(source)
            checked = time.perf_counter() - started
            started = time.perf_counter()
            result = importer.apply(preview, leave_out=preview.problem_lines)
            return checked, time.perf_counter() - started, result.created, len(preview.duplicates)
        finally:
            db.close()

    results = [run() for _ in range(repeat)]
    checked = statistics.median(r[0] for r in results)
    applied = statistics.median(r[1] for r in results)
    _, _, created, duplicates = results[-1]
    print(
        f"import {source.suffix[1:].upper():4}: preview {checked:6.2f} s, apply {applied:5.2f} s, "
        f"total {checked + applied:6.2f} s ({created} volunteers, {duplicates} possible "
        "duplicates pointed out)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        csv_path, xlsx_path = write_files(folder, people(args.rows))
        bench_import(folder, csv_path, args.repeat)
        bench_import(folder, xlsx_path, args.repeat)
        if args.db is None:
            demo = create_database(folder / "large.organizer")
            generate_demo(demo, scale="large", seed=1)
        else:
            demo = open_database(args.db)
        try:
            service = DuplicateService(demo, "bench")

            def find() -> object:
                clear_caches()
                return service.find()

            seconds, pairs = timed(find, args.repeat)
            found = pairs if isinstance(pairs, list) else []
            spam_seconds, spam = timed(service.spam_candidates, args.repeat)
            flagged = spam if isinstance(spam, list) else []
            with demo.read() as session:
                from sqlalchemy import func, select

                from organizer.models import Volunteer

                volunteers = session.scalar(select(func.count(Volunteer.id)))
        finally:
            demo.close()
    print(
        f"duplicates among {volunteers} volunteers: {seconds:.2f} s ({len(found)} pairs; "
        f"{sum(1 for p in found if p.score >= 95)} scoring 95 or more)"
    )
    print(f"spam check of {volunteers} volunteers: {spam_seconds:.2f} s ({len(flagged)} flagged)")


if __name__ == "__main__":
    main()
