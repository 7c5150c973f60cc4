"""What an import will do with one file, worked out completely before anything is written."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Connection, Table

from intapp.services.importing.batch import AuditWriter, Counts, audit_fields, creation_changes
from intapp.services.importing.bulk import (
    ROWS_PER_EXECUTE,
    Copied,
    prepared_insert,
    update_rows,
)
from intapp.services.importing.columns import Column, Problem, RowParser, match_header
from intapp.services.importing.reading import SourceFile, UnreadableFile, read_records

# progress(stage, done, total): total is an estimate, 0 when unknown.
Progress = Callable[[str, int, int], None]
PROGRESS_EVERY = 2_000

R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Update:
    """A matched record, the version it was read at, and the fields the file changes:
    ``{field: (old, new)}``."""

    id: int
    version: int
    changes: dict[str, tuple[Any, Any]]


@dataclass
class FilePlan:
    """One file's rows sorted into creates, updates and unchanged, plus every problem."""

    kind: str
    source: SourceFile
    rows_read: int = 0
    problems: list[Problem] = field(default_factory=list)
    rejected_lines: set[int] = field(default_factory=set)
    # The file cannot be imported at all (unreadable, or its header is wrong).
    fatal: bool = False
    creates: list[Any] = field(default_factory=list)
    updates: list[Update] = field(default_factory=list)
    unchanged: int = 0

    def reject(self, line: int, column: str, reason: str) -> None:
        """Record a problem with the record starting on `line`."""
        self.problems.append(Problem(self.source.name, line, column, reason))
        self.rejected_lines.add(line)

    @property
    def counts(self) -> Counts:
        return Counts(
            rows_read=self.rows_read,
            created=len(self.creates),
            updated=len(self.updates),
            unchanged=self.unchanged,
            rejected=len(self.rejected_lines),
        )


def parsed_rows(
    plan: FilePlan,
    columns: Sequence[Column],
    make: Callable[[int, list[Any]], R | None],
    *,
    one_of: tuple[str, ...] = (),
    progress: Progress | None = None,
) -> Iterator[R]:
    """Every row that parses cleanly, as `make(line, values)` builds it.

    Rows with problems are rejected on the plan (every problem, not just the first);
    `make` may reject a row too, returning None. A bad header or an unreadable file
    makes the plan fatal and yields nothing more.
    """
    records = read_records(plan.source)
    stage = f"Checking {plan.source.name}"
    total = plan.source.estimated_rows()
    try:
        header = next(records, None)
        if header is None:
            plan.reject(1, "", "the file is empty: it needs a header row and at least one row")
            plan.fatal = True
            return
        layout, header_problems = match_header(header, columns, kind=plan.kind, one_of=one_of)
        if header_problems:
            for column, reason in header_problems:
                plan.reject(header.line, column, reason)
            plan.fatal = True
            return
        parser = RowParser(layout, len(columns))
        for record in records:
            plan.rows_read += 1
            if progress is not None and plan.rows_read % PROGRESS_EVERY == 0:
                progress(stage, plan.rows_read, total)
            values, problems = parser.parse(record)
            if problems:
                for column, reason in problems:
                    plan.reject(record.line, column, reason)
                continue
            row = make(record.line, values)
            if row is not None:
                yield row
    except UnreadableFile as error:
        plan.reject(error.line, "", error.message)
        plan.fatal = True
    if progress is not None:
        progress(stage, plan.rows_read, plan.rows_read)


def write_updates(connection: Connection, table: Table, updates: Iterable[Update]) -> None:
    """Apply updates, one executemany per distinct set of changed fields.

    Each applies only at the version it was read at, and bumps it (see `update_rows`).
    """
    groups: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
    for update in updates:
        names = tuple(sorted(update.changes))
        values = (update.id, update.version, *(update.changes[name][1] for name in names))
        groups.setdefault(names, []).append(values)
    for names, rows in groups.items():
        update_rows(connection, table, list(names), rows, versioned=True)


def write_new_rows(
    connection: Connection,
    *,
    table: Table,
    columns: tuple[str, ...],
    constants: dict[str, Any] | None = None,
    audited: frozenset[str],
    rows: list[R],
    values: Callable[[R], tuple[Any, ...]],
    audit: AuditWriter,
    progress: Progress | None,
    stage: str,
    already_written: Callable[[R], bool] | None = None,
) -> None:
    """Insert new rows and their "create" audit events, a chunk at a time.

    Working in chunks keeps memory flat however big the file: only one chunk's
    parameter tuples exist at once. `values(row)` gives the row's values in `columns`
    order, its id first; `constants` fill the other columns; the audit event records
    the `audited` ones. Rows `already_written` (PostgreSQL only) get their events alone.
    """
    insert = prepared_insert(connection, table, list(columns), constants=constants)
    fields = audit_fields(columns, audited, table)
    about = _person_of(table, columns)
    total = len(rows)
    if isinstance(insert, Copied):
        # One COPY for the rows, then one for their events: the server works through
        # each while this process works out what to send next, and never waits on a
        # chunk's end. The rows' values are kept for the events (a few dozen MB at most).
        sent: list[tuple[Any, ...]] = []

        def produced() -> Iterator[tuple[Any, ...]]:
            for done, row in enumerate(rows, 1):
                row_values = values(row)
                sent.append(row_values)
                if already_written is None or not already_written(row):
                    yield row_values
                if progress is not None and done % ROWS_PER_EXECUTE == 0:
                    progress(stage, done, total)

        insert.run(produced())
        audit.created((v[0], creation_changes(fields, v), about(v)) for v in sent)
        if progress is not None:
            progress(stage, total, total)
        return
    for start in range(0, total, ROWS_PER_EXECUTE):
        part = rows[start : start + ROWS_PER_EXECUTE]
        chunk = [values(row) for row in part]
        if already_written is None:
            insert.run(chunk)
        else:
            insert.run(v for v, row in zip(chunk, part, strict=True) if not already_written(row))
        audit.created((v[0], creation_changes(fields, v), about(v)) for v in chunk)
        if progress is not None:
            progress(stage, min(start + ROWS_PER_EXECUTE, total), total)


def _person_of(table: Table, columns: tuple[str, ...]) -> Callable[[tuple[Any, ...]], int | None]:
    """How to find, in a row's values, the person its audit event is about: a person's
    own id (the first value), else the row's `person_id`, else nobody."""
    if table.name == "person":
        return lambda values: values[0]
    if "person_id" in columns:
        position = columns.index("person_id")
        return lambda values: values[position]
    return lambda _values: None
