"""Pilot tests: assess and sign off; write a care plan and edit it into version 2."""

from __future__ import annotations

from factories import seen_version
from identity_support import signed_in
from sqlmodel import Session, select
from textual.widgets import Checkbox, Input, Select, TextArea
from tui_support import allocate_mary, seed_with_worker, wait_for

from intapp.app import IntApp
from intapp.models import Assessment, AuditEvent, CarePlan, CarePlanVersion, Referral
from intapp.screens.assessment import AssessmentScreen
from intapp.screens.care_plan import CarePlanScreen
from intapp.screens.episode_dialogs import SignOffDialog
from intapp.screens.person import PersonScreen
from intapp.screens.plan_dialogs import ActionDialog
from intapp.services import allocations, organisation, referrals
from intapp.services.weekly_summary import weekly_summary
from intapp.store.engine import unit_of_work
from intapp.widgets.dialogs import ConfirmScreen


async def open_person(app, pilot) -> None:
    await wait_for(pilot, lambda: app.screen.__class__.__name__ == "DashboardScreen")
    app.push_screen(PersonScreen(person_id=1))
    await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen) and app.screen.record)


async def test_assess_then_sign_off_makes_it_read_only(sqlite_engine):
    worker_id = seed_with_worker(sqlite_engine)
    allocate_mary(sqlite_engine, worker_id)
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "sw.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        await open_person(app, pilot)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AssessmentScreen))
        screen = app.screen
        await wait_for(pilot, lambda: screen.form is not None)
        assert screen.assessment is None  # not saved, so not yet in the store
        screen.query_one("#what_matters", TextArea).text = "Getting back to my allotment"
        screen.query_one("#strengths", TextArea).text = "Determined; good with neighbours"
        screen.query_one("#achieve-nutrition", Select).value = "unable"
        screen.query_one("#note-nutrition", Input).value = "Cannot stand to cook"
        screen.query_one("#cond", Checkbox).value = True
        screen.query_one("#impact", Checkbox).value = True
        await pilot.pause(0.1)
        assert "Not eligible" in str(screen.query_one("#eligibility").render())
        screen.query_one("#achieve-home_safety", Select).value = "with_support"
        await pilot.pause(0.1)
        assert "Eligible" in str(screen.query_one("#eligibility").render())
        assert "Not eligible" not in str(screen.query_one("#eligibility").render())
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, SignOffDialog))
        assert "Your changes are saved first" in str(
            app.screen.query_one("#sign-off-note").render()
        )
        await pilot.press("ctrl+s")  # dated today, as it defaults
        # Saved as a draft first, then signed off: two transactions.
        await wait_for(
            pilot, lambda: screen.assessment and screen.assessment.status == "signed_off"
        )
        assert screen.query_one("#what_matters", TextArea).disabled
        # Supersede: a new draft, copied from it, opens over it, unsaved until ctrl+s.
        await pilot.press("ctrl+r")
        await wait_for(
            pilot,
            lambda: (
                isinstance(app.screen, AssessmentScreen)
                and app.screen is not screen
                and app.screen.form is not None
            ),
        )
        assert app.screen.assessment is None
        assert app.screen.query_one("#what_matters", TextArea).text == (
            "Getting back to my allotment"
        )
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen.assessment is not None)
        assert app.screen.assessment.status == "draft"

    with Session(sqlite_engine) as session:
        saved, draft = session.exec(select(Assessment).order_by(Assessment.id)).all()
        assert draft.supersedes_id == saved.id
        actions = session.exec(
            select(AuditEvent.action)
            .where(AuditEvent.entity == "assessment", AuditEvent.entity_id == str(saved.id))
            .order_by(AuditEvent.id)
        ).all()
        # Superseding shows the signed-off assessment in the new draft: a view of it.
        assert actions == ["create", "sign_off", "view"]
        assert (saved.status, saved.eligible, saved.signed_off_by) == ("signed_off", True, "sw.c1")
        # Credited to Mary's key worker, so the weekly summary counts it.
        assert saved.assessor_id == draft.assessor_id == worker_id
        summary = weekly_summary(session=session, week="2026-W48")
        by_level = {row.level: row.cell("assessments_signed_off") for row in summary.rows}
        assert by_level == {"worker": 1, "team": 1, "locality": 1, "city": 1}
        assert saved.what_matters == "Getting back to my allotment"
        nutrition = next(o for o in saved.outcomes if o["code"] == "nutrition")
        assert (nutrition["achievement"], nutrition["reason"]) == ("unable", "Cannot stand to cook")


