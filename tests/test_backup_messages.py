"""What a failed pg_dump says: its own last line, as text."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from intapp.store import backup
from intapp.store.backup import BackupRefused


@pytest.mark.parametrize(
    ("stderr", "said"),
    [
        (
            "pg_dump: error: connection refused\n",
            "pg_dump failed: pg_dump: error: connection refused",
        ),
        ("", "pg_dump failed: exit code 1"),
    ],
)
def test_a_failed_pg_dump_says_its_last_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, stderr: str, said: str
) -> None:
    monkeypatch.setattr("shutil.which", lambda name: "/usr/bin/pg_dump")
    monkeypatch.setattr(
        subprocess, "run", lambda *a, **k: subprocess.CompletedProcess(a, 1, "", stderr)
    )
    with pytest.raises(BackupRefused) as caught:
        backup.backup_postgres("postgresql://ann@db.example/intapp", tmp_path)
    assert caught.value.message == said
