"""Case notes on every demo case, so the timeline, its filter and the notes export have
something to show.

Drawn from a stream of their own (seeded from the demo's seed), so adding notes leaves
every other demo row as it was. Each allocation gets one to five notes (more for long
cases) between its start and its end (or now), by its worker, in working hours; about
one in ten (a visit or a call) is significant and one in twenty has an addendum. A
person who died while we held their case has a last note telling us so, and none after.
"""

from __future__ import annotations

import random
from datetime import datetime
from itertools import accumulate
from typing import Any

from intapp.demo import note_words as words
from intapp.demo.chance import between, pick, pick_weighted
from intapp.demo.timeline import DAY, HOUR, at, start_of

SIGNIFICANT_CHANCE = 0.14
ADDENDUM_CHANCE = 0.05
SECOND_LINE_CHANCE = 0.35
OTHER_AUTHOR_CHANCE = 0.3
MAX_NOTES = 9
_KIND_CUM = list(accumulate(k[1] for k in words.KINDS))
_CONTACT_CUM = {k[0]: list(accumulate(w for _, w in k[2])) for k in words.KINDS}
_CONTACTS = {k[0]: [c for c, _ in k[2]] for k in words.KINDS}
# Replies that take a moment; visits and meetings are written up later in the day or after.
_WRITTEN_SAME_MINUTE = ("phone_call", "email", "letter")
_SIGNIFICANT_KINDS = ("home_visit", "phone_call")


def _for_person(text: str, person_id: int) -> str:
    """The text naming the person's own relative, the same one in every note."""
    if "{" not in text:
        return text
    return text.format(relative=words.RELATIVES[person_id % len(words.RELATIVES)])


class NoteMaker:
    """Case note and addendum rows for demo allocations, with ids in insert order."""

    def __init__(self, seed: int, *, now: datetime, usernames: dict[int, str]) -> None:
        self.rand = random.Random(f"notes-{seed}").random
        self.now = int(now.timestamp())
        self.usernames = usernames
        self.authors = [usernames[k] for k in sorted(usernames)]
        self.next_note = 1
        self.next_addendum = 1
        # referral id -> (episode id, first second, end second) for notes during an episode
        self.episodes: dict[int, tuple[int, int, int]] = {}
        self.deaths: dict[int, int] = {}

    def remember(self, people: list[dict[str, Any]], episodes: list[dict[str, Any]]) -> None:
        """Note who died (and when) and each referral's episode, for the allocations to come."""
        for person in people:
            if person["date_of_death"] is not None:
                self.deaths[person["id"]] = start_of(person["date_of_death"])
        for row in episodes:
            end = self.now if row["ended_on"] is None else start_of(row["ended_on"]) + DAY
            self.episodes[row["referral_id"]] = (row["id"], start_of(row["start_date"]), end)

    def notes_for(
        self, allocations: list[dict[str, Any]]
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The notes and addenda for these allocations."""
        notes: list[dict[str, Any]] = []
        addenda: list[dict[str, Any]] = []
        for allocation in allocations:
            self._allocation_notes(allocation, notes, addenda)
        return notes, addenda

    def _allocation_notes(
        self, allocation: dict[str, Any], notes: list[dict[str, Any]], addenda: list[dict[str, Any]]
    ) -> None:
        rand = self.rand
        start = int(allocation["started_at"].timestamp())
        ended = allocation["ended_at"]
        end = self.now if ended is None else int(ended.timestamp())
        death = self.deaths.get(allocation["person_id"])
        died_here = death is not None and ended is not None and end >= death
        if end - start < HOUR:
            return
        days = (end - start) // DAY
        count = min(MAX_NOTES, between(rand, 1, 4) + days // 90)
        if died_here:
            count -= 1
        times = sorted(self._working_time(start, end) for _ in range(count))
        author = self.usernames[allocation["worker_id"]]
        for contact in times:
            notes.append(self._note(allocation, author, contact))
            if rand() < ADDENDUM_CHANCE:
                addenda.append(self._addendum(notes[-1]))
        if died_here:
            # The call that told us, on the day the case closed, after every other note.
            last = times[-1] if times else start
            contact = min(end, max(last + 60, end - between(rand, 0, 3) * HOUR))
            note = self._note(allocation, author, contact)
            note.update(kind="phone_call", contact_with="carer", significant=True)
            note["text"] = _for_person(pick(rand, words.DEATH_CALLS), allocation["person_id"])
            notes.append(note)

    def _working_time(self, start: int, end: int) -> int:
        """A moment between start and end, in office hours when that fits."""
        rand = self.rand
        moment = start + int(rand() * (end - start))
        office = moment - moment % DAY + between(rand, 9, 17) * HOUR + between(rand, 0, 12) * 300
        return office if start <= office < end else moment

    def _note(self, allocation: dict[str, Any], author: str, contact: int) -> dict[str, Any]:
        rand = self.rand
        kind = pick_weighted(rand, words.KINDS, _KIND_CUM)[0]
        whom = pick_weighted(rand, _CONTACTS[kind], _CONTACT_CUM[kind])
        # Something significant comes up on a visit or a call, not in a letter.
        significant = rand() < SIGNIFICANT_CHANCE and kind in _SIGNIFICANT_KINDS
        text = pick(rand, words.SIGNIFICANT if significant else words.OPENINGS[(kind, whom)])
        if rand() < SECOND_LINE_CHANCE:
            text += "\n" + pick(rand, words.SIGNIFICANT_NEXT if significant else words.NEXT_STEPS)
        text = _for_person(text, allocation["person_id"])
        written = contact + between(rand, 0, 20) * 60
        if kind not in _WRITTEN_SAME_MINUTE:
            # Written up back at the desk that afternoon, or the next morning.
            if rand() < 0.7:
                written += between(rand, 1, 3) * HOUR
            else:
                written += DAY - written % DAY + between(rand, 9, 12) * HOUR
        written = min(self.now, written)
        episode = self.episodes.get(allocation["referral_id"])
        row = {
            "id": self.next_note,
            "person_id": allocation["person_id"],
            "referral_id": allocation["referral_id"],
            "episode_id": episode[0] if episode and episode[1] <= contact < episode[2] else None,
            "kind": kind,
            "contact_with": whom,
            "contact_at": at(contact),
            "author": author,
            "written_at": at(max(contact, written)),
            "text": text,
            "significant": significant,
        }
        self.next_note += 1
        return row

    def _addendum(self, note: dict[str, Any]) -> dict[str, Any]:
        rand = self.rand
        written = int(note["written_at"].timestamp())
        after = written - written % DAY + between(rand, 1, 10) * DAY
        after += between(rand, 9, 17) * HOUR + between(rand, 0, 12) * 300
        author = pick(rand, self.authors) if rand() < OTHER_AUTHOR_CHANCE else note["author"]
        row = {
            "id": self.next_addendum,
            "note_id": note["id"],
            "author": author,
            "written_at": at(max(int(note["written_at"].timestamp()), min(after, self.now))),
            "text": pick(rand, words.CORRECTIONS),
        }
        self.next_addendum += 1
        return row
