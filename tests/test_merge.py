"""Merging two records of the same person: everything moves, every move is audited, the
merged record points at the survivor, and the refusals."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from factories import (
    USER,
    allocated_case,
    person_in,
    receive,
    seen_version,
    small_organisation,
)
from sqlmodel import Session, SQLModel, col, select

from intapp import clock
from intapp.models import (
    Allocation,
    AuditEvent,
    CarePlan,
    CarePlanVersion,
    CarerLink,
    Person,
    Referral,
)
from intapp.services import (
    allocations,
    assessments,
    care_plans,
    carers,
    case_notes,
    merge,
    reablement,
    referrals,
)
from intapp.services.errors import Conflict, InvalidInput
from intapp.services.people import (
    find_person,
    person_by_identifier,
    search_people,
)

TODAY = date(2026, 11, 23)


def test_every_column_that_names_a_person_is_moved() -> None:
    """A table added later that names a person must be handled by the merge."""
    named = {
        (table.name, fk.parent.name)
        for table in SQLModel.metadata.sorted_tables
        for fk in table.foreign_keys
        if fk.column.table.name == "person"
    }
    handled = {
        (model.__tablename__, column)  # type: ignore[attr-defined]
        for model, column in merge.MOVED + merge.LEFT_IN_PLACE
    }
    assert named == handled


def _two_records(session: Session) -> tuple[int, int, int]:
    """A team's worker and two records of one person, each with a case and history."""
    org = small_organisation(session)
    worker = org.social_worker
    survivor = allocated_case(session, org.team.id, worker, 0)
    # The same person again, registered without an NHS number under a local id.
    duplicate = person_in(org.team.id, 1, nhs_number=None, local_id="OLD-1", phone="0161 000")
    merged_referral = receive(session, duplicate)
    session.flush()
    return survivor.person_id, merged_referral.person_id, worker


def test_everything_moves_to_the_survivor_and_each_move_is_audited(session: Session) -> None:
    survivor, merged, worker = _two_records(session)
    team_id = session.get(Person, survivor).team_id  # type: ignore[union-attr]
    assessments.start_assessment(session=session, user=USER, person_id=merged)
    reablement.start_episode(
        session=session, user=USER, person_id=merged, start_date=TODAY, goals=["Walk"]
    )
    care_plans.create_plan(
        session=session,
        user=USER,
        person_id=merged,
        content=care_plans.PlanContent(worker, TODAY + timedelta(30), goals=["Stay home"]),
    )
    cared_for = receive(session, person_in(team_id, 5)).person_id
    carers.link_carer(session=session, user=USER, carer_id=merged, cared_for_id=cared_for)
    case_notes.write_note(
        session=session,
        user=USER,
        person_id=merged,
        kind="phone_call",
        contact_with="person",
        contact_at=clock.now(),
        text="Rang to arrange the visit",
    )
    earlier = receive(session, person_in(team_id, 6)).person_id
    session.get(Person, earlier).merged_into_id = merged  # type: ignore[union-attr]
    session.flush()
    preview = merge.merge_preview(session=session, survivor_id=survivor, merged_id=merged)
    assert preview.refusal is None
    assert (preview.merged.referrals, preview.merged.has_plan) == (1, True)
    assert preview.plan_note == "The care plan moves to the surviving record"

    result = merge.merge_people(
        session=session,
        user=USER,
        survivor_id=survivor,
        merged_id=merged,
        survivor_version=preview.survivor.person.version,
        merged_version=preview.merged.person.version,
    )
    session.flush()
    assert result.moved == {
        "referrals": 1,
        "allocations": 0,
        "assessments": 1,
        "reablement episodes": 1,
        "care plans": 1,
        "carer links": 1,
        "case notes": 1,
    }
    for model, column in merge.MOVED:
        if model is Person:
            continue
        assert not session.exec(select(model).where(getattr(model, column) == merged)).all()
    assert len(session.exec(select(Referral).where(Referral.person_id == survivor)).all()) == 2
    row = session.get(Person, merged)
    assert row is not None and row.merged_into_id == survivor
    assert session.get(Person, earlier).merged_into_id == survivor  # type: ignore[union-attr]
    kept = session.get(Person, survivor)
    assert kept is not None and kept.phone == "0161 000" and kept.is_carer
    moves = session.exec(select(AuditEvent).where(AuditEvent.action == "merge")).all()
    by_entity: dict[str, int] = {}
    for event in moves:
        by_entity[event.entity] = by_entity.get(event.entity, 0) + 1
    assert by_entity == {
        "referral": 1,
        "assessment": 1,
        "reablement_episode": 1,
        "care_plan": 1,
        "carer_link": 1,
        "case_note": 1,
        "person": 3,  # the earlier pointer, the merged record and the survivor
    }
    survivor_event = [e for e in moves if e.entity == "person" and e.entity_id == str(survivor)]
    assert survivor_event[0].changes["merged_from"] == [None, merged]
    # The merged record's local id leads to the survivor; search lists the survivor only.
    assert find_person(session=session, local_id="OLD-1").id == survivor  # type: ignore[union-attr]
    assert person_by_identifier(session=session, identifier="OLD-1").id == survivor
    names = {p.id for p in search_people(session=session, text=row.family_name)}
    assert merged not in names
    # A new referral naming the merged record goes to the survivor.
    assert receive(session, merged).person_id == survivor


