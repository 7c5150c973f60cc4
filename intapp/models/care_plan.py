"""The one shared care and support plan per person, and its saved versions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Index, String, UniqueConstraint, text
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

    `goals` are the person's own words; `actions` are
    ``{"who", "what", "by_when", "done"}``; `items` are micro-commissioned
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
