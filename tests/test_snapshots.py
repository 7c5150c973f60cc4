"""Snapshots of the main screens at 120x40 and 80x24, with time frozen."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from factories import seen_version
from identity_support import signed_in
from sqlmodel import select
from textual.pilot import Pilot
from textual.widgets import Input, Select
from tui_support import (
    end_marys_episode,
    seed_case_work,
    seed_small_team,
    settled,
    stop_blinking,
    wait_for,
)

from intapp.app import IntApp
from intapp.models import Referral
from intapp.screens.allocation import AllocationScreen
from intapp.screens.assessment import AssessmentScreen
from intapp.screens.board import BoardScreen
from intapp.screens.care_plan import CarePlanScreen
from intapp.screens.case_dialogs import (
    CloseCaseDialog,
    RecordDeathDialog,
    ReopenCaseDialog,
    WithdrawDeathDialog,
)
from intapp.screens.caseload import CaseloadScreen
from intapp.screens.dashboard import DashboardScreen
from intapp.screens.new_referral import NewReferralScreen
from intapp.screens.person import PersonScreen
from intapp.screens.queue import QueueScreen
from intapp.screens.reablement import ReablementScreen
from intapp.screens.triage import TriageScreen
from intapp.services import referrals
from intapp.store.engine import unit_of_work

SIZES = [(120, 40), (80, 24)]


def settling(loaded: Callable[[Pilot], Awaitable[None]]) -> Callable[[Pilot], Awaitable[None]]:
    """`loaded`, then wait for the screen to stop changing."""

    async def run_before(pilot: Pilot) -> None:
        await loaded(pilot)
        await settled(pilot)

    return run_before


@pytest.fixture
def app(sqlite_engine) -> IntApp:
    seed_small_team(sqlite_engine)
    return IntApp(database_url=signed_in(str(sqlite_engine.url), "duty.c1"))


@pytest.mark.parametrize("size", SIZES)
def test_dashboard(snap_compare, app, size):
    async def loaded(pilot):
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await wait_for(pilot, lambda: "…" not in str(app.screen.query_one("#awaiting").label))
        await wait_for(pilot, lambda: "…" not in str(app.screen.query_one("#my-work").label))

    assert snap_compare(app, terminal_size=size, run_before=settling(loaded))


@pytest.mark.parametrize("size", SIZES)
def test_referral_queue(snap_compare, app, size):
    async def loaded(pilot):
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen) and app.screen.rows)
        stop_blinking(pilot)

    assert snap_compare(app, terminal_size=size, run_before=settling(loaded))


@pytest.mark.parametrize("size", SIZES)
def test_triage(snap_compare, app, size):
    async def loaded(pilot):
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen) and app.screen.rows)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TriageScreen) and app.screen.data)
        stop_blinking(pilot)

    assert snap_compare(app, terminal_size=size, run_before=settling(loaded))


@pytest.fixture
def busy_app(sqlite_engine) -> IntApp:
    seed_case_work(sqlite_engine)
    return IntApp(database_url=signed_in(str(sqlite_engine.url), "duty.c1"))


async def _dashboard(pilot) -> None:
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, DashboardScreen))
    await wait_for(pilot, lambda: "…" not in str(pilot.app.screen.query_one("#awaiting").label))


@pytest.mark.parametrize("size", SIZES)
def test_caseload_board(snap_compare, busy_app, size):
    async def loaded(pilot):
        await _dashboard(pilot)
        await pilot.press("b")
        await wait_for(pilot, lambda: isinstance(busy_app.screen, BoardScreen))
        await wait_for(pilot, lambda: busy_app.screen.loads)

    assert snap_compare(busy_app, terminal_size=size, run_before=settling(loaded))


@pytest.mark.parametrize("size", SIZES)
def test_caseload(snap_compare, busy_app, size):
    async def loaded(pilot):
        await _dashboard(pilot)
        await pilot.press("b")
        await wait_for(pilot, lambda: isinstance(busy_app.screen, BoardScreen))
        await wait_for(pilot, lambda: busy_app.screen.loads)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(busy_app.screen, CaseloadScreen))
        await wait_for(pilot, lambda: busy_app.screen.rows)

    assert snap_compare(busy_app, terminal_size=size, run_before=settling(loaded))


@pytest.fixture
def allocating_app(sqlite_engine) -> IntApp:
    """The case work, plus Joe's referral triaged and awaiting allocation."""
    seed_case_work(sqlite_engine)
    with unit_of_work(sqlite_engine) as session:
        joe = session.exec(select(Referral).where(Referral.status == "received")).one()
        referrals.triage_referral(
            session=session,
            user="setup",
            referral_id=joe.id,
            priority="discharge_or_falls",
            pathway="reablement_standard",
            expected_version=seen_version(session, Referral, joe.id),
        )
    return IntApp(database_url=signed_in(str(sqlite_engine.url), "duty.c1"))


