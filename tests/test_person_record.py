"""The person record's timeline: every step of a person's care, newest first."""

from __future__ import annotations

from datetime import timedelta

from conftest import FROZEN_NOW
from factories import USER, person_in, receive, seen_version, small_organisation
from sqlmodel import Session

from intapp import clock
from intapp.models import Referral
from intapp.services import allocations, case_closure, referrals
from intapp.services.person_record import person_timeline


def test_the_timeline_shows_each_step_of_a_referral_newest_first(session: Session) -> None:
    org = small_organisation(session)
    referral = receive(session, person_in(org.team.id), reason="Fall at home")
    clock.freeze(FROZEN_NOW + timedelta(hours=1))
    referrals.triage_referral(
        session=session,
        user="duty.lead",
        referral_id=referral.id,
        priority="urgent",
        pathway="case_management",
        expected_version=seen_version(session, Referral, referral.id),
    )
    clock.freeze(FROZEN_NOW + timedelta(hours=2))
    allocations.allocate(
        session=session,
        user=USER,
        referral_id=referral.id,
        worker_id=org.social_worker,
        weight=6,
        expected_version=seen_version(session, Referral, referral.id),
    )
    clock.freeze(FROZEN_NOW + timedelta(hours=3))
    case_closure.close_case(
        session=session,
        user=USER,
        referral_id=referral.id,
        outcome="goals_met",
        reason="Managing well",
        expected_version=seen_version(session, Referral, referral.id),
    )
    session.commit()

    steps = [
        (entry.kind, entry.text)
        for entry in person_timeline(session=session, person_id=referral.person_id)
        if entry.kind != "change"
    ]
    ref = referral.reference
    assert steps == [
        ("closed", f"{ref} closed by {USER}: support ended: goals met (Managing well)"),
        ("ended", "Asha Khan: case closed"),
        ("allocated", "to Asha Khan (6 points)"),
        ("triaged", f"{ref} by duty.lead: urgent, case management"),
        ("referral", f"{ref} from GP: Fall at home"),
    ]
