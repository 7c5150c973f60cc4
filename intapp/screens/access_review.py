"""A supervisor's access review: every break-glass opening, and the disabled logins."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Header, Static

from intapp.formatting import uk_datetime
from intapp.screens.base import DataScreen, Result
from intapp.widgets.footer import Footer
from intapp.widgets.markup import escape

if TYPE_CHECKING:
    from sqlmodel import Session

    from intapp.services.access_review import AccessReview

# The reason, the longest, last: on a narrow terminal it runs off the edge, not the rest.
USE_COLUMNS = ("When", "Who", "Whose record", "Now", "Until", "Reason")
DISABLED_COLUMNS = ("Login", "Role", "Scope", "Worker", "Disabled", "Last sign-in")


class ReviewRead(Result["AccessReview"]):
    """Break-glass uses and disabled logins, as read."""


class AccessReviewScreen(DataScreen):
    """Break-glass uses, newest first (live ones marked), then logins that were disabled.

    Tab moves between the two lists; the arrows move within one.
    """

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="access_review.back"),
        Binding("f5", "refresh", "Refresh", id="access_review.refresh"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Break-glass openings", classes="list-title", id="uses-title")
        uses: DataTable[str] = DataTable(id="review-uses", cursor_type="row", zebra_stripes=True)
        yield uses
        yield Static("Disabled logins", classes="list-title", id="disabled-title")
        disabled: DataTable[str] = DataTable(
            id="review-disabled", cursor_type="row", zebra_stripes=True
        )
        yield disabled
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#review-uses", DataTable).focus()
        self.action_refresh()

    def action_refresh(self) -> None:
        def load(session: Session) -> AccessReview:
            from intapp.services.access_review import access_review

            return access_review(session=session)

        self.read(ReviewRead, load)

    @on(ReviewRead)
    def show(self, message: ReviewRead) -> None:
        from intapp.services.staff import role_label

        review = message.value
        uses = self.query_one("#review-uses", DataTable)
        # Columns anew each time, so their widths follow what they hold now.
        uses.clear(columns=True)
        uses.add_columns(*USE_COLUMNS)
        for use in review.uses:
            live = use.live(review.now)
            uses.add_row(
                uk_datetime(use.granted_at),
                escape(use.login),
                escape(use.person)
                if use.person
                else f"record {use.person_id} (outside your scope)",
                "[b yellow]live[/]" if live else "expired",
                uk_datetime(use.expires_at),
                escape(use.reason),
                key=str(use.id),
            )
        self.query_one("#uses-title", Static).update(
            f"Break-glass openings: {len(review.uses)}"
            f" ({sum(u.live(review.now) for u in review.uses)} live)"
            if review.uses
            else "Break-glass openings: none"
        )
        disabled = self.query_one("#review-disabled", DataTable)
        disabled.clear(columns=True)
        disabled.add_columns(*DISABLED_COLUMNS)
        for login in review.disabled:
            disabled.add_row(
                escape(login.login),
                role_label(login.role),
                escape(login.scope),
                escape(login.worker or ""),
                uk_datetime(login.disabled_at),
                uk_datetime(login.last_sign_in_at) or "never",
                key=login.login,
            )
        self.query_one("#disabled-title", Static).update(
            f"Disabled logins: {len(review.disabled)}"
            if review.disabled
            else "Disabled logins: none"
        )
