"""Demo people: valid test-range NHS numbers, ages skewed old, risk tiers and cohorts."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

from intapp.codes import AccommodationStatus as Home
from intapp.codes import ClientType, Ethnicity
from intapp.codes import PrimarySupportReason as Reason
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
                "death_source": None,
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


def _weighted(*pairs: tuple[str, float]) -> tuple[list[str], list[float]]:
    """Codes and their running weights, for `pick_weighted`."""
    codes, running, total = [], [], 0.0
    for code, weight in pairs:
        total += weight
        codes.append(code)
        running.append(total)
    return codes, running


# A northern English city's mix, older people's more White British (ONS 2021, roughly).
_ETHNICITY_OLDER = _weighted(
    (Ethnicity.WHITE_BRITISH, 78), (Ethnicity.WHITE_IRISH, 4), (Ethnicity.WHITE_OTHER, 3),
    (Ethnicity.MIXED_WHITE_BLACK_CARIBBEAN, 0.5), (Ethnicity.ASIAN_INDIAN, 1.5),
    (Ethnicity.ASIAN_PAKISTANI, 3), (Ethnicity.ASIAN_BANGLADESHI, 0.5),
    (Ethnicity.BLACK_CARIBBEAN, 2), (Ethnicity.BLACK_AFRICAN, 1), (Ethnicity.CHINESE, 0.5),
    (Ethnicity.OTHER, 0.5), (Ethnicity.NOT_STATED, 2), (Ethnicity.UNKNOWN, 3.5),
)  # fmt: skip
_ETHNICITY_YOUNGER = _weighted(
    (Ethnicity.WHITE_BRITISH, 52), (Ethnicity.WHITE_IRISH, 1), (Ethnicity.WHITE_OTHER, 6),
    (Ethnicity.MIXED_WHITE_BLACK_CARIBBEAN, 2), (Ethnicity.MIXED_WHITE_BLACK_AFRICAN, 1),
    (Ethnicity.MIXED_WHITE_ASIAN, 1), (Ethnicity.MIXED_OTHER, 1), (Ethnicity.ASIAN_INDIAN, 2.5),
    (Ethnicity.ASIAN_PAKISTANI, 9), (Ethnicity.ASIAN_BANGLADESHI, 1.5),
    (Ethnicity.ASIAN_OTHER, 2), (Ethnicity.BLACK_CARIBBEAN, 2), (Ethnicity.BLACK_AFRICAN, 6),
    (Ethnicity.BLACK_OTHER, 1), (Ethnicity.CHINESE, 1.5), (Ethnicity.OTHER, 2.5),
    (Ethnicity.NOT_STATED, 3), (Ethnicity.UNKNOWN, 4),
)  # fmt: skip
_HOME_OLDER = _weighted(
    (Home.OWNER_OCCUPIER, 44), (Home.TENANT, 22), (Home.TENANT_PRIVATE, 4),
    (Home.WITH_FAMILY, 8), (Home.SHELTERED, 9), (Home.CARE_HOME, 3), (Home.NURSING_HOME, 2),
    (Home.HEALTHCARE, 1), (Home.UNKNOWN, 7),
)  # fmt: skip
_HOME_YOUNGER = _weighted(
    (Home.OWNER_OCCUPIER, 24), (Home.TENANT, 28), (Home.TENANT_PRIVATE, 14),
    (Home.WITH_FAMILY, 16), (Home.SUPPORTED, 5), (Home.SHARED_LIVES, 1), (Home.UNKNOWN, 6),
)  # fmt: skip
_HOME_UNSETTLED = _weighted(
    (Home.TENANT, 20), (Home.TENANT_PRIVATE, 10), (Home.ROUGH_SLEEPER, 12),
    (Home.NIGHT_SHELTER, 10), (Home.TEMPORARY_BY_COUNCIL, 14), (Home.SHORT_TERM_GUEST, 10),
    (Home.REFUGE, 3), (Home.APPROVED_PREMISES, 4), (Home.MOBILE, 1), (Home.PRISON, 1),
    (Home.OTHER_TEMPORARY, 6), (Home.SUPPORTED, 5), (Home.UNKNOWN, 4),
)  # fmt: skip
_REASON_FRAIL = _weighted(
    (Reason.PHYSICAL_PERSONAL_CARE, 60), (Reason.PHYSICAL_MOBILITY, 25),
    (Reason.SENSORY_VISUAL, 5), (Reason.SENSORY_HEARING, 3), (Reason.SENSORY_DUAL, 2),
    (Reason.UNKNOWN, 5),
)  # fmt: skip
_REASON_MIND_OLDER = _weighted(
    (Reason.MEMORY_COGNITION, 75), (Reason.MENTAL_HEALTH, 20), (Reason.UNKNOWN, 5)
)
_REASON_MIND_YOUNGER = _weighted(
    (Reason.MENTAL_HEALTH, 55), (Reason.LEARNING_DISABILITY, 40), (Reason.UNKNOWN, 5)
)
_REASON_COMPLEX = _weighted(
    (Reason.SUBSTANCE_MISUSE, 45), (Reason.SOCIAL_ISOLATION, 30), (Reason.ASYLUM_SEEKER, 8),
    (Reason.MENTAL_HEALTH, 12), (Reason.UNKNOWN, 5),
)  # fmt: skip
_REASON_OTHER = _weighted(
    (Reason.PHYSICAL_PERSONAL_CARE, 45), (Reason.PHYSICAL_MOBILITY, 30),
    (Reason.SOCIAL_ISOLATION, 8), (Reason.SENSORY_VISUAL, 3), (Reason.SENSORY_HEARING, 3),
    (Reason.MEMORY_COGNITION, 3), (Reason.UNKNOWN, 8),
)  # fmt: skip
# How often a field is left unrecorded (records from before it was asked).
NOT_RECORDED = 0.06
# How often someone's client type came in from another system as "unknown".
UNKNOWN_CLIENT_TYPE = 0.02


class NationalFieldMaker:
    """Each demo person's national fields (ethnicity, accommodation, primary support
    reason, client type), plausibly for their age and cohorts.

    Drawn from a stream of their own, so adding them moved no other demo figure.
    """

    def __init__(self, seed: int, *, today: date) -> None:
        self.rand = random.Random(f"national-fields-{seed}").random
        self.today = today

    def fill(self, people: list[dict[str, Any]]) -> None:
        """Set the four fields on each person row."""
        rand = self.rand
        for row in people:
            older = (self.today - row["date_of_birth"]).days >= 65 * DAYS_PER_YEAR
            ethnicity = pick_weighted(rand, *(_ETHNICITY_OLDER if older else _ETHNICITY_YOUNGER))
            home: str
            if row["is_carer"] or row["cyp_with_ltc"]:
                home = Home.WITH_FAMILY if rand() < 0.4 else Home.OWNER_OCCUPIER
            else:
                homes = (
                    _HOME_UNSETTLED
                    if row["complex_lives"]
                    else _HOME_OLDER
                    if older
                    else _HOME_YOUNGER
                )
                home = pick_weighted(rand, *homes)
            if row["is_carer"]:
                reason: str = Reason.SUPPORT_TO_CARER
            elif row["complex_lives"]:
                reason = pick_weighted(rand, *_REASON_COMPLEX)
            elif row["mh_ld_dementia"]:
                reason = pick_weighted(
                    rand, *(_REASON_MIND_OLDER if older else _REASON_MIND_YOUNGER)
                )
            elif row["frail_older"]:
                reason = pick_weighted(rand, *_REASON_FRAIL)
            else:
                reason = pick_weighted(rand, *_REASON_OTHER)
            client = ClientType.CARER if row["is_carer"] else ClientType.SERVICE_USER
            if not row["is_carer"] and rand() < UNKNOWN_CLIENT_TYPE:
                client = ClientType.UNKNOWN  # recorded as not known, from an old system
            row["ethnicity"] = None if rand() < NOT_RECORDED else str(ethnicity)
            row["accommodation_status"] = None if rand() < NOT_RECORDED else str(home)
            row["primary_support_reason"] = None if rand() < NOT_RECORDED else str(reason)
            # Often left to follow the carer links, as a form leaves it.
            row["client_type"] = None if rand() < 0.3 else str(client)
