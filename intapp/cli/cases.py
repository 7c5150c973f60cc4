"""`intapp case` and `intapp death`: the end of a case, from scripts and the command line."""

from __future__ import annotations

from datetime import date

import click

from intapp.cli.context import Context, pass_context


class UKDate(click.ParamType):
    """A date typed as DD/MM/YYYY or YYYY-MM-DD."""

    name = "DATE"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> date:
        if isinstance(value, date):
            return value
        from intapp.formatting import parse_date

        parsed = parse_date(str(value))
        if parsed is None:
            self.fail(f"{value!r} is not a date: use DD/MM/YYYY or YYYY-MM-DD", param, ctx)
        return parsed


def _choices(kind: str) -> list[str]:
    from intapp import codes

    # Plain strings: click shows an enum's member names, not the codes people type.
    if kind == "outcome":
        return [code.value for code in codes.CLOSING_OUTCOMES]
    return [code.value for code in codes.DeathSource]


@click.group()
def case() -> None:
    """Close a case, or reopen one closed within the reopen window."""


@case.command("close")
@click.argument("reference")
@click.option(
    "--outcome",
    required=True,
    type=click.Choice(_choices("outcome")),
    help="The case's outcome (national CLD event outcomes).",
)
@click.option("--reason", required=True, help="Why the case is closing (recorded).")
@click.option("--on", "ended_on", type=UKDate(), help="The day it ended. Default: today.")
@pass_context
def close(
    context: Context, reference: str, outcome: str, reason: str, ended_on: date | None
) -> None:
    """Close the case REFERENCE: its allocation ends (the worker's load falls) and, if it
    was the person's last open case, their care plan closes.

    \b
    Examples:
      intapp case close R261123-3FA29C1B --outcome goals_met --reason "Managing at home"
      intapp case close R000004068 --outcome other --reason "Moved" --on 27/11/2026
    """
    from intapp.services.case_closure import close_case
    from intapp.services.referrals import referral_by_reference
    from intapp.store.engine import unit_of_work

    with unit_of_work(context.engine()) as session:
        referral = referral_by_reference(session=session, reference=reference)
        assert referral.id is not None
        closed = close_case(
            session=session,
            user=context.user,
            referral_id=referral.id,
            outcome=outcome,
            reason=reason,
            ended_on=ended_on,
            expected_version=referral.version,
        )
    worker = f"; {closed.worker_name}'s allocation ended" if closed.worker_name else ""
    plan = "; the care plan closed" if closed.plan_closed else ""
    click.echo(f"Closed {closed.referral.reference}{worker}{plan}.")


@case.command("reopen")
@click.argument("reference")
@click.option("--reason", required=True, help="Why the case is reopening (recorded).")
@pass_context
def reopen(context: Context, reference: str, reason: str) -> None:
    """Reopen the case REFERENCE, closed within the reopen window (28 days by default).

    It returns to the worker who held it if they are active in the team and have room;
    otherwise it waits for allocation.

    \b
    Examples:
      intapp case reopen R261123-3FA29C1B --reason "Fell again the week after"
    """
    from intapp.services.case_closure import reopen_case
    from intapp.services.referrals import referral_by_reference
    from intapp.store.engine import unit_of_work

    with unit_of_work(context.engine()) as session:
        referral = referral_by_reference(session=session, reference=reference)
        assert referral.id is not None
        reopened = reopen_case(
            session=session,
            user=context.user,
            referral_id=referral.id,
            reason=reason,
            expected_version=referral.version,
        )
    where = reopened.where
    plan = "; the care plan is open again" if reopened.plan_reopened else ""
    click.echo(f"Reopened {reopened.referral.reference}: {where}{plan}.")


@click.group()
def death() -> None:
    """Record a person's death, or withdraw one recorded in error."""


@death.command("record")
@click.argument("person")
@click.option("--on", "died_on", required=True, type=UKDate(), help="The date of death.")
@click.option(
    "--source",
    required=True,
    type=click.Choice(_choices("source")),
    help="How the team learnt of the death.",
)
@pass_context
def record(context: Context, person: str, died_on: date, source: str) -> None:
    """Record that PERSON (an NHS number or local id) died: every open referral closes as
    "NFA – deceased", allocations end, reablement ends without a follow-up, pending
    follow-ups are cancelled and the plan closes.

    \b
    Examples:
      intapp death record "999 000 0018" --on 28/11/2026 --source gp
      intapp death record L00042 --on 2026-11-28 --source family_or_carer
    """
    from intapp.services.deaths import record_death
    from intapp.services.people import person_by_identifier
    from intapp.store.engine import unit_of_work

    with unit_of_work(context.engine()) as session:
        found = person_by_identifier(session=session, identifier=person)
        assert found.id is not None
        recorded = record_death(
            session=session,
            user=context.user,
            person_id=found.id,
            died_on=died_on,
            source=source,
            expected_version=found.version,
        )
    click.echo(
        f"Death recorded. {len(recorded.cases_closed)} referral(s) closed, "
        f"{recorded.episodes_ended} episode(s) ended, "
        f"{recorded.followups_cancelled} follow-up(s) cancelled"
        f"{', the care plan closed' if recorded.plan_closed else ''}."
    )


@death.command("withdraw")
@click.argument("person")
@click.option("--reason", required=True, help="Why the death was recorded in error (recorded).")
@pass_context
def withdraw(context: Context, person: str, reason: str) -> None:
    """Withdraw a death recorded in error for PERSON (an NHS number or local id).

    The date of death clears. Closed cases stay closed: reopen them with
    `intapp case reopen` within the window.

    \b
    Examples:
      intapp death withdraw "999 000 0018" --reason "Wrong person: same name"
    """
    from intapp.services.deaths import withdraw_death
    from intapp.services.people import person_by_identifier
    from intapp.store.engine import unit_of_work

    with unit_of_work(context.engine()) as session:
        found = person_by_identifier(session=session, identifier=person)
        assert found.id is not None
        withdraw_death(
            session=session,
            user=context.user,
            person_id=found.id,
            reason=reason,
            expected_version=found.version,
        )
    click.echo("Death withdrawn. Closed cases stay closed; reopen them within the window.")
