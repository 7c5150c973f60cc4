"""`intapp export`: summaries and returns to send on."""

from __future__ import annotations

from pathlib import Path

import click

from intapp.cli.context import Context, pass_context
from intapp.cli.report_options import report_format, report_options


@click.group()
def export() -> None:
    """Export summaries for supervisors and returns."""


@export.command("weekly")
@click.option("--week", help="ISO week, e.g. 2026-W47. Default: the last complete week.")
@report_options(default_format="csv")
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

    fmt = report_format(
        team_code=team_code, locality=locality, fmt=fmt, output=output, default_format="csv"
    )
    with unit_of_work(context.engine()) as session:
        summary = weekly_summary(session=session, week=week, team_code=team_code, locality=locality)
        data = export_weekly_summary(
            session=session, user=context.user, summary=summary, fmt=fmt, path=output
        )
    if output is None:
        click.echo(data.decode("utf-8-sig"), nl=False)
    else:
        click.echo(f"{summary.title}: {len(summary.rows)} rows saved to {output}", err=True)


_COPY_SUFFIX_FORMAT = {".html": "html", ".htm": "html", ".md": "md", ".markdown": "md"}


@export.command("plan")
@click.argument("identifier", metavar="NHS_NUMBER")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("html", "md")),
    help="html (a page to print) or md. Default: from --output's extension, else html.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Save to this file. Default: care-plan-NAME-idID-DATE.html in the current folder."
    " An existing file is refused unless --force.",
)
@click.option("--force", is_flag=True, help="Replace the file if it exists.")
@pass_context
def plan(
    context: Context, identifier: str, fmt: str | None, output: Path | None, force: bool
) -> None:
    """A copy of a person's care and support plan, for the person to keep.

    NHS_NUMBER may also be a local id. The copy has their goals in their own words,
    what will happen, who will do it and by when, what is arranged, the review date,
    whom to contact and their latest signed-off assessment, in plain words. The file
    is readable only by you (0600), and the audit trail records that a copy was made.

    \b
    Examples:
      intapp export plan "943 476 5919"
      intapp export plan 9434765919 --format md --output mary-plan.md
    """
    from intapp.services.people import person_by_identifier
    from intapp.services.plan_copy import export_plan_copy
    from intapp.store.engine import unit_of_work

    fmt = fmt or (_COPY_SUFFIX_FORMAT.get(output.suffix.lower(), "html") if output else "html")
    with unit_of_work(context.engine()) as session:
        person = person_by_identifier(session=session, identifier=identifier, field="NHS_NUMBER")
        assert person.id is not None
        saved = export_plan_copy(
            session=session,
            user=context.user,
            person_id=person.id,
            fmt=fmt,
            path=output,
            folder=Path.cwd(),
            replace=force,
        )
    click.echo(f"{saved.name}'s care plan (version {saved.plan_number}) saved to {saved.path}")


@export.command("notes")
@click.argument("identifier", metavar="NHS_NUMBER")
@click.option("--from", "first", metavar="DATE", help="First day (DD/MM/YYYY), UK time.")
@click.option("--to", "last", metavar="DATE", help="Last day (DD/MM/YYYY), included.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("md", "csv")),
    help="md or csv. Default: from --output's extension, else md.",
)
@click.option(
    "--output",
    "-o",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Save to this file (readable by you alone).",
)
@pass_context
def notes(
    context: Context,
    identifier: str,
    first: str | None,
    last: str | None,
    fmt: str | None,
    output: Path,
) -> None:
    """One person's case notes, with their addenda, oldest first.

    NHS_NUMBER may have spaces; a local id works too, and a merged record's number
    gives the surviving record's notes. Without --from or --to the period is open at
    that end. CSV has a row per note and a row per addendum beneath it, its cells safe
    to open in a spreadsheet. The export is recorded in the audit trail.

    \b
    Examples:
      intapp export notes "943 476 5919" --output mary-notes.md
      intapp export notes 9434765919 --from 01/11/2026 --to 30/11/2026 --format csv -o nov.csv
    """
    from intapp.formatting import parse_date
    from intapp.services.note_export import export_notes
    from intapp.store.engine import unit_of_work

    days = []
    for option, text in (("--from", first), ("--to", last)):
        day = parse_date(text) if text else None
        if text and day is None:
            raise click.BadParameter(f"{text!r} is not a date: use DD/MM/YYYY", param_hint=option)
        days.append(day)
    fmt = fmt or ("csv" if output.suffix.lower() == ".csv" else "md")
    # If the audit record is not kept, neither is the file (`services.views.written`).
    with unit_of_work(context.engine()) as session:
        done = export_notes(
            session=session,
            user=context.user,
            identifier=identifier,
            first_day=days[0],
            last_day=days[1],
            fmt=fmt,
            path=output,
        )
    click.echo(f"{done.name}: {done.notes} case notes saved to {output}", err=True)


from intapp.cli.export_cld import cld  # noqa: E402 (registered below the group it joins)
from intapp.cli.export_evaluation import evaluation  # noqa: E402
from intapp.cli.export_returns import returns as _returns  # noqa: E402
from intapp.cli.export_trends import trends  # noqa: E402

export.add_command(cld)
export.add_command(evaluation)
export.add_command(_returns)
export.add_command(trends)
