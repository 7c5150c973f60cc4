"""The `intapp` command: a bare `intapp` opens the app; subcommands do admin work.

Heavy modules (SQLModel, Textual) are imported inside the commands that need them,
so `intapp --help` stays quick.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from intapp.cli.context import DATABASE_URL_HELP, Context, current_user, pass_context
from intapp.cli.export import export
from intapp.cli.importing import import_command


class FriendlyGroup(click.Group):
    """Shows domain errors as one line and logs unexpected ones instead of a traceback."""

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
    from intapp.services.errors import DomainError

    if isinstance(error, DomainError):
        return click.ClickException(error.message)
    if isinstance(error, OperationalError):
        log_unexpected(error)
        return click.ClickException(
            "Cannot reach the database. Check --database-url / INTAPP_DATABASE_URL "
            "and that the server is running."
        )
    path = log_unexpected(error)
    return click.ClickException(
        f"Something went wrong ({type(error).__name__}). Nothing was half-saved. "
        f"Details for support are in {path}"
    )


@click.group(cls=FriendlyGroup, invoke_without_command=True)
@click.option("--database-url", envvar="INTAPP_DATABASE_URL", default=None, help=DATABASE_URL_HELP)
@click.option(
    "--user",
    envvar="INTAPP_USER",
    default=current_user,
    show_default="your login name",
    help="Name recorded in the audit trail.",
)
@click.option(
    "--demo", is_flag=True, help="Load demo data first if the database is empty, then open."
)
@click.version_option(package_name="intapp")
@click.pass_context
def main(ctx: click.Context, database_url: str | None, user: str, demo: bool) -> None:
    """intapp: referrals, caseloads, assessments, care plans and reablement for
    integrated neighbourhood teams.

    Run with no command to open the app.

    \b
    Examples:
      intapp                      open the app on your local database
      intapp --demo               load demo data (if empty) and open the app
      intapp demo --people 5000   load a bigger demo data set
      intapp --database-url postgresql://intapp@db.example/intapp
    """
    ctx.obj = Context(database_url, user)
    if ctx.invoked_subcommand is not None:
        return
    if demo:
        _load_demo_if_empty(ctx.obj)
    _open_app(ctx.obj)


def _open_app(context: Context) -> None:
    if not sys.stdin.isatty() or not sys.stdout.isatty():
        raise click.ClickException(
            "intapp needs an interactive terminal. For scripts, see `intapp --help`."
        )
    from intapp.app import IntApp

    IntApp(database_url=context.database_url, user=context.user).run()


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
    belong to a real person.

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


@main.group()
def db() -> None:
    """Database housekeeping."""


@db.command()
@pass_context
def upgrade(context: Context) -> None:
    """Apply any pending schema migrations.

    The app does this itself on start; run it by hand to upgrade a shared server
    before people open the new version.

    \b
    Example:
      intapp db upgrade --database-url postgresql://intapp@db.example/intapp
    """
    from intapp.store.engine import create_db_engine, describe_url, resolve_url
    from intapp.store.migrate import current_revision, head_revision
    from intapp.store.migrate import upgrade as apply_migrations

    engine = create_db_engine(context.database_url)
    before = current_revision(engine)
    apply_migrations(engine)
    where = describe_url(resolve_url(context.database_url))
    if before == head_revision():
        click.echo(f"Already up to date ({before}): {where}")
    else:
        click.echo(f"Upgraded from {before or 'empty'} to {head_revision()}: {where}")


@db.command()
@pass_context
def path(context: Context) -> None:
    """Print where the database lives.

    \b
    Example:
      intapp db path
    """
    from intapp.store.engine import describe_url, resolve_url
    from intapp.store.sqlite_reader import sqlite_path

    url = resolve_url(context.database_url)
    file = sqlite_path(url)
    click.echo(str(file) if file is not None else describe_url(url))


main.add_command(import_command)
main.add_command(export)


def run() -> None:
    """Entry point that keeps tracebacks away from users even outside click commands."""
    try:
        main(standalone_mode=True)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    run()
