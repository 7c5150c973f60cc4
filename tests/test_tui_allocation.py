"""Pilot test: allocate a triaged referral, refused over the limit, then overridden."""

from __future__ import annotations

from factories import seen_version
from identity_support import signed_in
from sqlmodel import Session, select
from tui_support import seed_small_team, wait_for

from intapp.app import IntApp
from intapp.models import Allocation, Referral
from intapp.screens.allocation import AllocationScreen
from intapp.screens.dashboard import DashboardScreen
from intapp.services import organisation, referrals
from intapp.services.queue import triage_queue
from intapp.store.engine import unit_of_work
from intapp.widgets.dialogs import ReasonScreen


def seed_triaged_with_a_full_worker(engine) -> None:
    seed_small_team(engine)
    with unit_of_work(engine) as session:
        team = organisation.team_by_code(session=session, code="C1")
        organisation.add_worker(
            session=session,
            user="setup",
            staff_id="W1",
            given_name="Ann",
            family_name="Lee",
            profession="social_worker",
            team_id=team.id,
            caseload_limit=4,
        )
        queue = triage_queue(session=session)
        referrals.triage_referral(
            session=session,
            user="setup",
            referral_id=queue[0].referral_id,
            priority="urgent",
            pathway="case_management",
            expected_version=seen_version(session, Referral, queue[0].referral_id),
        )


async def test_over_limit_allocation_needs_a_reason_and_records_it(sqlite_engine):
    seed_triaged_with_a_full_worker(sqlite_engine)
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "duty.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AllocationScreen))
        screen = app.screen
        await wait_for(pilot, lambda: screen.referrals and screen.candidates)
        assert screen.candidates[0].load.name == "Ann Lee"
        await pilot.press("enter")  # to the workers
        await wait_for(pilot, lambda: app.focused is screen.worker_list.table)
        await pilot.press("enter")  # choose Ann: 6 points against a limit of 4
        await wait_for(pilot, lambda: isinstance(app.screen, ReasonScreen))
        with Session(sqlite_engine) as session:
            assert session.exec(select(Allocation)).all() == []
        await pilot.press(*"Knows the family", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, AllocationScreen))
        await wait_for(pilot, lambda: not screen.referrals)

    with Session(sqlite_engine) as session:
        allocation = session.exec(select(Allocation)).one()
        assert (allocation.weight, allocation.over_limit_reason) == (6, "Knows the family")
        referral = session.get(Referral, allocation.referral_id)
        assert referral is not None and referral.status == "allocated"
