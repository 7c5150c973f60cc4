"""The people import links carers to the people they care for, by NHS number or local id,
in the same file or already recorded; a bad link names the line and the column."""

from __future__ import annotations

import pytest
from factories import fake_nhs_number, person_in, receive, small_organisation
from import_support import PEOPLE_HEADER, csv_bytes, person, run_import
from sqlmodel import Session, col, select

from intapp.models import AuditEvent, CarerLink, Person

HEADER = [*PEOPLE_HEADER, "cares_for_nhs_number", "cares_for_local_id"]


@pytest.fixture
def org(session: Session):
    organisation = small_organisation(session)
    session.commit()
    return organisation


def _ids(session: Session) -> dict[str, int]:
    return {p.local_id: p.id for p in session.exec(select(Person)).all()}  # type: ignore[misc]


def _links(session: Session) -> set[tuple[int, int]]:
    rows = session.exec(select(CarerLink).where(col(CarerLink.ended_on).is_(None))).all()
    return {(r.carer_id, r.cared_for_id) for r in rows}


def test_carers_link_within_the_file_and_to_a_stored_person(session: Session, org) -> None:
    stored = receive(session, person_in(org.team.id, 30, local_id="OLD-30")).person_id
    session.commit()
    rows = [
        person(1),
        # Cares for line 2's person, by NHS number, and needs no NHS number of their own.
        person(2, nhs_number="", local_id="CARER-2", cares_for_nhs_number=fake_nhs_number(1)),
        # Cares for someone already recorded, by local id.
        person(3, cares_for_local_id="OLD-30"),
    ]
    outcome = run_import(session, "people", csv_bytes(HEADER, rows))
    assert outcome.problems == []
    session.commit()
    ids = _ids(session)
    assert _links(session) == {(ids["CARER-2"], ids["L00001"]), (ids["L00003"], stored)}
    carers = session.exec(select(Person).where(col(Person.is_carer))).all()
    assert {p.local_id for p in carers} == {"CARER-2", "L00003"}
    events = session.exec(select(AuditEvent).where(AuditEvent.entity == "carer_link")).all()
    assert len(events) == 2 and all(e.import_batch_id for e in events)
    # The same file again: the links are there already, and nothing doubles.
    again = run_import(session, "people", csv_bytes(HEADER, rows))
    assert again.problems == []
    assert len(_links(session)) == 2


def test_a_link_to_nobody_names_the_line_and_the_column(session: Session, org) -> None:
    rows = [
        person(1, cares_for_nhs_number=fake_nhs_number(40)),
        person(2, cares_for_local_id="L00002"),
        person(3, cares_for_local_id="NOBODY"),
    ]
    outcome = run_import(session, "people", csv_bytes(HEADER, rows))
    found = {(p.line, p.column, p.reason) for p in outcome.problems}
    assert found == {
        (
            2,
            "cares_for_nhs_number",
            f"no person with NHS number {fake_nhs_number(40)} is in this file or already recorded",
        ),
        (3, "cares_for_local_id", "a person cannot be their own carer"),
        (
            4,
            "cares_for_local_id",
            "no person with local id NOBODY is in this file or already recorded",
        ),
    }


def test_a_carer_of_a_rejected_row_is_rejected_too(session: Session, org) -> None:
    run_import(session, "people", csv_bytes(HEADER, [person(1)]))
    session.commit()
    rows = [
        person(5, local_id="L00001"),  # L00001 is on record with another NHS number
        person(6, cares_for_local_id="L00001"),
        person(7),
    ]
    outcome = run_import(session, "people", csv_bytes(HEADER, rows), skip_invalid=True)
    found = {(p.line, p.column, p.reason) for p in outcome.problems}
    assert (3, "cares_for_local_id", "the person cared for, on line 2, was not imported") in found
    assert {p.line for p in outcome.problems} == {2, 3}
    assert outcome.files[0].created == 1  # line 4 only
    session.commit()
    assert _links(session) == set()
