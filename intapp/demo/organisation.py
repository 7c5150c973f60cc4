"""The demo city's structure: localities, teams, GP practices and the workers in them."""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any

from intapp import paths
from intapp.codes import Profession
from intapp.demo import vocabulary as words
from intapp.demo.chance import pick_weighted

LOCALITIES = ("North", "Central", "South")

# Every team has at least one of each of these, so every pathway has someone to go to.
CORE_PROFESSIONS = (
    Profession.SOCIAL_WORKER,
    Profession.DISTRICT_NURSE,
    Profession.REABLEMENT_OFFICER,
    Profession.CARE_COORDINATOR,
    Profession.OCCUPATIONAL_THERAPIST,
)
PROFESSION_WEIGHTS = {
    Profession.SOCIAL_WORKER: 30,
    Profession.DISTRICT_NURSE: 20,
    Profession.OCCUPATIONAL_THERAPIST: 10,
    Profession.REABLEMENT_OFFICER: 12,
    Profession.CARE_COORDINATOR: 12,
    Profession.PHYSIOTHERAPIST: 4,
    Profession.MENTAL_HEALTH_PRACTITIONER: 5,
    Profession.COMMUNITY_CONNECTOR: 4,
    Profession.GP: 2,
    Profession.PHARMACIST: 1,
}
FTE_CHOICES = (1.0, 0.8, 0.6, 0.5)
FTE_WEIGHTS = (75, 12, 7, 6)

# Which professions take a case on each pathway that needs a key worker.
PATHWAY_PROFESSIONS: dict[str, frozenset[str]] = {
    "case_management": frozenset(PROFESSION_WEIGHTS) - {Profession.REABLEMENT_OFFICER},
    "reablement_standard": frozenset({Profession.REABLEMENT_OFFICER}),
    "reablement_complex": frozenset({Profession.REABLEMENT_OFFICER}),
    "intermediate_care": frozenset(
        {Profession.PHYSIOTHERAPIST, Profession.OCCUPATIONAL_THERAPIST, Profession.DISTRICT_NURSE}
    ),
    "crisis_response": frozenset({Profession.DISTRICT_NURSE, Profession.SOCIAL_WORKER}),
    "high_impact_primary_care": frozenset(
        {Profession.GP, Profession.PHARMACIST, Profession.CARE_COORDINATOR}
    ),
}


@dataclass
class WorkerPool:
    """Workers to choose from, weighted by FTE so full-timers get more cases."""

    ids: list[int] = field(default_factory=list)
    cum_weights: list[float] = field(default_factory=list)

    def add(self, worker_id: int, weight: float) -> None:
        self.ids.append(worker_id)
        self.cum_weights.append((self.cum_weights[-1] if self.cum_weights else 0.0) + weight)

    def pick(self, rng: random.Random) -> int:
        return pick_weighted(rng.random, self.ids, self.cum_weights)


@dataclass
class TeamInfo:
    """What the generators need to know about one team."""

    id: int
    code: str
    duty_user: str
    lead_user: str
    postcode_districts: tuple[str, ...]
    practice_codes: list[str]
    practice_cum_weights: list[int]


@dataclass
class Organisation:
    """The rows for the organisation tables, plus lookups for the case generators."""

    localities: list[dict[str, Any]]
    teams: list[dict[str, Any]]
    practices: list[dict[str, Any]]
    workers: list[dict[str, Any]]
    team_info: list[TeamInfo]
    team_cum_weights: list[int]
    usernames: dict[int, str]
    # (team id, pathway) -> active workers; (team id, "") -> every worker, active or not.
    pools: dict[tuple[int, str], WorkerPool]

    def pool(self, team_id: int, pathway: str) -> WorkerPool:
        """Active workers of the team for the pathway, or any active worker of the team."""
        return self.pools.get((team_id, pathway)) or self.pools[(team_id, "active")]


def _read_csv(name: str) -> list[dict[str, str]]:
    with paths.open_shipped(name) as fh:
        return list(csv.DictReader(fh))


