"""The team dashboard's counts, for one team, a locality or the whole city."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import and_, func, select
from sqlmodel import Session, col

from intapp import clock
from intapp.config import load_settings
from intapp.models import Allocation, CarePlan, Person, ReablementEpisode, Referral, Worker
from intapp.models.types import EpisodeState, ReferralStatus
from intapp.services.aggregates import count_if

REVIEW_SOON_DAYS = 7


@dataclass(frozen=True)
class DashboardCounts:
    """What a coordinator needs to see first thing."""

    awaiting_triage: int
    triage_overdue: int
    due_next_24h: int
    triaged_not_allocated: int
    workers_over_limit: int
    episodes_day_35_plus: int
    episodes_past_42: int
    followups_due: int
    reviews_due: int
    reviews_overdue: int


def dashboard_counts(*, session: Session, team_ids: list[int] | None = None) -> DashboardCounts:
    """Every dashboard figure for the teams given (None: the whole city)."""
    settings = load_settings()
    now = clock.now()
    today = clock.today()
    soon = now + timedelta(hours=settings.due_soon_hours)

    referral_scope = [] if team_ids is None else [col(Referral.team_id).in_(team_ids)]
    received, overdue, due_soon = session.execute(
        select(
            func.count(),
            count_if(col(Referral.due_by) < now),
            count_if(and_(col(Referral.due_by) >= now, col(Referral.due_by) < soon)),
        ).where(col(Referral.status) == ReferralStatus.RECEIVED, *referral_scope)
    ).one()
    triaged = session.execute(
        select(func.count()).where(col(Referral.status) == ReferralStatus.TRIAGED, *referral_scope)
    ).scalar_one()

    worker_scope = [] if team_ids is None else [col(Worker.team_id).in_(team_ids)]
    loads = (
        select(col(Worker.id))
        .join(Allocation, col(Allocation.worker_id) == Worker.id)
        .where(col(Allocation.ended_at).is_(None), col(Worker.active).is_(True), *worker_scope)
        .group_by(col(Worker.id), col(Worker.caseload_limit))
        .having(func.sum(Allocation.weight) > Worker.caseload_limit)
        .subquery()
    )
    over_limit = session.execute(select(func.count()).select_from(loads)).scalar_one()

    person_scope = [] if team_ids is None else [col(Person.team_id).in_(team_ids)]
    day_35 = today - timedelta(days=settings.reablement_warning_day)
    day_42 = today - timedelta(days=settings.reablement_standard_days)
    warning, past = session.execute(
        select(
            count_if(col(ReablementEpisode.start_date) <= day_35),
            count_if(col(ReablementEpisode.start_date) < day_42),
        )
        .join(Person, col(Person.id) == ReablementEpisode.person_id)
        .where(
            col(ReablementEpisode.state) == EpisodeState.ACTIVE,
            col(ReablementEpisode.start_date) <= day_35,
            *person_scope,
        )
    ).one()
    followups = session.execute(
        select(func.count())
        .select_from(ReablementEpisode)
        .join(Person, col(Person.id) == ReablementEpisode.person_id)
        .where(
            col(ReablementEpisode.followup_due) <= today,
            col(ReablementEpisode.followup_result).is_(None),
            *person_scope,
        )
    ).scalar_one()
    reviews_due, reviews_overdue = session.execute(
        select(func.count(), count_if(col(CarePlan.review_date) < today))
        .select_from(CarePlan)
        .join(Person, col(Person.id) == CarePlan.person_id)
        .where(
            col(CarePlan.closed_at).is_(None),
            col(CarePlan.review_date) <= today + timedelta(days=REVIEW_SOON_DAYS),
            *person_scope,
        )
    ).one()
    return DashboardCounts(
        awaiting_triage=received,
        triage_overdue=int(overdue),
        due_next_24h=int(due_soon),
        triaged_not_allocated=triaged,
        workers_over_limit=over_limit,
        episodes_day_35_plus=int(warning),
        episodes_past_42=int(past),
        followups_due=followups,
        reviews_due=reviews_due,
        reviews_overdue=int(reviews_overdue),
    )
