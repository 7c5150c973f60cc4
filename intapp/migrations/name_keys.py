"""Refill the columns derived from each person's names (migrations 0008 and 0011).

The values come from `name_keys`, the one place they are worked out. Only the rows
whose values change are written, and on PostgreSQL they go in one statement: the new
values are loaded into a temporary table with COPY and applied with one
``UPDATE … FROM`` (200,000 single-row UPDATEs took over 11 s). SQLite runs in the same
process, where a prepared UPDATE run for each row is as quick.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

KEYS = ("given_name_key", "family_name_key")
FOLDED = ("given_name_folded", "family_name_folded")
CHUNK = 5_000


def refill_name_keys(connection: sa.Connection, columns: Sequence[str] = KEYS + FOLDED) -> int:
    """Set `columns` (of those `name_keys` gives) to what it gives for every person's
    names; how many rows changed. A migration names the columns that exist at its step."""
    from intapp.models.person import name_keys

    person = sa.table(
        "person",
        sa.column("id", sa.Integer),
        sa.column("given_name", sa.String),
        sa.column("family_name", sa.String),
        *(sa.column(column, sa.String) for column in columns),
    )
    changed: list[dict[str, Any]] = []
    rows = connection.execute(
        sa.select(
            person.c.id, person.c.given_name, person.c.family_name, *(person.c[c] for c in columns)
        )
    ).all()
    for row in rows:
        keys = name_keys(row.given_name, row.family_name)
        new = tuple(keys[column] for column in columns)
        if new != tuple(row[3:]):
            changed.append(
                {"person_id": row.id, **{f"new_{c}": v for c, v in zip(columns, new, strict=True)}}
            )
    if not changed:
        return 0
    # The version is left alone: a derived column is not an edit anyone must reload for.
    if connection.dialect.name == "postgresql":
        _update_from_temporary_table(connection, changed, columns)
    else:
        fill = (
            sa.update(person)
            .where(person.c.id == sa.bindparam("person_id"))
            .values({column: sa.bindparam(f"new_{column}") for column in columns})
        )
        for start in range(0, len(changed), CHUNK):
            connection.execute(fill, changed[start : start + CHUNK])
    return len(changed)


def _update_from_temporary_table(
    connection: sa.Connection, changed: list[dict[str, Any]], columns: Sequence[str]
) -> None:
    names = [f"new_{column}" for column in columns]
    connection.execute(
        sa.text(
            "CREATE TEMPORARY TABLE new_name_keys (person_id integer PRIMARY KEY, "
            + ", ".join(f"{name} text" for name in names)
            + ") ON COMMIT DROP"
        )
    )
    # COPY is PostgreSQL's bulk load; psycopg streams the rows (no statement per row).
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f"COPY new_name_keys (person_id, {', '.join(names)}) FROM STDIN") as copy:
        for row in changed:
            copy.write_row((row["person_id"], *(row[name] for name in names)))
    connection.execute(
        sa.text(
            "UPDATE person SET "
            + ", ".join(f"{column} = k.new_{column}" for column in columns)
            + " FROM new_name_keys AS k WHERE person.id = k.person_id"
        )
    )
    connection.execute(sa.text("DROP TABLE new_name_keys"))
