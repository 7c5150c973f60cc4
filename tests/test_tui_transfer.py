"""Pilot tests: transfer a case to another team, accept and return it; record a worker
away, share their cases while away and give them back; triage and allocate in 8 keys,
skipping a worker who is away."""

from __future__ import annotations

from datetime import timedelta

from identity_support import signed_in
from sqlmodel import Session, col, select
from test_tui_reassign import give_reason, open_ann_caseload
from textual.widgets import Input, Select
from tui_support import seed_case_work, seed_small_team, wait_for

from intapp import clock
from intapp.app import IntApp
from intapp.models import Allocation, Referral, Transfer
from intapp.screens.absence_dialogs import AbsenceDialog
from intapp.screens.caseload import caseload_cells
from intapp.screens.dashboard import DashboardScreen
from intapp.screens.queue import QueueScreen, queue_cells
from intapp.screens.transfer_dialogs import (
    AllocateNowDialog,
    TransferDecisionDialog,
    TransferDialog,
)
from intapp.screens.worker_picker import WorkerPicker
from intapp.services import absences, organisation, transfers
from intapp.store.engine import unit_of_work
from intapp.widgets.dialogs import ConfirmScreen, ReasonScreen


def add_second_team(engine) -> tuple[int, int]:
    """Team C2 with one social worker; (team id, worker id)."""
    with unit_of_work(engine) as session:
        team = organisation.add_team(
            session=session, user="setup", code="C2", name="Gorton", locality="Central"
        )
        worker = organisation.add_worker(
            session=session,
            user="setup",
            staff_id="W9",
            given_name="Dev",
            family_name="Rao",
            profession="social_worker",
            team_id=team.id,
        )
        return team.id, worker


def mary(session: Session) -> Referral:
    return session.exec(select(Referral).where(Referral.reason == "Fall at home")).one()


async def open_queue_row(app, pilot, person: str) -> QueueScreen:
    """Open the queue from the dashboard and press enter on `person`'s row."""
    await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
    await pilot.press("q")
    await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen) and app.screen.rows)
    queue = app.screen
    row = next(i for i, r in enumerate(queue.rows) if r.person_name == person)
    queue.query_one("DataTable").move_cursor(row=row)
    await pilot.pause()
    marks = queue_cells(queue.paged.highlighted)
    await pilot.press("enter")
    queue.seen_marks = marks  # type: ignore[attr-defined]
    return queue


async def test_transfer_from_the_caseload_then_accept_and_allocate_there(sqlite_engine):
    seed_case_work(sqlite_engine)
    c2, dev = add_second_team(sqlite_engine)
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "lead.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        caseload = await open_ann_caseload(app, pilot)
        await pilot.press("t")
        await wait_for(
            pilot,
            lambda: (
                isinstance(app.screen, TransferDialog)
                and len(app.screen.query_one("#team", Select)._options) > 1
            ),
        )
        app.screen.query_one("#team", Select).value = c2
        app.screen.query_one("#reason", Input).value = "Moved to Gorton"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is caseload)
        # Still Ann's until C2 accepts, and marked so.
        await wait_for(pilot, lambda: caseload.rows and caseload.rows[0].transfer)
        assert "⇄ to C2, awaiting accept" in caseload_cells(caseload.rows[0])[2]
        await pilot.press("escape", "escape")

        queue = await open_queue_row(app, pilot, "Mary Smith")
        assert "⇄ from C1" in queue.seen_marks[1]
        assert queue.seen_marks[0] == "transfer in"
        await wait_for(
            pilot, lambda: isinstance(app.screen, TransferDecisionDialog) and app.screen.data
        )
        await pilot.press("a")
        await wait_for(
            pilot, lambda: isinstance(app.screen, AllocateNowDialog) and app.screen.candidates
        )
        assert app.screen.highlighted.load.worker_id == dev
        # The case keeps the weight it had with Ann, not the usual 6.
        assert "weighs 8 points" in str(app.screen.query_one("#allocate-now-hint").render())
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is queue)

    with Session(sqlite_engine) as session:
        referral = mary(session)
        assert (referral.status, referral.team_id) == ("allocated", c2)
        history = session.exec(
            select(Allocation).where(Allocation.referral_id == referral.id).order_by(Allocation.id)
        ).all()
        assert [(a.worker_id == dev, a.end_reason, a.weight) for a in history] == [
            (False, "transferred to C2", 8),
            (True, None, 8),
        ]
        assert session.exec(select(Transfer.state)).one() == "accepted"


