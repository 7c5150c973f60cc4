"""Allocate triaged referrals to key workers, best fit first, within caseload limits."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Header, Input, Label, Static

from intapp import clock
from intapp.codes import code_label
from intapp.config import load_settings
from intapp.formatting import away_text, due_text, load_bar
from intapp.screens.base import DataScreen, Result, WorkFailed, offered_to
from intapp.services.bounds import weight_message, weight_range
from intapp.store.paging import Page
from intapp.widgets.alert_marks import name_with_alerts
from intapp.widgets.footer import Footer
from intapp.widgets.markup import escape
from intapp.widgets.paged_list import PAGE_KEYS, PagedList, Wording

if TYPE_CHECKING:
    from sqlmodel import Session

    from intapp.services.allocations import AllocationSummary  # noqa: F401 (in a string)
    from intapp.services.caseloads import AwaitingAllocation, Candidate
    from intapp.store.paging import Cursor

PAGE_SIZE = 30


class Allocated(Result["AllocationSummary"]):
    """A referral was allocated to a worker."""


def referral_cells(r: AwaitingAllocation) -> tuple[str, ...]:
    return (
        due_text(r.due_by, clock.now()),
        name_with_alerts(r.person_name, r.alerts),
        code_label(r.pathway),
        code_label(r.priority),
        escape(r.reference),
    )


def candidate_cells(row: tuple[int, Candidate]) -> tuple[str, ...]:
    c = row[1]
    load = c.load
    fit = ", ".join(
        label
        for label, yes in (("knows person", c.knows_person), ("profession", c.profession_fits))
        if yes
    )
    bar = load_bar(load.load, load.limit)
    return (
        escape(load.name),
        code_label(load.profession),
        f"[red]{bar}[/]" if load.over_limit else bar,
        str(load.headroom),
        f"[yellow]{away_text(load.away)}[/]" if load.away else fit,
    )


class AllocationScreen(DataScreen):
    """Pick a referral, then a worker; going over a limit asks for a reason."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="allocation.back"),
        Binding("enter", "choose", "Choose", id="allocation.choose", priority=True),
        Binding("w", "focus_weight", "Weight", id="allocation.weight"),
        *PAGE_KEYS,
    ]

    def __init__(self, *, team_ids: list[int] | None, scope_label: str) -> None:
        super().__init__()
        self.team_ids = team_ids
        self.scope_label = scope_label
        # The referral whose candidates are shown (or being read).
        self.candidates_for: int | None = None

    def compose(self) -> ComposeResult:
        from intapp.services.caseloads import allocation_cursor

        yield Header()
        yield Static(f"Awaiting allocation: {self.scope_label}", classes="list-title")
        yield PagedList(
            columns=[(label, None) for label in ("Due", "Person", "Pathway", "Priority", "Ref")],
            cells=referral_cells,
            key=lambda r: r.referral_id,
            cursor=allocation_cursor,
            wording=Wording("referral", "referrals", "Nothing is waiting for a worker."),
            page_size=PAGE_SIZE,
            id="allocation-referrals",
        )
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
        yield PagedList(
            columns=[
                (label, None) for label in ("Worker", "Profession", "Load", "Headroom", "Fit")
            ],
            cells=candidate_cells,
            key=lambda row: row[1].load.worker_id,
            cursor=lambda row: (row[0],),
            wording=Wording("worker", "workers", "Choose a referral to see its workers."),
            page_size=PAGE_SIZE,
            id="allocation-workers",
        )
        yield Footer()

    @property
    def referral_list(self) -> PagedList[AwaitingAllocation]:
        return self.query_one("#allocation-referrals", PagedList)

    @property
    def worker_list(self) -> PagedList[tuple[int, Candidate]]:
        return self.query_one("#allocation-workers", PagedList)

    @property
    def referrals(self) -> list[AwaitingAllocation]:
        """The referrals on the page shown."""
        return self.rows_of("#allocation-referrals")

    @property
    def candidates(self) -> list[Candidate]:
        """The workers shown for the highlighted referral, best fit first."""
        return [c for _, c in self.rows_of("#allocation-workers")]

    def on_mount(self) -> None:
        self.referral_list.focus()
        team_ids, app = self.team_ids, self.intapp

        def page(after: Cursor | None, limit: int, count: bool) -> Page[AwaitingAllocation]:
            from intapp.services.caseloads import allocation_page

            return app.run_plain(
                lambda db: allocation_page(
                    db, team_ids=team_ids, after=after, limit=limit, count=count
                )
            )

        self.referral_list.show(page)

    def reload(self) -> None:
        """Read the list again (after someone else's change), the highlight staying on
        the same referral or its neighbour."""
        self.referral_list.reload()

    @on(PagedList.Shown, "#allocation-referrals")
    def page_shown(self, event: PagedList.Shown) -> None:
        people = [row.person_id for row in event.control.rows]
        self.record_page(event.control, "allocation_list", "awaiting", people, teams=self.team_ids)

    @on(PagedList.Highlighted, "#allocation-referrals")
    def referral_highlighted(self, event: PagedList.Highlighted) -> None:
        referral = event.row
        if referral is None:
            self.candidates_for = None
            self.worker_list.show(lambda after, limit, count: Page([], 0))
        elif referral.referral_id != self.candidates_for:
            self.load_candidates(referral)

    def load_candidates(self, referral: AwaitingAllocation) -> None:
        referral_id, app = referral.referral_id, self.intapp
        self.candidates_for = referral_id

        def page(after: Cursor | None, limit: int, count: bool) -> Page[tuple[int, Candidate]]:
            from intapp.services.caseloads import candidates_page

            return app.run_in_session(
                lambda session: candidates_page(
                    session=session, referral_id=referral_id, after=after, limit=limit
                ),
                write=False,
            )

        self.worker_list.show(page)

    def action_focus_weight(self) -> None:
        self.query_one("#allocation-weight", Input).focus()

    @offered_to("allocate")
    def action_choose(self) -> None:
        focused = self.focused
        if isinstance(focused, Input):
            self.worker_list.focus()
        elif focused is self.referral_list.table:
            self.referral_list.open_highlighted()
        elif focused is self.worker_list.table:
            self.worker_list.open_highlighted()

    @on(PagedList.Opened, "#allocation-referrals")
    def referral_chosen(self) -> None:
        self.worker_list.focus()

    @on(PagedList.Opened, "#allocation-workers")
    def worker_chosen(self) -> None:
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
        referral = self.referral_list.highlighted
        chosen = self.worker_list.highlighted
        if referral is None or chosen is None or referral.referral_id != self.candidates_for:
            return
        worker, user = chosen[1], self.intapp.user

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

        self.write(Allocated, allocate)

    @on(Allocated)
    def allocated(self, message: Allocated) -> None:
        allocation = message.value
        worker = next(
            (c.load.name for c in self.candidates if c.load.worker_id == allocation.worker_id),
            "the worker",
        )
        self.notify(
            f"Allocated to {escape(worker)} ({allocation.weight} points).", title="Allocated"
        )
        # A weight is set for one case: the next starts from the usual weight again.
        self.query_one("#allocation-weight", Input).value = str(load_settings().default_case_weight)
        self.referral_list.focus()
        # The referral has left the list: the highlight goes to its neighbour, whose
        # workers are read afresh (loads have changed too).
        self.candidates_for = None
        self.reload()

    @on(WorkFailed)
    def allocation_refused(self, message: WorkFailed) -> None:
        from intapp.services.errors import OverCaseloadLimit

        error = message.error
        if message.result is not Allocated or not isinstance(error, OverCaseloadLimit):
            return  # reported as usual
        message.prevent_default()
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
