"""Median latency of the core queries on a city-scale database.

Usage:
    python benchmarks/bench_queries.py [--database-url URL] [--people 200000] [--runs 50]

Without --database-url it builds (once) a city-scale SQLite file in
benchmarks/.data/ with `intapp demo --people N`, then reuses it. Target: each figure
under 20 ms median on SQLite.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from city import city_engine
from sqlalchemy import func
from sqlmodel import col, select

from intapp.models import Person, Referral, Worker
from intapp.services import allocations, caseloads, people
from intapp.services.errors import OverCaseloadLimit
from intapp.services.queue import triage_queue
from intapp.store.engine import read_session, unit_of_work

TARGET_MS = 20.0


def median_ms(action: Callable[[], object], runs: int) -> float:
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()

    engine, loaded = city_engine(args.database_url, args.people)

    with read_session(engine) as session:
        busiest_team = session.exec(
            select(Referral.team_id)
            .where(Referral.status == "received")
            .group_by(col(Referral.team_id))
            .order_by(func.count().desc())
        ).first()
        team_id = busiest_team or 1
        board = caseloads.team_board(session=session, team_id=team_id)
        worker = max(board, key=lambda w: w.open_cases)
        nhs_number = session.exec(
            select(Person.nhs_number)
            .where(col(Person.nhs_number).is_not(None))
            .offset(loaded // 2 if loaded else 0)
        ).first()
        triaged = session.exec(
            select(Referral.id, Referral.version)
            .where(Referral.status == "triaged")
            .order_by(col(Referral.id))
        ).all()
        receivers = session.exec(
            select(Worker.id).where(Worker.team_id == team_id, col(Worker.active).is_(True))
        ).all()

    def queue() -> object:
        with read_session(engine) as s:
            return triage_queue(session=s, team_ids=[team_id])

    def caseload() -> object:
        with read_session(engine) as s:
            return caseloads.worker_caseload(session=s, worker_id=worker.worker_id)

    def team_board() -> object:
        with read_session(engine) as s:
            return caseloads.team_board(session=s, team_id=team_id)

    def lookup() -> object:
        with read_session(engine) as s:
            return people.search_people(session=s, text=nhs_number or "")

    pending = list(triaged)

    def allocate() -> object:
        referral_id, version = pending.pop()
        with unit_of_work(engine) as s:
            try:
                return allocations.allocate(
                    session=s,
                    user="bench",
                    referral_id=referral_id,
                    worker_id=receivers[0],
                    expected_version=version,
                )
            except OverCaseloadLimit:
                return allocations.allocate(
                    session=s,
                    user="bench",
                    referral_id=referral_id,
                    worker_id=receivers[0],
                    over_limit_reason="benchmark",
                    expected_version=version,
                )

    figures = {
        "triage queue, one team (first 50)": median_ms(queue, args.runs),
        "one worker's caseload (first 50)": median_ms(caseload, args.runs),
        "team caseload board": median_ms(team_board, args.runs),
        "person lookup by NHS number": median_ms(lookup, args.runs),
        "allocate (with audit, committed)": median_ms(allocate, min(args.runs, len(pending))),
    }
    where = engine.url.render_as_string(hide_password=True)
    print(f"database: {where}, {loaded or args.people:,} people")
    print(f"{'query':40} {'median ms':>10}  target {TARGET_MS:.0f} ms")
    for name, ms in figures.items():
        verdict = "ok" if ms < TARGET_MS else "SLOW"
        print(f"{name:40} {ms:10.2f}  {verdict}")


if __name__ == "__main__":
    main()
