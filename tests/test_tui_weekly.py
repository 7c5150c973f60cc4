"""Pilot test: preview the weekly summary from the dashboard and save it as CSV."""

from __future__ import annotations

import csv

from identity_support import signed_in
from sqlmodel import Session, select
from textual.widgets import Input
from tui_support import seed_case_work, wait_for

from intapp.app import IntApp
from intapp.models import AuditEvent
from intapp.screens.dashboard import DashboardScreen
from intapp.screens.weekly import SaveSummaryDialog, WeeklySummaryScreen


async def test_the_weekly_summary_is_previewed_and_saved_safely(sqlite_engine, tmp_path):
    seed_case_work(sqlite_engine)
    target = tmp_path / "week.csv"
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "supervisor"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await pilot.press("w")
        await wait_for(pilot, lambda: isinstance(app.screen, WeeklySummaryScreen))
        screen = app.screen
        await wait_for(pilot, lambda: screen.summary is not None)
        levels = [row.level for row in screen.summary.rows]
        assert levels[0] == "worker" and levels[-1] == "city"
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, SaveSummaryDialog))
        app.screen.query_one("#path", Input).value = str(target)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: target.exists())

    with target.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    # Both referrals arrived on Sunday 22 Nov, inside ISO week 47; Ann's case was
    # allocated on Monday 23 Nov, after it, so her week-47 caseload is empty.
    ann = next(r for r in rows if r["worker"] == "Ann Lee")
    city = next(r for r in rows if r["level"] == "city")
    assert (ann["open_cases"], ann["weighted_load"]) == ("0", "0")
    assert city["referrals_received"] == "2"
    assert all("Smith" not in value for row in rows for value in row.values())
    with Session(sqlite_engine) as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "export")).one()
        assert event.user == "supervisor" and event.changes["format"] == "csv"
