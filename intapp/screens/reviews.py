"""Care plans due for review in the next week, and overdue ones, oldest first."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Header, Static

from intapp.config import load_settings
from intapp.formatting import uk_date
from intapp.screens.base import DataScreen
from intapp.widgets.footer import Footer
from intapp.widgets.paged_list import PAGE_KEYS, PagedList, Wording

if TYPE_CHECKING:
    from intapp.services.care_plans import ReviewDue
    from intapp.store.paging import Cursor, Page

PAGE_SIZE = 40


def review_cells(review: ReviewDue) -> tuple[str, ...]:
    return (
        uk_date(review.review_date),
        review.person_name,
        "[b red]overdue[/]" if review.overdue else "due",
    )


class ReviewsScreen(DataScreen):
    """Plans whose review date has come or comes within the review window (the dashboard's figure),
    or only the overdue ones; Enter opens the plan."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="reviews.back"),
        Binding("enter", "open_plan", "Open plan", id="reviews.open", priority=True),
        *PAGE_KEYS,
    ]

    def __init__(
        self, *, team_ids: list[int] | None, scope_label: str, overdue_only: bool = False
    ) -> None:
        super().__init__()
        self.team_ids = team_ids
        self.scope_label = scope_label
        self.overdue_only = overdue_only

    def compose(self) -> ComposeResult:
        from intapp.services.care_plans import review_cursor

        title = "Plan reviews overdue" if self.overdue_only else "Plan reviews due"
        soon = load_settings().review_due_soon_days
        yield Header()
        yield Static(f"{title}: {self.scope_label}", classes="list-title")
        yield PagedList(
            columns=[("Review date", None), ("Person", None), ("", None)],
            cells=review_cells,
            key=lambda review: review.plan_id,
            cursor=review_cursor,
            wording=Wording(
                "plan review",
                "plan reviews",
                "No plan reviews are overdue."
                if self.overdue_only
                else f"No plan reviews are due in the next {soon} days.",
            ),
            page_size=PAGE_SIZE,
            id="reviews-list",
        )
        yield Footer()

    @property
    def paged(self) -> PagedList[ReviewDue]:
        return self.query_one("#reviews-list", PagedList)

    @property
    def due(self) -> list[ReviewDue]:
        """The reviews on the page shown."""
        return self.rows_of("#reviews-list")

    def on_mount(self) -> None:
        self.paged.focus()

    def on_screen_resume(self) -> None:
        if self.paged.total is None:
            self.reload_from_start()
        else:
            self.reload()

    def reload_from_start(self) -> None:
        team_ids, overdue_only, app = self.team_ids, self.overdue_only, self.intapp

        def page(after: Cursor | None, limit: int, count: bool) -> Page[ReviewDue]:
            from intapp.services.care_plans import reviews_page

            return app.run_plain(
                lambda db: reviews_page(
                    db,
                    team_ids=team_ids,
                    overdue_only=overdue_only,
                    after=after,
                    limit=limit,
                    count=count,
                )
            )

        self.paged.show(page)

    def reload(self) -> None:
        """Read the page again, keeping the highlight on the same plan."""
        self.paged.reload()

    @on(PagedList.Shown, "#reviews-list")
    def page_shown(self, event: PagedList.Shown) -> None:
        people = [row.person_id for row in event.control.rows]
        scope = {"teams": self.team_ids, "overdue_only": self.overdue_only}
        self.record_page(event.control, "reviews", "due", people, **scope)

    def action_open_plan(self) -> None:
        self.paged.open_highlighted()

    @on(PagedList.Opened, "#reviews-list")
    def open_plan(self, event: PagedList.Opened) -> None:
        from intapp.screens.care_plan import CarePlanScreen

        self.app.push_screen(CarePlanScreen(person_id=event.row.person_id))
