"""What each figure of the evaluation table means, and the unit costs with their sources:
printed with the table in every format, so a reader never has to guess."""

from __future__ import annotations

from intapp.config import configured
from intapp.formatting import uk_date
from intapp.services.evaluation.table import EvaluationTable


def notes(table: EvaluationTable) -> list[tuple[str, str]]:
    """(term, meaning) pairs: the period and scope, the groups, each figure, each unit
    cost with its source."""
    period, costs = table.period, table.unit_costs
    return [
        (
            "Period",
            f"{uk_date(period.first_day)} to {uk_date(period.last_day)} inclusive, UK time.",
        ),
        (
            "Scope",
            f"{table.scope}. Referrals count for the team holding them now; reablement, "
            "follow-ups, residential care and plans for the person's team.",
        ),
        (
            "Counts only",
            "No person is named. Small numbers in a small scope may still point "
            "to someone: share the file with care.",
        ),
        (
            "Cohorts",
            "The person's INT cohort flags as they are now. A person in several cohorts "
            "counts in each of their cohort rows, so cohort rows add up to more than All "
            "people; No cohort is a person with none.",
        ),
        (
            "Pathways",
            "The triage pathway of the referral. Reablement figures take it from the "
            "episode's referral; care plan items from the person's latest referral received "
            "before the period ended. No pathway recorded: not triaged, or no referral.",
        ),
        ("referrals_received", "Referrals received in the period."),
        ("people_referred", "Different people with a referral received in the period."),
        (
            "rereferrals",
            configured(
                "Referrals received in the period marked as re-referrals when they arrived: "
                "the person's previous case closed within {rereferral} before (a case closed "
                "by a death does not count). pct_rereferrals is of referrals_received."
            ),
        ),
        (
            "reablement_ended",
            "Reablement episodes ended in the period, then by outcome (SALT STS002a "
            "sequels). pct_no_ongoing_support is ended with no ongoing support, of all ended.",
        ),
        (
            "followups_due",
            configured(
                "Episodes whose {followup}-day follow-up fell due in the period; recorded: "
                "a result is recorded (unknown included); at home: the result is at home. "
                "pct_at_home is at home, of recorded."
            ),
        ),
        (
            "reablement_days",
            "Days of reablement given in the period: each episode that began, from its "
            "start to its end (today while it runs), within the period. Hours are not "
            "recorded per visit, so reablement_hours = days x hours a week / 7.",
        ),
        (
            "residential_weeks",
            "People whose reablement ended in long-term residential or nursing care: weeks "
            "from the first such ending to their death or the period's end, within the "
            "period. intapp records no move out of care, so a person counts until death.",
        ),
        (
            "items",
            "Micro-commissioned items in each care plan's version current at the period's "
            "end (the last saved before it), for plans open at some time in the period: "
            "each item once, at the cost recorded with it (items_cost_pounds).",
        ),
        (
            "total_cost_pounds",
            "reablement_cost_pounds + residential_cost_pounds + items_cost_pounds: an "
            "estimate from the unit costs below, not spend from the ledger.",
        ),
        (
            "Unit cost: an hour of reablement",
            f"£{costs.reablement_hour_pounds:,.2f}. Source: {costs.reablement_hour_source}.",
        ),
        (
            "Unit cost: reablement hours a week",
            f"{costs.reablement_hours_per_week:g} hours. "
            f"Source: {costs.reablement_hours_per_week_source}.",
        ),
        (
            "Unit cost: a week of residential care",
            f"£{costs.residential_week_pounds:,.2f}. Source: {costs.residential_week_source}.",
        ),
        (
            "Changing a unit cost",
            "Set it, with its source, under [unit_costs] in the config file, e.g. "
            'reablement_hour_pounds = 32.5 and reablement_hour_source = "…".',
        ),
    ]
