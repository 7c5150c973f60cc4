"""The weekly caseload summary supervisors send up the line.

`weekly_summary` gives the rows (a row per worker, then team, locality and city
totals) for a screen to preview; `export_weekly_summary` renders them as CSV, XLSX or
Markdown, saves the file and records the export in the audit trail.
"""

from intapp.services.weekly_summary.cells import restore, spreadsheet_safe
from intapp.services.weekly_summary.period import IsoWeek, last_complete_week, parse_week
from intapp.services.weekly_summary.render import FORMATS, export_weekly_summary, render
from intapp.services.weekly_summary.summary import (
    COLUMNS,
    TEAM_COLUMNS,
    WORKER_COLUMNS,
    SummaryRow,
    WeeklySummary,
    weekly_summary,
)

__all__ = [
    "COLUMNS",
    "FORMATS",
    "TEAM_COLUMNS",
    "WORKER_COLUMNS",
    "IsoWeek",
    "SummaryRow",
    "WeeklySummary",
    "export_weekly_summary",
    "last_complete_week",
    "parse_week",
    "render",
    "restore",
    "spreadsheet_safe",
    "weekly_summary",
]