def test_allocations_move_with_their_referral(session: Session) -> None:
    org = small_organisation(session)
    first = allocated_case(session, org.team.id, org.social_worker, 0)
    second = receive(session, person_in(org.team.id, 1, nhs_number=None, local_id="L-2"))
    referrals.triage_referral(
        session=session,
        user=USER,
        referral_id=second.id,
        priority="soon",
        pathway="case_management",
        expected_version=seen_version(session, Referral, second.id),
    )
    allocations.allocate(
        session=session,
        user=USER,
        referral_id=second.id,
        worker_id=org.occupational_therapist,
        weight=5,
        expected_version=seen_version(session, Referral, second.id),
    )
    result = merge.merge_people(
        session=session, user=USER, survivor_id=first.person_id, merged_id=second.person_id
    )
    session.flush()
    assert (result.moved["referrals"], result.moved["allocations"]) == (1, 1)
    held = session.exec(
        select(Allocation).where(
            Allocation.person_id == first.person_id, col(Allocation.ended_at).is_(None)
        )
    ).all()
    assert {a.worker_id for a in held} == {org.social_worker, org.occupational_therapist}


def test_when_both_have_a_plan_the_survivors_continues(session: Session) -> None:
    survivor, merged, worker = _two_records(session)
    for pid, goal in ((survivor, "Mine"), (merged, "Theirs")):
        care_plans.create_plan(
            session=session,
            user=USER,
            person_id=pid,
            content=care_plans.PlanContent(worker, TODAY + timedelta(30), goals=[goal]),
        )
    preview = merge.merge_preview(session=session, survivor_id=survivor, merged_id=merged)
    assert preview.plan_note is not None and "continues" in preview.plan_note
    merge.merge_people(session=session, user=USER, survivor_id=survivor, merged_id=merged)
    session.flush()
    plans = {p.person_id: p for p in session.exec(select(CarePlan)).all()}
    assert plans[survivor].closed_at is None
    assert plans[merged].closed_at is not None and plans[merged].current_number == 2
    final = session.exec(
        select(CarePlanVersion).where(
            CarePlanVersion.plan_id == plans[merged].id, CarePlanVersion.number == 2
        )
    ).one()
    assert final.goals == ["Theirs"] and f"person {survivor}" in final.change_note


def test_refused_for_two_nhs_numbers_and_changes_nothing(session: Session) -> None:
    org = small_organisation(session)
    a = receive(session, person_in(org.team.id, 0)).person_id
    b = receive(session, person_in(org.team.id, 1)).person_id
    session.flush()
    with pytest.raises(InvalidInput, match="different NHS numbers") as caught:
        merge.merge_people(session=session, user=USER, survivor_id=a, merged_id=b)
    assert caught.value.field == "merged"
    assert session.get(Person, b).merged_into_id is None  # type: ignore[union-attr]
    assert not session.exec(select(AuditEvent).where(AuditEvent.action == "merge")).all()


