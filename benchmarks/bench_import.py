"""Bulk import of people, end to end, beside simpler loaders (SQLite or PostgreSQL).

Usage:
    python benchmarks/bench_import.py [--rows 200000]
    python benchmarks/bench_import.py --postgres postgresql://postgres@127.0.0.1:5432/postgres

Writes (once) a CSV of N valid people to benchmarks/.data/, then loads it three ways,
each in a fresh process and a fresh database holding the 12 teams, best of --repeat
runs (this machine is shared, so single runs vary by a fifth or more):

- `intapp import people`: read, check every row, match, write with an audit event per
  row and an import record, commit;
- a plain loader: `csv` + `sqlite3.executemany` into the same `person` table (same
  indexes), no checks, no audit;
- `sqlite-utils insert --csv`, its ordinary use (a new table of text columns).

Targets: at least 0.5x the plain loader's rows per second, faster than sqlite-utils,
and peak memory (the process's maximum resident set) under 500 MB.

With --postgres (a server URL whose user may create databases), the same file goes
into PostgreSQL two ways, each run in a fresh database copied from one migrated
template holding the teams (dropped afterwards):

- `intapp import people`, as above;
- a plain `COPY person FROM STDIN` of the same rows through psycopg (the same
  conversions as the plain SQLite loader), one transaction, no checks, no audit.

Target: intapp at least 0.5x the plain COPY's rows per second, in the same run.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import subprocess
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from intapp.paths import open_shipped

DATA = Path(__file__).resolve().parent / ".data"
HEADER = [
    "nhs_number",
    "local_id",
    "given_name",
    "family_name",
    "date_of_birth",
    "gender",
    "postcode",
    "gp_practice_code",
    "team_code",
    "risk_tier",
    "phone",
    "has_unpaid_carer",
    "date_of_death",
]
GIVEN = ["Ada", "Bilal", "Chen", "Dorothy", "Eamon", "Fatima", "George", "Hannah", "Imran"]
FAMILY = ["Okafor", "Smith", "Nowak", "Patel", "Walsh", "Hughes", "Begum", "Jones", "Kaur"]
TARGET_RATIO, TARGET_MB = 0.5, 500


def make_csv(rows: int) -> Path:
    """N valid people rows: test-range NHS numbers, the demo city's team codes."""
    from intapp.services.nhs_number import check_digit

    path = DATA / f"people-{rows}.csv"
    if path.exists():
        return path
    DATA.mkdir(exist_ok=True)
    rng = random.Random(4)
    with open_shipped("teams.csv") as fh:
        teams = [row["code"] for row in csv.DictReader(fh)]
    today = date(2026, 11, 22)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        body, written = 999_000_000, 0
        while written < rows:
            body += 1
            digit = check_digit(str(body))
            if digit is None:
                continue
            written += 1
            born = today - timedelta(days=rng.randrange(18 * 365, 100 * 365))
            writer.writerow(
                [
                    f"{body}{digit}",
                    f"L{written:07d}" if rng.random() < 0.3 else "",
                    rng.choice(GIVEN),
                    rng.choice(FAMILY),
                    born.isoformat(),
                    rng.choice(["female", "male"]),
                    f"M{rng.randrange(1, 41)} {rng.randrange(1, 10)}AB",
                    f"P84{rng.randrange(0, 100):03d}",
                    rng.choice(teams),
                    rng.choice(["highest", "high", "rising", "low"]),
                    "0161 496 0000",
                    rng.choice(["yes", "no"]),
                    "",
                ]
            )
    return path


def fresh_database(path: Path) -> str:
    """A migrated SQLite file with the 12 teams in it; returns its URL."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    add_teams(url)
    return url


def add_teams(url: str) -> None:
    """Migrate the database at `url` and add the demo city's 12 teams."""
    from intapp.services import organisation
    from intapp.store.engine import create_db_engine, unit_of_work
    from intapp.store.migrate import upgrade

    engine = create_db_engine(url)
    upgrade(engine)
    with unit_of_work(engine) as session, open_shipped("teams.csv") as fh:
        for team in csv.DictReader(fh):
            organisation.add_team(
                session=session,
                user="bench",
                code=team["code"],
                name=team["name"],
                locality=team["locality"],
                population=int(team["population"]),
            )
    engine.dispose()


def run_intapp(file: Path, database: Path | str) -> int:
    from intapp.services.importing import SourceFile, import_records
    from intapp.store.engine import create_db_engine, unit_of_work

    url = database if isinstance(database, str) else fresh_database(database)
    engine = create_db_engine(url)
    started = time.perf_counter()
    with unit_of_work(engine) as session:
        outcome = import_records(
            session=session, user="bench", kind="people", source=SourceFile.from_path(file)
        )
    _report(started, outcome.files[0].created)
    return outcome.files[0].created


