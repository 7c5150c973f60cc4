"""Is this someone we already know? Possible duplicates, and a known NHS number whose
record says something other than what was typed.

A referral must not create a second record for a person (docs/rules.md), and an NHS
number is not always given or typed right. So as a referral is typed, people born the
same day whose name sounds alike (`models.person.name_key`, jellyfish's Metaphone) are
offered as possible matches; and when a known NHS number comes with another name or
date of birth, the form says which fields differ rather than ignoring what was typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from intapp.formatting import uk_date
from intapp.models import Person
from intapp.models.person import name_key
from intapp.services.people import PersonSummary, not_merged, summarise

# People born on one day: about 15 in a city of 200,000; this bounds a strange day.
MOST_READ_FOR_ONE_DAY = 500
MOST_OFFERED = 5


@dataclass(frozen=True)
class PossibleMatch:
    """Someone who may be the person being typed, and why they are offered."""

    person: PersonSummary
    why: str


def _alike(typed: str, stored: str, stored_key: str | None) -> bool:
    """A typed name and a stored one sound alike, or one starts the other."""
    typed, stored = typed.strip().lower(), stored.strip().lower()
    if not typed:
        return False
    if len(typed) >= 2 and (stored.startswith(typed) or typed.startswith(stored)):
        return True
    key = name_key(typed)
    return key is not None and key == stored_key


def _postcode(value: str | None) -> str:
    return (value or "").upper().replace(" ", "")


def possible_duplicates(
    *,
    session: Session,
    given_name: str,
    family_name: str,
    date_of_birth: date,
    postcode: str | None = None,
    exclude_id: int | None = None,
) -> list[PossibleMatch]:
    """People born on `date_of_birth` whose given or family name is like the one typed
    (or the two swapped), best first: both names alike, then one. Found through the date
    of birth's index, so it answers at once however many people are stored.
    """
    if not (given_name.strip() or family_name.strip()):
        return []
    query = select(Person).where(
        Person.date_of_birth == date_of_birth,
        not_merged(),  # a merged record points at its survivor
    )
    if exclude_id is not None:
        query = query.where(col(Person.id) != exclude_id)
    born_that_day = session.exec(query.order_by(col(Person.id)).limit(MOST_READ_FOR_ONE_DAY))
    ranked: list[tuple[int, int, PossibleMatch]] = []
    for person in born_that_day.all():
        family = _alike(family_name, person.family_name, person.family_name_key)
        given = _alike(given_name, person.given_name, person.given_name_key)
        swapped = _alike(family_name, person.given_name, person.given_name_key) and _alike(
            given_name, person.family_name, person.family_name_key
        )
        if not (family or given or swapped):
            continue
        alike = [what for what, ok in (("family name", family), ("given name", given)) if ok]
        names = "names swapped" if swapped and len(alike) < 2 else " and ".join(alike) + " alike"
        reasons = ["born the same day", names]
        same_place = bool(postcode) and _postcode(postcode) == _postcode(person.postcode)
        if same_place:
            reasons.append("same postcode")
        strength = (family and given) + swapped + same_place
        assert person.id is not None
        ranked.append((-strength, person.id, PossibleMatch(summarise(person), "; ".join(reasons))))
    ranked.sort(key=lambda item: item[:2])
    return [match for _, _, match in ranked[:MOST_OFFERED]]


@dataclass(frozen=True)
class Difference:
    """One field where what was typed is not what the record holds."""

    label: str
    on_record: str
    typed: str


def differences(
    person: PersonSummary, *, given_name: str, family_name: str, date_of_birth: date | None
) -> list[Difference]:
    """Where the typed name or date of birth differs from the record (blank fields and
    differences of case or spacing do not count)."""
    found: list[Difference] = []
    for label, stored, typed in (
        ("given name", person.given_name, given_name),
        ("family name", person.family_name, family_name),
    ):
        if typed.strip() and " ".join(typed.split()).lower() != stored.lower():
            found.append(Difference(label, stored, typed.strip()))
    if date_of_birth is not None and date_of_birth != person.date_of_birth:
        found.append(
            Difference("date of birth", uk_date(person.date_of_birth), uk_date(date_of_birth))
        )
    return found
