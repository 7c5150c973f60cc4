"""How fast each demo team works: triage and allocation wait longer when it is busy.

A team's pressure is the season's (winter is busier) times a slow random walk of its
own, week by week (sickness, vacancies, a bad month), so breaches cluster in busy teams
and busy weeks, as a breach forecast expects; most referrals are still seen in time.
"""

from __future__ import annotations

import math
import random

from intapp.demo.chance import between
from intapp.demo.seasons import SeasonalClock
from intapp.demo.timeline import DAY, HOUR

WEEK = 7 * DAY
# The season's rate (0.85-1.15) is raised to this power: winter slows triage more than
# it adds referrals, as work queues up.
SEASON_POWER = 2.0
# Each week a team's own pressure keeps this much of last week's (in log terms)...
PERSISTENCE = 0.85
# ...plus a fresh shock of this spread.
SHOCK = 0.12
# A few referrals that are not urgent wait long past their target whatever the load
# (the person cannot be reached, the referrer must be asked again): the queue's overdue.
STUCK = 0.03


class TeamPace:
    """Each team's pressure, week by week, and the waits that follow from it."""

    def __init__(
        self, rng: random.Random, season: SeasonalClock, *, team_ids: list[int], weeks: int
    ) -> None:
        self.rng = rng
        self.season = season
        self.origin = season.origin
        self.load: dict[int, list[float]] = {}
        for team_id in team_ids:
            level, weekly = 0.0, []
            for _ in range(weeks):
                level = PERSISTENCE * level + rng.gauss(0, SHOCK)
                weekly.append(math.exp(level))
            self.load[team_id] = weekly

    def pressure(self, team_id: int, ts: int) -> float:
        """How stretched the team is at `ts`: 1 is an ordinary week."""
        weekly = self.load[team_id]
        week = min(len(weekly) - 1, max(0, (ts - self.origin) // WEEK))
        return self.season.rate(ts) ** SEASON_POWER * weekly[week]

    def triage_delay(self, priority: str, pressure: float) -> int:
        """Seconds from receipt to triage. Most are in time; a busy team lets some slip."""
        rand = self.rng.random
        r = rand()
        if priority == "urgent":
            base = between(rand, 600, 100 * 60)
        elif priority == "medically_optimised":
            base = between(rand, 1200, 200 * 60)
        elif priority == "discharge_or_falls":
            base = (
                between(rand, 16 * HOUR, 48 * HOUR) if r < 0.12 else between(rand, HOUR, 18 * HOUR)
            )
        elif priority == "soon":
            if r < STUCK:
                base = between(rand, 8 * DAY, 21 * DAY)
            elif r < 0.15:
                base = between(rand, 4 * DAY, 12 * DAY)
            else:
                base = between(rand, 2 * HOUR, 5 * DAY)
        elif r < STUCK:
            base = between(rand, 30 * DAY, 80 * DAY)
        elif r < 0.15:
            base = between(rand, 18 * DAY, 45 * DAY)
        else:
            base = between(rand, DAY, 20 * DAY)
        return int(base * pressure)

    def allocation_delay(self, priority: str, pressure: float) -> int:
        """Seconds from triage to a key worker taking the case."""
        rand = self.rng.random
        if priority in ("urgent", "medically_optimised"):
            base = between(rand, 900, 6 * HOUR)
        elif priority == "discharge_or_falls":
            base = between(rand, 2 * HOUR, 3 * DAY)
        elif priority == "soon":
            base = between(rand, DAY, 7 * DAY)
        else:
            base = between(rand, DAY, 14 * DAY)
        return int(base * pressure)
