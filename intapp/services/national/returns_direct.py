"""The outcome figures computed straight from intapp's tables (referrals, assessments,
reablement episodes, care plan versions, people), without building CLD events.

This is the second derivation the issue asks for: a test holds it against the figures
counted from `cld_events`, so the returns and the CLD extract cannot drift apart. It reads
what each record means in the national wording from the one place that says it
(`services.national.cld`'s tables) and applies the same sequel rules; what it does on its
own is choose the records, date them, scope them to teams and follow merged records.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Date, Select, cast, func, or_, select
from sqlmodel import Session, SQLModel, col

from intapp.clock import LOCAL_TZ
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
    read = _Read(session, year, team_ids)
    steps: dict[int, list[Step]] = {}
    with cld.collector_paused():
        for reader in (_requests, _assessments, _episodes, _items, _sequels):
            for person_id, step in reader(read):
                steps.setdefault(person_id, []).append(step)
        return compute_returns(histories_by_person(read.people, steps), year=year, as_of=as_of)


class _Read:
    """What one computation reads: the history period, the scope, the people met so far,
    and how the database gives a UK date.

    Assessments begun before the year are read only for people with reablement in the
    history: only a reablement's chain looks back before the year (what followed a
    request completed in the year starts after it ended). The events give the same
    figures from everything: the tests hold the two equal."""

    def __init__(self, session: Session, year: Period, team_ids: list[int] | None) -> None:
        self.session = session
        self.year = year
        self.upto = history_period(year)
        self.team_ids = team_ids
        self.people: People = {}
        self.postgres = session.get_bind().dialect.name == "postgresql"
        # The value `uk_day` read, as a date.
        self.day: Callable[[Any], Any] = _as_read if self.postgres else cld.UkDays().__getitem__

    def uk_day(self, column: Any) -> Any:
        """The UK date of a stored instant: worked out by PostgreSQL; on SQLite (no time
        zones) the UTC hour as text, for `day`."""
        if self.postgres:
            return cast(func.timezone(LOCAL_TZ.key, column), Date)
        return cld.utc_hour(column, "sqlite")

    def survivor_ids(self, query: Select[Any], person_id: Any) -> Select[Any]:
        """`query`'s rows' persons, as the surviving records' ids."""
        given = _TABLE.alias()
        survivor = func.coalesce(given.c.merged_into_id, given.c.id)
        return query.add_columns(survivor).join(given, given.c.id == person_id)

    def with_reablement(self) -> Select[Any]:
        """The people with reablement (ST-Max) in the history, in any team."""
        e = ReablementEpisode
        return self.survivor_ids(select().select_from(e), col(e.person_id)).where(
            *_episode_filter(self.upto)
        )

    def rows(self, query: Select[Any], team: Any) -> Iterable[tuple[Any, ...]]:
        """The query's rows in scope (the person's columns first), noting each person."""
        if self.team_ids is not None:
            query = query.where(team.in_(self.team_ids))
        return _rows(self.session, query, self.people)


def _of_person(query: Select[Any], person_id: Any) -> Select[Any]:
    """`query` joined to the person `person_id` names, reported as the survivor."""
    return query.join(_given, _given.c.id == person_id).join(
        _person, _person.c.id == func.coalesce(_given.c.merged_into_id, _given.c.id)
    )


def _scoped(query: Select[Any], team: Any, team_ids: list[int] | None) -> Select[Any]:
    return query if team_ids is None else query.where(team.in_(team_ids))


def _rows(session: Session, query: Select[Any], people: People) -> Iterable[tuple[Any, ...]]:
    """The query's rows (the person's columns first), noting each person's fields."""
    width = len(_PERSON)
    service_user: dict[tuple[str | None, bool], bool] = {}  # client_type_of, once per pair
    for row in _fetched(session, query):
        person_id, born, died, client_type, is_carer = row[:width]
        if person_id not in people:
            key = (client_type, bool(is_carer))
            if key not in service_user:
                kind = client_type_of(client_type, is_carer=bool(is_carer))
                service_user[key] = kind is ClientType.SERVICE_USER
            people[person_id] = (born, died, service_user[key])
        yield row


def _fetched(session: Session, query: Select[Any]) -> Sequence[Any]:
    """The query's rows. On PostgreSQL the driver's own tuples, as the CLD extract reads
    them (`cld._Extract.rows`): dates, JSON and booleans come as Python values already,
    and SQLAlchemy's row objects cost more than the fetch for half a million rows.
    SQLite needs SQLAlchemy's conversions (its dates are text)."""
    result = session.connection().execute(query)
    try:
        if session.get_bind().dialect.name == "postgresql":
            return result.cursor.fetchall()
        return result.all()
    finally:
        result.close()


def _as_read(day: date | None) -> date | None:
    return day


def _episode_filter(upto: Period) -> tuple[Any, ...]:
    """Reablement (ST-Max) in the history: begun, not cancelled, running in `upto`."""
    e = ReablementEpisode
    return (
        col(e.state).in_([EpisodeState.ACTIVE, EpisodeState.ENDED]),
        col(e.start_date) <= upto.last_day,
        or_(col(e.ended_on).is_(None), col(e.ended_on) >= upto.first_day),
    )


