"""The one shared care and support plan per person; every change saves a new version."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from intapp import clock
from intapp.access import require_for
from intapp.codes import ActionStatus
from intapp.config import load_settings
from intapp.formatting import deceased_marked, parse_date
from intapp.models import CarePlan, CarePlanVersion, Person, Worker
from intapp.services import audit, bounds, plan_actions, worklists
from intapp.services.errors import InvalidInput, NotFound, check_version
from intapp.services.people import load_person, person_who_can_start, refuse_if_deceased
from intapp.store.paging import Cursor, Page
from intapp.store.plain_sql import PlainSQL, stored_date

ITEM_KINDS = ("equipment", "adaptation", "small_package")


@dataclass(frozen=True)
class PlanContent:
    """What a plan says: goals in the person's words, actions, micro-commissioned items."""

    lead_worker_id: int
    review_date: date
    goals: list[str] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class PlanView:
    """One version of a person's plan, with the plan's current state."""

    plan_id: int
    person_id: int
    number: int
    current_number: int
    content: PlanContent
    change_note: str
    created_by: str
    created_at: datetime
    version: int
    closed_at: datetime | None = None
    """When the plan closed (its person's last case ended), or None while it is open."""

    @property
    def is_current(self) -> bool:
        return self.number == self.current_number


def first_review_date(today: date | None = None) -> date:
    """When a new plan is first reviewed: `first_review_days` from today."""
    return (today or clock.today()) + timedelta(days=load_settings().first_review_days)


def _checked(
    content: PlanContent,
    *,
    session: Session,
    team_id: int,
    earlier: PlanContent | None = None,
) -> PlanContent:
    """The content tidied, or `InvalidInput`; dates already on `earlier` may stay in the
    past, and so may an action's worker who has since left or moved team (the person's
    team is `team_id`): only a new assignment must be to a current worker of the team."""
    today = clock.today()
    if earlier is None or content.review_date != earlier.review_date:
        bounds.not_in_past(content.review_date, today=today, label="Review date", field="review")
    kept = {
        (a["who"], a["what"], str(a["by_when"]))
        for a in map(plan_actions.normalised, earlier.actions if earlier else [])
    }
    assigned_before = {
        (a["worker_id"], a["what"])
        for a in map(plan_actions.normalised, earlier.actions if earlier else [])
    }
    if session.get(Worker, content.lead_worker_id) is None:
        raise InvalidInput(
            f"There is no worker with id {content.lead_worker_id}", field="lead_worker"
        )
    goals = [g.strip() for g in content.goals if g.strip()]
    if not goals:
        raise InvalidInput("Write at least one goal, in the person's own words", field="goals")
    actions = []
    for n, action in enumerate(map(plan_actions.normalised, content.actions), start=1):
        if action["worker_id"] is not None:
            worker = session.get(Worker, action["worker_id"])
            if worker is None:
                raise InvalidInput(
                    f"Action {n}: there is no worker with id {action['worker_id']}",
                    field=f"action:{n}",
                )
            if (worker.id, action["what"]) not in assigned_before and not (
                worker.active and worker.team_id == team_id
            ):
                raise InvalidInput(
                    f"Action {n}: {worker.display_name} is not a worker in the team;"
                    " choose a worker in the team, or name a service",
                    field=f"action:{n}",
                )
            action["who"] = action["who"] or worker.display_name
        who, what = action["who"], action["what"]
        if not who or not what:
            raise InvalidInput(f"Action {n}: say who will do what", field=f"action:{n}")
        due = parse_date(str(action["by_when"] or ""))
        if due is None:
            raise InvalidInput(
                f"Action {n}: give a 'by when' date as DD/MM/YYYY", field=f"action:{n}"
            )
        if (who, what, due.isoformat()) not in kept:
            bounds.not_in_past(
                due, today=today, label=f"Action {n}: 'by when'", field=f"action:{n}"
            )
        actions.append({**action, "by_when": due.isoformat()})
    items = []
    for n, item in enumerate(content.items, start=1):
        kind = item.get("kind")
        if kind not in ITEM_KINDS:
            raise InvalidInput(
                f"Item {n}: kind must be one of {', '.join(ITEM_KINDS)}", field=f"item:{n}"
            )
        description = str(item.get("description", "")).strip()
        if not description:
            raise InvalidInput(f"Item {n}: describe what is commissioned", field=f"item:{n}")
        try:
            cost = round(float(item.get("cost_pounds") or 0), 2)
        except (TypeError, ValueError):
            raise InvalidInput(
                f"Item {n}: cost must be a number of pounds", field=f"item:{n}"
            ) from None
        if cost < 0:
            raise InvalidInput(f"Item {n}: cost cannot be negative", field=f"item:{n}")
        items.append({"kind": kind, "description": description, "cost_pounds": cost})
    return PlanContent(content.lead_worker_id, content.review_date, goals, actions, items)


