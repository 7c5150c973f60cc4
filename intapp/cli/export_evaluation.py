"""`intapp export evaluation`: who gets what, and at what cost."""

from __future__ import annotations

from pathlib import Path

import click

from intapp.cli.context import Context, pass_context
from intapp.cli.report_options import report_format, report_options


@click.command("evaluation")
@click.option("--year", metavar="YYYY-YY", help="Financial year, e.g. 2025-26 (April to March).")
@click.option("--from", "first", metavar="DATE", help="First day (DD/MM/YYYY), UK time.")
@click.option("--to", "last", metavar="DATE", help="Last day (DD/MM/YYYY), included.")
@report_options(default_format="csv")
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

    fmt = report_format(
        team_code=team_code, locality=locality, fmt=fmt, output=output, default_format="csv"
    )
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
