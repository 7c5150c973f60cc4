"""Alerts on some demo people, so the lists show their badges.

Drawn from a stream of their own (seeded from the demo's seed), so adding alerts leaves
every other demo row as it was. About one person in twelve has an alert, most often that
they live alone or have a key safe; a few carry a risk to staff or a safeguarding
concern, some of those with a review date, one in three of which has passed.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any

from intapp.config import DEFAULT_ALERT_KINDS
from intapp.demo.chance import between, pick, pick_weighted

ALERT_CHANCE = 0.08
SECOND_ALERT_CHANCE = 0.25
# (code, weight, notes to choose from); the labels are the default settings' own.
KINDS: tuple[tuple[str, int, tuple[str, ...]], ...] = (
    (
        "risk_to_staff",
        6,
        (
            "Son can be verbally aggressive; visit in pairs",
            "Large dog, not always shut away; phone ahead",
            "Threatened a carer in March; two workers only",
        ),
    ),
    (
        "safeguarding",
        4,
        (
            "Section 42 enquiry open; see the safeguarding lead before visiting",
            "Possible financial abuse by a relative; do not discuss money in front of them",
        ),
    ),
    (
        "communication",
        12,
        (
            "Speaks Urdu; book an interpreter",
            "Speaks Polish; daughter interprets but ask for an interpreter for assessments",
            "Aphasia after a stroke; use yes/no questions and a picture board",
        ),
    ),
    (
        "key_safe",
        28,
        (
            "Key safe by the back door; code from the office",
            "Key safe beside the front door; ring the bell first",
        ),
    ),
    (
        "sensory_loss",
        15,
        (
            "Profoundly deaf; text, do not ring",
            "Registered blind; say who you are at the door",
            "Hard of hearing; face them and speak clearly",
        ),
    ),
    (
        "lives_alone",
        35,
        (
            "Lives alone; daughter in Leeds rings on Sundays",
            "Lives alone; neighbour at number 12 has a key",
            "Lives alone since her husband died",
        ),
    ),
)
_CUMULATIVE = [sum(k[1] for k in KINDS[: i + 1]) for i in range(len(KINDS))]
LABELS = {kind.code: kind.label for kind in DEFAULT_ALERT_KINDS}
REVIEWED = ("risk_to_staff", "safeguarding")


class AlertMaker:
    """Alert rows for a chunk of people, from the demo's seed."""

    def __init__(self, seed: int, *, now: datetime, today: date) -> None:
        self.rand = random.Random(f"alerts-{seed}").random
        self.now = now
        self.today = today

    def alerts_for(self, people: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Some of these people's alerts (none for anyone who has died)."""
        rows: list[dict[str, Any]] = []
        rand = self.rand
        for person in people:
            if rand() >= ALERT_CHANCE or person["date_of_death"] is not None:
                continue
            count = 2 if rand() < SECOND_ALERT_CHANCE else 1
            chosen: list[tuple[str, int, tuple[str, ...]]] = []
            while len(chosen) < count:
                kind = pick_weighted(rand, KINDS, _CUMULATIVE)
                if kind not in chosen:
                    chosen.append(kind)
            for code, _, notes in chosen:
                rows.append(self._alert(person, code, LABELS[code], pick(rand, notes)))
        return rows

    def _alert(self, person: dict[str, Any], code: str, label: str, note: str) -> dict[str, Any]:
        rand = self.rand
        known = person["created_at"] or self.now - timedelta(days=365)
        days = max(1, (self.now - known).days)
        raised_at = self.now - timedelta(days=between(rand, 0, days), hours=between(rand, 1, 8))
        review_on = None
        if code in REVIEWED and rand() < 0.7:
            # One in three is past its review date: the record marks it.
            review_on = self.today + timedelta(days=between(rand, -20, 40))
        return {
            "person_id": person["id"],
            "kind": code,
            "label": label,
            "note": note,
            "raised_by": "demo",
            "raised_at": raised_at,
            "review_on": review_on,
            "version": 1,
        }
