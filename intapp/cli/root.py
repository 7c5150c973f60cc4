"""The `intapp` command: a bare `intapp` opens the app; subcommands do admin work.

Heavy modules (SQLModel, Textual) are imported inside the commands that need them,
so `intapp --help` stays quick.
"""

from __future__ import annotations

import signal
import sys
from typing import Any

import click

from intapp import __version__
from intapp.cli.alerts import alert
from intapp.cli.audit import audit
from intapp.cli.carers import carer, merge
from intapp.cli.cases import case, death
from intapp.cli.casework import transfer, worker
from intapp.cli.context import DATABASE_URL_HELP, Context, pass_context
from intapp.cli.db import db
from intapp.cli.export import export
from intapp.cli.importing import import_command
from intapp.cli.person import person
from intapp.cli.staff import staff

# Exit codes, one per cause, so scripts can tell them apart (the README lists them).
EXIT_REFUSED = 1  # bad input or a rule said no; also click's own errors
EXIT_UNREACHABLE = 3
EXIT_CORRUPT = 4
EXIT_DISK_FULL = 5
EXIT_READ_ONLY = 6
EXIT_SCHEMA_TOO_NEW = 7
EXIT_CONFIG = 8
EXIT_TIMED_OUT = 9
EXIT_SCHEMA_BEHIND = 10
EXIT_SIGN_IN = 11
EXIT_UNEXPECTED = 70  # a fault in intapp itself (sysexits' EX_SOFTWARE)


def exit_codes() -> list[tuple[int, str, type[Exception]]]:
    """Each error class's exit code and what it means, most specific first."""
    from intapp.config import ConfigError
    from intapp.services.errors import DomainError
    from intapp.store import errors
    from intapp.store.backup import BackupRefused

    return [
        (EXIT_REFUSED, "bad input or a rule refused it (the message says which)", DomainError),
        (EXIT_REFUSED, "a backup or restore could not go ahead", BackupRefused),
        (
            EXIT_REFUSED,
            "the team server refused it as outside the login's role or teams",
            errors.OutsideScope,
        ),
        (EXIT_UNREACHABLE, "cannot reach the database", errors.DatabaseUnreachable),
        (EXIT_CORRUPT, "the database (or backup) file is damaged", errors.DatabaseCorrupt),
        (EXIT_DISK_FULL, "the disk is full", errors.DiskFull),
        (EXIT_READ_ONLY, "the database is read-only", errors.ReadOnlyStore),
        (EXIT_SCHEMA_TOO_NEW, "the database is from a newer intapp", errors.SchemaTooNew),
        (EXIT_CONFIG, "a setting in the config file cannot be used", ConfigError),
        (EXIT_TIMED_OUT, "a statement ran past its timeout", errors.StatementTimedOut),
        (
            EXIT_SCHEMA_BEHIND,
            "the team database needs `intapp db upgrade` (by its administrator)",
            errors.SchemaBehind,
        ),
        (EXIT_SIGN_IN, "the database server did not accept the sign-in", errors.SignInRefused),
    ]


