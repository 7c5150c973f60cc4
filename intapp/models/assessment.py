"""Strengths-based assessments against the Care Act eligibility outcomes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, Text
from sqlmodel import Field, SQLModel

from intapp.models.base import Versioned
from intapp.models.types import UTCDateTime

# Care and Support (Eligibility Criteria) Regulations 2015, reg 2(2).
PERSON_OUTCOMES: tuple[tuple[str, str], ...] = (
    ("nutrition", "Managing and maintaining nutrition"),
    ("personal_hygiene", "Maintaining personal hygiene"),
    ("toilet_needs", "Managing toilet needs"),
    ("clothing", "Being appropriately clothed"),
    ("home_safety", "Being able to make use of the home safely"),
    ("habitable_home", "Maintaining a habitable home environment"),
    ("relationships", "Developing and maintaining family or other personal relationships"),
    ("work_education", "Accessing and engaging in work, training, education or volunteering"),
    ("community_services", "Making use of necessary facilities or services in the local community"),
    ("caring_for_child", "Carrying out any caring responsibilities for a child"),
)

# The same regulations, reg 3(2): outcomes for carers.
CARER_OUTCOMES: tuple[tuple[str, str], ...] = (
    ("caring_for_child", "Carrying out any caring responsibilities for a child"),
    ("caring_for_others", "Providing care to other persons for whom the carer provides care"),
    ("habitable_home", "Maintaining a habitable home environment"),
    ("nutrition", "Managing and maintaining nutrition"),
    ("relationships", "Developing and maintaining family or other personal relationships"),
    ("work_education", "Engaging in work, training, education or volunteering"),
    ("community_services", "Making use of necessary facilities or services in the local community"),
    ("recreation", "Engaging in recreational activities"),
)


class Assessment(Versioned, SQLModel, table=True):
    """A conversation about what matters to the person, recorded once and shared.

    `outcomes` holds one entry per Care Act outcome:
    ``{"code", "achievement", "reason", "impact"}``. A signed-off assessment is never
    edited again; a new assessment supersedes it.
    """

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    referral_id: int | None = Field(default=None, foreign_key="referral.id", index=True)
    assessment_type: str = Field(default="integrated", sa_type=String(20))
    status: str = Field(default="draft", sa_type=String(20))
    what_matters: str = Field(default="", sa_type=Text)
    strengths: str = Field(default="", sa_type=Text)
    family_community_assets: str = Field(default="", sa_type=Text)
    outcomes: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    risks: str = Field(default="", sa_type=Text)
    # For a person: needs arise from a physical or mental impairment or illness.
    # For a carer: needs arise from providing necessary care.
    needs_arise_from_condition: bool = Field(default=False)
    significant_wellbeing_impact: bool = Field(default=False)
    # Carers only: their physical or mental health is, or is at risk of, deteriorating.
    carer_health_at_risk: bool = Field(default=False)
    eligible: bool = Field(default=False)
    assessor_id: int | None = Field(default=None, foreign_key="worker.id", index=True)
    created_by: str = Field(sa_type=String(80))
    created_at: datetime = Field(sa_type=UTCDateTime)
    signed_off_by: str | None = Field(default=None, sa_type=String(80))
    signed_off_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    supersedes_id: int | None = Field(default=None, foreign_key="assessment.id")
    version: int = Field(default=1)
