"""The audit trail refuses REPLACE on SQLite; a merge's pointer is written once

On SQLite, INSERT OR REPLACE (REPLACE INTO) deletes the row it replaces without firing
DELETE triggers, so it could rewrite an audit event: an insert over an event that is
there is refused now, as for case notes (0012).

`person.merged_into_id` says which record a merged one now is, and the case notes'
guard (0012) lets a note move along it; so it is written once, from NULL to a record,
and never cleared. The one later change allowed is the merge's own: when the record it
names is itself merged, it moves on to where that record now points.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REFUSED_POINTER = "person.merged_into_id is written once: a merge cannot be undone or redirected"
# True when the change is refused. (`IS` rather than `=`: NULLs compare as values.)
CHANGED = (
    "OLD.merged_into_id IS NOT NULL AND NEW.merged_into_id IS NOT OLD.merged_into_id "
    "AND (NEW.merged_into_id IS NULL OR NEW.merged_into_id IS NOT "
    "(SELECT merged_into_id FROM person WHERE id = OLD.merged_into_id))"
)


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        changed = CHANGED.replace(" IS NOT ", " IS DISTINCT FROM ").replace(
            "IS DISTINCT FROM NULL", "IS NOT NULL"
        )
        op.execute(
            "CREATE FUNCTION person_merged_into_once() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN IF {changed} THEN RAISE EXCEPTION '{REFUSED_POINTER}'; END IF; "
            "RETURN NEW; END $$"
        )
        op.execute(
            "CREATE TRIGGER person_merged_into_once BEFORE UPDATE ON person "
            "FOR EACH ROW EXECUTE FUNCTION person_merged_into_once()"
        )
        return
    op.execute(
        "CREATE TRIGGER audit_event_no_replace BEFORE INSERT ON audit_event "
        "WHEN EXISTS (SELECT 1 FROM audit_event WHERE id = NEW.id) "
        "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END"
    )
    op.execute(
        "CREATE TRIGGER person_merged_into_once BEFORE UPDATE OF merged_into_id ON person "
        f"WHEN {CHANGED} BEGIN SELECT RAISE(ABORT, '{REFUSED_POINTER}'); END"
    )


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP TRIGGER person_merged_into_once ON person")
        op.execute("DROP FUNCTION person_merged_into_once()")
        return
    op.execute("DROP TRIGGER person_merged_into_once")
    op.execute("DROP TRIGGER audit_event_no_replace")
