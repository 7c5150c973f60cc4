"""The evaluation table as CSV, XLSX or Markdown, with its notes, and saving it with a
line in the audit trail."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from sqlmodel import Session

from intapp.access import require_for
from intapp.config import configured
from intapp.formatting import markdown_escaped
from intapp.services.errors import InvalidInput
from intapp.services.evaluation.figures import OUTCOMES
from intapp.services.evaluation.notes import notes
from intapp.services.evaluation.table import COLUMNS, EvaluationRow, EvaluationTable, Value
from intapp.services.views import record_export, save_export
from intapp.services.weekly_summary.cells import spreadsheet_safe, write_cell
from intapp.services.weekly_summary.render import markdown_table

FORMATS = ("csv", "xlsx", "md")
HEADERS = ("grouping", "group", *COLUMNS)


def render(table: EvaluationTable, fmt: str) -> bytes:
    """The table as a file's bytes in `fmt` (csv, xlsx or md)."""
    if fmt == "csv":
        return render_csv(table).encode("utf-8-sig")
    if fmt == "xlsx":
        return render_xlsx(table)
    if fmt == "md":
        return render_markdown(table).encode("utf-8")
    raise InvalidInput(f"Format must be one of: {', '.join(FORMATS)}", field="format")


def export_evaluation(
    *, session: Session, user: str, table: EvaluationTable, fmt: str, path: Path | None = None
) -> bytes:
    """Render the table, save it to `path` (if given) and record the export in the audit
    trail; returns the bytes. As the weekly summary's: if saving fails, the audit event
    is rolled back with it, and a file whose record is rolled back is removed."""
    require_for(session, "export_returns")
    data = render(table, fmt)
    record_export(
        session=session,
        user=user,
        entity="evaluation",
        entity_id=table.period.label,
        details={
            "scope": table.scope,
            "first_day": table.period.first_day.isoformat(),
            "last_day": table.period.last_day.isoformat(),
            "format": fmt,
            "rows": len(table.rows),
            "saved_as": path.name if path is not None else "(shown, not saved)",
        },
    )
    if path is not None:
        save_export(session=session, path=path, data=data, what="the evaluation table")
    return data


def _cells(row: EvaluationRow) -> list[Value | str]:
    return [row.grouping, row.label, *(row.values[c] for c in COLUMNS)]


# --- CSV -----------------------------------------------------------------------------------