def _practices(teams: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The 15 wave-one practices from the CSV, and synthetic ones for the other teams.

    The wave-one names, list sizes and risk counts are real (Central Manchester report,
    2012). Their codes, and everything about the synthetic practices, are illustrative:
    they are not the practices' real ODS codes.
    """
    team_ids = {t["code"]: t["id"] for t in teams}
    rows: list[dict[str, Any]] = [
        {
            "code": r["code"],
            "name": r["name"],
            "list_size": int(r["list_size"]),
            "high_risk_patients": int(r["high_risk_patients"]),
            "gp_locality": r["gp_locality"],
            "team_id": team_ids[r["team_code"]],
        }
        for r in _read_csv("gp_practices.csv")
    ]
    number = 101
    for team in teams:
        for name in words.SYNTHETIC_PRACTICE_NAMES.get(team["code"], ()):
            list_size = team["population"] // 3 + (number * 37) % 1500
            rows.append(
                {
                    "code": f"P84{number:03d}",
                    "name": name,
                    "list_size": list_size,
                    "high_risk_patients": list_size // 95,
                    "gp_locality": team["name"],
                    "team_id": team["id"],
                }
            )
            number += 1
    return rows


def _username(given: str, family: str, taken: set[str]) -> str:
    base = f"{given}.{family}".lower().replace("'", "").replace(" ", "")
    name, n = base, 2
    while name in taken:
        name, n = f"{base}{n}", n + 1
    taken.add(name)
    return name


def _workers(rng: random.Random, teams: list[dict[str, Any]], count: int) -> list[dict[str, Any]]:
    professions = list(PROFESSION_WEIGHTS)
    weights = list(PROFESSION_WEIGHTS.values())
    rows: list[dict[str, Any]] = []
    for index in range(count):
        team = teams[index % len(teams)]
        nth_in_team = index // len(teams)
        core = nth_in_team < len(CORE_PROFESSIONS)
        profession = CORE_PROFESSIONS[nth_in_team] if core else rng.choices(professions, weights)[0]
        female = rng.random() < 0.7  # the care workforce is mostly women
        given = rng.choice(words.FEMALE_NAMES if female else words.MALE_NAMES)
        family = rng.choice(words.FAMILY_NAMES)
        fte = rng.choices(FTE_CHOICES, FTE_WEIGHTS)[0]
        worker_id = index + 1
        rows.append(
            {
                "id": worker_id,
                "staff_id": f"W{worker_id:05d}",
                "given_name": given,
                "family_name": family,
                "profession": str(profession),
                "team_id": team["id"],
                "fte": fte,
                "caseload_limit": round(100 * fte),
                "email": None,
                "active": core or rng.random() > 0.04,
            }
        )
    return rows


def build_organisation(rng: random.Random, *, worker_count: int) -> Organisation:
    """Localities and teams from `intapp/data/teams.csv`, practices, and `worker_count` workers."""
    localities = [{"id": i + 1, "name": name} for i, name in enumerate(LOCALITIES)]
    locality_ids = {row["name"]: row["id"] for row in localities}
    teams: list[dict[str, Any]] = [
        {
            "id": i + 1,
            "code": r["code"],
            "name": r["name"],
            "locality_id": locality_ids[r["locality"]],
            "population": int(r["population"]),
        }
        for i, r in enumerate(_read_csv("teams.csv"))
    ]
    practices = _practices(teams)
    workers = _workers(rng, teams, worker_count)

    taken: set[str] = set()
    usernames = {}
    pools: dict[tuple[int, str], WorkerPool] = {}
    for w in workers:
        user = _username(w["given_name"], w["family_name"], taken)
        usernames[w["id"]] = user
        if rng.random() < 0.6:
            w["email"] = f"{user}@nhs.example"
        pools.setdefault((w["team_id"], ""), WorkerPool()).add(w["id"], w["fte"])
        if not w["active"]:
            continue
        pools.setdefault((w["team_id"], "active"), WorkerPool()).add(w["id"], w["fte"])
        for pathway, professions in PATHWAY_PROFESSIONS.items():
            if w["profession"] in professions:
                pools.setdefault((w["team_id"], pathway), WorkerPool()).add(w["id"], w["fte"])

    team_info = []
    for team in teams:
        own = [p for p in practices if p["team_id"] == team["id"]]
        code = team["code"].lower()
        team_info.append(
            TeamInfo(
                id=team["id"],
                code=team["code"],
                duty_user=f"duty.{code}",
                lead_user=f"lead.{code}",
                postcode_districts=words.TEAM_POSTCODE_DISTRICTS.get(team["code"], ("M1",)),
                practice_codes=[p["code"] for p in own],
                practice_cum_weights=list(accumulate(p["list_size"] for p in own)),
            )
        )
    return Organisation(
        localities=localities,
        teams=teams,
        practices=practices,
        workers=workers,
        team_info=team_info,
        team_cum_weights=list(accumulate(t["population"] for t in teams)),
        usernames=usernames,
        pools=pools,
    )
