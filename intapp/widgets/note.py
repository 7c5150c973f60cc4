"""A line of text under a form that takes no room while it has nothing to say."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Static

if TYPE_CHECKING:
    from textual.visual import VisualType


class Note(Static):
    """A Static shown only while it holds something (a message, a warning)."""

    DEFAULT_CSS = "Note { display: none; height: auto; }"

    def update(self, content: VisualType = "", *, layout: bool = True) -> None:
        self.display = bool(content)  # first, so the update is laid out at its height
        super().update(content, layout=layout)
