"""The key footer every screen shows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Footer as TextualFooter

# Not exported by textual.widgets; tests/test_textual_contract.py fails if it moves.
from textual.widgets._footer import FooterKey

if TYPE_CHECKING:
    from textual.app import ComposeResult
    from textual.screen import Screen


class Footer(TextualFooter):
    """Textual's footer, rebuilt once per burst of changes and only when its keys change.

    Opening a screen changes its bindings several times in a row (mount, focus, the
    screen stack), and Textual's footer rebuilds every key at each change. Each new
    key also restyles itself twice: first compact (its own default), then in the
    footer's style. Profiles of opening a list put the footer at about a quarter of the
    time. This footer lets the first change of a burst schedule Textual's rebuild and
    skips the rest, skips the rebuild when the keys it would show are the same (most
    changes only move focus), and makes its keys in its own style.
    tests/test_textual_contract.py fails if Textual changes what this relies on.
    """

    _rebuild_pending = False
    _shown: tuple[object, ...] | None = None

    def bindings_changed(self, screen: Screen) -> None:
        if self._rebuild_pending:
            return
        super().bindings_changed(screen)
        # Textual schedules a recompose only in this case (see its bindings_changed).
        self._rebuild_pending = screen.app.app_focus and self.is_attached and screen is self.screen

    async def recompose(self) -> None:
        scheduled, self._rebuild_pending = self._rebuild_pending, False
        if not self.is_attached:  # its screen closed before the refresh (switch_screen)
            return
        shown = self.shown_keys()
        if scheduled and shown == self._shown:  # most changes move focus, not keys
            return
        self._shown = shown
        await super().recompose()

    def shown_keys(self) -> tuple[object, ...]:
        """What the footer would show for the screen's bindings now."""
        return tuple(
            (key, active.binding.description, active.binding.group, active.enabled, active.tooltip)
            for key, active in self.screen.active_bindings.items()
            if active.binding.show
        )

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            # The palette key is not bound to the footer's style and keeps its own.
            if isinstance(widget, FooterKey) and not widget.has_class("-command-palette"):
                widget.set_reactive(FooterKey.compact, self.compact)
            yield widget
