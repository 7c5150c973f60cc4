"""Private folders are never world-writable, and the app never saves screenshots of
people's records."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from identity_support import signed_in
from tui_support import seed_small_team, wait_for

from intapp import paths
from intapp.app import IntApp
from intapp.screens.dashboard import DashboardScreen


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_missing_parents_are_private_even_under_umask_000(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "home" / ".local" / "share"))
    database = tmp_path / "elsewhere" / "team" / "intapp.sqlite3"
    before = os.umask(0)
    try:
        data = paths.data_dir()
        paths.create_private_file(database)
        backups = paths.backups_dir(database)
    finally:
        os.umask(before)
    made = [
        tmp_path / "home",
        tmp_path / "home" / ".local",
        tmp_path / "home" / ".local" / "share",
        data,
        tmp_path / "elsewhere",
        database.parent,
        backups,
    ]
    for folder in made:
        assert _mode(folder) == 0o700, f"{folder} is {oct(_mode(folder))}"
    assert _mode(database) == 0o600


def test_an_existing_parent_is_left_as_it_was(tmp_path: Path, monkeypatch) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    os.chmod(shared, 0o755)
    monkeypatch.setenv("XDG_DATA_HOME", str(shared))
    assert _mode(paths.data_dir()) == 0o700
    assert _mode(shared) == 0o755


async def test_the_command_palette_offers_no_screenshot(sqlite_engine) -> None:
    seed_small_team(sqlite_engine)
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "duty.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        titles = [command.title for command in app.get_system_commands(app.screen)]
    assert "Quit" in titles  # Textual's other commands are still there
    assert not [title for title in titles if "screenshot" in title.lower()]
