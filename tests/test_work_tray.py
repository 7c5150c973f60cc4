"""A worker's work tray: what it holds at the boundary instants, on both databases, and
that its overdue figure counts the items it marks overdue."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from factories import USER, add_worker, person_in, receive, small_organisation
from sqlmodel import Session

from intapp import clock
from intapp.models import Assessment, ReablementEpisode, Referral
from intapp.services import care_plans, people
from intapp.services.care_plans import PlanContent
from intapp.services.work_tray import (
    Me,
    TrayKind,
    overdue_count,
    tray_cursor,
    tray_items,
    tray_page,
    who_is_me,
)
from intapp.store.plain_sql import through_session


def _me(session: Session, staff_id: str, write_config) -> Me:
    write_config(f'[settings]\nme = "{staff_id}"\n')
    me = who_is_me(through_session(session))
    assert me is not None and me.staff_id == staff_id
    return me


def _items(session: Session, me: Me) -> list[tuple[TrayKind, str, str, bool]]:
    session.flush()
    return [
        (i.kind, i.due_on.isoformat(), i.what, i.overdue)
        for i in tray_items(through_session(session), me=me)
    ]


def _person(session: Session, team_id: int, n: int) -> int:
    return people.create_person(session=session, user=USER, person_in=person_in(team_id, n)).id


def test_me_is_the_worker_the_setting_names(session: Session, write_config) -> None:
    org = small_organisation(session)
    db = through_session(session)
    assert who_is_me(db) is None  # unset
    write_config('[settings]\nme = "NOBODY"\n')
    assert who_is_me(db) is None
    me = _me(session, "SW1", write_config)
    assert (me.worker_id, me.name, me.team_id) == (org.social_worker, "Asha Khan", org.team.id)
    assert not me.is_coordinator


def test_an_action_due_yesterday_is_overdue_and_one_due_today_is_not(
    session: Session, write_config
) -> None:
    org = small_organisation(session)
    me = _me(session, "SW1", write_config)
    person = _person(session, org.team.id, 1)
    today = clock.today()
    care_plans.create_plan(
        session=session,
        user=USER,
        person_id=person,
        content=PlanContent(
            lead_worker_id=org.occupational_therapist,
            review_date=today + timedelta(days=60),
            goals=["Get back to the allotment"],
            actions=[
                {"worker_id": org.social_worker, "what": "Ring the GP", "by_when": today},
                {
                    "worker_id": org.social_worker,
                    "what": "Book the carers' assessment",
                    "by_when": today + timedelta(days=1),
                },
                # Not hers: a service, a colleague, and one already done.
                {"who": "District nurses", "what": "Dress the leg", "by_when": today},
                {"worker_id": org.occupational_therapist, "what": "Rails", "by_when": today},
                {
                    "worker_id": org.social_worker,
                    "what": "Done already",
                    "by_when": today,
                    "status": "done",
                },
            ],
        ),
    )
    assert _items(session, me) == [
        (TrayKind.ACTION, today.isoformat(), "Ring the GP", False),
        (
            TrayKind.ACTION,
            (today + timedelta(days=1)).isoformat(),
            "Book the carers' assessment",
            False,
        ),
    ]
    # A day later the first is due yesterday: overdue; the second is due today: not.
    clock.freeze(clock.now() + timedelta(days=1))
    assert [(k, what, late) for k, _, what, late in _items(session, me)] == [
        (TrayKind.ACTION, "Ring the GP", True),
        (TrayKind.ACTION, "Book the carers' assessment", False),
    ]
    assert overdue_count(through_session(session), me=me) == 1
    # "who" shows the worker's name, as the plan and a copy for the person read it.
    plan = care_plans.current_plan(session=session, person_id=person)
    assert plan is not None
    assert [a["who"] for a in plan.content.actions][:2] == ["Asha Khan", "Asha Khan"]


def test_marking_an_action_done_or_cancelled_takes_it_off_the_tray(
    session: Session, write_config
) -> None:
    from factories import plan_seen_version

    from intapp.codes import ActionStatus
    from intapp.services.errors import InvalidInput

    org = small_organisation(session)
    me = _me(session, "SW1", write_config)
    person = _person(session, org.team.id, 1)
    today = clock.today()
    care_plans.create_plan(
        session=session,
        user=USER,
        person_id=person,
        content=PlanContent(
            lead_worker_id=org.social_worker,
            review_date=today + timedelta(days=60),
            goals=["Stay at home"],
            actions=[
                {"worker_id": org.social_worker, "what": "One", "by_when": today},
                {"worker_id": org.social_worker, "what": "Two", "by_when": today},
            ],
        ),
    )
    for index, status in ((0, ActionStatus.DONE), (1, ActionStatus.CANCELLED)):
        care_plans.set_action_status(
            session=session,
            user=USER,
            person_id=person,
            action_index=index,
            status=status,
            expected_version=plan_seen_version(session, person),
        )
    assert _items(session, me) == []
    plan = care_plans.current_plan(session=session, person_id=person)
    assert plan is not None
    assert [a["status"] for a in plan.content.actions] == ["done", "cancelled"]
    with pytest.raises(InvalidInput, match="already cancelled"):
        care_plans.set_action_status(
            session=session,
            user=USER,
            person_id=person,
            action_index=1,
            status=ActionStatus.DONE,
            expected_version=plan_seen_version(session, person),
        )


def test_a_typed_name_of_one_colleague_assigns_the_action_to_them(
    session: Session, write_config
) -> None:
    org = small_organisation(session)
    me = _me(session, "SW1", write_config)
    person = _person(session, org.team.id, 1)
    today = clock.today()
    care_plans.create_plan(
        session=session,
        user=USER,
        person_id=person,
        content=PlanContent(
            lead_worker_id=org.social_worker,
            review_date=today + timedelta(days=60),
            goals=["Stay at home"],
            # As versions saved before actions named their worker held them.
            actions=[
                {"who": "asha  khan", "what": "Visit", "by_when": today.isoformat(), "done": False}
            ],
        ),
    )
    assert [what for _, _, what, _ in _items(session, me)] == ["Visit"]


def test_a_leaver_is_not_me_and_a_typed_name_never_assigns_to_a_leaver(
    session: Session, write_config
) -> None:
    from intapp.models import Worker
    from intapp.services.plan_actions import team_workers

    org = small_organisation(session)
    _me(session, "SW1", write_config)
    worker = session.get(Worker, org.social_worker)
    assert worker is not None
    worker.active = False
    session.add(worker)
    session.flush()
    assert who_is_me(through_session(session)) is None
    assert org.social_worker not in [wid for wid, _ in team_workers(session, org.team.id)]
    assert org.occupational_therapist in [wid for wid, _ in team_workers(session, org.team.id)]


def test_episodes_join_the_tray_on_day_35_and_are_overdue_after_day_42(
    session: Session, write_config
) -> None:
    org = small_organisation(session)
    me = _me(session, "RO1", write_config)
    today = clock.today()
    for n, days_ago in enumerate((34, 35, 42, 43)):
        start = today - timedelta(days=days_ago)
        session.add(
            ReablementEpisode(
                person_id=_person(session, org.team.id, n),
                worker_id=org.reablement_officer,
                state="active",
                start_date=start,
                planned_end_date=start + timedelta(days=42),
            )
        )
    ends = [today + timedelta(days=d) for d in (-1, 0, 7)]
    assert [(k, due, late) for k, due, _, late in _items(session, me)] == [
        (TrayKind.EPISODE_END, ends[0].isoformat(), True),  # day 43
        (TrayKind.EPISODE_END, ends[1].isoformat(), False),  # day 42
        (TrayKind.EPISODE_END, ends[2].isoformat(), False),  # day 35; day 34 not yet
    ]
    assert overdue_count(through_session(session), me=me) == 1


def test_a_followup_due_today_is_in_the_tray_and_not_overdue(
    session: Session, write_config
) -> None:
    org = small_organisation(session)
    me = _me(session, "RO1", write_config)
    today = clock.today()
    for n, due_in in enumerate((-1, 0, 1)):
        session.add(
            ReablementEpisode(
                person_id=_person(session, org.team.id, n),
                worker_id=org.reablement_officer,
                state="ended",
                start_date=today - timedelta(days=150),
                planned_end_date=today - timedelta(days=108),
                ended_on=today - timedelta(days=108),
                followup_due=today + timedelta(days=due_in),
            )
        )
    assert [(k, due, late) for k, due, _, late in _items(session, me)] == [
        (TrayKind.FOLLOWUP, (today - timedelta(days=1)).isoformat(), True),
        (TrayKind.FOLLOWUP, today.isoformat(), False),
    ]


def test_drafts_join_the_tray_after_the_configured_days(session: Session, write_config) -> None:
    org = small_organisation(session)
    write_config('[settings]\nme = "SW1"\ndraft_assessment_days = 10\n')
    me = who_is_me(through_session(session))
    assert me is not None
    today = clock.today()
    for n, days_ago in enumerate((9, 10, 11)):
        # Started at the last moment of the day `days_ago` days ago.
        started = clock.start_of_day(today - timedelta(days=days_ago - 1)) - timedelta(
            microseconds=1
        )
        session.add(
            Assessment(
                person_id=_person(session, org.team.id, n),
                assessor_id=org.social_worker,
                created_by=USER,
                created_at=started,
            )
        )
    assert [(k, due, late) for k, due, _, late in _items(session, me)] == [
        (TrayKind.DRAFT, (today - timedelta(days=1)).isoformat(), True),  # 11 days
        (TrayKind.DRAFT, today.isoformat(), False),  # 10 days; 9 days not yet
    ]
    assert overdue_count(through_session(session), me=me) == 1


def test_a_coordinator_also_holds_the_teams_triage_and_transfers(
    session: Session, write_config
) -> None:
    org = small_organisation(session)
    add_worker(
        session,
        org.team.id,
        "CC1",
        given_name="Dee",
        family_name="Okafor",
        profession="care_coordinator",
    )
    # Part-way through a second, so stored timestamps must compare to the microsecond.
    clock.freeze(clock.now() + timedelta(milliseconds=500))
    now = clock.now()

    def referral(team_id: int, n: int, due_by: datetime, status: str = "received") -> None:
        made = receive(session, person_in(team_id, n))
        row = session.get(Referral, made.id)
        assert row is not None
        row.due_by, row.status = due_by, status

    referral(org.team.id, 1, now - timedelta(microseconds=1))  # overdue by a moment
    referral(org.team.id, 2, now)  # due now: not yet overdue
    referral(org.team.id, 3, now - timedelta(days=9), status="transfer")  # old deadline
    referral(org.other_team.id, 4, now - timedelta(days=1))  # another team's
    coordinator = _me(session, "CC1", write_config)
    assert coordinator.is_coordinator
    items = _items(session, coordinator)
    assert [(k, late) for k, _, _, late in items] == [
        (TrayKind.TRANSFER, False),
        (TrayKind.TRIAGE, True),
        (TrayKind.TRIAGE, False),
    ]
    assert overdue_count(through_session(session), me=coordinator) == 1
    # A key worker in the same team holds none of them.
    assert _items(session, _me(session, "SW1", write_config)) == []


def test_reviews_of_plans_she_leads_and_paging(session: Session, write_config) -> None:
    org = small_organisation(session)
    me = _me(session, "SW1", write_config)
    today = clock.today()
    for n in range(5):
        care_plans.create_plan(
            session=session,
            user=USER,
            person_id=_person(session, org.team.id, n),
            content=PlanContent(
                lead_worker_id=org.social_worker,
                review_date=today + timedelta(days=n),
                goals=["Stay at home"],
            ),
        )
    db = through_session(session)
    session.flush()
    assert [i.kind for i in tray_items(db, me=me)] == [TrayKind.REVIEW] * 5
    first = tray_page(db, me=me, limit=2)
    assert first.total == 5 and len(first.rows) == 2
    second = tray_page(db, me=me, after=tray_cursor(first.rows[-1]), limit=2)
    third = tray_page(db, me=me, after=tray_cursor(second.rows[-1]), limit=2)
    days = [i.due_on for i in (*first.rows, *second.rows, *third.rows)]
    assert days == [today + timedelta(days=n) for n in range(5)]
    # Reviews past the window (7 days) are not due yet.
    clock.freeze(clock.now() - timedelta(days=5))
    assert len(tray_items(db, me=me)) == 3


def _plan(session: Session, person_id: int, lead: int, in_days: int) -> None:
    care_plans.create_plan(
        session=session,
        user=USER,
        person_id=person_id,
        content=PlanContent(
            lead_worker_id=lead,
            review_date=clock.today() + timedelta(days=in_days),
            goals=["Stay at home"],
        ),
    )


def test_a_review_she_leads_stays_in_her_tray_when_the_person_is_in_another_team(
    session: Session, write_config
) -> None:
    org = small_organisation(session)
    me = _me(session, "SW1", write_config)
    _plan(session, _person(session, org.other_team.id, 1), org.social_worker, 0)
    clock.freeze(clock.now() + timedelta(days=1))
    assert [(k, late) for k, _, _, late in _items(session, me)] == [(TrayKind.REVIEW, True)]
    assert overdue_count(through_session(session), me=me) == 1


def test_the_overdue_count_counts_only_what_the_tray_can_show(
    session: Session, write_config, monkeypatch: pytest.MonkeyPatch
) -> None:
    from intapp.services import work_tray

    org = small_organisation(session)
    me = _me(session, "SW1", write_config)
    for n in range(3):
        _plan(session, _person(session, org.team.id, n), org.social_worker, n)
    clock.freeze(clock.now() + timedelta(days=5))
    monkeypatch.setattr(work_tray, "MOST_PER_SOURCE", 2)
    shown = [late for *_, late in _items(session, me)]
    assert shown == [True, True]
    assert overdue_count(through_session(session), me=me) == 2
