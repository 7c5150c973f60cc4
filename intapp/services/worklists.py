"""The lists behind the dashboard's figures, each defined once.

A `Worklist` is one query definition: the tables it reads, which rows belong to it, and
the order it is paged in. A dashboard tile counts a worklist, or a worklist narrowed by
one more condition (`Tile`); the list the tile opens pages through exactly the same
definition, so the figure and the list cannot disagree.

Plain SQL (`plain_sql`): the dashboard is the first screen and the queue the first list,
and on the embedded SQLite store both are read with the standard library's sqlite3 while
SQLAlchemy is still loading.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from intapp import clock
from intapp.codes import ActionStatus, AssessmentStatus, EpisodeState, ReferralStatus
from intapp.config import load_settings
from intapp.store.paging import Cursor, after_params, after_row_sql
from intapp.store.plain_sql import PlainSQL, in_list


@dataclass(frozen=True)
class Worklist:
    """One list's query: ``SELECT … FROM source WHERE where ORDER BY order``."""

    source: str
    where: str
    order: tuple[str, ...]  # ascending; the last column is unique
    params: dict[str, Any] = field(default_factory=dict)
    counted_from: str | None = None
    """The source's first table alone, when `where` reads nothing else. Its join to the
    person adds no rows and drops none (`person_id` is a NOT NULL foreign key), so the
    count is the same without it, and counting can stay inside an index."""
    parts: tuple[str, ...] = ()
    """Conditions that split the list into parts each read in order from an index (one
    status each, say), for a list whose `where` spans several: a page is read part by
    part and merged, instead of sorting every row of the list for the first page."""

    def narrowed(
        self, condition: str, params: dict[str, Any] | None = None, *, reads_joined: bool = False
    ) -> Worklist:
        """The rows of this list that also meet `condition`; `reads_joined` when the
        condition reads a joined table (the person's name, say)."""
        return replace(
            self,
            where=f"{self.where} AND ({condition})",
            params={**self.params, **(params or {})},
            counted_from=None if reads_joined else self.counted_from,
        )

    def count(self, db: PlainSQL) -> int:
        """How many rows the list holds."""
        return self.counts(db, [])[0]

    def counts(self, db: PlainSQL, conditions: Sequence[str]) -> list[int]:
        """The list's row count, then how many rows meet each of `conditions`, in one read."""
        sums = "".join(f", coalesce(sum(CASE WHEN {c} THEN 1 ELSE 0 END), 0)" for c in conditions)
        source = self.counted_from or self.source
        row = db.one(f"SELECT count(*){sums} FROM {source} WHERE {self.where}", self._bound(db))
        return [int(value) for value in row]

    def page(
        self, db: PlainSQL, columns: str, *, after: Cursor | None, limit: int
    ) -> list[Sequence[Any]]:
        """Up to `limit` rows of `columns` that sort after `after` (None: the first page)."""
        where, params = self.where, self._bound(db)
        if after is not None:
            where += f" AND {after_row_sql(self.order)}"
            params.update(db.stored(after_params(after)))
        order = ", ".join(self.order)
        if not self.parts:
            return db.run(
                f"SELECT {columns} FROM {self.source} WHERE {where} ORDER BY {order} LIMIT :limit",
                {**params, "limit": limit},
            )
        # Each part's first `limit` rows, in its index's order, then the first `limit` of
        # those: the sort columns ride along at the end, named so the merge can sort by
        # them (callers read the columns they asked for by position).
        keys = ", ".join(f"{column} AS sort_{i}" for i, column in enumerate(self.order))
        arms = " UNION ALL ".join(
            f"SELECT * FROM (SELECT {columns}, {keys} FROM {self.source}"
            f" WHERE {where} AND ({part}) ORDER BY {order} LIMIT :limit) AS part_{n}"
            for n, part in enumerate(self.parts)
        )
        merged = ", ".join(f"sort_{i}" for i in range(len(self.order)))
        return db.run(f"{arms} ORDER BY {merged} LIMIT :limit", {**params, "limit": limit})

    def _bound(self, db: PlainSQL) -> dict[str, Any]:
        return db.stored(self.params)


@dataclass(frozen=True)
class Tile:
    """A dashboard figure: a worklist, narrowed by one condition or not at all."""

    worklist: Worklist
    condition: str | None = None

    @property
    def rows(self) -> Worklist:
        """The list the tile counts, and opens."""
        if self.condition is None:
            return self.worklist
        return self.worklist.narrowed(self.condition)


