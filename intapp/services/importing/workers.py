"""Importing workers: matched on staff id."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, literal_column, true

from intapp.codes import Profession
from intapp.models import Worker
from intapp.services import organisation as rules
from intapp.services.importing import columns as c
from intapp.services.importing.batch import AuditWriter
from intapp.services.importing.bulk import reserve_ids, rows_where_in
from intapp.services.importing.plan import (
    FilePlan,
    Progress,
    Update,
    parsed_rows,
    write_new_rows,
    write_updates,
)

WORKER: Table = Worker.__table__  # type: ignore[attr-defined]


def _length(name: str) -> int | None:
    return getattr(WORKER.c[name].type, "length", None)


def _fte(value: str) -> float:
    return rules.checked_fte(c.decimal(value))


def columns(*, teams: dict[str, int]) -> tuple[c.Column, ...]:
    """The workers columns, in template order."""
    return (
        c.Column("staff_id", max_length=_length("staff_id"), required=True),
        c.Column("given_name", max_length=_length("given_name"), required=True),
        c.Column("family_name", max_length=_length("family_name"), required=True),
        c.Column("profession", c.code_list(Profession, rules.checked_profession), required=True),
        c.Column("team_code", c.lookup(teams, normalise=str.upper, what="team"), required=True),
        c.Column("fte", _fte),
        c.Column("caseload_limit_points", c.whole_number),
        c.Column("email", c.email(_length("email"))),
    )


@dataclass(slots=True)
class WorkerRow:
    """A valid workers row."""

    line: int
    staff_id: str
    given_name: str
    family_name: str
    profession: str
    team_id: int
    fte: float | None
    caseload_limit: int | None
    email: str | None
    worker_id: int | None = None


COMPARED = ("given_name", "family_name", "profession", "team_id", "fte", "caseload_limit", "email")
INSERTED = (
    "id",
    "staff_id",
    "given_name",
    "family_name",
    "profession",
    "team_id",
    "fte",
    "caseload_limit",
    "email",
)
AUDITED = frozenset({"staff_id", *COMPARED})


def plan_workers(
    plan: FilePlan, *, connection: Connection, teams: dict[str, int], progress: Progress | None
) -> FilePlan:
    """Check every row, then sort the valid ones into creates, updates and unchanged."""
    seen: dict[str, int] = {}

    def make(line: int, values: list[Any]) -> WorkerRow | None:
        row = WorkerRow(line, *values)
        if row.staff_id in seen:
            plan.reject(
                line, "staff_id", f"the same staff id is already on line {seen[row.staff_id]}"
            )
            return None
        seen[row.staff_id] = line
        return row

    rows = list(parsed_rows(plan, columns(teams=teams), make, progress=progress))
    if plan.fatal:
        return plan
    wanted = [WORKER.c.id, WORKER.c.version, WORKER.c.staff_id]
    wanted += [WORKER.c[name] for name in COMPARED]
    stored = {r.staff_id: r for r in rows_where_in(connection, wanted, WORKER.c.staff_id, seen)}
    for row in rows:
        match = stored.get(row.staff_id)
        if match is None:
            row.caseload_limit = rules.caseload_limit_for(row.fte or 1.0, row.caseload_limit)
            row.fte = row.fte or 1.0
            plan.creates.append(row)
            continue
        row.worker_id = match.id
        changes = {
            name: (getattr(match, name), getattr(row, name))
            for name in COMPARED
            if getattr(row, name) is not None and getattr(row, name) != getattr(match, name)
        }
        if changes:
            plan.updates.append(Update(match.id, match.version, changes))
        else:
            plan.unchanged += 1
    return plan


def write_workers(
    connection: Connection, plan: FilePlan, *, audit: AuditWriter, progress: Progress | None = None
) -> None:
    """Insert the new workers and apply the updates, each with its audit event."""
    ids = reserve_ids(connection, WORKER, len(plan.creates))
    for row, new_id in zip(plan.creates, ids, strict=True):
        row.worker_id = new_id
    write_new_rows(
        connection,
        table=WORKER,
        columns=INSERTED,
        constants={"active": true(), "version": literal_column("1")},
        audited=AUDITED,
        rows=plan.creates,
        values=_insert_values,
        audit=audit,
        progress=progress,
        stage="Writing workers",
    )
    write_updates(connection, WORKER, plan.updates)
    audit.updated((u.id, u.changes) for u in plan.updates)


def _insert_values(r: WorkerRow) -> tuple[Any, ...]:
    return (
        r.worker_id,
        r.staff_id,
        r.given_name,
        r.family_name,
        r.profession,
        r.team_id,
        r.fte,
        r.caseload_limit,
        r.email,
    )
