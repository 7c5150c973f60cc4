"""The weekly figures, each from one GROUP BY query over the whole city.

Every figure is worked out from the timestamps the records keep, so a past week's
summary says what was true then: the cases open at the end of that week, not today.
Two figures depend on today's state of a record, and say so in README: a care plan's
review date (plans keep only their latest one) and a referral's deadline (triage
resets it). A referral's team is the one that held it at the time (see `_moved_since`),
so sending it to another team later does not move a past week's figures.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, union_all
from sqlmodel import Session, col

from intapp.codes import EpisodeState, FollowupResult
from intapp.config import load_settings
from intapp.models import (
    Allocation,
    Assessment,
    CarePlan,
    Person,
    ReablementEpisode,
    Referral,
    Transfer,
)
from intapp.services.aggregates import count_if, sum_if
from intapp.services.weekly_summary.period import IsoWeek


@dataclass
class WorkerFigures:
    """One worker's figures for the week."""

    open_cases: int = 0
    weighted_load: int = 0
    allocations_new: int = 0
    cases_closed: int = 0
    assessments_signed_off: int = 0
    reviews_due: int = 0
    reviews_overdue: int = 0
    reablement_started: int = 0
    reablement_ended: int = 0
    reablement_over_42_days: int = 0


@dataclass
class TeamFigures:
    """One team's own figures for the week (not sums of its workers')."""

    referrals_received: int = 0
    referrals_triaged: int = 0
    triaged_within_target: int = 0
    triage_overdue_at_week_end: int = 0
    hours_to_triage: list[float] = field(default_factory=list)
    reablement_ended_by_outcome: dict[str, int] = field(default_factory=dict)
    followups_due: int = 0
    followups_at_home: int = 0


def worker_figures(*, session: Session, week: IsoWeek) -> dict[int, WorkerFigures]:
    """Every worker's figures, keyed by worker id (workers with nothing are absent)."""
    figures: dict[int, WorkerFigures] = defaultdict(WorkerFigures)
    starts, ends = week.starts_at, week.ends_at
    ended_at, started_at = col(Allocation.ended_at), col(Allocation.started_at)
    still_open = or_(ended_at.is_(None), ended_at >= ends)
    # A case closes in the week when its referral closes at the moment its allocation ends.
    closing = (
        select(col(Referral.id))
        .where(
            col(Referral.id) == Allocation.referral_id,
            col(Referral.closed_at) == ended_at,
        )
        .exists()
    )
    allocations = session.execute(
        select(
            col(Allocation.worker_id),
            count_if(still_open),
            sum_if(still_open, col(Allocation.weight)),
            count_if(started_at >= starts),
            count_if(and_(ended_at < ends, closing)),
        )
        .where(started_at < ends, or_(ended_at.is_(None), ended_at >= starts))
        .group_by(col(Allocation.worker_id))
    )
    for worker_id, open_cases, load, new, closed in allocations:
        f = figures[worker_id]
        f.open_cases, f.weighted_load, f.allocations_new, f.cases_closed = (
            int(open_cases),
            int(load),
            int(new),
            int(closed),
        )

    signed_off = col(Assessment.signed_off_at)
    for worker_id, count in session.execute(
        select(col(Assessment.assessor_id), func.count())
        .where(signed_off >= starts, signed_off < ends, col(Assessment.assessor_id).is_not(None))
        .group_by(col(Assessment.assessor_id))
    ):
        figures[worker_id].assessments_signed_off = int(count)

    review_date, closed_at = col(CarePlan.review_date), col(CarePlan.closed_at)
    for worker_id, due, overdue in session.execute(
        select(
            col(CarePlan.lead_worker_id),
            count_if(review_date >= week.monday),
            count_if(review_date < week.monday),
        )
        .where(review_date <= week.sunday, or_(closed_at.is_(None), closed_at >= ends))
        .group_by(col(CarePlan.lead_worker_id))
    ):
        figures[worker_id].reviews_due, figures[worker_id].reviews_overdue = int(due), int(overdue)

    _reablement_by_worker(session, week, figures)
    return dict(figures)


def _reablement_by_worker(
    session: Session, week: IsoWeek, figures: dict[int, WorkerFigures]
) -> None:
    start, ended_on = col(ReablementEpisode.start_date), col(ReablementEpisode.ended_on)
    # Planned episodes have not started, and cancelled ones never did.
    ran = col(ReablementEpisode.state).in_([EpisodeState.ACTIVE, EpisodeState.ENDED])
    started = and_(start <= week.sunday, ran)
    long_ago = week.sunday - timedelta(days=load_settings().reablement_standard_days)
    for worker_id, began, ended, over in session.execute(
        select(
            col(ReablementEpisode.worker_id),
            count_if(and_(started, start >= week.monday)),
            count_if(and_(ended_on >= week.monday, ended_on <= week.sunday)),
            count_if(
                and_(started, start < long_ago, or_(ended_on.is_(None), ended_on > week.sunday))
            ),
        )
        .where(col(ReablementEpisode.worker_id).is_not(None))
        .group_by(col(ReablementEpisode.worker_id))
    ):
        f = figures[worker_id]
        f.reablement_started, f.reablement_ended, f.reablement_over_42_days = (
            int(began),
            int(ended),
            int(over),
        )


