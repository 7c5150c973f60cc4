"""Pilot tests: a slow, superseded read is never painted over a newer one.

Each test holds the first read back (an Event), lets the second finish and paint, then
lets the first one finish: the rows must still be those of the second.
"""

from __future__ import annotations

import threading
from typing import Any

from identity_support import signed_in
from textual import on
from tui_support import seed_small_team, wait_for

from intapp.app import IntApp
from intapp.screens import queue as queue_screen
from intapp.screens.allocation import AllocationScreen
from intapp.screens.base import DataScreen, Result
from intapp.screens.dashboard import DashboardScreen
from intapp.screens.queue import QueueScreen
from intapp.screens.search import SearchScreen
from intapp.services import caseloads, people, referrals
from intapp.services.caseloads import Candidate, WorkerLoad
from intapp.services.queue import triage_queue
from intapp.store.engine import unit_of_work
from intapp.store.paging import Page


def held_back(function: Any, slow: Any) -> tuple[Any, threading.Event, threading.Event]:
    """`function`, except that calls for which `slow(kwargs)` is true wait for the first
    event; the second is set once such a held-back call has returned (or failed)."""
    release, done = threading.Event(), threading.Event()

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not slow(kwargs):
            return function(*args, **kwargs)
        try:
            assert release.wait(10), "the held-back read was never released"
            return function(*args, **kwargs)
        finally:
            done.set()

    return wrapper, release, done


async def test_a_slow_filter_is_not_painted_under_a_newer_one(sqlite_engine, monkeypatch):
    seed_small_team(sqlite_engine)  # Mary Smith and Joe Bloggs: "s" finds both, "sm" Mary
    slow_page, release, done = held_back(queue_screen.queue_page, lambda kw: kw["text"] == "s")
    monkeypatch.setattr(queue_screen, "queue_page", slow_page)
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "duty.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen) and app.screen.rows)
        screen = app.screen
        await pilot.press("s")  # held back
        await pilot.press("m")
        await wait_for(pilot, lambda: [r.person_name for r in screen.rows] == ["Mary Smith"])
        release.set()
        await wait_for(pilot, done.is_set)  # the held-back read has returned
        await pilot.pause()
        assert [r.person_name for r in screen.rows] == ["Mary Smith"]
        assert screen.query_one("#queue-filter").value == "sm"
        status = str(screen.query_one(".paged-list--status").render())
        assert status.startswith("Referral 1–1 of 1 · first due ")


async def test_a_slow_search_is_not_painted_under_a_newer_one(sqlite_engine, monkeypatch):
    seed_small_team(sqlite_engine)
    slow_search, release, done = held_back(people.search_page, lambda kw: kw["text"] == "jo")
    monkeypatch.setattr(people, "search_page", slow_search)
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "duty.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await pilot.press("slash")
        await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen))
        screen = app.screen
        await pilot.press("j", "o")  # "jo" finds Joe Bloggs, but is held back
        await pilot.press("n")  # "jon" finds nobody
        status = screen.query_one(".paged-list--status")
        await wait_for(pilot, lambda: "Nobody matches" in str(status.render()))
        release.set()
        await wait_for(pilot, done.is_set)  # the held-back read has returned
        await pilot.pause()
        assert screen.results == []
        assert "Nobody matches" in str(status.render())


def _two_triaged(engine) -> list[int]:
    seed_small_team(engine)
    with unit_of_work(engine) as session:
        waiting = triage_queue(session=session)
        for item in waiting:
            referrals.triage_referral(
                session=session,
                user="setup",
                referral_id=item.referral_id,
                priority="soon",
                pathway="case_management",
                expected_version=item.version,
            )
        # In the order the allocation screen lists them.
        return [r.referral_id for r in caseloads.awaiting_allocation(session=session)]


def _candidate_for(referral_id: int) -> Candidate:
    load = WorkerLoad(referral_id, f"Worker for {referral_id}", "gp", 1, 1.0, 0, 0, 10)
    return Candidate(load, knows_person=False, profession_fits=False)


