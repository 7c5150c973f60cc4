"""The person's national fields: ethnicity, accommodation status, primary support reason
and client type

Four nullable text columns on `person`, each holding a code from its national list
(`codes.Ethnicity`, `AccommodationStatus`, `PrimarySupportReason`, `ClientType`): what
the Client Level Data return and the outcome measures need to know about a person.
Nothing is filled in: a person with none recorded is reported as unknown, and a client
type not recorded follows the carer flag.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    ("ethnicity", 10),
    ("accommodation_status", 40),
    ("primary_support_reason", 40),
    ("client_type", 20),
)


def upgrade() -> None:
    for name, length in COLUMNS:
        op.add_column("person", sa.Column(name, sa.String(length), nullable=True))


def downgrade() -> None:
    # Refused while any person has one recorded: the older version has nowhere to keep
    # them, and what was recorded would be lost without a word.
    recorded = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT COUNT(*) FROM person WHERE "
                + " OR ".join(f"{name} IS NOT NULL" for name, _ in COLUMNS)
            )
        )
        .scalar_one()
    )
    if recorded:
        raise RuntimeError(
            "Cannot go back before migration 0019: "
            f"{recorded} person record(s) hold an ethnicity, accommodation status, primary "
            "support reason or client type, which the older version cannot hold; restore a "
            "backup taken before it instead"
        )
    for name, _ in reversed(COLUMNS):
        op.drop_column("person", name)
