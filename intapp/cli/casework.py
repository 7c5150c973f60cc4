"""`intapp transfer` and `intapp worker`: moving cases between teams, workers away."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import click

from intapp.cli.context import Context, pass_context


def _in_one_transaction(context: Context, work: Callable[[Any], Any]) -> Any:
    from intapp.store.engine import unit_of_work

    with unit_of_work(context.engine()) as session:
        return work(session)


def _day(field: str) -> Callable[[click.Context, click.Parameter, str | None], date | None]:
    def parse(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
        from intapp import clock
        from intapp.formatting import parse_date

        if value is None:
            return None
        if value.strip().lower() == "today":
            return clock.today()
        day = parse_date(value)
        if day is None:
            raise click.BadParameter(
                f"{value!r} is not a date; use YYYY-MM-DD or DD/MM/YYYY", param_hint=field
            )
        return day

    return parse


@click.group()
def transfer() -> None:
    """Transfer referrals and cases between teams."""


def _referral(session: Any, reference: str) -> tuple[int, int]:
    from intapp.models import Referral
    from intapp.services.transfers import referral_by_reference

    referral_id = referral_by_reference(session=session, reference=reference)
    row = session.get(Referral, referral_id)
    return referral_id, row.version


@transfer.command("send")
@click.argument("reference")
@click.option("--to", "team_code", required=True, metavar="TEAM", help="The receiving team's code.")
@click.option("--reason", required=True, help="Why it is moving (recorded).")
@pass_context
def send(context: Context, reference: str, team_code: str, reason: str) -> None:
    """Send a referral or case to another team's queue.

    The sending worker keeps the case until the other team accepts it.

    \b
    Example:
      intapp transfer send R-2026-000123 --to C3 --reason "Moved to Gorton"
    """
    from intapp.services.organisation import team_by_code
    from intapp.services.transfers import send_transfer

    def work(session: Any) -> Any:
        referral_id, version = _referral(session, reference)
        team = team_by_code(session=session, code=team_code)
        return send_transfer(
            session=session,
            user=context.user,
            referral_id=referral_id,
            to_team_id=team.id,
            reason=reason,
            expected_version=version,
        )

    sent = _in_one_transaction(context, work)
    click.echo(f"{sent.reference} sent from {sent.from_team} to {sent.to_team}, awaiting accept.")


@transfer.command("accept")
@click.argument("reference")
@pass_context
def accept(context: Context, reference: str) -> None:
    """Accept a referral or case transferred to your team.

    The sending worker's allocation ends now; the referral then waits for triage (if it
    was not triaged) or for a worker in your team.

    \b
    Example:
      intapp transfer accept R-2026-000123
    """
    from intapp.services.transfers import accept_transfer

    def work(session: Any) -> Any:
        referral_id, version = _referral(session, reference)
        return accept_transfer(
            session=session, user=context.user, referral_id=referral_id, expected_version=version
        )

    done = _in_one_transaction(context, work)
    click.echo(f"{done.reference} accepted into {done.to_team}.")


@transfer.command("return")
@click.argument("reference")
@click.option("--reason", required=True, help="Why it goes back (the sender sees it).")
@pass_context
def return_(context: Context, reference: str, reason: str) -> None:
    """Return a transferred referral or case to the team that sent it.

    \b
    Example:
      intapp transfer return R-2026-000123 --reason "Lives in our neighbour's area"
    """
    from intapp.services.transfers import return_transfer

    def work(session: Any) -> Any:
        referral_id, version = _referral(session, reference)
        return return_transfer(
            session=session,
            user=context.user,
            referral_id=referral_id,
            reason=reason,
            expected_version=version,
        )

    done = _in_one_transaction(context, work)
    click.echo(f"{done.reference} returned to {done.from_team}.")


@click.group()
def worker() -> None:
    """Record workers away, back, or leaving."""


KINDS = ("leave", "sickness", "training")


@worker.command("away")
@click.argument("staff_id")
@click.option("--kind", type=click.Choice(KINDS), required=True, help="Why they are away.")
@click.option(
    "--from",
    "starts_on",
    callback=_day("--from"),
    default="today",
    show_default=True,
    help="First day away.",
)
@click.option(
    "--until", "ends_on", callback=_day("--until"), help="Last day away. Default: no return date."
)
@pass_context
def away(context: Context, staff_id: str, kind: str, starts_on: date, ends_on: date | None) -> None:
    """Record a worker away: suggestions put them last, marked "away until …".

    \b
    Examples:
      intapp worker away SW104 --kind leave --from 2026-12-21 --until 2027-01-02
      intapp worker away SW104 --kind sickness
    """
    from intapp.services.absences import record_absence, worker_by_staff_id

    def work(session: Any) -> Any:
        return record_absence(
            session=session,
            user=context.user,
            worker_id=worker_by_staff_id(session=session, staff_id=staff_id),
            kind=kind,
            starts_on=starts_on,
            ends_on=ends_on,
        )

    done = _in_one_transaction(context, work)
    until = f"until {done.ends_on.isoformat()}" if done.ends_on else "with no return date"
    click.echo(f"{staff_id} away ({done.kind}) from {done.starts_on.isoformat()} {until}.")


@worker.command("back")
@click.argument("staff_id")
@click.option(
    "--return-cases", is_flag=True, help="Give back the cases others held for them while away."
)
@pass_context
def back(context: Context, staff_id: str, return_cases: bool) -> None:
    """Mark a worker back today; says if cases were held for them while away.

    \b
    Examples:
      intapp worker back SW104
      intapp worker back SW104 --return-cases
    """
    from intapp.services.absences import covered_case_count, mark_back, worker_by_staff_id
    from intapp.services.allocations import return_covered_cases

    def work(session: Any) -> tuple[int, int]:
        worker_id = worker_by_staff_id(session=session, staff_id=staff_id)
        mark_back(session=session, user=context.user, worker_id=worker_id)
        returned = 0
        if return_cases and covered_case_count(session, worker_id):
            returned = len(
                return_covered_cases(session=session, user=context.user, worker_id=worker_id)
            )
        return returned, covered_case_count(session, worker_id)

    returned, covered = _in_one_transaction(context, work)
    click.echo(f"{staff_id} is back.")
    if returned:
        click.echo(f"{returned} case(s) returned to them.")
    if covered:
        click.echo(
            f"{covered} of their cases are held by others from while they were away; "
            "add --return-cases to give them back."
        )


@worker.command("leaves")
@click.argument("staff_id")
@click.option("--on", "left_on", callback=_day("--on"), default="today", show_default=True)
@pass_context
def leaves(context: Context, staff_id: str, left_on: date) -> None:
    """Record that a worker has left: inactive, never offered for a case again.

    Refused while they hold cases: reassign them first.

    \b
    Example:
      intapp worker leaves SW104 --on 2026-11-27
    """
    from intapp.services.absences import left_cover, worker_by_staff_id, worker_leaves

    def work(session: Any) -> Any:
        return worker_leaves(
            session=session,
            user=context.user,
            worker_id=worker_by_staff_id(session=session, staff_id=staff_id),
            left_on=left_on,
        )

    left = _in_one_transaction(context, work)
    click.echo(f"{staff_id} has left and is now inactive.{left_cover(left)}")
