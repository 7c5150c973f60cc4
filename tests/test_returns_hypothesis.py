"""For any history, the returns counted from the CLD extract's events equal the returns
computed straight from the tables (`returns_direct`): the issue's "the two never
disagree", over generated people, referrals, pathways, episodes, outcomes, assessments,
plan items, follow-ups (and the support that followed reablement), deaths, merged records
and dates across the year's and the clocks' edges."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from factories import add_team, add_worker, fake_nhs_number
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine
from sqlmodel import Session

from intapp.codes import CaseOutcome, FollowupResult, Pathway, ReablementOutcome, RouteOfAccess
from intapp.models import Assessment, CarePlan, CarePlanVersion, Person, ReablementEpisode, Referral
from intapp.services.national.cld import cld_events
from intapp.services.national.period import financial_year
from intapp.services.national.returns import history_period, returns_from_events
from intapp.services.national.returns_direct import returns_direct

AS_OF = date(2026, 11, 23)
YEARS = (financial_year(2025), financial_year(2026))
# Days where the rules have edges: the years' ends, ASCOF 2B's window, the clocks.
EDGES = [
    date(2024, 9, 30),
    date(2024, 10, 1),
    date(2025, 3, 30),
    date(2025, 3, 31),
    date(2025, 4, 1),
    date(2025, 9, 30),
    date(2025, 10, 1),
    date(2025, 10, 26),
    date(2025, 12, 31),
    date(2026, 1, 1),
    date(2026, 3, 31),
    date(2026, 4, 1),
]
days = st.one_of(
    st.sampled_from(EDGES),
    st.dates(min_value=date(2024, 9, 1), max_value=date(2026, 11, 20)),
)
gaps = st.sampled_from([0, 1, 2, 3, 4, 5, 20, 28, 29, 60])
times = st.sampled_from([time(0, 30), time(9, 0), time(22, 59), time(23, 30)])


def at(day: date, moment: time) -> datetime:
    return datetime.combine(day, moment, tzinfo=UTC)


people = st.fixed_dictionaries(
    {
        "born": st.sampled_from(
            [date(1940, 1, 1), date(1960, 10, 1), date(1961, 6, 15), date(1990, 5, 5)]
        ),
        "died": st.one_of(st.none(), days),
        "carer": st.booleans(),
        "other_team": st.booleans(),
        "merged": st.booleans(),
    }
)
referrals = st.fixed_dictionaries(
    {
        "person": st.integers(0, 5),
        "other_team": st.booleans(),
        "received": days,
        "wait": st.sampled_from([0, 1, 3, 10]),
        "time": times,
        "pathway": st.sampled_from(list(Pathway)),
        "route": st.sampled_from(list(RouteOfAccess)),
        "closed": st.one_of(st.none(), st.sampled_from(list(CaseOutcome))),
        "episode": st.one_of(
            st.none(),
            st.fixed_dictionaries(
                {
                    "after": gaps,
                    "length": st.sampled_from([0, 10, 42, 120, 400]),
                    "state": st.sampled_from(["active", "ended", "ended", "cancelled"]),
                    "outcome": st.sampled_from(list(ReablementOutcome)),
                    # The 91-day follow-up: what it found, and how many days late.
                    "followup": st.one_of(
                        st.none(),
                        st.tuples(st.sampled_from(list(FollowupResult)), st.sampled_from([0, 9])),
                    ),
                }
            ),
        ),
        "assessment": st.one_of(
            st.none(),
            st.fixed_dictionaries(
                {
                    "after": gaps,
                    "length": st.sampled_from([0, 2, 15]),
                    "kind": st.sampled_from(["integrated", "carer", "review"]),
                    "status": st.sampled_from(["signed_off", "superseded", "draft"]),
                    "eligible": st.booleans(),
                }
            ),
        ),
        "items": st.lists(
            st.tuples(gaps, st.sampled_from(["equipment", "adaptation", "small_package", "other"])),
            max_size=2,
        ),
    }
)
histories = st.tuples(st.lists(people, min_size=1, max_size=6), st.lists(referrals, max_size=12))


def build(session: Session, drawn: tuple[list[dict], list[dict]]) -> tuple[int, int]:
    team = add_team(session, "HYP1", "Central", "Generated")
    other = add_team(session, "HYP2", "North", "Generated too")
    worker = add_worker(session, team.id, "HW1")
    person_specs, referral_specs = drawn
    ids: list[int] = []
    for n, spec in enumerate(person_specs):
        person = Person(
            team_id=other.id if spec["other_team"] else team.id,
            nhs_number=fake_nhs_number(500 + n),
            given_name="Gen",
            family_name=f"Person{n}",
            date_of_birth=spec["born"],
            date_of_death=spec["died"],
            is_carer=spec["carer"],
            created_at=at(date(2024, 1, 1), time(9)),
        )
        session.add(person)
        session.flush()
        assert person.id is not None
        if spec["merged"] and ids:
            person.merged_into_id = ids[0]
        ids.append(person.id)
    plans: dict[int, int] = {}
    versions: dict[int, int] = {}
    for n, spec in enumerate(referral_specs):
        person_id = ids[spec["person"] % len(ids)]
        received = at(spec["received"], spec["time"])
        triaged = received + timedelta(days=spec["wait"], minutes=30)
        referral = Referral(
            reference=f"H-{n:03d}",
            person_id=person_id,
            team_id=other.id if spec["other_team"] else team.id,
            received_at=received,
            source="gp",
            reason="Generated",
            due_by=received,
            status="triaged",
            pathway=spec["pathway"].value,
            triaged_at=triaged,
            triaged_by="duty.worker",
            route_of_access=spec["route"].value,
            close_outcome=spec["closed"].value if spec["closed"] else None,
        )
        session.add(referral)
        session.flush()
        triage_day = triaged.date()
        if (episode := spec["episode"]) is not None:
            start = triage_day + timedelta(episode["after"])
            end = start + timedelta(episode["length"]) if episode["state"] == "ended" else None
            due = end + timedelta(91) if end and episode["followup"] else None
            result, late = episode["followup"] or (None, 0)
            session.add(
                ReablementEpisode(
                    person_id=person_id,
                    referral_id=referral.id,
                    state=episode["state"],
                    start_date=start,
                    planned_end_date=start + timedelta(42),
                    ended_on=end,
                    outcome=episode["outcome"].value if end else None,
                    followup_due=due,
                    followup_result=result.value if due and result else None,
                    followup_recorded_on=due + timedelta(late) if due and result else None,
                )
            )
        if (assessment := spec["assessment"]) is not None:
            created = triaged + timedelta(days=assessment["after"])
            signed = assessment["status"] != "draft"
            session.add(
                Assessment(
                    person_id=person_id,
                    referral_id=referral.id if assessment["after"] % 2 == 0 else None,
                    assessment_type=assessment["kind"],
                    status=assessment["status"],
                    created_by="key.worker",
                    created_at=created,
                    signed_off_at=created + timedelta(days=assessment["length"])
                    if signed
                    else None,
                    eligible=assessment["eligible"],
                )
            )
        for after, kind in spec["items"]:
            if person_id not in plans:
                plan = CarePlan(
                    person_id=person_id,
                    lead_worker_id=worker,
                    review_date=triage_day,
                    created_at=triaged,
                )
                session.add(plan)
                session.flush()
                assert plan.id is not None
                plans[person_id] = plan.id
            versions[person_id] = number = versions.get(person_id, 0) + 1
            session.add(
                CarePlanVersion(
                    plan_id=plans[person_id],
                    number=number,
                    lead_worker_id=worker,
                    review_date=triage_day,
                    items=[{"kind": kind, "description": f"Item {n}", "cost_pounds": 10}],
                    created_by="key.worker",
                    created_at=triaged + timedelta(days=after),
                )
            )
    session.flush()
    return team.id, other.id


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(drawn=histories)
def test_the_returns_from_cld_events_equal_the_returns_from_the_tables(
    sqlite_engine: Engine, drawn: tuple[list[dict], list[dict]]
) -> None:
    with Session(sqlite_engine) as session:
        team, other = build(session, drawn)
        for year in YEARS:
            for team_ids in (None, [team], [other]):
                events = cld_events(session, history_period(year), team_ids)
                from_events = returns_from_events(events, year=year, as_of=AS_OF)
                direct = returns_direct(session=session, year=year, team_ids=team_ids, as_of=AS_OF)
                assert from_events == direct
        session.rollback()
