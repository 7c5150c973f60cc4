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
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

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


def connect_args(query: Mapping[str, Any], environ: Mapping[str, str] = os.environ) -> dict:
    """libpq options for psycopg, leaving alone any the URL's `query` sets itself."""
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
    return chosen
