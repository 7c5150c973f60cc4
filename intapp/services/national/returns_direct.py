"""The outcome figures computed straight from intapp's tables (referrals, assessments,
reablement episodes, care plan versions, people), without building CLD events.

This is the second derivation the issue asks for: a test holds it against the figures
counted from `cld_events`, so the returns and the CLD extract cannot drift apart. It reads
what each record means in the national wording from the one place that says it
(`services.national.cld`'s tables) and applies the same sequel rules; what it does on its
own is choose the records, date them, scope them to teams and follow merged records.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from intapp.codes import AssessmentStatus, AssessmentType, ClientType, EpisodeState, client_type_of
from intapp.models import Assessment, CarePlan, CarePlanVersion, Person, ReablementEpisode, Referral
from intapp.services.national import cld
from intapp.services.national.period import Period
from intapp.services.national.returns import (
    YearReturns,
    compute_returns,
    histories_by_person,
    history_period,
)
from intapp.services.national.returns_sequels import ASSESSMENT, REQUEST, REVIEW, SERVICE, Step


def returns_direct(
    *, session: Session, year: Period, team_ids: list[int] | None, as_of: date
) -> YearReturns:
    """The figures for `year` and the teams `team_ids` (None: the city), from the tables."""
    upto = history_period(year)
    survivor = _survivors(session)
    steps: dict[int, list[Step]] = {}
    for person_id, step in (
        *_requests(session, upto, team_ids),
        *_assessments(session, upto, team_ids, survivor),
        *_episodes(session, upto, team_ids, survivor),
        *_items(session, upto, team_ids, survivor),
    ):
        steps.setdefault(survivor.get(person_id, person_id), []).append(step)
    people = {}
    query = select(
        col(Person.id),
        col(Person.date_of_birth),
        col(Person.date_of_death),
        col(Person.client_type),
        col(Person.is_carer),
    ).where(col(Person.id).in_(list(steps)))
    for person_id, born, died, client_type, is_carer in session.execute(query):
        kind = client_type_of(client_type, is_carer=bool(is_carer))
        people[person_id] = (born, died, kind is ClientType.SERVICE_USER)
    return compute_returns(histories_by_person(people, steps), year=year, as_of=as_of)


def _survivors(session: Session) -> dict[int, int]:
    """Merged records -> the record they were merged into."""
    query = select(col(Person.id), col(Person.merged_into_id)).where(
        col(Person.merged_into_id).is_not(None)
    )
    return {int(pid): int(into) for pid, into in session.execute(query)}


def _day(moment: datetime) -> date:
    return cld.uk_day(moment)


def _team_of(
    session: Session, survivor: dict[int, int], person_ids: Iterable[int]
) -> dict[int, int]:
    """Each person's (surviving record's) team."""
    wanted = {survivor.get(p, p) for p in person_ids}
    query = select(col(Person.id), col(Person.team_id)).where(col(Person.id).in_(wanted))
    teams = {int(pid): int(team) for pid, team in session.execute(query)}
    return {p: teams[survivor.get(p, p)] for p in person_ids}


def _within(team: int, team_ids: list[int] | None) -> bool:
    return team_ids is None or team in team_ids


def _requests(
    session: Session, upto: Period, team_ids: list[int] | None
) -> Iterable[tuple[int, Step]]:
    r = Referral
    query = select(
        col(r.person_id),
        col(r.team_id),
        col(r.reference),
        col(r.received_at),
        col(r.triaged_at),
        col(r.pathway),
        col(r.route_of_access),
        col(r.close_outcome),
    ).where(col(r.triaged_at) < upto.ends_at)
    for person_id, team, reference, received, triaged, pathway, route, closed in session.execute(
        query
    ):
        if _within(team, team_ids):
            yield (
                person_id,
                Step(
                    REQUEST,
                    _day(received),
                    _day(triaged),
                    cld.request_outcome(pathway, closed),
                    route=cld.ROUTES_OF_ACCESS.get(route or "", cld.DEFAULT_ROUTE),
                    reference=reference,
                ),
            )


def _referral_teams(session: Session, ids: set[int]) -> dict[int, int]:
    if not ids:
        return {}
    query = select(col(Referral.id), col(Referral.team_id)).where(col(Referral.id).in_(ids))
    return {int(rid): int(team) for rid, team in session.execute(query)}


def _teams_for(
    session: Session, survivor: dict[int, int], rows: list[Any]
) -> list[tuple[Any, int]]:
    """Each row (person id first, referral id second) with its team: the referral's,
    else the person's (surviving record's)."""
    by_referral = _referral_teams(session, {row[1] for row in rows if row[1] is not None})
    by_person = _team_of(session, survivor, {row[0] for row in rows})
    return [(row, by_referral[row[1]] if row[1] is not None else by_person[row[0]]) for row in rows]


def _assessments(
    session: Session, upto: Period, team_ids: list[int] | None, survivor: dict[int, int]
) -> Iterable[tuple[int, Step]]:
    a = Assessment
    query = select(
        col(a.person_id),
        col(a.referral_id),
        col(a.id),
        col(a.assessment_type),
        col(a.created_at),
        col(a.signed_off_at),
        col(a.eligible),
    ).where(
        col(a.status).in_([AssessmentStatus.SIGNED_OFF, AssessmentStatus.SUPERSEDED]),
        col(a.signed_off_at) < upto.ends_at,
    )
    for row, team in _teams_for(session, survivor, list(session.execute(query))):
        if not _within(team, team_ids):
            continue
        person_id, _, assessment_id, kind, created, signed, eligible = row
        end = _day(signed)
        start = min(_day(created), end)
        if kind == AssessmentType.REVIEW:
            outcome = cld.REVIEW_OUTCOMES[bool(eligible)]
            yield person_id, Step(REVIEW, start, end, outcome, reference=f"REV{assessment_id}")
        else:
            outcome = cld.ASSESSMENT_OUTCOMES[bool(eligible)]
            yield person_id, Step(ASSESSMENT, start, end, outcome, reference=f"ASM{assessment_id}")


def _episodes(
    session: Session, upto: Period, team_ids: list[int] | None, survivor: dict[int, int]
) -> Iterable[tuple[int, Step]]:
    e = ReablementEpisode
    query = select(
        col(e.person_id), col(e.referral_id), col(e.id), col(e.start_date), col(e.ended_on)
    ).add_columns(col(e.outcome))
    query = query.where(
        col(e.state).in_([EpisodeState.ACTIVE, EpisodeState.ENDED]),
        col(e.start_date) <= upto.last_day,
    )
    for row, team in _teams_for(session, survivor, list(session.execute(query))):
        if not _within(team, team_ids):
            continue
        person_id, _, episode_id, start, ended_on, outcome = row
        # As at the last day of the events read: one ending later is still running.
        ended = ended_on is not None and ended_on <= upto.last_day
        yield (
            person_id,
            Step(
                SERVICE,
                start,
                ended_on if ended else None,
                cld.EPISODE_OUTCOMES.get(outcome or "", cld.NFA_OTHER)
                if ended
                else cld.PROVISION_OF_SERVICE,
                service_type=cld.ST_MAX,
                reference=f"RBL{episode_id}",
            ),
        )


def _items(
    session: Session, upto: Period, team_ids: list[int] | None, survivor: dict[int, int]
) -> Iterable[tuple[int, Step]]:
    """Micro-commissioned items: each held from the plan version that first lists it to
    the one that no longer does (or the plan's closing); put back later, it is another."""
    query = (
        select(
            col(CarePlan.person_id),
            col(CarePlan.id),
            col(CarePlan.closed_at),
            col(CarePlanVersion.created_at),
            col(CarePlanVersion.items),
        )
        .join(CarePlanVersion, col(CarePlanVersion.plan_id) == CarePlan.id)
        .where(col(CarePlanVersion.created_at) < upto.ends_at)
        .order_by(col(CarePlan.id), col(CarePlanVersion.number))
    )
    rows = list(session.execute(query))
    teams = _team_of(session, survivor, {row[0] for row in rows})
    spans: dict[tuple[int, int], list[tuple[tuple[Any, ...], date, date | None]]] = {}
    held: dict[tuple[int, tuple[Any, ...]], date] = {}
    closing: dict[int, tuple[int, datetime | None]] = {}
    for person_id, plan_id, closed_at, created, items in rows:
        if not _within(teams[person_id], team_ids):
            continue
        closing[plan_id] = (person_id, closed_at)
        day = _day(created)
        listed = {
            (str(i.get("kind", "")), str(i.get("description", "")), i.get("cost_pounds"))
            for i in items or []
            if str(i.get("kind", "")) in cld.ITEM_SERVICES
        }
        for (plan, item), since in list(held.items()):
            if plan == plan_id and item not in listed:
                spans.setdefault((person_id, plan_id), []).append((item, since, day))
                del held[(plan, item)]
        for item in listed:
            held.setdefault((plan_id, item), day)
    for (plan_id, item), since in held.items():
        person_id, closed_at = closing[plan_id]
        end = _day(closed_at) if closed_at is not None else None
        spans.setdefault((person_id, plan_id), []).append((item, since, end))
    for (person_id, _plan), held_spans in spans.items():
        for item, since, end in held_spans:
            if since > upto.last_day:
                continue
            ended = end is not None and end <= upto.last_day
            service_type, _component = cld.ITEM_SERVICES[item[0]]
            outcome = cld.SERVICE_ENDED_AS_PLANNED if ended else cld.PROVISION_OF_SERVICE
            yield person_id, Step(SERVICE, since, end if ended else None, outcome, service_type)
