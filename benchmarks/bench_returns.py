"""The national returns on the city, each figure beside a raw-SQL baseline measured in the
same run.

Usage:
    python benchmarks/bench_returns.py [--database-url URL] [--people 200000] [--runs 5]
                                       [--section NAME ...]

Without --database-url it uses (building it once, as bench_queries.py does) the
city-scale SQLite file benchmarks/.data/city-200000.sqlite3; for PostgreSQL give e.g.
postgresql://postgres@127.0.0.1:5432/intapp_bench_city_200000 (see city.postgres_city_url).
Every figure is the median of --runs after one warm-up run, each in a fresh read session;
a section's contenders take turns run by run, so the machine's load falls on all alike.

Sections (run all, or those named with --section):
- cld: the CLD extract for the last complete quarter before the newest referral, for the
  whole city. `cld_events()` alone, and the whole extract (events, rows, checks and the
  CSV bytes `intapp export cld` writes, without the disk and the audit record), beside
  the same source rows fetched by plain SQL on the driver's own connection (no
  SQLAlchemy, no Python per row). Targets: the extract under 5 s, `cld_events()` within
  2x of the raw SQL. The row counts of both are compared, so the raw SQL is known to
  fetch the same events.

- returns: the SALT and ASCOF returns for the last complete financial year, from the CLD
  events and from the tables, beside plain SQL reading and counting the same records
  (measured by bench_returns_year.py). Target: under 5 s.

- trends: the monthly trends service and screen (bench_trends.py). Targets: the screen
  paints within 1 s of its key, later scope changes within 300 ms.
- forecast: what the breach forecast costs the dashboard (bench_forecast.py). Target:
  at most 50 ms.
- evaluation: the evaluation table for a year (bench_evaluation.py). Target: under 5 s.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from city import city_engine
from sqlalchemy import Engine, func
from sqlmodel import select

from intapp.models import Referral
from intapp.services.national.cld import cld_events
from intapp.services.national.cld_file import cld_file
from intapp.services.national.period import Period, quarter
from intapp.store.engine import read_session

CLD_TARGET_SECONDS, CLD_TARGET_RATIO = 5.0, 2.0


@dataclass(frozen=True)
class Run:
    """What every section shares: the database and how many timed runs to take."""

    engine: Engine
    people: int
    runs: int

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name


@dataclass(frozen=True)
class Figure:
    """One measured figure; `baseline` names the figure it is compared with, `ratio` the
    most it may be of it, `target` the most seconds it may take."""

    name: str
    seconds: float
    baseline: str | None = None
    ratio: float | None = None
    target: float | None = None
    note: str = ""


def median_seconds(actions: dict[str, Callable[[], object]], runs: int) -> dict[str, float]:
    """Each action's median time. The actions take turns, run by run, so a load that
    comes and goes on the machine falls on all of them alike."""
    for action in actions.values():
        action()  # warm the caches, so no contender pays for the first read from disk
    timings: dict[str, list[float]] = {name: [] for name in actions}
    for _ in range(runs):
        for name, action in actions.items():
            start = time.perf_counter()
            action()
            timings[name].append(time.perf_counter() - start)
    return {name: statistics.median(times) for name, times in timings.items()}


def last_complete_quarter(run: Run) -> Period:
    """The last quarter that ended before the newest referral's day."""
    with read_session(run.engine) as session:
        newest = session.exec(select(func.max(Referral.received_at))).one()
    day = newest.date() if newest else date.today()
    number = (day.month - 1) // 3  # the quarter before the newest referral's
    return quarter(day.year, number) if number else quarter(day.year - 1, 4)


# --- cld -----------------------------------------------------------------------------------

_PERSON = (
    "p.id, p.nhs_number, p.local_id, p.gp_practice_code, p.gender, p.ethnicity,"
    " p.date_of_birth, p.date_of_death, p.client_type, p.is_carer,"
    " p.primary_support_reason, p.postcode, p.accommodation_status, p.has_unpaid_carer,"
    " p.team_id"
)
_SURVIVOR = (
    "JOIN person g ON g.id = {0}.person_id JOIN person p ON p.id = COALESCE(g.merged_into_id, g.id)"
)
# An instant's UTC hour as text, as `cld_events()` reads it (cld.utc_hour).
_HOUR = {
    "sqlite": "substr({0}, 1, 13)",
    "postgresql": "to_char({0} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24')",
}