async def test_write_a_care_plan_then_edit_it_into_version_two(sqlite_engine):
    worker_id = seed_with_worker(sqlite_engine)
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "sw.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        await open_person(app, pilot)
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, CarePlanScreen) and app.screen.data)
        screen = app.screen
        screen.query_one("#lead", Select).value = worker_id
        screen.query_one("#goals", TextArea).text = "I want to walk to church on Sundays"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: screen.data and screen.data.plan is not None)

        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: isinstance(app.screen, ActionDialog))
        app.screen.query_one("#who", Input).value = "OT"
        app.screen.query_one("#what", Input).value = "Fit a stair rail"
        app.screen.query_one("#by", Input).value = "04/12/2026"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, CarePlanScreen) and screen.actions)
        screen.query_one("#note", Input).value = "Added stair rail"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: screen.data.plan and screen.data.plan.number == 2)

    with Session(sqlite_engine) as session:
        plan = session.exec(select(CarePlan)).one()
        versions = session.exec(select(CarePlanVersion).order_by(CarePlanVersion.number)).all()
        assert plan.current_number == 2
        assert [v.actions for v in versions] == [
            [],
            [
                {
                    "who": "OT",
                    "worker_id": None,
                    "what": "Fit a stair rail",
                    "by_when": "2026-12-04",
                    "status": "open",
                }
            ],
        ]
        assert versions[0].goals == ["I want to walk to church on Sundays"]
        assert versions[1].change_note == "Added stair rail"


async def test_opening_a_record_is_audited_as_a_view(sqlite_engine):

    def views() -> list[tuple[str, str, str]]:
        with Session(sqlite_engine) as session:
            rows = session.exec(select(AuditEvent).where(AuditEvent.action == "view")).all()
            return [(v.user, v.entity, v.entity_id) for v in rows]

    seed_with_worker(sqlite_engine)
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "sw.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        await open_person(app, pilot)
        timeline = app.screen.query_one("#timeline-list")
        await wait_for(pilot, lambda: timeline.rows)
        assert all("view" not in entry.text for _, entry in timeline.rows)
        # Written beside the read, so it may land just after the record shows.
        await wait_for(pilot, lambda: views() == [("sw.c1", "person", "1")])


async def test_record_tabs_show_each_list_and_open_the_highlighted_assessment(sqlite_engine):
    from intapp.widgets.paged_list import PagedList

    seed_with_worker(sqlite_engine)
    with unit_of_work(sqlite_engine) as session:
        from intapp.services.assessments import start_assessment

        started = start_assessment(session=session, user="sw.c1", person_id=1)
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "sw.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        await open_person(app, pilot)
        listed = app.screen.query_one("#person-table", PagedList)
        table = listed.table
        timeline = app.screen.query_one("#timeline-list")
        plan = app.screen.query_one("#person-plan-view")
        columns = timeline.table.columns.values()
        assert [c.label.plain for c in columns] == ["When", "What", "Detail"]
        assert timeline.display and not listed.display

        await pilot.press("2")
        await wait_for(pilot, lambda: table.row_count == 1)
        assert [c.label.plain for c in table.columns.values()][:3] == ["Started", "Type", "Status"]
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, AssessmentScreen))
        assert app.screen.assessment_id == started.id
        await wait_for(pilot, lambda: app.screen.assessment is not None)
        await pilot.press("escape")  # nothing edited: leaves without asking
        await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen))

        await pilot.press("3")
        await wait_for(pilot, lambda: plan.display and not listed.display)
        assert app.screen.focused is plan  # the arrows scroll the plan
        await pilot.press("4")
        await wait_for(pilot, lambda: listed.display and not plan.display)
        assert app.screen.focused is table  # and move through the rows again
        assert [c.label.plain for c in table.columns.values()][:2] == ["Start", "Type"]


