"""The evaluation table for a year of the whole city, beside raw SQL of the same figures.

Usage:
    python benchmarks/bench_evaluation.py [--database-url URL] [--people 200000] [--runs 5]

Without --database-url it uses the shared PostgreSQL city (benchmarks/city.py,
`intapp_bench_city_200000` on 127.0.0.1), loading it once if it is empty. The year is
the last complete financial year before the newest referral, so a city built some
months ago still has a full year to count.

Measured, median of --runs after one warm-up run, each in a fresh read session:
- `evaluation_table()`: every group, by cohort and by pathway, with its costs;
- the same plus rendering it as CSV with its notes (what `intapp export evaluation` does);
- the same figures as plain SQL GROUP BYs (by cohort flags and pathway, so the
  database does the counting), with no ORM rows and no Python tallying.

Target: under 5 s for the city's year. The whole-city figures of the service and of the
raw SQL are compared, so the raw SQL is known to count the same things.

`measure(engine)` returns the rows printed here, for `bench_returns.py` to report too.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from city import city_engine, postgres_city_url
from sqlalchemy import Connection, Engine, func, text
from sqlmodel import select

from intapp import clock
from intapp.models import Referral
from intapp.services.evaluation import evaluation_table, last_complete_year, render
from intapp.services.national.period import Period
from intapp.store.engine import read_session

TARGET_SECONDS = 5.0
FLAGS = "p.frail_older, p.ltc_end_of_life, p.complex_lives, p.mh_ld_dementia, p.cyp_with_ltc"


@dataclass(frozen=True)
class Measurement:
    """One line of the report: what was timed, its median, and the target if it has one."""

    what: str
    seconds: float
    target_seconds: float | None = None

    @property
    def verdict(self) -> str:
        if self.target_seconds is None:
            return ""
        return "ok" if self.seconds < self.target_seconds else "MISSED"


def median_seconds(action: Callable[[], object], runs: int) -> float:
    action()  # warm the cache, so no contender pays for the first read from disk
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def year_to_measure(engine: Engine) -> Period:
    """The last complete financial year before the newest referral."""
    with read_session(engine) as session:
        newest = session.exec(select(func.max(Referral.received_at))).one()
    return last_complete_year(newest.date() if newest else None)


def _instant(connection: Connection, moment: Any) -> Any:
    """A UTC instant as a bound parameter: SQLite stores text (intapp's format)."""
    if connection.dialect.name == "sqlite":
        return moment.strftime("%Y-%m-%d %H:%M:%S.%f")
    return moment


def _days(connection: Connection, later: str, earlier: str) -> str:
    if connection.dialect.name == "sqlite":
        return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"
    return f"({later}) - ({earlier})"


def _day_parameter(connection: Connection) -> Callable[[str], str]:
    """A date parameter as SQL: PostgreSQL is told it is a date; SQLite compares text."""
    if connection.dialect.name == "sqlite":
        return lambda name: f":{name}"
    return lambda name: f"CAST(:{name} AS date)"


def _least(connection: Connection, *values: str) -> str:
    return ("MIN" if connection.dialect.name == "sqlite" else "LEAST") + f"({', '.join(values)})"


def _greatest(connection: Connection, *values: str) -> str:
    return ("MAX" if connection.dialect.name == "sqlite" else "GREATEST") + f"({', '.join(values)})"


def raw_sql(engine: Engine, year: Period, today: date) -> dict[str, float]:
    """The table's figures as plain GROUP BYs; returns the whole-city sums they give."""
    totals: dict[str, float] = {}

    def add(name: str, value: Any) -> None:
        totals[name] = totals.get(name, 0) + float(value or 0)

    with engine.connect() as connection:
        run = connection.execute
        bounds = {
            "starts": _instant(connection, year.starts_at),
            "ends": _instant(connection, year.ends_at),
            "first": year.first_day.isoformat(),
            "last": year.last_day.isoformat(),
            "after": (year.last_day + timedelta(days=1)).isoformat(),
            "today": today.isoformat(),
        }
        for *_, count, again, _people in run(
            text(
                f"SELECT {FLAGS}, r.pathway, COUNT(*),"
                " SUM(CASE WHEN r.is_rereferral THEN 1 ELSE 0 END), COUNT(DISTINCT r.person_id)"
                " FROM referral r JOIN person p ON p.id = r.person_id"
                " WHERE r.received_at >= :starts AND r.received_at < :ends"
                f" GROUP BY {FLAGS}, r.pathway"
            ),
            bounds,
        ):
            add("referrals_received", count)
            add("rereferrals", again)
        episodes = (
            " FROM reablement_episode e JOIN person p ON p.id = e.person_id"
            " LEFT JOIN referral r ON r.id = e.referral_id"
        )
        for *_, count in run(
            text(
                f"SELECT {FLAGS}, r.pathway, e.outcome, COUNT(*){episodes}"
                " WHERE e.ended_on >= :first AND e.ended_on <= :last AND e.state = 'ended'"
                f" GROUP BY {FLAGS}, r.pathway, e.outcome"
            ),
            bounds,
        ):
            add("reablement_ended", count)
        for *_, due, recorded, at_home in run(
            text(
                f"SELECT {FLAGS}, r.pathway, COUNT(*), COUNT(e.followup_result),"
                f" SUM(CASE WHEN e.followup_result = 'at_home' THEN 1 ELSE 0 END){episodes}"
                " WHERE e.followup_due >= :first AND e.followup_due <= :last"
                f" GROUP BY {FLAGS}, r.pathway"
            ),
            bounds,
        ):
            add("followups_due", due)
            add("followups_recorded", recorded)
            add("followups_at_home", at_home)
        day = _day_parameter(connection)
        end = _least(connection, f"COALESCE(e.ended_on, {day('today')})", day("after"))
        begin = _greatest(connection, "e.start_date", day("first"))
        for *_, days in run(
            text(
                f"SELECT {FLAGS}, r.pathway, SUM({_days(connection, end, begin)}){episodes}"
                " WHERE e.state IN ('active', 'ended') AND e.start_date <= :last"
                " AND (e.ended_on IS NULL OR e.ended_on >= :first)"
                f" AND {_days(connection, end, begin)} > 0"
                f" GROUP BY {FLAGS}, r.pathway"
            ),
            bounds,
        ):
            add("reablement_days", days)
        stay_end = _least(connection, f"COALESCE(p.date_of_death, {day('after')})", day("after"))
        stay_begin = _greatest(connection, "f.ended_on", day("first"))
        stay = _days(connection, stay_end, stay_begin)
        for *_, people, days in run(
            text(
                f"SELECT {FLAGS}, COUNT(*), SUM({stay}) FROM ("
                "  SELECT person_id, MIN(ended_on) AS ended_on FROM reablement_episode"
                "  WHERE outcome = 'long_term_support_residential' AND ended_on <= :last"
                "  GROUP BY person_id) f JOIN person p ON p.id = f.person_id"
                f" WHERE {stay} > 0 GROUP BY {FLAGS}"
            ),
            bounds,
        ):
            add("residential_people", people)
            add("residential_days", days)
        if connection.dialect.name == "postgresql":
            items = (
                "json_array_length(v.items),"
                " (SELECT SUM(CAST(i->>'cost_pounds' AS numeric))"
                "  FROM json_array_elements(v.items) i)"
            )
        else:
            items = (
                "json_array_length(v.items),"
                " (SELECT SUM(json_extract(i.value, '$.cost_pounds')) FROM json_each(v.items) i)"
            )
        for *_, count, pounds in run(
            text(
                f"SELECT {FLAGS}, SUM(n), SUM(pounds) FROM ("
                f"  SELECT c.person_id, {items.replace(',', ' AS n,', 1)} AS pounds"
                "  FROM care_plan c"
                "  JOIN (SELECT plan_id, MAX(number) AS number FROM care_plan_version"
                "        WHERE created_at < :ends GROUP BY plan_id) cur ON cur.plan_id = c.id"
                "  JOIN care_plan_version v ON v.plan_id = cur.plan_id AND v.number = cur.number"
                "  WHERE (c.closed_at IS NULL OR c.closed_at >= :starts)"
                "  AND json_array_length(v.items) > 0) x"
                f" JOIN person p ON p.id = x.person_id GROUP BY {FLAGS}"
            ),
            bounds,
        ):
            add("items", count)
            add("items_cost_pounds", pounds)
    return totals


def measure(engine: Engine, runs: int = 5, year: Period | None = None) -> list[Measurement]:
    """Time the city's evaluation table for a year against raw SQL of the same figures,
    after checking the two agree; the rows this script prints."""
    year = year or year_to_measure(engine)
    today = clock.today()

    def table() -> Any:
        with read_session(engine) as session:
            return evaluation_table(
                session=session, first=year.first_day.strftime("%d/%m/%Y"),
                last=year.last_day.strftime("%d/%m/%Y"),
            )  # fmt: skip

    everyone = table().rows[0].values
    raw = raw_sql(engine, year, today)
    checked = dict(everyone, residential_days=None)
    for name, value in raw.items():
        if name in checked and checked[name] is not None:
            assert abs(float(checked[name]) - value) < 0.01, (name, checked[name], value)
    service = median_seconds(table, runs)
    as_csv = median_seconds(lambda: render(table(), "csv"), runs)
    baseline = median_seconds(lambda: raw_sql(engine, year, today), runs)
    return [
        Measurement(f"evaluation_table(), whole city, {year.label}", service, TARGET_SECONDS),
        Measurement("  ... and rendered as CSV", as_csv),
        Measurement("raw SQL GROUP BYs, same figures", baseline),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    url = args.database_url or postgres_city_url(args.people)
    engine, people = city_engine(url, args.people)
    year = year_to_measure(engine)
    rows = measure(engine, args.runs, year)
    where = engine.url.render_as_string(hide_password=True)
    print(f"database: {where}, {people:,} people; year {year.label}")
    print(f"{'what':48} {'median ms':>10}")
    for row in rows:
        print(f"{row.what:48} {row.seconds * 1000:10.1f} {row.verdict}")
    service, raw = rows[0].seconds, rows[-1].seconds
    print(
        f"city year: {service:.2f} s (target < {TARGET_SECONDS:.0f} s) {rows[0].verdict}; "
        f"{service / raw:.2f}x raw SQL; whole-city figures agree"
    )


if __name__ == "__main__":
    main()