def cld_raw_sql_text(dialect: str) -> list[tuple[str, str]]:
    """The rows `cld_events()` reads, as plain SQL: (what they become, the query)."""
    hour = _HOUR[dialect].format
    return [
        (
            "Request",
            f"SELECT {_PERSON}, r.reference, {hour('r.received_at')}, {hour('r.triaged_at')},"
            f" r.pathway, r.route_of_access, r.close_outcome FROM referral r"
            f" {_SURVIVOR.format('r')} WHERE r.triaged_at >= :starts AND r.triaged_at < :ends",
        ),
        (
            "Assessment or Review",
            f"SELECT {_PERSON}, a.id, a.assessment_type, {hour('a.created_at')},"
            f" {hour('a.signed_off_at')}, a.eligible FROM assessment a {_SURVIVOR.format('a')}"
            " LEFT JOIN referral r ON r.id = a.referral_id"
            " WHERE a.status IN ('signed_off', 'superseded')"
            " AND a.signed_off_at >= :starts AND a.signed_off_at < :ends",
        ),
        (
            "Reablement",
            f"SELECT {_PERSON}, e.id, e.start_date, e.ended_on, e.outcome"
            f" FROM reablement_episode e {_SURVIVOR.format('e')}"
            " LEFT JOIN referral r ON r.id = e.referral_id"
            " WHERE e.state IN ('active', 'ended') AND e.start_date <= :last_day"
            " AND (e.ended_on IS NULL OR e.ended_on >= :first_day)",
        ),
        (
            "Plan version",
            f"SELECT {_PERSON}, c.id, {hour('c.closed_at')}, v.number,"
            f" {hour('v.created_at')}, CAST(v.items AS TEXT)"
            f" FROM care_plan c {_SURVIVOR.format('c')}"
            " JOIN care_plan_version v ON v.plan_id = c.id"
            " WHERE v.created_at < :ends AND (c.closed_at IS NULL OR c.closed_at >= :starts)"
            " AND EXISTS (SELECT w.id FROM care_plan_version w WHERE w.plan_id = c.id"
            " AND w.created_at < :ends AND CAST(w.items AS TEXT) != '[]')"
            " ORDER BY c.id, v.number",
        ),
    ]


def _parameters(period: Period, dialect: str) -> dict[str, Any]:
    starts, ends = period.starts_at, period.ends_at
    if dialect == "sqlite":  # as intapp stores an instant there: naive UTC text
        stamp = "%Y-%m-%d %H:%M:%S.%f"
        return {
            "starts": starts.astimezone(UTC).strftime(stamp),
            "ends": ends.astimezone(UTC).strftime(stamp),
            "first_day": period.first_day.isoformat(),
            "last_day": period.last_day.isoformat(),
        }
    return {
        "starts": starts,
        "ends": ends,
        "first_day": period.first_day,
        "last_day": period.last_day,
    }


def cld_raw_sql(run: Run, period: Period) -> Counter[str]:
    """The source rows of the quarter's events, fetched with plain SQL on the driver's
    connection; how many of each kind."""
    parameters = _parameters(period, run.dialect)
    fetched: Counter[str] = Counter()
    connection = run.engine.raw_connection()
    try:
        cursor = connection.cursor()
        for kind, sql in cld_raw_sql_text(run.dialect):
            if run.dialect != "sqlite":
                sql = re.sub(r":(\w+)", r"%(\1)s", sql)
            cursor.execute(sql, parameters)
            fetched[kind] = len(cursor.fetchall())
        connection.rollback()
    finally:
        connection.close()
    return fetched


def cld(run: Run) -> list[Figure]:
    period = last_complete_quarter(run)

    def events() -> list[Any]:
        with read_session(run.engine) as session:
            return cld_events(session, period, None)

    def extract() -> bytes:
        return cld_file(events(), period, "352").data

    found = Counter(e.event_type for e in events())
    found["Reablement"] = sum(1 for e in events() if e.service_component == "Reablement")
    raw = cld_raw_sql(run, period)
    assert raw["Request"] == found["Request"], (raw, found)
    assert raw["Assessment or Review"] == found["Assessment"] + found["Review"], (raw, found)
    assert raw["Reablement"] == found["Reablement"], (raw, found)
    kinds = ("Request", "Assessment", "Review", "Service")
    print(
        f"CLD {period.label}: {sum(found[k] for k in kinds):,} events"
        f" ({', '.join(f'{k} {found[k]:,}' for k in kinds)}); the raw SQL fetched the same"
        f" requests, assessments, reviews and episodes, and {raw['Plan version']:,} plan versions"
    )
    raw_name = f"raw SQL, the same rows ({run.dialect} driver)"
    events_name, extract_name = (
        "cld_events(), whole city",
        "  ... checked and rendered as the CSV file",
    )
    seconds = median_seconds(
        {
            raw_name: lambda: cld_raw_sql(run, period),
            events_name: events,
            extract_name: extract,
        },
        run.runs,
    )
    return [
        Figure(raw_name, seconds[raw_name]),
        Figure(events_name, seconds[events_name], baseline=raw_name, ratio=CLD_TARGET_RATIO),
        Figure(extract_name, seconds[extract_name], baseline=raw_name, target=CLD_TARGET_SECONDS),
    ]


