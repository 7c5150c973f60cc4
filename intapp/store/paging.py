"""Keyset pagination: the next page starts after the last row seen, so every page costs
the same however deep into a list it is.

A list is read a `Page` at a time: its rows, and how many rows the whole list holds,
counted from the same query definition so that the two can never disagree. SQLAlchemy is
imported only inside `after_row`, so plain-SQL lists (read before the data layer loads)
can use the rest of this module.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement

Row = TypeVar("Row")
# The sort values of the last row seen, its id last: where the next page starts.
Cursor = tuple[Any, ...]


@dataclass(frozen=True)
class Page(Generic[Row]):
    """Up to a page of a list's rows, and the number of rows the whole list holds (None
    when not counted: turning a page keeps the count read with the first)."""

    rows: list[Row]
    total: int | None


Item = TypeVar("Item")


def page_of(items: Sequence[Item], *, after: Cursor | None, limit: int) -> Page[tuple[int, Item]]:
    """A page of a list already in memory, each item with its place in it (the cursor),
    for lists gathered whole: a person's timeline, assessments and episodes."""
    start = 0 if after is None else after[0] + 1
    rows = [(start + i, item) for i, item in enumerate(items[start : start + limit])]
    return Page(rows, len(items))


def after_row(order_column: Any, id_column: Any, cursor: Cursor) -> ColumnElement[bool]:
    """Rows that sort after `cursor` = (order value, id) in ``ORDER BY order, id``."""
    from sqlalchemy import and_, or_

    value, row_id = cursor
    return or_(order_column > value, and_(order_column == value, id_column > row_id))


def after_columns(columns: Sequence[Any], cursor: Cursor) -> ColumnElement[bool]:
    """Rows that sort after `cursor` in ``ORDER BY columns`` (ascending, the last unique)."""
    from sqlalchemy import and_, or_

    return or_(
        *(
            and_(*(c == v for c, v in zip(columns[:i], cursor, strict=False)), column > cursor[i])
            for i, column in enumerate(columns)
        )
    )


def after_row_sql(columns: Sequence[str], name: str = "after") -> str:
    """Plain SQL for rows that sort after ``:after_0, :after_1, …`` in ``ORDER BY
    columns`` (all ascending, the last one unique); pass values with `after_params`."""
    terms = []
    for i, column in enumerate(columns):
        equal = [f"{c} = :{name}_{j}" for j, c in enumerate(columns[:i])]
        terms.append("(" + " AND ".join([*equal, f"{column} > :{name}_{i}"]) + ")")
    return "(" + " OR ".join(terms) + ")"


def after_params(cursor: Cursor, name: str = "after") -> dict[str, Any]:
    """The parameters `after_row_sql` names, from a cursor."""
    return {f"{name}_{i}": value for i, value in enumerate(cursor)}
