"""Allocation within weighted caseload limits, reallocation history and caseload views."""

from __future__ import annotations

from datetime import datetime

import pytest
from conftest import FROZEN_NOW
from factories import (
    USER,
    add_team,
    add_worker,
    allocated_case,
    count,
    open_allocation,
    person_in,
    receive,
    seen_version,
    small_organisation,
    triaged_referral,
)
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from intapp.models import Allocation, AuditEvent, Referral, Worker
from intapp.services import allocations, caseloads
from intapp.services.errors import InvalidInput, OverCaseloadLimit


@pytest.fixture
def team_id(session: Session) -> int:
    return add_team(session).id


def _open_weights(session: Session, worker_id: int) -> list[int]:
    session.flush()
    return sorted(
        session.exec(
            select(Allocation.weight).where(
                Allocation.worker_id == worker_id, col(Allocation.ended_at).is_(None)
            )
        ).all()
    )


def test_weighted_load_is_the_sum_of_open_weights(session: Session, team_id: int) -> None:
    worker = add_worker(session, team_id, "W1")
    other = add_worker(session, team_id, "W2")
    assert allocations.weighted_caseload(session=session, worker_id=worker) == 0
    cases = [allocated_case(session, team_id, worker, n, weight=w) for n, w in enumerate((4, 7, 9))]
    allocated_case(session, team_id, other, 5, weight=10)
    assert allocations.weighted_caseload(session=session, worker_id=worker) == 20
    assert _open_weights(session, worker) == [4, 7, 9]

    # An ended allocation no longer counts.
    allocations.reallocate(
        session=session,
        user=USER,
        referral_id=cases[1].referral_id,
        to_worker_id=other,
        reason="Closer to home",
        **open_allocation(session, cases[1].referral_id),
    )
    assert allocations.weighted_caseload(session=session, worker_id=worker) == 13
    assert allocations.weighted_caseload(session=session, worker_id=other) == 17
    load = caseloads.worker_load(session=session, worker_id=worker)
    assert (load.open_cases, load.load, load.limit, load.headroom) == (2, 13, 100, 87)


def test_allocation_sets_status_and_default_weight(session: Session, team_id: int) -> None:
    worker = add_worker(session, team_id, "W1")
    referral = triaged_referral(session, team_id, 0)
    result = allocations.allocate(
        session=session,
        user="team.lead",
        referral_id=referral.id,
        worker_id=worker,
        expected_version=seen_version(session, Referral, referral.id),
    )
    row = session.get(Allocation, result.id)
    assert row is not None
    assert (row.worker_id, row.weight, row.allocated_by) == (worker, 6, "team.lead")
    assert (row.started_at, row.ended_at, row.over_limit_reason) == (FROZEN_NOW, None, None)
    status = session.exec(select(Referral.status).where(Referral.id == referral.id)).one()
    assert status == "allocated"


def test_over_limit_is_refused_with_the_numbers_and_writes_nothing(
    session: Session, team_id: int
) -> None:
    worker = add_worker(session, team_id, "W1", caseload_limit=10)
    allocated_case(session, team_id, worker, 0, weight=6)
    referral = triaged_referral(session, team_id, 1)
    session.commit()
    allocations_before = count(session, Allocation)
    audit_before = count(session, AuditEvent)

    with pytest.raises(OverCaseloadLimit, match="has 6 of 10 points") as caught:
        allocations.allocate(
            session=session,
            user=USER,
            referral_id=referral.id,
            worker_id=worker,
            weight=5,
            expected_version=seen_version(session, Referral, referral.id),
        )
    error = caught.value
    assert (error.load, error.limit, error.weight) == (6, 10, 5)
    assert error.field == "over_limit_reason"
    assert "would take them to 11" in str(error)

    assert count(session, Allocation) == allocations_before
    assert count(session, AuditEvent) == audit_before
    status = session.exec(select(Referral.status).where(Referral.id == referral.id)).one()
    assert status == "triaged"
    assert allocations.weighted_caseload(session=session, worker_id=worker) == 6

    # A blank reason is no reason.
    with pytest.raises(OverCaseloadLimit):
        allocations.allocate(
            session=session,
            user=USER,
            referral_id=referral.id,
            worker_id=worker,
            weight=5,
            over_limit_reason="   ",
            expected_version=seen_version(session, Referral, referral.id),
        )