def _teams(column: str, team_ids: list[int] | None) -> tuple[str, dict[str, Any]]:
    if team_ids is None:
        return "", {}
    return in_list(column, "team", team_ids)


def _moment() -> dict[str, Any]:
    """The clock and the settings every figure is measured against, read once."""
    settings = load_settings()
    now, today = clock.now(), clock.today()
    return {
        "now": now,
        "soon": now + timedelta(hours=settings.due_soon_hours),
        "today": today,
        "day_35": today - timedelta(days=settings.reablement_warning_day),
        "day_42": today - timedelta(days=settings.reablement_standard_days),
        "review_by": today + timedelta(days=settings.review_due_soon_days),
        # A draft started before the start of this day, `draft_assessment_days` ago, is
        # waiting too long (`drafts_waiting`).
        "draft_before": clock.start_of_day(
            today - timedelta(days=settings.draft_assessment_days - 1)
        ),
        "draft_late_before": clock.start_of_day(
            today - timedelta(days=settings.draft_assessment_days)
        ),
    }


def moment() -> dict[str, Any]:
    """The clock and settings every list is measured against, read once for several."""
    return _moment()


REFERRAL_SOURCE = "referral JOIN person ON person.id = referral.person_id"


def referrals(
    status: ReferralStatus, team_ids: list[int] | None, moment: dict[str, Any] | None = None
) -> Worklist:
    """Referrals in one status, soonest deadline first."""
    in_teams, params = _teams("referral.team_id", team_ids)
    return Worklist(
        REFERRAL_SOURCE,
        f"referral.status = :status{in_teams}",
        ("referral.due_by", "referral.id"),
        {**(moment or _moment()), **params, "status": status.value},
        counted_from="referral",
    )


def awaiting_triage(team_ids: list[int] | None, moment: dict[str, Any] | None = None) -> Worklist:
    """The referral queue: referrals awaiting triage, and those transferred in from
    another team awaiting this team's accept or return (they are the same coordinator's
    next decision), soonest deadline first."""
    in_teams, params = _teams("referral.team_id", team_ids)
    return Worklist(
        REFERRAL_SOURCE,
        f"referral.status IN (:status, :transfer){in_teams}",
        ("referral.due_by", "referral.id"),
        {
            **(moment or _moment()),
            **params,
            "status": ReferralStatus.RECEIVED.value,
            "transfer": ReferralStatus.TRANSFER.value,
        },
        counted_from="referral",
        parts=("referral.status = :status", "referral.status = :transfer"),
    )


# Overdue and due-soon are triage deadlines: a transfer in keeps the deadline its first
# team had (often long met, for a case), so it is in the queue but not in these figures.
OVERDUE = "referral.status = :status AND referral.due_by < :now"
DUE_SOON = "referral.status = :status AND referral.due_by >= :now AND referral.due_by < :soon"


def worker_board(team_ids: list[int] | None) -> Worklist:
    """Active workers with their weighted load, least headroom (most over) first."""
    in_teams, params = _teams("worker.team_id", team_ids)
    # Correlated sums, answered from the open-allocation index one worker at a time:
    # faster than joining every open allocation and grouping.
    open_load = (
        "(SELECT coalesce(sum(allocation.weight), 0) FROM allocation"
        " WHERE allocation.worker_id = worker.id AND allocation.ended_at IS NULL)"
    )
    loads = (
        "(SELECT worker.id AS worker_id, worker.given_name, worker.family_name,"
        " worker.profession, worker.team_id, worker.fte, worker.caseload_limit,"
        " (SELECT count(*) FROM allocation WHERE allocation.worker_id = worker.id"
        " AND allocation.ended_at IS NULL) AS open_cases,"
        f" {open_load} AS load, worker.caseload_limit - {open_load} AS headroom"
        f" FROM worker WHERE worker.active = :active{in_teams}) AS board"
    )
    return Worklist(
        loads, "1 = 1", ("board.headroom", "board.worker_id"), {"active": True, **params}
    )


OVER_LIMIT = "board.headroom < 0"
EPISODE_SOURCE = "reablement_episode JOIN person ON person.id = reablement_episode.person_id"


