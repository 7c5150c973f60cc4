"""`intapp export trends`: the monthly trends the trends screen plots, as a file."""

from __future__ import annotations

from pathlib import Path

import click

from intapp.cli.context import Context, pass_context

FORMATS = ("csv", "xlsx", "md")


@click.command("trends")
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
def trends(
    context: Context,
    team_code: str | None,
    locality: str | None,
    fmt: str | None,
    output: Path | None,
) -> None:
    """Monthly trends over the last 24 UK calendar months, the current one last (so far).

    A row per month and a column per series: referrals by source, triage within
    target and median hours to triage, median days to first allocation, reablement
    started and ended, endings with no ongoing support, at home at the follow-up,
    admissions to residential or nursing care, and open weighted caseload against
    summed limits. Each series' definition comes with it (CSV: below the table; XLSX:
    a Definitions sheet; Markdown: a list). Counts only: no person is named. Every
    export is recorded in the audit trail.

    \b
    Examples:
      intapp export trends
      intapp export trends --team C3 --format md
      intapp export trends --locality Central --output central-trends.xlsx
    """
    # The weekly export's rule for a format from a file's extension (imported here: the
    # export group imports this module as it loads).
    from intapp.cli.export import _SUFFIX_FORMAT
    from intapp.services.trends.export import export_trends, trends_for_export
    from intapp.store.engine import unit_of_work

    if team_code and locality:
        raise click.UsageError("Choose --team or --locality, not both")
    fmt = fmt or (_SUFFIX_FORMAT.get(output.suffix.lower(), "csv") if output else "csv")
    if fmt == "xlsx" and output is None:
        raise click.UsageError("An XLSX workbook needs --output FILE")
    with unit_of_work(context.engine()) as session:
        found = trends_for_export(session=session, team_code=team_code, locality=locality)
        data = export_trends(session=session, user=context.user, trends=found, fmt=fmt, path=output)
    if output is None:
        click.echo(data.decode("utf-8-sig"), nl=False)
    else:
        click.echo(f"{found.title}: saved to {output}", err=True)
