"""The outcome figures as CSV, XLSX or Markdown, each beside its definition.

Counts only: no person is named. Text cells go through the weekly summary's formula
neutralising (`spreadsheet_safe`) and Markdown escaping, as every export does.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from intapp.formatting import markdown_escaped, uk_date
from intapp.services.errors import InvalidInput
from intapp.services.national.returns import (
    AGE_BANDS,
    ROUTES,
    YearReturns,
    route_order,
    sequel_order,
)
from intapp.services.national.returns_definitions import CAVEAT, TABLES, TITLES, definitions
from intapp.services.weekly_summary.cells import spreadsheet_safe, write_cell
from intapp.services.weekly_summary.render import markdown_table

FORMATS = ("csv", "xlsx", "md")
COLUMNS = ("period", "scope", "table", "age_band", "route_of_access", "item", "value")
ALL_AGES, ALL_ROUTES, TOTAL = "All ages", "All routes", "Total"
NUMERATOR, DENOMINATOR, RATE, NOT_YET_DUE = (
    "Numerator",
    "Denominator",
    "Rate (%)",
    "Not yet due (left out)",
)
Value = int | float | None


@dataclass(frozen=True)
class FigureRow:
    """One figure: a cell of a SALT table, or a part of an ASCOF rate."""

    table: str
    age_band: str
    route: str
    item: str
    value: Value


@dataclass(frozen=True)
class ScopedReturns:
    """The figures for a year and a scope (a team, a locality or the whole city)."""

    returns: YearReturns
    scope: str

    @property
    def title(self) -> str:
        return f"Outcome figures {self.returns.year.label}, {self.scope}"

    @property
    def period_text(self) -> str:
        """The year, and "to date" while it runs."""
        year = self.returns.year
        if self.returns.to_date:
            return f"{year.label} to date (as at {uk_date(self.returns.as_of)})"
        return f"{year.label} ({uk_date(year.first_day)} to {uk_date(year.last_day)})"


def _bands(keys: Iterable[tuple[str, ...]]) -> list[str]:
    present = {key[0] for key in keys}
    return [band for band in AGE_BANDS if band != AGE_BANDS[2] or band in present]


def figure_rows(returns: YearReturns) -> list[FigureRow]:
    """Every figure in order: each table's cells (zeros too), then its total."""
    rows: list[FigureRow] = []
    routes = route_order([*ROUTES, *(key[1] for key in returns.sts001)])
    for band in _bands(returns.sts001):
        for route in routes:
            for sequel in sequel_order("STS001"):
                count = returns.sts001.get((band, route, sequel), 0)
                rows.append(FigureRow("STS001", band, route, sequel, count))
    rows.append(FigureRow("STS001", ALL_AGES, ALL_ROUTES, TOTAL, sum(returns.sts001.values())))
    for table, counts in (("STS002a", returns.sts002a), ("STS002b", returns.sts002b)):
        for band in _bands(counts):
            for sequel in sequel_order(table):
                rows.append(FigureRow(table, band, "", sequel, counts.get((band, sequel), 0)))
        rows.append(FigureRow(table, ALL_AGES, "", TOTAL, sum(counts.values())))
    for table, rate in (("ASCOF 2B", returns.ascof_2b), ("ASCOF 2D", returns.ascof_2d)):
        rows += [
            FigureRow(table, "", "", NUMERATOR, rate.numerator),
            FigureRow(table, "", "", DENOMINATOR, rate.denominator),
            FigureRow(table, "", "", RATE, rate.percent),
        ]
        if table == "ASCOF 2B":
            rows.append(FigureRow(table, "", "", NOT_YET_DUE, returns.ascof_2b_not_yet_due))
    return rows


def render(figures: ScopedReturns, fmt: str) -> bytes:
    """The figures as a file's bytes in `fmt` (csv, xlsx or md)."""
    if fmt == "csv":
        return render_csv(figures).encode("utf-8-sig")
    if fmt == "xlsx":
        return render_xlsx(figures)
    if fmt == "md":
        return render_markdown(figures).encode("utf-8")
    raise InvalidInput(f"Format must be one of: {', '.join(FORMATS)}", field="format")


