"""The evaluation table over a generated city: what must hold whatever the data.

Every record has one pathway, so the pathway rows add up to the whole; every record has
at least one cohort row (no cohort is one), so the cohort rows add up to at least the
whole; and the localities partition the city."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from intapp import clock
from intapp.config import load_settings
from intapp.demo import load_demo
from intapp.models import Locality
from intapp.services.evaluation import COLUMNS, EvaluationTable, evaluation_table
from intapp.store.engine import create_db_engine
from intapp.store.migrate import upgrade

# Counted things add up across groups; shares do not, and people may come by several
# pathways.
ADDITIVE = tuple(c for c in COLUMNS if not c.startswith("pct_") and c != "people_referred")
# Hours and weeks are rounded to a tenth, pounds to the penny, in each row.
ROUNDED = frozenset({"reablement_hours", "residential_weeks"})


def close_to(value: float, column: str, rows: int) -> object:
    """`value`, allowing for each of `rows` rows having been rounded."""
    if column in ROUNDED:
        return pytest.approx(value, abs=0.05 * rows + 1e-9)
    if column.endswith("_pounds"):
        return pytest.approx(value, abs=0.005 * rows + 1e-9)
    return value


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A 400-person demo city, loaded once (now is frozen as conftest freezes it)."""
    from conftest import FROZEN_NOW

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("config")))
        load_settings.cache_clear()
        clock.freeze(FROZEN_NOW)
        try:
            path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
            engine = create_db_engine(f"sqlite:///{path}")
            upgrade(engine)
            load_demo(engine=engine, people=400, seed=11)
        finally:
            clock.freeze(None)
            load_settings.cache_clear()
    yield engine
    engine.dispose()


def table(engine: Engine, **scope: str) -> EvaluationTable:
    with Session(engine) as session:
        return evaluation_table(session=session, year="2025-26", **scope)


def rows_of(found: EvaluationTable, grouping: str) -> list[dict[str, float]]:
    return [
        {c: float(row.values[c] or 0) for c in COLUMNS}
        for row in found.rows
        if row.grouping == grouping
    ]


def test_the_year_has_something_in_every_part(city: Engine) -> None:
    everyone = table(city).rows[0].values
    for column in ("referrals_received", "rereferrals", "reablement_ended", "followups_due"):
        assert everyone[column], column
    for column in ("reablement_days", "items", "total_cost_pounds"):
        assert everyone[column], column


def test_pathway_rows_add_up_to_the_whole_and_cohort_rows_to_at_least_it(city: Engine) -> None:
    found = table(city)
    everyone = rows_of(found, "all")[0]
    pathways, cohorts = rows_of(found, "pathway"), rows_of(found, "cohort")
    for column in ADDITIVE:
        total = sum(r[column] for r in pathways)
        assert total == close_to(everyone[column], column, len(pathways) + 1), column
        assert sum(r[column] for r in cohorts) >= everyone[column] - 0.05 * len(cohorts), column
        assert all(r[column] <= everyone[column] for r in cohorts), column
    people = everyone["people_referred"]
    assert sum(r["people_referred"] for r in pathways) >= people
    assert sum(r["people_referred"] for r in cohorts) >= people
    assert max(r["people_referred"] for r in cohorts) <= people


def test_the_localities_add_up_to_the_city(city: Engine) -> None:
    with Session(city) as session:
        names = list(session.exec(select(Locality.name)))
    assert len(names) == 3
    parts = [table(city, locality=name) for name in names]
    whole = table(city)
    for index, row in enumerate(whole.rows):
        for column in (*ADDITIVE, "people_referred"):
            total = sum(float(part.rows[index].values[column] or 0) for part in parts)
            whole_value = float(row.values[column] or 0)
            assert total == close_to(whole_value, column, len(parts) + 1), (row.group, column)
