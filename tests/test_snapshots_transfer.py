"""Snapshots of the transfer, accept-or-return, allocate-now and absence dialogs, and of
the queue row marked as a transfer, at 120x40 and 80x24 with time frozen."""

from __future__ import annotations

import pytest
from identity_support import signed_in
from test_snapshots import SIZES, settling
from test_tui_reassign import open_ann_caseload
from test_tui_transfer import add_second_team, mary, seed_team_with_one_away
from tui_support import seed_case_work, settled, stop_blinking, wait_for

from intapp.app import IntApp
from intapp.screens.absence_dialogs import AbsenceDialog
from intapp.screens.dashboard import DashboardScreen
from intapp.screens.queue import QueueScreen
from intapp.screens.transfer_dialogs import (
    AllocateNowDialog,
    TransferDecisionDialog,
    TransferDialog,
)
from intapp.services import transfers
from intapp.store.engine import unit_of_work


@pytest.fixture
def case_app(sqlite_engine) -> IntApp:
    seed_case_work(sqlite_engine)
    add_second_team(sqlite_engine)
    return IntApp(database_url=signed_in(str(sqlite_engine.url), "lead.c1"))


@pytest.fixture
def transferred_app(sqlite_engine) -> IntApp:
    seed_case_work(sqlite_engine)
    c2, _ = add_second_team(sqlite_engine)
    with unit_of_work(sqlite_engine) as session:
        referral = mary(session)
        transfers.send_transfer(
            session=session,
            user="lead.c1",
            referral_id=referral.id,
            to_team_id=c2,
            reason="Moved to Gorton",
            expected_version=referral.version,
        )
    return IntApp(database_url=signed_in(str(sqlite_engine.url), "lead.c2"))


@pytest.mark.parametrize("size", SIZES)
def test_transfer_dialog(snap_compare, case_app, size):
    app = case_app

    async def loaded(pilot):
        await open_ann_caseload(app, pilot)
        await settled(pilot)  # the caseload's columns sized before the dialog covers it
        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, TransferDialog))
        stop_blinking(pilot)

    assert snap_compare(app, terminal_size=size, run_before=settling(loaded))


@pytest.mark.parametrize("size", SIZES)
def test_absence_dialog(snap_compare, case_app, size):
    app = case_app

    async def loaded(pilot):
        await open_ann_caseload(app, pilot)
        await settled(pilot)  # the caseload's columns sized before the dialog covers it
        await pilot.press("w")
        await wait_for(pilot, lambda: isinstance(app.screen, AbsenceDialog))
        stop_blinking(pilot)

    assert snap_compare(app, terminal_size=size, run_before=settling(loaded))


@pytest.mark.parametrize("size", SIZES)
def test_queue_with_a_transfer_in(snap_compare, transferred_app, size):
    app = transferred_app

    async def loaded(pilot):
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen) and app.screen.rows)
        stop_blinking(pilot)

    assert snap_compare(app, terminal_size=size, run_before=settling(loaded))


@pytest.mark.parametrize("size", SIZES)
def test_transfer_decision_dialog(snap_compare, transferred_app, size):
    app = transferred_app

    async def loaded(pilot):
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen) and app.screen.rows)
        mary_row = next(i for i, r in enumerate(app.screen.rows) if r.is_transfer)
        app.screen.query_one("DataTable").move_cursor(row=mary_row)
        await pilot.press("enter")
        await wait_for(
            pilot, lambda: isinstance(app.screen, TransferDecisionDialog) and app.screen.data
        )

    assert snap_compare(app, terminal_size=size, run_before=settling(loaded))


@pytest.mark.parametrize("size", SIZES)
def test_allocate_now_with_a_worker_away(snap_compare, sqlite_engine, size):
    seed_team_with_one_away(sqlite_engine)
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "duty.c1"))

    async def loaded(pilot):
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen) and app.screen.rows)
        await pilot.press("enter")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "TriageScreen")
        await wait_for(pilot, lambda: app.screen.data)
        app.screen.query_one("#pathway").value = "case_management"
        await pilot.press("ctrl+s")
        await wait_for(
            pilot, lambda: isinstance(app.screen, AllocateNowDialog) and app.screen.candidates
        )

    assert snap_compare(app, terminal_size=size, run_before=settling(loaded))
