"""Care plans due for review in the next week, and overdue ones, oldest first."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Header, Static

from intapp import clock
from intapp.formatting import uk_date
from intapp.screens.base import DataScreen
from intapp.widgets.footer import Footer

if TYPE_CHECKING:
    from sqlmodel import Session

    from intapp.services.care_plans import ReviewDue

SHOWN = 200


class ReviewsScreen(DataScreen):
    """Plans whose review date has come or comes within a week (the dashboard's count);
    Enter opens the plan."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="reviews.back"),
        Binding("enter", "open_plan", "Open plan", id="reviews.open", priority=True),
    ]

    def __init__(self, *, team_ids: list[int] | None, scope_label: str) -> None:
        super().__init__()
        self.team_ids = team_ids
        self.scope_label = scope_label
        self.due: list[ReviewDue] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"Plan reviews due: {self.scope_label}", classes="list-title")
        yield DataTable(id="reviews-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("Review date", "Person", "")
        self.query_one(DataTable).focus()

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        """Read the list again."""
        team_ids = self.team_ids

        def due(session: Session) -> Any:
            from datetime import timedelta

            from intapp.config import load_settings
            from intapp.services.care_plans import plans_due_for_review

            return plans_due_for_review(
                session=session,
                team_ids=team_ids,
                on_or_before=clock.today() + timedelta(days=load_settings().review_due_soon_days),
                limit=SHOWN,
            )

        self.fetch("due", due)

    def loaded_due(self, due: list[ReviewDue]) -> None:
        self.due = due
        table = self.query_one(DataTable)
        table.clear()
        for review in due:
            table.add_row(
                uk_date(review.review_date),
                review.person_name,
                "[b red]overdue[/]" if review.overdue else "due",
            )

    def action_open_plan(self) -> None:
        if self.due:
            from intapp.screens.care_plan import CarePlanScreen

            chosen = self.due[self.query_one(DataTable).cursor_row]
            self.app.push_screen(CarePlanScreen(person_id=chosen.person_id))
