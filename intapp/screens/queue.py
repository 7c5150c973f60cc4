"""The referral queue: awaiting triage, soonest deadline first, a page at a time."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Header, Input, Static

from intapp import clock
from intapp.codes import code_label
from intapp.formatting import due_text, uk_datetime
from intapp.screens.base import DataScreen, offered_to
from intapp.services.forecast import MARK
from intapp.services.queue import QueueItem, queue_cursor, queue_page
from intapp.store.paging import Cursor, Page
from intapp.widgets.alert_marks import name_with_alerts
from intapp.widgets.footer import Footer
from intapp.widgets.markup import escape
from intapp.widgets.paged_list import PAGE_KEYS, PagedList, Wording

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
# What the queue lists when opened from each dashboard figure.
TITLES = {
    "awaiting_triage": "Referral queue",
    "triage_overdue": "Triage overdue",
    "due_next_24h": "Triage due in the next 24 h",
}
PERSON_WIDTH = dict(COLUMNS)["Person"]
EMPTY = {
    "awaiting_triage": "Nothing is awaiting triage.",
    "triage_overdue": "No triage is overdue.",
    "due_next_24h": "No triage falls due in the next 24 h.",
}


def reason_width(screen_width: int) -> int:
    """The reason column's width: at least 40, more when every column fits with room over
    (each cell has one space of padding either side; the scrollbar takes two)."""
    others = sum(width + 2 for label, width in COLUMNS if label != "Reason")
    return max(40, screen_width - others - 2 - 2)


def queue_cells(item: QueueItem) -> tuple[str, ...]:
    """One referral's cells, in the order of `COLUMNS`."""
    from intapp.services.nhs_number import format_nhs_number

    due = due_text(item.due_by, clock.now())
    flag = " ↺" if item.is_rereferral else ""
    mark, reason = "", item.reason
    if item.transfer is not None and item.transfer.text:
        # The mark takes the priority's place: deciding on a transfer comes before triage.
        mark = item.transfer.text
        why = item.transfer.reason if item.is_transfer else item.transfer.return_reason
        reason = f"{why} · {item.reason}"
    if item.is_transfer:
        # Its deadline was its first team's: here the decision is due, not the triage.
        due = "transfer in"
    if item.overdue:
        due = f"[b red]{due}[/]"
    elif item.likely_breach:
        due = f"[b yellow]{due} {MARK}[/]"
    return (
        due,
        f"[b cyan]{escape(mark)}[/]" if mark else code_label(item.priority),
        name_with_alerts(item.person_name + flag, item.alerts, PERSON_WIDTH),
        escape(reason),  # as typed, never read as markup
        code_label(item.source),
        format_nhs_number(item.nhs_number),
        escape(item.reference),
    )


