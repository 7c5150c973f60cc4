"""What every command shares: which database, the login working on it, and the option
that says which database."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from sqlalchemy import Engine

DATABASE_URL_HELP = (
    "SQLAlchemy URL of the database, e.g. postgresql://your.login@host/intapp (you sign "
    "in as your own login). Default: a private SQLite file in your data folder (see "
    "`intapp db path`)."
)


def at_terminal() -> bool:
    """Whether a person is at the terminal to answer a question."""
    return sys.stdin.isatty()


def ask_password(login: str, attempt: int) -> str | None:
    """Ask the person at the terminal for `login`'s password (hidden as it is typed);
    None when nobody is there to ask. The password is never echoed or stored."""
    if not at_terminal():
        return None
    if attempt > 1:
        click.echo("The server did not accept that password.", err=True)
    password: str = click.prompt(
        f"Password for {login}", hide_input=True, default="", show_default=False, err=True
    )
    return password or None


class Context:
    """What every command needs: which database, and (derived from it) who is working."""

    def __init__(self, database_url: str | None) -> None:
        self.database_url = database_url
        self._engine: Engine | None = None

    def signed_in(self) -> Engine:
        """The engine, once the server has accepted the login (asking for a password at
        a terminal when the server wants one that is not configured). Never migrates."""
        from intapp.store.engine import get_engine
        from intapp.store.identity import sign_in

        engine = get_engine(self.database_url)
        sign_in(engine, ask=ask_password)
        return engine

    def engine(self, *, sound: bool = False) -> Engine:
        """The engine, ready to use: a SQLite file is migrated on first use; a team
        server is never migrated here, and one that is behind is refused
        (`SchemaBehind`: its administrator runs `intapp db upgrade`).

        With `sound`, for bulk writes, a SQLite file that fails SQLite's quick check is
        refused (`DatabaseCorrupt`) before anything, even a migration, is written.
        """
        if self._engine is not None and not sound:
            return self._engine
        from intapp.store.integrity import require_sound
        from intapp.store.migrate import ready_for_use

        engine = self.signed_in()
        if sound:
            require_sound(engine)
        ready_for_use(engine)
        self._engine = engine
        return engine

    @property
    def user(self) -> str:
        """The login the audit trail records: the server's `session_user` on a team
        server, the account owning the file on SQLite. Derived, never given."""
        from intapp.store.identity import login

        return login(self.engine())


def record_view(
    context: Context,
    entity: str,
    entity_id: object,
    *,
    person_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Record, before showing it, that a command is about to show identifiable data
    (`services.views`), in a transaction of its own. A view that cannot be recorded (a
    read-only store) does not stop the command: the error log gets the failure, without
    personal data, and standard error a one-line warning."""
    from intapp.services.views import record_view as record
    from intapp.store.engine import unit_of_work

    try:
        with unit_of_work(context.engine()) as session:
            record(
                session=session,
                user=context.user,
                entity=entity,
                entity_id=entity_id,
                person_id=person_id,
                details=details,
            )
    except Exception as error:
        from intapp.errorlog import log_unexpected
        from intapp.store.errors import storage_error_from

        log_unexpected(error)
        storage = storage_error_from(error)
        why = storage.message if storage is not None else type(error).__name__
        click.echo(f"Warning: this view is not recorded in the audit trail: {why}", err=True)


def pass_context(command: Callable[..., Any]) -> Callable[..., Any]:
    """Give a subcommand the Context, letting it take --database-url itself.

    So both `intapp --database-url X demo` and `intapp demo --database-url X` work.
    """

    @click.option("--database-url", default=None, help=DATABASE_URL_HELP)
    @click.pass_context
    @functools.wraps(command)
    def wrapper(ctx: click.Context, database_url: str | None, **kwargs: Any) -> Any:
        parent = ctx.find_object(Context)
        assert parent is not None
        context = Context(database_url or parent.database_url)
        return command(context, **kwargs)

    return wrapper
