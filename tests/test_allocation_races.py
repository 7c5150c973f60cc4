"""Two coordinators allocating the same referral at once: the loser is told plainly.

The races run on two real PostgreSQL sessions in two threads. The one-open-allocation
index is the last line of defence; it must never surface as a database error.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from factories import USER, add_team, add_worker, seen_version, triaged_referral
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from intapp.models import Allocation, Referral
from intapp.services import allocations
from intapp.services.errors import Conflict
from intapp.store.engine import unit_of_work

ALLOCATED_MEANWHILE = "Someone else allocated referral"


def _case(engine: Engine, workers: int) -> tuple[int, int, list[int]]:
    """A triaged referral, the version a coordinator sees, and `workers` workers."""
    with unit_of_work(engine) as s:
        team = add_team(s).id
        staff = [add_worker(s, team, f"W{n}") for n in range(workers)]
        referral = triaged_referral(s, team, 1)
        version = seen_version(s, Referral, referral.id)
    return referral.id, version, staff


def _allocate(engine: Engine, referral_id: int, version: int, worker_id: int, **hooks: Any) -> Any:
    """Allocate in a session of its own; the summary, or the error raised."""
    try:
        with unit_of_work(engine) as s:
            result = allocations.allocate(
                session=s,
                user=USER,
                referral_id=referral_id,
                worker_id=worker_id,
                expected_version=version,
            )
            if "before_commit" in hooks:
                hooks["before_commit"]()
            return result
    except Exception as error:  # the test looks at what came out
        return error


def _open_allocations(engine: Engine, referral_id: int) -> int:
    with Session(engine) as s:
        return len(
            s.exec(
                select(Allocation).where(
                    Allocation.referral_id == referral_id, col(Allocation.ended_at).is_(None)
                )
            ).all()
        )


@pytest.mark.parametrize("same_worker", [True, False], ids=["same worker", "two workers"])
@pytest.mark.postgres
def test_the_second_of_two_allocations_waits_then_hears_someone_else_allocated_it(
    postgres_engine: Engine, same_worker: bool
) -> None:
    engine = postgres_engine  # these races need row locks: SQLite lets one writer in
    referral_id, version, staff = _case(engine, 2)
    first_done, let_commit = threading.Event(), threading.Event()

    def hold_open() -> None:
        first_done.set()
        assert let_commit.wait(10)

    outcomes: dict[str, Any] = {}
    first = threading.Thread(
        target=lambda: outcomes.__setitem__(
            "first", _allocate(engine, referral_id, version, staff[0], before_commit=hold_open)
        )
    )
    first.start()
    assert first_done.wait(10)
    # The first has allocated but not committed: the second must wait for it...
    second = threading.Thread(
        target=lambda: outcomes.__setitem__(
            "second", _allocate(engine, referral_id, version, staff[0 if same_worker else 1])
        )
    )
    second.start()
    time.sleep(0.5)
    assert second.is_alive()
    let_commit.set()
    first.join(10)
    second.join(10)
    # ...and then hear plainly that someone else allocated it.
    assert isinstance(outcomes["first"], allocations.AllocationSummary), outcomes
    assert isinstance(outcomes["second"], Conflict), outcomes
    assert ALLOCATED_MEANWHILE in str(outcomes["second"])
    assert _open_allocations(engine, referral_id) == 1


@pytest.mark.postgres
def test_many_allocations_of_one_referral_at_once_give_one_case_and_plain_conflicts(
    postgres_engine: Engine,
) -> None:
    engine = postgres_engine  # these races need row locks: SQLite lets one writer in
    referral_id, version, staff = _case(engine, 4)
    start = threading.Barrier(len(staff))
    outcomes: list[Any] = []

    def coordinator(worker_id: int) -> None:
        start.wait(10)
        outcomes.append(_allocate(engine, referral_id, version, worker_id))

    threads = [threading.Thread(target=coordinator, args=(w,)) for w in staff]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    won = [o for o in outcomes if isinstance(o, allocations.AllocationSummary)]
    lost = [o for o in outcomes if not isinstance(o, allocations.AllocationSummary)]
    assert len(won) == 1, outcomes
    assert all(isinstance(o, Conflict) and ALLOCATED_MEANWHILE in str(o) for o in lost), lost
    assert _open_allocations(engine, referral_id) == 1


def test_an_open_allocation_written_between_read_and_insert_is_a_plain_conflict(
    engine: Engine,
) -> None:
    """The index's refusal, reached by a path that did not lock the referral first, is
    the same plain conflict, on both databases."""
    referral_id, version, staff = _case(engine, 2)
    assert isinstance(
        _allocate(engine, referral_id, version, staff[0]), allocations.AllocationSummary
    )
    with pytest.raises(Conflict, match=ALLOCATED_MEANWHILE), unit_of_work(engine) as s:
        referral = s.get(Referral, referral_id)
        assert referral is not None
        allocations._start_allocation(  # the insert itself, past the checks
            session=s,
            user=USER,
            referral=referral,
            worker_id=staff[1],
            weight=3,
            over_limit_reason=None,
        )
    assert _open_allocations(engine, referral_id) == 1