async def test_a_returned_transfer_shows_the_sender_why(sqlite_engine):
    seed_case_work(sqlite_engine)
    c2, _ = add_second_team(sqlite_engine)
    with unit_of_work(sqlite_engine) as session:
        referral = mary(session)
        transfers.send_transfer(
            session=session,
            user="lead.c1",
            referral_id=referral.id,
            to_team_id=c2,
            reason="Moved to Gorton",
            expected_version=referral.version,
        )
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "lead.c2"))
    async with app.run_test(size=(120, 40)) as pilot:
        await open_queue_row(app, pilot, "Mary Smith")
        await wait_for(
            pilot, lambda: isinstance(app.screen, TransferDecisionDialog) and app.screen.data
        )
        await pilot.press("r")
        await give_reason(app, pilot, "Still lives in Ardwick")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen))
        await wait_for(pilot, lambda: all(r.person_name != "Mary Smith" for r in app.screen.rows))
        await pilot.press("escape")
        caseload = await open_ann_caseload(app, pilot)
        assert "↩ returned by C2: Still lives in Ardwick" in caseload_cells(caseload.rows[0])[2]

    with Session(sqlite_engine) as session:
        referral = mary(session)
        assert referral.status == "allocated"
        assert session.exec(select(Transfer.return_reason)).one() == "Still lives in Ardwick"


def seed_team_with_one_away(engine) -> tuple[int, int]:
    """The small team, Ann (away, no return date) and Bo, both social workers."""
    seed_small_team(engine)
    with unit_of_work(engine) as session:
        team = organisation.team_by_code(session=session, code="C1")
        ids = [
            organisation.add_worker(
                session=session,
                user="setup",
                staff_id=staff_id,
                given_name=given,
                family_name=family,
                profession="social_worker",
                team_id=team.id,
                caseload_limit=limit,
            )
            for staff_id, given, family, limit in (
                ("W1", "Ann", "Lee", 200),
                ("W2", "Bo", "Ng", 50),
            )
        ]
        absences.record_absence(
            session=session,
            user="setup",
            worker_id=ids[0],
            kind="sickness",
            starts_on=clock.today() - timedelta(days=1),
        )
        return ids[0], ids[1]


# The keys a coordinator presses, from the dashboard, to triage the first referral in
# the queue onto case management with the default priority and give it to the best fit:
# open the queue, open the referral, to the pathway, open its list, first pathway,
# choose it, save; the worker picker opens on the best fit, and enter allocates.
TRIAGE_AND_ALLOCATE = ("q", "enter", "tab", "enter", "down", "enter", "ctrl+s", "enter")


async def test_triage_and_allocate_in_eight_keys_skipping_a_worker_who_is_away(sqlite_engine):
    ann, bo = seed_team_with_one_away(sqlite_engine)
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "duty.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await wait_for(pilot, lambda: "2" in str(app.screen.query_one("#awaiting").label))
        pressed = []

        async def press(key: str, ready) -> None:
            await wait_for(pilot, ready)
            pressed.append(key)
            await pilot.press(key)

        triage = lambda: type(app.screen).__name__ == "TriageScreen" and app.screen.data  # noqa: E731
        picker = lambda: isinstance(app.screen, AllocateNowDialog) and app.screen.candidates  # noqa: E731
        await press("q", lambda: True)
        await press("enter", lambda: isinstance(app.screen, QueueScreen) and app.screen.rows)
        await press("tab", triage)
        await press("enter", lambda: app.screen.focused is app.screen.query_one("#pathway"))
        await press("down", lambda: app.screen.query_one("#pathway").expanded)
        await press("enter", lambda: True)
        await press("ctrl+s", lambda: app.screen.query_one("#pathway").value == "case_management")
        # The best fit is highlighted at once; Ann, away, is offered last and marked.
        await wait_for(pilot, picker)
        assert [c.load.worker_id for c in app.screen.candidates] == [bo, ann]
        assert app.screen.highlighted.load.worker_id == bo
        assert (
            "away, no return date" in app.screen.query_one("#picker").get_option_at_index(1).prompt
        )
        await press("enter", picker)
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen))
        assert tuple(pressed) == TRIAGE_AND_ALLOCATE
        assert len(pressed) <= 8

    with Session(sqlite_engine) as session:
        allocation = session.exec(select(Allocation)).one()
        referral = session.get(Referral, allocation.referral_id)
        assert (allocation.worker_id, referral.reason, referral.pathway) == (
            bo,
            "Discharge from MRI",
            "case_management",
        )


