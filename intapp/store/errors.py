"""Storage failures a person can act on, each named for its cause.

The CLI gives each class its own exit code (`intapp.cli.root.EXIT_CODES`) and the app
shows its message as it is. `storage_error_from` recognises the driver errors behind
them (SQLite result codes, PostgreSQL SQLSTATEs, `OSError` numbers), so the rest of the
code never matches on message text.
"""

from __future__ import annotations

import errno
import sqlite3


class StorageError(Exception):
    """A storage failure; `str(error)` says what happened and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class DatabaseUnreachable(StorageError):
    """The database server cannot be reached, or refused the connection."""


class DatabaseCorrupt(StorageError):
    """The database file is damaged, or is not an intapp database at all."""


class DiskFull(StorageError):
    """There is no room left to write to the database or a file."""


class ReadOnlyStore(StorageError):
    """The database can be read but not written (file, folder or server is read-only)."""


class SchemaTooNew(StorageError):
    """The database was upgraded by a newer intapp than this one."""


class StatementTimedOut(StorageError):
    """A statement ran past the statement timeout (PostgreSQL) and was cancelled."""


class SchemaBehind(StorageError):
    """A team server's schema is older than this intapp's; only `intapp db upgrade`,
    run on purpose by its administrator, migrates it."""


class OutsideScope(StorageError):
    """The team server refused a read or write outside the login's role or teams
    (its grants or row-level security)."""


class SignInRefused(StorageError):
    """The database server did not accept this login (a wrong password, or none)."""


class PasswordRequired(SignInRefused):
    """The server wants a password and none is configured (URL, PGPASSWORD, ~/.pgpass)."""


class TlsUnavailable(DatabaseUnreachable):
    """TLS is required for this server (the default away from this machine) and the
    server does not offer it."""


# SQLite primary result codes (https://sqlite.org/rescode.html).
_SQLITE_READONLY = 8
_SQLITE_CORRUPT = 11
_SQLITE_FULL = 13
_SQLITE_NOTADB = 26
# PostgreSQL SQLSTATEs.
_PG_DISK_FULL = "53100"
_PG_READ_ONLY = "25006"
_PG_CANCELLED = "57014"
_PG_INSUFFICIENT_PRIVILEGE = "42501"  # a grant missing, or row-level security's refusal
_PG_SESSION_ENDED = ("57P01", "57P02")  # an administrator (or a shutdown) ended it

DISK_FULL_ADVICE = "Free some space, then try again; nothing was half-saved."


def _causes(error: BaseException) -> list[BaseException]:
    """The error, the driver error SQLAlchemy wraps (`orig`), and their causes."""
    seen: list[BaseException] = []
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop(0)
        if current is None or any(current is s for s in seen):
            continue
        seen.append(current)
        pending += [getattr(current, "orig", None), current.__cause__, current.__context__]
    return seen


def storage_error_from(error: BaseException, *, where: str = "the database") -> StorageError | None:
    """The plain `StorageError` behind a driver or OS error, or None when it is not one."""
    for cause in _causes(error):
        if isinstance(cause, StorageError):
            return cause
        found = (
            _from_sqlite(cause, where)
            or _from_postgres(cause, where)
            or _from_sign_in(cause)
            or _from_os(cause)
        )
        if found is not None:
            return found
    return None


def _from_sqlite(error: BaseException, where: str) -> StorageError | None:
    if not isinstance(error, sqlite3.Error):
        return None
    code = getattr(error, "sqlite_errorcode", -1) & 0xFF
    if code == _SQLITE_FULL:
        return DiskFull(f"The disk holding {where} is full. {DISK_FULL_ADVICE}")
    if code == _SQLITE_READONLY:
        return read_only(where)
    if code in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
        return corrupt(where, str(error))
    return None


def _from_postgres(error: BaseException, where: str) -> StorageError | None:
    sqlstate = getattr(error, "sqlstate", None)
    if not isinstance(sqlstate, str):
        return None
    if sqlstate == _PG_DISK_FULL:
        return DiskFull(f"The database server's disk is full ({where}). {DISK_FULL_ADVICE}")
    if sqlstate == _PG_READ_ONLY:
        return read_only(where)
    if sqlstate == _PG_INSUFFICIENT_PRIVILEGE:
        return OutsideScope(
            "The team server refused this: it is outside what your role and teams may see "
            "or change. Ask someone in that team, or a supervisor; nothing was saved."
        )
    if sqlstate in _PG_SESSION_ENDED:
        return DatabaseUnreachable(
            "The database server ended this session (an administrator closed it, perhaps "
            "because the login was disabled); nothing was half-saved. Open intapp again; "
            "if it is refused, ask your administrator."
        )
    if sqlstate == _PG_CANCELLED:
        return StatementTimedOut(
            f"{where} took longer than its statement timeout and the statement was "
            "cancelled; nothing was half-saved. Try again when the server is less busy, "
            "or raise INTAPP_PG_STATEMENT_TIMEOUT (see the README's Commands section)."
        )
    return None


# libpq's own refusal when TLS is required and the server has none. Refusals made by
# libpq itself, before the server answers, carry no SQLSTATE: this text is all there is.
_NO_TLS = "does not support SSL"
# The server's refusal of a role without LOGIN (a disabled staff login).
_NO_LOGIN = "is not permitted to log in"

PASSWORD_ADVICE = (
    "set PGPASSWORD or add the login to ~/.pgpass (or run the app at a terminal, which asks for it)"
)


def _from_sign_in(error: BaseException) -> StorageError | None:
    """A refused connection attempt, told apart by what libpq recorded on it (psycopg
    keeps the failed connection on the error as `pgconn`); never names a password."""
    pgconn = getattr(error, "pgconn", None)
    if pgconn is None or getattr(error, "sqlstate", None):
        return None
    login = bytes(getattr(pgconn, "user", b"") or b"").decode(errors="replace") or "this login"
    if getattr(pgconn, "needs_password", False) and not getattr(pgconn, "used_password", False):
        return PasswordRequired(
            f"The database server wants a password for {login} and none is configured: "
            f"{PASSWORD_ADVICE}."
        )
    message = bytes(getattr(pgconn, "error_message", b"") or b"").decode(errors="replace")
    if _NO_TLS in message or _NO_TLS in str(error):
        return TlsUnavailable(
            "The database server does not offer TLS (encrypted connections), and this "
            "connection requires it (intapp's default for a server on another machine, or "
            "sslmode / INTAPP_PG_SSLMODE). Ask its administrator to turn TLS on; to connect "
            "without encryption anyway, only on a network you trust, set sslmode=prefer in "
            "the URL or INTAPP_PG_SSLMODE=prefer."
        )
    if _NO_LOGIN in message or _NO_LOGIN in str(error):
        return SignInRefused(
            f"{login} may not sign in: the login is disabled (a leaver, or not enabled "
            "yet). Ask your administrator."
        )
    if getattr(pgconn, "used_password", False):
        reason = message.strip().splitlines()[-1] if message.strip() else "no reason given"
        reason = reason.split(" failed: ", 1)[-1].removeprefix("FATAL:").strip()
        return SignInRefused(
            f"The database server refused the sign-in for {login} ({reason}). Check the "
            "password (PGPASSWORD, ~/.pgpass or the one typed), or ask your administrator "
            "whether the login is enabled."
        )
    return None


def _from_os(error: BaseException) -> StorageError | None:
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
        name = f" ({error.filename})" if error.filename else ""
        return DiskFull(f"The disk is full{name}. {DISK_FULL_ADVICE}")
    return None


def read_only(where: str) -> ReadOnlyStore:
    """The refusal of a write to a store that can only be read."""
    return ReadOnlyStore(
        f"{where} is read-only, so nothing can be saved to it (reading still works). "
        "Ask whoever manages it for write access, or work on a copy."
    )


def corrupt(where: str, detail: str) -> DatabaseCorrupt:
    """The refusal to work on a damaged database file."""
    return DatabaseCorrupt(
        f"{where} is damaged ({detail}). Nothing was written to it. Restore the latest "
        "backup with `intapp db restore`, and keep the damaged file for support."
    )
