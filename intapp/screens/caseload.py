"""One worker's caseload: their open cases, a page at a time."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header, Static

from intapp.formatting import load_bar, uk_date
from intapp.screens.base import DataScreen

if TYPE_CHECKING:
    from sqlmodel import Session

    from intapp.services.allocations import CaseloadRow, WorkerLoad

PAGE_SIZE = 40


class CaseloadScreen(DataScreen):
    """A worker's open cases, oldest first."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="caseload.back"),
        Binding("pagedown", "next_page", "Next page", id="caseload.next", priority=True),
        Binding("pageup", "previous_page", "Previous page", id="caseload.previous", priority=True),
    ]

    def __init__(self, *, worker: WorkerLoad) -> None:
        super().__init__()
        self.worker = worker
        self.rows: list[CaseloadRow] = []
        self.page_starts: list[Any] = [None]

    def compose(self) -> ComposeResult:
        w = self.worker
        yield Header()
        yield Static(
            f"{w.name} · {w.profession.replace('_', ' ')} · {load_bar(w.load, w.limit)} points",
            classes="list-title",
        )
        yield DataTable(id="caseload-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Since", "Person", "Pathway", "Weight", "Ref")
        table.focus()
        self.load_page()

    def load_page(self) -> None:
        worker_id, after = self.worker.worker_id, self.page_starts[-1]

        def page(session: Session) -> Any:
            from intapp.services.allocations import worker_caseload

            return worker_caseload(
                session=session, worker_id=worker_id, after=after, limit=PAGE_SIZE
            )

        self.fetch("page", page)

    def loaded_page(self, rows: list[CaseloadRow]) -> None:
        if not rows and len(self.page_starts) > 1:
            self.page_starts.pop()
            return
        self.rows = rows
        table = self.query_one(DataTable)
        table.clear()
        for r in rows:
            table.add_row(
                uk_date(r.started_at),
                r.person_name,
                (r.pathway or "").replace("_", " "),
                str(r.weight),
                r.reference,
                key=str(r.allocation_id),
            )

    def action_next_page(self) -> None:
        if len(self.rows) == PAGE_SIZE:
            last = self.rows[-1]
            self.page_starts.append((last.started_at, last.allocation_id))
            self.load_page()

    def action_previous_page(self) -> None:
        if len(self.page_starts) > 1:
            self.page_starts.pop()
            self.load_page()
