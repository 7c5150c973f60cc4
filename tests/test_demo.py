"""The demo-data generator: sizes, determinism and the domain rules the data must keep."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from intapp import clock
from intapp.codes import CaseOutcome, ReferralStatus
from intapp.config import load_settings
from intapp.demo import DemoCounts, load_demo
from intapp.models import (
    Allocation,
    Assessment,
    AuditEvent,
    CarePlan,
    CarePlanVersion,
    CarerLink,
    CaseNote,
    CaseNoteAddendum,
    GpPractice,
    Locality,
    Person,
    PersonAlert,
    ReablementEpisode,
    Referral,
    Team,
    Worker,
)
from intapp.services.errors import DomainError, InvalidInput
from intapp.services.nhs_number import is_test_number, is_valid
from intapp.store.engine import create_db_engine
from intapp.store.migrate import upgrade

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
TODAY = date(2026, 11, 23)
PEOPLE = 500
BARTHEL_MAXIMA = (2, 2, 1, 2, 2, 3, 3, 2, 2, 1)


def _migrated(path: Path) -> Engine:
    engine = create_db_engine(f"sqlite:///{path}")
    upgrade(engine)
    return engine


def _rows(engine: Engine, model: Any) -> list[dict[str, Any]]:
    table = model.__table__
    order = table.c.id if "id" in table.c else table.c.code
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(table).order_by(order))]


def _count(engine: Engine, model: Any) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model.__table__)).scalar_one()


# conftest.py freezes "now" at NOW for each test; this module-wide fixture does it itself.
@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, DemoCounts]]:
    """One 500-person demo city, loaded once for the read-only tests in this module."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("config")))
        load_settings.cache_clear()
        clock.freeze(NOW)
        try:
            engine = _migrated(tmp_path_factory.mktemp("demo") / "demo.sqlite3")
            counts = load_demo(engine=engine, people=PEOPLE, seed=7)
        finally:
            clock.freeze(None)
            load_settings.cache_clear()
    yield engine, counts
    engine.dispose()


def test_counts_match_the_rows_written(demo: tuple[Engine, DemoCounts]) -> None:
    engine, counts = demo
    assert (counts.localities, counts.teams, counts.workers, counts.people) == (3, 12, 60, PEOPLE)
    assert counts.practices == 15 + 8 * 3  # the wave-one practices, plus North and South
    assert 2.0 * PEOPLE <= counts.referrals <= 3.2 * PEOPLE
    assert 0.08 * PEOPLE <= counts.open_allocations <= 0.25 * PEOPLE
    assert counts.episodes > 0 and counts.assessments > 0 and counts.care_plans > 0
    expected = {
        Locality: counts.localities,
        Team: counts.teams,
        GpPractice: counts.practices,
        Worker: counts.workers,
        Person: counts.people,
        Referral: counts.referrals,
        Allocation: counts.allocations,
        Assessment: counts.assessments,
        CarePlan: counts.care_plans,
        ReablementEpisode: counts.episodes,
        PersonAlert: counts.alerts,
        CaseNote: counts.notes,
        CaseNoteAddendum: counts.addenda,
    }
    assert {m: _count(engine, m) for m in expected} == expected
    with engine.connect() as conn:
        open_count = conn.execute(
            select(func.count()).where(Allocation.__table__.c.ended_at.is_(None))
        ).scalar_one()
    assert open_count == counts.open_allocations


def test_one_audit_event_records_the_load(demo: tuple[Engine, DemoCounts]) -> None:
    engine, counts = demo
    [event] = _rows(engine, AuditEvent)
    assert (event["user"], event["entity"], event["action"]) == ("demo", "database", "demo_load")
    assert event["changes"]["people"] == PEOPLE
    assert event["changes"]["referrals"] == counts.referrals


