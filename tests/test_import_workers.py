"""Importing workers: matched on staff id, limits from FTE, the organisation's rules."""

from __future__ import annotations

import pytest
from factories import count, small_organisation
from import_support import WORKERS_HEADER, csv_bytes, run_import, worker
from sqlalchemy import Engine
from sqlmodel import Session, select

from intapp.models import AuditEvent, Worker


@pytest.fixture
def lite(sqlite_engine: Engine):
    with Session(sqlite_engine, expire_on_commit=False) as s:
        small_organisation(s)
        s.commit()
        yield s


def workers_file(*rows: dict[str, str]) -> bytes:
    return csv_bytes(WORKERS_HEADER, list(rows))


def stored(session: Session, staff_id: str) -> Worker:
    return session.exec(select(Worker).where(Worker.staff_id == staff_id)).one()


def test_workers_are_created_with_a_limit_from_their_fte(session: Session) -> None:
    small_organisation(session)
    data = workers_file(
        worker(1, fte="0.6", profession="Occupational therapist"),
        worker(2, caseload_limit_points="75", team_code="cen2", email=""),
    )
    outcome = run_import(session, "workers", data)
    assert outcome.files[0].created == 2
    first, second = stored(session, "IMP001"), stored(session, "IMP002")
    assert (first.fte, first.caseload_limit, first.profession) == (
        0.6,
        60,
        "occupational_therapist",
    )
    assert first.email == "worker1@example.org"
    assert (second.fte, second.caseload_limit, second.email) == (1.0, 75, None)
    assert first.active


def test_workers_are_matched_on_staff_id_and_updated(lite: Session) -> None:
    run_import(lite, "workers", workers_file(worker(1), worker(2)))
    again = run_import(lite, "workers", workers_file(worker(1), worker(2)))
    assert (again.files[0].created, again.files[0].unchanged) == (0, 2)
    changed = run_import(
        lite, "workers", workers_file(worker(1, family_name="Newname", fte="0.5"), worker(2))
    )
    assert changed.files[0].updated == 1
    row = stored(lite, "IMP001")
    # A blank limit keeps the one on record, even when the FTE changes.
    assert (row.family_name, row.fte, row.caseload_limit) == ("Newname", 0.5, 100)
    assert count(lite, Worker) == 6
    event = lite.exec(
        select(AuditEvent).where(AuditEvent.entity == "worker", AuditEvent.action == "update")
    ).one()
    assert event.changes == {"family_name": ["Surname1", "Newname"], "fte": [1.0, 0.5]}


@pytest.mark.parametrize(
    ("overrides", "column", "reason"),
    [
        ({"profession": "wizard"}, "profession", "Profession must be one of"),
        ({"fte": "2"}, "fte", "more than 0 and at most 1.5"),
        ({"fte": "0"}, "fte", "more than 0 and at most 1.5"),
        ({"fte": "nan"}, "fte", "is not a number"),
        ({"fte": "٠.٥"}, "fte", "is not a number"),
        ({"caseload_limit_points": "-5"}, "caseload_limit_points", "not a whole number"),
        ({"caseload_limit_points": "١٠٠"}, "caseload_limit_points", "not a whole number"),
        ({"email": "not an address"}, "email", "is not an email address"),
        ({"team_code": "X1"}, "team_code", "There is no team with code 'X1'"),
        ({"staff_id": ""}, "staff_id", "a value is required"),
    ],
)
def test_bad_worker_values_are_refused(
    lite: Session, overrides: dict[str, str], column: str, reason: str
) -> None:
    outcome = run_import(lite, "workers", workers_file(worker(1, **overrides)))
    [problem] = outcome.problems
    assert (problem.line, problem.column) == (2, column)
    assert reason in problem.reason


def test_a_staff_id_twice_in_one_file_is_refused(lite: Session) -> None:
    outcome = run_import(lite, "workers", workers_file(worker(1), worker(1, given_name="Other")))
    [problem] = outcome.problems
    assert (problem.line, problem.column) == (3, "staff_id")
    assert "already on line 2" in problem.reason
