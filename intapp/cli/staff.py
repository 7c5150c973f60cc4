"""`intapp staff`: staff logins on the team server (PostgreSQL), for administrators."""

from __future__ import annotations

import sys
from typing import Any

import click

from intapp.cli.context import Context, pass_context

ROLES = ("key_worker", "coordinator", "supervisor", "admin")
SHORTEST_PASSWORD = 12  # a long pass phrase beats complexity rules (NCSC)


@click.group()
def staff() -> None:
    """Staff logins on the team server: add, list, disable (a leaver), enable.

    Each member of staff signs in to PostgreSQL as their own login, in one role:
    key_worker, coordinator, supervisor or admin. A SQLite store is single-user and has
    no staff logins.
    """


def _team_server(context: Context) -> Any:
    """The engine, refusing a single-user SQLite store before asking anything else."""
    from intapp.services.staff import SINGLE_USER

    engine = context.engine()
    if engine.dialect.name != "postgresql":
        raise click.ClickException(SINGLE_USER)
    return engine


def _read_password(login: str, *, from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt(
            f"Password for {login}", hide_input=True, confirmation_prompt=True, err=True
        )
    if len(password) < SHORTEST_PASSWORD:
        raise click.BadParameter(
            f"A password is at least {SHORTEST_PASSWORD} characters (a pass phrase of a few "
            "words is easiest)",
            param_hint="password",
        )
    return password


@staff.command("add")
@click.argument("login")
@click.option("--role", type=click.Choice(ROLES), required=True, help="The login's role.")
@click.option(
    "--team",
    "teams",
    multiple=True,
    metavar="CODE",
    help="A team it works in (repeat, or separate codes with commas); key workers and "
    "coordinators. Default with --staff-id: the worker's team.",
)
@click.option("--locality", metavar="NAME", help="A supervisor's locality.")
@click.option("--staff-id", metavar="ID", help="Link the login to this worker.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--no-password", is_flag=True, help="No password (certificate or Kerberos sign-in).")
@pass_context
def add(
    context: Context,
    login: str,
    role: str,
    teams: tuple[str, ...],
    locality: str | None,
    staff_id: str | None,
    password_stdin: bool,
    no_password: bool,
) -> None:
    """Create LOGIN, a PostgreSQL login role, with its role, scope and worker.

    The password is asked for twice (not shown), or read from standard input with
    --password-stdin; it never goes on the command line. Only its SCRAM-SHA-256
    verifier is sent to the server, so it is in no log. Admins only.

    \b
    Examples:
      intapp staff add jo.bloggs --role key_worker --team CEN1 --staff-id SW123
      intapp staff add sam.lee --role coordinator --team CEN1,CEN2
      intapp staff add pat.ode --role supervisor --locality Central
      printf '%s\\n' "$PASS" | intapp staff add it.admin --role admin --password-stdin
      intapp staff add kerb.user --role key_worker --team NOR1 --no-password
    """
    from intapp.access import require, signed_in
    from intapp.services.staff import StaffIn, add_staff, role_label
    from intapp.store.engine import unit_of_work
    from intapp.store.login_roles import login_problem
    from intapp.store.scram import scram_verifier

    if password_stdin and no_password:
        raise click.UsageError("Give --password-stdin or --no-password, not both.")
    engine = _team_server(context)
    # Before asking for a password that could not be used.
    require(signed_in(engine), "staff_manage")
    if problem := login_problem(login):
        raise click.BadParameter(problem, param_hint="LOGIN")
    verifier = None
    if not no_password:
        verifier = scram_verifier(_read_password(login, from_stdin=password_stdin))
    codes = tuple(c for given in teams for c in given.split(",") if c.strip())
    with unit_of_work(engine) as session:
        view = add_staff(
            session=session,
            user=context.user,
            staff_in=StaffIn(login, role, codes, locality, staff_id),
            verifier=verifier,
        )
    worker = f", linked to {view.worker}" if view.worker else ""
    how = "with the password given" if verifier else "with no password"
    click.echo(f"Added {view.login}: {role_label(view.role)}, {view.scope}{worker}, {how}.")


@staff.command("list")
@pass_context
def list_command(context: Context) -> None:
    """Every staff login: role, scope, worker, last sign-in, and whether enabled.

    \b
    Example:
      intapp staff list
    """
    from rich.console import Console
    from rich.table import Table

    from intapp.formatting import uk_datetime
    from intapp.services.staff import list_staff, role_label
    from intapp.store.engine import read_session

    engine = _team_server(context)
    with read_session(engine) as session:
        logins = list_staff(session=session)
    if not logins:
        click.echo("No staff logins yet: add one with `intapp staff add`.")
        return
    table = Table(title="Staff logins")
    # The login whole, however narrow the terminal or pipe: scripts read it.
    table.add_column("login", no_wrap=True, min_width=max(len(v.login) for v in logins))
    for column in ("role", "scope", "worker", "last sign-in", "enabled"):
        table.add_column(column)
    for v in logins:
        table.add_row(
            v.login,
            role_label(v.role),
            v.scope,
            v.worker or "",
            uk_datetime(v.last_sign_in_at) or "never",
            "yes" if v.enabled else f"no, since {uk_datetime(v.disabled_at)}",
        )
    Console().print(table)


@staff.command("disable")
@click.argument("login")
@pass_context
def disable(context: Context, login: str) -> None:
    """Stop LOGIN signing in, at once (a leaver); their open sessions are closed.

    Their records and audit trail stay. `intapp staff enable` undoes it.

    \b
    Example:
      intapp staff disable jo.bloggs
    """
    from intapp.services.staff import disable_staff, end_sessions
    from intapp.store.engine import unit_of_work

    engine = _team_server(context)
    with unit_of_work(engine) as session:
        disable_staff(session=session, user=context.user, login=login)
    # After the commit: until then a new connection could still sign in.
    with unit_of_work(engine) as session:
        ended = end_sessions(session=session, login=login)
    click.echo(f"Disabled {login}: they can no longer sign in.")
    if ended is None:
        click.echo(
            "Their open sessions could not be closed from this login (it needs the "
            "pg_signal_backend role); they end when they disconnect."
        )
    elif ended:
        click.echo(f"Closed {ended} open session{'s' if ended != 1 else ''}.")


@staff.command("enable")
@click.argument("login")
@pass_context
def enable(context: Context, login: str) -> None:
    """Let a disabled LOGIN sign in again.

    \b
    Example:
      intapp staff enable jo.bloggs
    """
    from intapp.services.staff import enable_staff
    from intapp.store.engine import unit_of_work

    engine = _team_server(context)
    with unit_of_work(engine) as session:
        enable_staff(session=session, user=context.user, login=login)
    click.echo(f"Enabled {login}: they can sign in again.")


@staff.command("link")
@click.argument("login")
@click.option("--staff-id", required=True, metavar="ID", help="The worker's staff id.")
@pass_context
def link(context: Context, login: str, staff_id: str) -> None:
    """Link LOGIN to its worker, so "My work" is theirs.

    \b
    Example:
      intapp staff link jo.bloggs --staff-id SW123
    """
    from intapp.services.staff import link_worker
    from intapp.store.engine import unit_of_work

    engine = _team_server(context)
    with unit_of_work(engine) as session:
        view = link_worker(session=session, user=context.user, login=login, staff_id=staff_id)
    click.echo(f"Linked {login} to {view.worker}.")


@staff.command("policy")
@click.option(
    "--break-glass-hours",
    type=int,
    default=None,
    metavar="N",
    help="How long opening a record outside one's teams lasts (1 to 168 hours).",
)
@pass_context
def policy(context: Context, break_glass_hours: int | None) -> None:
    """Show or change the access policy: how long break-glass access lasts.

    \b
    Examples:
      intapp staff policy
      intapp staff policy --break-glass-hours 4
    """
    from intapp.services.staff import break_glass_hours as current_hours
    from intapp.services.staff import set_break_glass_hours
    from intapp.store.engine import read_session, unit_of_work

    engine = _team_server(context)
    if break_glass_hours is None:
        with read_session(engine) as session:
            hours = current_hours(session=session)
        click.echo(f"Break-glass access lasts {hours} hour{'s' if hours != 1 else ''}.")
        return
    with unit_of_work(engine) as session:
        hours = set_break_glass_hours(session=session, user=context.user, hours=break_glass_hours)
    click.echo(f"Break-glass access now lasts {hours} hour{'s' if hours != 1 else ''}.")
