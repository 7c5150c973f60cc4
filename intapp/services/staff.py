"""Staff logins on the team server: add, list, disable (a leaver) and enable, and the
break-glass time limit.

Each login is a PostgreSQL role of its own, member of one group role (`intapp_<role>`),
with its scope in `staff_login` and `staff_team`. Every change is audited, never with a
password: only its SCRAM verifier is sent to the server. A SQLite store is single-user,
so these refuse to run there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from intapp import access, clock
from intapp.access import ROLE_NAMES, Role, may, require_for
from intapp.models import Locality, Team, Worker
from intapp.models.access import STAFF_ROLES, AccessPolicy, StaffLogin, StaffTeam
from intapp.services import audit
from intapp.services.errors import DomainError, InvalidInput, NotAllowed, NotFound
from intapp.store import login_roles

SINGLE_USER = "A SQLite store is single-user; staff logins exist on the team server."
BREAK_GLASS_HOURS = (1, 168)  # as the access_policy table's check


class SingleUserStore(DomainError):
    """A team-server action asked of a single-user SQLite store."""


@dataclass(frozen=True)
class StaffIn:
    """A new login as an administrator asked for it (names and codes, not ids)."""

    login: str
    role: str
    team_codes: tuple[str, ...] = ()
    locality: str | None = None
    staff_id: str | None = None


@dataclass(frozen=True)
class StaffView:
    """One login as `intapp staff list` and the access review show it."""

    login: str
    role: str
    teams: tuple[str, ...]
    locality: str | None
    worker: str | None
    enabled: bool
    created_at: datetime
    disabled_at: datetime | None
    last_sign_in_at: datetime | None

    @property
    def scope(self) -> str:
        """Teams, a locality, or the whole city."""
        if self.role == "admin":
            return "city-wide"
        if self.locality:
            return f"{self.locality} locality"
        return ", ".join(self.teams) or "no teams"


def require_team_server(session: Session) -> None:
    """Refuse on a single-user SQLite store."""
    if session.get_bind().dialect.name != "postgresql":
        raise SingleUserStore(SINGLE_USER)


def role_label(role: str) -> str:
    """A role as people say it: "key worker"."""
    return ROLE_NAMES[Role(role)][0]


def _scope(
    session: Session, staff_in: StaffIn, worker: Worker | None
) -> tuple[list[Team], Locality | None]:
    """The teams or locality the login works in, checked against its role."""
    role, codes, locality_name = staff_in.role, staff_in.team_codes, staff_in.locality
    if role == "admin":
        if codes or locality_name:
            raise InvalidInput("An admin works city-wide: give no --team or --locality")
        return [], None
    if role == "supervisor":
        if codes:
            raise InvalidInput("A supervisor's scope is a locality: give --locality, not --team")
        if not locality_name:
            raise InvalidInput("A supervisor needs --locality NAME", field="locality")
        locality = session.exec(
            select(Locality).where(func.lower(Locality.name) == locality_name.strip().lower())
        ).first()
        if locality is None:
            names = ", ".join(session.exec(select(Locality.name).order_by(Locality.name)).all())
            raise InvalidInput(
                f"There is no locality {locality_name!r} (there are: {names})", field="locality"
            )
        return [], locality
    if locality_name:
        raise InvalidInput(f"A {role_label(role)} works in teams: give --team, not --locality")
    if not codes and worker is not None:
        codes = (session.get(Team, worker.team_id).code,)  # type: ignore[union-attr]
    if not codes:
        raise InvalidInput(
            f"A {role_label(role)} needs --team CODE (or --staff-id, to use the worker's team)",
            field="team",
        )
    teams = []
    for code in dict.fromkeys(c.strip().upper() for c in codes):
        team = session.exec(select(Team).where(func.upper(Team.code) == code)).first()
        if team is None:
            raise InvalidInput(f"There is no team with the code {code!r}", field="team")
        teams.append(team)
    return teams, None


def _worker(session: Session, staff_id: str | None) -> Worker | None:
    if staff_id is None:
        return None
    worker = session.exec(select(Worker).where(Worker.staff_id == staff_id.strip())).first()
    if worker is None:
        raise InvalidInput(f"No worker has the staff id {staff_id!r}", field="staff_id")
    holder = session.exec(select(StaffLogin).where(StaffLogin.worker_id == worker.id)).first()
    if holder is not None:
        raise InvalidInput(
            f"{worker.display_name} ({staff_id}) already signs in as {holder.login!r}",
            field="staff_id",
        )
    return worker


def add_staff(*, session: Session, user: str, staff_in: StaffIn, verifier: str | None) -> StaffView:
    """Create the login role, grant its group role and CONNECT, and record its scope.

    `verifier` is the password's SCRAM verifier (`store.scram`), or None for a login
    that authenticates otherwise (certificate, Kerberos). All in the caller's
    transaction: PostgreSQL's role changes commit or roll back with the rows.
    """
    require_team_server(session)
    require_for(session, "staff_manage")
    require_role_manager(session)
    login = staff_in.login
    if problem := login_roles.login_problem(login):
        raise InvalidInput(problem, field="login")
    if staff_in.role not in STAFF_ROLES:
        raise InvalidInput(
            f"The role is one of: {', '.join(STAFF_ROLES)} (not {staff_in.role!r})", field="role"
        )
    connection = session.connection()
    if session.get(StaffLogin, login) is not None:
        raise InvalidInput(f"{login!r} is already a staff login", field="login")
    if login_roles.role_exists(connection, login):
        raise InvalidInput(
            f"The server already has a role named {login!r} (role names are shared by every "
            "database on it); choose another login",
            field="login",
        )
    group = login_roles.GROUP_ROLES[staff_in.role]
    if not login_roles.role_exists(connection, group):
        raise InvalidInput(
            f"The server has no {group} role yet: the database needs `intapp db upgrade` "
            "(run by its owner)"
        )
    worker = _worker(session, staff_in.staff_id)
    teams, locality = _scope(session, staff_in, worker)

    login_roles.create_login(connection, login, verifier=verifier)
    login_roles.grant_membership(connection, login, group)
    row = StaffLogin(
        login=login,
        role=staff_in.role,
        locality_id=locality.id if locality else None,
        worker_id=worker.id if worker else None,
        created_at=clock.now(),
    )
    session.add(row)
    session.flush()
    for team in teams:
        session.add(StaffTeam(login=login, team_id=team.id))  # type: ignore[arg-type]
    session.flush()
    audit.record(
        session=session,
        user=user,
        entity="staff_login",
        entity_id=login,
        action="create",
        changes={
            "role": [None, staff_in.role],
            "teams": [None, [t.code for t in teams]],
            "locality": [None, locality.name if locality else None],
            "worker": [None, worker.staff_id if worker else None],
            # Whether one was set, never what it was.
            "password": [None, "set" if verifier else "none"],
        },
    )
    return staff_view(session=session, login=login)


def require_role_manager(session: Session) -> None:
    """Adding, disabling and enabling a login change the server's roles, which needs
    CREATEROLE; staff logins never have it (it reaches almost every role on the server)."""
    if not login_roles.may_manage_roles(session.connection()):
        raise NotAllowed(
            "Adding, disabling or enabling a login changes the server's roles, which only "
            "the database's owner (or a superuser) may do: run this signed in as the owner. "
            "Staff logins, administrators' included, are never given that power, since on "
            "PostgreSQL 15 it reaches almost every role on the server.",
            action="staff_manage",
        )


def _saved(
    session: Session, user: str, row: StaffLogin, action: str, changes: dict[str, Any]
) -> StaffView:
    """Write a changed login and audit the change, in the caller's transaction."""
    session.add(row)
    session.flush()
    audit.record(
        session=session,
        user=user,
        entity="staff_login",
        entity_id=row.login,
        action=action,
        changes=changes,
    )
    return staff_view(session=session, login=row.login)


