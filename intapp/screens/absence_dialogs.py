"""Dialogs for a worker away and a worker leaving (opened from their caseload)."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from intapp import clock
from intapp.codes import AbsenceKind
from intapp.formatting import parse_date
from intapp.screens.episode_dialogs import FormDialog

UK = "%d/%m/%Y"


class AbsenceDialog(FormDialog):
    """Why and when a worker is away; a blank last day means no return date yet."""

    TITLE_TEXT = "Record an absence"

    def fields(self) -> ComposeResult:
        yield Label("Why")
        yield Select(
            [(k.label, k.value) for k in AbsenceKind],
            id="kind",
            value=AbsenceKind.LEAVE.value,
            allow_blank=False,
        )
        yield Label("First day away (DD/MM/YYYY)")
        yield Input(clock.today().strftime(UK), id="from")
        yield Label("Last day away (DD/MM/YYYY; blank: no return date yet)")
        yield Input(id="until")

    def values(self) -> dict[str, Any] | None:
        starts = parse_date(self.query_one("#from", Input).value)
        if starts is None:
            self.refuse("Type the first day away as DD/MM/YYYY.", "#from")
            return None
        text = self.query_one("#until", Input).value.strip()
        ends = parse_date(text) if text else None
        if text and ends is None:
            self.refuse("Type the last day away as DD/MM/YYYY, or leave it blank.", "#until")
            return None
        if ends is not None and ends < starts:
            self.refuse("The last day away cannot be before the first.", "#until")
            return None
        kind = str(self.query_one("#kind", Select).value)
        return {"kind": kind, "starts_on": starts, "ends_on": ends}


class LeavingDialog(FormDialog):
    """The day a worker left; they become inactive and are never offered again."""

    TITLE_TEXT = "Record a leaver"

    def fields(self) -> ComposeResult:
        yield Static(
            "They will no longer be offered for cases or shown on the board.",
            classes="dialog-hint",
        )
        yield Label("Left on (DD/MM/YYYY)")
        yield Input(clock.today().strftime(UK), id="on")

    def values(self) -> dict[str, Any] | None:
        day = parse_date(self.query_one("#on", Input).value)
        if day is None:
            self.refuse("Type the day they left as DD/MM/YYYY.", "#on")
            return None
        if day > clock.today():
            self.refuse("The leaving date cannot be in the future.", "#on")
            return None
        return {"left_on": day}


class ShareOutChoice(ModalScreen[bool | None]):
    """Share an absent worker's cases while they are away (w: they go back on return) or
    for good (g); escape shares nothing."""

    BINDINGS = [
        Binding("w", "choose(True)", "While away", id="share.while_away"),
        Binding("g", "choose(False)", "For good", id="share.for_good"),
        Binding("escape", "dismiss(None)", "Cancel", id="share.cancel"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.question, classes="dialog-title")
            with Horizontal(classes="dialog-buttons"):
                yield Button("While away (w)", id="while-away", variant="primary")
                yield Button("For good (g)", id="for-good")
                yield Button("Cancel (esc)", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#while-away", Button).focus()

    def action_choose(self, while_away: bool) -> None:
        self.dismiss(while_away)

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        self.dismiss({"while-away": True, "for-good": False}.get(event.button.id or ""))
