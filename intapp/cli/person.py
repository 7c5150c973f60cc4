"""`intapp person`: correct a person's details from the command line."""

from __future__ import annotations

from typing import Any

import click

from intapp.cli.context import Context, pass_context

COHORT_OPTIONS = (
    "frail_older",
    "ltc_end_of_life",
    "complex_lives",
    "mh_ld_dementia",
    "cyp_with_ltc",
)


@click.group()
def person() -> None:
    """Look after people's records."""


def _cohort_options(command: Any) -> Any:
    for flag in reversed(COHORT_OPTIONS):
        option = flag.replace("_", "-")
        command = click.option(
            f"--{option}/--not-{option}",
            flag,
            default=None,
            help=f"Cohort flag {option}: set or clear it.",
        )(command)
    return command


@person.command("edit")
@click.argument("identifier", metavar="PERSON")
@click.option("--given-name", help="Given name.")
@click.option("--family-name", help="Family name.")
@click.option("--date-of-birth", help="DD/MM/YYYY or YYYY-MM-DD.")
@click.option("--gender", help="Gender (an empty value clears it).")
@click.option("--phone", help="Phone (an empty value clears it).")
@click.option("--postcode", help="Postcode, with or without its space.")
@click.option("--gp-practice", "gp_practice_code", metavar="CODE", help="GP practice code.")
@click.option("--risk-tier", type=click.Choice(["highest", "high", "rising", "low"]))
@click.option("--nhs-number", help="10 digits; must pass the check digit and be unused.")
@click.option("--ethnicity", help="NHS ethnic category: A-S, Z (not stated) or unknown.")
@click.option("--accommodation-status", help="CLD accommodation status: its code or wording.")
@click.option("--primary-support-reason", help="CLD primary support reason: its code or wording.")
@click.option("--client-type", help="service_user, carer or unknown.")
@_cohort_options
@pass_context
def edit(context: Context, identifier: str, **given: Any) -> None:
    """Change a person's details; PERSON is their NHS number or local id.

    Only the fields given change. Each is checked as in the app, and the change is
    audited field by field (old and new value) under your login.

    \b
    Examples:
      intapp person edit "943 476 5919" --family-name Smyth --date-of-birth 03/01/1940
      intapp person edit L0001234 --postcode m130pp --gp-practice P84001
      intapp person edit 9434765919 --frail-older --risk-tier high
      intapp person edit L0001234 --ethnicity A --accommodation-status care_home

    The national fields take a code or its wording in any case; an empty value clears
    one (not recorded).
    """
    from intapp.formatting import parse_date
    from intapp.services.people import person_by_identifier
    from intapp.services.person_details import EDITABLE, details_of, edit_person
    from intapp.store.engine import unit_of_work

    changes = {name: value for name, value in given.items() if value is not None}
    if not changes:
        raise click.UsageError("Give at least one field to change (see --help).")
    if "date_of_birth" in changes:
        born = parse_date(changes["date_of_birth"])
        if born is None:
            raise click.BadParameter(
                f"{changes['date_of_birth']!r} is not a date: use DD/MM/YYYY",
                param_hint="--date-of-birth",
            )
        changes["date_of_birth"] = born
    with unit_of_work(context.engine()) as session:
        found = person_by_identifier(session=session, identifier=identifier)
        before = details_of(found)
        after = edit_person(
            session=session,
            user=context.user,
            person_id=before.id,
            changes=changes,
            expected_version=before.version,
        )
    changed = [
        f"  {EDITABLE[name]}: {_shown(getattr(before, name), name)}"
        f" → {_shown(getattr(after, name), name)}"
        for name in EDITABLE
        if getattr(before, name) != getattr(after, name)
    ]
    if not changed:
        click.echo(f"Person {after.id} ({after.name}): nothing changed.")
        return
    click.echo(f"Person {after.id} ({after.name}) updated:")
    click.echo("\n".join(changed))


def _shown(value: Any, name: str = "") -> str:
    from datetime import date

    from intapp.codes import PERSON_CODE_LISTS, code_label

    if name in PERSON_CODE_LISTS and value:
        return f"{code_label(value)} ({value})"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return "(none)" if value in (None, "") else str(value)
