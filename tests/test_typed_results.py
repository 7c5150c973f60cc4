"""Worker results are routed by type, never by name: every `Result` a screen posts has an
``@on`` handler, and the name-routed path (`fetch` / `save` posting `Loaded(key, ...)` to a
`loaded_<key>` method found with getattr) does not come back."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from intapp.screens import base
from intapp.screens.base import DataWork

ROOT = Path(__file__).resolve().parent.parent / "intapp"
SOURCES = sorted([*(ROOT / "screens").glob("*.py"), *(ROOT / "widgets").glob("*.py")])


def test_data_work_has_only_typed_work() -> None:
    for name in ("fetch", "fetch_plain", "save", "on_loaded", "on_failed", "_run"):
        assert not hasattr(DataWork, name), name
    assert not hasattr(base, "Loaded") and not hasattr(base, "Failed")
    assert {"read", "read_plain", "write", "cancel"} <= set(dir(DataWork))


def _getattr_by_built_name(tree: ast.AST) -> list[int]:
    """Lines calling getattr with a name built at run time (an f-string or a join)."""
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "getattr"
        and len(node.args) > 1
        and isinstance(node.args[1], ast.JoinedStr | ast.BinOp)
    ]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_no_result_is_routed_by_name(path: Path) -> None:
    tree = ast.parse(path.read_text())
    handlers = [
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.name.startswith(("loaded_", "failed_"))
    ]
    assert handlers == []
    assert _getattr_by_built_name(tree) == []


def _result_classes(tree: ast.Module) -> list[str]:
    return [
        node.name
        for node in tree.body
        if isinstance(node, ast.ClassDef)
        and any(
            isinstance(base, ast.Subscript) and ast.unparse(base.value) == "Result"
            for base in node.bases
        )
    ]


def _handled(tree: ast.Module) -> set[str]:
    """The names given to ``@on(...)`` decorators in `tree`."""
    return {
        arg.id
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        for decorator in node.decorator_list
        if isinstance(decorator, ast.Call)
        and isinstance(decorator.func, ast.Name)
        and decorator.func.id == "on"
        for arg in decorator.args[:1]
        if isinstance(arg, ast.Name)
    }


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_every_result_a_screen_declares_has_a_handler(path: Path) -> None:
    tree = ast.parse(path.read_text())
    unhandled = set(_result_classes(tree)) - _handled(tree)
    assert unhandled == set()


def test_the_checks_find_a_name_routed_handler() -> None:
    old = ast.parse(
        "class Old:\n"
        "    def loaded_teams(self, teams): ...\n"
        "    def on_loaded(self, message):\n"
        "        getattr(self, f'loaded_{message.key}')(message.value)\n"
    )
    assert _getattr_by_built_name(old) == [4]
    typed = ast.parse(
        "class Teams(Result[list]): ...\n"
        "class Orphan(Result[int]): ...\n"
        "class S:\n"
        "    @on(Teams)\n"
        "    def show(self, message): ...\n"
    )
    assert _result_classes(typed) == ["Teams", "Orphan"]
    assert _handled(typed) == {"Teams"}
