"""A hand-built history for the evaluation table, financial year 2025-26 (1 April 2025 to
31 March 2026, UK time; British Summer Time at both ends).

Referrals go through the referral service, so the re-referral rule marks them as it
does in use; episodes and care plans are written as rows with the dates they carry.
Every figure the table should give is worked out by hand in `test_evaluation.py`.

People (team CEN1 in Central unless said):
- A: frail older AND MH/LD/dementia (two cohorts).
- B: LTC / end of life; reablement ended in residential care in February 2025, died
  1 January 2026.
- C: no cohort; a case closed 1 December 2024, re-referred 15 April 2025.
- E: no cohort; a case closed 1 January 2025, referred again on 31 March 2026 (15 months
  later: not a re-referral), and once more just after the year ended.
- D: frail older, team NOR1 in North: counts for the city, not for CEN1.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from factories import add_team, add_worker, person_in, receive
from sqlmodel import Session

from intapp.models import CarePlan, CarePlanVersion, Person, ReablementEpisode, Referral


def utc(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@dataclass
class History:
    team: int
    north: int
    people: dict[str, int]
    referrals: dict[str, int]


def _close(session: Session, referral_id: int, at: datetime) -> None:
    row = session.get(Referral, referral_id)
    assert row is not None
    row.status, row.closed_at, row.close_outcome = "closed", at, "goals_met"
    session.flush()


def _pathway(session: Session, referral_id: int, pathway: str) -> None:
    row = session.get(Referral, referral_id)
    assert row is not None
    row.status, row.pathway, row.triaged_at = "triaged", pathway, row.received_at
    session.flush()


def _episode(session: Session, person: int, **values: Any) -> None:
    values.setdefault("planned_end_date", values["start_date"])
    session.add(ReablementEpisode(person_id=person, **values))
    session.flush()


def _plan(
    session: Session,
    person: int,
    worker: int,
    versions: list[tuple[datetime, list[float]]],
    closed_at: datetime | None = None,
) -> None:
    plan = CarePlan(
        person_id=person,
        lead_worker_id=worker,
        review_date=date(2026, 6, 1),
        current_number=len(versions),
        created_at=versions[0][0],
        closed_at=closed_at,
    )
    session.add(plan)
    session.flush()
    assert plan.id is not None
    for number, (saved_at, costs) in enumerate(versions, start=1):
        items = [
            {"kind": "equipment", "description": f"item {n}", "cost_pounds": cost}
            for n, cost in enumerate(costs)
        ]
        session.add(
            CarePlanVersion(
                plan_id=plan.id,
                number=number,
                lead_worker_id=worker,
                review_date=date(2026, 6, 1),
                items=items,
                created_by="test",
                created_at=saved_at,
            )
        )
    session.flush()


def build_history(session: Session) -> History:
    team = add_team(session, "CEN1", "Central").id
    north = add_team(session, "NOR1", "North").id
    officer = add_worker(session, team, "RO1", profession="reablement_officer")
    north_officer = add_worker(session, north, "RO9", profession="reablement_officer")

    people: dict[str, int] = {}
    refs: dict[str, int] = {}

    def referral(key: str, who: str, at: datetime, **person: Any) -> int:
        if who in people:
            summary = receive(session, people[who], received_at=at)
        else:
            n = len(people)
            team_id = north if who == "D" else team
            summary = receive(session, person_in(team_id, n, **person), received_at=at)
            people[who] = summary.person_id
        refs[key] = summary.id
        return summary.id

    # Before the year.
    referral("b0", "B", utc(2024, 12, 1), ltc_end_of_life=True)
    referral("c0", "C", utc(2024, 9, 1))
    _close(session, refs["c0"], utc(2024, 12, 1, 12))
    referral("e0", "E", utc(2024, 11, 1))
    _close(session, refs["e0"], utc(2025, 1, 1, 12))
    # 23:30 on 31 March 2025, UK time: the day before the year.
    referral("a_before", "A", utc(2025, 3, 31, 22, 30), frail_older=True, mh_ld_dementia=True)

    # In the year.
    _pathway(session, referral("a1", "A", utc(2025, 3, 31, 23, 30)), "reablement_standard")
    _pathway(session, referral("a2", "A", utc(2025, 10, 10)), "case_management")
    _pathway(session, referral("c1", "C", utc(2025, 4, 15)), "reablement_complex")
    referral("e1", "E", utc(2026, 3, 31, 22, 59))  # 23:59 UK time on the last day, untriaged
    _pathway(session, referral("d1", "D", utc(2025, 6, 1), frail_older=True), "reablement_standard")
    # 00:30 on 1 April 2026, UK time: the day after the year.
    referral("e_after", "E", utc(2026, 3, 31, 23, 30))

    a, b, c, d = people["A"], people["B"], people["C"], people["D"]
    ended = "ended"
    # A: began before the year, ended in it with no ongoing support, at home at 91 days.
    _episode(
        session, a, referral_id=refs["a1"], worker_id=officer, state=ended,
        start_date=date(2025, 3, 20), ended_on=date(2025, 4, 30),
        outcome="no_ongoing_support", followup_due=date(2025, 7, 30), followup_result="at_home",
    )  # fmt: skip
    # A: ended on the year's last day, into residential care; follow-up due after the year.
    _episode(
        session, a, referral_id=refs["a2"], worker_id=officer, state=ended,
        start_date=date(2025, 10, 15), ended_on=date(2026, 3, 31),
        outcome="long_term_support_residential", followup_due=date(2026, 6, 30),
    )  # fmt: skip
    # B: ended before the year, into residential care; its follow-up fell due in the year.
    _episode(
        session, b, worker_id=officer, state=ended,
        start_date=date(2025, 1, 1), ended_on=date(2025, 2, 28),
        outcome="long_term_support_residential", followup_due=date(2025, 5, 29),
        followup_result="residential_or_nursing",
    )  # fmt: skip
    # C: running since 1 March 2026; and one cancelled, which never ran.
    _episode(
        session, c, referral_id=refs["c1"], worker_id=officer, state="active",
        start_date=date(2026, 3, 1),
    )  # fmt: skip
    _episode(session, c, worker_id=officer, state="cancelled", start_date=date(2025, 5, 1))
    # D (North): ended the day before the year (follow-up due in it, at home) ...
    _episode(
        session, d, worker_id=north_officer, state=ended,
        start_date=date(2025, 3, 1), ended_on=date(2025, 3, 31),
        outcome="no_ongoing_support", followup_due=date(2025, 6, 30), followup_result="at_home",
    )  # fmt: skip
    # ... and one stopped by a hospital stay, its follow-up due and not yet recorded.
    _episode(
        session, d, referral_id=refs["d1"], worker_id=north_officer, state=ended,
        start_date=date(2025, 6, 1), ended_on=date(2025, 7, 1),
        outcome="early_cessation_hospital", followup_due=date(2025, 9, 30),
    )  # fmt: skip

    # Care plans: A's version current at the year's end has two items; C's one; B's plan
    # closed before the year.
    _plan(
        session, a, officer,
        [(utc(2025, 3, 1), [100.0]), (utc(2026, 2, 1), [100.0, 250.5]),
         (utc(2026, 5, 1), [100.0, 250.5, 999.0])],
    )  # fmt: skip
    _plan(session, c, officer, [(utc(2026, 3, 1), [40.0])])
    _plan(session, b, officer, [(utc(2024, 12, 5), [500.0])], closed_at=utc(2025, 2, 1))

    died = session.get(Person, b)
    assert died is not None
    died.date_of_death = date(2026, 1, 1)
    session.flush()
    return History(team=team, north=north, people=people, referrals=refs)
