"""PostgreSQL never hangs: connect timeout, keepalives and statement timeout reach the
connection, each can be changed, and a statement past its timeout is a plain error."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from intapp.cli import root
from intapp.store.engine import create_db_engine, resolve_url
from intapp.store.errors import StatementTimedOut, storage_error_from
from intapp.store.postgres import connect_args

PG_URL = os.environ.get(
    "INTAPP_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def test_defaults_bound_every_wait() -> None:
    args = connect_args({}, environ={})
    assert args["connect_timeout"] == "10"
    assert args["keepalives"] == "1"
    assert args["keepalives_idle"] == "30"
    assert args["tcp_user_timeout"] == "60000"
    assert args["options"] == "-c statement_timeout=300000"


def test_the_environment_changes_them_and_the_url_wins() -> None:
    environ = {"INTAPP_PG_CONNECT_TIMEOUT": "3", "INTAPP_PG_STATEMENT_TIMEOUT": "1.5"}
    args = connect_args({}, environ=environ)
    assert args["connect_timeout"] == "3"
    assert args["options"] == "-c statement_timeout=1500"
    from_url = connect_args(
        {"connect_timeout": "7", "options": "-c statement_timeout=9s"}, environ=environ
    )
    assert "connect_timeout" not in from_url  # the URL's own value is used
    assert "options" not in from_url


def test_a_bad_value_in_the_environment_is_a_config_error() -> None:
    from intapp.config import ConfigError

    with pytest.raises(ConfigError, match="INTAPP_PG_STATEMENT_TIMEOUT"):
        connect_args({}, environ={"INTAPP_PG_STATEMENT_TIMEOUT": "soon"})


@pytest.fixture
def pg(postgres_template: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """An engine on the test server with a short statement timeout from the environment."""
    monkeypatch.setenv("INTAPP_PG_STATEMENT_TIMEOUT", "0.3")
    monkeypatch.setenv("INTAPP_PG_CONNECT_TIMEOUT", "4")
    engine = create_db_engine(PG_URL)
    yield engine
    engine.dispose()


@pytest.mark.postgres
def test_the_options_reach_the_connection(pg: Engine) -> None:
    with pg.connect() as connection:
        assert connection.execute(text("SHOW statement_timeout")).scalar() == "300ms"
        parameters = connection.connection.driver_connection.info.get_parameters()
    assert parameters["connect_timeout"] == "4"
    assert parameters["keepalives"] == "1"
    assert parameters["keepalives_idle"] == "30"
    assert parameters["tcp_user_timeout"] == "60000"


@pytest.mark.postgres
def test_a_statement_timeout_in_the_url_wins(postgres_template: str) -> None:
    url = make_url(resolve_url(PG_URL)).update_query_dict({"options": "-c statement_timeout=1234"})
    engine = create_db_engine(url.render_as_string(hide_password=False))
    with engine.connect() as connection:
        assert connection.execute(text("SHOW statement_timeout")).scalar() == "1234ms"
    engine.dispose()


@pytest.mark.postgres
def test_a_statement_past_the_timeout_is_a_plain_error_with_its_exit_code(pg: Engine) -> None:
    with pytest.raises(OperationalError) as raised, pg.connect() as connection:
        connection.execute(text("SELECT pg_sleep(3)"))
    plain = storage_error_from(raised.value)
    assert isinstance(plain, StatementTimedOut)
    assert "statement timeout" in plain.message
    failure = root._as_click_error(raised.value)
    assert failure.exit_code == root.EXIT_TIMED_OUT
    assert "Something went wrong" not in failure.message
