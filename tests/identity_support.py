"""Stand-in logins for tests: the audit trail's name is derived from the store (the
account owning a SQLite file, or PostgreSQL's `session_user`), so a test that wants
"duty.c1" in it says so here, for one database, instead of creating accounts or roles.

`conftest.stand_in_logins` (autouse) consults `STAND_INS` and forgets them after each
test; a database with no stand-in gets its real login.
"""

from __future__ import annotations

from sqlalchemy.engine import make_url

from intapp.store.engine import resolve_url
from intapp.store.sqlite_reader import chosen_url, sqlite_path

STAND_INS: dict[str, str] = {}


def database_key(url: str | None) -> str:
    """What identifies a database here: a SQLite file's path, or a server database's name."""
    path = sqlite_path(chosen_url(url))
    if path is not None:
        return str(path)
    return str(make_url(resolve_url(url)).database)


def signed_in(url: str, login: str) -> str:
    """Make `login` the login for the database at `url` in this test; returns `url`."""
    STAND_INS[database_key(url)] = login
    return url
