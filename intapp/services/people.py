"""People: matching without duplicates, validation, search and the overview triage needs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, replace
from datetime import date
from typing import Any

from sqlalchemy import and_, func, or_
from sqlmodel import Session, col, select

from intapp import clock
from intapp.codes import PERSON_CODE_LISTS, PERSON_CODE_NAMES, RiskTier
from intapp.formatting import deceased_marked, parse_date
from intapp.models import Person, Team
from intapp.models.person import folded, name_key
from intapp.services import audit, bounds
from intapp.services.alert_badges import open_alert_badges
from intapp.services.errors import DomainError, InvalidInput, NotFound, check_version
from intapp.services.nhs_number import format_nhs_number, is_valid, normalise
from intapp.store.paging import Cursor, Page, after_columns
from intapp.store.plain_sql import through_session

COHORT_FLAGS = ("frail_older", "ltc_end_of_life", "complex_lives", "mh_ld_dementia", "cyp_with_ltc")


@dataclass
class PersonIn:
    """What a form or an import row says about a person."""

    given_name: str
    family_name: str
    date_of_birth: date
    team_id: int
    nhs_number: str | None = None
    local_id: str | None = None
    gender: str | None = None
    postcode: str | None = None
    gp_practice_code: str | None = None
    phone: str | None = None
    risk_tier: str = RiskTier.LOW
    frail_older: bool = False
    ltc_end_of_life: bool = False
    complex_lives: bool = False
    mh_ld_dementia: bool = False
    cyp_with_ltc: bool = False
    has_unpaid_carer: bool = False
    is_carer: bool = False
    date_of_death: date | None = None
    # The national fields (`NATIONAL_FIELDS`): a code, or None when not given.
    ethnicity: str | None = None
    accommodation_status: str | None = None
    primary_support_reason: str | None = None
    client_type: str | None = None


# The person's national fields, each from its code list (`codes.PERSON_CODE_LISTS`).
NATIONAL_FIELDS = tuple(PERSON_CODE_LISTS)


@dataclass(frozen=True)
class PersonSummary:
    """A person as the screens and the CLI show them."""

    id: int
    nhs_number: str | None
    local_id: str | None
    given_name: str
    family_name: str
    date_of_birth: date
    postcode: str | None
    team_id: int
    risk_tier: str
    date_of_death: date | None
    cohorts: tuple[str, ...] = field(default=())
    # The version this copy was read at; an edit must name it (see `update_person`).
    version: int = 1
    # Set on a record merged into another: it is only a pointer to that one now.
    merged_into_id: int | None = None
    death_source: str | None = None
    alerts: tuple[str, ...] = ()
    """The badges of the person's open alerts, where a list reads them (`search_page`)."""
    ethnicity: str | None = None
    accommodation_status: str | None = None
    primary_support_reason: str | None = None
    client_type: str | None = None
    is_carer: bool = False

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def is_deceased(self) -> bool:
        return self.date_of_death is not None

    @property
    def marked_name(self) -> str:
        """The name as lists show it: a deceased person is marked so, wherever they appear."""
        return deceased_marked(self.name, self.date_of_death)

    @property
    def nhs_number_display(self) -> str:
        return format_nhs_number(self.nhs_number)

    def age_on(self, day: date) -> int:
        dob = self.date_of_birth
        return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


def summarise(person: Person) -> PersonSummary:
    """The plain result object for a Person row."""
    assert person.id is not None
    return PersonSummary(
        id=person.id,
        nhs_number=person.nhs_number,
        local_id=person.local_id,
        given_name=person.given_name,
        family_name=person.family_name,
        date_of_birth=person.date_of_birth,
        postcode=person.postcode,
        team_id=person.team_id,
        risk_tier=person.risk_tier,
        date_of_death=person.date_of_death,
        cohorts=tuple(flag for flag in COHORT_FLAGS if getattr(person, flag)),
        version=person.version,
        merged_into_id=person.merged_into_id,
        death_source=person.death_source,
        **{name: getattr(person, name) for name in NATIONAL_FIELDS},
        is_carer=person.is_carer,
    )


