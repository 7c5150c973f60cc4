"""`intapp export trends`: the series of the hand-built history in `test_trends`, as CSV,
XLSX and Markdown, recorded in the audit trail and refused to those who may not."""

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
from test_trends import APR_26, NOV_26, build_history

from intapp import access, cli
from intapp.access import Role, SignedIn
from intapp.models import AuditEvent
from intapp.services.errors import NotAllowed
from intapp.services.trends import definitions
from intapp.services.trends.export import export_trends, trends_for_export
from intapp.services.weekly_summary import restore
from intapp.store.engine import create_db_engine, read_session, unit_of_work
from intapp.store.migrate import upgrade

KEYS = list(definitions())


@pytest.fixture
def history(tmp_path: Path) -> Iterator[tuple[str, Engine]]:
    url = f"sqlite:///{tmp_path / 'trends.sqlite3'}"
    engine = create_db_engine(url)
    upgrade(engine)
    build_history(engine)
    yield url, engine
    engine.dispose()


def intapp(url: str, *args: str) -> Result:
    return CliRunner().invoke(cli.main, ["--database-url", url, *args], catch_exceptions=False)


def test_csv_has_a_row_per_month_then_the_definitions(history: tuple[str, Engine]) -> None:
    url, _ = history
    result = intapp(url, "export", "trends")
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout.lstrip("\ufeff"))))
    assert rows[0] == ["month", "so_far", *KEYS]
    months = rows[1:25]
    assert [m[0] for m in months][:2] == ["2024-12", "2025-01"]
    assert months[NOV_26][:2] == ["2026-11", "yes"]
    april = dict(zip(rows[0], months[APR_26], strict=True))
    assert april["referrals_received"] == "3"
    assert april["triaged_within_target_pct"] == "75.0"
    assert april["median_hours_to_triage"] == "17.0"
    assert april["open_weighted_caseload"] == "7"
    assert months[0][rows[0].index("median_hours_to_triage")] == ""  # nothing to measure
    assert rows[25] == []
    assert rows[26][0].startswith("Monthly trends, Dec 2024 to Nov 2026 (so far), whole city")
    assert rows[27] == ["column", "series", "unit", "definition"]
    defined = {row[0]: row[3] for row in rows[28:]}
    assert set(defined) == {"so_far", *KEYS}
    assert "percentage at home" in defined["at_home_pct"]


def test_markdown_for_one_team(history: tuple[str, Engine]) -> None:
    url, _ = history
    result = intapp(url, "export", "trends", "--team", "NOR1", "--format", "md")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.startswith("# Monthly trends, Dec 2024 to Nov 2026 (so far), team NOR1")
    assert "| Nov 2026 (so far) |" in text
    assert "## Definitions" in text and "- **caseload_limits**" in text
    # North's one referral, in November; its worker's limit of 80 in every month.
    november = next(line for line in text.splitlines() if line.startswith("| Nov 2026"))
    assert [cell.strip() for cell in november.split("|")][2] == "1"


def test_xlsx_is_private_with_a_definitions_sheet(
    history: tuple[str, Engine], tmp_path: Path
) -> None:
    url, _ = history
    out = tmp_path / "trends.xlsx"
    result = intapp(url, "export", "trends", "--locality", "Central", "--output", str(out))
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    book = load_workbook(out)
    assert book.sheetnames == ["Trends", "Definitions"]
    sheet = book["Trends"]
    assert sheet.cell(row=1, column=3).value == "referrals_received"
    assert sheet.cell(row=2 + APR_26, column=1).value == "2026-04"
    assert sheet.cell(row=2 + APR_26, column=3).value == 3  # a number, not text
    assert book["Definitions"].cell(row=2, column=1).value == "so_far"


def test_every_export_is_in_the_audit_trail(history: tuple[str, Engine], tmp_path: Path) -> None:
    url, engine = history
    intapp(url, "export", "trends", "--format", "md")
    intapp(url, "export", "trends", "--team", "CEN1", "--output", str(tmp_path / "t.csv"))
    with read_session(engine) as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.entity == "trends")).all()
    assert [(e.action, e.entity_id) for e in events] == [("export", "2026-11")] * 2
    assert [e.changes["scope"] for e in events] == ["whole city", "team CEN1"]
    assert [e.changes["saved_as"] for e in events] == ["(shown, not saved)", "t.csv"]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--format", "xlsx"], 2, "needs --output FILE"),
        (["--team", "CEN1", "--locality", "Central"], 2, "not both"),
        (["--team", "NOPE"], 1, "There is no team with code 'NOPE'"),
        (["--locality", "Atlantis"], 1, "There is no locality called 'Atlantis'"),
    ],
)
def test_errors_are_one_line(
    history: tuple[str, Engine], args: list[str], code: int, message: str
) -> None:
    url, _ = history
    result = intapp(url, "export", "trends", *args)
    assert result.exit_code == code
    assert message in result.output
    assert "Traceback" not in result.output


def test_text_cells_that_could_be_formulas_are_neutralised(sqlite_engine: Engine) -> None:
    """A locality's name is typed by people; the title that holds it is the one cell of
    the CSV it could reach, and it starts with words, but every text cell is checked."""
    from factories import add_team

    with unit_of_work(sqlite_engine) as session:
        add_team(session, "X1", "=HYPERLINK(1)")
    with unit_of_work(sqlite_engine) as session:
        trends = trends_for_export(session=session, locality="=HYPERLINK(1)")
        data = export_trends(session=session, user="t", trends=trends, fmt="csv")
    cells = [c for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))) for c in row]
    assert any("=HYPERLINK(1) locality" in c for c in cells)
    assert all(c[:1] not in "=+-@" or restore(c) != c for c in cells if c)


def signed_in_as(engine: Engine, role: Role, team_ids: frozenset[int] = frozenset()) -> None:
    access._signed_in[engine.pool] = SignedIn(
        login="t_user", role=role, team_ids=team_ids, team_mode=True
    )


@pytest.mark.parametrize("role", [Role.KEY_WORKER, Role.COORDINATOR])
def test_only_those_who_export_the_weekly_summary_may(sqlite_engine: Engine, role: Role) -> None:
    scopes = build_history(sqlite_engine)
    signed_in_as(sqlite_engine, role, frozenset(scopes["central"]))
    try:
        with Session(sqlite_engine) as session, pytest.raises(NotAllowed):
            trends = trends_for_export(session=session, team_code="CEN1")
            export_trends(session=session, user="t_user", trends=trends, fmt="csv")
    finally:
        access.forget(sqlite_engine)


def test_a_supervisors_city_is_their_own_teams(sqlite_engine: Engine) -> None:
    scopes = build_history(sqlite_engine)
    signed_in_as(sqlite_engine, Role.SUPERVISOR, frozenset(scopes["central"]))
    try:
        with Session(sqlite_engine) as session:
            trends = trends_for_export(session=session)
            assert trends.scope == "your locality"
            assert trends["referrals_received"].values[NOV_26] == 0  # North's is not theirs
            with pytest.raises(NotAllowed):
                trends_for_export(session=session, team_code="NOR1")
    finally:
        access.forget(sqlite_engine)
