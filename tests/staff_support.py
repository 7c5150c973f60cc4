"""Staff logins on the real local PostgreSQL: uniquely named, always dropped afterwards.

Role names are shared by every database on the server, so each test's logins are
`t_<uuid8>_<what>` and a finaliser drops them (after revoking what they were granted).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine, text


def drop_logins(engine: Engine, logins: list[str]) -> None:
    """End their sessions, revoke what they hold here, and drop them."""
    with engine.connect() as conn:
        for login in logins:
            exists = conn.execute(
                text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": login}
            ).first()
            if not exists:
                continue
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = :n"),
                {"n": login},
            )
            conn.execute(text(f'DROP OWNED BY "{login}"'))
            conn.execute(text(f'DROP ROLE "{login}"'))
        conn.commit()


@pytest.fixture
def pg_engine(postgres_engine: Engine) -> Engine:
    """A fresh migrated PostgreSQL database; migration 0018 has made the group roles,
    grants and row-level security."""
    return postgres_engine


@pytest.fixture
def unique_login(pg_engine: Engine) -> Iterator[Callable[[str], str]]:
    """Names for test logins; every one handed out is dropped at the end."""
    made: list[str] = []
    tag = uuid.uuid4().hex[:8]

    def name(what: str) -> str:
        login = f"t_{tag}_{what}"
        made.append(login)
        return login

    yield name
    pg_engine.dispose()
    drop_logins(pg_engine, made)
