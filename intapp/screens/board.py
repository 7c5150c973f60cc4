"""The caseload board: every worker's weighted load against their limit."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Header, Static

from intapp.codes import code_label
from intapp.formatting import load_bar
from intapp.screens.base import DataScreen
from intapp.widgets.footer import Footer

if TYPE_CHECKING:
    from sqlmodel import Session

    from intapp.services.caseloads import WorkerLoad

PAGE_SIZE = 40


class BoardScreen(DataScreen):
    """Workers with load against limit, over-limit first; Enter opens a caseload."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="board.back"),
        Binding("enter", "open_caseload", "Caseload", id="board.open", priority=True),
        Binding("pagedown", "page(1)", "Next page", id="board.next", priority=True),
        Binding("pageup", "page(-1)", "Previous page", id="board.previous", priority=True),
    ]

    def __init__(self, *, team_ids: list[int] | None, scope_label: str) -> None:
        super().__init__()
        self.team_ids = team_ids
        self.scope_label = scope_label
        self.loads: list[WorkerLoad] = []
        self.page_number = 0

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"Caseload board: {self.scope_label}", classes="list-title")
        yield DataTable(id="board-table", cursor_type="row", zebra_stripes=True)
        yield Static("Loading…", id="board-status", classes="list-title")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Worker", "Profession", "FTE", "Cases", "Load", "Headroom")
        table.focus()

    def on_screen_resume(self) -> None:
        team_ids = self.team_ids

        def board(session: Session) -> Any:
            from intapp.services.caseloads import caseload_board

            return caseload_board(session=session, team_ids=team_ids)

        self.fetch("board", board)

    def loaded_board(self, workers: list[WorkerLoad]) -> None:
        self.loads = sorted(workers, key=lambda w: (not w.over_limit, w.headroom, w.name))
        self.show_page()

    def show_page(self) -> None:
        # Only a page of rows goes into the table, however many workers there are.
        table = self.query_one(DataTable)
        table.clear()
        start = self.page_number * PAGE_SIZE
        for w in self.loads[start : start + PAGE_SIZE]:
            bar = load_bar(w.load, w.limit)
            table.add_row(
                f"[b red]{w.name}[/]" if w.over_limit else w.name,
                code_label(w.profession),
                f"{w.fte:g}",
                str(w.open_cases),
                f"[red]{bar}[/]" if w.over_limit else bar,
                str(w.headroom),
                key=str(w.worker_id),
            )
        over = sum(w.over_limit for w in self.loads)
        pages = max(1, -(-len(self.loads) // PAGE_SIZE))
        self.query_one("#board-status", Static).update(
            f"{len(self.loads)} workers · {over} over their limit · "
            f"page {self.page_number + 1} of {pages}"
        )

    def action_page(self, step: int) -> None:
        last = max(0, (len(self.loads) - 1) // PAGE_SIZE)
        self.page_number = min(last, max(0, self.page_number + step))
        self.show_page()

    def action_open_caseload(self) -> None:
        table = self.query_one(DataTable)
        index = self.page_number * PAGE_SIZE + table.cursor_row
        if index < len(self.loads):
            from intapp.screens.caseload import CaseloadScreen

            self.app.push_screen(CaseloadScreen(worker=self.loads[index]))
