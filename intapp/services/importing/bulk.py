"""Fast, portable bulk writes for imports: Core statements compiled once, run executemany,
and on PostgreSQL new rows sent with COPY.

SQLAlchemy's usual executemany builds and processes a parameter dictionary per row,
which is most of the cost of a large import. Here the statement is compiled once for
the connection's dialect, each value goes through that column type's own bind
processor (so rows are stored exactly as the ORM would store them) and the driver gets
plain tuples (SQLite) or dicts (psycopg, whose compiled SQL carries the type casts).

On PostgreSQL, new rows go in with `COPY ... FROM STDIN` inside the same transaction,
which costs the server a fraction of an INSERT per row and fires the same triggers and
checks. PostgreSQL refuses COPY into a table whose row-level security applies to the
user, so there (an import run by a staff login) the INSERTs are used instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Connection, Table, bindparam, func, literal_column, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.dml import Insert, Update
from sqlalchemy.sql.elements import ColumnElement

ROWS_PER_EXECUTE = 5_000
KEYS_PER_QUERY = 500

T = TypeVar("T")


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """`items` in slices of at most `size`."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Prepared:
    """A statement compiled for one connection, run for many rows of values.

    Each row gives its values in `names` order. A processor's last input and output are
    remembered, so a value shared by every row (the import's timestamp, False) is
    converted once rather than once per row; values must therefore not be mutated
    while a run is in progress.
    """

    def __init__(
        self,
        connection: Connection,
        statement: Insert | Update,
        names: list[str],
        column_keys: list[str] | None = None,
        serialised: frozenset[str] | set[str] = frozenset(),
    ) -> None:
        dialect = connection.dialect
        compiled = statement.compile(dialect=dialect, column_keys=column_keys)
        self.connection = connection
        self.sql = compiled.string
        self.names = names
        binds = compiled.binds
        expected = list(compiled.positiontup or ()) if compiled.positional else list(binds)
        if not set(expected) <= set(names):
            # A column with a default that this statement was not given a value for.
            raise ValueError(
                f"bulk write is missing values for {sorted(set(expected) - set(names))}"
            )
        types = [binds[name].type for name in names]
        self.processed = _bind_processors(dialect, names, types, serialised)
        self.positional = compiled.positional
        position = {name: i for i, name in enumerate(names)}
        order = [position[name] for name in expected]
        self.order = None if order == list(range(len(names))) else order

    def run(self, rows: Iterable[Sequence[Any]]) -> int:
        """Execute for every row, a few thousand rows per round trip; rows affected."""
        convert = _converting(self.processed, len(self.names))
        order, names, positional = self.order, self.names, self.positional
        batch: list[Any] = []
        affected = 0
        for row in rows:
            values = convert(row)
            if not positional:
                batch.append(dict(zip(names, values, strict=True)))
            elif order is None:
                batch.append(tuple(values))
            else:
                batch.append(tuple([values[i] for i in order]))
            if len(batch) == ROWS_PER_EXECUTE:
                affected += self.connection.exec_driver_sql(self.sql, batch).rowcount
                batch = []
        if batch:
            affected += self.connection.exec_driver_sql(self.sql, batch).rowcount
        return affected


def _bind_processors(
    dialect: Any, names: list[str], types: list[Any], serialised: frozenset[str] | set[str]
) -> list[tuple[int, Callable[[Any], Any]]]:
    """(position, processor) for each column whose type converts its values on the way
    in; columns already serialised are sent as they are."""
    processors = [
        None if name in serialised else type_.dialect_impl(dialect).bind_processor(dialect)
        for name, type_ in zip(names, types, strict=True)
    ]
    return [(i, p) for i, p in enumerate(processors) if p is not None]


def _converting(
    processed: list[tuple[int, Callable[[Any], Any]]], width: int
) -> Callable[[Sequence[Any]], list[Any]]:
    """A row's values through their processors, for one run. A processor's last input
    and output are remembered, so a value shared by every row is converted once."""
    last_in: list[Any] = [None] * width
    last_out: list[Any] = [None] * width

    def convert(row: Sequence[Any]) -> list[Any]:
        values = list(row)
        for i, process in processed:
            value = values[i]
            if value is None:
                continue
            if value is last_in[i]:
                values[i] = last_out[i]
            else:
                last_in[i] = value
                values[i] = last_out[i] = process(value)
        return values

    return convert


