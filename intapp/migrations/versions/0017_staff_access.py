"""Staff logins, their teams, break-glass grants, and the person each audit event concerns

On a team server (PostgreSQL) each member of staff signs in as their own login:
`staff_login` keeps its role, its worker and whether it is enabled; `staff_team` its
teams; `break_glass` each opening of a record outside them, with its reason and expiry;
`access_policy` how long such an opening lasts. The tables exist on SQLite too, so the
schema is one, though a SQLite store is single-user and leaves them empty.

`audit_event.person_id` names the person an event concerns, so "who has looked at or
changed this person's record" is one indexed query. Existing events are filled in from
their record where it holds a person; the append-only guard is lifted for that one
statement and put back exactly as it was.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import intapp.models.types

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Records whose rows name their person in a `person_id` column.
_RECORDS_WITH_PERSON = (
    "referral",
    "allocation",
    "assessment",
    "care_plan",
    "reablement_episode",
    "case_note",
    "person_alert",
)


def upgrade() -> None:
    op.create_table(
        "staff_login",
        sa.Column("login", sa.String(length=63), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("locality_id", sa.Integer(), nullable=True),
        sa.Column("worker_id", sa.Integer(), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", intapp.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("disabled_at", intapp.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_sign_in_at", intapp.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "role IN ('key_worker', 'coordinator', 'supervisor', 'admin')",
            name="ck_staff_login_role",
        ),
        sa.ForeignKeyConstraint(["locality_id"], ["locality.id"]),
        sa.ForeignKeyConstraint(["worker_id"], ["worker.id"]),
        sa.PrimaryKeyConstraint("login"),
        sa.UniqueConstraint("worker_id"),
    )
    op.create_table(
        "staff_team",
        sa.Column("login", sa.String(length=63), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["login"], ["staff_login.login"]),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"]),
        sa.PrimaryKeyConstraint("login", "team_id"),
    )
    op.create_table(
        "break_glass",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("login", sa.String(length=63), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("granted_at", intapp.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", intapp.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_break_glass_login_person", "break_glass", ["login", "person_id"])
    op.create_index("ix_break_glass_person_id", "break_glass", ["person_id"])
    op.create_index("ix_break_glass_granted_at", "break_glass", ["granted_at"])
    op.create_table(
        "access_policy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("break_glass_hours", sa.Integer(), nullable=False),
        sa.CheckConstraint("id = 1", name="ck_access_policy_one_row"),
        sa.CheckConstraint(
            "break_glass_hours > 0 AND break_glass_hours <= 168",
            name="ck_access_policy_break_glass_hours",
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute("INSERT INTO access_policy (id, break_glass_hours) VALUES (1, 8)")

    op.add_column("audit_event", sa.Column("person_id", sa.Integer(), nullable=True))
    _fill_person_ids()
    op.create_index("ix_audit_event_person_id", "audit_event", ["person_id"])


def _fill_person_ids() -> None:
    fills = [
        "UPDATE audit_event SET person_id = CAST(entity_id AS INTEGER) WHERE entity = 'person'"
    ]
    fills += [
        f"UPDATE audit_event SET person_id = (SELECT {table}.person_id FROM {table} "
        f"WHERE CAST({table}.id AS VARCHAR(40)) = audit_event.entity_id) "
        f"WHERE entity = '{table}'"
        for table in _RECORDS_WITH_PERSON
    ]
    if op.get_context().dialect.name == "postgresql":
        op.execute("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only")
        for fill in fills:
            op.execute(fill)
        op.execute("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only")
        return
    bind = op.get_bind()
    guard = bind.execute(
        sa.text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :name"),
        {"name": "audit_event_no_update"},
    ).scalar_one()
    op.execute("DROP TRIGGER audit_event_no_update")
    for fill in fills:
        op.execute(fill)
    op.execute(guard)


def downgrade() -> None:
    logins = op.get_bind().execute(sa.text("SELECT COUNT(*) FROM staff_login")).scalar_one()
    if logins:
        raise RuntimeError(
            f"Cannot go back before migration 0017: the database has {logins} staff "
            "login(s), which the older version cannot keep; restore a backup taken before "
            "it instead"
        )
    op.drop_index("ix_audit_event_person_id", table_name="audit_event")
    op.drop_column("audit_event", "person_id")
    op.drop_table("access_policy")
    op.drop_index("ix_break_glass_granted_at", table_name="break_glass")
    op.drop_index("ix_break_glass_person_id", table_name="break_glass")
    op.drop_index("ix_break_glass_login_person", table_name="break_glass")
    op.drop_table("break_glass")
    op.drop_table("staff_team")
    op.drop_table("staff_login")