def _requests(read: _Read) -> Iterable[tuple[int, Step]]:
    r, upto = Referral, read.upto
    query = _of_person(
        select(
            *_PERSON,
            col(r.reference),
            read.uk_day(col(r.received_at)),
            read.uk_day(col(r.triaged_at)),
            col(r.pathway),
            col(r.route_of_access),
            col(r.close_outcome),
        ),
        col(r.person_id),
    ).where(col(r.triaged_at) >= upto.starts_at, col(r.triaged_at) < upto.ends_at)
    outcomes: dict[tuple[str | None, str | None], str] = {}
    routes: dict[str | None, str] = {}
    day = read.day
    for person_id, _, _, _, _, reference, received, triaged, pathway, route, closed in read.rows(
        query, col(r.team_id)
    ):
        outcome = outcomes.get((pathway, closed))
        if outcome is None:
            outcome = outcomes[(pathway, closed)] = cld.request_outcome(pathway, closed)
        wording = routes.get(route)
        if wording is None:
            wording = routes[route] = cld.ROUTES_OF_ACCESS.get(route or "", cld.DEFAULT_ROUTE)
        yield (
            person_id,
            Step(REQUEST, day(received), day(triaged), outcome, None, wording, reference),
        )


def _assessments(read: _Read) -> Iterable[tuple[int, Step]]:
    a, upto = Assessment, read.upto
    query = _of_person(
        select(
            *_PERSON,
            col(a.id),
            col(a.assessment_type),
            read.uk_day(col(a.created_at)),
            read.uk_day(col(a.signed_off_at)),
            col(a.eligible),
        ),
        col(a.person_id),
    ).outerjoin(Referral, col(Referral.id) == a.referral_id)
    query = query.where(
        col(a.status).in_([AssessmentStatus.SIGNED_OFF, AssessmentStatus.SUPERSEDED]),
        col(a.signed_off_at) >= upto.starts_at,
        col(a.signed_off_at) < upto.ends_at,
        # One begun before the year is looked at only from a reablement's chain.
        or_(
            col(a.created_at) >= read.year.starts_at,
            _person.c.id.in_(read.with_reablement()),
        ),
    )
    team = func.coalesce(col(Referral.team_id), _person.c.team_id)
    day = read.day
    for person_id, _, _, _, _, assessment_id, kind, created, signed, eligible in read.rows(
        query, team
    ):
        end = day(signed)
        start = min(day(created), end)
        if kind == AssessmentType.REVIEW:
            outcome = cld.REVIEW_OUTCOMES[bool(eligible)]
            yield person_id, Step(REVIEW, start, end, outcome, reference=f"REV{assessment_id}")
        else:
            outcome = cld.ASSESSMENT_OUTCOMES[bool(eligible)]
            yield person_id, Step(ASSESSMENT, start, end, outcome, reference=f"ASM{assessment_id}")


def _episodes(read: _Read) -> Iterable[tuple[int, Step]]:
    e, upto = ReablementEpisode, read.upto
    query = _of_person(
        select(*_PERSON, col(e.id), col(e.start_date), col(e.ended_on), col(e.outcome)),
        col(e.person_id),
    ).outerjoin(Referral, col(Referral.id) == e.referral_id)
    query = query.where(*_episode_filter(upto))
    team = func.coalesce(col(Referral.team_id), _person.c.team_id)
    for person_id, _, _, _, _, episode_id, start, ended_on, outcome in read.rows(query, team):
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


def _sequels(read: _Read) -> Iterable[tuple[int, Step]]:
    """The support that followed reablement (`sequel_services`), in the episode's team;
    everyone's, since any long-term service decides whether the caveat is said."""
    e, upto = ReablementEpisode, read.upto
    query = _of_person(
        select(*_PERSON, *sequel_services.SEQUEL_COLUMNS), col(e.person_id)
    ).outerjoin(Referral, col(Referral.id) == e.referral_id)
    query = query.where(
        sequel_services.episodes_with_sequels(upto),
        or_(_person.c.date_of_death.is_(None), _person.c.date_of_death >= upto.first_day),
    )
    team = func.coalesce(col(Referral.team_id), _person.c.team_id)
    people = read.people
    for person_id, _, _, _, _, episode_id, ended_on, outcome, result, followup_on in read.rows(
        query, team
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


def _items(read: _Read) -> Iterable[tuple[int, Step]]:
    """Micro-commissioned items: each held from the plan version that first lists it to
    the one that no longer does (or the plan's closing); put back later, it is another."""
    upto = read.upto
    query = _of_person(
        select(
            *_PERSON,
            col(CarePlan.id),
            read.uk_day(col(CarePlan.closed_at)),
            read.uk_day(col(CarePlanVersion.created_at)),
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
    closing: dict[int, tuple[int, date | None]] = {}
    day = read.day
    for person_id, _, _, _, _, plan_id, closed_on, created, items in read.rows(
        query, _person.c.team_id
    ):
        closing[plan_id] = (person_id, day(closed_on))
        since = day(created)
        listed = {
            (str(i.get("kind", "")), str(i.get("description", "")), i.get("cost_pounds"))
            for i in items or []
            if str(i.get("kind", "")) in cld.ITEM_SERVICES
        }
        plan_items = held.setdefault(plan_id, {})
        for item in [item for item in plan_items if item not in listed]:
            spans.append((person_id, item[0], plan_items.pop(item), since))
        for item in listed:
            plan_items.setdefault(item, since)
    for plan_id, plan_items in held.items():
        person_id, closed_day = closing[plan_id]
        for item, held_since in plan_items.items():
            spans.append((person_id, item[0], held_since, closed_day))
    for person_id, kind, held_since, end in spans:
        if held_since > upto.last_day or (end is not None and end < upto.first_day):
            continue
        ended = end is not None and end <= upto.last_day
        service_type, _component = cld.ITEM_SERVICES[kind]
        outcome = cld.SERVICE_ENDED_AS_PLANNED if ended else cld.PROVISION_OF_SERVICE
        yield person_id, Step(SERVICE, held_since, end if ended else None, outcome, service_type)
