"""Reading is recorded in the app: each screen that shows a person's data writes the
view events it should, on both stores, and a view that cannot be written never stops
the screen."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from identity_support import signed_in
from sqlalchemy import Engine
from sqlmodel import Session, select
from textual.widgets import Input
from tui_support import seed_small_team, wait_for

from intapp import clock
from intapp.app import IntApp
from intapp.models import AuditEvent
from intapp.screens.dashboard import DashboardScreen
from intapp.screens.note_view import NoteScreen
from intapp.screens.person import PersonScreen
from intapp.screens.queue import QueueScreen
from intapp.screens.search import SearchScreen
from intapp.screens.triage import TriageScreen
from intapp.services import case_notes
from intapp.store.engine import unit_of_work
from intapp.store.errors import read_only


def shown(engine: Engine) -> list[tuple[str, str, int | None, dict[str, Any]]]:
    """Each view event: what, which, whose, and what else it keeps."""
    with Session(engine) as session:
        rows = session.exec(
            select(AuditEvent).where(AuditEvent.action == "view").order_by(AuditEvent.id)
        ).all()
        return [(r.entity, r.entity_id, r.person_id, r.changes) for r in rows]


def app_on(engine: Engine) -> IntApp:
    return IntApp(database_url=signed_in(engine.url.render_as_string(hide_password=False), "sw.c1"))


async def started(app: IntApp, pilot: Any) -> None:
    await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))


async def test_opening_a_record_writes_one_view_of_that_person(engine: Engine) -> None:
    seed_small_team(engine)
    app = app_on(engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(app, pilot)
        app.push_screen(PersonScreen(person_id=1))
        await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen) and app.screen.record)
        # Written in the background, within a second, without the screen waiting.
        await wait_for(pilot, lambda: shown(engine), seconds=2)
        person = app.screen
        person.load_record()  # read again (after a save, say): the same viewing
        await pilot.pause(0.3)
        app.views.flush()
        assert shown(engine) == [("person", "1", 1, {})]
        with Session(engine) as session:
            event = session.exec(select(AuditEvent).where(AuditEvent.action == "view")).one()
        assert event.user == "sw.c1"


async def test_a_queue_page_is_one_view_listing_the_people_on_it(engine: Engine) -> None:
    seed_small_team(engine)
    app = app_on(engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(app, pilot)
        app.push_screen(QueueScreen(team_ids=None, scope_label="All teams"))
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen) and app.screen.rows)
        queue = app.screen
        people = [item.person_id for item in queue.rows]
        queue.refresh_due_times()  # the timed refresh: the same page, the same people
        await pilot.pause(1.2)  # settled: recorded, and written in the background
        app.views.flush()
        assert shown(engine) == [
            ("queue", "awaiting_triage", None, {"page": 1, "teams": None, "people": people})
        ]
        assert sorted(people) == [1, 2]


async def test_a_search_records_what_was_asked_and_how_many_matched_never_who(
    engine: Engine,
) -> None:
    seed_small_team(engine)
    app = app_on(engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(app, pilot)
        await pilot.press("slash")
        await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen))
        await pilot.press(*"smith")
        await wait_for(pilot, lambda: app.screen.results)
        await pilot.pause(1.2)  # settled: recorded, and written in the background
        app.views.flush()
        assert shown(engine) == [
            ("search", "people", None, {"query": "smith", "matched": 1, "page": 1})
        ]


async def test_triage_and_a_note_each_record_a_view_of_whose_they_are(engine: Engine) -> None:
    seed_small_team(engine)
    with unit_of_work(engine) as session:
        note = case_notes.write_note(
            session=session,
            user="sw.c1",
            person_id=2,
            kind="phone_call",
            contact_with="person",
            contact_at=clock.now() - timedelta(hours=1),
            text="Rang to arrange a visit",
        )
    app = app_on(engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(app, pilot)
        app.push_screen(TriageScreen(referral_id=1))
        await wait_for(pilot, lambda: isinstance(app.screen, TriageScreen) and app.screen.data)
        app.push_screen(NoteScreen(note_id=note.id))
        await wait_for(pilot, lambda: isinstance(app.screen, NoteScreen) and app.screen.note)
        await pilot.pause(0.3)
        app.views.flush()
        assert shown(engine) == [("referral", "1", 1, {}), ("case_note", str(note.id), 2, {})]


async def test_a_view_that_cannot_be_written_never_stops_the_record(
    sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from intapp import errorlog

    seed_small_team(sqlite_engine)

    def refused(app: IntApp, work: Any) -> None:
        raise read_only("The database /data/intapp.sqlite3")

    monkeypatch.setattr(IntApp, "_write_views", refused)
    app = app_on(sqlite_engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(app, pilot)
        app.push_screen(PersonScreen(person_id=1))
        await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen) and app.screen.record)
        assert "Mary" in str(app.screen.query_one("#person-header").render())
        await wait_for(
            pilot,
            lambda: any("audit trail" in n.message for n in app._notifications),
            seconds=3,
        )
        assert app.views.pending == 1
    assert shown(sqlite_engine) == []
    log = errorlog.log_path().read_text()
    assert "ReadOnlyStore" in log and "view events could not be written" in log
    assert "Mary" not in log and "9434765919" not in log


async def test_views_still_queued_are_written_as_the_app_closes(sqlite_engine: Engine) -> None:
    seed_small_team(sqlite_engine)
    app = app_on(sqlite_engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(app, pilot)
        app.views._delay = 60  # nothing would be written before the app closes
        app.push_screen(PersonScreen(person_id=2))
        await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen) and app.screen.record)
        await pilot.press("ctrl+q")
    assert shown(sqlite_engine) == [("person", "2", 2, {})]


async def test_a_search_is_recorded_once_typing_settles_or_the_screen_is_left(
    sqlite_engine: Engine,
) -> None:
    seed_small_team(sqlite_engine)
    app = app_on(sqlite_engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(app, pilot)
        await pilot.press("slash")
        await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen))
        search = app.screen
        search.query_one(Input).value = "bloggs"
        await wait_for(pilot, lambda: search.results)
        search.query_one(Input).value = "smith"  # changed before the first settled
        await wait_for(pilot, lambda: search.results and search.results[0].family_name == "Smith")
        app.views.flush()
        assert shown(sqlite_engine) == []  # still settling
        await pilot.press("enter")  # opens Mary's record: the search was seen
        await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen) and app.screen.record)
        await pilot.pause(0.3)
        app.views.flush()
        assert shown(sqlite_engine) == [
            ("search", "people", None, {"query": "smith", "matched": 1, "page": 1}),
            ("person", "1", 1, {}),
        ]


async def test_editing_details_and_carer_links_are_views_of_the_person(engine: Engine) -> None:
    """The edit form shows every detail, and the carer links name the people linked."""
    from intapp.screens.carer_links import CarerLinksDialog
    from intapp.screens.person_edit import PersonEditScreen

    seed_small_team(engine)
    app = app_on(engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(app, pilot)
        app.push_screen(PersonEditScreen(person_id=1))
        await wait_for(pilot, lambda: getattr(app.screen, "details", None) is not None)
        app.pop_screen()
        app.push_screen(CarerLinksDialog(person_id=1, name="A person"))
        await wait_for(pilot, lambda: app.views.flush() or len(shown(engine)) == 2, seconds=3)
        assert shown(engine) == [
            ("person_edit", "1", 1, {}),
            ("carer_links", "1", 1, {"people": []}),
        ]
