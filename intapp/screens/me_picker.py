"""Who is using the app: choose yourself among the active workers, or skip for now.

The answer is written to the config file as ``[settings] me = "STAFF-ID"`` (see
`config.write_setting`), so the work tray knows whose it is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from intapp.codes import code_label
from intapp.screens.base import DataModal, Result
from intapp.widgets.markup import escape

if TYPE_CHECKING:
    from intapp.services.work_tray import Colleague
    from intapp.store.plain_sql import PlainSQL


class ColleaguesRead(Result["list[Colleague]"]):
    """Every active worker."""


class MePicker(DataModal):
    """Choose yourself (Enter) or skip for now (escape); type to narrow the list."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Skip for now", id="me.skip"),
        Binding("enter", "choose", "This is me", id="me.choose", priority=True),
        Binding("down", "move(1)", "Next", show=False, id="me.down"),
        Binding("up", "move(-1)", "Previous", show=False, id="me.up"),
    ]
    AUTO_FOCUS = "#me-filter"

    def __init__(self) -> None:
        super().__init__()
        self.everyone: list[Colleague] = []
        self.shown: list[Colleague] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog picker-dialog me-dialog"):
            yield Label("Who are you?", classes="dialog-title")
            yield Static(
                "Your work tray (f2) lists what you owe. Choose yourself: Enter. "
                "Not now: escape (you will be asked again next time).",
                classes="dialog-hint",
            )
            yield Input(placeholder="Type your name, staff id or team", id="me-filter")
            yield OptionList(id="picker")

    def on_mount(self) -> None:
        def read(db: PlainSQL) -> list[Colleague]:
            from intapp.services.work_tray import colleagues

            return colleagues(db)

        self.read_plain(ColleaguesRead, read)

    @on(ColleaguesRead)
    def show_colleagues(self, message: ColleaguesRead) -> None:
        self.everyone = message.value
        self.narrow()

    @on(Input.Changed, "#me-filter")
    def narrow(self) -> None:
        words = self.query_one("#me-filter", Input).value.casefold().split()
        self.shown = [
            c
            for c in self.everyone
            if all(w in f"{c.name} {c.staff_id} {c.team}".casefold() for w in words)
        ]
        picker = self.query_one("#picker", OptionList)
        picker.clear_options()
        picker.add_options(
            Option(
                f"{escape(c.name):28} {escape(c.staff_id):10} "
                f"{code_label(c.profession):24} {escape(c.team)}"
            )
            for c in self.shown[:500]
        )
        if self.shown:
            picker.highlighted = 0

    def action_move(self, step: int) -> None:
        picker = self.query_one("#picker", OptionList)
        if self.shown:
            at = (picker.highlighted or 0) + step
            picker.highlighted = max(0, min(at, min(len(self.shown), 500) - 1))

    def action_choose(self) -> None:
        picker = self.query_one("#picker", OptionList)
        if picker.highlighted is not None and self.shown:
            self.dismiss(self.shown[picker.highlighted].staff_id)

    @on(OptionList.OptionSelected, "#picker")
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.shown[event.option_index].staff_id)
