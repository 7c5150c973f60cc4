"""The TUI offers only what the signed-in role may do, and says who may otherwise; the
header says who is signed in, and in which role."""

from __future__ import annotations

import pytest
from identity_support import signed_in
from textual.pilot import Pilot
from tui_support import seed_small_team, settled, wait_for

from intapp.access import Role, SignedIn
from intapp.app import IntApp
from intapp.screens.dashboard import DashboardScreen
from intapp.screens.queue import QueueScreen

SIZES = [(120, 40), (80, 24)]


@pytest.fixture
def app(sqlite_engine) -> IntApp:
    seed_small_team(sqlite_engine)
    return IntApp(database_url=signed_in(str(sqlite_engine.url), "duty.c1"))


def as_role(app: IntApp, role: Role) -> None:
    """Sign in as a member of staff on a team server (the store is SQLite: the role is
    what the screens read)."""
    app.signed_in_as(SignedIn(login="jsmith", role=role, team_mode=True))


def offered(app: IntApp) -> dict[str, str]:
    """The keys the footer shows: key → description."""
    return {
        key: active.binding.description
        for key, active in app.screen.active_bindings.items()
        if active.binding.show
    }


async def on_dashboard(pilot: Pilot, app: IntApp) -> None:
    await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
    await wait_for(pilot, lambda: "…" not in str(app.screen.query_one("#awaiting").label))


async def test_a_single_user_store_signs_in_its_owner(app: IntApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await on_dashboard(pilot, app)
        assert app.sub_title == "Signed in: duty.c1 · single-user"
        assert offered(app)["a"] == "Allocate"


async def test_a_key_workers_queue_offers_no_triage_and_the_dashboard_no_allocating(
    app: IntApp,
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await on_dashboard(pilot, app)
        as_role(app, Role.KEY_WORKER)
        await pilot.pause()
        assert app.sub_title == "Signed in: jsmith · key worker"
        keys = offered(app)
        assert "a" not in keys and "n" not in keys and keys["r"] == "Reablement"
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen) and app.screen.rows)
        assert "Triage" not in offered(app).values()
        await pilot.press("enter")  # not offered: nothing opens
        await pilot.pause(0.1)
        assert isinstance(app.screen, QueueScreen)


async def test_a_coordinator_is_offered_triage(app: IntApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await on_dashboard(pilot, app)
        as_role(app, Role.COORDINATOR)
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen) and app.screen.rows)
        assert offered(app)["enter"] == "Triage"


