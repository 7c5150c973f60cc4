"""What the integrity checks and a backup cost on a city-scale SQLite file.

Usage:
    python benchmarks/bench_integrity.py [--people 200000] [--runs 3]

Builds (once) the shared city file in benchmarks/.data/ and times, in the same run:
a baseline `SELECT count(*)` and a full scan of the biggest table, `PRAGMA quick_check` (run before
imports, restores, backups and `db upgrade`, and by the app in the background),
`PRAGMA integrity_check` (`intapp db check`), and `intapp db backup`. Figures are
medians over --runs, with the file in the operating system's cache after the first.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from city import city_engine

from intapp.store.backup import backup_sqlite
from intapp.store.integrity import check_sqlite_file
from intapp.store.sqlite_reader import sqlite_path


def median_s(action: Callable[[], object], runs: int) -> float:
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def scalar(path: Path, sql: str) -> int:
    with sqlite3.connect(path) as connection:
        return connection.execute(sql).fetchone()[0]


BASELINES = {
    "baseline: SELECT count(*) FROM referral": "SELECT count(*) FROM referral",
    "baseline: a full scan of referral (max(length(reason)))": (
        "SELECT max(length(reason)) FROM referral"
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    engine, people = city_engine(None, args.people)
    path = sqlite_path(str(engine.url))
    assert path is not None
    engine.dispose()
    print(f"{path.name}: {path.stat().st_size / 1_048_576:.0f} MB, {people:,} people")

    figures: list[tuple[str, float]] = []
    referrals = scalar(path, "SELECT count(*) FROM referral")
    print(f"referral holds {referrals:,} rows")
    for name, sql in BASELINES.items():
        figures.append((name, median_s(lambda q=sql: scalar(path, q), args.runs)))
    for quick, name in ((True, "PRAGMA quick_check"), (False, "PRAGMA integrity_check")):
        report = check_sqlite_file(path, quick=quick)
        assert report.ok, report.problems
        figures.append(
            (name, median_s(lambda q=quick: check_sqlite_file(path, quick=q), args.runs))
        )
    with tempfile.TemporaryDirectory() as folder:
        figures.append(
            (
                "intapp db backup (copy + integrity_check of the copy)",
                median_s(lambda: backup_sqlite(path, Path(folder)), args.runs),
            )
        )
    width = max(len(name) for name, _ in figures)
    for name, seconds in figures:
        print(f"{name:<{width}}  {seconds * 1000:8.0f} ms")


if __name__ == "__main__":
    main()
