"""The click CLI: every command, its help, and errors without tracebacks."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from sqlalchemy import func
from sqlmodel import Session, select

from intapp import cli
from intapp.models import Person, Referral
from intapp.store.engine import create_db_engine
from intapp.store.migrate import current_revision, head_revision

README = Path(__file__).resolve().parent.parent / "README.md"


def _all_commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found = []
    for name, command in group.commands.items():
        full = f"{prefix}{name}"
        found.append((full, command))
        if isinstance(command, click.Group):
            found.extend(_all_commands(command, f"{full} "))
    return found


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli.main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


@pytest.mark.parametrize(("name", "command"), _all_commands(cli.main))
def test_every_command_has_help_with_an_example_or_subcommands(name, command):
    code, output = invoke(*name.split(), "--help")
    assert code == 0
    assert "--database-url" in output or isinstance(command, click.Group)
    if not isinstance(command, click.Group):
        assert "Example" in output, f"`intapp {name} --help` shows no example"


@pytest.mark.parametrize(
    "name", [n for n, c in _all_commands(cli.main) if not isinstance(c, click.Group)]
)
def test_every_command_is_documented_in_the_readme(name):
    assert f"intapp {name}" in README.read_text(), f"README does not mention `intapp {name}`"


def test_db_path_prints_the_default_file_under_the_user_data_folder(isolated_user_dirs):
    code, output = invoke("db", "path")
    assert code == 0
    assert output.strip() == str(isolated_user_dirs / "xdg_data_home" / "intapp" / "intapp.sqlite3")


def test_db_path_hides_a_password(monkeypatch):
    code, output = invoke("db", "path", "--database-url", "postgresql://ann:secret@db/intapp")
    assert code == 0
    assert "secret" not in output
    assert "db/intapp" in output


def test_db_upgrade_migrates_an_empty_file_and_makes_it_private(tmp_path):
    file = tmp_path / "new" / "store.sqlite3"
    code, output = invoke("db", "upgrade", "--database-url", f"sqlite:///{file}")
    assert code == 0, output
    assert "Upgraded from empty" in output
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    assert current_revision(create_db_engine(f"sqlite:///{file}")) == head_revision()
    code, output = invoke("--database-url", f"sqlite:///{file}", "db", "upgrade")
    assert code == 0
    assert "Already up to date" in output


def test_demo_loads_people_and_referrals_and_refuses_a_second_load(tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    code, output = invoke("demo", "--people", "120", "--database-url", url)
    assert code == 0, output
    with Session(create_db_engine(url)) as session:
        assert session.exec(select(func.count()).select_from(Person)).one() == 120
        assert session.exec(select(func.count()).select_from(Referral)).one() > 120
    code, output = invoke("demo", "--people", "120", "--database-url", url)
    assert code == 1
    assert "already holds people" in output
    assert "Traceback" not in output


def test_an_unreachable_database_is_one_line_without_traceback(tmp_path):
    code, output = invoke("db", "upgrade", "--database-url", "postgresql://nobody@127.0.0.1:1/none")
    assert code == 3  # its own exit code (tests/test_failures.py)
    assert "Traceback" not in output
    assert re.search(r"Error: .+", output)


def test_an_unexpected_error_is_logged_without_the_message(monkeypatch, isolated_user_dirs):
    def explode(*args, **kwargs):
        raise RuntimeError("Mary Smith 943 476 5919")

    monkeypatch.setattr("intapp.store.migrate.upgrade", explode)
    code, output = invoke("db", "upgrade", "--database-url", "sqlite://")
    assert code == 70  # a fault in intapp, not a refusal
    assert "RuntimeError" in output
    assert "Mary Smith" not in output
    log = (isolated_user_dirs / "xdg_state_home" / "intapp" / "errors.log").read_text()
    assert "RuntimeError" in log
    assert "Mary" not in log and "943" not in log


def test_bare_intapp_without_a_terminal_says_so():
    code, output = invoke()
    assert code == 1
    assert "interactive terminal" in output
