"""The team dashboard's counts, for one team, a locality or the whole city.

Plain SQL (`plain_sql`) rather than ORM queries: the dashboard is the first screen, and on
the embedded SQLite store its figures are read with the standard library's sqlite3 while
SQLAlchemy is still loading.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from intapp.services.worklists import Worklist, tiles
from intapp.store.plain_sql import PlainSQL, through_session

if TYPE_CHECKING:
    from sqlmodel import Session


@dataclass(frozen=True)
class DashboardCounts:
    """What a coordinator needs to see first thing."""

    awaiting_triage: int
    triage_overdue: int
    due_next_24h: int
    triaged_not_allocated: int
    workers_over_limit: int
    episodes_day_35_plus: int
    episodes_past_42: int
    followups_due: int
    reviews_due: int
    reviews_overdue: int


def dashboard_counts(*, session: Session, team_ids: list[int] | None = None) -> DashboardCounts:
    """Every dashboard figure for the teams given (None: the whole city)."""
    return count_figures(through_session(session), team_ids=team_ids)


def count_figures(db: PlainSQL, *, team_ids: list[int] | None = None) -> DashboardCounts:
    """The figures through `db`: a Session's connection, or sqlite3 (`through_sqlite`).

    Each figure counts its tile's worklist (`worklists.tiles`), the definition its list
    pages through; tiles that narrow the same worklist are counted in one read.
    """
    groups: dict[int, tuple[Worklist, list[tuple[str, str | None]]]] = {}
    for name, tile in tiles(team_ids).items():
        groups.setdefault(id(tile.worklist), (tile.worklist, []))[1].append((name, tile.condition))
    figures: dict[str, int] = {}
    for worklist, members in groups.values():
        total, *narrowed = worklist.counts(db, [c for _, c in members if c is not None])
        counted = iter(narrowed)
        for name, condition in members:
            figures[name] = total if condition is None else next(counted)
    return DashboardCounts(**figures)
