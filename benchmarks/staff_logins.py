"""Throwaway staff logins for the PostgreSQL benchmarks: uniquely named, dropped after.

Role names are cluster-wide, so each run makes its own (``bench_<8 hex>_<n>``) and drops
them at the end, even when the run fails. The server must let the owner's connection
string sign in as them without a password (trust for local connections, as in the tests).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url


@dataclass(frozen=True)
class Login:
    """A staff login made for one benchmark run."""

    name: str
    role: str
    team_id: int
    worker_id: int | None
    url: str


@contextmanager
def staff_logins(owner: Engine, wanted: list[tuple[str, int, int | None]]) -> Iterator[list[Login]]:
    """Logins for (role, team, worker) each, in that role's group, held by that team
    (a supervisor: that team's locality); dropped when the block ends."""
    with owner.connect() as c:
        roles = set(c.execute(text("SELECT rolname FROM pg_roles")).scalars())
    missing = {f"intapp_{role}" for role, _, _ in wanted} - roles
    if missing:
        raise SystemExit(
            f"This server has no {', '.join(sorted(missing))} role: the staff roles come "
            "with migration 0018 (intapp db upgrade)."
        )
    run = uuid.uuid4().hex[:8]
    made: list[Login] = []
    try:
        for n, (role, team_id, worker_id) in enumerate(wanted):
            name = f"bench_{run}_{n}"
            _add(owner, name, role, team_id, worker_id)
            url = make_url(owner.url).set(username=name, password=None)
            made.append(
                Login(name, role, team_id, worker_id, url.render_as_string(hide_password=False))
            )
        yield made
    finally:
        for login in made:
            _drop(owner, login.name)


def _add(owner: Engine, login: str, role: str, team_id: int, worker_id: int | None) -> None:
    with owner.begin() as c:
        c.execute(text(f'CREATE ROLE "{login}" LOGIN IN ROLE intapp_{role}'))
        locality = c.execute(
            text("SELECT locality_id FROM team WHERE id = :t"), {"t": team_id}
        ).scalar_one()
        c.execute(
            text(
                "INSERT INTO staff_login (login, role, locality_id, worker_id, enabled, "
                "created_at) VALUES (:l, :r, :loc, :w, true, now())"
            ),
            {
                "l": login,
                "r": role,
                "loc": locality if role == "supervisor" else None,
                "w": worker_id,
            },
        )
        c.execute(
            text("INSERT INTO staff_team (login, team_id) VALUES (:l, :t)"),
            {"l": login, "t": team_id},
        )


def _drop(owner: Engine, login: str) -> None:
    with owner.begin() as c:
        # Its sessions first: a role that is still connected cannot be dropped.
        c.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = :l"),
            {"l": login},
        )
        c.execute(text("DELETE FROM staff_team WHERE login = :l"), {"l": login})
        c.execute(text("DELETE FROM staff_login WHERE login = :l"), {"l": login})
        c.execute(text(f'DROP ROLE IF EXISTS "{login}"'))