class FriendlyGroup(click.Group):
    """Shows known failures as one line with their own exit code (`exit_codes`), and
    logs unexpected ones instead of a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as error:
            raise _as_click_error(error) from None


def _as_click_error(error: Exception) -> click.ClickException:
    from sqlalchemy.exc import OperationalError

    from intapp.errorlog import log_unexpected
    from intapp.store.errors import DatabaseUnreachable, storage_error_from

    known = storage_error_from(error) or error
    if isinstance(known, OperationalError):
        log_unexpected(error)
        known = DatabaseUnreachable(
            "Cannot reach the database. Check --database-url / INTAPP_DATABASE_URL "
            "and that the server is running."
        )
    for code, _meaning, kind in exit_codes():
        if isinstance(known, kind):
            return _with_code(str(known), code)
    path = log_unexpected(error)
    return _with_code(
        f"Something went wrong ({type(error).__name__}). Nothing was half-saved. "
        f"Details for support are in {path}",
        EXIT_UNEXPECTED,
    )


def _with_code(message: str, code: int) -> click.ClickException:
    """A one-line error that exits with `code` (click reads `exit_code` off the class)."""
    failure = type("Failure", (click.ClickException,), {"exit_code": code})
    return failure(message)


@click.group(cls=FriendlyGroup, invoke_without_command=True)
@click.option("--database-url", envvar="INTAPP_DATABASE_URL", default=None, help=DATABASE_URL_HELP)
@click.option(
    "--demo", is_flag=True, help="Load demo data first if the database is empty, then open."
)
@click.version_option(__version__, prog_name="intapp")
@click.pass_context
def main(ctx: click.Context, database_url: str | None, demo: bool) -> None:
    """intapp: referrals, caseloads, assessments, care plans and reablement for
    integrated neighbourhood teams.

    Run with no command to open the app. The audit trail records who you are: on a
    team server (PostgreSQL) the login you sign in with, on a SQLite file the account
    that owns it.

    \b
    Examples:
      intapp                      open the app on your local database
      intapp --demo               load demo data (if empty) and open the app
      intapp demo --people 5000   load a bigger demo data set
      intapp --database-url postgresql://your.login@db.example/intapp
    """
    from intapp.errorlog import keep_library_logs_off_the_screen

    keep_library_logs_off_the_screen()
    ctx.obj = Context(database_url)
    if ctx.invoked_subcommand is not None:
        return
    if demo:
        _load_demo_if_empty(ctx.obj)
    _open_app(ctx.obj)


def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def _open_app(context: Context) -> None:
    if not _interactive():
        raise click.ClickException(
            "intapp needs an interactive terminal. For scripts, see `intapp --help`."
        )
    from intapp.store.identity import login_at

    if login_at(context.database_url) is None:
        # A team server: sign in (asking for a password here, before the screen is
        # taken over), check its schema, and learn the login's role before the app
        # opens, so a login that is not staff is told so here, with its exit code.
        from intapp.access import signed_in

        signed_in(context.engine())
    from intapp.app import IntApp

    app = IntApp(database_url=context.database_url)
    app.run()
    if app.return_code:  # the app stopped after an unexpected error, and said so
        raise click.exceptions.Exit(EXIT_UNEXPECTED)


def _load_demo_if_empty(context: Context) -> None:
    from sqlalchemy import func
    from sqlmodel import select

    from intapp.models import Person
    from intapp.store.engine import read_session

    engine = context.engine()
    with read_session(engine) as session:
        people = session.exec(select(func.count()).select_from(Person)).one()
    if people == 0:
        _run_demo(engine, people=2000, seed=7)


def _run_demo(engine: Any, *, people: int, seed: int) -> Any:
    from rich.console import Console

    from intapp.demo import load_demo

    console = Console(stderr=True)
    with console.status("Loading demo data…") as status:
        counts = load_demo(
            engine=engine,
            people=people,
            seed=seed,
            progress=lambda stage, done: status.update(f"Loading demo data: {stage} ({done:,})"),
        )
    return counts


@main.command()
@click.option("--people", default=2000, show_default=True, type=click.IntRange(1, 1_000_000))
@click.option("--seed", default=7, show_default=True, help="Same seed, same data.")
@pass_context
def demo(context: Context, people: int, seed: int) -> None:
    """Load realistic demo data into an empty database.

    12 teams in 3 localities, about 60 workers (600 at city scale), people across the
    risk tiers, referrals in every state, allocations, assessments, care plans and
    reablement episodes. NHS numbers come from the 999 test range, so they can never
    belong to a real person. A team server (PostgreSQL) is set up first, by its
    administrator, with `intapp db upgrade`.

    \b
    Examples:
      intapp demo
      intapp demo --people 200000 --database-url sqlite:///city.sqlite3
    """
    from rich.console import Console
    from rich.table import Table

    counts = _run_demo(context.engine(), people=people, seed=seed)
    table = Table(title="Demo data loaded")
    table.add_column("records")
    table.add_column("count", justify="right")
    for name, value in vars(counts).items():
        table.add_row(name.replace("_", " "), f"{value:,}")
    Console().print(table)


main.add_command(db)
main.add_command(import_command)
main.add_command(export)
main.add_command(carer)
main.add_command(merge)
main.add_command(person)
main.add_command(transfer)
main.add_command(worker)
main.add_command(case)
main.add_command(death)
main.add_command(alert)
main.add_command(staff)
main.add_command(audit)


def run() -> None:
    """Entry point that keeps tracebacks away from users even outside click commands."""
    try:
        main(standalone_mode=True)
    except KeyboardInterrupt:
        sys.exit(130)
    finally:
        # The command has ended: a Ctrl-C now, while Python shuts down (joining threads),
        # has nothing left to stop and would only print a traceback from the interpreter.
        signal.signal(signal.SIGINT, signal.SIG_IGN)


if __name__ == "__main__":
    run()
