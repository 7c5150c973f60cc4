"""Saving the CLD file: the service on SQLite and PostgreSQL, and `intapp export cld`
(0600, audited, --strict, --force, bad input in one line)."""

from __future__ import annotations

import csv
import io
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from cld_fixture import CldCity, build
from click.testing import CliRunner
from identity_support import signed_in
from sqlalchemy import Engine
from sqlmodel import Session, select
from test_access_postgres import login_as, pg, staff  # noqa: F401 (fixtures)

from intapp import cli
from intapp.models import AuditEvent, Person
from intapp.services.errors import InvalidInput, NotAllowed, NotFound
from intapp.services.national.cld_export import CldFileExists, CldProblems, export_cld
from intapp.store.engine import create_db_engine
from intapp.store.migrate import upgrade

CSV_HEADER_START = "LA_Code,Reporting_Period_Start_Date,Reporting_Period_End_Date,NHS_Number,"


@pytest.fixture
def city(session: Session) -> CldCity:
    return build(session)


def _exports(session: Session) -> list[AuditEvent]:
    session.flush()
    return list(session.exec(select(AuditEvent).where(AuditEvent.entity == "cld_extract")))


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _fill_postcodes(session: Session, city: CldCity) -> None:
    for person_id in (city.chen, city.dorothy, city.fatima):
        session.get_one(Person, person_id).postcode = "M1 1AA"
    session.flush()


def test_saved_private_with_its_report_and_audited(
    session: Session, city: CldCity, tmp_path: Path
) -> None:
    path = tmp_path / "cld.csv"
    done = export_cld(session=session, user="sup.one", quarter="2026-Q3", path=path)
    assert (done.rows, done.scope, len(done.problems)) == (12, "whole city", 7 + 12)
    assert _mode(path) == 0o600 and _mode(done.problems_path) == 0o600
    assert done.problems_path == tmp_path / "cld.csv.problems.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith(CSV_HEADER_START) and len(lines) == 13
    report = done.problems_path.read_text(encoding="utf-8").splitlines()
    assert report[0] == "row,column,problem" and len(report) == 1 + 19
    assert "2,LA_Code,missing: it is mandatory" in report
    [event] = _exports(session)
    assert (event.user, event.action, event.entity_id, event.person_id) == (
        "sup.one",
        "export",
        "2026-Q3",
        None,
    )
    assert event.changes == {
        "quarter": "2026-Q3",
        "scope": "whole city",
        "rows": 12,
        "problems": 19,
        "saved_as": "cld.csv",
    }


def test_strict_refuses_a_file_with_problems_and_writes_nothing(
    session: Session, city: CldCity, tmp_path: Path
) -> None:
    path = tmp_path / "cld.csv"
    with pytest.raises(CldProblems, match="has 7 problems, so it was not written") as refused:
        export_cld(
            session=session, user="u", quarter="2026-Q3", path=path, la_code="352", strict=True
        )
    assert {p.column for p in refused.value.problems} == {"Postcode"}
    assert not path.exists() and not (tmp_path / "cld.csv.problems.csv").exists()
    assert _exports(session) == []
    _fill_postcodes(session, city)
    done = export_cld(
        session=session, user="u", quarter="2026-Q3", path=path, la_code="352", strict=True
    )
    assert done.problems == [] and path.exists()
    assert done.problems_path.read_bytes() == b"row,column,problem\r\n"


def test_an_existing_file_is_kept_unless_replaced(
    session: Session, city: CldCity, tmp_path: Path
) -> None:
    path = tmp_path / "cld.csv"
    path.write_text("keep me")
    with pytest.raises(CldFileExists, match="already exists"):
        export_cld(session=session, user="u", quarter="2026-Q3", path=path)
    assert path.read_text() == "keep me"
    export_cld(session=session, user="u", quarter="2026-Q3", path=path, replace=True)
    assert path.read_text(encoding="utf-8").startswith(CSV_HEADER_START)
    assert _mode(path) == 0o600


