"""Pilot tests: an assessment that was never saved does not exist; a saved draft can be
discarded, with an audit event, and leaves the person's record."""

from __future__ import annotations

from factories import seen_version
from identity_support import signed_in
from sqlmodel import Session, func, select
from textual.widgets import TextArea
from tui_support import allocate_mary, seed_small_team, seed_with_worker, wait_for

from intapp.app import IntApp
from intapp.models import Assessment, AuditEvent
from intapp.screens.assessment import AssessmentScreen
from intapp.screens.dashboard import DashboardScreen
from intapp.screens.episode_dialogs import SignOffDialog
from intapp.screens.person import PersonScreen
from intapp.services.assessments import AssessmentIn, start_assessment
from intapp.store.engine import unit_of_work
from intapp.widgets.dialogs import ConfirmScreen
from intapp.widgets.paged_list import PagedList


def stored(engine) -> tuple[int, list[str]]:
    """How many assessments there are, and every change audited on them (views of them
    are tested in tests/test_tui_views.py)."""
    with Session(engine) as session:
        rows = session.exec(select(func.count()).select_from(Assessment)).one()
        actions = session.exec(
            select(AuditEvent.action)
            .where(AuditEvent.entity == "assessment", AuditEvent.action != "view")
            .order_by(AuditEvent.id)  # type: ignore[arg-type]
        ).all()
        return rows, list(actions)


async def open_person(app, pilot) -> PersonScreen:
    await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
    app.push_screen(PersonScreen(person_id=1))
    await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen) and app.screen.record)
    return app.screen


def assessments_listed(person: PersonScreen) -> int:
    """How many rows the record's assessments tab shows."""
    return person.query_one("#person-table", PagedList).table.row_count


async def test_a_new_assessment_left_unsaved_leaves_nothing_behind(sqlite_engine):
    seed_small_team(sqlite_engine)
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "sw.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        person = await open_person(app, pilot)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AssessmentScreen) and app.screen.form)
        assert "not saved yet" in str(app.screen.query_one("#assessment-status").render())
        assert not app.screen.check_action("discard", ())  # nothing saved to discard
        await pilot.press("escape")  # nothing typed: leaves without asking
        await wait_for(pilot, lambda: app.screen is person)
        assert stored(sqlite_engine) == (0, [])

        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AssessmentScreen) and app.screen.form)
        await pilot.press(*"My garden")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: app.screen is person)
        assert stored(sqlite_engine) == (0, [])
        await pilot.press("2")
        status = person.query_one("#person-table", PagedList).query_one(".paged-list--status")
        await wait_for(pilot, lambda: str(status.render()) == "No assessments yet.")
        assert assessments_listed(person) == 0


async def test_sign_off_without_what_matters_is_refused_before_anything_is_saved(sqlite_engine):
    seed_small_team(sqlite_engine)
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "sw.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        await open_person(app, pilot)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AssessmentScreen) and app.screen.form)
        screen = app.screen
        screen.query_one("#strengths", TextArea).text = "Good neighbours"
        await pilot.press("ctrl+o")
        await pilot.pause(0.2)
        assert app.screen is screen  # no confirmation: it could not be signed off
        assert screen.focused is screen.query_one("#what_matters")
        assert stored(sqlite_engine) == (0, [])


async def test_a_refused_sign_off_keeps_what_was_typed_as_a_saved_draft(sqlite_engine, monkeypatch):
    """Sign-off saves unsaved edits first, in their own transaction; when the sign-off
    itself is refused (no key worker to credit), the draft stays saved."""
    seed_small_team(sqlite_engine)  # Mary's case is not allocated to anyone
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "sw.c1"))
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(
        app, "notify", lambda message, **kw: shown.append((kw.get("title", ""), message))
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await open_person(app, pilot)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AssessmentScreen) and app.screen.form)
        screen = app.screen
        await pilot.press(*"My garden")
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, SignOffDialog))
        assert "Your changes are saved first" in str(
            app.screen.query_one("#sign-off-note").render()
        )
        await pilot.press("ctrl+s")  # dated today, as it defaults
        await wait_for(pilot, lambda: screen.assessment is not None)
        await wait_for(pilot, lambda: any("Nobody holds" in message for _, message in shown))
        assert screen.assessment.status == "draft"
        assert not screen.dirty
        assert screen.query_one("#what_matters", TextArea).text == "My garden"
        assert [title for title, message in shown if "Nobody holds" in message] == [
            "Not signed off"
        ]
    assert stored(sqlite_engine) == (1, ["create"])


