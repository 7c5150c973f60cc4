"""Pilot test: start a reablement episode, extend it, end it, record the 91-day follow-up."""

from __future__ import annotations

from datetime import timedelta

from identity_support import signed_in
from sqlmodel import Session, select
from textual.widgets import Input, Label, Select
from tui_support import seed_small_team, wait_for

from intapp import clock
from intapp.app import IntApp
from intapp.models import AuditEvent, ReablementEpisode
from intapp.screens.dashboard import DashboardScreen
from intapp.screens.episode_dialogs import (
    EndEpisodeDialog,
    ExtendEpisodeDialog,
    FollowupDialog,
    StartEpisodeDialog,
)
from intapp.screens.person import PersonScreen
from intapp.screens.reablement import ReablementScreen
from intapp.screens.search import SearchScreen

START_SCORES = [1, 1, 0, 1, 1, 1, 1, 1, 0, 0]
END_SCORES = [2, 2, 1, 2, 2, 3, 2, 2, 1, 1]


def score(dialog, scores: list[int]) -> None:
    for n, value in enumerate(scores):
        dialog.query_one(f"#barthel-{n}", Select).value = value


def views(engine) -> int:
    """How many times the person record has been viewed."""
    with Session(engine) as session:
        return len(
            session.exec(
                select(AuditEvent).where(AuditEvent.action == "view", AuditEvent.entity == "person")
            ).all()
        )


def episode(engine) -> ReablementEpisode:
    with Session(engine) as session:
        return session.exec(select(ReablementEpisode)).one()


async def test_a_whole_reablement_episode_from_the_keyboard(sqlite_engine):
    seed_small_team(sqlite_engine)
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "ot.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await pilot.press("slash")
        await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen))
        await pilot.press(*"smith")
        await wait_for(pilot, lambda: app.screen.results)
        await pilot.press("enter")  # opens the highlighted result straight from the box
        await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen) and app.screen.record)

        # Start, 50 days ago, so it has run past 42 days.
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, StartEpisodeDialog))
        dialog = app.screen
        started = clock.today() - timedelta(days=50)
        dialog.query_one("#start", Input).value = started.strftime("%d/%m/%Y")
        dialog.query_one("#goals", Input).value = "Make my own breakfast; walk to the shop"
        score(dialog, START_SCORES)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen))
        await wait_for(pilot, lambda: episode(sqlite_engine).state == "active")
        person = app.screen
        await wait_for(pilot, lambda: person.record and person.record.episodes)
        # Back from the dialog the record is shown again (one view); the episode starting
        # reads it once more, and that read is not a second view.
        await pilot.pause(0.2)
        app.views.flush()
        assert views(sqlite_engine) == 2

        await pilot.press("escape", "escape", "escape")
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await pilot.press("r")
        await wait_for(
            pilot, lambda: isinstance(app.screen, ReablementScreen) and app.screen.active
        )
        # The list has focus, so the arrows move through the episodes.
        assert app.screen.focused is app.screen.query_one("#active-list").table

        # It has run past 42 days, so it needs a recorded reason (an extension) to end.
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ExtendEpisodeDialog))
        app.screen.query_one("#reason", Input).value = "Waiting for a stair rail"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: episode(sqlite_engine).extension_reason is not None)

        await wait_for(pilot, lambda: isinstance(app.screen, ReablementScreen))
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, EndEpisodeDialog))
        dialog = app.screen
        assert "Mary Smith" in str(dialog.query_one(".dialog-title", Label).render())
        dialog.query_one("#outcome", Select).value = "no_ongoing_support"
        dialog.query_one("#barthel-0", Select).value = 2  # a part-scored Barthel is refused
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "all ten" in str(dialog.query_one("#dialog-error").render()))
        assert app.screen is dialog and episode(sqlite_engine).state == "active"
        score(dialog, END_SCORES)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: episode(sqlite_engine).state == "ended")

    ended = episode(sqlite_engine)
    assert ended.outcome == "no_ongoing_support"
    assert ended.barthel_start == START_SCORES and ended.barthel_end == END_SCORES
    assert ended.followup_due == clock.today() + timedelta(days=91)

    # 91 days later the follow-up is due and is recorded from the follow-ups tab.
    clock.freeze(clock.now() + timedelta(days=91))
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "ot.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await wait_for(pilot, lambda: "1" in str(app.screen.query_one("#followups").label))
        await pilot.press("r", "2")
        await wait_for(pilot, lambda: isinstance(app.screen, ReablementScreen))
        await wait_for(pilot, lambda: app.screen.followups)
        await pilot.press("2", "f")
        await wait_for(pilot, lambda: isinstance(app.screen, FollowupDialog))
        app.screen.query_one("#result", Select).value = "at_home"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: episode(sqlite_engine).followup_result == "at_home")
