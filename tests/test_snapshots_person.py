"""Snapshots of a person's edit form, and of the new-referral form when the person may
already be known: possible matches, and a known NHS number typed beside another name."""

from __future__ import annotations

import pytest
from identity_support import signed_in
from test_snapshots import SIZES, _dashboard, settling
from textual.widgets import Input
from tui_support import seed_case_work, stop_blinking, wait_for

from intapp.app import IntApp
from intapp.screens.new_referral import NewReferralScreen
from intapp.screens.person import PersonScreen
from intapp.screens.person_edit import PersonEditScreen
from intapp.screens.referral_dialogs import MismatchDialog


@pytest.fixture
def busy_app(sqlite_engine) -> IntApp:
    seed_case_work(sqlite_engine)
    return IntApp(database_url=signed_in(str(sqlite_engine.url), "duty.c1"))


@pytest.mark.parametrize("size", SIZES)
def test_person_edit(snap_compare, busy_app, size):
    async def loaded(pilot):
        await _dashboard(pilot)
        busy_app.push_screen(PersonScreen(person_id=1))
        await wait_for(pilot, lambda: busy_app.screen.record)
        await pilot.press("e")
        await wait_for(
            pilot,
            lambda: isinstance(busy_app.screen, PersonEditScreen) and busy_app.screen.details,
        )
        stop_blinking(pilot)

    assert snap_compare(busy_app, terminal_size=size, run_before=settling(loaded))


async def _typed(pilot, app: IntApp, **values: str) -> NewReferralScreen:
    await _dashboard(pilot)
    await pilot.press("n")
    await wait_for(pilot, lambda: isinstance(app.screen, NewReferralScreen))
    screen = app.screen
    assert isinstance(screen, NewReferralScreen)
    for field, value in values.items():
        screen.query_one(f"#{field}", Input).value = value
    return screen


@pytest.mark.parametrize("size", SIZES)
def test_new_referral_offers_possible_matches(snap_compare, busy_app, size):
    async def loaded(pilot):
        screen = await _typed(pilot, busy_app, given="Mary", family="Smyth", dob="02/01/1940")
        await wait_for(pilot, lambda: screen.candidates)
        stop_blinking(pilot)

    assert snap_compare(busy_app, terminal_size=size, run_before=settling(loaded))


@pytest.mark.parametrize("size", SIZES)
def test_new_referral_mismatch_dialog(snap_compare, busy_app, size):
    async def loaded(pilot):
        screen = await _typed(pilot, busy_app, family="Smyth", dob="03/01/1940")
        await pilot.press(*"9434765919")
        await wait_for(pilot, lambda: screen.match and screen.differences())
        screen.query_one("#source").value = "gp"
        screen.query_one("#reason", Input).value = "Unsteady on her feet"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(busy_app.screen, MismatchDialog))
        stop_blinking(pilot)

    assert snap_compare(busy_app, terminal_size=size, run_before=settling(loaded))
