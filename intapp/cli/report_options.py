"""The options every report export takes, and the one rule for its file format:
`--team` or `--locality`, `--format` and `--output` (weekly summary, returns, trends,
evaluation)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click

FORMATS = ("csv", "xlsx", "md")
_SUFFIX_FORMAT = {".csv": "csv", ".xlsx": "xlsx", ".md": "md", ".markdown": "md"}

Command = TypeVar("Command", bound=Callable[..., object])


def report_options(*, default_format: str) -> Callable[[Command], Command]:
    """Add --team, --locality, --format and --output to a report command."""
    options = (
        click.option("--team", "team_code", metavar="CODE", help="Only this team."),
        click.option("--locality", metavar="NAME", help="Only the teams in this locality."),
        click.option(
            "--format",
            "fmt",
            type=click.Choice(FORMATS),
            help=f"csv, xlsx or md. Default: from --output's extension, else {default_format}.",
        ),
        click.option(
            "--output",
            "-o",
            type=click.Path(dir_okay=False, writable=True, path_type=Path),
            help="Save to this file (readable by you alone). Default: print (not for xlsx).",
        ),
    )

    def add(command: Command) -> Command:
        for option in reversed(options):
            command = option(command)
        return command

    return add


def report_format(
    *,
    team_code: str | None,
    locality: str | None,
    fmt: str | None,
    output: Path | None,
    default_format: str,
) -> str:
    """The format to write: as asked, else from --output's extension, else the
    default; refuses a team with a locality, and a workbook to the screen."""
    if team_code and locality:
        raise click.UsageError("Choose --team or --locality, not both")
    chosen = fmt or (
        _SUFFIX_FORMAT.get(output.suffix.lower(), default_format) if output else default_format
    )
    if chosen == "xlsx" and output is None:
        raise click.UsageError("An XLSX workbook needs --output FILE")
    return chosen
