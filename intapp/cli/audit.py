"""`intapp audit`: who has looked at or changed a person's record, and what a user did."""

from __future__ import annotations

from datetime import date
from typing import Any

import click

from intapp.cli.context import Context, pass_context


@click.group()
def audit() -> None:
    """Read the audit trail (supervisors for their locality, and admins).

    Every query is itself recorded in the trail.
    """


def _since(text: str | None) -> date | None:
    from intapp.formatting import parse_date

    if text is None:
        return None
    day = parse_date(text)
    if day is None:
        raise click.BadParameter(f"{text!r} is not a date: use DD/MM/YYYY", param_hint="--since")
    return day


SINCE = click.option("--since", metavar="DATE", help="From this day on (DD/MM/YYYY).")
FORMAT = click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv"]),
    default="table",
    show_default=True,
    help="A table, or CSV (safe to open in a spreadsheet).",
)


@audit.command("person")
@click.argument("nhs_number", metavar="NHS_NUMBER")
@SINCE
@FORMAT
@pass_context
def person_command(context: Context, nhs_number: str, since: str | None, fmt: str) -> None:
    """Who has looked at or changed this person's record, oldest first.

    For subject access requests and Caldicott reviews: every change, every opening of
    the record, every list page that showed them, and break-glass openings. NHS_NUMBER
    may also be a local id.

    \b
    Examples:
      intapp audit person "943 476 5919"
      intapp audit person 9434765919 --since 01/04/2026 --format csv > trail.csv
    """
    from intapp.services.audit_trail import person_trail
    from intapp.store.engine import unit_of_work

    day = _since(since)
    engine = context.engine()
    with unit_of_work(engine) as session:
        trail = person_trail(session=session, user=context.user, identifier=nhs_number, since=day)
    number = f" ({trail.nhs_number})" if trail.nhs_number else ""
    _show(
        f"Audit trail of {trail.name}{number}",
        day,
        [(e.at, e.user, e.what) for e in trail.entries],
        ("when", "who", "what"),
        fmt,
    )


@audit.command("user")
@click.argument("login")
@SINCE
@FORMAT
@pass_context
def user_command(context: Context, login: str, since: str | None, fmt: str) -> None:
    """What LOGIN did and looked at, oldest first.

    \b
    Examples:
      intapp audit user jo.bloggs
      intapp audit user jo.bloggs --since 2026-11-01 --format csv > jo.csv
    """
    from intapp.services.audit_trail import user_trail
    from intapp.store.engine import unit_of_work

    day = _since(since)
    engine = context.engine()
    with unit_of_work(engine) as session:
        trail = user_trail(session=session, user=context.user, login=login, since=day)
    _show(
        f"What {trail.login} did",
        day,
        [(e.at, e.what, e.person or "") for e in trail.entries],
        ("when", "what", "whose record"),
        fmt,
    )


def _show(
    title: str,
    since: date | None,
    rows: list[tuple[Any, str, str]],
    head: tuple[str, ...],
    fmt: str,
) -> None:
    from intapp.formatting import uk_date, uk_datetime

    if fmt == "csv":
        _csv(head, [(uk_datetime(at), *rest) for at, *rest in rows])
        return
    from rich.console import Console
    from rich.table import Table

    span = f" since {uk_date(since)}" if since else ""
    if not rows:
        click.echo(f"{title}{span}: nothing recorded.")
        return
    table = Table(title=f"{title}{span}")
    for column in head:
        table.add_column(column, overflow="fold")
    for at, *rest in rows:
        table.add_row(uk_datetime(at), *rest)
    Console().print(table)


def _csv(head: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    import csv
    import io

    from intapp.services.weekly_summary.cells import spreadsheet_safe

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(head)
    for row in rows:
        writer.writerow([spreadsheet_safe(cell) for cell in row])
    click.echo(out.getvalue(), nl=False)
