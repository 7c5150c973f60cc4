"""Where intapp keeps its files: every path is decided here, and folders are made on demand."""

from __future__ import annotations

import io
import os
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

import platformdirs

APP_NAME = "intapp"


def shipped_data() -> Traversable:
    """The reference and demo files that ship inside the package (`intapp/data/`).

    Read through `importlib.resources`, so they are found wherever intapp is installed
    (a wheel in site-packages, a zip), not only in a checkout of the repository.
    """
    return files("intapp") / "data"


def open_shipped(name: str) -> io.TextIOWrapper:
    """Open a shipped text file (`templates/people.csv`) as UTF-8, ready for `csv`."""
    resource = shipped_data().joinpath(*name.split("/"))
    return io.TextIOWrapper(resource.open("rb"), encoding="utf-8", newline="")


def _private_dir(path: Path) -> Path:
    """Create `path` readable only by its owner, and return it.

    Missing parents are made 0700 too: `mkdir(parents=True)` would make them with the
    umask alone, which under umask 000 means world-writable.
    """
    missing = []
    folder = path
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for folder in reversed(missing):
        folder.mkdir(mode=0o700, exist_ok=True)
        os.chmod(folder, 0o700)  # mkdir's mode is filtered by the umask
    os.chmod(path, 0o700)
    return path


def data_dir() -> Path:
    """The folder that holds the default SQLite database."""
    return _private_dir(Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)))


def state_dir() -> Path:
    """The folder that holds the error log."""
    return _private_dir(Path(platformdirs.user_state_dir(APP_NAME, appauthor=False)))


def config_file() -> Path:
    """The optional TOML file that overrides response targets and other settings."""
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "config.toml"


def default_database_path() -> Path:
    """The default SQLite database file."""
    return data_dir() / "intapp.sqlite3"


def backups_dir(database: Path) -> Path:
    """The private folder beside a SQLite database where `intapp db backup` saves."""
    return _private_dir(database.parent / "backups")


def create_private_file(path: Path) -> None:
    """Create `path` empty with mode 0600 if it does not exist, and force 0600 if it does."""
    if not path.parent.exists():
        _private_dir(path.parent)
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


def write_private_file(path: Path, data: bytes, *, replace: bool) -> None:
    """Write `data` to `path`, readable only by its owner (0600), never through a
    symbolic link. Unless `replace`, an existing file is refused (`FileExistsError`)
    rather than overwritten, and the check and the creation are one step (O_EXCL)."""
    if not path.parent.exists():
        _private_dir(path.parent)
    flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
    flags |= os.O_TRUNC if replace else os.O_EXCL
    fd = os.open(path, flags, 0o600)
    with os.fdopen(fd, "wb") as fh:
        os.fchmod(fh.fileno(), 0o600)  # a replaced file may have been readable by others
        fh.write(data)
