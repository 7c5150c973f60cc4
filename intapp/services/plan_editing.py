"""The care plan editor's use cases: open it, and save what was written as a version."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from intapp.access import require_for
from intapp.services.care_plans import (
    PlanContent,
    PlanView,
    create_plan,
    current_plan,
    merged_records_plans,
    plan_history,
    revise_plan,
)
from intapp.services.caseloads import WorkerLoad, team_board
from intapp.services.errors import Conflict
from intapp.services.person_record import person_overview


@dataclass(frozen=True)
class PlanEditor:
    """The plan (or None), its history, and the workers who could lead it."""

    person_name: str
    plan: PlanView | None
    history: list[PlanView]
    """The plan's versions, newest first, then those of plans closed on records merged
    into this one (their `person_id` is the merged record's)."""
    workers: list[WorkerLoad]
    allocated_worker_id: int | None
    """Who holds the person's open case: the first plan's lead, unless changed."""


def open_plan_editor(*, session: Session, person_id: int) -> PlanEditor:
    """Everything the care plan editor shows, read at once."""
    overview = person_overview(session=session, person_id=person_id)
    person, cases = overview.person, overview.open_cases
    return PlanEditor(
        person_name=person.name,
        plan=current_plan(session=session, person_id=person_id),
        history=[
            *plan_history(session=session, person_id=person_id),
            *merged_records_plans(session=session, person_id=person_id),
        ],
        workers=team_board(session=session, team_id=person.team_id),
        allocated_worker_id=cases[0].worker_id if cases else None,
    )


def save_plan_version(
    *,
    session: Session,
    user: str,
    person_id: int,
    content: PlanContent,
    note: str,
    expected_version: int | None,
) -> PlanView:
    """Save the editor's plan: version 1 when it opened with no plan
    (`expected_version` None), else the next version of the plan it opened."""
    require_for(session, "plan")
    if expected_version is None:
        if current_plan(session=session, person_id=person_id) is not None:
            raise Conflict(
                "Someone else wrote this person's first care plan after you opened it. "
                "Reload it to see theirs, then make your changes to it."
            )
        return create_plan(session=session, user=user, person_id=person_id, content=content)
    return revise_plan(
        session=session,
        user=user,
        person_id=person_id,
        content=content,
        note=note,
        expected_version=expected_version,
    )
