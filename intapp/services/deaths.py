"""A death: recorded once, closing every open thing about the person in one step; and
withdrawn when it was recorded in error."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from intapp import clock
from intapp.access import require_for
from intapp.codes import (
    CaseOutcome,
    DeathSource,
    EpisodeState,
    ReablementOutcome,
    ReferralStatus,
    code_label,
)
from intapp.formatting import local_date
from intapp.models import ReablementEpisode, Referral
from intapp.services import audit
from intapp.services.case_closure import (
    CLOSABLE_STATUSES,
    PLAN_CLOSED_BY_CASE,
    case_started,
    close_plan,
    closing_time,
    end_case,
)
from intapp.services.errors import InvalidInput, check_version, flush
from intapp.services.people import PersonSummary, checked_death_date, load_person, summarise
from intapp.services.referrals import choice
from intapp.services.transfers import cancel_transfer


@dataclass(frozen=True)
class RecordedDeath:
    """What recording a death closed."""

    person: PersonSummary
    cases_closed: list[str]
    """The references of the referrals closed as "NFA – deceased"."""
    episodes_ended: int
    """Running episodes ended, and planned ones cancelled."""
    followups_cancelled: int
    plan_closed: bool


def record_death(
    *,
    session: Session,
    user: str,
    person_id: int,
    died_on: date,
    source: str,
    expected_version: int,
) -> RecordedDeath:
    """Record that the person died on `died_on` (learnt from `source`) and, in the same
    transaction, close their open referrals as deceased (which ends the allocations and
    the plan), end running reablement without a follow-up, cancel planned reablement and
    pending follow-ups."""
    require_for(session, "record_death")
    person = load_person(session=session, person_id=person_id)
    check_version("person", person.version, expected_version)
    if person.date_of_death is not None:
        raise InvalidInput(
            f"{person.display_name}'s death is already recorded ({person.date_of_death:%d/%m/%Y})",
            field="date_of_death",
        )
    checked_death_date(died_on, born=person.date_of_birth, today=clock.today())
    choice(source, DeathSource, "source")
    reason = f"died on {died_on:%d/%m/%Y} ({code_label(source, capitalised=False)})"
    closed = []
    plan_closed = False
    for referral in session.exec(
        select(Referral)
        .where(
            Referral.person_id == person_id,
            col(Referral.status).in_((*CLOSABLE_STATUSES, ReferralStatus.TRANSFER)),
        )
        .order_by(col(Referral.received_at))
    ).all():
        if referral.status == ReferralStatus.TRANSFER:
            cancel_transfer(session=session, user=user, referral=referral, reason=reason)
        started = case_started(session=session, referral=referral)
        ended = end_case(
            session=session,
            user=user,
            referral=referral,
            outcome=CaseOutcome.NFA_DECEASED,
            reason=reason,
            closed_at=closing_time(max(died_on, local_date(started)), started),
        )
        closed.append(referral.reference)
        plan_closed = plan_closed or ended.plan_closed
    ended_count, cancelled = _end_reablement(
        session=session, user=user, person_id=person_id, died_on=died_on, reason=reason
    )
    plan_closed = (
        close_plan(
            session=session,
            user=user,
            person_id=person_id,
            closed_at=clock.now(),
            note=f"{PLAN_CLOSED_BY_CASE}{person.display_name} {reason}",
        )
        or plan_closed
    )
    before = audit.snapshot(person)
    person.date_of_death = died_on
    person.death_source = source
    audit.save_update(session=session, user=user, row=person, before=before, action="record_death")
    return RecordedDeath(summarise(person), closed, ended_count, cancelled, plan_closed)


def _end_reablement(
    *, session: Session, user: str, person_id: int, died_on: date, reason: str
) -> tuple[int, int]:
    """End running episodes as "early cessation: deceased" with no follow-up, cancel
    planned ones (they never ran) and follow-ups still to be recorded; how many episodes
    ended or were cancelled, and how many follow-ups were cancelled."""
    ended = cancelled = 0
    for episode in session.exec(
        select(ReablementEpisode).where(ReablementEpisode.person_id == person_id)
    ).all():
        before = audit.snapshot(episode)
        if episode.state == EpisodeState.ACTIVE:
            episode.state = EpisodeState.ENDED
            episode.ended_on = max(died_on, episode.start_date)
            episode.outcome = ReablementOutcome.EARLY_CESSATION_DECEASED
            episode.followup_due = None
            audit.save_update(session=session, user=user, row=episode, before=before, action="end")
            ended += 1
        elif episode.state == EpisodeState.PLANNED:
            episode.state = EpisodeState.CANCELLED
            episode.cancel_reason = reason
            audit.save_update(
                session=session, user=user, row=episode, before=before, action="cancel"
            )
            ended += 1
        elif episode.followup_due is not None and episode.followup_result is None:
            episode.followup_due = None
            audit.save_update(
                session=session, user=user, row=episode, before=before, action="cancel_followup"
            )
            cancelled += 1
    return ended, cancelled


def withdraw_death(
    *, session: Session, user: str, person_id: int, reason: str, expected_version: int
) -> PersonSummary:
    """Withdraw a death recorded in error: the date and its source clear, with the reason
    in the audit trail. Nothing it closed reopens by itself; a case it closed can be
    reopened within the reopen window."""
    require_for(session, "withdraw_death")
    person = load_person(session=session, person_id=person_id)
    check_version("person", person.version, expected_version)
    if person.date_of_death is None:
        raise InvalidInput(f"{person.display_name} has no death recorded", field="date_of_death")
    if not reason.strip():
        raise InvalidInput("Say why the death is being withdrawn", field="reason")
    before = audit.snapshot(person)
    person.date_of_death = None
    person.death_source = None
    flush(session, "person")
    audit.record(
        session=session,
        user=user,
        entity="person",
        entity_id=person_id,
        action="withdraw_death",
        changes={
            **audit.changes_between(before, audit.snapshot(person)),
            "reason": [None, reason.strip()],
        },
    )
    return summarise(person)