@pytest.mark.parametrize("size", SIZES)
def test_allocation(snap_compare, allocating_app, size):
    async def loaded(pilot):
        await _dashboard(pilot)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(allocating_app.screen, AllocationScreen))
        await wait_for(pilot, lambda: allocating_app.screen.candidates)
        stop_blinking(pilot)

    assert snap_compare(allocating_app, terminal_size=size, run_before=settling(loaded))


@pytest.mark.parametrize("size", SIZES)
def test_reablement(snap_compare, busy_app, size):
    async def loaded(pilot):
        await _dashboard(pilot)
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(busy_app.screen, ReablementScreen))
        await wait_for(pilot, lambda: busy_app.screen.active)

    assert snap_compare(busy_app, terminal_size=size, run_before=settling(loaded))


@pytest.mark.parametrize("size", SIZES)
def test_person_record(snap_compare, busy_app, size):
    async def loaded(pilot):
        await _dashboard(pilot)
        busy_app.push_screen(PersonScreen(person_id=1))
        await wait_for(pilot, lambda: busy_app.screen.record)

    assert snap_compare(busy_app, terminal_size=size, run_before=settling(loaded))


@pytest.mark.parametrize("size", SIZES)
def test_assessment_editor(snap_compare, busy_app, size):
    async def loaded(pilot):
        await _dashboard(pilot)
        busy_app.push_screen(AssessmentScreen(assessment_id=1))
        await wait_for(pilot, lambda: busy_app.screen.assessment)
        stop_blinking(pilot)

    assert snap_compare(busy_app, terminal_size=size, run_before=settling(loaded))


@pytest.mark.parametrize("size", SIZES)
def test_care_plan_editor(snap_compare, busy_app, size):
    async def loaded(pilot):
        await _dashboard(pilot)
        busy_app.push_screen(CarePlanScreen(person_id=1))
        await wait_for(pilot, lambda: busy_app.screen.data)
        stop_blinking(pilot)

    assert snap_compare(busy_app, terminal_size=size, run_before=settling(loaded))


@pytest.mark.parametrize("size", SIZES)
def test_new_referral(snap_compare, busy_app, size):
    async def loaded(pilot):
        await _dashboard(pilot)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(busy_app.screen, NewReferralScreen))
        await pilot.press(*"9434765919")
        await wait_for(pilot, lambda: busy_app.screen.match)
        stop_blinking(pilot)

    assert snap_compare(busy_app, terminal_size=size, run_before=settling(loaded))


@pytest.mark.parametrize("size", SIZES)
def test_search(snap_compare, busy_app, size):
    async def loaded(pilot):
        await _dashboard(pilot)
        await pilot.press("slash", *"smith")
        await wait_for(pilot, lambda: getattr(busy_app.screen, "results", None))
        stop_blinking(pilot)

    assert snap_compare(busy_app, terminal_size=size, run_before=settling(loaded))


@pytest.mark.parametrize("size", SIZES)
def test_help_lists_the_keys_of_the_screen_below(snap_compare, busy_app, size):
    async def loaded(pilot):
        await _dashboard(pilot)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: busy_app.screen.__class__.__name__ == "HelpScreen")

    assert snap_compare(busy_app, terminal_size=size, run_before=settling(loaded))


@pytest.mark.parametrize("size", SIZES)
def test_plan_reviews(snap_compare, busy_app, size):
    async def loaded(pilot):
        await _dashboard(pilot)
        await pilot.press("v")
        await wait_for(pilot, lambda: getattr(busy_app.screen, "due", None))

    assert snap_compare(busy_app, terminal_size=size, run_before=settling(loaded))


@pytest.mark.parametrize("size", SIZES)
def test_weekly_summary(snap_compare, busy_app, size):
    async def loaded(pilot):
        await _dashboard(pilot)
        await pilot.press("w")
        await wait_for(pilot, lambda: getattr(busy_app.screen, "summary", None))

    assert snap_compare(busy_app, terminal_size=size, run_before=settling(loaded))


