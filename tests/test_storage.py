"""Storage: the private SQLite file, its PRAGMAs and locking, URLs, conflicts, migrations."""

from __future__ import annotations

import sqlite3
import stat
import threading
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from factories import USER, add_team, person_in, receive
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import DBAPIError, StatementError
from sqlmodel import Session, select

from intapp import models, paths
from intapp.models import AuditEvent, Locality, Referral
from intapp.services import organisation, referrals
from intapp.services.errors import Conflict, flush
from intapp.store import engine as db
from intapp.store import migrate, sqlite_reader
from intapp.store.engine import create_db_engine, read_session, resolve_url, unit_of_work


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


# --- the file and its folder -------------------------------------------------------------


def test_new_database_file_and_folder_are_private(tmp_path: Path) -> None:
    path = tmp_path / "council" / "int" / "intapp.sqlite3"
    engine = create_db_engine(_sqlite_url(path))
    try:
        migrate.upgrade(engine)
        assert path.exists()
        assert _mode(path) == 0o600
        assert _mode(path.parent) == 0o700
        # WAL's side files hold the same personal data, so they must be private too.
        for sidecar in (Path(f"{path}-wal"), Path(f"{path}-shm")):
            assert sidecar.exists(), sidecar
            assert _mode(sidecar) == 0o600, sidecar
    finally:
        engine.dispose()


