"""Localities, neighbourhood teams, GP practices and the workers in them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, String
from sqlmodel import Field, SQLModel

from intapp.models.base import Versioned
from intapp.models.types import UTCDateTime


class Locality(SQLModel, table=True):
    """A part of the city (North, Central, South)."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_type=String(60), unique=True)


class Team(SQLModel, table=True):
    """An integrated neighbourhood team (INT) serving 30,000–50,000 residents."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_type=String(20), unique=True)
    name: str = Field(sa_type=String(120))
    locality_id: int = Field(foreign_key="locality.id", index=True)
    population: int = Field(default=0)


class GpPractice(SQLModel, table=True):
    """A GP practice; the wave-one practices come from the Central Manchester report."""

    __tablename__ = "gp_practice"

    code: str = Field(sa_type=String(10), primary_key=True)
    name: str = Field(sa_type=String(120))
    list_size: int = Field(default=0)
    high_risk_patients: int = Field(default=0)
    gp_locality: str = Field(default="", sa_type=String(120))
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True)


class Worker(Versioned, SQLModel, table=True):
    """A member of staff who can hold cases; keeps their own employer and profession."""

    __table_args__ = (
        CheckConstraint("fte > 0 AND fte <= 1.5", name="ck_worker_fte"),
        CheckConstraint("caseload_limit >= 0", name="ck_worker_caseload_limit"),
    )

    id: int | None = Field(default=None, primary_key=True)
    staff_id: str = Field(sa_type=String(40), unique=True)
    given_name: str = Field(sa_type=String(80))
    family_name: str = Field(sa_type=String(80))
    profession: str = Field(sa_type=String(40))
    team_id: int = Field(foreign_key="team.id", index=True)
    fte: float = Field(default=1.0)
    caseload_limit: int = Field(default=100, description="weighted points")
    email: str | None = Field(default=None, sa_type=String(200))
    active: bool = Field(default=True)
    left_on: date | None = Field(default=None, description="last day at work; inactive after")
    version: int = Field(default=1)

    @property
    def display_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


class WorkerAbsence(Versioned, SQLModel, table=True):
    """A worker away (leave, sickness, training) from a date to a date, or open-ended.

    `back_at` is when someone said the worker was back; an absence is current while it
    has started, has not passed its last day and nobody has marked it ended.
    """

    __tablename__ = "worker_absence"
    __table_args__ = (
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="ck_absence_dates"),
    )

    id: int | None = Field(default=None, primary_key=True)
    worker_id: int = Field(foreign_key="worker.id", index=True)
    kind: str = Field(sa_type=String(20))
    starts_on: date
    ends_on: date | None = Field(default=None, description="last day away; None: open-ended")
    back_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    recorded_by: str = Field(sa_type=String(80))
    version: int = Field(default=1)
