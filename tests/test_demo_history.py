"""The demo's three years of history feed every national table and trend chart: every
code list occurs, the seasons show month by month, deaths close what a death closes,
and triage slips in busy teams and winters without most referrals breaching."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest
from sqlalchemy import Engine, select

from intapp import clock
from intapp.codes import (
    CaseOutcome,
    DeathSource,
    FollowupResult,
    Pathway,
    Priority,
    ReablementOutcome,
    ReferralSource,
    RouteOfAccess,
)
from intapp.config import load_settings
from intapp.demo import DemoCounts, load_demo
from intapp.demo.arrivals import AFTER_REABLEMENT
from intapp.demo.cases import WINDOW_DAYS
from intapp.demo.seasons import SeasonalClock
from intapp.demo.timeline import DAY, start_of
from intapp.models import (
    Allocation,
    Assessment,
    CarePlan,
    CarePlanVersion,
    Person,
    ReablementEpisode,
    Referral,
)
from intapp.store.engine import create_db_engine
from intapp.store.migrate import upgrade

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
TODAY = NOW.date()
PEOPLE = 1000
WINTER = (12, 1, 2)
SUMMER = (6, 7, 8)
# How many codes of a list may be missing from a thousand people: the rarest.
RARE_CODES = {"ethnicity": 2, "accommodation_status": 3, "primary_support_reason": 1}
COHORTS = ("frail_older", "ltc_end_of_life", "complex_lives", "mh_ld_dementia", "cyp_with_ltc")


def _rows(engine: Engine, model: Any) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        table = model.__table__
        return [dict(r._mapping) for r in conn.execute(select(table).order_by(table.c.id))]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, DemoCounts]]:
    """One demo city of a thousand people, loaded once for the read-only tests here."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("config")))
        load_settings.cache_clear()
        clock.freeze(NOW)
        try:
            engine = create_db_engine(f"sqlite:///{tmp_path_factory.mktemp('demo') / 'h.sqlite3'}")
            upgrade(engine)
            counts = load_demo(engine=engine, people=PEOPLE, seed=7)
        finally:
            clock.freeze(None)
            load_settings.cache_clear()
    yield engine, counts
    engine.dispose()


def _full_months(rows: list[dict[str, Any]], key: str) -> Counter[tuple[int, int]]:
    """Rows per calendar month, for the months wholly inside the window."""
    first = (NOW - timedelta(days=WINDOW_DAYS)).date()
    per_month: Counter[tuple[int, int]] = Counter()
    for row in rows:
        at = row[key]
        if (at.year, at.month) > (first.year, first.month) and (at.year, at.month) < (
            TODAY.year,
            TODAY.month,
        ):
            per_month[(at.year, at.month)] += 1
    return per_month


def _age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def test_every_route_source_priority_and_pathway_occurs(demo: tuple[Engine, DemoCounts]) -> None:
    engine, _ = demo
    referrals = _rows(engine, Referral)
    for name, codes in (
        ("route_of_access", RouteOfAccess),
        ("source", ReferralSource),
        ("priority", Priority),
        ("pathway", Pathway),
    ):
        held = Counter(r[name] for r in referrals)
        assert set(held) - {None} == {c.value for c in codes}, name
    routes = Counter(r["route_of_access"] for r in referrals)
    # The SALT routes carry most of the work; the routes CLD added are a few percent.
    assert routes["community_other"] > routes["discharge_from_hospital"] > routes["self_funder"]
    assert routes["from_prison"] < 0.02 * len(referrals)


def test_carers_come_mostly_by_the_community_route(demo: tuple[Engine, DemoCounts]) -> None:
    engine, _ = demo
    carers = {p["id"] for p in _rows(engine, Person) if p["is_carer"]}
    routes = Counter(
        r["route_of_access"] for r in _rows(engine, Referral) if r["person_id"] in carers
    )
    assert routes.total() > 20
    assert routes["community_other"] > 0.75 * routes.total()


def test_the_routes_cld_added_come_from_the_right_people(demo: tuple[Engine, DemoCounts]) -> None:
    """A transition is a young person's first referral; leaving prison is someone with
    complex lives; a request on leaving reablement follows reablement that left needs."""
    engine, _ = demo
    people = {p["id"]: p for p in _rows(engine, Person)}
    episodes = {e["referral_id"]: e for e in _rows(engine, ReablementEpisode)}
    history: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in sorted(_rows(engine, Referral), key=lambda r: (r["person_id"], r["received_at"])):
        history[r["person_id"]].append(r)
    for person_id, referrals in history.items():
        person = people[person_id]
        for i, r in enumerate(referrals):
            route = r["route_of_access"]
            if route == "planned_entry":
                assert (
                    i == 0 and 17 <= _age_on(person["date_of_birth"], r["received_at"].date()) < 26
                )
            elif route == "from_prison":
                assert person["complex_lives"]
            elif route == "discharge_from_reablement":
                before = episodes.get(referrals[i - 1]["id"]) if i else None
                assert before is not None and before["outcome"] in AFTER_REABLEMENT


