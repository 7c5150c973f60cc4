"""Pilot tests: carer links from the record, a carer's assessment, merging two records
of one person, and a planned episode begun or cancelled."""

from __future__ import annotations

from datetime import timedelta

from identity_support import signed_in
from sqlmodel import Session, select
from textual.widgets import Input, OptionList, Select
from tui_support import seed_case_work, wait_for

from intapp import clock
from intapp.app import IntApp
from intapp.models import CarerLink, Person, ReablementEpisode
from intapp.screens.assessment import AssessmentScreen
from intapp.screens.carer_links import CarerLinksDialog
from intapp.screens.dashboard import DashboardScreen
from intapp.screens.episode_dialogs import PlannedEpisodeDialog
from intapp.screens.merge_dialog import MergeDialog
from intapp.screens.person import PersonScreen
from intapp.screens.person_picker import PersonPicker
from intapp.services import carers, people, reablement
from intapp.store.engine import unit_of_work
from intapp.widgets.dialogs import ChoiceScreen, ReasonScreen

MARY, JOE = 1, 2


def add_duplicate_of_mary(engine) -> int:
    """Mary registered again as Marie, without her NHS number, under a local id."""
    with unit_of_work(engine) as session:
        mary = session.get(Person, MARY)
        assert mary is not None
        return people.create_person(
            session=session,
            user="setup",
            person_in=people.PersonIn(
                given_name="Marie",
                family_name="Smith",
                date_of_birth=mary.date_of_birth,
                team_id=mary.team_id,
                local_id="DUP-1",
                phone="0161 496 0999",
            ),
        ).id


async def open_record(app, pilot, person_id: int) -> PersonScreen:
    await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
    app.push_screen(PersonScreen(person_id=person_id))
    await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen) and app.screen.record)
    return app.screen


async def pick(app, pilot, text: str, index: int = 0) -> None:
    """In the person picker: search for `text` and choose the match at `index`."""
    await wait_for(pilot, lambda: isinstance(app.screen, PersonPicker))
    picker = app.screen
    picker.query_one(Input).value = text
    await pilot.press("enter")
    await wait_for(pilot, lambda: picker.found)
    picker.query_one("#person-picker-list", OptionList).highlighted = index
    await pilot.press("enter")


async def test_merge_a_duplicate_into_the_record_and_open_the_pointer(sqlite_engine):
    seed_case_work(sqlite_engine)
    duplicate = add_duplicate_of_mary(sqlite_engine)
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "duty.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        record = await open_record(app, pilot, MARY)
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, PersonPicker))
        app.screen.query_one(Input).value = "Smith"
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen.found)
        # The record itself is not offered: only the other one.
        assert [p.id for p in app.screen.found] == [duplicate]
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MergeDialog) and app.screen.preview)
        preview = app.screen.preview
        assert (preview.survivor.person.id, preview.merged.person.id) == (MARY, duplicate)
        assert preview.refusal is None
        await pilot.press("y")
        await wait_for(pilot, lambda: app.screen is record)
        await wait_for(pilot, lambda: record.record.overview.person.local_id == "DUP-1")
        with Session(sqlite_engine) as session:
            pointer = session.get(Person, duplicate)
            assert pointer is not None and pointer.merged_into_id == MARY
            assert session.get(Person, MARY).phone == "0161 496 0999"  # type: ignore[union-attr]
        assert "local id DUP-1" in str(record.query_one("#person-header").render())
        # Opening the merged record shows the one it was merged into.
        await pilot.press("escape")
        app.push_screen(PersonScreen(person_id=duplicate))
        await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen) and app.screen.record)
        assert (app.screen.person_id, app.screen.record.merged_from) == (MARY, duplicate)


