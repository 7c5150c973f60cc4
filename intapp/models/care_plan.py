"""The one shared care and support plan per person, and its saved versions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Index, String, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from intapp.models.base import Versioned
from intapp.models.types import UTCDateTime


class CarePlan(Versioned, SQLModel, table=True):
    """The person's current plan. Its content lives in `CarePlanVersion` rows."""

    __tablename__ = "care_plan"
    # Reviews due: closed plans keep their old review dates, so index only open plans.
    __table_args__ = (
        Index(
            "ix_care_plan_open_review",
            "review_date",
            sqlite_where=text("closed_at IS NULL"),
            postgresql_where=text("closed_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", unique=True)
    lead_worker_id: int = Field(foreign_key="worker.id", index=True)
    review_date: date = Field(index=True)
    current_number: int = Field(default=1)
    created_at: datetime = Field(sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    version: int = Field(default=1)


class CarePlanVersion(SQLModel, table=True):
    """One saved version of a plan; never changed after it is written.

    `goals` are the person's own words; `actions` are ``{"who", "worker_id", "what",
    "by_when", "status"}`` ("who" is the worker's name or the service, as it read when
    saved; older versions hold ``"done"`` and ``"cancelled"`` flags instead of "status":
    `services.plan_actions.normalised` reads both); `items` are micro-commissioned
    ``{"kind", "description", "cost_pounds"}``.
    """

    __tablename__ = "care_plan_version"
    __table_args__ = (UniqueConstraint("plan_id", "number", name="uq_care_plan_version"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="care_plan.id")
    number: int
    lead_worker_id: int = Field(foreign_key="worker.id")
    review_date: date
    goals: list[str] = Field(default_factory=list, sa_type=JSON)
    actions: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    items: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    change_note: str = Field(default="", sa_type=String(500))
    created_by: str = Field(sa_type=String(80))
    created_at: datetime = Field(sa_type=UTCDateTime)


class PlanAction(SQLModel, table=True):
    """One action of a plan's current version, as a row: rebuilt whenever a version is
    written (`services.plan_actions.rebuild`), so a worker's open actions are one indexed
    read instead of a scan of every plan's JSON."""

    __tablename__ = "plan_action"
    __table_args__ = (
        UniqueConstraint("plan_id", "position", name="uq_plan_action_position"),
        # A worker's work tray: their open actions, soonest first.
        Index("ix_plan_action_worker_open", "worker_id", "status", "by_when"),
    )

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="care_plan.id")
    position: int = Field(description="the action's place in the version, from 0")
    worker_id: int | None = Field(default=None, foreign_key="worker.id")
    service: str | None = Field(default=None, sa_type=String(200))
    what: str = Field(sa_type=Text)
    by_when: date
    status: str = Field(default="open", sa_type=String(20))