def test_teams_and_wave_one_practices_come_from_the_shipped_files(
    demo: tuple[Engine, DemoCounts],
) -> None:
    engine, _ = demo
    teams = {t["code"]: t for t in _rows(engine, Team)}
    assert sorted(teams) == sorted(f"{a}{n}" for a in "NCS" for n in range(1, 5))
    assert teams["C2"]["name"] == "Gorton and Levenshulme"
    assert all(30_000 <= t["population"] <= 50_000 for t in teams.values())
    practices = {p["name"]: p for p in _rows(engine, GpPractice)}
    gorton = practices["Gorton Medical Centre"]
    assert (gorton["list_size"], gorton["high_risk_patients"]) == (8849, 132)
    assert gorton["team_id"] == teams["C2"]["id"]
    codes = set(practices[name]["code"] for name in practices)
    assert all(p["gp_practice_code"] in codes for p in _rows(engine, Person))


def test_same_seed_and_now_give_the_same_rows(tmp_path: Path) -> None:
    engines = [_migrated(tmp_path / f"{name}.sqlite3") for name in ("a", "b", "c")]
    for engine, seed in zip(engines, (3, 3, 4), strict=True):
        load_demo(engine=engine, people=150, seed=seed)
    models = (Worker, Person, Referral, Allocation, Assessment, CarePlan, CarePlanVersion)
    for model in (*models, ReablementEpisode, CaseNote, CaseNoteAddendum):
        assert _rows(engines[0], model) == _rows(engines[1], model), model.__name__
    assert _rows(engines[0], Person) != _rows(engines[2], Person)
    assert _rows(engines[0], CaseNote) != _rows(engines[2], CaseNote)
    for engine in engines:
        engine.dispose()


def test_nhs_numbers_are_valid_unique_and_reserved_for_testing(
    demo: tuple[Engine, DemoCounts],
) -> None:
    engine, _ = demo
    people = _rows(engine, Person)
    numbers = [p["nhs_number"] for p in people if p["nhs_number"] is not None]
    assert all(is_valid(n) and is_test_number(n) for n in numbers)
    assert len(set(numbers)) == len(numbers)
    without = [p for p in people if p["nhs_number"] is None]
    assert 0 < len(without) < 0.12 * len(people)
    assert all(p["local_id"] for p in without)


def test_people_are_consistent(demo: tuple[Engine, DemoCounts]) -> None:
    engine, _ = demo
    people = {p["id"]: p for p in _rows(engine, Person)}
    ages = [(TODAY - p["date_of_birth"]).days / 365.25 for p in people.values()]
    assert sum(age >= 65 for age in ages) > 0.6 * len(ages)
    tiers = Counter(p["risk_tier"] for p in people.values())
    assert set(tiers) == {"highest", "high", "rising", "low"}
    assert tiers["low"] > tiers["rising"] > tiers["high"] > tiers["highest"]
    for p in people.values():
        assert p["created_at"] <= NOW and p["created_at"] >= NOW - timedelta(days=3 * 366)
        if p["date_of_death"] is not None:
            assert p["date_of_birth"] < p["date_of_death"] <= TODAY
    assert any(p["is_carer"] for p in people.values())
    links = _rows(engine, CarerLink)
    assert links and {link["carer_id"] for link in links} == {
        p["id"] for p in people.values() if p["is_carer"]
    }
    for link in links:
        carer, cared_for = people[link["carer_id"]], people[link["cared_for_id"]]
        assert cared_for["team_id"] == carer["team_id"] and cared_for["has_unpaid_carer"]
        assert link["since"] == carer["created_at"].date() and link["ended_on"] is None


def test_people_carry_plausible_national_fields(demo: tuple[Engine, DemoCounts]) -> None:
    """Every field holds a code from its list, some are not recorded, and carers are
    carers: a client type of carer (or none, following the carer flag) and support to
    a carer as their reason."""
    from intapp.codes import PERSON_CODE_LISTS, client_type_of

    engine, _ = demo
    people = _rows(engine, Person)
    for name, codes in PERSON_CODE_LISTS.items():
        held = Counter(p[name] for p in people)
        assert set(held) - {None} <= {m.value for m in codes}, name
        assert 0 < held[None] < len(people) / 2, name
        assert len(held) >= 3, name
    ethnicity = Counter(p["ethnicity"] for p in people)
    assert ethnicity.most_common(1)[0][0] == "A"
    carers = [p for p in people if p["is_carer"]]
    assert carers
    for p in carers:
        assert client_type_of(p["client_type"], is_carer=True).value == "carer"
        assert p["primary_support_reason"] in ("support_to_carer", None)
    assert "support_to_carer" not in {
        p["primary_support_reason"] for p in people if not p["is_carer"]
    }


