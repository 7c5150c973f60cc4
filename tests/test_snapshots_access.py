"""Snapshots of the access review and the break-glass dialog.

The review's rows are written straight into a SQLite store (the tables exist there
too), so the picture does not depend on a server's clock or on generated login names.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from test_snapshots import SIZES, _dashboard, settling
from textual.widgets import DataTable, Input
from tui_support import seed_small_team, stop_blinking, wait_for

from intapp import clock
from intapp.app import IntApp
from intapp.models.access import BreakGlass, StaffLogin, StaffTeam
from intapp.screens.access_review import AccessReviewScreen
from intapp.screens.break_glass_dialog import BreakGlassDialog
from intapp.store.engine import unit_of_work


@pytest.fixture
def reviewed_app(sqlite_engine) -> IntApp:
    seed_small_team(sqlite_engine)
    now = clock.now()
    with unit_of_work(sqlite_engine) as session:
        for login, enabled in (("ann.lee", True), ("bob.gone", False), ("cat.left", False)):
            session.add(
                StaffLogin(
                    login=login,
                    role="key_worker",
                    enabled=enabled,
                    created_at=now - timedelta(days=90),
                    disabled_at=None if enabled else now - timedelta(days=2),
                    last_sign_in_at=now - timedelta(days=3) if login != "cat.left" else None,
                )
            )
            session.flush()
            session.add(StaffTeam(login=login, team_id=1))
        session.add(
            BreakGlass(
                login="ann.lee",
                person_id=1,
                reason="A&E called out of hours about a fall",
                granted_at=now - timedelta(hours=2),
                expires_at=now + timedelta(hours=6),
            )
        )
        session.add(
            BreakGlass(
                login="bob.gone",
                person_id=2,
                reason="Covering the duty phone for Ardwick",
                granted_at=now - timedelta(days=3),
                expires_at=now - timedelta(days=3) + timedelta(hours=8),
            )
        )
    return _app_as_duty_c1(str(sqlite_engine.url))


def _app_as_duty_c1(url: str) -> IntApp:
    """The app signed in as duty.c1 (so the header reads the same everywhere)."""
    try:  # where the login is derived from the store, a test names its stand-in
        from identity_support import signed_in
    except ImportError:
        return IntApp(database_url=url, user="duty.c1")  # type: ignore[call-arg]
    return IntApp(database_url=signed_in(url, "duty.c1"))


@pytest.mark.parametrize("size", SIZES)
def test_access_review(snap_compare, reviewed_app, size):
    async def loaded(pilot):
        await _dashboard(pilot)
        reviewed_app.push_screen(AccessReviewScreen())
        await wait_for(
            pilot,
            lambda: (
                isinstance(reviewed_app.screen, AccessReviewScreen)
                and reviewed_app.screen.query_one("#review-disabled", DataTable).row_count == 2
            ),
        )

    assert snap_compare(reviewed_app, terminal_size=size, run_before=settling(loaded))


@pytest.mark.parametrize("size", SIZES)
def test_break_glass_dialog(snap_compare, reviewed_app, size):
    async def loaded(pilot):
        await _dashboard(pilot)
        reviewed_app.push_screen(BreakGlassDialog(subject="999 000 0026"))
        await wait_for(pilot, lambda: isinstance(reviewed_app.screen, BreakGlassDialog))
        reviewed_app.screen.query_one("#reason", Input).value = "short"
        await pilot.press("ctrl+s")
        stop_blinking(pilot)

    assert snap_compare(reviewed_app, terminal_size=size, run_before=settling(loaded))
