"""The dashboard's counts: each figure at its boundaries, per team and city-wide, through
the ORM's connection on both databases and through plain sqlite3 on SQLite."""

from __future__ import annotations

import subprocess
import sys
from contextlib import closing
from datetime import timedelta

import pytest
from factories import (
    USER,
    add_worker,
    allocated_case,
    person_in,
    receive,
    small_organisation,
    triaged_referral,
)
from sqlalchemy import Engine, text
from sqlmodel import Session

from intapp import clock
from intapp.models import CarePlan, ReablementEpisode, Referral
from intapp.services import people
from intapp.services.dashboard import DashboardCounts, count_figures, dashboard_counts
from intapp.store.plain_sql import through_sqlite
from intapp.store.sqlite_reader import connect_if_current

NOTHING = DashboardCounts(0, 0, 0, 0, 0, 0, 0, 0, 0, 0)


def seed(session: Session) -> tuple[int, int]:
    """Rows either side of every boundary; returns the two teams' ids."""
    org = small_organisation(session)
    team, other = org.team.id, org.other_team.id
    # Part-way through a second, so stored timestamps must compare to the microsecond.
    clock.freeze(clock.now() + timedelta(milliseconds=500))
    now, today = clock.now(), clock.today()
    counter = iter(range(100))

    def person(team_id: int = team) -> int:
        return people.create_person(
            session=session, user=USER, person_in=person_in(team_id, next(counter))
        ).id

    def awaiting(due_by_offset: timedelta, team_id: int = team) -> None:
        referral = receive(session, person(team_id))
        row = session.get(Referral, referral.id)
        assert row is not None
        row.due_by = now + due_by_offset

    awaiting(-timedelta(microseconds=1))  # overdue by a moment
    awaiting(-timedelta(days=3))  # overdue
    awaiting(timedelta(0))  # due now: not yet overdue, due in the next 24 h
    awaiting(timedelta(hours=23, minutes=59))  # due in the next 24 h
    awaiting(timedelta(hours=24))  # due just outside the next 24 h
    awaiting(-timedelta(hours=1), team_id=other)  # overdue, in the other team

    triaged_referral(session, team, next(counter) + 500)  # the cases below are allocated

    over = add_worker(session, team, "OVER", caseload_limit=10)
    allocated_case(session, team, over, next(counter) + 500)
    allocated_case(session, team, over, next(counter) + 500, over_limit_reason="Cover")
    at_limit = add_worker(session, team, "ATLIM", caseload_limit=6)
    allocated_case(session, team, at_limit, next(counter) + 500)
    elsewhere = add_worker(session, other, "ELSE", caseload_limit=5)
    allocated_case(session, other, elsewhere, next(counter) + 500, over_limit_reason="Cover")

    def episode(days_ago: int, state: str = "active", **values: object) -> None:
        start = today - timedelta(days=days_ago)
        session.add(
            ReablementEpisode(
                person_id=person(),
                state=state,
                start_date=start,
                planned_end_date=start + timedelta(days=42),
                **values,
            )
        )

    episode(34)  # not yet at day 35
    episode(35)  # at day 35
    episode(42)  # day 35 or later, not past day 42
    episode(43)  # past day 42
    episode(50, state="planned")  # not active: not counted
    episode(120, state="ended", followup_due=today)  # follow-up due today
    episode(120, state="ended", followup_due=today + timedelta(days=1))  # not yet
    episode(120, state="ended", followup_due=today, followup_result="at_home")  # recorded

    def plan(review_in_days: int, *, closed: bool = False) -> None:
        session.add(
            CarePlan(
                person_id=person(),
                lead_worker_id=org.social_worker,
                review_date=today + timedelta(days=review_in_days),
                created_at=now,
                closed_at=now if closed else None,
            )
        )

    plan(-1)  # overdue (and so due)
    plan(0)  # due today
    plan(7)  # due within the week
    plan(8)  # not yet
    plan(-30, closed=True)  # closed: never due
    session.commit()
    return team, other


TEAM = DashboardCounts(
    awaiting_triage=5,
    triage_overdue=2,
    due_next_24h=2,
    triaged_not_allocated=1,
    workers_over_limit=1,
    episodes_day_35_plus=3,
    episodes_past_42=1,
    followups_due=1,
    reviews_due=3,
    reviews_overdue=1,
)
CITY = DashboardCounts(
    awaiting_triage=6,
    triage_overdue=3,
    due_next_24h=2,
    triaged_not_allocated=1,
    workers_over_limit=2,
    episodes_day_35_plus=3,
    episodes_past_42=1,
    followups_due=1,
    reviews_due=3,
    reviews_overdue=1,
)


def test_each_figure_counts_up_to_its_boundary(session: Session) -> None:
    team, other = seed(session)
    assert dashboard_counts(session=session, team_ids=[team]) == TEAM
    assert dashboard_counts(session=session, team_ids=None) == CITY
    assert dashboard_counts(session=session, team_ids=[team, other]) == CITY


def test_a_scope_with_no_teams_counts_nothing(session: Session) -> None:
    seed(session)
    assert dashboard_counts(session=session, team_ids=[]) == NOTHING


def test_inactive_workers_are_not_counted_over_their_limit(session: Session) -> None:
    team, _ = seed(session)
    session.execute(text("UPDATE worker SET active = false WHERE staff_id = 'OVER'"))
    session.commit()
    assert dashboard_counts(session=session, team_ids=[team]).workers_over_limit == 0


def test_plain_sqlite_gives_the_same_figures(sqlite_engine: Engine) -> None:
    with Session(sqlite_engine, expire_on_commit=False) as session:
        team, other = seed(session)
    url = sqlite_engine.url.render_as_string()
    for team_ids in (None, [team], [other], []):
        with Session(sqlite_engine) as session:
            expected = dashboard_counts(session=session, team_ids=team_ids)
        connection = connect_if_current(url)
        assert connection is not None
        with closing(connection), through_sqlite(connection) as db:
            assert count_figures(db, team_ids=team_ids) == expected


def test_the_first_screens_load_without_the_data_layer() -> None:
    """Importing SQLAlchemy takes longer than the whole frame: keep it off the path to the
    dashboard and to the queue, the list most often opened first."""
    code = (
        "import sys\n"
        "import intapp.app, intapp.screens.dashboard, intapp.services.dashboard\n"
        "import intapp.screens.queue, intapp.services.queue, intapp.services.nhs_number\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('sqlalchemy', 'sqlmodel', 'pydantic', 'alembic'))\n"
        "print(','.join(loaded))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == ""


@pytest.mark.parametrize(
    "url",
    ["postgresql+psycopg://x@127.0.0.1/none", "sqlite://", "sqlite:///{tmp}/missing.sqlite3"],
)
def test_only_an_existing_sqlite_file_is_read_directly(url: str, tmp_path) -> None:
    assert connect_if_current(url.format(tmp=tmp_path)) is None


def test_a_store_not_at_this_versions_schema_goes_through_the_data_layer(
    sqlite_engine: Engine,
) -> None:
    url = sqlite_engine.url.render_as_string()
    current = connect_if_current(url)
    assert current is not None
    current.close()
    with sqlite_engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    assert connect_if_current(url) is None