def team_figures(*, session: Session, week: IsoWeek) -> dict[int, TeamFigures]:
    """Every team's own figures, keyed by team id (teams with nothing are absent)."""
    figures: dict[int, TeamFigures] = defaultdict(TeamFigures)
    starts, ends = week.starts_at, week.ends_at
    received, triaged = col(Referral.received_at), col(Referral.triaged_at)
    in_week = (received >= starts, received < ends)
    for team_id, count in session.execute(
        select(col(Referral.team_id), func.count()).where(*in_week).group_by(col(Referral.team_id))
    ):
        figures[team_id].referrals_received = int(count)
    for now, then in _moved_since(session, received, in_week, since=starts).values():
        figures[now].referrals_received -= 1
        figures[then].referrals_received += 1

    # Triaged in the week: few enough rows to fetch, and the median needs every time.
    triaged_in_week = (triaged >= starts, triaged < ends)
    moved = _moved_since(session, triaged, triaged_in_week, since=starts)
    for referral_id, team_id, got_at, triaged_at, due_by in session.execute(
        select(
            col(Referral.id), col(Referral.team_id), received, triaged, col(Referral.due_by)
        ).where(*triaged_in_week)
    ):
        f = figures[moved[referral_id][1] if referral_id in moved else team_id]
        f.referrals_triaged += 1
        f.triaged_within_target += triaged_at <= due_by
        f.hours_to_triage.append((triaged_at - got_at).total_seconds() / 3600)

    for team_id, count in session.execute(_overdue_at_week_end(ends)):
        figures[team_id].triage_overdue_at_week_end = int(count)
    waiting_then = (or_(triaged.is_(None), triaged >= ends), *_still_due(ends))
    for now, then in _moved_since(session, ends, waiting_then, since=ends).values():
        figures[now].triage_overdue_at_week_end -= 1
        figures[then].triage_overdue_at_week_end += 1

    ended_on = col(ReablementEpisode.ended_on)
    for team_id, outcome, count in session.execute(
        select(col(Person.team_id), col(ReablementEpisode.outcome), func.count())
        .join(Person, col(Person.id) == ReablementEpisode.person_id)
        .where(ended_on >= week.monday, ended_on <= week.sunday)
        .group_by(col(Person.team_id), col(ReablementEpisode.outcome))
    ):
        figures[team_id].reablement_ended_by_outcome[outcome or "unknown"] = int(count)

    followup_due = col(ReablementEpisode.followup_due)
    for team_id, due, at_home in session.execute(
        select(
            col(Person.team_id),
            func.count(),
            count_if(col(ReablementEpisode.followup_result) == FollowupResult.AT_HOME),
        )
        .join(Person, col(Person.id) == ReablementEpisode.person_id)
        .where(followup_due >= week.monday, followup_due <= week.sunday)
        .group_by(col(Person.team_id))
    ):
        figures[team_id].followups_due, figures[team_id].followups_at_home = int(due), int(at_home)
    return dict(figures)


def _overdue_at_week_end(ends: datetime) -> Any:
    """Referrals not yet triaged when the week ended, past their deadline, still open.

    "Not yet triaged then" is never triaged, or triaged after the week: two index
    ranges on triaged_at. Selecting them as a UNION ALL before grouping keeps SQLite
    on that index instead of walking the whole table in team order.
    """
    triaged = col(Referral.triaged_at)
    still_due = _still_due(ends)
    waiting = union_all(
        select(col(Referral.team_id)).where(triaged.is_(None), *still_due),
        select(col(Referral.team_id)).where(triaged >= ends, *still_due),
    ).subquery()
    return select(waiting.c.team_id, func.count()).group_by(waiting.c.team_id)


def _still_due(ends: datetime) -> tuple[Any, ...]:
    """Received before the week ended, past its deadline then, and not closed by then."""
    closed = col(Referral.closed_at)
    return (
        col(Referral.received_at) < ends,
        col(Referral.due_by) < ends,
        or_(closed.is_(None), closed >= ends),
    )


def _moved_since(
    session: Session, moment: Any, where: tuple[Any, ...], *, since: datetime
) -> dict[int, tuple[int, int]]:
    """The referrals matching `where` whose team has changed since `moment` (a column
    of theirs or one instant): referral id -> (team now, team then).

    A referral changes team only by a transfer, and each transfer records the team it
    was sent from; so the team at a moment is the sending team of the first transfer
    sent after it, or today's team when none was. (While in transit a referral counts
    for the team it ends up with: the receiving team once accepted, the sender once
    returned.) Transfers are few, so this reads only the referrals that have one and
    corrects the counts grouped by today's team. `since` is an instant no later than
    `moment`: the referrals read are those sent on after it, looked up by id, so the
    read starts from the few transfers rather than the many referrals.
    """
    sent_at = col(Transfer.sent_at)
    sent_on = select(col(Transfer.referral_id)).where(sent_at > since)
    rows = session.execute(
        select(col(Referral.id), col(Referral.team_id), col(Transfer.from_team_id))
        .join(Transfer, col(Transfer.referral_id) == Referral.id)
        .where(col(Referral.id).in_(sent_on), *where, sent_at > moment)
        .order_by(col(Referral.id), sent_at.desc(), col(Transfer.id).desc())
    )
    first: dict[int, tuple[int, int]] = {}
    for referral_id, now, then in rows:
        first[referral_id] = (now, then)  # the last row of each referral is its first transfer
    return {r: teams for r, teams in first.items() if teams[0] != teams[1]}