async def test_a_saved_draft_is_discarded_with_an_audit_event(sqlite_engine):
    seed_small_team(sqlite_engine)
    with unit_of_work(sqlite_engine) as session:
        draft = start_assessment(
            session=session,
            user="sw.c1",
            person_id=1,
            content=AssessmentIn(what_matters="Seeing my grandchildren"),
        )
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "sw.c2"))
    async with app.run_test(size=(120, 40)) as pilot:
        person = await open_person(app, pilot)
        await pilot.press("2")
        await wait_for(pilot, lambda: assessments_listed(person) == 1)
        await pilot.press("enter")
        await wait_for(
            pilot, lambda: isinstance(app.screen, AssessmentScreen) and app.screen.assessment
        )
        assert app.screen.assessment_id == draft.id
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")  # kept
        await wait_for(pilot, lambda: isinstance(app.screen, AssessmentScreen))
        assert stored(sqlite_engine) == (1, ["create"])

        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: app.screen is person)
        await wait_for(pilot, lambda: assessments_listed(person) == 0)
        assert person.record is not None and person.record.assessments == []

    assert stored(sqlite_engine) == (0, ["create", "discard"])
    with Session(sqlite_engine) as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "discard")).one()
        assert (event.user, event.entity_id) == ("sw.c2", str(draft.id))
        assert event.changes["what_matters"] == ["Seeing my grandchildren", None]


async def test_a_signed_off_assessment_offers_no_discard(sqlite_engine):
    allocate_mary(sqlite_engine, seed_with_worker(sqlite_engine))
    with unit_of_work(sqlite_engine) as session:
        from intapp.services.assessments import sign_off_assessment

        draft = start_assessment(
            session=session, user="sw.c1", person_id=1, content=AssessmentIn(what_matters="Home")
        )
        sign_off_assessment(
            session=session,
            user="sw.c1",
            assessment_id=draft.id,
            expected_version=seen_version(session, Assessment, draft.id),
        )
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "sw.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        app.push_screen(AssessmentScreen(assessment_id=draft.id))
        await wait_for(
            pilot, lambda: isinstance(app.screen, AssessmentScreen) and app.screen.assessment
        )
        await pilot.press("ctrl+g")
        await pilot.pause(0.2)
        assert isinstance(app.screen, AssessmentScreen)
        assert not app.screen.check_action("discard", ())
    assert stored(sqlite_engine) == (1, ["create", "sign_off"])


def test_the_status_line_says_whether_it_is_saved_and_what_it_replaces(sqlite_engine):
    from dataclasses import replace

    from intapp.screens.assessment import status_text
    from intapp.services.assessment_editing import (
        open_assessment,
        open_new_assessment,
        open_superseding_assessment,
        save_draft,
    )
    from intapp.services.assessments import sign_off_assessment

    allocate_mary(sqlite_engine, seed_with_worker(sqlite_engine))
    with unit_of_work(sqlite_engine) as session:
        new = open_new_assessment(session=session, person_id=1)
        assert status_text(new) == "new draft, not saved yet (ctrl+s saves it)"
        content = replace(new.content, what_matters="Home")
        first = save_draft(session=session, user="sw.c1", form=new, content=content)
        assert status_text(replace(new, saved=first)) == "draft"
        sign_off_assessment(
            session=session,
            user="sw.c1",
            assessment_id=first.id,
            expected_version=seen_version(session, Assessment, first.id),
        )
        signed = open_assessment(session=session, assessment_id=first.id)
        assert status_text(signed).endswith("read-only: ctrl+r starts a superseding draft")
        superseding = open_superseding_assessment(session=session, assessment_id=first.id)
        assert status_text(superseding).startswith("new draft replacing the signed-off one")
        second = save_draft(session=session, user="sw.c1", form=superseding, content=content)
        assert status_text(replace(superseding, saved=second)) == (
            "draft replacing the signed-off one"
        )
        sign_off_assessment(
            session=session,
            user="sw.c1",
            assessment_id=second.id,
            expected_version=seen_version(session, Assessment, second.id),
        )
        old = open_assessment(session=session, assessment_id=first.id)
        assert status_text(old).endswith("read-only: a later assessment replaces it")
