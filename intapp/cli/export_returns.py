"""`intapp export returns`: the SALT and ASCOF outcome figures for a financial year."""

from __future__ import annotations

from pathlib import Path

import click

from intapp.cli.context import Context, pass_context
from intapp.cli.report_options import report_format, report_options


@click.command("returns")
@click.option("--year", required=True, metavar="YYYY-YY", help="Financial year, e.g. 2026-27.")
@report_options(default_format="md")
@pass_context
def returns(
    context: Context,
    year: str,
    team_code: str | None,
    locality: str | None,
    fmt: str | None,
    output: Path | None,
) -> None:
    """SALT STS001, STS002a and STS002b, and ASCOF 2B and 2D, for a financial year.

    Counted from the same records and events as `intapp export cld`, by NHS England's
    published rules for reproducing SALT and ASCOF from Client Level Data. Each figure
    is printed beside its definition: numerator, denominator and period. Counts only:
    no person is named. A year still running is counted to date, and says so. The
    export is recorded in the audit trail.

    \b
    Examples:
      intapp export returns --year 2026-27
      intapp export returns --year 2025-26 --locality Central --format csv -o central.csv
      intapp export returns --year 2025-26 --team C3 --output c3-returns.xlsx
    """
    from intapp.services.national.returns_export import export_returns, year_returns
    from intapp.store.engine import unit_of_work

    fmt = report_format(
        team_code=team_code, locality=locality, fmt=fmt, output=output, default_format="md"
    )
    with unit_of_work(context.engine()) as session:
        figures = year_returns(session=session, year=year, team_code=team_code, locality=locality)
        data = export_returns(
            session=session, user=context.user, figures=figures, fmt=fmt, path=output
        )
    if output is None:
        click.echo(data.decode("utf-8-sig"), nl=False)
    else:
        note = " (to date)" if figures.returns.to_date else ""
        click.echo(f"{figures.title}{note} saved to {output}", err=True)