async def test_away_from_the_caseload_shares_cases_while_away_and_gives_them_back(
    sqlite_engine,
):
    seed_case_work(sqlite_engine)
    with unit_of_work(sqlite_engine) as session:
        team = organisation.team_by_code(session=session, code="C1")
        bo = organisation.add_worker(
            session=session,
            user="setup",
            staff_id="W2",
            given_name="Bo",
            family_name="Ng",
            profession="social_worker",
            team_id=team.id,
        )
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "lead.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        caseload = await open_ann_caseload(app, pilot)
        await pilot.press("w")
        await wait_for(pilot, lambda: isinstance(app.screen, AbsenceDialog))
        until = clock.today() + timedelta(days=10)
        app.screen.query_one("#until", Input).value = until.strftime("%d/%m/%Y")
        await pilot.press("ctrl+s")
        # Ann holds a case: sharing it out while she is away is offered at once.
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await wait_for(
            pilot, lambda: "away until" in str(caseload.query_one("#caseload-title").render())
        )
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, WorkerPicker) and app.screen.loads)
        await pilot.press("space", "enter")
        await give_reason(app, pilot, "Annual leave")
        await wait_for(pilot, lambda: app.screen is caseload and caseload.paged.total == 0)

        with Session(sqlite_engine) as session:
            held = session.exec(select(Allocation).where(col(Allocation.ended_at).is_(None))).one()
            assert (held.worker_id, held.covering_for_worker_id) == (bo, caseload.worker.worker_id)

        await pilot.press("b")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "Return them now?" in str(app.screen.question)
        await pilot.press("y")
        await wait_for(pilot, lambda: app.screen is caseload and caseload.paged.total == 1)
        assert not isinstance(app.screen, ReasonScreen)

    with Session(sqlite_engine) as session:
        held = session.exec(select(Allocation).where(col(Allocation.ended_at).is_(None))).one()
        assert (held.worker_id, held.covering_for_worker_id, held.end_reason) == (
            caseload.worker.worker_id,
            None,
            None,
        )


async def test_names_with_markup_characters_show_as_typed(sqlite_engine):
    """A name holding "[/]" is text: it neither breaks the screen nor closes a tag."""
    from intapp.models import Person, Team, Worker
    from intapp.screens.case_dialogs import CloseCaseDialog

    seed_case_work(sqlite_engine)
    with Session(sqlite_engine) as session:
        ann = session.exec(select(Worker).where(Worker.given_name == "Ann")).one()
        ann.family_name = "Lee [/]"
        person = session.get(Person, mary(session).person_id)
        person.family_name = "Smith [b]x[/]"
        session.add_all([ann, person])
        session.commit()
    c2, _ = add_second_team(sqlite_engine)
    with Session(sqlite_engine) as session:
        team = session.get(Team, c2)
        team.name = "Gorton [/]"
        session.add(team)
        session.commit()
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "lead.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await pilot.press("b")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "BoardScreen")
        await wait_for(pilot, lambda: app.screen.loads)
        row = next(i for i, w in enumerate(app.screen.loads) if w.name == "Ann Lee [/]")
        app.screen.query_one("DataTable").move_cursor(row=row)
        await pilot.press("enter")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "CaseloadScreen")
        caseload = app.screen
        await wait_for(pilot, lambda: caseload.rows)
        assert "Ann Lee [/] · Social worker" in str(caseload.query_one("#caseload-title").render())
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, CloseCaseDialog))
        title = str(app.screen.query_one(".dialog-title").render())
        assert title.endswith(": Mary Smith [b]x[/] · " + caseload.rows[0].reference)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is caseload)
        await pilot.press("t")
        await wait_for(
            pilot,
            lambda: (
                isinstance(app.screen, TransferDialog)
                and len(app.screen.query_one("#team", Select)._options) > 1
            ),
        )
        teams = app.screen.query_one("#team", Select)
        teams.value = c2
        await pilot.pause()
        assert str(teams.query_one("SelectCurrent Static").render()) == "C2 Gorton [/] (Central)"


async def test_a_key_worker_sees_who_decides_a_transfer_in_not_buttons_that_do_nothing(
    sqlite_engine,
):
    from textual.widgets import Button, Static

    from intapp.access import Role, SignedIn

    seed_case_work(sqlite_engine)
    c2, _ = add_second_team(sqlite_engine)
    with unit_of_work(sqlite_engine) as session:
        referral = mary(session)
        transfers.send_transfer(
            session=session,
            user="lead.c1",
            referral_id=referral.id,
            to_team_id=c2,
            reason="Moved to Gorton [/]",
            expected_version=referral.version,
        )
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "kw.c2"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen) and app.screen.rows)
        # The reason is in the queue as typed: it once stopped the app as bad markup.
        table = app.screen.query_one("DataTable")
        cells = [str(cell) for i in range(table.row_count) for cell in table.get_row_at(i)]
        assert any("Moved to Gorton [/]" in cell for cell in cells)
        app.signed_in_as(SignedIn(login="kw.c2", role=Role.KEY_WORKER, team_mode=True))
        app.push_screen(TransferDecisionDialog(referral_id=referral.id))
        await wait_for(
            pilot, lambda: isinstance(app.screen, TransferDecisionDialog) and app.screen.data
        )
        dialog = app.screen
        assert not dialog.query_one("#accept", Button).display
        assert not dialog.query_one("#return", Button).display
        said = str(dialog.query_one("#transfer-detail", Static).render())
        assert "Only coordinators and supervisors may" in said
        assert "Moved to Gorton [/]" in said  # typed text is never read as markup
