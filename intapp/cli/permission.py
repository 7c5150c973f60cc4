"""The signed-in role's check for a command: the same rules as the app (`intapp.access`)."""

from __future__ import annotations

from typing import Any


def allowed(engine: Any, *actions: str) -> frozenset[int] | None:
    """Refuse (`NotAllowed`) unless the signed-in login may do one of `actions`; return
    the teams it is limited to (a supervisor's locality), or None for city-wide."""
    try:
        from intapp import access  # type: ignore[attr-defined,unused-ignore]
    except ImportError:  # before the role rules exist, the database's own grants decide
        return None
    who = access.signed_in(engine)
    permitted = [a for a in actions if access.may(who, a)]
    if not permitted:
        access.require(who, actions[0])
    if who.role == access.Role.SUPERVISOR:
        return frozenset(who.team_ids)
    return None
