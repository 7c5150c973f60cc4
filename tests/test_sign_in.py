"""Signing in to a team server: TLS away from this machine, and a password the server
wants but nobody configured (asked for at a terminal, held in memory, never shown).

The local test server trusts every local connection, so it never asks for a password:
the server's "no password supplied" and "password authentication failed" are played
by a stand-in between the engine and the driver (`server_wanting`), raising the errors
psycopg raises, while the connection itself is real.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner
from conftest import _fresh_postgres
from psycopg.errors import FinishedPGconn
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from intapp.app import IntApp
from intapp.cli import context as cli_context
from intapp.cli import root
from intapp.config import ConfigError
from intapp.errorlog import log_path
from intapp.store import engine as engine_module
from intapp.store import identity
from intapp.store.engine import create_db_engine, describe_url, get_engine
from intapp.store.errors import (
    PasswordRequired,
    SignInRefused,
    TlsUnavailable,
    storage_error_from,
)
from intapp.store.postgres import connect_args, is_local

PASSWORD = "Zq7-horse-Battery"

# TLS


@pytest.mark.parametrize(
    "host", [None, "", "localhost", "127.0.0.1", "::1", "/var/run/postgresql", "localhost,::1"]
)
def test_this_machine_is_left_to_libpq(host: str | None) -> None:
    assert is_local(host)
    assert "sslmode" not in connect_args({}, environ={}, host=host)


@pytest.mark.parametrize("host", ["db.example", "10.0.0.7", "localhost,db.example"])
def test_another_machine_requires_tls(host: str) -> None:
    assert not is_local(host)
    assert connect_args({}, environ={}, host=host)["sslmode"] == "require"


def test_the_host_may_come_from_the_query_or_pghost() -> None:
    assert connect_args({"host": "db.example"}, environ={})["sslmode"] == "require"
    assert connect_args({}, environ={"PGHOST": "db.example"})["sslmode"] == "require"
    assert "sslmode" not in connect_args({}, environ={"PGHOST": "/tmp"})
    assert connect_args({"hostaddr": "10.0.0.7"}, environ={})["sslmode"] == "require"
    assert connect_args({}, environ={"PGHOSTADDR": "10.0.0.7"})["sslmode"] == "require"


def test_the_url_then_the_environment_choose_another_mode() -> None:
    remote = {"host": "db.example"}
    assert "sslmode" not in connect_args({"sslmode": "prefer"}, environ={}, host="db.example")
    chosen = connect_args({}, environ={"INTAPP_PG_SSLMODE": "verify-full"}, host="db.example")
    assert chosen["sslmode"] == "verify-full"
    # set for this machine too, when asked for
    assert connect_args({}, environ={"INTAPP_PG_SSLMODE": "require"})["sslmode"] == "require"
    # libpq's own variable is respected: it applies when the connection sets no mode
    assert "sslmode" not in connect_args(remote, environ={"PGSSLMODE": "verify-ca"})


def test_a_bad_mode_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"INTAPP_PG_SSLMODE.*verify-full"):
        connect_args({}, environ={"INTAPP_PG_SSLMODE": "yes please"}, host="db.example")


@pytest.mark.postgres
def test_a_server_without_tls_is_refused_plainly(
    postgres_template: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, name = _fresh_postgres(postgres_template)
    url = engine.url.render_as_string(hide_password=False)
    engine.dispose()
    with create_engine(url).connect() as connection:
        if connection.execute(text("SHOW ssl")).scalar() == "on":
            pytest.skip("this test server offers TLS")
    # The test server is on this machine, so TLS has to be asked for.
    monkeypatch.setenv("INTAPP_PG_SSLMODE", "require")
    get_engine.cache_clear()
    result = CliRunner().invoke(root.main, ["alert", "list", "X", "--database-url", url])
    get_engine.cache_clear()
    assert result.exit_code == root.EXIT_UNREACHABLE, result.output
    assert "does not offer TLS" in result.output
    refusing = create_db_engine(url)
    with pytest.raises(OperationalError) as raised:
        refusing.connect()
    assert isinstance(storage_error_from(raised.value), TlsUnavailable)
    refusing.dispose()
    from conftest import _drop_postgres

    _drop_postgres(name)


# Passwords


@pytest.fixture
def role_with_password(postgres_template: str) -> Iterator[tuple[str, str]]:
    """A login role with a password on a fresh test database: (login, url without password)."""
    engine, name = _fresh_postgres(postgres_template)
    login = f"t_{uuid.uuid4().hex[:8]}_pw"
    with engine.begin() as connection:
        connection.execute(text(f"CREATE ROLE \"{login}\" LOGIN PASSWORD '{PASSWORD}'"))
        connection.execute(text(f'GRANT ALL ON ALL TABLES IN SCHEMA public TO "{login}"'))
        # A member of staff, so the app opens for it once it has signed in.
        connection.execute(text(f'GRANT intapp_key_worker TO "{login}"'))
        connection.execute(
            text(
                "INSERT INTO staff_login (login, role, enabled, created_at)"
                " VALUES (:login, 'key_worker', true, now())"
            ),
            {"login": login},
        )
    url = engine.url.set(username=login).render_as_string(hide_password=False)
    engine.dispose()
    yield login, url
    from conftest import _drop_postgres

    _drop_postgres(name)
    admin = create_engine(str(make_url(url).set(database="postgres", username="postgres")))
    with admin.begin() as connection:
        connection.execute(text(f'DROP ROLE IF EXISTS "{login}"'))
    admin.dispose()


def server_wanting(engine: Engine, password: str) -> list[str | None]:
    """Make `engine`'s server ask for `password` as libpq reports it; returns the
    passwords each connection attempt offered."""
    offered: list[str | None] = []

    @event.listens_for(engine, "do_connect")
    def check(_dialect: Any, _record: Any, _cargs: Any, cparams: dict) -> None:
        given = cparams.get("password")
        offered.append(given)
        user = str(engine.url.username).encode()
        if given is None:
            raise psycopg.OperationalError(
                'connection failed: connection to server at "db.example", port 5432 '
                "failed: fe_sendauth: no password supplied",
                pgconn=FinishedPGconn(needs_password=True, user=user),
            )
        if given != password:
            message = (
                'connection to server at "db.example", port 5432 failed: FATAL:  '
                f'password authentication failed for user "{user.decode()}"'
            )
            raise psycopg.OperationalError(
                f"connection failed: {message}",
                pgconn=FinishedPGconn(
                    used_password=True, user=user, error_message=message.encode()
                ),
            )

    return offered


@pytest.mark.postgres
def test_a_typed_password_reaches_the_connection_and_nothing_else(
    role_with_password: tuple[str, str],
) -> None:
    login, url = role_with_password
    engine = create_db_engine(url)
    offered = server_wanting(engine, PASSWORD)
    asked: list[tuple[str, int]] = []

    def ask(who: str, attempt: int) -> str:
        asked.append((who, attempt))
        return PASSWORD

    assert identity.sign_in(engine, ask=ask) == login
    assert asked == [(login, 1)]
    assert offered == [None, PASSWORD]
    with engine.connect() as connection:  # every later connection has it too
        assert connection.connection.driver_connection.info.password == PASSWORD
        assert connection.execute(text("SELECT session_user")).scalar() == login
    assert PASSWORD not in str(engine.url)
    assert PASSWORD not in describe_url(str(engine.url))
    engine.dispose()


@pytest.mark.postgres
def test_three_wrong_passwords_and_it_stops(role_with_password: tuple[str, str]) -> None:
    login, url = role_with_password
    engine = create_db_engine(url)
    server_wanting(engine, PASSWORD)
    typed = iter(["Guess-1", "Guess-2", "Guess-3", "Guess-4"])
    asked: list[int] = []

    def ask(_who: str, attempt: int) -> str:
        asked.append(attempt)
        return next(typed)

    with pytest.raises(SignInRefused) as refused:
        identity.sign_in(engine, ask=ask)
    assert asked == [1, 2, 3]
    assert f"refused the sign-in for {login}" in str(refused.value)
    assert "password authentication failed" in str(refused.value)
    assert "Guess" not in str(refused.value)
    engine.dispose()


@pytest.mark.postgres
def test_with_nobody_to_ask_it_says_what_to_set(role_with_password: tuple[str, str]) -> None:
    _login, url = role_with_password
    engine = create_db_engine(url)
    server_wanting(engine, PASSWORD)
    with pytest.raises(PasswordRequired, match=r"PGPASSWORD.*~/\.pgpass"):
        identity.sign_in(engine, ask=None)
    engine.dispose()


@pytest.fixture
def cli_server_wanting(
    role_with_password: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, str]]:
    """The CLI's engines come from a server that wants the password: (login, url)."""
    build = engine_module.create_db_engine

    def wanting(url: str | None = None) -> Engine:
        engine = build(url)
        server_wanting(engine, PASSWORD)
        return engine

    monkeypatch.setattr(engine_module, "create_db_engine", wanting)
    get_engine.cache_clear()
    yield role_with_password
    get_engine.cache_clear()