def run_plain(file: Path, database: Path, *, bare: bool = False) -> int:
    import sqlite3

    fresh_database(database)
    connection = sqlite3.connect(database)
    if bare:
        connection.execute(f"CREATE TABLE bare ({', '.join(HEADER)}, team_id, created_at)")
    teams = dict(connection.execute("SELECT code, id FROM team").fetchall())
    started = time.perf_counter()
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    with file.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        next(reader)
        if bare:
            rows = [(*r, teams[r[8]], now) for r in reader]
            sql = f"INSERT INTO bare VALUES ({', '.join('?' * (len(HEADER) + 2))})"
        else:
            rows = [
                (
                    r[0] or None,
                    r[1] or None,
                    *r[2:8],
                    teams[r[8]],
                    *r[9:11],
                    r[11] == "yes",
                    None,
                    now,
                )
                for r in reader
            ]
            sql = (
                "INSERT INTO person (nhs_number, local_id, given_name, family_name, "
                "date_of_birth, gender, postcode, gp_practice_code, team_id, risk_tier, phone, "
                "has_unpaid_carer, date_of_death, created_at, frail_older, ltc_end_of_life, "
                "complex_lives, mh_ld_dementia, cyp_with_ltc, is_carer) VALUES "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, 0, 0, 0)"
            )
    connection.executemany(sql, rows)
    connection.commit()
    _report(started, len(rows))
    return len(rows)


def run_copy(file: Path, url: str) -> int:
    """The plain loader's rows, sent with PostgreSQL's COPY through psycopg."""
    import psycopg

    with psycopg.connect(_libpq(url)) as connection:
        teams = dict(connection.execute("SELECT code, id FROM team").fetchall())
        started = time.perf_counter()
        now = datetime.now(UTC)
        written = 0
        with connection.cursor() as cursor, file.open(newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh)
            next(reader)
            columns = (
                "nhs_number, local_id, given_name, family_name, date_of_birth, gender, "
                "postcode, gp_practice_code, team_id, risk_tier, phone, has_unpaid_carer, "
                "date_of_death, created_at, frail_older, ltc_end_of_life, complex_lives, "
                "mh_ld_dementia, cyp_with_ltc, is_carer, version"
            )
            with cursor.copy(f"COPY person ({columns}) FROM STDIN") as copy:
                for r in reader:
                    copy.write_row(
                        (
                            r[0] or None,
                            r[1] or None,
                            *r[2:8],
                            teams[r[8]],
                            *r[9:11],
                            r[11] == "yes",
                            None,
                            now,
                            False,
                            False,
                            False,
                            False,
                            False,
                            False,
                            1,
                        )
                    )
                    written += 1
        connection.commit()
    _report(started, written)
    return written


