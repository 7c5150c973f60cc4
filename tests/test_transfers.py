"""Transfers between teams: send, accept, return; nothing falls between two teams."""

from __future__ import annotations

import pytest
from factories import (
    USER,
    add_team,
    allocated_case,
    count,
    person_in,
    receive,
    seen_version,
    small_organisation,
    triaged_referral,
)
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from intapp.models import Allocation, AuditEvent, Person, Referral, Transfer
from intapp.services import allocations, caseloads, referrals, transfers, worklists
from intapp.services.errors import Conflict, InvalidInput
from intapp.services.queue import queue_page
from intapp.services.transfer_marks import transfer_marks
from intapp.store.plain_sql import through_session


def _send(session: Session, referral_id: int, to_team: int, reason: str = "Moved to Gorton"):
    return transfers.send_transfer(
        session=session,
        user="coord.a",
        referral_id=referral_id,
        to_team_id=to_team,
        reason=reason,
        expected_version=seen_version(session, Referral, referral_id),
    )


def _accept(session: Session, referral_id: int):
    return transfers.accept_transfer(
        session=session,
        user="coord.b",
        referral_id=referral_id,
        expected_version=seen_version(session, Referral, referral_id),
    )


def _return(session: Session, referral_id: int, reason: str = "Not our area"):
    return transfers.return_transfer(
        session=session,
        user="coord.b",
        referral_id=referral_id,
        reason=reason,
        expected_version=seen_version(session, Referral, referral_id),
    )


def _open_workers(session: Session, referral_id: int) -> list[int]:
    session.flush()
    return list(
        session.exec(
            select(Allocation.worker_id).where(
                Allocation.referral_id == referral_id, col(Allocation.ended_at).is_(None)
            )
        ).all()
    )


def test_a_sent_case_waits_in_the_receiving_queue_and_keeps_its_worker(session: Session) -> None:
    org = small_organisation(session)
    case = allocated_case(session, org.team.id, org.social_worker, 0)
    received_at = session.get(Referral, case.referral_id).received_at

    sent = _send(session, case.referral_id, org.other_team.id)

    assert (sent.state, sent.from_team, sent.to_team) == ("pending", "CEN1", "CEN2")
    referral = session.get(Referral, case.referral_id)
    assert (referral.status, referral.team_id) == ("transfer", org.other_team.id)
    assert referral.received_at == received_at
    # Nobody's case falls between two teams: the worker holds it until it is accepted.
    assert _open_workers(session, case.referral_id) == [org.social_worker]
    queue = queue_page(through_session(session), team_ids=[org.other_team.id]).rows
    assert [(q.referral_id, q.is_transfer, q.transfer.text) for q in queue] == [
        (case.referral_id, True, "⇄ from CEN1")
    ]
    assert not queue[0].overdue
    assert queue_page(through_session(session), team_ids=[org.team.id]).rows == []


def test_accepting_a_case_ends_the_allocation_and_awaits_a_worker_there(session: Session) -> None:
    org = small_organisation(session)
    case = allocated_case(session, org.team.id, org.social_worker, 0)
    _send(session, case.referral_id, org.other_team.id)

    accepted = _accept(session, case.referral_id)

    assert (accepted.state, accepted.decided_by) == ("accepted", "coord.b")
    referral = session.get(Referral, case.referral_id)
    assert (referral.status, referral.team_id, referral.pathway) == (
        "triaged",
        org.other_team.id,
        "case_management",
    )
    assert _open_workers(session, case.referral_id) == []
    ended = session.exec(select(Allocation).where(Allocation.referral_id == case.referral_id)).one()
    assert ended.end_reason == "transferred to CEN2"
    assert session.get(Person, referral.person_id).team_id == org.other_team.id
    waiting = caseloads.awaiting_allocation(session=session, team_ids=[org.other_team.id])
    assert [w.referral_id for w in waiting] == [case.referral_id]


