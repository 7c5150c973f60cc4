"""`intapp export trends`: the monthly trends the trends screen plots, as a file."""

from __future__ import annotations

from pathlib import Path

import click

from intapp.cli.context import Context, pass_context
from intapp.cli.report_options import report_format, report_options


@click.command("trends")
@report_options(default_format="csv")
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
    from intapp.services.trends.export import export_trends, trends_for_export
    from intapp.store.engine import unit_of_work

    fmt = report_format(
        team_code=team_code, locality=locality, fmt=fmt, output=output, default_format="csv"
    )
    with unit_of_work(context.engine()) as session:
        found = trends_for_export(session=session, team_code=team_code, locality=locality)
        data = export_trends(session=session, user=context.user, trends=found, fmt=fmt, path=output)
    if output is None:
        click.echo(data.decode("utf-8-sig"), nl=False)
    else:
        click.echo(f"{found.title}: saved to {output}", err=True)
