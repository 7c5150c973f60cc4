"""Pilot test: `h` on the person record saves a copy of the plan for the person."""

from __future__ import annotations

import stat

from identity_support import signed_in
from sqlmodel import Session, select
from textual.widgets import Input, Select
from tui_support import seed_case_work, wait_for

from intapp.app import IntApp
from intapp.models import AuditEvent
from intapp.screens.dashboard import DashboardScreen
from intapp.screens.help import HelpScreen
from intapp.screens.person import PersonScreen
from intapp.screens.plan_copy_dialog import PlanCopyDialog


async def test_h_saves_the_copy_where_chosen_and_says_where(sqlite_engine, tmp_path):
    seed_case_work(sqlite_engine)  # Mary (person 1) has a plan
    target = tmp_path / "for-mary.html"
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "key.worker"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        app.push_screen(PersonScreen(person_id=1))
        await wait_for(pilot, lambda: getattr(app.screen, "record", None) is not None)
        await pilot.press("h")
        await wait_for(pilot, lambda: isinstance(app.screen, PlanCopyDialog))
        dialog = app.screen
        path = dialog.query_one("#path", Input)
        # The default is in the home folder, named for the person and the day.
        assert path.value.endswith("care-plan-mary-smith-id1-2026-11-23.html")
        dialog.query_one("#format", Select).value = "md"
        await pilot.pause()
        assert path.value.endswith("care-plan-mary-smith-id1-2026-11-23.md")
        dialog.query_one("#format", Select).value = "html"
        path.value = str(target)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: target.exists() and isinstance(app.screen, PersonScreen))
        await wait_for(
            pilot, lambda: any(str(target) in str(n.message) for n in app._notifications)
        )
        # The timeline, read again, tells of the copy.
        await wait_for(
            pilot,
            lambda: any(
                e.text.startswith("copy for the person")
                for _, e in (app.screen.record.timeline.rows if app.screen.record else [])
            ),
        )

    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    page = target.read_text(encoding="utf-8")
    assert "I want to make my own breakfast again" in page and "Kitchen trolley" in page
    with Session(sqlite_engine) as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "export_plan")).one()
    assert (event.user, event.entity_id, event.changes["format"]) == ("key.worker", "1", "html")


async def test_saving_over_an_existing_file_asks_first(sqlite_engine, tmp_path):
    from intapp.widgets.dialogs import ConfirmScreen

    seed_case_work(sqlite_engine)
    target = tmp_path / "for-mary.html"
    target.write_text("kept")
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "key.worker"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        app.push_screen(PersonScreen(person_id=1))
        await wait_for(pilot, lambda: getattr(app.screen, "record", None) is not None)
        for answer in ("n", "y"):
            await pilot.press("h")
            await wait_for(pilot, lambda: isinstance(app.screen, PlanCopyDialog))
            app.screen.query_one("#path", Input).value = str(target)
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            assert "already exists: replace it?" in app.screen.question
            await pilot.press(answer)
            await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen))
            if answer == "n":
                await pilot.pause(0.2)
                assert target.read_text() == "kept"
        await wait_for(pilot, lambda: target.read_text(encoding="utf-8") != "kept")
    assert "Kitchen trolley" in target.read_text(encoding="utf-8")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


async def test_without_a_plan_h_says_so_and_the_key_is_in_help(sqlite_engine):
    seed_case_work(sqlite_engine)  # Joe (person 2) has no plan
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "key.worker"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        app.push_screen(PersonScreen(person_id=2))
        await wait_for(pilot, lambda: getattr(app.screen, "record", None) is not None)
        await pilot.press("h")
        await wait_for(
            pilot,
            lambda: any("has no care plan yet" in str(n.message) for n in app._notifications),
        )
        assert isinstance(app.screen, PersonScreen)
        commands = [c.title for c in app.get_system_commands(app.screen)]
        assert "Copy for the person" in commands
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        table = app.screen.query_one("#help-table")
        rows = [table.get_row_at(i) for i in range(table.row_count)]
        assert ["h", "Copy for the person"] in [[str(c) for c in row] for row in rows]
