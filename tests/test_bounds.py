"""One set of bounds: the app's services and the import refuse the same values, in the
same words, and the bounds that are a council's choice follow the settings."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from conftest import FROZEN_NOW
from factories import (
    USER,
    add_team,
    add_worker,
    allocated_case,
    person_in,
    plan_seen_version,
    receive,
    seen_version,
)
from import_support import PEOPLE_HEADER, WORKERS_HEADER, csv_bytes, person, run_import, worker
from sqlmodel import Session

from intapp import clock
from intapp.models import ReablementEpisode, Referral
from intapp.services import allocations, care_plans, people, reablement
from intapp.services.care_plans import PlanContent
from intapp.services.errors import InvalidInput

TODAY = FROZEN_NOW.date()


def _import_problem(session: Session, kind: str, header: list[str], row: dict[str, str]):
    outcome = run_import(session, kind, csv_bytes(header, [row]))
    [problem] = outcome.problems
    assert not outcome.written
    return problem


def _service_refusal(call) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        call()
    return caught.value


# --- people: names and dates of birth, in the app and in the import --------------------------


@pytest.mark.parametrize(
    ("overrides", "column", "reason"),
    [
        ({"given_name": "A" * 5000}, "given_name", "is longer than 80 characters (5000)"),
        ({"family_name": "B" * 81}, "family_name", "is longer than 80 characters (81)"),
        ({"phone": "0" * 31}, "phone", "is longer than 30 characters (31)"),
        ({"date_of_birth": date(1850, 5, 1)}, "date_of_birth", "cannot be before 01/01/1900"),
        ({"date_of_birth": TODAY + timedelta(days=1)}, "date_of_birth", "cannot be in the future"),
    ],
)
def test_the_app_and_the_import_refuse_the_same_person_in_the_same_words(
    session: Session, overrides: dict, column: str, reason: str
) -> None:
    team = add_team(session).id
    error = _service_refusal(
        lambda: people.create_person(
            session=session, user=USER, person_in=person_in(team, 1, **overrides)
        )
    )
    assert (error.field, reason in error.message) == (column, True), error.message

    as_text = {
        k: v.strftime("%d/%m/%Y") if isinstance(v, date) else v for k, v in overrides.items()
    }
    problem = _import_problem(session, "people", PEOPLE_HEADER, person(1, **as_text))
    assert (problem.column, reason in problem.reason) == (column, True), problem.reason


def test_a_worker_name_too_long_is_refused_by_the_app_and_the_import(session: Session) -> None:
    team = add_team(session).id
    error = _service_refusal(lambda: add_worker(session, team, "SW9", given_name="W" * 200))
    problem = _import_problem(session, "workers", WORKERS_HEADER, worker(1, given_name="W" * 200))
    assert error.field == problem.column == "given_name"
    assert error.message == f"Given name {problem.reason}"


def test_the_earliest_birth_date_is_a_setting_both_paths_follow(
    session: Session, write_config
) -> None:
    write_config("[settings]\nearliest_birth_date = 1850-01-01\n")
    team = add_team(session).id
    born_1850 = person_in(team, 1, date_of_birth=date(1850, 5, 1))
    created = people.create_person(session=session, user=USER, person_in=born_1850)
    assert created.date_of_birth == date(1850, 5, 1)
    outcome = run_import(
        session, "people", csv_bytes(PEOPLE_HEADER, [person(1, date_of_birth="01/05/1850")])
    )
    assert not outcome.problems and outcome.written

    error = _service_refusal(
        lambda: people.create_person(
            session=session, user=USER, person_in=person_in(team, 2, date_of_birth=date(1849, 1, 1))
        )
    )
    assert error.message == "Date of birth cannot be before 01/01/1850"


# --- care plans: a review date or a deadline set in the past -------------------------------


def _plan(worker: int, **changes) -> PlanContent:
    values = {
        "lead_worker_id": worker,
        "review_date": TODAY + timedelta(weeks=12),
        "goals": ["Walk to the shops"],
        "actions": [{"who": "OT", "what": "Rail", "by_when": TODAY + timedelta(days=7)}],
    }
    values.update(changes)
    return PlanContent(**values)


def test_a_plan_review_or_action_deadline_in_the_past_is_refused(session: Session) -> None:
    team = add_team(session).id
    lead = add_worker(session, team, "SW1")
    person_id = receive(session, person_in(team, 1)).person_id
    yesterday = TODAY - timedelta(days=1)
    error = _service_refusal(
        lambda: care_plans.create_plan(
            session=session,
            user=USER,
            person_id=person_id,
            content=_plan(lead, review_date=yesterday),
        )
    )
    assert (error.field, error.message) == (
        "review",
        "Review date cannot be in the past (22/11/2026)",
    )
    late = [{"who": "OT", "what": "Rail", "by_when": yesterday}]
    error = _service_refusal(
        lambda: care_plans.create_plan(
            session=session, user=USER, person_id=person_id, content=_plan(lead, actions=late)
        )
    )
    assert error.field == "action:1"
    assert error.message == "Action 1: 'by when' cannot be in the past (22/11/2026)"


def test_a_plan_whose_dates_have_passed_can_still_be_revised(session: Session) -> None:
    team = add_team(session).id
    lead = add_worker(session, team, "SW1")
    person_id = receive(session, person_in(team, 1)).person_id
    care_plans.create_plan(session=session, user=USER, person_id=person_id, content=_plan(lead))
    clock.freeze(FROZEN_NOW + timedelta(weeks=20))  # the review and the action are now past
    try:
        kept = care_plans.current_plan(session=session, person_id=person_id)
        assert kept is not None
        revised = care_plans.revise_plan(
            session=session,
            user=USER,
            person_id=person_id,
            content=PlanContent(
                lead_worker_id=lead,
                review_date=kept.content.review_date,
                goals=["Walk to the shops", "Walk to church"],
                actions=kept.content.actions,
            ),
            expected_version=plan_seen_version(session, person_id),
        )
        assert revised.number == 2
        added = [*kept.content.actions, {"who": "GP", "what": "Review", "by_when": TODAY}]
        with pytest.raises(InvalidInput, match="Action 2: 'by when' cannot be in the past"):
            care_plans.revise_plan(
                session=session,
                user=USER,
                person_id=person_id,
                content=PlanContent(
                    lead_worker_id=lead,
                    review_date=kept.content.review_date,
                    goals=["Walk"],
                    actions=added,
                ),
                expected_version=plan_seen_version(session, person_id),
            )
    finally:
        clock.freeze(FROZEN_NOW)


# --- reablement: how long an episode may be planned for ------------------------------------


def test_reablement_cannot_be_planned_or_extended_past_the_longest_episode(
    session: Session, write_config
) -> None:
    team = add_team(session).id
    person_id = receive(session, person_in(team, 1)).person_id
    episode = reablement.start_episode(
        session=session, user=USER, person_id=person_id, start_date=TODAY, goals=["Cook"]
    )
    error = _service_refusal(
        lambda: reablement.extend_episode(
            session=session,
            user=USER,
            episode_id=episode.id,
            new_planned_end=date(2099, 1, 1),
            reason="Slow recovery",
            expected_version=seen_version(session, ReablementEpisode, episode.id),
        )
    )
    assert error.field == "planned_end"
    assert error.message == (
        "A reablement episode cannot be planned for more than 365 days (end by 23/11/2027)"
    )
    other = receive(session, person_in(team, 2)).person_id
    with pytest.raises(InvalidInput, match="more than 365 days"):
        reablement.start_episode(
            session=session,
            user=USER,
            person_id=other,
            start_date=TODAY,
            goals=["Cook"],
            planned_end_date=date(2099, 1, 1),
            extension_reason="Complex",
        )

    write_config("[reablement]\nmax_days = 120\n")
    with pytest.raises(InvalidInput, match="more than 120 days"):
        reablement.extend_episode(
            session=session,
            user=USER,
            episode_id=episode.id,
            new_planned_end=TODAY + timedelta(days=121),
            reason="Slow recovery",
            expected_version=seen_version(session, ReablementEpisode, episode.id),
        )
    extended = reablement.extend_episode(
        session=session,
        user=USER,
        episode_id=episode.id,
        new_planned_end=TODAY + timedelta(days=120),
        reason="Slow recovery",
        expected_version=seen_version(session, ReablementEpisode, episode.id),
    )
    assert extended.planned_end_date == TODAY + timedelta(days=120)


# --- case weights ------------------------------------------------------------------------------


def test_the_case_weight_range_and_default_are_settings(session: Session, write_config) -> None:
    team = add_team(session).id
    sw = add_worker(session, team, "SW1")
    with pytest.raises(InvalidInput, match="from 1 to 20 points"):
        allocated_case(session, team, sw, 1, weight=21)
    assert allocated_case(session, team, sw, 2, weight=14).weight == 14
    write_config("[settings]\ncase_weight_min = 2\ncase_weight_max = 12\ndefault_case_weight = 9\n")
    with pytest.raises(InvalidInput, match="from 2 to 12 points"):
        allocated_case(session, team, sw, 3, weight=14)
    with pytest.raises(InvalidInput, match="from 2 to 12 points"):
        allocated_case(session, team, sw, 5, weight=1)
    from factories import triaged_referral

    referral = triaged_referral(session, team, 4)
    default = allocations.allocate(
        session=session,
        user=USER,
        referral_id=referral.id,
        worker_id=sw,
        expected_version=seen_version(session, Referral, referral.id),
    )
    assert default.weight == 9
