"""Pilot test: receive a referral for someone already known, without a duplicate person."""

from __future__ import annotations

from identity_support import signed_in
from sqlalchemy import func
from sqlmodel import Session, select
from textual.widgets import Input, Select
from tui_support import seed_small_team, wait_for

from intapp.app import IntApp
from intapp.models import Person, Referral, Team
from intapp.screens.dashboard import DashboardScreen
from intapp.screens.new_referral import NewReferralScreen


async def test_a_known_nhs_number_links_the_referral_to_the_existing_person(sqlite_engine):
    seed_small_team(sqlite_engine)
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "duty.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, NewReferralScreen))
        screen = app.screen
        await pilot.press(*"943 476 591")
        await pilot.pause(0.1)
        assert "10 digits" in str(screen.query_one("#nhs-check").render())
        await pilot.press("0")  # a wrong check digit
        await pilot.pause(0.1)
        assert "check digit" in str(screen.query_one("#nhs-check").render())
        await pilot.press("backspace", "9")
        await wait_for(pilot, lambda: screen.match is not None)
        assert "943 476 5919 is valid" in str(screen.query_one("#nhs-check").render())
        assert screen.query_one("#family", Input).value == "Smith"
        screen.query_one("#source", Select).value = "district_nurse"
        screen.query_one("#reason", Input).value = "Pressure sore risk"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))

    with Session(sqlite_engine) as session:
        assert session.exec(select(func.count()).select_from(Person)).one() == 2
        new = session.exec(select(Referral).where(Referral.reason == "Pressure sore risk")).one()
        mary = session.exec(select(Person).where(Person.nhs_number == "9434765919")).one()
        assert (new.person_id, new.source, new.status) == (mary.id, "district_nurse", "received")


async def test_leaving_a_half_typed_referral_asks_first(sqlite_engine):
    from intapp.widgets.dialogs import ConfirmScreen

    seed_small_team(sqlite_engine)
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "duty.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, NewReferralScreen))
        await pilot.press("escape")  # nothing typed: leaves at once
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, NewReferralScreen))
        await pilot.press(*"9990570353", "escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, NewReferralScreen))
        assert app.screen.query_one("#nhs").value == "9990570353"


async def test_a_referral_from_a_team_dashboard_defaults_to_that_team(sqlite_engine):
    from intapp.screens.dashboard import Scope

    seed_small_team(sqlite_engine)
    with Session(sqlite_engine) as session:
        team_id = session.exec(select(Team.id).where(Team.code == "C1")).one()
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "duty.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        app.screen.scope = Scope("C1 Ardwick", (team_id,), team_code="C1")
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, NewReferralScreen))
        await wait_for(pilot, lambda: app.screen.query_one("#team", Select).value == team_id)
        await pilot.press("escape")  # the default is not an edit: leaves without asking
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))


async def test_a_referral_the_service_refuses_is_shown_at_its_field(sqlite_engine):
    seed_small_team(sqlite_engine)
    with Session(sqlite_engine) as session:
        team_id = session.exec(select(Team.id).where(Team.code == "C1")).one()
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "duty.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, NewReferralScreen))
        screen = app.screen
        await pilot.press(*"9990570353")  # nobody has it: a new person, with no given name
        await wait_for(pilot, lambda: "No one has" in str(screen.query_one("#match").render()))
        screen.query_one("#family", Input).value = "Jones"
        screen.query_one("#dob", Input).value = "01/02/1940"
        screen.query_one("#team", Select).value = team_id
        screen.query_one("#source", Select).value = "gp"
        screen.query_one("#reason", Input).value = "Falls at home"
        await pilot.press("ctrl+s")
        error = screen.query_one("#referral-error")
        await wait_for(pilot, lambda: "given name" in str(error.render()).lower())
        assert app.screen is screen and screen.focused is screen.query_one("#given")

    with Session(sqlite_engine) as session:
        assert session.exec(select(func.count()).select_from(Referral)).one() == 2


async def test_markup_typed_as_an_nhs_number_is_shown_as_typed(sqlite_engine):
    # The refusal quotes what was typed; "[/]" in it once stopped the app.
    seed_small_team(sqlite_engine)
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "duty.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, NewReferralScreen))
        await pilot.press("[", "/", "]")
        await pilot.pause(0.1)
        assert isinstance(app.screen, NewReferralScreen)
        assert app.screen.query_one("#nhs", Input).value == "[/]"
        assert str(app.screen.query_one("#nhs-check").render())


async def test_a_known_person_whose_postcode_looks_like_markup_is_shown(sqlite_engine):
    # Stored postcodes are free text up to 10 characters (older imports, the CLI).
    seed_small_team(sqlite_engine)
    with Session(sqlite_engine) as session:
        mary = session.exec(select(Person).where(Person.nhs_number == "9434765919")).one()
        mary.postcode = "[/]"
        session.add(mary)
        session.commit()
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "duty.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, NewReferralScreen))
        screen = app.screen
        await pilot.press(*"9434765919")
        await wait_for(pilot, lambda: screen.match is not None)
        await pilot.pause(0.1)
        assert "[/]" in str(screen.query_one("#match").render())
