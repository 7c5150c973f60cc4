"""Care plans: one per person, every change a new version, earlier versions readable."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from conftest import FROZEN_NOW
from factories import USER, add_team, add_worker, count, person_in, plan_seen_version, receive
from sqlmodel import Session, select

from intapp import clock
from intapp.models import CarePlan, CarePlanVersion
from intapp.services import care_plans
from intapp.services.care_plans import PlanContent
from intapp.services.errors import Conflict, InvalidInput
from intapp.store.plain_sql import through_session

TODAY = date(2026, 11, 23)


@pytest.fixture
def setting(session: Session) -> tuple[int, int, int]:
    """(team id, lead worker id, person id)."""
    team = add_team(session).id
    worker = add_worker(session, team, "SW1")
    person = receive(session, person_in(team, 0)).person_id
    return team, worker, person


def _content(worker: int, **changes: object) -> PlanContent:
    content = PlanContent(
        lead_worker_id=worker,
        review_date=TODAY + timedelta(weeks=12),
        goals=["  I want to make my own breakfast  ", "See my grandchildren at Christmas"],
        actions=[{"who": "OT", "what": "Kitchen assessment", "by_when": "01/12/2026"}],
        items=[{"kind": "equipment", "description": "Perching stool", "cost_pounds": "24.499"}],
    )
    return replace(content, **changes)  # type: ignore[arg-type]


def test_create_then_revise_keeps_version_one_readable_and_unchanged(
    session: Session, setting: tuple[int, int, int]
) -> None:
    team, worker, person = setting
    first = care_plans.create_plan(
        session=session, user=USER, person_id=person, content=_content(worker)
    )
    assert (first.number, first.current_number, first.is_current) == (1, 1, True)
    assert first.content.goals == [
        "I want to make my own breakfast",
        "See my grandchildren at Christmas",
    ]
    assert first.content.actions == [
        {
            "who": "OT",
            "worker_id": None,
            "what": "Kitchen assessment",
            "by_when": "2026-12-01",
            "status": "open",
        }
    ]
    assert first.content.items == [
        {"kind": "equipment", "description": "Perching stool", "cost_pounds": 24.5}
    ]
    session.commit()

    other_worker = add_worker(session, team, "DN1", profession="district_nurse")
    revised = care_plans.revise_plan(
        session=session,
        user="lead.worker",
        person_id=person,
        content=_content(other_worker, goals=["Walk to the post office"], actions=[]),
        note="District nurse now leads",
        expected_version=first.version,
    )
    assert (revised.number, revised.current_number) == (2, 2)
    session.commit()
    session.expire_all()

    plan = session.exec(select(CarePlan).where(CarePlan.person_id == person)).one()
    assert (plan.current_number, plan.lead_worker_id) == (2, other_worker)
    versions = session.exec(
        select(CarePlanVersion.number, CarePlanVersion.goals, CarePlanVersion.change_note)
        .where(CarePlanVersion.plan_id == plan.id)
        .order_by(CarePlanVersion.number)
    ).all()
    assert [tuple(v) for v in versions] == [
        (1, ["I want to make my own breakfast", "See my grandchildren at Christmas"], "first plan"),
        (2, ["Walk to the post office"], "District nurse now leads"),
    ]

    old = care_plans.plan_version(session=session, person_id=person, number=1)
    assert old.content == first.content
    assert (old.is_current, old.content.lead_worker_id) == (False, worker)
    current = care_plans.current_plan(session=session, person_id=person)
    assert current is not None and current.number == 2 and current.is_current
    assert current.created_by == "lead.worker"
    history = care_plans.plan_history(session=session, person_id=person)
    assert [v.number for v in history] == [2, 1]

    with pytest.raises(Conflict):
        care_plans.revise_plan(
            session=session,
            user=USER,
            person_id=person,
            content=_content(worker),
            expected_version=first.version,
        )
    assert count(session, CarePlanVersion) == 2


def test_add_action_and_mark_done_each_make_a_version(
    session: Session, setting: tuple[int, int, int]
) -> None:
    _, worker, person = setting
    care_plans.create_plan(session=session, user=USER, person_id=person, content=_content(worker))
    added = care_plans.add_action(
        session=session,
        user=USER,
        person_id=person,
        who="Community connector",
        what="Introduce to the lunch club",
        by_when=date(2026, 12, 14),
        expected_version=plan_seen_version(session, person),
    )
    assert added.number == 2
    assert added.content.actions[1] == {
        "who": "Community connector",
        "worker_id": None,
        "what": "Introduce to the lunch club",
        "by_when": "2026-12-14",
        "status": "open",
    }
    assert added.change_note == "added action: Introduce to the lunch club"

    done = care_plans.mark_action_done(
        session=session,
        user=USER,
        person_id=person,
        action_index=1,
        expected_version=plan_seen_version(session, person),
    )
    assert done.number == 3
    assert [a["status"] for a in done.content.actions] == ["open", "done"]
    session.commit()
    session.expire_all()

    stored = {
        v.number: [a["status"] for a in v.actions]
        for v in session.exec(select(CarePlanVersion)).all()
    }
    assert stored == {1: ["open"], 2: ["open", "open"], 3: ["open", "done"]}
    assert (
        care_plans.plan_version(session=session, person_id=person, number=2).content.actions[1][
            "status"
        ]
        == "open"
    )

    with pytest.raises(InvalidInput, match="already done"):
        care_plans.mark_action_done(
            session=session,
            user=USER,
            person_id=person,
            action_index=1,
            expected_version=plan_seen_version(session, person),
        )
    with pytest.raises(InvalidInput, match="no action 5"):
        care_plans.mark_action_done(
            session=session,
            user=USER,
            person_id=person,
            action_index=4,
            expected_version=plan_seen_version(session, person),
        )
    assert count(session, CarePlanVersion) == 3


def test_one_plan_per_person(session: Session, setting: tuple[int, int, int]) -> None:
    _, worker, person = setting
    care_plans.create_plan(session=session, user=USER, person_id=person, content=_content(worker))
    with pytest.raises(InvalidInput, match="already has a care plan") as caught:
        care_plans.create_plan(
            session=session, user=USER, person_id=person, content=_content(worker)
        )
    assert caught.value.field == "person"
    assert count(session, CarePlan) == 1
    assert count(session, CarePlanVersion) == 1


def test_plan_content_is_validated(session: Session, setting: tuple[int, int, int]) -> None:
    _, worker, person = setting
    cases: list[tuple[dict[str, object], str]] = [
        ({"goals": []}, "goals"),
        ({"goals": ["   ", ""]}, "goals"),
        ({"lead_worker_id": 999_999}, "lead_worker"),
        ({"actions": [{"who": "", "what": "Ring GP", "by_when": "01/12/2026"}]}, "action:1"),
        ({"actions": [{"who": "SW", "what": " ", "by_when": "01/12/2026"}]}, "action:1"),
        ({"actions": [{"who": "SW", "what": "Ring GP"}]}, "action:1"),
        ({"actions": [{"who": "SW", "what": "Ring GP", "by_when": "soon"}]}, "action:1"),
        ({"items": [{"kind": "holiday", "description": "Trip", "cost_pounds": 5}]}, "item:1"),
        ({"items": [{"kind": "equipment", "description": "Rail", "cost_pounds": -1}]}, "item:1"),
        ({"items": [{"kind": "equipment", "description": "Rail", "cost_pounds": "x"}]}, "item:1"),
        ({"items": [{"kind": "adaptation", "description": " ", "cost_pounds": 1}]}, "item:1"),
    ]
    for change, field in cases:
        with pytest.raises(InvalidInput) as caught:
            care_plans.create_plan(
                session=session, user=USER, person_id=person, content=_content(worker, **change)
            )
        assert caught.value.field == field, change
    assert count(session, CarePlan) == 0
    assert count(session, CarePlanVersion) == 0

    # The second action is the one named.
    two = [
        {"who": "SW", "what": "Ring GP", "by_when": "2026-12-01"},
        {"who": "SW", "what": "Ring family", "by_when": ""},
    ]
    with pytest.raises(InvalidInput) as caught:
        care_plans.create_plan(
            session=session, user=USER, person_id=person, content=_content(worker, actions=two)
        )
    assert caught.value.field == "action:2"


def test_reviews_due_with_overdue_flag(session: Session) -> None:
    team = add_team(session).id
    other_team = add_team(session, "NOR1", "North").id
    worker = add_worker(session, team, "SW1")
    reviews = {
        0: TODAY - timedelta(days=3),
        1: TODAY,
        2: TODAY + timedelta(days=7),
        3: TODAY - timedelta(days=30),
    }
    people = {}
    # Written weeks ago, when these review dates were still to come.
    clock.freeze(FROZEN_NOW - timedelta(days=60))
    for n, review in reviews.items():
        people[n] = receive(session, person_in(team, n)).person_id
        care_plans.create_plan(
            session=session,
            user=USER,
            person_id=people[n],
            content=_content(worker, review_date=review),
        )
    elsewhere = receive(session, person_in(other_team, 4)).person_id
    care_plans.create_plan(
        session=session,
        user=USER,
        person_id=elsewhere,
        content=_content(worker, review_date=TODAY - timedelta(days=1)),
    )
    clock.freeze(FROZEN_NOW)
    session.commit()

    db = through_session(session)
    due = care_plans.reviews_page(db, team_ids=[team]).rows
    assert [(d.person_id, d.review_date, d.overdue) for d in due] == [
        (people[3], TODAY - timedelta(days=30), True),
        (people[0], TODAY - timedelta(days=3), True),
        (people[1], TODAY, False),
        (people[2], TODAY + timedelta(days=7), False),
    ]
    assert due[0].person_name == "Dorothy Patel"
    assert due[0].lead_worker_id == worker

    overdue = care_plans.reviews_page(db, team_ids=[team], overdue_only=True).rows
    assert [d.person_id for d in overdue] == [people[3], people[0]]
    city = care_plans.reviews_page(db, team_ids=None, overdue_only=True)
    assert elsewhere in {d.person_id for d in city.rows} and city.total == 3


def test_an_action_goes_only_to_a_current_worker_in_the_team_unless_unchanged(
    session: Session,
) -> None:
    from factories import small_organisation

    from intapp.models import Worker

    org = small_organisation(session, people=1)
    person = org.people[0]
    due = (clock.today() + timedelta(days=7)).isoformat()

    def action(worker_id: int, what: str = "Visit") -> dict:
        return {"who": "", "worker_id": worker_id, "what": what, "by_when": due}

    def content(*actions: dict) -> PlanContent:
        return PlanContent(
            lead_worker_id=org.social_worker,
            review_date=clock.today() + timedelta(days=30),
            goals=["Stay at home"],
            actions=list(actions),
        )

    with pytest.raises(InvalidInput, match="not a worker in the team"):
        care_plans.create_plan(
            session=session,
            user=USER,
            person_id=person,
            content=content(action(org.other_team_worker)),
        )
    care_plans.create_plan(
        session=session, user=USER, person_id=person, content=content(action(org.social_worker))
    )
    worker = session.get(Worker, org.social_worker)
    assert worker is not None
    worker.active = False
    session.add(worker)
    session.flush()
    # Unchanged from the earlier version: the plan can still be saved.
    kept = care_plans.revise_plan(
        session=session,
        user=USER,
        person_id=person,
        content=replace(content(action(org.social_worker)), goals=["Stay at home", "Walk"]),
        expected_version=plan_seen_version(session, person),
    )
    assert kept.number == 2
    with pytest.raises(InvalidInput, match="Action 2: Asha Khan is not a worker in the team"):
        care_plans.revise_plan(
            session=session,
            user=USER,
            person_id=person,
            content=content(action(org.social_worker), action(org.social_worker, "Call")),
            expected_version=plan_seen_version(session, person),
        )