def test_only_allocated_referrals_have_an_open_allocation(
    demo: tuple[Engine, DemoCounts],
) -> None:
    engine, _ = demo
    referrals = {r["id"]: r for r in _rows(engine, Referral)}
    workers = {w["id"]: w for w in _rows(engine, Worker)}
    allocations = _rows(engine, Allocation)
    open_per_referral = Counter(a["referral_id"] for a in allocations if a["ended_at"] is None)
    for referral in referrals.values():
        expected = 1 if referral["status"] == ReferralStatus.ALLOCATED else 0
        assert open_per_referral[referral["id"]] == expected, referral["reference"]
    for a in allocations:
        referral = referrals[a["referral_id"]]
        assert 1 <= a["weight"] <= 10
        assert workers[a["worker_id"]]["team_id"] == referral["team_id"]
        assert a["started_at"] >= referral["triaged_at"]
        if a["ended_at"] is None:
            assert workers[a["worker_id"]]["active"]
        else:
            assert a["started_at"] <= a["ended_at"] <= (referral["closed_at"] or NOW)
            assert a["end_reason"]


def test_referrals_in_every_status_follow_the_workflow(demo: tuple[Engine, DemoCounts]) -> None:
    engine, _ = demo
    targets = load_settings().response_targets_hours
    referrals = _rows(engine, Referral)
    assert {r["status"] for r in referrals} == set(ReferralStatus)
    awaiting = [r for r in referrals if r["status"] == ReferralStatus.RECEIVED]
    assert any(r["due_by"] < NOW for r in awaiting), "some of the queue should be overdue"
    for r in referrals:
        assert r["due_by"] == r["received_at"] + timedelta(hours=targets[r["priority"]])
        assert r["received_at"] <= NOW
        if r["source"] == "hospital_discharge":
            assert r["route_of_access"] == "discharge_from_hospital"
        if r["status"] == ReferralStatus.RECEIVED:
            assert r["triaged_at"] is None and r["pathway"] is None
        if r["status"] in (ReferralStatus.TRIAGED, ReferralStatus.ALLOCATED):
            assert r["pathway"] and r["triaged_by"] and r["received_at"] <= r["triaged_at"]
        if r["status"] == ReferralStatus.CLOSED:
            assert r["close_outcome"] in set(CaseOutcome) and r["close_reason"]
            assert r["received_at"] <= r["closed_at"] <= NOW
        elif r["status"] in (ReferralStatus.SIGNPOSTED, ReferralStatus.NO_FURTHER_ACTION):
            # Closed at triage, so a referral soon after is flagged a re-referral.
            assert r["closed_at"] == r["triaged_at"] and r["closed_by"]
            assert r["close_outcome"] in ("nfa_signposting", "nfa_no_services")
        else:
            assert r["closed_at"] is None


def test_rereferrals_follow_a_closure_within_six_months(demo: tuple[Engine, DemoCounts]) -> None:
    engine, _ = demo
    last_closed: dict[int, datetime] = {}
    flagged = 0
    for r in sorted(_rows(engine, Referral), key=lambda r: (r["person_id"], r["received_at"])):
        closed = last_closed.get(r["person_id"])
        expected = closed is not None and r["received_at"] - closed <= timedelta(days=183)
        assert r["is_rereferral"] == expected, r["reference"]
        flagged += expected
        if r["closed_at"] is not None:
            last_closed[r["person_id"]] = r["closed_at"]
    assert flagged > 0