class QueueScreen(DataScreen):
    """Referrals awaiting triage, and transfers in from other teams (marked ⇄). Type to
    filter; Enter opens triage, or a transfer's accept-or-return."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="queue.back"),
        Binding("enter", "triage", "Triage", id="queue.triage", priority=True),
        # While typing a filter, up and down still move through the rows.
        Binding("down", "row(1)", "Next row", id="queue.down", show=False),
        Binding("up", "row(-1)", "Previous row", id="queue.up", show=False),
        # The filter box has focus and an input takes ctrl+d (delete right) for itself;
        # the app-wide key to the dashboard comes first here (ctrl+q already does).
        Binding(
            "ctrl+d", "app.dashboard", "Dashboard", id="queue.dashboard", show=False, priority=True
        ),
        *PAGE_KEYS,
    ]
    AUTO_FOCUS = "#queue-filter"

    def __init__(
        self, *, team_ids: list[int] | None, scope_label: str, tile: str = "awaiting_triage"
    ) -> None:
        super().__init__()
        self.team_ids = team_ids
        self.scope_label = scope_label
        self.tile = tile
        self.reason_width = 0

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"{TITLES[self.tile]}: {self.scope_label}", id="queue-title")
        yield Input(placeholder="Filter by name, reason or reference", id="queue-filter")
        yield PagedList[QueueItem](
            columns=self.columns(),
            cells=queue_cells,
            key=lambda item: item.referral_id,
            cursor=queue_cursor,
            wording=Wording(
                "referral",
                "referrals",
                EMPTY[self.tile],
                "No referrals in the queue match the filter.",
            ),
            page_size=PAGE_SIZE,
            summary=lambda rows: f"first due {uk_datetime(rows[0].due_by)}",
            id="queue-list",
        )
        yield Static(id="queue-forecast")
        yield Footer()

    @property
    def paged(self) -> PagedList[QueueItem]:
        return self.query_one("#queue-list", PagedList)

    @property
    def rows(self) -> list[QueueItem]:
        """The referrals on the page shown."""
        return self.rows_of("#queue-list")

    def columns(self) -> list[tuple[str, int | None]]:
        self.reason_width = reason_width(self.app.size.width)
        return [(label, self.reason_width if label == "Reason" else w) for label, w in COLUMNS]

    def on_mount(self) -> None:
        # Due times are relative ("in 2 h"): read the page again now and then, while the
        # queue is the screen shown (coming back to it reads it again anyway).
        self.set_interval(30, self.refresh_due_times)

    def refresh_due_times(self) -> None:
        if self.is_current:
            self.paged.reload()

    def on_resize(self) -> None:
        if reason_width(self.app.size.width) != self.reason_width:
            self.paged.columns = self.columns()
            self.paged.add_columns()

    def on_screen_resume(self) -> None:
        # First shown: the first page. Back from triage: the same page, the highlight on
        # the same referral or, once triaged, on its neighbour.
        if self.paged.total is None:
            self.filter_changed()
        else:
            self.paged.reload()

    @on(Input.Changed, "#queue-filter")
    def filter_changed(self) -> None:
        team_ids, tile = self.team_ids, self.tile
        text = self.query_one("#queue-filter", Input).value
        app = self.intapp

        def page(after: Cursor | None, limit: int, count: bool) -> Page[QueueItem]:
            return app.run_plain(
                lambda db: queue_page(
                    db,
                    team_ids=team_ids,
                    tile=tile,
                    after=after,
                    limit=limit,
                    text=text,
                    count=count,
                )
            )

        self.paged.show(page, filtered=bool(text.strip()))

    @on(PagedList.Shown, "#queue-list")
    def page_shown(self, event: PagedList.Shown) -> None:
        self.explain_forecast(event.control.rows)
        text = self.query_one("#queue-filter", Input).value.strip()
        self.record_page(
            event.control,
            "queue",
            self.tile,
            [item.person_id for item in event.control.rows],
            teams=self.team_ids,
            **({"filter": text} if text else {}),
        )

    def explain_forecast(self, rows: list[QueueItem]) -> None:
        """Say what the mark beside a deadline means, and on what assumption, while the
        page shows one."""
        from intapp.services.forecast import assumption

        line = self.query_one("#queue-forecast", Static)
        marked = sum(item.likely_breach is not None for item in rows)
        line.display = marked > 0
        if marked:
            line.update(f"{MARK} {marked} on this page likely to breach, if {assumption()}.")

    def action_row(self, step: int) -> None:
        self.paged.move(step)

    @offered_to("triage")
    def action_triage(self) -> None:
        self.paged.open_highlighted()

    @on(PagedList.Opened, "#queue-list")
    def open_triage(self, event: PagedList.Opened) -> None:
        from intapp.screens.triage import TriageScreen

        item: QueueItem = event.row
        if item.is_transfer:
            self.decide_transfer(item)
            return
        self.app.push_screen(TriageScreen(referral_id=item.referral_id))

    def decide_transfer(self, item: QueueItem) -> None:
        """Accept or return a transfer in (`decide_transfer`), then read the queue again."""
        decide_transfer(self, item.referral_id, item.person_name, self.paged.reload)


def decide_transfer(
    screen: DataScreen, referral_id: int, person_name: str, decided: Callable[[], object]
) -> None:
    """Accept or return a transfer in; an accepted one goes straight on to triage, or
    (triaged already) to choosing its worker. `decided` runs once it is either."""
    from intapp.screens.transfer_dialogs import TransferDecisionDialog
    from intapp.screens.triage import TriageScreen
    from intapp.services.transfers import TransferSummary

    def done_with(done: TransferSummary | None) -> None:
        if done is None:
            return
        decided()
        if done.state == "returned":
            screen.notify(f"{done.reference} returned to {done.from_team}.", title="Returned")
        elif done.referral_status == "received":
            screen.notify(f"{done.reference} accepted; triage it now.", title="Accepted")
            screen.app.push_screen(TriageScreen(referral_id=done.referral_id))
        else:
            screen.notify(f"{done.reference} accepted.", title="Accepted")
            allocate_now(screen, done.referral_id, done.referral_version, person_name)

    screen.app.push_screen(TransferDecisionDialog(referral_id=referral_id), done_with)


def allocate_now(screen: DataScreen, referral_id: int, version: int, subject: str) -> None:
    """Open the worker choice for a referral that now needs one, best fit highlighted;
    escape leaves it awaiting allocation."""
    from intapp.screens.transfer_dialogs import AllocateNowDialog

    def allocated(result: Any) -> None:
        if result is None:
            screen.notify(f"{escape(subject)} is awaiting allocation.", title="Not allocated yet")
            return
        allocation, candidate = result
        name = candidate.load.name if candidate else "the worker"
        screen.notify(
            f"Allocated to {escape(name)} ({allocation.weight} points).", title="Allocated"
        )

    screen.app.push_screen(
        AllocateNowDialog(referral_id=referral_id, expected_version=version, subject=subject),
        allocated,
    )
