"""The monthly trend series a scope's programme is judged on, each with its definition."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from intapp import clock
from intapp.codes import ReferralSource
from intapp.config import configured
from intapp.services.trends.months import MONTHS, Month, last_months
from intapp.services.trends.queries import PARTS, part_values
from intapp.services.trends.window import Value, Values

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
            "Reablement episodes started",
            "episodes",
            "Reablement episodes whose start date is in the month (planned and cancelled "
            "episodes never ran and are not counted), by the person's team today.",
        ),
        "reablement_ended": (
            "Reablement episodes ended",
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
    months = last_months(MONTHS, today=today or clock.today())
    values: Values = {}
    for part in PARTS:
        values |= part_values(
            session=session, part=part, months=months, team_ids=team_ids, now=clock.now()
        )
    return trends_of(scope, months, values)


def trends_of(scope: str, months: tuple[Month, ...], values: Values) -> Trends:
    """The series with their definitions, from the values of some or all of `PARTS`
    (the series of a part not given are left out)."""
    series = tuple(
        Series(key, label, unit, definition, tuple(values[key]))
        for key, (label, unit, definition) in definitions().items()
        if key in values
    )
    return Trends(scope=scope, months=months, series=series)
