"""Columns of an import file: matching the header, and turning each row's text into values.

Each column has a parser: a function from the cell's trimmed text to a value that raises
`InvalidInput` with a plain reason. Parsers call the rules the services already use
(NHS number, dates, code lists, names), so an import and a form refuse the same things.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from intapp.clock import from_uk_local
from intapp.formatting import parse_date
from intapp.services import bounds
from intapp.services.errors import InvalidInput
from intapp.services.importing.reading import Record

Parser = Callable[[str], Any]

# The characters no text may hold are the same for the form, the CLI and an import.
_ANY_CONTROL = bounds.ANY_CONTROL
_WHOLE_NUMBER = re.compile(r"[0-9]+", re.ASCII)
_DECIMAL = re.compile(r"[0-9]+(\.[0-9]+)?|\.[0-9]+", re.ASCII)
_UK_DATE_TIME = re.compile(
    r"(\d{1,2})/(\d{1,2})/(\d{4})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?", re.ASCII
)
_ISO_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}", re.ASCII)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# A spreadsheet formula's result may not even be saved in the file (then it reads as
# blank), so an import takes values only.
FORMULA = "this cell holds a formula, not a value: type or paste the value itself"
TRUE_WORDS = frozenset({"yes", "y", "true", "t", "1"})
FALSE_WORDS = frozenset({"no", "n", "false", "f", "0"})


@dataclass(frozen=True)
class Problem:
    """Something wrong with an import file, where it is and why, in plain words."""

    file: str
    line: int
    column: str
    reason: str


@dataclass(frozen=True)
class Column:
    """One column an import file may have.

    Without a parser the column is text of at most `max_length` characters; that case
    is handled inline, as most columns are text and every row passes through here.
    """

    name: str
    parse: Parser | None = None
    required: bool = False
    multiline: bool = False
    max_length: int | None = None


@dataclass(frozen=True)
class Layout:
    """Which cell of a row holds which known column, from the file's header."""

    slots: tuple[tuple[int, int, Column], ...]  # (cell index, position in the spec, column)
    present: frozenset[str]
    width: int


def match_header(
    header: Record, columns: Sequence[Column], *, kind: str, one_of: tuple[str, ...] = ()
) -> tuple[Layout, list[tuple[str, str]]]:
    """Map header names (any case) to columns; list unknown, repeated and missing ones.

    `one_of` names columns of which at least one must be present (the person's identifiers).
    """
    names = [cell.strip().lstrip("\ufeff").strip().lower() for cell in header.cells]
    while names and not names[-1]:
        names.pop()  # spreadsheets often save empty trailing columns
    by_name = {c.name: (position, c) for position, c in enumerate(columns)}
    problems: list[tuple[str, str]] = []
    slots: list[tuple[int, int, Column]] = []
    seen: set[str] = set()
    for index, name in enumerate(names):
        if not name:
            problems.append((f"column {index + 1}", "this column has no heading"))
        elif name in seen:
            problems.append((name, "this column appears more than once"))
        elif name not in by_name:
            known = ", ".join(c.name for c in columns)
            problems.append((name, f"unknown column for {kind}; the columns are: {known}"))
        else:
            seen.add(name)
            position, column = by_name[name]
            slots.append((index, position, column))
    for column in columns:
        if column.required and column.name not in seen:
            problems.append((column.name, "required column is missing"))
    if one_of and not seen.intersection(one_of):
        problems.append((one_of[0], f"the file needs a {' or a '.join(one_of)} column"))
    return Layout(tuple(slots), frozenset(seen), len(names)), problems


class RowParser:
    """Turns one record into values in the spec's column order, collecting every problem."""

    def __init__(self, layout: Layout, column_count: int) -> None:
        self.width = layout.width
        self.column_count = column_count
        self.slots = tuple(
            (index, position, c.name, c.parse, c.max_length, c.required, c.multiline)
            for index, position, c in layout.slots
        )

    def parse(self, record: Record) -> tuple[list[Any], list[tuple[str, str]]]:
        """(values, problems); a blank or absent cell gives None."""
        cells = record.cells
        values: list[Any] = [None] * self.column_count
        problems: list[tuple[str, str]] = []
        count, width = len(cells), self.width
        if count > width and any(c.strip() for c in cells[width:]):
            problems.append(("", f"this row has {count} values but the header has {width} columns"))
        suspect = _ANY_CONTROL.search("".join(cells)) is not None
        formulas = record.formulas
        intern = sys.intern
        for index, position, name, parse, max_length, required, multiline in self.slots:
            if formulas and index in formulas:
                problems.append((name, FORMULA))
                continue
            raw = cells[index] if index < count else ""
            if suspect and (reason := _bad_characters(raw, multiline)):
                problems.append((name, reason))
                continue
            text = raw.strip()
            if not text:
                if required:
                    problems.append((name, "a value is required"))
            elif parse is None:
                if max_length is not None and len(text) > max_length:
                    problems.append((name, _too_long(max_length, text)))
                else:
                    # Names, genders and practice codes repeat down a big file: one copy each.
                    values[position] = intern(text)
            else:
                try:
                    values[position] = parse(text)
                except InvalidInput as error:
                    problems.append((name, error.message))
        return values, problems


