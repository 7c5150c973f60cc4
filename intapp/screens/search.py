"""Search for a person by NHS number, name, date of birth or postcode."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Header, Input, Static

from intapp import clock
from intapp.formatting import uk_date
from intapp.screens.base import DataScreen
from intapp.widgets.footer import Footer

if TYPE_CHECKING:
    from sqlmodel import Session

    from intapp.services.people import PersonSummary


class SearchScreen(DataScreen):
    """Type an NHS number (spaces optional), a name, a date of birth or a postcode."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="search.back"),
        Binding("enter", "open_person", "Open record", id="search.open", priority=True),
        # While typing, up and down move through the results, as in the queue.
        Binding("down", "row(1)", "Next", id="search.down", show=False),
        Binding("up", "row(-1)", "Previous", id="search.up", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.results: list[PersonSummary] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(
            placeholder="NHS number, name, date of birth (DD/MM/YYYY) or postcode",
            id="search-text",
        )
        yield DataTable(id="search-results", cursor_type="row", zebra_stripes=True)
        yield Static("", id="search-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("Name", "NHS no.", "Born", "Age", "Postcode", "Risk")
        self.query_one(Input).focus()

    @on(Input.Changed, "#search-text")
    def search(self, event: Input.Changed) -> None:
        text = event.value

        def find(session: Session) -> Any:
            from intapp.services.people import search_people

            return search_people(session=session, text=text, limit=50)

        if len(text.strip()) >= 2:
            self.fetch("results", find)

    def loaded_results(self, results: list[PersonSummary]) -> None:
        self.results = results
        table = self.query_one(DataTable)
        table.clear()
        today = clock.today()
        for p in results:
            table.add_row(
                p.name,
                p.nhs_number_display,
                uk_date(p.date_of_birth),
                str(p.age_on(today)),
                p.postcode or "",
                p.risk_tier,
                key=str(p.id),
            )
        self.query_one("#search-status", Static).update(
            f"{len(results)} found" + (" (first 50)" if len(results) == 50 else "")
        )

    def action_row(self, step: int) -> None:
        table = self.query_one(DataTable)
        table.move_cursor(row=table.cursor_row + step)

    def action_open_person(self) -> None:
        if self.results:
            from intapp.screens.person import PersonScreen

            row = self.query_one(DataTable).cursor_row
            self.app.push_screen(PersonScreen(person_id=self.results[row].id))
