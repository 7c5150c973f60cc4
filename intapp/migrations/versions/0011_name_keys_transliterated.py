"""Name keys spell every letter in ASCII before Metaphone

`name_key` dropped letters that do not decompose into a base letter and an accent
("Łukasz" was UKSS, "Lukasz" LKSS; "Øyvind", "ß"), so such names were neither found by
sound nor offered as possible duplicates. It now transliterates first; this recomputes
the stored keys, writing only the rows whose keys change.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    from intapp.migrations.name_keys import refill_name_keys

    refill_name_keys(op.get_bind())


def downgrade() -> None:
    """Nothing to undo: the keys are derived, and the older ones were only less exact."""