def checked_national(name: str, value: object) -> str | None:
    """One of the national fields (`NATIONAL_FIELDS`) as stored: the code of the entry
    whose code or national wording `value` is, in any case; None when blank. Anything
    else is refused, naming the field and the codes it takes."""
    text = str(value or "").strip()
    if not text:
        return None
    codes = PERSON_CODE_LISTS[name]
    member = codes.from_text(text)
    if member is None:
        raise InvalidInput(
            f"{text!r} is not on the national {PERSON_CODE_NAMES[name].lower()} list; "
            f"give a code ({', '.join(codes)}) or its wording",
            field=name,
        )
    return member.value


PERSON_LENGTHS = {
    name: bounds.column_length(Person.__table__, name)  # type: ignore[attr-defined]
    for name in (
        "given_name",
        "family_name",
        "local_id",
        "gender",
        "postcode",
        "gp_practice_code",
        "phone",
    )
}
_OPTIONAL_TEXT = {
    "local_id": "Local person id",
    "gender": "Gender",
    "postcode": "Postcode",
    "gp_practice_code": "GP practice code",
    "phone": "Phone",
}


def required_name(value: str, *, field: str) -> str:
    """A given or family name, trimmed; refused when blank or longer than the store holds."""
    name = value.strip()
    label = "Given name" if field == "given_name" else "Family name"
    if not name:
        raise InvalidInput(f"{label} is required", field=field)
    return bounds.checked_length(name, PERSON_LENGTHS[field], field=field, label=label)


def require_identifier(nhs_number: str | None, local_id: str | None) -> None:
    """Refuse a person with neither an NHS number nor a local person id."""
    if nhs_number is None and local_id is None:
        raise InvalidInput("Give an NHS number or a local person id", field="nhs_number")


checked_birth_date = bounds.checked_birth_date


def checked_death_date(death: date | None, *, born: date, today: date) -> date | None:
    """A date of death, on or after the birth and not in the future."""
    if death is not None and not born <= death <= today:
        raise InvalidInput(
            "Date of death must be between the date of birth and today", field="date_of_death"
        )
    return death


def checked_risk_tier(value: str) -> str:
    """One of the four risk tiers."""
    if value not in set(RiskTier):
        raise InvalidInput(f"Risk tier must be one of: {', '.join(RiskTier)}", field="risk_tier")
    return value


_FULL_POSTCODE = re.compile(r"^([A-Z]{1,2}\d[A-Z\d]?)(\d[A-Z]{2})$")


def tidy_postcode(value: str | None) -> str | None:
    """A postcode in capitals with one space before its last three characters when it is
    a whole UK postcode ("m130pp" is stored as "M13 0PP"), or None when blank."""
    text = " ".join((value or "").upper().split())
    if match := _FULL_POSTCODE.match(text.replace(" ", "")):
        return f"{match[1]} {match[2]}"
    return text or None


def validated(person_in: PersonIn, *, session: Session) -> PersonIn:
    """Check and tidy a PersonIn; raise `InvalidInput` naming the field at fault."""
    given = required_name(person_in.given_name, field="given_name")
    family = required_name(person_in.family_name, field="family_name")
    nhs = normalise(person_in.nhs_number) if person_in.nhs_number else None
    local_id = (person_in.local_id or "").strip() or None
    require_identifier(nhs, local_id)
    today = clock.today()
    checked_birth_date(person_in.date_of_birth, today=today)
    checked_death_date(person_in.date_of_death, born=person_in.date_of_birth, today=today)
    checked_risk_tier(person_in.risk_tier)
    if session.get(Team, person_in.team_id) is None:
        raise InvalidInput(f"There is no team with id {person_in.team_id}", field="team")
    postcode = tidy_postcode(person_in.postcode)
    typed = {**{f: getattr(person_in, f) for f in _OPTIONAL_TEXT}, "local_id": local_id}
    for name, label in _OPTIONAL_TEXT.items():
        bounds.checked_length(typed[name] or "", PERSON_LENGTHS[name], field=name, label=label)
    values = {f.name: getattr(person_in, f.name) for f in fields(PersonIn)}
    values.update(
        given_name=given, family_name=family, nhs_number=nhs, local_id=local_id, postcode=postcode
    )
    values.update({name: checked_national(name, values[name]) for name in NATIONAL_FIELDS})
    return PersonIn(**values)