def test_over_limit_with_a_reason_is_recorded(session: Session, team_id: int) -> None:
    worker = add_worker(session, team_id, "W1", caseload_limit=10)
    allocated_case(session, team_id, worker, 0, weight=6)
    referral = triaged_referral(session, team_id, 1)
    result = allocations.allocate(
        session=session,
        user=USER,
        referral_id=referral.id,
        worker_id=worker,
        weight=5,
        over_limit_reason="  Knows the family well  ",
        expected_version=seen_version(session, Referral, referral.id),
    )
    row = session.get(Allocation, result.id)
    assert row is not None and row.over_limit_reason == "Knows the family well"
    assert allocations.weighted_caseload(session=session, worker_id=worker) == 11
    assert caseloads.worker_load(session=session, worker_id=worker).over_limit is True


def test_exactly_at_the_limit_is_allowed_without_a_reason(session: Session, team_id: int) -> None:
    worker = add_worker(session, team_id, "W1", caseload_limit=10)
    allocated_case(session, team_id, worker, 0, weight=6)
    last = allocated_case(session, team_id, worker, 1, weight=4)
    assert last.over_limit_reason is None
    assert allocations.weighted_caseload(session=session, worker_id=worker) == 10
    with pytest.raises(OverCaseloadLimit) as caught:
        allocated_case(session, team_id, worker, 2, weight=1)
    assert (caught.value.load, caught.value.limit, caught.value.weight) == (10, 10, 1)


def test_allocation_refusals(session: Session, team_id: int) -> None:
    worker = add_worker(session, team_id, "W1")
    received = receive(session, person_in(team_id, 0))
    with pytest.raises(InvalidInput, match="only triaged referrals") as caught:
        allocations.allocate(
            session=session,
            user=USER,
            referral_id=received.id,
            worker_id=worker,
            expected_version=seen_version(session, Referral, received.id),
        )
    assert caught.value.field == "status"
    triaged = triaged_referral(session, team_id, 1)
    for weight in (0, 21, -3):
        with pytest.raises(InvalidInput) as caught:
            allocations.allocate(
                session=session,
                user=USER,
                referral_id=triaged.id,
                worker_id=worker,
                weight=weight,
                expected_version=seen_version(session, Referral, triaged.id),
            )
        assert caught.value.field == "weight"
    assert count(session, Allocation) == 0


def test_inactive_worker_is_refused(session: Session, team_id: int) -> None:
    worker_id = add_worker(session, team_id, "W1", given_name="Lee", family_name="Gone")
    worker = session.get(Worker, worker_id)
    assert worker is not None
    worker.active = False
    session.commit()
    referral = triaged_referral(session, team_id, 0)
    with pytest.raises(InvalidInput, match="Lee Gone is not active") as caught:
        allocations.allocate(
            session=session,
            user=USER,
            referral_id=referral.id,
            worker_id=worker_id,
            expected_version=seen_version(session, Referral, referral.id),
        )
    assert caught.value.field == "worker"
    assert count(session, Allocation) == 0


