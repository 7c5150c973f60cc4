"""`intapp export evaluation`: who gets what, and at what cost."""

from __future__ import annotations

from pathlib import Path

import click

from intapp.cli.context import Context, pass_context

FORMATS = ("csv", "xlsx", "md")
_SUFFIX_FORMAT = {".csv": "csv", ".xlsx": "xlsx", ".md": "md", ".markdown": "md"}


@click.command("evaluation")
@click.option("--year", metavar="YYYY-YY", help="Financial year, e.g. 2025-26 (April to March).")
@click.option("--from", "first", metavar="DATE", help="First day (DD/MM/YYYY), UK time.")
@click.option("--to", "last", metavar="DATE", help="Last day (DD/MM/YYYY), included.")
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
    help="Save to this file (readable by you alone). Default: print (not for xlsx).",
)
@pass_context
def evaluation(
    context: Context,
    year: str | None,
    first: str | None,
    last: str | None,
    team_code: str | None,
    locality: str | None,
    fmt: str | None,
    output: Path | None,
) -> None:
    """Outcomes and estimated costs by INT cohort and by triage pathway.

    For each group: referrals received and people, re-referrals within the window,
    reablement episodes ended by outcome, follow-ups at home, and costs estimated from
    the unit costs in the config file ([unit_costs]), each printed with its source.
    Default period: the last complete financial year, UK time. Counts only: no person
    is named. The definitions come with the table (md: notes; xlsx: a Notes sheet;
    csv: below the table). Every export is recorded in the audit trail.

    \b
    Examples:
      intapp export evaluation
      intapp export evaluation --year 2025-26 --locality Central --format md
      intapp export evaluation --from 01/04/2026 --to 30/09/2026 -o half-year.xlsx
    """
    from intapp.services.evaluation import evaluation_table, export_evaluation
    from intapp.store.engine import unit_of_work

    if team_code and locality:
        raise click.UsageError("Choose --team or --locality, not both")
    fmt = fmt or (_SUFFIX_FORMAT.get(output.suffix.lower(), "csv") if output else "csv")
    if fmt == "xlsx" and output is None:
        raise click.UsageError("An XLSX workbook needs --output FILE")
    with unit_of_work(context.engine()) as session:
        table = evaluation_table(
            session=session,
            year=year,
            first=first,
            last=last,
            team_code=team_code,
            locality=locality,
        )
        data = export_evaluation(
            session=session, user=context.user, table=table, fmt=fmt, path=output
        )
    if output is None:
        click.echo(data.decode("utf-8-sig"), nl=False)
    else:
        click.echo(f"{table.title}: {len(table.rows)} rows saved to {output}", err=True)
