"""`intapp export evaluation`: its formats, the notes beside the table, the private file,
the audit record, and its mistakes as one line with their exit codes."""

from __future__ import annotations

import csv
import io
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from evaluation_support import build_history
from openpyxl import load_workbook
from sqlmodel import Session, select

from intapp import cli
from intapp.models import AuditEvent
from intapp.services.evaluation import COLUMNS, evaluation_table
from intapp.services.evaluation.render import render_csv
from intapp.store.engine import create_db_engine, unit_of_work
from intapp.store.migrate import upgrade

UNIT_COSTS = "[unit_costs]\nreablement_hour_pounds = 20\nreablement_hours_per_week = 7\n"


@pytest.fixture
def url(tmp_path: Path, write_config: Callable[[str], Path]) -> str:
    write_config(UNIT_COSTS)
    database = f"sqlite:///{tmp_path / 'evaluation.sqlite3'}"
    engine = create_db_engine(database)
    upgrade(engine)
    with unit_of_work(engine) as session:
        build_history(session)
    engine.dispose()
    return database


def intapp(url: str, *args: str) -> Result:
    return CliRunner().invoke(cli.main, ["--database-url", url, *args], catch_exceptions=False)


def exports(url: str) -> list[AuditEvent]:
    engine = create_db_engine(url)
    with Session(engine) as session:
        query = select(AuditEvent).where(AuditEvent.entity == "evaluation")
        found = list(session.exec(query.order_by(AuditEvent.at, AuditEvent.id)))
    engine.dispose()
    return found


def test_csv_has_the_table_first_then_its_notes(url: str) -> None:
    result = intapp(url, "export", "evaluation", "--team", "CEN1")
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["grouping", "group", *COLUMNS]
    table = rows[1 : rows.index([])]
    assert [r[1] for r in table[:3]] == ["All people", "Frail older people", "LTC or end of life"]
    assert len(table) == 1 + 6 + 11  # all; five cohorts and none; ten pathways and none
    everyone = dict(zip(rows[0], table[0], strict=True))
    assert everyone["referrals_received"] == "4"
    assert everyone["reablement_cost_pounds"] == "4540.0"  # 227 days at £20 an hour a day
    notes = dict(row for row in rows[rows.index([]) + 1 :])
    assert notes["notes"] == "Evaluation, 2025-26, team CEN1"
    assert notes["Unit cost: an hour of reablement"].startswith("£20.00. Source: set in the")
    assert "no source given" in notes["Unit cost: an hour of reablement"]
    assert "PSSRU" in notes["Unit cost: a week of residential care"]  # the default's source
    assert "each of their cohort rows" in notes["Cohorts"]


def test_markdown_has_a_table_per_section_and_the_notes(url: str) -> None:
    result = intapp(url, "export", "evaluation", "--year", "2025-26", "--format", "md")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.startswith("# Evaluation, 2025-26, whole city\n")
    for heading in (
        "## Referrals and re-referrals",
        "## Reablement outcomes",
        "## 91-day follow-ups",
        "## Estimated costs (£)",
        "## Notes",
    ):
        assert heading in text
    costs = text[text.index("## Estimated") : text.index("## Notes")]
    everyone = next(line for line in costs.splitlines() if line.startswith("| All people"))
    # To the pound, halves up: 257 days at £20; items £390.50; £900 a week for 276 days.
    assert [cell.strip() for cell in everyone.split("|")[2:-1]] == [
        "257.0", "5140", "39.4", "35486", "3", "391", "41016",
    ]  # fmt: skip
    assert "Source: set in the config file" in text


