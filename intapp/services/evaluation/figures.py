"""The evaluation's figures: every record that counts, tallied into its groups.

Each kind of record (a referral received, an episode ended, a follow-up due, days of
reablement, a stay in residential care, a commissioned item) is read once as plain rows
with the person's cohort flags and a triage pathway, and `Tally.add` puts each row into
every group it belongs to: the whole scope, each of the person's cohorts (or "no
cohort"), and its pathway. A person in two cohorts counts in both cohort rows, once in
the whole-scope row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, true
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from intapp import clock
from intapp.codes import EpisodeState, FollowupResult, Pathway, ReablementOutcome
from intapp.models import CarePlan, CarePlanVersion, Person, ReablementEpisode, Referral
from intapp.services.aggregates import count_if
from intapp.services.national.period import Period

COHORTS = ("frail_older", "ltc_end_of_life", "complex_lives", "mh_ld_dementia", "cyp_with_ltc")
NO_COHORT = "no_cohort"
NO_PATHWAY = "no_pathway"
"""A referral not (yet) triaged, or a record with no referral to take a pathway from."""
ALL = "all"
OUTCOMES = tuple(outcome.value for outcome in ReablementOutcome)
PATHWAYS = (*(pathway.value for pathway in Pathway), NO_PATHWAY)
_FLAGS = tuple(getattr(Person, name) for name in COHORTS)


@dataclass
class GroupFigures:
    """What one group (the whole scope, a cohort or a pathway) adds up to."""

    referrals: int = 0
    rereferrals: int = 0
    people: int = 0
    ended: dict[str, int] = field(default_factory=dict)
    followups_due: int = 0
    followups_recorded: int = 0
    followups_at_home: int = 0
    reablement_days: int = 0
    residential_people: int = 0
    residential_days: int = 0
    items: int = 0
    items_pounds: float = 0.0


@dataclass
class Tally:
    """Every group's figures, by (grouping, group)."""

    groups: dict[tuple[str, str], GroupFigures] = field(default_factory=dict)

    def add(self, flags: Iterable[Any], pathway: str | None, **values: Any) -> None:
        """Add one record's values to the whole scope, its cohorts and its pathway."""
        keys = [(ALL, ALL), *(("cohort", c) for c in _cohorts(flags))]
        keys.append(("pathway", pathway or NO_PATHWAY))
        for key in keys:
            figures = self.groups.setdefault(key, GroupFigures())
            for name, value in values.items():
                if name == "outcome":
                    figures.ended[value] = figures.ended.get(value, 0) + 1
                else:
                    setattr(figures, name, getattr(figures, name) + value)

    def add_people(
        self, people: int, *, flags: Iterable[Any] | None = None, pathway: str | None = None
    ) -> None:
        """Add a count of different people to the groups of their `flags` (and the whole
        scope), or of their `pathway`: people with other flags are other people."""
        if flags is not None:
            keys = [(ALL, ALL), *(("cohort", c) for c in _cohorts(flags))]
        else:
            keys = [("pathway", pathway or NO_PATHWAY)]
        for key in keys:
            self.groups.setdefault(key, GroupFigures()).people += people

    def of(self, grouping: str, group: str) -> GroupFigures:
        return self.groups.get((grouping, group), GroupFigures())


def _cohorts(flags: Iterable[Any]) -> list[str]:
    """The person's cohorts, from their flags in `COHORTS` order; "no cohort" for none."""
    return [name for name, flag in zip(COHORTS, flags, strict=True) if flag] or [NO_COHORT]


def tally(*, session: Session, period: Period, team_ids: list[int] | None) -> Tally:
    """Every figure of the evaluation for `period`, over the teams in `team_ids` (None:
    every team)."""
    found = Tally()
    _referrals(session, period, team_ids, found)
    _episodes_ended(session, period, team_ids, found)
    _followups(session, period, team_ids, found)
    _reablement_days(session, period, team_ids, found)
    _residential(session, period, team_ids, found)
    _items(session, period, team_ids, found)
    return found


def _in_teams(column: Any, team_ids: list[int] | None) -> Any:
    return col(column).in_(team_ids) if team_ids is not None else true()


