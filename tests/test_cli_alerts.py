"""`intapp alert raise|remove|list`: by NHS number or local id, plain refusals with exit
code 1, and the list as a table."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from factories import fake_nhs_number, person_in, receive, small_organisation
from sqlmodel import Session, select

from intapp import cli
from intapp.models import AuditEvent, PersonAlert
from intapp.store.engine import create_db_engine, unit_of_work
from intapp.store.migrate import upgrade


@pytest.fixture
def url(tmp_path: Path) -> str:
    database = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    engine = create_db_engine(database)
    upgrade(engine)
    with unit_of_work(engine) as s:
        team = small_organisation(s).team.id
        receive(s, person_in(team, 0))
        receive(s, person_in(team, 1, nhs_number=None, local_id="LOC-1"))
    engine.dispose()
    return database


def intapp(url: str, *args: str) -> Result:
    # Wide, so the list's table keeps each cell on one line.
    return CliRunner(env={"COLUMNS": "200"}).invoke(
        cli.main, ["--database-url", url, *args], catch_exceptions=False
    )


def alerts(url: str) -> list[PersonAlert]:
    with Session(create_db_engine(url)) as s:
        return list(s.exec(select(PersonAlert).order_by(PersonAlert.id)).all())  # type: ignore[arg-type]


def test_raise_list_and_remove_an_alert(url: str) -> None:
    nhs = fake_nhs_number(0)
    spaced = f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}"
    raised = intapp(
        url,
        "alert",
        "raise",
        spaced,
        "--kind",
        "risk_to_staff",
        "--note",
        "Dog; visit in pairs",
        "--review",
        "01/12/2026",
    )
    assert raised.exit_code == 0, raised.output
    assert "Alert raised on person 1: Risk to staff / do not visit alone." in raised.output
    again = intapp(url, "alert", "raise", nhs, "--kind", "risk_to_staff", "--note", "Again")
    assert again.exit_code == 1
    assert "already has an open alert" in again.output
    assert "Traceback" not in again.output
    listed = intapp(url, "alert", "list", nhs)
    assert listed.exit_code == 0, listed.output
    assert "Risk to staff" in listed.output and "Dog; visit in pairs" in listed.output
    assert "1 Dec 2026" in listed.output
    no_reason = intapp(url, "alert", "remove", nhs, "--kind", "risk_to_staff", "--reason", " ")
    assert (no_reason.exit_code, "Say why" in no_reason.output) == (1, True)
    removed = intapp(
        url, "alert", "remove", nhs, "--kind", "risk_to_staff", "--reason", "Dog rehomed"
    )
    assert removed.exit_code == 0, removed.output
    (row,) = alerts(url)
    assert (row.removed_reason, row.removed_at is not None) == ("Dog rehomed", True)
    with Session(create_db_engine(url)) as s:
        actions = s.exec(select(AuditEvent.action).where(AuditEvent.entity == "person_alert")).all()
    assert actions == ["create", "remove"]


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("--kind", "nope", "--note", "x"), "There is no alert kind 'nope'; the kinds are:"),
        (("--kind", "key_safe", "--note", "x", "--review", "31/02/2027"), "is not a date"),
        (("--kind", "key_safe", "--note", "x", "--review", "01/01/2020"), "cannot be in the past"),
    ],
)
def test_a_bad_raise_is_refused_plainly(url: str, args: tuple[str, ...], said: str) -> None:
    result = intapp(url, "alert", "raise", "LOC-1", *args)
    assert result.exit_code != 0
    assert said in result.output
    assert alerts(url) == []


def test_a_person_with_no_alerts_says_so(url: str) -> None:
    result = intapp(url, "alert", "list", "LOC-1")
    assert result.exit_code == 0
    assert "has no alerts" in result.output
