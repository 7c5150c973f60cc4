"""Who may see the evaluation table on a team server: supervisors, for their locality
(the whole city narrows to it and says so); a coordinator is refused."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from evaluation_support import build_history
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session
from test_evaluation import EXPECTED_CEN1, UNIT_COSTS, figures

from intapp.services.errors import NotAllowed
from intapp.services.evaluation import evaluation_table
from intapp.store.engine import create_db_engine

pytestmark = pytest.mark.postgres


@pytest.fixture
def login_as(postgres_engine: Engine) -> Iterator[Callable[[str, int | None], Engine]]:
    """An engine signed in as a new staff login with `role`, its scope the locality
    (a supervisor) or the team (anyone else) given."""
    pg = postgres_engine
    made: list[tuple[str, Engine]] = []

    def make(role: str, scope: int | None) -> Engine:
        name = f"t_{uuid.uuid4().hex[:8]}_{role[:5]}"
        with pg.begin() as c:
            c.execute(text(f'CREATE ROLE "{name}" LOGIN'))
            c.execute(text(f'GRANT CONNECT ON DATABASE "{pg.url.database}" TO "{name}"'))
            c.execute(text(f'GRANT "intapp_{role}" TO "{name}"'))
            c.execute(
                text(
                    "INSERT INTO staff_login (login, role, locality_id, enabled, created_at)"
                    " VALUES (:login, :role, :locality, true, now())"
                ),
                {"login": name, "role": role, "locality": scope if role == "supervisor" else None},
            )
            if role != "supervisor":
                c.execute(
                    text("INSERT INTO staff_team (login, team_id) VALUES (:login, :team)"),
                    {"login": name, "team": scope},
                )
        url = make_url(pg.url.render_as_string(hide_password=False)).set(username=name)
        engine = create_db_engine(url.render_as_string(hide_password=False))
        made.append((name, engine))
        return engine

    yield make
    for name, engine in made:
        engine.dispose()
        with pg.begin() as c:
            c.execute(text(f'DROP OWNED BY "{name}"'))
            c.execute(text(f'DROP ROLE IF EXISTS "{name}"'))


@pytest.fixture
def central(postgres_engine: Engine, write_config: Callable[[str], Path]) -> tuple[int, int]:
    """The hand-built history; returns (Central's locality id, team CEN1's id)."""
    write_config(UNIT_COSTS)
    with Session(postgres_engine) as session:
        history = build_history(session)
        session.commit()
    with postgres_engine.connect() as c:
        locality = c.execute(
            text("SELECT locality_id FROM team WHERE id = :id"), {"id": history.team}
        ).scalar_one()
    return int(locality), history.team


def test_a_supervisors_city_is_their_locality(
    central: tuple[int, int], login_as: Callable[[str, int | None], Engine]
) -> None:
    engine = login_as("supervisor", central[0])
    with Session(engine) as session:
        table = evaluation_table(session=session, year="2025-26")
        assert table.scope == "your locality"
        assert figures(table) == EXPECTED_CEN1
        with pytest.raises(NotAllowed, match="team NOR1 is outside your teams"):
            evaluation_table(session=session, year="2025-26", team_code="NOR1")


def test_a_coordinator_may_not_see_it(
    central: tuple[int, int], login_as: Callable[[str, int | None], Engine]
) -> None:
    engine = login_as("coordinator", central[1])
    with Session(engine) as session, pytest.raises(NotAllowed) as refused:
        evaluation_table(session=session, year="2025-26", team_code="CEN1")
    assert str(refused.value).startswith("Only supervisors and administrators")