def test_existing_database_file_is_made_private(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite3"
    path.touch()
    path.chmod(0o644)
    create_db_engine(_sqlite_url(path)).dispose()
    assert _mode(path) == 0o600


def test_default_database_lives_in_the_private_user_data_folder(isolated_user_dirs: Path) -> None:
    default = paths.default_database_path()
    assert default.is_relative_to(isolated_user_dirs)
    assert default.name == "intapp.sqlite3"
    assert resolve_url() == f"sqlite:///{default}"
    engine = create_db_engine()
    try:
        assert Path(str(engine.url.database)) == default
        assert default.exists()
        assert _mode(default) == 0o600
        assert _mode(default.parent) == 0o700
    finally:
        engine.dispose()


# --- PRAGMAs and locking ------------------------------------------------------------------


def test_pragmas_are_set_on_every_new_connection(tmp_path: Path) -> None:
    engine = create_db_engine(_sqlite_url(tmp_path / "p.sqlite3"))
    try:
        # Three connections open at once: each is a separate DBAPI connection.
        raw = [engine.raw_connection() for _ in range(3)]
        assert len({id(r.dbapi_connection) for r in raw}) == 3
        for connection in raw:
            cursor = connection.cursor()
            values = [
                cursor.execute(f"PRAGMA {name}").fetchone()[0]
                for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
            ]
            assert values == ["wal", 2, 1, db.SQLITE_BUSY_SECONDS * 1000]
            cursor.close()
        for connection in raw:
            connection.close()
        engine.dispose()
        fresh = engine.raw_connection()
        cursor = fresh.cursor()
        assert cursor.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert cursor.execute("PRAGMA synchronous").fetchone()[0] == 2
        fresh.close()
    finally:
        engine.dispose()


def test_foreign_keys_are_enforced(sqlite_engine: Engine) -> None:
    with pytest.raises(DBAPIError, match="FOREIGN KEY"), unit_of_work(sqlite_engine) as session:
        session.execute(
            text("INSERT INTO team (code, name, locality_id, population) VALUES ('X', 'X', 42, 0)")
        )


def test_a_write_session_holds_the_write_lock_but_readers_still_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A short busy timeout so a wrong BEGIN in read_session fails fast instead of hanging.
    monkeypatch.setattr(db, "SQLITE_BUSY_SECONDS", 1)
    path = tmp_path / "lock.sqlite3"
    engine = create_db_engine(_sqlite_url(path))
    migrate.upgrade(engine)
    try:
        with unit_of_work(engine) as writer:
            # Only a read so far: with BEGIN IMMEDIATE the write lock is already held.
            assert writer.exec(select(Locality)).all() == []
            other = sqlite3.connect(path, timeout=0.1, isolation_level=None)
            with pytest.raises(sqlite3.OperationalError, match="database is locked"):
                other.execute("BEGIN IMMEDIATE")
            organisation.add_locality(session=writer, user=USER, name="North")
            with read_session(engine) as reader:
                # The reader is not blocked, and does not see uncommitted work.
                assert reader.exec(select(Locality)).all() == []
            other.close()
        with read_session(engine) as reader:
            assert [loc.name for loc in reader.exec(select(Locality)).all()] == ["North"]
        other = sqlite3.connect(path, timeout=0.1, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        other.close()
    finally:
        engine.dispose()


def test_a_second_writer_waits_instead_of_failing(tmp_path: Path) -> None:
    engine = create_db_engine(_sqlite_url(tmp_path / "wait.sqlite3"))
    migrate.upgrade(engine)
    holding = threading.Event()
    errors: list[BaseException] = []

    def first_writer() -> None:
        try:
            with unit_of_work(engine) as session:
                organisation.add_locality(session=session, user=USER, name="North")
                holding.set()
                time.sleep(0.4)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
            holding.set()

    thread = threading.Thread(target=first_writer)
    thread.start()
    try:
        assert holding.wait(5)
        started = time.monotonic()
        with unit_of_work(engine) as session:
            # Reads first, then writes: the case that fails half-way with a deferred BEGIN.
            assert session.exec(select(Locality)).all() != []
            organisation.add_locality(session=session, user=USER, name="South")
        waited = time.monotonic() - started
    finally:
        thread.join(10)
    assert errors == []
    assert waited >= 0.2
    with read_session(engine) as session:
        assert sorted(loc.name for loc in session.exec(select(Locality)).all()) == [
            "North",
            "South",
        ]
    engine.dispose()


# --- URLs ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "resolved"),
    [
        (
            "postgresql://int:s3cret@db.example:5432/intapp",
            "postgresql+psycopg://int:s3cret@db.example:5432/intapp",
        ),
        ("postgres://int@localhost/intapp", "postgresql+psycopg://int@localhost/intapp"),
        ("postgresql+psycopg://int@localhost/intapp", "postgresql+psycopg://int@localhost/intapp"),
        ("sqlite:////srv/intapp/intapp.sqlite3", "sqlite:////srv/intapp/intapp.sqlite3"),
    ],
)
def test_resolve_url_uses_psycopg_for_postgresql(given: str, resolved: str) -> None:
    assert resolve_url(given) == resolved


def test_resolve_url_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(sqlite_reader.DATABASE_URL_ENV, "postgresql://team@10.0.0.5/intapp")
    assert resolve_url() == "postgresql+psycopg://team@10.0.0.5/intapp"
    # An explicit URL wins over the environment.
    assert resolve_url("sqlite:///x.sqlite3") == "sqlite:///x.sqlite3"


def test_describe_url_hides_the_password() -> None:
    shown = db.describe_url("postgresql+psycopg://int:s3cret@db.example/intapp")
    assert "s3cret" not in shown
    assert shown.startswith("postgresql+psycopg://int:")


def test_sqlite_path_only_for_sqlite_files() -> None:
    assert sqlite_reader.sqlite_path("sqlite:////srv/a.sqlite3") == Path("/srv/a.sqlite3")
    assert sqlite_reader.sqlite_path("sqlite://") is None
    assert sqlite_reader.sqlite_path("sqlite:///:memory:") is None
    assert sqlite_reader.sqlite_path("postgresql+psycopg://x@y/z") is None


# --- timestamps ---------------------------------------------------------------------------


def test_timestamps_are_stored_as_utc_and_read_back_aware(session: Session) -> None:
    team = add_team(session).id
    manchester_summer = timezone(timedelta(hours=1))
    received = datetime(2026, 7, 1, 10, 30, tzinfo=manchester_summer)
    referral = receive(session, person_in(team, 0), received_at=received)
    session.commit()
    session.expire_all()
    row = session.get(Referral, referral.id)
    assert row is not None
    assert row.received_at == datetime(2026, 7, 1, 9, 30, tzinfo=UTC)
    assert row.received_at.utcoffset() == timedelta(0)
    assert row.due_by == datetime(2026, 7, 29, 9, 30, tzinfo=UTC)


def test_naive_timestamps_are_refused(session: Session) -> None:
    session.add(
        AuditEvent(at=datetime(2026, 11, 23, 9, 0), user="x", entity="e", entity_id="1", action="a")
    )
    with pytest.raises(StatementError, match="naive datetime"):
        session.flush()
    session.rollback()


# --- optimistic locking across two sessions ----------------------------------------------


def _committed_referral(session: Session) -> int:
    team = add_team(session).id
    referral = receive(session, person_in(team, 0))
    session.commit()
    return referral.id


def test_triage_from_a_stale_copy_is_a_conflict(engine: Engine, session: Session) -> None:
    referral_id = _committed_referral(session)
    # My session opens the referral and keeps it (then ends its read transaction).
    held = session.get(Referral, referral_id)
    session.commit()
    assert held is not None
    opened_version = held.version
    assert opened_version == 1

    with Session(engine, expire_on_commit=False) as colleague:
        referrals.triage_referral(
            session=colleague,
            user="colleague",
            referral_id=referral_id,
            priority="urgent",
            pathway="crisis_response",
            expected_version=opened_version,
        )
        colleague.commit()

    with Session(engine) as mine:
        with pytest.raises(Conflict, match="your copy is version 1, the saved one is version 2"):
            referrals.triage_referral(
                session=mine,
                user=USER,
                referral_id=referral_id,
                priority="routine",
                pathway="community_links",
                expected_version=opened_version,
            )
        mine.rollback()

    # Even the session that still holds the old row in memory cannot overwrite the change.
    with pytest.raises(Conflict, match="while you were saving"):
        referrals.triage_referral(
            session=session,
            user=USER,
            referral_id=referral_id,
            priority="routine",
            pathway="community_links",
            expected_version=opened_version,
        )
    session.rollback()
    session.expire_all()
    row = session.get(Referral, referral_id)
    assert row is not None
    assert (row.priority, row.pathway, row.triaged_by, row.version) == (
        "urgent",
        "crisis_response",
        "colleague",
        2,
    )


def test_lost_update_race_is_a_conflict(engine: Engine, session: Session) -> None:
    referral_id = _committed_referral(session)
    with (
        Session(engine, expire_on_commit=False) as first,
        Session(engine, expire_on_commit=False) as second,
    ):
        # Both load version 1. (Each read ends its transaction so SQLite's single writer
        # lock is not held while the other session works.)
        mine = first.get(Referral, referral_id)
        first.commit()
        theirs = second.get(Referral, referral_id)
        second.commit()
        assert mine is not None and theirs is not None
        assert mine.version == theirs.version == 1

        mine.reason = "Falls; lives alone"
        flush(first, "referral")
        first.commit()

        theirs.reason = "Carer breakdown"
        with pytest.raises(Conflict, match="changed by someone else while you were saving"):
            flush(second, "referral")
        second.rollback()

    session.expire_all()
    row = session.get(Referral, referral_id)
    assert row is not None
    assert (row.reason, row.version) == ("Falls; lives alone", 2)


# --- migrations ---------------------------------------------------------------------------


def _schema_differences(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, models.metadata))


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def test_upgrade_from_empty_reaches_head(tmp_path: Path) -> None:
    engine = create_db_engine(_sqlite_url(tmp_path / "empty.sqlite3"))
    try:
        assert migrate.current_revision(engine) is None
        assert _tables(engine) == set()
        migrate.upgrade(engine)
        assert migrate.head_revision() is not None
        assert migrate.current_revision(engine) == migrate.head_revision()
        assert _tables(engine) == set(models.metadata.tables) | {"alembic_version"}
        migrate.upgrade(engine)  # already at head: nothing to do
        assert migrate.current_revision(engine) == migrate.head_revision()
    finally:
        engine.dispose()


