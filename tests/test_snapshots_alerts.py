"""Snapshots of alerts: the record's header with its alerts (one past its review date),
the alerts dialog with an open and a removed alert, and the queue's badges at 80 columns."""

from __future__ import annotations

from datetime import timedelta

import pytest
from identity_support import signed_in
from test_snapshots import _dashboard, settling
from tui_support import seed_case_work, stop_blinking, wait_for

from intapp import clock
from intapp.app import IntApp
from intapp.screens.alert_dialogs import AlertsDialog
from intapp.screens.person import PersonScreen
from intapp.screens.queue import QueueScreen
from intapp.services import alerts
from intapp.store.engine import unit_of_work

MARY, JOE = 1, 2


@pytest.fixture
def alerted_app(sqlite_engine) -> IntApp:
    seed_case_work(sqlite_engine)
    with unit_of_work(sqlite_engine) as session:
        for person_id, kind, note, review in (
            (MARY, "risk_to_staff", "Son can be aggressive; visit in pairs", clock.today()),
            (MARY, "key_safe", "Key safe by the back door; code from the office", None),
            (MARY, "lives_alone", "Daughter in Leeds rings on Sundays", None),
            (JOE, "communication", "Speaks Polish; book an interpreter", None),
        ):
            alerts.raise_alert(
                session=session,
                user="duty.c1",
                person_id=person_id,
                kind=kind,
                note=note,
                review_on=review,
            )
        removed = alerts.raise_alert(
            session=session, user="duty.c1", person_id=MARY, kind="sensory_loss", note="Hearing aid"
        )
        alerts.remove_alert(
            session=session, user="duty.c2", alert_id=removed.id, reason="Hearing restored"
        )
    # The next day: Mary's risk alert is past its review date.
    clock.freeze(clock.now() + timedelta(days=1))
    return IntApp(database_url=signed_in(str(sqlite_engine.url), "duty.c1"))


async def _record(pilot, app: IntApp) -> None:
    await _dashboard(pilot)
    app.push_screen(PersonScreen(person_id=MARY))
    await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen) and app.screen.record)


def test_record_header_with_alerts(snap_compare, alerted_app):
    async def loaded(pilot):
        await _record(pilot, alerted_app)
        stop_blinking(pilot)

    assert snap_compare(alerted_app, terminal_size=(120, 40), run_before=settling(loaded))


def test_alerts_dialog(snap_compare, alerted_app):
    async def loaded(pilot):
        await _record(pilot, alerted_app)
        await pilot.press("!")
        await wait_for(
            pilot,
            lambda: isinstance(alerted_app.screen, AlertsDialog) and alerted_app.screen.alerts,
        )
        stop_blinking(pilot)

    assert snap_compare(alerted_app, terminal_size=(120, 40), run_before=settling(loaded))


def test_queue_badges_at_80_columns(snap_compare, alerted_app):
    async def loaded(pilot):
        await _dashboard(pilot)
        await pilot.press("q")
        await wait_for(
            pilot, lambda: isinstance(alerted_app.screen, QueueScreen) and alerted_app.screen.rows
        )
        stop_blinking(pilot)

    assert snap_compare(alerted_app, terminal_size=(80, 24), run_before=settling(loaded))
