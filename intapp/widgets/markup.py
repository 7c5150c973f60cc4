"""Text from people (names, postcodes, what was typed) put safely into markup."""

from __future__ import annotations


def escape(text: str) -> str:
    """`text` shown as it is when put inside markup.

    Every "[" is escaped, not only the ones that look like a whole tag (as textual's and
    rich's own `escape` do): "[/' must …" followed by the screen's own "[/]" would
    otherwise close a tag the text opened. A backslash just before a tag keeps that tag
    from opening, so one at the very end is followed by a zero-width space.
    """
    escaped = text.replace("[", "\\[")
    return escaped + "\u200b" if escaped.endswith("\\") else escaped
