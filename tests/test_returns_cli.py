"""`intapp export returns`: Markdown, CSV and XLSX with each figure beside its definition,
saved privately and audited; a year to date says so; bad input is one line; a key worker
is refused and a supervisor sees only their own teams."""

from __future__ import annotations

import csv
import io
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from openpyxl import load_workbook
from sqlalchemy import Engine
from sqlmodel import Session, select
from test_returns import build

from intapp import access, cli
from intapp.access import Role, SignedIn
from intapp.models import AuditEvent
from intapp.services.errors import NotAllowed
from intapp.services.national.returns_export import year_returns
from intapp.services.national.returns_render import COLUMNS, ScopedReturns, render_csv
from intapp.store.engine import create_db_engine, unit_of_work
from intapp.store.migrate import upgrade


@pytest.fixture
def url(tmp_path: Path) -> Iterator[str]:
    database = f"sqlite:///{tmp_path / 'returns.sqlite3'}"
    engine = create_db_engine(database)
    upgrade(engine)
    with unit_of_work(engine) as session:
        build(session)
    engine.dispose()
    yield database


def intapp(url: str, *args: str) -> Result:
    return CliRunner().invoke(cli.main, ["--database-url", url, *args], catch_exceptions=False)


def test_markdown_prints_each_figure_beside_its_definition(url: str) -> None:
    result = intapp(url, "export", "returns", "--year", "2025-26")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.startswith("# Outcome figures 2025-26, whole city\n")
    assert "Period: 2025-26 (1 Apr 2025 to 31 Mar 2026)." in text
    assert "to date" not in text
    for heading in ("STS001:", "STS002a:", "STS002b:", "ASCOF 2B:", "ASCOF 2D:"):
        assert f"## {heading}" in text
    assert text.count("Definition: ") == 5
    # Ivy's and Lea's endings, and Ann's follow-up, are long-term services: no caveat.
    assert "Caveat:" not in text
    assert "from 1 Oct 2025 to 31 Dec 2025" in text
    # STS001: six people 65 and over discharged from hospital into reablement.
    assert (
        "| Discharge from Hospital          | Short Term Support to Maximise Independence"
        "       |     1 |           6 |        7 |"
    ) in text
    assert "| Rate (%)               |  50.0 |" in text
    assert "Counts only: no person is named." in text
    for name in ("Ann", "Bob", "Returns"):
        assert f" {name} " not in text


def test_the_caveat_is_said_once_where_no_long_term_service_is_known(url: str) -> None:
    result = intapp(url, "export", "returns", "--year", "2025-26", "--team", "RET2")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# Outcome figures 2025-26, team RET2\n")
    assert result.stdout.count("Caveat: none of the events read is a long-term service") == 1


def test_csv_is_saved_privately_with_a_definition_column_and_audited(
    url: str, tmp_path: Path
) -> None:
    out = tmp_path / "returns.csv"
    result = intapp(url, "export", "returns", "--year", "2025-26", "--output", str(out))
    assert result.exit_code == 0, result.output
    assert "Outcome figures 2025-26, whole city saved to" in result.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert rows[0] == [*COLUMNS, "definition"]
    by_key = {tuple(row[2:6]): row for row in rows[1:]}
    hospital = by_key[
        (
            "STS001",
            "65 and over",
            "Discharge from Hospital",
            "Short Term Support to Maximise Independence",
        )
    ]
    assert hospital[6] == "6"
    assert hospital[7].startswith("Count of requests for support completed 1 Apr 2025 to")
    assert by_key[("ASCOF 2B", "", "", "Rate (%)")][6] == "50.0"
    assert by_key[("ASCOF 2B", "", "", "Denominator")][6] == "4"
    assert by_key[("ASCOF 2D", "", "", "Numerator")][6] == "5"
    assert by_key[("STS001", "All ages", "All routes", "Total")][6] == "13"
    assert all(row[7] for row in rows[1:])
    engine = create_db_engine(url)
    with Session(engine) as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.entity == "returns")).one()
    engine.dispose()
    assert (event.entity_id, event.action) == ("2025-26", "export")
    assert event.changes is not None and event.changes["saved_as"] == "returns.csv"


