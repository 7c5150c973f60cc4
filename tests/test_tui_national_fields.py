"""Pilot tests: the national fields on the person edit form and the new referral form,
chosen by typing in their selects, saved, audited and shown on the record."""

from __future__ import annotations

from identity_support import signed_in
from sqlmodel import Session, select
from textual.widgets import Input, Select
from tui_support import seed_small_team, wait_for

from intapp.app import IntApp
from intapp.models import AuditEvent, Person
from intapp.screens.dashboard import DashboardScreen
from intapp.screens.new_referral import NewReferralScreen
from intapp.screens.person import PersonScreen
from intapp.screens.person_edit import PersonEditScreen

MARY_NHS = "9434765919"  # Mary Smith (seed_small_team)


def _mary(engine) -> Person:
    with Session(engine) as session:
        return session.exec(select(Person).where(Person.nhs_number == MARY_NHS)).one()


async def test_the_edit_form_sets_them_by_typing_and_the_record_shows_them(sqlite_engine):
    seed_small_team(sqlite_engine)
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "duty.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        app.push_screen(PersonScreen(person_id=1))
        await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen) and app.screen.record)
        header = app.screen.query_one("#person-header")
        assert "Ethnicity" not in str(header.render())  # nothing recorded: as before
        await pilot.press("e")
        await wait_for(
            pilot, lambda: isinstance(app.screen, PersonEditScreen) and app.screen.details
        )
        edit = app.screen
        # Keyboard only: focus the select, open it, type the start of an entry, choose it.
        edit.query_one("#edit-accommodation-status", Select).focus()
        await pilot.press("enter", *"registered n", "enter")
        edit.query_one("#edit-ethnicity", Select).focus()
        await pilot.press("enter", "z", "enter")
        assert edit.query_one("#edit-accommodation-status", Select).value == "nursing_home"
        assert edit.query_one("#edit-ethnicity", Select).value == "Z"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen))
        header = app.screen.query_one("#person-header")
        await wait_for(pilot, lambda: "Registered nursing home" in str(header.render()))
        shown = str(header.render())
        assert "Ethnicity Not stated" in shown
        assert "support reason not recorded" in shown
        assert "client type Service User (not recorded)" in shown
    mary = _mary(sqlite_engine)
    assert (mary.ethnicity, mary.accommodation_status) == ("Z", "nursing_home")
    with Session(sqlite_engine) as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "edit")).one()
    assert event.changes == {
        "ethnicity": [None, "Z"],
        "accommodation_status": [None, "nursing_home"],
    }


async def test_a_new_referral_shows_a_known_persons_fields_and_records_a_change(sqlite_engine):
    seed_small_team(sqlite_engine)
    with Session(sqlite_engine) as session:
        mary = session.exec(select(Person).where(Person.nhs_number == MARY_NHS)).one()
        mary.ethnicity = "B"
        session.add(mary)
        session.commit()
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "duty.c1"))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, NewReferralScreen))
        screen = app.screen
        await pilot.press(*MARY_NHS)
        await wait_for(pilot, lambda: screen.match is not None)
        # The record's value is shown; one not recorded stays blank.
        assert screen.query_one("#referral-ethnicity", Select).value == "B"
        assert screen.query_one("#referral-client-type", Select).value is Select.NULL
        screen.query_one("#source", Select).value = "gp"
        screen.query_one("#reason", Input).value = "Falls"
        screen.query_one("#referral-primary-support-reason", Select).focus()
        await pilot.press("enter", *"learning", "enter")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
    mary = _mary(sqlite_engine)
    assert (mary.ethnicity, mary.primary_support_reason) == ("B", "learning_disability")
    with Session(sqlite_engine) as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "edit")).one()
    assert event.changes == {"primary_support_reason": [None, "learning_disability"]}
