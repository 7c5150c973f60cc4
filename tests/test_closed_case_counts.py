"""A closed case leaves every count and list of open cases, on SQLite and PostgreSQL:
the dashboard tiles, the caseload board, the weekly summary, the reviews and a worker's
caseload. Each figure is read before and after the closing, so each can fail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from conftest import FROZEN_NOW
from factories import (
    USER,
    Organisation,
    allocated_case,
    seen_version,
    small_organisation,
    triaged_referral,
)
from sqlmodel import Session, select

from intapp.models import CarePlan, Referral, Worker
from intapp.services import allocations, care_plans, case_closure
from intapp.services.care_plans import PlanContent, reviews_page
from intapp.services.caseloads import allocation_page, board_page, caseload_board, caseload_page
from intapp.services.dashboard import dashboard_counts
from intapp.services.weekly_summary.counts import worker_figures
from intapp.services.weekly_summary.period import IsoWeek
from intapp.store.plain_sql import through_session

TODAY = FROZEN_NOW.date()
TILES = ("triaged_not_allocated", "workers_over_limit", "reviews_due", "reviews_overdue")


@dataclass(frozen=True)
class Seen:
    """Every figure that counts open cases, as one reading."""

    dashboard: dict[str, int]
    board_load: int
    board_cases: int
    board_over_limit_rows: int
    awaiting_rows: int
    caseload_rows: int
    weekly: tuple[int, int, int, int]
    review_rows: int
    overdue_rows: int


def _read(session: Session, org: Organisation) -> Seen:
    session.flush()
    db = through_session(session)
    teams = [org.team.id]
    counts = dashboard_counts(session=session, team_ids=teams)
    worker = next(
        w
        for w in caseload_board(session=session, team_ids=teams)
        if w.worker_id == org.social_worker
    )
    weekly = worker_figures(session=session, week=IsoWeek.of(TODAY))[org.social_worker]
    return Seen(
        dashboard={
            name: getattr(counts, name)
            for name in (
                "triaged_not_allocated",
                "workers_over_limit",
                "reviews_due",
                "reviews_overdue",
            )
        },
        board_load=worker.load,
        board_cases=worker.open_cases,
        board_over_limit_rows=len(board_page(db, team_ids=teams, over_limit_only=True).rows),
        awaiting_rows=len(allocation_page(db, team_ids=teams).rows),
        caseload_rows=len(caseload_page(session=session, worker_id=org.social_worker).rows),
        weekly=(
            weekly.open_cases,
            weekly.weighted_load,
            weekly.cases_closed,
            weekly.reviews_due + weekly.reviews_overdue,
        ),
        review_rows=len(reviews_page(db, team_ids=teams).rows),
        overdue_rows=len(reviews_page(db, team_ids=teams, overdue_only=True).rows),
    )


def _plan(session: Session, org: Organisation, person_id: int, *, overdue: bool) -> None:
    care_plans.create_plan(
        session=session,
        user=USER,
        person_id=person_id,
        content=PlanContent(org.social_worker, TODAY + timedelta(days=2), ["Stay at home"]),
    )
    if overdue:  # a plan whose review date has passed (the service sets only future ones)
        plan = session.exec(select(CarePlan).where(CarePlan.person_id == person_id)).one()
        plan.review_date = TODAY - timedelta(days=3)
        session.add(plan)


def _close(session: Session, referral_id: int) -> Any:
    return case_closure.close_case(
        session=session,
        user=USER,
        referral_id=referral_id,
        outcome="goals_met",
        reason="Goals met",
        expected_version=seen_version(session, Referral, referral_id),
    )


@pytest.fixture
def org(session: Session) -> Organisation:
    return small_organisation(session)


def test_a_closed_case_leaves_every_count_of_open_cases(
    session: Session, org: Organisation
) -> None:
    worker = session.get(Worker, org.social_worker)
    assert worker is not None
    worker.caseload_limit = 10
    session.add(worker)
    first = allocated_case(session, org.team.id, org.social_worker, 0, weight=6)
    second = allocated_case(
        session, org.team.id, org.social_worker, 1, weight=8, over_limit_reason="Cover"
    )
    _plan(session, org, first.person_id, overdue=True)
    _plan(session, org, second.person_id, overdue=False)
    waiting = triaged_referral(session, org.team.id, 2)

    before = _read(session, org)
    # Reviews "due" include the overdue ones.
    assert before.dashboard == {
        "triaged_not_allocated": 1,
        "workers_over_limit": 1,
        "reviews_due": 2,
        "reviews_overdue": 1,
    }
    assert (before.board_load, before.board_cases, before.board_over_limit_rows) == (14, 2, 1)
    assert (before.awaiting_rows, before.caseload_rows) == (1, 2)
    assert before.weekly == (2, 14, 0, 2)
    assert (before.review_rows, before.overdue_rows) == (2, 1)

    _close(session, first.referral_id)
    _close(session, waiting.id)  # a referral closed before anyone was allocated

    after = _read(session, org)
    assert after.dashboard == {
        "triaged_not_allocated": 0,
        "workers_over_limit": 0,
        "reviews_due": 1,
        "reviews_overdue": 0,
    }
    assert (after.board_load, after.board_cases, after.board_over_limit_rows) == (8, 1, 0)
    assert (after.awaiting_rows, after.caseload_rows) == (0, 1)
    # Still counted once as closed in the week, no longer as open or in the load.
    assert after.weekly == (1, 8, 1, 1)
    assert (after.review_rows, after.overdue_rows) == (1, 0)
    assert allocations.weighted_caseload(session=session, worker_id=org.social_worker) == 8
