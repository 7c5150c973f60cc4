"""Keyset pagination: the next page starts after the last row seen, so every page costs
the same however deep into a list it is."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, or_


def after_row(order_column: Any, id_column: Any, cursor: tuple[Any, int]) -> ColumnElement[bool]:
    """Rows that sort after `cursor` = (order value, id) in ``ORDER BY order, id``."""
    value, row_id = cursor
    return or_(order_column > value, and_(order_column == value, id_column > row_id))