def _view(plan: CarePlan, version: CarePlanVersion) -> PlanView:
    assert plan.id is not None
    return PlanView(
        plan_id=plan.id,
        person_id=plan.person_id,
        number=version.number,
        current_number=plan.current_number,
        content=PlanContent(
            lead_worker_id=version.lead_worker_id,
            review_date=version.review_date,
            goals=list(version.goals),
            actions=[plan_actions.normalised(a) for a in version.actions],
            items=[dict(i) for i in version.items],
        ),
        change_note=version.change_note,
        created_by=version.created_by,
        created_at=version.created_at,
        version=plan.version,
        closed_at=plan.closed_at,
    )


def _add_version(
    *, session: Session, user: str, plan: CarePlan, content: PlanContent, note: str
) -> CarePlanVersion:
    assert plan.id is not None
    version = CarePlanVersion(
        plan_id=plan.id,
        number=plan.current_number,
        lead_worker_id=content.lead_worker_id,
        review_date=content.review_date,
        goals=content.goals,
        actions=content.actions,
        items=content.items,
        change_note=note.strip(),
        created_by=user,
        created_at=clock.now(),
    )
    plan_actions.save_version(session=session, user=user, version=version)
    return version


def _plan_for(*, session: Session, person_id: int) -> CarePlan | None:
    return session.exec(select(CarePlan).where(CarePlan.person_id == person_id)).first()


def create_plan(*, session: Session, user: str, person_id: int, content: PlanContent) -> PlanView:
    """Write a person's first plan (version 1)."""
    require_for(session, "plan")
    person = person_who_can_start(session=session, person_id=person_id, doing="given a care plan")
    if _plan_for(session=session, person_id=person_id) is not None:
        raise InvalidInput(
            "This person already has a care plan; change it to make a new version",
            field="person",
        )
    content = _checked(content, session=session, team_id=person.team_id)
    plan = CarePlan(
        person_id=person_id,
        lead_worker_id=content.lead_worker_id,
        review_date=content.review_date,
        created_at=clock.now(),
    )
    audit.save_create(session=session, user=user, row=plan)
    version = _add_version(
        session=session, user=user, plan=plan, content=content, note="first plan"
    )
    return _view(plan, version)


def revise_plan(
    *,
    session: Session,
    user: str,
    person_id: int,
    content: PlanContent,
    note: str = "",
    expected_version: int,
) -> PlanView:
    """Save a change as a new version; earlier versions stay as they were."""
    require_for(session, "plan")
    plan = _plan_for(session=session, person_id=person_id)
    if plan is None:
        raise NotFound("This person has no care plan yet; create one first")
    check_version("care plan", plan.version, expected_version)
    person = load_person(session=session, person_id=person_id)
    refuse_if_deceased(person, "given a care plan")
    earlier = plan_version(session=session, person_id=person_id, number=plan.current_number)
    content = _checked(content, session=session, team_id=person.team_id, earlier=earlier.content)
    before = audit.snapshot(plan)
    plan.current_number += 1
    plan.lead_worker_id = content.lead_worker_id
    plan.review_date = content.review_date
    # A new version of a closed plan (the person has a case again) opens it again.
    plan.closed_at = None
    audit.save_update(session=session, user=user, row=plan, before=before, action="revise")
    version = _add_version(session=session, user=user, plan=plan, content=content, note=note)
    return _view(plan, version)


def hand_over_version(
    *, session: Session, user: str, person_id: int, content: PlanContent, note: str
) -> PlanView:
    """Save a new version that only passes a leaver's lead and actions to other workers:
    nothing else changes, so it is not checked again (old dates stay as they were)."""
    plan = _plan_for(session=session, person_id=person_id)
    assert plan is not None
    before = audit.snapshot(plan)
    plan.current_number += 1
    plan.lead_worker_id = content.lead_worker_id
    audit.save_update(session=session, user=user, row=plan, before=before, action="hand_over")
    version = _add_version(session=session, user=user, plan=plan, content=content, note=note)
    return _view(plan, version)


def current_plan(*, session: Session, person_id: int) -> PlanView | None:
    """The person's plan as it stands, or None."""
    plan = _plan_for(session=session, person_id=person_id)
    return (
        None
        if plan is None
        else plan_version(session=session, person_id=person_id, number=plan.current_number)
    )


def plan_version(*, session: Session, person_id: int, number: int) -> PlanView:
    """Any saved version of the person's plan."""
    plan = _plan_for(session=session, person_id=person_id)
    if plan is None:
        raise NotFound("This person has no care plan")
    version = session.exec(
        select(CarePlanVersion).where(
            CarePlanVersion.plan_id == plan.id, CarePlanVersion.number == number
        )
    ).first()
    if version is None:
        raise NotFound(f"The care plan has no version {number}")
    return _view(plan, version)


def plan_history(*, session: Session, person_id: int) -> list[PlanView]:
    """Every version of the person's plan, newest first."""
    plan = _plan_for(session=session, person_id=person_id)
    if plan is None:
        return []
    versions = session.exec(
        select(CarePlanVersion)
        .where(CarePlanVersion.plan_id == plan.id)
        .order_by(col(CarePlanVersion.number).desc())
    ).all()
    return [_view(plan, v) for v in versions]


