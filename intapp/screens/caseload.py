"""One worker's caseload: their open cases, a page at a time."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Header, Static

from intapp.codes import code_label
from intapp.formatting import load_bar, local_date, uk_date
from intapp.screens.base import DataScreen, Result, WorkFailed
from intapp.widgets.footer import Footer
from intapp.widgets.paged_list import PAGE_KEYS, PagedList, Wording

if TYPE_CHECKING:
    from sqlmodel import Session

    from intapp.services.case_closure import ClosedCase
    from intapp.services.caseloads import CaseloadRow, WorkerLoad
    from intapp.store.paging import Cursor, Page

PAGE_SIZE = 40


class Moved(Result[Any]):
    """One case moved (an `AllocationSummary`) or all of them (a list)."""


class Closed(Result["ClosedCase"]):
    """The highlighted case closed."""


class Reloaded(Result["WorkerLoad"]):
    """The worker's load, read again after a change."""


def caseload_cells(r: CaseloadRow) -> tuple[str, ...]:
    return (
        uk_date(r.started_at),
        r.person_name,
        code_label(r.pathway),
        str(r.weight),
        r.reference,
    )


def worker_title(w: WorkerLoad) -> str:
    """The header: who the worker is and their load against their limit."""
    return f"{w.name} · {code_label(w.profession)} · {load_bar(w.load, w.limit)} points"


class CaseloadScreen(DataScreen):
    """A worker's open cases, oldest first; Enter opens the person's record."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="caseload.back"),
        Binding("enter", "open_person", "Person", id="caseload.person", priority=True),
        Binding("m", "move_case", "Reallocate", id="caseload.move"),
        Binding("c", "close_case", "Close case", id="caseload.close"),
        Binding("ctrl+b", "reassign_all", "Reassign all", id="caseload.reassign_all"),
        *PAGE_KEYS,
    ]

    def __init__(self, *, worker: WorkerLoad) -> None:
        super().__init__()
        self.worker = worker
        # Re-runs the last move with an over-limit reason, if the first try was refused.
        self._pending: Any = None

    def compose(self) -> ComposeResult:
        from intapp.services.caseloads import caseload_cursor

        yield Header()
        yield Static(worker_title(self.worker), id="caseload-title", classes="list-title")
        yield PagedList(
            columns=[(label, None) for label in ("Since", "Person", "Pathway", "Weight", "Ref")],
            cells=caseload_cells,
            key=lambda r: r.allocation_id,
            cursor=caseload_cursor,
            wording=Wording("open case", "open cases", f"{self.worker.name} holds no open cases."),
            page_size=PAGE_SIZE,
            id="caseload-list",
        )
        yield Footer()

    @property
    def paged(self) -> PagedList[CaseloadRow]:
        return self.query_one("#caseload-list", PagedList)

    @property
    def rows(self) -> list[CaseloadRow]:
        """The cases on the page shown."""
        return self.rows_of("#caseload-list")

    def on_mount(self) -> None:
        self.paged.focus()
        worker_id, app = self.worker.worker_id, self.intapp

        def page(after: Cursor | None, limit: int, count: bool) -> Page[CaseloadRow]:
            from intapp.services.caseloads import caseload_page

            return app.run_in_session(
                lambda session: caseload_page(
                    session=session, worker_id=worker_id, after=after, limit=limit, count=count
                ),
                write=False,
            )

        self.paged.show(page)

    def reload(self) -> None:
        """Read the page and the worker's load again (after a move, or someone else's
        change), the highlight on the same case or its neighbour."""
        self.paged.reload()
        worker_id = self.worker.worker_id

        def load(session: Session) -> WorkerLoad:
            from intapp.services.caseloads import worker_load

            return worker_load(session=session, worker_id=worker_id)

        self.read(Reloaded, load)

    @on(Reloaded)
    def show_load(self, message: Reloaded) -> None:
        self.worker = message.value
        self.query_one("#caseload-title", Static).update(worker_title(self.worker))

    def action_open_person(self) -> None:
        self.paged.open_highlighted()

    @on(PagedList.Opened, "#caseload-list")
    def open_person(self, event: PagedList.Opened) -> None:
        from intapp.screens.person import PersonScreen

        self.app.push_screen(PersonScreen(person_id=event.row.person_id))

    def action_move_case(self) -> None:
        case = self.paged.highlighted
        if case is None:
            return
        self._choose_then(
            f"Move {case.person_name}'s case to…",
            several=False,
            change=lambda targets, reason, over: self._reallocate(case, targets[0], reason, over),
        )

    def action_close_case(self) -> None:
        """Close the highlighted case: outcome, reason and end date."""
        from intapp.screens.case_dialogs import CloseCaseDialog

        case = self.paged.highlighted
        if case is None:
            return
        user = self.intapp.user

        def answered(values: dict[str, Any] | None) -> None:
            if values is None:
                return

            def close(session: Session) -> ClosedCase:
                from intapp.services.case_closure import close_case

                return close_case(
                    session=session, user=user, expected_version=case.referral_version, **values
                )

            self.write(Closed, close)

        self.app.push_screen(
            CloseCaseDialog(
                [(case.reference, case.referral_id, local_date(case.started_at))],
                subject=f"{case.person_name} · {case.reference}",
            ),
            answered,
        )

    @on(Closed)
    def closed(self, message: Closed) -> None:
        closed = message.value
        plan = " Their care plan is closed." if closed.plan_closed else ""
        self.notify(f"Case {closed.referral.reference} closed.{plan}", title="Closed")
        self.reload()

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

        self.write(Moved, move)

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

        self.write(Moved, move_all)

    @on(Moved)
    def moved(self, message: Moved) -> None:
        result = message.value
        moved = len(result) if isinstance(result, list) else 1
        self.notify(f"{moved} case(s) moved.", title="Reallocated")
        self.reload()

    @on(WorkFailed)
    def move_refused(self, message: WorkFailed) -> None:
        from intapp.services.errors import OverCaseloadLimit

        error = message.error
        if message.result is not Moved or not isinstance(error, OverCaseloadLimit):
            return  # reported as usual
        message.prevent_default()
        from intapp.widgets.dialogs import ReasonScreen

        retry = self._pending
        self.app.push_screen(
            ReasonScreen(f"{error.message}\n\nWhy should they take it anyway?"),
            lambda reason: reason and retry(reason),
        )