def test_reablement_episodes_keep_the_rules(demo: tuple[Engine, DemoCounts]) -> None:
    engine, _ = demo
    died = {p["id"]: p["date_of_death"] for p in _rows(engine, Person)}
    episodes = _rows(engine, ReablementEpisode)
    states = Counter(e["state"] for e in episodes)
    assert states["ended"] > 0 and states["active"] > 0
    for e in episodes:
        for scores in (e["barthel_start"], e["barthel_end"]):
            if scores is not None:
                assert all(0 <= s <= top for s, top in zip(scores, BARTHEL_MAXIMA, strict=True))
        if e["planned_end_date"] > e["start_date"] + timedelta(days=42):
            assert e["extension_reason"]
        if e["state"] == "ended":
            assert e["outcome"] and e["ended_on"] <= TODAY
            if e["outcome"] == "early_cessation_deceased":
                assert e["followup_due"] is None
            elif e["followup_due"] is None:  # recording the death cancelled it
                assert died[e["person_id"]] is not None and e["followup_result"] is None
            else:
                assert e["followup_due"] == e["ended_on"] + timedelta(days=91)
            if e["followup_result"] is not None:
                assert e["followup_due"] <= e["followup_recorded_on"] <= TODAY
        else:
            assert e["outcome"] is None and e["ended_on"] is None
            assert (e["start_date"] <= TODAY) == (e["state"] == "active")
            if e["state"] == "active":
                assert e["start_date"] >= TODAY - timedelta(days=60)


def test_assessment_eligibility_follows_the_care_act_rule(
    demo: tuple[Engine, DemoCounts],
) -> None:
    engine, _ = demo
    assessments = {a["id"]: a for a in _rows(engine, Assessment)}
    for a in assessments.values():
        unmet = sum(o["achievement"] in ("with_support", "unable") for o in a["outcomes"])
        if a["assessment_type"] == "carer":
            assert len(a["outcomes"]) == 8
            met_rule = a["carer_health_at_risk"] or unmet >= 1
        else:
            assert len(a["outcomes"]) == 10
            met_rule = unmet >= 2
        base = a["needs_arise_from_condition"] and a["significant_wellbeing_impact"]
        assert a["eligible"] == (base and met_rule)
        assert (a["signed_off_at"] is None) == (a["status"] == "draft")
        if a["supersedes_id"] is not None:
            earlier = assessments[a["supersedes_id"]]
            assert earlier["status"] == "superseded"
            assert earlier["signed_off_at"] <= a["created_at"]
    statuses = Counter(a["status"] for a in assessments.values())
    assert statuses["signed_off"] > 0 and statuses["superseded"] > 0


def test_care_plans_belong_to_the_open_case(demo: tuple[Engine, DemoCounts]) -> None:
    engine, _ = demo
    open_worker = {
        a["person_id"]: a["worker_id"] for a in _rows(engine, Allocation) if a["ended_at"] is None
    }
    versions = Counter(v["plan_id"] for v in _rows(engine, CarePlanVersion))
    plans = _rows(engine, CarePlan)
    for plan in plans:
        assert versions[plan["id"]] == plan["current_number"]
        if plan["closed_at"] is None:
            assert open_worker[plan["person_id"]] == plan["lead_worker_id"]
    assert {p["person_id"] for p in plans if p["closed_at"] is None} == set(open_worker)
    reviews = [p["review_date"] for p in plans if p["closed_at"] is None]
    assert min(reviews) < TODAY < max(reviews)


