"""Snapshot of the dialog that saves a person's copy of their plan."""

from __future__ import annotations

import pytest
from identity_support import signed_in
from test_snapshots import _dashboard, settling
from tui_support import seed_case_work, stop_blinking, wait_for

from intapp.app import IntApp
from intapp.screens.person import PersonScreen
from intapp.screens.plan_copy_dialog import PlanCopyDialog


def test_plan_copy_dialog(snap_compare, sqlite_engine, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("HOME", "/home/key.worker")  # the default path starts here
    seed_case_work(sqlite_engine)
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "key.worker"))

    async def loaded(pilot):
        await _dashboard(pilot)
        app.push_screen(PersonScreen(person_id=1))
        await wait_for(pilot, lambda: getattr(app.screen, "record", None) is not None)
        await pilot.press("h")
        await wait_for(pilot, lambda: isinstance(app.screen, PlanCopyDialog))
        stop_blinking(pilot)

    assert snap_compare(app, terminal_size=(120, 40), run_before=settling(loaded))
