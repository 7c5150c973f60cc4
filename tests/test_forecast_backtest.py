"""The back-test's scoring (benchmarks/backtest_forecast.py) on a hand-built history whose
true and false positives and negatives are worked out here."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from backtest_forecast import Past, report, score

T = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)
D = timedelta(days=1)
# Team 1 triages one referral a day, so its k-th is reached k days on; team 2 ten a day.
RATES = {1: 1.0, 2: 10.0}


def past(
    rid: int,
    team: int,
    due: timedelta,
    *,
    received: timedelta = -2 * D,
    triaged: timedelta | None = None,
    closed: timedelta | None = None,
) -> Past:
    return Past(
        rid,
        team,
        T + received,
        T + due,
        None if triaged is None else T + triaged,
        None if closed is None else T + closed,
    )


HISTORY = [
    # Overdue at the moment: a breach already, scored neither way, but first in team 1's
    # queue, so the rest of that queue is one place further back.
    past(6, 1, -H),
    # Team 1's 2nd, reached in 2 days, due in 6 h and never triaged: a true positive.
    past(1, 1, 6 * H),
    # Team 1's 3rd, reached in 3 days, due in 2.5, but triaged in 20 h: a false positive
    # (for the 7 days; it is due beyond the 24 hours).
    past(2, 1, 60 * H, triaged=20 * H),
    # Team 1's 4th, reached in 4 days, due an hour later; closed untriaged (a death) in a
    # day: no breach, a true negative.
    past(5, 1, 4 * D + H, closed=D),
    # Team 2's 1st, reached in 2.4 h, due in 5 h, but triaged in 6 h: a false negative.
    past(3, 2, 5 * H, triaged=6 * H),
    # Team 2's 2nd, reached in 4.8 h, due in 3 days, triaged in 1: a true negative.
    past(4, 2, 3 * D, triaged=D),
    # Received an hour after the moment and breached 2 h later: not foreseeable.
    past(7, 2, 3 * H, received=H),
    # Triaged the day before: not in the queue at all.
    past(8, 1, 2 * H, triaged=-D),
]


def test_each_case_is_scored_as_worked_out():
    result = score(HISTORY, [T], lambda moment: RATES)

    day, week = result.scores["24 h"], result.scores["7 days"]
    assert (day.tp, day.fp, day.fn, day.tn, day.unforeseeable) == (1, 0, 1, 0, 1)
    assert (week.tp, week.fp, week.fn, week.tn, week.unforeseeable) == (1, 1, 1, 2, 1)
    assert (week.precision, week.recall) == (0.5, 0.5)
    assert (day.precision, day.recall) == (1.0, 0.5)
    assert (day.breach_rate, week.breach_rate) == (1.0, 0.4)


def test_the_overdue_referral_takes_its_place_in_the_queue():
    """Without the overdue one, team 1's 3rd (due in 2.5 days) is its 2nd, reached in 2."""
    without = [p for p in HISTORY if p.referral_id != 6]
    with_it = score(HISTORY, [T], lambda moment: RATES).scores["7 days"]
    after = score(without, [T], lambda moment: RATES).scores["7 days"]
    # Referral 2 is reached before its deadline now: no longer a false positive.
    assert (with_it.fp, after.fp, after.tn) == (1, 0, 3)


def test_a_later_moment_sees_the_queue_as_it_was_then():
    """A day on, every referral has been triaged, closed or is overdue: nothing more."""
    once = score(HISTORY, [T], lambda moment: RATES)
    twice = score(HISTORY, [T, T + D], lambda moment: RATES)
    assert twice.moments == 2
    for words in ("24 h", "7 days"):
        assert twice.scores[words] == once.scores[words]


def test_the_rates_are_taken_at_each_moment():
    asked: list[datetime] = []
    score(HISTORY, [T + D, T], lambda moment: asked.append(moment) or RATES)
    assert asked == [T, T + D]


@pytest.mark.parametrize("horizon", ["24 h", "7 days"])
def test_the_report_prints_each_horizon(horizon):
    lines = report(score(HISTORY, [T], lambda moment: RATES), weeks=4, hour=9)
    assert any(line.startswith(horizon) for line in lines)
