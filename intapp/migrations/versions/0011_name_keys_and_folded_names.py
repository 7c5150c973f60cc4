"""Name keys spell every letter in ASCII; names are stored case-folded for search

- `name_key` dropped letters that do not decompose into a base letter and an accent
  ("Łukasz" was UKSS, "Lukasz" LKSS; "Øyvind", "ß"), so such names were neither found
  by sound nor offered as possible duplicates. It now transliterates first; the stored
  keys are recomputed.
- Name search compared lower(name), and SQLite's lower() folds only A-Z, so "Øy" or
  "él" found nobody there, and a referral without an NHS number for "Élise" could miss
  her record. Each name is now stored case-folded by Python (`folded`), indexed, in
  place of the lower(name) indexes.

Only the rows whose values change are written (see intapp/migrations/name_keys.py).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FOLDED = ("given_name_folded", "family_name_folded")


def upgrade() -> None:
    from intapp.migrations.name_keys import refill_name_keys

    for column in FOLDED:
        op.add_column("person", sa.Column(column, sa.String(length=240), nullable=True))
    refill_name_keys(op.get_bind())
    for column in FOLDED:
        op.create_index(f"ix_person_{column}", "person", [column])
    for column in ("family_name", "given_name"):
        op.drop_index(f"ix_person_{column}_lower", table_name="person")


def downgrade() -> None:
    """The folded columns go and the lower(name) indexes come back; the keys stay as
    they are (derived, and the older ones were only less exact)."""
    for column in FOLDED:
        op.drop_index(f"ix_person_{column}", table_name="person")
    # Before the expression indexes are made: SQLite's batch copy of the table cannot
    # carry them over.
    with op.batch_alter_table("person") as batch:
        for column in FOLDED:
            batch.drop_column(column)
    for column in ("family_name", "given_name"):
        op.create_index(f"ix_person_{column}_lower", "person", [sa.text(f"lower({column})")])
