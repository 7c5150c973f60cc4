"""Text from people (names, postcodes, what was typed) put safely into markup."""

from __future__ import annotations

from rich.text import Span as RichSpan
from rich.text import Text
from textual.content import Content
from textual.markup import MarkupError


def escape(text: str) -> str:
    """`text` shown as it is when put inside markup.

    Every "[" is escaped, not only the ones that look like a whole tag (as textual's and
    rich's own `escape` do): "[/' must …" followed by the screen's own "[/]" would
    otherwise close a tag the text opened. A backslash just before a tag keeps that tag
    from opening, so one at the very end is followed by a zero-width space.
    """
    escaped = text.replace("[", "\\[")
    return escaped + "\u200b" if escaped.endswith("\\") else escaped


def table_cell(markup: str) -> Text:
    """A DataTable cell from markup written for Textual (with `escape`d text in it).

    A DataTable reads a string cell as Rich markup, which treats backslashes differently:
    Rich reads "\\\\[" as a backslash and then a tag, so "C:\\[/]" typed by a person
    would close a tag that was never opened and stop the app. Parsed here by Textual's
    own reader instead, the cell shows exactly what Textual would.
    """
    try:
        content = Content.from_markup(markup)
    except MarkupError:
        # Text that reached a cell without `escape`: shown as it is, never a crash.
        return Text(markup, end="")
    return Text(
        content.plain,
        spans=[RichSpan(span.start, span.end, str(span.style)) for span in content.spans],
        end="",
    )
