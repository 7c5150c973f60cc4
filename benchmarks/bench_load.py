"""Many staff at once: K concurrent sessions, each its own login, on the PostgreSQL city.

Usage:
    python benchmarks/bench_load.py [--database-url postgresql://OWNER@HOST/DB]
        [--people 200000] [--sessions 1,8,32] [--seconds 60] [--in-place]

Each session is a separate process (as each member of staff runs their own app) signed in
as a uniquely named coordinator login of one of the city's teams (dropped at the end),
under row-level security. For --seconds it repeats what a coordinator does all day,
through intapp's own services:

- read the triage queue's first page (`triage_queue`);
- open the record of someone on it (`open_person_record`, and its view event);
- triage a referral from the queue (`open_triage`, then `triage_referral` saving it);
- allocate a triaged referral (`awaiting_allocation` and `allocation_choice`, then
  `allocate` to the best-fitting worker with room, or over the limit with a reason).

Two coordinators of one team often reach for the same referral: the loser must be told
plainly (a `Conflict`), so the errors are counted by kind, and a raw IntegrityError (or
any other database error) must never appear.

The runs change the city (referrals are triaged and allocated), so by default they work
on a scratch copy of the city database, dropped at the end; --in-place uses the city
itself. Reported per K: operations per second, p50/p95/p99 per operation, errors by kind,
and the machine's load average. Targets at K = 8: p95 under 150 ms for reads and under
300 ms for writes.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import statistics
import time
import uuid
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

from city import city_engine, postgres_city_url
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import col, select
from staff_logins import Login, staff_logins

from intapp.models import Team
from intapp.services import allocations, caseloads
from intapp.services.errors import DomainError, OverCaseloadLimit
from intapp.services.person_record import open_person_record
from intapp.services.queue import triage_queue
from intapp.services.referrals import triage_referral
from intapp.services.triage import open_triage
from intapp.services.views import record_view
from intapp.store.engine import create_db_engine, read_session, unit_of_work

READ_P95_MS, WRITE_P95_MS = 150.0, 300.0
# What a coordinator does, and how often: mostly looking, sometimes deciding.
MIX = {"queue": 4, "record": 3, "triage": 2, "allocate": 2}
# Each timed operation, and whether it reads or writes.
OPERATIONS = {
    "queue page": "read",
    "record open": "read",
    "triage open": "read",
    "triage save": "write",
    "allocation choice": "read",
    "allocate": "write",
}
Sample = tuple[str, float, str]  # (operation, ms, error kind or "")


class StaffSession:
    """One member of staff's session: their engine, team and what they last saw."""

    def __init__(self, login: Login, seed: int) -> None:
        self.login = login
        self.engine = create_db_engine(login.url)
        self.rng = random.Random(seed)
        self.queue: list[Any] = []
        self.samples: list[Sample] = []

    def timed(self, operation: str, action: Callable[[], Any]) -> Any:
        """Run `action`, recording how long it took and what went wrong, if anything."""
        start = time.perf_counter()
        kind, result = "", None
        try:
            result = action()
        except DomainError as error:
            kind = type(error).__name__  # a refusal the person is shown in plain words
        except Exception as error:  # the benchmark counts every failure, by kind
            kind = f"{type(error).__module__}.{type(error).__name__}"
        self.samples.append((operation, (time.perf_counter() - start) * 1000, kind))
        return result

    def read_queue(self) -> None:
        def read() -> list[Any]:
            with read_session(self.engine) as s:
                return triage_queue(session=s, team_ids=[self.login.team_id])

        self.queue = self.timed("queue page", read) or self.queue

    def open_record(self) -> None:
        if not self.queue:
            return self.read_queue()
        person_id = self.rng.choice(self.queue).person_id

        def read() -> object:
            with read_session(self.engine) as s:
                shown = open_person_record(session=s, person_id=person_id, timeline_limit=50)
            with unit_of_work(self.engine) as s:
                record_view(
                    session=s,
                    user=self.login.name,
                    entity="person",
                    entity_id=person_id,
                    person_id=person_id,
                )
            return shown

        self.timed("record open", read)

    def triage(self) -> None:
        waiting = [item for item in self.queue if not item.is_transfer]
        if not waiting:
            return self.read_queue()
        item = self.rng.choice(waiting)

        def read() -> Any:
            with read_session(self.engine) as s:
                return open_triage(session=s, referral_id=item.referral_id)

        view = self.timed("triage open", read)
        if view is None:
            return None

        def save() -> object:
            with unit_of_work(self.engine) as s:
                return triage_referral(
                    session=s,
                    user=self.login.name,
                    referral_id=item.referral_id,
                    priority=view.referral.priority,
                    pathway="case_management",
                    expected_version=view.referral.version,
                )

        self.timed("triage save", save)
        self.queue.remove(item)  # as the screen does once it is triaged
        return None

    def allocate(self) -> None:
        def read() -> Any:
            with read_session(self.engine) as s:
                waiting = caseloads.awaiting_allocation(
                    session=s, team_ids=[self.login.team_id], limit=10
                )
                if not waiting:
                    return None
                referral = self.rng.choice(waiting)
                choice = caseloads.allocation_choice(session=s, referral_id=referral.referral_id)
                return referral, choice

        chosen = self.timed("allocation choice", read)
        if chosen is None:
            return
        referral, choice = chosen
        roomy = [c for c in choice.candidates if c.load.headroom >= choice.weight]
        worker = (roomy or choice.candidates)[0].load.worker_id

        def save() -> object:
            with unit_of_work(self.engine) as s:
                try:
                    return allocations.allocate(
                        session=s,
                        user=self.login.name,
                        referral_id=referral.referral_id,
                        worker_id=worker,
                        weight=choice.weight,
                        expected_version=referral.version,
                    )
                except OverCaseloadLimit:
                    s.rollback()
                    return allocations.allocate(
                        session=s,
                        user=self.login.name,
                        referral_id=referral.referral_id,
                        worker_id=worker,
                        weight=choice.weight,
                        over_limit_reason="every worker in the team is full (load test)",
                        expected_version=referral.version,
                    )

        self.timed("allocate", save)