def find_person(
    *,
    session: Session,
    nhs_number: str | None = None,
    local_id: str | None = None,
    given_name: str | None = None,
    family_name: str | None = None,
    date_of_birth: date | None = None,
) -> Person | None:
    """The existing record: by NHS number, else local id, else exact name and date of birth.

    A merged record's identifiers lead to the record it was merged into.
    """
    found: Person | None = None
    if nhs_number:
        found = session.exec(select(Person).where(Person.nhs_number == nhs_number)).first()
    elif local_id:
        found = session.exec(select(Person).where(Person.local_id == local_id)).first()
    elif given_name and family_name and date_of_birth:
        found = session.exec(
            select(Person).where(
                col(Person.family_name_folded) == folded(family_name.strip()),
                col(Person.given_name_folded) == folded(given_name.strip()),
                Person.date_of_birth == date_of_birth,
                not_merged(),
            )
        ).first()
    return survivor_of(session=session, person=found) if found is not None else None


def not_merged() -> Any:
    """A record that was not merged into another (a live person, not a pointer).

    Written as ``merged_into_id + 0 IS NULL`` so that SQLite, which keeps no statistics,
    never reads every live person through the merged_into_id index (they all hold
    NULL) instead of the index that narrows the search: on the city that took a name
    search from 9 ms to over 200.
    """
    return (col(Person.merged_into_id) + 0).is_(None)


def survivor_of(*, session: Session, person: Person) -> Person:
    """The live record for `person`: itself, or the record it was merged into."""
    seen = {person.id}
    while person.merged_into_id is not None:
        merged_into = session.get(Person, person.merged_into_id)
        if merged_into is None or merged_into.id in seen:  # never loops on bad data
            break
        seen.add(merged_into.id)
        person = merged_into
    return person


def refuse_if_merged(session: Session, person: Person, *, field: str = "person") -> None:
    """Refuse (naming `field` and the record to use) a record merged into another."""
    if person.merged_into_id is not None:
        survivor = survivor_of(session=session, person=person)
        raise InvalidInput(
            f"{person.display_name}'s record (person {person.id}) was merged into "
            f"{survivor.display_name}'s record (person {survivor.id}); use that record",
            field=field,
        )


def live_person(*, session: Session, person_id: int, field: str = "person") -> Person:
    """The Person row, refused (naming `field`) when it was merged into another record."""
    person = load_person(session=session, person_id=person_id)
    refuse_if_merged(session, person, field=field)
    return person


def person_who_can_start(
    *, session: Session, person_id: int, field: str = "person", doing: str = "given new work"
) -> Person:
    """The person, when new work (an allocation, assessment, plan or episode) may start for
    them: every path that creates such rows calls this, so each rule lives here once.

    It refuses a merged record, and a person who has died (`refuse_if_deceased`; `doing`
    completes "they cannot be …"). The row is read FOR UPDATE (PostgreSQL; SQLite
    writes one at a time anyway), so a merge running at the same time either finishes
    first, and this is refused, or waits until the new row is committed, and moves it.
    """
    person = session.get(Person, person_id, with_for_update=True, populate_existing=True)
    if person is None:
        raise NotFound(f"There is no person with id {person_id}")
    refuse_if_merged(session, person, field=field)
    refuse_if_deceased(person, doing)
    return person


def person_by_identifier(
    *, session: Session, identifier: str, field: str = "person", follow_merged: bool = True
) -> Person:
    """The live person with this NHS number (spaces optional) or local id, or `InvalidInput`
    naming `field`; a merged record's identifier leads to the record it was merged into,
    or, when not `follow_merged` (naming the records to merge), is refused."""
    text = identifier.strip()
    digits = text.replace(" ", "").replace("-", "")
    if not follow_merged:
        pointer = session.exec(
            select(Person).where(
                or_(col(Person.nhs_number) == digits, col(Person.local_id) == text),
                col(Person.merged_into_id).is_not(None),
            )
        ).first()
        if pointer is not None:
            refuse_if_merged(session, pointer, field=field)
    found = None
    if digits.isascii() and digits.isdigit() and len(digits) == 10:
        found = find_person(session=session, nhs_number=digits)
    if found is None and text:
        found = find_person(session=session, local_id=text)
    if found is None:
        raise InvalidInput(f"No person has the NHS number or local id {text!r}", field=field)
    return found


