"""`intapp import` on the command line: exit codes, messages, the files it writes."""

from __future__ import annotations

import csv
import signal
import stat
from importlib.resources import as_file
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from factories import add_team, count, fake_nhs_number, small_organisation
from import_support import (
    PEOPLE_HEADER,
    REFERRALS_HEADER,
    csv_bytes,
    many_people,
    person,
    referral,
    xlsx_bytes,
)
from sqlmodel import Session

from intapp import cli
from intapp.cli import importing as import_command
from intapp.models import ImportBatch, Person, Referral
from intapp.paths import shipped_data
from intapp.store.engine import create_db_engine, unit_of_work
from intapp.store.migrate import upgrade


@pytest.fixture
def url(tmp_path: Path) -> str:
    """A migrated SQLite file with the small organisation in it."""
    database = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    engine = create_db_engine(database)
    upgrade(engine)
    with unit_of_work(engine) as s:
        small_organisation(s)
    engine.dispose()
    return database


def intapp(url: str, *args: str) -> Result:
    return CliRunner().invoke(cli.main, ["--database-url", url, *args], catch_exceptions=False)


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def stored(url: str, model: type) -> int:
    with Session(create_db_engine(url)) as s:
        return count(s, model)


def test_a_valid_file_is_imported_and_summed_up(url: str, tmp_path: Path) -> None:
    file = write(tmp_path / "people.csv", csv_bytes(PEOPLE_HEADER, [person(1), person(2)]))
    result = intapp(url, "import", "people", str(file))
    assert result.exit_code == 0, result.output
    assert "Imported" in result.stdout
    assert "people.csv" in result.stdout
    assert stored(url, Person) == 2
    again = intapp(url, "import", "people", str(file))
    assert again.exit_code == 0
    # read, created, updated, unchanged, rejected
    assert "│    2 │       0 │       0 │         2 │        0 │" in again.stdout
    assert "people.csv: 0 created, 0 updated, 2 unchanged, 0 rejected (of 2 read)" in again.stdout


def test_any_invalid_row_means_exit_1_and_nothing_written(url: str, tmp_path: Path) -> None:
    rows = [person(1), person(2, date_of_birth="30/02/1950"), person(3)]
    file = write(tmp_path / "people.csv", csv_bytes(PEOPLE_HEADER, rows))
    result = intapp(url, "import", "people", str(file))
    assert result.exit_code == 1
    assert "people.csv line 3, date_of_birth: '30/02/1950' is not a date" in result.stderr
    assert "1 problem(s) in 1 row(s); nothing was imported" in result.output
    assert "Traceback" not in result.output
    assert stored(url, Person) == 0
    assert stored(url, ImportBatch) == 0


def test_a_refused_import_never_reports_rows_as_created(url: str, tmp_path: Path) -> None:
    rows = [person(n) for n in range(1, 5)] + [person(5, date_of_birth="30/02/1950")]
    file = write(tmp_path / "people.csv", csv_bytes(PEOPLE_HEADER, rows))
    result = intapp(url, "import", "people", str(file))
    assert result.exit_code == 1
    assert "Nothing was imported" in result.stdout
    assert "created" not in result.stdout and "updated" not in result.stdout
    # read, valid, rejected
    assert "│    5 │     4 │        1 │" in result.stdout
    assert "people.csv: nothing imported; 4 valid, 1 rejected (of 5 read)" in result.stdout
    assert stored(url, Person) == 0


def test_a_dry_run_says_what_it_would_do(url: str, tmp_path: Path) -> None:
    file = write(tmp_path / "people.csv", csv_bytes(PEOPLE_HEADER, [person(1), person(2)]))
    result = intapp(url, "import", "people", str(file), "--dry-run")
    assert result.exit_code == 0
    assert " created" not in result.stdout
    assert "people.csv: would create 2, would update 0, 0 unchanged, 0 rejected (of 2 read)" in (
        result.stdout
    )


