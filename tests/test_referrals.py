"""Referrals: deadlines from response targets, triage, the queue, re-referrals and closure."""

from __future__ import annotations

from contextlib import closing
from datetime import datetime, timedelta
from typing import Any

import pytest
from conftest import FROZEN_NOW
from factories import (
    USER,
    add_team,
    add_worker,
    allocated_case,
    count,
    person_in,
    receive,
    seen_version,
    triaged_referral,
)
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from intapp import clock, paths
from intapp.codes import Pathway
from intapp.config import load_settings
from intapp.models import Allocation, Referral
from intapp.services import allocations, case_closure, referrals
from intapp.services.errors import InvalidInput
from intapp.services.queue import queue_page, triage_queue
from intapp.store.plain_sql import through_sqlite
from intapp.store.sqlite_reader import connect_if_current

HOUR = timedelta(hours=1)


@pytest.fixture
def team_id(session: Session) -> int:
    return add_team(session).id


def _stored(session: Session, referral_id: int) -> Referral:
    """The row as the database holds it, not as the identity map remembers it."""
    session.flush()
    session.expire_all()
    row = session.get(Referral, referral_id)
    assert row is not None
    return row


TARGET_HOURS = {
    "urgent": 2,
    "medically_optimised": 4,
    "discharge_or_falls": 24,
    "soon": 7 * 24,
    "routine": 28 * 24,
}


def test_due_by_follows_the_response_target_for_each_priority(
    session: Session, team_id: int
) -> None:
    received = FROZEN_NOW - 90 * timedelta(minutes=1)
    for n, (priority, hours) in enumerate(TARGET_HOURS.items()):
        referral = receive(session, person_in(team_id, n), received_at=received, priority=priority)
        assert referral.due_by == received + hours * HOUR, priority
        assert _stored(session, referral.id).due_by == received + hours * HOUR, priority

        # Triage to the same priority counts from receipt too, not from the triage time.
        triaged = referrals.triage_referral(
            session=session,
            user=USER,
            referral_id=referral.id,
            priority=priority,
            pathway="case_management",
            expected_version=seen_version(session, Referral, referral.id),
        )
        assert triaged.due_by == received + hours * HOUR, priority
        assert referrals.response_due_by(priority=priority, received_at=received) == (
            received + hours * HOUR
        )


def test_medically_optimised_counts_from_the_notice(session: Session, team_id: int) -> None:
    received = FROZEN_NOW - 10 * HOUR
    notice = FROZEN_NOW - 3 * HOUR
    referral = receive(session, person_in(team_id), received_at=received)
    triaged = referrals.triage_referral(
        session=session,
        user=USER,
        referral_id=referral.id,
        priority="medically_optimised",
        pathway="intermediate_care",
        clock_starts_at=notice,
        expected_version=seen_version(session, Referral, referral.id),
    )
    assert triaged.due_by == notice + 4 * HOUR
    assert _stored(session, referral.id).due_by == FROZEN_NOW + HOUR


PROVISIONAL = {
    "hospital_discharge": "discharge_or_falls",
    "a_and_e": "discharge_or_falls",
    "ambulance": "discharge_or_falls",
    "community_alarm": "discharge_or_falls",
    "gp": "routine",
    "self": "routine",
    "family_or_carer": "routine",
    "housing": "routine",
}


def test_provisional_priority_on_receipt_follows_the_source(session: Session, team_id: int) -> None:
    for n, (source, priority) in enumerate(PROVISIONAL.items()):
        referral = receive(session, person_in(team_id, n), source=source)
        row = _stored(session, referral.id)
        assert (row.priority, row.status, row.source) == (priority, "received", source)
        assert row.due_by == FROZEN_NOW + TARGET_HOURS[priority] * HOUR, source
        assert row.received_at == FROZEN_NOW
    hospital = session.exec(select(Referral).where(Referral.source == "hospital_discharge")).one()
    assert hospital.due_by - hospital.received_at == 24 * HOUR


def test_config_file_overrides_a_response_target(session: Session, team_id: int) -> None:
    config = paths.config_file()
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("[response_targets_hours]\nroutine = 240\n")
    load_settings.cache_clear()

    assert load_settings().response_targets_hours["routine"] == 240
    assert load_settings().response_targets_hours["urgent"] == 2
    routine = receive(session, person_in(team_id, 0), source="gp")
    urgent = receive(session, person_in(team_id, 1), priority="urgent")
    assert routine.due_by == FROZEN_NOW + 240 * HOUR
    assert urgent.due_by == FROZEN_NOW + 2 * HOUR


def test_config_file_with_unknown_priority_is_refused() -> None:
    config = paths.config_file()
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("[response_targets_hours]\nwhenever = 1\n")
    load_settings.cache_clear()
    with pytest.raises(ValueError, match="whenever"):
        load_settings()