def match_or_create_person(
    *, session: Session, user: str, person_in: PersonIn
) -> tuple[Person, bool]:
    """The matching person, or a new one; never a duplicate. Returns (person, created).

    Matches on NHS number, else local id, else exact name and date of birth, where
    the name-and-birth match has no identifier that contradicts the one given.
    A match that lacked the NHS number or local id given gains it (audited).
    """
    clean = validated(person_in, session=session)
    existing = find_person(session=session, nhs_number=clean.nhs_number)
    if existing is None and clean.local_id:
        existing = find_person(session=session, local_id=clean.local_id)
        if existing is not None and clean.nhs_number and existing.nhs_number:
            raise contradicting_nhs_number(clean.local_id, existing.nhs_number, clean.nhs_number)
    existing = existing or _unidentified_namesake(session=session, person_in=clean)
    if existing is None:
        person = Person(**vars(clean), created_at=clock.now())
        with _recorded_out_of_sight(clean):
            audit.save_create(session=session, user=user, row=person)
        return person, True
    if (clean.nhs_number and not existing.nhs_number) or (clean.local_id and not existing.local_id):
        _check_identifiers_free(session=session, person_in=clean, person_id=existing.id)
        before = audit.snapshot(existing)
        existing.nhs_number = existing.nhs_number or clean.nhs_number
        existing.local_id = existing.local_id or clean.local_id
        audit.save_update(session=session, user=user, row=existing, before=before, action="link")
    # National fields given (a new referral's form shows the record's, so one changed
    # there is what is now known) are recorded, each change audited as an edit.
    given = {
        name: value
        for name in NATIONAL_FIELDS
        if (value := getattr(clean, name)) is not None and value != getattr(existing, name)
    }
    if given:
        before = audit.snapshot(existing)
        for name, value in given.items():
            setattr(existing, name, value)
        audit.save_update(session=session, user=user, row=existing, before=before, action="edit")
    return existing, False


@contextmanager
def _recorded_out_of_sight(person_in: PersonIn) -> Iterator[None]:
    """On a team server a login sees only its own people: a person recorded by another
    team is not found, and recording them again is refused by the identifier's unique
    index. Say so plainly, with the way on, instead of the database's error."""
    from sqlalchemy.exc import IntegrityError

    try:
        yield
    except IntegrityError as error:
        if "nhs_number" in str(error.orig):
            known = f"NHS number {format_nhs_number(person_in.nhs_number)}"
        elif "local_id" in str(error.orig):
            known = f"local id {person_in.local_id}"
        else:
            raise
        raise DomainError(
            f"Someone with {known} is already recorded, outside your teams. To work with "
            "them, search for it and open their record with a reason (break-glass, "
            "ctrl+b), or ask their team."
        ) from error


def _unidentified_namesake(*, session: Session, person_in: PersonIn) -> Person | None:
    candidate = find_person(
        session=session,
        given_name=person_in.given_name,
        family_name=person_in.family_name,
        date_of_birth=person_in.date_of_birth,
    )
    if candidate is None:
        return None
    contradicts = (
        person_in.nhs_number and candidate.nhs_number not in (None, person_in.nhs_number)
    ) or (person_in.local_id and candidate.local_id not in (None, person_in.local_id))
    return None if contradicts else candidate


def _check_identifiers_free(
    *, session: Session, person_in: PersonIn, person_id: int | None
) -> None:
    identifiers = (("nhs_number", person_in.nhs_number), ("local_id", person_in.local_id))
    for column, value in identifiers:
        if value is None:
            continue
        holder = session.exec(select(Person).where(getattr(Person, column) == value)).first()
        if holder is not None and holder.id != person_id:
            raise identifier_taken(column, value, holder.id)


def contradicting_nhs_number(local_id: str, on_record: str, given: str) -> InvalidInput:
    """Same local id, different NHS number: filing it either way could be wrong."""
    return InvalidInput(
        f"Local id {local_id} belongs to a person with NHS number "
        f"{format_nhs_number(on_record)}, not {format_nhs_number(given)}; "
        "check which is right",
        field="nhs_number",
    )


def identifier_taken(column: str, value: str, holder_id: int | None) -> InvalidInput:
    """An NHS number or local id that already identifies someone else."""
    label = "NHS number" if column == "nhs_number" else "Local id"
    return InvalidInput(
        f"{label} {value} already belongs to another person (person {holder_id})",
        field=column,
    )


def create_person(*, session: Session, user: str, person_in: PersonIn) -> PersonSummary:
    """Add a person; refuse when they are already known (by NHS number or local id)."""
    person, created = match_or_create_person(session=session, user=user, person_in=person_in)
    if not created:
        raise InvalidInput(
            f"{person.given_name} {person.family_name} is already recorded "
            f"(person {person.id}); open their record instead",
            field="nhs_number",
        )
    return summarise(person)