def test_fifty_problems_on_screen_and_all_of_them_in_the_errors_file(
    url: str, tmp_path: Path
) -> None:
    rows = [person(n, team_code="NOWHERE") for n in range(60)]
    file = write(tmp_path / "people.csv", csv_bytes(PEOPLE_HEADER, rows))
    errors = tmp_path / "problems.csv"
    result = intapp(url, "import", "people", str(file), "--errors", str(errors))
    assert result.exit_code == 1
    assert result.stderr.count("There is no team with code 'NOWHERE'") == 50
    assert "… and 10 more; use --errors FILE to see them all" in result.stderr
    with errors.open(encoding="utf-8-sig", newline="") as fh:
        lines = list(csv.reader(fh))
    assert lines[0] == ["file", "line", "column", "problem"]
    assert len(lines) == 61
    assert lines[-1] == ["people.csv", "61", "team_code", "There is no team with code 'NOWHERE'"]
    assert stat.S_IMODE(errors.stat().st_mode) == 0o600


def test_skip_invalid_writes_the_rejected_rows_with_a_reason(url: str, tmp_path: Path) -> None:
    data = (
        "\ufeffnhs_number,given_name,family_name,date_of_birth,team_code\r\n"
        f"{fake_nhs_number(1)},Ada,Okafor,01/02/1940,CEN1\r\n"
        f'{fake_nhs_number(2)},"Bad\r\nName",Smith,01/02/1940,CEN1\r\n'
        f"{fake_nhs_number(3)},Zoe,Nul\x00l,01/02/1940,CEN1\r\n"
        "943 476 5910,Chen,Li,01/02/3000,CEN1\r\n"
    ).encode()
    file = write(tmp_path / "people.csv", data)
    result = intapp(url, "import", "people", str(file), "--skip-invalid")
    assert result.exit_code == 0, result.output
    rejects = tmp_path / "people.csv.rejects.csv"
    assert "3 rejected row(s) written to" in result.output
    with rejects.open(encoding="utf-8-sig", newline="") as fh:
        assert list(csv.reader(fh)) == [
            ["nhs_number", "given_name", "family_name", "date_of_birth", "team_code", "reason"],
            [
                fake_nhs_number(2),
                "Bad\r\nName",
                "Smith",
                "01/02/1940",
                "CEN1",
                "given_name: must be on one line (it contains a line break or a tab)",
            ],
            [
                fake_nhs_number(3),
                "Zoe",
                "Nul\x00l",
                "01/02/1940",
                "CEN1",
                "family_name: contains a NUL byte (U+0000); remove it and import again",
            ],
            [
                "943 476 5910",
                "Chen",
                "Li",
                "01/02/3000",
                "CEN1",
                "nhs_number: NHS number 943 476 5910 fails the check digit: check for a typo; "
                "date_of_birth: Date of birth cannot be in the future",
            ],
        ]
    assert stat.S_IMODE(rejects.stat().st_mode) == 0o600
    assert stored(url, Person) == 1


def test_rejects_can_go_to_a_chosen_file(url: str, tmp_path: Path) -> None:
    file = write(tmp_path / "p.csv", csv_bytes(PEOPLE_HEADER, [person(1, team_code="X")]))
    target = tmp_path / "out" / "bad.csv"
    result = intapp(url, "import", "people", str(file), "--skip-invalid", "--rejects", str(target))
    assert result.exit_code == 0
    assert target.exists()


def test_a_dry_run_writes_nothing(url: str, tmp_path: Path) -> None:
    file = write(tmp_path / "people.csv", csv_bytes(PEOPLE_HEADER, [person(1)]))
    result = intapp(url, "import", "people", str(file), "--dry-run")
    assert result.exit_code == 0
    assert "Dry run: nothing was written" in result.stdout
    assert stored(url, Person) == 0


