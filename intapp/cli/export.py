"""`intapp export`: summaries and returns to send on."""

from __future__ import annotations

from pathlib import Path

import click

from intapp.cli.context import Context, pass_context

FORMATS = ("csv", "xlsx", "md")
_SUFFIX_FORMAT = {".csv": "csv", ".xlsx": "xlsx", ".md": "md", ".markdown": "md"}


@click.group()
def export() -> None:
    """Export summaries for supervisors and returns."""


@export.command("weekly")
@click.option("--week", help="ISO week, e.g. 2026-W47. Default: the last complete week.")
@click.option("--team", "team_code", metavar="CODE", help="Only this team.")
@click.option("--locality", metavar="NAME", help="Only the teams in this locality.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    help="csv, xlsx or md. Default: from --output's extension, else csv.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Save to this file. Default: print to the screen (not for xlsx).",
)
@pass_context
def weekly(
    context: Context,
    week: str | None,
    team_code: str | None,
    locality: str | None,
    fmt: str | None,
    output: Path | None,
) -> None:
    """The weekly caseload summary: a row per worker, then team, locality and city totals.

    Weeks run Monday to Sunday, UK time. Counts only: no person is named. CSV cells
    that a spreadsheet could run as a formula are neutralised; XLSX has a sheet of
    totals and one per team. Every export is recorded in the audit trail.

    \b
    Examples:
      intapp export weekly
      intapp export weekly --week 2026-W47 --team C3 --format md
      intapp export weekly --locality Central --output central.xlsx
    """
    from intapp.services.weekly_summary import export_weekly_summary, weekly_summary
    from intapp.store.engine import unit_of_work

    if team_code and locality:
        raise click.UsageError("Choose --team or --locality, not both")
    fmt = fmt or (_SUFFIX_FORMAT.get(output.suffix.lower(), "csv") if output else "csv")
    if fmt == "xlsx" and output is None:
        raise click.UsageError("An XLSX workbook needs --output FILE")
    with unit_of_work(context.engine()) as session:
        summary = weekly_summary(session=session, week=week, team_code=team_code, locality=locality)
        data = export_weekly_summary(
            session=session, user=context.user, summary=summary, fmt=fmt, path=output
        )
    if output is None:
        click.echo(data.decode("utf-8-sig"), nl=False)
    else:
        click.echo(f"{summary.title}: {len(summary.rows)} rows saved to {output}", err=True)
