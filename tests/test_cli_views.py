"""Reading is recorded on the command line too: written before the output, on both stores;
an export is one event (never an export and a view), and a view that cannot be written
does not stop the command."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from factories import person_in, receive, small_organisation
from sqlalchemy import Engine
from sqlmodel import Session, select

from intapp import cli, clock
from intapp.models import AuditEvent
from intapp.services import case_notes
from intapp.store.engine import unit_of_work
from intapp.store.errors import read_only

NHS = "9434765919"


@pytest.fixture
def person(engine: Engine) -> int:
    with unit_of_work(engine) as session:
        org = small_organisation(session)
        person_id = receive(session, person_in(org.team.id, 0, nhs_number=NHS)).person_id
        case_notes.write_note(
            session=session,
            user="asha.khan",
            person_id=person_id,
            kind="home_visit",
            contact_with="person",
            contact_at=clock.now() - timedelta(days=1),
            text="Visited at home",
        )
    return person_id


def intapp(engine: Engine, *args: str) -> Result:
    url = engine.url.render_as_string(hide_password=False)
    return CliRunner(env={"COLUMNS": "200"}).invoke(
        cli.main, ["--database-url", url, *args], catch_exceptions=False
    )


def reads(engine: Engine) -> list[tuple[str, str, str, int | None]]:
    """Every view and export event: what, which, how, whose."""
    with Session(engine) as session:
        rows = session.exec(
            select(AuditEvent)
            .where(AuditEvent.action.in_(["view", "export"]))  # type: ignore[attr-defined]
            .order_by(AuditEvent.id)
        ).all()
        return [(r.entity, r.entity_id, r.action, r.person_id) for r in rows]


def test_listing_a_persons_alerts_is_a_view_of_them(engine: Engine, person: int) -> None:
    result = intapp(engine, "alert", "list", NHS)
    assert result.exit_code == 0, result.output
    assert reads(engine) == [("person", str(person), "view", person)]


def test_an_export_is_one_event_naming_the_person(
    engine: Engine, person: int, tmp_path: Path
) -> None:
    out = tmp_path / "notes.md"
    result = intapp(engine, "export", "notes", NHS, "--output", str(out))
    assert result.exit_code == 0, result.output
    assert out.exists()
    assert reads(engine) == [("case_notes", str(person), "export", person)]


def test_a_view_the_store_refuses_still_shows_the_list(
    engine: Engine, person: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from intapp.services import views

    def refused(**_: Any) -> None:
        raise read_only("The database")

    monkeypatch.setattr(views, "record_view", refused)
    result = intapp(engine, "alert", "list", NHS)
    assert result.exit_code == 0
    assert "has no alerts" in result.stdout
    assert "this view is not recorded in the audit trail" in result.stderr
    assert reads(engine) == []


@pytest.mark.parametrize(
    "command",
    [
        ["export", "weekly"],
        ["export", "trends"],
        ["export", "evaluation"],
        ["export", "returns", "--year", "2025-26"],
    ],
)
def test_an_export_to_a_path_that_cannot_be_written_says_so_in_one_line(
    command: list[str], tmp_path: Path
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    result = CliRunner().invoke(cli.main, [*command, "--output", str(blocked / "out.csv")])
    assert result.exit_code == 1, result.output
    assert "Cannot save" in result.output and "out.csv" in result.output
    assert "Traceback" not in result.output and "Something went wrong" not in result.output
