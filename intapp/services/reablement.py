"""Reablement episodes: a standard length (42 days), an outcome, and the "still at home" follow-up
(91 days); both lengths are settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, col, select

from intapp import clock
from intapp.access import require_for
from intapp.codes import EpisodeState, EpisodeType, FollowupResult, ReablementOutcome
from intapp.config import Settings, load_settings
from intapp.formatting import deceased_marked
from intapp.models import Allocation, Person, ReablementEpisode, Worker
from intapp.services import audit, bounds, worklists
from intapp.services.assessments import key_worker
from intapp.services.errors import InvalidInput, NotFound, check_version
from intapp.services.people import load_person, person_who_can_start
from intapp.store.paging import Cursor, Page
from intapp.store.plain_sql import through_session

# Barthel index: ten items and the highest score each can take (total 0–20).
BARTHEL_ITEMS: tuple[tuple[str, int], ...] = (
    ("Bowels", 2),
    ("Bladder", 2),
    ("Grooming", 1),
    ("Toilet use", 2),
    ("Feeding", 2),
    ("Transfer (bed to chair)", 3),
    ("Mobility", 3),
    ("Dressing", 2),
    ("Stairs", 2),
    ("Bathing", 1),
)

# No one is followed up after their death.
NO_FOLLOWUP_OUTCOMES = frozenset({ReablementOutcome.EARLY_CESSATION_DECEASED})


@dataclass(frozen=True)
class EpisodeSummary:
    """An episode as the screens show it."""

    id: int
    person_id: int
    referral_id: int | None
    worker_id: int | None
    episode_type: str
    state: str
    start_date: date
    planned_end_date: date
    extension_reason: str | None
    goals: list[str]
    barthel_start: list[int] | None
    barthel_end: list[int] | None
    ended_on: date | None
    outcome: str | None
    followup_due: date | None
    followup_result: str | None
    version: int
    cancel_reason: str | None = None

    def days_running(self, today: date) -> int:
        """Days from the start to `today`, or to the end for an ended episode."""
        return ((self.ended_on or today) - self.start_date).days

    @property
    def barthel_start_total(self) -> int | None:
        return barthel_total(self.barthel_start)

    @property
    def barthel_end_total(self) -> int | None:
        return barthel_total(self.barthel_end)


def summarise(e: ReablementEpisode) -> EpisodeSummary:
    """The plain result object for a ReablementEpisode row."""
    assert e.id is not None
    return EpisodeSummary(
        id=e.id,
        person_id=e.person_id,
        referral_id=e.referral_id,
        worker_id=e.worker_id,
        episode_type=e.episode_type,
        state=e.state,
        start_date=e.start_date,
        planned_end_date=e.planned_end_date,
        extension_reason=e.extension_reason,
        goals=list(e.goals),
        barthel_start=list(e.barthel_start) if e.barthel_start is not None else None,
        barthel_end=list(e.barthel_end) if e.barthel_end is not None else None,
        ended_on=e.ended_on,
        outcome=e.outcome,
        followup_due=e.followup_due,
        followup_result=e.followup_result,
        version=e.version,
        cancel_reason=e.cancel_reason,
    )


def barthel_total(scores: list[int] | None) -> int | None:
    """The Barthel total (0–20), or None when not recorded."""
    return None if scores is None else sum(scores)


def checked_barthel(scores: list[int] | None, *, field: str) -> list[int] | None:
    """Validate ten Barthel item scores against each item's range."""
    if scores is None:
        return None
    if len(scores) != len(BARTHEL_ITEMS):
        raise InvalidInput(f"The Barthel index has {len(BARTHEL_ITEMS)} items", field=field)
    for (item, top), score in zip(BARTHEL_ITEMS, scores, strict=True):
        if not isinstance(score, int) or not 0 <= score <= top:
            raise InvalidInput(f"Barthel {item}: score 0 to {top}", field=field)
    return list(scores)


def followup_due_on(ended_on: date, outcome: str, settings: Settings | None = None) -> date | None:
    """When the "still at home" follow-up is due after an episode ends, or None when the
    outcome needs none (the person died)."""
    if outcome in NO_FOLLOWUP_OUTCOMES:
        return None
    return ended_on + timedelta(days=(settings or load_settings()).followup_days)