def test_key_workers_hold_plan_actions_some_overdue(demo: tuple[Engine, DemoCounts]) -> None:
    """Each plan's current actions are rows; an action for the key worker's profession
    is theirs by name, so their work trays have actions in them, some overdue; a closed
    plan holds no open action."""
    from intapp.models import PlanAction

    engine, _ = demo
    plans = {p["id"]: p for p in _rows(engine, CarePlan)}
    current = {
        v["plan_id"]: v["actions"]
        for v in _rows(engine, CarePlanVersion)
        if v["number"] == plans[v["plan_id"]]["current_number"]
    }
    rows = _rows(engine, PlanAction)
    assert len(rows) == sum(len(a) for a in current.values())
    for row in rows:
        action = current[row["plan_id"]][row["position"]]
        assert (row["worker_id"], row["status"]) == (action["worker_id"], action["status"])
        if row["worker_id"] is not None:
            assert row["worker_id"] == plans[row["plan_id"]]["lead_worker_id"]
        if plans[row["plan_id"]]["closed_at"] is not None:
            assert row["status"] != "open"
    mine = [r for r in rows if r["worker_id"] is not None and r["status"] == "open"]
    assert len({r["worker_id"] for r in mine}) >= 5
    assert any(r["by_when"] < TODAY for r in mine) and any(r["by_when"] >= TODAY for r in mine)


def test_caseloads_over_the_limit_carry_a_reason(demo: tuple[Engine, DemoCounts]) -> None:
    engine, _ = demo
    limits = {w["id"]: w["caseload_limit"] for w in _rows(engine, Worker)}
    load: Counter[int] = Counter()
    reasons: Counter[int] = Counter()
    for a in _rows(engine, Allocation):
        if a["ended_at"] is None:
            load[a["worker_id"]] += a["weight"]
            reasons[a["worker_id"]] += a["over_limit_reason"] is not None
    for worker_id, points in load.items():
        assert (points > limits[worker_id]) == (reasons[worker_id] > 0)


def test_refuses_a_database_that_already_holds_people(demo: tuple[Engine, DemoCounts]) -> None:
    engine, counts = demo
    with pytest.raises(DomainError, match="already holds people"):
        load_demo(engine=engine, people=10)
    assert _count(engine, Person) == counts.people


def test_refuses_a_silly_size(sqlite_engine: Engine) -> None:
    with pytest.raises(InvalidInput):
        load_demo(engine=sqlite_engine, people=0)


def test_progress_is_reported_per_stage(sqlite_engine: Engine) -> None:
    calls: list[tuple[str, int]] = []
    load_demo(engine=sqlite_engine, people=40, progress=lambda stage, n: calls.append((stage, n)))
    last = dict(calls)
    assert last["people"] == 40
    assert {"workers", "referrals", "allocations", "reablement episodes"} <= set(last)


def test_loads_on_each_database(engine: Engine) -> None:
    """On PostgreSQL too; and the id sequences move on, so the app can add rows after."""
    counts = load_demo(engine=engine, people=300, seed=11)
    assert _count(engine, Referral) == counts.referrals
    assert _count(engine, Allocation) == counts.allocations
    with Session(engine) as session:
        locality = Locality(name="Elsewhere")
        session.add(locality)
        session.commit()
        assert locality.id == counts.localities + 1


def test_a_small_share_of_living_people_have_alerts(demo: tuple[Engine, DemoCounts]) -> None:
    engine, counts = demo
    alerts = _rows(engine, PersonAlert)
    people = {p["id"]: p for p in _rows(engine, Person)}
    alerted = {a["person_id"] for a in alerts}
    assert 0.04 * PEOPLE <= len(alerted) <= 0.14 * PEOPLE
    assert len(alerts) == counts.alerts
    assert all(people[i]["date_of_death"] is None for i in alerted)
    kinds = {a["kind"] for a in alerts}
    assert {"lives_alone", "key_safe"} <= kinds
    labels = {k.code: k.label for k in load_settings().alert_kinds}
    assert all(a["label"] == labels[a["kind"]] and a["note"] for a in alerts)
    assert all(a["raised_at"] <= NOW and a["removed_at"] is None for a in alerts)


@pytest.mark.postgres
def test_a_loaded_postgresql_city_has_fresh_statistics(postgres_engine: Engine) -> None:
    """The planner must know the city's size at once: row-level security's per-row
    checks were planned for empty tables, and a record opened 20 times slower."""
    load_demo(engine=postgres_engine, people=60, seed=7)
    with postgres_engine.connect() as connection:
        analysed = connection.exec_driver_sql(
            "SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL"
        ).scalars()
        assert {"person", "referral", "allocation"} <= set(analysed)
