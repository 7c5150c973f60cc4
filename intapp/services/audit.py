"""The audit trail: one event per create, update or delete, in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlmodel import Session, SQLModel, select

from intapp import clock
from intapp.models import AuditEvent, CarePlan, CaseNote, Referral
from intapp.services.errors import flush


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


@cache
def _derived(model: type[SQLModel]) -> frozenset[str]:
    """Columns computed from others (a name's phonetic key): the trail keeps their source."""
    table = getattr(model, "__table__", None)
    if table is None:
        return frozenset()
    return frozenset(c.name for c in table.columns if c.info.get("derived"))


def snapshot(row: SQLModel) -> dict[str, Any]:
    """The row's column values, JSON-ready, leaving out derived ones."""
    derived = _derived(type(row))
    return {key: _plain(value) for key, value in row.model_dump().items() if key not in derived}


def changes_between(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for every field whose value changed."""
    return {
        key: [before.get(key), value]
        for key, value in after.items()
        if key != "version" and before.get(key) != value
    }


def record(
    *,
    session: Session,
    user: str,
    entity: str,
    entity_id: object,
    action: str,
    changes: dict[str, Any] | None = None,
    person_id: int | None = None,
) -> None:
    """Append one audit event to the current transaction; `person_id` names the person
    the event concerns, when there is one."""
    session.add(
        AuditEvent(
            at=clock.now(),
            user=user,
            entity=entity,
            entity_id=str(entity_id),
            action=action,
            changes=changes or {},
            person_id=person_id,
        )
    )


# Records that name their person through another record: (column, model holding it).
_PERSON_THROUGH: tuple[tuple[str, type[SQLModel]], ...] = (
    ("referral_id", Referral),
    ("note_id", CaseNote),
    ("plan_id", CarePlan),
)


def person_of(session: Session, row: SQLModel, values: dict[str, Any]) -> int | None:
    """The person a row is about: a person's own id, the row's `person_id`, the person
    cared for (a carer link), or the person of the referral, note or plan it belongs to
    (read from the session, usually without a query)."""
    if row.__tablename__ == "person":
        return values.get("id")
    for column in ("person_id", "cared_for_id"):
        if isinstance(found := values.get(column), int):
            return found
    for column, model in _PERSON_THROUGH:
        if isinstance(owner_id := values.get(column), int):
            owner = session.get(model, owner_id)
            return getattr(owner, "person_id", None)
    return None


def record_create(*, session: Session, user: str, row: SQLModel) -> None:
    """Audit a newly flushed row, with every field as new."""
    after = snapshot(row)
    record(
        session=session,
        user=user,
        entity=row.__tablename__,  # type: ignore[arg-type]
        entity_id=after["id"],
        action="create",
        # The version is the optimistic lock's bookkeeping, as in `changes_between`.
        changes={
            k: [None, v] for k, v in after.items() if v not in (None, "", [], {}) and k != "version"
        },
        person_id=person_of(session, row, after),
    )


def record_update(
    *, session: Session, user: str, row: SQLModel, before: dict[str, Any], action: str = "update"
) -> None:
    """Audit a changed row against the snapshot taken before the change.

    An update that changed nothing is no event: the trail records changes, and an
    empty one would say a record was edited when it was not.
    """
    after = snapshot(row)
    changes = changes_between(before, after)
    if not changes:
        return
    record(
        session=session,
        user=user,
        entity=row.__tablename__,  # type: ignore[arg-type]
        entity_id=after["id"],
        action=action,
        changes=changes,
        person_id=person_of(session, row, after),
    )


def _kind(row: SQLModel) -> str:
    """The record's kind as people say it: ``care_plan`` is "care plan"."""
    return str(row.__tablename__).replace("_", " ")


def save_create(*, session: Session, user: str, row: SQLModel) -> None:
    """Insert a new row (so it has its id) and audit it, in the caller's transaction."""
    session.add(row)
    flush(session, _kind(row))
    record_create(session=session, user=user, row=row)


def save_update(
    *, session: Session, user: str, row: SQLModel, before: dict[str, Any], action: str = "update"
) -> None:
    """Write a changed row and audit it; a stale copy raises `Conflict`, never overwrites.

    A row that did not change is not written (so its version stays) and not audited.
    """
    flush(session, _kind(row))
    record_update(session=session, user=user, row=row, before=before, action=action)


def save_delete(*, session: Session, user: str, row: SQLModel, action: str = "delete") -> None:
    """Delete a row and audit it with every field it held, so the trail keeps what went;
    a stale copy raises `Conflict`, never deletes someone else's newer version."""
    before = snapshot(row)
    session.delete(row)
    flush(session, _kind(row))
    record(
        session=session,
        user=user,
        entity=row.__tablename__,  # type: ignore[arg-type]
        entity_id=before["id"],
        action=action,
        # The version is bookkeeping, left out as in `record_create`.
        changes={
            k: [v, None]
            for k, v in before.items()
            if v not in (None, "", [], {}) and k != "version"
        },
        person_id=person_of(session, row, before),
    )


@dataclass(frozen=True)
class AuditEntry:
    """One audit event, for showing in a timeline."""

    at: datetime
    user: str
    entity: str
    entity_id: str
    action: str
    changes: dict[str, Any]


def history(*, session: Session, entity: str, entity_id: object) -> list[AuditEntry]:
    """Every event for one record, oldest first."""
    rows = session.exec(
        select(AuditEvent)
        .where(AuditEvent.entity == entity, AuditEvent.entity_id == str(entity_id))
        .order_by(AuditEvent.id)  # type: ignore[arg-type]
    ).all()
    return [AuditEntry(r.at, r.user, r.entity, r.entity_id, r.action, r.changes) for r in rows]
