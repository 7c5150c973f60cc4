"""What row-level security costs: each screen's query as the owner and as a staff login.

Usage:
    python benchmarks/bench_row_security.py --database-url postgresql+psycopg://OWNER@HOST/DB
        [--people 200000] [--runs 30] [--role key_worker]

On a PostgreSQL city (built once, as in bench_queries.py) it makes a throwaway login in
the role asked for, holding the busiest team (a supervisor: that team's locality), and
signed in as the busiest worker there; times the triage queue, that worker's caseload,
the team's board and a person's record as the owner (no row-level security) and as the
login (with it), side by side; then drops the login. The server must let the owner sign
in as the new login without a password (trust for local connections, as in the tests).
Target: with row-level security each screen costs at most 1.3x and stays under 150 ms.
"""

from __future__ import annotations

import argparse
import statistics

from bench_queries import median_ms
from city import city_engine
from sqlalchemy import func, text
from sqlmodel import col, select
from staff_logins import staff_logins

from intapp.models import Referral
from intapp.services import caseloads, people
from intapp.services.person_record import open_person_record
from intapp.services.queue import triage_queue
from intapp.store.engine import create_db_engine, read_session

TARGET_MS = 150.0
TARGET_RATIO = 1.3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument(
        "--role", default="key_worker", choices=["key_worker", "coordinator", "supervisor"]
    )
    args = parser.parse_args()

    owner, loaded = city_engine(args.database_url, args.people)
    with read_session(owner) as session:
        team_id = session.exec(
            select(Referral.team_id)
            .where(Referral.status == "received")
            .group_by(col(Referral.team_id))
            .order_by(func.count().desc())
        ).first()
        assert team_id is not None, "the city has no referral waiting"
        worker = max(
            caseloads.team_board(session=session, team_id=team_id), key=lambda w: w.open_cases
        )
        person_id = session.execute(
            text(
                "SELECT person_id FROM allocation WHERE worker_id = :w AND ended_at IS NULL "
                "ORDER BY id LIMIT 1"
            ),
            {"w": worker.worker_id},
        ).scalar_one()
        # Someone in the team's queue: a lookup the login may answer.
        nhs_number = session.execute(
            text(
                "SELECT p.nhs_number FROM referral r JOIN person p ON p.id = r.person_id "
                "WHERE r.team_id = :t AND r.status = 'received' AND p.nhs_number IS NOT NULL "
                "ORDER BY r.id LIMIT 1"
            ),
            {"t": team_id},
        ).scalar_one()

    # Only a key worker is linked to the worker: the others hold the team (or locality).
    linked = worker.worker_id if args.role == "key_worker" else None
    with staff_logins(owner, [(args.role, team_id, linked)]) as (login,):
        staff = create_db_engine(login.url)
        try:
            rows = []
            for name, action in _screens(team_id, worker.worker_id, person_id, nhs_number).items():
                action(owner), action(staff)  # warm: each session plans its policies once
                # Alternating runs, so a busy neighbour on the machine slows both alike.
                pairs = [
                    (
                        median_ms(lambda a=action: a(owner), 1),
                        median_ms(lambda a=action: a(staff), 1),
                    )
                    for _ in range(args.runs)
                ]
                rows.append(
                    (
                        name,
                        statistics.median(p[0] for p in pairs),
                        statistics.median(p[1] for p in pairs),
                    )
                )
        finally:
            staff.dispose()

    where = owner.url.render_as_string(hide_password=True)
    print(f"database: {where}, {loaded:,} people; staff login: {args.role}")
    print(f"{'screen':34} {'owner ms':>9} {'staff ms':>9} {'ratio':>6}")
    for name, without, with_rls in rows:
        ratio = with_rls / without if without else float("inf")
        verdict = "ok" if with_rls < TARGET_MS and ratio <= TARGET_RATIO else "OVER"
        print(f"{name:34} {without:9.2f} {with_rls:9.2f} {ratio:6.2f}  {verdict}")


def _screens(team_id: int, worker_id: int, person_id: int, nhs_number: str) -> dict:
    def queue(engine):
        with read_session(engine) as s:
            return triage_queue(session=s, team_ids=[team_id])

    def caseload(engine):
        with read_session(engine) as s:
            return caseloads.worker_caseload(session=s, worker_id=worker_id)

    def board(engine):
        with read_session(engine) as s:
            return caseloads.team_board(session=s, team_id=team_id)

    def lookup(engine):
        with read_session(engine) as s:
            return people.search_people(session=s, text=nhs_number)

    def record(engine):
        with read_session(engine) as s:
            return open_person_record(session=s, person_id=person_id, timeline_limit=50)

    return {
        "triage queue, one team (first 50)": queue,
        "one worker's caseload (first 50)": caseload,
        "team caseload board": board,
        "person lookup by NHS number": lookup,
        "person record": record,
    }


if __name__ == "__main__":
    main()
