"""The year's rhythm in the demo: more referrals and deaths in winter, fewer in summer.

Demo events that arrive on their own (a person's first referral, the next one after a
gap, a death) are drawn in "seasonal time", which runs faster in winter, and then mapped
back to the calendar, so they crowd into the winter months. Durations of work (triage,
a case, an episode) stay in calendar time.
"""

from __future__ import annotations

import math
from bisect import bisect_right

from intapp.demo.timeline import DAY, day_of

# How far referrals swing either side of the year's mean: about +15% in January and
# -15% in July, as councils' winter pressures reports show.
SWING = 0.15
# Mid-January: the peak of winter pressures (respiratory illness, falls on ice).
PEAK_DAY_OF_YEAR = 15
DAYS_PER_YEAR = 365.25


def winter_weight(day_of_year: int) -> float:
    """+1 at the height of winter, -1 at the height of summer."""
    return math.cos(2 * math.pi * (day_of_year - PEAK_DAY_OF_YEAR) / DAYS_PER_YEAR)


class SeasonalClock:
    """Maps seasonal time to calendar time, a day at a time, from `origin` for `days`.

    Past its last day the clock runs at the year's mean rate, so any gap maps somewhere.
    """

    def __init__(self, origin: int, days: int, swing: float = SWING) -> None:
        self.origin = origin - origin % DAY
        self.rates: list[float] = []
        self.months: list[int] = []
        self.cumulative = [0.0]  # seasonal seconds at the start of each day
        for i in range(days):
            day = day_of(self.origin + i * DAY)
            rate = 1 + swing * winter_weight(day.timetuple().tm_yday)
            self.rates.append(rate)
            self.months.append(day.month)
            self.cumulative.append(self.cumulative[-1] + rate * DAY)
        self.end = self.origin + days * DAY

    def rate(self, ts: int) -> float:
        """How busy the season is at `ts`: 1 is the year's mean."""
        i = (ts - self.origin) // DAY
        return self.rates[i] if 0 <= i < len(self.rates) else 1.0

    def month(self, ts: int) -> int:
        """The calendar month (1-12) of `ts`."""
        i = (ts - self.origin) // DAY
        return self.months[i] if 0 <= i < len(self.months) else day_of(ts).month

    def seasonal(self, ts: int) -> float:
        """Seasonal seconds from the origin to `ts`."""
        if ts >= self.end:
            return self.cumulative[-1] + (ts - self.end)
        i = (ts - self.origin) // DAY
        return self.cumulative[i] + self.rates[i] * (ts - self.origin - i * DAY)

    def calendar(self, seasonal: float) -> int:
        """The timestamp at which `seasonal` seconds of seasonal time have passed."""
        cumulative = self.cumulative
        if seasonal >= cumulative[-1]:
            return self.end + int(seasonal - cumulative[-1])
        i = bisect_right(cumulative, seasonal) - 1
        return self.origin + i * DAY + int((seasonal - cumulative[i]) / self.rates[i])

    def after(self, ts: int, seconds: float) -> int:
        """When `seconds` of seasonal time have passed since `ts`: sooner in winter."""
        return self.calendar(self.seasonal(ts) + seconds)