def update_person(
    *, session: Session, user: str, person_id: int, person_in: PersonIn, expected_version: int
) -> PersonSummary:
    """Change a person's details, auditing each changed field.

    `expected_version` is the version of the record the editor saw; a later one means
    someone else changed it meanwhile, and the edit is refused as a `Conflict`.
    """
    person = load_person(session=session, person_id=person_id)
    check_version("person", person.version, expected_version)
    clean = validated(person_in, session=session)
    _check_identifiers_free(session=session, person_in=clean, person_id=person_id)
    before = audit.snapshot(person)
    for key, value in vars(clean).items():
        setattr(person, key, value)
    audit.save_update(session=session, user=user, row=person, before=before)
    return summarise(person)


def deceased_refusal(name: str, date_of_death: date | None, doing: str) -> InvalidInput | None:
    """The one rule that nothing new starts for a person who has died: the refusal to
    raise, or None when they are alive.

    `doing` completes "… cannot be …": "referred", "allocated", "assessed" and so on.
    """
    if date_of_death is None:
        return None
    return InvalidInput(
        f"{name} died on {date_of_death:%d/%m/%Y}; they cannot be {doing}. "
        "If the death was recorded in error, withdraw it first.",
        field="person",
    )


def refuse_if_deceased(person: Person, doing: str) -> None:
    """Raise `deceased_refusal` for a person who has died (see there)."""
    refusal = deceased_refusal(person.display_name, person.date_of_death, doing)
    if refusal is not None:
        raise refusal


def load_person(*, session: Session, person_id: int) -> Person:
    """The Person row, or `NotFound`."""
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(f"There is no person with id {person_id}")
    return person


def get_person(*, session: Session, person_id: int) -> PersonSummary:
    """One person's summary."""
    return summarise(load_person(session=session, person_id=person_id))


def search_people(*, session: Session, text: str, limit: int = 50) -> list[PersonSummary]:
    """People matching an NHS number (spaces optional), a date of birth, a postcode or a name."""
    return search_page(session=session, text=text, limit=limit).rows


def search_page(
    *,
    session: Session,
    text: str,
    after: Cursor | None = None,
    limit: int = 50,
    count: bool = True,
) -> Page[PersonSummary]:
    """A page of `search_people`'s matches in name order, and how many match in all.

    Names match from their start or by how they sound ("Jakson" finds "Jackson", see
    `name_key`), with a date of birth among them if one is typed; postcodes with or
    without their space. Text that is neither a valid NHS
    number nor a possible date finds nobody: `search_problem` says why.
    """
    text = bounds.search_text(text)
    if not text:
        return Page([], 0)
    digits = text.replace(" ", "").replace("-", "")
    # A merged record is a pointer to its survivor, not a person of its own; its NHS
    # number or local id finds the survivor (as `person_by_identifier` does).
    query = select(Person).where(not_merged())
    if digits.isascii() and digits.isdigit() and len(digits) == 10:
        query = query.where(
            _or_survivors(Person.nhs_number == digits, session, col(Person.nhs_number) == digits)
        )
    elif (day := parse_date(text)) is not None:
        query = query.where(Person.date_of_birth == day)
    elif _DATE_LIKE.match(text):
        return Page([], 0)
    elif digits.isascii() and digits.isdigit():
        query = query.where(
            _or_survivors(Person.local_id == text, session, col(Person.local_id) == text)
        )
    elif _POSTCODE_START.match(text):
        query = query.where(
            _or_survivors(
                or_(
                    *(_starts(col(Person.postcode), start) for start in postcode_starts(text)),
                    col(Person.local_id) == text,
                ),
                session,
                col(Person.local_id) == text,
            )
        )
    else:
        # Names, and perhaps a date of birth among them ("jakson 2/1/1940"): people born
        # that day whose name starts or sounds like the words typed.
        words = text.lower().split()[: bounds.SEARCH_MAX_WORDS]
        born = [day for word in words if (day := parse_date(word)) is not None]
        if any(_DATE_LIKE.match(word) and parse_date(word) is None for word in words):
            return Page([], 0)
        named = and_(
            *(col(Person.date_of_birth) == day for day in born),
            *(_name_matches(word) for word in words if parse_date(word) is None),
        )
        # A local id ("DUP-1") is found as typed, as a duplicate record often has only one.
        # Only a single word can be one: beside two words' conditions the alternative
        # leaves SQLite no index to use (0.5 s on the city).
        query = query.where(
            _or_survivors(
                or_(named, col(Person.local_id) == text), session, col(Person.local_id) == text
            )
            if len(words) == 1
            else named
        )
    total = (
        session.exec(select(func.count()).select_from(query.subquery())).one() if count else None
    )
    order = (col(Person.family_name), col(Person.given_name), col(Person.id))
    if after is not None:
        query = query.where(after_columns(order, after))
    found = session.exec(query.order_by(*order).limit(limit)).all()
    badges = open_alert_badges(through_session(session), [p.id for p in found if p.id])
    rows = [summarise(p) for p in found]
    return Page([replace(p, alerts=badges[p.id]) if p.id in badges else p for p in rows], total)


