"""The error log: unexpected errors go here, without personal data, never to the screen."""

from __future__ import annotations

import os
import traceback
from pathlib import Path

from intapp import clock, paths


def log_path() -> Path:
    """Where unexpected errors are logged."""
    return paths.state_dir() / "errors.log"


def log_unexpected(error: BaseException) -> Path:
    """Log an unexpected error's type and stack, but not its message or local values.

    Exception messages can quote the data that caused them (a name, an NHS number),
    so only the exception type and the code locations are written.
    """
    path = log_path()
    frames = traceback.extract_tb(error.__traceback__)
    where = " <- ".join(f"{f.filename}:{f.lineno} in {f.name}" for f in reversed(frames))
    line = f"{clock.now().isoformat()} ERROR {type(error).__name__} at {where or 'unknown'}\n"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as log:
        log.write(line)
    return path
