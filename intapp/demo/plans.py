"""The person's one care plan, reviewed on its review dates while the case runs."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from intapp.codes import ActionStatus
from intapp.demo import vocabulary as words
from intapp.demo.chance import between, sample
from intapp.demo.organisation import Organisation
from intapp.demo.records import Batch, Case, RecordMaker
from intapp.demo.timeline import DAY, at, day_of, start_of
from intapp.services.plan_actions import open_ones_cancelled

# A plan has at most this many versions: the first, and a review on each review date.
MAX_VERSIONS = 4


class PlanMaker:
    """Writes care plans and their versions into a `Batch`, numbering rows as it goes."""

    def __init__(
        self, rng: random.Random, org: Organisation, records: RecordMaker, *, now: int, today: date
    ) -> None:
        self.rng = rng
        self.org = org
        self.records = records
        self.now = now
        self.today = today
        self.next_plan = 1
        self.next_version = 1
        self.workers = {w["id"]: w for w in org.workers}

    def care_plan(self, case: Case, batch: Batch) -> None:
        """The person's one plan: current for an open case, closed for some closed ones.

        Each review date that came while the case ran was kept, a few days either side:
        the plan got a new version then, and the case's assessment a signed-off review.
        """
        rng = self.rng
        today = self.today
        if case.ended is not None and rng.random() < 0.5:
            return
        limit = self.now if case.ended is None else case.ended
        created = case.started + between(rng.random, DAY, 21 * DAY)
        if created >= limit:
            created = case.started + (limit - case.started) // 2
        review = today
        if case.ended is None:
            age = (today - day_of(created)).days
            r = rng.random()
            if r < 0.1 and age > 40:
                review = today - timedelta(days=between(rng.random, 1, min(30, age - 35) + 1))
            elif r < 0.22:
                review = today + timedelta(days=between(rng.random, 0, 7))
            else:
                review = today + timedelta(days=between(rng.random, 7, 151))
        times, dues = [created], []
        due = day_of(created) + timedelta(days=between(rng.random, 42, 121))
        while len(times) < MAX_VERSIONS:
            if case.ended is None and start_of(due) >= start_of(review) - 14 * DAY:
                break
            held = start_of(due) + between(rng.random, -2 * DAY, 10 * DAY)
            if held >= limit or held <= times[-1] + DAY:
                break
            times.append(held)
            dues.append(due)
            due = day_of(held) + timedelta(days=between(rng.random, 56, 183))
        if case.ended is not None:
            review = due

        plan_id = self.next_plan
        self.next_plan += 1
        batch.care_plans.append(
            {
                "id": plan_id,
                "person_id": case.person["id"],
                "lead_worker_id": case.worker_id,
                "review_date": review,
                "current_number": len(times),
                "created_at": at(created),
                "closed_at": None if case.ended is None else at(case.ended),
                "version": 1,
            }
        )
        user = self.org.usernames[case.worker_id]
        for number, written in enumerate(times, start=1):
            day = day_of(written)
            if number > 1:
                self.records.review(case, written, batch)
            review_date = review if number == len(times) else dues[number - 1]
            batch.plan_versions.append(
                {
                    "id": self.next_version,
                    "plan_id": plan_id,
                    "number": number,
                    "lead_worker_id": case.worker_id,
                    "review_date": review_date,
                    "goals": sample(rng.random, words.PLAN_GOALS, between(rng.random, 2, 4)),
                    "actions": self._actions(day, review_date, case.worker_id),
                    "items": [
                        {"kind": kind, "description": description, "cost_pounds": cost}
                        for kind, description, cost in sample(
                            rng.random, words.PLAN_ITEMS, rng.choice((0, 0, 1, 1, 2))
                        )
                    ],
                    "change_note": "First plan, agreed with the person"
                    if number == 1
                    else rng.choice(words.PLAN_CHANGE_NOTES),
                    "created_by": user,
                    "created_at": at(written),
                }
            )
            self.next_version += 1
        if case.ended is not None:  # as closing a plan does: what was not done will not be
            last = batch.plan_versions[-1]
            last["actions"] = open_ones_cancelled(last["actions"])

    def _actions(self, written: date, review: date, key_worker: int) -> list[dict[str, Any]]:
        """A version's actions; one for the key worker's profession is theirs, by name."""
        rng = self.rng
        worker = self.workers[key_worker]
        actions = []
        for who, what in sample(rng.random, words.PLAN_ACTIONS, between(rng.random, 2, 5)):
            # Due within eight weeks, or by the plan's review if that is later.
            by_when = written + timedelta(
                days=between(rng.random, 7, max(57, (review - written).days))
            )
            done = by_when < self.today and rng.random() < 0.7
            mine = who.replace(" ", "_") == worker["profession"]
            actions.append(
                {
                    "who": f"{worker['given_name']} {worker['family_name']}" if mine else who,
                    "worker_id": key_worker if mine else None,
                    "what": what,
                    "by_when": by_when.isoformat(),
                    "status": (ActionStatus.DONE if done else ActionStatus.OPEN).value,
                }
            )
        return actions
