"""Time-limited reablement episodes and their follow-up (91 days by default)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, Index, String, Text
from sqlmodel import Field, SQLModel

from intapp.models.base import Versioned


class ReablementEpisode(Versioned, SQLModel, table=True):
    """Free reablement for a standard length (42 days by default), an outcome, a follow-up.

    `barthel_start` / `barthel_end` hold the ten Barthel item scores (total 0–20).
    """

    __tablename__ = "reablement_episode"
    __table_args__ = (
        Index("ix_episode_state_start", "state", "start_date"),
        Index("ix_episode_followup", "followup_due", "followup_result"),
    )

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    referral_id: int | None = Field(default=None, foreign_key="referral.id", index=True)
    worker_id: int | None = Field(default=None, foreign_key="worker.id", index=True)
    episode_type: str = Field(default="standard", sa_type=String(20))
    state: str = Field(default="planned", sa_type=String(20))
    start_date: date
    planned_end_date: date
    extension_reason: str | None = Field(default=None, sa_type=Text)
    goals: list[str] = Field(default_factory=list, sa_type=JSON)
    barthel_start: list[int] | None = Field(default=None, sa_type=JSON)
    barthel_end: list[int] | None = Field(default=None, sa_type=JSON)
    ended_on: date | None = Field(default=None, index=True)
    outcome: str | None = Field(default=None, sa_type=String(40))
    followup_due: date | None = Field(default=None)
    followup_result: str | None = Field(default=None, sa_type=String(30))
    followup_recorded_on: date | None = Field(default=None)
    cancel_reason: str | None = Field(default=None, sa_type=Text)
    version: int = Field(default=1)
