"""Failures tell the truth: each cause has its own plain message and exit code."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from import_support import PEOPLE_HEADER, csv_bytes, person
from sqlalchemy import event, text
from store_support import damage, digest, populated_file, url_of

from intapp import cli
from intapp.cli import root
from intapp.config import load_settings
from intapp.store import engine as engine_module
from intapp.store.migrate import head_revision

README = Path(__file__).resolve().parent.parent / "README.md"
INTAPP = Path(sys.executable).with_name("intapp")


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli.main, list(args), catch_exceptions=False)


def people_file(folder: Path, rows: int = 5) -> Path:
    file = folder / "people.csv"
    file.write_bytes(csv_bytes(PEOPLE_HEADER, [person(n) for n in range(rows)]))
    return file


def one_line(result: Result) -> None:
    assert "Traceback" not in result.output
    assert "Something went wrong" not in result.output
    assert re.search(r"^Error: .+", result.output, re.MULTILINE)


def test_the_readme_lists_every_exit_code_as_the_cli_uses_them() -> None:
    readme = README.read_text()
    table = readme[readme.index("| exit code | meaning |") :].split("\n\n")[0]
    listed = {int(m) for m in re.findall(r"^\| (\d+) \|", table, re.MULTILINE)}
    used = {code for code, _meaning, _kind in root.exit_codes()}
    assert used | {0, 2, root.EXIT_UNEXPECTED, 130} == listed
    assert len({code for code, _m, _k in root.exit_codes() if code != root.EXIT_REFUSED}) == len(
        [c for c, _m, _k in root.exit_codes() if c != root.EXIT_REFUSED]
    ), "two causes share an exit code"


def test_disk_full_in_sqlite_says_so(tmp_path: Path, monkeypatch) -> None:
    file = populated_file(tmp_path / "store.sqlite3")
    build = engine_module.create_db_engine

    def on_a_full_disk(url=None):
        engine = build(url)

        @event.listens_for(engine, "connect")
        def cap(dbapi_connection, _record) -> None:
            # SQLite's own SQLITE_FULL, as on a disk with no room left.
            pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
            dbapi_connection.execute(f"PRAGMA max_page_count = {pages + 1}")

        return engine

    monkeypatch.setattr(engine_module, "create_db_engine", on_a_full_disk)
    engine_module.get_engine.cache_clear()
    result = invoke(
        "import", "people", str(people_file(tmp_path, 300)), "--database-url", url_of(file)
    )
    assert result.exit_code == root.EXIT_DISK_FULL, result.output
    assert "disk" in result.output and "full" in result.output
    assert "Cannot reach" not in result.output
    one_line(result)


def test_disk_full_writing_a_file_says_so(tmp_path: Path) -> None:
    file = populated_file(tmp_path / "store.sqlite3")
    # /dev/full refuses every write with ENOSPC, as a full disk does.
    result = invoke("export", "weekly", "--output", "/dev/full", "--database-url", url_of(file))
    assert result.exit_code == root.EXIT_DISK_FULL, result.output
    assert "The disk is full" in result.output
    one_line(result)


def test_a_newer_schema_is_refused_naming_both_revisions(tmp_path: Path) -> None:
    file = populated_file(tmp_path / "store.sqlite3")
    engine = engine_module.create_db_engine(url_of(file))
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0099_from_the_future'"))
    engine.dispose()
    before = digest(file)
    result = invoke("import", "people", str(people_file(tmp_path)), "--database-url", url_of(file))
    assert result.exit_code == root.EXIT_SCHEMA_TOO_NEW, result.output
    assert "0099_from_the_future" in result.output
    assert str(head_revision()) in result.output
    assert "intapp 0." in result.output
    one_line(result)
    assert digest(file) == before


def test_a_file_that_is_not_a_database_is_reported_as_damaged(tmp_path: Path) -> None:
    file = tmp_path / "store.sqlite3"
    file.write_bytes(b"this is a spreadsheet, not a database " * 200)
    result = invoke("db", "upgrade", "--database-url", url_of(file))
    assert result.exit_code == root.EXIT_CORRUPT, result.output
    one_line(result)


def test_a_damaged_file_has_its_own_exit_code(tmp_path: Path) -> None:
    file = populated_file(tmp_path / "store.sqlite3")
    damage(file)
    result = invoke("import", "people", str(people_file(tmp_path)), "--database-url", url_of(file))
    assert result.exit_code == root.EXIT_CORRUPT
    one_line(result)


def test_a_config_file_error_names_the_file_and_has_its_own_exit_code(
    tmp_path: Path, isolated_user_dirs: Path
) -> None:
    file = populated_file(tmp_path / "store.sqlite3")
    config = isolated_user_dirs / "xdg_config_home" / "intapp" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("[settings]\nweekly_colour = 3\n")
    load_settings.cache_clear()
    result = invoke("export", "weekly", "--database-url", url_of(file))
    assert result.exit_code == root.EXIT_CONFIG, result.output
    assert "weekly_colour" in result.output
    one_line(result)


def test_an_unreachable_server_has_its_own_exit_code(monkeypatch) -> None:
    monkeypatch.setenv("INTAPP_PG_CONNECT_TIMEOUT", "2")
    result = invoke("db", "upgrade", "--database-url", "postgresql://nobody@127.0.0.1:1/none")
    assert result.exit_code == root.EXIT_UNREACHABLE
    assert "Cannot reach the database" in result.output
    one_line(result)


def test_an_unexpected_error_has_its_own_exit_code(monkeypatch) -> None:
    def explode(*args, **kwargs):
        raise RuntimeError("Mary Smith")

    monkeypatch.setattr("intapp.store.migrate.upgrade", explode)
    result = invoke("db", "upgrade", "--database-url", "sqlite://")
    assert result.exit_code == root.EXIT_UNEXPECTED
    assert "Something went wrong (RuntimeError)" in result.output


def test_the_app_exits_non_zero_after_an_unexpected_error(monkeypatch, tmp_path: Path) -> None:
    from textual.app import App

    from intapp.app import IntApp

    def explode(self) -> None:
        raise RuntimeError("Mary Smith 943 476 5919")

    monkeypatch.setattr(root, "_interactive", lambda: True)
    monkeypatch.setattr(IntApp, "on_mount", explode)
    monkeypatch.setattr(IntApp, "run", lambda self: App.run(self, headless=True))
    result = CliRunner().invoke(cli.main, ["--database-url", f"sqlite:///{tmp_path / 'x.db'}"])
    assert result.exit_code == root.EXIT_UNEXPECTED, result.output
    assert "Mary" not in result.output


def _as_someone_who_cannot_write(command: list[str]) -> list[str]:
    """Run `command` without the power to ignore file modes (root has it)."""
    if os.geteuid() != 0:
        return command
    setpriv = shutil.which("setpriv")
    assert setpriv, "tests run as root need setpriv (util-linux) to drop CAP_DAC_OVERRIDE"
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search,-fowner", *command]


def test_a_read_only_store_can_be_read_and_refuses_writes_plainly(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    file = populated_file(folder / "store.sqlite3")
    csv_file = people_file(tmp_path)
    os.chmod(file, 0o444)
    os.chmod(folder, 0o555)
    env = {**os.environ, "INTAPP_DATABASE_URL": url_of(file)}
    read = "\n".join(
        [
            "from sqlalchemy import func",
            "from sqlmodel import select",
            "from intapp.models import Person",
            "from intapp.store.engine import get_engine, read_session",
            "from intapp.store.migrate import upgrade",
            "engine = get_engine()",
            "upgrade(engine)",
            "with read_session(engine) as session:",
            "    print(session.exec(select(func.count()).select_from(Person)).one())",
        ]
    )

    def run(*command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            _as_someone_who_cannot_write(list(command)),
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    try:
        reading = run(sys.executable, "-c", read)
        assert reading.returncode == 0, reading.stderr
        assert reading.stdout.strip() == "40"
        check = run(str(INTAPP), "db", "check")
        assert check.returncode == 0, check.stderr
        importing = run(str(INTAPP), "import", "people", str(csv_file))
        assert importing.returncode == root.EXIT_READ_ONLY, importing.stderr
        assert "read-only" in importing.stderr and "reading still works" in importing.stderr
        assert "Traceback" not in importing.stderr
    finally:
        os.chmod(folder, 0o755)
        os.chmod(file, 0o644)


@pytest.mark.parametrize(
    ("server_error", "code"),
    [
        ("DiskFull", root.EXIT_DISK_FULL),
        ("ReadOnlySqlTransaction", root.EXIT_READ_ONLY),
        ("QueryCanceled", root.EXIT_TIMED_OUT),
    ],
)
def test_postgresql_causes_are_told_apart_by_their_sqlstate(server_error: str, code: int) -> None:
    import psycopg
    from sqlalchemy.exc import OperationalError

    # As SQLAlchemy hands them over: the server's error wrapped in its own.
    cause = getattr(psycopg.errors, server_error)("the server's own words")
    failure = root._as_click_error(OperationalError("INSERT INTO person …", {}, cause))
    assert failure.exit_code == code
    assert "Cannot reach" not in failure.message


async def test_the_app_shows_a_storage_failure_plainly(tmp_path: Path) -> None:
    from sqlalchemy.exc import OperationalError

    from intapp.app import IntApp

    app = IntApp(database_url=url_of(populated_file(tmp_path / "store.sqlite3")))
    shown: list[tuple[str, str]] = []
    async with app.run_test(size=(120, 40)):
        app.notify = lambda message, **kw: shown.append((kw["title"], message))  # type: ignore[method-assign]
        full = sqlite3.OperationalError("database or disk is full")
        full.sqlite_errorcode = 13  # type: ignore[attr-defined]
        app.report_error(OperationalError("INSERT …", {}, full))
    assert shown and "disk" in shown[0][1] and "full" in shown[0][1]
    assert "Something went wrong" not in shown[0][1]
