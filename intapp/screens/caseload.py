"""One worker's caseload: their open cases, a page at a time."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Header, Static

from intapp.codes import code_label
from intapp.formatting import away_text, load_bar, local_date, uk_date
from intapp.screens.base import DataScreen, Result, WorkFailed, offered_to
from intapp.widgets.alert_marks import name_with_alerts
from intapp.widgets.footer import Footer
from intapp.widgets.markup import escape
from intapp.widgets.paged_list import PAGE_KEYS, PagedList, Wording

if TYPE_CHECKING:
    from sqlmodel import Session

    from intapp.services.absences import WorkerStatus  # noqa: F401 (in a string)
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


class AbsenceRecorded(Result[Any]):
    """The worker's absence was recorded."""


class CameBack(Result["WorkerStatus"]):
    """The worker was marked back; how many of their cases others hold."""


class Left(Result[Any]):
    """The worker was recorded as having left."""


def caseload_cells(r: CaseloadRow) -> tuple[str, ...]:
    mark = r.transfer.text if r.transfer is not None else ""
    if r.transfer is not None and r.transfer.return_reason and mark:
        mark = f"{mark}: {r.transfer.return_reason}"
    cover = f" (cover for {r.covering_for})" if r.covering_for else ""
    return (
        uk_date(r.started_at),
        name_with_alerts(r.person_name, r.alerts) + escape(cover),
        f"[b cyan]{escape(_sent(r) or mark)}[/]" if (mark or _sent(r)) else code_label(r.pathway),
        str(r.weight),
        escape(r.reference),
    )


def _sent(r: CaseloadRow) -> str:
    """A case sent on and not yet accepted: still this worker's."""
    if r.transfer is not None and r.transfer.state == "pending":
        return f"⇄ to {r.transfer.to_team}, awaiting accept"
    return ""


def worker_title(w: WorkerLoad) -> str:
    """The header: who the worker is, their load against their limit, and if away."""
    away = f" · [yellow]{away_text(w.away)}[/]" if w.away else ""
    load = load_bar(w.load, w.limit)
    return f"{escape(w.name)} · {code_label(w.profession)} · {load} points{away}"


