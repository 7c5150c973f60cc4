"""A worker's work tray: every dated obligation they hold, in one list by due date.

What it holds, each read through the definition the rest of the app uses
(`worklists`), narrowed to the worker:
- the open plan actions assigned to them, by their "by when";
- the reviews of the open plans they lead, once due within the review window or past;
- their running reablement episodes from the warning day (day 35), due at the standard
  end (day 42);
- follow-ups due on the episodes they held;
- their assessments still in draft `draft_assessment_days` after they were started;
- for a care coordinator, their team's referrals awaiting triage (by the triage
  deadline) and transfers in awaiting accept or return.

Plain SQL (`plain_sql`), like the dashboard: its "My work overdue" figure counts the
same rows the tray lists, and on the embedded store both are read before SQLAlchemy has
loaded. A worker's tray is small (their own cases), so it is read whole and paged in
memory; the cursor is the sort key, so a page stays put when an item leaves it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import IntEnum
from typing import Any

from intapp.access import signed_in
from intapp.clock import LOCAL_TZ
from intapp.codes import Profession
from intapp.config import load_settings
from intapp.formatting import deceased_marked, local_date
from intapp.services import worklists
from intapp.services.worklists import Worklist
from intapp.store.paging import Cursor, Page
from intapp.store.plain_sql import PlainSQL, stored_date, stored_datetime

# The most rows read from any one source: a coordinator's team queue could be long, and
# the tray shows the soonest first.
MOST_PER_SOURCE = 2000


class TrayKind(IntEnum):
    """What an item is; items due at the same moment list in this order."""

    TRIAGE = 1
    TRANSFER = 2
    ACTION = 3
    EPISODE_END = 4
    FOLLOWUP = 5
    REVIEW = 6
    DRAFT = 7

    @property
    def label(self) -> str:
        return KIND_LABELS[self]

    @property
    def opens(self) -> str:
        """What opening an item of this kind shows."""
        return OPENS[self]


KIND_LABELS = {
    TrayKind.TRIAGE: "Triage",
    TrayKind.TRANSFER: "Transfer",
    TrayKind.ACTION: "Action",
    TrayKind.EPISODE_END: "Reablement",
    TrayKind.FOLLOWUP: "Follow-up",
    TrayKind.REVIEW: "Review",
    TrayKind.DRAFT: "Draft",
}
OPENS = {
    TrayKind.TRIAGE: "the referral's triage",
    TrayKind.TRANSFER: "accept or return the transfer",
    TrayKind.ACTION: "the care plan",
    TrayKind.EPISODE_END: "the person's reablement",
    TrayKind.FOLLOWUP: "the person's reablement",
    TrayKind.REVIEW: "the care plan",
    TrayKind.DRAFT: "the assessment",
}


@dataclass(frozen=True)
class Me:
    """The worker the app is used by (`[settings] me`)."""

    worker_id: int
    staff_id: str
    name: str
    profession: str
    team_id: int

    @property
    def is_coordinator(self) -> bool:
        return self.profession == Profession.CARE_COORDINATOR


@dataclass(frozen=True)
class TrayItem:
    """One obligation: when it is due, what it is, for whom, and what opening it shows."""

    kind: TrayKind
    due_on: date
    due_at: datetime | None
    """The deadline's moment, for a deadline with a time of day (triage)."""
    person_id: int
    person_name: str
    what: str
    overdue: bool
    row_id: int
    """The row it opens: the referral, episode, assessment, plan or plan action."""
    plan_version: int | None = None
    """For a plan action: the plan's version, to mark it done against."""
    position: int | None = None
    """For a plan action: its place in the plan's current version."""

    @property
    def key(self) -> tuple[int, int]:
        """Which item this is, whatever page it is on."""
        return (self.kind, self.row_id)

    @property
    def opens(self) -> str:
        return self.kind.opens


def tray_cursor(item: TrayItem) -> Cursor:
    """Where the page after `item` starts: its place in the tray's order."""
    moment = item.due_at.astimezone(LOCAL_TZ).time() if item.due_at else time.max
    return (item.due_on, moment, int(item.kind), item.row_id)


