"""How a person's alerts are shown: badges beside their name in every list, and the line
on a record's header. Each list and header calls these, so the rule is written once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from rich.cells import cell_len

from intapp.formatting import uk_date
from intapp.widgets.markup import escape

if TYPE_CHECKING:
    from intapp.services.alerts import AlertView

# Alerts stand out in the warning colour; a past review date in the overdue colour.
ALERT_STYLE = "b yellow"
OVERDUE_STYLE = "b red"
# Badges shown beside a name; more are counted ("+2"), so a row keeps its width.
SHOWN = 2


def badges_plain(badges: Sequence[str]) -> str:
    """``⚠ risk key +1``: the first badges and how many more, as plain text."""
    shown = " ".join(badges[:SHOWN])
    more = f" +{len(badges) - SHOWN}" if len(badges) > SHOWN else ""
    return shown + more


def name_with_alerts(name: str, badges: Sequence[str], width: int | None = None) -> str:
    """Markup for a list's name cell: the name, then its alert badges in the warning
    colour. With the column's `width`, a long name is cut (…) so the badges stay in view."""
    if not badges:
        return escape(name)
    said = badges_plain(badges)
    if width is not None:
        room = width - cell_len(said) - 1
        if cell_len(name) > room:
            cut = name
            while cut and cell_len(cut) > max(room - 1, 0):
                cut = cut[:-1]
            name = cut.rstrip() + "…" if room > 0 else ""
    return f"{escape(name)} [{ALERT_STYLE}]{escape(said)}[/]".lstrip()


def alerts_line(alerts: Sequence[AlertView], today: date, key: str | None = "!") -> str:
    """A record header's line of open alerts (empty when there are none): each label,
    with its review date once that has passed; `key` is the key that opens them."""
    if not alerts:
        return ""
    parts = []
    for alert in alerts:
        part = f"[{ALERT_STYLE}]{escape(alert.label)}[/]"
        if alert.review_overdue(today):
            part += f" [{OVERDUE_STYLE}](review was due {uk_date(alert.review_on)})[/]"
        parts.append(part)
    opens = f" ({escape(key)})" if key else ""
    return f"\n[{ALERT_STYLE}]⚠ Alerts{opens}:[/] " + " · ".join(parts)