def test_a_team_or_a_locality(session: Session, city: CldCity, tmp_path: Path) -> None:
    north = export_cld(
        session=session, user="u", quarter="2026-Q3", path=tmp_path / "n.csv", locality="north"
    )
    assert (north.scope, north.rows) == ("North locality", 1)
    central = export_cld(
        session=session, user="u", quarter="2026-Q3", path=tmp_path / "c.csv", team_code="cen1"
    )
    assert (central.scope, central.rows) == ("team CEN1", 11)


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"quarter": "2026-Q5"}, InvalidInput, "is not a quarter: write it like 2026-Q3"),
        ({"quarter": "2027-Q1"}, InvalidInput, "has not started yet"),
        ({"quarter": "2026-Q3", "team_code": "ZZ9"}, NotFound, "no team with code 'ZZ9'"),
        ({"quarter": "2026-Q3", "locality": "East"}, NotFound, "no locality called 'East'"),
        ({"quarter": "2026-Q3", "la_code": "X" * 11}, InvalidInput, "at most 10 characters"),
    ],
)
def test_bad_input_is_refused_before_anything_is_written(
    session: Session, city: CldCity, tmp_path: Path, kwargs: dict[str, str], error: type, words: str
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    with pytest.raises(error, match=words):
        export_cld(session=session, user="u", path=folder / "cld.csv", **kwargs)  # type: ignore[arg-type]
    assert list(folder.iterdir()) == []


# --- The command ---------------------------------------------------------------------------


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'intapp.sqlite3'}"
    engine = create_db_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        build(session)
        session.commit()
    engine.dispose()
    return url


def invoke(url: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        cli.main, ["export", "cld", *args, "--database-url", signed_in(url, "sup.one")]
    )
    return result.exit_code, result.output


def _audited(url: str) -> list[AuditEvent]:
    with Session(create_db_engine(url)) as session:
        return _exports(session)


def test_the_command_saves_a_private_file_and_says_so(url: str, tmp_path: Path) -> None:
    out = tmp_path / "out" / "cld-q3.csv"
    code, output = invoke(url, "--quarter", "2026-Q3", "--output", str(out), "--la-code", "352")
    assert code == 0, output
    assert _mode(out) == 0o600
    assert f"CLD 2026-Q3 (whole city): 12 rows saved to {out}; 7 problems, listed in " in output
    assert "row 7, Postcode: missing: it is mandatory" in output
    [event] = _audited(url)
    assert (event.user, event.changes["rows"], event.changes["saved_as"]) == (
        "sup.one",
        12,
        "cld-q3.csv",
    )


def test_strict_exits_1_with_the_report_and_no_file(url: str, tmp_path: Path) -> None:
    out = tmp_path / "cld.csv"
    code, output = invoke(url, "--quarter", "2026-Q3", "-o", str(out), "--strict")
    assert code == 1
    assert "row 2, LA_Code: missing: it is mandatory" in output
    assert "row 13, Postcode: missing: it is mandatory" in output  # all 19 shown (up to 20)
    assert "has 19 problems, so it was not written (--strict)" in output
    assert "Traceback" not in output
    assert not out.exists() and _audited(url) == []


def test_force_replaces_and_without_it_the_file_is_kept(url: str, tmp_path: Path) -> None:
    out = tmp_path / "cld.csv"
    out.write_text("earlier")
    code, output = invoke(url, "--quarter", "2026-Q3", "-o", str(out))
    assert code == 1 and "already exists" in output and "--force" in output
    assert out.read_text() == "earlier" and _audited(url) == []
    code, output = invoke(url, "--quarter", "2026-Q3", "-o", str(out), "--force")
    assert code == 0, output
    assert out.read_text(encoding="utf-8").startswith(CSV_HEADER_START)
    assert len(_audited(url)) == 1


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--quarter", "2026-Q5"), "Quarter '2026-Q5' is not a quarter: write it like 2026-Q3"),
        (("--quarter", "2027-Q1"), "Quarter 2027-Q1 has not started yet"),
        (("--quarter", "2026-Q3", "--team", "ZZ9"), "There is no team with code 'ZZ9'"),
        (("--quarter", "2026-Q3", "--team", "CEN1", "--locality", "North"), "not both"),
    ],
)
def test_bad_input_is_one_line(url: str, tmp_path: Path, args: tuple[str, ...], words: str) -> None:
    code, output = invoke(url, *args, "-o", str(tmp_path / "cld.csv"))
    assert code in (1, 2) and words in output, output
    assert "Traceback" not in output
    assert not (tmp_path / "cld.csv").exists()


