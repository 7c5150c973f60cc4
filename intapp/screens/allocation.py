"""Allocate triaged referrals to key workers, best fit first, within caseload limits."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Header, Input, Label, Static

from intapp import clock
from intapp.codes import code_label
from intapp.config import load_settings
from intapp.formatting import due_text, load_bar
from intapp.screens.base import DataScreen
from intapp.services.bounds import weight_message, weight_range
from intapp.widgets.footer import Footer

if TYPE_CHECKING:
    from sqlmodel import Session

    from intapp.services.allocations import AllocationSummary
    from intapp.services.caseloads import AwaitingAllocation, Candidate

PAGE_SIZE = 30


class AllocationScreen(DataScreen):
    """Pick a referral, then a worker; going over a limit asks for a reason."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="allocation.back"),
        Binding("enter", "choose", "Choose", id="allocation.choose", priority=True),
        Binding("w", "focus_weight", "Weight", id="allocation.weight"),
        Binding("pagedown", "next_page", "Next page", id="allocation.next", priority=True),
        Binding(
            "pageup", "previous_page", "Previous page", id="allocation.previous", priority=True
        ),
    ]

    def __init__(self, *, team_ids: list[int] | None, scope_label: str) -> None:
        super().__init__()
        self.team_ids = team_ids
        self.scope_label = scope_label
        self.referrals: list[AwaitingAllocation] = []
        self.candidates: list[Candidate] = []
        self.page_starts: list[Any] = [None]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"Awaiting allocation: {self.scope_label}", classes="list-title")
        yield DataTable(id="allocation-referrals", cursor_type="row", zebra_stripes=True)
        with Horizontal(id="allocation-weight-row"):
            yield Static("Workers for this referral, best fit first", id="fit-title")
            low, high = weight_range()
            yield Label(f"Case weight ({low}–{high})")
            yield Input(
                str(load_settings().default_case_weight),
                id="allocation-weight",
                type="integer",
                max_length=len(str(high)),
            )
        yield DataTable(id="allocation-workers", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        referrals = self.query_one("#allocation-referrals", DataTable)
        referrals.add_columns("Due", "Person", "Pathway", "Priority", "Ref")
        workers = self.query_one("#allocation-workers", DataTable)
        workers.add_columns("Worker", "Profession", "Load", "Headroom", "Fit")
        referrals.focus()
        self.load_referrals()

    def reload(self) -> None:
        """Read the list again (after someone else's change)."""
        self.load_referrals()

    def load_referrals(self) -> None:
        team_ids, after = self.team_ids, self.page_starts[-1]

        def page(session: Session) -> Any:
            from intapp.services.caseloads import awaiting_allocation

            return awaiting_allocation(
                session=session, team_ids=team_ids, after=after, limit=PAGE_SIZE
            )

        self.fetch("referrals", page)

    def loaded_referrals(self, rows: list[AwaitingAllocation]) -> None:
        if not rows and len(self.page_starts) > 1:
            self.page_starts.pop()
            return
        self.referrals = rows
        table = self.query_one("#allocation-referrals", DataTable)
        table.clear()
        now = clock.now()
        for r in rows:
            table.add_row(
                due_text(r.due_by, now),
                r.person_name,
                code_label(r.pathway),
                code_label(r.priority),
                r.reference,
                key=str(r.referral_id),
            )
        if rows:
            self.load_candidates(rows[0])
        else:
            self.query_one("#allocation-workers", DataTable).clear()

    @on(DataTable.RowHighlighted, "#allocation-referrals")
    def referral_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if 0 <= event.cursor_row < len(self.referrals):
            self.load_candidates(self.referrals[event.cursor_row])

    def load_candidates(self, referral: AwaitingAllocation) -> None:
        referral_id = referral.referral_id

        def candidates(session: Session) -> Any:
            from intapp.services.caseloads import allocation_candidates

            return allocation_candidates(session=session, referral_id=referral_id)

        self.fetch("candidates", candidates)

    def loaded_candidates(self, candidates: list[Candidate]) -> None:
        self.candidates = candidates
        table = self.query_one("#allocation-workers", DataTable)
        table.clear()
        for c in candidates:
            load = c.load
            fit = ", ".join(
                label
                for label, yes in (
                    ("knows person", c.knows_person),
                    ("profession", c.profession_fits),
                )
                if yes
            )
            bar = load_bar(load.load, load.limit)
            table.add_row(
                load.name,
                code_label(load.profession),
                f"[red]{bar}[/]" if load.over_limit else bar,
                str(load.headroom),
                fit,
                key=str(load.worker_id),
            )

    def action_focus_weight(self) -> None:
        self.query_one("#allocation-weight", Input).focus()

    def action_choose(self) -> None:
        focused = self.focused
        if isinstance(focused, Input):
            self.query_one("#allocation-workers", DataTable).focus()
        elif focused is self.query_one("#allocation-referrals", DataTable):
            if self.referrals:
                self.query_one("#allocation-workers", DataTable).focus()
        elif focused is self.query_one("#allocation-workers", DataTable) and self.candidates:
            self.allocate(over_limit_reason=None)

    def _weight(self) -> int | None:
        text = self.query_one("#allocation-weight", Input).value.strip()
        low, high = weight_range()
        if not text.isdigit() or not low <= int(text) <= high:
            self.notify(f"{weight_message()}.", severity="warning")
            self.query_one("#allocation-weight", Input).focus()
            return None
        return int(text)

    def allocate(self, *, over_limit_reason: str | None) -> None:
        weight = self._weight()
        if weight is None:
            return
        referral = self.referrals[self.query_one("#allocation-referrals", DataTable).cursor_row]
        worker = self.candidates[self.query_one("#allocation-workers", DataTable).cursor_row]
        user = self.intapp.user

        def allocate(session: Session) -> Any:
            from intapp.services.allocations import allocate

            return allocate(
                session=session,
                user=user,
                referral_id=referral.referral_id,
                worker_id=worker.load.worker_id,
                weight=weight,
                over_limit_reason=over_limit_reason,
                expected_version=referral.version,
            )

        self.save("allocated", allocate)

    def loaded_allocated(self, allocation: AllocationSummary) -> None:
        worker = next(
            (c.load.name for c in self.candidates if c.load.worker_id == allocation.worker_id),
            "the worker",
        )
        self.notify(f"Allocated to {worker} ({allocation.weight} points).", title="Allocated")
        # A weight is set for one case: the next starts from the usual weight again.
        self.query_one("#allocation-weight", Input).value = str(load_settings().default_case_weight)
        self.query_one("#allocation-referrals", DataTable).focus()
        self.load_referrals()

    def failed_allocated(self, error: Exception) -> bool:
        from intapp.services.errors import OverCaseloadLimit

        if not isinstance(error, OverCaseloadLimit):
            return False
        from intapp.widgets.dialogs import ReasonScreen

        def answered(reason: str | None) -> None:
            if reason:
                self.allocate(over_limit_reason=reason)

        self.app.push_screen(
            ReasonScreen(
                f"{error.message}\n\nWhy should they take it anyway?",
                placeholder="Over-limit reason (recorded)",
            ),
            answered,
        )
        return True

    def action_next_page(self) -> None:
        if len(self.referrals) == PAGE_SIZE:
            last = self.referrals[-1]
            self.page_starts.append((last.due_by, last.referral_id))
            self.load_referrals()

    def action_previous_page(self) -> None:
        if len(self.page_starts) > 1:
            self.page_starts.pop()
            self.load_referrals()
