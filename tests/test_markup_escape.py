"""Text from people is shown as it is, whatever markup it looks like."""

from __future__ import annotations

import pytest
from identity_support import signed_in
from textual.markup import to_content

from intapp.widgets.markup import escape, table_cell

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


@pytest.mark.parametrize(
    "text",
    ["C:" + BACKSLASH + "[/]docs", BACKSLASH + "[b]", "[/]", "a" + BACKSLASH, "[b]bold?[/b]"],
)
def test_a_table_cell_shows_text_as_typed_where_rich_markup_would_not(text):
    """A DataTable reads a string cell as Rich markup, where a backslash before "[" means
    something else: "C:\\[/]docs" stopped the app there. `table_cell` reads it as Textual
    does, keeping the styles around it."""
    cell = table_cell(f"[b yellow]{escape(text)}[/] after")
    assert cell.plain.replace("\u200b", "") == text + " after"
    (styled,) = cell.spans
    assert styled.style == "b yellow"
    assert cell.plain[styled.start : styled.end].replace("\u200b", "") == text


async def test_a_refusal_naming_what_was_typed_is_shown_not_read_as_markup(sqlite_engine):
    """Refusals quote names and notes ("O[/]sei has died", "[b]"): shown as typed, never
    read as markup (a stray closing tag stopped the app)."""
    from intapp.app import IntApp
    from intapp.services.errors import InvalidInput

    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "asha.khan"))
    async with app.run_test(size=(120, 40)) as pilot:
        app.report_error(InvalidInput("Ama O[/]sei has died; [b]C:\\[/] needs no alert"))
        await pilot.pause(0.3)
        (toast,) = list(app._notifications)
        assert toast.markup is False
        assert app.is_running


def test_a_cell_with_text_that_missed_its_escape_is_shown_not_a_crash() -> None:
    from intapp.widgets.markup import table_cell

    assert table_cell("Moved to Gorton [/]").plain == "Moved to Gorton [/]"
