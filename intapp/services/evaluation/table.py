"""The evaluation table: outcomes and estimated costs by cohort and by triage pathway."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from intapp.access import require_for
from intapp.codes import code_label
from intapp.config import UnitCosts, load_settings
from intapp.services.evaluation.figures import (
    ALL,
    COHORTS,
    NO_COHORT,
    NO_PATHWAY,
    OUTCOMES,
    PATHWAYS,
    GroupFigures,
    tally,
)
from intapp.services.evaluation.period import evaluation_period
from intapp.services.national.period import Period
from intapp.services.report_scope import report_scope

Value = int | float | None

COLUMNS = (
    "referrals_received",
    "people_referred",
    "rereferrals",
    "pct_rereferrals",
    "reablement_ended",
    *(f"ended_{outcome}" for outcome in OUTCOMES),
    "pct_no_ongoing_support",
    "followups_due",
    "followups_recorded",
    "followups_at_home",
    "pct_at_home",
    "reablement_days",
    "reablement_hours",
    "reablement_cost_pounds",
    "residential_people",
    "residential_weeks",
    "residential_cost_pounds",
    "items",
    "items_cost_pounds",
    "total_cost_pounds",
)
GROUP_LABELS = {ALL: "All people", NO_COHORT: "No cohort", NO_PATHWAY: "No pathway recorded"}


@dataclass(frozen=True)
class EvaluationRow:
    """One group's line: `grouping` is all, cohort or pathway; `group` its code."""

    grouping: str
    group: str
    values: dict[str, Value]

    @property
    def label(self) -> str:
        """How the group reads: "Frail older people", "Reablement standard"."""
        return GROUP_LABELS.get(self.group) or code_label(self.group)


@dataclass(frozen=True)
class EvaluationTable:
    """The table for one period and scope, with the unit costs it was priced at."""

    period: Period
    scope: str
    rows: list[EvaluationRow]
    unit_costs: UnitCosts

    @property
    def title(self) -> str:
        return f"Evaluation, {self.period.label}, {self.scope}"


def evaluation_table(
    *,
    session: Session,
    year: str | None = None,
    first: str | None = None,
    last: str | None = None,
    team_code: str | None = None,
    locality: str | None = None,
) -> EvaluationTable:
    """The evaluation table for a financial year (``2025-26``) or ``first``..``last``
    (DD/MM/YYYY), by default the last complete financial year; for one team, one
    locality or (neither) the whole city, narrowed for staff to their own teams as the
    weekly summary is."""
    require_for(session, "export_returns")
    period = evaluation_period(year=year, first=first, last=last)
    in_scope = report_scope(
        session, team_code=team_code, locality=locality, action="export_returns"
    )
    teams, scope = in_scope.team_ids, in_scope.label
    figures = tally(session=session, period=period, team_ids=teams)
    costs = load_settings().unit_costs
    rows = [EvaluationRow("all", ALL, _values(figures.of(ALL, ALL), costs))]
    rows += [
        EvaluationRow("cohort", c, _values(figures.of("cohort", c), costs))
        for c in (*COHORTS, NO_COHORT)
    ]
    rows += [
        EvaluationRow("pathway", p, _values(figures.of("pathway", p), costs)) for p in PATHWAYS
    ]
    return EvaluationTable(period=period, scope=scope, rows=rows, unit_costs=costs)


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _values(f: GroupFigures, costs: UnitCosts) -> dict[str, Value]:
    ended = sum(f.ended.values())
    hours = f.reablement_days * costs.reablement_hours_per_week / 7
    weeks = f.residential_days / 7
    reablement_pounds = round(hours * costs.reablement_hour_pounds, 2)
    residential_pounds = round(weeks * costs.residential_week_pounds, 2)
    items_pounds = round(f.items_pounds, 2)
    values: dict[str, Value] = {
        "referrals_received": f.referrals,
        "people_referred": f.people,
        "rereferrals": f.rereferrals,
        "pct_rereferrals": _pct(f.rereferrals, f.referrals),
        "reablement_ended": ended,
        **{f"ended_{outcome}": f.ended.get(outcome, 0) for outcome in OUTCOMES},
        "pct_no_ongoing_support": _pct(f.ended.get("no_ongoing_support", 0), ended),
        "followups_due": f.followups_due,
        "followups_recorded": f.followups_recorded,
        "followups_at_home": f.followups_at_home,
        "pct_at_home": _pct(f.followups_at_home, f.followups_recorded),
        "reablement_days": f.reablement_days,
        "reablement_hours": round(hours, 1),
        "reablement_cost_pounds": reablement_pounds,
        "residential_people": f.residential_people,
        "residential_weeks": round(weeks, 1),
        "residential_cost_pounds": residential_pounds,
        "items": f.items,
        "items_cost_pounds": items_pounds,
        "total_cost_pounds": round(reablement_pounds + residential_pounds + items_pounds, 2),
    }
    return values
