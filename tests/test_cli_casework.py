"""`intapp transfer send|accept|return` and `intapp worker away|back|leaves`."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from factories import allocated_case, person_in, receive, small_organisation
from identity_support import signed_in
from sqlmodel import Session, select

from intapp.cli import root as cli
from intapp.models import Referral, Worker, WorkerAbsence
from intapp.store.engine import unit_of_work


def invoke(url: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        cli.main, ["--database-url", signed_in(url, "coord"), *args], catch_exceptions=False
    )
    return result.exit_code, result.output


@pytest.fixture
def seeded(sqlite_engine):
    with unit_of_work(sqlite_engine) as session:
        org = small_organisation(session)
        case = allocated_case(session, org.team.id, org.social_worker, 0)
        fresh = receive(session, person_in(org.team.id, 1))
        references = [
            session.get(Referral, case.referral_id).reference,
            session.get(Referral, fresh.id).reference,
        ]
    return str(sqlite_engine.url), references


def _status(url: str, reference: str) -> str:
    from intapp.store.engine import create_db_engine

    with Session(create_db_engine(url)) as session:
        return session.exec(select(Referral.status).where(Referral.reference == reference)).one()


def test_send_accept_and_return(seeded):
    url, (case, fresh) = seeded
    code, output = invoke(url, "transfer", "send", case, "--to", "cen2", "--reason", "Moved")
    assert code == 0, output
    assert "sent from CEN1 to CEN2" in output
    assert _status(url, case) == "transfer"
    code, output = invoke(url, "transfer", "send", case, "--to", "CEN1", "--reason", "Again")
    assert code == 1
    assert "already being transferred to CEN2" in output
    code, output = invoke(url, "transfer", "accept", case)
    assert code == 0, output
    assert _status(url, case) == "triaged"

    invoke(url, "transfer", "send", fresh, "--to", "CEN2", "--reason", "Moved")
    code, output = invoke(url, "transfer", "return", fresh, "--reason", "Not ours")
    assert code == 0, output
    assert "returned to CEN1" in output
    assert _status(url, fresh) == "received"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("transfer", "accept", "R-NONE"), "no referral with reference 'R-NONE'"),
        (("transfer", "send", "{fresh}", "--to", "XX", "--reason", "x"), "no team with code"),
        (("transfer", "return", "{fresh}", "--reason", "x"), "no transfer waiting"),
        (("worker", "back", "SW1"), "not recorded as away"),
        (("worker", "away", "NOBODY", "--kind", "leave"), "no worker with staff id 'NOBODY'"),
        (("worker", "leaves", "SW1"), "still holds 1 open case"),
    ],
)
def test_refusals_are_one_line_with_exit_code_1(seeded, args, message):
    url, (_case, fresh) = seeded
    code, output = invoke(url, *(a.format(fresh=fresh) for a in args))
    assert code == 1
    assert message in output
    assert "Traceback" not in output


def test_a_bad_date_names_the_option(seeded):
    url, _ = seeded
    code, output = invoke(url, "worker", "away", "OT1", "--kind", "leave", "--until", "31/02/2026")
    assert code == 2
    assert "--until" in output and "is not a date" in output


def test_away_back_and_leaves(seeded):
    url, _ = seeded
    code, output = invoke(
        url,
        "worker",
        "away",
        "OT1",
        "--kind",
        "training",
        "--from",
        "today",
        "--until",
        "2026-12-04",
    )
    assert code == 0, output
    assert "away (training)" in output and "until 2026-12-04" in output
    code, output = invoke(url, "worker", "back", "OT1")
    assert code == 0, output
    code, output = invoke(url, "worker", "leaves", "OT1", "--on", "today")
    assert code == 0, output
    from intapp.store.engine import create_db_engine

    with Session(create_db_engine(url)) as session:
        worker = session.exec(select(Worker).where(Worker.staff_id == "OT1")).one()
        assert not worker.active
        assert session.exec(select(WorkerAbsence)).one().back_at is not None


def test_leaving_says_what_was_handed_over(sqlite_engine):
    from datetime import timedelta

    from factories import USER

    from intapp import clock
    from intapp.services import care_plans

    with unit_of_work(sqlite_engine) as session:
        org = small_organisation(session)
        case = allocated_case(session, org.team.id, org.social_worker, 0)
        due = (clock.today() + timedelta(days=7)).isoformat()
        care_plans.create_plan(
            session=session,
            user=USER,
            person_id=case.person_id,
            content=care_plans.PlanContent(
                lead_worker_id=org.social_worker,
                review_date=clock.today() + timedelta(days=30),
                goals=["Stay at home"],
                actions=[
                    {
                        "who": "",
                        "worker_id": org.occupational_therapist,
                        "what": "Rail",
                        "by_when": due,
                    }
                ],
            ),
        )
    url = str(sqlite_engine.url)
    code, output = invoke(url, "worker", "leaves", "OT1", "--on", "today")
    assert code == 0, output
    assert "1 open plan action(s) of theirs passed to the plans' leads" in output
