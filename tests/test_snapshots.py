"""Snapshots of the main screens at 120x40 and 80x24, with time frozen."""

from __future__ import annotations

import pytest
from tui_support import seed_small_team, stop_blinking, wait_for

from intapp.app import IntApp
from intapp.screens.dashboard import DashboardScreen
from intapp.screens.queue import QueueScreen
from intapp.screens.triage import TriageScreen

SIZES = [(120, 40), (80, 24)]


@pytest.fixture
def app(sqlite_engine) -> IntApp:
    seed_small_team(sqlite_engine)
    return IntApp(database_url=str(sqlite_engine.url), user="duty.c1")


@pytest.mark.parametrize("size", SIZES)
def test_dashboard(snap_compare, app, size):
    async def loaded(pilot):
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await wait_for(pilot, lambda: "…" not in str(app.screen.query_one("#awaiting").label))

    assert snap_compare(app, terminal_size=size, run_before=loaded)


@pytest.mark.parametrize("size", SIZES)
def test_referral_queue(snap_compare, app, size):
    async def loaded(pilot):
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen) and app.screen.rows)
        stop_blinking(pilot)

    assert snap_compare(app, terminal_size=size, run_before=loaded)


@pytest.mark.parametrize("size", SIZES)
def test_triage(snap_compare, app, size):
    async def loaded(pilot):
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen) and app.screen.rows)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TriageScreen) and app.screen.data)
        stop_blinking(pilot)

    assert snap_compare(app, terminal_size=size, run_before=loaded)
