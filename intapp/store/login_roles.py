"""PostgreSQL login roles for members of staff: create, grant, allow or stop signing in.

Role names cannot be statement parameters, so every name goes through
`psycopg.sql.Identifier` (and every value through `sql.Literal`), never string pasting;
`safe_login` refuses names that would need quoting to read sensibly anyway. A password
is never sent: only its SCRAM verifier (`store.scram`).
"""

from __future__ import annotations

import re
from typing import Any

from psycopg import sql
from sqlalchemy import Connection, text

# Lower-case so that `session_user` reads back as typed; dots and hyphens for
# "jo.bloggs"-style names; at most 63 bytes, PostgreSQL's NAMEDATALEN - 1.
_LOGIN = re.compile(r"[a-z][a-z0-9_.-]{0,62}")
# Names PostgreSQL or intapp keep for themselves.
_RESERVED_PREFIXES = ("pg_", "intapp_")
_RESERVED = frozenset(
    {"public", "postgres", "none", "current_user", "session_user", "current_role"}
)

GROUP_ROLES = {
    "key_worker": "intapp_key_worker",
    "coordinator": "intapp_coordinator",
    "supervisor": "intapp_supervisor",
    "admin": "intapp_admin",
}


def login_problem(login: str) -> str | None:
    """Why `login` cannot name a staff login, or None if it can."""
    if not _LOGIN.fullmatch(login):
        return (
            "A login is 1 to 63 characters: lower-case letters, digits, '_', '.' or '-', "
            "starting with a letter (e.g. jo.bloggs)"
        )
    if login in _RESERVED or login.startswith(_RESERVED_PREFIXES):
        return f"{login!r} is a name PostgreSQL or intapp keeps for itself; choose another"
    return None


def _run(connection: Connection, statement: sql.Composable) -> None:
    """Run a composed statement on the session's own connection (same transaction)."""
    cursor: Any = connection.connection.cursor()
    try:
        cursor.execute(statement)
    finally:
        cursor.close()


def role_exists(connection: Connection, name: str) -> bool:
    """Whether a role of this name exists anywhere on the server (names are cluster-wide)."""
    found = connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name})
    return found.first() is not None


def create_login(connection: Connection, login: str, *, verifier: str | None) -> None:
    """CREATE ROLE ... LOGIN, with the password's verifier or with no password at all.

    No login is given CREATEROLE, an administrator's neither: on PostgreSQL 15 it lets a
    role grant itself any role that is not a superuser (pg_execute_server_program, the
    database owner), which is the whole server.
    """
    statement = sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(login))
    if verifier is not None:
        if not verifier.startswith("SCRAM-SHA-256$"):
            raise ValueError("only a SCRAM-SHA-256 verifier is sent, never a password")
        statement = sql.SQL("{} PASSWORD {}").format(statement, sql.Literal(verifier))
    _run(connection, statement)


def may_manage_roles(connection: Connection) -> bool:
    """Whether this login may create and alter login roles (a superuser, or a role with
    CREATEROLE such as the database's owner is given)."""
    found = connection.execute(
        text("SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user")
    )
    return bool(found.scalar())


def grant_membership(connection: Connection, login: str, group: str) -> None:
    """Make `login` a member of the group role, and let it connect to this database."""
    _run(connection, sql.SQL("GRANT {} TO {}").format(sql.Identifier(group), sql.Identifier(login)))
    database = connection.execute(text("SELECT current_database()")).scalar_one()
    _run(
        connection,
        sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(
            sql.Identifier(database), sql.Identifier(login)
        ),
    )


def allow_sign_in(connection: Connection, login: str, *, allowed: bool) -> None:
    """ALTER ROLE ... LOGIN or NOLOGIN: takes effect for every new connection at commit."""
    clause = sql.SQL("LOGIN" if allowed else "NOLOGIN")
    _run(connection, sql.SQL("ALTER ROLE {} {}").format(sql.Identifier(login), clause))


def end_sessions(connection: Connection, login: str) -> int | None:
    """Terminate the login's open connections; how many, or None where this login
    may not signal them (it needs pg_signal_backend or to be a superuser)."""
    try:
        with connection.begin_nested():
            ended = connection.execute(
                text(
                    "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) "
                    "FROM pg_stat_activity WHERE usename = :login AND pid <> pg_backend_pid()"
                ),
                {"login": login},
            ).scalar_one()
    except Exception as error:  # only "permission denied" is expected; anything else is real
        if getattr(getattr(error, "orig", None), "sqlstate", None) != "42501":
            raise
        return None
    return int(ended)