def returns(run: Run) -> list[Figure]:
    """The SALT and ASCOF returns for the last complete financial year, both ways, beside
    plain SQL reading and counting the same records (bench_returns_year.py measures)."""
    from bench_returns_year import TARGET_SECONDS, measure

    rows = measure(run.engine, runs=run.runs)
    read = next(row.label for row in rows if row.label.startswith("baseline: raw SQL read"))
    return [
        Figure(row.label, row.seconds, note=row.note)
        if row.label.startswith("baseline")
        else Figure(row.label, row.seconds, baseline=read, target=TARGET_SECONDS, note=row.note)
        for row in rows
    ]


def trends(run: Run) -> list[str]:
    """The trends service for the city, a locality and a team beside the same SQL through
    the bare driver and one counting pass; then the screen: its key to the first chart,
    and scope changes (bench_trends.py measures). Targets: 1 s and 300 ms."""
    import asyncio

    from bench_trends import measure, screen_figures

    return [
        *measure(run.engine, run.runs),
        *asyncio.run(screen_figures(run.engine.url.render_as_string(False), run.runs)),
    ]


def forecast(run: Run) -> list[str]:
    """What the breach forecast adds to the dashboard's read, per scope, beside the
    dashboard's own figures (bench_forecast.py measures). Target: 50 ms."""
    from bench_forecast import TARGET_MS, added_ms, measure

    figures = measure(run.engine, run.runs)
    lines = [f"{f.scope:14} {f.what:38} median {f.median_ms:8.1f} ms" for f in figures]
    for scope in dict.fromkeys(f.scope for f in figures):
        extra = added_ms(figures, scope)
        verdict = "ok" if extra <= TARGET_MS else "MISSED"
        lines.append(f"{scope}: the forecast adds {extra:.1f} ms (<= {TARGET_MS:.0f} ms {verdict})")
    return lines


def evaluation(run: Run) -> list[str]:
    """The evaluation table for the last complete financial year beside raw SQL GROUP BYs
    of the same figures (bench_evaluation.py measures, and checks the two agree)."""
    from bench_evaluation import measure

    return [
        f"{row.what:52} {row.seconds * 1000:10.1f} ms {row.verdict}"
        for row in measure(run.engine, run.runs)
    ]


def figure_lines(section: Callable[[Run], list[Figure]]) -> Callable[[Run], list[str]]:
    return lambda run: report(section(run))


SECTIONS: dict[str, Callable[[Run], list[str]]] = {
    "cld": figure_lines(cld),
    "returns": figure_lines(returns),
    "trends": trends,
    "forecast": forecast,
    "evaluation": evaluation,
}


def report(figures: list[Figure]) -> list[str]:
    by_name = {f.name: f.seconds for f in figures}
    lines = [f"{'what':52} {'median ms':>10} {'x baseline':>11}  target"]
    for f in figures:
        times = f"{f.seconds / by_name[f.baseline]:10.2f}x" if f.baseline else " " * 11
        verdicts = []
        if f.ratio is not None and f.baseline:
            ok = f.seconds <= f.ratio * by_name[f.baseline]
            verdicts.append(f"<= {f.ratio:.0f}x {'ok' if ok else 'MISSED'}")
        if f.target is not None:
            verdicts.append(f"< {f.target:.0f} s {'ok' if f.seconds < f.target else 'MISSED'}")
        said = "; ".join(verdicts + ([f.note] if f.note else []))
        lines.append(f"{f.name:52} {f.seconds * 1000:10.1f} {times}  {said}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--section", action="append", choices=sorted(SECTIONS))
    args = parser.parse_args()

    engine, people = city_engine(args.database_url, args.people)
    run = Run(engine, people, args.runs)
    where = engine.url.render_as_string(hide_password=True)
    load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
    print(
        f"database: {where}, {people:,} people; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC;"
        f" load average {load} on {os.cpu_count()} CPUs"
    )
    for name in args.section or SECTIONS:
        print(f"\n== {name}")
        for line in SECTIONS[name](run):
            print(line)


if __name__ == "__main__":
    main()
