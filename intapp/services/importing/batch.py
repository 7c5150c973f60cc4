"""The record of each import, and the audit events that tie every row it wrote back to it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Table
from sqlmodel import Session, col, select

from intapp.models import AuditEvent, ImportBatch
from intapp.services.importing.bulk import insert_rows, prepared_insert

AUDIT_COLUMNS = ["at", "user", "entity", "entity_id", "action", "changes", "import_batch_id"]


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


@dataclass(frozen=True)
class Counts:
    """What one file's import did."""

    rows_read: int
    created: int
    updated: int
    unchanged: int
    rejected: int


def record_batch(
    connection: Connection,
    *,
    at: datetime,
    user: str,
    kind: str,
    file_name: str,
    sha256: str,
    counts: Counts,
) -> int:
    """Write the import's record and its own audit event; return the batch id."""
    values = {
        "at": at,
        "user": user,
        "kind": kind,
        "file_name": file_name[:255],
        "sha256": sha256,
        **vars(counts),
    }
    batch_id = connection.execute(_table(ImportBatch).insert().values(values)).inserted_primary_key
    assert batch_id is not None
    changes = {k: v for k, v in values.items() if k not in ("at", "user")}
    insert_rows(
        connection,
        _table(AuditEvent),
        AUDIT_COLUMNS,
        [(at, user, "import_batch", str(batch_id[0]), "import", changes, batch_id[0])],
    )
    return int(batch_id[0])


_DATES = (date, datetime)


def plain(value: Any) -> Any:
    """A value as the audit trail stores it (dates as ISO text), like `audit.snapshot`."""
    return value.isoformat() if isinstance(value, _DATES) else value


def creation_changes(
    fields: Sequence[tuple[int, str]], values: Sequence[Any]
) -> dict[str, list[Any]]:
    """``{field: [None, value]}`` for each of `fields` (position, name) that has a value.

    Like `audit.record_create`, but only for the fields an import file can set: the
    bookkeeping ones (id, created_at, flags that start false) say nothing about the file.
    """
    # Written out rather than calling plain(): this runs once per imported row.
    changes = {}
    for position, name in fields:
        value = values[position]
        if value is not None and value != "":
            changes[name] = [None, value.isoformat() if isinstance(value, _DATES) else value]
    return changes


class AuditWriter:
    """Audit events for imported rows, each carrying the import's batch id."""

    def __init__(
        self, connection: Connection, *, at: datetime, user: str, entity: str, batch_id: int
    ) -> None:
        self.insert = prepared_insert(connection, _table(AuditEvent), AUDIT_COLUMNS)
        self.prefix = (at, user, entity)
        self.batch_id = batch_id

    def created(self, rows: Iterable[tuple[int, dict[str, Any]]]) -> None:
        """One "create" event per new row, given as ``(id, changes)``."""
        at, user, entity = self.prefix
        batch_id = self.batch_id
        self.insert.run(
            (at, user, entity, str(row_id), "create", changes, batch_id) for row_id, changes in rows
        )

    def updated(self, rows: Iterable[tuple[int, dict[str, tuple[Any, Any]]]]) -> None:
        """One "update" event per changed row: ``{field: [old, new]}``."""
        at, user, entity = self.prefix
        batch_id = self.batch_id
        self.insert.run(
            (
                at,
                user,
                entity,
                str(row_id),
                "update",
                {name: [plain(old), plain(new)] for name, (old, new) in changes.items()},
                batch_id,
            )
            for row_id, changes in rows
        )


@dataclass(frozen=True)
class ImportBatchSummary:
    """One import, as a person reviewing the audit trail sees it."""

    id: int
    at: datetime
    user: str
    kind: str
    file_name: str
    sha256: str
    rows_read: int
    created: int
    updated: int
    unchanged: int
    rejected: int


def _summary(batch: ImportBatch) -> ImportBatchSummary:
    return ImportBatchSummary(**batch.model_dump())


def import_batches(*, session: Session, limit: int = 50) -> list[ImportBatchSummary]:
    """The most recent imports, newest first."""
    rows = session.exec(select(ImportBatch).order_by(col(ImportBatch.id).desc()).limit(limit))
    return [_summary(row) for row in rows.all()]


def imports_of(*, session: Session, entity: str, entity_id: object) -> list[ImportBatchSummary]:
    """Every import that created or changed one record (a person, worker or referral)."""
    rows = session.exec(
        select(ImportBatch)
        .join(AuditEvent, col(AuditEvent.import_batch_id) == ImportBatch.id)
        .where(AuditEvent.entity == entity, AuditEvent.entity_id == str(entity_id))
        .order_by(col(ImportBatch.id))
        .distinct()
    ).all()
    return [_summary(row) for row in rows]
