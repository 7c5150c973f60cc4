"""The append-only audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String
from sqlmodel import Field, SQLModel

from intapp.models.types import UTCDateTime


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