def _libpq(url: str) -> str:
    """A SQLAlchemy URL as libpq takes it."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def run_sqlite_utils(file: Path, database: Path) -> int:
    from sqlite_utils.cli import cli

    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    cli.main(["insert", str(database), "people", str(file), "--csv"], standalone_mode=False)
    import sqlite3

    rows = sqlite3.connect(database).execute("SELECT count(*) FROM people").fetchone()[0]
    _report(started, rows)
    return int(rows)


def _report(started: float, rows: int) -> None:
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "rows": rows, "peak_mb": peak_mb}))


CONTENDERS = {
    "intapp": ("intapp import people (checked, audited)", run_intapp),
    "plain": ("plain csv + sqlite3.executemany", run_plain),
    "bare": ("  same, into a bare table (no indexes)", lambda f, d: run_plain(f, d, bare=True)),
    "sqlite-utils": ("sqlite-utils insert --csv", run_sqlite_utils),
}


# Into PostgreSQL: the same file, intapp's import beside a plain COPY.
POSTGRES_CONTENDERS = {
    "intapp-pg": ("intapp import people (checked, audited)", run_intapp),
    "copy": ("plain COPY through psycopg", run_copy),
}


def measure(name: str, file: Path) -> dict[str, float]:
    """Run one loader in its own process, so each peak memory figure is its own."""
    database = DATA / f"bench-import-{name}.sqlite3"
    figures = _child(name, file, "--database", str(database))
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    return figures


def _child(name: str, file: Path, *where: str) -> dict[str, float]:
    command = [sys.executable, __file__, "--only", name, "--file", str(file), *where]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    figures: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


def _admin(server: str) -> Any:
    from sqlalchemy import create_engine

    from intapp.store.engine import resolve_url

    return create_engine(resolve_url(server), isolation_level="AUTOCOMMIT")


def _database_url(server: str, name: str) -> str:
    from sqlalchemy.engine import make_url

    from intapp.store.engine import resolve_url

    return make_url(resolve_url(server)).set(database=name).render_as_string(hide_password=False)


def measure_postgres(name: str, file: Path, server: str, template: str) -> dict[str, float]:
    """Run one loader in its own process, into a fresh copy of the template database."""
    from sqlalchemy import text

    database = f"intapp_bench_import_{uuid.uuid4().hex[:8]}"
    admin = _admin(server)
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{database}" TEMPLATE "{template}"'))
    try:
        return _child(name, file, "--database-url", _database_url(server, database))
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs per loader; the best counts")
    parser.add_argument("--postgres", metavar="URL", help="compare on this PostgreSQL server")
    parser.add_argument("--only", choices=sorted(CONTENDERS | POSTGRES_CONTENDERS))
    parser.add_argument("--file", type=Path)
    parser.add_argument("--database", type=Path)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    if args.only:
        loader = (CONTENDERS | POSTGRES_CONTENDERS)[args.only][1]
        loader(args.file, args.database_url or args.database)  # type: ignore[operator]
        return

    file = make_csv(args.rows)
    if args.postgres:
        compare_on_postgres(file, args)
        return
    size_mb = file.stat().st_size / 1e6
    print(f"{args.rows:,} people rows ({size_mb:.1f} MB CSV) into SQLite; each loader in a")
    print("fresh process and database, timed from reading the file to the commit;")
    print(f"best of {args.repeat} runs (peak memory: the highest of them).")
    print(f"{'loader':40} {'seconds':>8} {'rows/s':>9} {'peak MB':>8}")
    results = {}
    for name, (label, _) in CONTENDERS.items():
        runs = [measure(name, file) for _ in range(args.repeat)]
        results[name] = _best(label, runs, args.rows)

    def rate(name: str) -> float:
        return results[name]["rows"] / results[name]["seconds"]

    ratio = rate("intapp") / rate("plain")
    speedup = rate("intapp") / rate("sqlite-utils")
    peak = results["intapp"]["peak_mb"]
    print(
        f"intapp / plain loader: {ratio:.2f}x (target >= {TARGET_RATIO}x) "
        f"{'ok' if ratio >= TARGET_RATIO else 'MISSED'}"
    )
    print(
        f"intapp / sqlite-utils: {speedup:.2f}x (target > 1x) {'ok' if speedup > 1 else 'MISSED'}"
    )
    print(
        f"intapp peak memory: {peak:.0f} MB (target < {TARGET_MB} MB) "
        f"{'ok' if peak < TARGET_MB else 'MISSED'}"
    )


def _best(label: str, runs: list[dict[str, float]], rows: int) -> dict[str, float]:
    """The fastest run (with the highest peak memory of them all), printed as a line."""
    figures = min(runs, key=lambda r: r["seconds"])
    figures["peak_mb"] = max(r["peak_mb"] for r in runs)
    rate = figures["rows"] / figures["seconds"]
    print(f"{label:40} {figures['seconds']:8.2f} {rate:9,.0f} {figures['peak_mb']:8.0f}")
    assert figures["rows"] == rows, (label, figures)
    return figures


def compare_on_postgres(file: Path, args: argparse.Namespace) -> None:
    """intapp's import beside a plain COPY, runs taking turns so both see the same load."""
    from sqlalchemy import text

    template = f"intapp_bench_import_tpl_{uuid.uuid4().hex[:8]}"
    admin = _admin(args.postgres)
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{template}"'))
    try:
        add_teams(_database_url(args.postgres, template))
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in POSTGRES_CONTENDERS}
        for _ in range(args.repeat):
            for name in POSTGRES_CONTENDERS:
                runs[name].append(measure_postgres(name, file, args.postgres, template))
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)'))
        admin.dispose()
    size_mb = file.stat().st_size / 1e6
    print(f"{args.rows:,} people rows ({size_mb:.1f} MB CSV) into PostgreSQL; each loader in a")
    print("fresh process and a fresh database, timed from reading the file to the commit;")
    print(f"best of {args.repeat} runs, taken in turns (peak memory: the highest of them).")
    print(f"{'loader':40} {'seconds':>8} {'rows/s':>9} {'peak MB':>8}")
    results = {
        name: _best(label, runs[name], args.rows)
        for name, (label, _) in POSTGRES_CONTENDERS.items()
    }
    ratio = (results["intapp-pg"]["rows"] / results["intapp-pg"]["seconds"]) / (
        results["copy"]["rows"] / results["copy"]["seconds"]
    )
    print(
        f"intapp / plain COPY: {ratio:.2f}x (target >= {TARGET_RATIO}x) "
        f"{'ok' if ratio >= TARGET_RATIO else 'MISSED'}"
    )
    with open("/proc/loadavg", encoding="ascii") as load:
        print(f"load average at the end: {load.read().split()[:3]}")


if __name__ == "__main__":
    main()
