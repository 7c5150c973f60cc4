"""The person's national fields (ethnicity, accommodation status, primary support reason,
client type): their code lists, the services that set them, the people import and the
CLI, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from factories import USER, add_team, count, fake_nhs_number, person_in, receive
from import_support import PEOPLE_HEADER, csv_bytes, run_import
from import_support import person as import_row
from sqlalchemy import Engine
from sqlmodel import Session, select

from intapp.codes import (
    LABELS,
    PERSON_CODE_LISTS,
    AccommodationStatus,
    ClientType,
    Ethnicity,
    PrimarySupportReason,
    client_type_of,
    code_label,
    national_label,
)
from intapp.models import AuditEvent, Person
from intapp.services import people, person_details
from intapp.services.errors import InvalidInput

NATIONAL = ["ethnicity", "accommodation_status", "primary_support_reason", "client_type"]
HEADER = [*PEOPLE_HEADER, *NATIONAL]


@pytest.fixture
def team_id(session: Session) -> int:
    team = add_team(session)
    session.commit()
    return team.id


@pytest.fixture
def lite(sqlite_engine: Engine):
    with Session(sqlite_engine, expire_on_commit=False) as s:
        from factories import small_organisation

        small_organisation(s)
        s.commit()
        yield s


# --- the code lists ----------------------------------------------------------------------------


def test_the_ethnic_categories_are_the_nhs_letters_and_every_list_has_unknown():
    assert [m.value for m in Ethnicity] == [*"ABCDEFGHJKLMNPRSZ", "unknown"]
    assert Ethnicity.NOT_STATED.label == "Not stated"
    assert Ethnicity.WHITE_IRISH.label == "White - Irish"
    for codes in PERSON_CODE_LISTS.values():
        assert codes.of("unknown").label == "Unknown"
    assert len(AccommodationStatus) == 20
    assert len(PrimarySupportReason) == 13
    assert [m.value for m in ClientType] == ["service_user", "carer", "unknown"]


def test_each_code_reads_as_its_national_wording_everywhere():
    assert code_label("care_home") == "Registered care home"
    assert code_label("J") == "Asian or Asian British - Pakistani"
    assert code_label("support_to_carer") == "Social Support: Support to Carer"
    assert AccommodationStatus.TENANT_PRIVATE.label == "Tenant - private landlord"
    for codes in PERSON_CODE_LISTS.values():
        for member in codes:
            assert LABELS[member.value] == member.wording == member.label
    assert national_label(None) == "Unknown"
    assert national_label("Z") == "Not stated"


@pytest.mark.parametrize(
    ("codes", "typed", "code"),
    [
        (Ethnicity, "a", "A"),
        (Ethnicity, "white - irish", "B"),
        (Ethnicity, "WHITE – IRISH", "B"),
        (Ethnicity, "not known", "unknown"),
        (Ethnicity, "99", "unknown"),
        (AccommodationStatus, "care home", "care_home"),
        (AccommodationStatus, "Owner occupier or shared ownership scheme", "owner_occupier"),
        (AccommodationStatus, "  tenant  -  private landlord ", "tenant_private"),
        (PrimarySupportReason, "learning disability support", "learning_disability"),
        (ClientType, "Service User", "service_user"),
        (ClientType, "service_user", "service_user"),
        (ClientType, "UNKNOWN", "unknown"),
    ],
)
def test_a_value_is_found_by_its_code_or_wording_in_any_case(codes, typed, code):
    found = codes.from_text(typed)
    assert found is not None and found.value == code


def test_a_client_type_not_recorded_follows_the_carer_flag():
    assert client_type_of(None, is_carer=True) is ClientType.CARER
    assert client_type_of(None, is_carer=False) is ClientType.SERVICE_USER
    assert client_type_of("service_user", is_carer=True) is ClientType.SERVICE_USER


# --- the services ------------------------------------------------------------------------------


def test_a_new_person_keeps_the_codes_given_by_code_or_wording(session: Session, team_id: int):
    created = people.create_person(
        session=session,
        user=USER,
        person_in=person_in(
            team_id,
            ethnicity="n",
            accommodation_status="Registered nursing home",
            primary_support_reason="memory_cognition",
            client_type="",
        ),
    )
    session.commit()
    row = session.get(Person, created.id)
    assert row is not None
    assert (row.ethnicity, row.accommodation_status, row.primary_support_reason) == (
        "N",
        "nursing_home",
        "memory_cognition",
    )
    assert row.client_type is None
    assert created.ethnicity == "N"


def test_an_unknown_value_is_refused_naming_the_field(session: Session, team_id: int):
    with pytest.raises(InvalidInput) as refused:
        people.create_person(
            session=session, user=USER, person_in=person_in(team_id, accommodation_status="yurt")
        )
    assert refused.value.field == "accommodation_status"
    assert "'yurt' is not on the national accommodation status list" in refused.value.message


def test_an_edit_records_each_national_field_audited_old_and_new(session: Session, team_id: int):
    person_id = people.create_person(session=session, user=USER, person_in=person_in(team_id)).id
    session.commit()
    version = session.get(Person, person_id).version  # type: ignore[union-attr]
    details = person_details.edit_person(
        session=session,
        user=USER,
        person_id=person_id,
        changes={"ethnicity": "Z", "client_type": "carer", "primary_support_reason": None},
        expected_version=version,
    )
    session.commit()
    assert (details.ethnicity, details.client_type) == ("Z", "carer")
    event = session.exec(
        select(AuditEvent).where(AuditEvent.entity == "person", AuditEvent.action == "edit")
    ).one()
    assert event.changes == {"ethnicity": [None, "Z"], "client_type": [None, "carer"]}
    with pytest.raises(InvalidInput) as refused:
        person_details.edit_person(
            session=session,
            user=USER,
            person_id=person_id,
            changes={"ethnicity": "Q"},
            expected_version=details.version,
        )
    assert refused.value.field == "ethnicity"


def test_a_referral_for_a_known_person_records_the_fields_it_gives(session: Session, team_id: int):
    first = receive(session, person_in(team_id, 1, ethnicity="A"))
    session.commit()
    receive(
        session,
        person_in(team_id, 1, accommodation_status="care_home", ethnicity=None),
    )
    session.commit()
    row = session.get(Person, first.person_id)
    assert row is not None
    # Given: recorded; not given: left as it was.
    assert (row.ethnicity, row.accommodation_status) == ("A", "care_home")
    [event] = session.exec(
        select(AuditEvent).where(AuditEvent.entity == "person", AuditEvent.action == "edit")
    ).all()
    assert event.changes == {"accommodation_status": [None, "care_home"]}


# --- the people import -------------------------------------------------------------------------


def _file(*rows: dict[str, str]) -> bytes:
    return csv_bytes(HEADER, list(rows))


def test_the_import_takes_codes_or_wording_in_any_case(session: Session) -> None:
    from factories import small_organisation

    small_organisation(session)
    session.commit()
    data = _file(
        import_row(
            1,
            ethnicity="h",
            accommodation_status="SHELTERED HOUSING / EXTRA CARE HOUSING / OTHER SHELTERED HOUSING",
            primary_support_reason="Physical Support: Personal care support",
            client_type="service user",
        ),
        import_row(2, ethnicity="Not stated", client_type="Carer"),
        import_row(3),
    )
    outcome = run_import(session, "people", data)
    session.commit()
    assert outcome.files[0].created == 3
    rows = {p.nhs_number: p for p in session.exec(select(Person)).all()}
    first, second, third = (rows[fake_nhs_number(n)] for n in (1, 2, 3))
    assert (
        first.ethnicity,
        first.accommodation_status,
        first.primary_support_reason,
        first.client_type,
    ) == ("H", "sheltered_housing", "physical_personal_care", "service_user")
    assert (second.ethnicity, second.client_type) == ("Z", "carer")
    assert (third.ethnicity, third.client_type) == (None, None)
    create = session.exec(
        select(AuditEvent).where(
            AuditEvent.entity == "person",
            AuditEvent.entity_id == str(first.id),
            AuditEvent.action == "create",
        )
    ).one()
    assert create.changes["ethnicity"] == [None, "H"]
    # A later file changes a field it gives, audited; a blank cell leaves it be.
    again = _file(import_row(1, accommodation_status="care_home", ethnicity=""))
    outcome = run_import(session, "people", again, name="again.csv")
    session.commit()
    assert outcome.files[0].updated == 1
    session.refresh(first)
    assert (first.ethnicity, first.accommodation_status) == ("H", "care_home")
    update = session.exec(
        select(AuditEvent).where(
            AuditEvent.entity == "person",
            AuditEvent.entity_id == str(first.id),
            AuditEvent.action == "update",
        )
    ).one()
    assert update.changes == {"accommodation_status": ["sheltered_housing", "care_home"]}


@pytest.mark.parametrize("column", NATIONAL)
def test_an_unknown_value_is_refused_naming_line_and_field(lite: Session, column: str) -> None:
    outcome = run_import(lite, "people", _file(import_row(1), import_row(2, **{column: "zzz"})))
    [problem] = outcome.problems
    assert (problem.file, problem.line, problem.column) == ("file.csv", 3, column)
    assert "'zzz' is not on the national" in problem.reason
    assert "give a code (" in problem.reason
    assert count(lite, Person) == 0


def test_the_template_uses_every_people_column_with_valid_national_values() -> None:
    import csv
    from datetime import date

    from intapp.paths import open_shipped
    from intapp.services.importing.people import columns

    with open_shipped("templates/people.csv") as handle:
        rows = list(csv.DictReader(handle))
    names = [c.name for c in columns(teams={"C3": 1}, today=date(2026, 12, 1))]
    assert list(rows[0]) == names
    for row in rows:
        for name in NATIONAL:
            assert people.checked_national(name, row[name]) is not None
