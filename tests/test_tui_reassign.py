"""Pilot tests: move one case, and share a whole caseload out (sickness or leave)."""

from __future__ import annotations

from identity_support import signed_in
from sqlmodel import Session, col, select
from textual.widgets import Input
from tui_support import seed_case_work, wait_for

from intapp.app import IntApp
from intapp.models import Allocation
from intapp.screens.board import BoardScreen
from intapp.screens.caseload import CaseloadScreen
from intapp.screens.dashboard import DashboardScreen
from intapp.screens.worker_picker import WorkerPicker
from intapp.services import organisation
from intapp.store.engine import unit_of_work
from intapp.widgets.dialogs import ReasonScreen


def add_cover(engine, limit: int) -> int:
    with unit_of_work(engine) as session:
        team = organisation.team_by_code(session=session, code="C1")
        return organisation.add_worker(
            session=session,
            user="setup",
            staff_id="W2",
            given_name="Bo",
            family_name="Ng",
            profession="occupational_therapist",
            team_id=team.id,
            caseload_limit=limit,
        )


async def open_ann_caseload(app, pilot) -> CaseloadScreen:
    await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
    await pilot.press("b")
    await wait_for(pilot, lambda: isinstance(app.screen, BoardScreen) and app.screen.loads)
    ann = next(i for i, w in enumerate(app.screen.loads) if w.name == "Ann Lee")
    app.screen.query_one("DataTable").move_cursor(row=ann)
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, CaseloadScreen) and app.screen.rows)
    return app.screen


async def give_reason(app, pilot, reason: str) -> None:
    await wait_for(pilot, lambda: isinstance(app.screen, ReasonScreen))
    app.screen.query_one(Input).value = reason
    await pilot.press("enter")


async def test_reassigning_a_caseload_over_the_limit_asks_why_and_moves_everything(
    sqlite_engine,
):
    seed_case_work(sqlite_engine)
    bo = add_cover(sqlite_engine, limit=5)  # Ann's case weighs 8
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "lead.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        caseload = await open_ann_caseload(app, pilot)
        await pilot.press("ctrl+b")
        await wait_for(pilot, lambda: isinstance(app.screen, WorkerPicker) and app.screen.loads)
        await pilot.press("space", "enter")
        await give_reason(app, pilot, "Ann on leave")
        await give_reason(app, pilot, "Short-term cover")
        await wait_for(pilot, lambda: isinstance(app.screen, CaseloadScreen))
        await wait_for(pilot, lambda: not caseload.rows)

    with Session(sqlite_engine) as session:
        open_now = session.exec(select(Allocation).where(col(Allocation.ended_at).is_(None))).one()
        ended = session.exec(select(Allocation).where(col(Allocation.ended_at).is_not(None))).one()
        assert (open_now.worker_id, open_now.over_limit_reason) == (bo, "Short-term cover")
        assert ended.end_reason == "Ann on leave"


async def test_moving_one_case_within_the_limit_needs_only_the_reason(sqlite_engine):
    seed_case_work(sqlite_engine)
    bo = add_cover(sqlite_engine, limit=100)
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "lead.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        caseload = await open_ann_caseload(app, pilot)
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, WorkerPicker) and app.screen.loads)
        await pilot.press("enter")
        await give_reason(app, pilot, "Needs an OT")
        await wait_for(pilot, lambda: isinstance(app.screen, CaseloadScreen) and not caseload.rows)

    with Session(sqlite_engine) as session:
        open_now = session.exec(select(Allocation).where(col(Allocation.ended_at).is_(None))).one()
        assert (open_now.worker_id, open_now.over_limit_reason) == (bo, None)