def active_episodes(team_ids: list[int] | None, moment: dict[str, Any] | None = None) -> Worklist:
    """Running reablement episodes, longest-running first."""
    in_teams, params = _teams("person.team_id", team_ids)
    return Worklist(
        EPISODE_SOURCE,
        f"reablement_episode.state = :active_episode{in_teams}",
        ("reablement_episode.start_date", "reablement_episode.id"),
        {**(moment or _moment()), **params, "active_episode": EpisodeState.ACTIVE.value},
        counted_from="reablement_episode" if team_ids is None else None,
    )


AT_DAY_35 = "reablement_episode.start_date <= :day_35"
PAST_DAY_42 = "reablement_episode.start_date < :day_42"


def followups_due(team_ids: list[int] | None, moment: dict[str, Any] | None = None) -> Worklist:
    """Ended episodes whose follow-up is due and not yet recorded, longest waiting first."""
    in_teams, params = _teams("person.team_id", team_ids)
    return Worklist(
        EPISODE_SOURCE,
        "reablement_episode.followup_due <= :today"
        f" AND reablement_episode.followup_result IS NULL{in_teams}",
        ("reablement_episode.followup_due", "reablement_episode.id"),
        {**(moment or _moment()), **params},
        counted_from="reablement_episode" if team_ids is None else None,
    )


def reviews_due(team_ids: list[int] | None, moment: dict[str, Any] | None = None) -> Worklist:
    """Open care plans whose review falls within the window, or is past, oldest first."""
    in_teams, params = _teams("person.team_id", team_ids)
    return Worklist(
        "care_plan JOIN person ON person.id = care_plan.person_id",
        f"care_plan.closed_at IS NULL AND care_plan.review_date <= :review_by{in_teams}",
        ("care_plan.review_date", "care_plan.id"),
        {**(moment or _moment()), **params},
        counted_from="care_plan" if team_ids is None else None,
    )


REVIEW_OVERDUE = "care_plan.review_date < :today"
FOLLOWUP_OVERDUE = "reablement_episode.followup_due < :today"


def open_actions(worker_id: int, moment: dict[str, Any] | None = None) -> Worklist:
    """The open plan actions assigned to a worker, soonest "by when" first (the current
    version's actions, `plan_action`)."""
    return Worklist(
        "plan_action JOIN care_plan ON care_plan.id = plan_action.plan_id"
        " JOIN person ON person.id = care_plan.person_id",
        "plan_action.worker_id = :worker AND plan_action.status = :open_action"
        " AND care_plan.closed_at IS NULL",
        ("plan_action.by_when", "plan_action.id"),
        {
            **(moment or _moment()),
            "worker": worker_id,
            "open_action": ActionStatus.OPEN.value,
        },
    )


ACTION_OVERDUE = "plan_action.by_when < :today"


def drafts_waiting(worker_id: int, moment: dict[str, Any] | None = None) -> Worklist:
    """A worker's assessments still in draft `draft_assessment_days` after they were
    started, longest waiting first."""
    return Worklist(
        "assessment JOIN person ON person.id = assessment.person_id",
        "assessment.assessor_id = :worker AND assessment.status = :draft"
        " AND assessment.created_at < :draft_before",
        ("assessment.created_at", "assessment.id"),
        {**(moment or _moment()), "worker": worker_id, "draft": AssessmentStatus.DRAFT.value},
    )


# Past the day it joined the tray.
DRAFT_OVERDUE = "assessment.created_at < :draft_late_before"


def tiles(team_ids: list[int] | None) -> dict[str, Tile]:
    """Every dashboard figure by its `DashboardCounts` field, for the teams given."""
    moment = _moment()  # one clock reading and one settings read for every figure
    received = awaiting_triage(team_ids, moment)
    episodes = active_episodes(team_ids, moment)
    reviews = reviews_due(team_ids, moment)
    return {
        "awaiting_triage": Tile(received),
        "triage_overdue": Tile(received, OVERDUE),
        "due_next_24h": Tile(received, DUE_SOON),
        "triaged_not_allocated": Tile(referrals(ReferralStatus.TRIAGED, team_ids, moment)),
        "workers_over_limit": Tile(worker_board(team_ids), OVER_LIMIT),
        "episodes_day_35_plus": Tile(episodes, AT_DAY_35),
        "episodes_past_42": Tile(episodes, PAST_DAY_42),
        "followups_due": Tile(followups_due(team_ids, moment)),
        "reviews_due": Tile(reviews),
        "reviews_overdue": Tile(reviews, REVIEW_OVERDUE),
    }
