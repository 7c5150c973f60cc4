"""`intapp carer link|unlink` and `intapp merge`: people by NHS number or local id,
clear refusals with exit code 1, and a merge that asks first."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from factories import fake_nhs_number, person_in, receive, small_organisation
from sqlmodel import Session, col, select

from intapp import cli
from intapp.models import CarerLink, Person
from intapp.store.engine import create_db_engine, unit_of_work
from intapp.store.migrate import upgrade


@pytest.fixture
def url(tmp_path: Path) -> str:
    """Three people: two with NHS numbers, and one known only by local id LOC-1."""
    database = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    engine = create_db_engine(database)
    upgrade(engine)
    with unit_of_work(engine) as s:
        team = small_organisation(s).team.id
        receive(s, person_in(team, 0))
        receive(s, person_in(team, 1))
        receive(s, person_in(team, 2, nhs_number=None, local_id="LOC-1"))
    engine.dispose()
    return database


def intapp(url: str, *args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(
        cli.main, ["--database-url", url, *args], input=stdin, catch_exceptions=False
    )


def people(url: str) -> dict[str, Person]:
    with Session(create_db_engine(url)) as s:
        return {p.local_id or p.nhs_number: p for p in s.exec(select(Person)).all()}  # type: ignore[misc]


def open_links(url: str) -> list[tuple[int, int]]:
    with Session(create_db_engine(url)) as s:
        rows = s.exec(select(CarerLink).where(col(CarerLink.ended_on).is_(None))).all()
        return [(r.carer_id, r.cared_for_id) for r in rows]


def test_link_and_unlink_a_carer_known_by_local_id(url: str) -> None:
    nhs = fake_nhs_number(0)
    spaced = f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}"
    result = intapp(url, "carer", "link", "LOC-1", spaced)
    assert result.exit_code == 0, result.output
    assert "cares for" in result.output
    ids = people(url)
    assert open_links(url) == [(ids["LOC-1"].id, ids[nhs].id)]
    again = intapp(url, "carer", "link", "LOC-1", nhs)
    assert (again.exit_code, "already linked" in again.output) == (1, True)
    missing = intapp(url, "carer", "unlink", "LOC-1", nhs)
    assert missing.exit_code == 2 and "--reason" in missing.output
    done = intapp(url, "carer", "unlink", "LOC-1", nhs, "--reason", "Moved to Leeds")
    assert done.exit_code == 0, done.output
    assert open_links(url) == []


def test_an_unknown_person_is_named_in_the_error(url: str) -> None:
    result = intapp(url, "carer", "link", "NOPE-9", "LOC-1")
    assert result.exit_code == 1
    assert "No person has the NHS number or local id 'NOPE-9'" in result.output
    assert "Traceback" not in result.output


def test_merge_asks_and_with_no_answer_refuses(url: str) -> None:
    nhs = fake_nhs_number(0)
    no_stdin = intapp(url, "merge", nhs, "LOC-1")
    assert no_stdin.exit_code == 1
    assert "pass --yes" in no_stdin.output
    assert people(url)["LOC-1"].merged_into_id is None
    declined = intapp(url, "merge", nhs, "LOC-1", stdin="n\n")
    assert (declined.exit_code, "Not merged." in declined.output) == (1, True)
    accepted = intapp(url, "merge", nhs, "LOC-1", stdin="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert "Keep " in accepted.output and "Merge" in accepted.output
    assert "0 case notes, 0 open alerts" in accepted.output
    # The survivor had no local id, so it takes LOC-1; the pointer keeps none of its own.
    survivor = people(url)["LOC-1"]
    assert survivor.nhs_number == nhs
    with Session(create_db_engine(url)) as s:
        pointer = s.exec(select(Person).where(Person.merged_into_id == survivor.id)).one()
    assert pointer.local_id == f"MERGED-{pointer.id}"


def test_merge_with_yes_and_the_nhs_refusal(url: str) -> None:
    refused = intapp(url, "merge", fake_nhs_number(0), fake_nhs_number(1), "--yes")
    assert refused.exit_code == 1
    assert "different NHS numbers" in refused.output
    merged = intapp(url, "merge", "LOC-1", fake_nhs_number(1), "--yes")
    assert merged.exit_code == 0, merged.output
    ids = people(url)
    survivor = next(p for p in ids.values() if p.local_id == "LOC-1")
    assert survivor.nhs_number == fake_nhs_number(1)


def test_merge_refuses_naming_a_record_already_merged(url: str) -> None:
    assert intapp(url, "merge", "LOC-1", fake_nhs_number(1), "--yes").exit_code == 0
    with Session(create_db_engine(url)) as s:
        pointer = s.exec(select(Person).where(col(Person.merged_into_id).is_not(None))).one()
    # Its identifier leads elsewhere, but naming it to merge must not merge its survivor.
    result = intapp(url, "merge", fake_nhs_number(0), f"MERGED-{pointer.id}", "--yes")
    assert result.exit_code == 1
    assert f"(person {pointer.id}) was merged into" in result.output
    assert "dates of death differ (or only one has one)" in intapp(url, "merge", "--help").output
