"""The record of each import, and the audit events that tie every row it wrote back to it."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Date, DateTime, Table
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, col, select

from intapp.models import AuditEvent, ImportBatch
from intapp.services.importing.bulk import insert_rows, prepared_insert

AUDIT_COLUMNS = [
    "at",
    "user",
    "entity",
    "entity_id",
    "action",
    "changes",
    "import_batch_id",
    "person_id",
]


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
        [(at, user, "import_batch", str(batch_id[0]), "import", changes, batch_id[0], None)],
    )
    return int(batch_id[0])


_DATES = (date, datetime)
_encode_string = json.encoder.encode_basestring_ascii  # what json.dumps uses by default


def plain(value: Any) -> Any:
    """A value as the audit trail stores it (dates as ISO text), like `audit.snapshot`."""
    return value.isoformat() if isinstance(value, _DATES) else value


def creation_changes(fields: Sequence[tuple[int, str, bool]], values: Sequence[Any]) -> str:
    """The JSON of ``{field: [null, value]}`` for each of `fields` that has a value.

    `fields` are (position in `values`, ``'"name": [null, '``, holds a date): see
    `audit_fields`. Like `audit.record_create`, but only for the fields an import file
    can set: the bookkeeping ones (id, created_at, flags that start false) say nothing
    about the file.

    The JSON is written out here, a field at a time with the json module's own string
    encoder, because it runs once per imported row and `json.dumps` of a dict of lists
    costs three times as much.
    """
    parts = []
    for position, prefix, is_date in fields:
        value = values[position]
        if value is None or value == "":
            continue
        kind = type(value)
        if is_date:
            text = _encode_string(value.isoformat())
        elif kind is str:
            text = _encode_string(value)
        elif kind is bool:
            text = "true" if value else "false"
        elif kind is int:
            text = str(value)
        else:
            text = json.dumps(value)
        parts.append(prefix + text + "]")
    return "{" + ", ".join(parts) + "}"


def audit_fields(columns: Sequence[str], audited: frozenset[str], table: Table) -> list[Any]:
    """What `creation_changes` needs to know of each audited column, worked out once."""
    return [
        (position, f'"{name}": [null, ', _holds_dates(table, name))
        for position, name in enumerate(columns)
        if name in audited
    ]


def _holds_dates(table: Table, name: str) -> bool:
    column_type = table.c[name].type
    if isinstance(column_type, TypeDecorator):
        column_type = column_type.impl_instance
    return isinstance(column_type, Date | DateTime)


class AuditWriter:
    """Audit events for imported rows, each carrying the import's batch id."""

    def __init__(
        self, connection: Connection, *, at: datetime, user: str, entity: str, batch_id: int
    ) -> None:
        self.insert = prepared_insert(connection, _table(AuditEvent), AUDIT_COLUMNS)
        # "create" events arrive as JSON text already (see creation_changes).
        self.insert_serialised = prepared_insert(
            connection, _table(AuditEvent), AUDIT_COLUMNS, serialised={"changes"}
        )
        self.prefix = (at, user, entity)
        self.batch_id = batch_id

    def created(self, rows: Iterable[tuple[int, str, int | None]]) -> None:
        """One "create" event per new row, given as ``(id, changes as JSON, person)``:
        the person the row is about (`audit.record_create` finds it the same way)."""
        at, user, entity = self.prefix
        batch_id = self.batch_id
        self.insert_serialised.run(
            (at, user, entity, str(row_id), "create", changes, batch_id, person_id)
            for row_id, changes, person_id in rows
        )

    def updated(self, rows: Iterable[tuple[int, dict[str, tuple[Any, Any]]]]) -> None:
        """One "update" event per changed row: ``{field: [old, new]}``. A person's own
        events name them; others' leave the person to their row, as they do today."""
        at, user, entity = self.prefix
        batch_id = self.batch_id
        is_person = entity == "person"
        self.insert.run(
            (
                at,
                user,
                entity,
                str(row_id),
                "update",
                {name: [plain(old), plain(new)] for name, (old, new) in changes.items()},
                batch_id,
                row_id if is_person else None,
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