def test_receipt_validation(session: Session, team_id: int) -> None:
    person = person_in(team_id)
    for kwargs, field in [
        ({"source": "carrier_pigeon"}, "source"),
        ({"reason": "   "}, "reason"),
        ({"priority": "whenever"}, "priority"),
        ({"route_of_access": "by_sea"}, "route_of_access"),
        ({"received_at": FROZEN_NOW + timedelta(hours=1)}, "received_at"),
        ({"team_id": 987_654}, "team"),
    ]:
        with pytest.raises(InvalidInput) as caught:
            receive(session, person, **kwargs)  # type: ignore[arg-type]
        assert caught.value.field == field, kwargs
    assert count(session, Referral) == 0


def test_status_after_triage_follows_the_pathway(session: Session, team_id: int) -> None:
    handed_on = {
        Pathway.NO_FURTHER_ACTION: "no_further_action",
        Pathway.INFORMATION_ADVICE: "signposted",
        Pathway.COMMUNITY_LINKS: "signposted",
        Pathway.EARLY_HELP: "signposted",
    }
    assert len(Pathway) == 10
    for n, pathway in enumerate(Pathway):
        expected = handed_on.get(pathway, "triaged")
        referral = receive(session, person_in(team_id, n))
        result = referrals.triage_referral(
            session=session,
            user="duty.worker",
            referral_id=referral.id,
            priority="soon",
            pathway=pathway,
            note="  spoke to daughter  ",
            expected_version=seen_version(session, Referral, referral.id),
        )
        row = _stored(session, referral.id)
        assert result.status == row.status == expected, pathway
        assert (row.pathway, row.priority, row.triaged_by) == (pathway.value, "soon", "duty.worker")
        assert row.triaged_at == FROZEN_NOW
        assert row.triage_note == "spoke to daughter"
        assert row.version == 2
    statuses = session.exec(select(Referral.status)).all()
    assert sorted(statuses).count("triaged") == 6
    assert sorted(statuses).count("signposted") == 3


def test_triage_refuses_bad_pathway_and_priority(session: Session, team_id: int) -> None:
    referral = receive(session, person_in(team_id), source="hospital_discharge")
    with pytest.raises(InvalidInput) as caught:
        referrals.triage_referral(
            session=session,
            user=USER,
            referral_id=referral.id,
            priority="soon",
            pathway="magic",
            expected_version=seen_version(session, Referral, referral.id),
        )
    assert caught.value.field == "pathway"
    with pytest.raises(InvalidInput) as caught:
        referrals.triage_referral(
            session=session,
            user=USER,
            referral_id=referral.id,
            priority="tomorrow",
            pathway="case_management",
            expected_version=seen_version(session, Referral, referral.id),
        )
    assert caught.value.field == "priority"
    # Regression: a refused triage used to leave the bad priority dirty in the session.
    row = _stored(session, referral.id)
    assert (row.priority, row.status, row.pathway, row.version) == (
        "discharge_or_falls",
        "received",
        None,
        1,
    )


def test_triaging_an_allocated_referral_is_refused(session: Session, team_id: int) -> None:
    worker = add_worker(session, team_id, "W1")
    allocation = allocated_case(session, team_id, worker, 0)
    before = _stored(session, allocation.referral_id)
    version, priority = before.version, before.priority
    with pytest.raises(InvalidInput, match="already allocated") as caught:
        referrals.triage_referral(
            session=session,
            user=USER,
            referral_id=allocation.referral_id,
            priority="urgent",
            pathway="crisis_response",
            expected_version=seen_version(session, Referral, allocation.referral_id),
        )
    assert caught.value.field == "status"
    after = _stored(session, allocation.referral_id)
    assert (after.status, after.priority, after.version) == ("allocated", priority, version)


def test_signposted_referral_cannot_be_triaged_again(session: Session, team_id: int) -> None:
    referral = receive(session, person_in(team_id))
    referrals.triage_referral(
        session=session,
        user=USER,
        referral_id=referral.id,
        priority="routine",
        pathway="community_links",
        expected_version=seen_version(session, Referral, referral.id),
    )
    with pytest.raises(InvalidInput, match="already signposted"):
        referrals.triage_referral(
            session=session,
            user=USER,
            referral_id=referral.id,
            priority="routine",
            pathway="case_management",
            expected_version=seen_version(session, Referral, referral.id),
        )


