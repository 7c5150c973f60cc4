"""Choose the team, locality or whole city the dashboard (and the trends) cover: for a
member of staff, only scopes inside their own teams, whose people are all they see."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from intapp.screens.base import DataModal, Result
from intapp.screens.dashboard import CITY, Scope, home_scope

if TYPE_CHECKING:
    from sqlmodel import Session


class TeamsRead(Result[list[Any]]):
    """Every team, for the scopes to choose from."""


class ScopeScreen(DataModal):
    """A list of the city, each locality and each team; Enter chooses."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="scope.cancel")]

    def __init__(self) -> None:
        super().__init__()
        self.scopes: list[Scope] = [CITY]

    def compose(self) -> ComposeResult:
        with Vertical(id="scope-dialog", classes="dialog"):
            yield Label("Show the figures for…", classes="dialog-title")
            yield OptionList(Option(CITY.label), id="scope-options")

    def on_mount(self) -> None:
        def teams(session: Session) -> Any:
            from intapp.services.organisation import list_teams

            return list_teams(session=session)

        self.read(TeamsRead, teams)

    @on(TeamsRead)
    def show_scopes(self, message: TeamsRead) -> None:
        every_team = message.value
        who = self.intapp.who
        # A member of staff's counts of other teams would be nothing against those teams'
        # capacity: they choose among their own (their home scope first).
        teams = [t for t in every_team if who is None or who.works_for(t.id)]
        scopes = [CITY] if len(teams) == len(every_team) else [home_scope(who)] if who else []
        for locality in dict.fromkeys(t.locality for t in teams):
            in_locality = [t for t in teams if t.locality == locality]
            if len(in_locality) == sum(t.locality == locality for t in every_team):
                ids = tuple(t.id for t in in_locality)
                scopes.append(Scope(f"{locality} locality", ids, locality=locality))
            scopes.extend(
                Scope(f"{t.code} {t.name}", (t.id,), team_code=t.code) for t in in_locality
            )
        self.scopes = scopes
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options([Option(s.label) for s in scopes])
        options.highlighted = 0
        options.focus()

    @on(OptionList.OptionSelected)
    def choose(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.scopes[event.option_index])