def test_reallocation_ends_one_allocation_and_starts_another(
    session: Session, team_id: int
) -> None:
    first = add_worker(session, team_id, "W1")
    second = add_worker(session, team_id, "W2")
    original = allocated_case(session, team_id, first, 0, weight=8)

    with pytest.raises(InvalidInput) as caught:
        allocations.reallocate(
            session=session,
            user=USER,
            referral_id=original.referral_id,
            to_worker_id=second,
            reason=" ",
            **open_allocation(session, original.referral_id),
        )
    assert caught.value.field == "reason"
    with pytest.raises(InvalidInput, match="already allocated to that worker"):
        allocations.reallocate(
            session=session,
            user=USER,
            referral_id=original.referral_id,
            to_worker_id=first,
            reason="no change",
            **open_allocation(session, original.referral_id),
        )

    moved = allocations.reallocate(
        session=session,
        user="team.lead",
        referral_id=original.referral_id,
        to_worker_id=second,
        reason="Sickness absence",
        allocation_id=original.id,
        expected_version=original.version,
    )
    history = allocations.allocation_history(session=session, referral_id=original.referral_id)
    assert [(a.worker_id, a.weight) for a in history] == [(first, 8), (second, 8)]
    assert history[0].ended_at == FROZEN_NOW
    assert history[1].ended_at is None
    assert history[1].id == moved.id
    ended = session.get(Allocation, original.id)
    assert ended is not None and ended.end_reason == "Sickness absence"
    assert count(session, Allocation, Allocation.referral_id == original.referral_id) == 2
    assert _open_weights(session, first) == []
    assert _open_weights(session, second) == [8]

    # The database itself refuses a second open allocation of the same case.
    session.add(
        Allocation(
            referral_id=original.referral_id,
            person_id=original.person_id,
            worker_id=first,
            weight=1,
            started_at=FROZEN_NOW,
            allocated_by=USER,
        )
    )
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_refused_reallocation_can_be_retried_with_a_reason(session: Session, team_id: int) -> None:
    first = add_worker(session, team_id, "W1")
    full = add_worker(session, team_id, "W2", caseload_limit=5)
    case = allocated_case(session, team_id, first, 0, weight=8)
    with pytest.raises(OverCaseloadLimit):
        allocations.reallocate(
            session=session,
            user=USER,
            referral_id=case.referral_id,
            to_worker_id=full,
            reason="x",
            **open_allocation(session, case.referral_id),
        )
    # Regression: the current allocation used to be ended before the limit check.
    # Refused, so nothing changed: the case is still with the first worker...
    assert _open_weights(session, first) == [8]
    assert count(session, Allocation) == 1
    # ...and the coordinator can record why and try again.
    allocations.reallocate(
        session=session,
        user=USER,
        referral_id=case.referral_id,
        to_worker_id=full,
        reason="x",
        over_limit_reason="Only Welsh speaker in the team",
        **open_allocation(session, case.referral_id),
    )
    assert _open_weights(session, full) == [8]


def _three_cases(session: Session, team_id: int) -> tuple[int, list[int]]:
    leaving = add_worker(session, team_id, "LEAVE", caseload_limit=100)
    cases = [
        allocated_case(session, team_id, leaving, n, weight=w).referral_id
        for n, w in enumerate((3, 9, 6))
    ]
    return leaving, cases


def test_bulk_reassign_moves_every_case_to_most_headroom_first(
    session: Session, team_id: int
) -> None:
    leaving, cases = _three_cases(session, team_id)
    roomy = add_worker(session, team_id, "ROOMY", caseload_limit=20)
    snug = add_worker(session, team_id, "SNUG", caseload_limit=15)

    moves = allocations.bulk_reassign(
        session=session,
        user=USER,
        from_worker_id=leaving,
        to_worker_ids=[roomy, snug, leaving],
        reason="Long-term sickness",
    )
    # Heaviest first, each to whoever has most headroom at that moment:
    # 9 -> roomy (20 v 15), 6 -> snug (11 v 15), 3 -> roomy (11 v 9).
    assert [(m.weight, m.to_worker_id) for m in moves] == [(9, roomy), (6, snug), (3, roomy)]
    assert {m.referral_id for m in moves} == set(cases)
    assert all(m.from_worker_id == leaving for m in moves)
    assert _open_weights(session, leaving) == []
    assert _open_weights(session, roomy) == [3, 9]
    assert _open_weights(session, snug) == [6]
    target = {m.referral_id: m.to_worker_id for m in moves}
    for referral_id in cases:
        history = allocations.allocation_history(session=session, referral_id=referral_id)
        assert [(h.worker_id, h.ended_at is None) for h in history] == [
            (leaving, False),
            (target[referral_id], True),
        ]
    assert count(session, Allocation, col(Allocation.end_reason) == "Long-term sickness") == 3


