"""`intapp export cld`: the quarterly Client Level Data (CLD) file for NHS England."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from intapp import clock
from intapp.cli.context import Context, pass_context

if TYPE_CHECKING:
    from intapp.services.national.cld_file import Problem

# How many problems the screen shows; the report beside the file has them all.
SHOWN_PROBLEMS = 20


@click.command("cld")
@click.option("--quarter", required=True, help="Calendar quarter, e.g. 2026-Q3 (July-September).")
@click.option("--team", "team_code", metavar="CODE", help="Only this team's events.")
@click.option("--locality", metavar="NAME", help="Only the events of this locality's teams.")
@click.option(
    "--output",
    "-o",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Save to this CSV file (readable by you alone); the report goes beside it.",
)
@click.option(
    "--la-code",
    metavar="CODE",
    help="The council's code (LA_Code). Default: the la_code setting.",
)
@click.option("--strict", is_flag=True, help="Write nothing if any row has a problem.")
@click.option("--force", is_flag=True, help="Replace the file and its report if they exist.")
@pass_context
def cld(
    context: Context,
    quarter: str,
    team_code: str | None,
    locality: str | None,
    output: Path,
    la_code: str | None,
    strict: bool,
    force: bool,
) -> None:
    """The CLD return for a quarter: one row per event, in CLD release 1's columns.

    Requests (referrals triaged in the quarter), assessments and reviews (signed off in
    it) and services (reablement and micro-commissioned items active in it), UK time.
    Each row is checked first (mandatory fields, code lists, NHS numbers, dates in the
    quarter); the problems are shown and saved as OUTPUT.problems.csv (row, column,
    problem). With --strict a file with problems is not written (exit code 1). The file
    holds NHS numbers: it is readable by you alone (0600), an existing file is kept
    unless --force, and the export is recorded in the audit trail.

    \b
    Examples:
      intapp export cld --quarter 2026-Q3 --output cld-2026-q3.csv
      intapp export cld --quarter 2026-Q3 --locality Central -o central.csv --strict
      intapp export cld --quarter 2026-Q2 --team C3 --la-code 352 -o c3.csv --force
    """
    from intapp.services.national.cld_export import CldProblems, export_cld
    from intapp.store.engine import unit_of_work

    if team_code and locality:
        raise click.UsageError("Choose --team or --locality, not both")
    try:
        with unit_of_work(context.engine()) as session:
            done = export_cld(
                session=session,
                user=context.user,
                quarter=quarter,
                path=output,
                team_code=team_code,
                locality=locality,
                la_code=la_code,
                strict=strict,
                replace=force,
            )
    except CldProblems as refused:
        _show(refused.problems, saved_at=None)
        raise click.ClickException(refused.message) from None
    _show(done.problems, saved_at=done.problems_path)
    running = done.period.last_day >= clock.today()
    click.echo(
        f"CLD {done.period.label} ({done.scope})"
        + (" to date: the quarter has not ended" if running else "")
        + f": {done.rows:,} rows saved to {done.path}; {len(done.problems):,} problems"
        + (f", listed in {done.problems_path}" if done.problems else ""),
        err=True,
    )


def _show(problems: list[Problem], saved_at: Path | None) -> None:
    for p in problems[:SHOWN_PROBLEMS]:
        click.echo(f"row {p.row}, {p.column}: {p.problem}", err=True)
    more = len(problems) - SHOWN_PROBLEMS
    if more > 0:
        where = f" (all are in {saved_at})" if saved_at else ""
        click.echo(f"... and {more} more{where}", err=True)
