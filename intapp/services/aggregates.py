"""SQL building blocks for counting several things in one pass over a table."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func


def sum_if(condition: Any, value: Any) -> Any:
    """``SUM(CASE WHEN condition THEN value ELSE 0 END)``, 0 rather than NULL when empty."""
    return func.coalesce(func.sum(case((condition, value), else_=0)), 0)


def count_if(condition: Any) -> Any:
    """How many rows meet `condition`."""
    return sum_if(condition, 1)
