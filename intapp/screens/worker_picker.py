"""Choose one or several of a team's workers, shown with their load against limit."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Label, OptionList, SelectionList
from textual.widgets.option_list import Option

from intapp.codes import code_label
from intapp.formatting import away_text, load_bar
from intapp.screens.base import DataModal, Result
from intapp.widgets.markup import escape

if TYPE_CHECKING:
    from sqlmodel import Session

    from intapp.services.caseloads import WorkerLoad


def _label(w: WorkerLoad) -> str:
    away = f" [yellow]{away_text(w.away)}[/]" if w.away else ""
    name = escape(f"{w.name:24}")
    return f"{name} {code_label(w.profession):24} {load_bar(w.load, w.limit)}{away}"


class BoardRead(Result["list[WorkerLoad]"]):
    """The team's workers with their loads."""


class WorkerPicker(DataModal):
    """One worker (Enter) or, with `several`, a set (space to tick, Enter to confirm)."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel", id="picker.cancel"),
        Binding("enter", "confirm", "Choose", id="picker.choose", priority=True),
    ]

    def __init__(self, *, team_id: int, exclude: int, title: str, several: bool = False) -> None:
        super().__init__()
        self.team_id = team_id
        self.exclude = exclude
        self.title_text = title
        self.several = several
        self.loads: list[WorkerLoad] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog picker-dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield SelectionList[int](id="picker") if self.several else OptionList(id="picker")

    def on_mount(self) -> None:
        team_id = self.team_id

        def board(session: Session) -> Any:
            from intapp.services.caseloads import team_board

            return team_board(session=session, team_id=team_id)

        self.read(BoardRead, board)

    @on(BoardRead)
    def show_workers(self, message: BoardRead) -> None:
        loads = message.value
        # Most headroom first; anyone away today after everyone who is not.
        self.loads = sorted(
            (w for w in loads if w.worker_id != self.exclude),
            key=lambda w: (w.away is not None, -w.headroom),
        )
        picker = self.query_one("#picker")
        if isinstance(picker, SelectionList):
            picker.add_options([(_label(w), w.worker_id) for w in self.loads])
        elif isinstance(picker, OptionList):
            picker.add_options([Option(_label(w)) for w in self.loads])
        if self.loads:
            picker.highlighted = 0  # type: ignore[attr-defined]
        picker.focus()

    def action_confirm(self) -> None:
        picker = self.query_one("#picker")
        if isinstance(picker, SelectionList):
            if picker.selected:
                self.dismiss(list(picker.selected))
            else:
                self.notify("Tick at least one worker with space.")
        elif isinstance(picker, OptionList) and picker.highlighted is not None and self.loads:
            self.dismiss([self.loads[picker.highlighted].worker_id])
