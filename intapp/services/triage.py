"""What the triage screen opens on: the referral and who the person is."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from intapp.services.person_record import PersonOverview, person_overview
from intapp.services.referrals import ReferralSummary, load_referral, summarise


@dataclass(frozen=True)
class TriageView:
    """One referral to triage, with its person's header and earlier referrals."""

    referral: ReferralSummary
    overview: PersonOverview


def open_triage(*, session: Session, referral_id: int) -> TriageView:
    """Everything the triage screen shows, read at once; saving is `triage_referral`."""
    referral = summarise(load_referral(session=session, referral_id=referral_id))
    return TriageView(referral, person_overview(session=session, person_id=referral.person_id))
