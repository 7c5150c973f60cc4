"""The summary's files: CSV safe to open in a spreadsheet, typed XLSX, readable Markdown,
and `intapp export weekly` on the command line."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from factories import add_worker, small_organisation
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import Engine
from sqlmodel import Session

from intapp import cli
from intapp.services.weekly_summary import (
    COLUMNS,
    IsoWeek,
    SummaryRow,
    WeeklySummary,
    render,
    restore,
    spreadsheet_safe,
    weekly_summary,
)
from intapp.services.weekly_summary.render import render_csv, render_markdown
from intapp.store.engine import create_db_engine, unit_of_work
from intapp.store.migrate import upgrade

NASTY_NAMES = [
    '=HYPERLINK("http://evil.example","click")',
    "+44 161 496 0000",
    "-2+3",
    "@SUM(A1:A9)",
    "\tTabbed",
    "\rReturned",
    "'Quoted",
    "Pipe | Smith",
    "<b>Bold</b> *star*",
]


@pytest.fixture
def nasty(sqlite_engine: Engine) -> WeeklySummary:
    """A summary whose workers have names a spreadsheet could run as formulas."""
    with Session(sqlite_engine) as session:
        org = small_organisation(session)
        for n, name in enumerate(NASTY_NAMES):
            add_worker(session, org.team.id, f"N{n}", given_name=name, family_name="X")
        session.commit()
        return weekly_summary(session=session, week="2026-W47", team_code="CEN1")


def csv_cells(summary: WeeklySummary) -> list[list[str]]:
    return list(csv.reader(io.StringIO(render_csv(summary))))


def test_csv_cells_that_could_be_formulas_are_neutralised(nasty: WeeklySummary) -> None:
    rows = csv_cells(nasty)
    assert rows[0] == list(COLUMNS)
    for row in rows:
        for cell in row:
            assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r", "\n"), cell
    workers = {row[COLUMNS.index("worker")] for row in rows[1:]}
    assert '\'=HYPERLINK("http://evil.example","click") X' in workers
    assert "'+44 161 496 0000 X" in workers
    assert "''Quoted X" in workers
    assert "Pipe | Smith X" in workers


def test_csv_quotes_every_text_cell_and_leaves_numbers_bare(nasty: WeeklySummary) -> None:
    first_worker = render_csv(nasty).splitlines()[1]
    assert first_worker.startswith('"worker","CEN1","Central",')
    assert ",1.0,0,0,100,0.0," in first_worker


def test_csv_file_has_a_byte_order_mark_for_spreadsheets(nasty: WeeklySummary) -> None:
    assert render(nasty, "csv").startswith(b"\xef\xbb\xbf")


def test_xlsx_types_text_as_text_and_numbers_as_numbers(nasty: WeeklySummary) -> None:
    workbook = load_workbook(io.BytesIO(render(nasty, "xlsx")))
    assert workbook.sheetnames == ["Totals", "Team CEN1"]
    totals, team = workbook.worksheets
    assert team.freeze_panes == "A2" and totals.freeze_panes == "A2"
    header = [c.value for c in team[1]]
    assert header == list(COLUMNS)
    worker = header.index("worker")
    names = {}
    for row in team.iter_rows(min_row=2):
        cell = row[worker]
        if row[0].value == "worker":
            assert cell.data_type == "s"
            names[cell.value] = row
    for name in NASTY_NAMES:
        # Exactly as stored (the service trims names), typed as text, never a formula.
        assert f"{name.strip()} X" in names
    some_row = names[f"{NASTY_NAMES[0]} X"]
    assert some_row[header.index("caseload_limit")].value == 100
    assert some_row[header.index("caseload_limit")].data_type == "n"
    assert some_row[header.index("fte")].value == 1.0
    # Widths fit the content, within reason.
    assert team.column_dimensions["D"].width == 40
    assert team.column_dimensions["A"].width == len("worker") + 2


def test_xlsx_has_a_city_sheet_then_one_sheet_per_team(sqlite_engine: Engine) -> None:
    with Session(sqlite_engine) as session:
        small_organisation(session)
        summary = weekly_summary(session=session, week="2026-W47")
    workbook = load_workbook(io.BytesIO(render(summary, "xlsx")))
    assert workbook.sheetnames == ["City", "Team CEN1", "Team CEN2"]
    levels = [row[0] for row in workbook["City"].iter_rows(min_row=2, values_only=True)]
    assert levels == ["team", "team", "locality", "city"]


def test_markdown_reads_as_tables_and_escapes_what_would_change_them(
    nasty: WeeklySummary,
) -> None:
    text = render_markdown(nasty)
    assert text.startswith("# Weekly caseload summary, 2026-W47 (16 Nov to 22 Nov 2026)")
    assert "## Team CEN1 (Central)" in text
    assert "Pipe \\| Smith X" in text
    assert "\\<b\\>Bold\\</b\\> \\*star\\*" in text
    assert "| team total " in text
    for line in text.splitlines():
        if line.startswith("|"):
            assert line.endswith("|")
    assert "Social worker" in text


# --- round trips --------------------------------------------------------------------------

names = st.text(
    st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=20
)
# What the summary holds: counts, and figures rounded to one or two decimal places.
numbers = st.one_of(st.none(), st.integers(0, 10**6), st.integers(0, 10**8).map(lambda n: n / 100))


def summary_of(rows: list[tuple[str, str, dict[str, int | float | None]]]) -> WeeklySummary:
    return WeeklySummary(
        week=IsoWeek(2026, 47),
        scope="whole city",
        rows=[SummaryRow("worker", "T1", "Central", w, p, values) for w, p, values in rows],
    )


row_values = st.fixed_dictionaries({c: numbers for c in COLUMNS[6:]})


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(names, names, row_values), min_size=1, max_size=4))
def test_csv_export_read_back_keeps_every_value_exactly(rows) -> None:
    summary = summary_of(rows)
    read = csv_cells(summary)[1:]
    for original, back in zip(summary.rows, read, strict=True):
        for column, cell in zip(COLUMNS, back, strict=True):
            value = original.cell(column)
            if isinstance(value, str):
                assert restore(cell) == value
            elif value is None:
                assert cell == ""
            else:
                assert type(value)(cell) == value


xml_names = st.text(
    st.characters(blacklist_categories=["Cs", "Cc"], blacklist_characters="\ufffe\uffff"),
    max_size=20,
)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(xml_names, xml_names, row_values), min_size=1, max_size=3))
def test_xlsx_export_read_back_keeps_every_value_exactly(rows) -> None:
    summary = summary_of(rows)
    sheet = load_workbook(io.BytesIO(render(summary, "xlsx")))["Team T1"]
    read = list(sheet.iter_rows(min_row=2, values_only=True))
    for original, back in zip(summary.rows, read, strict=True):
        for column, cell in zip(COLUMNS, back, strict=True):
            value = original.cell(column)
            assert cell == (value if value != "" else None), column


def test_spreadsheet_safe_only_touches_risky_starts() -> None:
    assert spreadsheet_safe("Smith") == "Smith"
    assert spreadsheet_safe("O'Brien") == "O'Brien"
    assert spreadsheet_safe("") == ""
    for risky in ("=1", "+1", "-1", "@x", "\tx", "\rx", "\nx", "'x"):
        assert spreadsheet_safe(risky) == "'" + risky
        assert restore(spreadsheet_safe(risky)) == risky


# --- the command ------------------------------------------------------------------------------


@pytest.fixture
def url(tmp_path: Path) -> str:
    database = f"sqlite:///{tmp_path / 'weekly.sqlite3'}"
    engine = create_db_engine(database)
    upgrade(engine)
    with unit_of_work(engine) as s:
        small_organisation(s)
    engine.dispose()
    return database


def intapp(url: str, *args: str) -> Result:
    return CliRunner().invoke(cli.main, ["--database-url", url, *args], catch_exceptions=False)


def test_export_weekly_prints_csv_for_the_last_complete_week(url: str) -> None:
    result = intapp(url, "export", "weekly")
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == list(COLUMNS)
    assert rows[-1][0] == "city"


def test_export_weekly_markdown_for_one_team(url: str) -> None:
    result = intapp(
        url, "export", "weekly", "--week", "2026-W46", "--team", "CEN2", "--format", "md"
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# Weekly caseload summary, 2026-W46")
    assert "team CEN2" in result.stdout


def test_export_weekly_saves_xlsx_by_its_extension(url: str, tmp_path: Path) -> None:
    out = tmp_path / "summary.xlsx"
    result = intapp(url, "export", "weekly", "--locality", "Central", "--output", str(out))
    assert result.exit_code == 0, result.output
    assert load_workbook(out).sheetnames == ["Central locality", "Team CEN1", "Team CEN2"]
    assert "saved to" in result.stderr


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--format", "xlsx"], 2, "needs --output FILE"),
        (["--team", "CEN1", "--locality", "Central"], 2, "not both"),
        (["--team", "NOPE"], 1, "There is no team with code 'NOPE'"),
        (["--week", "2026-W60"], 1, "2026 has no week 60"),
        (["--week", "soon"], 1, "not an ISO week"),
    ],
)
def test_export_weekly_errors_are_one_line(
    url: str, args: list[str], code: int, message: str
) -> None:
    result = intapp(url, "export", "weekly", *args)
    assert result.exit_code == code
    assert message in result.output
    assert "Traceback" not in result.output
