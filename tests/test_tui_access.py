"""Break-glass from a search that finds nobody, and a supervisor's access review: on the
real local PostgreSQL, signed in as uniquely named staff logins (dropped afterwards)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlmodel import Session, select
from textual.widgets import DataTable, Input, Static
from tui_support import seed_small_team, wait_for

from intapp import clock
from intapp.app import IntApp
from intapp.models.access import BreakGlass
from intapp.screens.access_review import AccessReviewScreen
from intapp.screens.break_glass_dialog import BreakGlassDialog
from intapp.screens.person import PersonScreen
from intapp.screens.search import SearchScreen
from intapp.services import organisation, staff
from intapp.services.people import PersonIn
from intapp.services.referrals import receive_referral
from intapp.services.staff import StaffIn
from intapp.store.engine import unit_of_work

pytest_plugins = ["staff_support"]  # the pg_engine and unique_login fixtures
pytestmark = pytest.mark.postgres

ELSEWHERE_NHS = "9990000026"  # a valid number from the test range, in another locality


def _as(engine: Engine, login: str) -> str:
    return make_url(engine.url).set(username=login).render_as_string(hide_password=False)


@pytest.fixture
def team_server(pg_engine, unique_login):
    """Team C1 (Central) with Mary and Joe; team N1 (North) with Zed; a key worker in C1
    and a supervisor for Central."""
    seed_small_team(pg_engine)
    with unit_of_work(pg_engine) as session:
        north = organisation.add_team(
            session=session, user="setup", code="N1", name="Cheetham", locality="North"
        )
        receive_referral(
            session=session,
            user="setup",
            person=PersonIn(
                given_name="Zed",
                family_name="Elsewhere",
                date_of_birth=clock.today() - timedelta(days=80 * 365),
                team_id=north.id,
                nhs_number=ELSEWHERE_NHS,
            ),
            source="gp",
            reason="Falls",
        )
    kw, sup = unique_login("kw"), unique_login("sup")
    with unit_of_work(pg_engine) as session:
        staff.add_staff(
            session=session,
            user="setup",
            staff_in=StaffIn(kw, "key_worker", ("C1",)),
            verifier=None,
        )
        staff.add_staff(
            session=session,
            user="setup",
            staff_in=StaffIn(sup, "supervisor", locality="Central"),
            verifier=None,
        )
    return pg_engine, kw, sup


async def _search(pilot, app: IntApp, text: str) -> SearchScreen:
    await wait_for(pilot, lambda: app.who is not None)
    await pilot.press("slash")
    await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen))
    screen = app.screen
    assert isinstance(screen, SearchScreen)
    screen.query_one("#search-text", Input).value = text
    return screen


async def test_break_glass_opens_a_record_outside_the_teams_with_a_reason(team_server):
    engine, kw, _ = team_server
    app = IntApp(database_url=_as(engine, kw))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _search(pilot, app, ELSEWHERE_NHS)
        await wait_for(pilot, lambda: screen.offer_break_glass)
        status = screen.paged.query_one(".paged-list--status", Static)
        assert "Outside them? ctrl+b: open with a reason" in str(status.render())
        await pilot.press("ctrl+b")
        await wait_for(pilot, lambda: isinstance(app.screen, BreakGlassDialog))
        dialog = app.screen
        dialog.query_one("#reason", Input).value = "short"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, BreakGlassDialog)  # too short to review: asked again
        assert "at least 10 characters" in str(dialog.query_one("#dialog-error", Static).render())
        dialog.query_one("#reason", Input).value = "A&E called out of hours about a fall"
        await pilot.press("enter")
        await wait_for(
            pilot, lambda: isinstance(app.screen, PersonScreen) and app.screen.record is not None
        )
        header = str(app.screen.query_one("#person-header", Static).render())
        assert "Zed Elsewhere" in header
        mark = app.screen.query_one("#person-break-glass", Static)
        assert mark.display and str(mark.render()).startswith("break-glass until ")
        # Found by search now, opened again: the record still says until when.
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen))
        app.push_screen(PersonScreen(person_id=3))
        await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen))
        again = app.screen.query_one("#person-break-glass", Static)
        await wait_for(pilot, lambda: again.display)
        assert str(again.render()) == str(mark.render())
    with Session(engine) as session:
        grant = session.exec(select(BreakGlass)).one()
    assert (grant.login, grant.reason) == (kw, "A&E called out of hours about a fall")


async def test_a_person_in_the_teams_is_found_and_no_glass_is_offered(team_server):
    engine, kw, _ = team_server
    app = IntApp(database_url=_as(engine, kw))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _search(pilot, app, "9434765919")  # Mary, in C1
        await wait_for(pilot, lambda: screen.results)
        assert not screen.offer_break_glass
        await pilot.press("ctrl+b")
        await pilot.pause()
        assert not isinstance(app.screen, BreakGlassDialog)


async def test_the_access_review_is_for_supervisors(team_server, unique_login):
    engine, kw, sup = team_server
    gone, north = unique_login("gone"), unique_login("north")
    with unit_of_work(engine) as session:
        staff.add_staff(
            session=session,
            user="setup",
            staff_in=StaffIn(north, "key_worker", ("N1",)),
            verifier=None,
        )
        staff.add_staff(
            session=session,
            user="setup",
            staff_in=StaffIn(gone, "key_worker", ("C1",)),
            verifier=None,
        )
    with unit_of_work(engine) as session:
        session.add(
            BreakGlass(
                login=north,
                person_id=1,
                reason="Covering the duty phone",
                granted_at=clock.now() - timedelta(hours=1),
                expires_at=clock.now() + timedelta(hours=7),
            )
        )
        staff.disable_staff(session=session, user="setup", login=gone)

    app = IntApp(database_url=_as(engine, kw))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.who is not None)
        await pilot.press("A")
        await pilot.pause()
        assert not isinstance(app.screen, AccessReviewScreen)

    app = IntApp(database_url=_as(engine, sup))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.who is not None)
        await pilot.press("A")
        await wait_for(
            pilot,
            lambda: (
                isinstance(app.screen, AccessReviewScreen)
                and app.screen.query_one("#review-disabled", DataTable).row_count
            ),
        )
        uses = app.screen.query_one("#review-uses", DataTable)
        row = [str(c) for c in uses.get_row_at(0)]
        # A North key worker opened Mary's record (Central): her supervisor sees who, why.
        assert row[1] == north and "live" in row[3] and "Covering the duty phone" in row[5]
        assert row[2] == "Mary Smith"
        disabled = app.screen.query_one("#review-disabled", DataTable)
        assert str(disabled.get_row_at(0)[0]) == gone
