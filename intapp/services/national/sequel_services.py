"""The support that followed reablement, as CLD Service events.

intapp arranges no long-term or ongoing low-level support itself, but it records what
followed each period of reablement: the episode's ending (SALT STS002a) and the 91-day
follow-up's finding. Without those as services, every client would read as new, no
reablement would lead to long-term support, and ASCOF 2B could not see a move into a
care home. The rules, for an ended episode (a merged record's as the survivor's):

- **Its ending:** ongoing low-level support, long-term support in the community, or
  long-term support in residential or nursing care is a service of that type from the
  day after reablement ended. intapp does not tell a care home from a nursing home, so
  both are "Long Term Support: Residential Care".
- **Its follow-up:** a follow-up finding the person in residential or nursing care,
  when the ending was not already residential, is a residential service from the day
  the follow-up was recorded (the first day intapp knows it); the ending's low-level or
  community support ends the day before ("Progress to Support Planning / Services").
- **Their end:** intapp neither arranges nor ends long-term support, so a service runs
  on (no end date, "Provision of service") until the person's death ends it ("NFA -
  Deceased"). Support the person did not live to begin is not reported.

Reported as at the period's last day like every service (one ending after it has no end
date), in the team of the episode (its referral's, else the person's), with references
derived from the episode's (``RBL12-S`` for its ending, ``RBL12-F`` for its follow-up).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlmodel import col

from intapp.codes import EpisodeState, FollowupResult, ReablementOutcome
from intapp.models import ReablementEpisode, Referral
from intapp.services.national import cld
from intapp.services.national.events import CldEvent
from intapp.services.national.period import Period
from intapp.services.national.returns_sequels import COMMUNITY, LOW_LEVEL, RESIDENTIAL

# Service components (cld.py's plan items use the first two too). intapp does not record
# what the ongoing low-level support is, and equipment is what most such support after
# reablement is. "Residential Care" is the closest wording to the CLD list's; the release
# 1 list itself is not among the references to hand.
HOME_SUPPORT = "Home Support"
EQUIPMENT = "Equipment"
RESIDENTIAL_CARE = "Residential Care"
COMPONENTS = frozenset({HOME_SUPPORT, EQUIPMENT, RESIDENTIAL_CARE})

# An episode's ending -> the service that followed it.
AFTER_ENDING: dict[str, tuple[str, str]] = {
    ReablementOutcome.ONGOING_LOW_LEVEL_SUPPORT: (LOW_LEVEL, EQUIPMENT),
    ReablementOutcome.LONG_TERM_SUPPORT_COMMUNITY: (COMMUNITY, HOME_SUPPORT),
    ReablementOutcome.LONG_TERM_SUPPORT_RESIDENTIAL: (RESIDENTIAL, RESIDENTIAL_CARE),
}
PROVISION_OF_SERVICE = "Provision of service"
NFA_DECEASED = "NFA - Deceased"
# Ended by the residential care the follow-up found: support planned anew.
PROGRESS_TO_SUPPORT_PLANNING = "Progress to Support Planning / Services"


@dataclass(frozen=True)
class SequelService:
    """A service that followed one period of reablement, before it is cut to a period."""

    reference: str
    service_type: str
    component: str
    start: date
    end: date | None  # None: still running (as far as intapp knows)
    end_outcome: str | None  # the outcome once it has ended

    def as_at(self, period: Period) -> tuple[date | None, str] | None:
        """Its end date and outcome as reported for `period`, or None when it was not
        running at any time in it."""
        if self.start > period.last_day or (self.end is not None and self.end < period.first_day):
            return None
        if self.end is not None and self.end <= period.last_day:
            return self.end, self.end_outcome or PROVISION_OF_SERVICE
        return None, PROVISION_OF_SERVICE


def sequels_of(
    *,
    episode_id: int,
    ended_on: date,
    outcome: str | None,
    followup_result: str | None,
    followup_on: date | None,
    died: date | None,
) -> list[SequelService]:
    """The services that followed an ended episode, by the rules above."""
    found: list[SequelService] = []
    in_care_from: date | None = None
    if (
        followup_result == FollowupResult.RESIDENTIAL_OR_NURSING
        and followup_on is not None
        and outcome != ReablementOutcome.LONG_TERM_SUPPORT_RESIDENTIAL
    ):
        in_care_from = followup_on
    after = AFTER_ENDING.get(outcome or "")
    if after is not None:
        start = ended_on + timedelta(days=1)
        end, end_outcome = _ending(start, died)
        if in_care_from is not None and (end is None or in_care_from <= end):
            end, end_outcome = (
                max(start, in_care_from - timedelta(days=1)),
                (PROGRESS_TO_SUPPORT_PLANNING),
            )
        if died is None or start <= died:
            found.append(SequelService(f"RBL{episode_id}-S", *after, start, end, end_outcome))
    if in_care_from is not None and (died is None or in_care_from <= died):
        end, end_outcome = _ending(in_care_from, died)
        found.append(
            SequelService(
                f"RBL{episode_id}-F", RESIDENTIAL, RESIDENTIAL_CARE, in_care_from, end, end_outcome
            )
        )
    return found


def _ending(start: date, died: date | None) -> tuple[date | None, str | None]:
    """A service from `start` runs until the person's death, if they have died."""
    if died is not None and died >= start:
        return died, NFA_DECEASED
    return None, None