def test_a_long_report_is_cut_short_on_screen_but_saved_whole(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from intapp.cli import export_cld

    monkeypatch.setattr(export_cld, "SHOWN_PROBLEMS", 5)
    out = tmp_path / "cld.csv"
    code, output = invoke(url, "--quarter", "2026-Q3", "-o", str(out))
    assert code == 0, output
    assert output.count("LA_Code: missing") == 5
    assert f"... and 14 more (all are in {out}.problems.csv)" in output
    assert len((tmp_path / "cld.csv.problems.csv").read_bytes().splitlines()) == 1 + 19


@pytest.mark.postgres
def test_a_supervisor_exports_their_locality_only(
    postgres_engine: Engine,
    login_as: Callable[[str], Engine],  # noqa: F811 (the fixture imported above)
    tmp_path: Path,
) -> None:
    """The whole city narrows to the supervisor's locality and says so, as the weekly
    summary does; another locality is refused plainly."""
    with Session(postgres_engine) as session:
        city = build(session)
        session.commit()
    engine = login_as("sup")
    staff(postgres_engine, str(engine.url.username), "supervisor", city.team_id)
    with Session(engine) as session:
        done = export_cld(session=session, user="sup", quarter="2026-Q3", path=tmp_path / "a.csv")
        assert (done.scope, done.rows) == ("your locality", 11)
        with pytest.raises(NotAllowed, match="North locality is outside your teams"):
            export_cld(
                session=session,
                user="sup",
                quarter="2026-Q3",
                path=tmp_path / "b.csv",
                locality="North",
            )
    key_worker = login_as("kw")
    staff(postgres_engine, str(key_worker.url.username), "key_worker", city.team_id)
    with Session(key_worker) as session, pytest.raises(NotAllowed, match="export returns"):
        export_cld(session=session, user="kw", quarter="2026-Q3", path=tmp_path / "c.csv")


def test_the_council_code_comes_from_the_setting_unless_given(
    session: Session, city: CldCity, tmp_path: Path, write_config: Callable[[str], Path]
) -> None:
    _fill_postcodes(session, city)
    unset = export_cld(session=session, user="u", quarter="2026-Q3", path=tmp_path / "a.csv")
    assert {p.column for p in unset.problems} == {"LA_Code"}
    write_config('[settings]\nla_code = "352"\n')
    from_setting = tmp_path / "b.csv"
    done = export_cld(session=session, user="u", quarter="2026-Q3", path=from_setting)
    assert done.problems == []
    rows = list(csv.DictReader(io.StringIO(from_setting.read_text())))
    assert {row["LA_Code"] for row in rows} == {"352"}
    given = tmp_path / "c.csv"
    export_cld(session=session, user="u", quarter="2026-Q3", path=given, la_code="353")
    assert {row["LA_Code"] for row in csv.DictReader(io.StringIO(given.read_text()))} == {"353"}


def test_a_quarter_still_running_is_said_to_be_to_date(url: str, tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from intapp import clock

    clock.freeze(datetime(2026, 9, 20, 9, 0, tzinfo=UTC))
    try:
        code, output = invoke(url, "--quarter", "2026-Q3", "-o", str(tmp_path / "q3.csv"))
    finally:
        clock.freeze(None)
    assert code == 0, output
    assert "CLD 2026-Q3 (whole city) to date: the quarter has not ended:" in output
    code, output = invoke(url, "--quarter", "2026-Q3", "-o", str(tmp_path / "again.csv"))
    assert "to date" not in output
