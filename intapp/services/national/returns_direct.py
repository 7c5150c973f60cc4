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

from sqlalchemy import Select, func, or_, select
from sqlmodel import Session, SQLModel, col

from intapp.codes import AssessmentStatus, AssessmentType, ClientType, EpisodeState, client_type_of
from intapp.models import Assessment, CarePlan, CarePlanVersion, Person, ReablementEpisode, Referral
from intapp.services.national import cld, sequel_services
from intapp.services.national.period import Period
from intapp.services.national.returns import (
    YearReturns,
    compute_returns,
    histories_by_person,
    history_period,
)
from intapp.services.national.returns_sequels import ASSESSMENT, REQUEST, REVIEW, SERVICE, Step

_TABLE = SQLModel.metadata.tables[Person.__tablename__]  # type: ignore[index]
_given = _TABLE.alias("given")  # the record a row names
_person = _TABLE.alias("survivor")  # the record it is reported as (merges)
_PERSON = tuple(
    _person.c[name] for name in ("id", "date_of_birth", "date_of_death", "client_type", "is_carer")
)
People = dict[int, tuple[date, date | None, bool]]


def returns_direct(
    *, session: Session, year: Period, team_ids: list[int] | None, as_of: date
) -> YearReturns:
    """The figures for `year` and the teams `team_ids` (None: the city), from the tables."""
    upto = history_period(year)
    people: People = {}
    steps: dict[int, list[Step]] = {}
    for person_id, step in (
        *_requests(session, upto, team_ids, people),
        *_assessments(session, upto, team_ids, people),
        *_episodes(session, upto, team_ids, people),
        *_items(session, upto, team_ids, people),
        *_sequels(session, upto, team_ids, people),
    ):
        steps.setdefault(person_id, []).append(step)
    return compute_returns(histories_by_person(people, steps), year=year, as_of=as_of)


def _of_person(query: Select[Any], person_id: Any) -> Select[Any]:
    """`query` joined to the person `person_id` names, reported as the survivor."""
    return query.join(_given, _given.c.id == person_id).join(
        _person, _person.c.id == func.coalesce(_given.c.merged_into_id, _given.c.id)
    )


def _scoped(query: Select[Any], team: Any, team_ids: list[int] | None) -> Select[Any]:
    return query if team_ids is None else query.where(team.in_(team_ids))


def _rows(session: Session, query: Select[Any], people: People) -> Iterable[tuple[Any, ...]]:
    """The query's rows after the person columns, noting each person's fields."""
    width = len(_PERSON)
    service_user: dict[tuple[str | None, bool], bool] = {}  # client_type_of, once per pair
    for row in session.connection().execute(query).all():
        person_id, born, died, client_type, is_carer = row[:width]
        if person_id not in people:
            key = (client_type, bool(is_carer))
            if key not in service_user:
                kind = client_type_of(client_type, is_carer=bool(is_carer))
                service_user[key] = kind is ClientType.SERVICE_USER
            people[person_id] = (born, died, service_user[key])
        yield (person_id, *row[width:])


# UK dates by UTC date and hour: the clocks change on the hour (01:00 UTC), so the hour
# settles the UK date, and a city's few thousand distinct hours are worked out once.
_UK_DAYS: dict[tuple[date, int], date] = {}


def _day(moment: datetime) -> date:
    """The UK date of an instant (read back as UTC by its column type)."""
    key = (moment.date(), moment.hour)
    day = _UK_DAYS.get(key)
    if day is None:
        day = _UK_DAYS[key] = cld.uk_day(moment)
    return day


def _requests(
    session: Session, upto: Period, team_ids: list[int] | None, people: People
) -> Iterable[tuple[int, Step]]:
    r = Referral
    query = _of_person(
        select(
            *_PERSON,
            col(r.reference),
            col(r.received_at),
            col(r.triaged_at),
            col(r.pathway),
            col(r.route_of_access),
            col(r.close_outcome),
        ),
        col(r.person_id),
    ).where(col(r.triaged_at) >= upto.starts_at, col(r.triaged_at) < upto.ends_at)
    for person_id, reference, received, triaged, pathway, route, closed in _rows(
        session, _scoped(query, col(r.team_id), team_ids), people
    ):
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


def _assessments(
    session: Session, upto: Period, team_ids: list[int] | None, people: People
) -> Iterable[tuple[int, Step]]:
    a = Assessment
    query = _of_person(
        select(
            *_PERSON,
            col(a.id),
            col(a.assessment_type),
            col(a.created_at),
            col(a.signed_off_at),
            col(a.eligible),
        ),
        col(a.person_id),
    ).outerjoin(Referral, col(Referral.id) == a.referral_id)
    query = query.where(
        col(a.status).in_([AssessmentStatus.SIGNED_OFF, AssessmentStatus.SUPERSEDED]),
        col(a.signed_off_at) >= upto.starts_at,
        col(a.signed_off_at) < upto.ends_at,
    )
    team = func.coalesce(col(Referral.team_id), _person.c.team_id)
    for person_id, assessment_id, kind, created, signed, eligible in _rows(
        session, _scoped(query, team, team_ids), people
    ):
        end = _day(signed)
        start = min(_day(created), end)
        if kind == AssessmentType.REVIEW:
            outcome = cld.REVIEW_OUTCOMES[bool(eligible)]
            yield person_id, Step(REVIEW, start, end, outcome, reference=f"REV{assessment_id}")
        else:
            outcome = cld.ASSESSMENT_OUTCOMES[bool(eligible)]
            yield person_id, Step(ASSESSMENT, start, end, outcome, reference=f"ASM{assessment_id}")