def test_an_accepted_case_is_offered_at_the_weight_it_had(session: Session) -> None:
    org = small_organisation(session)
    case = allocated_case(session, org.team.id, org.social_worker, 0, weight=11)
    fresh = triaged_referral(session, org.team.id, 1)
    _send(session, case.referral_id, org.other_team.id)
    _accept(session, case.referral_id)

    choice = caseloads.allocation_choice(session=session, referral_id=case.referral_id)
    assert choice.weight == 11
    assert [c.load.team_id for c in choice.candidates] == [org.other_team.id] * len(
        choice.candidates
    )
    # A referral never allocated is offered at the usual weight.
    assert allocations.proposed_weight(session=session, referral_id=fresh.id) == 6


def test_accepting_a_new_referral_leaves_it_for_triage_in_the_new_team(session: Session) -> None:
    org = small_organisation(session)
    referral = receive(session, person_in(org.team.id, 1))
    _send(session, referral.id, org.other_team.id)
    _accept(session, referral.id)
    row = session.get(Referral, referral.id)
    assert (row.status, row.team_id) == ("received", org.other_team.id)
    queue = queue_page(through_session(session), team_ids=[org.other_team.id]).rows
    assert [(q.referral_id, q.is_transfer, q.transfer) for q in queue] == [
        (referral.id, False, None)
    ]


def test_a_returned_transfer_goes_back_as_it_was_with_the_reason(session: Session) -> None:
    org = small_organisation(session)
    referral = receive(session, person_in(org.team.id, 1))
    case = allocated_case(session, org.team.id, org.social_worker, 2)
    for referral_id in (referral.id, case.referral_id):
        _send(session, referral_id, org.other_team.id)
        returned = _return(session, referral_id, "  Not our area  ")
        assert (returned.state, returned.return_reason) == ("returned", "Not our area")

    assert (
        session.get(Referral, referral.id).status,
        session.get(Referral, referral.id).team_id,
    ) == (
        "received",
        org.team.id,
    )
    assert session.get(Referral, case.referral_id).status == "allocated"
    assert _open_workers(session, case.referral_id) == [org.social_worker]
    queue = queue_page(through_session(session), team_ids=[org.team.id]).rows
    assert [(q.referral_id, q.transfer.text) for q in queue] == [
        (referral.id, "↩ returned by CEN2")
    ]
    assert queue[0].transfer.return_reason == "Not our area"
    history = transfers.transfer_history(session=session, referral_id=case.referral_id)
    assert [(t.state, t.reason, t.return_reason) for t in history] == [
        ("returned", "Moved to Gorton", "Not our area")
    ]


def test_the_returned_mark_lasts_until_the_team_acts_on_the_referral(session: Session) -> None:
    org = small_organisation(session)
    referral = receive(session, person_in(org.team.id, 1))
    case = allocated_case(session, org.team.id, org.social_worker, 2)
    for referral_id in (referral.id, case.referral_id):
        _send(session, referral_id, org.other_team.id)
        _return(session, referral_id)

    def marks() -> dict[int, str]:
        session.flush()
        found = transfer_marks(through_session(session), [referral.id, case.referral_id])
        return {i: mark.text for i, mark in found.items()}

    assert marks() == {referral.id: "↩ returned by CEN2", case.referral_id: "↩ returned by CEN2"}
    # Triage is the team acting on the returned referral: the mark has done its work.
    referrals.triage_referral(
        session=session,
        user=USER,
        referral_id=referral.id,
        priority="soon",
        pathway="case_management",
        expected_version=seen_version(session, Referral, referral.id),
    )
    assert marks() == {case.referral_id: "↩ returned by CEN2"}
    # So is moving the case to another worker (the referral row itself is untouched).
    allocations.reallocate(
        session=session,
        user=USER,
        referral_id=case.referral_id,
        to_worker_id=org.occupational_therapist,
        reason="Needs an OT",
        allocation_id=case.id,
        expected_version=seen_version(session, Allocation, case.id),
    )
    assert marks() == {}
    # A new transfer is marked afresh, and so is its return.
    _send(session, case.referral_id, org.other_team.id)
    assert marks() == {case.referral_id: "⇄ from CEN1"}
    _return(session, case.referral_id)
    assert marks() == {case.referral_id: "↩ returned by CEN2"}


