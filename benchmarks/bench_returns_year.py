"""The outcome figures for a financial year (SALT STS001, STS002a/b, ASCOF 2B and 2D) for
the whole city, beside a raw-SQL read of the same records, taken in the same run.

Usage:
    python benchmarks/bench_returns_year.py [--database-url URL] [--people 200000]
        [--year 2025-26] [--runs 3]

Without --database-url it uses (building it once) benchmarks/.data/city-PEOPLE.sqlite3.
The year defaults to the last complete financial year before the newest triage.

`measure(engine)` gives the rows (bench_returns.py prints them too), medians of --runs:
- returns from the CLD events: `cld_events` over `history_period(year)`, then
  `returns_from_events`;
- returns from the tables: `returns_direct`, which the tests hold equal to the first
  (what `intapp export returns` does);
- baseline: the same records (requests, assessments, reablement, plan versions, the
  episodes whose sequels are services, each with its person) read by plain SQL and
  fetched, with no Python work on them;
- baseline: the count of those records, by plain SQL.
The two derivations' figures are compared: "equal" says they agree.

Target: the returns for a year under 5 s.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from city import city_engine
from sqlalchemy import Engine, func, text
from sqlmodel import Session, select

from intapp import clock
from intapp.models import Referral
from intapp.services.national.cld import cld_events, uk_day
from intapp.services.national.period import Period, financial_year, parse_financial_year
from intapp.services.national.returns import YearReturns, history_period, returns_from_events
from intapp.services.national.returns_direct import returns_direct

TARGET_SECONDS = 5.0
RUNS = 3

# The records the returns read, as plain SQL (the person each names, as its survivor).
_PERSON = "JOIN person g ON g.id = {fk} JOIN person p ON p.id = COALESCE(g.merged_into_id, g.id)"
RAW_QUERIES = {
    "requests": "SELECT p.id, p.date_of_birth, p.date_of_death, p.client_type, p.is_carer,"
    " r.reference, r.received_at, r.triaged_at, r.pathway, r.route_of_access, r.close_outcome"
    " FROM referral r " + _PERSON.format(fk="r.person_id") + " WHERE r.triaged_at >= :starts"
    " AND r.triaged_at < :ends",
    # Begun before the year: only for people with reablement in the history.
    "assessments": "SELECT p.id, p.date_of_birth, p.date_of_death, p.client_type, p.is_carer,"
    " a.id, a.assessment_type, a.created_at, a.signed_off_at, a.eligible"
    " FROM assessment a " + _PERSON.format(fk="a.person_id") + " WHERE a.status IN"
    " ('signed_off', 'superseded') AND a.signed_off_at >= :starts AND a.signed_off_at < :ends"
    " AND (a.created_at >= :year_starts OR p.id IN (SELECT COALESCE(g2.merged_into_id, g2.id)"
    " FROM reablement_episode e2 JOIN person g2 ON g2.id = e2.person_id"
    " WHERE e2.state IN ('active', 'ended') AND e2.start_date <= :last"
    " AND (e2.ended_on IS NULL OR e2.ended_on >= :first)))",
    "reablement": "SELECT p.id, p.date_of_birth, p.date_of_death, p.client_type, p.is_carer,"
    " e.id, e.start_date, e.ended_on, e.outcome FROM reablement_episode e "
    + _PERSON.format(fk="e.person_id")
    + " WHERE e.state IN ('active', 'ended') AND e.start_date <= :last"
    " AND (e.ended_on IS NULL OR e.ended_on >= :first)",
    "plan versions": "SELECT p.id, p.date_of_birth, p.date_of_death, p.client_type, p.is_carer,"
    " c.id, c.closed_at, v.created_at, v.items FROM care_plan c "
    + _PERSON.format(fk="c.person_id")
    + " JOIN care_plan_version v ON v.plan_id = c.id WHERE v.created_at < :ends"
    " AND (c.closed_at IS NULL OR c.closed_at >= :starts) ORDER BY c.id, v.number",
    # The support that followed reablement (`sequel_services`).
    "sequels": "SELECT p.id, p.date_of_birth, p.date_of_death, p.client_type, p.is_carer,"
    " e.id, e.ended_on, e.outcome, e.followup_result,"
    " COALESCE(e.followup_recorded_on, e.followup_due) FROM reablement_episode e "
    + _PERSON.format(fk="e.person_id")
    + " WHERE e.state = 'ended' AND e.ended_on < :last AND (e.outcome IN"
    " ('ongoing_low_level_support', 'long_term_support_community',"
    " 'long_term_support_residential') OR e.followup_result = 'residential_or_nursing')"
    " AND (p.date_of_death IS NULL OR p.date_of_death >= :first)",
}


@dataclass(frozen=True)
class Row:
    """One measured figure: what, its median seconds, and what it found."""

    label: str
    seconds: float
    note: str

    def __str__(self) -> str:
        return f"{self.label:52} {self.seconds:7.2f} s   {self.note}"


def median_seconds(action: Callable[[], object], runs: int) -> tuple[float, object]:
    timings, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = action()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings), result


def last_complete_year(engine: Engine) -> Period:
    """The last financial year that ended before the newest triage."""
    with Session(engine) as session:
        newest = session.exec(select(func.max(Referral.triaged_at))).one()
    day = uk_day(newest) if newest is not None else clock.today()
    current = day.year if day >= date(day.year, 4, 1) else day.year - 1
    return financial_year(current - 1)


def _bounds(year: Period) -> dict[str, object]:
    upto = history_period(year)
    return {
        "year_starts": year.starts_at,
        "starts": upto.starts_at,
        "ends": upto.ends_at,
        "first": upto.first_day,
        "last": upto.last_day,
    }


def raw_read(engine: Engine, year: Period) -> int:
    """Every record the returns read, fetched by plain SQL; how many rows."""
    with engine.connect() as connection:
        return sum(
            len(connection.execute(text(sql), _bounds(year)).all()) for sql in RAW_QUERIES.values()
        )


def raw_count(engine: Engine, year: Period) -> int:
    """The same records counted by plain SQL."""
    with engine.connect() as connection:
        return sum(
            int(connection.execute(text(f"SELECT COUNT(*) FROM ({sql}) x"), _bounds(year)).one()[0])
            for sql in RAW_QUERIES.values()
        )


def _figures(returns: YearReturns) -> str:
    return (
        f"STS001 {sum(returns.sts001.values()):,}, STS002a {sum(returns.sts002a.values()):,},"
        f" STS002b {sum(returns.sts002b.values()):,}, 2B {returns.ascof_2b.percent}%"
        f" of {returns.ascof_2b.denominator:,}, 2D {returns.ascof_2d.percent}%"
        f" of {returns.ascof_2d.denominator:,}"
    )


def measure(engine: Engine, year: Period | None = None, runs: int = RUNS) -> list[Row]:
    """The returns for a year, both ways, beside the raw-SQL read and count."""
    year = year or last_complete_year(engine)
    as_of = clock.today()

    def from_events() -> YearReturns:
        with Session(engine) as session:
            events = cld_events(session, history_period(year), None)
            return returns_from_events(events, year=year, as_of=as_of)

    def from_tables() -> YearReturns:
        with Session(engine) as session:
            return returns_direct(session=session, year=year, team_ids=None, as_of=as_of)

    events_s, by_events = median_seconds(from_events, runs)
    tables_s, by_tables = median_seconds(from_tables, runs)
    read_s, rows = median_seconds(lambda: raw_read(engine, year), runs)
    count_s, counted = median_seconds(lambda: raw_count(engine, year), runs)
    assert isinstance(by_events, YearReturns) and isinstance(by_tables, YearReturns)
    agree = "equal" if by_events == by_tables else "DIFFERENT"
    target = f"target < {TARGET_SECONDS:.0f} s"
    return [
        Row(f"returns {year.label} from CLD events", events_s, f"{_figures(by_events)}; {target}"),
        Row(f"returns {year.label} from the tables", tables_s, f"{agree}; {target}"),
        Row("baseline: raw SQL read of the same records", read_s, f"{rows:,} rows"),
        Row("baseline: raw SQL count of the same records", count_s, f"{counted:,} records"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--year", help="Financial year, e.g. 2025-26")
    parser.add_argument("--runs", type=int, default=RUNS)
    args = parser.parse_args()
    engine, loaded = city_engine(args.database_url, args.people)
    year = parse_financial_year(args.year) if args.year else None
    print(f"{engine.dialect.name}, {loaded:,} people, median of {args.runs} runs")
    for row in measure(engine, year, args.runs):
        print(row)


if __name__ == "__main__":
    main()
