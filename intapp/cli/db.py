"""`intapp db`: where the database is, its schema, its health, backups and restores."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from intapp.cli.context import Context, pass_context

if TYPE_CHECKING:
    from intapp.store.integrity import IntegrityReport


@click.group()
def db() -> None:
    """Database housekeeping: path, upgrade, check, backup and restore."""


@db.command()
@pass_context
def upgrade(context: Context) -> None:
    """Apply any pending schema migrations.

    On a SQLite file the app does this itself on first use. A team server
    (PostgreSQL) is only ever migrated by this command: its administrator runs it,
    signed in as the database's owner, before people open the new version (until
    then the app and every other command refuse to start). A SQLite file that fails
    SQLite's quick check is refused before anything is written to it.

    \b
    Example:
      intapp db upgrade --database-url postgresql://intapp_owner@db.example/intapp
    """
    from intapp.store.engine import describe_url, resolve_url
    from intapp.store.integrity import require_sound
    from intapp.store.migrate import current_revision, head_revision
    from intapp.store.migrate import upgrade as apply_migrations

    engine = context.signed_in()
    require_sound(engine)
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


@db.command()
@pass_context
def check(context: Context) -> None:
    """Check the database for damage.

    On SQLite this runs the full `PRAGMA integrity_check`, which reads every page and
    cross-checks every index (a few seconds on a city-sized file). On PostgreSQL,
    which checks its own pages as it reads them, it checks the connection, the schema
    revision and that every table is there. Exit code 4 when damage is found.

    \b
    Example:
      intapp db check
    """
    from intapp.store.engine import create_db_engine
    from intapp.store.errors import DatabaseCorrupt
    from intapp.store.integrity import check_store, summary

    file = _sqlite_file(context)
    if file is not None and not file.is_file():
        raise click.ClickException(f"There is no database at {file} yet; nothing to check")
    engine = create_db_engine(context.database_url) if file is not None else context.signed_in()
    report = check_store(engine, quick=False)
    _show_report(report)
    if not report.ok:
        raise DatabaseCorrupt(
            f"The database {report.where} failed its check: {summary(report.problems)}. "
            "Restore the latest backup with `intapp db restore`, and keep the damaged "
            "file for support."
        )


def _show_report(report: IntegrityReport) -> None:
    click.echo(f"Checked {report.where} ({report.method}, {report.seconds:.1f} s):")
    for line in report.details:
        click.echo(f"  {line}")
    click.echo("  ok" if report.ok else f"  {len(report.problems)} problem(s) found")


@db.command()
@click.argument("target", required=False, type=click.Path(path_type=Path))
@pass_context
def backup(context: Context, target: Path | None) -> None:
    """Copy the database to TARGET, a new file or a folder.

    SQLite: a consistent copy even while the app and imports are running (SQLite's
    online backup API), readable only by you (0600), checked for integrity, and named
    with the time (UTC) when TARGET is a folder or left out. The default folder is
    `backups` beside the database. PostgreSQL: runs `pg_dump` if it is installed
    (default folder: `backups` in your data folder), otherwise prints the command to
    run.

    \b
    Examples:
      intapp db backup
      intapp db backup /media/usb/
      intapp db backup before-upgrade.sqlite3
    """
    from intapp.store.backup import backup_postgres, backup_sqlite
    from intapp.store.engine import resolve_url

    file = _sqlite_file(context)
    if file is not None:
        result = backup_sqlite(file, target)
    else:
        if shutil.which("pg_dump") is not None:  # else it only says what to run
            _require_on_server(context, "backup")
        result = backup_postgres(resolve_url(context.database_url), target)
    click.echo(
        f"Backed up to {result.path} ({result.size / 1_048_576:.1f} MB, "
        f"{result.seconds:.1f} s); only you can read it."
    )


@db.command()
@click.argument("backup_file", metavar="PATH", type=click.Path(path_type=Path))
@click.option("--yes", "-y", is_flag=True, help="Replace the database without asking.")
@pass_context
def restore(context: Context, backup_file: Path, yes: bool) -> None:
    """Replace the database with the backup at PATH.

    The backup is checked first: a damaged one, or one from a newer intapp, is
    refused. The database it replaces is kept aside, renamed with the time
    (for example intapp.sqlite3.replaced-20261123T090000Z). Close the app first.
    Asks before replacing anything unless --yes is given.

    \b
    Examples:
      intapp db restore ~/.local/share/intapp/backups/intapp-20261123T090000Z.sqlite3
      intapp db restore backup.sqlite3 --yes
    """
    from intapp.store.backup import check_backup, pg_restore_command, restore_sqlite, shown
    from intapp.store.engine import create_db_engine, resolve_url
    from intapp.store.migrate import upgrade as apply_migrations

    file = _sqlite_file(context)
    if file is None:
        command = pg_restore_command(resolve_url(context.database_url), backup_file)
        raise click.ClickException(
            "intapp restores SQLite files only. To restore PostgreSQL from a pg_dump "
            f"backup, run:\n  {shown(command)}"
        )
    revision = check_backup(backup_file)
    if not yes:
        question = f"Replace the database at {file} with {backup_file}?"
        if not _can_ask():
            raise click.ClickException(
                f"{question} There is no terminal to ask on: add --yes to confirm."
            )
        click.confirm(question, abort=True)
    result = restore_sqlite(backup_file, file, revision=revision)
    apply_migrations(create_db_engine(context.database_url))
    click.echo(f"Restored {result.database} from {backup_file}.")
    if result.kept_aside is not None:
        click.echo(f"The database it replaced is kept at {result.kept_aside}.")


def _require_on_server(context: Context, action: str) -> None:
    """Refuse (`NotAllowed`) unless the login signed in on the server may do `action`."""
    from intapp.access import require, signed_in
    from intapp.store.engine import get_engine

    require(signed_in(get_engine(context.database_url)), action)


def _can_ask() -> bool:
    return sys.stdin.isatty()


def _sqlite_file(context: Context) -> Path | None:
    from intapp.store.engine import resolve_url
    from intapp.store.sqlite_reader import sqlite_path

    return sqlite_path(resolve_url(context.database_url))
