"""The summary as CSV, XLSX or Markdown, and saving it with a line in the audit trail."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from pathlib import Path

from sqlmodel import Session

from intapp.access import require_for
from intapp.codes import Profession
from intapp.config import configured as _configured
from intapp.formatting import markdown_escaped
from intapp.services.errors import InvalidInput
from intapp.services.views import record_export, save_export
from intapp.services.weekly_summary.cells import spreadsheet_safe, write_cell
from intapp.services.weekly_summary.summary import (
    COLUMNS,
    OUTCOMES,
    WORKER_COLUMNS,
    SummaryRow,
    WeeklySummary,
)

FORMATS = ("csv", "xlsx", "md")
PROFESSIONS = frozenset(p.value for p in Profession)
TEXT_COLUMNS = frozenset({"level", "team", "locality", "worker", "profession"})
Cell = str | int | float | None


def render(summary: WeeklySummary, fmt: str) -> bytes:
    """The summary as a file's bytes in `fmt` (csv, xlsx or md)."""
    if fmt == "csv":
        return render_csv(summary).encode("utf-8-sig")
    if fmt == "xlsx":
        return render_xlsx(summary)
    if fmt == "md":
        return render_markdown(summary).encode("utf-8")
    raise InvalidInput(f"Format must be one of: {', '.join(FORMATS)}", field="format")


def export_weekly_summary(
    *, session: Session, user: str, summary: WeeklySummary, fmt: str, path: Path | None = None
) -> bytes:
    """Render the summary, save it to `path` (if given) and record the export in the audit
    trail; returns the bytes. The caller's transaction keeps the file and the record
    together: if saving fails, the audit event is rolled back with it."""
    require_for(session, "export_weekly")
    data = render(summary, fmt)
    record_export(
        session=session,
        user=user,
        entity="weekly_summary",
        entity_id=summary.week.label,
        details={
            "scope": summary.scope,
            "format": fmt,
            "rows": len(summary.rows),
            "saved_as": path.name if path is not None else "(shown, not saved)",
        },
    )
    if path is not None:
        save_export(session=session, path=path, data=data, what="the weekly summary")
    return data


# --- CSV -----------------------------------------------------------------------------------


