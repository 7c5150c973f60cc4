"""The trends screen: opened from the dashboard, moved about by keyboard, its readout
showing the exact values of the hand-built history in `test_trends`; and snapshots with
time frozen (23 November 2026) at 120x40 and 80x24."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from test_trends import build_history
from textual.widgets import OptionList, Static
from tui_support import settled, wait_for

from intapp.app import IntApp
from intapp.screens.dashboard import DashboardScreen
from intapp.screens.scope import ScopeScreen
from intapp.screens.trends import TrendsScreen
from intapp.services.trends import PARTS
from intapp.widgets.trend_chart import CHARTS

SIZES = [(120, 40), (80, 24)]


@pytest.fixture
def history_app(sqlite_engine: Engine) -> IntApp:
    build_history(sqlite_engine)
    return IntApp(database_url=str(sqlite_engine.url))


async def open_trends(pilot, app: IntApp) -> TrendsScreen:  # type: ignore[no-untyped-def]
    await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
    await pilot.press("g")
    await wait_for(
        pilot,
        lambda: (
            isinstance(app.screen, TrendsScreen)
            and app.screen.parts_ready(app.screen.scope.team_ids) == set(PARTS)
        ),
    )
    screen = app.screen
    assert isinstance(screen, TrendsScreen)
    return screen


def readout(screen: TrendsScreen) -> str:
    return str(screen.query_one("#trends-readout", Static).render())


async def test_the_keys_move_between_charts_and_months(history_app: IntApp) -> None:
    async with history_app.run_test(size=(120, 40)) as pilot:
        screen = await open_trends(pilot, history_app)
        # The current month first, partial.
        assert readout(screen).startswith("Nov 2026 (so far) · Referrals received: 1")
        await pilot.press("tab")
        assert screen.chart_index == 1
        for _ in range(7):  # November back to April
            await pilot.press("left")
        text = readout(screen)
        assert text.startswith(
            "Apr 2026 · Triaged within target: 75.0% (out of 4 referrals triaged)"
        )
        assert "Of the referrals triaged in the month, the percentage" in text
        await pilot.press("down")
        assert readout(screen).startswith("Apr 2026 · Median hours to triage: 17.0 hours")
        await pilot.press("shift+tab", "shift+tab")
        assert readout(screen).startswith("Apr 2026 · Referrals received: 3")
        assert "GP 2; Self 1" in readout(screen)
        await pilot.press("up")  # round to the last chart
        assert screen.chart_index == len(CHARTS) - 1
        assert "Open weighted caseload: 7 · Summed caseload limits: 230" in readout(screen)
        await pilot.press("home")
        assert readout(screen).startswith("Dec 2024 · Open weighted caseload: 8")
        await pilot.press("left")  # already the first month
        assert readout(screen).startswith("Dec 2024")
        await pilot.press("end")
        assert readout(screen).startswith("Nov 2026 (so far)")


async def test_another_scope_is_chosen_on_the_screen(history_app: IntApp) -> None:
    async with history_app.run_test(size=(120, 40)) as pilot:
        screen = await open_trends(pilot, history_app)
        await pilot.press("t")
        await wait_for(
            pilot,
            lambda: (
                isinstance(history_app.screen, ScopeScreen)
                and history_app.screen.query_one(OptionList).option_count > 1
            ),
        )
        options = history_app.screen.query_one(OptionList)
        labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        options.highlighted = labels.index("NOR1 Team NOR1")
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.parts_ready(screen.scope.team_ids) == set(PARTS))
        assert screen.scope.team_code == "NOR1"
        title = str(screen.query_one("#trends-title", Static).render())
        assert "NOR1 Team NOR1" in title
        assert readout(screen).startswith("Nov 2026 (so far) · Referrals received: 1")
        await pilot.press("left")
        assert readout(screen).startswith("Oct 2026 · Referrals received: 0")  # central's


async def test_its_keys_are_in_the_footer_and_help(history_app: IntApp) -> None:
    async with history_app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(history_app.screen, DashboardScreen))
        dashboard_keys = {
            b.binding.key: b.binding.description
            for b in history_app.screen.active_bindings.values()
        }
        assert dashboard_keys["g"] == "Trends"
        screen = await open_trends(pilot, history_app)
        shown = {b.binding.description for b in screen.active_bindings.values() if b.binding.show}
        assert {"Back", "Team", "Next chart", "Previous chart", "Earlier month"} <= shown
        await pilot.press("question_mark")
        await pilot.pause()
        table = history_app.screen.query_one("#help-table")
        rows = [str(table.get_row_at(i)[1]) for i in range(table.row_count)]  # type: ignore[attr-defined]
        assert {"Next chart", "Later month", "Latest month"} <= set(rows)


@pytest.mark.parametrize("size", SIZES)
def test_trends_snapshot(snap_compare, history_app: IntApp, size) -> None:  # type: ignore[no-untyped-def]
    async def opened(pilot) -> None:  # type: ignore[no-untyped-def]
        await open_trends(pilot, history_app)
        # The caseload chart, at April 2026.
        await pilot.press("up", "left", "left", "left", "left", "left", "left", "left")
        await settled(pilot)

    assert snap_compare(history_app, terminal_size=size, run_before=opened)