def test_every_reablement_outcome_and_followup_result_occurs(
    demo: tuple[Engine, DemoCounts],
) -> None:
    engine, _ = demo
    ended = [e for e in _rows(engine, ReablementEpisode) if e["state"] == "ended"]
    assert {e["outcome"] for e in ended} == {c.value for c in ReablementOutcome}
    results = Counter(e["followup_result"] for e in ended if e["followup_result"])
    assert set(results) == {c.value for c in FollowupResult}
    assert results.most_common(1)[0][0] == "at_home"
    # Most follow-ups now past due are recorded; a few are overdue, still to record.
    past_due = [e for e in ended if e["followup_due"] is not None and e["followup_due"] < TODAY]
    overdue = [e for e in past_due if e["followup_result"] is None]
    assert 0 < len(overdue) < 0.15 * len(past_due)
    assert any(e["followup_due"] > TODAY for e in ended)


def test_older_people_discharged_into_reablement_every_quarter(
    demo: tuple[Engine, DemoCounts],
) -> None:
    """Enough for ASCOF 2B per quarter: people aged 65+ whose referral came by discharge
    from hospital and went to reablement, some at home 91 days later and some not."""
    engine, _ = demo
    people = {p["id"]: p for p in _rows(engine, Person)}
    referrals = {r["id"]: r for r in _rows(engine, Referral)}
    per_quarter: Counter[tuple[int, int]] = Counter()
    results: Counter[str] = Counter()
    for e in _rows(engine, ReablementEpisode):
        referral = referrals[e["referral_id"]]
        born = people[e["person_id"]]["date_of_birth"]
        if referral["route_of_access"] != "discharge_from_hospital":
            continue
        assert referral["pathway"] in ("reablement_standard", "reablement_complex")
        if _age_on(born, referral["received_at"].date()) >= 65:
            per_quarter[(e["start_date"].year, (e["start_date"].month - 1) // 3)] += 1
            results[e["followup_result"]] += 1
    quarters = sorted(per_quarter)[1:-1]  # the window's first and last are part quarters
    assert len(quarters) >= 10
    assert all(per_quarter[q] >= 5 for q in quarters), per_quarter
    assert results["at_home"] > 0 and results["at_home"] < sum(results.values())


def test_winter_brings_more_referrals_than_summer(demo: tuple[Engine, DemoCounts]) -> None:
    """Every year, more referrals arrive in the winter months than in the summer ones;
    hospital discharges and falls swing further than the rest."""
    engine, _ = demo
    referrals = _rows(engine, Referral)
    per_month = _full_months(referrals, "received_at")
    by_year: dict[int, dict[str, list[int]]] = defaultdict(lambda: {"winter": [], "summer": []})
    for (year, month), n in per_month.items():
        if month in WINTER:
            by_year[year + (month == 12)]["winter"].append(n)
        elif month in SUMMER:
            by_year[year]["summer"].append(n)
    compared = 0
    for seasons in by_year.values():
        if len(seasons["winter"]) == 3 and len(seasons["summer"]) == 3:
            assert sum(seasons["winter"]) > 1.1 * sum(seasons["summer"]), seasons
            compared += 1
    assert compared >= 2

    def swing(rows: list[dict[str, Any]]) -> float:
        months = _full_months(rows, "received_at")
        winter = sum(n for (_, m), n in months.items() if m in WINTER)
        summer = sum(n for (_, m), n in months.items() if m in SUMMER)
        return winter / summer

    pressed = [
        r for r in referrals if r["priority"] in ("discharge_or_falls", "medically_optimised")
    ]
    others = [r for r in referrals if r not in pressed]
    assert swing(pressed) > swing(others) > 1.1


def test_referrals_hold_steady_across_the_years(demo: tuple[Engine, DemoCounts]) -> None:
    """A trend chart shows seasons, not the demo filling up: each year's referrals are
    within a fifth of the others'."""
    engine, _ = demo
    per_month = _full_months(_rows(engine, Referral), "received_at")
    years = [
        sum(
            n
            for (y, m), n in per_month.items()
            if (y, m) >= (start, 12) and (y, m) < (start + 1, 12)
        )
        for start in (2023, 2024, 2025)
    ]
    assert max(years) < 1.2 * min(years), years


def test_triage_mostly_in_time_but_busy_teams_and_winters_slip(
    demo: tuple[Engine, DemoCounts],
) -> None:
    engine, _ = demo
    triaged = [r for r in _rows(engine, Referral) if r["triaged_at"] is not None]
    late = [r for r in triaged if r["triaged_at"] > r["due_by"]]
    assert 0.03 * len(triaged) < len(late) < 0.2 * len(triaged)
    assert {r["priority"] for r in late} == {p.value for p in Priority}

    def late_share(rows: list[dict[str, Any]]) -> float:
        return sum(r["triaged_at"] > r["due_by"] for r in rows) / len(rows)

    winter = [r for r in triaged if r["received_at"].month in WINTER]
    summer = [r for r in triaged if r["received_at"].month in SUMMER]
    assert late_share(winter) > 1.5 * late_share(summer)
    # Load differs between teams and over time, so the same team has good and bad weeks.
    team_weeks: dict[tuple[int, int], list[dict[str, Any]]] = defaultdict(list)
    for r in triaged:
        team_weeks[(r["team_id"], r["received_at"].toordinal() // 28)].append(r)
    shares = [late_share(rows) for rows in team_weeks.values() if len(rows) >= 8]
    assert min(shares) < 0.05 and max(shares) > 0.25


def test_every_case_outcome_and_rereferrals_occur(demo: tuple[Engine, DemoCounts]) -> None:
    engine, _ = demo
    referrals = _rows(engine, Referral)
    assert {r["close_outcome"] for r in referrals} - {None} == {c.value for c in CaseOutcome}
    assert 0.1 * len(referrals) < sum(r["is_rereferral"] for r in referrals) < 0.6 * len(referrals)


def test_a_death_closes_everything_as_the_death_service_does(
    demo: tuple[Engine, DemoCounts],
) -> None:
    """Open referrals closed as deceased on the day, no case, allocation, plan or
    running reablement left open, nothing new after, and a source recorded."""
    engine, _ = demo
    people = {p["id"]: p for p in _rows(engine, Person)}
    dead = {i: p["date_of_death"] for i, p in people.items() if p["date_of_death"] is not None}
    old = [p for p in people.values() if _age_on(p["date_of_birth"], TODAY) >= 80]
    assert 0.05 * len(old) < sum(p["id"] in dead for p in old) < 0.4 * len(old)
    assert {people[i]["death_source"] for i in dead} == {s.value for s in DeathSource}
    assert all(p["death_source"] is None for i, p in people.items() if i not in dead)
    deceased = 0
    for r in _rows(engine, Referral):
        died = dead.get(r["person_id"])
        if died is None:
            assert r["close_outcome"] != "nfa_deceased"
            continue
        assert r["received_at"].date() <= died
        assert r["closed_at"] is not None, r["reference"]
        if r["close_outcome"] == "nfa_deceased":
            assert r["closed_at"].date() == died
            deceased += 1
    assert deceased > 0
    assert not any(
        a["person_id"] in dead for a in _rows(engine, Allocation) if a["ended_at"] is None
    )
    assert not any(
        p["person_id"] in dead for p in _rows(engine, CarePlan) if p["closed_at"] is None
    )
    for e in _rows(engine, ReablementEpisode):
        died = dead.get(e["person_id"])
        if died is not None:
            assert e["state"] == "ended"
            if e["outcome"] == "early_cessation_deceased":
                assert e["ended_on"] == died and e["followup_due"] is None
            if e["followup_result"] == "died":
                assert died <= e["followup_due"] <= e["followup_recorded_on"]
            if e["followup_due"] is not None and e["followup_result"] is None:
                raise AssertionError("a death recorded cancels the follow-ups still to do")


def test_every_cohort_and_client_type_occurs(demo: tuple[Engine, DemoCounts]) -> None:
    engine, _ = demo
    people = _rows(engine, Person)
    for cohort in COHORTS:
        assert 0 < sum(p[cohort] for p in people) < len(people) / 2, cohort
    assert {p["client_type"] for p in people} == {"service_user", "carer", "unknown", None}


def test_assessments_of_each_kind_are_signed_off(demo: tuple[Engine, DemoCounts]) -> None:
    """Carers' assessments, integrated assessments eligible and not, and reviews."""
    engine, _ = demo
    carers = {p["id"] for p in _rows(engine, Person) if p["is_carer"]}
    signed = [a for a in _rows(engine, Assessment) if a["signed_off_at"] is not None]
    kinds = Counter((a["assessment_type"], a["eligible"]) for a in signed)
    for kind in ("integrated", "carer", "review"):
        assert kinds[(kind, True)] > 0 and kinds[(kind, False)] > 0, kind
    assert {a["person_id"] for a in signed if a["assessment_type"] == "carer"} <= carers


def test_plan_reviews_are_held_on_their_dates_with_a_review_assessment(
    demo: tuple[Engine, DemoCounts],
) -> None:
    """A plan's new version comes at the earlier version's review date (a few days
    either side), and a case with a signed-off assessment has its review signed off then."""
    engine, _ = demo
    plans = {p["id"]: p for p in _rows(engine, CarePlan)}
    versions: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for v in _rows(engine, CarePlanVersion):
        versions[v["plan_id"]].append(v)
    reviewed_at = {
        (a["person_id"], a["signed_off_at"])
        for a in _rows(engine, Assessment)
        if a["assessment_type"] in ("review", "carer") and a["supersedes_id"] is not None
    }
    reviews = matched = 0
    for plan_id, held in versions.items():
        assert [v["number"] for v in held] == list(range(1, len(held) + 1))
        assert held[-1]["review_date"] == plans[plan_id]["review_date"]
        for earlier, later in pairwise(held):
            written = later["created_at"].date()
            assert -2 <= (written - earlier["review_date"]).days <= 10
            reviews += 1
            matched += (plans[plan_id]["person_id"], later["created_at"]) in reviewed_at
    assert reviews > 20 and matched > 0.5 * reviews


def test_plans_hold_micro_commissioned_items(demo: tuple[Engine, DemoCounts]) -> None:
    engine, _ = demo
    items = [i for v in _rows(engine, CarePlanVersion) for i in v["items"]]
    assert {i["kind"] for i in items} == {"equipment", "adaptation", "small_package"}
    assert all(i["description"] and i["cost_pounds"] > 0 for i in items)


def test_the_seasonal_clock_runs_faster_in_winter() -> None:
    origin = start_of(date(2024, 1, 1))
    season = SeasonalClock(origin, 800)
    january, july = start_of(date(2025, 1, 15)), start_of(date(2025, 7, 15))
    assert season.rate(january) > 1.1 > 0.9 > season.rate(july)
    # A fortnight of seasonal time passes sooner in January than in July.
    assert (
        season.after(january, 14 * DAY) - january < 14 * DAY < season.after(july, 14 * DAY) - july
    )
    # A year of seasonal time is a calendar year, and beyond the clock's end time is even.
    assert abs(season.after(january, 365.25 * DAY) - (january + 365.25 * DAY)) < DAY
    end = origin + 800 * DAY
    assert season.after(end, 5 * DAY) == end + 5 * DAY
    for ts in (origin, january, july, origin + 799 * DAY + 7):
        assert abs(season.calendar(season.seasonal(ts)) - ts) <= 1
    assert season.month(january) == 1 and season.month(july) == 7


@pytest.mark.postgres
def test_postgresql_holds_the_same_demo_as_sqlite(
    sqlite_engine: Engine, postgres_engine: Engine
) -> None:
    """The same seed writes the same rows on both databases (PostgreSQL takes them by
    COPY), JSON and times included."""
    for engine in (sqlite_engine, postgres_engine):
        load_demo(engine=engine, people=120, seed=5)
    for model in (Person, Referral, Assessment, CarePlanVersion, ReablementEpisode):
        assert _rows(postgres_engine, model) == _rows(sqlite_engine, model), model.__name__


def test_the_national_person_fields_spread_over_their_code_lists(
    demo: tuple[Engine, DemoCounts],
) -> None:
    """Every code of each list but a few of the rarest ethnic categories and homes, with
    some recorded as unknown and some not recorded at all."""
    from intapp.codes import PERSON_CODE_LISTS

    engine, _ = demo
    people = _rows(engine, Person)
    for name, codes in PERSON_CODE_LISTS.items():
        held = Counter(p[name] for p in people)
        missing = {c.value for c in codes} - set(held)
        assert len(missing) <= RARE_CODES.get(name, 0), (name, missing)
        assert held["unknown"] > 0 and held[None] > 0, name
        assert held["unknown"] < 0.1 * len(people), name
