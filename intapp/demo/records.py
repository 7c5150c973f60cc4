"""The records a key worker writes on a case: assessments and reablement episodes."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from intapp.config import Settings
from intapp.demo import vocabulary as words
from intapp.demo.chance import between, pick, sample
from intapp.demo.organisation import Organisation
from intapp.demo.timeline import DAY, HOUR, at, day_of
from intapp.models import CARER_OUTCOMES, PERSON_OUTCOMES
from intapp.services.reablement import followup_due_on

# Barthel index items, in order, and each one's highest score (total 20):
# bowels, bladder, grooming, toilet use, feeding, transfer, mobility, dressing, stairs, bathing.
BARTHEL_MAXIMA = (2, 2, 1, 2, 2, 3, 3, 2, 2, 1)
# How many of the ten Care Act outcomes a person cannot achieve alone, by risk tier.
UNMET_OUTCOMES = {"highest": (3, 7), "high": (2, 6), "rising": (0, 4), "low": (0, 3)}
EARLY_CESSATION_UNMEASURED = frozenset(
    {"early_cessation_hospital", "early_cessation_nhs_funded", "early_cessation_deceased"}
)


def _outcome_entries() -> dict[tuple[str, str], list[dict[str, str]]]:
    codes = {code for code, _ in PERSON_OUTCOMES + CARER_OUTCOMES}
    return {
        (code, achievement): [
            {"code": code, "achievement": achievement, "reason": reason, "impact": impact}
            for reason in words.OUTCOME_REASONS[achievement]
            for impact in words.OUTCOME_IMPACTS[achievement]
        ]
        for code in sorted(codes)
        for achievement in words.OUTCOME_REASONS
    }


# Shared and never changed: each row's outcomes list just points at these.
OUTCOME_ENTRIES = _outcome_entries()


@dataclass
class Batch:
    """Rows made for one chunk of people, per table, in insert order."""

    referrals: list[dict[str, Any]] = field(default_factory=list)
    allocations: list[dict[str, Any]] = field(default_factory=list)
    assessments: list[dict[str, Any]] = field(default_factory=list)
    care_plans: list[dict[str, Any]] = field(default_factory=list)
    plan_versions: list[dict[str, Any]] = field(default_factory=list)
    episodes: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class Case:
    """A referral that reached a key worker: what the person's care plan hangs off."""

    person: dict[str, Any]
    referral_id: int
    worker_id: int
    started: int
    ended: int | None  # None while the case is open
    assessment: dict[str, Any] | None  # its latest assessment, which a review supersedes


