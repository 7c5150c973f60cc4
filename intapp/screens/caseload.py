"""One worker's caseload: their open cases, a page at a time."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Header, Static

from intapp.codes import code_label
from intapp.formatting import load_bar, uk_date
from intapp.screens.base import DataScreen
from intapp.widgets.footer import Footer

if TYPE_CHECKING:
    from sqlmodel import Session

    from intapp.services.caseloads import CaseloadRow, WorkerLoad

PAGE_SIZE = 40


class CaseloadScreen(DataScreen):
    """A worker's open cases, oldest first."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="caseload.back"),
        Binding("pagedown", "next_page", "Next page", id="caseload.next", priority=True),
        Binding("pageup", "previous_page", "Previous page", id="caseload.previous", priority=True),
        Binding("m", "move_case", "Reallocate", id="caseload.move"),
        Binding("ctrl+b", "reassign_all", "Reassign all", id="caseload.reassign_all"),
    ]

    def __init__(self, *, worker: WorkerLoad) -> None:
        super().__init__()
        self.worker = worker
        self.rows: list[CaseloadRow] = []
        self.page_starts: list[Any] = [None]
        # Re-runs the last move with an over-limit reason, if the first try was refused.
        self._pending: Any = None

    def compose(self) -> ComposeResult:
        w = self.worker
        yield Header()
        yield Static(
            f"{w.name} · {code_label(w.profession)} · {load_bar(w.load, w.limit)} points",
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
            from intapp.services.caseloads import worker_caseload

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
                code_label(r.pathway),
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

    def reload(self) -> None:
        """Read the page again (after a move, or someone else's change)."""
        self.page_starts = [None]
        self.load_page()

    def action_move_case(self) -> None:
        if not self.rows:
            return
        case = self.rows[self.query_one(DataTable).cursor_row]
        self._choose_then(
            f"Move {case.person_name}'s case to…",
            several=False,
            change=lambda targets, reason, over: self._reallocate(case, targets[0], reason, over),
        )

    def action_reassign_all(self) -> None:
        self._choose_then(
            f"Share all of {self.worker.name}'s cases among… (space to tick, enter when done)",
            several=True,
            change=self._reassign_all,
        )

    def _choose_then(self, title: str, *, several: bool, change: Any) -> None:
        """Pick workers, ask why, then save; an over-limit refusal asks for that reason too."""
        from intapp.screens.worker_picker import WorkerPicker
        from intapp.widgets.dialogs import ReasonScreen

        def picked(targets: list[int] | None) -> None:
            if targets:
                self.app.push_screen(
                    ReasonScreen("Why is the case moving? (recorded)"),
                    lambda reason: reason and change(targets, reason, None),
                )

        self.app.push_screen(
            WorkerPicker(
                team_id=self.worker.team_id,
                exclude=self.worker.worker_id,
                title=title,
                several=several,
            ),
            picked,
        )

    def _reallocate(self, case: CaseloadRow, target: int, reason: str, over: str | None) -> None:
        user = self.intapp.user
        self._pending = lambda over_reason: self._reallocate(case, target, reason, over_reason)

        def move(session: Session) -> Any:
            from intapp.services.allocations import reallocate

            return reallocate(
                session=session,
                user=user,
                referral_id=case.referral_id,
                to_worker_id=target,
                reason=reason,
                over_limit_reason=over,
                allocation_id=case.allocation_id,
                expected_version=case.version,
            )

        self.save("moved", move)

    def _reassign_all(self, targets: list[int], reason: str, over: str | None) -> None:
        user, from_worker = self.intapp.user, self.worker.worker_id
        self._pending = lambda over_reason: self._reassign_all(targets, reason, over_reason)

        def move_all(session: Session) -> Any:
            from intapp.services.allocations import bulk_reassign

            return bulk_reassign(
                session=session,
                user=user,
                from_worker_id=from_worker,
                to_worker_ids=targets,
                reason=reason,
                over_limit_reason=over,
            )

        self.save("moved", move_all)

    def loaded_moved(self, result: Any) -> None:
        moved = len(result) if isinstance(result, list) else 1
        self.notify(f"{moved} case(s) moved.", title="Reallocated")
        self.reload()

    def failed_moved(self, error: Exception) -> bool:
        from intapp.services.errors import OverCaseloadLimit

        if not isinstance(error, OverCaseloadLimit):
            return False
        from intapp.widgets.dialogs import ReasonScreen

        retry = self._pending
        self.app.push_screen(
            ReasonScreen(f"{error.message}\n\nWhy should they take it anyway?"),
            lambda reason: reason and retry(reason),
        )
        return True
