"""The domain layers (models, services, storage, demo) never import the UI or the CLI."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

# Imports every module under intapp.models and intapp.services (found on disk, so a new
# service is checked without editing this test), the storage and demo modules, then reports
# what got imported along the way.
PROBE = """
import importlib, json, pkgutil, sys
import intapp.demo, intapp.models, intapp.services, intapp.store
names = ["intapp.access", "intapp.config", "intapp.clock", "intapp.paths", "intapp.formatting"]
for package in (intapp.models, intapp.services, intapp.store, intapp.demo):
    names += [m.name for m in pkgutil.walk_packages(package.__path__, package.__name__ + ".")]
for name in names:
    importlib.import_module(name)
print(json.dumps({"checked": names, "loaded": sorted(sys.modules)}))
"""

FORBIDDEN = ("textual", "click", "intapp.screens", "intapp.widgets", "intapp.cli", "intapp.app")


def test_domain_modules_import_without_textual_or_click() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    checked = set(report["checked"])
    # The probe really did reach the service modules.
    for name in (
        "intapp.models.referral",
        "intapp.services.referrals",
        "intapp.services.allocations",
        "intapp.services.assessments",
        "intapp.services.care_plans",
        "intapp.services.reablement",
        "intapp.services.people",
        "intapp.services.audit",
        "intapp.services.nhs_number",
        "intapp.services.organisation",
        "intapp.store.engine",
    ):
        assert name in checked
    leaked = [
        m
        for m in report["loaded"]
        if m in FORBIDDEN or m.startswith(tuple(f + "." for f in FORBIDDEN))
    ]
    assert leaked == []


def test_import_linter_contracts_are_kept() -> None:
    lint_imports = Path(sys.executable).parent / "lint-imports"
    command = str(lint_imports) if lint_imports.exists() else shutil.which("lint-imports")
    if command is None:
        pytest.skip("import-linter is not installed")
    result = subprocess.run(
        [command, "--no-cache", "--no-logo"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "0 broken" in output
    assert "Domain layers never import the UI or the CLI KEPT" in output
    assert "Layers run one way" in output