def test_only_one_transfer_at_a_time(session: Session) -> None:
    org = small_organisation(session)
    third = add_team(session, "CEN3", "Central")
    referral = receive(session, person_in(org.team.id, 1))
    _send(session, referral.id, org.other_team.id)
    with pytest.raises(InvalidInput, match="already being transferred to CEN2") as error:
        _send(session, referral.id, third.id)
    assert error.value.field == "status"
    assert count(session, Transfer) == 1


@pytest.mark.parametrize(
    ("reason", "same_team", "message", "field"),
    [
        ("   ", False, "Say why", "reason"),
        ("Moved", True, "already with that team", "team"),
    ],
)
def test_send_refuses_bad_input(
    session: Session, reason: str, same_team: bool, message: str, field: str
) -> None:
    org = small_organisation(session)
    referral = receive(session, person_in(org.team.id, 1))
    to_team = org.team.id if same_team else org.other_team.id
    with pytest.raises(InvalidInput, match=message) as error:
        _send(session, referral.id, to_team, reason)
    assert error.value.field == field
    assert count(session, Transfer) == 0


def test_closed_referrals_cannot_be_sent(session: Session) -> None:
    org = small_organisation(session)
    referral = triaged_referral(session, org.team.id, 1, pathway="no_further_action")
    with pytest.raises(InvalidInput, match="only an open referral or case"):
        _send(session, referral.id, org.other_team.id)


def test_accept_or_return_needs_a_pending_transfer_and_a_reason(session: Session) -> None:
    org = small_organisation(session)
    referral = receive(session, person_in(org.team.id, 1))
    with pytest.raises(InvalidInput, match="no transfer waiting"):
        _accept(session, referral.id)
    with pytest.raises(InvalidInput, match="no transfer waiting"):
        _return(session, referral.id)
    _send(session, referral.id, org.other_team.id)
    with pytest.raises(InvalidInput, match="Say why") as error:
        _return(session, referral.id, " ")
    assert error.value.field == "reason"


def test_a_stale_copy_cannot_send_or_accept(session: Session) -> None:
    org = small_organisation(session)
    referral = receive(session, person_in(org.team.id, 1))
    seen = seen_version(session, Referral, referral.id)
    _send(session, referral.id, org.other_team.id)
    with pytest.raises(Conflict):
        transfers.accept_transfer(
            session=session, user=USER, referral_id=referral.id, expected_version=seen
        )


def test_every_step_is_audited(session: Session) -> None:
    org = small_organisation(session)
    case = allocated_case(session, org.team.id, org.social_worker, 0)
    sent = _send(session, case.referral_id, org.other_team.id)
    _accept(session, case.referral_id)
    session.flush()
    referral_actions = session.exec(
        select(AuditEvent.action).where(
            AuditEvent.entity == "referral", AuditEvent.entity_id == str(case.referral_id)
        )
    ).all()
    assert referral_actions[-2:] == ["transfer", "accept"]
    transfer_actions = session.exec(
        select(AuditEvent.action).where(
            AuditEvent.entity == "transfer", AuditEvent.entity_id == str(sent.id)
        )
    ).all()
    assert transfer_actions == ["create", "accept"]


def test_a_transfer_in_is_in_the_awaiting_figure_not_the_overdue_one(session: Session) -> None:
    """The figure equals the list: the queue the tile opens holds the transfer too."""
    org = small_organisation(session)
    case = allocated_case(session, org.team.id, org.social_worker, 0)
    _send(session, case.referral_id, org.other_team.id)
    db = through_session(session)
    tiles = worklists.tiles([org.other_team.id])
    assert tiles["awaiting_triage"].rows.count(db) == 1
    assert len(queue_page(db, team_ids=[org.other_team.id]).rows) == 1
    for overdue in ("triage_overdue", "due_next_24h"):
        assert tiles[overdue].rows.count(db) == 0
    assert tiles["triaged_not_allocated"].rows.count(db) == 0