def _login(session: Session, login: str) -> StaffLogin:
    row = session.get(StaffLogin, login, with_for_update=True, populate_existing=True)
    if row is None:
        raise NotFound(f"{login!r} is not a staff login (see `intapp staff list`)")
    return row


def disable_staff(*, session: Session, user: str, login: str) -> StaffView:
    """A leaver: the role may no longer sign in (NOLOGIN), from the commit on.

    Connections already open stay open until `end_sessions` closes them, which the
    caller runs after the commit: before it, a new connection could still get in.
    """
    require_team_server(session)
    require_for(session, "staff_manage")
    require_role_manager(session)
    row = _login(session, login)
    if not row.enabled:
        raise InvalidInput(f"{login!r} is already disabled (since {row.disabled_at:%d/%m/%Y})")
    login_roles.allow_sign_in(session.connection(), login, allowed=False)
    row.enabled, row.disabled_at = False, clock.now()
    return _saved(session, user, row, "disable", {"enabled": [True, False]})


def link_worker(*, session: Session, user: str, login: str, staff_id: str) -> StaffView:
    """Link an existing login to its worker, so "My work" is theirs (audited)."""
    require_team_server(session)
    require_for(session, "staff_manage")
    row = _login(session, login)
    worker = _worker(session, staff_id)  # refuses a worker another login (or this) has
    assert worker is not None  # a staff id was given
    before = row.worker_id
    row.worker_id = worker.id
    return _saved(session, user, row, "link", {"worker_id": [before, worker.id]})


