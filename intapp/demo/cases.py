"""A person's referral history, simulated forward in time from their first referral.

Each referral is received, waits for triage, goes down a pathway and, if it needs a
key worker, is allocated and runs for a while. Whatever has not finished by "now" is
still open: that is how the queue, the open caseloads and the active reablement
episodes come about, with the same shape as the history behind them.
Times are whole seconds since the epoch (UTC) until they are written into a row.
"""

from __future__ import annotations

import random
from datetime import date, datetime
from itertools import accumulate
from typing import Any

from intapp.config import Settings
from intapp.demo import vocabulary as words
from intapp.demo.arrivals import Arrivals, ReferralKind
from intapp.demo.chance import between, pick, pick_weighted
from intapp.demo.organisation import Organisation, TeamInfo
from intapp.demo.pace import WEEK, TeamPace
from intapp.demo.plans import PlanMaker
from intapp.demo.records import Batch, Case, RecordMaker
from intapp.demo.seasons import SeasonalClock
from intapp.demo.timeline import DAY, HOUR, at, day_of
from intapp.services.referrals import closed_recently, response_due_by, triage_outcome

WINDOW_DAYS = 3 * 365 + 1
# Chance someone not otherwise dying in the window dies during a reablement episode.
DEATH_IN_REABLEMENT = 0.015
SIGNPOSTING = {
    "early_help": "signposted",
    "community_links": "signposted",
    "information_advice": "signposted",
    "no_further_action": "no_further_action",
}
REABLEMENT = ("reablement_standard", "reablement_complex")
CLOSE_OUTCOME_CUM_WEIGHTS = list(accumulate(words.CLOSE_OUTCOME_WEIGHTS))


