"""The trends as CSV, XLSX or Markdown: a row per month, a column per series, and each
series' definition; saved with a line in the audit trail, as the weekly summary is."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

from sqlmodel import Session

from intapp.access import require_for
from intapp.formatting import markdown_escaped
from intapp.services.errors import InvalidInput
from intapp.services.report_scope import report_scope
from intapp.services.trends.series import Series, Trends, monthly_trends
from intapp.services.views import record_export, save_export
from intapp.services.weekly_summary.cells import spreadsheet_safe, write_cell

# The weekly summary's aligned Markdown tables.
from intapp.services.weekly_summary.render import markdown_table

FORMATS = ("csv", "xlsx", "md")
ACTION = "export_weekly"
"""Who may export the trends: those who may export the weekly summary (counts only, for
a supervisor's scope or the city), which `export_returns` allows to the same roles."""

MONTH_COLUMNS = ("month", "so_far")
DEFINITION_COLUMNS = ("column", "series", "unit", "definition")
# The Markdown file's tables, each narrow enough to read: the series of each part.
MARKDOWN_TABLES = (
    ("Referrals received, by source", "referrals_"),
    ("Triage and allocation", ("referrals_triaged", "triaged_within_target_pct",
                               "median_hours_to_triage", "first_allocations",
                               "median_days_to_allocation")),
    ("Reablement", ("reablement_started", "reablement_ended", "ended_no_ongoing_support_pct",
                    "residential_admissions", "followups_recorded", "at_home_pct")),
    ("Caseload at the month's end", ("open_weighted_caseload", "caseload_limits")),
)  # fmt: skip


def trends_for_export(
    *, session: Session, team_code: str | None = None, locality: str | None = None
) -> Trends:
    """The trends for a team, a locality or (neither) the whole city, as the weekly
    summary's export chooses them: a member of staff's city is their own teams."""
    in_scope = report_scope(session, team_code=team_code, locality=locality, action=ACTION)
    return monthly_trends(session=session, team_ids=in_scope.team_ids, scope=in_scope.label)


def export_trends(
    *, session: Session, user: str, trends: Trends, fmt: str, path: Path | None = None
) -> bytes:
    """Render the trends, save them to `path` (if given) and record the export in the
    audit trail; returns the bytes. If saving fails, the audit event is rolled back."""
    require_for(session, ACTION)
    data = render(trends, fmt)
    record_export(
        session=session,
        user=user,
        entity="trends",
        entity_id=trends.months[-1].key,
        details={
            "scope": trends.scope,
            "format": fmt,
            "months": f"{trends.months[0].key} to {trends.months[-1].key}",
            "saved_as": path.name if path is not None else "(shown, not saved)",
        },
    )
    if path is not None:
        save_export(session=session, path=path, data=data, what="the trends")
    return data


def render(trends: Trends, fmt: str) -> bytes:
    """The trends as a file's bytes in `fmt` (csv, xlsx or md)."""
    if fmt == "csv":
        return render_csv(trends).encode("utf-8-sig")
    if fmt == "xlsx":
        return render_xlsx(trends)
    if fmt == "md":
        return render_markdown(trends).encode("utf-8")
    raise InvalidInput(f"Format must be one of: {', '.join(FORMATS)}", field="format")


Cell = str | int | float | None


def month_rows(trends: Trends) -> list[list[Cell]]:
    """A row per month: its key (2026-03), "yes" for the current month, then each series."""
    return [
        [month.key, "yes" if month.partial else "", *(s.values[m] for s in trends.series)]
        for m, month in enumerate(trends.months)
    ]


def headers(trends: Trends) -> list[str]:
    return [*MONTH_COLUMNS, *(s.key for s in trends.series)]


def definition_rows(trends: Trends) -> list[list[str]]:
    return [
        ["so_far", "The current month", "", "yes: the month is not over; its figures so far."],
        *([s.key, s.label, s.unit, s.definition] for s in trends.series),
    ]


def render_csv(trends: Trends) -> str:
    """The table from the first row (headers, a row per month), then a blank row, the
    title, and the definitions with their own header row. Text cells are neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n")
    writer.writerow(headers(trends))
    for row in month_rows(trends):
        writer.writerow([_csv_cell(c) for c in row])
    writer.writerow([])
    writer.writerow([spreadsheet_safe(_title(trends))])
    writer.writerow(DEFINITION_COLUMNS)
    for definition in definition_rows(trends):
        writer.writerow([spreadsheet_safe(c) for c in definition])
    return out.getvalue()


def _csv_cell(value: Cell) -> Cell:
    if value is None:
        return ""
    return spreadsheet_safe(value) if isinstance(value, str) else value


def _title(trends: Trends) -> str:
    return f"{trends.title}. Counts only: no person is named."


def render_xlsx(trends: Trends) -> bytes:
    """A "Trends" sheet (a row per month) and a "Definitions" sheet; text typed as text."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.properties.title = trends.title
    sheet = workbook.active
    assert sheet is not None
    _fill(sheet, "Trends", headers(trends), month_rows(trends))
    definitions = workbook.create_sheet("Definitions")
    _fill(definitions, "Definitions", list(DEFINITION_COLUMNS), [*definition_rows(trends)])
    definitions.append([])
    definitions.append([_title(trends)])
    definitions.cell(row=definitions.max_row, column=1).data_type = "s"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _fill(sheet: object, title: str, header: list[str], rows: Sequence[Sequence[Cell]]) -> None:
    sheet.title = title  # type: ignore[attr-defined]
    sheet.append(header)  # type: ignore[attr-defined]
    for row_number, row in enumerate(rows, start=2):
        for column, value in enumerate(row, start=1):
            if value is not None:
                write_cell(sheet, row_number, column, value)
    sheet.freeze_panes = "B2"  # type: ignore[attr-defined]


def render_markdown(trends: Trends) -> str:
    """A table per group of series (a row per month), then every definition."""
    lines = [f"# {markdown_escaped(trends.title)}", ""]
    for heading, keys in MARKDOWN_TABLES:
        chosen = _series(trends, keys)
        lines += [f"## {heading}", ""]
        header = ["month", *(_short(s.key, keys) for s in chosen)]
        body = [
            [month.label + (" (so far)" if month.partial else ""), *(s.values[m] for s in chosen)]
            for m, month in enumerate(trends.months)
        ]
        lines += markdown_table(header, body)
        lines.append("")
    lines += ["## Definitions", ""]
    for s in trends.series:
        lines.append(
            f"- **{s.key}** ({markdown_escaped(s.label)}, {s.unit}): "
            f"{markdown_escaped(s.definition)}"
        )
    lines += ["", "Counts only: no person is named. Months are UK calendar months."]
    return "\n".join(lines) + "\n"


def _short(key: str, keys: str | tuple[str, ...]) -> str:
    """A column heading: the sources' without their common prefix."""
    return key.removeprefix(keys) if isinstance(keys, str) else key


def _series(trends: Trends, keys: str | tuple[str, ...]) -> list[Series]:
    if isinstance(keys, str):
        skip = ("referrals_triaged",)
        return [s for s in trends.series if s.key.startswith(keys) and s.key not in skip]
    return [trends[key] for key in keys]
