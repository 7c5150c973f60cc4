"""The weekly caseload summary: a row per worker, then team, locality and city totals.

Counts only: worker names appear (they are staff), people never do.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field, fields
from datetime import date
from itertools import groupby

from sqlmodel import Session, col, select

from intapp.codes import ReablementOutcome
from intapp.formatting import uk_date
from intapp.models import Worker
from intapp.services.caseloads import utilisation_pct
from intapp.services.errors import InvalidInput
from intapp.services.report_scope import report_scope
from intapp.services.weekly_summary.counts import (
    TeamFigures,
    WorkerFigures,
    team_figures,
    worker_figures,
)
from intapp.services.weekly_summary.period import IsoWeek, last_complete_week, parse_week

OUTCOMES = tuple(outcome.value for outcome in ReablementOutcome)

# Columns every row has, in order.
WORKER_COLUMNS = (
    "team",
    "locality",
    "worker",
    "profession",
    "fte",
    "open_cases",
    "weighted_load",
    "caseload_limit",
    "utilisation_pct",
    "allocations_new",
    "cases_closed",
    "assessments_signed_off",
    "reviews_due",
    "reviews_overdue",
    "reablement_started",
    "reablement_ended",
    "reablement_over_42_days",
)
# Columns only the team, locality and city rows fill in.
TEAM_COLUMNS = (
    "referrals_received",
    "referrals_triaged",
    "triage_overdue_at_week_end",
    "median_hours_to_triage",
    "pct_triaged_within_target",
    *(f"ended_{outcome}" for outcome in OUTCOMES),
    "followups_due",
    "followups_at_home",
)
COLUMNS = ("level", *WORKER_COLUMNS, *TEAM_COLUMNS)
SUMMED = tuple(f.name for f in fields(WorkerFigures))


@dataclass(frozen=True)
class SummaryRow:
    """One line of the summary; `level` is worker, team, locality or city."""

    level: str
    team: str
    locality: str
    worker: str
    profession: str
    values: dict[str, int | float | None] = field(default_factory=dict)

    def cell(self, column: str) -> str | int | float | None:
        """The value in a column, by name (text columns included)."""
        if column in ("level", "team", "locality", "worker", "profession"):
            return str(getattr(self, column))
        return self.values.get(column)


@dataclass(frozen=True)
class WeeklySummary:
    """The whole summary for one week and one scope (a team, a locality or the city)."""

    week: IsoWeek
    scope: str
    rows: list[SummaryRow]

    @property
    def title(self) -> str:
        week = self.week
        return (
            f"Weekly caseload summary, {week.label} "
            f"({week.monday.day} {week.monday:%b} to {uk_date(week.sunday)}), {self.scope}"
        )


@dataclass
class _Totals:
    """Sums over some workers and teams, for a total row."""

    workers: WorkerFigures = field(default_factory=WorkerFigures)
    teams: TeamFigures = field(default_factory=TeamFigures)
    fte: float = 0.0
    limit: int = 0

    def add_worker(self, figures: WorkerFigures, fte: float, limit: int) -> None:
        for name in SUMMED:
            setattr(self.workers, name, getattr(self.workers, name) + getattr(figures, name))
        self.fte += fte
        self.limit += limit

    def add_team(self, figures: TeamFigures) -> None:
        t = self.teams
        t.referrals_received += figures.referrals_received
        t.referrals_triaged += figures.referrals_triaged
        t.triaged_within_target += figures.triaged_within_target
        t.triage_overdue_at_week_end += figures.triage_overdue_at_week_end
        t.hours_to_triage.extend(figures.hours_to_triage)
        for outcome, count in figures.reablement_ended_by_outcome.items():
            t.reablement_ended_by_outcome[outcome] = (
                t.reablement_ended_by_outcome.get(outcome, 0) + count
            )
        t.followups_due += figures.followups_due
        t.followups_at_home += figures.followups_at_home

    def merge(self, other: _Totals) -> None:
        self.add_worker(other.workers, other.fte, other.limit)
        self.add_team(other.teams)


def weekly_summary(
    *,
    session: Session,
    week: IsoWeek | str | None = None,
    team_code: str | None = None,
    locality: str | None = None,
    today: date | None = None,
) -> WeeklySummary:
    """The summary for an ISO week (default: the last complete one) and a scope.

    `team_code` or `locality` narrows it to one team or one locality; neither gives the
    whole city.
    """
    if team_code and locality:
        raise InvalidInput("Choose a team or a locality, not both", field="team")
    if week is None:
        week = last_complete_week(today)
    elif isinstance(week, str):
        week = parse_week(week)
    in_scope = report_scope(session, team_code=team_code, locality=locality, action="export_weekly")
    teams, scope = in_scope.teams, in_scope.label
    by_worker = worker_figures(session=session, week=week)
    by_team = team_figures(session=session, week=week)
    workers = _workers(session, [team_id for team_id, _, _ in teams], by_worker)
    rows: list[SummaryRow] = []
    city = _Totals()
    for locality_name, group in groupby(teams, key=lambda team: team[2]):
        locality_totals = _Totals()
        for team_id, code, _ in group:
            team_totals = _Totals()
            for worker in workers.get(team_id, []):
                figures = by_worker.get(worker.id, WorkerFigures())
                team_totals.add_worker(figures, worker.fte, worker.caseload_limit)
                rows.append(_worker_row(code, locality_name, worker, figures))
            team_totals.add_team(by_team.get(team_id, TeamFigures()))
            rows.append(_total_row("team", code, locality_name, team_totals))
            locality_totals.merge(team_totals)
        if not team_code:
            rows.append(_total_row("locality", "", locality_name, locality_totals))
        city.merge(locality_totals)
    if not team_code and not locality:
        rows.append(_total_row("city", "", "", city))
    return WeeklySummary(week=week, scope=scope, rows=rows)


@dataclass(frozen=True)
class _Worker:
    id: int
    name: str
    profession: str
    fte: float
    caseload_limit: int


def _workers(
    session: Session, team_ids: list[int], figures: dict[int, WorkerFigures]
) -> dict[int, list[_Worker]]:
    """Active workers, and anyone else with something to report, by team."""
    by_team: dict[int, list[_Worker]] = {}
    query = (
        select(Worker)
        .where(col(Worker.team_id).in_(team_ids))
        .order_by(col(Worker.family_name), col(Worker.given_name), col(Worker.id))
    )
    for w in session.exec(query):
        if w.id is not None and (w.active or w.id in figures):
            by_team.setdefault(w.team_id, []).append(
                _Worker(w.id, w.display_name, w.profession, w.fte, w.caseload_limit)
            )
    return by_team


def _worker_row(team: str, locality: str, worker: _Worker, f: WorkerFigures) -> SummaryRow:
    values: dict[str, int | float | None] = {name: getattr(f, name) for name in SUMMED}
    values.update(
        fte=round(worker.fte, 2),
        caseload_limit=worker.caseload_limit,
        utilisation_pct=round(utilisation_pct(f.weighted_load, worker.caseload_limit), 1),
    )
    return SummaryRow("worker", team, locality, worker.name, worker.profession, values)


def _total_row(level: str, team: str, locality: str, totals: _Totals) -> SummaryRow:
    w, t = totals.workers, totals.teams
    values: dict[str, int | float | None] = {name: getattr(w, name) for name in SUMMED}
    values.update(
        fte=round(totals.fte, 2),
        caseload_limit=totals.limit,
        utilisation_pct=round(utilisation_pct(w.weighted_load, totals.limit), 1),
        referrals_received=t.referrals_received,
        referrals_triaged=t.referrals_triaged,
        triage_overdue_at_week_end=t.triage_overdue_at_week_end,
        median_hours_to_triage=(
            round(statistics.median(t.hours_to_triage), 1) if t.hours_to_triage else None
        ),
        pct_triaged_within_target=(
            round(100 * t.triaged_within_target / t.referrals_triaged, 1)
            if t.referrals_triaged
            else None
        ),
        followups_due=t.followups_due,
        followups_at_home=t.followups_at_home,
    )
    for outcome in OUTCOMES:
        values[f"ended_{outcome}"] = t.reablement_ended_by_outcome.get(outcome, 0)
    return SummaryRow(level, team, locality, "", "", values)
