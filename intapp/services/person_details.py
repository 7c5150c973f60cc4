"""A person's details: reading them for the edit form, and changing them field by field.

Both front ends call `edit_person`: the record's edit form sends every field it shows,
and `intapp person edit` only the ones given. Each changed field is checked by the same
rules the import uses (`services/people.py`, `services/bounds.py`), the edit is refused
if someone else saved the record meanwhile, and the audit event holds old → new for
every changed field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from intapp import clock
from intapp.access import require_for
from intapp.codes import PERSON_CODE_NAMES, code_label
from intapp.formatting import uk_date
from intapp.models import GpPractice, Person
from intapp.services import audit, bounds
from intapp.services.errors import InvalidInput, check_version
from intapp.services.nhs_number import format_nhs_number, normalise
from intapp.services.people import (
    COHORT_FLAGS,
    NATIONAL_FIELDS,
    PERSON_LENGTHS,
    checked_birth_date,
    checked_death_date,
    checked_national,
    checked_risk_tier,
    live_person,
    load_person,
    require_identifier,
    required_name,
    tidy_postcode,
)

# What can be edited, with the label a person sees (the form's and the CLI's).
EDITABLE: dict[str, str] = {
    "given_name": "Given name",
    "family_name": "Family name",
    "date_of_birth": "Date of birth",
    "gender": "Gender",
    "phone": "Phone",
    "postcode": "Postcode",
    "gp_practice_code": "GP practice",
    "risk_tier": "Risk tier",
    "nhs_number": "NHS number",
    **{flag: code_label(flag) for flag in COHORT_FLAGS},
    **PERSON_CODE_NAMES,
}
_OPTIONAL_TEXT = ("gender", "phone")


@dataclass(frozen=True)
class PersonDetails:
    """Every editable field of a person, as stored, and the version read."""

    id: int
    nhs_number: str | None
    local_id: str | None
    given_name: str
    family_name: str
    date_of_birth: date
    gender: str | None
    phone: str | None
    postcode: str | None
    gp_practice_code: str | None
    risk_tier: str
    frail_older: bool
    ltc_end_of_life: bool
    complex_lives: bool
    mh_ld_dementia: bool
    cyp_with_ltc: bool
    ethnicity: str | None
    accommodation_status: str | None
    primary_support_reason: str | None
    client_type: str | None
    date_of_death: date | None
    version: int
    is_carer: bool = False

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}"


@dataclass(frozen=True)
class GpPracticeOption:
    """A GP practice from the reference list."""

    code: str
    name: str


@dataclass(frozen=True)
class PersonEditView:
    """What the edit form shows: the person's details and the practices to choose from."""

    details: PersonDetails
    practices: list[GpPracticeOption]


def details_of(person: Person) -> PersonDetails:
    """The plain result object for a Person row's editable fields."""
    assert person.id is not None
    return PersonDetails(
        id=person.id,
        **{name: getattr(person, name) for name in (*EDITABLE, "local_id", "date_of_death")},
        version=person.version,
        is_carer=person.is_carer,
    )


def gp_practices(*, session: Session) -> list[GpPracticeOption]:
    """The GP practices reference list, by name."""
    rows = session.exec(select(GpPractice).order_by(col(GpPractice.name))).all()
    return [GpPracticeOption(p.code, p.name) for p in rows]


def open_person_edit(*, session: Session, person_id: int) -> PersonEditView:
    """The edit form's one read: the person's details and the GP practices."""
    person = load_person(session=session, person_id=person_id)
    return PersonEditView(details_of(person), gp_practices(session=session))


def nhs_number_holder(*, session: Session, nhs_number: str, person_id: int) -> None:
    """Refuse an NHS number someone else holds, naming their record."""
    holder = session.exec(select(Person).where(Person.nhs_number == nhs_number)).first()
    if holder is not None and holder.id != person_id:
        raise InvalidInput(
            f"NHS number {format_nhs_number(nhs_number)} already belongs to "
            f"{holder.given_name} {holder.family_name}, born {uk_date(holder.date_of_birth)} "
            f"(person {holder.id}); check the number, or open that record",
            field="nhs_number",
        )


def _checked(name: str, value: Any, *, session: Session, person: Person) -> Any:
    """One field's new value, checked and tidied; `InvalidInput` names the field."""
    if name in ("given_name", "family_name"):
        return required_name(str(value or ""), field=name)
    if name == "date_of_birth":
        if not isinstance(value, date):
            raise InvalidInput("Date of birth must be a date (DD/MM/YYYY)", field=name)
        return checked_birth_date(value, today=clock.today())
    if name in _OPTIONAL_TEXT:
        text = str(value or "").strip()
        bounds.checked_length(text, PERSON_LENGTHS[name], field=name, label=EDITABLE[name])
        return text or None
    if name == "postcode":
        postcode = tidy_postcode(str(value or ""))
        bounds.checked_length(postcode or "", PERSON_LENGTHS[name], field=name, label="Postcode")
        return postcode
    if name == "gp_practice_code":
        code = str(value or "").strip().upper() or None
        # A code already held (an import may bring any) stays; a new one must be known.
        known = code == person.gp_practice_code or session.get(GpPractice, code) is not None
        if code is not None and not known:
            raise InvalidInput(f"There is no GP practice with code {code}", field=name)
        return code
    if name == "risk_tier":
        return checked_risk_tier(str(value or "").strip().lower())
    if name == "nhs_number":
        digits = normalise(str(value)) if str(value or "").strip() else None
        if digits is not None:
            nhs_number_holder(session=session, nhs_number=digits, person_id=person.id or 0)
        return digits
    if name in NATIONAL_FIELDS:
        return checked_national(name, value)
    if name in COHORT_FLAGS:
        if not isinstance(value, bool):
            raise InvalidInput(f"{EDITABLE[name]} must be yes or no", field=name)
        return value
    raise InvalidInput(
        f"{name!r} cannot be edited; the fields are: {', '.join(EDITABLE)}", field=name
    )


def edit_person(
    *,
    session: Session,
    user: str,
    person_id: int,
    changes: Mapping[str, Any],
    expected_version: int,
) -> PersonDetails:
    """Change some of a person's details (`EDITABLE`), auditing old → new for each field
    that changed. Fields not named are left as they are; an empty value clears an
    optional field. A stale `expected_version` raises `Conflict`.
    """
    require_for(session, "edit_person")
    person = live_person(session=session, person_id=person_id)
    check_version("person", person.version, expected_version)
    values = {
        name: _checked(name, value, session=session, person=person)
        for name, value in changes.items()
    }
    require_identifier(values.get("nhs_number", person.nhs_number), person.local_id)
    born = values.get("date_of_birth", person.date_of_birth)
    checked_death_date(person.date_of_death, born=born, today=clock.today())
    before = audit.snapshot(person)
    for name, value in values.items():
        if getattr(person, name) != value:
            setattr(person, name, value)
    audit.save_update(session=session, user=user, row=person, before=before, action="edit")
    return details_of(person)
