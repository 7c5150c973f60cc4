"""Ctrl-C during `intapp import`: the message says what the database holds; exit code 130.

Each test runs the real command in a subprocess and sends it SIGINT, then compares what
it said with what was actually stored.
"""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from factories import count, small_organisation
from import_support import PEOPLE_HEADER, csv_bytes, many_people
from sqlalchemy import Engine
from sqlmodel import Session

from intapp.models import ImportBatch, Person
from intapp.store.engine import create_db_engine, unit_of_work
from intapp.store.migrate import upgrade

HERE = Path(__file__).resolve().parent
NOTHING = "Interrupted: nothing was imported."
COMMITTED = re.compile(r"Interrupted: the import had already been committed: ([\d,]+) rows")


@pytest.fixture(scope="module")
def people_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("interrupt") / "people.csv"
    path.write_bytes(csv_bytes(PEOPLE_HEADER, many_people(3_000)))
    return path


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _start(
    url: str, file: Path, phase: str, pause: float = 0.0, *, progress: bool = False
) -> subprocess.Popen[str]:
    env = dict(os.environ, INTAPP_TEST_PROGRESS="1" if progress else "0")
    command = [sys.executable, str(HERE / "interrupted_import.py"), phase, str(pause), "--"]
    command += ["--database-url", url, "import", "people", str(file)]
    return subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=HERE
    )


def _wait_for_marker(process: subprocess.Popen[str], phase: str) -> list[str]:
    assert process.stderr is not None
    seen = []
    for line in process.stderr:
        seen.append(line)
        if line.strip() == f"PHASE {phase}":
            return seen
    raise AssertionError(f"the import never reached {phase}: {''.join(seen)}")


def _stored(engine: Engine) -> tuple[int, int]:
    with Session(engine) as session:
        return count(session, Person), count(session, ImportBatch)


def _assert_truthful(engine: Engine, code: int, stdout: str, stderr: str) -> str:
    """The message matches the database; returns which case it was."""
    people, batches = _stored(engine)
    assert "Traceback" not in stderr and "Something went wrong" not in stderr, stderr
    assert "Aborted!" not in stderr, stderr
    if code in (0, -signal.SIGINT):
        # Finished before the signal arrived; or finished, and the signal came as Python
        # was shutting down, when the system's default (end the process) applies again.
        assert "Imported" in stdout, (code, stdout, stderr)
        assert (people, batches) == (3_000, 1)
        return "finished"
    assert code == 130, (code, stderr)
    if NOTHING in stderr:
        assert (people, batches) == (0, 0), stderr
        return "nothing"
    found = COMMITTED.search(stderr)
    assert found is not None, stderr
    assert int(found.group(1).replace(",", "")) == people == 3_000
    assert batches == 1
    return "committed"


@pytest.mark.parametrize(
    ("phase", "expected"),
    [
        ("writing", "nothing"),
        ("committing", "committed"),
        ("reporting", "committed"),
        ("summarised", "finished"),
        ("finished", "finished"),
    ],
)
def test_ctrl_c_says_whether_the_import_was_committed(
    engine: Engine, people_csv: Path, phase: str, expected: str
) -> None:
    with unit_of_work(engine) as session:
        small_organisation(session)
    process = _start(_url(engine), people_csv, phase, pause=1.0)
    earlier = _wait_for_marker(process, phase)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    stderr = "".join(earlier) + stderr
    assert _assert_truthful(engine, process.returncode, stdout, stderr) == expected
    if expected == "finished":
        # Done and reported: a late press changes nothing (click used to say "Aborted!"
        # and exit 1 here).
        assert process.returncode == 0
    else:
        assert stderr.strip().endswith(NOTHING if expected == "nothing" else "0 updated).")


def test_ctrl_c_pressed_again_and_again_still_tells_the_truth(
    sqlite_engine: Engine, people_csv: Path
) -> None:
    with unit_of_work(sqlite_engine) as session:
        small_organisation(session)
    process = _start(_url(sqlite_engine), people_csv, "committing", pause=1.0)
    _wait_for_marker(process, "committing")
    for _ in range(5):
        process.send_signal(signal.SIGINT)
        time.sleep(0.05)
    stdout, stderr = process.communicate(timeout=60)
    assert _assert_truthful(sqlite_engine, process.returncode, stdout, stderr) == "committed"


def test_ctrl_c_at_random_moments_always_tells_the_truth(tmp_path: Path, people_csv: Path) -> None:
    template = tmp_path / "template.sqlite3"
    engine = create_db_engine(f"sqlite:///{template}")
    upgrade(engine)
    with unit_of_work(engine) as session:
        small_organisation(session)
    engine.dispose()
    # How long an import takes here, from the command starting to its summary, so the
    # signals spread over all of it. (Before that, Python is still loading: a Ctrl-C then ends the
    # process by the signal, status 130 in the shell, before anything could be written.)
    # The slowest of two runs, so that one quick run on a loaded machine does not
    # squeeze every moment before the commit.
    durations = []
    for attempt in range(2):
        timed = tmp_path / f"timing{attempt}.sqlite3"
        timed.write_bytes(template.read_bytes())
        timing = _start(f"sqlite:///{timed}", people_csv, "none")
        _wait_for_marker(timing, "started")
        started = time.monotonic()
        _wait_for_marker(timing, "reporting")
        durations.append(time.monotonic() - started)
        timing.communicate(timeout=60)
        assert timing.returncode == 0
    duration = max(durations)
    chance = random.Random(20261130)
    seen: dict[str, int] = {}

    def both_sides_seen() -> bool:
        return (
            seen.get("nothing", 0) >= 3 and seen.get("committed", 0) + seen.get("finished", 0) >= 1
        )

    # Every run must tell the truth; runs go on (at least 20, at most 40) until the
    # moments chosen have reached both sides of the commit.
    for run in range(40):
        if run >= 20 and both_sides_seen():
            break
        database = tmp_path / f"run{run}.sqlite3"
        database.write_bytes(template.read_bytes())
        url = f"sqlite:///{database}"
        process = _start(url, people_csv, "none", progress=run % 2 == 1)
        earlier = _wait_for_marker(process, "started")
        time.sleep(chance.uniform(0.0, 1.2) * duration)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
        engine = create_db_engine(url)
        case = _assert_truthful(engine, process.returncode, stdout, "".join(earlier) + stderr)
        engine.dispose()
        seen[case] = seen.get(case, 0) + 1
    # The moments chosen reach both sides of the commit.
    assert seen.get("nothing", 0) >= 3, seen
    assert seen.get("committed", 0) + seen.get("finished", 0) >= 1, seen