def test_the_queue_pages_through_transfers_and_referrals_in_deadline_order(
    session: Session,
) -> None:
    """Read part by part and merged, a page is the same as one sorted read would give."""
    from datetime import timedelta

    from intapp import clock
    from intapp.services.queue import queue_cursor

    org = small_organisation(session)
    now = clock.now()
    ids = []
    for n in range(7):
        referral = receive(session, person_in(org.team.id, n), received_at=now - timedelta(hours=n))
        ids.append(referral.id)
    for referral_id in ids[1::2]:  # every other one arrives from the other team
        _send(session, referral_id, org.other_team.id)
        _accept(session, referral_id)
        _send(session, referral_id, org.team.id, "Back to where they live")
    db = through_session(session)
    whole = queue_page(db, team_ids=[org.team.id], limit=50).rows
    assert len(whole) == 7
    assert [q.due_by for q in whole] == sorted(q.due_by for q in whole)
    assert sum(q.is_transfer for q in whole) == 3
    paged, after = [], None
    while True:
        page = queue_page(db, team_ids=[org.team.id], after=after, limit=2, count=False).rows
        if not page:
            break
        paged.extend(page)
        after = queue_cursor(page[-1])
    assert [q.referral_id for q in paged] == [q.referral_id for q in whole]
    city = queue_page(db, team_ids=None, limit=3)
    assert (len(city.rows), city.total) == (3, 7)


def test_the_persons_timeline_keeps_each_transfer_and_why(session: Session) -> None:
    from intapp.services.person_record import person_timeline

    org = small_organisation(session)
    case = allocated_case(session, org.team.id, org.social_worker, 0)
    _send(session, case.referral_id, org.other_team.id)
    _return(session, case.referral_id, "Not our area")
    texts = [e.text for e in person_timeline(session=session, person_id=case.person_id)]
    reference = session.get(Referral, case.referral_id).reference
    assert f"{reference} sent to CEN2 by coord.a: Moved to Gorton" in texts
    assert f"{reference} returned to CEN1 by coord.b: Not our area" in texts


def test_a_case_on_its_way_cannot_be_closed_until_it_is_decided(session: Session) -> None:
    from intapp.services import case_closure

    org = small_organisation(session)
    case = allocated_case(session, org.team.id, org.social_worker, 0)
    _send(session, case.referral_id, org.other_team.id)

    with pytest.raises(InvalidInput, match="on its way to another team"):
        case_closure.close_case(
            session=session,
            user=USER,
            referral_id=case.referral_id,
            outcome="goals_met",
            reason="Done",
            expected_version=seen_version(session, Referral, case.referral_id),
        )


def test_a_death_calls_back_a_waiting_transfer_and_closes_the_case(session: Session) -> None:
    from datetime import date

    from intapp.services import deaths

    org = small_organisation(session)
    case = allocated_case(session, org.team.id, org.social_worker, 0)
    _send(session, case.referral_id, org.other_team.id)
    person_id = session.get(Referral, case.referral_id).person_id

    deaths.record_death(
        session=session,
        user=USER,
        person_id=person_id,
        died_on=date(2026, 11, 20),
        source="gp",
        expected_version=seen_version(session, Person, person_id),
    )
    session.flush()

    referral = session.get(Referral, case.referral_id)
    assert (referral.status, referral.team_id, referral.close_outcome) == (
        "closed",
        org.team.id,
        "nfa_deceased",
    )
    transfer = session.exec(select(Transfer).where(Transfer.referral_id == case.referral_id)).one()
    assert transfer.state == "cancelled"
    assert _open_workers(session, case.referral_id) == []
    assert queue_page(through_session(session), team_ids=[org.other_team.id]).rows == []


