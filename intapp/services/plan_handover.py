"""When a worker leaves, the plans they lead and their open actions pass to someone.

Each open plan they lead passes to the person's currently allocated worker; their open
actions on any open plan pass to that plan's (new) lead. Each plan changed gets one new
version saying who left and to whom their work passed, in the leave's transaction, so
nothing is left in the tray of someone who no longer reads it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlmodel import Session, col, select

from intapp.codes import ActionStatus
from intapp.models import Allocation, CarePlan, PlanAction, Worker
from intapp.services import care_plans
from intapp.services.errors import InvalidInput


@dataclass(frozen=True)
class HandedOver:
    """What a leaver's plans and actions became."""

    plans: int = 0
    """Plans whose lead changed."""
    actions: int = 0
    """Open actions passed to another worker."""

    def sentence(self) -> str:
        """The hand-over as a sentence for the leave's result ("" if nothing passed)."""
        if not (self.plans or self.actions):
            return ""
        return (
            f" {self.plans} care plan(s) they led passed to each person's allocated worker;"
            f" {self.actions} open plan action(s) of theirs passed to the plans' leads."
        )


def _allocated_worker(session: Session, person_id: int, leaver_id: int) -> int | None:
    """The worker who holds the person's case now (the latest allocation), if any."""
    return session.exec(
        select(Allocation.worker_id)
        .where(
            Allocation.person_id == person_id,
            col(Allocation.ended_at).is_(None),
            Allocation.worker_id != leaver_id,
        )
        .order_by(col(Allocation.started_at).desc(), col(Allocation.id).desc())
    ).first()


def _plans_touched(session: Session, worker_id: int) -> list[CarePlan]:
    """Open plans the worker leads or holds an open action on."""
    with_actions = select(PlanAction.plan_id).where(
        PlanAction.worker_id == worker_id, PlanAction.status == ActionStatus.OPEN.value
    )
    return list(
        session.exec(
            select(CarePlan)
            .where(
                col(CarePlan.closed_at).is_(None),
                (col(CarePlan.lead_worker_id) == worker_id) | col(CarePlan.id).in_(with_actions),
            )
            .order_by(col(CarePlan.id))
        ).all()
    )


def hand_over(*, session: Session, user: str, worker: Worker) -> HandedOver:
    """Pass the leaver's open plans and open actions on, or `InvalidInput` (nothing
    changed) when a plan they lead has nobody allocated to take it."""
    assert worker.id is not None
    plans = _plans_touched(session, worker.id)
    new_lead: dict[int, int] = {}
    orphans = 0
    for plan in plans:
        assert plan.id is not None
        if plan.lead_worker_id != worker.id:
            new_lead[plan.id] = plan.lead_worker_id
            continue
        allocated = _allocated_worker(session, plan.person_id, worker.id)
        if allocated is None:
            orphans += 1
        else:
            new_lead[plan.id] = allocated
    if orphans:
        raise InvalidInput(
            f"{worker.display_name} leads {orphans} open care plan(s) of people nobody else "
            "is allocated to; allocate those cases or give each plan a new lead first",
            field="worker",
        )
    led = moved = 0
    for plan in plans:
        assert plan.id is not None
        lead_id = new_lead[plan.id]
        lead = session.get(Worker, lead_id)
        assert lead is not None
        current = care_plans.current_plan(session=session, person_id=plan.person_id)
        assert current is not None
        actions = []
        for action in current.content.actions:
            if action["worker_id"] == worker.id and action["status"] == ActionStatus.OPEN:
                action = {**action, "worker_id": lead_id, "who": lead.display_name}
                moved += 1
            actions.append(action)
        what = "plan and actions" if plan.lead_worker_id != lead_id else "actions"
        led += plan.lead_worker_id != lead_id
        care_plans.hand_over_version(
            session=session,
            user=user,
            person_id=plan.person_id,
            content=replace(current.content, lead_worker_id=lead_id, actions=actions),
            note=f"{worker.display_name} left: {what} passed to {lead.display_name}",
        )
    return HandedOver(plans=led, actions=moved)