def render_csv(table: EvaluationTable) -> str:
    """The table with its header on the first line, so a spreadsheet sorts and filters it
    as it stands; then a blank line and the notes, a term and its meaning a line."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n")
    writer.writerow(HEADERS)
    for row in table.rows:
        writer.writerow([_csv_cell(value) for value in _cells(row)])
    writer.writerow([])
    writer.writerow(["notes", spreadsheet_safe(table.title)])
    for term, meaning in notes(table):
        writer.writerow([spreadsheet_safe(term), spreadsheet_safe(meaning)])
    return out.getvalue()


def _csv_cell(value: Value | str) -> Value | str:
    if value is None:
        return ""
    if isinstance(value, str):
        return spreadsheet_safe(value)
    return value


# --- XLSX ----------------------------------------------------------------------------------

MIN_WIDTH, MAX_WIDTH = 6, 40


def render_xlsx(table: EvaluationTable) -> bytes:
    """A sheet "Evaluation" (header frozen, numbers as numbers, text never a formula) and
    a sheet "Notes" with the definitions and unit costs."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.properties.title = table.title
    sheet = workbook.active
    assert sheet is not None
    _fill(sheet, "Evaluation", [list(HEADERS), *(_cells(row) for row in table.rows)])
    _fill(
        workbook.create_sheet(),
        "Notes",
        [["term", "meaning"], ["Table", table.title], *([t, m] for t, m in notes(table))],
        widest=120,
    )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _fill(
    sheet: object, title: str, rows: Sequence[Sequence[Value | str]], widest: int = MAX_WIDTH
) -> None:
    from openpyxl.utils import get_column_letter

    sheet.title = title  # type: ignore[attr-defined]
    widths = [0] * len(rows[0])
    for row_number, row in enumerate(rows, start=1):
        for index, value in enumerate(row):
            if value is None:
                continue
            write_cell(sheet, row_number, index + 1, value)
            widths[index] = max(widths[index], len(str(value)))
    sheet.freeze_panes = "A2"  # type: ignore[attr-defined]
    for index, width in enumerate(widths, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = min(widest, max(MIN_WIDTH, width + 2))  # type: ignore[attr-defined]


# --- Markdown ------------------------------------------------------------------------------

SECTIONS = (
    (
        "Referrals and re-referrals",
        ("referrals_received", "people_referred", "rereferrals", "pct_rereferrals"),
    ),
    (
        "Reablement outcomes",
        ("reablement_ended", *(f"ended_{o}" for o in OUTCOMES), "pct_no_ongoing_support"),
    ),
    (
        configured("{followup}-day follow-ups"),
        ("followups_due", "followups_recorded", "followups_at_home", "pct_at_home"),
    ),
    (
        "Estimated costs (£)",
        (
            "reablement_hours",
            "reablement_cost_pounds",
            "residential_weeks",
            "residential_cost_pounds",
            "items",
            "items_cost_pounds",
            "total_cost_pounds",
        ),
    ),
)
POUNDS = frozenset(c for c in COLUMNS if c.endswith("_pounds"))
# Markdown headings are for people; the notes define each by its CSV column name, shown
# here in brackets where the two differ much.
LABELS = {
    "referrals_received": "referrals",
    "people_referred": "people",
    "rereferrals": "re-referrals",
    "pct_rereferrals": "% re-referred",
    "reablement_ended": "ended",
    "ended_no_ongoing_support": "no ongoing support",
    "ended_ongoing_low_level_support": "low-level",
    "ended_long_term_support_community": "long-term community",
    "ended_long_term_support_residential": "long-term residential",
    "ended_early_cessation_hospital": "stopped: hospital",
    "ended_early_cessation_nhs_funded": "stopped: NHS funded",
    "ended_early_cessation_deceased": "stopped: died",
    "ended_early_cessation_declined": "stopped: declined",
    "pct_no_ongoing_support": "% no ongoing support",
    "followups_due": "follow-ups due",
    "followups_recorded": "recorded",
    "followups_at_home": "at home",
    "pct_at_home": "% at home",
    "reablement_hours": "reablement hours",
    "reablement_cost_pounds": "reablement £",
    "residential_weeks": "residential weeks",
    "residential_cost_pounds": "residential £",
    "items": "items",
    "items_cost_pounds": "items £",
    "total_cost_pounds": "total £",
}


def render_markdown(table: EvaluationTable) -> str:
    """A table per section and grouping, aligned to read as plain text too; the notes last."""
    lines = [f"# {markdown_escaped(table.title)}", ""]
    for heading, columns in SECTIONS:
        lines += [f"## {configured(heading)}", ""]
        for grouping, first in (("cohort", "by cohort"), ("pathway", "by pathway")):
            rows = [r for r in table.rows if r.grouping in ("all", grouping)]
            body = [[r.label, *(_shown(r, c) for c in columns)] for r in rows]
            lines += markdown_table([first, *(LABELS[c] for c in columns)], body)
            lines.append("")
    lines += ["## Notes", ""]
    # A column's name is shown as code, as it is spelt in the CSV and XLSX.
    lines += [
        f"- {f'`{term}`' if term in COLUMNS else f'**{markdown_escaped(term)}**'}: "
        f"{markdown_escaped(meaning)}"
        for term, meaning in notes(table)
    ]
    return "\n".join(lines) + "\n"


def _shown(row: EvaluationRow, column: str) -> Value:
    value = row.values[column]
    # Estimates to the pound: pence would claim a precision the unit costs do not have.
    if column in POUNDS and value is not None:
        return int(Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return value