async def test_an_action_reached_another_way_says_who_may(app: IntApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await on_dashboard(pilot, app)
        as_role(app, Role.KEY_WORKER)
        await pilot.click("#unallocated")  # the tile is a button, not a key
        await pilot.pause(0.1)
        assert isinstance(app.screen, DashboardScreen)
        (said,) = [n.message for n in app._notifications]
        assert said == (
            "Only coordinators and supervisors may allocate a case. "
            "You are signed in as jsmith, a key worker."
        )


@pytest.mark.parametrize("size", SIZES)
def test_the_header_of_a_key_workers_dashboard(snap_compare, app, size):
    async def as_key_worker(pilot: Pilot) -> None:
        await on_dashboard(pilot, app)
        await wait_for(pilot, lambda: "…" not in str(app.screen.query_one("#my-work").label))
        as_role(app, Role.KEY_WORKER)
        await settled(pilot)

    assert snap_compare(app, terminal_size=size, run_before=as_key_worker)


def test_every_key_a_role_may_not_use_names_an_action_of_the_table() -> None:
    import importlib
    import pkgutil

    import intapp.screens
    from intapp.access import ACTIONS

    named = set()
    for module in pkgutil.iter_modules(intapp.screens.__path__):
        loaded = importlib.import_module(f"intapp.screens.{module.name}")
        for thing in vars(loaded).values():
            rules = vars(thing).get("ROLE_RULES", {}) if isinstance(thing, type) else {}
            named |= {rule for rule in rules.values() if isinstance(rule, str)}
    assert named and named <= set(ACTIONS)
    assert {"triage", "allocate", "merge", "bulk_reassign", "export_weekly"} <= named


def test_the_dashboard_opens_on_the_people_a_login_sees() -> None:
    """Staff see only their own people: a dashboard on the whole city would count the
    city's empty-looking share of them. Admins and the single user keep the city."""
    from intapp.access import Role, SignedIn
    from intapp.screens.dashboard import CITY, Scope, home_scope

    def who(role: Role, teams: set[int], *, team_mode: bool = True) -> SignedIn:
        return SignedIn(login="t", role=role, team_ids=frozenset(teams), team_mode=team_mode)

    assert home_scope(who(Role.KEY_WORKER, {3})) == Scope("Your team", (3,))
    assert home_scope(who(Role.COORDINATOR, {4, 2})).team_ids == (2, 4)
    assert home_scope(who(Role.SUPERVISOR, {1, 2, 3})).label == "Your locality"
    assert home_scope(who(Role.ADMIN, {1, 2, 3})) is CITY
    assert home_scope(who(Role.OWNER, set(), team_mode=False)) is CITY


async def test_a_new_referral_offers_only_the_coordinators_own_teams(
    app: IntApp, sqlite_engine
) -> None:
    """The team server refuses a referral for another team's queue, so it is not offered;
    with one team, it is chosen already."""
    from textual.widgets import Select

    from intapp.screens.new_referral import NewReferralScreen
    from intapp.services import organisation
    from intapp.store.engine import unit_of_work

    with unit_of_work(sqlite_engine) as session:
        organisation.add_team(
            session=session, user="setup", code="N1", name="Cheetham", locality="North"
        )
        mine = organisation.list_teams(session=session)[0].id
    async with app.run_test(size=(120, 40)) as pilot:
        await on_dashboard(pilot, app)
        app.signed_in_as(
            SignedIn(
                login="jsmith", role=Role.COORDINATOR, team_ids=frozenset({mine}), team_mode=True
            )
        )
        app.push_screen(NewReferralScreen())
        await wait_for(pilot, lambda: isinstance(app.screen, NewReferralScreen))
        select = app.screen.query_one("#team", Select)
        await wait_for(pilot, lambda: select.value != Select.NULL)
        assert [value for _label, value in select._options if value != Select.NULL] == [mine]
        assert select.value == mine


async def test_a_member_of_staff_chooses_only_among_their_own_teams(
    app: IntApp, sqlite_engine
) -> None:
    """Counts of another team's people would be empty against that team's capacity, so
    the scope picker (the dashboard's and the trends') offers a member of staff their own
    teams only, with their home scope first; the single user is offered the city."""
    from textual.widgets import OptionList

    from intapp.screens.scope import ScopeScreen
    from intapp.services import organisation
    from intapp.store.engine import unit_of_work

    with unit_of_work(sqlite_engine) as session:
        for code, name in (("N1", "Cheetham"), ("N2", "Crumpsall")):
            organisation.add_team(
                session=session, user="setup", code=code, name=name, locality="North"
            )
        teams = {t.code: t.id for t in organisation.list_teams(session=session)}

    async def offered_scopes(pilot: Pilot) -> list[str]:
        app.push_screen(ScopeScreen())
        await wait_for(pilot, lambda: isinstance(app.screen, ScopeScreen))
        options = app.screen.query_one(OptionList)
        await wait_for(pilot, lambda: options.option_count > 1)
        labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        await pilot.press("escape")
        return labels

    async with app.run_test(size=(120, 40)) as pilot:
        await on_dashboard(pilot, app)
        everything = await offered_scopes(pilot)
        assert everything[0] == "Whole city" and "North locality" in everything
        app.signed_in_as(
            SignedIn(
                login="jsmith",
                role=Role.COORDINATOR,
                team_ids=frozenset({teams["N1"]}),
                team_mode=True,
            )
        )
        assert await offered_scopes(pilot) == ["Your team", "N1 Cheetham"]
