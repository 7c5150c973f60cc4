"""The referral queue: awaiting triage, soonest deadline first, a page at a time."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Header, Input, Static

from intapp import clock
from intapp.codes import code_label
from intapp.formatting import due_text, uk_datetime
from intapp.screens.base import DataScreen
from intapp.services.queue import QueueItem, queue_page
from intapp.widgets.footer import Footer

if TYPE_CHECKING:
    from intapp.store.plain_sql import PlainSQL

PAGE_SIZE = 40
# The reason comes before the source and identifiers, so it is on screen at 120 columns;
# on a wider terminal it takes the room the other columns leave (`reason_width`).
COLUMNS = (
    ("Due", 18),
    ("Priority", 19),
    ("Person", 22),
    ("Reason", 40),
    ("Source", 18),
    ("NHS no.", 12),
    ("Ref", 14),
)


def reason_width(screen_width: int) -> int:
    """The reason column's width: at least 40, more when every column fits with room over
    (each cell has one space of padding either side; the scrollbar takes two)."""
    others = sum(width + 2 for label, width in COLUMNS if label != "Reason")
    return max(40, screen_width - others - 2 - 2)


class QueueScreen(DataScreen):
    """Referrals awaiting triage. Type to filter; Enter opens triage."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="queue.back"),
        Binding("pagedown", "next_page", "Next page", id="queue.next", priority=True),
        Binding("pageup", "previous_page", "Previous page", id="queue.previous", priority=True),
        Binding("enter", "triage", "Triage", id="queue.triage", priority=True),
        # While typing a filter, up and down still move through the rows.
        Binding("down", "row(1)", "Next row", id="queue.down", show=False),
        Binding("up", "row(-1)", "Previous row", id="queue.up", show=False),
    ]
    AUTO_FOCUS = "#queue-filter"

    def __init__(self, *, team_ids: list[int] | None, scope_label: str) -> None:
        super().__init__()
        self.team_ids = team_ids
        self.scope_label = scope_label
        self.rows: list[QueueItem] = []
        self.reason_width = 0
        # Keyset cursors: the (due_by, id) after which each visited page starts.
        self.page_starts: list[Any] = [None]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"Referral queue: {self.scope_label}", id="queue-title")
        yield Input(placeholder="Filter by name, reason or reference", id="queue-filter")
        yield DataTable(id="queue-table", cursor_type="row", zebra_stripes=True)
        yield Static("Loading…", id="queue-status")
        yield Footer()

    def on_mount(self) -> None:
        self.add_columns()
        self.set_interval(30, self.show_rows)

    def add_columns(self) -> None:
        table = self.query_one(DataTable)
        self.reason_width = reason_width(self.app.size.width)
        for label, width in COLUMNS:
            table.add_column(label, width=self.reason_width if label == "Reason" else width)

    def on_resize(self) -> None:
        if reason_width(self.app.size.width) != self.reason_width:
            self.query_one(DataTable).clear(columns=True)
            self.add_columns()
            self.show_rows()

    def on_screen_resume(self) -> None:
        self.load_page()

    def load_page(self) -> None:
        team_ids, after = self.team_ids, self.page_starts[-1]
        text = self.query_one("#queue-filter", Input).value

        def page(db: PlainSQL) -> list[QueueItem]:
            return queue_page(db, team_ids=team_ids, after=after, limit=PAGE_SIZE, text=text)

        self.fetch_plain("page", page)

    def loaded_page(self, rows: list[QueueItem]) -> None:
        if not rows and len(self.page_starts) > 1:
            self.page_starts.pop()
            self.notify("That is the end of the queue.")
            return
        self.rows = rows
        self.show_rows()

    def show_rows(self) -> None:
        from intapp.services.nhs_number import format_nhs_number

        now = clock.now()
        table = self.query_one(DataTable)
        cursor = table.cursor_row
        table.clear()
        for item in self.rows:
            due = due_text(item.due_by, now)
            flag = " ↺" if item.is_rereferral else ""
            table.add_row(
                f"[b red]{due}[/]" if item.overdue else due,
                code_label(item.priority),
                item.person_name + flag,
                item.reason,
                code_label(item.source),
                format_nhs_number(item.nhs_number),
                item.reference,
                key=str(item.referral_id),
            )
        if self.rows:
            table.move_cursor(row=min(cursor, len(self.rows) - 1))
        page = len(self.page_starts)
        first = self.rows[0].due_by if self.rows else None
        self.query_one("#queue-status", Static).update(
            f"Page {page} · {len(self.rows)} referral{'' if len(self.rows) == 1 else 's'}"
            + (f" · first due {uk_datetime(first)}" if first else " · nothing awaiting triage")
        )

    @on(Input.Changed, "#queue-filter")
    def filter_changed(self) -> None:
        self.page_starts = [None]
        self.load_page()

    def action_next_page(self) -> None:
        if len(self.rows) < PAGE_SIZE:
            self.notify("That is the end of the queue.")
            return
        last = self.rows[-1]
        self.page_starts.append((last.due_by, last.referral_id))
        self.load_page()

    def action_previous_page(self) -> None:
        if len(self.page_starts) > 1:
            self.page_starts.pop()
            self.load_page()

    def action_row(self, step: int) -> None:
        table = self.query_one(DataTable)
        table.move_cursor(row=table.cursor_row + step)

    def action_triage(self) -> None:
        table = self.query_one(DataTable)
        if not self.rows:
            return
        item = self.rows[table.cursor_row]
        from intapp.screens.triage import TriageScreen

        self.app.push_screen(TriageScreen(referral_id=item.referral_id))