# --- Which episodes ------------------------------------------------------------------------


def episodes_with_sequels(upto: Period) -> Any:
    """The condition on `reablement_episode` for an episode whose sequels may run in
    `upto`: ended by its last day, with an ending or a follow-up that says what followed."""
    e = ReablementEpisode
    return and_(
        col(e.state) == EpisodeState.ENDED,
        col(e.ended_on) < upto.last_day,
        or_(
            col(e.outcome).in_(list(AFTER_ENDING)),
            col(e.followup_result) == FollowupResult.RESIDENTIAL_OR_NURSING,
        ),
    )


SEQUEL_COLUMNS = (
    col(ReablementEpisode.id),
    col(ReablementEpisode.ended_on),
    col(ReablementEpisode.outcome),
    col(ReablementEpisode.followup_result),
    func.coalesce(col(ReablementEpisode.followup_recorded_on), col(ReablementEpisode.followup_due)),
)


def services_after_reablement(x: cld._Extract) -> Iterable[CldEvent]:
    """The CLD Service events of the extract's period for the support that followed
    reablement."""
    e, period = ReablementEpisode, x.period
    query = cld._with_person(
        select(*cld._PERSON_COLUMNS, *SEQUEL_COLUMNS), col(e.person_id)
    ).outerjoin(Referral, col(Referral.id) == e.referral_id)
    query = query.where(
        episodes_with_sequels(period),
        or_(cld._person.c.date_of_death.is_(None), cld._person.c.date_of_death >= period.first_day),
    )
    team = func.coalesce(col(Referral.team_id), cld._person.c.team_id)
    for row in x.rows(query, team):
        person = x.people.of(row)
        episode_id, ended_on, outcome, result, followup_on = row[cld._PERSON_WIDTH :]
        for service in sequels_of(
            episode_id=episode_id,
            ended_on=cld.day(ended_on),  # type: ignore[arg-type]
            outcome=outcome,
            followup_result=result,
            followup_on=cld.day(followup_on),
            died=person["date_of_death"],
        ):
            reported = service.as_at(period)
            if reported is None:
                continue
            end, event_outcome = reported
            yield cld._new_event(
                {
                    **person,
                    "event_type": "Service",
                    "event_reference": service.reference,
                    "event_start_date": service.start,
                    "event_end_date": end,
                    "event_outcome": event_outcome,
                    "service_type": service.service_type,
                    "service_component": service.component,
                }
            )
