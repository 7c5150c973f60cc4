"""Pilot tests: close a case (caseload and record), reopen it, record a death and withdraw it."""

from __future__ import annotations

from datetime import timedelta

from factories import seen_version
from identity_support import signed_in
from sqlmodel import Session, col, select
from textual.widgets import Input, Select, Static
from tui_support import end_marys_episode, seed_case_work, wait_for

from intapp import clock
from intapp.app import IntApp
from intapp.models import Allocation, CarePlan, Person, ReablementEpisode, Referral
from intapp.screens.board import BoardScreen
from intapp.screens.case_dialogs import (
    CloseCaseDialog,
    RecordDeathDialog,
    ReopenCaseDialog,
    WithdrawDeathDialog,
)
from intapp.screens.caseload import CaseloadScreen
from intapp.screens.dashboard import DashboardScreen
from intapp.screens.person import PersonScreen
from intapp.services import referrals
from intapp.store.engine import unit_of_work

MARY = 1


def _mary(engine) -> tuple[Referral, Person, CarePlan, ReablementEpisode]:
    with Session(engine) as session:
        return (
            session.exec(select(Referral).where(Referral.person_id == MARY)).one(),
            session.exec(select(Person).where(Person.id == MARY)).one(),
            session.exec(select(CarePlan)).one(),
            session.exec(select(ReablementEpisode)).one(),
        )


def _open_allocations(engine) -> int:
    with Session(engine) as session:
        return len(session.exec(select(Allocation).where(col(Allocation.ended_at).is_(None))).all())


async def _record(app, pilot) -> PersonScreen:
    await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
    app.push_screen(PersonScreen(person_id=MARY))
    await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen) and app.screen.record)
    return app.screen


def _fill(dialog, **values: str) -> None:
    for selector, value in values.items():
        widget = dialog.query_one(f"#{selector.replace('_', '-')}")
        widget.value = value


async def test_closing_a_case_from_the_caseload_frees_the_load_and_closes_the_plan(
    sqlite_engine,
):
    seed_case_work(sqlite_engine)
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "lead.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await pilot.press("b")
        await wait_for(pilot, lambda: isinstance(app.screen, BoardScreen) and app.screen.loads)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CaseloadScreen) and app.screen.rows)
        caseload = app.screen
        assert caseload.worker.load == 8
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, CloseCaseDialog))
        dialog = app.screen
        # Saved with nothing chosen: it says what is missing and stays open.
        await pilot.press("ctrl+s")
        assert "Choose the outcome" in str(dialog.query_one("#dialog-error", Static).render())
        dialog.query_one("#outcome", Select).value = "long_term_support"
        dialog.query_one("#reason", Input).value = "Home care package started"
        # Mary's reablement episode is still running: it is ended before the case closes.
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is caseload)
        assert any("reablement episode running since" in str(n.message) for n in app._notifications)
        assert caseload.rows
        end_marys_episode(sqlite_engine)
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, CloseCaseDialog))
        dialog = app.screen
        dialog.query_one("#outcome", Select).value = "long_term_support"
        dialog.query_one("#reason", Input).value = "Home care package started"
        # Before Ann took the case (today): refused in the dialog, keeping what was typed.
        yesterday = clock.today() - timedelta(days=1)
        dialog.query_one("#ended-on", Input).value = yesterday.strftime("%d/%m/%Y")
        await pilot.press("ctrl+s")
        assert app.screen is dialog
        assert "cannot end before it started" in str(
            dialog.query_one("#dialog-error", Static).render()
        )
        dialog.query_one("#ended-on", Input).value = clock.today().strftime("%d/%m/%Y")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is caseload and not caseload.rows)
        await wait_for(pilot, lambda: caseload.worker.load == 0)

    referral, _, plan, _ = _mary(sqlite_engine)
    assert (referral.status, referral.close_outcome, referral.closed_by) == (
        "closed",
        "long_term_support",
        "lead.c1",
    )
    assert plan.closed_at is not None
    assert _open_allocations(sqlite_engine) == 0


async def test_closing_from_the_record_asks_which_case_and_reopening_brings_it_back(
    sqlite_engine,
):
    seed_case_work(sqlite_engine)
    end_marys_episode(sqlite_engine)
    with unit_of_work(sqlite_engine) as session:
        # A second open referral for Mary, triaged and awaiting allocation.
        second = referrals.receive_referral(
            session=session, user="setup", person=MARY, source="gp", reason="Carer unwell"
        )
        referrals.triage_referral(
            session=session,
            user="setup",
            referral_id=second.id,
            priority="soon",
            pathway="case_management",
            expected_version=seen_version(session, Referral, second.id),
        )
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "lead.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        record = await _record(app, pilot)
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, CloseCaseDialog))
        dialog = app.screen
        dialog.query_one("#outcome", Select).value = "goals_met"
        dialog.query_one("#reason", Input).value = "Goals met"
        await pilot.press("ctrl+s")
        assert "Choose which case" in str(dialog.query_one("#dialog-error", Static).render())
        allocated = next(r for r in record.record.overview.referrals if r.status == "allocated")
        dialog.query_one("#case", Select).value = allocated.id
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is record)
        await wait_for(pilot, lambda: not record.record.overview.open_cases)

        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, ReopenCaseDialog))
        app.screen.query_one("#reason", Input).value = "Fell again"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is record)
        await wait_for(pilot, lambda: record.record.overview.open_cases)

    with Session(sqlite_engine) as session:
        statuses = session.exec(select(Referral.status).where(Referral.person_id == MARY)).all()
    assert sorted(statuses) == ["allocated", "triaged"]
    assert _open_allocations(sqlite_engine) == 1


async def test_recording_a_death_closes_everything_and_marks_the_record_then_withdrawing(
    sqlite_engine,
):
    seed_case_work(sqlite_engine)
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "lead.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        record = await _record(app, pilot)
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, RecordDeathDialog))
        dialog = app.screen
        dialog.query_one("#died-on", Input).value = (clock.today() + timedelta(days=1)).strftime(
            "%d/%m/%Y"
        )
        dialog.query_one("#source", Select).value = "hospital"
        await pilot.press("ctrl+s")
        assert "cannot be in the future" in str(dialog.query_one("#dialog-error", Static).render())
        dialog.query_one("#died-on", Input).value = clock.today().strftime("%d/%m/%Y")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is record)
        await wait_for(pilot, lambda: record.record.overview.person.is_deceased)
        header = str(record.query_one("#person-header", Static).render())
        assert "Mary Smith (deceased)" in header and "learnt from hospital" in header

        referral, person, plan, episode = _mary(sqlite_engine)
        assert (referral.close_outcome, person.death_source) == ("nfa_deceased", "hospital")
        assert (episode.outcome, episode.followup_due) == ("early_cessation_deceased", None)
        assert plan.closed_at is not None

        # Nothing new starts: no form to fill in, and the reason is given.
        told: list[str] = []
        record.notify = lambda message, **kw: told.append(message)  # type: ignore[method-assign]
        for key in ("s", "a"):
            await pilot.press(key)
            await pilot.pause()
            assert app.screen is record, key
        assert len(told) == 2 and all("nothing new can start" in m for m in told)

        # Now d offers to withdraw it.
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, WithdrawDeathDialog))
        app.screen.query_one("#reason", Input).value = "Wrong Mary Smith"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is record)
        await wait_for(pilot, lambda: not record.record.overview.person.is_deceased)

    referral, person, _, _ = _mary(sqlite_engine)
    assert person.date_of_death is None and referral.status == "closed"
