"""Snapshots of the case-note editor (with text written) and of a note read in full with
an addendum beneath it."""

from __future__ import annotations

import pytest
from identity_support import signed_in
from test_snapshots import _dashboard, settling
from tui_support import seed_case_work, stop_blinking, wait_for

from intapp import clock
from intapp.app import IntApp
from intapp.screens.note_editor import NoteEditorScreen
from intapp.screens.note_view import NoteScreen
from intapp.screens.person import PersonScreen
from intapp.services import case_notes
from intapp.store.engine import unit_of_work

SIZE = (120, 40)


@pytest.fixture
def notes_app(sqlite_engine) -> IntApp:
    seed_case_work(sqlite_engine)
    with unit_of_work(sqlite_engine) as session:
        note = case_notes.write_note(
            session=session,
            user="asha.khan",
            person_id=1,
            kind="home_visit",
            contact_with="carer",
            contact_at=clock.now(),
            text="Visited Mary with her daughter.\nThe kitchen trolley is in use; no falls "
            "since the rails went in. Mary wants to try the bus to church next week.",
            significant=True,
        )
        case_notes.add_addendum(
            session=session,
            user="ben.lloyd",
            note_id=note.id,
            text="Correction: it was her niece, not her daughter.",
        )
    return IntApp(database_url=signed_in(str(sqlite_engine.url), "asha.khan"))


async def _mary(pilot, app: IntApp) -> None:
    await _dashboard(pilot)
    app.push_screen(PersonScreen(person_id=1))
    await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen) and app.screen.record)


def test_note_editor(snap_compare, notes_app):
    async def loaded(pilot):
        await _mary(pilot, notes_app)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(notes_app.screen, NoteEditorScreen))
        await pilot.press(*"Phoned Mary: she is managing.")
        stop_blinking(pilot)

    assert snap_compare(notes_app, terminal_size=SIZE, run_before=settling(loaded))


def test_note_view_with_an_addendum(snap_compare, notes_app):
    async def loaded(pilot):
        await _mary(pilot, notes_app)
        await pilot.press("enter")
        await wait_for(
            pilot, lambda: isinstance(notes_app.screen, NoteScreen) and notes_app.screen.note
        )
        stop_blinking(pilot)

    assert snap_compare(notes_app, terminal_size=SIZE, run_before=settling(loaded))


def test_person_timeline_with_a_note(snap_compare, notes_app):
    async def loaded(pilot):
        await _mary(pilot, notes_app)
        stop_blinking(pilot)

    assert snap_compare(notes_app, terminal_size=SIZE, run_before=settling(loaded))