class CaseloadScreen(DataScreen):
    """A worker's open cases, oldest first; Enter opens the person's record."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="caseload.back"),
        Binding("enter", "open_person", "Person", id="caseload.person", priority=True),
        Binding("m", "move_case", "Reallocate", id="caseload.move"),
        Binding("c", "close_case", "Close case", id="caseload.close"),
        Binding("ctrl+b", "reassign_all", "Reassign all", id="caseload.reassign_all"),
        Binding("t", "transfer", "Transfer", id="caseload.transfer"),
        Binding("w", "away", "Away…", id="caseload.away"),
        Binding("b", "back", "Back at work", id="caseload.back_at_work"),
        Binding("x", "leaves", "Left…", id="caseload.leaves"),
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
            wording=Wording(
                "open case", "open cases", f"{escape(self.worker.name)} holds no open cases."
            ),
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

    @on(PagedList.Shown, "#caseload-list")
    def page_shown(self, event: PagedList.Shown) -> None:
        worker_id = self.worker.worker_id
        people = [row.person_id for row in event.control.rows]
        self.record_page(event.control, "caseload", worker_id, people, worker=worker_id)

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

    @offered_to("reallocate")
    def action_move_case(self) -> None:
        case = self.paged.highlighted
        if case is None:
            return
        self._choose_then(
            f"Move {case.person_name}'s case to…",
            several=False,
            change=lambda targets, reason, over: self._reallocate(case, targets[0], reason, over),
        )

    @offered_to("close_case")
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

    @offered_to("bulk_reassign")
    def action_reassign_all(self) -> None:
        if self.worker.away is None:
            self._share_out(while_away=False)
            return
        from intapp.screens.absence_dialogs import ShareOutChoice

        def answered(while_away: bool | None) -> None:
            if while_away is not None:
                self._share_out(while_away=while_away)

        self.app.push_screen(
            ShareOutChoice(
                f"{escape(self.worker.name)} is {away_text(self.worker.away)}. Share the "
                "cases while they are away (they go back when the worker returns), or for good?"
            ),
            answered,
        )

    def _share_out(self, *, while_away: bool) -> None:
        how = "while they are away" if while_away else "for good"
        self._choose_then(
            f"Share all of {escape(self.worker.name)}'s cases, {how}, among… "
            "(space to tick, enter when done)",
            several=True,
            change=lambda targets, reason, over: self._reassign_all(
                targets, reason, over, while_away=while_away
            ),
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

    def _reassign_all(
        self, targets: list[int], reason: str, over: str | None, *, while_away: bool = False
    ) -> None:
        user, from_worker = self.intapp.user, self.worker.worker_id
        self._pending = lambda over_reason: self._reassign_all(
            targets, reason, over_reason, while_away=while_away
        )

        def move_all(session: Session) -> Any:
            from intapp.services.allocations import bulk_reassign

            return bulk_reassign(
                session=session,
                user=user,
                from_worker_id=from_worker,
                to_worker_ids=targets,
                reason=reason,
                over_limit_reason=over,
                while_away=while_away,
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

    @offered_to("transfer")
    def action_transfer(self) -> None:
        """Send the highlighted case to another team; it stays here until accepted."""
        from intapp.screens.transfer_dialogs import TransferDialog

        case = self.paged.highlighted
        if case is None:
            return

        def sent(done: Any) -> None:
            if done is not None:
                self.notify(
                    f"{done.reference} sent to {done.to_team}; it stays with "
                    f"{escape(self.worker.name)} until accepted.",
                    title="Transfer sent",
                )
                self.reload()

        self.app.push_screen(
            TransferDialog(
                referral_id=case.referral_id,
                team_id=case.referral_team_id,
                expected_version=case.referral_version,
                subject=f"{case.person_name} · {case.reference}",
            ),
            sent,
        )

    @offered_to("absence")
    def action_away(self) -> None:
        """Record the worker away; offer to share their cases out while they are."""
        from intapp.screens.absence_dialogs import AbsenceDialog

        user, worker_id = self.intapp.user, self.worker.worker_id

        def answered(values: dict[str, Any] | None) -> None:
            if values is None:
                return

            def record(session: Session) -> Any:
                from intapp.services.absences import record_absence

                return record_absence(session=session, user=user, worker_id=worker_id, **values)

            self.write(AbsenceRecorded, record)

        self.app.push_screen(AbsenceDialog(subject=self.worker.name), answered)

    @on(AbsenceRecorded)
    def absence_recorded(self, message: AbsenceRecorded) -> None:
        from intapp.widgets.dialogs import ConfirmScreen

        absence = message.value
        until = f"until {uk_date(absence.ends_on)}" if absence.ends_on else "no return date"
        self.notify(
            f"{escape(self.worker.name)}: {code_label(absence.kind)}, {until}.", title="Away"
        )
        self.reload()
        if self.worker.open_cases:

            def answered(share: bool | None) -> None:
                if share:
                    self._share_out(while_away=True)

            self.app.push_screen(
                ConfirmScreen(
                    f"{escape(self.worker.name)} holds {self.worker.open_cases} open case(s). "
                    "Share them out while they are away (they go back when the worker returns)?",
                    yes="Share out",
                    no="Not now",
                ),
                answered,
            )

    @offered_to("absence")
    def action_back(self) -> None:
        user, worker_id = self.intapp.user, self.worker.worker_id

        def back(session: Session) -> Any:
            from intapp.services.absences import come_back

            return come_back(session=session, user=user, worker_id=worker_id)

        self.write(CameBack, back)

    @on(CameBack)
    def came_back(self, message: CameBack) -> None:
        from intapp.widgets.dialogs import ConfirmScreen

        status = message.value
        self.notify(f"{escape(status.name)} is back.", title="Back at work")
        self.reload()
        if not status.covered_cases:
            return
        user, worker_id = self.intapp.user, self.worker.worker_id

        def answered(give_back: bool | None) -> None:
            if not give_back:
                return

            def return_cases(session: Session) -> Any:
                from intapp.services.allocations import return_covered_cases

                return return_covered_cases(session=session, user=user, worker_id=worker_id)

            self.write(Moved, return_cases)

        self.app.push_screen(
            ConfirmScreen(
                f"Others hold {status.covered_cases} of {escape(status.name)}'s cases from "
                "while they were away. Return them now?",
                yes="Return cases",
                no="Not now",
            ),
            answered,
        )

    @offered_to("leaver")
    def action_leaves(self) -> None:
        """Record a leaver; one still holding cases is offered the reassignment first."""
        from intapp.screens.absence_dialogs import LeavingDialog
        from intapp.widgets.dialogs import ConfirmScreen

        if self.worker.open_cases:

            def reassign(yes: bool | None) -> None:
                if yes:
                    self._share_out(while_away=False)

            self.app.push_screen(
                ConfirmScreen(
                    f"{escape(self.worker.name)} still holds {self.worker.open_cases} open "
                    "case(s): nobody's case may be left with a leaver. Reassign them all first?",
                    yes="Reassign all",
                    no="Cancel",
                ),
                reassign,
            )
            return
        user, worker_id = self.intapp.user, self.worker.worker_id

        def answered(values: dict[str, Any] | None) -> None:
            if values is None:
                return

            def leave(session: Session) -> Any:
                from intapp.services.absences import worker_leaves

                return worker_leaves(session=session, user=user, worker_id=worker_id, **values)

            self.write(Left, leave)

        self.app.push_screen(LeavingDialog(subject=self.worker.name), answered)

    @on(Left)
    def left(self, message: Left) -> None:
        from intapp.services.absences import left_cover

        self.notify(
            f"{escape(self.worker.name)} has left and is now inactive.{left_cover(message.value)}",
            title="Leaver",
        )
        self.app.pop_screen()
