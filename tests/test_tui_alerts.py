"""Pilot tests: raise and remove an alert from the person record; its badge beside the
name in the queue and in search; the header shows it, and a past review date."""

from __future__ import annotations

from datetime import timedelta

from identity_support import signed_in
from sqlmodel import Session, select
from textual.widgets import Input, OptionList, Select, Static, TextArea
from tui_support import seed_small_team, wait_for

from intapp import clock
from intapp.app import IntApp
from intapp.models import AuditEvent, PersonAlert
from intapp.screens.alert_dialogs import AlertsDialog, RaiseAlertDialog
from intapp.screens.dashboard import DashboardScreen
from intapp.screens.person import PersonScreen
from intapp.screens.queue import QueueScreen, queue_cells
from intapp.screens.search import SearchScreen, person_cells
from intapp.services import alerts
from intapp.store.engine import unit_of_work
from intapp.widgets.dialogs import ReasonScreen

MARY = 1


def _header(app) -> str:
    return str(app.screen.query_one("#person-header", Static).render())


async def test_raise_and_remove_an_alert_from_the_record(sqlite_engine):
    seed_small_team(sqlite_engine)
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "duty.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        app.push_screen(PersonScreen(person_id=MARY))
        await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen) and app.screen.record)
        record = app.screen
        assert "Alerts" not in _header(app)
        await pilot.press("!")
        await wait_for(pilot, lambda: isinstance(app.screen, AlertsDialog))
        dialog = app.screen
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, RaiseAlertDialog))
        app.screen.query_one("#kind", Select).value = "risk_to_staff"
        app.screen.query_one("#note", TextArea).text = "Son can be aggressive; visit in pairs"
        app.screen.query_one("#review", Input).value = "01/12/2026"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is dialog and dialog.alerts)
        (shown,) = dialog.alerts
        assert (shown.kind, shown.raised_by, shown.is_open) == ("risk_to_staff", "duty.c1", True)
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, ReasonScreen))
        await pilot.press("enter")  # no reason: refused, the dialog stays
        assert isinstance(app.screen, ReasonScreen)
        app.screen.query_one(Input).value = "Son has moved out"
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is dialog and not dialog.alerts[0].is_open)
        # The removed alert stays listed, greyed (it cannot be highlighted to remove again).
        listed = dialog.query_one("#alerts-list", OptionList)
        assert listed.get_option_at_index(0).disabled
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is record)
    with Session(sqlite_engine) as session:
        (row,) = session.exec(select(PersonAlert)).all()
        assert (row.person_id, row.removed_by, row.removed_reason) == (
            MARY,
            "duty.c1",
            "Son has moved out",
        )
        assert row.review_on == clock.today().replace(day=1, month=12)
        actions = session.exec(
            select(AuditEvent.action).where(AuditEvent.entity == "person_alert")
        ).all()
        assert actions == ["create", "remove"]


async def test_the_badge_shows_in_the_queue_search_and_header(sqlite_engine):
    seed_small_team(sqlite_engine)
    with unit_of_work(sqlite_engine) as session:
        alerts.raise_alert(
            session=session,
            user="setup",
            person_id=MARY,
            kind="risk_to_staff",
            note="Dog; visit in pairs",
            review_on=clock.today(),
        )
        alerts.raise_alert(
            session=session, user="setup", person_id=MARY, kind="key_safe", note="Code 1234"
        )
    # A day later the review date has passed.
    clock.freeze(clock.now() + timedelta(days=1))
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "duty.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen) and app.screen.rows)
        mary = next(r for r in app.screen.rows if r.person_id == MARY)
        assert mary.alerts == ("⚠ risk", "key")
        assert "Mary Smith [b yellow]⚠ risk key[/]" in queue_cells(mary)[2]
        others = [r for r in app.screen.rows if r.person_id != MARY]
        assert all(r.alerts == () for r in others)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await pilot.press("/")
        await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen))
        await pilot.press(*"smith")
        await wait_for(pilot, lambda: app.screen.results)
        (found,) = app.screen.results
        assert "⚠ risk key" in person_cells(found)[0]
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen) and app.screen.record)
        header = _header(app)
        assert "⚠ Alerts (!): Risk to staff / do not visit alone" in header
        assert "(review was due " in header
        assert "Key safe" in header
