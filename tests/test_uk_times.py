"""UK wall-clock times typed or imported around the clock changes."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from intapp.formatting import parse_uk_datetime
from intapp.services.errors import InvalidInput
from intapp.services.importing.columns import date_time

TODAY = date(2026, 11, 30)


def test_a_time_in_the_hour_skipped_in_spring_does_not_exist() -> None:
    # 29/03/2026 01:00 GMT became 02:00 BST: 01:30 never showed on a UK clock.
    assert parse_uk_datetime("29/03/2026 01:30", today=TODAY) is None
    assert parse_uk_datetime("29/03/2026 00:59", today=TODAY) == datetime(
        2026, 3, 29, 0, 59, tzinfo=UTC
    )
    assert parse_uk_datetime("29/03/2026 02:00", today=TODAY) == datetime(
        2026, 3, 29, 1, 0, tzinfo=UTC
    )


def test_the_hour_repeated_in_autumn_is_taken_as_the_first() -> None:
    # 25/10/2026 01:30 happens twice; the first is still British Summer Time.
    assert parse_uk_datetime("25/10/2026 01:30", today=TODAY) == datetime(
        2026, 10, 25, 0, 30, tzinfo=UTC
    )


def test_the_import_refuses_a_time_that_does_not_exist_saying_why() -> None:
    with pytest.raises(InvalidInput, match="does not exist in UK time"):
        date_time("29/03/2026 01:30")
    with pytest.raises(InvalidInput, match="does not exist in UK time"):
        date_time("2026-03-29 01:30")
    assert date_time("2026-03-29T01:30+00:00") == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
