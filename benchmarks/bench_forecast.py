"""What the breach forecast costs the dashboard, beside the dashboard without it, in the
same run.

Usage:
    python benchmarks/bench_forecast.py [--database-url URL] [--people 200000] [--runs 50]

Without --database-url it uses (and, once, builds) benchmarks/.data/city-PEOPLE.sqlite3;
for the PostgreSQL city pass postgresql://postgres@127.0.0.1:5432/intapp_bench_city_200000.
For the whole city, the busiest team (most referrals awaiting triage) and its locality:

- baseline: the dashboard's figures (`count_figures`), in a read of their own;
- the forecast (`services.forecast.forecast`), in a read of its own, as the dashboard
  makes it once its figures are shown;
- the two in one read: what the dashboard now costs. Its cost over the baseline is what
  the forecast adds (target: at most 50 ms);
- the queue's first page, which marks the rows likely to breach, beside the forecast
  alone for the same scope.

The runs alternate between the measurements, so a busy machine slows each alike.
`measure(engine)` returns the figures for another benchmark to print.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from city import city_engine
from sqlalchemy import Engine, text

from intapp.services.dashboard import count_figures
from intapp.services.forecast import forecast
from intapp.services.queue import queue_page
from intapp.store.engine import read_session
from intapp.store.plain_sql import PlainSQL, through_session

TARGET_MS = 50.0
RUNS = 50


@dataclass(frozen=True)
class Figure:
    """One measurement: its median and 95th percentile, in milliseconds."""

    scope: str
    what: str
    median_ms: float
    p95_ms: float


def scopes(engine: Engine) -> list[tuple[str, list[int] | None]]:
    """The whole city, the team with most referrals awaiting triage, and its locality."""
    with engine.connect() as connection:
        team_id, locality_id = connection.execute(
            text(
                "SELECT team.id, team.locality_id FROM team JOIN referral"
                " ON referral.team_id = team.id WHERE referral.status = 'received'"
                " GROUP BY team.id, team.locality_id ORDER BY count(*) DESC, team.id LIMIT 1"
            )
        ).one()
        locality = list(
            connection.execute(
                text("SELECT id FROM team WHERE locality_id = :l ORDER BY id"), {"l": locality_id}
            ).scalars()
        )
    return [("whole city", None), ("busiest team", [team_id]), ("its locality", locality)]


def _timed(engine: Engine, read: Callable[[PlainSQL], object]) -> float:
    start = time.perf_counter()
    with read_session(engine) as session:
        read(through_session(session))
    return (time.perf_counter() - start) * 1000


def measure(engine: Engine, runs: int = RUNS) -> list[Figure]:
    """Every figure, for each scope, the runs of each measurement taken in turns."""
    figures: list[Figure] = []
    for scope, team_ids in scopes(engine):
        reads: dict[str, Callable[[PlainSQL], object]] = {
            "baseline: dashboard figures": lambda db, t=team_ids: count_figures(db, team_ids=t),
            "breach forecast, its own read": lambda db, t=team_ids: forecast(db, team_ids=t),
            "dashboard figures + forecast": lambda db, t=team_ids: (
                count_figures(db, team_ids=t),
                forecast(db, team_ids=t),
            ),
            "queue, first page (marks included)": lambda db, t=team_ids: queue_page(
                db, team_ids=t, limit=40
            ),
        }
        timings: dict[str, list[float]] = {what: [] for what in reads}
        for read in reads.values():
            _timed(engine, read)  # warm the cache and the statements once
        for _ in range(runs):
            for what, read in reads.items():
                timings[what].append(_timed(engine, read))
        for what, ms in timings.items():
            ordered = sorted(ms)
            p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
            figures.append(Figure(scope, what, statistics.median(ordered), p95))
    return figures


def added_ms(figures: list[Figure], scope: str) -> float:
    """What the forecast adds to the dashboard's read, in median milliseconds."""
    by_what = {f.what: f.median_ms for f in figures if f.scope == scope}
    return by_what["dashboard figures + forecast"] - by_what["baseline: dashboard figures"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=RUNS)
    args = parser.parse_args()

    engine, loaded = city_engine(args.database_url, args.people)
    figures = measure(engine, args.runs)
    where = engine.url.render_as_string(hide_password=True)
    print(f"database: {where}, {loaded:,} people; {args.runs} runs each, in turns")
    print(f"{'scope':14} {'what':38} {'median ms':>10} {'p95 ms':>8}")
    for f in figures:
        print(f"{f.scope:14} {f.what:38} {f.median_ms:10.1f} {f.p95_ms:8.1f}")
    for scope in dict.fromkeys(f.scope for f in figures):
        extra = added_ms(figures, scope)
        verdict = "ok" if extra <= TARGET_MS else "OVER"
        print(f"{scope}: the forecast adds {extra:.1f} ms (target ≤ {TARGET_MS:.0f} ms): {verdict}")


if __name__ == "__main__":
    main()