def load_episode(*, session: Session, episode_id: int) -> ReablementEpisode:
    """The episode row, or `NotFound`."""
    episode = session.get(ReablementEpisode, episode_id)
    if episode is None:
        raise NotFound(f"There is no reablement episode with id {episode_id}")
    return episode


def _standard_end(start: date) -> date:
    return start + timedelta(days=load_settings().reablement_standard_days)


def _needs_reason(start: date, planned_end: date) -> bool:
    return planned_end > _standard_end(start)


def start_episode(
    *,
    session: Session,
    user: str,
    person_id: int,
    start_date: date,
    goals: list[str],
    episode_type: str = EpisodeType.STANDARD,
    referral_id: int | None = None,
    worker_id: int | None = None,
    barthel_start: list[int] | None = None,
    planned_end_date: date | None = None,
    extension_reason: str | None = None,
) -> EpisodeSummary:
    """Plan (future start) or begin (start today or earlier) an episode of reablement."""
    require_for(session, "reablement")
    person = person_who_can_start(
        session=session, person_id=person_id, doing="started on reablement"
    )
    if episode_type not in set(EpisodeType):
        raise InvalidInput("Episode type must be standard or complex", field="type")
    if worker_id is not None and session.get(Worker, worker_id) is None:
        raise InvalidInput(f"There is no worker with id {worker_id}", field="worker")
    goals = [g.strip() for g in goals if g.strip()]
    if not goals:
        raise InvalidInput("Write at least one reablement goal", field="goals")
    running = session.exec(
        select(ReablementEpisode).where(
            ReablementEpisode.person_id == person_id,
            col(ReablementEpisode.state).in_([EpisodeState.PLANNED, EpisodeState.ACTIVE]),
        )
    ).first()
    if running is not None:
        raise InvalidInput(
            f"{person.display_name} already has a reablement episode ({running.state})",
            field="person",
        )
    referral_id, worker_id = _case_of(
        session=session, person_id=person_id, referral_id=referral_id, worker_id=worker_id
    )
    planned_end = planned_end_date or _standard_end(start_date)
    if planned_end < start_date:
        raise InvalidInput("The planned end cannot be before the start", field="planned_end")
    bounds.checked_planned_end(start_date, planned_end)
    reason = (extension_reason or "").strip() or None
    if _needs_reason(start_date, planned_end) and reason is None:
        raise InvalidInput(
            f"An episode planned for more than {load_settings().reablement_standard_days} days "
            "needs a reason",
            field="extension_reason",
        )
    episode = ReablementEpisode(
        person_id=person_id,
        referral_id=referral_id,
        worker_id=worker_id,
        episode_type=episode_type,
        state=EpisodeState.ACTIVE if start_date <= clock.today() else EpisodeState.PLANNED,
        start_date=start_date,
        planned_end_date=planned_end,
        extension_reason=reason,
        goals=goals,
        barthel_start=checked_barthel(barthel_start, field="barthel_start"),
    )
    audit.save_create(session=session, user=user, row=episode)
    return summarise(episode)


def _case_of(
    *, session: Session, person_id: int, referral_id: int | None, worker_id: int | None
) -> tuple[int | None, int | None]:
    """The referral and worker an episode is recorded against when not named: the person's
    most recent open case and the worker holding it (else their plan's lead). The weekly
    figures count each episode against its worker, so one with none is counted for nobody."""
    if referral_id is None:
        referral_id = session.exec(
            select(col(Allocation.referral_id))
            .where(Allocation.person_id == person_id, col(Allocation.ended_at).is_(None))
            .order_by(col(Allocation.started_at).desc(), col(Allocation.id).desc())
        ).first()
    if worker_id is None:
        worker_id = key_worker(session=session, person_id=person_id, referral_id=referral_id)
    return referral_id, worker_id


def _editable_episode(
    *,
    session: Session,
    episode_id: int,
    expected_version: int,
    action: str,
    allowed_states: tuple[str, ...],
) -> tuple[ReablementEpisode, dict[str, object]]:
    """The episode, if the user's copy is current and its state allows `action`, with a
    snapshot for the audit trail."""
    episode = load_episode(session=session, episode_id=episode_id)
    check_version("reablement episode", episode.version, expected_version)
    if episode.state not in allowed_states:
        raise InvalidInput(f"This episode is {episode.state}; it cannot be {action}", field="state")
    return episode, audit.snapshot(episode)


