"""Backups and restores of the store.

SQLite copies go through SQLite's online backup API, which copies a consistent
snapshot while the app and imports keep working (WAL readers never block writers).
Every copy is private (0600), checked with `PRAGMA integrity_check`, and named with
the time. PostgreSQL is backed up with its own `pg_dump`.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sqlite3
import subprocess
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from intapp import clock, paths
from intapp.store.errors import DatabaseCorrupt, StorageError, corrupt, storage_error_from
from intapp.store.integrity import check_sqlite_file, summary
from intapp.store.migrate import refuse_newer_schema
from intapp.store.sqlite_reader import SQLITE_BUSY_SECONDS, connect_read_only

PG_DUMP_FORMAT = "custom"
QUIESCE_SECONDS = 2


class BackupRefused(StorageError):
    """A backup or restore that cannot go ahead as asked (a missing file, a busy store)."""


@dataclass(frozen=True)
class BackupResult:
    """A finished backup: where it is, how big, and how long it took."""

    path: Path
    size: int
    seconds: float


@dataclass(frozen=True)
class RestoreResult:
    """A finished restore: which file now holds the store, and where the old one went."""

    database: Path
    kept_aside: Path | None
    revision: str


def stamp(now: datetime | None = None) -> str:
    """The time in a file name: 20261123T090000Z (UTC, sorts in order)."""
    return (now or clock.now()).strftime("%Y%m%dT%H%M%SZ")


def _new_private_file(folder: Path, stem: str, suffix: str) -> Path:
    """A new, empty 0600 file named `stem` + `suffix` (or `stem-2` …) in `folder`."""
    for n in range(1, 1000):
        target = folder / f"{stem}{'' if n == 1 else f'-{n}'}{suffix}"
        try:
            fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            continue
        os.close(fd)
        os.chmod(target, 0o600)
        return target
    raise BackupRefused(f"{folder} already holds too many backups named {stem}")


def backup_target(chosen: Path | None, *, beside: Path, suffix: str) -> Path:
    """Where a backup goes, made empty and 0600: `chosen` if it names a file, else a
    time-stamped file in `chosen` (a folder) or in the backups folder `beside` a database
    (made only when it is used). A place that cannot be written is refused, saying why."""
    try:
        if chosen is not None and not chosen.is_dir():
            if chosen.exists():
                raise BackupRefused(f"{chosen} already exists; choose a new name or a folder")
            if not chosen.parent.is_dir():
                raise BackupRefused(f"The folder {chosen.parent} does not exist")
            fd = os.open(chosen, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            os.close(fd)
            os.chmod(chosen, 0o600)
            return chosen
        folder = chosen if chosen is not None else paths.backups_dir(beside)
        return _new_private_file(folder, f"intapp-{stamp()}", suffix)
    except OSError as error:
        where = chosen if chosen is not None else beside.parent
        raise BackupRefused(f"Cannot save a backup at {where}: {error.strerror or error}") from None


def _connect(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    if read_only:
        return connect_read_only(path)
    return sqlite3.connect(path, timeout=SQLITE_BUSY_SECONDS, isolation_level=None)


def _require_sound_file(path: Path, where: str, *, quick: bool = True) -> None:
    if not path.is_file():
        raise BackupRefused(f"There is no database file at {path}")
    report = check_sqlite_file(path, quick=quick)
    if not report.ok:
        raise corrupt(where, summary(report.problems))


def backup_sqlite(database: Path, chosen: Path | None = None) -> BackupResult:
    """Copy the SQLite store at `database` with the online backup API, privately."""
    started = time.perf_counter()
    _require_sound_file(database, f"The database {database}")
    target = backup_target(chosen, beside=database, suffix=".sqlite3")
    try:
        source = _connect(database, read_only=True)
        copy = _connect(target)
        try:
            source.backup(copy)
            # One self-contained file: no -wal beside it to lose when it is copied.
            copy.execute("PRAGMA journal_mode=DELETE")
        finally:
            copy.close()
            source.close()
        os.chmod(target, 0o600)
        _require_sound_file(target, f"The backup {target}", quick=False)
    except BaseException as error:
        target.unlink(missing_ok=True)
        if isinstance(error, sqlite3.Error | OSError):
            raise storage_error_from(error, where=str(target)) or error from error
        raise
    return BackupResult(target, target.stat().st_size, time.perf_counter() - started)


def _revision_of(path: Path) -> str | None:
    connection = _connect(path, read_only=True)
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.Error:
        row = None
    finally:
        connection.close()
    return row[0] if row else None


def check_backup(backup: Path) -> str:
    """Refuse a damaged backup or one from a newer intapp; return its schema revision."""
    where = f"The backup {backup}"
    _require_sound_file(backup, where)
    revision = _revision_of(backup)
    if revision is None:
        raise DatabaseCorrupt(f"{where} is not an intapp database (it has no schema revision)")
    refuse_newer_schema(revision, where)
    return revision


def _quiesce(database: Path) -> None:
    """Fold the WAL into the file and make sure no one else has the store open."""
    # A short wait: a transaction in progress may finish; an open app will not.
    connection = sqlite3.connect(database, timeout=QUIESCE_SECONDS, isolation_level=None)
    try:
        busy, _, _ = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        connection.close()
    wal = Path(f"{database}-wal")
    if busy or (wal.exists() and wal.stat().st_size > 0):
        raise BackupRefused(
            f"The database {database} is in use (the app or an import has it open). "
            "Close every intapp using it, then restore again."
        )
    for suffix in ("-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)


def restore_sqlite(backup: Path, database: Path, *, revision: str) -> RestoreResult:
    """Put the backup in place of the store, keeping the replaced file aside (0600);
    `revision` is what `check_backup` found, so a backup is always checked first (once:
    the check reads every page, seconds on a city's file)."""
    if not database.exists():
        paths.create_private_file(database)  # with its private folder
    staged = _new_private_file(database.parent, f".{database.name}.restoring", "")
    try:
        source, copy = _connect(backup, read_only=True), _connect(staged)
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
        kept_aside = None
        if database.exists() and database.stat().st_size > 0:
            _quiesce(database)
            kept_aside = database.with_name(f"{database.name}.replaced-{stamp()}")
            os.replace(database, kept_aside)
            os.chmod(kept_aside, 0o600)
        os.replace(staged, database)
        os.chmod(database, 0o600)
    finally:
        staged.unlink(missing_ok=True)
    return RestoreResult(database, kept_aside, revision)


# PostgreSQL: its own tools, with the password kept off the command line.


def _libpq_url(url: str) -> tuple[str, dict[str, str]]:
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    # `URL.set(password=None)` would leave the password as it is.
    plain = parsed.set(drivername="postgresql")._replace(password=None)
    return plain.render_as_string(hide_password=False), env


def pg_dump_command(url: str, target: Path) -> list[str]:
    """The `pg_dump` command line that backs up the database at `url` into `target`."""
    plain, _ = _libpq_url(url)
    return ["pg_dump", f"--format={PG_DUMP_FORMAT}", f"--file={target}", f"--dbname={plain}"]


def pg_restore_command(url: str, backup: Path) -> list[str]:
    """The `pg_restore` command line that replaces the database at `url` with `backup`."""
    plain, _ = _libpq_url(url)
    return ["pg_restore", "--clean", "--if-exists", f"--dbname={plain}", str(backup)]


def shown(command: list[str]) -> str:
    """A command line as a person would type it."""
    return shlex.join(command)


def backup_postgres(url: str, chosen: Path | None) -> BackupResult:
    """Run `pg_dump` into a private, time-stamped file; if it is not installed, say what
    to run instead (`BackupRefused`)."""
    if shutil.which("pg_dump") is None:
        example = chosen if chosen and not chosen.is_dir() else Path(f"intapp-{stamp()}.dump")
        raise BackupRefused(
            "pg_dump is not installed here, so intapp cannot back up PostgreSQL itself. "
            "Install the PostgreSQL client tools, or run this where they are:\n  "
            + shown(pg_dump_command(url, example))
        )
    started = time.perf_counter()
    target = backup_target(chosen, beside=paths.default_database_path(), suffix=".dump")
    _, env = _libpq_url(url)
    done = subprocess.run(pg_dump_command(url, target), env=env, capture_output=True, text=True)
    if done.returncode != 0:
        target.unlink(missing_ok=True)
        said = done.stderr.strip().splitlines() or [f"exit code {done.returncode}"]
        raise BackupRefused(f"pg_dump failed: {said[-1]}")
    os.chmod(target, 0o600)
    return BackupResult(target, target.stat().st_size, time.perf_counter() - started)