def _or_survivors(condition: Any, session: Session, identifier: Any) -> Any:
    """`condition`, or the live record a merged record with `identifier` was merged into.

    The merged records are looked up first (an indexed, usually empty read), so the
    search itself keeps its plain shape when there are none.
    """
    merged = session.exec(
        select(Person).where(identifier, col(Person.merged_into_id).is_not(None))
    ).all()
    ids = {survivor_of(session=session, person=p).id for p in merged}
    return (
        or_(condition, col(Person.id).in_(sorted(i for i in ids if i is not None)))
        if ids
        else condition
    )


# Shorter words are matched from their start only: while a name is being typed, how
# "smi" sounds would also find every "Sam".
PHONETIC_FROM_LETTERS = 4


def _name_matches(word: str) -> Any:
    """A search word's condition: a name starting with it, or sounding like it."""
    terms = [
        _starts(col(Person.family_name_folded), folded(word)),
        _starts(col(Person.given_name_folded), folded(word)),
    ]
    key = name_key(word)
    if key is not None and sum(ch.isalpha() for ch in word) >= PHONETIC_FROM_LETTERS:
        terms += [col(Person.family_name_key) == key, col(Person.given_name_key) == key]
    return or_(*terms)


def _starts(column: Any, prefix: str) -> Any:
    """`column` starts with `prefix`, as a range an index can serve (LIKE cannot, on
    SQLite). Both databases compare text by its bytes here (PostgreSQL's C collation)."""
    following = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return and_(column >= prefix, column < following)


_OUTWARD = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]?$")


def postcode_starts(text: str) -> list[str]:
    """How a postcode typed with or without its space may start as stored ("M130" may be
    "M13 0..."): postcodes are stored with one space before the last three characters."""
    typed = " ".join(text.upper().split())
    spaceless = typed.replace(" ", "")
    starts = {typed, spaceless}
    for cut in range(2, 5):  # an outward code has 2 to 4 characters
        outward, inward = spaceless[:cut], spaceless[cut:]
        if inward and _OUTWARD.match(outward) and inward[0].isdigit() and len(inward) <= 3:
            starts.add(f"{outward} {inward}")
    return sorted(starts)


def search_problem(text: str) -> str | None:
    """Why `text` cannot find anyone when it is a mistyped NHS number or date, else None.

    So a search for "943 476 5910" or "31/02/1950" says what is wrong rather than that
    nobody matches.
    """
    text = bounds.search_text(text)
    digits = text.replace(" ", "").replace("-", "")
    if digits.isascii() and digits.isdigit() and len(digits) == 10:
        if is_valid(digits):
            return None
        return (
            f"{format_nhs_number(digits)} is not a valid NHS number: its check digit is "
            "wrong. Check for a typo."
        )
    if (day := parse_date(text)) is not None:
        reason = bounds.birth_date_reason(day, today=clock.today())
        return f"{reason}: nobody is born on {day:%d/%m/%Y}." if reason else None
    for word in text.split():
        if _DATE_LIKE.match(word) and parse_date(word) is None:
            return f"{word} is not a date. Type a date of birth as DD/MM/YYYY."
    if digits.isascii() and digits.isdigit():
        return f"An NHS number has 10 digits; {text} has {len(digits)}."
    return None


def search_cursor(person: PersonSummary) -> Cursor:
    """Where the page after `person` starts."""
    return (person.family_name, person.given_name, person.id)


_POSTCODE_START = re.compile(r"^[A-Za-z]{1,2}\d")
_DATE_LIKE = re.compile(r"^\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}$")
