"""The breach forecast on hand-built queues at a frozen moment, on SQLite and PostgreSQL:
each team's rate from its recent weeks, the two horizons, overdue referrals, a team that
triaged nothing, the scope, and the queue's marks."""

from __future__ import annotations

from contextlib import closing
from datetime import datetime, timedelta
from itertools import count

import pytest
from factories import person_in, receive, small_organisation
from sqlmodel import Session

from intapp import clock
from intapp.codes import ReferralStatus
from intapp.models import Referral
from intapp.services.forecast import (
    Breach,
    Waiting,
    assumption,
    breach_forecast,
    forecast,
    likely_breaches,
    triage_rates,
)
from intapp.services.queue import queue_page
from intapp.store.plain_sql import through_session, through_sqlite
from intapp.store.sqlite_reader import connect_if_current

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


class Referrals:
    """Makes referrals with the deadline and the triage time a test asks for."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.numbers = count()

    def add(
        self,
        team_id: int,
        *,
        due_in: timedelta = 28 * DAY,
        triaged_ago: timedelta | None = None,
        status: str | None = None,
    ) -> int:
        now = clock.now()
        summary = receive(self.session, person_in(team_id, next(self.numbers)))
        row = self.session.get(Referral, summary.id)
        assert row is not None
        row.due_by = now + due_in
        if triaged_ago is not None:
            row.status, row.triaged_at = ReferralStatus.TRIAGED, now - triaged_ago
        if status is not None:
            row.status = status
        self.session.add(row)
        self.session.flush()
        return summary.id

    def triaged(self, team_id: int, how_many: int, *, ago: timedelta = DAY) -> None:
        for _ in range(how_many):
            self.add(team_id, triaged_ago=ago)


def two_teams(session: Session) -> tuple[int, int]:
    org = small_organisation(session)
    return org.team.id, org.other_team.id


@pytest.fixture
def teams(session: Session) -> tuple[int, int]:
    return two_teams(session)


def test_rates_count_the_triages_of_the_recent_weeks_per_team(session, teams, write_config):
    team, other = teams
    make = Referrals(session)
    make.triaged(team, 3, ago=HOUR)
    make.triaged(team, 2, ago=4 * 7 * DAY)  # the window's first moment: counted
    make.triaged(team, 4, ago=4 * 7 * DAY + timedelta(seconds=1))  # before it: not counted
    make.triaged(other, 7, ago=10 * DAY)
    make.add(team)  # awaiting triage: not a triage
    db = through_session(session)

    rates = triage_rates(db, team_ids=None, now=clock.now(), weeks=4)

    assert rates == {team: 5 / 28, other: 7 / 28}
    assert triage_rates(db, team_ids=[other], now=clock.now(), weeks=4) == {other: 7 / 28}
    # The setting chooses the weeks: one week holds only the three an hour ago.
    write_config("[settings]\nforecast_rate_weeks = 1\n")
    assert breach_forecast(session=session).rates == {team: 3 / 7}


def test_24_hours_and_7_days_with_an_overdue_referral_first_in_the_queue(
    session, teams, write_config
):
    team, _ = teams
    write_config("[settings]\nforecast_rate_weeks = 1\n")
    make = Referrals(session)
    # Two a day with the one awaiting allocation below: the k-th in the queue is reached
    # in k × 12 h.
    make.triaged(team, 13)
    overdue = make.add(team, due_in=-HOUR)  # 1st: reached in 12 h, breached already
    soon = make.add(team, due_in=20 * HOUR)  # 2nd: reached in 24 h, after its deadline
    in_time = make.add(team, due_in=40 * HOUR)  # 3rd: reached in 36 h, in time
    later = make.add(team, due_in=47 * HOUR)  # 4th: reached in 48 h, an hour late
    make.add(team, due_in=8 * DAY)  # 5th: late too, but its deadline is beyond 7 days
    make.add(team, due_in=2 * HOUR, status=ReferralStatus.TRANSFER)  # not awaiting triage
    make.add(team, due_in=HOUR, triaged_ago=HOUR)  # triaged: awaiting allocation, no deadline

    found = breach_forecast(session=session)

    now = clock.now()
    assert found.likely == {
        soon: Breach(now + 20 * HOUR, now + 24 * HOUR),
        later: Breach(now + 47 * HOUR, now + 48 * HOUR),
    }
    assert (found.next_24h, found.next_7_days) == (1, 2)
    assert found.likely[soon].within(now) == "24 h"
    assert found.likely[later].within(now) == "7 days"
    assert overdue not in found.likely and in_time not in found.likely
    assert "last 1 weeks" in found.assumption


def test_without_the_overdue_one_the_queue_moves_up():
    """The pure model: an overdue referral ahead (listed, or counted in `ahead`) takes a
    turn; without it the next referral is reached in time."""
    now = datetime(2026, 11, 23, 9, 0, tzinfo=clock.LOCAL_TZ)
    soon = Waiting(2, 1, now + 20 * HOUR)
    overdue = Waiting(1, 1, now - HOUR)
    rates = {1: 2.0}

    assert likely_breaches([soon], rates, now=now) == {}
    assert set(likely_breaches([overdue, soon], rates, now=now)) == {2}
    assert set(likely_breaches([soon], rates, now=now, ahead={1: 1})) == {2}


def test_a_team_that_triaged_nothing_recently_is_forecast_to_breach_all_it_has_due(session, teams):
    team, idle = teams
    make = Referrals(session)
    make.triaged(team, 28)  # one a day
    make.triaged(idle, 5, ago=40 * DAY)  # before the four weeks
    due_today = make.add(idle, due_in=3 * HOUR)
    due_this_week = make.add(idle, due_in=6 * DAY)
    make.add(idle, due_in=8 * DAY)  # beyond the forecast
    busy_team_referral = make.add(team, due_in=6 * DAY)  # 1st of its queue: in time

    found = breach_forecast(session=session)

    assert found.rates == {team: 1.0}
    assert set(found.likely) == {due_today, due_this_week}
    assert found.likely[due_today].turn is None  # never reached
    assert busy_team_referral not in found.likely


def test_the_scope_takes_each_teams_own_queue_and_rate(session, teams):
    team, other = teams
    make = Referrals(session)
    mine = make.add(team, due_in=2 * HOUR)  # no one triages in either team
    theirs = make.add(other, due_in=2 * HOUR)

    assert set(breach_forecast(session=session, team_ids=[team]).likely) == {mine}
    assert set(breach_forecast(session=session, team_ids=[other]).likely) == {theirs}
    assert set(breach_forecast(session=session).likely) == {mine, theirs}
    assert breach_forecast(session=session, team_ids=[]).likely == {}


def test_the_queue_marks_the_rows_the_forecast_counts(session, teams):
    team, other = teams
    make = Referrals(session)
    make.triaged(team, 28)  # one a day
    make.add(team, due_in=-DAY)
    late = make.add(team, due_in=30 * HOUR)  # 2nd: reached in 2 days
    week = make.add(team, due_in=2 * DAY + HOUR)  # 3rd: reached in 3 days
    make.add(team, due_in=5 * DAY)  # 4th: reached in 4 days, in time
    elsewhere = make.add(other, due_in=HOUR)  # no triage there

    page = queue_page(through_session(session), team_ids=None)
    marks = {item.referral_id: item.likely_breach for item in page.rows}
    found = breach_forecast(session=session)

    assert {rid for rid, mark in marks.items() if mark} == set(found.likely)
    assert (marks[late], marks[week], marks[elsewhere]) == ("7 days", "7 days", "24 h")
    team_page = queue_page(through_session(session), team_ids=[team])
    assert elsewhere not in {item.referral_id for item in team_page.rows}


def test_the_assumption_names_the_configured_weeks(write_config):
    assert "last 4 weeks" in assumption()
    write_config("[settings]\nforecast_rate_weeks = 6\n")
    assert "last 6 weeks" in assumption()


def test_the_forecast_through_sqlite3_is_the_forecast_through_the_orm(sqlite_engine):
    """The dashboard reads it with the standard library's sqlite3 while SQLAlchemy loads:
    timestamps come back as text there, and must give the same forecast."""
    with Session(sqlite_engine, expire_on_commit=False) as session:
        team, other = two_teams(session)
        make = Referrals(session)
        make.triaged(team, 14)
        make.add(team, due_in=-HOUR)
        for hours in (3, 20, 30, 50, 100, 170):
            make.add(team, due_in=hours * HOUR)
            make.add(other, due_in=hours * HOUR)
        session.commit()
    url = sqlite_engine.url.render_as_string()
    sizes = []
    for team_ids in (None, [team], [other], []):
        with Session(sqlite_engine) as session:
            expected = breach_forecast(session=session, team_ids=team_ids)
        connection = connect_if_current(url)
        assert connection is not None
        with closing(connection), through_sqlite(connection) as db:
            assert forecast(db, team_ids=team_ids) == expected
        sizes.append(expected.next_7_days)
    # Team 1 triages half a referral a day, so its k-th is reached in 2k days: all five
    # due inside the 7 days are late; team 2 triages nothing, so its five are too. Those
    # due in 170 h are beyond the forecast.
    assert sizes == [10, 5, 5, 0]
