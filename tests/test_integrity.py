"""A damaged SQLite file is found before anything is written to it."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from identity_support import signed_in
from import_support import PEOPLE_HEADER, csv_bytes, person
from sqlalchemy import text
from store_support import damage, digest, engine_on, populated_file, url_of
from tui_support import wait_for

from intapp import cli
from intapp.app import IntApp
from intapp.store.errors import DatabaseCorrupt
from intapp.store.integrity import check_sqlite_file, check_store, require_sound

EXIT_CORRUPT = 4


@pytest.fixture
def damaged(tmp_path: Path) -> Path:
    file = populated_file(tmp_path / "store.sqlite3")
    damage(file)
    return file


def invoke(*args: str):
    return CliRunner().invoke(cli.main, list(args), catch_exceptions=False)


def test_a_sound_file_passes_both_checks(tmp_path: Path) -> None:
    file = populated_file(tmp_path / "store.sqlite3")
    assert check_sqlite_file(file, quick=True).ok
    report = check_sqlite_file(file, quick=False)
    assert report.ok
    assert report.method == "PRAGMA integrity_check"


def test_both_checks_find_pages_overwritten_mid_file(damaged: Path) -> None:
    assert not check_sqlite_file(damaged, quick=True).ok
    assert not check_sqlite_file(damaged, quick=False).ok
    with pytest.raises(DatabaseCorrupt, match="damaged"):
        require_sound(engine_on(damaged))


def test_db_check_says_ok_on_a_sound_file(tmp_path: Path) -> None:
    file = populated_file(tmp_path / "store.sqlite3")
    result = invoke("db", "check", "--database-url", url_of(file))
    assert result.exit_code == 0, result.output
    assert "PRAGMA integrity_check" in result.output
    assert "ok" in result.output


def test_db_check_refuses_a_damaged_file_with_its_own_exit_code(damaged: Path) -> None:
    before = digest(damaged)
    result = invoke("db", "check", "--database-url", url_of(damaged))
    assert result.exit_code == EXIT_CORRUPT
    assert "failed its check" in result.output
    assert "Traceback" not in result.output
    assert digest(damaged) == before


def test_db_upgrade_refuses_a_damaged_file_and_writes_nothing(damaged: Path) -> None:
    before = digest(damaged)
    result = invoke("db", "upgrade", "--database-url", url_of(damaged))
    assert result.exit_code == EXIT_CORRUPT, result.output
    assert "is damaged" in result.output
    assert "up to date" not in result.output
    assert digest(damaged) == before


def test_an_import_refuses_a_damaged_file_and_writes_nothing(damaged: Path, tmp_path: Path) -> None:
    people = tmp_path / "people.csv"
    people.write_bytes(csv_bytes(PEOPLE_HEADER, [person(n) for n in range(5)]))
    before = digest(damaged)
    result = invoke("import", "people", str(people), "--database-url", url_of(damaged))
    assert result.exit_code == EXIT_CORRUPT, result.output
    assert "Nothing was written" in result.output
    assert "created" not in result.output
    assert digest(damaged) == before
    assert not Path(f"{damaged}-wal").exists() or Path(f"{damaged}-wal").stat().st_size == 0


def test_a_pending_migration_is_never_applied_to_a_damaged_file(tmp_path: Path) -> None:
    from intapp.store.migrate import upgrade

    # Set back before the damage: damaged first, the schema itself may be unreadable.
    damaged = populated_file(tmp_path / "store.sqlite3")
    engine = engine_on(damaged)
    with engine.begin() as connection:  # as if an older intapp had left it one behind
        connection.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    engine.dispose()
    damage(damaged)
    before = digest(damaged)
    with pytest.raises(DatabaseCorrupt):
        upgrade(engine_on(damaged))
    assert digest(damaged) == before


def test_db_check_says_what_it_checked_on_either_database(engine) -> None:
    report = check_store(engine, quick=False)
    assert report.ok, report.problems
    url = engine.url.render_as_string(hide_password=False)
    result = invoke("db", "check", "--database-url", url)
    assert result.exit_code == 0, result.output
    if engine.dialect.name == "postgresql":
        assert any(line.startswith("connected (PostgreSQL") for line in report.details)
        assert "schema revision" in result.output
        assert "tables present" in result.output
    else:
        assert "PRAGMA integrity_check" in result.output


async def test_the_app_checks_in_the_background_and_then_refuses_saves(damaged: Path) -> None:
    app = IntApp(database_url=signed_in(url_of(damaged), "duty.c1"))
    shown: list[str] = []
    app.notify = lambda message, **_: shown.append(message)  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, app.store_checked.is_set)  # checked once started, unasked
        await wait_for(pilot, lambda: shown)
        assert app.store_damage is not None
        assert "damaged" in shown[-1]
        before = digest(damaged)

        def save(session):
            session.execute(text("UPDATE team SET name = name || ' (renamed)'"))

        with pytest.raises(DatabaseCorrupt, match="Not saved"):
            app.run_in_session(save, write=True)
        assert digest(damaged) == before


async def test_the_app_saves_as_usual_once_the_check_passes(tmp_path: Path) -> None:
    file = populated_file(tmp_path / "store.sqlite3")
    app = IntApp(database_url=signed_in(url_of(file), "duty.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, app.store_checked.is_set)
        assert app.store_damage is None
        assert app.run_in_session(lambda session: 42, write=True) == 42


def test_a_save_made_while_the_check_runs_waits_for_its_verdict(tmp_path: Path) -> None:
    import threading
    import time

    app = IntApp(database_url=url_of(populated_file(tmp_path / "store.sqlite3")))
    app._checking = True  # as `warm_up` leaves it, before the check has finished
    outcome: list[object] = []

    def save() -> None:
        try:
            outcome.append(app.run_in_session(lambda session: "saved", write=True))
        except DatabaseCorrupt as error:
            outcome.append(error)

    saver = threading.Thread(target=save)
    saver.start()
    time.sleep(0.3)
    assert saver.is_alive() and not outcome, "the save went ahead before the verdict"
    app.store_damage = "The database is damaged (test)."
    app.store_checked.set()
    saver.join(10)
    assert isinstance(outcome[0], DatabaseCorrupt)


def test_a_file_whose_schema_is_damaged_is_called_damaged_by_upgrade(tmp_path: Path) -> None:
    from intapp.store.migrate import upgrade

    file = populated_file(tmp_path / "store.sqlite3")
    pages = file.stat().st_size // 4096
    damage_from_second_page = pages - 1
    with file.open("r+b") as raw:  # everything but the header page, schema pages included
        raw.seek(4096)
        raw.write(b"\x5a" * 4096 * damage_from_second_page)
    before = digest(file)
    with pytest.raises(DatabaseCorrupt):
        upgrade(engine_on(file))
    assert digest(file) == before