def test_triaged_referral_can_be_retriaged(session: Session, team_id: int) -> None:
    referral = triaged_referral(session, team_id, 0, priority="routine")
    again = referrals.triage_referral(
        session=session,
        user=USER,
        referral_id=referral.id,
        priority="urgent",
        pathway="crisis_response",
        expected_version=seen_version(session, Referral, referral.id),
    )
    assert (again.priority, again.pathway, again.status) == ("urgent", "crisis_response", "triaged")
    assert again.due_by == FROZEN_NOW + 2 * HOUR


def test_queue_is_soonest_deadline_first_with_overdue_marked(
    session: Session, team_id: int
) -> None:
    other_team = add_team(session, "SOU1", "South").id
    # received 3 h ago, urgent: due 1 h ago (overdue)
    late = receive(
        session, person_in(team_id, 0), priority="urgent", received_at=FROZEN_NOW - 3 * HOUR
    )
    # received now from hospital: due in 24 h
    discharge = receive(session, person_in(team_id, 1), source="hospital_discharge")
    # received 30 days ago, routine: due 2 days ago (overdue)
    old_routine = receive(session, person_in(team_id, 2), received_at=FROZEN_NOW - 30 * 24 * HOUR)
    # received now, routine: due in 28 days
    fresh_routine = receive(session, person_in(team_id, 3))
    # triaged: no longer in the queue
    triaged_referral(session, team_id, 4)
    # another team's referral, due in 2 h
    elsewhere = receive(session, person_in(other_team, 5), priority="urgent")
    session.commit()

    queue = triage_queue(session=session, team_ids=[team_id])
    assert [q.referral_id for q in queue] == [
        old_routine.id,
        late.id,
        discharge.id,
        fresh_routine.id,
    ]
    assert [q.overdue for q in queue] == [True, True, False, False]
    assert [q.due_by for q in queue] == sorted(q.due_by for q in queue)
    first = queue[0]
    assert first.person_name == "Chen Nowak"
    assert first.priority == "routine"

    city = triage_queue(session=session)
    assert [q.referral_id for q in city] == [
        old_routine.id,
        late.id,
        elsewhere.id,
        discharge.id,
        fresh_routine.id,
    ]
    assert triage_queue(session=session, team_ids=[other_team])[0].referral_id == (elsewhere.id)
    assert triage_queue(session=session, team_ids=[]) == []

    # Every word typed must match the person, the reason or the reference.
    found = triage_queue(session=session, team_ids=[team_id], text="chen NOWAK")
    assert [q.referral_id for q in found] == [old_routine.id]
    by_reference = triage_queue(session=session, text=late.reference.lower())
    assert [q.referral_id for q in by_reference] == [late.id]
    assert triage_queue(session=session, text="nowak zebra") == []


