"""Cells that are safe to open in a spreadsheet (OWASP "CSV injection").

A spreadsheet treats a cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or
line break before one) as a formula. Text in an export can come from an import file,
so it is untrusted: such a cell gets a leading single quote, which spreadsheets show
as text. A cell that already starts with a quote gets one too, so `restore` can undo
the change exactly.
"""

from __future__ import annotations

FORMULA_STARTS = frozenset({"=", "+", "-", "@", "\t", "\r", "\n"})
_QUOTED = FORMULA_STARTS | {"'"}


def spreadsheet_safe(text: str) -> str:
    """`text`, with a leading single quote if a spreadsheet could run it as a formula."""
    return "'" + text if text[:1] in _QUOTED else text


def restore(text: str) -> str:
    """The text `spreadsheet_safe` was given."""
    return text[1:] if text[:1] == "'" else text


def write_cell(sheet: object, row: int, column: int, value: object) -> object:
    """Put `value` in an XLSX sheet's cell and return the cell: text always as text,
    never a formula whatever it starts with, with characters XML cannot hold replaced
    rather than passed through; numbers as numbers. The workbook's form of
    `spreadsheet_safe`."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    cell = sheet.cell(row=row, column=column)  # type: ignore[attr-defined]
    if isinstance(value, str):
        cell.value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
        cell.data_type = "s"
    else:
        cell.value = value
    return cell
