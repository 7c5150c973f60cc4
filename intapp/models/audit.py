"""The append-only audit trail, and the record of each bulk import."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String
from sqlmodel import Field, SQLModel

from intapp.models.types import UTCDateTime


class ImportBatch(SQLModel, table=True):
    """One file brought in by `intapp import`: who, which file (name and SHA-256), what came of it.

    Written once, with its final counts, in the same transaction as the rows it imported.
    Each row it created or updated has an audit event pointing back here.
    """

    __tablename__ = "import_batch"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime)
    user: str = Field(sa_type=String(80))
    kind: str = Field(sa_type=String(20))
    file_name: str = Field(sa_type=String(255))
    sha256: str = Field(sa_type=String(64), index=True)
    rows_read: int
    created: int
    updated: int
    unchanged: int
    rejected: int


class AuditEvent(SQLModel, table=True):
    """Who did what to which record, and when. Database triggers refuse UPDATE and DELETE."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_entity", "entity", "entity_id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime, index=True)
    user: str = Field(sa_type=String(80))
    entity: str = Field(sa_type=String(40))
    entity_id: str = Field(sa_type=String(40))
    action: str = Field(sa_type=String(20))
    changes: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    # The person the event concerns, when there is one: answers "who has looked at or
    # changed this person's record" without reading every event's changes.
    person_id: int | None = Field(default=None, index=True)
    # Set when the change came from a bulk import: the file it came from.
    import_batch_id: int | None = Field(default=None, foreign_key="import_batch.id", index=True)
