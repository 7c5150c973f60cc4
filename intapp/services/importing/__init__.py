"""Bulk import of people, workers and referrals from CSV or XLSX files.

`import_records` checks every row of every file before writing any, then writes all of
it in the caller's transaction (or, with `skip_invalid`, the valid rows). See README
"Importing records" for the columns and rules.
"""

from intapp.services.importing.batch import ImportBatchSummary, import_batches, imports_of
from intapp.services.importing.columns import Problem
from intapp.services.importing.reading import SourceFile
from intapp.services.importing.reports import (
    summary_columns,
    summary_counts,
    summary_line,
    write_problems,
    write_rejects,
)
from intapp.services.importing.run import KINDS, FileOutcome, ImportOutcome, import_records

__all__ = [
    "KINDS",
    "FileOutcome",
    "ImportBatchSummary",
    "ImportOutcome",
    "Problem",
    "SourceFile",
    "import_batches",
    "import_records",
    "imports_of",
    "summary_columns",
    "summary_counts",
    "summary_line",
    "write_problems",
    "write_rejects",
]
