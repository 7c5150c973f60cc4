"""The key footer every screen shows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Footer as TextualFooter
from textual.widgets._footer import FooterKey

if TYPE_CHECKING:
    from textual.app import ComposeResult
    from textual.screen import Screen


class Footer(TextualFooter):
    """Textual's footer, doing its work once, after the screen has painted.

    Opening a screen changes its bindings several times in a row (mount, focus, the
    screen stack), and Textual's footer rebuilds every key at each change, before the
    screen's content is painted. Each new key also restyles itself twice: first compact
    (its own default), then in the footer's style. Profiles of opening a list put the
    footer at about a quarter of the time. This footer waits `SETTLE` seconds and
    rebuilds once for all the changes in that time, with keys made in its style.
    Written against Textual 8.2 (pinned in pyproject.toml).
    """

    SETTLE = 0.05
    _rebuild_pending = False

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen:
            return
        if not self._rebuild_pending:
            self._rebuild_pending = True
            self.set_timer(self.SETTLE, self._rebuild)

    async def _rebuild(self) -> None:
        self._rebuild_pending = False
        await self.recompose()

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            # The palette key is not bound to the footer's style and keeps its own.
            if isinstance(widget, FooterKey) and not widget.has_class("-command-palette"):
                widget.set_reactive(FooterKey.compact, self.compact)
            yield widget
