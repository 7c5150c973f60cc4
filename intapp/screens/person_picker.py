"""Find another person by name, NHS number, date of birth, postcode or local id."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from intapp.formatting import uk_date
from intapp.screens.base import DataModal, Result

if TYPE_CHECKING:
    from sqlmodel import Session

    from intapp.services.people import PersonSummary

FOUND_LIMIT = 20


class PeopleFound(Result["list[PersonSummary]"]):
    """The people matching what was typed."""


def person_line(p: PersonSummary) -> str:
    """A person on one line: enough to tell two namesakes apart."""
    died = f" · died {uk_date(p.date_of_death)}" if p.date_of_death else ""
    ident = f"NHS {p.nhs_number_display}" if p.nhs_number else f"local id {p.local_id}"
    return f"{p.name:24} born {uk_date(p.date_of_birth)} · {ident} · {p.postcode or ''}{died}"


class PersonPicker(DataModal):
    """Type to search; Enter in the box lists matches, Enter on a match chooses it."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel", id="person_picker.cancel"),
        Binding("slash", "search_again", "Search again", id="person_picker.search", show=False),
    ]
    AUTO_FOCUS = "#person-picker-search"

    def __init__(self, *, title: str, exclude: int) -> None:
        super().__init__()
        self.title_text = title
        self.exclude = exclude
        self.found: list[PersonSummary] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog picker-dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield Input(
                placeholder="Name, NHS number, date of birth or postcode; Enter to search",
                id="person-picker-search",
            )
            yield Static("", id="person-picker-status")
            yield OptionList(id="person-picker-list")

    @on(Input.Submitted, "#person-picker-search")
    def search(self, event: Input.Submitted) -> None:
        text = event.value

        def find(session: Session) -> list[PersonSummary]:
            from intapp.services.people import search_people

            return search_people(session=session, text=text, limit=FOUND_LIMIT + 1)

        self.query_one("#person-picker-status", Static).update("Searching…")
        self.read(PeopleFound, find)

    @on(PeopleFound)
    def show_found(self, message: PeopleFound) -> None:
        self.found = [p for p in message.value if p.id != self.exclude][:FOUND_LIMIT]
        listed = self.query_one("#person-picker-list", OptionList)
        listed.clear_options()
        listed.add_options([Option(person_line(p)) for p in self.found])
        more = len(message.value) > FOUND_LIMIT
        status = (
            "Nobody found; try fewer letters, or the NHS number."
            if not self.found
            else (
                f"The first {FOUND_LIMIT} shown: type more to narrow"
                if more
                else f"{len(self.found)} found"
            )
            + "; ↑↓ and Enter to choose, / to search again"
        )
        self.query_one("#person-picker-status", Static).update(status)
        if self.found:
            listed.highlighted = 0
            listed.focus()

    def action_search_again(self) -> None:
        self.query_one("#person-picker-search", Input).focus()

    @on(OptionList.OptionSelected, "#person-picker-list")
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.found[event.option_index])
