"""Who may sign in to a team server, in which role and for which teams, and the
break-glass grants that open a record outside that scope.

These tables exist on both stores so the schema is one; only a PostgreSQL team server
uses them (a SQLite store is single-user). The database itself enforces them there:
row-level security reads the scope, and grants are written only through a function.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, String, Text
from sqlmodel import Field, SQLModel

from intapp.models.types import UTCDateTime

STAFF_ROLES = ("key_worker", "coordinator", "supervisor", "admin")


class StaffLogin(SQLModel, table=True):
    """A member of staff's own database login, with their role and (for casework) worker."""

    __tablename__ = "staff_login"
    __table_args__ = (
        CheckConstraint(
            "role IN ('key_worker', 'coordinator', 'supervisor', 'admin')",
            name="ck_staff_login_role",
        ),
    )

    # PostgreSQL's identifiers are at most 63 bytes.
    login: str = Field(sa_type=String(63), primary_key=True)
    role: str = Field(sa_type=String(20))
    # A supervisor's scope is a whole locality; others have teams (staff_team).
    locality_id: int | None = Field(default=None, foreign_key="locality.id")
    worker_id: int | None = Field(default=None, foreign_key="worker.id", unique=True)
    enabled: bool = Field(default=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    disabled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_sign_in_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class StaffTeam(SQLModel, table=True):
    """A login's team: whose people it sees and works with."""

    __tablename__ = "staff_team"

    login: str = Field(sa_type=String(63), foreign_key="staff_login.login", primary_key=True)
    team_id: int = Field(foreign_key="team.id", primary_key=True)


class BreakGlass(SQLModel, table=True):
    """One opening of a record outside the login's scope: why, when, and until when."""

    __tablename__ = "break_glass"
    __table_args__ = (Index("ix_break_glass_login_person", "login", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(sa_type=String(63))
    person_id: int = Field(foreign_key="person.id", index=True)
    reason: str = Field(sa_type=Text)
    granted_at: datetime = Field(sa_type=UTCDateTime, index=True)
    expires_at: datetime = Field(sa_type=UTCDateTime)


class AccessPolicy(SQLModel, table=True):
    """The server's access settings: one row (id 1)."""

    __tablename__ = "access_policy"
    __table_args__ = (
        CheckConstraint("id = 1", name="ck_access_policy_one_row"),
        CheckConstraint(
            "break_glass_hours > 0 AND break_glass_hours <= 168",
            name="ck_access_policy_break_glass_hours",
        ),
    )

    id: int = Field(default=1, primary_key=True)
    break_glass_hours: int = Field(default=8)
