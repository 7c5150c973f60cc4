"""Edits name the version the editor saw: a stale copy is refused, never written over.

Every kind of versioned record, on SQLite and PostgreSQL: a second editor who opened the
record before the first one saved gets a `Conflict` and the first edit stays. Imports
bump versions too, so an editor holding a copy from before an import is refused.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from factories import (
    USER,
    allocated_case,
    count,
    person_in,
    receive,
    seen_version,
    small_organisation,
)
from import_support import PEOPLE_HEADER, WORKERS_HEADER, csv_bytes, person, run_import, worker
from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from intapp.models import Allocation, AuditEvent, Person, Referral, Worker
from intapp.services import (
    allocations,
    assessment_editing,
    assessments,
    care_plans,
    case_closure,
    organisation,
    people,
    reablement,
    referrals,
)
from intapp.services.assessments import AssessmentIn
from intapp.services.care_plans import PlanContent
from intapp.services.errors import Conflict
from intapp.services.importing import bulk
from intapp.services.importing.plan import Update, write_updates
from intapp.store.engine import read_session, unit_of_work

TODAY = date(2026, 11, 23)


def _worker_edit(fte: float) -> Callable[[Session, int, int], Any]:
    def edit(session: Session, worker_id: int, version: int) -> Any:
        return organisation.update_worker(
            session=session,
            user=USER,
            worker_id=worker_id,
            expected_version=version,
            given_name="Asha",
            family_name="Khan",
            profession="social_worker",
            team_id=organisation.get_worker(session=session, worker_id=worker_id).team_id,
            fte=fte,
            caseload_limit=80,
        )

    return edit


# Each kind: make a record (returns its id and version), and two edits: (session, id,
# version) -> summary with .version. The first succeeds; the second, from the same
# version, must be refused.
def _referral(session: Session, org: Any) -> tuple[int, int]:
    r = receive(session, person_in(org.team.id, 1))
    return r.id, r.version


def _triage(priority: str) -> Callable[[Session, int, int], Any]:
    return lambda s, rid, v: referrals.triage_referral(
        session=s,
        user=USER,
        referral_id=rid,
        priority=priority,
        pathway="case_management",
        expected_version=v,
    )


def _case(session: Session, org: Any) -> tuple[int, int]:
    case = allocated_case(session, org.team.id, org.social_worker, 1)
    return case.referral_id, seen_version(session, Referral, case.referral_id)


def _allocation(session: Session, org: Any) -> tuple[int, int]:
    case = allocated_case(session, org.team.id, org.social_worker, 1)
    return case.id, case.version


def _reallocate(to: str) -> Callable[[Session, int, int], Any]:
    def move(s: Session, allocation_id: int, v: int) -> Any:
        target = s.exec(select(Worker.id).where(Worker.staff_id == to)).one()
        allocation = s.get(Allocation, allocation_id)
        assert allocation is not None and target is not None
        return allocations.reallocate(
            session=s,
            user=USER,
            referral_id=allocation.referral_id,
            to_worker_id=target,
            reason="Leave",
            allocation_id=allocation_id,
            expected_version=v,
        )

    return move


def _close(s: Session, referral_id: int, v: int) -> Any:
    return case_closure.close_case(
        session=s,
        user=USER,
        referral_id=referral_id,
        outcome="goals_met",
        reason="Done",
        expected_version=v,
    )


def _assessment(session: Session, org: Any) -> tuple[int, int]:
    draft = assessments.start_assessment(session=session, user=USER, person_id=org.people[0])
    return draft.id, draft.version


def _save_assessment(what: str) -> Callable[[Session, int, int], Any]:
    return lambda s, aid, v: assessments.save_assessment(
        session=s,
        user=USER,
        assessment_id=aid,
        # Names an assessor, whom a sign-off credits.
        content=AssessmentIn(
            what_matters=what, outcomes=[], assessor_id=s.exec(select(Worker.id)).first()
        ),
        expected_version=v,
    )


def _sign_off(s: Session, aid: int, v: int) -> Any:
    return assessments.sign_off_assessment(
        session=s, user=USER, assessment_id=aid, expected_version=v
    )


def _plan(session: Session, org: Any) -> tuple[int, int]:
    content = PlanContent(lead_worker_id=org.social_worker, review_date=TODAY, goals=["Home"])
    view = care_plans.create_plan(
        session=session, user=USER, person_id=org.people[0], content=content
    )
    return org.people[0], view.version


def _revise(goal: str) -> Callable[[Session, int, int], Any]:
    def revise(s: Session, person_id: int, v: int) -> Any:
        current = care_plans.current_plan(session=s, person_id=person_id)
        assert current is not None
        content = replace(current.content, goals=[goal])
        return care_plans.revise_plan(
            session=s, user=USER, person_id=person_id, content=content, expected_version=v
        )

    return revise


def _episode(session: Session, org: Any) -> tuple[int, int]:
    e = reablement.start_episode(
        session=session,
        user=USER,
        person_id=org.people[0],
        start_date=TODAY - timedelta(days=5),
        goals=["Cook"],
    )
    return e.id, e.version


def _extend(days: int) -> Callable[[Session, int, int], Any]:
    return lambda s, eid, v: reablement.extend_episode(
        session=s,
        user=USER,
        episode_id=eid,
        new_planned_end=TODAY + timedelta(days=days),
        reason="Waiting for rails",
        expected_version=v,
    )


def _end(s: Session, eid: int, v: int) -> Any:
    return reablement.end_episode(
        session=s, user=USER, episode_id=eid, outcome="no_ongoing_support", expected_version=v
    )


def _person(session: Session, org: Any) -> tuple[int, int]:
    p = people.get_person(session=session, person_id=org.people[0])
    return p.id, p.version


def _update_person(phone: str) -> Callable[[Session, int, int], Any]:
    return lambda s, pid, v: people.update_person(
        session=s,
        user=USER,
        person_id=pid,
        person_in=person_in(s.get(Person, pid).team_id, 0, phone=phone),  # type: ignore[union-attr]
        expected_version=v,
    )


def _worker(session: Session, org: Any) -> tuple[int, int]:
    w = organisation.get_worker(session=session, worker_id=org.social_worker)
    return w.id, w.version


KINDS = {
    "referral: triage then triage": (_referral, _triage("urgent"), _triage("routine")),
    "referral: close then triage": (_case, _close, _triage("routine")),
    "allocation: two moves": (_allocation, _reallocate("OT1"), _reallocate("RO1")),
    "assessment: two saves": (_assessment, _save_assessment("A"), _save_assessment("B")),
    "assessment: save then sign off": (_assessment, _save_assessment("A"), _sign_off),
    "care plan: two revisions": (_plan, _revise("Garden"), _revise("Shops")),
    "reablement: extend then end": (_episode, _extend(60), _end),
    "person: two edits": (_person, _update_person("0161 000 0001"), _update_person("0161 0002")),
    "worker: two edits": (_worker, _worker_edit(0.8), _worker_edit(0.5)),
}


@pytest.mark.parametrize("kind", list(KINDS))
def test_an_edit_from_a_stale_copy_is_refused(engine: Engine, kind: str) -> None:
    make, first_edit, second_edit = KINDS[kind]
    with unit_of_work(engine) as session:
        org = small_organisation(session, people=1)
        record_id, opened = make(session, org)
    # Two people open the same version; the first saves.
    with unit_of_work(engine) as session:
        saved = first_edit(session, record_id, opened)
    with unit_of_work(engine) as session:
        events = count(session, AuditEvent)
    with (
        pytest.raises(Conflict, match=r"(changed|moved) by someone else"),
        unit_of_work(engine) as session,
    ):
        second_edit(session, record_id, opened)
    with read_session(engine) as session:
        assert count(session, AuditEvent) == events
    # Having reloaded, the second editor's change goes through (a moved case is a new
    # allocation).
    reloaded_id = saved.id if kind.startswith("allocation") else record_id
    if not kind.startswith("referral: close"):  # a closed case cannot be triaged again
        with unit_of_work(engine) as session:
            second_edit(session, reloaded_id, saved.version)


def test_an_import_bumps_versions_so_an_editor_holding_an_older_copy_is_refused(
    engine: Engine,
) -> None:
    with unit_of_work(engine) as session:
        small_organisation(session)
        run_import(session, "people", csv_bytes(PEOPLE_HEADER, [person(1)]))
        run_import(session, "workers", csv_bytes(WORKERS_HEADER, [worker(1)]))
    with read_session(engine) as session:
        held = session.exec(select(Person)).one()
        held_worker = session.exec(select(Worker).where(Worker.staff_id == "IMP001")).one()
        assert (held.version, held_worker.version) == (1, 1)
    with unit_of_work(engine) as session:
        run_import(session, "people", csv_bytes(PEOPLE_HEADER, [person(1, phone="0161 1")]))
        run_import(session, "workers", csv_bytes(WORKERS_HEADER, [worker(1, fte="0.5")]))
    with (
        pytest.raises(Conflict, match="version 1, the saved one is version 2"),
        unit_of_work(engine) as session,
    ):
        people.update_person(
            session=session,
            user=USER,
            person_id=held.id,  # type: ignore[arg-type]
            person_in=person_in(held.team_id, 0, nhs_number=held.nhs_number),
            expected_version=held.version,
        )
    with pytest.raises(Conflict), unit_of_work(engine) as session:
        _worker_edit(1.0)(session, held_worker.id, held_worker.version)  # type: ignore[arg-type]
    with read_session(engine) as session:
        assert session.exec(select(Person.phone)).one() == "0161 1"


def test_an_import_update_never_overwrites_a_change_saved_after_it_read_the_row(
    engine: Engine,
) -> None:
    with unit_of_work(engine) as session:
        org = small_organisation(session, people=2)
    with unit_of_work(engine) as session:
        stored = session.exec(select(Person).order_by(col(Person.id))).all()
        # The import read both people at version 1; meanwhile the second was edited.
        session.execute(update(Person).where(col(Person.id) == org.people[1]).values(version=2))
        updates = [Update(p.id, 1, {"phone": (None, "0161 9")}) for p in stored]  # type: ignore[arg-type]
        with pytest.raises(bulk.StaleRows, match="1 of 2 rows changed meanwhile"):
            write_updates(session.connection(), Person.__table__, updates)  # type: ignore[attr-defined]


@pytest.mark.postgres
def test_a_person_edited_while_an_import_runs_makes_it_import_nothing(
    request: pytest.FixtureRequest,
) -> None:
    # Only PostgreSQL lets another writer in while an import runs; SQLite's import holds
    # the write lock from its first read.
    engine = _postgres(request)
    with unit_of_work(engine) as session:
        small_organisation(session)
        run_import(session, "people", csv_bytes(PEOPLE_HEADER, [person(1)]))
    edited = threading.Event()

    def colleague_edits(stage: str, done: int, total: int) -> None:
        # Called once the new people are written, before the updates: the moment
        # between the import reading person 1 and updating them.
        if stage == "Writing people" and not edited.is_set():
            with unit_of_work(engine) as other:
                found = other.exec(select(Person)).first()
                assert found is not None
                people.update_person(
                    session=other,
                    user="colleague",
                    person_id=found.id,  # type: ignore[arg-type]
                    person_in=person_in(
                        found.team_id, 0, nhs_number=found.nhs_number, phone="0161 777"
                    ),
                    expected_version=found.version,
                )
            edited.set()

    file = csv_bytes(PEOPLE_HEADER, [person(1, phone="0161 999"), person(2)])
    with pytest.raises(Conflict, match="nothing was imported"), unit_of_work(engine) as session:
        run_import(session, "people", file, progress=colleague_edits)
    assert edited.is_set()
    with read_session(engine) as session:
        assert session.exec(select(Person.phone)).all() == ["0161 777"]


def _postgres(request: pytest.FixtureRequest) -> Engine:
    from conftest import _drop_postgres, _fresh_postgres

    template = request.getfixturevalue("postgres_template")
    engine, name = _fresh_postgres(template)

    def drop() -> None:
        engine.dispose()
        _drop_postgres(name)

    request.addfinalizer(drop)
    return engine


def test_concurrent_edits_lose_nothing(engine: Engine) -> None:
    """Four editors each add their mark to one person's name five times, re-reading and
    trying again whenever their copy turns out stale: every mark arrives."""
    with unit_of_work(engine) as session:
        org = small_organisation(session, people=1)
    person_id = org.people[0]
    conflicts: list[int] = []
    errors: list[BaseException] = []

    def editor(mark: str) -> None:
        try:
            for _ in range(5):
                while True:
                    with read_session(engine) as s:
                        seen = people.get_person(session=s, person_id=person_id)
                    try:
                        with unit_of_work(engine) as s:
                            people.update_person(
                                session=s,
                                user=f"editor {mark}",
                                person_id=person_id,
                                person_in=person_in(
                                    seen.team_id,
                                    0,
                                    nhs_number=seen.nhs_number,
                                    given_name=seen.given_name + mark,
                                ),
                                expected_version=seen.version,
                            )
                        break
                    except Conflict:
                        conflicts.append(1)
        except BaseException as error:  # surfaced below, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=editor, args=(mark,)) for mark in "wxyz"]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    with read_session(engine) as s:
        final = people.get_person(session=s, person_id=person_id)
        updates = s.exec(
            select(AuditEvent).where(AuditEvent.entity == "person", AuditEvent.action == "update")
        ).all()
    marks = final.given_name.removeprefix("Ada")
    assert sorted(marks) == sorted("wxyz" * 5)
    assert final.version == 1 + 20
    assert len(updates) == 20


EDITS = [
    referrals.triage_referral,
    case_closure.close_case,
    allocations.allocate,
    allocations.reallocate,
    assessments.save_assessment,
    assessments.sign_off_assessment,
    assessment_editing.discard_draft,
    care_plans.revise_plan,
    care_plans.add_action,
    care_plans.mark_action_done,
    reablement.begin_episode,
    reablement.extend_episode,
    reablement.end_episode,
    reablement.record_followup,
    people.update_person,
    organisation.update_worker,
]


@pytest.mark.parametrize("edit", EDITS, ids=lambda f: f.__name__)
def test_every_edit_requires_the_version_the_editor_saw(edit: Callable[..., Any]) -> None:
    # Optional, it was left out, and the edit silently overwrote whatever was saved since.
    parameter = inspect.signature(edit).parameters["expected_version"]
    assert parameter.kind is inspect.Parameter.KEYWORD_ONLY
    assert parameter.default is inspect.Parameter.empty
