"""Pilot tests: editing a person (with a conflict), a known NHS number typed beside another
name, possible duplicates at new referral, a typed received time, and search that says
what is wrong."""

from __future__ import annotations

from datetime import UTC, datetime

from identity_support import signed_in
from sqlalchemy import func
from sqlmodel import Session, select
from textual.widgets import Input, Select
from tui_support import seed_small_team, wait_for

from intapp.app import IntApp
from intapp.models import AuditEvent, Person, Referral
from intapp.screens.dashboard import DashboardScreen
from intapp.screens.new_referral import NewReferralScreen
from intapp.screens.person import PersonScreen
from intapp.screens.person_edit import PersonEditScreen
from intapp.screens.referral_dialogs import MatchPickerDialog, MismatchDialog
from intapp.screens.search import SearchScreen
from intapp.services import person_details
from intapp.store.engine import unit_of_work
from intapp.widgets.dialogs import ConfirmScreen

MARY_NHS = "9434765919"  # Mary Smith, born 2 Jan 1940 (seed_small_team)


def _app(engine) -> IntApp:
    seed_small_team(engine)
    return IntApp(database_url=signed_in(str(engine.url), "duty.c1"))


def _mary(engine) -> Person:
    with Session(engine) as session:
        return session.exec(select(Person).where(Person.nhs_number == MARY_NHS)).one()


async def _open_edit(app: IntApp, pilot) -> PersonEditScreen:
    await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
    app.push_screen(PersonScreen(person_id=1))
    await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen) and app.screen.record)
    await pilot.press("e")
    await wait_for(pilot, lambda: isinstance(app.screen, PersonEditScreen) and app.screen.details)
    screen = app.screen
    assert isinstance(screen, PersonEditScreen)
    return screen


async def test_an_edit_saves_from_the_record_and_the_record_shows_it(sqlite_engine):
    app = _app(sqlite_engine)
    async with app.run_test(size=(120, 40)) as pilot:
        edit = await _open_edit(app, pilot)
        assert edit.query_one("#edit-family", Input).value == "Smith"
        edit.query_one("#edit-family", Input).value = "Smyth"
        edit.query_one("#edit-dob", Input).value = "03/01/1940"
        edit.query_one("#edit-risk", Select).value = "high"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen))
        header = app.screen.query_one("#person-header")
        await wait_for(pilot, lambda: "Mary Smyth" in str(header.render()))
        assert "Born 3 Jan 1940" in str(header.render())
        # The timeline says what the correction changed.
        record = app.screen.record
        edit = next(e.text for _, e in record.timeline.rows if e.text.startswith("edit by"))
        assert edit.startswith("edit by duty.c1: ")
        for change in (
            "family name Smith → Smyth",
            "date of birth 2 Jan 1940 → 3 Jan 1940",
            "risk tier low → high",
        ):
            assert change in edit
    with Session(sqlite_engine) as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "edit")).one()
        assert (event.user, event.changes) == (
            "duty.c1",
            {
                "family_name": ["Smith", "Smyth"],
                "date_of_birth": ["1940-01-02", "1940-01-03"],
                "risk_tier": ["low", "high"],
            },
        )


async def test_a_stale_edit_is_refused_and_reload_shows_the_other_change(sqlite_engine):
    app = _app(sqlite_engine)
    async with app.run_test(size=(120, 40)) as pilot:
        edit = await _open_edit(app, pilot)
        # A colleague corrects the phone number meanwhile.
        with unit_of_work(sqlite_engine) as other:
            person_details.edit_person(
                session=other,
                user="duty.other",
                person_id=1,
                changes={"phone": "0161 496 0123"},
                expected_version=1,
            )
        edit.query_one("#edit-family", Input).value = "Smyth"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "changed by someone else" in app.screen.question
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, PersonEditScreen))
        phone = edit.query_one("#edit-phone", Input)
        await wait_for(pilot, lambda: phone.value == "0161 496 0123")
        assert edit.query_one("#edit-family", Input).value == "Smith"
        assert not edit.dirty
    mary = _mary(sqlite_engine)
    assert (mary.family_name, mary.phone, mary.version) == ("Smith", "0161 496 0123", 2)


async def test_a_refused_value_is_shown_at_its_field_and_leaving_asks_first(sqlite_engine):
    app = _app(sqlite_engine)
    async with app.run_test(size=(120, 40)) as pilot:
        edit = await _open_edit(app, pilot)
        edit.query_one("#edit-nhs", Input).value = "401 023 2137"  # Joe Bloggs's number
        await pilot.press("ctrl+s")
        error = edit.query_one("#edit-error")
        await wait_for(pilot, lambda: "already belongs to Joe Bloggs" in str(error.render()))
        assert edit.focused is edit.query_one("#edit-nhs")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen))
    assert _mary(sqlite_engine).version == 1


async def _new_referral(app: IntApp, pilot) -> NewReferralScreen:
    await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
    await pilot.press("n")
    await wait_for(pilot, lambda: isinstance(app.screen, NewReferralScreen))
    screen = app.screen
    assert isinstance(screen, NewReferralScreen)
    return screen


