"""Pilot tests: every way off a form with unsaved changes asks first, as escape does:
quit (ctrl+q), the dashboard (ctrl+d) and search (/ and ctrl+f)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from identity_support import signed_in
from textual.screen import Screen
from textual.widgets import Input, Select, TextArea
from tui_support import seed_small_team, wait_for

from intapp.app import IntApp
from intapp.screens.assessment import AssessmentScreen
from intapp.screens.care_plan import CarePlanScreen
from intapp.screens.dashboard import DashboardScreen
from intapp.screens.new_referral import NewReferralScreen
from intapp.screens.note_editor import NoteContext, NoteEditorScreen
from intapp.screens.search import SearchScreen
from intapp.screens.triage import TriageScreen
from intapp.widgets.dialogs import ConfirmScreen

LEAVING_KEYS = ("ctrl+q", "ctrl+d", "slash", "ctrl+f")


@dataclass(frozen=True)
class Form:
    """How to open one form, change it, and read the change back."""

    open: Callable[[], Screen[object]]
    ready: Callable[[Screen[object]], object]
    edit: Callable[[Screen[object]], None]
    edited: Callable[[Screen[object]], bool]
    away_from_text: str
    """A field that does not take typed keys, as when the user has tabbed to it."""


def _text(selector: str) -> Callable[[Screen[object]], str]:
    def read(screen: Screen[object]) -> str:
        widget = screen.query_one(selector)
        return (
            widget.text if isinstance(widget, TextArea) else screen.query_one(selector, Input).value
        )

    return read


def _set(selector: str, value: str) -> Callable[[Screen[object]], None]:
    def write(screen: Screen[object]) -> None:
        widget = screen.query_one(selector)
        if isinstance(widget, TextArea):
            widget.text = value
        else:
            screen.query_one(selector, Input).value = value

    return write


FORMS = {
    "triage": Form(
        open=lambda: TriageScreen(referral_id=1),
        ready=lambda s: s.data,
        edit=_set("#note", "Lives alone, daughter nearby"),
        edited=lambda s: _text("#note")(s) == "Lives alone, daughter nearby",
        away_from_text="#pathway",
    ),
    "assessment": Form(
        open=lambda: AssessmentScreen(new_for_person=1),
        ready=lambda s: s.form,
        edit=_set("#what_matters", "Getting back to my allotment"),
        edited=lambda s: _text("#what_matters")(s) == "Getting back to my allotment",
        away_from_text="#achieve-nutrition",
    ),
    "care plan": Form(
        open=lambda: CarePlanScreen(person_id=1),
        ready=lambda s: s.data,
        edit=_set("#goals", "Walk to church on Sundays"),
        edited=lambda s: _text("#goals")(s) == "Walk to church on Sundays",
        away_from_text="#lead",
    ),
    "case note": Form(
        open=lambda: NoteEditorScreen(NoteContext(person_id=1, person_name="Mary Smith")),
        ready=lambda s: s.is_mounted,
        edit=_set("#note-text", "Visited; the rails are fitted"),
        edited=lambda s: _text("#note-text")(s) == "Visited; the rails are fitted",
        away_from_text="#note-kind",
    ),
    "new referral": Form(
        open=NewReferralScreen,
        ready=lambda s: s.query_one("#team", Select)._options[1:],
        edit=_set("#given", "Edna"),
        edited=lambda s: _text("#given")(s) == "Edna",
        away_from_text="#source",
    ),
}


@pytest.fixture
def app(sqlite_engine) -> IntApp:
    seed_small_team(sqlite_engine)
    return IntApp(database_url=signed_in(str(sqlite_engine.url), "duty.c1"))


async def open_form(app: IntApp, pilot, form: Form) -> Screen[object]:
    await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
    app.push_screen(form.open())
    await wait_for(pilot, lambda: not isinstance(app.screen, DashboardScreen))
    screen = app.screen
    await wait_for(pilot, lambda: form.ready(screen))
    await pilot.pause(0.1)
    return screen


@pytest.mark.parametrize("name", FORMS)
async def test_each_leaving_key_asks_before_unsaved_changes_are_lost(app, name):
    form = FORMS[name]
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_form(app, pilot, form)
        form.edit(screen)
        screen.query_one(form.away_from_text).focus()
        await pilot.pause(0.05)
        for key in LEAVING_KEYS:
            await pilot.press(key)
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            await pilot.press("n")  # stay
            await wait_for(pilot, lambda: app.screen is screen)
            assert form.edited(screen), key
        assert app.is_running

        await pilot.press("ctrl+d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        assert screen not in app.screen_stack


@pytest.mark.parametrize("name", FORMS)
async def test_a_form_without_changes_is_left_without_asking(app, name):
    form = FORMS[name]
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_form(app, pilot, form)
        screen.query_one(form.away_from_text).focus()
        await pilot.press("ctrl+f")  # search opens over the form, which waits below
        await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        await pilot.press("ctrl+d")
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))


async def test_quitting_with_unsaved_changes_asks_then_quits(app):
    form = FORMS["triage"]
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_form(app, pilot, form)
        form.edit(screen)
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert app.screen.question == "Leave without saving this triage?"
        await pilot.press("y")
        for _ in range(100):
            if not app.is_running:
                break
            await pilot.pause(0.02)
        assert not app.is_running


async def test_searching_away_from_unsaved_changes_closes_the_form_once_agreed(app):
    form = FORMS["new referral"]
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_form(app, pilot, form)
        form.edit(screen)
        screen.query_one(form.away_from_text).focus()
        await pilot.press("slash")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen))
        assert screen not in app.screen_stack
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))


@pytest.mark.parametrize("command", ["Dashboard", "Quit"])
async def test_the_command_palette_asks_too(app, command):
    from textual.command import Command, CommandList, CommandPalette

    form = FORMS["triage"]
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_form(app, pilot, form)
        form.edit(screen)
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*command)
        options = app.screen.query_one(CommandList)

        def matched() -> bool:
            # The palette lists its discovery hits before the typed text's matches come
            # in: wait until the highlighted one, which enter picks, is the command.
            if not options.option_count or options.highlighted is None:
                return False
            top = options.get_option_at_index(options.highlighted)
            return isinstance(top, Command) and command.lower() in str(top.hit.text).lower()

        await wait_for(pilot, matched)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen is screen)
        assert form.edited(screen)
        assert app.is_running


async def test_quitting_from_a_half_filled_dialog_asks_its_question(app):
    from intapp.screens.plan_dialogs import ActionDialog

    async with app.run_test(size=(120, 40)) as pilot:
        await open_form(app, pilot, FORMS["care plan"])
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: isinstance(app.screen, ActionDialog))
        dialog = app.screen
        await pilot.press(*"OT")
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert app.screen.question == "Discard what you have entered?"
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen is dialog)
        assert dialog.query_one("#who", Input).value == "OT"
        assert app.is_running
