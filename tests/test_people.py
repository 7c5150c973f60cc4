"""People: one record per person however the referral names them, validation, and search."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from factories import USER, add_team, count, fake_nhs_number, person_in, receive, seen_version
from sqlmodel import Session, select

from intapp.formatting import parse_date
from intapp.models import AuditEvent, Person, Referral
from intapp.services import people
from intapp.services.errors import InvalidInput, NotFound
from intapp.services.people import PersonIn


@pytest.fixture
def team_id(session: Session) -> int:
    return add_team(session).id


def test_same_nhs_number_twice_is_one_person_with_two_referrals(
    session: Session, team_id: int
) -> None:
    first = receive(session, person_in(team_id, 0, nhs_number="943 476 5919"))
    again = person_in(
        team_id, 0, nhs_number="943-476-5919", given_name="ADA", family_name="okafor-new"
    )
    second = receive(session, again, source="district_nurse", reason="Pressure sore")

    assert second.person_id == first.person_id
    assert count(session, Person) == 1
    rows = session.exec(select(Referral).where(Referral.person_id == first.person_id)).all()
    assert sorted(r.reason for r in rows) == ["Pressure sore", "Struggling at home after a fall"]
    stored = session.get(Person, first.person_id)
    assert stored is not None
    # Matching does not overwrite the record with whatever the new referral says.
    assert (stored.nhs_number, stored.given_name) == ("9434765919", "Ada")


def test_same_local_id_without_nhs_number_is_one_person(session: Session, team_id: int) -> None:
    a = receive(session, person_in(team_id, 1, nhs_number=None, local_id="MCC-000123"))
    b = receive(session, person_in(team_id, 1, nhs_number=None, local_id=" MCC-000123 "))
    assert a.person_id == b.person_id
    assert count(session, Person) == 1
    assert count(session, Referral, Referral.person_id == a.person_id) == 2


def test_unknown_nhs_number_falls_back_to_local_id(session: Session, team_id: int) -> None:
    known = receive(session, person_in(team_id, 2, nhs_number=None, local_id="MCC-9"))
    later = receive(session, person_in(team_id, 2, nhs_number="401 023 2137", local_id="MCC-9"))
    assert later.person_id == known.person_id
    assert count(session, Person) == 1


def test_local_id_match_with_a_contradicting_nhs_number_is_refused(
    session: Session, team_id: int
) -> None:
    known = receive(session, person_in(team_id, 2, nhs_number="943 476 5919", local_id="MCC-9"))
    with pytest.raises(InvalidInput) as caught:
        receive(session, person_in(team_id, 2, nhs_number="401 023 2137", local_id="MCC-9"))
    assert caught.value.field == "nhs_number"
    assert count(session, Referral) == 1
    assert count(session, Referral, Referral.person_id == known.person_id) == 1


def test_different_nhs_numbers_are_different_people(session: Session, team_id: int) -> None:
    a = receive(session, person_in(team_id, 3, nhs_number=fake_nhs_number(10)))
    b = receive(session, person_in(team_id, 3, nhs_number=fake_nhs_number(11)))
    assert a.person_id != b.person_id
    assert count(session, Person) == 2


def test_find_person_by_exact_name_and_birth_date_ignores_case(
    session: Session, team_id: int
) -> None:
    created = receive(session, person_in(team_id, 4, given_name="Dorothy", family_name="Patel"))
    found = people.find_person(
        session=session,
        given_name=" dOROTHY ",
        family_name="PATEL",
        date_of_birth=person_in(team_id, 4).date_of_birth,
    )
    assert found is not None and found.id == created.person_id
    assert (
        people.find_person(
            session=session,
            given_name="Dorothy",
            family_name="Patel",
            date_of_birth=date(1901, 1, 1),
        )
        is None
    )


def test_known_person_arriving_with_nhs_number_is_matched_by_name_and_birth_date(
    session: Session, team_id: int
) -> None:
    # Regression: the name + date of birth fallback was never reached, so this duplicated.
    known = receive(
        session,
        person_in(team_id, 5, nhs_number=None, local_id="LA-555", family_name="Walsh"),
    )
    referral = receive(
        session,
        person_in(team_id, 5, nhs_number="401 023 2137", given_name="FATIMA", family_name="walsh"),
    )
    assert count(session, Person) == 1
    assert referral.person_id == known.person_id
    stored = session.get(Person, known.person_id)
    assert stored is not None
    # The record gains the NHS number it lacked, and keeps its local id.
    assert (stored.nhs_number, stored.local_id) == ("4010232137", "LA-555")
    linked = session.exec(
        select(AuditEvent).where(AuditEvent.entity == "person", AuditEvent.action == "link")
    ).one()
    assert linked.changes == {"nhs_number": [None, "4010232137"]}


def test_namesake_with_a_different_nhs_number_is_a_different_person(
    session: Session, team_id: int
) -> None:
    a = receive(session, person_in(team_id, 5, nhs_number=fake_nhs_number(1)))
    b = receive(session, person_in(team_id, 5, nhs_number=fake_nhs_number(2)))
    assert a.person_id != b.person_id
    assert count(session, Person) == 2


def test_create_person_refuses_someone_already_recorded(session: Session, team_id: int) -> None:
    people.create_person(session=session, user=USER, person_in=person_in(team_id, 6))
    with pytest.raises(InvalidInput, match="already recorded") as caught:
        people.create_person(session=session, user=USER, person_in=person_in(team_id, 6))
    assert caught.value.field == "nhs_number"
    assert count(session, Person) == 1


INVALID_CHANGES: list[tuple[dict[str, object], str]] = [
    ({"date_of_birth": date(2026, 11, 24)}, "date_of_birth"),
    ({"given_name": "   "}, "given_name"),
    ({"family_name": ""}, "family_name"),
    ({"nhs_number": None, "local_id": "  "}, "nhs_number"),
    ({"nhs_number": "943 476 5910"}, "nhs_number"),
    ({"risk_tier": "very_high"}, "risk_tier"),
    ({"team_id": 999_999}, "team"),
    ({"date_of_death": date(1900, 1, 1)}, "date_of_death"),
    ({"date_of_death": date(2026, 12, 1)}, "date_of_death"),
]


def test_invalid_person_is_refused_naming_the_field_and_nothing_is_written(
    session: Session, team_id: int
) -> None:
    for change, field in INVALID_CHANGES:
        bad = replace(person_in(team_id, 7), **change)  # type: ignore[arg-type]
        with pytest.raises(InvalidInput) as caught:
            receive(session, bad)
        assert caught.value.field == field, change
    assert count(session, Person) == 0
    assert count(session, Referral) == 0
    assert count(session, AuditEvent, AuditEvent.entity == "person") == 0


def test_birth_today_is_allowed_and_postcode_is_tidied(session: Session, team_id: int) -> None:
    referral = receive(
        session, person_in(team_id, 8, date_of_birth=date(2026, 11, 23), postcode=" m14 5ab ")
    )
    stored = session.get(Person, referral.person_id)
    assert stored is not None
    assert stored.postcode == "M14 5AB"
    assert stored.date_of_birth == date(2026, 11, 23)


def test_update_person_changes_the_row(session: Session, team_id: int) -> None:
    summary = people.create_person(session=session, user=USER, person_in=person_in(team_id, 0))
    changed = replace(person_in(team_id, 0), family_name="Okafor-Reid", risk_tier="high")
    people.update_person(
        session=session,
        user=USER,
        person_id=summary.id,
        person_in=changed,
        expected_version=seen_version(session, Person, summary.id),
    )
    session.commit()
    session.expire_all()
    stored = session.get(Person, summary.id)
    assert stored is not None
    assert (stored.family_name, stored.risk_tier) == ("Okafor-Reid", "high")


def test_get_person_unknown_is_not_found(session: Session) -> None:
    with pytest.raises(NotFound):
        people.get_person(session=session, person_id=424242)


@pytest.fixture
def searchable(session: Session, team_id: int) -> dict[str, int]:
    """Four people with distinct numbers, names, birth dates and postcodes, committed."""
    specs = {
        "john": PersonIn(
            "John", "Smith", date(1940, 2, 1), team_id, nhs_number="9434765919", postcode="M14 5AB"
        ),
        "jane": PersonIn(
            "Jane",
            "Smithson",
            date(1952, 7, 9),
            team_id,
            nhs_number="4010232137",
            postcode="M14 7XY",
        ),
        "amir": PersonIn(
            "Amir", "Hussain", date(1940, 2, 1), team_id, local_id="LA-77", postcode="M20 1AA"
        ),
        "smita": PersonIn(
            "Smita",
            "Rao",
            date(1999, 12, 31),
            team_id,
            nhs_number=fake_nhs_number(0),
            postcode="OL1 2BB",
        ),
    }
    ids = {
        key: people.create_person(session=session, user=USER, person_in=spec).id
        for key, spec in specs.items()
    }
    session.commit()
    return ids


def _names(results: list[people.PersonSummary]) -> list[str]:
    return [r.name for r in results]


def test_search_by_nhs_number_with_or_without_spaces(
    session: Session, searchable: dict[str, int]
) -> None:
    for typed in ("943 476 5919", "9434765919", "943-476-5919", " 9434765919 "):
        results = people.search_people(session=session, text=typed)
        assert [r.id for r in results] == [searchable["john"]], typed
        assert results[0].nhs_number_display == "943 476 5919"
    assert people.search_people(session=session, text="943 476 5918") == []


def test_search_by_name_prefix(session: Session, searchable: dict[str, int]) -> None:
    # Family or given name starting with "smi", case-insensitive, ordered by family name.
    assert _names(people.search_people(session=session, text="SMI")) == [
        "Smita Rao",
        "John Smith",
        "Jane Smithson",
    ]
    assert _names(people.search_people(session=session, text="jo smi")) == ["John Smith"]
    assert _names(people.search_people(session=session, text="hus")) == ["Amir Hussain"]
    assert people.search_people(session=session, text="zebedee") == []


def test_search_by_date_of_birth(session: Session, searchable: dict[str, int]) -> None:
    for typed in ("01/02/1940", "1/2/1940", "1940-02-01"):
        results = people.search_people(session=session, text=typed)
        assert sorted(r.id for r in results) == sorted([searchable["john"], searchable["amir"]])
    assert [r.id for r in people.search_people(session=session, text="31/12/1999")] == [
        searchable["smita"]
    ]


def test_search_by_postcode(session: Session, searchable: dict[str, int]) -> None:
    assert _names(people.search_people(session=session, text="M14")) == [
        "John Smith",
        "Jane Smithson",
    ]
    assert _names(people.search_people(session=session, text="m14 7")) == ["Jane Smithson"]
    assert _names(people.search_people(session=session, text="OL1")) == ["Smita Rao"]


def test_search_blank_and_limit(session: Session, searchable: dict[str, int]) -> None:
    assert people.search_people(session=session, text="   ") == []
    assert len(people.search_people(session=session, text="smi", limit=2)) == 2


def test_parse_date_accepts_uk_and_iso_only() -> None:
    assert parse_date("31/12/1999") == date(1999, 12, 31)
    assert parse_date("1999-12-31") == date(1999, 12, 31)
    assert parse_date("31/02/1999") is None
    assert parse_date("12-31-1999") is None
    assert parse_date("yesterday") is None


def test_update_to_someone_elses_identifier_is_refused_naming_the_field(
    session: Session, team_id: int
) -> None:
    # Regression: this used to reach the unique index and raise a raw IntegrityError.
    first = people.create_person(
        session=session, user=USER, person_in=person_in(team_id, 0, local_id="LA-1")
    )
    second = people.create_person(session=session, user=USER, person_in=person_in(team_id, 1))
    for change, field in [
        ({"nhs_number": first.nhs_number}, "nhs_number"),
        ({"local_id": "LA-1"}, "local_id"),
    ]:
        with pytest.raises(InvalidInput, match="already belongs to another person") as caught:
            people.update_person(
                session=session,
                user=USER,
                person_id=second.id,
                person_in=person_in(team_id, 1, **change),
                expected_version=seen_version(session, Person, second.id),
            )
        assert caught.value.field == field
    session.expire_all()
    stored = session.get(Person, second.id)
    assert stored is not None
    assert (stored.nhs_number, stored.local_id) == (second.nhs_number, None)


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("a " * 2500, ["Amir Hussain"]),  # 5,000 pasted characters, a word in every two
        ("x" * 5000, []),
        ("smi\x00th", []),
        ("%", []),
        ("_", []),
        ("smi%", []),
        ("o'brien", []),
        ('"; DROP TABLE person; --', []),
        ("\\", []),
        ("\u202esmith", ["John Smith", "Jane Smithson"]),
        ("\t\n\r", []),
    ],
)
def test_search_never_fails_on_odd_input(
    session: Session, searchable: dict[str, int], typed: str, found: list[str]
) -> None:
    # LIKE wildcards and quotes are matched as themselves: nobody's name holds them.
    assert _names(people.search_people(session=session, text=typed)) == found


def test_search_matches_what_stays_after_odd_characters_are_removed(
    session: Session, searchable: dict[str, int]
) -> None:
    assert _names(people.search_people(session=session, text="smi\x00 jo")) == ["John Smith"]
    assert _names(people.search_people(session=session, text="  smi\tjo  ")) == ["John Smith"]
    long_tail = "jo smi" + " zzz" * 2000
    assert people.search_people(session=session, text=long_tail) == []