_too_long = bounds.too_long


def _bad_characters(raw: str, multiline: bool) -> str | None:
    reason = bounds.bad_characters(raw, multiline=multiline)
    if reason is not None and reason.startswith("contains"):
        return f"{reason}; remove it and import again"
    return reason


# --- parsers -------------------------------------------------------------------------------


def text(max_length: int | None) -> Parser:
    """Free text up to `max_length` characters (the database column's size)."""

    def parse(value: str) -> str:
        if max_length is not None and len(value) > max_length:
            raise InvalidInput(_too_long(max_length, value))
        return value

    return parse


def uk_or_iso_date(value: str) -> date:
    """``YYYY-MM-DD`` or ``DD/MM/YYYY``."""
    day = parse_date(value) if value.isascii() else None
    if day is None:
        raise InvalidInput(f"{value!r} is not a date: write YYYY-MM-DD or DD/MM/YYYY")
    return day


def date_time(value: str) -> datetime:
    """An ISO date-time or ``DD/MM/YYYY HH:MM``; without an offset it is UK local time."""
    moment: datetime | None = None
    if value.isascii():
        if match := _UK_DATE_TIME.fullmatch(value):
            day, month, year, hour, minute, second = (int(g or 0) for g in match.groups())
            try:
                moment = datetime(year, month, day, hour, minute, second)
            except ValueError:
                moment = None
        elif _ISO_DATE_TIME.match(value):
            try:
                moment = datetime.fromisoformat(value)
            except ValueError:
                moment = None
    if moment is None:
        raise InvalidInput(
            f"{value!r} is not a date and time: write YYYY-MM-DD HH:MM or DD/MM/YYYY HH:MM"
        )
    if moment.tzinfo is None:
        local = moment
        moment = from_uk_local(local)
        if moment is None:
            raise InvalidInput(
                f"{value!r} does not exist in UK time: the clocks go forward an hour at "
                f"01:00 on {local:%d/%m/%Y}; give the time as the clock showed it"
            )
    return moment.astimezone(UTC)


def code(value: str) -> str:
    """A code-list value as typed by people: any case, spaces or hyphens for underscores."""
    return value.lower().replace(" ", "_").replace("-", "_")


def code_list(allowed: type[StrEnum], check: Callable[[str], str]) -> Parser:
    """A value from a code list, checked by the service's own rule for that list."""
    values = {member.value: member.value for member in allowed}

    def parse(value: str) -> str:
        tidy = code(value)
        return values.get(tidy) or check(tidy)

    return parse


def yes_no(value: str) -> bool:
    """yes/no, true/false, y/n or 1/0, in any case."""
    word = value.lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise InvalidInput(f"{value!r} is not yes or no")


def whole_number(value: str) -> int:
    """A whole number written with the digits 0-9."""
    if not _WHOLE_NUMBER.fullmatch(value):
        raise InvalidInput(f"{value!r} is not a whole number (use the digits 0-9)")
    return int(value)


def decimal(value: str) -> float:
    """A decimal number written with the digits 0-9 and a point."""
    if not _DECIMAL.fullmatch(value):
        raise InvalidInput(f"{value!r} is not a number (use the digits 0-9 and a point)")
    number = float(value)
    if not math.isfinite(number):
        raise InvalidInput(f"{value!r} is not a number")
    return number


def email(max_length: int | None) -> Parser:
    """An email address: something@somewhere.tld."""
    checked_length = text(max_length)

    def parse(value: str) -> str:
        if not _EMAIL.fullmatch(value):
            raise InvalidInput(f"{value!r} is not an email address")
        return checked_length(value)

    return parse


def lookup(table: dict[str, int], *, normalise: Callable[[str], str], what: str) -> Parser:
    """A code that must name an existing record (a team); gives the record's id."""

    def parse(value: str) -> int:
        found = table.get(normalise(value))
        if found is None:
            raise InvalidInput(f"There is no {what} with code {value!r}")
        return found

    return parse