def _referrals(session: Session, period: Period, team_ids: list[int] | None, found: Tally) -> None:
    """Referrals received in the period by the teams in scope (the team holding each now);
    a re-referral is one the referral rule marked so when it arrived
    (`services.referrals.is_rereferral`).

    A city's year is a few hundred thousand referrals but a few hundred (flags, pathway)
    pairs, so the database counts them by pair. A person has one set of flags, so the
    people of a pathway (or of a cohort) add up over the flags; but one person may come
    by several pathways, so the people of each set of flags are counted on their own."""
    received = col(Referral.received_at)
    in_scope = (
        received >= period.starts_at,
        received < period.ends_at,
        _in_teams(Referral.team_id, team_ids),
    )
    people = func.count(func.distinct(col(Referral.person_id)))
    pathway = col(Referral.pathway)
    for *flags, route, count, again, persons in session.execute(
        select(*_FLAGS, pathway, func.count(), count_if(col(Referral.is_rereferral)), people)
        .join(Person, col(Person.id) == Referral.person_id)
        .where(*in_scope)
        .group_by(*_FLAGS, pathway)
    ):
        found.add(flags, route, referrals=int(count), rereferrals=int(again))
        found.add_people(int(persons), pathway=route)
    for *flags, persons in session.execute(
        select(*_FLAGS, people)
        .join(Person, col(Person.id) == Referral.person_id)
        .where(*in_scope)
        .group_by(*_FLAGS)
    ):
        found.add_people(int(persons), flags=flags)


def _episode_rows(*where: Any, extra: tuple[Any, ...] = ()) -> Any:
    """Episodes of people in scope with the person's flags and the referral's pathway."""
    return (
        select(col(Referral.pathway), *_FLAGS, *extra)
        .select_from(ReablementEpisode)
        .join(Person, col(Person.id) == ReablementEpisode.person_id)
        .outerjoin(Referral, col(Referral.id) == ReablementEpisode.referral_id)
        .where(*where)
    )


def _episodes_ended(
    session: Session, period: Period, team_ids: list[int] | None, found: Tally
) -> None:
    ended_on = col(ReablementEpisode.ended_on)
    rows = session.execute(
        _episode_rows(
            ended_on >= period.first_day,
            ended_on <= period.last_day,
            col(ReablementEpisode.state) == EpisodeState.ENDED,
            _in_teams(Person.team_id, team_ids),
            extra=(col(ReablementEpisode.outcome),),
        )
    )
    for pathway, *flags, outcome in rows:
        found.add(flags, pathway, outcome=outcome or "unknown")


def _followups(session: Session, period: Period, team_ids: list[int] | None, found: Tally) -> None:
    due = col(ReablementEpisode.followup_due)
    result = col(ReablementEpisode.followup_result)
    rows = session.execute(
        _episode_rows(
            due >= period.first_day,
            due <= period.last_day,
            _in_teams(Person.team_id, team_ids),
            extra=(result,),
        )
    )
    for pathway, *flags, outcome in rows:
        found.add(
            flags,
            pathway,
            followups_due=1,
            followups_recorded=int(outcome is not None),
            followups_at_home=int(outcome == FollowupResult.AT_HOME),
        )


def _reablement_days(
    session: Session, period: Period, team_ids: list[int] | None, found: Tally
) -> None:
    """Days of reablement given in the period: each episode that ran from its start to
    its end (today while it runs), cut to the period; counted as `days_running` does."""
    start, ended_on = col(ReablementEpisode.start_date), col(ReablementEpisode.ended_on)
    rows = session.execute(
        _episode_rows(
            col(ReablementEpisode.state).in_([EpisodeState.ACTIVE, EpisodeState.ENDED]),
            start <= period.last_day,
            or_(ended_on.is_(None), ended_on >= period.first_day),
            _in_teams(Person.team_id, team_ids),
            extra=(start, ended_on),
        )
    )
    after = period.last_day + timedelta(days=1)
    today = clock.today()
    for pathway, *flags, began, ended in rows:
        days = (min(ended or today, after) - max(began, period.first_day)).days
        if days > 0:
            found.add(flags, pathway, reablement_days=days)


