"""The files an import leaves behind for a person to act on: its problems and its rejects."""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from intapp import paths
from intapp.services.importing.columns import Problem
from intapp.services.importing.reading import SourceFile, UnreadableFile, read_records
from intapp.services.importing.run import FileOutcome, ImportOutcome

# Both files hold personal data from the import file, so both are private to their owner,
# and both carry a byte-order mark so spreadsheet programs read them as UTF-8.
ENCODING = "utf-8-sig"


def write_problems(problems: Iterable[Problem], path: Path) -> int:
    """Every problem as CSV (file, line, column, problem); returns how many."""
    paths.create_private_file(path)
    written = 0
    with path.open("w", encoding=ENCODING, newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["file", "line", "column", "problem"])
        for problem in problems:
            writer.writerow([problem.file, problem.line, problem.column, problem.reason])
            written += 1
    return written


def write_rejects(source: SourceFile, problems: Iterable[Problem], path: Path) -> int:
    """The rejected rows as they were in the file, plus a `reason` column; returns how many.

    The cells are copied exactly, so the rows can be corrected and imported again.
    """
    reasons: dict[int, list[str]] = defaultdict(list)
    for problem in problems:
        reasons[problem.line].append(
            f"{problem.column}: {problem.reason}" if problem.column else problem.reason
        )
    paths.create_private_file(path)
    written = 0
    with path.open("w", encoding=ENCODING, newline="") as out:
        writer = csv.writer(out)
        records = read_records(source)
        try:
            header = next(records, None)
            if header is None:
                return 0
            writer.writerow([*header.cells, "reason"])
            for record in records:
                if record.line in reasons:
                    writer.writerow([*record.cells, "; ".join(reasons[record.line])])
                    written += 1
        except UnreadableFile:
            pass  # an unreadable file is refused whole; there are no rows to hand back
    return written


def summary_columns(outcome: ImportOutcome) -> tuple[str, ...]:
    """The headings of the per-file counts, worded for what actually happened.

    Only an import that was written created or updated anything: a dry run says what
    it would do, and a refused import counts the rows that passed the checks.
    """
    if outcome.written:
        return ("read", "created", "updated", "unchanged", "rejected")
    if outcome.dry_run:
        return ("read", "would create", "would update", "unchanged", "rejected")
    return ("read", "valid", "rejected")


def summary_counts(outcome: ImportOutcome, file: FileOutcome) -> tuple[int, ...]:
    """One file's counts under `summary_columns`."""
    if outcome.written or outcome.dry_run:
        return (file.rows_read, file.created, file.updated, file.unchanged, file.rejected)
    valid = file.created + file.updated + file.unchanged
    return (file.rows_read, valid, file.rejected)


def summary_line(outcome: ImportOutcome, file: FileOutcome) -> str:
    """One file's result in a line, for scripts and logs."""
    read, rejected = file.rows_read, file.rejected
    if outcome.written:
        return (
            f"{file.file_name}: {file.created} created, {file.updated} updated, "
            f"{file.unchanged} unchanged, {rejected} rejected (of {read} read)"
        )
    if outcome.dry_run:
        return (
            f"{file.file_name}: would create {file.created}, would update {file.updated}, "
            f"{file.unchanged} unchanged, {rejected} rejected (of {read} read)"
        )
    valid = file.created + file.updated + file.unchanged
    return (
        f"{file.file_name}: nothing imported; {valid} valid, {rejected} rejected (of {read} read)"
    )