def who_is_me(db: PlainSQL) -> Me | None:
    """The worker using the app, or None when that is unknown or they have left (a
    leaver's tray would be empty and misleading).

    On a team server a staff login is its linked worker (`staff_login.worker_id`): who
    someone is comes from how they signed in, never from a setting they could change.
    Elsewhere (a single-user store, or the owner) `[settings] me` names them by staff id.
    """
    params: dict[str, Any]
    linked = _linked_worker(db)
    if linked is not None:
        worker_id = linked[0]
        if worker_id is None:
            return None
        where, params = "id = :worker_id", {"worker_id": worker_id}
    else:
        staff_id = load_settings().me
        if not staff_id:
            return None
        where, params = "staff_id = :staff_id", {"staff_id": staff_id}
    rows = db.run(
        "SELECT id, staff_id, given_name, family_name, profession, team_id FROM worker"
        f" WHERE {where} AND active = :active",
        {**params, **db.stored({"active": True})},
    )
    if not rows:
        return None
    r = rows[0]
    return Me(r[0], r[1], f"{r[2]} {r[3]}", r[4], r[5])


def _linked_worker(db: PlainSQL) -> tuple[int | None] | None:
    """A staff login's worker id (None if unlinked), in a 1-tuple; None when "me" is not
    a staff login's (a single-user store, or the owner)."""
    if db.sqlite or db.bind is None:
        return None
    who = signed_in(db.bind)
    return (who.worker_id,) if who.is_staff else None


PERSON = "person.id, person.given_name, person.family_name, person.date_of_death"


def _flag(condition: str) -> str:
    return f"CASE WHEN {condition} THEN 1 ELSE 0 END"


@dataclass(frozen=True)
class _Source:
    """One kind of obligation: its worklist, the columns it reads, which of its rows are
    overdue, and how a row becomes an item (given its columns, the person's id and
    name, and whether it is overdue)."""

    worklist: Worklist
    columns: str
    overdue: str | None
    item: Callable[[Sequence[Any], int, str, bool], TrayItem]


def _sources(me: Me) -> list[_Source]:
    settings = load_settings()
    moment = worklists.moment()
    mine = {"me": me.worker_id}
    warning, standard = settings.reablement_warning_day, settings.reablement_standard_days
    episode_end = f"Day {warning} reached: plan the end (day {standard})"
    followup = f"{settings.followup_days}-day follow-up after reablement"
    draft = f"Assessment in draft {settings.draft_assessment_days}+ days: sign it off"
    # What is narrowed to "me" by lead or worker is theirs in any team: after a
    # transfer or a move of team, their reviews and episodes stay in their tray (as their
    # actions do). Only the coordinator's team queues below are by team.
    sources = [
        _Source(
            worklists.open_actions(me.worker_id, moment),
            "plan_action.id, plan_action.what, plan_action.by_when, care_plan.version,"
            " plan_action.position",
            worklists.ACTION_OVERDUE,
            lambda c, pid, name, late: TrayItem(
                TrayKind.ACTION,
                stored_date(c[2]),
                None,
                pid,
                name,
                c[1],
                late,
                c[0],
                plan_version=c[3],
                position=c[4],
            ),
        ),
        _Source(
            worklists.reviews_due(None, moment).narrowed("care_plan.lead_worker_id = :me", mine),
            "care_plan.id, care_plan.review_date",
            worklists.REVIEW_OVERDUE,
            lambda c, pid, name, late: TrayItem(
                TrayKind.REVIEW, stored_date(c[1]), None, pid, name, "Review the plan", late, c[0]
            ),
        ),
        _Source(
            worklists.active_episodes(None, moment).narrowed(
                f"reablement_episode.worker_id = :me AND {worklists.AT_DAY_35}", mine
            ),
            "reablement_episode.id, reablement_episode.start_date",
            worklists.PAST_DAY_42,
            lambda c, pid, name, late: TrayItem(
                TrayKind.EPISODE_END,
                stored_date(c[1]) + timedelta(days=standard),
                None,
                pid,
                name,
                episode_end,
                late,
                c[0],
            ),
        ),
        _Source(
            worklists.followups_due(None, moment).narrowed(
                "reablement_episode.worker_id = :me", mine
            ),
            "reablement_episode.id, reablement_episode.followup_due",
            worklists.FOLLOWUP_OVERDUE,
            lambda c, pid, name, late: TrayItem(
                TrayKind.FOLLOWUP, stored_date(c[1]), None, pid, name, followup, late, c[0]
            ),
        ),
        _Source(
            worklists.drafts_waiting(me.worker_id, moment),
            "assessment.id, assessment.created_at",
            worklists.DRAFT_OVERDUE,
            lambda c, pid, name, late: TrayItem(
                TrayKind.DRAFT,
                local_date(stored_datetime(c[1])) + timedelta(days=settings.draft_assessment_days),
                None,
                pid,
                name,
                draft,
                late,
                c[0],
            ),
        ),
    ]
    if me.is_coordinator:
        queue = worklists.awaiting_triage([me.team_id], moment)
        sources += [
            _Source(
                queue.narrowed("referral.status = :status"),
                "referral.id, referral.due_by, referral.reference",
                worklists.OVERDUE,
                lambda c, pid, name, late: _timed(TrayKind.TRIAGE, c, pid, name, late, "Triage"),
            ),
            _Source(
                # A transfer keeps its first team's triage deadline, often long met: here
                # the decision is due, and it is not overdue (as in the dashboard's figures).
                queue.narrowed("referral.status = :transfer"),
                "referral.id, referral.due_by, referral.reference",
                None,
                lambda c, pid, name, late: _timed(
                    TrayKind.TRANSFER, c, pid, name, False, "Accept or return the transfer"
                ),
            ),
        ]
    return sources


