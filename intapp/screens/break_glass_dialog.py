"""Break-glass: open a record outside one's teams, saying why (`services.break_glass`)."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.widgets import Input, Label, Static

from intapp.screens.episode_dialogs import FormDialog
from intapp.services.break_glass import SHORTEST_REASON


class BreakGlassDialog(FormDialog):
    """Ask for the reason (required); the caller opens the record through the server."""

    TITLE_TEXT = "Open a record outside your teams (break-glass)"

    def fields(self) -> ComposeResult:
        yield Static(
            "Your login, this reason and the time are recorded, and supervisors review "
            "every use. The access ends by itself after a few hours.",
            classes="dialog-hint",
        )
        yield Label("Why do you need this record now? (recorded)")
        yield Input(placeholder="e.g. A&E called out of hours about a fall", id="reason")

    def values(self) -> dict[str, Any] | None:
        reason = " ".join(self.query_one("#reason", Input).value.split())
        if len(reason) < SHORTEST_REASON:
            self.refuse(
                f"Say why you need this record (at least {SHORTEST_REASON} characters): "
                "supervisors review every use.",
                "#reason",
            )
            return None
        return {"reason": reason}

    @on(Input.Submitted, "#reason")
    def reason_submitted(self) -> None:
        self.action_submit()
