"""What row-level security costs the four main screens, as a key worker beside the owner.

Usage:
    python benchmarks/bench_rls.py [--database-url postgresql://OWNER@HOST/DB]
        [--people 200000] [--runs 40]

On the PostgreSQL city (built once with the demo generator, then reused, as in
bench_queries.py; the default database is intapp_bench_city_<people> on the local
server) it makes a uniquely named key-worker login for the busiest team, linked to that
team's busiest worker, and times the triage queue's first page, the worker's caseload,
the team's board and the record of a person on that caseload: once as the owner (not
filtered) and once as the key worker (every person table filtered by its policies).
Runs alternate between the two, so a busy neighbour on the shared machine slows both
alike; each session is warmed first (policies are planned once per session). The login
is dropped at the end.

Targets: under row-level security each screen's median within 1.3x of the owner's and
under 150 ms.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from city import city_engine, postgres_city_url
from sqlalchemy import Engine, func
from sqlmodel import col, select
from staff_logins import staff_logins

from intapp.models import Allocation, Referral
from intapp.services import caseloads
from intapp.services.person_record import open_person_record
from intapp.services.queue import triage_queue
from intapp.store.engine import create_db_engine, read_session

TARGET_MS = 150.0
TARGET_RATIO = 1.3
Screen = Callable[[Engine], object]


def screens(team_id: int, worker_id: int, person_id: int) -> dict[str, Screen]:
    """Each screen's load, as its service gives it, in a session of its own."""

    def queue(engine: Engine) -> object:
        with read_session(engine) as s:
            return triage_queue(session=s, team_ids=[team_id])

    def caseload(engine: Engine) -> object:
        with read_session(engine) as s:
            return caseloads.worker_caseload(session=s, worker_id=worker_id)

    def board(engine: Engine) -> object:
        with read_session(engine) as s:
            return caseloads.team_board(session=s, team_id=team_id)

    def record(engine: Engine) -> object:
        with read_session(engine) as s:
            return open_person_record(session=s, person_id=person_id, timeline_limit=50)

    return {
        "triage queue, one team (first 50)": queue,
        "the worker's caseload (first 50)": caseload,
        "team caseload board": board,
        "person record": record,
    }


def busiest(owner: Engine) -> tuple[int, int, int]:
    """The team with most referrals waiting, its worker with most cases, one of them."""
    with read_session(owner) as session:
        team_id = session.exec(
            select(Referral.team_id)
            .where(Referral.status == "received")
            .group_by(col(Referral.team_id))
            .order_by(func.count().desc())
        ).first()
        assert team_id is not None, "the city has no referral waiting"
        board = caseloads.team_board(session=session, team_id=team_id)
        worker_id = max(board, key=lambda w: w.open_cases).worker_id
        person_id = session.exec(
            select(Allocation.person_id)
            .where(Allocation.worker_id == worker_id, col(Allocation.ended_at).is_(None))
            .order_by(col(Allocation.id))
        ).first()
        assert person_id is not None
    return team_id, worker_id, person_id


def timed_ms(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="the owner's URL (default: the local city)")
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()

    owner, loaded = city_engine(args.database_url or postgres_city_url(args.people), args.people)
    team_id, worker_id, person_id = busiest(owner)
    figures: list[tuple[str, list[float], list[float]]] = []
    with staff_logins(owner, [("key_worker", team_id, worker_id)]) as (login,):
        staff = create_db_engine(login.url)
        try:
            for name, screen in screens(team_id, worker_id, person_id).items():
                screen(owner), screen(staff)  # warm: each session plans its policies once
                as_owner, as_staff = [], []
                for _ in range(args.runs):
                    as_owner.append(timed_ms(lambda s=screen: s(owner)))  # type: ignore[misc]
                    as_staff.append(timed_ms(lambda s=screen: s(staff)))  # type: ignore[misc]
                figures.append((name, as_owner, as_staff))
        finally:
            staff.dispose()
    owner.dispose()

    with open("/proc/loadavg", encoding="ascii") as load:
        machine = " ".join(load.read().split()[:3])
    where = owner.url.render_as_string(hide_password=True)
    print(f"database: {where}, {loaded:,} people; load average {machine}")
    print(f"key worker login under row-level security beside the owner; {args.runs} runs each")
    print(
        f"{'screen':36} {'owner p50':>9} {'staff p50':>9} {'ratio':>6} "
        f"{'owner p95':>9} {'staff p95':>9}"
    )
    for name, as_owner, as_staff in figures:
        owner_p50, staff_p50 = statistics.median(as_owner), statistics.median(as_staff)
        ratio = staff_p50 / owner_p50 if owner_p50 else float("inf")
        verdict = "ok" if staff_p50 < TARGET_MS and ratio <= TARGET_RATIO else "MISSED"
        print(
            f"{name:36} {owner_p50:9.1f} {staff_p50:9.1f} {ratio:6.2f} "
            f"{_p95(as_owner):9.1f} {_p95(as_staff):9.1f}  {verdict}"
        )
    print(f"targets: staff p50 under {TARGET_MS:.0f} ms and within {TARGET_RATIO}x of the owner's")


def _p95(timings: list[float]) -> float:
    return statistics.quantiles(timings, n=20)[-1]


if __name__ == "__main__":
    main()