class Copied:
    """`COPY table (columns) FROM STDIN` on PostgreSQL, run for many rows of values.

    Values go through each column type's bind processor, as in `Prepared`, and psycopg
    writes them in COPY's text form, which the server parses by the column's type.
    """

    def __init__(
        self,
        connection: Connection,
        table: Table,
        names: list[str],
        constants: dict[str, ColumnElement[Any]],
        serialised: frozenset[str] | set[str],
    ) -> None:
        dialect = connection.dialect
        self.connection = connection
        types = [table.c[name].type for name in names]
        self.processed = _bind_processors(dialect, names, types, serialised)
        self.width = len(names)
        # The constant expressions, worked out by the server once, as their values.
        self.constants: tuple[Any, ...] = ()
        if constants:
            labelled = [expression.label(name) for name, expression in constants.items()]
            self.constants = tuple(connection.execute(select(*labelled)).one())
        quote = dialect.identifier_preparer.quote
        listed = ", ".join(quote(name) for name in [*names, *constants])
        self.sql = f"COPY {quote(table.name)} ({listed}) FROM STDIN"
        self.types = _binary_types(connection, table, [*names, *constants], serialised)
        if self.types is not None:
            self.sql += " (FORMAT BINARY)"
        self.written = 0

    def run(self, rows: Iterable[Sequence[Any]]) -> int:
        """Send every row in one COPY; rows written."""
        with self.stream() as send:
            for row in rows:
                send(row)
        return self.written

    @contextmanager
    def stream(self) -> Iterator[Callable[[Sequence[Any]], None]]:
        """A COPY left open for the block, and the function that sends it one row.

        Nothing else may use the connection until the block ends, when the server has
        taken every row (`written` says how many).
        """
        processed, constants = self.processed, self.constants
        convert = _converting(processed, self.width)
        driver = self.connection.connection.driver_connection
        assert driver is not None
        with _driver_errors_wrapped(self.sql), driver.cursor() as cursor:
            with cursor.copy(self.sql) as copy:
                if self.types is not None:
                    copy.set_types(self.types)
                write_row = copy.write_row

                def send(row: Sequence[Any]) -> None:
                    if processed:
                        row = convert(row)
                    write_row((*row, *constants) if constants else row)

                yield send
            self.written = cursor.rowcount


# Column types whose values go in COPY's binary form as psycopg sends these Python values
# (str, int, bool, date, aware datetime; a JSON column's processed value is psycopg's
# Json, and JSON already serialised is text). The server reads each with the column's
# own binary input, which for varchar is the text itself, and for json the JSON text.
_BINARY = {
    "character varying": "text",
    "text": "text",
    "json": "json",
    "integer": "int4",
    "bigint": "int8",
    "boolean": "bool",
    "date": "date",
    "timestamp with time zone": "timestamptz",
}


def _binary_types(
    connection: Connection, table: Table, names: list[str], serialised: frozenset[str] | set[str]
) -> list[str] | None:
    """The types to send `names` as in binary COPY, which costs both ends less than
    text; None when a column's type is not one of the simple ones (then text it is)."""
    found: dict[str, str] = dict(
        connection.execute(
            text(
                "SELECT attname, format_type(atttypid, NULL) FROM pg_attribute "
                "WHERE attrelid = CAST(:table AS regclass) AND attnum > 0 AND NOT attisdropped"
            ),
            {"table": table.name},
        ).all()
    )
    types = [
        "text" if name in serialised else _BINARY.get(found.get(name, ""), "") for name in names
    ]
    return None if "" in types else types


@contextmanager
def _driver_errors_wrapped(sql: str) -> Iterator[None]:
    """The driver's errors as SQLAlchemy's (an `IntegrityError` for a duplicate key), as
    for any statement SQLAlchemy runs: COPY goes to psycopg directly."""
    import psycopg

    try:
        yield
    except psycopg.Error as error:
        raise DBAPIError.instance(sql, None, error, psycopg.Error) from error