class CaseMaker:
    """Makes every case record for one person at a time, with ids in insert order."""

    def __init__(
        self,
        rng: random.Random,
        org: Organisation,
        *,
        now: datetime,
        today: date,
        settings: Settings,
        people: int,
    ) -> None:
        self.rng = rng
        self.org = org
        self.now = int(now.timestamp())
        self.today = today
        self.start = self.now - WINDOW_DAYS * DAY
        self.settings = settings
        self.records = RecordMaker(rng, org, now=self.now, today=today, settings=settings)
        self.plans = PlanMaker(rng, org, self.records, now=self.now, today=today)
        # Keep the number of running reablement episodes near what a city can staff
        # (the seeds plan up to 100 at a time per locality) whatever the demo's size.
        running = min(270, max(12, round(people * 0.012)))
        referrals_per_day = people * 2.5 / WINDOW_DAYS
        share = min(0.2, max(0.01, running / (34 * referrals_per_day)))
        self.season = SeasonalClock(self.start, WINDOW_DAYS + 2)
        self.arrivals = Arrivals(
            rng, self.season, start=self.start, now=self.now, reablement_share=share
        )
        self.pace = TeamPace(
            rng,
            self.season,
            team_ids=[t.id for t in org.team_info],
            weeks=WINDOW_DAYS * DAY // WEEK + 2,
        )
        self.next_referral = 1
        self.died_during: int | None = None  # set when a person dies during reablement
        self.next_allocation = 1
        self.open_allocations: list[dict[str, Any]] = []
        self.limits = {w["id"]: w["caseload_limit"] for w in org.workers}
        self.open_cases: dict[int, int] = dict.fromkeys(self.limits, 0)

    def person_history(self, person: dict[str, Any], batch: Batch) -> None:
        """Every referral for `person` and what followed; fills in `created_at` and death."""
        rng = self.rng
        age = (self.today - person["date_of_birth"]).days / 365.25
        arrivals = self.arrivals
        first = arrivals.first_referral()
        death = arrivals.death(person, age, first)
        dies = death is not None
        horizon = self.now if death is None else death
        received, last_closed, case, outcome = first, None, None, None
        self.died_during = None
        while True:
            kind = arrivals.kind(person, age, received, outcome, first=received == first)
            end, new_case, outcome = self._referral(
                person, kind, received, last_closed, horizon, dies, batch
            )
            case = new_case or case
            if self.died_during is not None:
                death = self.died_during
                break
            if end is None or end >= horizon:
                break
            if batch.referrals[-1]["closed_at"] is not None:
                last_closed = end
            received = arrivals.next_referral(end, outcome)
            if received >= horizon:
                break
        person["created_at"] = at(first - between(rng.random, 0, 600))
        if death is not None:
            person["date_of_death"] = day_of(death)
            person["death_source"] = arrivals.death_source()
        if case is not None:
            self.plans.care_plan(case, batch)

    def _referral(
        self,
        person: dict[str, Any],
        kind: ReferralKind,
        received: int,
        last_closed: int | None,
        horizon: int,
        dies: bool,
        batch: Batch,
    ) -> tuple[int | None, Case | None, str | None]:
        """One referral and its consequences: (when it ended or None if open, the case,
        the reablement outcome if it ended in one)."""
        rng = self.rng
        team = self.org.team_info[person["team_id"] - 1]
        referral_id = self.next_referral
        self.next_referral += 1
        received_at = at(received)
        row: dict[str, Any] = {
            "id": referral_id,
            "reference": f"R{referral_id:09d}",
            "person_id": person["id"],
            "team_id": team.id,
            "received_at": received_at,
            "source": kind.source,
            "route_of_access": kind.route,
            "reason": pick(rng.random, kind.reasons),
            "priority": kind.priority,
            "due_by": response_due_by(
                priority=kind.priority, received_at=received_at, settings=self.settings
            ),
            "status": "received",
            "pathway": None,
            "triaged_by": None,
            "triaged_at": None,
            "triage_note": None,
            "is_rereferral": closed_recently(
                None if last_closed is None else at(last_closed), received_at, self.settings
            ),
            "closed_at": None,
            "close_outcome": None,
            "close_reason": None,
            "closed_by": None,
            "version": 1,
        }
        batch.referrals.append(row)

        pressure = self.pace.pressure(team.id, received)
        triaged = received + self.pace.triage_delay(kind.priority, pressure)
        if triaged >= horizon:
            return self._died(row, horizon) if dies else None, None, None
        pathway = self._pathway(kind)
        row["status"] = "triaged"
        row["pathway"] = pathway
        row["triaged_by"] = team.duty_user
        row["triaged_at"] = at(triaged)
        row["triage_note"] = pick(rng.random, words.TRIAGE_NOTES[pathway])
        if pathway in SIGNPOSTING:
            # Closed at triage, so a referral soon after is flagged as a re-referral.
            row["status"] = SIGNPOSTING[pathway]
            row["closed_at"] = row["triaged_at"]
            row["close_outcome"] = triage_outcome(pathway)
            row["close_reason"] = row["triage_note"]
            row["closed_by"] = team.duty_user
            return triaged, None, None
        if rng.random() < 0.04:  # closed before anyone was allocated
            closed = triaged + between(rng.random, HOUR, 10 * DAY)
            if closed >= horizon:
                return self._died(row, horizon) if dies else None, None, None
            self._close(row, closed, rng.choice(words.CLOSED_BEFORE_ALLOCATION))
            return closed, None, None
        allocated = triaged + self.pace.allocation_delay(kind.priority, pressure)
        if allocated >= horizon:
            return self._died(row, horizon) if dies else None, None, None

        natural_end = allocated + self._duration(pathway)
        if (
            pathway in REABLEMENT
            and not dies
            and natural_end < horizon
            and rng.random() < DEATH_IN_REABLEMENT
        ):
            # Some die during reablement, most often soon after leaving hospital.
            dies = True
            horizon = allocated + int((natural_end - allocated) * rng.uniform(0.1, 0.9))
            self.died_during = horizon
        died = dies and natural_end >= horizon
        end = horizon if died else None if natural_end >= horizon else natural_end
        if end is None:
            row["status"] = "allocated"
        worker = self._key_worker(team.id, pathway, still_open=end is None)
        self._allocations(row, team, worker, allocated, end, batch)
        outcome: str | None = None
        assessment = None
        if pathway in REABLEMENT:
            outcome = self.records.episode(
                row, worker, pathway, allocated, end, died, horizon if dies else None, batch
            )
        elif pathway == "case_management" and rng.random() < 0.85:
            assessment = self.records.assessments(row, person, worker, allocated, end, batch)
        if died:
            self._died(row, horizon)
        elif end is not None:
            closing = words.REABLEMENT_CASE_OUTCOME[outcome] if outcome else self._close_outcome()
            self._close(row, end, closing)
        case = Case(person, referral_id, worker, allocated, end, assessment)
        return end, case, outcome

    def _key_worker(self, team_id: int, pathway: str, *, still_open: bool) -> int:
        """A worker for the case; coordinators give open cases to whoever has most room."""
        pool = self.org.pool(team_id, pathway)
        if not still_open:
            return pool.pick(self.rng)
        open_cases, limits = self.open_cases, self.limits
        worker = min(
            (pool.pick(self.rng) for _ in range(3)), key=lambda w: open_cases[w] / limits[w]
        )
        open_cases[worker] += 1
        return worker

    def _pathway(self, kind: ReferralKind) -> str:
        rng = self.rng
        if rng.random() < kind.reablement_chance:
            return "reablement_complex" if rng.random() < 0.2 else "reablement_standard"
        return pick_weighted(rng.random, words.NON_REABLEMENT_PATHWAYS, kind.pathway_cum_weights)

    def _duration(self, pathway: str) -> int:
        """Seconds from allocation to closure, by pathway."""
        rng = self.rng
        if pathway == "case_management":
            days = min(720.0, 20 + rng.expovariate(1 / 90))
        elif pathway == "reablement_standard":
            days = rng.uniform(10, 42) if rng.random() < 0.88 else rng.uniform(43, 56)
        elif pathway == "reablement_complex":
            days = rng.uniform(28, 42) if rng.random() < 0.5 else rng.uniform(43, 60)
        elif pathway == "intermediate_care":
            days = rng.uniform(7, 42)
        elif pathway == "crisis_response":
            days = rng.uniform(0.5, 3)
        else:  # high impact primary care
            days = rng.uniform(60, 270)
        return int(days * DAY)

    def _close_outcome(self) -> str:
        return pick_weighted(self.rng.random, words.CLOSE_OUTCOMES, CLOSE_OUTCOME_CUM_WEIGHTS)

    def _close(self, row: dict[str, Any], closed: int, outcome: str) -> None:
        row["status"] = "closed"
        row["closed_at"] = at(closed)
        row["close_outcome"] = outcome
        row["close_reason"] = pick(self.rng.random, words.CLOSE_REASONS[outcome])
        row["closed_by"] = row["triaged_by"] or "demo"

    def _died(self, row: dict[str, Any], when: int) -> int:
        self._close(row, when, "nfa_deceased")
        return when

    def _allocations(
        self,
        referral: dict[str, Any],
        team: TeamInfo,
        worker: int,
        started: int,
        ended: int | None,
        batch: Batch,
    ) -> None:
        """The allocation that holds the case, after a reallocation now and then."""
        rng = self.rng
        until = self.now if ended is None else ended
        if until - started > 14 * DAY and rng.random() < 0.06:
            first = self.org.pools[(team.id, "")].pick(rng)
            if first != worker:
                switch = started + int((until - started) * rng.uniform(0.2, 0.7))
                left = not self.org.workers[first - 1]["active"]
                reason = (
                    "Reallocated: worker left the team"
                    if left
                    else rng.choice(words.ALLOCATION_END_REASONS)
                )
                batch.allocations.append(
                    self._allocation(referral, team, first, started, switch, reason)
                )
                started = switch
        row = self._allocation(referral, team, worker, started, ended, "case closed")
        if ended is None:
            self.open_allocations.append(row)
        else:
            batch.allocations.append(row)

    def _allocation(
        self,
        referral: dict[str, Any],
        team: TeamInfo,
        worker: int,
        started: int,
        ended: int | None,
        end_reason: str,
    ) -> dict[str, Any]:
        allocation_id = self.next_allocation
        self.next_allocation += 1
        return {
            "id": allocation_id,
            "referral_id": referral["id"],
            "person_id": referral["person_id"],
            "worker_id": worker,
            # Open cases get their weight once every worker's caseload is known.
            "weight": between(self.rng.random, 2, 9) if ended is not None else 0,
            "started_at": at(started),
            "ended_at": None if ended is None else at(ended),
            "end_reason": None if ended is None else end_reason,
            "over_limit_reason": None,
            "allocated_by": team.duty_user,
            "version": 1,
        }

    def weigh_open_allocations(self) -> list[dict[str, Any]]:
        """Give open cases weights that put most workers at 60-100% of their limit.

        About one worker in twenty is over the limit; the allocations that took them
        over it carry the recorded reason, as the allocation service would insist.
        """
        rng = self.rng
        limits = self.limits
        by_worker: dict[int, list[dict[str, Any]]] = {}
        for row in self.open_allocations:
            by_worker.setdefault(row["worker_id"], []).append(row)
        for worker_id in sorted(by_worker):
            rows = by_worker[worker_id]
            limit = limits[worker_id]
            over = rng.random() < 0.05
            target = limit * (rng.uniform(1.03, 1.25) if over else rng.uniform(0.6, 1.0))
            mean = target / len(rows)
            for row in rows:
                raw = mean * rng.uniform(0.6, 1.4)
                whole = int(raw)
                row["weight"] = min(10, max(1, whole + (rng.random() < raw - whole)))
            load = sum(row["weight"] for row in rows)
            if not over:
                heaviest = sorted(rows, key=lambda r: -r["weight"])
                i = 0
                while load > limit and heaviest[i % len(rows)]["weight"] > 1:
                    heaviest[i % len(rows)]["weight"] -= 1
                    load -= 1
                    i += 1
            running = 0
            for row in sorted(rows, key=lambda r: r["started_at"]):
                running += row["weight"]
                if running > limit:
                    row["over_limit_reason"] = rng.choice(words.OVER_LIMIT_REASONS)
        return self.open_allocations
