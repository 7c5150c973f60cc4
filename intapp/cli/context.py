"""What every command shares: which database, who is working, and the options that say so."""

from __future__ import annotations

import functools
import getpass
from collections.abc import Callable
from typing import Any

import click

DATABASE_URL_HELP = (
    "SQLAlchemy URL of the database, e.g. postgresql://user@host/intapp. "
    "Default: a private SQLite file in your data folder (see `intapp db path`)."
)


def current_user() -> str:
    """The OS login, used for the audit trail unless --user says otherwise."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


class Context:
    """What every command needs: which database, and who is working."""

    def __init__(self, database_url: str | None, user: str) -> None:
        self.database_url = database_url
        self.user = user

    def engine(self, *, sound: bool = False) -> Any:
        """The migrated engine; migrations are applied on first use.

        With `sound`, for bulk writes, a SQLite file that fails SQLite's quick check is
        refused (`DatabaseCorrupt`) before anything, even a migration, is written.
        """
        from intapp.store.engine import get_engine
        from intapp.store.integrity import require_sound
        from intapp.store.migrate import upgrade

        engine = get_engine(self.database_url)
        if sound:
            require_sound(engine)
        upgrade(engine)
        return engine


def pass_context(command: Callable[..., Any]) -> Callable[..., Any]:
    """Give a subcommand the Context, letting it take --database-url and --user itself.

    So both `intapp --database-url X demo` and `intapp demo --database-url X` work.
    """

    @click.option("--user", default=None, help="Name recorded in the audit trail.")
    @click.option("--database-url", default=None, help=DATABASE_URL_HELP)
    @click.pass_context
    @functools.wraps(command)
    def wrapper(
        ctx: click.Context, database_url: str | None, user: str | None, **kwargs: Any
    ) -> Any:
        parent = ctx.find_object(Context)
        assert parent is not None
        context = Context(database_url or parent.database_url, user or parent.user)
        return command(context, **kwargs)

    return wrapper
