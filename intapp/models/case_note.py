"""Case notes and their addenda: the written record of contacts, never edited once saved."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlmodel import Field, SQLModel

from intapp.models.types import UTCDateTime


class CaseNote(SQLModel, table=True):
    """A contact written down: what kind, with whom, when it happened and what was said.

    Database triggers refuse UPDATE and DELETE, except an UPDATE that only moves the note
    to the record its person was merged into (migration 0012). A correction is an addendum.
    """

    __tablename__ = "case_note"
    __table_args__ = (Index("ix_case_note_person_contact", "person_id", "contact_at"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id")
    referral_id: int | None = Field(default=None, foreign_key="referral.id", index=True)
    episode_id: int | None = Field(default=None, foreign_key="reablement_episode.id", index=True)
    kind: str = Field(sa_type=String(20))
    contact_with: str = Field(sa_type=String(20))
    contact_at: datetime = Field(sa_type=UTCDateTime)
    author: str = Field(sa_type=String(80))
    written_at: datetime = Field(sa_type=UTCDateTime)
    text: str = Field(sa_type=Text)
    significant: bool = Field(default=False)


class CaseNoteAddendum(SQLModel, table=True):
    """A correction or addition to a saved note, with its own author and time; never edited."""

    __tablename__ = "case_note_addendum"

    id: int | None = Field(default=None, primary_key=True)
    note_id: int = Field(foreign_key="case_note.id", index=True)
    author: str = Field(sa_type=String(80))
    written_at: datetime = Field(sa_type=UTCDateTime)
    text: str = Field(sa_type=Text)