def _fill_referral(screen: NewReferralScreen, reason: str) -> None:
    screen.query_one("#source", Select).value = "gp"
    screen.query_one("#reason", Input).value = reason


async def test_a_known_nhs_number_with_another_name_says_so_and_can_go_on(sqlite_engine):
    app = _app(sqlite_engine)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _new_referral(app, pilot)
        screen.query_one("#family", Input).value = "Smyth"  # typed before the number
        await pilot.press(*"943 476 5919")
        await wait_for(pilot, lambda: screen.match is not None)
        panel = screen.query_one("#match")
        # What was typed stays; the blanks are filled from the record.
        assert screen.query_one("#family", Input).value == "Smyth"
        assert screen.query_one("#given", Input).value == "Mary"
        text = str(panel.render())
        assert "differs from the record" in text
        assert "family name: the record has Smith, you typed Smyth" in text
        _fill_referral(screen, "Unsteady on her feet")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, MismatchDialog))
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
    mary = _mary(sqlite_engine)
    assert mary.family_name == "Smith"  # the record as it is
    with Session(sqlite_engine) as session:
        new = session.exec(select(Referral).where(Referral.reason == "Unsteady on her feet")).one()
        assert new.person_id == mary.id


async def test_a_mismatch_can_correct_the_record_first(sqlite_engine):
    app = _app(sqlite_engine)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _new_referral(app, pilot)
        await pilot.press(*MARY_NHS)
        await wait_for(pilot, lambda: screen.match is not None)
        screen.query_one("#dob", Input).value = "12/01/1940"
        panel = screen.query_one("#match")
        await wait_for(
            pilot, lambda: "date of birth: the record has 2 Jan 1940" in str(panel.render())
        )
        _fill_referral(screen, "Carer breakdown")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, MismatchDialog))
        await pilot.press("c")
        await wait_for(
            pilot, lambda: isinstance(app.screen, PersonEditScreen) and app.screen.details
        )
        edit = app.screen
        assert edit.query_one("#edit-dob", Input).value == "12/01/1940"
        assert edit.dirty  # the proposal is a change to save, not the stored value
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is screen)
        await wait_for(pilot, lambda: screen.match is not None and not screen.differences())
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
    mary = _mary(sqlite_engine)
    assert mary.date_of_birth.isoformat() == "1940-01-12"
    with Session(sqlite_engine) as session:
        new = session.exec(select(Referral).where(Referral.reason == "Carer breakdown")).one()
        assert new.person_id == mary.id


async def test_possible_duplicates_are_offered_while_typing_and_one_can_be_chosen(sqlite_engine):
    app = _app(sqlite_engine)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _new_referral(app, pilot)
        screen.query_one("#given", Input).value = "Mary"
        screen.query_one("#family", Input).value = "Smyth"
        screen.query_one("#dob", Input).value = "2/1/1940"
        await wait_for(pilot, lambda: screen.candidates)
        assert "1 possible match: Mary Smith" in str(screen.query_one("#match").render())
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, MatchPickerDialog))
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.match is not None)
        assert screen.query_one("#nhs", Input).value == "943 476 5919"
        _fill_referral(screen, "Not eating")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, MismatchDialog))
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
    with Session(sqlite_engine) as session:
        assert session.exec(select(func.count()).select_from(Person)).one() == 2
        new = session.exec(select(Referral).where(Referral.reason == "Not eating")).one()
        assert new.person_id == 1


async def test_a_received_time_can_be_set_earlier_and_a_bad_one_is_refused(sqlite_engine):
    app = _app(sqlite_engine)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _new_referral(app, pilot)
        await pilot.press(*MARY_NHS)
        await wait_for(pilot, lambda: screen.match is not None)
        _fill_referral(screen, "Found in the post")
        received = screen.query_one("#received", Input)
        received.value = "yesterday"
        await pilot.press("ctrl+s")
        error = screen.query_one("#referral-error")
        await wait_for(pilot, lambda: "DD/MM/YYYY HH:MM" in str(error.render()))
        assert screen.focused is received
        received.value = "01/09/2026 10:00"  # more than 30 days back
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "at most 30 days back" in str(error.render()))
        received.value = "20/11/2026 10:00"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
    with Session(sqlite_engine) as session:
        new = session.exec(select(Referral).where(Referral.reason == "Found in the post")).one()
        assert new.received_at == datetime(2026, 11, 20, 10, 0, tzinfo=UTC)  # GMT in November


async def test_search_says_when_an_nhs_number_or_date_is_mistyped(sqlite_engine):
    app = _app(sqlite_engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await pilot.press("/")
        await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen))
        screen = app.screen
        await pilot.press(*"943 476 5910")
        await wait_for(pilot, lambda: "not a valid NHS number" in _shown(screen))
        for _ in range(12):
            await pilot.press("backspace")
        await pilot.press(*"31/02/1940")
        await wait_for(pilot, lambda: "31/02/1940 is not a date" in _shown(screen))
        for _ in range(10):
            await pilot.press("backspace")
        await pilot.press(*"Smyth")
        await wait_for(pilot, lambda: [p.name for p in screen.results] == ["Mary Smith"])


def _shown(screen) -> str:
    return " ".join(str(w.render()) for w in screen.query("Static"))
