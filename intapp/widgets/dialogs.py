"""Small dialogs shared by several screens."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option


class ConfirmScreen(ModalScreen[bool]):
    """Ask a yes/no question; Enter or y says yes, Escape or n says no."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: str, *, yes: str = "Yes", no: str = "No") -> None:
        super().__init__()
        self.question = question
        self.yes = yes
        self.no = no

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.question, classes="dialog-title")
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{self.yes} (y)", id="yes", variant="primary")
                yield Button(f"{self.no} (n)", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")


class ReasonScreen(ModalScreen[str | None]):
    """Ask for a reason that will be recorded; an empty answer is refused."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="reason.cancel")]

    def __init__(self, question: str, *, placeholder: str = "Reason") -> None:
        super().__init__()
        self.question = question
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.question, classes="dialog-title")
            yield Input(placeholder=self.placeholder, id="reason")
            yield Static("", classes="error", id="reason-error")

    @on(Input.Submitted, "#reason")
    def submitted(self, event: Input.Submitted) -> None:
        if not event.value.strip():
            self.query_one("#reason-error", Static).update("A reason is required.")
            return
        self.dismiss(event.value.strip())


class ChoiceScreen(ModalScreen[str | None]):
    """Choose one of a few named options (arrows and Enter); Escape chooses none."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="choice.cancel")]
    AUTO_FOCUS = "#choices"

    def __init__(self, question: str, choices: list[tuple[str, str]]) -> None:
        super().__init__()
        self.question = question
        self.choices = choices

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.question, classes="dialog-title")
            yield OptionList(*(Option(label, id=key) for key, label in self.choices), id="choices")

    @on(OptionList.OptionSelected, "#choices")
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)
