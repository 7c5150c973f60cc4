"""The breach forecast: which referrals awaiting triage are likely to miss their deadline.

The model, in words (`ASSUMPTION`, shown beside the figures): each team triages its queue
in the order the queue shows it, soonest deadline first, at its own average daily rate
over the last `forecast_rate_weeks` weeks, around the clock. The referral k-th in its
team's queue is reached k / rate days from now; one whose deadline falls inside a horizon
(the next 24 hours, the next 7 days) and comes before that turn is "likely to breach".

- Overdue referrals have breached already: they are no forecast (the dashboard counts
  them as "Triage overdue"), but they stand first in the queue and take the team's time,
  so they push back every referral behind them.
- A team that triaged nothing in those weeks (rate 0) never reaches its queue: every
  referral of its due inside a horizon is likely to breach.
- Referrals yet to arrive are not foreseen, so an urgent one that jumps the queue later
  is not counted against those it will push back.
- Only the triage deadline is forecast. A transfer in waits for this team's accept or
  return, not for triage (its deadline was its first team's), so it is left out, as the
  "Triage overdue" figure leaves it out. Once triaged a referral has met or missed its
  response deadline: intapp holds no deadline for allocation, so the referrals awaiting
  allocation have none to forecast.

Plain SQL (`plain_sql`), like the dashboard's figures it sits beside.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from intapp import clock
from intapp.codes import ReferralStatus
from intapp.config import load_settings
from intapp.store.plain_sql import PlainSQL, in_list, stored_datetime, through_session

if TYPE_CHECKING:
    from sqlmodel import Session

# The horizons forecast, shortest first, with the words the screens show for each.
NEXT_24_HOURS = timedelta(hours=24)
NEXT_7_DAYS = timedelta(days=7)
HORIZONS: tuple[tuple[timedelta, str], ...] = ((NEXT_24_HOURS, "24 h"), (NEXT_7_DAYS, "7 days"))

# The mark lists put beside a referral likely to breach, and the words that explain it.
MARK = "▲"

# The model in a clause the screens and the README complete ("likely to breach, if …").
ASSUMPTION = (
    "each team triages in deadline order at its daily rate of the last {weeks} weeks;"
    " new referrals not foreseen"
)


def assumption(weeks: int | None = None) -> str:
    """The model's assumption in words, with the configured number of weeks."""
    return ASSUMPTION.format(weeks=weeks or load_settings().forecast_rate_weeks)


@dataclass(frozen=True)
class Waiting:
    """A referral awaiting triage, as the forecast sees it."""

    referral_id: int
    team_id: int
    due_by: datetime


@dataclass(frozen=True)
class Breach:
    """A referral likely to breach: its deadline, and when its team's turn reaches it
    (None: the team triages nothing, so never)."""

    due_by: datetime
    turn: datetime | None

    def within(self, now: datetime) -> str:
        """The shortest horizon its deadline falls inside, in words ("24 h", "7 days")."""
        return next(words for span, words in HORIZONS if self.due_by < now + span)


@dataclass(frozen=True)
class BreachForecast:
    """The forecast for a scope: each referral likely to breach, and the rates behind it."""

    now: datetime
    weeks: int
    rates: Mapping[int, float]
    """Referrals triaged a day by each team in scope, over the last `weeks` weeks."""
    likely: Mapping[int, Breach]
    """The referrals likely to breach in the next 7 days, by referral id."""

    @property
    def next_24h(self) -> int:
        """How many are likely to breach in the next 24 hours."""
        return sum(b.due_by < self.now + NEXT_24_HOURS for b in self.likely.values())

    @property
    def next_7_days(self) -> int:
        """How many are likely to breach in the next 7 days (those in 24 hours included)."""
        return len(self.likely)

    @property
    def assumption(self) -> str:
        return assumption(self.weeks)