def _cells(figures: ScopedReturns, row: FigureRow) -> list[Value | str]:
    return [figures.period_text, figures.scope, row.table, row.age_band, row.route, row.item]


def render_csv(figures: ScopedReturns) -> str:
    """One row per figure, its definition in the last column; text cells neutralised."""
    said = definitions(figures.returns.year, long_term_seen=figures.returns.long_term_seen)
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n")
    writer.writerow([*COLUMNS, "definition"])
    for row in figure_rows(figures.returns):
        cells = [*_cells(figures, row), "" if row.value is None else row.value, said[row.table]]
        writer.writerow([spreadsheet_safe(c) if isinstance(c, str) else c for c in cells])
    return out.getvalue()


def render_xlsx(figures: ScopedReturns) -> bytes:
    """A "Figures" sheet (one row per figure) and a "Definitions" sheet; text is always
    typed as text, never a formula."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.properties.title = figures.title
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Figures"
    body = [[*_cells(figures, r), r.value] for r in figure_rows(figures.returns)]
    _fill(sheet, list(COLUMNS), body)
    said = definitions(figures.returns.year, long_term_seen=figures.returns.long_term_seen)
    _fill(
        workbook.create_sheet("Definitions"),
        ["table", "title", "definition"],
        [[table, TITLES[table], said[table]] for table in TABLES],
    )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _fill(sheet: object, header: list[str], body: Sequence[Sequence[Value | str]]) -> None:
    from openpyxl.utils import get_column_letter

    sheet.append(header)  # type: ignore[attr-defined]
    widths = [len(h) for h in header]
    for row_number, values in enumerate(body, start=2):
        for index, value in enumerate(values):
            if value is None:
                continue
            write_cell(sheet, row_number, index + 1, value)
            widths[index] = max(widths[index], len(str(value)))
    sheet.freeze_panes = "A2"  # type: ignore[attr-defined]
    for index, width in enumerate(widths, start=1):
        column = sheet.column_dimensions[get_column_letter(index)]  # type: ignore[attr-defined]
        column.width = min(60, max(6, width + 2))


def render_markdown(figures: ScopedReturns) -> str:
    """A heading, the definition and a short table per figure."""
    returns = figures.returns
    said = definitions(returns.year)
    lines = [f"# {markdown_escaped(figures.title)}", "", f"Period: {figures.period_text}."]
    if returns.to_date:
        lines.append(
            f"The year runs to {uk_date(returns.year.last_day)}: these figures are to date."
        )
    if not returns.long_term_seen:
        lines += ["", CAVEAT]
    lines.append("")
    rows = figure_rows(returns)
    for table in TABLES:
        lines += [f"## {TITLES[table]}", "", f"Definition: {said[table]}", ""]
        mine = [r for r in rows if r.table == table]
        lines += _markdown_body(table, mine)
        lines.append("")
    lines.append("Counts only: no person is named.")
    return "\n".join(lines) + "\n"


def _markdown_body(table: str, rows: list[FigureRow]) -> list[str]:
    if table.startswith("ASCOF"):
        return markdown_table(["measure", "value"], [[r.item, r.value] for r in rows])
    bands = list(dict.fromkeys(r.age_band for r in rows if r.age_band != ALL_AGES))
    total = next(r.value for r in rows if r.item == TOTAL)
    by_key = {(r.route, r.item, r.age_band): r.value or 0 for r in rows}
    keys = list(dict.fromkeys((r.route, r.item) for r in rows if r.item != TOTAL))
    body: list[list[Value | str]] = []
    for route, item in keys:
        counts = [by_key[(route, item, band)] for band in bands]
        if any(counts):  # the CSV and XLSX hold the zeros
            body.append([*([route] if table == "STS001" else []), item, *counts, sum(counts)])
    footer: list[Value | str] = [*([ALL_ROUTES] if table == "STS001" else []), TOTAL]
    footer += [sum(by_key[(route, item, band)] for route, item in keys) for band in bands]
    footer.append(total)
    header = [*(["route of access"] if table == "STS001" else []), "what followed"]
    lines = markdown_table([*header, *bands, "all ages"], [*body, footer])
    if not body:
        lines.append("")
        lines.append("None in the period.")
    return lines