def begin_episode(
    *,
    session: Session,
    user: str,
    episode_id: int,
    expected_version: int,
    started_on: date | None = None,
) -> EpisodeSummary:
    """Begin a planned episode on the day it really started (default today): on its
    planned start date or later, never in the future. It keeps its planned length, and
    is recorded against the person's case and worker if it named none."""
    require_for(session, "reablement")
    episode, before = _editable_episode(
        session=session,
        episode_id=episode_id,
        expected_version=expected_version,
        action="started",
        allowed_states=(EpisodeState.PLANNED,),
    )
    today = clock.today()
    if today < episode.start_date:
        raise InvalidInput(
            f"This episode is planned to start on {episode.start_date:%d/%m/%Y}; it can be "
            "begun on that day or later (change the plan by cancelling it and starting another)",
            field="started_on",
        )
    started_on = started_on or today
    if not episode.start_date <= started_on <= today:
        raise InvalidInput(
            f"The start must be between the planned start ({episode.start_date:%d/%m/%Y}) "
            "and today",
            field="started_on",
        )
    load_person(session=session, person_id=episode.person_id)
    length = episode.planned_end_date - episode.start_date
    episode.start_date = started_on
    episode.planned_end_date = started_on + length
    episode.state = EpisodeState.ACTIVE
    episode.referral_id, episode.worker_id = _case_of(
        session=session,
        person_id=episode.person_id,
        referral_id=episode.referral_id,
        worker_id=episode.worker_id,
    )
    audit.save_update(session=session, user=user, row=episode, before=before, action="begin")
    return summarise(episode)


def cancel_episode(
    *, session: Session, user: str, episode_id: int, reason: str, expected_version: int
) -> EpisodeSummary:
    """Cancel a planned episode that will not happen, with the reason kept. A cancelled
    episode never ran: it has no outcome, no follow-up, and counts in no figure."""
    require_for(session, "reablement")
    episode, before = _editable_episode(
        session=session,
        episode_id=episode_id,
        expected_version=expected_version,
        action="cancelled",
        allowed_states=(EpisodeState.PLANNED,),
    )
    reason = reason.strip()
    if not reason:
        raise InvalidInput("Say why the episode is cancelled", field="reason")
    episode.state = EpisodeState.CANCELLED
    episode.cancel_reason = reason
    audit.save_update(session=session, user=user, row=episode, before=before, action="cancel")
    return summarise(episode)


def extend_episode(
    *,
    session: Session,
    user: str,
    episode_id: int,
    new_planned_end: date,
    reason: str,
    expected_version: int,
) -> EpisodeSummary:
    """Move the planned end later; a reason is always required."""
    require_for(session, "reablement")
    episode, before = _editable_episode(
        session=session,
        episode_id=episode_id,
        expected_version=expected_version,
        action="extended",
        allowed_states=(EpisodeState.PLANNED, EpisodeState.ACTIVE),
    )
    if not reason.strip():
        raise InvalidInput("Say why the episode needs longer", field="reason")
    if new_planned_end <= episode.planned_end_date:
        raise InvalidInput(
            "The new end must be later than the current planned end", field="planned_end"
        )
    bounds.checked_planned_end(episode.start_date, new_planned_end)
    episode.planned_end_date = new_planned_end
    episode.extension_reason = reason.strip()
    audit.save_update(session=session, user=user, row=episode, before=before, action="extend")
    return summarise(episode)


def end_episode(
    *,
    session: Session,
    user: str,
    episode_id: int,
    outcome: str,
    ended_on: date | None = None,
    barthel_end: list[int] | None = None,
    expected_version: int,
) -> EpisodeSummary:
    """End an active episode with its SALT outcome and set the follow-up (`followup_days`)."""
    require_for(session, "reablement")
    episode, before = _editable_episode(
        session=session,
        episode_id=episode_id,
        expected_version=expected_version,
        action="ended",
        allowed_states=(EpisodeState.ACTIVE,),
    )
    if outcome not in set(ReablementOutcome):
        raise InvalidInput(
            f"Outcome must be one of: {', '.join(ReablementOutcome)}", field="outcome"
        )
    ended_on = ended_on or clock.today()
    if not episode.start_date <= ended_on <= clock.today():
        raise InvalidInput("The end date must be between the start and today", field="ended_on")
    if _needs_reason(episode.start_date, ended_on) and not episode.extension_reason:
        raise InvalidInput(
            f"This episode ran past {load_settings().reablement_standard_days} days without a "
            "recorded reason; "
            "extend it with a reason first",
            field="extension_reason",
        )
    barthel_end = checked_barthel(barthel_end, field="barthel_end")
    episode.state = EpisodeState.ENDED
    episode.ended_on = ended_on
    episode.outcome = outcome
    episode.barthel_end = barthel_end
    episode.followup_due = followup_due_on(ended_on, outcome)
    audit.save_update(session=session, user=user, row=episode, before=before, action="end")
    return summarise(episode)


