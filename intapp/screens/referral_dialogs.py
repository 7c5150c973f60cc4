"""Dialogs of the new-referral form: a known NHS number that says otherwise, and the
people who may already be the person being referred."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, OptionList
from textual.widgets.option_list import Option

from intapp.formatting import uk_date
from intapp.widgets.markup import escape

if TYPE_CHECKING:
    from intapp.services.matching import Difference, PossibleMatch
    from intapp.services.people import PersonSummary


def differences_text(person: PersonSummary, found: list[Difference]) -> str:
    """``family name: the record has Smith, you typed Smyth`` for each difference (as
    markup: whatever was typed shows as typed)."""
    return "\n".join(
        f"  {d.label}: the record has {escape(d.on_record)}, you typed {escape(d.typed)}"
        for d in found
    )


class MismatchDialog(ModalScreen[str | None]):
    """The NHS number is known, but the record's name or birth differs from the typed
    one: correct the record ("correct"), go on with it as it is ("use"), or go back."""

    BINDINGS = [
        Binding("c", "answer('correct')", "Correct the record", id="mismatch.correct"),
        Binding("u", "answer('use')", "Use the record as it is", id="mismatch.use"),
        Binding("escape", "answer(None)", "Back to the form", id="mismatch.back"),
    ]

    def __init__(self, person: PersonSummary, found: list[Difference]) -> None:
        super().__init__()
        self.person = person
        self.found = found

    def compose(self) -> ComposeResult:
        p = self.person
        with Vertical(classes="dialog mismatch-dialog"):
            yield Label(
                f"NHS number {p.nhs_number_display or '(none)'} belongs to {escape(p.name)}, "
                f"born {uk_date(p.date_of_birth)}. What you typed differs:\n"
                f"{differences_text(p, self.found)}\n\n"
                "Correct the record, or file the referral to the record as it is?",
                classes="dialog-title",
                id="mismatch-question",
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button("Correct the record (c)", id="correct", variant="primary")
                yield Button("Use the record as it is (u)", id="use")
                yield Button("Back (esc)", id="back")

    def on_mount(self) -> None:
        self.query_one("#back", Button).focus()

    def action_answer(self, value: str | None) -> None:
        self.dismiss(value)

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None if event.button.id == "back" else event.button.id)


def match_line(match: PossibleMatch) -> str:
    """One possible match: who, identifiers, where, and why they are offered."""
    p = match.person
    identifier = f"NHS {p.nhs_number_display}" if p.nhs_number else f"local id {p.local_id}"
    return escape(
        f"{p.name}, born {uk_date(p.date_of_birth)} · {identifier}"
        f" · {p.postcode or 'no postcode'}\n  {match.why}"
    )


class MatchPickerDialog(ModalScreen["PossibleMatch | None"]):
    """Choose which known person the referral is for; escape: none of them."""

    BINDINGS = [Binding("escape", "dismiss(None)", "None of these", id="matches.none")]

    def __init__(self, matches: list[PossibleMatch]) -> None:
        super().__init__()
        self.matches = matches

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog picker-dialog"):
            yield Label(
                "Is the referral for one of these people? Enter chooses; "
                "escape: none of them, a new record.",
                classes="dialog-title",
            )
            yield OptionList(
                *(Option(match_line(m), id=str(n)) for n, m in enumerate(self.matches)),
                id="match-options",
            )

    @on(OptionList.OptionSelected, "#match-options")
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.matches[event.option_index])
