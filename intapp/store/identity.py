"""Who is working: the name the audit trail records, which nobody can choose.

- On a team server (PostgreSQL) it is the login the server accepted: `session_user`,
  asked once per engine. Each member of staff signs in as their own login, with
  whatever the server's `pg_hba.conf` asks for (a password, a certificate, ...).
- On SQLite, a single-user store, it is the operating-system account that owns the
  database file (the file is private to it), or, before the file exists, the account
  running intapp, which is about to create it.

The SQLite answer needs nothing but the standard library (`login_at`), so the app can
show it before the data layer has loaded.
"""

from __future__ import annotations

import getpass
import os
import pwd
import threading
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from intapp.store.sqlite_reader import chosen_url, sqlite_path

if TYPE_CHECKING:
    from sqlalchemy import Engine

PASSWORD_TRIES = 3

_logins: weakref.WeakKeyDictionary[Engine, str] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def os_account() -> str:
    """The operating-system account running intapp."""
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:  # an account with no passwd entry (some containers)
        try:
            return getpass.getuser()
        except (KeyError, OSError):
            return f"uid {os.getuid()}"


def os_account_owning(path: Path) -> str:
    """The operating-system account that owns `path`; the current one if it does not
    exist yet (it is about to be created by this account)."""
    try:
        uid = path.stat().st_uid
    except OSError:
        return os_account()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def login_at(url: str | None) -> str | None:
    """The login for a SQLite store at `url` (see `chosen_url`) without loading the data
    layer, or None for a server, whose login only a connection can tell."""
    url = chosen_url(url)
    if url.startswith("sqlite"):
        path = sqlite_path(url)
        return os_account_owning(path) if path is not None else os_account()
    return None


def login(engine: Engine) -> str:
    """The login the audit trail records for work done through `engine`."""
    if engine.dialect.name != "postgresql":
        database = engine.url.database
        if not database or database == ":memory:":
            return os_account()
        return os_account_owning(Path(database))
    with _lock:
        known = _logins.get(engine)
    if known is not None:
        return known
    from sqlalchemy import text

    with engine.connect() as connection:
        found = str(connection.execute(text("SELECT session_user")).scalar_one())
    with _lock:
        _logins[engine] = found
    return found


def sign_in(engine: Engine, *, ask: Callable[[str, int], str | None] | None = None) -> str:
    """Connect to a team server once, asking for a password if it wants one that is not
    configured, and return the login; on SQLite just the login.

    `ask(login, attempt)` asks the person at the terminal for the password (None when
    there is nobody to ask, or they give up); without it, or after `PASSWORD_TRIES`
    refused tries, the server's refusal is raised as `PasswordRequired` or
    `SignInRefused`, whose messages never hold the password.
    """
    from sqlalchemy.exc import OperationalError

    from intapp.store import postgres
    from intapp.store.errors import PasswordRequired, SignInRefused, storage_error_from

    if engine.dialect.name != "postgresql":
        return login(engine)
    attempt = 0
    while True:
        try:
            return login(engine)
        except OperationalError as error:
            refused = storage_error_from(error)
            retry = isinstance(refused, PasswordRequired) or (
                isinstance(refused, SignInRefused) and postgres.has_password(engine)
            )
            if not retry or ask is None or attempt >= PASSWORD_TRIES:
                raise (refused or error) from None
            attempt += 1
            password = ask(engine.url.username or os.environ.get("PGUSER") or os_account(), attempt)
            if not password:
                raise (refused or error) from None
            postgres.use_password(engine, password)
