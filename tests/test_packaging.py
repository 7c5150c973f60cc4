"""intapp as an installed package: its data ships inside it, `python -m intapp` works,
and the version and licence are declared once.

CI (`.ci/run`) also builds the wheel, installs it in a fresh environment outside the
checkout and runs it; these tests catch the same faults in seconds.
"""

from __future__ import annotations

import fnmatch
import os
import subprocess
import sys
import tomllib
import zipfile
from importlib.resources import files
from pathlib import Path

from click.testing import CliRunner

import intapp
from intapp import cli, paths

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "intapp"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
SHIPPED = [
    "teams.csv",
    "gp_practices.csv",
    *(f"templates/{k}.csv" for k in ("people", "workers", "referrals")),
]


def test_reference_data_is_found_through_importlib_resources():
    assert str(paths.shipped_data()) == str(files("intapp") / "data")
    for name in SHIPPED:
        resource = files("intapp").joinpath("data", *name.split("/"))
        assert resource.is_file(), name
        assert resource.read_text(encoding="utf-8").count("\n") >= 2, name


def test_the_repository_root_holds_no_reference_data():
    # Anything left in a top-level data/ folder would be missing from an installed wheel.
    assert not (ROOT / "data").exists()


def _package_files() -> list[str]:
    found = []
    for path in PACKAGE.rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            found.append(path.relative_to(PACKAGE).as_posix())
    return found


def test_every_file_the_package_reads_is_in_its_package_data():
    patterns = PYPROJECT["tool"]["setuptools"]["package-data"]["intapp"]
    data_files = [f for f in _package_files() if not f.endswith(".py")]
    assert {"app.tcss", "data/teams.csv", "migrations/script.py.mako"} <= set(data_files)
    missing = [f for f in data_files if not any(fnmatch.fnmatchcase(f, p) for p in patterns)]
    assert missing == [], f"not in [tool.setuptools.package-data] so not in the wheel: {missing}"
    migrations = [f for f in _package_files() if f.startswith("migrations/versions/")]
    assert migrations
    assert all(fnmatch.fnmatchcase(f, "migrations/versions/*.py") for f in migrations)
    assert "migrations/versions/*.py" in patterns


def test_the_demo_reads_its_reference_data_from_a_zipped_package(tmp_path):
    """A path built from the source tree (`__file__/../data`) fails here; only
    `importlib.resources` finds the files inside the zip."""
    archive = tmp_path / "intapp.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for name in _package_files():
            zipped.write(PACKAGE / name, f"intapp/{name}")
    script = (
        "import random, intapp\n"
        "from intapp.demo.organisation import build_organisation\n"
        f"assert intapp.__file__.startswith({str(archive)!r}), intapp.__file__\n"
        "org = build_organisation(random.Random(7), worker_count=20)\n"
        "print(len(org.teams), len(org.practices))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(archive)}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    teams, practices = map(int, result.stdout.split())
    assert teams == 12
    assert practices >= 15  # the wave-one practices from gp_practices.csv, and more


def test_python_dash_m_intapp_runs_the_command(tmp_path, isolated_user_dirs):
    version = subprocess.run(
        [sys.executable, "-m", "intapp", "--version"], cwd=tmp_path, capture_output=True, text=True
    )
    assert version.returncode == 0, version.stderr
    assert version.stdout.strip() == f"intapp, version {intapp.__version__}"
    where = subprocess.run(
        [sys.executable, "-m", "intapp", "db", "path"], cwd=tmp_path, capture_output=True, text=True
    )
    assert where.returncode == 0, where.stderr
    assert where.stdout.strip().startswith(str(isolated_user_dirs / "xdg_data_home"))
    refused = subprocess.run(
        [sys.executable, "-m", "intapp", "no-such-command"], cwd=tmp_path, capture_output=True
    )
    assert refused.returncode == 2


def test_intapp_version_prints_the_package_version():
    result = CliRunner().invoke(cli.main, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"intapp, version {intapp.__version__}\n"


def test_the_version_is_written_only_in_intapp_init():
    project = PYPROJECT["project"]
    assert "version" not in project
    assert "version" in project["dynamic"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "intapp.__version__"}


def test_the_licence_is_mit_and_ships_with_the_package():
    assert PYPROJECT["project"]["license"] == "MIT"
    assert PYPROJECT["project"]["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License")
    assert "Copyright (c) 2026 intapp contributors" in text
    # SPDX licence expressions need setuptools 77 or later (PEP 639).
    assert "setuptools>=77" in PYPROJECT["build-system"]["requires"]
