"""The README and docs/: every path they name exists, and every setting is documented
with its default (checked here so that the documents cannot drift from the code)."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pytest

from intapp.config import Settings
from intapp.config_schema import _REABLEMENT_NAMES, TABLES

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
RULES = ROOT / "docs" / "rules.md"

FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
CODE = re.compile(r"`([^`\n]+)`")
LINK = re.compile(r"\]\(([^)\s]+)\)")
# dir/, dir/file.ext, a/b/c.ext or a bare file.md: not DD/MM/YYYY, URLs or ~/home paths.
REPO_PATH = re.compile(r"(?:[\w.-]+/)+(?:[\w.-]+\.\w+)?|[\w.-]+\.md")


def _referenced_paths(document: Path) -> list[str]:
    text = FENCE.sub("", document.read_text(encoding="utf-8"))
    found = [m for m in CODE.findall(text) if REPO_PATH.fullmatch(m)]
    for target in LINK.findall(text):
        if target.startswith(("#", "http://", "https://", "mailto:")):
            continue
        found.append(target.split("#")[0])
    return found


def _resolves(document: Path, reference: str) -> bool:
    # Links are relative to the document; code spans name a path from the repository
    # root, or a module or subpackage from the package (`store/plain_sql.py`, `widgets/`).
    candidates = [document.parent / reference, ROOT / reference]
    in_package = ROOT / "intapp" / reference
    if reference.endswith(".py") or (in_package / "__init__.py").exists():
        candidates.append(in_package)
    return any(
        c.resolve().is_relative_to(ROOT)
        and c.exists()
        and (c.is_dir() or not reference.endswith("/"))
        for c in candidates
    )


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda d: d.relative_to(ROOT).as_posix())
def test_every_path_a_document_names_exists_in_the_repository(document):
    references = _referenced_paths(document)
    assert references, "no paths found: the pattern is broken"
    missing = [r for r in references if not _resolves(document, r)]
    assert missing == [], f"{document.name} names paths that are not in the repository: {missing}"


def test_the_path_check_finds_a_missing_file():
    readme = ROOT / "README.md"
    assert "DOMAIN.md" in _referenced_paths_of("see `DOMAIN.md` and `data/templates/`")
    assert not _resolves(readme, "DOMAIN.md")
    assert not _resolves(readme, "data/templates/")
    assert _resolves(readme, "intapp/data/templates/")
    assert _resolves(readme, "store/plain_sql.py")
    assert _referenced_paths_of("`DD/MM/YYYY` `~/.config/intapp/config.toml` `postgresql://`") == []


def _referenced_paths_of(text: str) -> list[str]:
    return [m for m in CODE.findall(text) if REPO_PATH.fullmatch(m)]


def _rows_naming(key: str) -> list[str]:
    return [
        line
        for line in RULES.read_text(encoding="utf-8").splitlines()
        if line.startswith("|") and re.search(rf"`[^`]*\b{re.escape(key)}`", line)
    ]


SCALAR_SETTINGS = [f for f in fields(Settings) if f.name not in TABLES]
# As the config file's [reablement] table names them.
ALIASES = {full: key for key, full in _REABLEMENT_NAMES.items()}


@pytest.mark.parametrize("setting", SCALAR_SETTINGS, ids=lambda f: f.name)
def test_every_setting_is_in_docs_rules_with_its_default(setting):
    key = ALIASES.get(setting.name, setting.name)
    rows = _rows_naming(key)
    assert rows, f"docs/rules.md has no table row for the setting {setting.name}"
    default = str(setting.default)
    assert any(re.search(rf"\b{default}\b", row.split("|")[2]) for row in rows), (
        f"docs/rules.md does not give {setting.name}'s default, {default}"
    )


@pytest.mark.parametrize("kind", Settings().alert_kinds, ids=lambda k: k.code)
def test_every_default_alert_kind_is_in_docs_rules_with_its_label_and_badge(kind):
    rows = _rows_naming(f"alert_kinds.{kind.code}]")
    assert rows, f"docs/rules.md has no row for the alert kind {kind.code}"
    assert any(kind.label in row and f"`{kind.badge}`" in row for row in rows)


@pytest.mark.parametrize("priority", sorted(Settings().response_targets_hours))
def test_every_response_target_is_in_docs_rules_in_hours(priority):
    hours = Settings().response_targets_hours[priority]
    rows = _rows_naming(priority)
    assert rows, f"docs/rules.md has no row for the {priority} response target"
    assert any(re.search(rf"\b{hours} hours\b", row.split("|")[2]) for row in rows)
