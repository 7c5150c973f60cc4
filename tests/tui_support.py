"""Helpers for Pilot and snapshot tests of the app."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from factories import seen_version
from sqlalchemy import Engine
from sqlmodel import select
from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from intapp import clock
from intapp.models import ReablementEpisode, Referral
from intapp.services import allocations, organisation, reablement, referrals
from intapp.services.people import PersonIn
from intapp.services.queue import triage_queue
from intapp.store.engine import unit_of_work


def seed_small_team(engine: Engine) -> None:
    """One team with two referrals awaiting triage, one of them overdue."""
    with unit_of_work(engine) as session:
        team = organisation.add_team(
            session=session, user="setup", code="C1", name="Ardwick", locality="Central"
        )
        people = [
            ("Mary", "Smith", "gp", "9434765919", "Fall at home"),
            ("Joe", "Bloggs", "hospital_discharge", "4010232137", "Discharge from MRI"),
        ]
        for n, (given, family, source, nhs, reason) in enumerate(people):
            referrals.receive_referral(
                session=session,
                user="setup",
                person=PersonIn(
                    given_name=given,
                    family_name=family,
                    date_of_birth=date(1940, 1, 2 + n),
                    team_id=team.id,
                    nhs_number=nhs,
                ),
                source=source,
                reason=reason,
                received_at=clock.now() - timedelta(hours=30),
                reference=f"R-TEST-{n + 1}",
            )


async def wait_for(pilot: Pilot, condition: Callable[[], object], seconds: float = 15) -> None:
    """Let workers run until `condition()` is true, then let every widget handle what is
    queued, so that a table has sized its columns to the rows just added (a DataTable
    does that when it next goes idle), or fail after `seconds`."""
    for _ in range(int(seconds / 0.02)):
        await pilot.pause(0.02)
        if condition():
            await pilot.pause()
            return
    raise AssertionError("the screen never reached the expected state")


async def settled(pilot: Pilot, seconds: float = 5) -> None:
    """Wait until two renders of the screen 50 ms apart are the same, so that a snapshot
    is not taken part-way through a repaint (a table sizing its columns, a scroll).

    Tables drop their cached lines before each render: now and then a DataTable kept
    lines drawn before its columns were sized to the rows (seen only in snapshots,
    under load). `notify_style_update` is the public way to make it redraw them.
    """
    previous = None
    for _ in range(int(seconds / 0.05)):
        for table in pilot.app.screen.query(DataTable):
            table.notify_style_update()
        await pilot.pause()
        shot = pilot.app.export_screenshot()
        if shot == previous:
            return
        previous = shot
        await pilot.pause(0.05)
    raise AssertionError("the screen kept changing")


def stop_blinking(pilot: Pilot) -> None:
    """Snapshots must not catch a cursor mid-blink."""
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False


def seed_case_work(engine: Engine) -> None:
    """The small team plus a worker holding Mary's case, her assessment, plan and episode."""
    from intapp.services import allocations, assessments, care_plans, reablement

    seed_small_team(engine)
    with unit_of_work(engine) as session:
        team = organisation.team_by_code(session=session, code="C1")
        worker = organisation.add_worker(
            session=session,
            user="setup",
            staff_id="W1",
            given_name="Ann",
            family_name="Lee",
            profession="social_worker",
            team_id=team.id,
            caseload_limit=10,
        )
        mary = triage_queue(session=session)[1]
        referrals.triage_referral(
            session=session,
            user="setup",
            referral_id=mary.referral_id,
            priority="soon",
            pathway="reablement_standard",
            expected_version=seen_version(session, Referral, mary.referral_id),
        )
        allocations.allocate(
            session=session,
            user="setup",
            referral_id=mary.referral_id,
            worker_id=worker,
            weight=8,
            expected_version=seen_version(session, Referral, mary.referral_id),
        )
        assessments.start_assessment(session=session, user="setup", person_id=mary.person_id)
        care_plans.create_plan(
            session=session,
            user="setup",
            person_id=mary.person_id,
            content=care_plans.PlanContent(
                lead_worker_id=worker,
                review_date=clock.today() + timedelta(days=3),
                goals=["I want to make my own breakfast again"],
                actions=[{"who": "OT", "what": "Kitchen trolley", "by_when": "2026-12-01"}],
            ),
        )
        reablement.start_episode(
            session=session,
            user="setup",
            person_id=mary.person_id,
            start_date=clock.today() - timedelta(days=37),
            goals=["Make breakfast"],
        )


def end_marys_episode(engine: Engine) -> None:
    """End the reablement episode `seed_case_work` started, so Mary's case can close."""
    with unit_of_work(engine) as session:
        episode = session.exec(select(ReablementEpisode)).one()
        reablement.end_episode(
            session=session,
            user="setup",
            episode_id=episode.id,
            outcome="no_ongoing_support",
            expected_version=episode.version,
        )


def seed_with_worker(engine: Engine) -> int:
    """The small team plus a social worker (the worker's id)."""
    seed_small_team(engine)
    with unit_of_work(engine) as session:
        team = organisation.team_by_code(session=session, code="C1")
        return organisation.add_worker(
            session=session,
            user="setup",
            staff_id="W1",
            given_name="Ann",
            family_name="Lee",
            profession="social_worker",
            team_id=team.id,
        )


def allocate_mary(engine: Engine, worker_id: int) -> None:
    """Mary's referral triaged and allocated to the worker, so she has a key worker."""
    with unit_of_work(engine) as session:
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
            worker_id=worker_id,
            weight=6,
            expected_version=seen_version(session, Referral, referral.id),
        )