def test_an_xlsx_file_imports_from_its_first_sheet(url: str, tmp_path: Path) -> None:
    rows = [[h.upper() for h in PEOPLE_HEADER]]
    rows += [[person(1)[h] for h in PEOPLE_HEADER], [person(2)[h] for h in PEOPLE_HEADER]]
    file = write(tmp_path / "people.xlsx", xlsx_bytes(rows, extra_sheet=True))
    result = intapp(url, "import", "people", str(file))
    assert result.exit_code == 0, result.output
    assert stored(url, Person) == 2


def test_referrals_with_their_people_file(url: str, tmp_path: Path) -> None:
    people = write(tmp_path / "p.csv", csv_bytes(PEOPLE_HEADER, [person(4)]))
    refs = write(tmp_path / "r.csv", csv_bytes(REFERRALS_HEADER, [referral(1, 4)]))
    alone = intapp(url, "import", "referrals", str(refs))
    assert alone.exit_code == 1
    together = intapp(url, "import", "referrals", str(refs), "--people", str(people))
    assert together.exit_code == 0, together.output
    assert (stored(url, Person), stored(url, Referral), stored(url, ImportBatch)) == (1, 1, 2)


def test_people_option_is_only_for_referrals(url: str, tmp_path: Path) -> None:
    file = write(tmp_path / "p.csv", csv_bytes(PEOPLE_HEADER, [person(1)]))
    result = intapp(url, "import", "people", str(file), "--people", str(file))
    assert result.exit_code == 2
    assert "--people goes with" in result.output


def test_an_unreadable_file_is_one_line_and_exit_1(url: str, tmp_path: Path) -> None:
    file = write(tmp_path / "latin1.csv", "given_name\r\nJosé\r\n".encode("latin-1"))
    result = intapp(url, "import", "people", str(file))
    assert result.exit_code == 1
    assert "Line 2 is not UTF-8 text" in result.stderr
    assert "cannot be imported as it is" in result.output
    assert "Traceback" not in result.output


def test_a_big_file_shows_progress_on_a_terminal_and_not_when_quiet(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    file = write(tmp_path / "big.csv", csv_bytes(PEOPLE_HEADER, many_people(2_500)))
    monkeypatch.setattr(import_command, "_stderr_is_terminal", lambda: True)
    quiet = intapp(url, "import", "people", str(file), "--dry-run", "--quiet")
    assert "Checking big.csv" not in quiet.stderr
    shown = intapp(url, "import", "people", str(file))
    assert shown.exit_code == 0
    assert "Checking big.csv" in shown.stderr
    assert "Writing people" in shown.stderr


def test_no_progress_when_stderr_is_not_a_terminal(url: str, tmp_path: Path) -> None:
    file = write(tmp_path / "big.csv", csv_bytes(PEOPLE_HEADER, many_people(2_500)))
    result = intapp(url, "import", "people", str(file), "--dry-run")
    assert result.exit_code == 0
    assert "Checking" not in result.stderr


def test_templates_import_cleanly(url: str) -> None:
    engine = create_db_engine(url)
    with unit_of_work(engine) as s:
        add_team(s, "C3", "Central")
    for kind in ("people", "workers", "referrals"):
        with as_file(shipped_data() / "templates" / f"{kind}.csv") as template:
            result = intapp(url, "import", kind, str(template))
        assert result.exit_code == 0, (kind, result.output)
    assert stored(url, Referral) == 1


def test_the_ctrl_c_handler_is_put_back_when_the_command_ends(url: str, tmp_path: Path) -> None:
    # The import takes Ctrl-C over while it runs (see test_import_interrupt.py); after
    # it, whoever called it must get their own handler back.
    before = signal.getsignal(signal.SIGINT)
    file = write(tmp_path / "people.csv", csv_bytes(PEOPLE_HEADER, [person(1)]))
    assert intapp(url, "import", "people", str(file)).exit_code == 0
    assert intapp(url, "import", "people", str(file), "--people", str(file)).exit_code == 2
    assert signal.getsignal(signal.SIGINT) is before
