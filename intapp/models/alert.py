"""Alerts on a person: what a visitor must know before going to the door."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, String, Text, text
from sqlmodel import Field, SQLModel

from intapp.models.base import Versioned
from intapp.models.types import UTCDateTime


class PersonAlert(Versioned, SQLModel, table=True):
    """An alert raised on a person, open until removed with a reason (and then kept, so
    the history stays readable). The kind's label is stored as it read when raised, so
    an alert of a kind later dropped from the settings still reads as it did."""

    __tablename__ = "person_alert"
    __table_args__ = (
        # One open alert of each kind per person: a second is only possible after removal.
        Index(
            "uq_person_alert_open",
            "person_id",
            "kind",
            unique=True,
            sqlite_where=text("removed_at IS NULL"),
            postgresql_where=text("removed_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    kind: str = Field(sa_type=String(40))
    label: str = Field(sa_type=String(80))
    note: str = Field(default="", sa_type=Text)
    raised_by: str = Field(sa_type=String(80))
    raised_at: datetime = Field(sa_type=UTCDateTime)
    review_on: date | None = Field(default=None)
    removed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    removed_by: str | None = Field(default=None, sa_type=String(80))
    removed_reason: str | None = Field(default=None, sa_type=Text)
    version: int = Field(default=1)
