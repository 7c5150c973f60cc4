"""Text from people is shown as it is, whatever markup it looks like."""

from __future__ import annotations

import pytest
from textual.markup import to_content

from intapp.widgets.markup import escape

BACKSLASH = "\\"


@pytest.mark.parametrize(
    "text",
    [
        "[",
        "[/",
        "NHS number '[/' must contain only the digits",
        "[/]",
        "[b]bold?[/b]",
        "[@click=app.quit]quit[/]",
        "M1 [red]",
        "a" + BACKSLASH,
        BACKSLASH + "[b]",
        "O'Brien-Smith",
    ],
)
def test_text_inside_markup_shows_as_typed(text):
    shown = to_content(f"[red]{escape(text)}[/][b] after[/]").plain
    assert shown.replace("\u200b", "") == text + " after"