def enable_staff(*, session: Session, user: str, login: str) -> StaffView:
    """Let a disabled login sign in again."""
    require_team_server(session)
    require_for(session, "staff_manage")
    require_role_manager(session)
    row = _login(session, login)
    if row.enabled:
        raise InvalidInput(f"{login!r} is already enabled")
    login_roles.allow_sign_in(session.connection(), login, allowed=True)
    disabled_at = row.disabled_at
    row.enabled, row.disabled_at = True, None
    return _saved(
        session,
        user,
        row,
        "enable",
        {
            "enabled": [False, True],
            "disabled_at": [disabled_at.isoformat() if disabled_at else None, None],
        },
    )


def end_sessions(*, session: Session, login: str) -> int | None:
    """Close the login's open connections: how many, or None if not permitted here."""
    require_team_server(session)
    return login_roles.end_sessions(session.connection(), login)


def require_oversight(session: Session) -> None:
    """Refuse unless the login may review access (supervisors) or manage staff (admins)."""
    who = access.signed_in(session.get_bind())
    if not (may(who, "access_review") or may(who, "staff_manage")):
        raise NotAllowed(
            "Only supervisors and administrators may review staff logins and break-glass "
            f"use. You are signed in as {who.login}, a {ROLE_NAMES[who.role][0]}.",
            action="access_review",
        )


def list_staff(*, session: Session) -> list[StaffView]:
    """Every login, by name (supervisors and admins)."""
    require_oversight(session)
    logins = session.exec(select(StaffLogin.login).order_by(StaffLogin.login)).all()
    return _views(session, list(logins))


def staff_view(*, session: Session, login: str) -> StaffView:
    """One login as listed."""
    views = _views(session, [login])
    if not views:
        raise NotFound(f"{login!r} is not a staff login")
    return views[0]


def disabled_staff(*, session: Session) -> list[StaffView]:
    """Logins that may no longer sign in, most recently disabled first."""
    require_oversight(session)
    logins = session.exec(
        select(StaffLogin.login)
        .where(col(StaffLogin.enabled).is_(False))
        .order_by(col(StaffLogin.disabled_at).desc(), StaffLogin.login)
    ).all()
    return _views(session, list(logins))


def _views(session: Session, logins: list[str]) -> list[StaffView]:
    if not logins:
        return []
    rows = session.exec(
        select(StaffLogin, Locality.name, Worker)
        .join(Locality, col(Locality.id) == StaffLogin.locality_id, isouter=True)
        .join(Worker, col(Worker.id) == StaffLogin.worker_id, isouter=True)
        .where(col(StaffLogin.login).in_(logins))
    ).all()
    teams: dict[str, list[str]] = {}
    for login, code in session.exec(
        select(StaffTeam.login, Team.code)
        .join(Team, col(Team.id) == StaffTeam.team_id)
        .where(col(StaffTeam.login).in_(logins))
        .order_by(Team.code)
    ).all():
        teams.setdefault(login, []).append(code)
    by_login = {
        s.login: StaffView(
            login=s.login,
            role=s.role,
            teams=tuple(teams.get(s.login, ())),
            locality=locality,
            worker=f"{w.display_name} ({w.staff_id})" if w else None,
            enabled=s.enabled,
            created_at=s.created_at,
            disabled_at=s.disabled_at,
            last_sign_in_at=s.last_sign_in_at,
        )
        for s, locality, w in rows
    }
    return [by_login[login] for login in logins if login in by_login]


def break_glass_hours(*, session: Session) -> int:
    """How long a break-glass opening lasts."""
    policy = session.get(AccessPolicy, 1)
    return policy.break_glass_hours if policy else 8


def set_break_glass_hours(*, session: Session, user: str, hours: int) -> int:
    """Change how long a break-glass opening lasts (new grants only); audited."""
    require_team_server(session)
    require_for(session, "staff_manage")
    low, high = BREAK_GLASS_HOURS
    if not low <= hours <= high:
        raise InvalidInput(
            f"Break-glass access lasts {low} to {high} hours (not {hours})", field="hours"
        )
    policy = session.get(AccessPolicy, 1, with_for_update=True)
    before = policy.break_glass_hours if policy else None
    if policy is None:
        policy = AccessPolicy(id=1, break_glass_hours=hours)
    policy.break_glass_hours = hours
    session.add(policy)
    session.flush()
    if before != hours:
        audit.record(
            session=session,
            user=user,
            entity="access_policy",
            entity_id=1,
            action="update",
            changes={"break_glass_hours": [before, hours]},
        )
    return hours
