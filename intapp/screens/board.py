"""The caseload board: every worker's weighted load against their limit."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Header, Static

from intapp.codes import code_label
from intapp.formatting import away_text, load_bar
from intapp.screens.base import DataScreen
from intapp.widgets.footer import Footer
from intapp.widgets.markup import escape
from intapp.widgets.paged_list import PAGE_KEYS, PagedList, Wording

if TYPE_CHECKING:
    from intapp.services.caseloads import WorkerLoad
    from intapp.store.paging import Cursor, Page

PAGE_SIZE = 40
COLUMNS = ("Worker", "Profession", "FTE", "Cases", "Load", "Headroom", "Away")


def board_cells(w: WorkerLoad) -> tuple[str, ...]:
    bar = load_bar(w.load, w.limit)
    # Marked beside the name too: on a narrow terminal the Away column is off the edge.
    away = " [yellow](away)[/]" if w.away else ""
    return (
        (f"[b red]{escape(w.name)}[/]" if w.over_limit else escape(w.name)) + away,
        code_label(w.profession),
        f"{w.fte:g}",
        str(w.open_cases),
        f"[red]{bar}[/]" if w.over_limit else bar,
        str(w.headroom),
        f"[yellow]{away_text(w.away)}[/]" if w.away else "",
    )


class BoardScreen(DataScreen):
    """Workers with load against limit, least headroom (over their limit) first; Enter
    opens a caseload."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="board.back"),
        Binding("enter", "open_caseload", "Caseload", id="board.open", priority=True),
        *PAGE_KEYS,
    ]

    def __init__(
        self, *, team_ids: list[int] | None, scope_label: str, over_limit_only: bool = False
    ) -> None:
        super().__init__()
        self.team_ids = team_ids
        self.scope_label = scope_label
        self.over_limit_only = over_limit_only

    def compose(self) -> ComposeResult:
        from intapp.services.caseloads import board_cursor

        title = "Workers over their limit" if self.over_limit_only else "Caseload board"
        yield Header()
        yield Static(f"{title}: {self.scope_label}", classes="list-title")
        yield PagedList(
            columns=[(label, None) for label in COLUMNS],
            cells=board_cells,
            key=lambda w: w.worker_id,
            cursor=board_cursor,
            wording=Wording(
                "worker",
                "workers",
                "No worker is over their limit." if self.over_limit_only else "No workers.",
            ),
            page_size=PAGE_SIZE,
            id="board-list",
        )
        yield Footer()

    @property
    def paged(self) -> PagedList[WorkerLoad]:
        return self.query_one("#board-list", PagedList)

    @property
    def loads(self) -> list[WorkerLoad]:
        """The workers on the page shown."""
        return self.rows_of("#board-list")

    def on_mount(self) -> None:
        self.paged.focus()

    def on_screen_resume(self) -> None:
        # Back from a caseload whose cases moved: the loads are read again.
        if self.paged.total is not None:
            self.reload()
            return
        team_ids, over_limit_only, app = self.team_ids, self.over_limit_only, self.intapp

        def page(after: Cursor | None, limit: int, count: bool) -> Page[WorkerLoad]:
            from intapp.services.caseloads import board_page

            return app.run_plain(
                lambda db: board_page(
                    db,
                    team_ids=team_ids,
                    over_limit_only=over_limit_only,
                    after=after,
                    limit=limit,
                    count=count,
                )
            )

        self.paged.show(page)

    def reload(self) -> None:
        """Read the page again, the highlight staying on the same worker."""
        self.paged.reload()

    def action_open_caseload(self) -> None:
        self.paged.open_highlighted()

    @on(PagedList.Opened, "#board-list")
    def open_caseload(self, event: PagedList.Opened) -> None:
        from intapp.screens.caseload import CaseloadScreen

        self.app.push_screen(CaseloadScreen(worker=event.row))
