"""How often the breach forecast was right on the demo history: a back-test.

Usage:
    python benchmarks/backtest_forecast.py [--people 2000] [--seed 7] [--as-of ISO]
        [--url URL] [--days 730] [--weeks 4] [--hour 9]

Without --url it builds a fresh demo (`intapp demo --people N --seed S`, so always the
generator as it is now) in a temporary SQLite file, generated as if it were AS-OF
(default: now; the moment is printed, and the same seed and moment give the same history,
so the same figures). With --url it reads a database already holding a history.

Every day of the last DAYS at HOUR:00 UK time whose 7-day horizon has passed by the end
of the history (its last recorded timestamp), it:

1. rebuilds the queue as it was then from the stored timestamps: referrals received by
   then, not yet triaged and not closed (`triaged_at`, `closed_at`), with their `due_by`;
2. takes each team's triage rate as it was then, over the WEEKS before (the forecast's own
   `triage_rates`, run at that moment), and forecasts with the forecast's own rule
   (`likely_breaches`);
3. compares, for each horizon (24 h, 7 days), the referrals of that queue whose deadline
   fell inside it with what happened: a referral breached when it was still untriaged
   and open at its deadline.

The counts are of referral-moments: a referral waiting on several mornings is scored on
each. Overdue ones at a moment are breaches already and are scored neither way; breaches
by referrals received after the moment cannot be forecast and are counted apart.
"breached" is the share of those scored that did breach: the precision a forecast that
every one will breach would have, which the forecast must beat to be telling them apart.

Limits: `due_by` is the deadline as stored, which triage may have reset (the demo's never
does); a referral counts for the team it is with now, as the live rates do.
"""

from __future__ import annotations

import argparse
import bisect
import tempfile
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import Engine, text

from intapp import clock
from intapp.config import Settings
from intapp.services.forecast import HORIZONS, Waiting, likely_breaches, triage_rates
from intapp.store.engine import create_db_engine, read_session
from intapp.store.plain_sql import stored_datetime, through_session

DEFAULT_PEOPLE = 2000


@dataclass(frozen=True)
class Past:
    """A referral as its timestamps tell its story."""

    referral_id: int
    team_id: int
    received_at: datetime
    due_by: datetime
    triaged_at: datetime | None
    closed_at: datetime | None

    def waiting_at(self, moment: datetime) -> bool:
        """Received, and neither triaged nor closed, at `moment`."""
        return self.received_at <= moment and not self._ended_by(moment)

    @property
    def breached(self) -> bool:
        """Still untriaged and open when its deadline came (closed untriaged first, say
        by a death, it never breached)."""
        return self.waiting_at(self.due_by)

    def _ended_by(self, moment: datetime) -> bool:
        return any(at is not None and at <= moment for at in (self.triaged_at, self.closed_at))


@dataclass
class Score:
    """True and false positives, false negatives and true negatives for one horizon."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    unforeseeable: int = 0
    """Breaches inside the horizon by referrals received after the moment."""

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def breach_rate(self) -> float | None:
        """The share of those scored that breached: the precision of forecasting that
        every one will, which the forecast has to beat to tell them apart."""
        scored = self.tp + self.fp + self.fn + self.tn
        return (self.tp + self.fn) / scored if scored else None


@dataclass
class Backtest:
    """The scores by horizon, and how many moments they cover."""

    moments: int = 0
    first: datetime | None = None
    last: datetime | None = None
    scores: dict[str, Score] = field(default_factory=lambda: {w: Score() for _, w in HORIZONS})


def score(
    history: Iterable[Past],
    moments: Iterable[datetime],
    rates_at: Callable[[datetime], Mapping[int, float]],
) -> Backtest:
    """Forecast at each of `moments` from the queue `history` says was waiting then, at the
    rates `rates_at` gives for that moment, and score it against what followed."""
    pasts = sorted(history, key=lambda p: p.received_at)
    breaches = sorted(p.due_by for p in pasts if p.breached)
    result = Backtest()
    waiting: dict[int, Past] = {}  # the queue, kept from one moment to the next
    arrived = 0
    for moment in sorted(moments):
        result.moments += 1
        result.first, result.last = result.first or moment, moment
        while arrived < len(pasts) and pasts[arrived].received_at <= moment:
            waiting[pasts[arrived].referral_id] = pasts[arrived]
            arrived += 1
        for gone in [rid for rid, p in waiting.items() if not p.waiting_at(moment)]:
            del waiting[gone]
        queue = list(waiting.values())
        likely = likely_breaches(
            [Waiting(p.referral_id, p.team_id, p.due_by) for p in queue],
            rates_at(moment),
            now=moment,
        )
        for span, words in HORIZONS:
            tally, until = result.scores[words], moment + span
            scored = 0
            for past in queue:
                if not moment <= past.due_by < until:
                    continue  # overdue already, or due beyond the horizon
                forecast, happened = past.referral_id in likely, past.breached
                scored += happened
                if forecast and happened:
                    tally.tp += 1
                elif forecast:
                    tally.fp += 1
                elif happened:
                    tally.fn += 1
                else:
                    tally.tn += 1
            in_horizon = bisect.bisect_left(breaches, until) - bisect.bisect_left(breaches, moment)
            tally.unforeseeable += in_horizon - scored
    return result


def read_history(engine: Engine) -> list[Past]:
    """Every referral's timestamps, in one read."""
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT id, team_id, received_at, due_by, triaged_at, closed_at FROM referral")
        ).all()
    return [
        Past(
            int(r[0]),
            int(r[1]),
            stored_datetime(r[2]),
            stored_datetime(r[3]),
            None if r[4] is None else stored_datetime(r[4]),
            None if r[5] is None else stored_datetime(r[5]),
        )
        for r in rows
    ]