def test_xlsx_has_the_table_and_a_notes_sheet_and_is_private(url: str, tmp_path: Path) -> None:
    out = tmp_path / "evaluation.xlsx"
    result = intapp(url, "export", "evaluation", "--locality", "Central", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "saved to" in result.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    book = load_workbook(out)
    assert book.sheetnames == ["Evaluation", "Notes"]
    sheet = book["Evaluation"]
    header = [c.value for c in sheet[1]]
    assert header == ["grouping", "group", *COLUMNS]
    everyone = {h: c.value for h, c in zip(header, sheet[2], strict=True)}
    assert everyone["referrals_received"] == 4
    assert everyone["pct_rereferrals"] == 25.0
    notes = {row[0].value: row[1].value for row in book["Notes"].iter_rows(min_row=2)}
    assert notes["Table"] == "Evaluation, 2025-26, Central locality"
    assert "Unit cost: a week of residential care" in notes


def test_each_export_is_recorded_with_its_period_scope_and_file(url: str, tmp_path: Path) -> None:
    out = tmp_path / "year.csv"
    assert intapp(url, "export", "evaluation", "--team", "CEN1", "-o", str(out)).exit_code == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert intapp(url, "export", "evaluation", "--from", "01/04/2025", "--to", "30/09/2025")
    events = exports(url)
    assert [(e.action, e.entity_id) for e in events] == [
        ("export", "2025-26"),
        ("export", "1 Apr 2025 to 30 Sep 2025"),
    ]
    assert events[0].changes == {
        "scope": "team CEN1",
        "first_day": "2025-04-01",
        "last_day": "2026-03-31",
        "format": "csv",
        "rows": 18,
        "saved_as": "year.csv",
    }
    assert events[1].changes["saved_as"] == "(shown, not saved)"
    assert events[0].person_id is None


def test_text_that_a_spreadsheet_could_run_is_neutralised(
    session: Session, write_config: Callable[[str], Path]
) -> None:
    write_config('[unit_costs]\nresidential_week_source = "=HYPERLINK(\\"x\\")"\n')
    table = evaluation_table(session=session, year="2025-26")
    notes = dict(r for r in csv.reader(io.StringIO(render_csv(table))) if len(r) == 2)
    assert notes["Unit cost: a week of residential care"].startswith("£900.00. Source: =")
    assert notes["notes"] == "Evaluation, 2025-26, whole city"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--year", "2025-27"], 1, "Year '2025-27' is not a financial year"),
        (["--from", "01/04/2026", "--to", "31/03/2026"], 1, "--from must not be after --to"),
        (["--from", "1 April"], 1, "--from '1 April' is not a date: write it as DD/MM/YYYY"),
        (["--year", "2025-26", "--from", "01/04/2025"], 1, "not both"),
        (["--team", "NOPE"], 1, "There is no team with code 'NOPE'"),
        (["--team", "CEN1", "--locality", "Central"], 2, "not both"),
        (["--format", "xlsx"], 2, "needs --output FILE"),
    ],
)
def test_mistakes_are_one_line_with_their_exit_code(
    url: str, args: list[str], code: int, message: str
) -> None:
    result = intapp(url, "export", "evaluation", *args)
    assert result.exit_code == code, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert exports(url) == []


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "reablement_hour_pounds = -5",
            "unit_costs.reablement_hour_pounds is -5: must be a number from 0 to 1,000,000",
        ),
        (
            "reablement_hours_per_week = 200",
            "unit_costs.reablement_hours_per_week is 200: must be a number from 0 to 168",
        ),
        ('residential_week_pounds = "lots"', "unit_costs.residential_week_pounds is 'lots'"),
        ("hour_pounds = 5", "unit_costs.hour_pounds is 5: unknown key"),
    ],
)
def test_a_unit_cost_that_cannot_be_is_named_with_the_config_exit_code(
    url: str, write_config: Callable[[str], Path], line: str, message: str
) -> None:
    path = write_config(f"[unit_costs]\n{line}\n")
    result = intapp(url, "export", "evaluation")
    assert result.exit_code == 8, result.output
    assert f"Config file {path}: {message}" in result.output
    assert "Traceback" not in result.output
