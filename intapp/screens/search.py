"""Search for a person by NHS number, name, date of birth or postcode."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Header, Input

from intapp import clock
from intapp.formatting import uk_date
from intapp.screens.base import DataScreen, Result
from intapp.store.paging import Page
from intapp.widgets.alert_marks import name_with_alerts
from intapp.widgets.footer import Footer
from intapp.widgets.paged_list import PAGE_KEYS, PagedList, Wording

if TYPE_CHECKING:
    from sqlmodel import Session

    from intapp.services.break_glass import Grant
    from intapp.services.people import PersonSummary
    from intapp.store.paging import Cursor

PAGE_SIZE = 50
SHORTEST = 2  # characters typed before a search runs


def person_cells(p: PersonSummary) -> tuple[str, ...]:
    return (
        name_with_alerts(p.marked_name, p.alerts),
        p.nhs_number_display,
        uk_date(p.date_of_birth),
        str(p.age_on(clock.today())),
        p.postcode or "",
        p.risk_tier,
    )


WORDING = Wording(
    "person",
    "people",
    f"Type at least {SHORTEST} characters to search.",
    "Nobody matches what you typed.",
)


OUTSIDE_TEAMS = "Not in your teams. Outside them? ctrl+b: open with a reason (break-glass)"


class GlassBroken(Result["Grant"]):
    """A record opened outside the login's teams, until when."""


class SearchScreen(DataScreen):
    """Type an NHS number (spaces optional), a name, a date of birth or a postcode."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="search.back"),
        Binding("enter", "open_person", "Open record", id="search.open", priority=True),
        # Offered only on a team server, when an NHS number or local id finds nobody.
        Binding("ctrl+b", "break_glass", "Break-glass", id="search.break_glass"),
        # While typing, up and down move through the results, as in the queue.
        Binding("down", "row(1)", "Next", id="search.down", show=False),
        Binding("up", "row(-1)", "Previous", id="search.up", show=False),
        *PAGE_KEYS,
    ]

    def compose(self) -> ComposeResult:
        from intapp.services.people import search_cursor

        yield Header()
        yield Input(
            placeholder="NHS number, name (as it sounds), date of birth (DD/MM/YYYY) or postcode",
            id="search-text",
        )
        yield PagedList(
            columns=[
                (label, None) for label in ("Name", "NHS no.", "Born", "Age", "Postcode", "Risk")
            ],
            cells=person_cells,
            key=lambda p: p.id,
            cursor=search_cursor,
            wording=WORDING,
            page_size=PAGE_SIZE,
            id="search-results",
        )
        yield Footer()

    @property
    def paged(self) -> PagedList[PersonSummary]:
        return self.query_one("#search-results", PagedList)

    @property
    def results(self) -> list[PersonSummary]:
        """The people on the page shown."""
        return self.rows_of("#search-results")

    offer_break_glass = False
    """Whether the last search, an NHS number or local id, found nobody (team mode)."""

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        self.paged.show(lambda after, limit, count: Page([], 0))

    @property
    def team_mode(self) -> bool:
        """On a team server, where a search finds only the people in the login's scope,
        and signed in in a role that may break glass."""
        from intapp.access import may

        who = self.intapp.who
        return who is not None and who.team_mode and may(who, "break_glass")

    @on(Input.Changed, "#search-text")
    def search(self, event: Input.Changed) -> None:
        text, app = event.value, self.intapp
        if len(text.strip()) < SHORTEST:
            # Nothing to search for: and no earlier, slower search may paint over this.
            self.paged.show(lambda after, limit, count: Page([], 0))
            return

        from intapp.services.people import search_problem

        # A mistyped NHS number or date says what is wrong, not that nobody matches.
        problem = search_problem(text)
        nobody = WORDING.filtered_empty
        if self.team_mode and not problem and _exact(text):
            nobody = OUTSIDE_TEAMS
        self.paged.wording = replace(WORDING, filtered_empty=problem or nobody)

        def find(after: Cursor | None, limit: int, count: bool) -> Page[PersonSummary]:
            from intapp.services.people import search_page

            return app.run_in_session(
                lambda session: search_page(
                    session=session, text=text, after=after, limit=limit, count=count
                ),
                write=False,
            )

        self.paged.show(find, filtered=True)

    @on(PagedList.Shown, "#search-results")
    def results_shown(self, event: PagedList.Shown) -> None:
        """A search is recorded as what was searched and how many matched, never who;
        an exact identifier that found nobody offers break-glass on a team server."""
        self.offer_outside_teams(event)
        from intapp.services.views import search_details

        text, paged = self.query_one("#search-text", Input).value.strip(), event.control
        if len(text) < SHORTEST:
            return
        self.record_view(
            "search",
            "people",
            details=search_details(text, event.total, page=paged.page_number),
            # Typed letter by letter: the search the typing settled on is the one kept.
            settle=paged.page_number,
        )

    def offer_outside_teams(self, event: PagedList.Shown) -> None:
        text = self.query_one("#search-text", Input).value
        offer = self.team_mode and event.total == 0 and _exact(text)
        if offer != self.offer_break_glass:
            self.offer_break_glass = offer
            self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "break_glass":
            return self.offer_break_glass
        return super().check_action(action, parameters)

    def action_break_glass(self) -> None:
        from intapp.screens.break_glass_dialog import BreakGlassDialog

        identifier = self.query_one("#search-text", Input).value.strip()

        def given(values: dict[str, object] | None) -> None:
            if values is None:
                return
            reason = str(values["reason"])

            def open_outside(session: Session) -> Grant:
                from intapp.services.break_glass import break_glass

                return break_glass(session=session, identifier=identifier, reason=reason)

            self.write(GlassBroken, open_outside)

        self.app.push_screen(BreakGlassDialog(subject=identifier), given)

    @on(GlassBroken)
    def glass_broken(self, message: GlassBroken) -> None:
        from intapp.screens.person import PersonScreen

        grant = message.value
        self.app.push_screen(
            PersonScreen(person_id=grant.person_id, break_glass_until=grant.expires_at)
        )

    def action_row(self, step: int) -> None:
        self.paged.move(step)

    def action_open_person(self) -> None:
        self.paged.open_highlighted()

    @on(PagedList.Opened, "#search-results")
    def open_person(self, event: PagedList.Opened) -> None:
        from intapp.screens.person import PersonScreen

        self.app.push_screen(PersonScreen(person_id=event.row.id))


def _exact(text: str) -> bool:
    from intapp.services.break_glass import looks_like_identifier

    return looks_like_identifier(text)
