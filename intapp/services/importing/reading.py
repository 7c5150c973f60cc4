"""Reading an import file: CSV (UTF-8, with or without a byte-order mark) or the first
sheet of an XLSX workbook, as records that know the line they start on."""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cached_property
from pathlib import Path

from intapp.services.errors import DomainError

XLSX_MAGIC = b"PK\x03\x04"
OLD_EXCEL_MAGIC = b"\xd0\xcf\x11\xe0"


class UnreadableFile(DomainError):
    """The file as a whole cannot be read (not UTF-8, broken quoting, not a workbook)."""

    def __init__(self, message: str, *, line: int) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class SourceFile:
    """An import file's name and exact bytes; the bytes are what the SHA-256 is taken of."""

    name: str
    data: bytes

    @classmethod
    def from_path(cls, path: Path) -> SourceFile:
        """Read a file from disk, keeping only its name (not its folder) for the record."""
        return cls(path.name, path.read_bytes())

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def is_xlsx(self) -> bool:
        return self.data.startswith(XLSX_MAGIC)

    def estimated_rows(self) -> int:
        """About how many rows the file holds, for a progress bar; cheap to work out."""
        if self.is_xlsx:
            return 0
        return max(self.data.count(b"\n") - 1, 0)


@dataclass(frozen=True, slots=True)
class Record:
    """One row of the file: the line (or sheet row) it starts on, and its cells as text.

    `formulas` are the indexes of cells that hold a spreadsheet formula rather than a
    value; their text is the formula itself.
    """

    line: int
    cells: list[str]
    formulas: frozenset[int] = frozenset()


def read_records(source: SourceFile) -> Iterator[Record]:
    """Every non-blank record, header first. Raises `UnreadableFile` where reading stops."""
    if source.data.startswith(OLD_EXCEL_MAGIC):
        raise UnreadableFile(
            "This is an old-style .xls workbook: save it as .xlsx or as CSV UTF-8", line=1
        )
    if source.is_xlsx:
        yield from _xlsx_records(source.data)
    else:
        yield from _csv_records(source.data)


def _csv_records(data: bytes) -> Iterator[Record]:
    # Decoded as it is read, so a big file is not held twice over as text.
    stream = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
    reader = csv.reader(stream, strict=True)
    # A record starts on the line after the last one the previous record used, so a
    # quoted field that runs over several lines does not shift later line numbers.
    consumed = 0
    try:
        for cells in reader:
            start, consumed = consumed + 1, reader.line_num
            if any(cells) and "".join(cells).strip():
                yield Record(start, cells)
    except UnicodeDecodeError:
        raise _not_utf8(data) from None
    except csv.Error as error:
        raise UnreadableFile(
            f"The record starting on line {consumed + 1} cannot be read ({error}): "
            "check its quotes are paired",
            line=consumed + 1,
        ) from None


def _not_utf8(data: bytes) -> UnreadableFile:
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
    else:  # pragma: no cover - only called after a decoding error
        line = 1
    return UnreadableFile(
        f"Line {line} is not UTF-8 text: save the file as 'CSV UTF-8' and try again", line=line
    )


def _xlsx_records(data: bytes) -> Iterator[Record]:
    from openpyxl import load_workbook

    try:
        # Not data_only: that gives a formula's cached result, or None where the program
        # that saved the file cached none, and an import would store the gap silently.
        # Formulas are read as formulas, and refused.
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise UnreadableFile(
            f"This file looks like a workbook but cannot be opened ({type(error).__name__}): "
            "save it again as .xlsx or as CSV UTF-8",
            line=1,
        ) from None
    try:
        if not workbook.worksheets:
            return
        for row in workbook.worksheets[0].iter_rows():
            line = next((cell.row for cell in row if getattr(cell, "row", None)), None)
            formulas = frozenset(
                i for i, cell in enumerate(row) if getattr(cell, "data_type", None) == "f"
            )
            cells = [
                _formula_text(cell.value) if i in formulas else _cell_text(cell.value)
                for i, cell in enumerate(row)
            ]
            if line is not None and any(c.strip() for c in cells):
                yield Record(line, cells, formulas)
    finally:
        workbook.close()


def _formula_text(formula: object) -> str:
    """A formula as it was typed (array formulas come as objects holding the text)."""
    text = formula if isinstance(formula, str) else getattr(formula, "text", None)
    return text or "=…"


def _cell_text(value: object) -> str:
    """A typed spreadsheet value as the text a CSV of the same sheet would hold."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes" if value.second == 0 else "seconds")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
