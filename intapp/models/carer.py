"""Who cares for whom: one row per carer and person cared for, from a date until ended."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Index, String, Text, text
from sqlmodel import Field, SQLModel

from intapp.models.base import Versioned
from intapp.models.types import UTCDateTime


class CarerLink(Versioned, SQLModel, table=True):
    """A carer caring for a person. A carer may care for several people; ending a link
    keeps it (with the date and reason) so the history stays readable."""

    __tablename__ = "carer_link"
    __table_args__ = (
        CheckConstraint("carer_id <> cared_for_id", name="ck_carer_link_not_self"),
        # One open link per pair: a second link is only possible after the first ended.
        Index(
            "uq_carer_link_open",
            "carer_id",
            "cared_for_id",
            unique=True,
            sqlite_where=text("ended_on IS NULL"),
            postgresql_where=text("ended_on IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    carer_id: int = Field(foreign_key="person.id", index=True)
    cared_for_id: int = Field(foreign_key="person.id", index=True)
    since: date
    ended_on: date | None = Field(default=None)
    end_reason: str | None = Field(default=None, sa_type=Text)
    created_by: str = Field(sa_type=String(80))
    created_at: datetime = Field(sa_type=UTCDateTime)
    ended_by: str | None = Field(default=None, sa_type=String(80))
    version: int = Field(default=1)
