"""`intapp alert raise|remove|list`: alerts on a person, named by NHS number or local id."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from intapp.cli.context import Context, pass_context, record_view

if TYPE_CHECKING:
    from sqlmodel import Session


def _person_id(session: Session, identifier: str) -> int:
    from intapp.services.people import person_by_identifier

    person = person_by_identifier(session=session, identifier=identifier)
    assert person.id is not None
    return person.id


@click.group()
def alert() -> None:
    """Raise, remove and list the alerts on a person (risk to staff, key safe…).

    A person is named by NHS number (spaces optional) or local id. The kinds are set in
    the config file (`[alert_kinds]`); the defaults are listed under `alert raise --help`.
    """


@alert.command("raise")
@click.argument("identifier", metavar="NHS_NUMBER")
@click.option(
    "--kind", required=True, metavar="CODE", help="The kind's code (the defaults are listed above)."
)
@click.option("--note", required=True, help="What a visitor needs to know.")
@click.option("--review", metavar="DD/MM/YYYY", help="When to review the alert (optional).")
@pass_context
def alert_raise(
    context: Context, identifier: str, kind: str, note: str, review: str | None
) -> None:
    """Raise an alert on a person; one open alert of each kind at a time.

    The default kinds are risk_to_staff, safeguarding, communication, key_safe,
    sensory_loss and lives_alone; the config file's [alert_kinds] may set others.

    \b
    Examples:
      intapp alert raise "943 476 5919" --kind risk_to_staff --note "Dog; visit in pairs"
      intapp alert raise 9434765919 --kind key_safe --note "Ask the office for the code" \\
        --review 01/03/2027
    """
    from intapp.formatting import parse_date
    from intapp.services.alerts import raise_alert
    from intapp.store.engine import unit_of_work

    review_on = None
    if review is not None:
        review_on = parse_date(review)
        if review_on is None:
            raise click.BadParameter(
                f"{review!r} is not a date: use DD/MM/YYYY", param_hint="--review"
            )
    with unit_of_work(context.engine()) as session:
        raised = raise_alert(
            session=session,
            user=context.user,
            person_id=_person_id(session, identifier),
            kind=kind,
            note=note,
            review_on=review_on,
        )
    click.echo(f"Alert raised on person {raised.person_id}: {raised.label}.")


@alert.command("remove")
@click.argument("identifier", metavar="NHS_NUMBER")
@click.option("--kind", required=True, metavar="CODE", help="The kind's code.")
@click.option("--reason", required=True, help="Why the alert is removed (kept with it).")
@pass_context
def alert_remove(context: Context, identifier: str, kind: str, reason: str) -> None:
    """Remove a person's open alert of a kind, with a reason.

    \b
    Example:
      intapp alert remove 9434765919 --kind key_safe --reason "Key safe taken out"
    """
    from intapp.services.alerts import remove_alert_of_kind
    from intapp.store.engine import unit_of_work

    with unit_of_work(context.engine()) as session:
        removed = remove_alert_of_kind(
            session=session,
            user=context.user,
            person_id=_person_id(session, identifier),
            kind=kind,
            reason=reason,
        )
    click.echo(f"Alert removed from person {removed.person_id}: {removed.label}.")


@alert.command("list")
@click.argument("identifier", metavar="NHS_NUMBER")
@pass_context
def alert_list(context: Context, identifier: str) -> None:
    """List a person's alerts: the open ones, then those removed.

    \b
    Example:
      intapp alert list "943 476 5919"
    """
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from intapp import clock
    from intapp.formatting import uk_date
    from intapp.services.alerts import person_alerts
    from intapp.services.people import get_person
    from intapp.store.engine import read_session

    with read_session(context.engine()) as session:
        person_id = _person_id(session, identifier)
        person = get_person(session=session, person_id=person_id)
        alerts = person_alerts(session=session, person_id=person_id, include_removed=True)
    record_view(context, "person", person_id, person_id=person_id, details={"shown": "alerts"})
    if not alerts:
        click.echo(f"{person.name} (person {person_id}) has no alerts.")
        return
    today = clock.today()
    table = Table(title=f"Alerts: {escape(person.name)} (person {person_id})")
    for column in ("kind", "alert", "note", "raised", "review", "removed"):
        table.add_column(column)
    for a in alerts:
        review = uk_date(a.review_on) + (" (overdue)" if a.review_overdue(today) else "")
        removed = (
            f"{uk_date(a.removed_at)} by {a.removed_by}: {a.removed_reason}" if a.removed_at else ""
        )
        table.add_row(
            escape(a.kind),
            escape(a.label),
            escape(a.note),
            escape(f"{uk_date(a.raised_at)} by {a.raised_by}"),
            review,
            escape(removed),
            style="dim" if not a.is_open else None,
        )
    Console().print(table)
