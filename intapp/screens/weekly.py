"""Preview the weekly caseload summary for the dashboard's scope, and save it to a file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Header, Static

from intapp.config import configured
from intapp.screens.base import DataScreen, Result, offered_to
from intapp.screens.save_file_dialog import SaveFileDialog
from intapp.widgets.footer import Footer

if TYPE_CHECKING:
    from sqlmodel import Session

    from intapp.screens.dashboard import Scope
    from intapp.services.weekly_summary import WeeklySummary

PAGE_SIZE = 40
# The columns that fit a screen, with their widths; the saved file has them all.
PREVIEW = (
    ("", "level", 8),
    ("Team", "team", 6),
    ("Worker", "worker", 22),
    ("Open", "open_cases", 5),
    ("Load", "weighted_load", 5),
    ("Limit", "caseload_limit", 5),
    ("Use %", "utilisation_pct", 6),
    ("New", "allocations_new", 4),
    ("Closed", "cases_closed", 6),
    ("Assessed", "assessments_signed_off", 8),
    ("Reviews due", "reviews_due", 11),
    ("Overdue", "reviews_overdue", 7),
    ("Reablement >{standard}d", "reablement_over_42_days", 15),
)


class SaveSummaryDialog(SaveFileDialog):
    """Choose the format and where to save."""

    TITLE_TEXT = "Save the weekly summary"
    FORMATS = (("CSV (spreadsheet)", "csv"), ("Excel workbook", "xlsx"), ("Markdown (email)", "md"))


class SummaryRead(Result["WeeklySummary"]):
    """The week's figures for the scope shown."""


class SummarySaved(Result[Path]):
    """The summary was written to this file."""


class WeeklySummaryScreen(DataScreen):
    """The last complete ISO week's summary: a row per worker, then the totals."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="weekly.back"),
        Binding("s", "save_file", "Save to file", id="weekly.save"),
        Binding("pagedown", "page(1)", "Next page", id="weekly.next", priority=True),
        Binding("pageup", "page(-1)", "Previous page", id="weekly.previous", priority=True),
    ]

    def __init__(self, *, scope: Scope) -> None:
        super().__init__()
        self.scope = scope
        self.summary: WeeklySummary | None = None
        self.page_number = 0

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Counting the week…", id="weekly-title", classes="list-title")
        yield DataTable(id="weekly-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        # Fixed widths: auto widths raced with the first rows and were sometimes too narrow.
        for label, _, width in PREVIEW:
            table.add_column(configured(label), width=width)
        table.focus()
        team_code, locality = self.scope.team_code, self.scope.locality

        def summary(session: Session) -> Any:
            from intapp.services.weekly_summary import weekly_summary

            return weekly_summary(session=session, team_code=team_code, locality=locality)

        self.read(SummaryRead, summary)

    @on(SummaryRead)
    def show_summary(self, message: SummaryRead) -> None:
        self.summary = message.value
        self.show_page()

    def show_page(self) -> None:
        if self.summary is None:
            return
        rows = self.summary.rows
        table = self.query_one(DataTable)
        table.clear()
        start = self.page_number * PAGE_SIZE
        for row in rows[start : start + PAGE_SIZE]:
            cells = [row.cell(column) for _, column, _ in PREVIEW]
            style = "" if row.level == "worker" else "b"  # team and total rows in bold
            table.add_row(
                *(
                    Text("" if c is None else f"{c:g}" if isinstance(c, float) else str(c), style)
                    for c in cells
                )
            )
        pages = max(1, -(-len(rows) // PAGE_SIZE))
        self.query_one("#weekly-title", Static).update(
            f"{self.summary.title} · page {self.page_number + 1} of {pages} · s saves every column"
        )

    def action_page(self, step: int) -> None:
        if self.summary is not None:
            last = max(0, (len(self.summary.rows) - 1) // PAGE_SIZE)
            self.page_number = min(last, max(0, self.page_number + step))
            self.show_page()

    @offered_to("export_weekly")
    def action_save_file(self) -> None:
        summary = self.summary
        if summary is None:
            return
        scope = summary.scope.replace(" ", "-")
        stem = Path.home() / f"weekly-summary-{summary.week.label}-{scope}"
        user = self.intapp.user

        def chosen(values: dict[str, Any] | None) -> None:
            if values is None:
                return

            def export(session: Session) -> Any:
                from intapp.services.weekly_summary import export_weekly_summary

                export_weekly_summary(session=session, user=user, summary=summary, **values)
                return values["path"]

            self.write(SummarySaved, export)

        self.app.push_screen(SaveSummaryDialog(stem), chosen)

    @on(SummarySaved)
    def saved(self, message: SummarySaved) -> None:
        path = message.value
        self.notify(f"Saved to {path}", title="Weekly summary")
