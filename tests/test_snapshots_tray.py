"""Snapshots of the work tray at 120x40 and 80x24, with time frozen: a key worker's
items with one overdue, the tray before anyone is set as "me", and the question."""

from __future__ import annotations

from pathlib import Path

import pytest
from identity_support import signed_in
from test_tui_work_tray import give_ann_actions
from tui_support import seed_case_work, settled, stop_blinking, wait_for

from intapp import paths
from intapp.app import IntApp
from intapp.screens.dashboard import DashboardScreen
from intapp.screens.me_picker import MePicker
from intapp.screens.work_tray import WorkTrayScreen

SIZES = [(120, 40), (80, 24)]


@pytest.fixture
def ann_app(sqlite_engine) -> IntApp:
    seed_case_work(sqlite_engine)
    give_ann_actions(sqlite_engine)
    return IntApp(database_url=signed_in(str(sqlite_engine.url), "ann.lee"))


@pytest.mark.parametrize("size", SIZES)
def test_work_tray(snap_compare, ann_app, write_config, size):
    write_config('[settings]\nme = "W1"\n')

    async def loaded(pilot):
        await wait_for(pilot, lambda: isinstance(ann_app.screen, DashboardScreen))
        await pilot.press("f2")
        await wait_for(
            pilot, lambda: isinstance(ann_app.screen, WorkTrayScreen) and ann_app.screen.rows
        )
        await settled(pilot)

    assert snap_compare(ann_app, terminal_size=size, run_before=loaded)


@pytest.mark.parametrize("size", SIZES)
def test_work_tray_before_anyone_is_me(snap_compare, ann_app, monkeypatch, size):
    # The screen names the config file: the same path on every run.
    monkeypatch.setattr(paths, "config_file", lambda: Path("/home/ann/.config/intapp/config.toml"))

    async def loaded(pilot):
        await wait_for(pilot, lambda: isinstance(ann_app.screen, DashboardScreen))
        await pilot.press("m")
        await wait_for(
            pilot,
            lambda: (
                isinstance(ann_app.screen, WorkTrayScreen)
                and ann_app.screen.query_one("#tray-unset").display
            ),
        )
        await settled(pilot)

    assert snap_compare(ann_app, terminal_size=size, run_before=loaded)


@pytest.mark.parametrize("size", SIZES)
def test_who_are_you(snap_compare, ann_app, monkeypatch, size):
    monkeypatch.setattr(IntApp, "ASK_WHO_I_AM", True)

    async def loaded(pilot):
        await wait_for(pilot, lambda: isinstance(ann_app.screen, MePicker) and ann_app.screen.shown)
        stop_blinking(pilot)
        await settled(pilot)

    assert snap_compare(ann_app, terminal_size=size, run_before=loaded)