def test_bulk_reassign_is_all_or_nothing(session: Session, team_id: int) -> None:
    leaving, cases = _three_cases(session, team_id)
    tiny = add_worker(session, team_id, "TINY", caseload_limit=10)
    session.commit()
    audit_before = count(session, AuditEvent)

    # 9 fits, then 6 would take TINY to 15 of 10: the whole reassignment is refused.
    with pytest.raises(OverCaseloadLimit) as caught:
        allocations.bulk_reassign(
            session=session,
            user=USER,
            from_worker_id=leaving,
            to_worker_ids=[tiny],
            reason="Annual leave",
        )
    assert (caught.value.load, caught.value.limit, caught.value.weight) == (9, 10, 6)
    session.rollback()

    assert _open_weights(session, leaving) == [3, 6, 9]
    assert _open_weights(session, tiny) == []
    assert count(session, Allocation) == 3
    assert count(session, Allocation, col(Allocation.ended_at).is_not(None)) == 0
    assert count(session, AuditEvent) == audit_before
    for referral_id in cases:
        assert len(allocations.allocation_history(session=session, referral_id=referral_id)) == 1


def test_bulk_reassign_needs_a_reason_and_another_worker(session: Session, team_id: int) -> None:
    leaving, _ = _three_cases(session, team_id)
    with pytest.raises(InvalidInput) as caught:
        allocations.bulk_reassign(
            session=session, user=USER, from_worker_id=leaving, to_worker_ids=[leaving], reason="x"
        )
    assert caught.value.field == "worker"
    with pytest.raises(InvalidInput) as caught:
        allocations.bulk_reassign(
            session=session, user=USER, from_worker_id=leaving, to_worker_ids=[], reason=" "
        )
    assert caught.value.field == "reason"
    assert _open_weights(session, leaving) == [3, 6, 9]


def test_team_board_shows_active_workers_load_against_limit(session: Session) -> None:
    org = small_organisation(session)
    team = org.team.id
    for n, w in enumerate((10, 10, 5)):
        allocated_case(session, team, org.social_worker, n, weight=w)
    allocated_case(session, team, org.occupational_therapist, 3, weight=20)
    allocated_case(session, org.other_team.id, org.other_team_worker, 4, weight=7)
    part_time = add_worker(
        session, team, "PT1", given_name="Zoe", family_name="Abbott", fte=0.5, caseload_limit=None
    )
    gone = session.get(Worker, org.reablement_officer)
    assert gone is not None
    gone.active = False
    session.commit()

    board = caseloads.team_board(session=session, team_id=team)
    assert [(b.name, b.open_cases, b.load, b.limit) for b in board] == [
        ("Zoe Abbott", 0, 0, 50),
        ("Asha Khan", 3, 25, 100),
        ("Ben Lloyd", 1, 20, 100),
    ]
    asha = board[1]
    assert (asha.worker_id, asha.headroom, asha.over_limit) == (org.social_worker, 75, False)
    assert asha.utilisation_pct == pytest.approx(25.0)
    assert board[0].worker_id == part_time and board[0].fte == 0.5
    assert [
        b.worker_id for b in caseloads.team_board(session=session, team_id=org.other_team.id)
    ] == [org.other_team_worker]


def test_worker_caseload_pages_by_keyset(session: Session, team_id: int) -> None:
    worker = add_worker(session, team_id, "W1")
    made = [allocated_case(session, team_id, worker, n, weight=1 + n) for n in range(7)]
    other = add_worker(session, team_id, "W2")
    allocated_case(session, team_id, other, 8)
    session.commit()

    everything = caseloads.worker_caseload(session=session, worker_id=worker)
    assert [r.allocation_id for r in everything] == [a.id for a in made]
    first = everything[0]
    assert (first.weight, first.pathway, first.started_at) == (1, "case_management", FROZEN_NOW)
    assert first.person_name == "Ada Okafor"
    assert first.reference.startswith("R261123-")

    seen: list[int] = []
    after: tuple[datetime, int] | None = None
    pages = 0
    for _ in range(10):  # bounded, so a cursor that never advances fails instead of hanging
        page = caseloads.worker_caseload(session=session, worker_id=worker, after=after, limit=3)
        if not page:
            break
        pages += 1
        seen.extend(r.allocation_id for r in page)
        after = (page[-1].started_at, page[-1].allocation_id)
    assert pages == 3
    assert seen == [a.id for a in made]