def _residential(
    session: Session, period: Period, team_ids: list[int] | None, found: Tally
) -> None:
    """People in residential or nursing care after reablement: from the first episode of
    theirs that ended so, to their death or the period's end, cut to the period."""
    first_ending = (
        select(
            col(ReablementEpisode.person_id).label("person_id"),
            func.min(col(ReablementEpisode.ended_on)).label("ended_on"),
        )
        .where(
            col(ReablementEpisode.outcome) == ReablementOutcome.LONG_TERM_SUPPORT_RESIDENTIAL,
            col(ReablementEpisode.ended_on) <= period.last_day,
        )
        .group_by(col(ReablementEpisode.person_id))
        .subquery()
    )
    episode = aliased(ReablementEpisode)
    rows = session.execute(
        select(
            first_ending.c.person_id,
            col(Referral.pathway),
            *_FLAGS,
            first_ending.c.ended_on,
            col(Person.date_of_death),
        )
        .select_from(first_ending)
        .join(Person, col(Person.id) == first_ending.c.person_id)
        .where(
            _in_teams(Person.team_id, team_ids),
            or_(
                col(Person.date_of_death).is_(None),
                col(Person.date_of_death) > period.first_day,
            ),
        )
        # The pathway of the referral that led to that first ending.
        .outerjoin(
            episode,
            and_(
                col(episode.person_id) == first_ending.c.person_id,
                col(episode.ended_on) == first_ending.c.ended_on,
                col(episode.outcome) == ReablementOutcome.LONG_TERM_SUPPORT_RESIDENTIAL,
            ),
        )
        .outerjoin(Referral, col(Referral.id) == episode.referral_id)
    )
    after = period.last_day + timedelta(days=1)
    seen: set[int] = set()  # two such endings on one day would join twice
    for person_id, pathway, *flags, moved_on, died in rows:
        days = (min(died or after, after) - max(moved_on, period.first_day)).days
        if days > 0 and person_id not in seen:
            seen.add(person_id)
            found.add(flags, pathway, residential_people=1, residential_days=days)


def _items(session: Session, period: Period, team_ids: list[int] | None, found: Tally) -> None:
    """Micro-commissioned items in each plan's version current at the period's end (the
    last saved before it), for plans open at some time in the period: each item once, at
    the cost recorded with it. A plan is the person's, not a referral's: its pathway is
    that of the person's latest referral received before the period ended."""
    current = (
        select(
            col(CarePlanVersion.plan_id).label("plan_id"),
            func.max(col(CarePlanVersion.number)).label("number"),
        )
        .where(col(CarePlanVersion.created_at) < period.ends_at)
        .group_by(col(CarePlanVersion.plan_id))
        .subquery()
    )
    latest_referral = (
        select(col(Referral.pathway))
        .where(
            col(Referral.person_id) == CarePlan.person_id,
            col(Referral.received_at) < period.ends_at,
        )
        .order_by(col(Referral.received_at).desc(), col(Referral.id).desc())
        .limit(1)
        .correlate(CarePlan)
        .scalar_subquery()
    )
    closed = col(CarePlan.closed_at)
    rows = session.execute(
        select(latest_referral, *_FLAGS, col(CarePlanVersion.items))
        .select_from(CarePlan)
        .join(current, current.c.plan_id == CarePlan.id)
        .join(
            CarePlanVersion,
            and_(
                col(CarePlanVersion.plan_id) == current.c.plan_id,
                col(CarePlanVersion.number) == current.c.number,
            ),
        )
        .join(Person, col(Person.id) == CarePlan.person_id)
        .where(
            or_(closed.is_(None), closed >= period.starts_at),
            _in_teams(Person.team_id, team_ids),
            # Most versions hold no items (both stores have this JSON function).
            func.json_array_length(col(CarePlanVersion.items)) > 0,
        )
    )
    for pathway, *flags, items in rows:
        if not items:
            continue
        pounds = sum(float(item.get("cost_pounds") or 0) for item in items)
        found.add(flags, pathway, items=len(items), items_pounds=pounds)