def staff_member(login: Login, seed: int, seconds: float, start: Any, out: Any) -> None:
    """One process: wait for the others, then work until the time is up."""
    session = StaffSession(login, seed)
    actions = {
        "queue": session.read_queue,
        "record": session.open_record,
        "triage": session.triage,
        "allocate": session.allocate,
    }
    names, weights = list(MIX), list(MIX.values())
    session.read_queue()  # the screen it starts on; warms the connection too
    session.samples.clear()
    start.wait()
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        actions[session.rng.choices(names, weights)[0]]()
    session.engine.dispose()
    out.put(session.samples)


def run(logins: list[Login], seconds: float) -> tuple[list[Sample], float]:
    """Every login's session at once, each in its own process; all samples, and the
    seconds from the common start until the last session finished."""
    context = multiprocessing.get_context("fork")
    start = context.Barrier(len(logins) + 1)
    out = context.Queue()
    members = [
        context.Process(target=staff_member, args=(login, n, seconds, start, out))
        for n, login in enumerate(logins)
    ]
    for member in members:
        member.start()
    start.wait()
    began = time.perf_counter()
    samples: list[Sample] = []
    for _ in members:
        samples.extend(out.get())
    elapsed = time.perf_counter() - began
    for member in members:
        member.join()
    return samples, elapsed


def report(k: int, samples: list[Sample], elapsed: float) -> None:
    with open("/proc/loadavg", encoding="ascii") as load:
        machine = " ".join(load.read().split()[:3])
    done = [s for s in samples if not s[2]]
    print(
        f"\nK = {k}: {len(samples):,} operations in {elapsed:.0f} s, "
        f"{len(done) / elapsed:.1f} completed/s; load average {machine}"
    )
    print(f"{'operation':20} {'count':>6} {'per s':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for operation, kind in OPERATIONS.items():
        timings = [ms for name, ms, error in samples if name == operation and not error]
        if len(timings) < 2:
            print(f"{operation:20} {len(timings):6}")
            continue
        cuts = statistics.quantiles(timings, n=100)
        target = READ_P95_MS if kind == "read" else WRITE_P95_MS
        verdict = ("ok" if cuts[94] < target else "OVER") if k == 8 else ""
        print(
            f"{operation:20} {len(timings):6} {len(timings) / elapsed:6.1f} "
            f"{statistics.median(timings):8.1f} {cuts[94]:8.1f} {cuts[98]:8.1f}  {verdict}"
        )
    errors = Counter((name, error) for name, _, error in samples if error)
    raw = sum(n for (_, error), n in errors.items() if "IntegrityError" in error)
    listed = ", ".join(f"{error} in {name}: {n}" for (name, error), n in errors.items())
    print(f"errors by kind: {listed or 'none'}")
    print(f"raw IntegrityError: {raw} (must be 0) {'ok' if raw == 0 else 'FAILED'}")


@contextmanager
def scratch_copy(owner: Engine) -> Any:
    """A copy of the city database for the run, dropped at the end."""
    name = f"intapp_bench_load_{uuid.uuid4().hex[:8]}"
    source = owner.url.database
    owner.dispose()  # a database with connections cannot be copied
    admin = create_engine(owner.url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{source}"'))
    url = make_url(owner.url).set(database=name)
    copy = create_db_engine(url.render_as_string(hide_password=False))
    try:
        yield copy
    finally:
        copy.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="the owner's URL (default: the local city)")
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--sessions", default="1,8,32", help="K values, comma-separated")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--in-place", action="store_true", help="work on the city itself")
    args = parser.parse_args()

    city, loaded = city_engine(args.database_url or postgres_city_url(args.people), args.people)
    ks = [int(k) for k in args.sessions.split(",")]
    print(f"database: {city.url.render_as_string(hide_password=True)}, {loaded:,} people")
    print(f"each session a coordinator login in its own process; {args.seconds:.0f} s per K")
    with _working_copy(city, in_place=args.in_place) as owner:
        with read_session(owner) as s:
            teams = list(s.exec(select(Team.id).order_by(col(Team.id))).all())
        wanted = [("coordinator", teams[n % len(teams)], None) for n in range(max(ks))]
        with staff_logins(owner, wanted) as logins:
            owner.dispose()  # no connection is carried into the forked sessions
            for k in ks:
                samples, elapsed = run(logins[:k], args.seconds)
                report(k, samples, elapsed)


@contextmanager
def _working_copy(city: Engine, *, in_place: bool) -> Any:
    if in_place:
        yield city
        return
    with scratch_copy(city) as copy:
        yield copy


if __name__ == "__main__":
    main()