def record_followup(
    *,
    session: Session,
    user: str,
    episode_id: int,
    result: str,
    expected_version: int,
    recorded_on: date | None = None,
) -> EpisodeSummary:
    """Record where the person was at the follow-up, on the day they were seen (default
    today): on or after the day it was due, never in the future."""
    require_for(session, "reablement")
    episode, before = _editable_episode(
        session=session,
        episode_id=episode_id,
        expected_version=expected_version,
        action="followed up",
        allowed_states=(EpisodeState.ENDED,),
    )
    if episode.followup_due is None:
        raise InvalidInput("This episode has no follow-up to record", field="followup")
    if clock.today() < episode.followup_due:
        raise InvalidInput(
            f"The follow-up is due on {episode.followup_due:%d/%m/%Y}; "
            "record where the person is on or after that day",
            field="followup_result",
        )
    recorded_on = recorded_on or clock.today()
    if not episode.followup_due <= recorded_on <= clock.today():
        raise InvalidInput(
            f"The follow-up date must be between the day it was due "
            f"({episode.followup_due:%d/%m/%Y}) and today",
            field="recorded_on",
        )
    if result not in set(FollowupResult):
        raise InvalidInput(
            f"Result must be one of: {', '.join(FollowupResult)}", field="followup_result"
        )
    episode.followup_result = result
    episode.followup_recorded_on = recorded_on
    audit.save_update(session=session, user=user, row=episode, before=before, action="followup")
    return summarise(episode)


@dataclass(frozen=True)
class EpisodeRow:
    """An episode with the person's name, for lists."""

    episode: EpisodeSummary
    person_name: str


# The episode lists a screen can page through, each a dashboard figure's rows or a
# worklist it narrows (`worklists.tiles`).
EPISODE_LISTS = ("active", "episodes_day_35_plus", "episodes_past_42", "followups_due")


def episodes_page(
    *,
    session: Session,
    which: str,
    team_ids: list[int] | None = None,
    after: Cursor | None = None,
    limit: int = 50,
    count: bool = True,
) -> Page[EpisodeRow]:
    """A page of running episodes (longest-running first) or of follow-ups due (longest
    waiting first), and how many the whole list holds; `which` is one of `EPISODE_LISTS`."""
    if which not in EPISODE_LISTS:
        raise ValueError(f"the episode lists are {', '.join(EPISODE_LISTS)}, not {which!r}")
    figures = worklists.tiles(team_ids)
    rows = figures["episodes_day_35_plus"].worklist if which == "active" else figures[which].rows
    db = through_session(session)
    ids = [r[0] for r in rows.page(db, "reablement_episode.id", after=after, limit=limit)]
    found = {
        e.id: EpisodeRow(summarise(e), deceased_marked(p.display_name, p.date_of_death))
        for e, p in session.exec(
            select(ReablementEpisode, Person)
            .join(Person, col(Person.id) == ReablementEpisode.person_id)
            .where(col(ReablementEpisode.id).in_(ids))
        ).all()
    }
    return Page([found[i] for i in ids if i in found], rows.count(db) if count else None)


def episode_cursor(which: str) -> Callable[[EpisodeRow], Cursor]:
    """Where the page after a row of list `which` starts."""
    if which == "followups_due":
        return lambda row: (row.episode.followup_due, row.episode.id)
    return lambda row: (row.episode.start_date, row.episode.id)


def person_episodes(*, session: Session, person_id: int) -> list[EpisodeSummary]:
    """A person's episodes, newest first."""
    rows = session.exec(
        select(ReablementEpisode)
        .where(ReablementEpisode.person_id == person_id)
        .order_by(col(ReablementEpisode.start_date).desc())
    ).all()
    return [summarise(e) for e in rows]
