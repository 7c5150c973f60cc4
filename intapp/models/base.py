"""Shared pieces of the table models."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import declared_attr


class Versioned:
    """Optimistic locking: every UPDATE checks and bumps the row's `version` column.

    A stale write makes SQLAlchemy raise `StaleDataError`, which the services turn
    into a `ConflictError` instead of overwriting someone else's change.
    """

    @declared_attr  # type: ignore[arg-type]
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]
