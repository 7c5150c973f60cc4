"""A care plan's actions: their one shape, however old the version that holds them, and
the `plan_action` rows of each plan's current actions that a worker's tray reads.

An action is ``{"who", "worker_id", "what", "by_when", "status"}``: "who" is the text a
reader sees (the worker's name as it was when saved, or the named service), "worker_id"
the worker it is assigned to (None for a service), "status" open, done or cancelled.
Versions saved before actions had a status hold ``"done"`` and ``"cancelled"`` flags
and no worker: `normalised` is the one place that reads them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import Connection, delete, insert, select
from sqlmodel import Session, col

from intapp.codes import ActionStatus
from intapp.models import CarePlan, CarePlanVersion, Person, PlanAction, Worker
from intapp.services import audit


def normalised(action: Mapping[str, Any]) -> dict[str, Any]:
    """An action in today's shape, from a version of any age."""
    status = action.get("status")
    if status not in tuple(ActionStatus):
        if action.get("done"):
            status = ActionStatus.DONE
        elif action.get("cancelled"):
            status = ActionStatus.CANCELLED
        else:
            status = ActionStatus.OPEN
    by_when = action.get("by_when")
    worker_id = action.get("worker_id")
    return {
        "who": str(action.get("who") or "").strip(),
        "worker_id": int(worker_id) if worker_id is not None else None,
        "what": str(action.get("what") or "").strip(),
        "by_when": by_when.isoformat() if isinstance(by_when, date) else by_when,
        "status": str(status),
    }


def open_ones_cancelled(actions: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The actions with every open one cancelled: what was not done will not be done
    under a plan that closes."""
    return [
        {**a, "status": ActionStatus.CANCELLED.value} if a["status"] == ActionStatus.OPEN else a
        for a in map(normalised, actions)
    ]


def worker_named(who: str, workers: Iterable[tuple[int, str]]) -> int | None:
    """The one worker among `workers` (id, display name) whose name `who` is, ignoring
    case and spacing; None when no one or more than one is."""
    key = " ".join(who.split()).casefold()
    found = [wid for wid, name in workers if " ".join(name.split()).casefold() == key]
    return found[0] if len(found) == 1 else None


def team_workers(connection: Connection | Session, team_id: int) -> list[tuple[int, str]]:
    """The active workers of a team, as (id, display name): a typed "who" never assigns
    an action to someone who has left."""
    rows = connection.execute(
        select(Worker.id, Worker.given_name, Worker.family_name).where(  # type: ignore[call-overload]
            Worker.team_id == team_id,
            Worker.active == True,  # noqa: E712
        )
    ).all()
    return [(r[0], f"{r[1]} {r[2]}") for r in rows]


def assigned(
    actions: Iterable[Mapping[str, Any]], workers: list[tuple[int, str]]
) -> list[dict[str, Any]]:
    """The actions normalised, each not assigned to a worker assigned to the one worker
    of the plan's team (`workers`) that its "who" names, if exactly one: so actions
    saved before they named their worker, and a service typed as a colleague's name,
    reach that worker's tray. Otherwise "who" is a service."""
    out = []
    for action in actions:
        shaped = normalised(action)
        if shaped["worker_id"] is None:
            shaped["worker_id"] = worker_named(shaped["who"], workers)
        out.append(shaped)
    return out


def _rows(plan_id: int, actions: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "plan_id": plan_id,
            "position": position,
            "worker_id": a["worker_id"],
            "service": None if a["worker_id"] is not None else a["who"],
            "what": a["what"],
            "by_when": date.fromisoformat(str(a["by_when"])),
            "status": a["status"],
        }
        for position, a in enumerate(actions)
    ]


def save_version(*, session: Session, user: str, version: CarePlanVersion) -> None:
    """Write a new plan version (audited) and make its actions the plan's current ones."""
    if version.actions:
        team_id = session.execute(
            select(col(Person.team_id))
            .join(CarePlan, col(CarePlan.person_id) == Person.id)
            .where(col(CarePlan.id) == version.plan_id)
        ).scalar_one()
        version.actions = assigned(version.actions, team_workers(session, team_id))
    audit.save_create(session=session, user=user, row=version)
    session.execute(delete(PlanAction).where(PlanAction.plan_id == version.plan_id))  # type: ignore[arg-type]
    if version.actions:
        session.execute(insert(PlanAction), _rows(version.plan_id, version.actions))


def back_fill(connection: Connection) -> int:
    """Fill `plan_action` from every plan's current version (the migration that adds
    the table); how many actions were written."""
    versions = connection.execute(
        select(CarePlan.id, Person.team_id, CarePlanVersion.actions)  # type: ignore[call-overload]
        .join(Person, Person.id == CarePlan.person_id)
        .join(
            CarePlanVersion,
            (CarePlanVersion.plan_id == CarePlan.id)
            & (CarePlanVersion.number == CarePlan.current_number),
        )
    ).all()
    by_team: dict[int, list[tuple[int, str]]] = {}
    for wid, team_id, given, family in connection.execute(
        select(Worker.id, Worker.team_id, Worker.given_name, Worker.family_name)  # type: ignore[call-overload]
    ):
        by_team.setdefault(team_id, []).append((wid, f"{given} {family}"))
    rows = []
    for plan_id, team_id, actions in versions:
        rows.extend(_rows(plan_id, assigned(actions or [], by_team.get(team_id, []))))
    for start in range(0, len(rows), 5000):
        connection.execute(insert(PlanAction), rows[start : start + 5000])
    return len(rows)
