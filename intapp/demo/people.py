"""Demo people: valid test-range NHS numbers, ages skewed old, risk tiers and cohorts."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

from intapp.demo import vocabulary as words
from intapp.demo.chance import between, pick, pick_weighted
from intapp.demo.organisation import Organisation
from intapp.models.person import name_keys
from intapp.services.nhs_number import check_digit

# 999 000 0000-999 999 9999 is reserved for testing: no demo person can be a real one.
TEST_PREFIX = "999"
TEST_RANGE_SIZE = 1_000_000
# About 10 in 11 of the range have a valid check digit; leave headroom for the 5% without one.
MAX_PEOPLE = 800_000

DAYS_PER_YEAR = 365.25
END_OF_LIFE_CHANCE = {"highest": 0.6, "high": 0.3, "rising": 0.1, "low": 0.0}


def reserved_nhs_numbers(rng: random.Random, count: int) -> list[str]:
    """`count` distinct, valid NHS numbers from the test range, in a seeded random order."""
    numbers: list[str] = []
    candidates = rng.sample(range(TEST_RANGE_SIZE), min(TEST_RANGE_SIZE, count * 12 // 10 + 100))
    for n in candidates:
        first_nine = f"{TEST_PREFIX}{n:06d}"
        digit = check_digit(first_nine)
        if digit is not None:
            numbers.append(f"{first_nine}{digit}")
            if len(numbers) == count:
                break
    return numbers


class PeopleMaker:
    """Makes person rows in id order; carers point at someone earlier in their team."""

    def __init__(self, rng: random.Random, org: Organisation, *, today: date, count: int) -> None:
        self.rng = rng
        self.org = org
        self.today_ordinal = today.toordinal()
        self.nhs_numbers = reserved_nhs_numbers(rng, count)
        self.team_ids = [t["id"] for t in org.teams]

    def chunk(self, first_id: int, count: int) -> list[dict[str, Any]]:
        """Person rows `first_id` .. `first_id + count - 1`; `created_at` is filled in later."""
        rng = self.rng
        random_ = rng.random
        org = self.org
        recent_by_team: dict[int, list[dict[str, Any]]] = {}
        rows = []
        for person_id in range(first_id, first_id + count):
            team_id = pick_weighted(random_, self.team_ids, org.team_cum_weights)
            team = org.team_info[team_id - 1]
            female = random_() < 0.56
            carer = random_() < 0.03
            age = self._age(carer)
            tier = self._tier(carer)
            old = age >= 65
            high = tier in ("highest", "high")
            nhs = None if random_() < 0.05 else self.nhs_numbers[person_id - 1]
            district = pick(random_, team.postcode_districts)
            letters = words.POSTCODE_LETTERS
            given = pick(random_, words.FEMALE_NAMES if female else words.MALE_NAMES)
            family = pick(random_, words.FAMILY_NAMES)
            row: dict[str, Any] = {
                "id": person_id,
                "nhs_number": nhs,
                "local_id": None if nhs else f"L{person_id:07d}",
                "given_name": given,
                "family_name": family,
                **name_keys(given, family),
                "date_of_birth": date.fromordinal(
                    self.today_ordinal - int(age * DAYS_PER_YEAR) - between(rng.random, 0, 365)
                ),
                "gender": "female" if female else "male",
                "postcode": f"{district} {1 + int(random_() * 9)}"
                f"{pick(random_, letters)}{pick(random_, letters)}",
                "gp_practice_code": pick_weighted(
                    random_, team.practice_codes, team.practice_cum_weights
                ),
                "phone": self._phone(),
                "team_id": team_id,
                "risk_tier": tier,
                "frail_older": old
                and random_() < (0.7 if high else 0.2 if tier == "rising" else 0),
                "ltc_end_of_life": random_() < END_OF_LIFE_CHANCE[tier],
                "complex_lives": not old and random_() < (0.3 if high else 0.08),
                "mh_ld_dementia": random_() < (0.25 if high else 0.08),
                "cyp_with_ltc": age < 18,
                "has_unpaid_carer": random_() < 0.2,
                "is_carer": False,
                "cares_for_id": None,
                "date_of_death": None,
                "created_at": None,
            }
            same_team = recent_by_team.setdefault(team_id, [])
            if carer and same_team:
                cared_for = rng.choice(same_team)
                cared_for["has_unpaid_carer"] = True
                row["is_carer"] = True
                row["cares_for_id"] = cared_for["id"]
            same_team.append(row)
            rows.append(row)
        return rows

    def _age(self, carer: bool) -> float:
        rng = self.rng
        if carer:
            return rng.uniform(30, 85)
        r = rng.random()
        if r < 0.01:
            return rng.uniform(4, 17.9)
        if r < 0.25:
            return rng.uniform(18, 64.9)
        return rng.triangular(65, 101, 82)

    def _tier(self, carer: bool) -> str:
        r = self.rng.random()
        if carer:
            return "rising" if r < 0.4 else "low"
        if r < 0.02:
            return "highest"
        if r < 0.17:
            return "high"
        return "rising" if r < 0.47 else "low"

    def _phone(self) -> str | None:
        # Ofcom sets these ranges aside for drama, so they ring nobody.
        r = self.rng.random()
        if r < 0.45:
            return f"0161 496 0{between(self.rng.random, 0, 1000):03d}"
        if r < 0.8:
            return f"07700 900{between(self.rng.random, 0, 1000):03d}"
        return None