def test_queue_keyset_pages_have_no_overlap_or_gap(session: Session, team_id: int) -> None:
    # Pairs share a deadline, so the cursor must break ties on the id.
    for n in range(11):
        receive(session, person_in(team_id, n), received_at=FROZEN_NOW - (n // 2) * HOUR)
    session.commit()
    everything = triage_queue(session=session, team_ids=[team_id], limit=100)
    assert len(everything) == 11

    pages: list[list[int]] = []
    after: tuple[datetime, int] | None = None
    for _ in range(10):  # bounded, so a cursor that never advances fails instead of hanging
        page = triage_queue(session=session, team_ids=[team_id], after=after, limit=3)
        if not page:
            break
        pages.append([q.referral_id for q in page])
        after = (page[-1].due_by, page[-1].referral_id)
    assert [len(p) for p in pages] == [3, 3, 3, 2]
    assert [rid for page in pages for rid in page] == [q.referral_id for q in everything]


def test_queue_filter_takes_wildcards_literally(session: Session, team_id: int) -> None:
    percent = receive(session, person_in(team_id, 0), reason="Pays 50% of care costs")
    underscore = receive(session, person_in(team_id, 1), reason="Ref PAY_2 needs review")
    receive(session, person_in(team_id, 2), reason="Paying 500 a week")
    session.commit()
    assert [q.referral_id for q in triage_queue(session=session, text="50%")] == [percent.id]
    assert [q.referral_id for q in triage_queue(session=session, text="y_2")] == [underscore.id]


def test_plain_sqlite_gives_the_same_queue(sqlite_engine: Engine) -> None:
    """The queue screen reads through sqlite3 on an up-to-date SQLite store."""
    with Session(sqlite_engine, expire_on_commit=False) as session:
        team_id = add_team(session).id
        other_team = add_team(session, "SOU1", "South").id
        for n in range(7):
            receive(
                session,
                person_in(team_id if n % 3 else other_team, n),
                priority=("urgent", "soon", "routine")[n % 3],
                received_at=FROZEN_NOW - (n // 2) * HOUR + timedelta(microseconds=n),
                reason=f"Reason {n} 100%",
            )
        triaged_referral(session, team_id, 20)
        session.commit()
        everything = triage_queue(session=session, limit=100)
    third = everything[2]
    cases: list[dict[str, Any]] = [
        {},
        {"team_ids": [team_id]},
        {"team_ids": [team_id, other_team], "limit": 3},
        {"team_ids": []},
        {"after": (third.due_by, third.referral_id)},
        {"text": "reason 10"},
        {"text": "0%"},
    ]
    connection = connect_if_current(sqlite_engine.url.render_as_string())
    assert connection is not None
    with closing(connection):
        for where in cases:
            with Session(sqlite_engine) as session:
                expected = triage_queue(session=session, **where)
            with through_sqlite(connection) as db:
                assert queue_page(db, **where).rows == expected, where
    assert len(everything) == 7


def test_rereferral_within_six_months_of_closure_is_flagged(session: Session, team_id: int) -> None:
    closed_at = FROZEN_NOW - timedelta(days=200)
    clock.freeze(closed_at)
    first = [receive(session, person_in(team_id, n)) for n in range(3)]
    for referral in first:
        case_closure.close_case(
            session=session,
            user=USER,
            referral_id=referral.id,
            outcome="goals_met",
            reason="Managing well at home",
            expected_version=seen_version(session, Referral, referral.id),
        )
    clock.freeze(FROZEN_NOW)

    within = receive(session, first[0].person_id, received_at=closed_at + timedelta(days=183))
    after = receive(session, first[1].person_id, received_at=closed_at + timedelta(days=184))
    # A first referral is never a re-referral.
    new_person = receive(session, person_in(team_id, 9))
    # Closure after the new referral was received does not count.
    before_close = receive(session, first[2].person_id, received_at=closed_at - timedelta(days=1))

    assert within.is_rereferral is True
    assert after.is_rereferral is False
    assert new_person.is_rereferral is False
    assert before_close.is_rereferral is False
    assert _stored(session, within.id).is_rereferral is True
    assert _stored(session, after.id).is_rereferral is False


def test_close_case_ends_the_open_allocation(session: Session, team_id: int) -> None:
    worker = add_worker(session, team_id, "W1")
    allocation = allocated_case(session, team_id, worker, 0, weight=8)
    assert allocations.weighted_caseload(session=session, worker_id=worker) == 8

    closed = case_closure.close_case(
        session=session,
        user=USER,
        referral_id=allocation.referral_id,
        outcome="goals_met",
        reason="  Goals met  ",
        expected_version=seen_version(session, Referral, allocation.referral_id),
    )
    assert closed.referral.status == "closed"
    assert closed.referral.closed_at == FROZEN_NOW
    assert closed.referral.closed_by == USER
    row = _stored(session, allocation.referral_id)
    assert (row.status, row.close_outcome, row.close_reason) == ("closed", "goals_met", "Goals met")
    ended = session.get(Allocation, allocation.id)
    assert ended is not None
    assert (ended.ended_at, ended.end_reason) == (FROZEN_NOW, "case closed")
    assert count(session, Allocation, col(Allocation.ended_at).is_(None)) == 0
    assert allocations.weighted_caseload(session=session, worker_id=worker) == 0

    with pytest.raises(InvalidInput, match="already closed") as caught:
        case_closure.close_case(
            session=session,
            user=USER,
            referral_id=allocation.referral_id,
            outcome="other",
            reason="again",
            expected_version=seen_version(session, Referral, allocation.referral_id),
        )
    assert caught.value.field == "status"
    assert _stored(session, allocation.referral_id).close_outcome == "goals_met"


def test_close_case_needs_a_known_outcome_and_a_reason(session: Session, team_id: int) -> None:
    referral = receive(session, person_in(team_id))
    with pytest.raises(InvalidInput) as caught:
        case_closure.close_case(
            session=session,
            user=USER,
            referral_id=referral.id,
            outcome="fixed",
            reason="x",
            expected_version=seen_version(session, Referral, referral.id),
        )
    assert caught.value.field == "outcome"
    with pytest.raises(InvalidInput) as caught:
        case_closure.close_case(
            session=session,
            user=USER,
            referral_id=referral.id,
            outcome="nfa_support_declined",
            reason=" ",
            expected_version=seen_version(session, Referral, referral.id),
        )
    assert caught.value.field == "reason"
    assert _stored(session, referral.id).status == "received"


def test_person_referrals_newest_first(session: Session, team_id: int) -> None:
    old = receive(session, person_in(team_id), received_at=FROZEN_NOW - 48 * HOUR)
    new = receive(session, person_in(team_id), received_at=FROZEN_NOW - HOUR)
    listed = referrals.person_referrals(session=session, person_id=old.person_id)
    assert [r.id for r in listed] == [new.id, old.id]
