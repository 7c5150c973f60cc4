"""`intapp db backup` and `intapp db restore`: consistent, private, checked copies."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import func, text
from sqlmodel import Session, col, select
from store_support import damage, digest, engine_on, populated_file, url_of

from intapp import cli
from intapp.cli import db as db_commands
from intapp.cli import root
from intapp.models import AuditEvent, Person
from intapp.store.integrity import check_sqlite_file

WRITER = Path(__file__).with_name("backup_writer.py")
STAMP = "20261123T090000Z"  # the frozen "now" of conftest


def invoke(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli.main, list(args), input=input, catch_exceptions=False)


def people_in(path: Path) -> int:
    connection = sqlite3.connect(path)
    try:
        return connection.execute("SELECT count(*) FROM person").fetchone()[0]
    finally:
        connection.close()


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return populated_file(tmp_path / "data" / "intapp.sqlite3", people=12)


def test_a_backup_goes_beside_the_database_named_with_the_time_and_private(store: Path) -> None:
    result = invoke("db", "backup", "--database-url", url_of(store))
    assert result.exit_code == 0, result.output
    copy = store.parent / "backups" / f"intapp-{STAMP}.sqlite3"
    assert str(copy) in result.output
    assert _mode(copy) == 0o600
    assert _mode(copy.parent) == 0o700
    assert check_sqlite_file(copy, quick=False).ok
    assert people_in(copy) == people_in(store) == 12
    assert not Path(f"{copy}-wal").exists()  # one self-contained file
    again = invoke("db", "backup", "--database-url", url_of(store))
    assert again.exit_code == 0
    assert (copy.parent / f"intapp-{STAMP}-2.sqlite3").exists()  # never overwrites


def test_a_backup_into_a_folder_or_a_named_file(store: Path, tmp_path: Path) -> None:
    usb = tmp_path / "usb"
    usb.mkdir()
    assert invoke("db", "backup", str(usb), "--database-url", url_of(store)).exit_code == 0
    assert (usb / f"intapp-{STAMP}.sqlite3").exists()
    assert not (store.parent / "backups").exists()  # no empty folder left beside it
    named = tmp_path / "before-upgrade.sqlite3"
    assert invoke("db", "backup", str(named), "--database-url", url_of(store)).exit_code == 0
    assert _mode(named) == 0o600
    refused = invoke("db", "backup", str(named), "--database-url", url_of(store))
    assert refused.exit_code == root.EXIT_REFUSED
    assert "already exists" in refused.output


def test_a_backup_that_cannot_be_written_says_why_in_one_line(store: Path, tmp_path: Path) -> None:
    too_long = tmp_path / ("b" * 300 + ".sqlite3")
    refused = invoke("db", "backup", str(too_long), "--database-url", url_of(store))
    assert refused.exit_code == root.EXIT_REFUSED
    assert f"Cannot save a backup at {too_long}: File name too long" in refused.output
    not_a_folder = tmp_path / "a-file"
    not_a_folder.write_text("")
    inside = not_a_folder / "x.sqlite3"
    refused = invoke("db", "backup", str(inside), "--database-url", url_of(store))
    assert refused.exit_code == root.EXIT_REFUSED
    assert f"The folder {not_a_folder} does not exist" in refused.output


def test_a_damaged_database_is_not_backed_up(store: Path) -> None:
    damage(store)
    result = invoke("db", "backup", "--database-url", url_of(store))
    assert result.exit_code == root.EXIT_CORRUPT
    backups = store.parent / "backups"
    assert not backups.exists() or not list(backups.iterdir())


def test_postgresql_without_pg_dump_says_exactly_what_to_run(monkeypatch) -> None:
    monkeypatch.setattr("shutil.which", lambda name: None)
    url = "postgresql://ann:secret@db.example/intapp"
    result = invoke("db", "backup", "--database-url", url)
    assert result.exit_code == root.EXIT_REFUSED
    assert "pg_dump --format=custom --file=" in result.output
    assert "--dbname=postgresql://ann@db.example/intapp" in result.output
    assert "secret" not in result.output


def test_either_database_is_backed_up_into_a_folder(engine, tmp_path: Path) -> None:
    """SQLite with the online backup API; PostgreSQL with pg_dump, which is installed here."""
    url = engine.url.render_as_string(hide_password=False)
    result = invoke("db", "backup", str(tmp_path), "--database-url", url)
    assert result.exit_code == 0, result.output
    if engine.dialect.name == "sqlite":
        assert check_sqlite_file(tmp_path / f"intapp-{STAMP}.sqlite3", quick=False).ok
        return
    dump = tmp_path / f"intapp-{STAMP}.dump"
    assert _mode(dump) == 0o600
    listing = subprocess.run(["pg_restore", "--list", str(dump)], capture_output=True, text=True)
    assert "TABLE public person" in listing.stdout


def _backup_of(store: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "backup.sqlite3"
    assert invoke("db", "backup", str(copy), "--database-url", url_of(store)).exit_code == 0
    return copy


def _add_a_person_directly(store: Path) -> None:
    engine = engine_on(store)
    with engine.begin() as connection:
        connection.execute(text("UPDATE person SET given_name = 'Changed' WHERE id = 1"))
    engine.dispose()


def test_restore_replaces_the_database_and_keeps_the_old_one_aside(
    store: Path, tmp_path: Path
) -> None:
    copy = _backup_of(store, tmp_path)
    _add_a_person_directly(store)
    changed = digest(store)
    result = invoke("db", "restore", str(copy), "--yes", "--database-url", url_of(store))
    assert result.exit_code == 0, result.output
    aside = store.with_name(f"intapp.sqlite3.replaced-{STAMP}")
    assert str(aside) in result.output
    assert digest(aside) == changed
    assert _mode(aside) == 0o600
    assert _mode(store) == 0o600
    with Session(engine_on(store)) as session:
        assert session.get(Person, 1).given_name != "Changed"


def test_restore_without_yes_and_no_terminal_refuses_instead_of_waiting(
    store: Path, tmp_path: Path
) -> None:
    copy = _backup_of(store, tmp_path)
    before = digest(store)
    result = invoke("db", "restore", str(copy), "--database-url", url_of(store))
    assert result.exit_code == root.EXIT_REFUSED
    assert "add --yes" in result.output
    assert digest(store) == before


@pytest.mark.parametrize(("answer", "replaced"), [("n\n", False), ("y\n", True)])
def test_restore_asks_first_on_a_terminal(
    store: Path, tmp_path: Path, monkeypatch, answer: str, replaced: bool
) -> None:
    copy = _backup_of(store, tmp_path)
    _add_a_person_directly(store)
    before = digest(store)
    monkeypatch.setattr(db_commands, "_can_ask", lambda: True)
    result = invoke("db", "restore", str(copy), "--database-url", url_of(store), input=answer)
    assert "Replace the database" in result.output
    assert (digest(store) != before) is replaced
    assert result.exit_code == (0 if replaced else 1)


def test_restore_refuses_a_damaged_backup(store: Path, tmp_path: Path) -> None:
    copy = _backup_of(store, tmp_path)
    damage(copy)
    before = digest(store)
    result = invoke("db", "restore", str(copy), "--yes", "--database-url", url_of(store))
    assert result.exit_code == root.EXIT_CORRUPT
    assert "The backup" in result.output
    assert digest(store) == before


def test_restore_refuses_a_backup_from_a_newer_intapp(store: Path, tmp_path: Path) -> None:
    copy = _backup_of(store, tmp_path)
    connection = sqlite3.connect(copy)
    connection.execute("UPDATE alembic_version SET version_num = '0099_newer'")
    connection.commit()
    connection.close()
    before = digest(store)
    result = invoke("db", "restore", str(copy), "--yes", "--database-url", url_of(store))
    assert result.exit_code == root.EXIT_SCHEMA_TOO_NEW
    assert "0099_newer" in result.output
    assert digest(store) == before


def test_restore_refuses_a_database_that_is_in_use(store: Path, tmp_path: Path) -> None:
    copy = _backup_of(store, tmp_path)
    reader = sqlite3.connect(store, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM person").fetchone()  # holds its snapshot
    _add_a_person_directly(store)  # frames the reader's snapshot keeps in the WAL
    try:
        result = invoke("db", "restore", str(copy), "--yes", "--database-url", url_of(store))
    finally:
        reader.close()
    assert result.exit_code == root.EXIT_REFUSED
    assert "in use" in result.output


def test_a_backup_taken_while_four_processes_write_restores_consistently(
    tmp_path: Path,
) -> None:
    store = populated_file(tmp_path / "live.sqlite3", people=0)
    stop = tmp_path / "stop"
    env = {**os.environ, "PYTHONPATH": str(WRITER.parent)}
    writers = [
        subprocess.Popen(
            [sys.executable, str(WRITER), url_of(store), f"w{n}", str(stop)],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for n in range(4)
    ]
    try:
        deadline = time.monotonic() + 60
        while people_in(store) < 40 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert people_in(store) >= 40, "the writers never got going: fewer than 40 people"
        copy = tmp_path / "during.sqlite3"
        result = invoke("db", "backup", str(copy), "--database-url", url_of(store))
        at_copy = people_in(store)
        # The writers go on after the copy: wait until they have added someone more.
        deadline = time.monotonic() + 60
        while people_in(store) <= at_copy and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.touch()
        written = [int(w.communicate(timeout=60)[0] or 0) for w in writers]
    assert result.exit_code == 0, result.output
    assert all(w.returncode == 0 for w in writers)
    restored = tmp_path / "restored" / "intapp.sqlite3"
    result = invoke("db", "restore", str(copy), "--yes", "--database-url", url_of(restored))
    assert result.exit_code == 0, result.output
    assert check_sqlite_file(restored, quick=False).ok
    with Session(engine_on(restored)) as session:
        people = session.exec(select(func.count()).select_from(Person)).one()
        audited = session.exec(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.entity == "person", AuditEvent.action == "create")
        ).one()
        unaudited = session.exec(
            select(func.count())
            .select_from(Person)
            .where(
                ~select(AuditEvent.id)
                .where(
                    AuditEvent.entity == "person",
                    AuditEvent.action == "create",
                    AuditEvent.entity_id == func.cast(col(Person.id), AuditEvent.entity_id.type),
                )
                .exists()
            )
        ).one()
    assert people >= 40, "the backup should hold what was written before it"
    assert people < sum(written), "the writers were still going when it was taken"
    assert audited == people
    assert unaudited == 0