def prepared_insert(
    connection: Connection,
    table: Table,
    columns: list[str],
    *,
    constants: dict[str, Any] | None = None,
    serialised: frozenset[str] | set[str] = frozenset(),
) -> Prepared | Copied:
    """An INSERT (or, on PostgreSQL, a COPY) taking values in `columns` order.

    `constants` are SQL expressions the same for every row (``false()``), written into
    the statement rather than sent with each row. Between them, `columns` and
    `constants` must cover every column that has a default, so nothing is left to
    chance. Values of the `serialised` columns are already in the driver's form (JSON
    text) and skip the type's processing.
    """
    # inline(): no RETURNING of new ids, which executemany would only throw away.
    statement = table.insert().inline().values(constants or {})
    prepared = Prepared(connection, statement, columns, column_keys=columns, serialised=serialised)
    if copy_allowed(connection, table):
        return Copied(connection, table, columns, constants or {}, serialised)
    return prepared


def copy_allowed(connection: Connection, table: Table) -> bool:
    """Whether rows may go into `table` with COPY: PostgreSQL, and no row-level security
    applies to this user there (PostgreSQL refuses COPY FROM under it)."""
    if connection.dialect.name != "postgresql":
        return False
    active = connection.execute(
        text("SELECT row_security_active(CAST(:table AS regclass))"), {"table": table.name}
    ).scalar_one()
    return not active


def insert_rows(
    connection: Connection, table: Table, columns: list[str], rows: Iterable[Sequence[Any]]
) -> None:
    """INSERT every row (values in `columns` order)."""
    prepared_insert(connection, table, columns).run(rows)


class StaleRows(Exception):
    """Rows changed by someone else between an import reading them and writing them."""


def update_rows(
    connection: Connection,
    table: Table,
    columns: list[str],
    rows: Iterable[Sequence[Any]],
    *,
    versioned: bool = False,
) -> None:
    """UPDATE rows by id; each row is ``(id, *values in columns order)``.

    With `versioned`, each row is ``(id, version read, *values)``: the UPDATE applies
    only at that version and increments it, so an app user holding an older copy is
    told it changed rather than overwriting the import, and a change saved while the
    import ran raises `StaleRows` rather than being overwritten by it.
    """
    values: dict[str, Any] = {name: bindparam(f"v_{name}") for name in columns}
    names = ["v_id", *(f"v_{name}" for name in columns)]
    statement = update(table).where(table.c.id == bindparam("v_id"))
    if versioned:
        values["version"] = table.c.version + literal_column("1")
        statement = statement.where(table.c.version == bindparam("v_version"))
        names.insert(1, "v_version")
    rows = list(rows)
    changed = Prepared(connection, statement.values(values), names).run(rows)
    if versioned and changed != len(rows):
        raise StaleRows(f"{len(rows) - changed} of {len(rows)} rows changed meanwhile")


def reserve_ids(connection: Connection, table: Table, count: int) -> list[int]:
    """`count` new ids for `table`, so rows and their audit events can be written together.

    PostgreSQL hands them out from the table's sequence; SQLite continues from the
    highest id, which is safe because the import's transaction holds the write lock.
    """
    if count == 0:
        return []
    if connection.dialect.name == "postgresql":
        # The sequence is looked up once: asked for in each row, the lookup costs more
        # than the numbers themselves. One array comes back rather than `count` rows.
        sequence = connection.execute(
            text("SELECT CAST(CAST(pg_get_serial_sequence(:table, 'id') AS regclass) AS oid)"),
            {"table": table.name},
        ).scalar_one()
        ids: list[int] = connection.execute(
            text("SELECT array_agg(nextval(CAST(:sequence AS oid))) FROM generate_series(1, :n)"),
            {"sequence": sequence, "n": count},
        ).scalar_one()
        return ids
    highest = connection.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
    return list(range(highest + 1, highest + 1 + count))


def rows_where_in(
    connection: Connection, columns: Sequence[Any], key: Any, values: Iterable[Any]
) -> list[Any]:
    """Rows of `columns` whose `key` is one of `values`, asked a few hundred at a time."""
    found: list[Any] = []
    for chunk in chunks(sorted(set(values)), KEYS_PER_QUERY):
        found.extend(connection.execute(select(*columns).where(key.in_(chunk))).all())
    return found
