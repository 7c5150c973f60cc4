"""`intapp case close|reopen` and `intapp death record|withdraw`: what they change, their
messages and exit codes."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FROZEN_NOW
from factories import allocated_case, small_organisation
from identity_support import signed_in
from sqlmodel import Session, select

from intapp import cli
from intapp.models import Allocation, Person, Referral
from intapp.store.engine import create_db_engine
from intapp.store.migrate import upgrade


@pytest.fixture
def stored(tmp_path: Path) -> tuple[str, str, str]:
    """A database with one allocated case: (url, referral reference, person's NHS number)."""
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    engine = create_db_engine(url)
    upgrade(engine)
    with Session(engine, expire_on_commit=False) as session:
        org = small_organisation(session)
        case = allocated_case(session, org.team.id, org.social_worker, 0)
        session.commit()
        referral = session.get(Referral, case.referral_id)
        person = session.get(Person, case.person_id)
        assert referral is not None and person is not None and person.nhs_number
        found = (url, referral.reference, person.nhs_number)
    engine.dispose()
    return found


def invoke(url: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        cli.main, [*args, "--database-url", signed_in(url, "cli.user")], catch_exceptions=False
    )
    return result.exit_code, result.output


def _rows(url: str) -> tuple[Referral, Person, list[Allocation]]:
    engine = create_db_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        referral = session.exec(select(Referral)).one()
        person = session.exec(select(Person)).one()
        allocations = list(session.exec(select(Allocation)).all())
    engine.dispose()
    return referral, person, allocations


def test_case_close_and_reopen(stored: tuple[str, str, str]) -> None:
    url, reference, _ = stored
    code, output = invoke(
        url,
        "case",
        "close",
        reference,
        "--outcome",
        "nfa_support_declined",
        "--reason",
        "Declined after the first visit",
        "--on",
        (FROZEN_NOW.date()).strftime("%d/%m/%Y"),
    )
    assert code == 0, output
    assert f"Closed {reference}; Asha Khan's allocation ended." in output
    referral, _, allocations = _rows(url)
    assert (referral.status, referral.close_outcome, referral.closed_by) == (
        "closed",
        "nfa_support_declined",
        "cli.user",
    )
    assert all(a.ended_at is not None for a in allocations)

    code, output = invoke(url, "case", "reopen", reference, "--reason", "Changed their mind")
    assert code == 0, output
    assert f"Reopened {reference}: back with Asha Khan." in output
    assert _rows(url)[0].status == "allocated"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--outcome", "fixed", "--reason", "x"], 2, "'fixed' is not one of"),
        (["--outcome", "other", "--reason", "x", "--on", "31/13/2026"], 2, "is not a date"),
        (["--outcome", "other", "--reason", " "], 1, "Give a reason"),
        (["--outcome", "other", "--reason", "x", "--on", "01/12/2026"], 1, "in the future"),
        (["--outcome", "other", "--reason", "x", "--on", "01/01/2020"], 1, "before it started"),
    ],
)
def test_case_close_refusals_say_why_with_their_exit_code(
    stored: tuple[str, str, str], args: list[str], code: int, message: str
) -> None:
    url, reference, _ = stored
    got, output = invoke(url, "case", "close", reference, *args)
    assert got == code and message in output and "Traceback" not in output
    assert _rows(url)[0].status == "allocated"


def test_an_unknown_reference_or_person_is_named(stored: tuple[str, str, str]) -> None:
    url, _, _ = stored
    code, output = invoke(url, "case", "reopen", "R-NOPE", "--reason", "x")
    assert (code, "There is no referral 'R-NOPE'" in output) == (1, True)
    code, output = invoke(url, "death", "withdraw", "L404", "--reason", "x")
    assert (code, "No person has the NHS number or local id 'L404'" in output) == (1, True)


def test_death_record_and_withdraw(stored: tuple[str, str, str]) -> None:
    url, reference, nhs = stored
    spaced = f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}"
    died = (FROZEN_NOW - timedelta(days=1)).strftime("%Y-%m-%d")
    code, output = invoke(url, "death", "record", spaced, "--on", died, "--source", "hospital")
    assert code == 0, output
    assert "1 referral(s) closed" in output
    referral, person, _ = _rows(url)
    assert (referral.close_outcome, person.death_source) == ("nfa_deceased", "hospital")

    code, output = invoke(url, "death", "record", nhs, "--on", died, "--source", "gp")
    assert code == 1 and "already recorded" in output
    code, output = invoke(url, "case", "reopen", reference, "--reason", "x")
    assert code == 1 and "they cannot be given a reopened case" in output

    code, output = invoke(url, "death", "withdraw", nhs, "--reason", "Wrong person")
    assert code == 0 and "Closed cases stay closed" in output
    assert _rows(url)[1].date_of_death is None
    code, output = invoke(url, "case", "reopen", reference, "--reason", "Recorded in error")
    assert code == 0, output
