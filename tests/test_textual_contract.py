"""What intapp relies on in Textual beyond its public API.

Textual is pinned (pyproject.toml); these tests fail if an upgrade changes any of it:

- `IntApp._handle_exception`: Textual hands every error no handler caught to
  `App._handle_exception(error)`, which exits with code 1, keeps the error for `run_test`
  to re-raise, and shows an error that has `__rich__` as it renders instead of printing
  a traceback with local values.
- `widgets.footer.Footer`: Textual's footer learns of binding changes through
  `bindings_changed(screen)` and rebuilds with `recompose()`; its keys are `FooterKey`s
  (from the private `textual.widgets._footer`) with a `compact` reactive.
- `screens.base.StyledOnce`: Textual runs each class's `_on_screen_resume` down the MRO,
  and `Screen`'s restyles the screen only while `ScreenResume.refresh_styles` is true.
"""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from identity_support import signed_in
from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer as TextualFooter
from textual.widgets import Input, Static
from tui_support import wait_for

from intapp.app import IntApp, UnexpectedError
from intapp.screens.base import StyledOnce
from intapp.widgets.footer import Footer

# IntApp._handle_exception


def test_textual_still_has_the_unhandled_error_hook():
    assert list(inspect.signature(App._handle_exception).parameters) == ["self", "error"]


async def test_an_unhandled_error_exits_1_with_one_line_and_no_traceback(
    sqlite_engine, isolated_user_dirs, capsys
):
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "duty.c1"))

    def explode() -> None:
        secret = "Mary Smith 943 476 5919"  # a local a traceback would show
        raise RuntimeError(secret)

    with pytest.raises(UnexpectedError) as stopped:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause(0.1)
            app.screen.call_later(explode)
            await pilot.pause(0.2)
    assert isinstance(stopped.value.__cause__, RuntimeError)
    assert app.return_code == 1
    printed = capsys.readouterr().err
    assert "intapp stopped after an unexpected error (RuntimeError)" in printed
    assert "Traceback" not in printed
    assert "Mary" not in printed and "943" not in printed


# widgets.footer.Footer


class KeysApp(App[None]):
    """Two fields, two keys shown in the footer, one of them switchable."""

    BINDINGS = [Binding("f2", "save", "Save"), Binding("f3", "close", "Close")]
    saving = True

    def compose(self) -> ComposeResult:
        yield Input(id="one")
        yield Input(id="two")
        yield Footer()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "save":
            return True if self.saving else None  # None: shown, disabled
        return True

    def action_save(self) -> None:
        pass

    def action_close(self) -> None:
        pass


def _keys(app: App[Any]) -> dict[str, bool]:
    from textual.widgets._footer import FooterKey

    return {
        key.description: key.has_class("-disabled")
        for key in app.screen.query(FooterKey)
        if not key.has_class("-command-palette")
    }


async def test_the_footer_rebuilds_once_per_change_of_keys(monkeypatch):
    signalled: list[Screen[Any]] = []
    rebuilt: list[Footer] = []
    changed = Footer.bindings_changed
    recompose = TextualFooter.recompose

    def spy_changed(self: Footer, screen: Screen[Any]) -> None:
        signalled.append(screen)
        changed(self, screen)

    async def spy_recompose(self: TextualFooter) -> None:
        rebuilt.append(self)
        await recompose(self)

    monkeypatch.setattr(Footer, "bindings_changed", spy_changed)
    monkeypatch.setattr(TextualFooter, "recompose", spy_recompose)
    app = KeysApp()
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: _keys(app) == {"Save": False, "Close": False})
        assert signalled, "Textual no longer calls Footer.bindings_changed"
        assert len(rebuilt) == 1
        for _ in range(3):  # focus moves: the keys shown stay the same
            app.screen.focus_next()
            await pilot.pause(0.05)
        assert len(rebuilt) == 1
        app.saving = False
        for _ in range(3):  # a burst of changes: one rebuild
            app.refresh_bindings()
        await wait_for(pilot, lambda: _keys(app) == {"Save": True, "Close": False})
        await pilot.pause(0.1)
        assert len(rebuilt) == 2
        app.screen.query_one(Footer).refresh(recompose=True)  # asked for elsewhere: done
        await wait_for(pilot, lambda: len(rebuilt) == 3)


async def test_footer_keys_are_made_in_the_footers_style():
    from textual.reactive import Reactive
    from textual.widgets._footer import FooterKey

    assert isinstance(FooterKey.__dict__["compact"], Reactive)
    assert FooterKey("f2", "F2", "Save", "save").compact is True  # Textual's default
    app = KeysApp()
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: bool(_keys(app)))
        footer = app.screen.query_one(Footer)
        assert footer.compact is False
        for key in app.screen.query(FooterKey):
            if not key.has_class("-command-palette"):
                assert key.compact is False and not key.has_class("-compact")


# screens.base.StyledOnce


class Plain(Screen[None]):
    def compose(self) -> ComposeResult:
        yield Static("plain")


class Styled(StyledOnce, Screen[None]):
    def compose(self) -> ComposeResult:
        yield Static("styled")


def test_screen_resume_still_offers_refresh_styles():
    assert events.ScreenResume().refresh_styles is True
    assert "_on_screen_resume" in Screen.__dict__
    assert Styled.__mro__.index(StyledOnce) < Styled.__mro__.index(Screen)


async def test_a_screen_is_restyled_on_every_resume_but_its_first(monkeypatch):
    restyled: list[str] = []
    original = Screen.update_node_styles

    def spy(self: Screen[Any], animate: bool = True) -> None:
        restyled.append(type(self).__name__)
        original(self, animate)

    monkeypatch.setattr(Screen, "update_node_styles", spy)
    app = App[None]()
    async with app.run_test() as pilot:
        app.install_screen(Styled(), "styled")
        app.push_screen("styled")
        await wait_for(pilot, lambda: isinstance(app.screen, Styled))
        assert "Styled" not in restyled  # just styled as it mounted
        app.push_screen(Plain())
        await wait_for(pilot, lambda: isinstance(app.screen, Plain))
        assert "Plain" in restyled  # Textual's restyle, where StyledOnce is not used
        app.pop_screen()
        app.pop_screen()
        await wait_for(pilot, lambda: not isinstance(app.screen, Styled | Plain))
        app.push_screen("styled")  # shown again: Textual's restyle is back
        await wait_for(pilot, lambda: isinstance(app.screen, Styled))
        await pilot.pause(0.05)
        assert "Styled" in restyled
