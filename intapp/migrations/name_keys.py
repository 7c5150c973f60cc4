"""Refill the phonetic name keys of every person (migrations 0008 and 0011).

The keys come from `name_keys`, the one place they are worked out. Only the rows whose
keys change are written, and on PostgreSQL they go in one statement: the new keys are
loaded into a temporary table with COPY and applied with one ``UPDATE … FROM``
(200,000 single-row UPDATEs took over 11 s). SQLite runs in the same
process, where a prepared UPDATE run for each row is as quick.
"""

from __future__ import annotations

import sqlalchemy as sa

COLUMNS = ("given_name_key", "family_name_key")
CHUNK = 5_000


def refill_name_keys(connection: sa.Connection) -> int:
    """Set every person's name keys to what `name_keys` gives; how many rows changed."""
    from intapp.models.person import name_keys

    person = sa.table(
        "person",
        sa.column("id", sa.Integer),
        sa.column("given_name", sa.String),
        sa.column("family_name", sa.String),
        *(sa.column(column, sa.String) for column in COLUMNS),
    )
    changed = []
    rows = connection.execute(
        sa.select(
            person.c.id, person.c.given_name, person.c.family_name, *(person.c[c] for c in COLUMNS)
        )
    ).all()
    for row in rows:
        keys = name_keys(row.given_name, row.family_name)
        if tuple(keys.values()) != tuple(row[3:]):
            changed.append({"person_id": row.id, **{f"new_{k}": v for k, v in keys.items()}})
    if not changed:
        return 0
    # The version is left alone: a derived column is not an edit anyone must reload for.
    if connection.dialect.name == "postgresql":
        _update_from_temporary_table(connection, changed)
    else:
        fill = (
            sa.update(person)
            .where(person.c.id == sa.bindparam("person_id"))
            .values({column: sa.bindparam(f"new_{column}") for column in COLUMNS})
        )
        for start in range(0, len(changed), CHUNK):
            connection.execute(fill, changed[start : start + CHUNK])
    return len(changed)


def _update_from_temporary_table(connection: sa.Connection, changed: list[dict]) -> None:
    connection.execute(
        sa.text(
            "CREATE TEMPORARY TABLE new_name_keys (person_id integer PRIMARY KEY,"
            " new_given_name_key varchar(80), new_family_name_key varchar(80)) ON COMMIT DROP"
        )
    )
    # COPY is PostgreSQL's bulk load; psycopg streams the rows (no statement per row).
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(
        "COPY new_name_keys (person_id, new_given_name_key, new_family_name_key) FROM STDIN"
    ) as copy:
        for row in changed:
            copy.write_row(
                (row["person_id"], row["new_given_name_key"], row["new_family_name_key"])
            )
    connection.execute(
        sa.text(
            "UPDATE person SET given_name_key = k.new_given_name_key,"
            " family_name_key = k.new_family_name_key"
            " FROM new_name_keys AS k WHERE person.id = k.person_id"
        )
    )
    connection.execute(sa.text("DROP TABLE new_name_keys"))
