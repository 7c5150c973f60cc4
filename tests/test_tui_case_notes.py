"""Pilot tests: a note written from the record, an addendum beneath it, the question
before unsaved text is lost, the timeline's filter, and Enter on any timeline entry."""

from __future__ import annotations

from identity_support import signed_in
from sqlmodel import Session, select
from textual.widgets import Input, Static, Tab, TextArea
from tui_support import seed_case_work, wait_for

from intapp import clock
from intapp.app import IntApp
from intapp.models import CaseNote, CaseNoteAddendum, Referral
from intapp.screens.dashboard import DashboardScreen
from intapp.screens.note_editor import NoteEditorScreen
from intapp.screens.note_view import EntryTextScreen, NoteScreen
from intapp.screens.person import PersonScreen
from intapp.services import case_notes
from intapp.store.engine import unit_of_work
from intapp.widgets.dialogs import ConfirmScreen
from intapp.widgets.paged_list import PagedList

MARY = 1


def _app(engine) -> IntApp:
    seed_case_work(engine)
    return IntApp(database_url=signed_in(str(engine.url), "asha.khan"))


def _seed_note(engine, text: str = "Rang Mary's daughter.\nShe will visit on Friday.") -> int:
    with unit_of_work(engine) as session:
        note = case_notes.write_note(
            session=session,
            user="setup",
            person_id=MARY,
            kind="phone_call",
            contact_with="carer",
            contact_at=clock.now(),
            text=text,
            significant=True,
        )
    return note.id


async def _open_mary(app: IntApp, pilot) -> PersonScreen:
    await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
    app.push_screen(PersonScreen(person_id=MARY))
    await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen) and app.screen.record)
    screen = app.screen
    assert isinstance(screen, PersonScreen)
    return screen


def _timeline(screen: PersonScreen) -> PagedList:
    return screen.query_one("#timeline-list", PagedList)


async def test_a_note_written_from_the_record_tops_its_timeline(sqlite_engine):
    app = _app(sqlite_engine)
    async with app.run_test(size=(120, 40)) as pilot:
        person = await _open_mary(app, pilot)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, NoteEditorScreen))
        editor = app.screen
        assert editor.query_one("#note-text", TextArea).has_focus
        await pilot.press(*"Home visit. Kitchen trolley in use.")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is person)
        await wait_for(pilot, lambda: _timeline(person).rows[0][1].opens == "note")
        top = _timeline(person).highlighted
        assert top is not None and top[1].kind == "home visit"
        assert top[1].text.endswith("(asha.khan): Home visit. Kitchen trolley in use.")
    with Session(sqlite_engine) as session:
        note = session.exec(select(CaseNote)).one()
        mary_case = session.exec(select(Referral.id).where(Referral.person_id == MARY)).one()
        # Her one allocated case is linked by default.
        assert (note.author, note.referral_id, note.significant) == ("asha.khan", mary_case, False)


async def test_an_addendum_is_added_beneath_the_note_opened_from_the_timeline(sqlite_engine):
    app = _app(sqlite_engine)
    note_id = _seed_note(sqlite_engine)
    async with app.run_test(size=(120, 40)) as pilot:
        person = await _open_mary(app, pilot)
        assert _timeline(person).highlighted[1].opens_id == note_id
        assert "significant" in _timeline(person).highlighted[1].text
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, NoteScreen) and app.screen.note)
        view = app.screen
        assert "She will visit on Friday." in str(view.query_one("#note-body").render())
        await pilot.press("a")
        await wait_for(pilot, lambda: app.screen.query("#addendum-text"))
        await pilot.press(*"It was Saturday, not Friday.")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is view and len(view.note.addenda) == 1)
        body = str(view.query_one("#note-body").render())
        assert "It was Saturday, not Friday." in body and "asha.khan" in body
    with Session(sqlite_engine) as session:
        addendum = session.exec(select(CaseNoteAddendum)).one()
        assert (addendum.note_id, addendum.author) == (note_id, "asha.khan")
        assert session.get(CaseNote, note_id).text.endswith("Friday.")  # type: ignore[union-attr]


async def test_leaving_a_written_note_asks_first(sqlite_engine):
    app = _app(sqlite_engine)
    async with app.run_test(size=(120, 40)) as pilot:
        person = await _open_mary(app, pilot)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, NoteEditorScreen))
        editor = app.screen
        await pilot.press("escape")  # nothing written: leaves at once
        await wait_for(pilot, lambda: app.screen is person)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, NoteEditorScreen))
        editor = app.screen
        await pilot.press(*"Half a thought")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")  # keep writing
        await wait_for(pilot, lambda: app.screen is editor)
        assert editor.query_one("#note-text", TextArea).text == "Half a thought"
        # A contact in the future is refused under the form, at the time field.
        editor.query_one("#note-when", Input).value = "01/12/2030 10:00"
        await pilot.press("ctrl+s")
        error = editor.query_one("#note-error", Static)
        await wait_for(pilot, lambda: "future" in str(error.render()))
        assert editor.query_one("#note-when", Input).has_focus
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: app.screen is person)
    with Session(sqlite_engine) as session:
        assert session.exec(select(CaseNote)).all() == []


