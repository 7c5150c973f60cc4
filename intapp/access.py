"""Who is signed in, in which role, and what each role may do.

On the team server (PostgreSQL) each member of staff connects as their own login, and
`intapp_sign_in()` (a SECURITY DEFINER function) says which role and scope it has. The
database itself enforces scope and grants; this module holds the same rules for the
app, so that a refused action gets a plain message and the TUI offers only the keys a
role may use. Every rule is one line of `ACTIONS`.

On SQLite the store is single-user: whoever owns the file may do everything.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, cast

from intapp.services.errors import NotAllowed, NotStaff

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine
    from sqlmodel import Session


class Role(StrEnum):
    """A staff role (the group role `intapp_<role>` on PostgreSQL), or the owner."""

    KEY_WORKER = "key_worker"
    COORDINATOR = "coordinator"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    OWNER = "owner"
    """The database's owner or a superuser, and whoever owns a SQLite file."""


ROLE_NAMES = {
    Role.KEY_WORKER: ("key worker", "key workers"),
    Role.COORDINATOR: ("coordinator", "coordinators"),
    Role.SUPERVISOR: ("supervisor", "supervisors"),
    Role.ADMIN: ("admin", "administrators"),
    Role.OWNER: ("owner", "the database owner"),
}
"""Each role's name, singular (the header) and plural (who may do something)."""


@dataclass(frozen=True)
class SignedIn:
    """Who is using intapp: their login, role and scope."""

    login: str
    role: Role
    worker_id: int | None = None
    """The worker this login is (`staff_login.worker_id`), if linked."""
    team_ids: frozenset[int] = field(default_factory=frozenset)
    """The teams whose people the login sees (empty for the owner: every team)."""
    locality_id: int | None = None
    team_mode: bool = False
    """On a team server (PostgreSQL), not a single-user SQLite file."""

    @property
    def is_staff(self) -> bool:
        """Signed in with a staff login (rather than as the owner)."""
        return self.role is not Role.OWNER

    def works_for(self, team_id: int) -> bool:
        """Whether work for this team is the login's to do: any team for the owner (and
        an admin, who imports for all); a member of staff's own teams (a supervisor's
        locality), the only ones the team server lets them write for."""
        return not self.is_staff or self.role is Role.ADMIN or team_id in self.team_ids

    @property
    def label(self) -> str:
        """What the header shows, e.g. "Signed in: jsmith · coordinator"."""
        role = ROLE_NAMES[self.role][0] if self.team_mode else "single-user"
        return f"Signed in: {self.login} · {role}"


# The roles that may do each kind of work. Each is a superset of the one before it:
# a coordinator may do what a key worker may, and a supervisor what a coordinator may.
# Administrators do no casework. The owner may do everything.
CASEWORK = frozenset({Role.KEY_WORKER, Role.COORDINATOR, Role.SUPERVISOR, Role.OWNER})
COORDINATION = CASEWORK - {Role.KEY_WORKER}
SUPERVISION = COORDINATION - {Role.COORDINATOR}
ADMINISTRATION = frozenset({Role.ADMIN, Role.OWNER})
OVERSIGHT = SUPERVISION | ADMINISTRATION

_RULES: dict[str, tuple[frozenset[Role], str]] = {
    # Casework on the people in one's scope.
    "edit_person": (CASEWORK, "change a person's details"),
    "assess": (CASEWORK, "start, change or sign off an assessment"),
    "plan": (CASEWORK, "change a care plan or its actions"),
    "note": (CASEWORK, "write a case note"),
    "alert": (CASEWORK, "raise or remove an alert"),
    "carer_link": (CASEWORK, "link or unlink a carer"),
    "reablement": (CASEWORK, "run a reablement episode"),
    "export_plan": (CASEWORK, "save a copy of a care plan for the person"),
    "break_glass": (CASEWORK, "open a record outside your teams"),
    # Running a team's work.
    # A new referral may create a person; a death closes the person's cases.
    "receive_referral": (COORDINATION, "record a new referral"),
    "record_death": (COORDINATION, "record a death"),
    "triage": (COORDINATION, "triage a referral"),
    "allocate": (COORDINATION, "allocate a case"),
    "reallocate": (COORDINATION, "reallocate a case"),
    "transfer": (COORDINATION, "send, accept or return a transfer"),
    "close_case": (COORDINATION, "close a case"),
    "reopen": (COORDINATION, "reopen a case"),
    "absence": (COORDINATION, "record a worker's absence or return"),
    "export_notes": (COORDINATION, "export case notes"),
    # Across a locality.
    "bulk_reassign": (SUPERVISION, "reassign a worker's whole caseload"),
    "leaver": (SUPERVISION, "record a leaver and hand on their work"),
    "merge": (SUPERVISION, "merge two records"),
    "withdraw_death": (SUPERVISION, "withdraw a recorded death"),
    "access_review": (SUPERVISION, "review break-glass use and disabled logins"),
    # Figures and the trail, for a supervisor's scope or the whole city.
    "export_weekly": (OVERSIGHT, "export the weekly summary"),
    "export_returns": (OVERSIGHT, "export returns"),
    "audit_query": (OVERSIGHT, "query the audit trail"),
    # Running the service.
    "staff_manage": (ADMINISTRATION, "add, change, disable or enable staff logins"),
    "manage_workers": (ADMINISTRATION, "add or change teams and workers"),
    "import": (ADMINISTRATION, "import records"),
    "backup": (ADMINISTRATION, "back up or restore the database"),
    "migrate": (ADMINISTRATION, "upgrade the database"),
}

