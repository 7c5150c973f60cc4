"""Connection options that keep PostgreSQL from hanging: each has a default, an
environment variable, and can be set in the URL's query string instead.

- connect timeout: 10 s; `INTAPP_PG_CONNECT_TIMEOUT` (seconds), or `?connect_timeout=5`;
- TCP keepalives: after 30 s idle, then every 10 s, 3 tries; `INTAPP_PG_KEEPALIVES_IDLE`
  (seconds), or `?keepalives_idle=60`;
- data the server never acknowledges: 60 s; `INTAPP_PG_TCP_USER_TIMEOUT` (seconds), or
  `?tcp_user_timeout=30000` (milliseconds);
- statement timeout: 300 s; `INTAPP_PG_STATEMENT_TIMEOUT` (seconds), or
  `?options=-c%20statement_timeout%3D120s`.

A value in the URL wins over the environment, which wins over the default; 0 turns a
timeout off.

TLS: a server on another machine is reached with `sslmode=require` (encrypted, or no
connection at all); this machine's server (localhost, 127.0.0.1, ::1 or a Unix socket)
is left to libpq's default. `INTAPP_PG_SSLMODE` (or libpq's own `PGSSLMODE`) sets
another mode for every server, e.g. `verify-full` to check the server's certificate too,
and `?sslmode=...` in the URL wins over both.

Password: libpq finds one in the URL, `PGPASSWORD` or `~/.pgpass`. Failing those, one
typed at the terminal is handed to the engine with `use_password`: it is kept only in
this process's memory and given to each new connection, never put into the URL.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Engine

DEFAULT_SECONDS = {
    "INTAPP_PG_CONNECT_TIMEOUT": 10,
    "INTAPP_PG_KEEPALIVES_IDLE": 30,
    "INTAPP_PG_TCP_USER_TIMEOUT": 60,
    "INTAPP_PG_STATEMENT_TIMEOUT": 300,
}


def _seconds(name: str, environ: Mapping[str, str]) -> float:
    raw = environ.get(name)
    if raw is None or not raw.strip():
        return DEFAULT_SECONDS[name]
    try:
        value = float(raw)
    except ValueError:
        value = -1
    if value < 0:
        from intapp.config import ConfigError

        raise ConfigError(
            f"The environment variable {name} is {raw!r}; it must be a number of "
            "seconds, 0 or more (0 turns the timeout off)."
        )
    return value


SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
REMOTE_SSLMODE = "require"
_LOCAL_HOSTS = frozenset({"", "localhost", "127.0.0.1", "::1", "[::1]"})


def is_local(host: str | None) -> bool:
    """Whether every host libpq may try is this machine (a loopback name or address, or
    a Unix socket: no host at all, or a path)."""
    hosts = (host or "").split(",")
    return all(h.strip() in _LOCAL_HOSTS or h.strip().startswith(("/", "@")) for h in hosts)


def _sslmode(environ: Mapping[str, str], host: str | None) -> str | None:
    """The sslmode to ask for, or None to leave it to libpq (and `PGSSLMODE`)."""
    raw = environ.get("INTAPP_PG_SSLMODE", "").strip()
    if raw:
        if raw not in SSL_MODES:
            from intapp.config import ConfigError

            raise ConfigError(
                f"The environment variable INTAPP_PG_SSLMODE is {raw!r}; it must be one of "
                f"{', '.join(SSL_MODES)}."
            )
        return raw
    if environ.get("PGSSLMODE", "").strip() or is_local(host):
        return None
    return REMOTE_SSLMODE


def connect_args(
    query: Mapping[str, Any],
    environ: Mapping[str, str] = os.environ,
    *,
    host: str | None = None,
) -> dict:
    """libpq options for psycopg, leaving alone any the URL's `query` sets itself.

    `host` is the URL's host; the query's `host` or `hostaddr`, then `PGHOST` or
    `PGHOSTADDR`, stand in when it has none.
    """
    wanted: dict[str, Any] = {
        "connect_timeout": str(round(_seconds("INTAPP_PG_CONNECT_TIMEOUT", environ))),
        "keepalives": "1",
        "keepalives_idle": str(round(_seconds("INTAPP_PG_KEEPALIVES_IDLE", environ))),
        "keepalives_interval": "10",
        "keepalives_count": "3",
        "tcp_user_timeout": str(round(_seconds("INTAPP_PG_TCP_USER_TIMEOUT", environ) * 1000)),
    }
    chosen = {key: value for key, value in wanted.items() if key not in query}
    options = str(query.get("options", ""))
    if "statement_timeout" not in options:
        timeout_ms = round(_seconds("INTAPP_PG_STATEMENT_TIMEOUT", environ) * 1000)
        chosen["options"] = f"{options} -c statement_timeout={timeout_ms}".strip()
    if "sslmode" not in query:
        where = (
            host
            or str(query.get("host", "") or query.get("hostaddr", ""))
            or environ.get("PGHOST", "")
            or environ.get("PGHOSTADDR", "")
        )
        if mode := _sslmode(environ, where):
            chosen["sslmode"] = mode
    return chosen


_PASSWORDS: weakref.WeakKeyDictionary[Engine, str] = weakref.WeakKeyDictionary()


def supply_passwords(engine: Engine) -> None:
    """Give each new connection of `engine` the password set by `use_password`, if any."""
    from sqlalchemy import event

    ref = weakref.ref(engine)

    @event.listens_for(engine, "do_connect")
    def add_password(_dialect: Any, _record: Any, _cargs: Any, cparams: dict) -> None:
        owner = ref()
        password = _PASSWORDS.get(owner) if owner is not None else None
        if password is not None:
            cparams["password"] = password


def use_password(engine: Engine, password: str) -> None:
    """Connect `engine` with `password` from now on (held in memory only)."""
    _PASSWORDS[engine] = password


def has_password(engine: Engine) -> bool:
    """Whether a password was typed for `engine` (`use_password`)."""
    return engine in _PASSWORDS