def test_triage_of_a_referral_in_transit_says_it_waits_for_the_other_team(
    session: Session,
) -> None:
    org = small_organisation(session)
    referral = receive(session, person_in(org.team.id, 3))
    _send(session, referral.id, org.other_team.id)
    from intapp.services import referrals

    with pytest.raises(InvalidInput, match="waiting for that team to accept or return it") as e:
        referrals.triage_referral(
            session=session,
            user=USER,
            referral_id=referral.id,
            priority="soon",
            pathway="case_management",
            expected_version=seen_version(session, Referral, referral.id),
        )
    assert e.value.field == "status"


def test_the_0009_downgrade_refuses_while_a_referral_is_in_transit(
    engine: Engine, session: Session
) -> None:
    from alembic import command

    from intapp.store import migrate

    org = small_organisation(session)
    referral = receive(session, person_in(org.team.id, 3))
    _send(session, referral.id, org.other_team.id)
    session.commit()
    config = migrate.alembic_config()

    def downgrade() -> None:
        with (
            engine.connect() as connection,
            migrate._foreign_keys_deferred(connection),
            connection.begin(),
        ):
            config.attributes["connection"] = connection
            command.downgrade(config, "0008")

    with pytest.raises(RuntimeError, match="1 referral\\(s\\) are on their way"):
        downgrade()
    assert migrate.current_revision(engine) == migrate.head_revision()
    _return(session, referral.id)
    session.commit()
    downgrade()
    assert migrate.current_revision(engine) == "0008"


def test_a_past_weeks_figures_stay_with_the_team_that_held_the_referral_then(
    session: Session,
) -> None:
    from datetime import timedelta

    from conftest import FROZEN_NOW

    from intapp import clock
    from intapp.services.weekly_summary import IsoWeek
    from intapp.services.weekly_summary.counts import team_figures

    org = small_organisation(session)
    a, b = org.team.id, org.other_team.id
    # Week 47: one referral received and triaged, one received from a hospital and left
    # past its 24-hour deadline, one received and then sent on and returned that week.
    clock.freeze(FROZEN_NOW - timedelta(days=6))
    triaged = triaged_referral(session, a, 1)
    waiting = receive(session, person_in(a, 2), source="hospital_discharge")
    returned = receive(session, person_in(a, 3))
    _send(session, returned.id, b)
    _return(session, returned.id)
    # Week 48: all three go to the other team, which accepts them.
    clock.freeze(FROZEN_NOW)
    for referral in (triaged, waiting, returned):
        _send(session, referral.id, b)
        _accept(session, referral.id)
    session.flush()

    week = team_figures(session=session, week=IsoWeek(2026, 47))

    held = week[a]
    assert (
        held.referrals_received,
        held.referrals_triaged,
        held.triage_overdue_at_week_end,
    ) == (3, 1, 1)
    other = week.get(b)
    assert other is None or (
        other.referrals_received,
        other.referrals_triaged,
        other.triage_overdue_at_week_end,
    ) == (0, 0, 0)


def test_opening_a_returned_referral_is_not_acting_on_it(session: Session) -> None:
    from intapp.services.views import record_view

    org = small_organisation(session)
    referral = receive(session, person_in(org.team.id, 1))
    case = allocated_case(session, org.team.id, org.social_worker, 2)
    for referral_id in (referral.id, case.referral_id):
        _send(session, referral_id, org.other_team.id)
        _return(session, referral_id)
    allocation_id = session.exec(
        select(Allocation.id).where(Allocation.referral_id == case.referral_id)
    ).first()
    # Triage opened on one, the other's allocation shown: views, which change nothing.
    for entity, entity_id in (("referral", referral.id), ("allocation", allocation_id)):
        record_view(session=session, user=USER, entity=entity, entity_id=entity_id)
    session.flush()
    found = transfer_marks(through_session(session), [referral.id, case.referral_id])
    assert {i: mark.text for i, mark in found.items()} == {
        referral.id: "↩ returned by CEN2",
        case.referral_id: "↩ returned by CEN2",
    }
