"""Which teams a report covers: `--team CODE`, `--locality NAME` or the whole city, and,
for a member of staff, no more than their own teams.

Every report that takes a team or a locality (the weekly summary, the national returns,
the CLD extract, the trends and the evaluation) resolves it here, so they name and
narrow a scope the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from intapp.access import Role, signed_in
from intapp.models import Locality, Team
from intapp.services.errors import InvalidInput, NotAllowed, NotFound

WHOLE_CITY = "whole city"


@dataclass(frozen=True)
class ReportScope:
    """The teams in scope, as (team id, team code, locality name) by locality then code,
    and the scope in words ("team C3", "Central locality", "whole city", "your teams")."""

    teams: list[tuple[int, str, str]]
    label: str

    @property
    def team_ids(self) -> list[int] | None:
        """The ids of the teams in scope; None for the whole city (every team)."""
        return None if self.label == WHOLE_CITY else [team_id for team_id, _, _ in self.teams]


def report_scope(
    session: Session, *, team_code: str | None, locality: str | None, action: str
) -> ReportScope:
    """The scope of a report for `action` (an `access.ACTIONS` key, named in a refusal)."""
    if team_code and locality:
        raise InvalidInput("Choose a team or a locality, not both", field="team")
    teams = _teams(session, team_code=team_code, locality=locality)
    if team_code:
        label = f"team {teams[0][1]}"
    elif locality:
        label = f"{teams[0][2]} locality"
    else:
        label = WHOLE_CITY
    return _within_the_logins_teams(session, ReportScope(teams, label), action)


def _within_the_logins_teams(session: Session, scope: ReportScope, action: str) -> ReportScope:
    """A member of staff sees only their own teams' people, so a report on others would
    count none of their cases against all of their capacity: the whole city is narrowed
    to the login's teams (and says so), and another team or locality is refused."""
    who = signed_in(session.get_bind())
    mine = [team for team in scope.teams if who.works_for(team[0])]
    if len(mine) == len(scope.teams):
        return scope
    if scope.label == WHOLE_CITY and mine:
        return ReportScope(mine, "your locality" if who.role is Role.SUPERVISOR else "your teams")
    raise NotAllowed(
        f"The {scope.label} is outside your teams, whose figures are all you may see; "
        "choose one of your own teams, or your locality.",
        action=action,
    )


def _teams(
    session: Session, *, team_code: str | None, locality: str | None
) -> list[tuple[int, str, str]]:
    query = select(Team.id, Team.code, Locality.name).join(
        Locality, col(Locality.id) == Team.locality_id
    )
    if team_code:
        query = query.where(col(Team.code) == team_code.strip().upper())
    if locality:
        query = query.where(func.lower(Locality.name) == locality.strip().lower())
    teams = [
        (int(team_id), code, name)
        for team_id, code, name in session.exec(query.order_by(col(Locality.name), col(Team.code)))
        if team_id is not None
    ]
    if not teams and team_code:
        raise NotFound(f"There is no team with code {team_code!r}")
    if not teams and locality:
        raise NotFound(f"There is no locality called {locality!r}")
    return teams