async def test_the_timeline_filter_cycles_and_says_what_it_shows(sqlite_engine):
    app = _app(sqlite_engine)
    _seed_note(sqlite_engine)
    async with app.run_test(size=(120, 40)) as pilot:
        person = await _open_mary(app, pilot)
        timeline = _timeline(person)
        everything = timeline.total
        assert everything is not None and everything > 1
        tab = person.query_one("#timeline", Tab)
        await pilot.press("f")
        await wait_for(pilot, lambda: timeline.total == 1)
        assert "notes only" in str(tab.label)
        await pilot.press("f")
        await wait_for(pilot, lambda: "significant only" in str(tab.label))
        await wait_for(pilot, lambda: [e.significant for _, e in timeline.rows] == [True])
        await pilot.press("f")
        await wait_for(pilot, lambda: timeline.total == everything - 1)
        assert all(e.opens != "note" for _, e in timeline.rows)
        await pilot.press("f")
        await wait_for(pilot, lambda: timeline.total == everything)
        assert str(tab.label) == "1 Timeline"


async def test_enter_on_a_triage_entry_shows_its_note_in_full(sqlite_engine):
    app = _app(sqlite_engine)
    with unit_of_work(sqlite_engine) as session:
        referral = session.exec(select(Referral).where(Referral.person_id == MARY)).one()
        referral.triage_note = "Lives alone; daughter visits weekends. Falls risk at night."
    async with app.run_test(size=(120, 40)) as pilot:
        person = await _open_mary(app, pilot)
        timeline = _timeline(person)
        at = next(i for i, (_, e) in enumerate(timeline.rows) if e.kind == "triaged")
        timeline.table.move_cursor(row=at)
        await pilot.pause()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, EntryTextScreen))
        shown = " ".join(str(s.render()) for s in app.screen.query("Static"))
        assert "Triage note: Lives alone; daughter visits weekends. Falls risk at night." in shown
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is person)


async def test_a_note_written_on_the_reablement_tab_is_linked_to_the_episode(sqlite_engine):
    app = _app(sqlite_engine)
    async with app.run_test(size=(120, 40)) as pilot:
        person = await _open_mary(app, pilot)
        await pilot.press("4")
        table = person.query_one("#person-table", PagedList)
        await wait_for(pilot, lambda: table.highlighted is not None)
        episode = table.highlighted[1]
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, NoteEditorScreen))
        heading = str(app.screen.query_one("#note-heading", Static).render())
        assert "reablement episode from" in heading
        await pilot.press(*"Day 37 review call.")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is person)
    with Session(sqlite_engine) as session:
        note = session.exec(select(CaseNote)).one()
        assert note.episode_id == episode.id


async def test_text_that_rich_markup_would_misread_opens_in_the_timeline_and_the_plan(
    sqlite_engine,
):
    """A backslash before "[/]" (a Windows path, say) in a note or an action used to stop
    the app each time the record or plan opened; notes cannot be edited, so for good."""
    from datetime import timedelta

    from intapp.screens.care_plan import CarePlanScreen
    from intapp.services import care_plans

    typed = "Letter saved in C:\\[/]letters\\[b]"
    app = _app(sqlite_engine)
    _seed_note(sqlite_engine, typed)
    with unit_of_work(sqlite_engine) as session:
        plan = care_plans.current_plan(session=session, person_id=MARY)
        assert plan is not None
        care_plans.add_action(
            session=session,
            user="setup",
            person_id=MARY,
            who="Age UK [/] \\[/]",
            what=typed,
            by_when=clock.today() + timedelta(days=7),
            expected_version=plan.version,
        )
    async with app.run_test(size=(120, 40)) as pilot:
        person = await _open_mary(app, pilot)
        await wait_for(pilot, lambda: _timeline(person).rows)
        await pilot.pause()
        top = _timeline(person).table.get_row_at(0)
        assert typed in str(top[2])
        app.push_screen(CarePlanScreen(person_id=MARY))
        await wait_for(pilot, lambda: isinstance(app.screen, CarePlanScreen))
        await pilot.pause(0.2)
        assert app.return_code is None and app.is_running


async def test_choosing_another_case_drops_the_episode_and_says_so(sqlite_engine):
    from textual.widgets import Select

    from intapp.screens.note_editor import NOT_LINKED

    app = _app(sqlite_engine)
    async with app.run_test(size=(120, 40)) as pilot:
        person = await _open_mary(app, pilot)
        await pilot.press("4")
        table = person.query_one("#person-table", PagedList)
        await wait_for(pilot, lambda: table.highlighted is not None)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, NoteEditorScreen))
        editor = app.screen
        editor.query_one("#note-case", Select).value = NOT_LINKED
        heading = editor.query_one("#note-heading", Static)
        await wait_for(pilot, lambda: "its case was changed" in str(heading.render()))
        assert "reablement episode from" not in str(heading.render())
        await pilot.press(*"Called about another matter.")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is person)
    with Session(sqlite_engine) as session:
        note = session.exec(select(CaseNote)).one()
        assert (note.episode_id, note.referral_id) == (None, None)