def likely_breaches(
    queue: Iterable[Waiting],
    rates: Mapping[int, float],
    *,
    now: datetime,
    ahead: Mapping[int, int] | None = None,
    horizon: timedelta = NEXT_7_DAYS,
) -> dict[int, Breach]:
    """The model itself: of `queue` (referrals awaiting triage), those whose deadline
    falls in ``[now, now + horizon)`` and comes before their team's turn reaches them, at
    the team's `rates` (referrals a day; absent is 0). `ahead` counts, for each team, the
    referrals before all of `queue` in its order and not in it (the overdue ones, which
    the dashboard counts rather than lists); overdue ones in `queue` take their place too.

    Pure, so the back-test runs the very same rule on a queue rebuilt from history.
    """
    ahead = ahead or {}
    by_team: dict[int, list[Waiting]] = {}
    for referral in queue:
        by_team.setdefault(referral.team_id, []).append(referral)
    until = now + horizon
    likely: dict[int, Breach] = {}
    for team_id in set(by_team) | set(ahead):
        team_queue = by_team.get(team_id, [])
        rate = rates.get(team_id, 0.0)
        team_queue.sort(key=lambda w: (w.due_by, w.referral_id))  # the queue's own order
        for position, w in enumerate(team_queue, start=1 + ahead.get(team_id, 0)):
            if w.due_by >= until:
                break  # the rest are due later still
            if w.due_by < now:
                continue  # overdue: breached already, but it took its place in the queue
            turn = now + timedelta(days=position / rate) if rate > 0 else None
            if turn is None or turn > w.due_by:
                likely[w.referral_id] = Breach(w.due_by, turn)
    return likely


def triage_rates(
    db: PlainSQL, *, team_ids: list[int] | None, now: datetime, weeks: int
) -> dict[int, float]:
    """Referrals each team triaged a day over the `weeks` weeks before `now` (teams that
    triaged none are absent). A referral counts for the team it is with now."""
    # On SQLite the unary plus keeps the planner off the queue's index (team, status,
    # deadline), which reads every referral the teams ever had, for the range of triage
    # times. PostgreSQL combines the two indexes itself, and the plus would stop it.
    column = "+referral.team_id" if db.sqlite else "referral.team_id"
    in_teams, params = _teams(team_ids, column=column)
    rows = db.run(
        "SELECT referral.team_id, count(*) FROM referral"
        " WHERE referral.triaged_at >= :since AND referral.triaged_at < :now"
        f"{in_teams} GROUP BY referral.team_id",
        db.stored({"since": now - timedelta(weeks=weeks), "now": now, **params}),
    )
    days = 7 * weeks
    return {int(team_id): int(count) / days for team_id, count in rows}


def overdue_by_team(db: PlainSQL, *, team_ids: list[int] | None, now: datetime) -> dict[int, int]:
    """How many referrals awaiting triage each team has past their deadline: counted, not
    read, as they stand first in the queue (from the queue's index alone)."""
    in_teams, params = _teams(team_ids)
    rows = db.run(
        "SELECT referral.team_id, count(*) FROM referral"
        f" WHERE referral.status = :status AND referral.due_by < :now{in_teams}"
        " GROUP BY referral.team_id",
        db.stored({"status": ReferralStatus.RECEIVED.value, "now": now, **params}),
    )
    return {int(team_id): int(count) for team_id, count in rows}


def due_within(
    db: PlainSQL, *, team_ids: list[int] | None, now: datetime, until: datetime
) -> list[Waiting]:
    """The referrals awaiting triage due from `now` until `until`."""
    in_teams, params = _teams(team_ids)
    rows = db.run(
        "SELECT referral.id, referral.team_id, referral.due_by FROM referral"
        " WHERE referral.status = :status AND referral.due_by >= :now"
        f" AND referral.due_by < :until{in_teams}",
        db.stored({"status": ReferralStatus.RECEIVED.value, "now": now, "until": until, **params}),
    )
    return [Waiting(int(r[0]), int(r[1]), stored_datetime(r[2])) for r in rows]


def forecast(
    db: PlainSQL, *, team_ids: list[int] | None = None, now: datetime | None = None
) -> BreachForecast:
    """The breach forecast for the teams given (None: the whole city), through `db`."""
    now = now or clock.now()
    weeks = load_settings().forecast_rate_weeks
    rates = triage_rates(db, team_ids=team_ids, now=now, weeks=weeks)
    overdue = overdue_by_team(db, team_ids=team_ids, now=now)
    queue = due_within(db, team_ids=team_ids, now=now, until=now + NEXT_7_DAYS)
    likely = likely_breaches(queue, rates, now=now, ahead=overdue)
    return BreachForecast(now, weeks, rates, likely)


def breach_forecast(*, session: Session, team_ids: list[int] | None = None) -> BreachForecast:
    """The breach forecast for the teams given (None: the whole city)."""
    return forecast(through_session(session), team_ids=team_ids)


def _teams(
    team_ids: list[int] | None, column: str = "referral.team_id"
) -> tuple[str, dict[str, int]]:
    return ("", {}) if team_ids is None else in_list(column, "team", team_ids)