def test_refused_when_only_one_has_died_or_already_merged_or_stale(session: Session) -> None:
    survivor, merged, _ = _two_records(session)
    row = session.get(Person, merged)
    assert row is not None
    row.date_of_death = TODAY - timedelta(days=2)
    session.flush()
    preview = merge.merge_preview(session=session, survivor_id=survivor, merged_id=merged)
    assert preview.refusal is not None and "date of death" in preview.refusal
    with pytest.raises(InvalidInput, match="date of death"):
        merge.merge_people(session=session, user=USER, survivor_id=survivor, merged_id=merged)
    session.get(Person, survivor).date_of_death = TODAY - timedelta(days=2)  # type: ignore[union-attr]
    session.flush()
    with pytest.raises(Conflict):
        merge.merge_people(
            session=session, user=USER, survivor_id=survivor, merged_id=merged, merged_version=1
        )
    merge.merge_people(session=session, user=USER, survivor_id=survivor, merged_id=merged)
    with pytest.raises(InvalidInput, match="already merged"):
        merge.merge_people(session=session, user=USER, survivor_id=survivor, merged_id=merged)
    with pytest.raises(InvalidInput, match="two different records"):
        merge.merge_people(session=session, user=USER, survivor_id=survivor, merged_id=survivor)


def test_refused_when_both_have_a_running_episode(session: Session) -> None:
    survivor, merged, _ = _two_records(session)
    for pid in (survivor, merged):
        reablement.start_episode(
            session=session, user=USER, person_id=pid, start_date=TODAY, goals=["Walk"]
        )
    with pytest.raises(InvalidInput, match="reablement episode"):
        merge.merge_people(session=session, user=USER, survivor_id=survivor, merged_id=merged)


def test_a_link_between_the_two_ends_and_a_duplicate_link_ends(session: Session) -> None:
    survivor, merged, _ = _two_records(session)
    team_id = session.get(Person, survivor).team_id  # type: ignore[union-attr]
    mum = receive(session, person_in(team_id, 7)).person_id
    carers.link_carer(session=session, user=USER, carer_id=merged, cared_for_id=survivor)
    for carer in (survivor, merged):
        carers.link_carer(session=session, user=USER, carer_id=carer, cared_for_id=mum)
    merge.merge_people(session=session, user=USER, survivor_id=survivor, merged_id=merged)
    session.flush()
    open_links = session.exec(select(CarerLink).where(col(CarerLink.ended_on).is_(None))).all()
    assert [(link.carer_id, link.cared_for_id) for link in open_links] == [(survivor, mum)]
    ended = session.exec(select(CarerLink).where(col(CarerLink.ended_on).is_not(None))).all()
    assert {link.end_reason for link in ended} == {merge.MERGE_REASON}


def test_the_nhs_number_moves_to_a_survivor_that_had_none(session: Session) -> None:
    org = small_organisation(session)
    local_only = receive(
        session, person_in(org.team.id, 0, nhs_number=None, local_id="L-9")
    ).person_id
    with_nhs = receive(session, person_in(org.team.id, 1)).person_id
    nhs = session.get(Person, with_nhs).nhs_number  # type: ignore[union-attr]
    merge.merge_people(session=session, user=USER, survivor_id=local_only, merged_id=with_nhs)
    session.flush()
    assert session.get(Person, local_only).nhs_number == nhs  # type: ignore[union-attr]
    pointer = session.get(Person, with_nhs)
    assert pointer is not None and pointer.nhs_number is None
    assert pointer.local_id == f"MERGED-{with_nhs}"
    assert person_by_identifier(session=session, identifier=nhs).id == local_only  # type: ignore[arg-type]


def test_searching_for_a_merged_records_identifier_finds_the_survivor(session: Session) -> None:
    # The identifier on an old letter must not find nobody: it leads where the CLI's
    # person_by_identifier leads. Local ids of each shape the search tells apart.
    org = small_organisation(session)
    survivor = receive(session, person_in(org.team.id, 0)).person_id
    local_ids = ("12345", "OLD-7", "AB123")
    for n, local_id in enumerate(local_ids, start=1):
        merged = receive(
            session, person_in(org.team.id, n, nhs_number=None, local_id=local_id)
        ).person_id
        session.flush()
        merge.merge_people(session=session, user=USER, survivor_id=survivor, merged_id=merged)
        session.flush()
    for text in local_ids:
        assert [p.id for p in search_people(session=session, text=text)] == [survivor], text
        assert person_by_identifier(session=session, identifier=text).id == survivor
