"""Pilot tests: the coordinator opens the queue from the dashboard and triages a referral."""

from __future__ import annotations

from datetime import timedelta

import pytest
from identity_support import signed_in
from sqlmodel import Session, select
from textual.screen import Screen
from tui_support import seed_small_team, wait_for

from intapp.app import IntApp, UnexpectedError
from intapp.models import AuditEvent, Referral
from intapp.screens.dashboard import DashboardScreen
from intapp.screens.queue import QueueScreen
from intapp.screens.transfer_dialogs import AllocateNowDialog
from intapp.screens.triage import TriageScreen


@pytest.fixture
def seeded(sqlite_engine):
    seed_small_team(sqlite_engine)
    return sqlite_engine


async def test_triage_from_the_dashboard_saves_priority_pathway_and_audit(seeded):
    app = IntApp(database_url=signed_in(str(seeded.url), "duty.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await wait_for(pilot, lambda: "2" in str(app.screen.query_one("#awaiting").label))
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen))
        await wait_for(pilot, lambda: len(app.screen.rows) == 2)
        # The discharge referral (24 h target) is overdue and comes first.
        assert app.screen.rows[0].person_name == "Joe Bloggs"
        assert app.screen.rows[0].overdue
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TriageScreen))
        screen = app.screen
        await wait_for(pilot, lambda: screen.data is not None)
        screen.query_one("#pathway").value = "reablement_standard"
        screen.query_one("#priority").value = "urgent"
        screen.query_one("#note").value = "Lives alone"
        await pilot.press("ctrl+s")
        # A pathway that needs a key worker goes straight on to choosing one; escape
        # leaves the referral awaiting allocation.
        await wait_for(pilot, lambda: isinstance(app.screen, AllocateNowDialog))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen))
        await wait_for(pilot, lambda: len(app.screen.rows) == 1)

    with Session(seeded) as session:
        joe = session.exec(select(Referral).where(Referral.reason == "Discharge from MRI")).one()
        assert (joe.status, joe.priority, joe.pathway) == (
            "triaged",
            "urgent",
            "reablement_standard",
        )
        assert joe.triaged_by == "duty.c1"
        assert joe.due_by == joe.received_at + timedelta(hours=2)
        actions = session.exec(
            select(AuditEvent.action).where(
                AuditEvent.entity == "referral", AuditEvent.entity_id == str(joe.id)
            )
        ).all()
        # Opening the referral to triage it is a view, written in the background.
        assert sorted(actions) == ["create", "triage", "view"]


async def test_saving_without_a_pathway_says_what_to_choose_and_saves_nothing(seeded):
    app = IntApp(database_url=signed_in(str(seeded.url), "duty.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen) and app.screen.rows)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TriageScreen) and app.screen.data)
        await pilot.press("ctrl+s")
        await pilot.pause(0.1)
        assert "Choose a pathway" in str(app.screen.query_one("#triage-error").render())
        assert isinstance(app.screen, TriageScreen)
    with Session(seeded) as session:
        statuses = session.exec(select(Referral.status)).all()
        assert statuses == ["received", "received"]


async def test_leaving_with_unsaved_changes_asks_first(seeded):
    from intapp.widgets.dialogs import ConfirmScreen

    app = IntApp(database_url=signed_in(str(seeded.url), "duty.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen) and app.screen.rows)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TriageScreen) and app.screen.data)
        app.screen.query_one("#note").value = "Half-written note"
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, TriageScreen))
        assert app.screen.query_one("#note").value == "Half-written note"
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen))


async def test_leaving_without_changes_does_not_ask(seeded):
    """Filling the form on load sends change events of its own; they are not edits."""
    app = IntApp(database_url=signed_in(str(seeded.url), "duty.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen) and app.screen.rows)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TriageScreen) and app.screen.data)
        await pilot.pause(0.2)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen))


async def test_every_key_of_the_screen_is_in_the_command_palette(seeded):
    from textual.command import CommandPalette

    app = IntApp(database_url=signed_in(str(seeded.url), "duty.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        titles = [command.title for command in app.get_system_commands(app.screen)]
        for description in ("Queue", "Allocate", "Caseloads", "Weekly", "Search"):
            assert description in titles
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"queue")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen))


async def test_a_new_screen_is_styled_once(seeded, monkeypatch):
    """Opening a screen skips Textual's restyle on its first resume: its widgets were just
    styled as they mounted."""
    restyled: list[str] = []
    original = Screen.update_node_styles

    def spy(self: Screen, animate: bool = True) -> None:
        restyled.append(type(self).__name__)
        original(self, animate)

    monkeypatch.setattr(Screen, "update_node_styles", spy)
    app = IntApp(database_url=signed_in(str(seeded.url), "duty.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: "2" in str(app.screen.query_one("#awaiting").label))
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen) and app.screen.rows)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TriageScreen) and app.screen.data)
        assert "QueueScreen" not in restyled
        assert "TriageScreen" not in restyled


@pytest.mark.parametrize("width", [80, 120, 160, 200, 240])
def test_the_queue_gives_a_wide_terminals_room_to_the_reason(width):
    from intapp.screens.queue import COLUMNS, reason_width

    others = sum(w + 2 for label, w in COLUMNS if label != "Reason")
    reason = reason_width(width)
    assert reason >= 40
    if others + 40 + 2 + 2 <= width:  # every column fits, with the reason filling the rest
        assert others + reason + 2 + 2 == width


async def test_an_unexpected_error_closes_with_one_line_and_a_log_without_personal_data(
    seeded, isolated_user_dirs
):
    app = IntApp(database_url=signed_in(str(seeded.url), "duty.c1"))

    def explode() -> None:
        raise RuntimeError("Mary Smith 943 476 5919")

    with pytest.raises(UnexpectedError) as stopped:
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
            app.screen.call_later(explode)
            await pilot.pause(0.2)
    assert isinstance(stopped.value.__cause__, RuntimeError)  # tests still see the error
    assert app.return_code == 1
    log = (isolated_user_dirs / "xdg_state_home" / "intapp" / "errors.log").read_text()
    assert "RuntimeError" in log
    assert "Mary" not in log and "943" not in log
