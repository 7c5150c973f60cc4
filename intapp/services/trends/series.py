"""The monthly trend series a scope's programme is judged on, each with its definition."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from intapp import clock
from intapp.codes import ReferralSource
from intapp.config import configured
from intapp.services.trends.months import MONTHS, Month, last_months
from intapp.services.trends.queries import MonthlyFigures, monthly_figures

Value = int | float | None
"""A month's figure: None where it has no meaning (a share or a median of nothing)."""

HELD_TODAY = "in the teams that hold them today"


@dataclass(frozen=True)
class Series:
    """One figure, month by month, oldest first."""

    key: str
    """Its column in the export."""
    label: str
    unit: str
    """What its values count or measure: referrals, %, hours, days, episodes, points."""
    definition: str
    values: tuple[Value, ...]


@dataclass(frozen=True)
class Trends:
    """Every series over the same months for one scope."""

    scope: str
    months: tuple[Month, ...]
    series: tuple[Series, ...]

    def __getitem__(self, key: str) -> Series:
        return next(s for s in self.series if s.key == key)

    @property
    def title(self) -> str:
        first, last = self.months[0], self.months[-1]
        return f"Monthly trends, {first.label} to {last.label} (so far), {self.scope}"


SOURCES = tuple(ReferralSource)


def definitions() -> dict[str, tuple[str, str, str]]:
    """Each series' key -> (label, unit, definition), in the order they are shown."""
    followup = configured("{followup}")
    found: dict[str, tuple[str, str, str]] = {
        "referrals_received": (
            "Referrals received",
            "referrals",
            f"Referrals received in the month (UK time), {HELD_TODAY}.",
        ),
    }
    for source in SOURCES:
        found[f"referrals_{source.value}"] = (
            f"Referrals: {source.label}",
            "referrals",
            f"Referrals received in the month whose source is {source.label}.",
        )
    found |= {
        "referrals_triaged": (
            "Referrals triaged",
            "referrals",
            f"Referrals triaged in the month (by the time of triage), {HELD_TODAY}.",
        ),
        "triaged_within_target_pct": (
            "Triaged within target",
            "%",
            "Of the referrals triaged in the month, the percentage triaged by their "
            "deadline (triaged at or before the due time set for their priority).",
        ),
        "median_hours_to_triage": (
            "Median hours to triage",
            "hours",
            "Of the referrals triaged in the month, the median hours from received to triaged.",
        ),
        "first_allocations": (
            "First allocations",
            "referrals",
            f"Referrals first allocated to a worker in the month, {HELD_TODAY}.",
        ),
        "median_days_to_allocation": (
            "Median days to allocation",
            "days",
            "Of the referrals first allocated in the month, the median days from the "
            "referral being received to its first allocation.",
        ),
        "reablement_started": (
            "Reablement started",
            "episodes",
            "Reablement episodes whose start date is in the month (planned and cancelled "
            "episodes never ran and are not counted), by the person's team today.",
        ),
        "reablement_ended": (
            "Reablement ended",
            "episodes",
            "Reablement episodes whose end date is in the month, by the person's team today.",
        ),
        "ended_no_ongoing_support_pct": (
            "Ended with no ongoing support",
            "%",
            "Of the reablement episodes ended in the month, the percentage whose outcome "
            "is no ongoing support (every ending counts, early cessations included).",
        ),
        "followups_recorded": (
            f"{followup}-day follow-ups recorded",
            "follow-ups",
            f"{followup}-day follow-ups due in the month whose result is recorded.",
        ),
        "at_home_pct": (
            f"At home at {followup} days",
            "%",
            f"Of the {followup}-day follow-ups due in the month whose result is recorded, "
            "the percentage at home. Follow-ups not yet recorded are left out; a result of "
            "unknown, in hospital, in residential or nursing care, or died is not at home.",
        ),
        "residential_admissions": (
            "Admissions to residential or nursing care",
            "episodes",
            "Reablement episodes ended in the month with the outcome long-term support "
            "in residential or nursing care.",
        ),
        "open_weighted_caseload": (
            "Open weighted caseload",
            "points",
            "The summed weights of allocations open at the month's end (the current "
            "month: now), by the worker's team today.",
        ),
        "caseload_limits": (
            "Summed caseload limits",
            "points",
            "The summed caseload limits of the scope's workers in post on the month's "
            "last day (the current month: today), at their limits today.",
        ),
    }
    return found


def monthly_trends(
    *, session: Session, team_ids: list[int] | None, scope: str, today: date | None = None
) -> Trends:
    """The last `MONTHS` UK calendar months of every series for the teams given (None:
    the whole city), the current month last and partial. `scope` names the teams."""
    now = clock.now()
    months = last_months(MONTHS, today=today or clock.today())
    figures = monthly_figures(session=session, months=months, team_ids=team_ids, now=now)
    values = _values(figures, len(months))
    series = tuple(
        Series(key, label, unit, definition, tuple(values[key]))
        for key, (label, unit, definition) in definitions().items()
    )
    return Trends(scope=scope, months=months, series=series)


def _values(f: MonthlyFigures, count: int) -> dict[str, list[Value]]:
    values: dict[str, list[Value]] = {key: [] for key in definitions()}
    for m in range(count):
        by_source = f.referrals_by_source.get(m, {})
        values["referrals_received"].append(sum(by_source.values()))
        for source in SOURCES:
            values[f"referrals_{source.value}"].append(by_source.get(source.value, 0))
        triaged, in_time, hours = f.triage.get(m, (0, 0, None))
        values["referrals_triaged"].append(triaged)
        values["triaged_within_target_pct"].append(_pct(in_time, triaged))
        values["median_hours_to_triage"].append(_rounded(hours))
        allocated, days = f.allocation.get(m, (0, None))
        values["first_allocations"].append(allocated)
        values["median_days_to_allocation"].append(_rounded(days))
        values["reablement_started"].append(f.reablement_started.get(m, 0))
        ended, no_support, residential = f.endings.get(m, (0, 0, 0))
        values["reablement_ended"].append(ended)
        values["ended_no_ongoing_support_pct"].append(_pct(no_support, ended))
        recorded, at_home = f.followups.get(m, (0, 0))
        values["followups_recorded"].append(recorded)
        values["at_home_pct"].append(_pct(at_home, recorded))
        values["residential_admissions"].append(residential)
        values["open_weighted_caseload"].append(f.open_load[m])
        values["caseload_limits"].append(f.limits[m])
    return values


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
