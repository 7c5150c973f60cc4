"""The key footer every screen shows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Footer as TextualFooter
from textual.widgets._footer import FooterKey

if TYPE_CHECKING:
    from textual.app import ComposeResult
    from textual.screen import Screen


class Footer(TextualFooter):
    """Textual's footer, rebuilt only when the keys it shows change.

    Opening a screen changes its bindings several times in a row (mount, focus, the
    screen stack), and Textual's footer rebuilds every key at each change. Each new
    key also restyles itself twice: first compact (its own default), then in the
    footer's style. Profiles of opening a list put the footer at about a quarter of the
    time. This footer rebuilds once per refresh at most, only if the keys it would show
    have changed (most changes only move focus), with keys made in its style.
    Written against Textual 8.2 (pinned in pyproject.toml).
    """

    _rebuild_pending = False
    _shown: tuple[object, ...] | None = None

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen:
            return
        if not self._rebuild_pending:
            self._rebuild_pending = True
            self.call_after_refresh(self._rebuild)

    async def _rebuild(self) -> None:
        self._rebuild_pending = False
        if not self.is_attached:  # its screen closed before the refresh (switch_screen)
            return
        if self.shown_keys() != self._shown:  # most changes move focus, not keys
            await self.recompose()

    def shown_keys(self) -> tuple[object, ...]:
        """What the footer would show for the screen's bindings now."""
        return tuple(
            (key, active.binding.description, active.binding.group, active.enabled, active.tooltip)
            for key, active in self.screen.active_bindings.items()
            if active.binding.show
        )

    def compose(self) -> ComposeResult:
        if self._bindings_ready:
            self._shown = self.shown_keys()
        for widget in super().compose():
            # The palette key is not bound to the footer's style and keeps its own.
            if isinstance(widget, FooterKey) and not widget.has_class("-command-palette"):
                widget.set_reactive(FooterKey.compact, self.compact)
            yield widget