ACTIONS: dict[str, frozenset[Role]] = {action: roles for action, (roles, _) in _RULES.items()}
"""Every role-restricted action and the roles that may do it."""

DOING: dict[str, str] = {action: doing for action, (_, doing) in _RULES.items()}
"""Each action as words: "Only coordinators and supervisors may <triage a referral>"."""


def may(who: SignedIn, action: str) -> bool:
    """Whether `who` may do `action` (a key of `ACTIONS`)."""
    return who.role in ACTIONS[action]


def who_may(action: str) -> str:
    """The roles that may do `action`, in plain words: "coordinators and supervisors".

    The owner is named only when no staff role may: the owner may do everything.
    """
    staff = [ROLE_NAMES[role][1] for role in Role if role in ACTIONS[action]]
    names = [name for name in staff if name != ROLE_NAMES[Role.OWNER][1]] or staff
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def refusal(who: SignedIn, action: str) -> str:
    """Why `who` may not do `action`, and who may."""
    role = ROLE_NAMES[who.role][0]
    return (
        f"Only {who_may(action)} may {DOING[action]}. "
        f"You are signed in as {who.login}, a{'n' if role[0] in 'aeiou' else ''} {role}."
    )


def require(who: SignedIn, action: str) -> None:
    """Refuse (`NotAllowed`) unless `who` may do `action`."""
    if not may(who, action):
        raise NotAllowed(refusal(who, action), action=action)


def require_for(session: Session, action: str) -> SignedIn:
    """`require(signed_in(session.get_bind()), action)`: what a service's first line
    calls. Returns who is signed in."""
    who = signed_in(session.get_bind())
    require(who, action)
    return who


# Signing in, once per engine.

_signed_in: weakref.WeakKeyDictionary[Any, SignedIn] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def signed_in(bind: Engine | Connection) -> SignedIn:
    """Who is signed in on `bind`'s database (cached per engine).

    Raises `NotStaff` for a PostgreSQL login that is neither staff nor the owner.
    """
    engine = cast("Engine", getattr(bind, "engine", bind))  # a Connection has .engine
    # Keyed by the connection pool, which an engine shares with the copies its
    # `execution_options` makes (every read session is one): signing in again for each
    # would cost a round trip and rewrite the login's last sign-in on every read.
    known = _signed_in.get(engine.pool)
    if known is not None:
        return known
    with _lock:
        known = _signed_in.get(engine.pool)
        if known is None:
            known = _sign_in(engine)
            _signed_in[engine.pool] = known
        return known


def forget(engine: Engine) -> None:
    """Sign in afresh on `engine`'s next use (its login's role or scope changed)."""
    with _lock:
        _signed_in.pop(engine.pool, None)


def _sign_in(engine: Engine) -> SignedIn:
    if engine.dialect.name != "postgresql":
        return SignedIn(login=_login(engine), role=Role.OWNER)
    from sqlalchemy import text

    with engine.begin() as connection:
        login = str(connection.execute(text("SELECT session_user")).scalar_one())
        staff = None
        # Only staff group roles (and the owner) may run it; NULL before it exists.
        usable = "SELECT has_function_privilege(to_regprocedure('intapp_sign_in()'), 'EXECUTE')"
        if connection.execute(text(usable)).scalar():
            staff = connection.execute(
                text("SELECT role, worker_id, locality_id, team_ids FROM intapp_sign_in()")
            ).first()
        if staff is not None:
            role, worker_id, locality_id, team_ids = staff
            return SignedIn(
                login=login,
                role=Role(role),
                worker_id=worker_id,
                team_ids=frozenset(team_ids or ()),
                locality_id=locality_id,
                team_mode=True,
            )
        owner = connection.execute(
            text(
                "SELECT r.rolsuper OR pg_has_role(session_user, d.datdba, 'MEMBER')"
                " FROM pg_roles r, pg_database d"
                " WHERE r.rolname = session_user AND d.datname = current_database()"
            )
        ).scalar()
    if owner:
        return SignedIn(login=login, role=Role.OWNER, team_mode=True)
    raise NotStaff(
        f"{login} is not set up as intapp staff on this server; ask your administrator "
        f"to run `intapp staff add {login} ...`."
    )


def _login(engine: Engine) -> str:
    """The login on a SQLite store: the account that owns the file."""
    from intapp.store.identity import login

    return login(engine)
