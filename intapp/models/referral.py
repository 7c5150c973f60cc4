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
        # The city-wide queue and dashboard counts, which name no team; with the team and
        # id, the breach forecast reads each team's queue from the index alone.
        Index("ix_referral_status_due", "status", "due_by", "team_id", "id"),
        # The weekly summary's triages in a week, and each team's recent triage rate.
        Index("ix_referral_triaged_at", "triaged_at", "team_id"),
        # Referrals received in a period; with team and source, the monthly trends count
        # them from the index alone.
        Index("ix_referral_received_at", "received_at", "team_id", "source"),
        Index("ix_referral_person", "person_id", "received_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(sa_type=String(40), unique=True)
    person_id: int = Field(foreign_key="person.id")
    team_id: int = Field(foreign_key="team.id")
    received_at: datetime = Field(sa_type=UTCDateTime)
    source: str = Field(sa_type=String(30))
    route_of_access: str = Field(default="community_other", sa_type=String(30))
    reason: str = Field(sa_type=Text)
    priority: str = Field(default="routine", sa_type=String(30))
    due_by: datetime = Field(sa_type=UTCDateTime)
    status: str = Field(default="received", sa_type=String(20))
    pathway: str | None = Field(default=None, sa_type=String(40))
    triaged_by: str | None = Field(default=None, sa_type=String(80))
    triaged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
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
    covering_for_worker_id: int | None = Field(
        default=None,
        foreign_key="worker.id",
        description="the worker whose case this is, held while they are away",
    )
    version: int = Field(default=1)


class Transfer(Versioned, SQLModel, table=True):
    """A referral or case sent to another team: pending until that team accepts or
    returns it. While pending the referral sits in the receiving team's queue and any
    allocation stays with the sending worker."""

    __table_args__ = (
        # One pending transfer per referral at a time.
        Index(
            "uq_transfer_pending_referral",
            "referral_id",
            unique=True,
            sqlite_where=text("state = 'pending'"),
            postgresql_where=text("state = 'pending'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    referral_id: int = Field(foreign_key="referral.id", index=True)
    from_team_id: int = Field(foreign_key="team.id")
    to_team_id: int = Field(foreign_key="team.id")
    from_status: str = Field(sa_type=String(20), description="the referral's status when sent")
    reason: str = Field(sa_type=Text)
    sent_by: str = Field(sa_type=String(80))
    sent_at: datetime = Field(sa_type=UTCDateTime)
    state: str = Field(default="pending", sa_type=String(20))
    decided_by: str | None = Field(default=None, sa_type=String(80))
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    return_reason: str | None = Field(default=None, sa_type=Text)
    version: int = Field(default=1)
