"""`intapp person edit`: the fields given change, checked and audited as in the app."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlmodel import Session, select
from tui_support import seed_small_team

from intapp import cli
from intapp.models import AuditEvent, Person
from intapp.store.engine import create_db_engine
from intapp.store.identity import os_account_owning
from intapp.store.migrate import upgrade


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'intapp.sqlite3'}"
    engine = create_db_engine(url)
    upgrade(engine)
    seed_small_team(engine)
    engine.dispose()
    return url


def invoke(url: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli.main, ["person", "edit", *args, "--database-url", url])
    return result.exit_code, result.output


def _mary(url: str) -> Person:
    with Session(create_db_engine(url)) as session:
        return session.exec(select(Person).where(Person.nhs_number == "9434765919")).one()


def test_the_fields_given_change_and_are_audited_under_the_user(url: str) -> None:
    code, output = invoke(
        url, "943 476 5919", "--family-name", "Smyth", "--date-of-birth", "03/01/1940",
        "--postcode", "m130pp", "--frail-older",
    )  # fmt: skip
    assert code == 0, output
    assert "Family name: Smith → Smyth" in output
    assert "Date of birth: 02/01/1940 → 03/01/1940" in output
    assert "Frail older people: no → yes" in output
    mary = _mary(url)
    assert (mary.family_name, mary.postcode, mary.frail_older, mary.version) == (
        "Smyth",
        "M13 0PP",
        True,
        2,
    )
    assert mary.family_name_key == "SM0"
    with Session(create_db_engine(url)) as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "edit")).one()
    # Nobody names themselves: the audit trail has the account that owns the file.
    assert event.user == os_account_owning(Path(url.removeprefix("sqlite:///")))
    assert set(event.changes) == {"family_name", "date_of_birth", "postcode", "frail_older"}


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (["9434765919", "--nhs-number", "4010232137"], 1, "already belongs to Joe Bloggs"),
        (["9434765919", "--nhs-number", "943 476 5910"], 1, "check digit"),
        (["9434765919", "--gp-practice", "NOPE1"], 1, "no GP practice with code NOPE1"),
        (["9434765919", "--given-name", ""], 1, "Given name is required"),
        (["nobody", "--phone", "1"], 1, "No person has the NHS number or local id 'nobody'"),
        (["9434765919", "--date-of-birth", "31/02/1940"], 2, "is not a date"),
        (["9434765919"], 2, "Give at least one field"),
    ],
)
def test_bad_input_is_one_line_with_no_traceback(url: str, args, code: int, says: str) -> None:
    exit_code, output = invoke(url, *args)
    assert exit_code == code, output
    assert says in output
    assert "Traceback" not in output
    assert _mary(url).version == 1


def test_an_edit_that_changes_nothing_says_so(url: str) -> None:
    code, output = invoke(url, "9434765919", "--family-name", "Smith")
    assert (code, output.strip()) == (0, "Person 1 (Mary Smith): nothing changed.")
    assert _mary(url).version == 1


def test_the_national_fields_take_a_code_or_wording_and_show_as_their_wording(url: str) -> None:
    code, output = invoke(
        url, "9434765919", "--accommodation-status", "Registered care home",
        "--client-type", "CARER", "--ethnicity", "b",
    )  # fmt: skip
    assert code == 0, output
    assert "Accommodation status: (none) → Registered care home (care_home)" in output
    assert "Ethnicity: (none) → White - Irish (B)" in output
    mary = _mary(url)
    assert (mary.accommodation_status, mary.client_type, mary.ethnicity) == (
        "care_home",
        "carer",
        "B",
    )
    code, output = invoke(url, "9434765919", "--primary-support-reason", "gardening")
    assert code != 0
    assert "not on the national primary support reason list" in output