def _timed(
    kind: TrayKind, c: Sequence[Any], pid: int, name: str, late: bool, what: str
) -> TrayItem:
    due = stored_datetime(c[1])
    return TrayItem(kind, local_date(due), due, pid, name, f"{what} {c[2]}", late, c[0])


def tray_items(db: PlainSQL, *, me: Me) -> list[TrayItem]:
    """Every item of `me`'s tray, soonest due first."""
    items = []
    for source in _sources(me):
        late = _flag(source.overdue) if source.overdue else "0"
        # The flag first: a list read in parts adds its sort columns at the end.
        for r in source.worklist.page(
            db, f"{late}, {PERSON}, {source.columns}", after=None, limit=MOST_PER_SOURCE
        ):
            name = deceased_marked(f"{r[2]} {r[3]}", r[4])
            items.append(source.item(r[5:], r[1], name, bool(r[0])))
    items.sort(key=tray_cursor)
    return items


def tray_page(
    db: PlainSQL, *, me: Me, after: Cursor | None = None, limit: int = 40
) -> Page[TrayItem]:
    """A page of `me`'s tray after `after` (None: the first), and how many items it holds."""
    items = tray_items(db, me=me)
    rest = items if after is None else [i for i in items if tray_cursor(i) > tuple(after)]
    return Page(rest[:limit], len(items))


def overdue_count(db: PlainSQL, *, me: Me) -> int:
    """How many of `me`'s tray items are overdue: the dashboard's "My work overdue",
    counted from the same lists with the same conditions. Each list sorts soonest due
    first, so its overdue rows are its first ones: the tray shows at most
    `MOST_PER_SOURCE` of them, and so does this count."""
    return sum(
        min(source.worklist.counts(db, [source.overdue])[1], MOST_PER_SOURCE)
        for source in _sources(me)
        if source.overdue is not None
    )


@dataclass(frozen=True)
class Colleague:
    """An active worker someone could say they are, for the question "who are you?"."""

    staff_id: str
    name: str
    profession: str
    team: str


def colleagues(db: PlainSQL) -> list[Colleague]:
    """Every active worker, by team then name: who "me" could be."""
    rows = db.run(
        "SELECT worker.staff_id, worker.given_name, worker.family_name, worker.profession,"
        " team.code FROM worker JOIN team ON team.id = worker.team_id"
        " WHERE worker.active = :active"
        " ORDER BY team.code, worker.family_name, worker.given_name, worker.id",
        db.stored({"active": True}),
    )
    return [Colleague(r[0], f"{r[1]} {r[2]}", r[3], r[4]) for r in rows]


def should_ask_who_i_am(db: PlainSQL) -> bool:
    """Whether to ask who is using the app: "me" is not set and there are workers. A
    staff login is never asked: it is its linked worker (`who_is_me`)."""
    if load_settings().me or _linked_worker(db) is not None:
        return False
    (found,) = db.one(
        "SELECT count(*) FROM (SELECT 1 FROM worker WHERE active = :active LIMIT 1) AS w",
        db.stored({"active": True}),
    )
    return bool(found)
