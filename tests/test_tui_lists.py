"""Pilot tests: lists say where they are, keep the highlight through an action, say when a
filter emptied them, refresh their headers, and open a row with Enter or a click."""

from __future__ import annotations

from datetime import date, timedelta

from identity_support import signed_in
from sqlmodel import Session, select
from textual.widgets import Input, Label
from tui_support import seed_case_work, seed_small_team, wait_for

from intapp import clock
from intapp.app import IntApp
from intapp.models import CarePlan, Person, ReablementEpisode
from intapp.screens.assessment import AssessmentScreen
from intapp.screens.board import BoardScreen
from intapp.screens.caseload import CaseloadScreen
from intapp.screens.dashboard import DashboardScreen
from intapp.screens.episode_dialogs import EndEpisodeDialog, ExtendEpisodeDialog
from intapp.screens.person import PersonScreen
from intapp.screens.queue import QueueScreen
from intapp.screens.reablement import ReablementScreen
from intapp.screens.reviews import ReviewsScreen
from intapp.screens.triage import TriageScreen
from intapp.screens.worker_picker import WorkerPicker
from intapp.services import organisation, people
from intapp.services.people import PersonIn
from intapp.store.engine import unit_of_work
from intapp.widgets.dialogs import ReasonScreen
from intapp.widgets.paged_list import PagedList


def status_of(screen, selector: str = "PagedList") -> str:
    return str(screen.query_one(selector, PagedList).query_one(".paged-list--status").render())


def add_people(engine, count: int) -> list[int]:
    with unit_of_work(engine) as session:
        team = organisation.team_by_code(session=session, code="C1")
        return [
            people.create_person(
                session=session,
                user="setup",
                person_in=PersonIn(
                    given_name=f"Given{n:02}",
                    family_name=f"Family{n:02}",
                    date_of_birth=date(1940, 1, 1) + timedelta(days=n),
                    team_id=team.id,
                    local_id=f"L{n:03}",
                ),
            ).id
            for n in range(count)
        ]


async def test_a_long_list_pages_through_every_row_and_says_where_it_is(sqlite_engine):
    """The reviews list stopped at 200 while its tile counted more; now every row pages."""
    seed_case_work(sqlite_engine)
    ids = add_people(sqlite_engine, 44)
    with Session(sqlite_engine) as session:
        worker = session.exec(select(CarePlan.lead_worker_id)).one()
        for n, person_id in enumerate(ids):
            session.add(
                CarePlan(
                    person_id=person_id,
                    lead_worker_id=worker,
                    review_date=clock.today() - timedelta(days=n),
                    created_at=clock.now(),
                )
            )
        session.commit()
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "lead.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await wait_for(pilot, lambda: "45" in str(app.screen.query_one("#reviews").label))
        await pilot.press("v")
        await wait_for(pilot, lambda: isinstance(app.screen, ReviewsScreen) and app.screen.due)
        screen = app.screen
        assert status_of(screen) == "Plan reviews 1–40 of 45 · pgdn next page"
        await pilot.press("pagedown")
        await wait_for(
            pilot, lambda: status_of(screen) == "Plan reviews 41–45 of 45 · pgup previous page"
        )
        assert len(screen.due) == 5
        await pilot.press("pageup")
        await wait_for(pilot, lambda: status_of(screen).startswith("Plan reviews 1–40 of 45"))


async def test_a_filter_that_empties_the_queue_says_so(sqlite_engine):
    seed_small_team(sqlite_engine)
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "duty.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen) and app.screen.rows)
        screen = app.screen
        assert status_of(screen).startswith("Referrals 1–2 of 2 · first due ")
        await pilot.press(*"zebra")
        await wait_for(pilot, lambda: not screen.rows)
        assert status_of(screen) == "No referrals in the queue match the filter."


