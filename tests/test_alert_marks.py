"""How badges sit beside a name: a long name gives way so the badges stay in view, extra
badges are counted, and names and badges are never read as markup."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text

from intapp.widgets.alert_marks import name_with_alerts


def _plain(markup: str) -> str:
    return Text.from_markup(markup).plain


def test_no_badges_leaves_the_name_alone() -> None:
    assert name_with_alerts("Mary [Smith]", ()) == "Mary \\[Smith]"


def test_badges_follow_the_name_and_more_than_two_are_counted() -> None:
    shown = name_with_alerts("Mary Smith", ("⚠ risk", "key", "alone"))
    assert shown == "Mary Smith [b yellow]⚠ risk key +1[/]"


def test_a_long_name_is_cut_so_the_badges_fit_the_column() -> None:
    name = "Bartholomew Featherstonehaugh-Smythe"
    shown = _plain(name_with_alerts(name, ("⚠ risk", "key"), 22))
    assert shown.endswith("… ⚠ risk key")
    assert cell_len(shown) <= 22
    assert shown.startswith("Barth")
    # A name that fits is not cut.
    assert _plain(name_with_alerts("Ann Lee", ("key",), 22)) == "Ann Lee key"
