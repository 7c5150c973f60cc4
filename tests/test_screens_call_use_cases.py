"""Screens open no sessions or transactions: the app runs each screen's one service call
in a short session (`DataWork.read` / `DataWork.write` in screens/base.py, through
`IntApp.run_in_session`), and a screen only hands that session on to that one service."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SCREENS = sorted((Path(__file__).resolve().parent.parent / "intapp" / "screens").glob("*.py"))
OPENERS = ("unit_of_work(", "read_session(", "Session(", ".commit(", ".begin(", ".engine(")


@pytest.mark.parametrize("path", SCREENS, ids=lambda p: p.name)
def test_no_screen_opens_a_session_or_a_transaction(path: Path) -> None:
    source = path.read_text()
    assert [opener for opener in OPENERS if opener in source] == []


def _misuses(tree: ast.AST) -> list[int]:
    """Lines where `session` is used other than as a parameter or `session=session`."""
    passed_on = {
        id(keyword.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        for keyword in node.keywords
        if keyword.arg == "session"
    }
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and node.id == "session" and id(node) not in passed_on
    ]


@pytest.mark.parametrize("path", SCREENS, ids=lambda p: p.name)
def test_screens_only_hand_the_session_to_a_service(path: Path) -> None:
    assert _misuses(ast.parse(path.read_text())) == []


# The reablement screen reads its two lists together; the paged-list work gives each
# list its own read.
TWO_LISTS_IN_ONE_READ = {("reablement.py", "lists")}


def _service_calls(node: ast.AST) -> int:
    """Calls given `session=` in `node`, not counting functions defined inside it."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
        return 0
    own = isinstance(node, ast.Call) and any(k.arg == "session" for k in node.keywords)
    return own + sum(_service_calls(child) for child in ast.iter_child_nodes(node))


def _ends(statements: list[ast.stmt]) -> bool:
    """Whether every run through `statements` returns or raises at its end."""
    last = statements[-1] if statements else None
    if isinstance(last, ast.If):
        return _ends(last.body) and _ends(last.orelse)
    return isinstance(last, ast.Return | ast.Raise)


def _most_calls_on_a_path(statements: list[ast.stmt]) -> int:
    """The most service calls any one run through `statements` can make."""
    for i, statement in enumerate(statements):
        if isinstance(statement, ast.If):
            before = sum(_service_calls(s) for s in statements[:i]) + _service_calls(statement.test)
            after = _most_calls_on_a_path(statements[i + 1 :])
            return before + max(
                _most_calls_on_a_path(branch) + (0 if _ends(branch) else after)
                for branch in (statement.body, statement.orelse)
            )
    return sum(_service_calls(s) for s in statements)


def _unit_of_work_functions(tree: ast.AST) -> list[tuple[str, int]]:
    """(name, most service calls) of every function or lambda taking a `session`."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) and any(
            a.arg == "session" for a in node.args.args + node.args.kwonlyargs
        ):
            body = node.body if isinstance(node.body, list) else [ast.Expr(node.body)]
            name = getattr(node, "name", "<lambda>")
            found.append((name, _most_calls_on_a_path(body)))
    return found


@pytest.mark.parametrize("path", SCREENS, ids=lambda p: p.name)
def test_each_load_and_save_is_one_service_call(path: Path) -> None:
    works = _unit_of_work_functions(ast.parse(path.read_text()))
    assert [
        (name, calls)
        for name, calls in works
        if calls != 1 and (path.name, name) not in TWO_LISTS_IN_ONE_READ
    ] == []


def test_the_count_follows_branches_and_finds_a_second_call() -> None:
    one = (
        "def load(session):\n"
        "    if new:\n        return open_new(session=session)\n"
        "    return open_saved(session=session)\n"
    )
    two = (
        "def save(session):\n"
        "    saved = save_it(session=session)\n"
        "    if sign:\n        saved = sign_it(session=session)\n"
        "    return saved\n"
    )
    assert _unit_of_work_functions(ast.parse(one)) == [("load", 1)]
    assert _unit_of_work_functions(ast.parse(two)) == [("save", 2)]


def test_the_check_finds_a_screen_querying_the_session_itself() -> None:
    bad = "def load(session):\n    return session.get(Thing, 1)\n"
    good = "def load(session):\n    return open_thing(session=session, thing_id=1)\n"
    assert _misuses(ast.parse(bad)) == [2]
    assert _misuses(ast.parse(good)) == []