def render_csv(summary: WeeklySummary) -> str:
    """One table, every row and column; text cells quoted and neutralised (OWASP)."""
    out = io.StringIO()
    # Quoting every text cell also stops a separator inside a name starting a new cell
    # (and a formula) in spreadsheets that split on semicolons.
    writer = csv.writer(out, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n")
    writer.writerow(headers())
    for row in summary.rows:
        writer.writerow([_csv_cell(row.cell(column)) for column in COLUMNS])
    return out.getvalue()


def _csv_cell(value: Cell) -> Cell:
    if value is None:
        return ""
    if isinstance(value, str):
        return spreadsheet_safe(value)
    return value


# --- XLSX ----------------------------------------------------------------------------------

_SHEET_TITLE_BAD = re.compile(r"[\[\]:*?/\\]")
MIN_WIDTH, MAX_WIDTH = 6, 40


def render_xlsx(summary: WeeklySummary) -> bytes:
    """A totals sheet (team, locality and city rows), then one sheet per team.

    Numbers are numbers; text is always typed as text, so a worker called "=SUM(A1)"
    is shown, never calculated. Headers are frozen; widths fit the content.
    """
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.properties.title = summary.title
    totals = [row for row in summary.rows if row.level != "worker"]
    first = workbook.active
    assert first is not None
    _fill_sheet(first, _sheet_title(_totals_title(summary), set()), totals)
    used = {first.title}
    for team in dict.fromkeys(row.team for row in summary.rows if row.level == "worker"):
        rows = [row for row in summary.rows if row.team == team and row.level in ("worker", "team")]
        title = _sheet_title(f"Team {team}", used)
        used.add(title)
        _fill_sheet(workbook.create_sheet(title), title, rows)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _totals_title(summary: WeeklySummary) -> str:
    if summary.scope == "whole city":
        return "City"
    if summary.scope.startswith("team "):
        return "Totals"
    return summary.scope  # "Central locality"


def _sheet_title(wanted: str, used: set[str]) -> str:
    title = _SHEET_TITLE_BAD.sub("-", wanted)[:31] or "Sheet"
    number = 2
    while title in used:
        title = f"{title[:28]}~{number}"
        number += 1
    return title


def _fill_sheet(sheet: object, title: str, rows: Sequence[SummaryRow]) -> None:
    from openpyxl.utils import get_column_letter

    sheet.title = title  # type: ignore[attr-defined]
    sheet.append(headers())  # type: ignore[attr-defined]
    widths = [len(column) for column in headers()]
    for row_number, row in enumerate(rows, start=2):
        for index, column in enumerate(COLUMNS):
            value = row.cell(column)
            if value is None:
                continue
            cell = write_cell(sheet, row_number, index + 1, value)
            if column in ("utilisation_pct", "pct_triaged_within_target", "fte"):
                cell.number_format = "0.0"  # type: ignore[attr-defined]
            widths[index] = max(widths[index], len(str(value)))
    sheet.freeze_panes = "A2"  # type: ignore[attr-defined]
    for index, width in enumerate(widths, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = min(MAX_WIDTH, max(MIN_WIDTH, width + 2))  # type: ignore[attr-defined]


# --- Markdown ------------------------------------------------------------------------------

CASELOAD = ("fte", "open_cases", "weighted_load", "caseload_limit", "utilisation_pct")
ACTIVITY = tuple(WORKER_COLUMNS[WORKER_COLUMNS.index("allocations_new") :])
TRIAGE = (
    "referrals_received",
    "referrals_triaged",
    "triage_overdue_at_week_end",
    "median_hours_to_triage",
    "pct_triaged_within_target",
)
REABLEMENT = (*(f"ended_{outcome}" for outcome in OUTCOMES), "followups_due", "followups_at_home")
# Markdown headings are for people: shorter than the CSV's column names.
LABELS = {
    "open_cases": "open cases",
    "weighted_load": "load",
    "caseload_limit": "limit",
    "utilisation_pct": "use %",
    "allocations_new": "allocated",
    "cases_closed": "closed",
    "assessments_signed_off": "assessed",
    "reviews_due": "reviews due",
    "reviews_overdue": "reviews overdue",
    "reablement_started": "reablement started",
    "reablement_ended": "ended",
    "reablement_over_42_days": "over {standard} days",
    "referrals_received": "received",
    "referrals_triaged": "triaged",
    "triage_overdue_at_week_end": "overdue at week end",
    "median_hours_to_triage": "median hours to triage",
    "pct_triaged_within_target": "% within target",
    "ended_no_ongoing_support": "no support",
    "ended_ongoing_low_level_support": "low-level support",
    "ended_long_term_support_community": "long-term, community",
    "ended_long_term_support_residential": "long-term, residential",
    "ended_early_cessation_hospital": "stopped: hospital",
    "ended_early_cessation_nhs_funded": "stopped: NHS funded",
    "ended_early_cessation_deceased": "stopped: died",
    "ended_early_cessation_declined": "stopped: declined",
    "followups_due": "{followup}-day follow-ups due",
    "followups_at_home": "at home",
}


def headers() -> list[str]:
    """The CSV and XLSX column names: the day counts in them are the configured ones."""
    return [_configured(OVER_STANDARD) if c == "reablement_over_42_days" else c for c in COLUMNS]


OVER_STANDARD = "reablement_over_{standard}_days"


def render_markdown(summary: WeeklySummary) -> str:
    """Short tables under headings, aligned so they read as plain text in an email too."""
    lines = [f"# {markdown_escaped(summary.title)}", ""]
    totals = [row for row in summary.rows if row.level != "worker"]
    lines += ["## Totals", ""]
    for heading, columns in (
        ("Caseloads", CASELOAD),
        ("Activity", ACTIVITY),
        ("Triage", TRIAGE),
        (_configured("Reablement endings and {followup}-day follow-ups"), REABLEMENT),
    ):
        lines += [f"### {heading}", ""]
        lines += markdown_table(
            ["total", *columns], [[_label(r), *(r.cell(c) for c in columns)] for r in totals]
        )
        lines.append("")
    teams = [row for row in summary.rows if row.level == "team"]
    for team in teams:
        workers = [r for r in summary.rows if r.level == "worker" and r.team == team.team]
        lines += [f"## Team {markdown_escaped(team.team)} ({markdown_escaped(team.locality)})", ""]
        if not workers:
            lines += ["No workers.", ""]
            continue
        for columns in (("profession", *CASELOAD), ACTIVITY):
            body = [[r.worker, *(_shown(r, c) for c in columns)] for r in [*workers, team]]
            body[-1][0] = "team total"
            lines += markdown_table(["worker", *columns], body)
            lines.append("")
    lines.append("Counts only: no person is named. Figures are for the ISO week, UK time.")
    return "\n".join(lines) + "\n"


def _shown(row: SummaryRow, column: str) -> Cell:
    value = row.cell(column)
    if column == "profession" and value in PROFESSIONS:
        return Profession(value).label
    return value


def _label(row: SummaryRow) -> str:
    if row.level == "team":
        return f"team {row.team}"
    if row.level == "locality":
        return f"{row.locality} locality"
    return "city"


def _text(value: Cell) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.1f}"
    if isinstance(value, int):
        return str(value)
    return markdown_escaped(value)


def markdown_table(header: Sequence[str], body: Sequence[Sequence[Cell]]) -> list[str]:
    cells = [
        [_configured(LABELS.get(h, h)) for h in header],
        *([_text(v) for v in row] for row in body),
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    numeric = [all(not isinstance(row[i], str) for row in body) for i in range(len(header))]

    def line(row: Sequence[str]) -> str:
        padded = (
            value.rjust(width) if is_number else value.ljust(width)
            for value, width, is_number in zip(row, widths, numeric, strict=True)
        )
        return "| " + " | ".join(padded) + " |"

    rule = (
        "| "
        + " | ".join(
            ("-" * (w - 1) + ":") if n else "-" * w for w, n in zip(widths, numeric, strict=True)
        )
        + " |"
    )
    return [line(cells[0]), rule, *(line(row) for row in cells[1:])]