async def test_leaving_a_plan_without_changes_does_not_ask(sqlite_engine):
    seed_with_worker(sqlite_engine)
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "sw.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        await open_person(app, pilot)
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, CarePlanScreen) and app.screen.data)
        await pilot.pause(0.2)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen))


async def test_plan_keys_work_from_the_text_fields(sqlite_engine):
    from intapp.screens.plan_dialogs import ItemDialog, VersionsDialog

    worker_id = seed_with_worker(sqlite_engine)
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "sw.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        await open_person(app, pilot)
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, CarePlanScreen) and app.screen.data)
        screen = app.screen
        assert screen.focused is screen.query_one("#goals", TextArea)
        screen.query_one("#lead", Select).value = worker_id
        await pilot.press(*"Walk to church")  # typed straight into the focused goals
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: screen.data and screen.data.plan is not None)

        # Saving again with nothing changed does not make a version 2.
        await pilot.press("ctrl+s")
        await pilot.pause(0.3)
        assert screen.data.plan.number == 1

        screen.query_one("#goals", TextArea).focus()
        await pilot.press("ctrl+e")  # the text area's end-of-line key, taken by the screen
        await wait_for(pilot, lambda: isinstance(app.screen, ItemDialog))
        assert isinstance(app.screen.focused, Input | Select)  # the first field, ready to type
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, CarePlanScreen))
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: isinstance(app.screen, VersionsDialog))

    with Session(sqlite_engine) as session:
        versions = session.exec(select(CarePlanVersion)).all()
        assert [v.goals for v in versions] == [["Walk to church"]]


async def test_a_dialog_asks_before_discarding_what_was_typed(sqlite_engine):
    seed_with_worker(sqlite_engine)
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "sw.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        await open_person(app, pilot)
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, CarePlanScreen) and app.screen.data)
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: isinstance(app.screen, ActionDialog))
        await pilot.press("escape")  # nothing typed: closes
        await wait_for(pilot, lambda: isinstance(app.screen, CarePlanScreen))
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: isinstance(app.screen, ActionDialog))
        await pilot.press(*"OT", "escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, ActionDialog))
        assert app.screen.query_one("#who", Input).value == "OT"
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, CarePlanScreen))


async def test_a_first_care_plan_starts_with_the_allocated_worker_as_lead(sqlite_engine):
    seed_with_worker(sqlite_engine)
    with unit_of_work(sqlite_engine) as session:
        team = organisation.team_by_code(session=session, code="C1")
        allocated = organisation.add_worker(
            session=session,
            user="setup",
            staff_id="W2",
            given_name="Bo",
            family_name="Ray",
            profession="occupational_therapist",
            team_id=team.id,
        )
        referral = session.exec(select(Referral).where(Referral.person_id == 1)).one()
        referrals.triage_referral(
            session=session,
            user="setup",
            referral_id=referral.id,
            priority="soon",
            pathway="case_management",
            expected_version=seen_version(session, Referral, referral.id),
        )
        allocations.allocate(
            session=session,
            user="setup",
            referral_id=referral.id,
            worker_id=allocated,
            weight=6,
            expected_version=seen_version(session, Referral, referral.id),
        )
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "sw.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        await open_person(app, pilot)
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, CarePlanScreen) and app.screen.data)
        assert app.screen.query_one("#lead", Select).value == allocated


async def test_a_plan_the_service_refuses_says_why_under_the_form(sqlite_engine):
    worker_id = seed_with_worker(sqlite_engine)
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "sw.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        await open_person(app, pilot)
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, CarePlanScreen) and app.screen.data)
        screen = app.screen
        screen.query_one("#lead", Select).value = worker_id
        screen.query_one("#goals", TextArea).text = "   "  # no goal: refused by the service
        await pilot.press("ctrl+s")
        error = screen.query_one("#plan-error")
        await wait_for(pilot, lambda: "at least one goal" in str(error.render()))
        assert app.screen is screen and screen.data.plan is None
    with Session(sqlite_engine) as session:
        assert session.exec(select(CarePlan)).all() == []
