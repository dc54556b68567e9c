"""Time the sample data generator: ``python benchmarks/bench_demo.py --scale large``."""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

from organizer.demo import generate_demo
from organizer.storage import create_database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", choices=("small", "large"), default="large")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, help="keep the file in this folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.out or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"demo-{args.scale}-{args.seed}.organizer"
        db = create_database(path)
        try:
            began = time.perf_counter()
            summary = generate_demo(db, scale=args.scale, seed=args.seed)
            seconds = time.perf_counter() - began
        finally:
            db.close()
        for name, count in asdict(summary).items():
            print(f"{name:>15}: {count:,}")
        print(f"{'seconds':>15}: {seconds:.2f}")
        print(f"{'file size':>15}: {path.stat().st_size / 1_000_000:.1f} MB ({path})")


if __name__ == "__main__":
    main()