async def test_the_app_wide_keys_work_while_typing_a_queue_filter(sqlite_engine):
    seed_small_team(sqlite_engine)
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "duty.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen) and app.screen.rows)
        await pilot.press(*"smi")
        assert isinstance(app.focused, Input) and app.focused.value == "smi"
        app.focused.cursor_position = 0
        # ctrl+d goes to the dashboard rather than deleting the "s".
        await pilot.press("ctrl+d")
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen) and app.screen.rows)
        await pilot.press(*"smi", "ctrl+q")
        await wait_for(pilot, lambda: app.return_code is not None)
    assert app.return_code == 0


async def test_after_a_triage_the_highlight_moves_to_the_neighbour(sqlite_engine):
    seed_small_team(sqlite_engine)
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "duty.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen) and app.screen.rows)
        queue = app.screen
        first, second = queue.rows
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TriageScreen) and app.screen.data)
        app.screen.query_one("#pathway").value = "case_management"
        await pilot.press("ctrl+s")
        # The worker choice opens over the queue; leaving it for later shows the queue.
        await wait_for(pilot, lambda: type(app.screen).__name__ == "AllocateNowDialog")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is queue and len(queue.rows) == 1)
        assert queue.paged.highlighted == second != first


async def test_a_resized_queue_keeps_its_highlight(sqlite_engine):
    seed_small_team(sqlite_engine)
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "duty.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen) and app.screen.rows)
        queue = app.screen
        await pilot.press("down")
        second = queue.rows[1]
        assert queue.paged.highlighted == second
        width = queue.reason_width
        await pilot.resize_terminal(160, 40)  # the reason column widens
        await wait_for(pilot, lambda: queue.reason_width != width)
        await pilot.pause()
        assert queue.paged.highlighted == second


def two_running_episodes(engine) -> list[str]:
    seed_small_team(engine)
    with Session(engine) as session:
        persons = session.exec(select(Person).order_by(Person.id)).all()
        for n, person in enumerate(persons):
            start = clock.today() - timedelta(days=10 + n)
            session.add(
                ReablementEpisode(
                    person_id=person.id,
                    state="active",
                    start_date=start,
                    planned_end_date=start + timedelta(days=42),
                )
            )
        session.commit()
        # Longest-running first, as the list shows them.
        return [p.display_name for p in reversed(persons)]


async def test_after_extending_an_episode_the_next_key_acts_on_the_same_person(sqlite_engine):
    """Extending one episode and then pressing x ended a different person's episode."""
    first, second = two_running_episodes(sqlite_engine)
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "ot.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ReablementScreen))
        screen = app.screen
        await wait_for(pilot, lambda: len(screen.active) == 2)
        assert [row.person_name for row in screen.active] == [first, second]
        await pilot.press("down", "e")
        await wait_for(pilot, lambda: isinstance(app.screen, ExtendEpisodeDialog))
        app.screen.query_one("#reason", Input).value = "Waiting for a stair rail"
        await pilot.press("ctrl+s")
        await wait_for(
            pilot,
            lambda: app.screen is screen and screen.active[1].episode.extension_reason,
        )
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, EndEpisodeDialog))
        assert second in str(app.screen.query_one(".dialog-title", Label).render())


async def test_a_caseload_header_follows_its_cases_and_a_click_opens_a_person(sqlite_engine):
    seed_case_work(sqlite_engine)  # Ann Lee holds one case of 8 points
    with unit_of_work(sqlite_engine) as session:
        team = organisation.team_by_code(session=session, code="C1")
        organisation.add_worker(
            session=session,
            user="setup",
            staff_id="W2",
            given_name="Bo",
            family_name="Ng",
            profession="occupational_therapist",
            team_id=team.id,
            caseload_limit=100,
        )
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "lead.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await pilot.press("b")
        await wait_for(pilot, lambda: isinstance(app.screen, BoardScreen) and app.screen.loads)
        board = app.screen
        ann = next(i for i, w in enumerate(board.loads) if w.name == "Ann Lee")
        board.paged.table.move_cursor(row=ann)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CaseloadScreen) and app.screen.rows)
        caseload = app.screen
        title = caseload.query_one("#caseload-title")
        assert "8/10" in str(title.render())

        # A click on a case opens the person's record.
        await pilot.click(caseload.paged.table, offset=(5, 1))
        await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen))
        assert app.screen.person_id == caseload.rows[0].person_id
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is caseload)

        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, WorkerPicker) and app.screen.loads)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ReasonScreen))
        app.screen.query_one(Input).value = "Needs an OT"
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is caseload and not caseload.rows)
        await wait_for(pilot, lambda: "0/10" in str(title.render()))
        assert status_of(caseload) == "Ann Lee holds no open cases."

        # And the board shows the new loads when it is back on screen.
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is board)
        await wait_for(pilot, lambda: next(w for w in board.loads if w.name == "Ann Lee").load == 0)