def daily_moments(history: list[Past], *, days: int, hour: int) -> list[datetime]:
    """HOUR:00 UK time on each of the last `days` days whose 7-day horizon had passed by
    the history's last recorded moment."""
    stamps: list[datetime] = []
    for p in history:
        stamps += [t for t in (p.received_at, p.triaged_at, p.closed_at) if t is not None]
    end = max(stamps)
    longest = max(span for span, _ in HORIZONS)
    last_day: date = (end - longest).astimezone(clock.LOCAL_TZ).date()
    moments = []
    for back in range(days):
        day = last_day - timedelta(days=back)
        moment = datetime.combine(day, time(hour), tzinfo=clock.LOCAL_TZ)
        if moment + longest <= end:
            moments.append(moment.astimezone(UTC))
    return sorted(moments)


def run(engine: Engine, *, days: int, weeks: int, hour: int) -> Backtest:
    """The back-test on `engine`'s history, with the service's rates at each moment."""
    history = read_history(engine)
    moments = daily_moments(history, days=days, hour=hour)
    with read_session(engine) as session:
        db = through_session(session)

        def rates_at(moment: datetime) -> Mapping[int, float]:
            return triage_rates(db, team_ids=None, now=moment, weeks=weeks)

        return score(history, moments, rates_at)


def _day(moment: datetime | None) -> str:
    return "-" if moment is None else f"{moment.astimezone(clock.LOCAL_TZ):%d %b %Y}"


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def report(result: Backtest, *, weeks: int, hour: int) -> list[str]:
    """The figures as printed."""
    lines = [
        f"{result.moments} moments, each day at {hour:02d}:00 UK time from {_day(result.first)}"
        f" to {_day(result.last)}; each team's rate over the {weeks} weeks before each",
        f"{'horizon':8} {'precision':>9} {'recall':>7} {'TP':>7} {'FP':>7} {'FN':>7} {'TN':>7}"
        f" {'breached':>9}  {'breaches not yet received':>25}",
    ]
    for words, s in result.scores.items():
        lines.append(
            f"{words:8} {_percent(s.precision):>9} {_percent(s.recall):>7} {s.tp:7} {s.fp:7}"
            f" {s.fn:7} {s.tn:7} {_percent(s.breach_rate):>9}  {s.unforeseeable:25}"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=DEFAULT_PEOPLE)
    parser.add_argument("--seed", type=int, default=7, help="the demo's seed")
    parser.add_argument(
        "--as-of",
        type=datetime.fromisoformat,
        help="build the demo as if now were this moment (ISO, e.g. 2026-12-01T09:00+00:00)",
    )
    parser.add_argument("--url", help="a database holding a history (default: a fresh demo)")
    parser.add_argument("--days", type=int, default=730, help="how many days back")
    parser.add_argument("--weeks", type=int, default=Settings.forecast_rate_weeks)
    parser.add_argument("--hour", type=int, default=9, help="the hour of each moment, UK time")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        if args.url:
            engine = create_db_engine(args.url)
            where = engine.url.render_as_string(hide_password=True)
        else:
            engine = fresh_demo(Path(folder), people=args.people, seed=args.seed, at=args.as_of)
            where = f"a fresh demo, --people {args.people} --seed {args.seed}"
        print(f"history: {where}")
        result = run(engine, days=args.days, weeks=args.weeks, hour=args.hour)
        engine.dispose()
    for line in report(result, weeks=args.weeks, hour=args.hour):
        print(line)


def fresh_demo(folder: Path, *, people: int, seed: int, at: datetime | None) -> Engine:
    """A new SQLite file in `folder` holding the demo generated as if now were `at`."""
    from intapp.demo import load_demo
    from intapp.store.migrate import upgrade

    at = (at or clock.now()).astimezone(UTC)
    print(f"demo generated as of {at.isoformat(timespec='seconds')} (--as-of to repeat it)")
    engine = create_db_engine(f"sqlite:///{folder / 'demo.sqlite3'}")
    with warnings.catch_warnings():  # SQLite reflection notes, not news here
        warnings.simplefilter("ignore")
        upgrade(engine)
    clock.freeze(at)
    try:
        load_demo(engine=engine, people=people, seed=seed)
    finally:
        clock.freeze(None)
    return engine


if __name__ == "__main__":
    main()
