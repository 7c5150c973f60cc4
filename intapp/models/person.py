"""The person a team supports (a service user or a carer)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

import jellyfish
from anyascii import anyascii
from sqlalchemy import CheckConstraint, Index, String, event
from sqlmodel import Field, SQLModel

from intapp.models.base import Versioned
from intapp.models.types import UTCDateTime

# Column info marking a value computed from others: not audited, not shown.
DERIVED = {"derived": True}
_NOT_LETTERS = re.compile(r"[^A-Za-z]+")


def name_key(name: str | None) -> str | None:
    """How a name sounds, as a Metaphone code ("Jackson" and "Jakson" are both JKSN).

    Letters only, so "O'Brien" and "OBrien" agree; None for a name with no letters.
    The phonetic algorithm is jellyfish's, not ours.
    """
    # Letters are spelt in ASCII first, by a maintained transliteration table ("Siân" is
    # "Sian", "Łukasz" "Lukasz", "Øyvind" "Oyvind", "Straße" "Strasse": stripping accents
    # alone drops the letters that do not decompose), then everything not a letter goes.
    plain = anyascii(name or "")
    letters = _NOT_LETTERS.sub("", plain)
    return jellyfish.metaphone(letters)[:80] or None if letters else None


def folded(name: str | None) -> str:
    """A name as search compares it: composed and case-folded ("Élise" is "élise",
    "STRASSE" and "Straße" are both "strasse"). Python folds every letter; the
    databases' lower() does not (SQLite's folds only A-Z), so the stored column is
    worked out here, and a typed word goes through the same function."""
    return unicodedata.normalize("NFC", name or "").casefold()


def name_keys(given_name: str | None, family_name: str | None) -> dict[str, str | None]:
    """The derived columns for a person's names, phonetic keys and folded names for
    search: the one place they are worked out.

    Every write path sets them from here: the ORM (app, CLI, merges) through the flush
    hook below, and the bulk writers (import, demo) by adding these values to each row.
    """
    return {
        "given_name_key": name_key(given_name),
        "family_name_key": name_key(family_name),
        "given_name_folded": folded(given_name),
        "family_name_folded": folded(family_name),
    }


class Person(Versioned, SQLModel, table=True):
    """Someone known to a team. NHS number first; a local id where there is none."""

    __table_args__ = (
        CheckConstraint(
            "nhs_number IS NOT NULL OR local_id IS NOT NULL", name="ck_person_identifier"
        ),
        Index("ix_person_name_dob", "family_name", "given_name", "date_of_birth"),
        Index("ix_person_family_name_key", "family_name_key"),
        Index("ix_person_given_name_key", "given_name_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    nhs_number: str | None = Field(default=None, sa_type=String(10), unique=True)
    local_id: str | None = Field(default=None, sa_type=String(40), unique=True)
    given_name: str = Field(sa_type=String(80))
    family_name: str = Field(sa_type=String(80))
    date_of_birth: date = Field(index=True)
    gender: str | None = Field(default=None, sa_type=String(20))
    postcode: str | None = Field(default=None, sa_type=String(10), index=True)
    gp_practice_code: str | None = Field(default=None, sa_type=String(10))
    phone: str | None = Field(default=None, sa_type=String(30))
    team_id: int = Field(foreign_key="team.id", index=True)
    risk_tier: str = Field(default="low", sa_type=String(10))
    frail_older: bool = Field(default=False)
    ltc_end_of_life: bool = Field(default=False)
    complex_lives: bool = Field(default=False)
    mh_ld_dementia: bool = Field(default=False)
    cyp_with_ltc: bool = Field(default=False)
    has_unpaid_carer: bool = Field(default=False)
    is_carer: bool = Field(default=False)
    date_of_death: date | None = Field(default=None)
    # The national (Client Level Data) fields, each a code from its list in `codes`
    # (`codes.PERSON_CODE_LISTS`); None is not recorded, reported as unknown. A client
    # type not recorded follows `is_carer` (`codes.client_type_of`).
    ethnicity: str | None = Field(default=None, sa_type=String(10))
    accommodation_status: str | None = Field(default=None, sa_type=String(40))
    primary_support_reason: str | None = Field(default=None, sa_type=String(40))
    client_type: str | None = Field(default=None, sa_type=String(20))
    # Set when this record was merged into another: it stays only as a pointer to that one.
    merged_into_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    # How the team learnt of the death (`codes.DeathSource`); None when not recorded here.
    death_source: str | None = Field(default=None, sa_type=String(30))
    created_at: datetime = Field(sa_type=UTCDateTime)
    version: int = Field(default=1)
    # How each name sounds (`name_keys`), so "Jakson" finds "Jackson". Derived from the
    # names on every write, never typed, and left out of the audit trail.
    given_name_key: str | None = Field(
        default=None, sa_type=String(80), sa_column_kwargs={"info": DERIVED}
    )
    family_name_key: str | None = Field(
        default=None, sa_type=String(80), sa_column_kwargs={"info": DERIVED}
    )
    # Each name as search compares it (`folded`): a case-folded letter may be longer.
    given_name_folded: str | None = Field(
        default=None, sa_type=String(240), sa_column_kwargs={"info": DERIVED}
    )
    family_name_folded: str | None = Field(
        default=None, sa_type=String(240), sa_column_kwargs={"info": DERIVED}
    )

    @property
    def display_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


# Name search matches the start of either name in any case, as a range over these.
Index("ix_person_family_name_folded", Person.__table__.c.family_name_folded)  # type: ignore[attr-defined]
Index("ix_person_given_name_folded", Person.__table__.c.given_name_folded)  # type: ignore[attr-defined]


def refresh_name_keys(person: Person) -> None:
    """Set `person`'s phonetic keys from its names (the flush hook calls this too)."""
    for column, value in name_keys(person.given_name, person.family_name).items():
        if getattr(person, column) != value:
            setattr(person, column, value)


@event.listens_for(Person, "before_insert")
@event.listens_for(Person, "before_update")
def _keys_follow_names(_mapper: object, _connection: object, person: Person) -> None:
    refresh_name_keys(person)
