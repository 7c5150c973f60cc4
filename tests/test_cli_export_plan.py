"""`intapp export plan`: the person's copy of their plan, saved 0600 and audited."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from identity_support import signed_in
from sqlmodel import Session, select
from tui_support import seed_case_work

from intapp import cli
from intapp.models import AuditEvent
from intapp.store.engine import create_db_engine
from intapp.store.migrate import upgrade


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'intapp.sqlite3'}"
    engine = create_db_engine(url)
    upgrade(engine)
    seed_case_work(engine)  # Mary (943 476 5919) has a plan; Joe (401 023 2137) has none
    engine.dispose()
    return url


def invoke(url: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        cli.main, ["export", "plan", *args, "--database-url", signed_in(url, "key.worker")]
    )
    return result.exit_code, result.output


def _exports(url: str) -> list[AuditEvent]:
    with Session(create_db_engine(url)) as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.action == "export_plan")))


def test_html_by_default_in_the_current_folder(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, output = invoke(url, "943 476 5919")
    assert code == 0, output
    saved = tmp_path / "care-plan-mary-smith-id1-2026-11-23.html"
    assert f"Mary Smith's care plan (version 1) saved to {saved}" in output
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    page = saved.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "I want to make my own breakfast again" in page and "Kitchen trolley" in page
    [event] = _exports(url)
    assert (event.user, event.entity, event.entity_id) == ("key.worker", "person", "1")
    assert event.changes == {"format": "html", "plan_version": 1, "saved_as": saved.name}


def test_markdown_by_format_or_by_the_file_name(url: str, tmp_path: Path) -> None:
    chosen = tmp_path / "copies" / "mary.txt"
    code, output = invoke(url, "9434765919", "--format", "md", "--output", str(chosen))
    assert code == 0, output
    assert chosen.read_text(encoding="utf-8").startswith("# Care and support plan for Mary Smith")
    assert stat.S_IMODE(chosen.stat().st_mode) == 0o600
    by_name = tmp_path / "mary.md"
    code, output = invoke(url, "9434765919", "-o", str(by_name))
    assert code == 0, output
    assert by_name.read_text(encoding="utf-8").startswith("# Care and support plan")
    assert [e.changes["format"] for e in _exports(url)] == ["md", "md"]


@pytest.mark.parametrize(
    ("identifier", "says"),
    [
        ("999 999 9999", "No person has the NHS number or local id '999 999 9999'"),
        ("4010232137", "Joe Bloggs has no care plan yet, so there is nothing to copy"),
    ],
)
def test_an_unknown_person_or_no_plan_is_one_line_and_saves_nothing(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, identifier: str, says: str
) -> None:
    monkeypatch.chdir(tmp_path)
    code, output = invoke(url, identifier)
    assert code == 1
    assert says in output and "Traceback" not in output
    assert not list(tmp_path.glob("care-plan-*")) and not _exports(url)


def test_an_existing_file_is_refused_unless_forced(url: str, tmp_path: Path) -> None:
    kept = tmp_path / "mary.md"
    kept.write_text("someone else's letter")
    code, output = invoke(url, "9434765919", "-o", str(kept))
    assert code == 1 and "already exists" in output and "--force" in output
    assert kept.read_text() == "someone else's letter" and not _exports(url)
    code, output = invoke(url, "9434765919", "-o", str(kept), "--force")
    assert code == 0, output
    assert kept.read_text(encoding="utf-8").startswith("# Care and support plan")
