"""The person a team supports (a service user or a carer)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Index, String
from sqlmodel import Field, SQLModel

from intapp.models.base import Versioned
from intapp.models.types import UTCDateTime


class Person(Versioned, SQLModel, table=True):
    """Someone known to a team. NHS number first; a local id where there is none."""

    __table_args__ = (
        CheckConstraint(
            "nhs_number IS NOT NULL OR local_id IS NOT NULL", name="ck_person_identifier"
        ),
        Index("ix_person_name_dob", "family_name", "given_name", "date_of_birth"),
    )

    id: int | None = Field(default=None, primary_key=True)
    nhs_number: str | None = Field(default=None, sa_type=String(10), unique=True)
    local_id: str | None = Field(default=None, sa_type=String(40), unique=True)
    given_name: str = Field(sa_type=String(80))
    family_name: str = Field(sa_type=String(80))
    date_of_birth: date = Field(index=True)
    gender: str | None = Field(default=None, sa_type=String(20))
    postcode: str | None = Field(default=None, sa_type=String(10), index=True)
    gp_practice_code: str | None = Field(default=None, sa_type=String(10))
    phone: str | None = Field(default=None, sa_type=String(30))
    team_id: int = Field(foreign_key="team.id", index=True)
    risk_tier: str = Field(default="low", sa_type=String(10))
    frail_older: bool = Field(default=False)
    ltc_end_of_life: bool = Field(default=False)
    complex_lives: bool = Field(default=False)
    mh_ld_dementia: bool = Field(default=False)
    cyp_with_ltc: bool = Field(default=False)
    has_unpaid_carer: bool = Field(default=False)
    is_carer: bool = Field(default=False)
    date_of_death: date | None = Field(default=None)
    # Set when this record was merged into another: it stays only as a pointer to that one.
    merged_into_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    version: int = Field(default=1)

    @property
    def display_name(self) -> str:
        return f"{self.given_name} {self.family_name}"