@pytest.mark.postgres
def test_a_script_is_told_plainly(cli_server_wanting: tuple[str, str]) -> None:
    _login, url = cli_server_wanting
    result = CliRunner().invoke(root.main, ["alert", "list", "X", "--database-url", url])
    assert result.exit_code == root.EXIT_SIGN_IN, result.output
    assert "wants a password" in result.output
    assert "set PGPASSWORD or add the login to ~/.pgpass" in result.output


def _at_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_context, "at_terminal", lambda: True)
    monkeypatch.setattr(root, "_interactive", lambda: True)


@pytest.mark.postgres
def test_the_app_asks_before_it_opens(
    cli_server_wanting: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    login, url = cli_server_wanting
    _at_a_terminal(monkeypatch)
    opened: list[IntApp] = []
    monkeypatch.setattr(IntApp, "run", lambda app: opened.append(app))
    result = CliRunner().invoke(root.main, ["--database-url", url], input=f"{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert f"Password for {login}" in result.output
    assert PASSWORD not in result.output  # hidden as it is typed
    assert [app.user for app in opened] == [login]


@pytest.mark.postgres
def test_wrong_passwords_at_the_terminal_never_show(
    cli_server_wanting: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _login, url = cli_server_wanting
    _at_a_terminal(monkeypatch)
    opened: list[IntApp] = []
    monkeypatch.setattr(IntApp, "run", lambda app: opened.append(app))
    typed = "".join(f"Wrong-{n}-pass\n" for n in range(4))
    result = CliRunner().invoke(root.main, ["--database-url", url], input=typed)
    assert result.exit_code == root.EXIT_SIGN_IN, result.output
    assert result.output.count("Password for") == 3
    assert "Wrong-" not in result.output
    assert opened == []
    log = log_path()
    assert not log.exists() or "Wrong-" not in log.read_text()


def test_no_password_is_asked_for_without_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_context, "at_terminal", lambda: False)
    ask: Callable[[str, int], str | None] = cli_context.ask_password
    assert ask("someone", 1) is None