async def test_slow_candidates_are_not_painted_for_the_next_referral(sqlite_engine, monkeypatch):
    first, second = _two_triaged(sqlite_engine)

    def candidates(*, session: Any, referral_id: int, after: Any, limit: int) -> Page[Any]:
        return Page([(0, _candidate_for(referral_id))], 1)

    slow, release, done = held_back(candidates, lambda kw: kw["referral_id"] == first)
    monkeypatch.setattr(caseloads, "candidates_page", slow)
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "duty.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AllocationScreen))
        screen = app.screen
        await wait_for(pilot, lambda: len(screen.referrals) == 2)
        assert screen.referrals[0].referral_id == first  # its workers are held back
        await pilot.press("down")
        await wait_for(pilot, lambda: [c.load.worker_id for c in screen.candidates] == [second])
        release.set()
        await wait_for(pilot, done.is_set)  # the held-back read has returned
        await pilot.pause()
        assert [c.load.worker_id for c in screen.candidates] == [second]


class Answer(Result[str]):
    """What the test screen asked for."""


class Asker(DataScreen):
    """A screen that only records the answers it is given."""

    def __init__(self) -> None:
        super().__init__()
        self.answers: list[str] = []

    @on(Answer)
    def answered(self, message: Answer) -> None:
        self.answers.append(message.value)


async def test_a_typed_result_of_superseded_work_is_never_posted(sqlite_engine):
    started, release, done = threading.Event(), threading.Event(), threading.Event()

    def slow(session: Any) -> str:
        started.set()
        try:
            assert release.wait(10)
            return "first"
        finally:
            done.set()

    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "duty.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        screen = Asker()
        await app.push_screen(screen)
        screen.read(Answer, slow)
        await wait_for(pilot, started.is_set)  # under way, not merely queued
        screen.read(Answer, lambda session: "second")
        await wait_for(pilot, lambda: screen.answers == ["second"])
        release.set()
        await wait_for(pilot, done.is_set)  # the held-back read has returned
        await pilot.pause()
        assert screen.answers == ["second"]


async def test_a_slow_nhs_lookup_is_never_shown_under_a_newer_number(sqlite_engine, monkeypatch):
    from textual.widgets import Input

    from intapp.screens.new_referral import NewReferralScreen

    seed_small_team(sqlite_engine)  # Mary Smith has 943 476 5919; nobody has 999 057 0353
    # The first two lookups wait for the test; later ones answer at once.
    started = [threading.Event(), threading.Event()]
    release = [threading.Event(), threading.Event()]
    done = [threading.Event(), threading.Event()]
    find_person = people.find_person

    def slow_find(**kwargs: Any) -> Any:
        held = next((i for i, event in enumerate(started) if not event.is_set()), None)
        if held is None:
            return find_person(**kwargs)
        started[held].set()
        try:
            assert release[held].wait(10), "the held-back lookup was never released"
            return find_person(**kwargs)
        finally:
            done[held].set()

    monkeypatch.setattr(people, "find_person", slow_find)
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "duty.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, NewReferralScreen))
        screen = app.screen
        panel, nhs = screen.query_one("#match"), screen.query_one("#nhs", Input)

        # An unknown number is looked up (held back), then made invalid: nothing is shown.
        await pilot.press(*"9990570353")
        await wait_for(pilot, started[0].is_set)
        await pilot.press("backspace")
        release[0].set()
        await wait_for(pilot, done[0].is_set)  # the held-back lookup has returned
        await pilot.pause()
        assert "10 digits" in str(screen.query_one("#nhs-check").render())
        assert str(panel.render()) == "" and screen.match is None

        # The unknown number again (held back), then a known one: the known one stays.
        await pilot.press("3")
        await wait_for(pilot, started[1].is_set)
        nhs.value = "9434765919"
        await wait_for(pilot, lambda: screen.match is not None)
        release[1].set()
        await wait_for(pilot, done[1].is_set)  # the held-back lookup has returned
        await pilot.pause()
        assert nhs.value == "9434765919"
        assert screen.match is not None and screen.match.name == "Mary Smith"
        assert str(panel.render()).startswith("Known person: Mary Smith")