def test_xlsx_has_the_figures_and_a_sheet_of_definitions(url: str, tmp_path: Path) -> None:
    out = tmp_path / "returns.xlsx"
    result = intapp(url, "export", "returns", "--year", "2025-26", "--team", "RET2", "-o", str(out))
    assert result.exit_code == 0, result.output
    workbook = load_workbook(out)
    assert workbook.sheetnames == ["Figures", "Definitions"]
    figures = list(workbook["Figures"].iter_rows(values_only=True))
    assert figures[0] == COLUMNS
    assert figures[1][1] == "team RET2"
    total = next(r for r in figures if r[2] == "STS001" and r[5] == "Total")
    assert total[6] == 1
    definitions = list(workbook["Definitions"].iter_rows(values_only=True))
    assert [r[0] for r in definitions[1:]] == [
        "STS001",
        "STS002a",
        "STS002b",
        "ASCOF 2B",
        "ASCOF 2D",
    ]
    assert all(r[2] for r in definitions[1:])


def test_a_year_still_running_says_its_figures_are_to_date(url: str) -> None:
    result = intapp(url, "export", "returns", "--year", "2026-27", "--format", "md")
    assert result.exit_code == 0, result.output
    assert "Period: 2026-27 to date (as at 23 Nov 2026)." in result.stdout
    assert "The year runs to 31 Mar 2027: these figures are to date." in result.stdout


def test_csv_cells_a_spreadsheet_could_run_are_neutralised(url: str) -> None:
    engine = create_db_engine(url)
    with Session(engine) as session:
        figures = year_returns(session=session, year="2025-26")
    engine.dispose()
    odd = ScopedReturns(figures.returns, '=HYPERLINK("http://evil.example")')
    for row in csv.reader(io.StringIO(render_csv(odd))):
        for cell in row:
            assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r", "\n"), cell


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--year", "2025-27"], 1, "Year '2025-27' is not a financial year: write it like 2026-27"),
        (["--year", "2027-28"], 1, "Year 2027-28 has not started yet"),
        (["--year", "last year"], 1, "is not a financial year"),
        (["--year", "2025-26", "--format", "xlsx"], 2, "needs --output FILE"),
        (["--year", "2025-26", "--team", "RET1", "--locality", "Central"], 2, "not both"),
        (["--year", "2025-26", "--team", "NOPE"], 1, "There is no team with code 'NOPE'"),
        (["--year", "2025-26", "--locality", "West"], 1, "There is no locality called 'West'"),
        ([], 2, "Missing option '--year'"),
    ],
)
def test_bad_input_is_one_line(url: str, args: list[str], code: int, message: str) -> None:
    result = intapp(url, "export", "returns", *args)
    assert result.exit_code == code
    assert message in result.output
    assert "Traceback" not in result.output


@pytest.fixture
def signed_in_as(sqlite_engine: Engine) -> Iterator[Engine]:
    yield sqlite_engine
    access.forget(sqlite_engine)


def test_a_key_worker_may_not_export_returns(signed_in_as: Engine) -> None:
    with Session(signed_in_as) as session:
        build(session)
        access._signed_in[signed_in_as.pool] = SignedIn("kw", Role.KEY_WORKER, team_mode=True)
        with pytest.raises(NotAllowed):
            year_returns(session=session, year="2025-26")
        session.rollback()


def test_a_supervisor_s_city_is_narrowed_to_their_teams(signed_in_as: Engine) -> None:
    with Session(signed_in_as) as session:
        city = build(session)
        access._signed_in[signed_in_as.pool] = SignedIn(
            "sup", Role.SUPERVISOR, team_ids=frozenset({city.other_team_id}), team_mode=True
        )
        figures = year_returns(session=session, year="2025-26")
        assert figures.scope == "your locality"
        assert sum(figures.returns.sts001.values()) == 1
        with pytest.raises(NotAllowed):
            year_returns(session=session, year="2025-26", team_code="RET1")
        session.rollback()