def merged_records_plans(*, session: Session, person_id: int) -> list[PlanView]:
    """Every version of the plans left, closed, on records merged into this person (when
    both had a plan only the survivor's continues), newest first: readable from here,
    since a merged record opens as its survivor."""
    rows = session.exec(
        select(CarePlanVersion, CarePlan)
        .join(CarePlan, col(CarePlan.id) == CarePlanVersion.plan_id)
        .join(Person, col(Person.id) == CarePlan.person_id)
        .where(Person.merged_into_id == person_id)
        .order_by(col(CarePlan.id).desc(), col(CarePlanVersion.number).desc())
    ).all()
    return [_view(plan, version) for version, plan in rows]


def add_action(
    *,
    session: Session,
    user: str,
    person_id: int,
    who: str = "",
    what: str,
    by_when: date,
    expected_version: int,
    worker_id: int | None = None,
) -> PlanView:
    """Add one open action to the plan (a new version), assigned to a worker of the team
    (`worker_id`; "who" defaults to their name) or to a named service (`who`)."""
    require_for(session, "plan")
    plan = _require_current(session=session, person_id=person_id)
    action = {
        "who": who,
        "worker_id": worker_id,
        "what": what,
        "by_when": by_when,
        "status": ActionStatus.OPEN.value,
    }
    content = replace(plan.content, actions=[*plan.content.actions, action])
    return revise_plan(
        session=session,
        user=user,
        person_id=person_id,
        content=content,
        note=f"added action: {what.strip()[:80]}",
        expected_version=expected_version,
    )


def set_action_status(
    *,
    session: Session,
    user: str,
    person_id: int,
    action_index: int,
    status: ActionStatus,
    expected_version: int,
) -> PlanView:
    """Mark the open action at `action_index` (0-based) done or cancelled (a new version)."""
    require_for(session, "plan")
    plan = _require_current(session=session, person_id=person_id)
    actions = [dict(a) for a in plan.content.actions]
    if not 0 <= action_index < len(actions):
        raise InvalidInput(f"The plan has no action {action_index + 1}", field="action")
    if status == ActionStatus.OPEN:
        raise InvalidInput("An action can be marked done or cancelled", field="action")
    if actions[action_index]["status"] != ActionStatus.OPEN:
        raise InvalidInput(
            f"That action is already {actions[action_index]['status']}", field="action"
        )
    actions[action_index]["status"] = status.value
    return revise_plan(
        session=session,
        user=user,
        person_id=person_id,
        content=replace(plan.content, actions=actions),
        note=f"action {status.value}: {actions[action_index]['what'][:80]}",
        expected_version=expected_version,
    )


def mark_action_done(
    *,
    session: Session,
    user: str,
    person_id: int,
    action_index: int,
    expected_version: int,
) -> PlanView:
    """Mark the action at `action_index` (0-based) done (a new version)."""
    require_for(session, "plan")
    return set_action_status(
        session=session,
        user=user,
        person_id=person_id,
        action_index=action_index,
        status=ActionStatus.DONE,
        expected_version=expected_version,
    )


def _require_current(*, session: Session, person_id: int) -> PlanView:
    plan = current_plan(session=session, person_id=person_id)
    if plan is None:
        raise NotFound("This person has no care plan yet; create one first")
    return plan


@dataclass(frozen=True)
class ReviewDue:
    """A plan whose review date has come or is coming."""

    plan_id: int
    person_id: int
    person_name: str
    lead_worker_id: int
    review_date: date
    overdue: bool


def reviews_page(
    db: PlainSQL,
    *,
    team_ids: list[int] | None,
    overdue_only: bool = False,
    after: Cursor | None = None,
    limit: int = 50,
    count: bool = True,
) -> Page[ReviewDue]:
    """A page of open plans whose review is due within the week or overdue, oldest first,
    and how many there are: the rows of the dashboard's review figures (`worklists`)."""
    tile = worklists.tiles(team_ids)["reviews_overdue" if overdue_only else "reviews_due"]
    today = clock.today()
    found = tile.rows.page(
        db,
        "care_plan.id, care_plan.person_id, person.given_name, person.family_name,"
        " care_plan.lead_worker_id, care_plan.review_date, person.date_of_death",
        after=after,
        limit=limit,
    )
    due = []
    for r in found:
        review_date = stored_date(r[5])
        due.append(
            ReviewDue(
                plan_id=r[0],
                person_id=r[1],
                person_name=deceased_marked(f"{r[2]} {r[3]}", r[6]),
                lead_worker_id=r[4],
                review_date=review_date,
                overdue=review_date < today,
            )
        )
    return Page(due, tile.rows.count(db) if count else None)


def review_cursor(review: ReviewDue) -> Cursor:
    """Where the page after `review` starts."""
    return (review.review_date, review.plan_id)
