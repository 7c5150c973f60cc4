"""Case notes and their addenda, which the database keeps as written

A note records a contact (a home visit, a call, an MDT meeting…) with a person; an
addendum corrects or adds to a saved note. Neither is ever edited or removed: triggers
refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL; and on SQLite an INSERT over a
row that is there, which is how REPLACE rewrites one), as for the audit trail. The one
change allowed is the merge's: a note may move, unchanged otherwise, to the record its
person's record was merged into.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from intapp.models.types import UTCDateTime

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every column of case_note but person_id: a merge's move leaves them as they were.
KEPT = (
    "id",
    "referral_id",
    "episode_id",
    "kind",
    "contact_with",
    "contact_at",
    "author",
    "written_at",
    "text",
    "significant",
)
# The move goes to the record the note's person was merged into, and nowhere else. (A
# person not merged has NULL there: `IS` makes that a plain false, where `=` would make
# the whole condition NULL, which SQLite's WHEN NOT (...) would let through.)
MERGE_MOVE = "NEW.person_id IS (SELECT merged_into_id FROM person WHERE id = OLD.person_id)"
REFUSED = "is append-only: add an addendum instead"


def upgrade() -> None:
    op.create_table(
        "case_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=True),
        sa.Column("episode_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("contact_with", sa.String(length=20), nullable=False),
        sa.Column("contact_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("author", sa.String(length=80), nullable=False),
        sa.Column("written_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("significant", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["referral_id"], ["referral.id"]),
        sa.ForeignKeyConstraint(["episode_id"], ["reablement_episode.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_case_note_person_contact", "case_note", ["person_id", "contact_at"])
    op.create_index("ix_case_note_referral_id", "case_note", ["referral_id"])
    op.create_index("ix_case_note_episode_id", "case_note", ["episode_id"])
    op.create_table(
        "case_note_addendum",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("note_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=80), nullable=False),
        sa.Column("written_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["note_id"], ["case_note.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_case_note_addendum_note_id", "case_note_addendum", ["note_id"])
    if op.get_context().dialect.name == "postgresql":
        _postgresql_guards()
    else:
        _sqlite_guards()


def _sqlite_guards() -> None:
    unchanged = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in KEPT)
    op.execute(
        "CREATE TRIGGER case_note_no_update BEFORE UPDATE ON case_note "
        f"WHEN NOT ({unchanged} AND {MERGE_MOVE}) "
        f"BEGIN SELECT RAISE(ABORT, 'case_note {REFUSED}'); END"
    )
    for table in ("case_note", "case_note_addendum"):
        verbs = ("DELETE",) if table == "case_note" else ("UPDATE", "DELETE")
        for verb in verbs:
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} {REFUSED}'); END"
            )
        # INSERT OR REPLACE (REPLACE INTO) deletes the row it replaces without firing
        # DELETE triggers, so an insert over a row that is there is refused as well.
        op.execute(
            f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} "
            f"WHEN EXISTS (SELECT 1 FROM {table} WHERE id = NEW.id) "
            f"BEGIN SELECT RAISE(ABORT, '{table} {REFUSED}'); END"
        )


def _postgresql_guards() -> None:
    # Compared as JSON without person_id, so a column added later is kept too.
    op.execute(
        "CREATE FUNCTION case_note_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN "
        "IF TG_OP = 'UPDATE' THEN "
        "IF (to_jsonb(NEW) - 'person_id') = (to_jsonb(OLD) - 'person_id') "
        f"AND {MERGE_MOVE.replace(' IS ', ' IS NOT DISTINCT FROM ')} THEN RETURN NEW; END IF; "
        "END IF; "
        f"RAISE EXCEPTION '% {REFUSED}', TG_TABLE_NAME; "
        "END $$"
    )
    op.execute(
        "CREATE FUNCTION case_note_addendum_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN RAISE EXCEPTION '% {REFUSED}', TG_TABLE_NAME; END $$"
    )
    for table in ("case_note", "case_note_addendum"):
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_append_only()"
        )


def downgrade() -> None:
    """Refused while any note is held: the older schema has nowhere to keep the record.
    Otherwise the tables go, and their triggers with them."""
    held = op.get_bind().execute(sa.text("SELECT COUNT(*) FROM case_note")).scalar_one()
    if held:
        raise RuntimeError(
            f"Cannot go back before migration 0012: {held} case note(s) are held, and the "
            "older schema cannot keep them; export them first (intapp export notes)"
        )
    op.drop_index("ix_case_note_addendum_note_id", table_name="case_note_addendum")
    op.drop_table("case_note_addendum")
    op.drop_index("ix_case_note_episode_id", table_name="case_note")
    op.drop_index("ix_case_note_referral_id", table_name="case_note")
    op.drop_index("ix_case_note_person_contact", table_name="case_note")
    op.drop_table("case_note")
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP FUNCTION case_note_addendum_append_only()")
        op.execute("DROP FUNCTION case_note_append_only()")