@pytest.fixture
def family_app(sqlite_engine) -> IntApp:
    """The case work; Joe cares for Mary; Mary registered again as Marie, by local id."""
    from intapp.models import Person
    from intapp.services import carers, people

    seed_case_work(sqlite_engine)
    with unit_of_work(sqlite_engine) as session:
        carers.link_carer(session=session, user="setup", carer_id=2, cared_for_id=1)
        mary = session.get(Person, 1)
        assert mary is not None
        people.create_person(
            session=session,
            user="setup",
            person_in=people.PersonIn(
                given_name="Marie",
                family_name="Smith",
                date_of_birth=mary.date_of_birth,
                team_id=mary.team_id,
                local_id="DUP-1",
            ),
        )
    return IntApp(database_url=signed_in(str(sqlite_engine.url), "duty.c1"))


async def _mary(pilot) -> None:
    await _dashboard(pilot)
    pilot.app.push_screen(PersonScreen(person_id=1))
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, PersonScreen))
    await wait_for(pilot, lambda: pilot.app.screen.record)


@pytest.mark.parametrize("size", SIZES)
def test_carer_links_dialog(snap_compare, family_app, size):
    from intapp.screens.carer_links import CarerLinksDialog

    async def loaded(pilot):
        await _mary(pilot)
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(family_app.screen, CarerLinksDialog))
        await wait_for(pilot, lambda: family_app.screen.links)

    assert snap_compare(family_app, terminal_size=size, run_before=settling(loaded))


@pytest.mark.parametrize("size", SIZES)
def test_person_picker(snap_compare, family_app, size):
    from textual.widgets import Input

    from intapp.screens.person_picker import PersonPicker

    async def loaded(pilot):
        await _mary(pilot)
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(family_app.screen, PersonPicker))
        family_app.screen.query_one(Input).value = "Smith"
        await pilot.press("enter")
        await wait_for(pilot, lambda: family_app.screen.found)
        stop_blinking(pilot)

    assert snap_compare(family_app, terminal_size=size, run_before=settling(loaded))


@pytest.mark.parametrize("size", SIZES)
def test_merge_dialog(snap_compare, family_app, size):
    from intapp.screens.merge_dialog import MergeDialog

    async def loaded(pilot):
        await _mary(pilot)
        family_app.push_screen(MergeDialog(survivor_id=1, merged_id=3))
        await wait_for(pilot, lambda: isinstance(family_app.screen, MergeDialog))
        await wait_for(pilot, lambda: family_app.screen.preview)

    assert snap_compare(family_app, terminal_size=size, run_before=settling(loaded))


async def _person_record(pilot) -> PersonScreen:
    await _dashboard(pilot)
    pilot.app.push_screen(PersonScreen(person_id=1))
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, PersonScreen))
    await wait_for(pilot, lambda: pilot.app.screen.record)
    return pilot.app.screen


@pytest.mark.parametrize("size", SIZES)
def test_close_case_dialog(snap_compare, busy_app, size):
    async def loaded(pilot):
        await _person_record(pilot)
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(busy_app.screen, CloseCaseDialog))
        stop_blinking(pilot)

    assert snap_compare(busy_app, terminal_size=size, run_before=settling(loaded))


@pytest.mark.parametrize("size", SIZES)
def test_reopen_case_dialog(snap_compare, busy_app, sqlite_engine, size):
    end_marys_episode(sqlite_engine)

    async def loaded(pilot):
        record = await _person_record(pilot)
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(busy_app.screen, CloseCaseDialog))
        busy_app.screen.query_one("#outcome", Select).value = "goals_met"
        busy_app.screen.query_one("#reason", Input).value = "Goals met"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not record.record.overview.open_cases)
        # The closing's notice is not part of the dialog.
        busy_app.clear_notifications()
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(busy_app.screen, ReopenCaseDialog))
        stop_blinking(pilot)

    assert snap_compare(busy_app, terminal_size=size, run_before=settling(loaded))


@pytest.mark.parametrize("size", SIZES)
def test_record_death_dialog(snap_compare, busy_app, size):
    async def loaded(pilot):
        await _person_record(pilot)
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(busy_app.screen, RecordDeathDialog))
        stop_blinking(pilot)

    assert snap_compare(busy_app, terminal_size=size, run_before=settling(loaded))


@pytest.mark.parametrize("size", SIZES)
def test_withdraw_death_dialog_over_a_deceased_record(snap_compare, busy_app, size):
    async def loaded(pilot):
        record = await _person_record(pilot)
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(busy_app.screen, RecordDeathDialog))
        busy_app.screen.query_one("#died-on", Input).value = "22/11/2026"
        busy_app.screen.query_one("#source", Select).value = "gp"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: record.record.overview.person.is_deceased)
        busy_app.clear_notifications()
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(busy_app.screen, WithdrawDeathDialog))
        stop_blinking(pilot)

    assert snap_compare(busy_app, terminal_size=size, run_before=settling(loaded))
