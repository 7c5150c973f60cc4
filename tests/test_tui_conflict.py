"""Pilot test: someone else triages the referral first; the save explains and offers reload."""

from __future__ import annotations

from factories import seen_version
from identity_support import signed_in
from sqlmodel import Session, select
from tui_support import seed_small_team, wait_for

from intapp.app import IntApp
from intapp.models import Referral
from intapp.screens.dashboard import DashboardScreen
from intapp.screens.queue import QueueScreen
from intapp.screens.triage import TriageScreen
from intapp.services import referrals
from intapp.store.engine import unit_of_work
from intapp.widgets.dialogs import ConfirmScreen


async def test_a_stale_triage_is_refused_and_reload_shows_the_other_change(sqlite_engine):
    seed_small_team(sqlite_engine)
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "duty.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen) and app.screen.rows)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TriageScreen) and app.screen.data)
        triage = app.screen
        referral_id = triage.referral_id

        # A colleague, in another session, triages the same referral first.
        with unit_of_work(sqlite_engine) as other:
            referrals.triage_referral(
                session=other,
                user="duty.other",
                referral_id=referral_id,
                priority="urgent",
                pathway="crisis_response",
                expected_version=seen_version(other, Referral, referral_id),
            )

        triage.query_one("#pathway").value = "case_management"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "changed by someone else" in app.screen.question
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, TriageScreen))
        await wait_for(pilot, lambda: triage.data.referral.pathway == "crisis_response")
        assert triage.query_one("#pathway").value == "crisis_response"

    with Session(sqlite_engine) as session:
        saved = session.exec(select(Referral).where(Referral.id == referral_id)).one()
        assert (saved.pathway, saved.triaged_by) == ("crisis_response", "duty.other")
