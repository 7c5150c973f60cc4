"""The audit trail: written by every change in the same transaction, and append-only."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

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
    plan_seen_version,
    receive,
    seen_version,
)
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col, select

from intapp import clock
from intapp.models import Assessment, AuditEvent, Person, ReablementEpisode, Referral
from intapp.services import (
    allocations,
    assessments,
    audit,
    care_plans,
    case_closure,
    organisation,
    people,
    reablement,
    referrals,
)
from intapp.services.assessments import AssessmentIn
from intapp.services.care_plans import PlanContent
from intapp.services.errors import InvalidInput
from intapp.store.engine import read_session, unit_of_work

TODAY = date(2026, 11, 23)


def _events_after(session: Session, last_id: int) -> list[AuditEvent]:
    session.flush()
    return list(
        session.exec(
            select(AuditEvent).where(col(AuditEvent.id) > last_id).order_by(col(AuditEvent.id))
        ).all()
    )


def _last_id(session: Session) -> int:
    session.flush()
    ids = session.exec(select(AuditEvent.id)).all()
    return max((i for i in ids if i is not None), default=0)


def test_every_change_in_a_case_is_audited_in_order(session: Session) -> None:
    team = add_team(session).id
    first = add_worker(session, team, "SW1")
    second = add_worker(session, team, "SW2")
    start = _last_id(session)

    referral = receive(session, person_in(team, 0))
    referrals.triage_referral(
        session=session,
        user=USER,
        referral_id=referral.id,
        priority="soon",
        pathway="case_management",
        expected_version=seen_version(session, Referral, referral.id),
    )
    allocation = allocations.allocate(
        session=session,
        user=USER,
        referral_id=referral.id,
        worker_id=first,
        expected_version=seen_version(session, Referral, referral.id),
    )
    allocations.reallocate(
        session=session,
        user=USER,
        referral_id=referral.id,
        to_worker_id=second,
        reason="Leave",
        **open_allocation(session, referral.id),
    )
    content = AssessmentIn(what_matters="Staying in my flat", outcomes=[])
    draft = assessments.start_assessment(
        session=session, user=USER, person_id=referral.person_id, content=content
    )
    assessments.save_assessment(
        session=session,
        user=USER,
        assessment_id=draft.id,
        content=replace(content, strengths="Sense of humour"),
        expected_version=seen_version(session, Assessment, draft.id),
    )
    assessments.sign_off_assessment(
        session=session,
        user=USER,
        assessment_id=draft.id,
        expected_version=seen_version(session, Assessment, draft.id),
    )
    plan = PlanContent(lead_worker_id=second, review_date=TODAY, goals=["Stay in my flat"])
    care_plans.create_plan(session=session, user=USER, person_id=referral.person_id, content=plan)
    care_plans.revise_plan(
        session=session,
        user=USER,
        person_id=referral.person_id,
        content=plan,
        note="reviewed",
        expected_version=plan_seen_version(session, referral.person_id),
    )
    episode = reablement.start_episode(
        session=session,
        user=USER,
        person_id=referral.person_id,
        start_date=TODAY - timedelta(days=40),
        goals=["Cook a meal"],
    )
    reablement.extend_episode(
        session=session,
        user=USER,
        episode_id=episode.id,
        new_planned_end=TODAY + timedelta(days=7),
        reason="Waiting for rails",
        expected_version=seen_version(session, ReablementEpisode, episode.id),
    )
    reablement.end_episode(
        session=session,
        user=USER,
        episode_id=episode.id,
        outcome="no_ongoing_support",
        expected_version=seen_version(session, ReablementEpisode, episode.id),
    )
    clock.freeze(clock.now() + timedelta(days=91))  # the follow-up falls due
    reablement.record_followup(
        session=session,
        user=USER,
        episode_id=episode.id,
        result="at_home",
        expected_version=seen_version(session, ReablementEpisode, episode.id),
    )
    people.update_person(
        session=session,
        user=USER,
        person_id=referral.person_id,
        person_in=person_in(team, 0, phone="0161 000 0000"),
        expected_version=seen_version(session, Person, referral.person_id),
    )
    case_closure.close_case(
        session=session,
        user=USER,
        referral_id=referral.id,
        outcome="goals_met",
        reason="Done",
        expected_version=seen_version(session, Referral, referral.id),
    )

    events = _events_after(session, start)
    assert [(e.entity, e.action) for e in events] == [
        ("person", "create"),
        ("referral", "create"),
        ("referral", "triage"),
        ("allocation", "create"),
        ("referral", "allocate"),
        ("allocation", "end"),
        ("allocation", "create"),
        ("assessment", "create"),
        ("assessment", "update"),
        ("assessment", "sign_off"),
        ("care_plan", "create"),
        ("care_plan_version", "create"),
        ("care_plan", "revise"),
        ("care_plan_version", "create"),
        ("reablement_episode", "create"),
        ("reablement_episode", "extend"),
        ("reablement_episode", "end"),
        ("reablement_episode", "followup"),
        ("person", "update"),
        ("allocation", "end"),
        ("referral", "close"),
        # The last open case closed, so the plan closes with a final version.
        ("care_plan", "close"),
        ("care_plan_version", "create"),
    ]
    assert {e.user for e in events} == {USER}
    # Each event carries the moment it happened; the follow-up waited 91 days.
    followup_index = [e.action for e in events].index("followup")
    assert {e.at for e in events[:followup_index]} == {FROZEN_NOW}
    assert {e.at for e in events[followup_index:]} == {FROZEN_NOW + timedelta(days=91)}
    assert events[1].entity_id == str(referral.id)
    assert events[3].entity_id == str(allocation.id)
    assert events[5].entity_id == str(allocation.id)
    assert events[5].changes["end_reason"] == [None, "Leave"]
    assert events[8].changes == {"strengths": ["", "Sense of humour"]}
    assert events[18].changes == {"phone": [None, "0161 000 0000"]}
    assert events[20].changes["status"] == ["allocated", "closed"]


def test_triage_audit_records_old_and_new_values(session: Session) -> None:
    team = add_team(session).id
    referral = receive(session, person_in(team, 0), source="hospital_discharge")
    session.commit()
    referrals.triage_referral(
        session=session,
        user="duty.worker",
        referral_id=referral.id,
        priority="urgent",
        pathway="crisis_response",
        expected_version=seen_version(session, Referral, referral.id),
    )
    session.commit()

    history = audit.history(session=session, entity="referral", entity_id=referral.id)
    assert [h.action for h in history] == ["create", "triage"]
    created, triaged = history
    assert created.changes["source"] == [None, "hospital_discharge"]
    assert created.changes["priority"] == [None, "discharge_or_falls"]
    assert "closed_at" not in created.changes  # empty values are left out
    assert triaged.user == "duty.worker"
    assert triaged.entity_id == str(referral.id)
    assert triaged.changes == {
        "priority": ["discharge_or_falls", "urgent"],
        "pathway": [None, "crisis_response"],
        "status": ["received", "triaged"],
        "due_by": [
            (FROZEN_NOW + timedelta(hours=24)).isoformat(),
            (FROZEN_NOW + timedelta(hours=2)).isoformat(),
        ],
        "triaged_by": [None, "duty.worker"],
        "triaged_at": [None, FROZEN_NOW.isoformat()],
    }
    # The version column is bookkeeping, not a change anyone made.
    assert "version" not in triaged.changes


def test_person_create_audit_holds_every_given_field(session: Session) -> None:
    team = add_team(session).id
    summary = people.create_person(
        session=session, user=USER, person_in=person_in(team, 0, risk_tier="high")
    )
    (event,) = audit.history(session=session, entity="person", entity_id=summary.id)
    assert event.action == "create"
    assert event.changes["nhs_number"] == [None, summary.nhs_number]
    assert event.changes["risk_tier"] == [None, "high"]
    assert event.changes["date_of_birth"] == [None, summary.date_of_birth.isoformat()]
    assert "local_id" not in event.changes


def test_rolled_back_service_call_leaves_no_audit_row(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        team = add_team(session).id
    with pytest.raises(RuntimeError), unit_of_work(engine) as session:
        referral = receive(session, person_in(team, 0))
        # Inside the transaction, the audit rows are there with the change...
        assert count(session, AuditEvent, col(AuditEvent.entity).in_(["person", "referral"])) == 2
        assert referral.id is not None
        raise RuntimeError("the screen crashed before the commit")

    with read_session(engine) as session:
        # ...and after the rollback neither the change nor its audit survives.
        assert session.exec(select(Person)).all() == []
        assert session.exec(select(Referral)).all() == []
        entities = sorted(session.exec(select(AuditEvent.entity)).all())
        assert entities == ["locality", "team"]


def test_a_refused_change_commits_no_audit(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        team = add_team(session).id
        referral = receive(session, person_in(team, 0))
    with unit_of_work(engine) as session:
        case_closure.close_case(
            session=session,
            user=USER,
            referral_id=referral.id,
            outcome="nfa_support_declined",
            reason="No",
            expected_version=seen_version(session, Referral, referral.id),
        )
    with pytest.raises(InvalidInput, match="already closed"), unit_of_work(engine) as session:
        case_closure.close_case(
            session=session,
            user=USER,
            referral_id=referral.id,
            outcome="other",
            reason="Again",
            expected_version=seen_version(session, Referral, referral.id),
        )
    with read_session(engine) as session:
        actions = session.exec(
            select(AuditEvent.action).where(AuditEvent.entity == "referral")
        ).all()
        assert sorted(actions) == ["close", "create"]


TAMPERING = (
    "UPDATE audit_event SET action = 'tampered'",
    "UPDATE audit_event SET changes = '{}' WHERE entity = 'team'",
    "DELETE FROM audit_event",
    "DELETE FROM audit_event WHERE entity = 'locality'",
)


def test_the_database_refuses_to_change_or_delete_audit_rows(session: Session) -> None:
    add_team(session)
    session.commit()
    before = [(e.id, e.action, e.changes) for e in session.exec(select(AuditEvent)).all()]
    assert len(before) == 2

    for statement in TAMPERING:
        with pytest.raises(DBAPIError, match="append-only"):
            session.execute(text(statement))
        session.rollback()
    session.expire_all()

    after = [(e.id, e.action, e.changes) for e in session.exec(select(AuditEvent)).all()]
    assert after == before
    # Appending is still allowed.
    audit.record(session=session, user=USER, entity="team", entity_id=1, action="view")
    session.commit()
    assert count(session, AuditEvent) == 3


@pytest.mark.parametrize(
    "engine", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_postgresql_refuses_truncate_of_the_audit_trail(session: Session) -> None:
    assert session.get_bind().dialect.name == "postgresql"
    add_team(session)
    session.commit()
    with pytest.raises(DBAPIError, match="append-only"):
        session.execute(text("TRUNCATE audit_event"))
    session.rollback()
    assert count(session, AuditEvent) == 2


def test_an_update_that_changes_nothing_writes_no_audit_event(session: Session) -> None:
    team = add_team(session).id
    worker = add_worker(session, team, "SW1")
    referral = receive(session, person_in(team, 0))
    content = AssessmentIn(what_matters="Staying in my flat", outcomes=[])
    draft = assessments.start_assessment(
        session=session, user=USER, person_id=referral.person_id, content=content
    )
    person = people.get_person(session=session, person_id=referral.person_id)
    start = _last_id(session)

    same = people.update_person(
        session=session,
        user=USER,
        person_id=person.id,
        person_in=person_in(team, 0),
        expected_version=person.version,
    )
    saved = assessments.save_assessment(
        session=session,
        user=USER,
        assessment_id=draft.id,
        content=content,
        expected_version=draft.version,
    )
    held = organisation.get_worker(session=session, worker_id=worker)
    unchanged = organisation.update_worker(
        session=session,
        user=USER,
        worker_id=worker,
        expected_version=held.version,
        given_name=held.given_name,
        family_name=held.family_name,
        profession=held.profession,
        team_id=held.team_id,
        fte=held.fte,
        caseload_limit=held.caseload_limit,
    )
    assert _events_after(session, start) == []
    # Nothing was written either, so an editor holding the same copy is not refused.
    assert (same.version, saved.version, unchanged.version) == (
        person.version,
        draft.version,
        held.version,
    )

    people.update_person(
        session=session,
        user=USER,
        person_id=person.id,
        person_in=person_in(team, 0, phone="0161 496 0001"),
        expected_version=person.version,
    )
    [event] = _events_after(session, start)
    assert (event.entity, event.action, event.changes) == (
        "person",
        "update",
        {"phone": [None, "0161 496 0001"]},
    )


def test_a_create_event_leaves_out_the_version(session: Session) -> None:
    team = add_team(session).id
    start = _last_id(session)
    receive(session, person_in(team, 0))
    person, referral = _events_after(session, start)
    assert "version" not in person.changes and "version" not in referral.changes
    assert person.changes["nhs_number"][1] is not None


def test_each_event_about_a_person_names_them(session: Session) -> None:
    """A person's own events and those of their records carry the person's id, so "who
    has touched this record" is one query; an event about no person carries none."""
    team = add_team(session).id
    worker = add_worker(session, team, "SW1")
    start = _last_id(session)
    case = allocated_case(session, team, worker, 0)
    events = session.exec(select(AuditEvent).where(AuditEvent.id > start)).all()
    assert {event.entity for event in events} >= {"person", "referral", "allocation"}
    assert {event.person_id for event in events} == {case.person_id}
    team_events = session.exec(select(AuditEvent).where(AuditEvent.entity == "team")).all()
    assert team_events and all(event.person_id is None for event in team_events)


def test_events_about_a_persons_notes_plans_and_transfers_name_them(session: Session) -> None:
    """Records that reach their person through another record (an addendum through its
    note, a plan version through its plan, a transfer through its referral, a carer link
    through the person cared for) still name the person, so "who touched this record"
    finds them."""
    from intapp.services import case_notes, transfers

    team = add_team(session).id
    other = add_team(session, "CEN2").id
    worker = add_worker(session, team, "SW1")
    case = allocated_case(session, team, worker, 0)
    note = case_notes.write_note(
        session=session,
        user=USER,
        person_id=case.person_id,
        kind="phone_call",
        contact_with="person",
        contact_at=clock.now(),
        text="Spoke about the stairs",
    )
    start = _last_id(session)
    case_notes.add_addendum(session=session, user=USER, note_id=note.id, text="Also the bath")
    transfers.send_transfer(
        session=session,
        user=USER,
        referral_id=case.referral_id,
        to_team_id=other,
        reason="Moved house",
        expected_version=seen_version(session, Referral, case.referral_id),
    )
    events = session.exec(select(AuditEvent).where(AuditEvent.id > start)).all()
    assert {e.entity for e in events} >= {"case_note_addendum", "transfer"}
    assert {e.person_id for e in events} == {case.person_id}
