"""Referrals into a team and the allocations of the resulting cases to key workers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, String, Text, text
from sqlmodel import Field, SQLModel

from intapp.models.base import Versioned
from intapp.models.types import UTCDateTime


class Referral(Versioned, SQLModel, table=True):
    """A request for help, from receipt through triage and allocation to closure."""

    __table_args__ = (
        Index("ix_referral_queue", "team_id", "status", "due_by"),
        # The city-wide queue and dashboard counts, which name no team.
        Index("ix_referral_status_due", "status", "due_by"),
        Index("ix_referral_person", "person_id", "received_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(sa_type=String(40), unique=True)
    person_id: int = Field(foreign_key="person.id")
    team_id: int = Field(foreign_key="team.id")
    received_at: datetime = Field(sa_type=UTCDateTime, index=True)
    source: str = Field(sa_type=String(30))
    route_of_access: str = Field(default="community_other", sa_type=String(30))
    reason: str = Field(sa_type=Text)
    priority: str = Field(default="routine", sa_type=String(30))
    due_by: datetime = Field(sa_type=UTCDateTime)
    status: str = Field(default="received", sa_type=String(20))
    pathway: str | None = Field(default=None, sa_type=String(40))
    triaged_by: str | None = Field(default=None, sa_type=String(80))
    triaged_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    triage_note: str | None = Field(default=None, sa_type=Text)
    is_rereferral: bool = Field(default=False)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    close_outcome: str | None = Field(default=None, sa_type=String(40))
    close_reason: str | None = Field(default=None, sa_type=Text)
    closed_by: str | None = Field(default=None, sa_type=String(80))
    version: int = Field(default=1)


class Allocation(Versioned, SQLModel, table=True):
    """One key worker holding one case for a period; reallocation ends it and starts another."""

    __table_args__ = (
        CheckConstraint("weight BETWEEN 1 AND 20", name="ck_allocation_weight"),
        Index(
            "uq_allocation_open_referral",
            "referral_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
        # A worker's open cases and weighted load, without touching the table.
        Index(
            "ix_allocation_open_load",
            "worker_id",
            "weight",
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    referral_id: int = Field(foreign_key="referral.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    worker_id: int = Field(foreign_key="worker.id")
    weight: int
    started_at: datetime = Field(sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    end_reason: str | None = Field(default=None, sa_type=Text)
    over_limit_reason: str | None = Field(default=None, sa_type=Text)
    allocated_by: str = Field(sa_type=String(80))
    version: int = Field(default=1)
