"""The badges lists show beside a person's name for their open alerts.

Plain SQL and no ORM, like the queue that shows them (`services.queue`): the queue is
read before SQLAlchemy has loaded. One read per page of rows, however long the list.
"""

from __future__ import annotations

from collections.abc import Iterable

from intapp.config import AlertKind, load_settings
from intapp.store.plain_sql import PlainSQL, in_list

# What a list shows for an alert whose kind is no longer in the settings, before its label.
UNLISTED_MARK = "⚑"
UNLISTED_CELLS = 6


def badge_of(code: str, label: str, kinds: Iterable[AlertKind] | None = None) -> str:
    """The badge of an alert of kind `code`: the configured one, or (for a kind dropped
    from the settings since it was raised) a mark and the first word of its stored label."""
    for kind in load_settings().alert_kinds if kinds is None else kinds:
        if kind.code == code:
            return kind.badge
    word = (label.split() or ["alert"])[0].lower()[:UNLISTED_CELLS]
    return f"{UNLISTED_MARK} {word}"


def kind_order(code: str, label: str, kinds: tuple[AlertKind, ...]) -> tuple[int, str]:
    """Where an alert of kind `code` comes among a person's: in the settings' order (the
    first listed is the most pressing), then kinds no longer configured, by label."""
    for place, kind in enumerate(kinds):
        if kind.code == code:
            return (place, "")
    return (len(kinds), label)


def open_alert_badges(db: PlainSQL, person_ids: Iterable[int]) -> dict[int, tuple[str, ...]]:
    """The badges of each person's open alerts, most pressing first, for the people given
    (a page of a list); people with none are left out. One query."""
    ids = sorted(set(person_ids))
    if not ids:
        return {}
    where, params = in_list("person_id", "person", ids)
    rows = db.run(
        f"SELECT person_id, kind, label FROM person_alert WHERE removed_at IS NULL{where}",
        params,
    )
    kinds = load_settings().alert_kinds
    found: dict[int, list[tuple[str, str]]] = {}
    for person_id, code, label in rows:
        found.setdefault(person_id, []).append((code, label))
    return {
        person_id: tuple(
            badge_of(code, label, kinds)
            for code, label in sorted(alerts, key=lambda a: kind_order(a[0], a[1], kinds))
        )
        for person_id, alerts in found.items()
    }
