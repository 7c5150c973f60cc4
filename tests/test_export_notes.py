"""`intapp export notes`: a person's notes with addenda for a period, private, safe in a
spreadsheet, audited; one-line errors."""

from __future__ import annotations

import csv
import io
import stat
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from factories import person_in, receive, small_organisation
from identity_support import signed_in
from sqlmodel import Session, select

from intapp import cli, clock
from intapp.models import AuditEvent
from intapp.services import case_notes
from intapp.services.weekly_summary.cells import restore
from intapp.store.engine import create_db_engine, unit_of_work
from intapp.store.migrate import upgrade

NHS = "9434765919"
FORMULA = '=HYPERLINK("http://evil.example","click")'


@pytest.fixture
def url(tmp_path: Path) -> str:
    """A person with three notes, 20, 10 and 1 days ago; the middle one has an addendum
    and starts like a formula."""
    database = f"sqlite:///{tmp_path / 'notes.sqlite3'}"
    engine = create_db_engine(database)
    upgrade(engine)
    with unit_of_work(engine) as session:
        org = small_organisation(session)
        person_id = receive(session, person_in(org.team.id, 0, nhs_number=NHS)).person_id
        for days, text in ((20, "Early visit"), (10, FORMULA + "\nsecond line"), (1, "Recent")):
            note = case_notes.write_note(
                session=session,
                user="asha.khan",
                person_id=person_id,
                kind="home_visit",
                contact_with="carer",
                contact_at=clock.now() - timedelta(days=days),
                text=text,
            )
            if days == 10:
                case_notes.add_addendum(
                    session=session, user="ben.lloyd", note_id=note.id, text="@SUM(A1) was wrong"
                )
    engine.dispose()
    return database


def intapp(url: str, *args: str) -> Result:
    return CliRunner().invoke(
        cli.main, ["--database-url", signed_in(url, "exporter"), *args], catch_exceptions=False
    )


def test_csv_holds_the_period_with_addenda_private_and_neutralised(url: str, tmp_path: Path):
    out = tmp_path / "notes.csv"
    since = (clock.today() - timedelta(days=15)).strftime("%d/%m/%Y")
    until = (clock.today() - timedelta(days=5)).strftime("%d/%m/%Y")
    result = intapp(url, "export", "notes", NHS, "--from", since, "--to", until, "-o", str(out))
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    rows = list(csv.reader(io.StringIO(out.read_text("utf-8-sig"))))
    assert [r[0] for r in rows] == ["entry", "note", "addendum"]
    note, addendum = rows[1], rows[2]
    assert note[-1] == "'" + FORMULA + "\nsecond line" and restore(note[-1]).startswith("=")
    assert (addendum[-3], addendum[-1]) == ("ben.lloyd", "'@SUM(A1) was wrong")
    assert note[3:5] == ["Home visit", "Carer"]
    with Session(create_db_engine(url)) as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "export")).one()
    assert (event.user, event.entity, event.changes["notes"]) == ("exporter", "case_notes", 1)


def test_markdown_by_default_oldest_first(url: str, tmp_path: Path):
    out = tmp_path / "notes.md"
    result = intapp(url, "export", "notes", "943 476 5919", "--output", str(out))
    assert result.exit_code == 0, result.output
    assert "3 case notes saved" in result.stderr
    text = out.read_text()
    assert text.index("Early visit") < text.index("second line") < text.index("Recent")
    assert "**Addendum** by ben.lloyd" in text
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["1234567890"], 1, "1234567890"),
        ([NHS, "--from", "31/02/2026"], 2, "not a date"),
        ([NHS, "--to", "soon"], 2, "not a date"),
        ([NHS, "--from", "10/11/2026", "--to", "01/11/2026"], 1, "starts (10 Nov 2026) after"),
    ],
)
def test_errors_are_one_line_and_write_nothing(
    url: str, tmp_path: Path, args: list[str], code: int, message: str
) -> None:
    out = tmp_path / "never.md"
    result = intapp(url, "export", "notes", *args, "--output", str(out))
    assert result.exit_code == code, result.output
    assert message in result.output and "Traceback" not in result.output
    assert not out.exists()


def test_a_missing_folder_is_refused_not_created(url: str, tmp_path: Path) -> None:
    out = tmp_path / "no-such-folder" / "notes.md"
    result = intapp(url, "export", "notes", NHS, "--output", str(out))
    assert result.exit_code == 1, result.output
    assert "There is no folder" in result.output and "Traceback" not in result.output
    assert not out.parent.exists()


def test_no_file_is_left_when_the_export_is_not_recorded(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from intapp.services import views

    out = tmp_path / "unrecorded.md"

    def refused(**_: object) -> None:
        raise RuntimeError("the audit trail is unavailable")

    monkeypatch.setattr(views, "record_view", refused)
    assert intapp(url, "export", "notes", NHS, "--output", str(out)).exit_code != 0
    assert not out.exists()
    monkeypatch.undo()

    def commit_fails(self: Session) -> None:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(Session, "commit", commit_fails)
    assert intapp(url, "export", "notes", NHS, "--output", str(out)).exit_code != 0
    assert not out.exists()
