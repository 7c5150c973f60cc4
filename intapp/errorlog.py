"""The error log: unexpected errors go here, without personal data, never to the screen."""

from __future__ import annotations

import contextlib
import logging
import os
import traceback
from pathlib import Path

from intapp import clock, paths


def log_path() -> Path:
    """Where unexpected errors are logged."""
    return paths.state_dir() / "errors.log"


def _append(line: str) -> Path:
    path = log_path()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as log:
        log.write(line)
    return path


def _where(error: BaseException | None) -> str:
    if error is None:
        return "unknown"
    frames = reversed(traceback.extract_tb(error.__traceback__))
    return " <- ".join(f"{f.filename}:{f.lineno} in {f.name}" for f in frames) or "unknown"


def log_unexpected(error: BaseException) -> Path:
    """Log an unexpected error's type and stack, but not its message or local values.

    Exception messages can quote the data that caused them (a name, an NHS number),
    so only the exception type and the code locations are written.
    """
    return _append(f"{clock.now().isoformat()} ERROR {type(error).__name__} at {_where(error)}\n")


def log_note(text: str) -> Path:
    """Log a line intapp wrote itself (a count, a kind of thing): never data."""
    return _append(f"{clock.now().isoformat()} WARNING {text}\n")


class _ToErrorLog(logging.Handler):
    """Library warnings and errors (SQLAlchemy's "Error closing cursor" after a Ctrl-C,
    say) go to the error log as logger, level and code location; never to the screen,
    and never their message, which may quote data."""

    def emit(self, record: logging.LogRecord) -> None:
        error = record.exc_info[1] if record.exc_info else None
        kind = f" {type(error).__name__}" if error is not None else ""
        where = _where(error) if error is not None else f"{record.pathname}:{record.lineno}"
        line = f"{clock.now().isoformat()} {record.levelname} {record.name}{kind} at {where}\n"
        # A full or read-only disk must not turn a log line into a crash.
        with contextlib.suppress(OSError):
            _append(line)


def keep_library_logs_off_the_screen() -> None:
    """Send warnings and errors that libraries log to the error log instead of stderr.

    Without a handler, Python's logging prints them, tracebacks and all, to stderr.
    """
    root = logging.getLogger()
    if not any(isinstance(handler, _ToErrorLog) for handler in root.handlers):
        handler = _ToErrorLog(level=logging.WARNING)
        root.addHandler(handler)
