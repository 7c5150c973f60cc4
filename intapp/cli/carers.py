"""`intapp carer link|unlink` and `intapp merge`: people named by NHS number or local id."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from intapp.cli.context import Context, pass_context, record_view

if TYPE_CHECKING:
    from sqlmodel import Session

    from intapp.services.merge import MergeSide


def _person_id(session: Session, identifier: str, field: str, *, follow_merged: bool = True) -> int:
    from intapp.services.people import person_by_identifier

    person = person_by_identifier(
        session=session, identifier=identifier, field=field, follow_merged=follow_merged
    )
    assert person.id is not None
    return person.id


@click.group()
def carer() -> None:
    """Link a carer to the people they care for, or end a link.

    People are named by NHS number (spaces optional) or local id; a carer may have
    only a local id.
    """


@carer.command("link")
@click.argument("carer_id", metavar="CARER")
@click.argument("cared_for", metavar="CARED_FOR")
@pass_context
def carer_link(context: Context, carer_id: str, cared_for: str) -> None:
    """Record that CARER cares for CARED_FOR, from today.

    \b
    Examples:
      intapp carer link LOC-1207 "943 476 5919"
      intapp carer link 9434765870 9434765919
    """
    from intapp.services.carers import link_carer
    from intapp.store.engine import unit_of_work

    with unit_of_work(context.engine()) as session:
        link = link_carer(
            session=session,
            user=context.user,
            carer_id=_person_id(session, carer_id, "carer"),
            cared_for_id=_person_id(session, cared_for, "cared_for"),
        )
    click.echo(f"Linked: {link.carer.name} cares for {link.cared_for.name}.")


@carer.command("unlink")
@click.argument("carer_id", metavar="CARER")
@click.argument("cared_for", metavar="CARED_FOR")
@click.option("--reason", required=True, help="Why the link ends (kept with it).")
@pass_context
def carer_unlink(context: Context, carer_id: str, cared_for: str, reason: str) -> None:
    """End the link between CARER and CARED_FOR, with a reason.

    \b
    Example:
      intapp carer unlink LOC-1207 9434765919 --reason "Moved to Leeds"
    """
    from intapp.services.carers import unlink_pair
    from intapp.store.engine import unit_of_work

    with unit_of_work(context.engine()) as session:
        link = unlink_pair(
            session=session,
            user=context.user,
            carer_id=_person_id(session, carer_id, "carer"),
            cared_for_id=_person_id(session, cared_for, "cared_for"),
            reason=reason,
        )
    click.echo(f"Ended: {link.carer.name} no longer linked as carer for {link.cared_for.name}.")


def _describe(label: str, side: MergeSide) -> str:
    from intapp.formatting import uk_date

    p = side.person
    died = f", died {uk_date(p.date_of_death)}" if p.date_of_death else ""
    return (
        f"{label}: {p.name} (person {p.id}), born {uk_date(p.date_of_birth)}{died}, "
        f"NHS {p.nhs_number_display or '—'}, local id {p.local_id or '—'}\n"
        f"  {side.referrals} referrals ({side.open_referrals} open), "
        f"{side.assessments} assessments, {side.episodes} reablement episodes, "
        f"{'a care plan' if side.has_plan else 'no care plan'}, {side.carer_links} carer links,\n"
        f"  {side.notes} case notes, {side.open_alerts} open alerts"
    )


@click.command()
@click.argument("survivor", metavar="SURVIVOR")
@click.argument("merged", metavar="MERGED")
@click.option("--yes", is_flag=True, help="Merge without asking (for scripts).")
@pass_context
def merge(context: Context, survivor: str, merged: str, yes: bool) -> None:
    """Merge two records of the same person: everything on MERGED moves to SURVIVOR.

    MERGED stays as a pointer to SURVIVOR. Refused when the two hold different NHS
    numbers, when the dates of death differ (or only one has one), when either names a
    record already merged, or when both have a reablement episode planned or running.
    When both have a care plan, SURVIVOR's continues and MERGED's is closed with a note
    and its open actions cancelled. Asks to confirm unless --yes; with no one to ask,
    --yes is required.

    \b
    Example:
      intapp merge 9434765919 LOC-1207
    """
    from intapp.services.errors import InvalidInput
    from intapp.services.merge import merge_people, merge_preview
    from intapp.store.engine import read_session, unit_of_work

    engine = context.engine()
    with read_session(engine) as session:
        # Naming a record that was already merged is refused, never taken as its survivor.
        survivor_id = _person_id(session, survivor, "survivor", follow_merged=False)
        merged_id = _person_id(session, merged, "merged", follow_merged=False)
        preview = merge_preview(session=session, survivor_id=survivor_id, merged_id=merged_id)
    if preview.refusal is not None:
        raise InvalidInput(f"Not merged: {preview.refusal}", field="merged")
    for person_id in (survivor_id, merged_id):
        details = {"shown": "merge preview"}
        record_view(context, "person", person_id, person_id=person_id, details=details)
    click.echo(_describe("Keep ", preview.survivor))
    click.echo(_describe("Merge", preview.merged))
    if preview.plan_note:
        click.echo(preview.plan_note)
    if not yes:
        try:
            confirmed = click.confirm("Merge these two records?", default=False)
        except click.Abort:
            confirmed = False
            click.echo()
            raise click.ClickException(
                "Not merged: there was no answer to the question; run at a terminal, or pass --yes"
            ) from None
        if not confirmed:
            raise click.ClickException("Not merged.")
    with unit_of_work(engine) as session:
        result = merge_people(
            session=session,
            user=context.user,
            survivor_id=survivor_id,
            merged_id=merged_id,
            survivor_version=preview.survivor.person.version,
            merged_version=preview.merged.person.version,
        )
    click.echo(f"Merged person {merged_id} into person {survivor_id}: moved {result.moved_text}.")