class RecordMaker:
    """Writes the records for one case at a time into a `Batch`, numbering rows as it goes."""

    def __init__(
        self, rng: random.Random, org: Organisation, *, now: int, today: date, settings: Settings
    ) -> None:
        self.rng = rng
        self.org = org
        self.now = now
        self.today = today
        self.standard_days = settings.reablement_standard_days
        self.settings = settings
        self.assessed: set[int] = set()
        self.next_assessment = 1
        self.next_episode = 1

    # -- reablement -------------------------------------------------------------------

    def episode(
        self,
        referral: dict[str, Any],
        worker: int,
        pathway: str,
        allocated: int,
        ended: int | None,
        died: bool,
        death: int | None,
        batch: Batch,
    ) -> str | None:
        """The reablement episode for a referral; returns its outcome once it has ended."""
        rng = self.rng
        today = self.today
        start = day_of(allocated)
        row: dict[str, Any] = {
            "id": self.next_episode,
            "person_id": referral["person_id"],
            "referral_id": referral["id"],
            "worker_id": worker,
            "episode_type": "complex" if pathway == "reablement_complex" else "standard",
            "state": "active",
            "start_date": start,
            "planned_end_date": start + timedelta(days=self.standard_days),
            "extension_reason": None,
            "goals": sample(rng.random, words.REABLEMENT_GOALS, between(rng.random, 2, 4)),
            "barthel_start": self._barthel(rng.uniform(0.25, 0.7)),
            "barthel_end": None,
            "ended_on": None,
            "outcome": None,
            "followup_due": None,
            "followup_result": None,
            "followup_recorded_on": None,
            "version": 1,
        }
        self.next_episode += 1
        batch.episodes.append(row)
        if ended is None:
            if (today - start).days < 3 and rng.random() < 0.6:
                start += timedelta(
                    days=between(rng.random, 1, 4)
                )  # starts once the carers are free
                row["start_date"] = start
                row["planned_end_date"] = start + timedelta(days=self.standard_days)
            if start > today:
                row["state"] = "planned"
                row["barthel_start"] = None
            elif (today - start).days > self.standard_days:
                row["planned_end_date"] = today + timedelta(days=between(rng.random, 3, 15))
                row["extension_reason"] = rng.choice(words.EXTENSION_REASONS)
            return None

        ended_on = day_of(ended)
        if (ended_on - start).days > self.standard_days:
            row["planned_end_date"] = ended_on
            row["extension_reason"] = rng.choice(words.EXTENSION_REASONS)
        if died:
            outcome = "early_cessation_deceased"
        else:
            outcome = rng.choices(words.REABLEMENT_OUTCOMES, words.REABLEMENT_OUTCOME_WEIGHTS)[0]
        row["state"] = "ended"
        row["ended_on"] = ended_on
        row["outcome"] = outcome
        if outcome not in EARLY_CESSATION_UNMEASURED:
            start_scores = row["barthel_start"]
            end_scores = self._barthel(min(0.97, rng.uniform(0.45, 0.95)))
            row["barthel_end"] = [max(a, b) for a, b in zip(start_scores, end_scores, strict=True)]
        due = followup_due_on(ended_on, outcome, self.settings)
        if due is not None:
            self._followup(row, due, outcome, death)
        return outcome

    def _followup(self, row: dict[str, Any], due: date, outcome: str, death: int | None):
        """Due `followup_days` after discharge; recorded for most of those now past due,
        some days late. A death recorded before it is cancels it, as the death service
        does; a death the follow-up call finds out about is its result."""
        rng = self.rng
        row["followup_due"] = due
        died_first = death is not None and day_of(death) <= due
        if died_first and (due > self.today or rng.random() < 0.5):
            row["followup_due"] = None
            return
        if due > self.today:
            return
        late = between(rng.random, 0, 8) if rng.random() < 0.75 else between(rng.random, 8, 45)
        if rng.random() < 0.03 or due + timedelta(days=late) > self.today:
            if death is not None:  # still to do when the death was recorded
                row["followup_due"] = None
            return
        if died_first:
            result = "died"
        elif outcome == "long_term_support_residential":
            result = "residential_or_nursing"
        elif outcome == "early_cessation_hospital" and rng.random() < 0.4:
            result = "in_hospital"
        else:
            result = rng.choices(
                ("at_home", "in_hospital", "residential_or_nursing", "unknown"), (88, 5, 3, 4)
            )[0]
        row["followup_result"] = result
        row["followup_recorded_on"] = due + timedelta(days=late)

    def _barthel(self, level: float) -> list[int]:
        rand = self.rng.random
        return [sum(rand() < level for _ in range(top)) for top in BARTHEL_MAXIMA]

    # -- assessments ------------------------------------------------------------------

    def assessments(
        self,
        referral: dict[str, Any],
        person: dict[str, Any],
        worker: int,
        allocated: int,
        ended: int | None,
        batch: Batch,
    ) -> dict[str, Any] | None:
        """The case's assessment, signed off unless recent; None if not started yet."""
        rng = self.rng
        limit = self.now if ended is None else ended
        created = allocated + between(rng.random, 4 * HOUR, 14 * DAY)
        if created >= limit:
            if ended is None:
                return None  # not started yet
            created = allocated + (limit - allocated) // 2
        signed: int | None = created + between(rng.random, HOUR, 10 * DAY)
        if signed is not None and signed >= limit:
            signed = None if ended is None else created + (limit - created) // 2
        carer = person["is_carer"]
        if carer:
            kind = "carer"
        elif person["id"] in self.assessed and rng.random() < 0.4:
            kind = "review"
        else:
            kind = "integrated"
        self.assessed.add(person["id"])
        row = self._assessment(referral["id"], person, worker, kind, created, signed, None)
        batch.assessments.append(row)
        return row

    def review(self, case: Case, held: int, batch: Batch) -> None:
        """The signed-off review of the case's assessment, at a plan review held at
        `held`: it supersedes the assessment, as signing off a new one does."""
        earlier = case.assessment
        if earlier is None or earlier["signed_off_at"] is None:
            return
        signed = at(held)
        if signed <= earlier["signed_off_at"]:
            return
        person = case.person
        created = held - between(self.rng.random, HOUR, 3 * DAY)
        created_at = max(at(created), earlier["signed_off_at"])
        kind = "carer" if person["is_carer"] else "review"
        row = self._assessment(
            case.referral_id, person, case.worker_id, kind, created, held, earlier["id"]
        )
        row["created_at"] = created_at
        earlier["status"] = "superseded"
        batch.assessments.append(row)
        case.assessment = row

    def _assessment(
        self,
        referral_id: int,
        person: dict[str, Any],
        worker: int,
        kind: str,
        created: int,
        signed: int | None,
        supersedes: int | None,
    ) -> dict[str, Any]:
        rng = self.rng
        carer = kind == "carer"
        outcomes, unmet = self._outcomes(carer, person["risk_tier"])
        needs = rng.random() < 0.92
        significant = rng.random() < (0.85 if unmet >= 2 else 0.25)
        health_at_risk = carer and rng.random() < 0.45
        if carer:
            eligible = needs and significant and (health_at_risk or unmet >= 1)
        else:
            eligible = needs and significant and unmet >= 2
        row = {
            "id": self.next_assessment,
            "person_id": person["id"],
            "referral_id": referral_id,
            "assessment_type": kind,
            "status": "draft" if signed is None else "signed_off",
            "what_matters": pick(rng.random, words.WHAT_MATTERS),
            "strengths": pick(rng.random, words.STRENGTHS),
            "family_community_assets": "; ".join(sample(rng.random, words.ASSETS, 2)),
            "outcomes": outcomes,
            "risks": pick(rng.random, words.RISKS),
            "needs_arise_from_condition": needs,
            "significant_wellbeing_impact": significant,
            "carer_health_at_risk": health_at_risk,
            "eligible": eligible,
            "assessor_id": worker,
            "created_by": self.org.usernames[worker],
            "created_at": at(created),
            "signed_off_by": None if signed is None else self.org.usernames[worker],
            "signed_off_at": None if signed is None else at(signed),
            "supersedes_id": supersedes,
            "version": 1,
        }
        self.next_assessment += 1
        return row

    def _outcomes(self, carer: bool, tier: str) -> tuple[list[dict[str, str]], int]:
        """One entry per Care Act outcome, and how many are not achievable alone."""
        rand = self.rng.random
        table = CARER_OUTCOMES if carer else PERSON_OUTCOMES
        low, high = (0, 4) if carer else UNMET_OUTCOMES[tier]
        wanted = low + int(rand() * (high - low + 1))
        # Weighted sampling without replacement: the likeliest needs come up most often.
        keys = []
        for code, _ in table:
            weight = words.OUTCOME_LIKELIHOOD[code]
            keys.append((rand() ** (1.0 / weight) if weight else -1.0, code))
        unmet = {code for _, code in sorted(keys, reverse=True)[:wanted]}
        entries = []
        for code, _ in table:
            if code in unmet:
                achievement = "with_support" if rand() < 0.55 else "unable"
            else:
                achievement = "achievable"
            entries.append(pick(rand, OUTCOME_ENTRIES[(code, achievement)]))
        return entries, len(unmet)
