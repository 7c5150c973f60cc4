"""The weekly caseload summary for the whole city, beside raw SQL of the same figures.

Usage:
    python benchmarks/bench_export.py [--database-url URL] [--people 200000] [--runs 7]

Without --database-url it uses (building it once, as bench_queries.py does) the
city-scale SQLite file benchmarks/.data/city-200000.sqlite3. The week is the last
complete one before the newest referral in the database, so a demo built weeks ago
still has a busy week to count.

Measured, median of --runs after one warm-up run, each in a fresh read session:
- `weekly_summary()`: every worker, team, locality and city row;
- the same plus rendering it as CSV (what `intapp export weekly` does);
- the same GROUP BY queries written as plain SQL on a sqlite3 connection, fetching the
  same figures with no SQLAlchemy and no Python arithmetic.

Targets: the city summary under 1 s, and within 2x of the raw SQL. The city totals of
both are compared, so the raw SQL is known to count the same things.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from city import city_engine
from sqlalchemy import func
from sqlmodel import select

from intapp.config import load_settings
from intapp.models import Referral
from intapp.services.weekly_summary import IsoWeek, last_complete_week, render, weekly_summary
from intapp.store.engine import read_session
from intapp.store.sqlite_reader import sqlite_path

TARGET_SECONDS, TARGET_RATIO = 1.0, 2.0


def median_seconds(action: Callable[[], object], runs: int) -> float:
    action()  # warm the page cache, so no contender pays for the first read from disk
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def _stamp(moment: object) -> str:
    """A UTC instant as intapp stores it in SQLite."""
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")  # type: ignore[attr-defined]


def raw_sql(database: Path, week: IsoWeek) -> dict[str, int]:
    """The summary's GROUP BY queries as plain SQL; returns the city totals they give."""
    starts, ends = _stamp(week.starts_at), _stamp(week.ends_at)
    monday, sunday = week.monday.isoformat(), week.sunday.isoformat()
    long_ago = (week.sunday - timedelta(days=load_settings().reablement_standard_days)).isoformat()
    totals: Counter[str] = Counter()
    with sqlite3.connect(database) as connection:
        run = connection.execute
        for _, open_cases, load, new, closed in run(
            "SELECT worker_id, SUM(ended_at IS NULL OR ended_at >= :ends),"
            " SUM(CASE WHEN ended_at IS NULL OR ended_at >= :ends THEN weight ELSE 0 END),"
            " SUM(started_at >= :starts),"
            " SUM(ended_at < :ends AND EXISTS (SELECT 1 FROM referral r"
            "     WHERE r.id = a.referral_id AND r.closed_at = a.ended_at))"
            " FROM allocation a WHERE started_at < :ends"
            " AND (ended_at IS NULL OR ended_at >= :starts) GROUP BY worker_id",
            {"starts": starts, "ends": ends},
        ):
            totals.update(open_cases=open_cases, weighted_load=load, allocations_new=new)
            totals.update(cases_closed=closed)
        for _, count in run(
            "SELECT assessor_id, COUNT(*) FROM assessment WHERE signed_off_at >= ?"
            " AND signed_off_at < ? AND assessor_id IS NOT NULL GROUP BY assessor_id",
            (starts, ends),
        ):
            totals.update(assessments_signed_off=count)
        for _, due, overdue in run(
            "SELECT lead_worker_id, SUM(review_date >= :monday), SUM(review_date < :monday)"
            " FROM care_plan WHERE review_date <= :sunday"
            " AND (closed_at IS NULL OR closed_at >= :ends) GROUP BY lead_worker_id",
            {"monday": monday, "sunday": sunday, "ends": ends},
        ):
            totals.update(reviews_due=due, reviews_overdue=overdue)
        for _, began, ended, over in run(
            "SELECT worker_id,"
            " SUM(start_date <= :sunday AND state != 'planned' AND start_date >= :monday),"
            " SUM(ended_on >= :monday AND ended_on <= :sunday),"
            " SUM(start_date <= :sunday AND state != 'planned' AND start_date < :long_ago"
            "     AND (ended_on IS NULL OR ended_on > :sunday))"
            " FROM reablement_episode WHERE worker_id IS NOT NULL GROUP BY worker_id",
            {"monday": monday, "sunday": sunday, "long_ago": long_ago},
        ):
            totals.update(reablement_started=began, reablement_ended=ended)
            totals.update(reablement_over_42_days=over)
        for _, count in run(
            "SELECT team_id, COUNT(*) FROM referral WHERE received_at >= ? AND received_at < ?"
            " GROUP BY team_id",
            (starts, ends),
        ):
            totals.update(referrals_received=count)
        for _, count, _on_time in run(
            "SELECT team_id, COUNT(*), SUM(triaged_at <= due_by) FROM referral"
            " WHERE triaged_at >= ? AND triaged_at < ? GROUP BY team_id",
            (starts, ends),
        ):
            totals.update(referrals_triaged=count)
        hours = [
            h
            for (h,) in run(
                "SELECT (julianday(triaged_at) - julianday(received_at)) * 24 FROM referral"
                " WHERE triaged_at >= ? AND triaged_at < ?",
                (starts, ends),
            )
        ]
        totals["hours_fetched"] = len(hours)
        still_due = (
            "received_at < :ends AND due_by < :ends AND (closed_at IS NULL OR closed_at >= :ends)"
        )
        for _, count in run(
            "SELECT team_id, COUNT(*) FROM ("
            f" SELECT team_id FROM referral WHERE triaged_at IS NULL AND {still_due}"
            f" UNION ALL SELECT team_id FROM referral WHERE triaged_at >= :ends AND {still_due}"
            ") GROUP BY team_id",
            {"ends": ends},
        ):
            totals.update(triage_overdue_at_week_end=count)
        for _, _outcome, count in run(
            "SELECT p.team_id, e.outcome, COUNT(*) FROM reablement_episode e"
            " JOIN person p ON p.id = e.person_id WHERE e.ended_on >= ? AND e.ended_on <= ?"
            " GROUP BY p.team_id, e.outcome",
            (monday, sunday),
        ):
            totals.update(reablement_endings=count)
        for _, due, at_home in run(
            "SELECT p.team_id, COUNT(*), SUM(e.followup_result = 'at_home')"
            " FROM reablement_episode e JOIN person p ON p.id = e.person_id"
            " WHERE e.followup_due >= ? AND e.followup_due <= ? GROUP BY p.team_id",
            (monday, sunday),
        ):
            totals.update(followups_due=due, followups_at_home=at_home)
    return dict(totals)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    engine, people = city_engine(args.database_url, args.people)
    with read_session(engine) as session:
        newest = session.exec(select(func.max(Referral.received_at))).one()
    week = last_complete_week(newest.date() if newest else None)

    def summary() -> object:
        with read_session(engine) as session:
            return weekly_summary(session=session, week=week)

    def summary_as_csv() -> object:
        return render(summary(), "csv")  # type: ignore[arg-type]

    city = summary().rows[-1].values  # type: ignore[attr-defined]
    figures = {
        "weekly_summary(), whole city": median_seconds(summary, args.runs),
        "  ... and rendered as CSV": median_seconds(summary_as_csv, args.runs),
    }
    database = sqlite_path(engine.url.render_as_string(hide_password=False))
    raw_seconds = None
    if database is not None:
        raw_seconds = median_seconds(lambda: raw_sql(database, week), args.runs)
        figures["raw SQL GROUP BYs (sqlite3)"] = raw_seconds
        raw = raw_sql(database, week)
        for name, value in raw.items():
            if name in city:
                assert city[name] == value, (name, city[name], value)
        assert raw.get("reablement_endings", 0) == sum(
            v
            for k, v in city.items()
            if k.startswith("ended_")  # type: ignore[misc]
        )
    where = engine.url.render_as_string(hide_password=True)
    rows = len(summary().rows)  # type: ignore[attr-defined]
    print(f"database: {where}, {people:,} people; week {week.label}; {rows} rows")
    print(f"{'what':40} {'median ms':>10}")
    for name, seconds in figures.items():
        print(f"{name:40} {seconds * 1000:10.1f}")
    service = figures["weekly_summary(), whole city"]
    print(
        f"city summary: {service:.2f} s (target < {TARGET_SECONDS:.0f} s) "
        f"{'ok' if service < TARGET_SECONDS else 'MISSED'}"
    )
    if raw_seconds is not None:
        ratio = service / raw_seconds
        print(
            f"summary / raw SQL: {ratio:.2f}x (target <= {TARGET_RATIO:.0f}x) "
            f"{'ok' if ratio <= TARGET_RATIO else 'MISSED'}; city totals agree"
        )


if __name__ == "__main__":
    main()
