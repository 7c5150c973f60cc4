"""Help: every key on the screen the user came from."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Label


class HelpScreen(ModalScreen[None]):
    """A table of the keys active on the previous screen, plus the app-wide ones."""

    BINDINGS = [Binding("escape,question_mark,q", "dismiss(None)", "Close", id="help.close")]

    def __init__(self, screen: Screen) -> None:
        super().__init__()
        self.for_screen = screen

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(
                f"Keys: {type(self.for_screen).__name__.removesuffix('Screen')}",
                classes="dialog-title",
            )
            yield DataTable(id="help-table", cursor_type="row", show_header=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Key", "Does")
        shown = set()
        for active in self.for_screen.active_bindings.values():
            binding = active.binding
            if not binding.description or binding.description in shown:
                continue
            shown.add(binding.description)
            table.add_row(self.app.get_key_display(binding), binding.description)
        table.focus()