async def test_enter_on_a_timeline_entry_opens_what_it_is_about(sqlite_engine):
    seed_case_work(sqlite_engine)  # Mary has an assessment, a plan and an episode
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "sw.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        with Session(sqlite_engine) as session:
            mary = session.exec(select(Person).where(Person.given_name == "Mary")).one()
        app.push_screen(PersonScreen(person_id=mary.id))
        await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen))
        person = app.screen
        timeline = person.query_one("#timeline-list", PagedList)
        await wait_for(pilot, lambda: timeline.rows)
        kinds = [entry.kind for _, entry in timeline.rows]
        timeline.table.move_cursor(row=kinds.index("assessment"))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, AssessmentScreen))
        await wait_for(pilot, lambda: app.screen.assessment is not None)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is person)

        # A click highlights a row; a click on the highlighted row opens it.
        row = kinds.index("reablement")
        await pilot.click(timeline.table, offset=(5, 1 + row))
        assert person.query_one("Tabs").active == "timeline"
        assert timeline.highlighted == timeline.rows[row]
        await pilot.click(timeline.table, offset=(5, 1 + row))
        await wait_for(pilot, lambda: person.query_one("Tabs").active == "reablement")


async def test_a_click_opens_an_assessment_on_the_person_record(sqlite_engine):
    from intapp.services.assessments import start_assessment

    seed_case_work(sqlite_engine)  # Mary has one assessment and one episode
    with unit_of_work(sqlite_engine) as session:
        mary = session.exec(select(Person).where(Person.given_name == "Mary")).one()
        review = start_assessment(
            session=session, user="setup", person_id=mary.id, assessment_type="review"
        )
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "sw.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        app.push_screen(PersonScreen(person_id=mary.id))
        await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen) and app.screen.record)
        person = app.screen
        listed = person.query_one("#person-table", PagedList)
        await pilot.press("2")
        await wait_for(pilot, lambda: len(listed.rows) == 2)
        assert str(listed.query_one(".paged-list--status").render()) == "Assessments 1–2 of 2"
        assert {a.id for _, a in listed.rows} > {review.id}
        assert listed.highlighted == listed.rows[0]
        chosen = listed.rows[1][1].id

        # A click highlights a row; a click on the highlighted row opens it.
        await pilot.click(listed.table, offset=(5, 2))
        assert app.screen is person and listed.highlighted == listed.rows[1]
        await pilot.click(listed.table, offset=(5, 2))
        await wait_for(pilot, lambda: isinstance(app.screen, AssessmentScreen))
        assert app.screen.assessment_id == chosen
        await wait_for(pilot, lambda: app.screen.assessment is not None)
        shown = person.record
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is person)

        # Back on the record, it is read again and the highlight stays on that assessment.
        await wait_for(pilot, lambda: person.record is not shown)
        await pilot.pause()
        assert listed.highlighted is not None and listed.highlighted[1].id == chosen

        # The reablement tab lists the episodes in the same list, in its own columns.
        await pilot.press("4")
        await wait_for(pilot, lambda: len(listed.rows) == 1)
        assert [c.label.plain for c in listed.table.columns.values()][:3] == [
            "Start",
            "Type",
            "State",
        ]
        assert str(listed.query_one(".paged-list--status").render()) == "Episode 1–1 of 1"
        await pilot.click(listed.table, offset=(5, 1))  # an episode has nothing more to open
        await pilot.pause(0.2)
        assert app.screen is person