def test_migrated_schema_matches_the_models(engine: Engine) -> None:
    assert migrate.current_revision(engine) == migrate.head_revision()
    assert _schema_differences(engine) == []


def test_downgrade_to_base_then_upgrade_again(engine: Engine) -> None:
    config = migrate.alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert migrate.current_revision(engine) is None
    assert _tables(engine) <= {"alembic_version"}

    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    assert _tables(engine) == set(models.metadata.tables) | {"alembic_version"}
    assert _schema_differences(engine) == []
    # The append-only guard came back with the table.
    with Session(engine) as session:
        add_team(session)
        session.commit()
        with pytest.raises(DBAPIError, match="append-only"):
            session.execute(text("DELETE FROM audit_event"))
        session.rollback()
        assert len(session.exec(select(AuditEvent)).all()) == 2


def test_upgrade_from_0006_keeps_the_rows_that_point_at_people(engine: Engine) -> None:
    """A batch migration rebuilds `person` on SQLite; rows pointing at it must not stop it."""
    config = migrate.alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0006")
    with engine.begin() as connection:
        for statement in (
            "INSERT INTO locality (id, name) VALUES (1, 'North')",
            "INSERT INTO team (id, code, name, locality_id, population) "
            "VALUES (1, 'N1', 'North 1', 1, 0)",
            "INSERT INTO worker (id, staff_id, given_name, family_name, profession, team_id, "
            "fte, caseload_limit, active, version) "
            "VALUES (1, 'W1', 'Wren', 'Ward', 'social_worker', 1, 1.0, 100, true, 1)",
            "INSERT INTO person (id, local_id, given_name, family_name, date_of_birth, team_id, "
            "risk_tier, frail_older, ltc_end_of_life, complex_lives, mh_ld_dementia, "
            "cyp_with_ltc, has_unpaid_carer, is_carer, cares_for_id, created_at, version) "
            "VALUES (1, 'P1', 'Ada', 'Jackson', '1940-01-02', 1, 'low', false, false, false, "
            "false, false, true, false, NULL, '2026-01-01 09:00:00', 1), "
            "(2, 'P2', 'Bea', 'Jackson', '1942-03-04', 1, 'low', false, false, false, "
            "false, false, false, true, 1, '2026-01-01 09:00:00', 1)",
            "INSERT INTO referral (id, reference, person_id, team_id, received_at, source, "
            "route_of_access, reason, priority, due_by, status, is_rereferral, version) "
            "VALUES (1, 'R1', 1, 1, '2026-11-01 09:00:00', 'gp', 'community_other', 'Falls', "
            "'routine', '2026-11-29 09:00:00', 'allocated', false, 1)",
            "INSERT INTO allocation (id, referral_id, person_id, worker_id, weight, started_at, "
            "allocated_by, version) VALUES (1, 1, 1, 1, 5, '2026-11-02 09:00:00', 'lead', 1)",
        ):
            connection.execute(text(statement))

    migrate.upgrade(engine)

    assert migrate.current_revision(engine) == migrate.head_revision()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM referral")).scalar() == 1
        assert connection.execute(text("SELECT count(*) FROM allocation")).scalar() == 1
        links = connection.execute(text("SELECT carer_id, cared_for_id FROM carer_link")).all()
    assert [tuple(link) for link in links] == [(2, 1)]
    assert _schema_differences(engine) == []
