"""The Textual app. The coordinator's screens arrive with the TUI issue; until then the
app opens on a holding screen that shows what the database holds."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Footer, Header, Static


@dataclass(frozen=True)
class StoreFigures:
    """Headline counts from the database."""

    people: int
    awaiting_triage: int
    open_cases: int


class IntApp(App[None]):
    """intapp's terminal app."""

    TITLE = "intapp"
    BINDINGS = [Binding("q", "quit", "Quit", id="quit")]
    CSS = "#holding { padding: 1 2; }"

    class FiguresLoaded(Message):
        """The worker counted the store."""

        def __init__(self, figures: StoreFigures) -> None:
            super().__init__()
            self.figures = figures

    def __init__(self, *, database_url: str | None = None, user: str = "unknown") -> None:
        super().__init__()
        self.database_url = database_url
        self.user = user
        self.sub_title = f"signed in as {user}"

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(
            "The coordinator's screens (dashboard, queue, triage, allocation, assessments, "
            "care plans, reablement) are being built.\n\n"
            "Meanwhile the command line works: run `intapp --help`.\n\nCounting records…",
            id="holding",
        )
        yield Footer()

    def on_mount(self) -> None:
        self.count_records()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def count_records(self) -> None:
        from sqlalchemy import func
        from sqlmodel import col, select

        from intapp.db import get_engine, read_session
        from intapp.migrate import upgrade
        from intapp.models import Allocation, Person, Referral

        engine = get_engine(self.database_url)
        upgrade(engine)
        with read_session(engine) as session:
            figures = StoreFigures(
                people=session.exec(select(func.count()).select_from(Person)).one(),
                awaiting_triage=session.exec(
                    select(func.count()).where(Referral.status == "received")
                ).one(),
                open_cases=session.exec(
                    select(func.count()).where(col(Allocation.ended_at).is_(None))
                ).one(),
            )
        self.post_message(self.FiguresLoaded(figures))

    @on(FiguresLoaded)
    def show_figures(self, message: FiguresLoaded) -> None:
        f = message.figures
        self.query_one("#holding", Static).update(
            "The coordinator's screens (dashboard, queue, triage, allocation, assessments, "
            "care plans, reablement) are being built.\n\n"
            "Meanwhile the command line works: run `intapp --help`.\n\n"
            f"This database holds {f.people:,} people, {f.awaiting_triage:,} referrals "
            f"awaiting triage and {f.open_cases:,} open cases."
        )
