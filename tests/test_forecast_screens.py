"""The breach forecast on the dashboard and in the queue: the figures, the assumption,
and the mark on each referral likely to breach (snapshots at 120x40 and 80x24)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from factories import fake_nhs_number
from identity_support import signed_in
from sqlalchemy import Engine
from textual.widgets import Static
from tui_support import seed_small_team, settled, stop_blinking, wait_for

from intapp import clock
from intapp.app import IntApp
from intapp.screens.dashboard import DashboardScreen
from intapp.screens.queue import QueueScreen
from intapp.services import organisation, referrals
from intapp.services.forecast import MARK
from intapp.services.people import PersonIn
from intapp.store.engine import unit_of_work

SIZES = [(120, 40), (80, 24)]


def seed_falling_behind(engine: Engine) -> None:
    """The small team (Joe overdue, Mary due in 26 days), which has triaged nothing in
    four weeks, and two more referrals: Ali's due in an hour, Bea's in two days."""
    seed_small_team(engine)
    now = clock.now()
    with unit_of_work(engine) as session:
        team = organisation.team_by_code(session=session, code="C1")
        for n, (given, source, priority, received, nhs) in enumerate(
            [
                ("Ali", "a_and_e", "urgent", now - timedelta(hours=1), fake_nhs_number(901)),
                ("Bea", "gp", "soon", now - timedelta(days=5), fake_nhs_number(902)),
            ]
        ):
            referrals.receive_referral(
                session=session,
                user="setup",
                person=PersonIn(
                    given_name=given,
                    family_name="Shah",
                    date_of_birth=date(1938, 3, 1 + n),
                    team_id=team.id,
                    nhs_number=nhs,
                ),
                source=source,
                priority=priority,
                reason="Struggling at home",
                received_at=received,
                reference=f"R-FC-{n + 1}",
            )


@pytest.fixture
def app(sqlite_engine) -> IntApp:
    seed_falling_behind(sqlite_engine)
    return IntApp(database_url=signed_in(str(sqlite_engine.url), "duty.c1"))


def _forecast_line(app: IntApp) -> str:
    return str(app.screen.query_one("#forecast", Static).content)


async def test_the_dashboard_shows_the_figures_and_the_queue_marks_the_rows(app):
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await wait_for(pilot, lambda: "in 24 h" in _forecast_line(app))
        line = _forecast_line(app)
        assert "1 in 24 h · 2 in 7 days" in line
        assert "daily rate of the last 4 weeks" in line
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen) and app.screen.rows)
        marked = {item.person_name for item in app.screen.rows if item.likely_breach}
        assert marked == {"Ali Shah", "Bea Shah"}
        explained = app.screen.query_one("#queue-forecast", Static)
        assert explained.display
        assert str(explained.content).startswith(f"{MARK} 2 on this page likely to breach, if")


@pytest.mark.parametrize("size", SIZES)
def test_dashboard_with_the_forecast(snap_compare, app, size):
    async def loaded(pilot):
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await wait_for(pilot, lambda: "in 24 h" in _forecast_line(app))
        await wait_for(pilot, lambda: "…" not in str(app.screen.query_one("#my-work").label))
        await settled(pilot)

    assert snap_compare(app, terminal_size=size, run_before=loaded)


@pytest.mark.parametrize("size", SIZES)
def test_queue_marks_those_likely_to_breach(snap_compare, app, size):
    async def loaded(pilot):
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen) and app.screen.rows)
        stop_blinking(pilot)
        await settled(pilot)

    assert snap_compare(app, terminal_size=size, run_before=loaded)
