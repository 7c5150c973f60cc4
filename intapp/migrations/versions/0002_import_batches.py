"""import batches: record each bulk import and link its audit events to it

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 09:18:56.833302

`audit_event` gains a nullable `import_batch_id`. On SQLite this is a plain
``ALTER TABLE ... ADD COLUMN ... REFERENCES``: a batch "move and copy" would rebuild
the table, which both copies every audit row and silently drops the append-only
triggers that migration 0001 put on it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import intapp.models.types

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FK_NAME = "fk_audit_event_import_batch_id"


def _is_sqlite() -> bool:
    return op.get_context().dialect.name == "sqlite"


def upgrade() -> None:
    op.create_table(
        "import_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", intapp.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("user", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_import_batch_sha256", "import_batch", ["sha256"], unique=False)

    if _is_sqlite():
        op.execute(
            "ALTER TABLE audit_event ADD COLUMN import_batch_id INTEGER "
            "REFERENCES import_batch (id)"
        )
    else:
        op.add_column("audit_event", sa.Column("import_batch_id", sa.Integer(), nullable=True))
        op.create_foreign_key(FK_NAME, "audit_event", "import_batch", ["import_batch_id"], ["id"])
    op.create_index(
        "ix_audit_event_import_batch_id", "audit_event", ["import_batch_id"], unique=False
    )
    _create_import_batch_guards()


def downgrade() -> None:
    _drop_import_batch_guards()
    op.drop_index("ix_audit_event_import_batch_id", table_name="audit_event")
    if _is_sqlite():
        # SQLite 3.35+ drops a column in place, keeping the table and its triggers.
        op.execute("ALTER TABLE audit_event DROP COLUMN import_batch_id")
    else:
        op.drop_constraint(FK_NAME, "audit_event", type_="foreignkey")
        op.drop_column("audit_event", "import_batch_id")
    op.drop_index("ix_import_batch_sha256", table_name="import_batch")
    op.drop_table("import_batch")


# An import record is part of the audit trail, so it is append-only too.
def _create_import_batch_guards() -> None:
    if _is_sqlite():
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER import_batch_no_{verb.lower()} BEFORE {verb} ON import_batch "
                "BEGIN SELECT RAISE(ABORT, 'import_batch is append-only'); END"
            )
        return
    op.execute(
        "CREATE FUNCTION import_batch_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'import_batch is append-only'; END $$"
    )
    op.execute(
        "CREATE TRIGGER import_batch_append_only BEFORE UPDATE OR DELETE ON import_batch "
        "FOR EACH ROW EXECUTE FUNCTION import_batch_append_only()"
    )
    op.execute(
        "CREATE TRIGGER import_batch_no_truncate BEFORE TRUNCATE ON import_batch "
        "FOR EACH STATEMENT EXECUTE FUNCTION import_batch_append_only()"
    )


def _drop_import_batch_guards() -> None:
    if _is_sqlite():
        op.execute("DROP TRIGGER import_batch_no_update")
        op.execute("DROP TRIGGER import_batch_no_delete")
        return
    op.execute("DROP TRIGGER import_batch_no_truncate ON import_batch")
    op.execute("DROP TRIGGER import_batch_append_only ON import_batch")
    op.execute("DROP FUNCTION import_batch_append_only()")
