"""A hand-built week of work (ISO week 2026-W47, Monday 16 to Sunday 22 November).

Everything is done through the services with the clock set to the moment it happened,
so each record carries the timestamps a real one would. The figures the summary should
give are worked out by hand in `test_export_weekly.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from factories import (
    USER,
    add_team,
    add_worker,
    person_in,
    receive,
    seen_version,
    small_organisation,
)
from sqlmodel import Session

from intapp import clock
from intapp.models import Assessment, ReablementEpisode, Referral
from intapp.services import (
    allocations,
    assessments,
    care_plans,
    case_closure,
    reablement,
    referrals,
)
from intapp.services.assessments import AssessmentIn, blank_outcomes
from intapp.services.care_plans import PlanContent
from intapp.services.people import match_or_create_person


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in 2026, UTC (which is UK time in November)."""
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@dataclass
class Week:
    """Ids of what was built."""

    asha: int
    ben: int
    cara: int
    dev: int
    eve: int


def build_week(session: Session) -> Week:
    """Teams CEN1 and CEN2 (Central) and NOR1 (North), and a week of their work."""
    org = small_organisation(session)
    north = add_team(session, "NOR1", "North")
    eve = add_worker(session, north.id, "NW1", given_name="Eve", family_name="Zed")
    team, other = org.team.id, org.other_team.id
    asha, ben, cara, dev = (
        org.social_worker,
        org.occupational_therapist,
        org.reablement_officer,
        org.other_team_worker,
    )

    def case(
        n: int,
        team_id: int,
        received: datetime,
        *,
        source: str = "gp",
        triaged: datetime | None = None,
        priority: str = "soon",
        allocated: tuple[datetime, int, int] | None = None,
        closed: datetime | None = None,
    ) -> int:
        clock.freeze(received)
        referral = receive(session, person_in(team_id, n), source=source)
        if triaged is not None:
            clock.freeze(triaged)
            referrals.triage_referral(
                session=session,
                user=USER,
                referral_id=referral.id,
                priority=priority,
                pathway="case_management",
                expected_version=seen_version(session, Referral, referral.id),
            )
        if allocated is not None:
            moment, worker_id, weight = allocated
            clock.freeze(moment)
            allocations.allocate(
                session=session,
                user=USER,
                referral_id=referral.id,
                worker_id=worker_id,
                weight=weight,
                expected_version=seen_version(session, Referral, referral.id),
            )
        if closed is not None:
            clock.freeze(closed)
            case_closure.close_case(
                session=session,
                user=USER,
                referral_id=referral.id,
                outcome="goals_met",
                reason="goals met",
                expected_version=seen_version(session, Referral, referral.id),
            )
        return referral.person_id

    # A: received Monday, triaged two hours later, allocated to Asha on Tuesday.
    a = case(0, team, at(11, 16, 10), triaged=at(11, 16, 12), allocated=(at(11, 17, 9), asha, 6))
    # B: received the week before, triaged after 192 hours (routine: 28 days), allocated
    # to Asha and closed on Friday.
    b = case(
        1,
        team,
        at(11, 10, 9),
        triaged=at(11, 18, 9),
        priority="routine",
        allocated=(at(11, 18, 10), asha, 8),
        closed=at(11, 20, 15),
    )
    # C: a hospital discharge on Thursday (24 hours), never triaged: overdue at week end.
    case(2, team, at(11, 19, 9), source="hospital_discharge")
    # D: the last minute of Sunday is still this week; E: Monday midnight is next week.
    case(3, team, at(11, 22, 23, 59))
    case(4, team, at(11, 23, 0, 0))
    # F (CEN2): urgent (2 hours), triaged after 120 hours, allocated to Dev on Saturday.
    case(
        5,
        other,
        at(11, 16, 8),
        triaged=at(11, 21, 8),
        priority="urgent",
        allocated=(at(11, 21, 9), dev, 10),
    )
    # G: Ben's case from before the week, still open.
    g = case(6, team, at(11, 2, 9), triaged=at(11, 2, 10), allocated=(at(11, 2, 11), ben, 5))
    # H: Cara's case, open all week, closed the Monday after.
    case(
        7,
        team,
        at(11, 3, 9),
        triaged=at(11, 3, 10),
        allocated=(at(11, 3, 11), cara, 5),
        closed=at(11, 23, 8),
    )

    # Assessments: Ben signs one off on Thursday, another on the Monday after.
    for person_id, signed in ((a, at(11, 19, 11)), (b, at(11, 23, 1))):
        clock.freeze(signed)
        draft = assessments.start_assessment(
            session=session,
            user=USER,
            person_id=person_id,
            content=AssessmentIn(
                what_matters="Staying at home",
                outcomes=blank_outcomes("integrated"),
                assessor_id=ben,
            ),
        )
        assessments.sign_off_assessment(
            session=session,
            user=USER,
            assessment_id=draft.id,
            expected_version=seen_version(session, Assessment, draft.id),
        )

    # Care plans: Asha's is due for review on Wednesday; Ben's was due the week before.
    clock.freeze(at(11, 1, 9))
    for person_id, lead, review in (
        (a, asha, date(2026, 11, 18)),
        (g, ben, date(2026, 11, 10)),
        (b, asha, date(2026, 11, 30)),
    ):
        care_plans.create_plan(
            session=session,
            user=USER,
            person_id=person_id,
            content=PlanContent(lead_worker_id=lead, review_date=review, goals=["Walk again"]),
        )

    # Reablement with Cara: one starts on Tuesday, one has run since 1 October, one ends
    # on Friday; one that ended in August has its 91-day follow-up due on Thursday.
    def episode(n: int, start: date, *, ended: date | None = None, outcome: str = "") -> int:
        clock.freeze(datetime(start.year, start.month, start.day, 9, tzinfo=UTC))
        person, _ = match_or_create_person(session=session, user=USER, person_in=person_in(team, n))
        assert person.id is not None
        made = reablement.start_episode(
            session=session,
            user=USER,
            person_id=person.id,
            start_date=start,
            goals=["Make a cup of tea"],
            worker_id=cara,
        )
        if ended is not None:
            clock.freeze(datetime(ended.year, ended.month, ended.day, 16, tzinfo=UTC))
            reablement.end_episode(
                session=session,
                user=USER,
                episode_id=made.id,
                outcome=outcome,
                ended_on=ended,
                expected_version=seen_version(session, ReablementEpisode, made.id),
            )
        return made.id

    episode(20, date(2026, 11, 17))
    episode(21, date(2026, 10, 1))
    episode(22, date(2026, 10, 20), ended=date(2026, 11, 20), outcome="no_ongoing_support")
    followed = episode(
        23, date(2026, 7, 15), ended=date(2026, 8, 20), outcome="ongoing_low_level_support"
    )
    clock.freeze(at(11, 21, 10))
    reablement.record_followup(
        session=session,
        user=USER,
        episode_id=followed,
        result="at_home",
        expected_version=seen_version(session, ReablementEpisode, followed),
    )
    clock.freeze(at(11, 23, 9))
    return Week(asha, ben, cara, dev, eve)
