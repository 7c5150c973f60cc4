"""Who comes to the demo city's teams when, and by which route.

A person's first referral, each one after it and their death are drawn here: in
seasonal time (more in winter), by age and cohort (a young person's transition to adult
services, someone with complex lives leaving prison), and after what went before (a
request for ongoing support when reablement ends with needs left).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date
from itertools import accumulate
from typing import Any

from intapp.demo import vocabulary as words
from intapp.demo.chance import between, pick_weighted
from intapp.demo.seasons import SeasonalClock, winter_weight
from intapp.demo.timeline import DAY

# Mean days between the end of one referral and the next one for the same person.
MEAN_GAP_DAYS = 190
# First referrals thin out over the window (mean, in days, of their exponential spread)
# as the people already known come back, so the city's referrals hold steady month by
# month instead of climbing as the demo fills up.
FIRST_REFERRAL_MEAN_DAYS = 330
# Hospital discharges and falls swing this much more than other referrals, winter to summer.
WINTER_EXTRA = 0.15
WINTER_PRIORITIES = ("discharge_or_falls", "medically_optimised")
# Reablement that ends with support still needed leads to a request for it (route:
# discharge from reablement) this often, within three weeks.
AFTER_REABLEMENT = frozenset(
    {"ongoing_low_level_support", "long_term_support_community", "long_term_support_residential"}
)
AFTER_REABLEMENT_CHANCE = 0.6
# Chance a person dies within the window, by age, before their own risks.
DEATH_CHANCE = ((80, 0.10), (65, 0.05), (0, 0.01))
DEATH_SOURCES = ("family_or_carer", "gp", "hospital", "care_provider", "nhs_spine", "other")
DEATH_SOURCE_CUM_WEIGHTS = list(accumulate((33, 20, 25, 10, 7, 5)))


@dataclass(frozen=True)
class ReferralKind:
    """Where a referral comes from and what usually happens to it."""

    source: str
    route: str
    priority: str
    reasons: tuple[str, ...]
    reablement_chance: float
    pathway_cum_weights: tuple[int, ...]


def _kinds(
    table: tuple[tuple[int, str, str, str, tuple[str, ...], float, tuple[int, ...]], ...],
    reablement_share: float,
    mean_multiplier: float,
) -> tuple[list[ReferralKind], list[int]]:
    kinds = [
        ReferralKind(
            source,
            route,
            priority,
            reasons,
            min(0.85, reablement_share * multiplier / mean_multiplier),
            tuple(accumulate(pathways)),
        )
        for _, source, route, priority, reasons, multiplier, pathways in table
    ]
    return kinds, list(accumulate(row[0] for row in table))


def _mid_month(month: int) -> int:
    """The day of the year in the middle of `month`."""
    return date(2025, month, 15).timetuple().tm_yday


class Arrivals:
    """Draws when each referral and death comes, and what kind of referral it is."""

    def __init__(
        self,
        rng: random.Random,
        season: SeasonalClock,
        *,
        start: int,
        now: int,
        reablement_share: float,
    ) -> None:
        self.rng = rng
        self.season = season
        self.now = now
        total = sum(row[0] for row in words.REFERRAL_KINDS)
        mean_multiplier = sum(row[0] * row[5] for row in words.REFERRAL_KINDS) / total
        self.kinds = _kinds(words.REFERRAL_KINDS, reablement_share, mean_multiplier)[0]
        # Each month's mix: more hospital discharges and falls in winter.
        self.month_cum_weights = [
            list(
                accumulate(
                    row[0] * (1 + WINTER_EXTRA * winter_weight(_mid_month(month)))
                    if row[3] in WINTER_PRIORITIES
                    else row[0]
                    for row in words.REFERRAL_KINDS
                )
            )
            for month in range(1, 13)
        ]
        self.carer_kinds, self.carer_cum_weights = _kinds(words.CARER_KINDS, 0, 1)
        self.transition_kind, self.prison_kind, self.after_reablement_kind = _kinds(
            (words.TRANSITION_KIND, words.PRISON_KIND, words.AFTER_REABLEMENT_KIND), 0, 1
        )[0]
        self.first_from = self.season.seasonal(start + 600)
        self.first_span = self.season.seasonal(now - 2 * DAY) - self.first_from

    def death_source(self) -> str:
        """How the team learnt of a death."""
        return pick_weighted(self.rng.random, DEATH_SOURCES, DEATH_SOURCE_CUM_WEIGHTS)

    def first_referral(self) -> int:
        """When the person is first referred: earlier in the window more often, and in
        winter more often than in summer."""
        mean = FIRST_REFERRAL_MEAN_DAYS * DAY
        u = self.rng.random() * (1 - math.exp(-self.first_span / mean))
        return self.season.calendar(self.first_from - mean * math.log(1 - u))

    def death(self, person: dict[str, Any], age: float, first: int) -> int | None:
        """When the person dies, if they die within the window: more often when old or
        at the end of life, and more often in winter."""
        rng = self.rng
        chance = next(c for over, c in DEATH_CHANCE if age >= over)
        if person["ltc_end_of_life"]:
            chance *= 2.5
        if rng.random() >= chance or first + 15 * DAY >= self.now:
            return None
        season = self.season
        low, high = season.seasonal(first + 14 * DAY), season.seasonal(self.now - DAY)
        return season.calendar(low + rng.random() * (high - low))

    def kind(
        self,
        person: dict[str, Any],
        age: float,
        received: int,
        last_outcome: str | None,
        *,
        first: bool,
    ) -> ReferralKind:
        """What kind of referral comes next for the person, at `received`."""
        rand = self.rng.random
        if last_outcome in AFTER_REABLEMENT and rand() < AFTER_REABLEMENT_CHANCE:
            return self.after_reablement_kind
        if person["is_carer"]:
            if rand() < 0.7:
                return pick_weighted(rand, self.carer_kinds, self.carer_cum_weights)
        elif first and 17.5 <= age - (self.now - received) / (365.25 * DAY) < 26:
            if rand() < 0.5:
                return self.transition_kind
        elif person["complex_lives"] and rand() < 0.12:
            return self.prison_kind
        weights = self.month_cum_weights[self.season.month(received) - 1]
        return pick_weighted(rand, self.kinds, weights)

    def next_referral(self, end: int, last_outcome: str | None) -> int:
        """When the person's next referral comes: soon after reablement that left needs,
        else after a gap that passes faster in winter."""
        rng = self.rng
        if last_outcome in AFTER_REABLEMENT and rng.random() < AFTER_REABLEMENT_CHANCE:
            return end + between(rng.random, DAY, 21 * DAY)
        return self.season.after(end, self._gap())

    def _gap(self) -> int:
        """Seconds until the person's next referral; about a quarter come back within 6 months."""
        rng = self.rng
        if rng.random() < 0.2:
            return int((7 + rng.expovariate(1 / 60)) * DAY)
        return int((150 + rng.expovariate(1 / MEAN_GAP_DAYS)) * DAY)