def _episodes(
    session: Session, upto: Period, team_ids: list[int] | None, people: People
) -> Iterable[tuple[int, Step]]:
    e = ReablementEpisode
    query = _of_person(
        select(*_PERSON, col(e.id), col(e.start_date), col(e.ended_on), col(e.outcome)),
        col(e.person_id),
    ).outerjoin(Referral, col(Referral.id) == e.referral_id)
    query = query.where(
        col(e.state).in_([EpisodeState.ACTIVE, EpisodeState.ENDED]),
        col(e.start_date) <= upto.last_day,
        or_(col(e.ended_on).is_(None), col(e.ended_on) >= upto.first_day),
    )
    team = func.coalesce(col(Referral.team_id), _person.c.team_id)
    for person_id, episode_id, start, ended_on, outcome in _rows(
        session, _scoped(query, team, team_ids), people
    ):
        # As at the last day read: one ending after it is still running.
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


def _sequels(
    session: Session, upto: Period, team_ids: list[int] | None, people: People
) -> Iterable[tuple[int, Step]]:
    """The support that followed reablement (`sequel_services`), in the episode's team."""
    e = ReablementEpisode
    query = _of_person(
        select(*_PERSON, *sequel_services.SEQUEL_COLUMNS), col(e.person_id)
    ).outerjoin(Referral, col(Referral.id) == e.referral_id)
    query = query.where(
        sequel_services.episodes_with_sequels(upto),
        or_(_person.c.date_of_death.is_(None), _person.c.date_of_death >= upto.first_day),
    )
    team = func.coalesce(col(Referral.team_id), _person.c.team_id)
    for person_id, episode_id, ended_on, outcome, result, followup_on in _rows(
        session, _scoped(query, team, team_ids), people
    ):
        for service in sequel_services.sequels_of(
            episode_id=episode_id,
            ended_on=ended_on,
            outcome=outcome,
            followup_result=result,
            followup_on=followup_on,
            died=people[person_id][1],
        ):
            reported = service.as_at(upto)
            if reported is not None:
                end, outcome_then = reported
                yield (
                    person_id,
                    Step(
                        SERVICE,
                        service.start,
                        end,
                        outcome_then,
                        service.service_type,
                        reference=service.reference,
                    ),
                )


def _items(
    session: Session, upto: Period, team_ids: list[int] | None, people: People
) -> Iterable[tuple[int, Step]]:
    """Micro-commissioned items: each held from the plan version that first lists it to
    the one that no longer does (or the plan's closing); put back later, it is another."""
    query = _of_person(
        select(
            *_PERSON,
            col(CarePlan.id),
            col(CarePlan.closed_at),
            col(CarePlanVersion.created_at),
            col(CarePlanVersion.items),
        ),
        col(CarePlan.person_id),
    ).join(CarePlanVersion, col(CarePlanVersion.plan_id) == CarePlan.id)
    query = query.where(
        col(CarePlanVersion.created_at) < upto.ends_at,
        or_(col(CarePlan.closed_at).is_(None), col(CarePlan.closed_at) >= upto.starts_at),
    ).order_by(col(CarePlan.id), col(CarePlanVersion.number))
    spans: list[tuple[int, str, date, date | None]] = []
    held: dict[int, dict[tuple[Any, ...], date]] = {}  # plan -> item -> held since
    closing: dict[int, tuple[int, datetime | None]] = {}
    for person_id, plan_id, closed_at, created, items in _rows(
        session, _scoped(query, _person.c.team_id, team_ids), people
    ):
        closing[plan_id] = (person_id, closed_at)
        day = _day(created)
        listed = {
            (str(i.get("kind", "")), str(i.get("description", "")), i.get("cost_pounds"))
            for i in items or []
            if str(i.get("kind", "")) in cld.ITEM_SERVICES
        }
        plan_items = held.setdefault(plan_id, {})
        for item in [item for item in plan_items if item not in listed]:
            spans.append((person_id, item[0], plan_items.pop(item), day))
        for item in listed:
            plan_items.setdefault(item, day)
    for plan_id, plan_items in held.items():
        person_id, closed_at = closing[plan_id]
        for item, since in plan_items.items():
            spans.append((person_id, item[0], since, _day(closed_at) if closed_at else None))
    for person_id, kind, since, end in spans:
        if since > upto.last_day or (end is not None and end < upto.first_day):
            continue
        ended = end is not None and end <= upto.last_day
        service_type, _component = cld.ITEM_SERVICES[kind]
        outcome = cld.SERVICE_ENDED_AS_PLANNED if ended else cld.PROVISION_OF_SERVICE
        yield person_id, Step(SERVICE, since, end if ended else None, outcome, service_type)
