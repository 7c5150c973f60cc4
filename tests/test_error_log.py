"""Library log records (SQLAlchemy's "Error closing cursor" after a Ctrl-C, say) reach the
error log without their message, and never the screen."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from intapp import cli, errorlog


@pytest.fixture
def root_handlers() -> Iterator[None]:
    """Put the root logger's handlers back as they were."""
    before = list(logging.getLogger().handlers)
    yield
    logging.getLogger().handlers[:] = before


def _closed_cursor_error() -> sqlite3.ProgrammingError:
    connection = sqlite3.connect(":memory:")
    cursor = connection.cursor()
    connection.close()
    try:
        cursor.execute("SELECT 1")
    except sqlite3.ProgrammingError as error:
        return error
    raise AssertionError("a closed connection ran a query")


def test_a_library_error_goes_to_the_error_log_not_the_screen(
    root_handlers: None, capsys: pytest.CaptureFixture[str]
) -> None:
    errorlog.keep_library_logs_off_the_screen()
    error = _closed_cursor_error()
    logging.getLogger("sqlalchemy.pool.impl").error(
        "Error closing cursor for Mary Smith 943 476 5919", exc_info=error
    )
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""
    logged = errorlog.log_path().read_text(encoding="utf-8")
    assert "ERROR sqlalchemy.pool.impl ProgrammingError at" in logged
    assert "Mary" not in logged and "943" not in logged


def test_every_command_keeps_library_logs_off_the_screen(root_handlers: None) -> None:
    result = CliRunner().invoke(cli.main, ["db", "path"], catch_exceptions=False)
    assert result.exit_code == 0
    logging.getLogger("sqlalchemy.engine").warning("a warning")
    assert "a warning" not in result.output
    assert "WARNING sqlalchemy.engine at" in errorlog.log_path().read_text(encoding="utf-8")
