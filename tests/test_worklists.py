"""Every dashboard figure equals the number of rows its list can page through: on both
databases, for every scope, at clock instants either side of each boundary (the triage
deadline, the next 24 h, day 35 and 42, the follow-up date and the 7-day review window)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session
from test_dashboard import seed

from intapp import clock
from intapp.services.care_plans import review_cursor, reviews_page
from intapp.services.caseloads import (
    allocation_cursor,
    allocation_page,
    board_cursor,
    board_page,
)
from intapp.services.dashboard import DashboardCounts, dashboard_counts
from intapp.services.queue import queue_cursor, queue_page
from intapp.services.reablement import episode_cursor, episodes_page
from intapp.services.worklists import tiles
from intapp.store.paging import Cursor, Page
from intapp.store.plain_sql import through_session

# Reads one page of a tile's list: (session, team_ids, after, limit) -> Page.
Lister = Callable[[Session, list[int] | None, Cursor | None, int], Page[Any]]


def _queue(tile: str) -> tuple[Lister, Callable[[Any], Cursor]]:
    return (
        lambda s, teams, after, limit: queue_page(
            through_session(s), team_ids=teams, tile=tile, after=after, limit=limit
        ),
        queue_cursor,
    )


def _episodes(which: str) -> tuple[Lister, Callable[[Any], Cursor]]:
    return (
        lambda s, teams, after, limit: episodes_page(
            session=s, which=which, team_ids=teams, after=after, limit=limit
        ),
        episode_cursor(which),
    )


def _reviews(overdue_only: bool) -> tuple[Lister, Callable[[Any], Cursor]]:
    return (
        lambda s, teams, after, limit: reviews_page(
            through_session(s), team_ids=teams, overdue_only=overdue_only, after=after, limit=limit
        ),
        review_cursor,
    )


# Each figure and the list its tile opens (the screens call these same functions).
LISTS: dict[str, tuple[Lister, Callable[[Any], Cursor]]] = {
    "awaiting_triage": _queue("awaiting_triage"),
    "triage_overdue": _queue("triage_overdue"),
    "due_next_24h": _queue("due_next_24h"),
    "triaged_not_allocated": (
        lambda s, teams, after, limit: allocation_page(
            through_session(s), team_ids=teams, after=after, limit=limit
        ),
        allocation_cursor,
    ),
    "workers_over_limit": (
        lambda s, teams, after, limit: board_page(
            through_session(s), team_ids=teams, over_limit_only=True, after=after, limit=limit
        ),
        board_cursor,
    ),
    "episodes_day_35_plus": _episodes("episodes_day_35_plus"),
    "episodes_past_42": _episodes("episodes_past_42"),
    "followups_due": _episodes("followups_due"),
    "reviews_due": _reviews(False),
    "reviews_overdue": _reviews(True),
}

# Instants from the moment the rows were made: either side of the deadlines (to the
# microsecond), of the next 24 h, of local midnight, and of the 7-day review window.
INSTANTS = (
    -timedelta(days=1),
    -timedelta(microseconds=1),
    timedelta(0),
    timedelta(microseconds=1),
    timedelta(hours=1),
    timedelta(hours=23, minutes=59, seconds=59, microseconds=999_999),
    timedelta(hours=24),
    timedelta(days=1, hours=1),
    timedelta(days=7),
    timedelta(days=8),
    timedelta(days=9),
)


def paged_through(session: Session, figure: str, team_ids: list[int] | None) -> list[Any]:
    """Every row the figure's list shows, two at a time, as a user pages through it."""
    lister, cursor = LISTS[figure]
    rows: list[Any] = []
    after = None
    while True:
        page = lister(session, team_ids, after, 2)
        rows.extend(page.rows)
        if len(page.rows) < 2:
            return rows
        after = cursor(page.rows[-1])


def test_every_figure_has_a_list() -> None:
    figures = {f.name for f in fields(DashboardCounts)}
    assert set(LISTS) == set(tiles(None)) == figures


def test_each_figure_equals_the_rows_its_list_pages_through(session: Session) -> None:
    team, other = seed(session)
    made = clock.now()
    for offset in INSTANTS:
        clock.freeze(made + offset)
        for team_ids in (None, [team], [other], []):
            counts = dashboard_counts(session=session, team_ids=team_ids)
            for figure in LISTS:
                rows = paged_through(session, figure, team_ids)
                where = f"{figure} at {offset} for {team_ids}"
                assert len(rows) == getattr(counts, figure), where
                assert len(set(map(repr, rows))) == len(rows), f"a row shown twice: {where}"
                lister, _ = LISTS[figure]
                assert lister(session, team_ids, None, 2).total == len(rows), where


@pytest.mark.parametrize("figure", ["reviews_due", "episodes_day_35_plus", "awaiting_triage"])
def test_a_list_is_never_cut_short(session: Session, figure: str) -> None:
    """The lists that stopped at 200 rows page through however many there are."""
    team, _ = seed(session)
    lister, _ = LISTS[figure]
    whole = lister(session, [team], None, 1000)
    assert whole.total == len(whole.rows) == len(paged_through(session, figure, [team]))
    assert whole.total > 0
