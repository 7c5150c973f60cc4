"""The action table: who may do what, and how a refusal reads."""

from __future__ import annotations

import pytest

from intapp.access import (
    ACTIONS,
    DOING,
    Role,
    SignedIn,
    may,
    refusal,
    require,
    signed_in,
    who_may,
)
from intapp.services.errors import NotAllowed

STAFF = [Role.KEY_WORKER, Role.COORDINATOR, Role.SUPERVISOR]


def who(role: Role) -> SignedIn:
    return SignedIn(login="jsmith", role=role, team_mode=True)


def allowed(role: Role) -> set[str]:
    return {action for action in ACTIONS if may(who(role), action)}


def test_every_action_says_what_it_is() -> None:
    assert set(DOING) == set(ACTIONS)


def test_the_owner_may_do_everything() -> None:
    assert allowed(Role.OWNER) == set(ACTIONS)


def test_each_casework_role_may_do_what_the_one_below_may() -> None:
    assert allowed(Role.KEY_WORKER) < allowed(Role.COORDINATOR) < allowed(Role.SUPERVISOR)


def test_administrators_do_no_casework() -> None:
    assert not allowed(Role.ADMIN) & allowed(Role.KEY_WORKER)
    assert {"staff_manage", "import", "backup", "migrate", "export_returns"} <= allowed(Role.ADMIN)


@pytest.mark.parametrize(
    ("action", "roles"),
    [
        ("assess", {Role.KEY_WORKER, Role.COORDINATOR, Role.SUPERVISOR}),
        ("note", {Role.KEY_WORKER, Role.COORDINATOR, Role.SUPERVISOR}),
        ("triage", {Role.COORDINATOR, Role.SUPERVISOR}),
        ("allocate", {Role.COORDINATOR, Role.SUPERVISOR}),
        ("close_case", {Role.COORDINATOR, Role.SUPERVISOR}),
        ("merge", {Role.SUPERVISOR}),
        ("withdraw_death", {Role.SUPERVISOR}),
        ("bulk_reassign", {Role.SUPERVISOR}),
        ("export_weekly", {Role.SUPERVISOR, Role.ADMIN}),
        ("staff_manage", {Role.ADMIN}),
    ],
)
def test_the_issue_table(action: str, roles: set[Role]) -> None:
    staff = {role for role in Role if role is not Role.OWNER and may(who(role), action)}
    assert staff == roles


def test_who_may_names_the_roles_plainly() -> None:
    assert who_may("triage") == "coordinators and supervisors"
    assert who_may("note") == "key workers, coordinators and supervisors"
    assert who_may("import") == "administrators"
    assert who_may("export_weekly") == "supervisors and administrators"


def test_a_refusal_says_who_may() -> None:
    with pytest.raises(NotAllowed) as refused:
        require(who(Role.KEY_WORKER), "allocate")
    assert refused.value.action == "allocate"
    assert str(refused.value) == (
        "Only coordinators and supervisors may allocate a case. "
        "You are signed in as jsmith, a key worker."
    )
    assert refusal(who(Role.ADMIN), "note").endswith("jsmith, an admin.")


def test_the_header_names_login_and_role() -> None:
    assert who(Role.COORDINATOR).label == "Signed in: jsmith · coordinator"
    assert SignedIn(login="ann", role=Role.OWNER).label == "Signed in: ann · single-user"


def test_a_sqlite_store_signs_in_its_owner(sqlite_engine) -> None:  # type: ignore[no-untyped-def]
    me = signed_in(sqlite_engine)
    assert me.role is Role.OWNER and not me.team_mode and me.login
    assert signed_in(sqlite_engine) is me  # once per engine


def test_a_read_session_signs_in_once_with_its_engine(sqlite_engine) -> None:
    """Every read session runs on a copy of the engine with other options; it is the
    same sign-in, not a new one (which would cost a round trip on every read)."""
    from intapp import access
    from intapp.store.engine import read_session

    who = access.signed_in(sqlite_engine)
    with read_session(sqlite_engine) as session:
        assert access.signed_in(session.get_bind()) is who