async def test_a_merge_of_two_nhs_numbers_is_refused_on_the_dialog(sqlite_engine):
    seed_case_work(sqlite_engine)
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "duty.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        await open_record(app, pilot, MARY)
        await pilot.press("m")
        await pick(app, pilot, "Bloggs")
        await wait_for(pilot, lambda: isinstance(app.screen, MergeDialog) and app.screen.preview)
        assert "different NHS numbers" in str(app.screen.query_one("#merge-note").render())
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, MergeDialog)  # nothing merged, still asking
    with Session(sqlite_engine) as session:
        assert session.get(Person, JOE).merged_into_id is None  # type: ignore[union-attr]


async def test_link_a_carer_from_the_record_then_end_the_link(sqlite_engine):
    seed_case_work(sqlite_engine)
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "duty.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        record = await open_record(app, pilot, MARY)
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, CarerLinksDialog))
        links = app.screen
        await pilot.press("c")  # someone cares for Mary
        await pick(app, pilot, "Bloggs")
        await wait_for(pilot, lambda: links.links)
        assert (links.links[0].carer.id, links.links[0].cared_for.id) == (JOE, MARY)
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, ReasonScreen))
        app.screen.query_one(Input).value = "Moved away"
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is links and not links.links)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is record)
    with Session(sqlite_engine) as session:
        (link,) = session.exec(select(CarerLink)).all()
        assert (link.carer_id, link.cared_for_id, link.end_reason) == (JOE, MARY, "Moved away")


async def test_a_carer_is_offered_a_carers_assessment(sqlite_engine):
    seed_case_work(sqlite_engine)
    with unit_of_work(sqlite_engine) as session:
        carers.link_carer(session=session, user="setup", carer_id=JOE, cared_for_id=MARY)
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "duty.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        record = await open_record(app, pilot, JOE)
        assert "cares for Mary Smith" in str(record.query_one("#person-header").render())
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        await pilot.press("enter")  # the first choice: a carer's assessment
        await wait_for(pilot, lambda: isinstance(app.screen, AssessmentScreen) and app.screen.form)
        form = app.screen.form
        assert form.assessment_type == "carer" and len(form.content.outcomes) == 8
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is record)
        # Mary cares for nobody: `a` opens an integrated assessment straight away.
        await pilot.press("escape")
        await open_record(app, pilot, MARY)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AssessmentScreen) and app.screen.form)
        assert app.screen.form.assessment_type == "integrated"


async def test_a_planned_episode_is_cancelled_then_another_begun_from_the_record(sqlite_engine):
    seed_case_work(sqlite_engine)
    tomorrow = clock.today() + timedelta(days=1)
    with unit_of_work(sqlite_engine) as session:
        planned = reablement.start_episode(
            session=session, user="setup", person_id=JOE, start_date=tomorrow, goals=["Walk"]
        )
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "duty.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        await open_record(app, pilot, JOE)
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, PlannedEpisodeDialog))
        app.screen.query_one("#choice", Select).value = "cancel"
        app.screen.query_one("#cancel-reason", Input).value = "Went into hospital"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen))
        await wait_for(pilot, lambda: app.screen.record.episodes[0].state == "cancelled")
    with unit_of_work(sqlite_engine) as session:
        again = reablement.start_episode(
            session=session, user="setup", person_id=JOE, start_date=tomorrow, goals=["Walk"]
        )
    clock.freeze(clock.now() + timedelta(days=2))  # a day after its planned start
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "duty.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        await open_record(app, pilot, JOE)
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, PlannedEpisodeDialog))
        app.screen.query_one("#started-on", Input).value = tomorrow.strftime("%d/%m/%Y")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen))
        await wait_for(pilot, lambda: any(e.state == "active" for e in app.screen.record.episodes))
    with Session(sqlite_engine) as session:
        rows = {e.id: e for e in session.exec(select(ReablementEpisode)).all()}
        assert (rows[planned.id].state, rows[planned.id].cancel_reason) == (
            "cancelled",
            "Went into hospital",
        )
        assert (rows[again.id].state, rows[again.id].start_date) == ("active", tomorrow)
